//! Every mutation of the contract, as one enum over the entities' commands,
//! and the one place that tells them apart ([`Command::accept`]).

use fundtrail_domain::DomainError;
use fundtrail_domain::action::{ActionCommand, ActionState};
use fundtrail_domain::aggregate::Aggregate;
use fundtrail_domain::document::{DocumentCommand, DocumentState};
use fundtrail_domain::exchange_rate::{ExchangeRateCommand, ExchangeRateState};
use fundtrail_domain::next_step::{NextStepCommand, NextStepState};
use fundtrail_domain::organisation::{OrganisationCommand, OrganisationState};
use fundtrail_domain::partnership::{PartnershipCommand, PartnershipState};
use fundtrail_domain::pledge::{PledgeCommand, PledgeState};
use fundtrail_domain::priority::{PriorityCommand, PriorityState};
use fundtrail_domain::proposal::{ProposalCommand, ProposalState};
use fundtrail_domain::prospect::{ProspectCommand, ProspectState};
use fundtrail_domain::roadmap::{RoadmapCommand, RoadmapState};
use fundtrail_domain::streams::EntityKind;
use fundtrail_domain::token::{TokenCommand, TokenState};
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
    Document(DocumentCommand),
    NextStep(NextStepCommand),
    Prospect(ProspectCommand),
    Action(ActionCommand),
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
    Token(TokenCommand),
    Document(DocumentCommand),
    NextStep(NextStepCommand),
    Prospect(ProspectCommand),
    Action(ActionCommand)
);

/// Something done with an entity's command, whichever entity it is:
/// [`Command::accept`] calls [`visit`](CommandVisitor::visit) with the
/// entity's state type `A` (an [`Aggregate`]) and its command.
pub trait CommandVisitor<'c> {
    type Output;
    fn visit<A: Aggregate>(self, command: &'c A::Command) -> Self::Output;
}

impl Command {
    /// Hands the entity's command to `visitor`, typed by its entity's state.
    /// The one match over the kinds of command: the ledger and the importer
    /// go through it.
    pub fn accept<'c, V: CommandVisitor<'c>>(&'c self, visitor: V) -> V::Output {
        match self {
            Command::Organisation(c) => visitor.visit::<OrganisationState>(c),
            Command::Roadmap(c) => visitor.visit::<RoadmapState>(c),
            Command::Priority(c) => visitor.visit::<PriorityState>(c),
            Command::Partnership(c) => visitor.visit::<PartnershipState>(c),
            Command::Proposal(c) => visitor.visit::<ProposalState>(c),
            Command::Pledge(c) => visitor.visit::<PledgeState>(c),
            Command::ExchangeRate(c) => visitor.visit::<ExchangeRateState>(c),
            Command::Token(c) => visitor.visit::<TokenState>(c),
            Command::Document(c) => visitor.visit::<DocumentState>(c),
            Command::NextStep(c) => visitor.visit::<NextStepState>(c),
            Command::Prospect(c) => visitor.visit::<ProspectState>(c),
            Command::Action(c) => visitor.visit::<ActionState>(c),
        }
    }

    /// The stream of the entity the command creates or changes.
    pub fn stream_id(&self) -> Result<String, DomainError> {
        struct StreamOf;
        impl CommandVisitor<'_> for StreamOf {
            type Output = Result<String, DomainError>;
            fn visit<A: Aggregate>(self, command: &A::Command) -> Self::Output {
                A::stream_id(command)
            }
        }
        self.accept(StreamOf)
    }

    /// The kind of entity the command creates or changes.
    pub fn kind(&self) -> EntityKind {
        struct KindOf;
        impl CommandVisitor<'_> for KindOf {
            type Output = EntityKind;
            fn visit<A: Aggregate>(self, _: &A::Command) -> EntityKind {
                A::KIND
            }
        }
        self.accept(KindOf)
    }
}

/// A digest of what the client asked: the command and its expected version.
/// The same `commandId` with another fingerprint is an idempotency conflict.
pub fn fingerprint(command: &Command, expected_version: Option<u64>) -> String {
    let json =
        serde_json::to_vec(&(command, expected_version)).expect("commands serialise to JSON");
    format!("sha256:{}", hex::encode(Sha256::digest(&json)))
}
