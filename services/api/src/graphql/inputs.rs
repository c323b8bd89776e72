//! The contract's mutation inputs, and their translation into domain commands.

use async_graphql::{ID, InputObject};
use fundtrail_app::input;
use fundtrail_domain::{
    document, exchange_rate, next_step, organisation, partnership, pledge, priority, proposal,
    prospect, roadmap,
};
use fundtrail_ledger::Command;

use super::enums::{
    ContributionKind, NextStepStatus, OrganisationKind, PartnershipNature, PartnershipStatus,
    ProposalStatus, Theme, to_domain,
};
use super::errors::bad_input;
use super::scalars::{Currency, Date, Decimal};

#[derive(InputObject, Clone, Copy, Debug)]
pub struct MoneyInput {
    pub amount: Decimal,
    pub currency: Currency,
}

impl From<MoneyInput> for fundtrail_domain::money::Money {
    fn from(m: MoneyInput) -> Self {
        fundtrail_domain::money::Money::new(m.amount.0, m.currency.0)
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct QuantityInput {
    pub count: i64,
    pub unit: String,
}

#[derive(InputObject, Clone, Debug)]
pub struct AllocationInput {
    pub priority_id: ID,
    /// In the pledge's currency.
    pub amount: Decimal,
}

fn allocations(items: &[AllocationInput]) -> Vec<pledge::AllocationInput> {
    items
        .iter()
        .map(|a| pledge::AllocationInput {
            priority_id: a.priority_id.0.clone(),
            amount: a.amount.0,
        })
        .collect()
}

fn ids(items: &[ID]) -> Vec<String> {
    items.iter().map(|i| i.0.clone()).collect()
}

/// The id of a created entity ([`fundtrail_app::input::new_id`]).
pub fn new_id(id: &Option<ID>, command_id: &Option<ID>, prefix: &str) -> String {
    input::new_id(
        id.as_ref().map(|i| i.0.as_str()),
        command_id.as_ref().map(|c| c.0.as_str()),
        prefix,
    )
}

pub use input::MAX_COMMAND_ID_BYTES;

/// `commandId` ([`fundtrail_app::input::command_id`]).
pub fn command_id(id: Option<&ID>) -> async_graphql::Result<Option<String>> {
    input::command_id(id.map(|i| i.0.as_str())).map_err(refused)
}

/// `expectedVersion` ([`fundtrail_app::input::expected_version`]).
pub fn expected_version(v: Option<i32>) -> async_graphql::Result<Option<u64>> {
    input::expected_version(v.map(i64::from)).map_err(refused)
}

/// An input rule's refusal as the contract's `BAD_USER_INPUT` with its `field`.
pub fn refused(e: input::InputError) -> async_graphql::Error {
    bad_input(&e.field, e.message)
}

/// What every input carries besides its own fields.
pub trait CommandInput {
    fn command_id(&self) -> Option<&ID>;
    fn expected_version(&self) -> Option<i32> {
        None
    }
    /// The entity id the command creates or changes, and the command.
    fn into_command(self) -> (String, Command);
}

macro_rules! command_meta {
    ($t:ty) => {
        fn command_id(&self) -> Option<&ID> {
            self.command_id.as_ref()
        }
    };
    ($t:ty, versioned) => {
        fn command_id(&self) -> Option<&ID> {
            self.command_id.as_ref()
        }
        fn expected_version(&self) -> Option<i32> {
            self.expected_version
        }
    };
}
pub(crate) use command_meta;

/// The sentence of a document a record rests on (register the document first).
#[derive(InputObject, Clone, Debug)]
pub struct SourceInput {
    pub document_id: ID,
    /// The part of the document (`Q4`, `Annexe 2`).
    pub section: Option<String>,
    /// The sentence, verbatim.
    pub quote: String,
}

impl From<SourceInput> for fundtrail_domain::source::SourceInput {
    fn from(s: SourceInput) -> Self {
        fundtrail_domain::source::SourceInput {
            document_id: s.document_id.0,
            section: s.section,
            quote: s.quote,
        }
    }
}

pub(crate) fn source(s: Option<SourceInput>) -> Option<fundtrail_domain::source::SourceInput> {
    s.map(Into::into)
}

/// One line of an in-kind gift: « 2 motos ».
#[derive(InputObject, Clone, Debug)]
pub struct ItemInput {
    pub quantity: i64,
    /// As the source writes it.
    pub unit: String,
    pub description: Option<String>,
}

/// People a contribution reaches: « 189 jeunes ».
#[derive(InputObject, Clone, Debug)]
pub struct BeneficiariesInput {
    pub count: i64,
    pub description: String,
}

#[derive(InputObject, Clone, Debug)]
pub struct RegisterDocumentInput {
    pub command_id: Option<ID>,
    pub id: Option<ID>,
    pub title: String,
    /// Who issued it, when the document says.
    pub issuer: Option<String>,
    /// When the document is dated.
    pub issued_on: Option<Date>,
    /// ISO 639-1 (`fr`).
    pub language: String,
    /// SHA-256 of the document's text (64 hexadecimal digits).
    pub sha256: String,
}

impl CommandInput for RegisterDocumentInput {
    command_meta!(RegisterDocumentInput);
    fn into_command(self) -> (String, Command) {
        let id = new_id(&self.id, &self.command_id, "doc");
        let command = document::RegisterDocument {
            id: id.clone(),
            title: self.title,
            issuer: self.issuer,
            issued_on: self.issued_on.map(|d| d.0),
            language: self.language,
            sha256: self.sha256,
        };
        (id, document::DocumentCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct DefineNextStepInput {
    pub command_id: Option<ID>,
    pub id: Option<ID>,
    pub roadmap_id: ID,
    pub rank: i64,
    pub title: String,
    /// Absent: not stated.
    pub status: Option<NextStepStatus>,
    /// `YYYY-MM`.
    pub target_month: Option<String>,
    pub target: Option<String>,
    pub source: Option<SourceInput>,
}

impl CommandInput for DefineNextStepInput {
    command_meta!(DefineNextStepInput);
    fn into_command(self) -> (String, Command) {
        let id = new_id(&self.id, &self.command_id, "step");
        let command = next_step::DefineNextStep {
            id: id.clone(),
            roadmap_id: self.roadmap_id.0,
            rank: self.rank,
            title: self.title,
            status: self.status.map(Into::into),
            target_month: self.target_month,
            target: self.target,
            source: source(self.source),
        };
        (id, next_step::NextStepCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct ChangeNextStepStatusInput {
    pub command_id: Option<ID>,
    pub expected_version: Option<i32>,
    pub next_step_id: ID,
    pub status: NextStepStatus,
    pub on: Option<Date>,
    pub reason: Option<String>,
    pub source: Option<SourceInput>,
}

impl CommandInput for ChangeNextStepStatusInput {
    command_meta!(ChangeNextStepStatusInput, versioned);
    fn into_command(self) -> (String, Command) {
        let id = self.next_step_id.0.clone();
        let command = next_step::ChangeNextStepStatus {
            next_step_id: self.next_step_id.0,
            status: self.status.into(),
            on: self.on.map(|d| d.0),
            reason: self.reason,
            source: source(self.source),
        };
        (id, next_step::NextStepCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct RecordProspectInput {
    pub command_id: Option<ID>,
    pub id: Option<ID>,
    pub roadmap_id: ID,
    /// The organisation to approach; or, when the source names none, `name`.
    pub organisation_id: Option<ID>,
    pub name: Option<String>,
    #[graphql(default)]
    pub priority_ids: Vec<ID>,
    #[graphql(default)]
    pub themes: Vec<Theme>,
    pub note: Option<String>,
    pub source: Option<SourceInput>,
    /// IDENTIFIED when absent (not PLEDGED: advance the prospect there).
    pub stage: Option<super::enums::ProspectStage>,
    /// Who follows the prospect (a principal's name).
    pub owner: Option<String>,
    pub expected_amount: Option<MoneyInput>,
    pub expected_decision_on: Option<Date>,
}

impl CommandInput for RecordProspectInput {
    command_meta!(RecordProspectInput);
    fn into_command(self) -> (String, Command) {
        let id = new_id(&self.id, &self.command_id, "prospect");
        let command = prospect::RecordProspect {
            id: id.clone(),
            roadmap_id: self.roadmap_id.0,
            organisation_id: self.organisation_id.map(|o| o.0),
            name: self.name,
            priority_ids: ids(&self.priority_ids),
            themes: to_domain(&self.themes),
            note: self.note,
            source: source(self.source),
            stage: self.stage.map(Into::into),
            owner: self.owner,
            expected_amount: self.expected_amount.map(Into::into),
            expected_decision_on: self.expected_decision_on.map(|d| d.0),
        };
        (id, prospect::ProspectCommand::from(command).into())
    }
}

/// A prospect's new stage, with why (issue #14); `owner`, `expectedAmount`
/// and `expectedDecisionOn` when they change; PROPOSAL_SUBMITTED may name the
/// proposal, PLEDGED must name the pledge.
#[derive(InputObject, Clone, Debug)]
pub struct AdvanceProspectInput {
    pub command_id: Option<ID>,
    pub expected_version: Option<i32>,
    pub prospect_id: ID,
    pub stage: super::enums::ProspectStage,
    pub reason: String,
    pub on: Option<Date>,
    pub owner: Option<String>,
    pub expected_amount: Option<MoneyInput>,
    pub expected_decision_on: Option<Date>,
    pub proposal_id: Option<ID>,
    pub pledge_id: Option<ID>,
}

impl CommandInput for AdvanceProspectInput {
    command_meta!(AdvanceProspectInput, versioned);
    fn into_command(self) -> (String, Command) {
        let id = self.prospect_id.0;
        let command = prospect::AdvanceProspect {
            prospect_id: id.clone(),
            stage: self.stage.into(),
            reason: self.reason,
            on: self.on.map(|d| d.0),
            owner: self.owner,
            expected_amount: self.expected_amount.map(Into::into),
            expected_decision_on: self.expected_decision_on.map(|d| d.0),
            proposal_id: self.proposal_id.map(|p| p.0),
            pledge_id: self.pledge_id.map(|p| p.0),
        };
        (id, prospect::ProspectCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct RegisterOrganisationInput {
    pub command_id: Option<ID>,
    pub id: Option<ID>,
    pub name: String,
    pub acronym: Option<String>,
    pub kind: OrganisationKind,
    /// ISO 3166-1 alpha-3.
    pub country: String,
    /// The document and sentence the record rests on.
    pub source: Option<SourceInput>,
}

impl CommandInput for RegisterOrganisationInput {
    command_meta!(RegisterOrganisationInput);
    fn into_command(self) -> (String, Command) {
        let id = new_id(&self.id, &self.command_id, "org");
        let command = organisation::RegisterOrganisation {
            id: id.clone(),
            name: self.name,
            acronym: self.acronym,
            kind: self.kind.into(),
            country: self.country,
            source: source(self.source),
        };
        (id, organisation::OrganisationCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct CreateRoadmapInput {
    pub command_id: Option<ID>,
    pub id: Option<ID>,
    pub country: String,
    pub title: String,
    pub period_start: Date,
    pub period_end: Date,
    /// The reporting currency.
    pub currency: Currency,
    /// The document and sentence the record rests on.
    pub source: Option<SourceInput>,
}

impl CommandInput for CreateRoadmapInput {
    command_meta!(CreateRoadmapInput);
    fn into_command(self) -> (String, Command) {
        let id = new_id(&self.id, &self.command_id, "roadmap");
        let command = roadmap::CreateRoadmap {
            id: id.clone(),
            country: self.country,
            title: self.title,
            period_start: self.period_start.0,
            period_end: self.period_end.0,
            currency: self.currency.0,
            source: source(self.source),
        };
        (id, roadmap::RoadmapCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct DefinePriorityInput {
    pub command_id: Option<ID>,
    pub id: Option<ID>,
    pub roadmap_id: ID,
    pub rank: i32,
    pub title: String,
    /// The document and sentence the record rests on.
    pub source: Option<SourceInput>,
}

impl CommandInput for DefinePriorityInput {
    command_meta!(DefinePriorityInput);
    fn into_command(self) -> (String, Command) {
        let id = new_id(&self.id, &self.command_id, "priority");
        let command = priority::DefinePriority {
            id: id.clone(),
            roadmap_id: self.roadmap_id.0,
            rank: i64::from(self.rank),
            title: self.title,
            source: source(self.source),
        };
        (id, priority::PriorityCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct SetFundingRequirementInput {
    pub command_id: Option<ID>,
    pub expected_version: Option<i32>,
    pub priority_id: ID,
    pub amount: MoneyInput,
    pub reason: Option<String>,
}

impl CommandInput for SetFundingRequirementInput {
    command_meta!(SetFundingRequirementInput, versioned);
    fn into_command(self) -> (String, Command) {
        let id = self.priority_id.0;
        let command = priority::SetFundingRequirement {
            priority_id: id.clone(),
            amount: self.amount.into(),
            reason: self.reason,
        };
        (id, priority::PriorityCommand::from(command).into())
    }
}

/// `setAgeing`: after how many days the roadmap's announcements not yet
/// committed and its proposals not yet decided come on the worklist.
#[derive(InputObject, Clone, Debug)]
pub struct SetAgeingInput {
    pub command_id: Option<ID>,
    pub expected_version: Option<i32>,
    pub roadmap_id: ID,
    /// 1 to 3650 (90 until set).
    pub pledge_days: i32,
    /// 1 to 3650 (90 until set).
    pub proposal_days: i32,
    pub reason: Option<String>,
}

impl CommandInput for SetAgeingInput {
    command_meta!(SetAgeingInput, versioned);
    fn into_command(self) -> (String, Command) {
        let id = self.roadmap_id.0;
        let command = roadmap::SetAgeing {
            roadmap_id: id.clone(),
            pledge_days: i64::from(self.pledge_days),
            proposal_days: i64::from(self.proposal_days),
            reason: self.reason,
        };
        (id, roadmap::RoadmapCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct RecordPartnershipInput {
    pub command_id: Option<ID>,
    pub id: Option<ID>,
    /// Two or more organisations.
    pub party_ids: Vec<ID>,
    pub title: String,
    #[graphql(default)]
    pub themes: Vec<Theme>,
    #[graphql(default)]
    pub nature: Vec<PartnershipNature>,
    #[graphql(default)]
    pub priority_ids: Vec<ID>,
    /// Absent when the source does not state it.
    pub status: Option<PartnershipStatus>,
    pub signed_on: Option<Date>,
    /// The document and sentence the record rests on.
    pub source: Option<SourceInput>,
}

impl CommandInput for RecordPartnershipInput {
    command_meta!(RecordPartnershipInput);
    fn into_command(self) -> (String, Command) {
        let id = new_id(&self.id, &self.command_id, "partnership");
        let command = partnership::RecordPartnership {
            id: id.clone(),
            party_ids: ids(&self.party_ids),
            title: self.title,
            themes: to_domain(&self.themes),
            nature: to_domain(&self.nature),
            priority_ids: ids(&self.priority_ids),
            status: self.status.map(Into::into),
            signed_on: self.signed_on.map(|d| d.0),
            source: source(self.source),
        };
        (id, partnership::PartnershipCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct ChangePartnershipStatusInput {
    pub command_id: Option<ID>,
    pub expected_version: Option<i32>,
    pub partnership_id: ID,
    pub status: PartnershipStatus,
    pub on: Option<Date>,
    pub reason: Option<String>,
}

impl CommandInput for ChangePartnershipStatusInput {
    command_meta!(ChangePartnershipStatusInput, versioned);
    fn into_command(self) -> (String, Command) {
        let id = self.partnership_id.0;
        let command = partnership::ChangePartnershipStatus {
            partnership_id: id.clone(),
            status: self.status.into(),
            on: self.on.map(|d| d.0),
            reason: self.reason,
        };
        (id, partnership::PartnershipCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct SubmitProposalInput {
    pub command_id: Option<ID>,
    pub id: Option<ID>,
    pub applicant_id: ID,
    pub donor_id: ID,
    pub title: String,
    pub requested: Option<MoneyInput>,
    #[graphql(default)]
    pub themes: Vec<Theme>,
    #[graphql(default)]
    pub priority_ids: Vec<ID>,
    pub submitted_on: Date,
    /// The document and sentence the record rests on.
    pub source: Option<SourceInput>,
}

impl CommandInput for SubmitProposalInput {
    command_meta!(SubmitProposalInput);
    fn into_command(self) -> (String, Command) {
        let id = new_id(&self.id, &self.command_id, "proposal");
        let command = proposal::SubmitProposal {
            id: id.clone(),
            applicant_id: self.applicant_id.0,
            donor_id: self.donor_id.0,
            title: self.title,
            requested: self.requested.map(Into::into),
            themes: to_domain(&self.themes),
            priority_ids: ids(&self.priority_ids),
            submitted_on: Some(self.submitted_on.0),
            source: source(self.source),
        };
        (id, proposal::ProposalCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct DecideProposalInput {
    pub command_id: Option<ID>,
    pub expected_version: Option<i32>,
    pub proposal_id: ID,
    /// APPROVED, REJECTED or WITHDRAWN.
    pub status: ProposalStatus,
    pub decided_on: Date,
    pub reason: Option<String>,
}

impl CommandInput for DecideProposalInput {
    command_meta!(DecideProposalInput, versioned);
    fn into_command(self) -> (String, Command) {
        let id = self.proposal_id.0;
        let command = proposal::DecideProposal {
            proposal_id: id.clone(),
            status: self.status.into(),
            decided_on: self.decided_on.0,
            reason: self.reason,
        };
        (id, proposal::ProposalCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct PledgeInput {
    pub command_id: Option<ID>,
    pub id: Option<ID>,
    /// Absent when the source does not say who gives (a recipient is then needed).
    pub donor_id: Option<ID>,
    /// Absent when the source does not say who receives (a donor is then needed).
    pub recipient_id: Option<ID>,
    pub roadmap_id: ID,
    pub kind: ContributionKind,
    /// In-kind items (IN_KIND only), instead of one `quantity`.
    #[graphql(default)]
    pub items: Vec<ItemInput>,
    #[graphql(default)]
    pub beneficiaries: Vec<BeneficiariesInput>,
    /// False when recording a contribution whose status the source does not state.
    #[graphql(default = true)]
    pub status_stated: bool,
    /// Absent when the value was not reported: the pledge is unvalued.
    pub amount: Option<MoneyInput>,
    pub quantity: Option<QuantityInput>,
    /// Must add up exactly to `amount`; none: the pledge is unallocated.
    #[graphql(default)]
    pub allocations: Vec<AllocationInput>,
    /// For an unvalued pledge: the priorities it is meant for.
    #[graphql(default)]
    pub priority_ids: Vec<ID>,
    pub pledged_on: Date,
    pub proposal_id: Option<ID>,
    pub partnership_id: Option<ID>,
    #[graphql(default)]
    pub themes: Vec<Theme>,
    pub description: Option<String>,
    /// The document and sentence the record rests on.
    pub source: Option<SourceInput>,
}

impl CommandInput for PledgeInput {
    command_meta!(PledgeInput);
    fn into_command(self) -> (String, Command) {
        let id = new_id(&self.id, &self.command_id, "pledge");
        let command = pledge::MakePledge {
            id: id.clone(),
            donor_id: self.donor_id.map(|d| d.0),
            recipient_id: self.recipient_id.map(|r| r.0),
            roadmap_id: self.roadmap_id.0,
            kind: self.kind.into(),
            amount: self.amount.map(Into::into),
            quantity: self.quantity.map(|q| pledge::QuantityInput {
                count: q.count,
                unit: q.unit,
            }),
            allocations: allocations(&self.allocations),
            priority_ids: ids(&self.priority_ids),
            pledged_on: Some(self.pledged_on.0),
            proposal_id: self.proposal_id.map(|p| p.0),
            partnership_id: self.partnership_id.map(|p| p.0),
            themes: to_domain(&self.themes),
            description: self.description,
            items: self
                .items
                .into_iter()
                .map(|i| pledge::ItemInput {
                    quantity: i.quantity,
                    unit: i.unit,
                    description: i.description,
                })
                .collect(),
            beneficiaries: self
                .beneficiaries
                .into_iter()
                .map(|b| pledge::BeneficiariesInput {
                    count: b.count,
                    description: b.description,
                })
                .collect(),
            status_stated: self.status_stated,
            source: source(self.source),
        };
        (id, pledge::PledgeCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct CommitPledgeInput {
    pub command_id: Option<ID>,
    pub expected_version: Option<i32>,
    pub pledge_id: ID,
    pub committed_on: Date,
}

impl CommandInput for CommitPledgeInput {
    command_meta!(CommitPledgeInput, versioned);
    fn into_command(self) -> (String, Command) {
        let id = self.pledge_id.0;
        let command = pledge::CommitPledge {
            pledge_id: id.clone(),
            committed_on: Some(self.committed_on.0),
        };
        (id, pledge::PledgeCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct RecordDisbursementInput {
    pub command_id: Option<ID>,
    pub expected_version: Option<i32>,
    pub pledge_id: ID,
    /// In the pledge's currency; omitted for the delivery of an unvalued pledge.
    pub amount: Option<Decimal>,
    pub disbursed_on: Date,
}

impl CommandInput for RecordDisbursementInput {
    command_meta!(RecordDisbursementInput, versioned);
    fn into_command(self) -> (String, Command) {
        let id = self.pledge_id.0;
        let command = pledge::RecordDisbursement {
            pledge_id: id.clone(),
            amount: self.amount.map(|a| a.0),
            disbursed_on: Some(self.disbursed_on.0),
        };
        (id, pledge::PledgeCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct RevisePledgeInput {
    pub command_id: Option<ID>,
    pub expected_version: Option<i32>,
    pub pledge_id: ID,
    pub amount: MoneyInput,
    pub allocations: Option<Vec<AllocationInput>>,
    pub revised_on: Date,
    pub reason: String,
}

impl CommandInput for RevisePledgeInput {
    command_meta!(RevisePledgeInput, versioned);
    fn into_command(self) -> (String, Command) {
        let id = self.pledge_id.0;
        let command = pledge::RevisePledge {
            pledge_id: id.clone(),
            amount: self.amount.into(),
            allocations: self.allocations.as_deref().map(allocations),
            revised_on: self.revised_on.0,
            reason: self.reason,
        };
        (id, pledge::PledgeCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct CancelPledgeInput {
    pub command_id: Option<ID>,
    pub expected_version: Option<i32>,
    pub pledge_id: ID,
    pub cancelled_on: Date,
    pub reason: String,
}

impl CommandInput for CancelPledgeInput {
    command_meta!(CancelPledgeInput, versioned);
    fn into_command(self) -> (String, Command) {
        let id = self.pledge_id.0;
        let command = pledge::CancelPledge {
            pledge_id: id.clone(),
            cancelled_on: self.cancelled_on.0,
            reason: self.reason,
        };
        (id, pledge::PledgeCommand::from(command).into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub struct RecordExchangeRateInput {
    pub command_id: Option<ID>,
    pub base: Currency,
    pub quote: Currency,
    /// 1 base = rate quote.
    pub rate: Decimal,
    pub valid_from: Date,
}

impl CommandInput for RecordExchangeRateInput {
    command_meta!(RecordExchangeRateInput);
    fn into_command(self) -> (String, Command) {
        let id = format!("{}-{}", self.base.0.code(), self.quote.0.code());
        let command = exchange_rate::RecordExchangeRate {
            base: self.base.0,
            quote: self.quote.0,
            rate: self.rate.0,
            valid_from: self.valid_from.0,
        };
        (id, exchange_rate::ExchangeRateCommand::from(command).into())
    }
}
