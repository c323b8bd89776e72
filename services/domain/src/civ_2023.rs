//! The domain holds the real, incomplete data of civ-2023.yaml: contributions
//! without amounts, without dates, in-kind quantities, multi-nature partnerships.

use crate::aggregate::Aggregate;
use crate::enums::*;
use crate::money::{Currency, Money};
use crate::partnership::{PartnershipCommand, PartnershipState, RecordPartnership};
use crate::pledge::*;
use crate::proposal::{ProposalState, SubmitProposal};
use crate::refs::References;
use crate::testing::*;

/// Runs a contribution as the importer would: pledge, then commit / disburse per its status.
fn import(make: MakePledge, status: PledgeStatus, refs: &dyn References) -> PledgeState {
    let id = make.id.clone();
    let mut cmds: Vec<PledgeCommand> = vec![make.clone().into()];
    if status != PledgeStatus::Pledged {
        cmds.push(
            CommitPledge {
                pledge_id: id.clone(),
                committed_on: make.pledged_on,
            }
            .into(),
        );
    }
    if status == PledgeStatus::Disbursed {
        let amount = make.amount.map(|m| m.amount);
        cmds.push(
            RecordDisbursement {
                pledge_id: id,
                amount,
                disbursed_on: make.pledged_on,
            }
            .into(),
        );
    }
    let mut state = PledgeState::default();
    for c in &cmds {
        let events = state
            .decide(c, refs)
            .unwrap_or_else(|e| panic!("{c:?}: {e}"));
        for e in &events {
            state.apply(e);
        }
    }
    state
}

fn contribution(
    id: &str,
    donor: &str,
    recipient: &str,
    kind: ContributionKind,
    priorities: &[&str],
) -> MakePledge {
    MakePledge {
        id: id.into(),
        donor_id: Some(donor.into()),
        recipient_id: Some(recipient.into()),
        roadmap_id: "civ-2023".into(),
        kind,
        amount: None,
        quantity: None,
        allocations: vec![],
        priority_ids: priorities.iter().map(|p| p.to_string()).collect(),
        pledged_on: None,
        proposal_id: None,
        partnership_id: None,
        themes: vec![Theme::ChildLabour],
        description: Some("from the 2023 report".into()),
        items: Vec::new(),
        beneficiaries: Vec::new(),
        status_stated: true,
        source: None,
    }
}

#[test]
fn the_2023_contributions_fit() {
    let refs = world();
    // c-stc-kits: IN_KIND valued 10,000,000 XOF for p4, DISBURSED, no date
    let kits = import(
        MakePledge {
            amount: Some(Money::new(dec("10000000"), Currency::XOF)),
            allocations: vec![AllocationInput {
                priority_id: "civ-2023-p4".into(),
                amount: dec("10000000"),
            }],
            priority_ids: vec![],
            ..contribution(
                "c-stc-kits",
                "stc-ci",
                "cnltp",
                ContributionKind::InKind,
                &[],
            )
        },
        PledgeStatus::Disbursed,
        &refs,
    );
    let k = kits.entity.unwrap();
    assert_eq!(
        (k.status, k.disbursed, kits.version),
        (PledgeStatus::Disbursed, dec("10000000"), 3)
    );

    // c-stc-committee: IN_KIND, 3 items, no amount, DISBURSED
    let committee = import(
        MakePledge {
            quantity: Some(QuantityInput {
                count: 3,
                unit: "items (2 motos, 1 ordinateur) and office supplies".into(),
            }),
            ..contribution(
                "c-stc-committee",
                "stc-ci",
                "cns",
                ContributionKind::InKind,
                &["civ-2023-p4"],
            )
        },
        PledgeStatus::Disbursed,
        &refs,
    );
    assert_eq!(committee.entity.unwrap().status, PledgeStatus::Disbursed);

    // c-ccc-motos: donor is its own recipient, 100 motorcycles, dated
    let motos = import(
        MakePledge {
            quantity: Some(QuantityInput {
                count: 100,
                unit: "motorcycles".into(),
            }),
            pledged_on: Some(date("2023-08-24")),
            ..contribution(
                "c-ccc-motos",
                "ccc",
                "ccc",
                ContributionKind::InKind,
                &["civ-2023-p2"],
            )
        },
        PledgeStatus::Disbursed,
        &refs,
    );
    assert_eq!(
        motos.entity.unwrap().disbursements[0].disbursed_on,
        Some(date("2023-08-24"))
    );

    // CASH without amount: disbursed (c-stc-youth), committed (c-iom-enacte), no priority (c-cargill-asa)
    for (c, s) in [
        (
            contribution(
                "c-stc-youth",
                "stc-ci",
                "aej",
                ContributionKind::Cash,
                &["civ-2023-p4"],
            ),
            PledgeStatus::Disbursed,
        ),
        (
            contribution(
                "c-iom-enacte",
                "iom",
                "gov-civ",
                ContributionKind::Cash,
                &["civ-2023-p4"],
            ),
            PledgeStatus::Committed,
        ),
        (
            contribution(
                "c-cargill-asa",
                "cargill",
                "asa-ci",
                ContributionKind::Cash,
                &[],
            ),
            PledgeStatus::Disbursed,
        ),
    ] {
        let state = import(c, s, &refs);
        let p = state.entity.unwrap();
        assert_eq!((p.status, p.amount), (s, None));
    }
}

#[test]
fn the_2023_partnerships_and_proposals_fit() {
    let refs = world();
    let naptip = PartnershipCommand::from(RecordPartnership {
        id: "pa-cnltp-naptip".into(),
        party_ids: vec!["cnltp".into(), "naptip".into(), "iom".into()],
        title: "Plan d'action conjoint de lutte contre la traite CNLTP – NAPTIP".into(),
        themes: vec![Theme::Trafficking],
        nature: vec![
            PartnershipNature::Coordination,
            PartnershipNature::Technical,
        ],
        priority_ids: vec!["civ-2023-p2".into()],
        status: Some(PartnershipStatus::Negotiating),
        signed_on: None,
        source: None,
    });
    let events = PartnershipState::default().decide(&naptip, &refs).unwrap();
    let p = PartnershipState::fold(&events).entity.unwrap();
    assert_eq!(
        p.nature,
        vec![
            PartnershipNature::Coordination,
            PartnershipNature::Technical
        ]
    );
    assert_eq!(p.party_ids.len(), 3);

    let proposal = SubmitProposal {
        id: "pr-irc-saco".into(),
        applicant_id: "irc".into(),
        donor_id: "saco".into(),
        title: "Financement de la lutte contre le travail des enfants".into(),
        requested: None,
        themes: vec![Theme::ChildLabour],
        priority_ids: vec![],
        submitted_on: None,
        source: None,
    };
    let events = ProposalState::default()
        .decide(&proposal.into(), &refs)
        .unwrap();
    assert_eq!(
        ProposalState::fold(&events).entity.unwrap().status,
        ProposalStatus::Submitted
    );
}
