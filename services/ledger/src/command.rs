//! Every mutation of the contract, as one enum over the entities' commands.

use fundtrail_domain::DomainError;
use fundtrail_domain::access::TokenCommand;
use fundtrail_domain::exchange_rate::ExchangeRateCommand;
use fundtrail_domain::organisation::OrganisationCommand;
use fundtrail_domain::partnership::PartnershipCommand;
use fundtrail_domain::pledge::PledgeCommand;
use fundtrail_domain::priority::PriorityCommand;
use fundtrail_domain::proposal::ProposalCommand;
use fundtrail_domain::roadmap::RoadmapCommand;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Command {
    Organisation(OrganisationCommand),
    Roadmap(RoadmapCommand),
    Priority(PriorityCommand),
    Partnership(PartnershipCommand),
    Proposal(ProposalCommand),
    Pledge(PledgeCommand),
    ExchangeRate(ExchangeRateCommand),
    Token(TokenCommand),
}

macro_rules! from_entity_command {
    ($($v:ident($t:ty)),+) => {
        $(impl From<$t> for Command {
            fn from(c: $t) -> Self { Command::$v(c) }
        })+
    };
}

from_entity_command!(
    Organisation(OrganisationCommand),
    Roadmap(RoadmapCommand),
    Priority(PriorityCommand),
    Partnership(PartnershipCommand),
    Proposal(ProposalCommand),
    Pledge(PledgeCommand),
    ExchangeRate(ExchangeRateCommand),
    Token(TokenCommand)
);

impl Command {
    /// The stream of the entity the command creates or changes.
    pub fn stream_id(&self) -> Result<String, DomainError> {
        match self {
            Command::Organisation(c) => c.stream_id(),
            Command::Roadmap(c) => c.stream_id(),
            Command::Priority(c) => c.stream_id(),
            Command::Partnership(c) => c.stream_id(),
            Command::Proposal(c) => c.stream_id(),
            Command::Pledge(c) => c.stream_id(),
            Command::ExchangeRate(c) => c.stream_id(),
            Command::Token(c) => c.stream_id(),
        }
    }
}

/// A digest of what the client asked: the command and its expected version.
/// The same `commandId` with another fingerprint is an idempotency conflict.
pub fn fingerprint(command: &Command, expected_version: Option<u64>) -> String {
    let json =
        serde_json::to_vec(&(command, expected_version)).expect("commands serialise to JSON");
    format!("sha256:{}", hex::encode(Sha256::digest(&json)))
}
