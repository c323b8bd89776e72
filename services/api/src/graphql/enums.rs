//! The contract's enumerations, mirrored from the domain.

use async_graphql::Enum;

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "fundtrail_domain::enums::OrganisationKind")]
pub enum OrganisationKind {
    Government,
    UnAgency,
    BilateralAgency,
    MultilateralBank,
    Intergovernmental,
    InternationalNgo,
    NationalNgo,
    Foundation,
    PrivateSector,
    EmployersOrganisation,
    WorkersOrganisation,
    Other,
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "fundtrail_domain::enums::Theme")]
pub enum Theme {
    ChildLabour,
    ForcedLabour,
    Trafficking,
    ModernSlavery,
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "fundtrail_domain::enums::PartnershipNature")]
pub enum PartnershipNature {
    Technical,
    Financial,
    InKind,
    Coordination,
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "fundtrail_domain::enums::PartnershipStatus")]
pub enum PartnershipStatus {
    Negotiating,
    Signed,
    Ended,
    Terminated,
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "fundtrail_domain::enums::ProposalStatus")]
pub enum ProposalStatus {
    Draft,
    Submitted,
    Approved,
    Rejected,
    Withdrawn,
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "fundtrail_domain::enums::ContributionKind")]
pub enum ContributionKind {
    Cash,
    InKind,
    /// Trainings, expertise, advocacy: counted, never valued unless a value is stated.
    Technical,
}

/// Where a roadmap's next step stands (« Non atteinte, Planifiée, En cours, Atteinte »).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "fundtrail_domain::enums::NextStepStatus")]
pub enum NextStepStatus {
    NotAchieved,
    Planned,
    InProgress,
    Achieved,
}

/// Where an approach to a donor stands: IDENTIFIED → CONTACTED →
/// IN_DISCUSSION → PROPOSAL_SUBMITTED → PLEDGED, or DECLINED or ON_HOLD.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "fundtrail_domain::enums::ProspectStage")]
pub enum ProspectStage {
    Identified,
    Contacted,
    InDiscussion,
    ProposalSubmitted,
    Pledged,
    Declined,
    OnHold,
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "fundtrail_domain::enums::PledgeStatus")]
pub enum PledgeStatus {
    Pledged,
    Committed,
    PartlyDisbursed,
    Disbursed,
    Cancelled,
}

/// Converts a list of GraphQL enum values into the domain's.
pub fn to_domain<A: Copy + Into<B>, B>(items: &[A]) -> Vec<B> {
    items.iter().map(|i| (*i).into()).collect()
}

/// Converts a list of domain enum values into GraphQL's.
pub fn from_domain<A: Copy, B: From<A>>(items: &[A]) -> Vec<B> {
    items.iter().map(|i| B::from(*i)).collect()
}

/// What a principal may do (see `fundtrail_domain::access`).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "fundtrail_domain::enums::Role")]
pub enum Role {
    Viewer,
    Officer,
    Auditor,
    Admin,
}
