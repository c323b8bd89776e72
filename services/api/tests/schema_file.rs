//! `schema/fundtrail.graphql` is the SDL the server serves. Regenerate it with
//! `UPDATE_SCHEMA=1 cargo test -p fundtrail-api --test schema_file`.

use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema/fundtrail.graphql")
}

#[test]
fn the_committed_sdl_is_the_served_schema() {
    let served = fundtrail_api::graphql::sdl();
    let path = committed_path();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &served).expect("write schema/fundtrail.graphql");
    }
    let committed = std::fs::read_to_string(&path).expect("schema/fundtrail.graphql exists");
    assert!(
        committed == served,
        "schema/fundtrail.graphql differs from the served schema; run UPDATE_SCHEMA=1 cargo test -p fundtrail-api --test schema_file"
    );
}

#[test]
fn the_contract_names_are_in_the_schema() {
    let sdl = fundtrail_api::graphql::sdl();
    for name in [
        "registerOrganisation(input: RegisterOrganisationInput!): Organisation!",
        "createRoadmap(input: CreateRoadmapInput!): Roadmap!",
        "definePriority(input: DefinePriorityInput!): Priority!",
        "setFundingRequirement(input: SetFundingRequirementInput!): Priority!",
        "recordPartnership(input: RecordPartnershipInput!): Partnership!",
        "changePartnershipStatus(input: ChangePartnershipStatusInput!): Partnership!",
        "submitProposal(input: SubmitProposalInput!): Proposal!",
        "decideProposal(input: DecideProposalInput!): Proposal!",
        "pledge(input: PledgeInput!): Pledge!",
        "commitPledge(input: CommitPledgeInput!): Pledge!",
        "recordDisbursement(input: RecordDisbursementInput!): Pledge!",
        "revisePledge(input: RevisePledgeInput!): Pledge!",
        "cancelPledge(input: CancelPledgeInput!): Pledge!",
        "recordExchangeRate(input: RecordExchangeRateInput!): ExchangeRate!",
        "fundingByPriority(roadmapId: ID!, currency: Currency, asOf: DateTime, on: Date, attribution: Attribution = DIRECT): RoadmapFunding!",
        "donorMap(roadmapId: ID, theme: Theme, kind: OrganisationKind, currency: Currency, attribution: Attribution = DIRECT): [DonorSummary!]!",
        // issue #15: funding chains
        "linkFunding(input: LinkFundingInput!): Pledge!",
        "unlinkFunding(input: UnlinkFundingInput!): Pledge!",
        "chain(pledgeId: ID!): Chain!",
        "channels(roadmapId: ID!, currency: Currency): [Channel!]!",
        "enum Attribution",
        "fundedBy: [FundingLink!]!",
        "funds: [FundingLink!]!",
        "kept: Money\n",
        "passedOn: Money\n",
        "fundingChanged(roadmapId: ID!",
        "scalar Decimal",
        "scalar Date",
        "scalar DateTime",
        "scalar Currency",
        "scalar JSON",
    ] {
        assert!(sdl.contains(name), "the schema lacks `{name}`");
    }
}
