//! Given / when / then for every pledge command.

use crate::aggregate::Aggregate;
use crate::enums::{ContributionKind, PledgeStatus, Theme};
use crate::error::DomainError;
use crate::ids::*;
use crate::money::{Currency, Money};
use crate::pledge::*;
use crate::testing::*;

const XOF: Currency = Currency::XOF;
const EUR: Currency = Currency::EUR;

fn xof(a: &str) -> Option<Money> {
    Some(Money::new(dec(a), XOF))
}

fn alloc(p: &str, a: &str) -> AllocationInput {
    AllocationInput {
        priority_id: p.into(),
        amount: dec(a),
    }
}

fn make(id: &str) -> MakePledge {
    MakePledge {
        id: id.into(),
        donor_id: Some("stc-ci".into()),
        recipient_id: Some("cnltp".into()),
        roadmap_id: "civ-2023".into(),
        kind: ContributionKind::Cash,
        amount: xof("10000000"),
        quantity: None,
        allocations: vec![
            alloc("civ-2023-p4", "6000000"),
            alloc("civ-2023-p2", "4000000"),
        ],
        priority_ids: vec![],
        pledged_on: Some(date("2023-06-01")),
        proposal_id: None,
        partnership_id: None,
        themes: vec![Theme::ChildLabour, Theme::Trafficking, Theme::ChildLabour],
        description: Some("  Vivres et kits hygiéniques\n".into()),
        items: Vec::new(),
        beneficiaries: Vec::new(),
        status_stated: true,
        source: None,
    }
}

fn unvalued(id: &str, priorities: &[&str]) -> MakePledge {
    MakePledge {
        amount: None,
        allocations: vec![],
        priority_ids: priorities.iter().map(|p| p.to_string()).collect(),
        ..make(id)
    }
}

/// 10,000,000 XOF: 6,000,000 to p4 and 4,000,000 to p2.
fn made() -> PledgeEvent {
    pledge_made(
        "pl",
        Some(("10000000", XOF)),
        &[("civ-2023-p4", "6000000"), ("civ-2023-p2", "4000000")],
    )
    .into()
}

fn made_unvalued(priorities: &[&str]) -> PledgeEvent {
    PledgeMade {
        priority_ids: priorities
            .iter()
            .map(|p| PriorityId::new_unchecked(*p))
            .collect(),
        ..pledge_made("pl", None, &[])
    }
    .into()
}

fn committed() -> PledgeEvent {
    PledgeCommitted {
        pledge_id: PledgeId::new_unchecked("pl"),
        committed_on: Some(date("2023-07-01")),
    }
    .into()
}

fn commit() -> CommitPledge {
    CommitPledge {
        pledge_id: "pl".into(),
        committed_on: Some(date("2023-07-01")),
    }
}

fn disburse(amount: Option<&str>) -> RecordDisbursement {
    RecordDisbursement {
        pledge_id: "pl".into(),
        amount: amount.map(dec),
        disbursed_on: Some(date("2023-08-01")),
    }
}

fn disbursed(amount: &str, p4: &str, p2: &str, total: &str, status: PledgeStatus) -> PledgeEvent {
    DisbursementRecorded {
        pledge_id: PledgeId::new_unchecked("pl"),
        amount: xof(amount),
        disbursed_on: Some(date("2023-08-01")),
        shares: vec![
            Share {
                priority_id: Some(PriorityId::new_unchecked("civ-2023-p4")),
                amount: dec(p4),
            },
            Share {
                priority_id: Some(PriorityId::new_unchecked("civ-2023-p2")),
                amount: dec(p2),
            },
        ],
        disbursed_total: xof(total),
        status,
    }
    .into()
}

fn revise(
    amount: &str,
    currency: Currency,
    allocations: Option<Vec<AllocationInput>>,
) -> RevisePledge {
    RevisePledge {
        pledge_id: "pl".into(),
        amount: Money::new(dec(amount), currency),
        allocations,
        revised_on: date("2023-09-01"),
        reason: "budget revised by the donor".into(),
    }
}

fn cancel() -> CancelPledge {
    CancelPledge {
        pledge_id: "pl".into(),
        cancelled_on: date("2023-09-01"),
        reason: "programme stopped".into(),
    }
}

fn cancelled() -> PledgeEvent {
    PledgeCancelled {
        pledge_id: PledgeId::new_unchecked("pl"),
        cancelled_on: date("2023-09-01"),
        reason: "stopped".into(),
    }
    .into()
}

// ---- pledge ----

#[test]
fn a_valued_pledge_split_over_priorities_is_recorded() {
    let state = given_nothing::<PledgeState>()
        .when(make("pl"))
        .then([PledgeMade {
            themes: vec![Theme::ChildLabour, Theme::Trafficking],
            description: Some("Vivres et kits hygiéniques".into()),
            ..pledge_made(
                "pl",
                Some(("10000000", XOF)),
                &[("civ-2023-p4", "6000000"), ("civ-2023-p2", "4000000")],
            )
        }
        .into()]);
    assert_eq!(state.version, 1);
    assert_eq!(state.entity.unwrap().status, PledgeStatus::Pledged);
}

#[test]
fn an_unvalued_pledge_names_its_priorities_without_amounts() {
    let state = given_nothing::<PledgeState>()
        .when(unvalued("pl", &["civ-2023-p4"]))
        .then_ok();
    let p = state.entity.unwrap();
    assert_eq!(p.amount, None);
    assert_eq!(
        p.priority_ids,
        vec![PriorityId::new_unchecked("civ-2023-p4")]
    );
    assert!(p.allocations.is_empty());
}

#[test]
fn an_unallocated_pledge_without_date_is_accepted() {
    let state = given_nothing::<PledgeState>()
        .when(MakePledge {
            allocations: vec![],
            pledged_on: None,
            ..make("pl")
        })
        .then_ok();
    assert_eq!(state.entity.unwrap().pledged_on, None);
}

#[test]
fn an_in_kind_pledge_counted_in_units_is_accepted() {
    let state = given_nothing::<PledgeState>()
        .when(MakePledge {
            kind: ContributionKind::InKind,
            quantity: Some(QuantityInput {
                count: 100,
                unit: " motorcycles ".into(),
            }),
            donor_id: Some("ccc".into()),
            recipient_id: Some("ccc".into()),
            ..unvalued("pl", &["civ-2023-p2"])
        })
        .then_ok();
    assert_eq!(
        state.entity.unwrap().quantity(),
        Some(Quantity {
            count: 100,
            unit: "motorcycles".into()
        })
    );
}

#[test]
fn a_pledge_linked_to_a_proposal_and_partnership_is_accepted() {
    given_nothing::<PledgeState>()
        .when(MakePledge {
            proposal_id: Some("pr-irc-bc".into()),
            partnership_id: Some("pa-gov-giz".into()),
            ..make("pl")
        })
        .then_ok();
}

#[test]
fn pledging_with_an_existing_id_is_refused() {
    given([made()])
        .when(make("pl"))
        .then_err(DomainError::already_exists("Pledge", "pl"));
}

#[test]
fn unknown_references_are_not_found() {
    let cases: [(MakePledge, &str, &str, &str); 5] = [
        (
            MakePledge {
                donor_id: Some("nobody".into()),
                ..make("pl")
            },
            "Organisation",
            "nobody",
            "donorId",
        ),
        (
            MakePledge {
                recipient_id: Some("nobody".into()),
                ..make("pl")
            },
            "Organisation",
            "nobody",
            "recipientId",
        ),
        (
            MakePledge {
                roadmap_id: "civ-2099".into(),
                ..make("pl")
            },
            "Roadmap",
            "civ-2099",
            "roadmapId",
        ),
        (
            MakePledge {
                proposal_id: Some("pr-x".into()),
                ..make("pl")
            },
            "Proposal",
            "pr-x",
            "proposalId",
        ),
        (
            MakePledge {
                partnership_id: Some("pa-x".into()),
                ..make("pl")
            },
            "Partnership",
            "pa-x",
            "partnershipId",
        ),
    ];
    for (cmd, entity, id, field) in cases {
        given_nothing::<PledgeState>()
            .when(cmd)
            .then_err(DomainError::not_found(entity, id, field));
    }
}

#[test]
fn an_unknown_priority_in_allocations_is_not_found() {
    given_nothing::<PledgeState>()
        .when(MakePledge {
            allocations: vec![alloc("civ-2023-p9", "10000000")],
            ..make("pl")
        })
        .then_err(DomainError::not_found(
            "Priority",
            "civ-2023-p9",
            "allocations[0].priorityId",
        ));
}

#[test]
fn a_priority_of_another_roadmap_is_refused() {
    given_nothing::<PledgeState>()
        .when(MakePledge { allocations: vec![alloc("civ-2024-p1", "10000000")], ..make("pl") })
        .then_err(DomainError::bad_input(
            "allocations[0].priorityId",
            "priority civ-2024-p1 belongs to roadmap civ-2024, not to the pledge's roadmap civ-2023",
        ));
    given_nothing::<PledgeState>()
        .when(unvalued("pl", &["civ-2024-p1"]))
        .then_code("BAD_USER_INPUT", "priorityIds[0]");
}

#[test]
fn allocations_that_do_not_add_up_are_refused() {
    given_nothing::<PledgeState>()
        .when(MakePledge {
            allocations: vec![
                alloc("civ-2023-p4", "5000000"),
                alloc("civ-2023-p2", "4000000"),
            ],
            ..make("pl")
        })
        .then_err(DomainError::bad_input(
            "allocations",
            "amounts add up to 9000000 XOF but the pledge is 10000000 XOF",
        ));
}

#[test]
fn a_priority_allocated_twice_is_refused() {
    given_nothing::<PledgeState>()
        .when(MakePledge {
            allocations: vec![
                alloc("civ-2023-p4", "5000000"),
                alloc("civ-2023-p4", "5000000"),
            ],
            ..make("pl")
        })
        .then_code("BAD_USER_INPUT", "allocations[1]");
}

#[test]
fn allocation_amounts_must_be_positive_minor_units() {
    given_nothing::<PledgeState>()
        .when(MakePledge {
            allocations: vec![
                alloc("civ-2023-p4", "10000000.5"),
                alloc("civ-2023-p2", "-0.5"),
            ],
            ..make("pl")
        })
        .then_code("BAD_USER_INPUT", "allocations[0].amount");
    given_nothing::<PledgeState>()
        .when(MakePledge {
            allocations: vec![alloc("civ-2023-p4", "10000000"), alloc("civ-2023-p2", "0")],
            ..make("pl")
        })
        .then_code("BAD_USER_INPUT", "allocations[1].amount");
}

#[test]
fn an_amount_must_be_positive_minor_units_and_bounded() {
    for a in ["0", "-5", "1250.50", "1000000000000000001"] {
        given_nothing::<PledgeState>()
            .when(MakePledge {
                amount: xof(a),
                allocations: vec![],
                ..make("pl")
            })
            .then_code("BAD_USER_INPUT", "amount");
    }
}

#[test]
fn allocations_on_an_unvalued_pledge_are_refused() {
    given_nothing::<PledgeState>()
        .when(MakePledge {
            amount: None,
            ..make("pl")
        })
        .then_code("BAD_USER_INPUT", "allocations");
}

#[test]
fn priority_ids_on_a_valued_pledge_are_refused() {
    given_nothing::<PledgeState>()
        .when(MakePledge {
            priority_ids: vec!["civ-2023-p4".into()],
            ..make("pl")
        })
        .then_code("BAD_USER_INPUT", "priorityIds");
}

#[test]
fn a_quantity_on_a_cash_pledge_is_refused() {
    given_nothing::<PledgeState>()
        .when(MakePledge {
            quantity: Some(QuantityInput {
                count: 1,
                unit: "bag".into(),
            }),
            ..make("pl")
        })
        .then_code("BAD_USER_INPUT", "quantity");
}

#[test]
fn a_quantity_needs_a_positive_count_and_a_unit() {
    let in_kind = |q| MakePledge {
        kind: ContributionKind::InKind,
        quantity: Some(q),
        ..unvalued("pl", &[])
    };
    given_nothing::<PledgeState>()
        .when(in_kind(QuantityInput {
            count: 0,
            unit: "motos".into(),
        }))
        .then_code("BAD_USER_INPUT", "quantity.count");
    given_nothing::<PledgeState>()
        .when(in_kind(QuantityInput {
            count: 3,
            unit: "  ".into(),
        }))
        .then_code("BAD_USER_INPUT", "quantity.unit");
    given_nothing::<PledgeState>()
        .when(in_kind(QuantityInput {
            count: 3,
            unit: "u".repeat(201),
        }))
        .then_code("BAD_USER_INPUT", "quantity.unit");
}

#[test]
fn a_description_with_control_characters_is_refused() {
    given_nothing::<PledgeState>()
        .when(MakePledge {
            description: Some("kits\u{0}".into()),
            ..make("pl")
        })
        .then_code("BAD_USER_INPUT", "description");
}

#[test]
fn a_pledge_date_out_of_range_is_refused() {
    given_nothing::<PledgeState>()
        .when(MakePledge {
            pledged_on: Some(date("1800-01-01")),
            ..make("pl")
        })
        .then_code("BAD_USER_INPUT", "pledgedOn");
}

// ---- commitPledge ----

#[test]
fn committing_a_pledge_records_the_date() {
    let state = given([made()]).when(commit()).then([committed()]);
    let p = state.entity.unwrap();
    assert_eq!(
        (p.status, p.committed_on),
        (PledgeStatus::Committed, Some(date("2023-07-01")))
    );
}

#[test]
fn committing_without_a_known_date_is_accepted() {
    given([made()])
        .when(CommitPledge {
            committed_on: None,
            ..commit()
        })
        .then_ok();
}

#[test]
fn committing_twice_is_invalid_state() {
    given([made(), committed()])
        .when(commit())
        .then_err(DomainError::invalid_state(
            "pledge pl is already committed",
            "COMMITTED",
        ));
}

#[test]
fn committing_a_cancelled_pledge_is_invalid_state() {
    given([made(), cancelled()])
        .when(commit())
        .then_err(DomainError::invalid_state(
            "pledge pl is cancelled and can no longer change",
            "CANCELLED",
        ));
}

#[test]
fn committing_before_the_pledge_date_is_refused() {
    given([made()])
        .when(CommitPledge {
            committed_on: Some(date("2023-05-31")),
            ..commit()
        })
        .then_err(DomainError::bad_input(
            "committedOn",
            "2023-05-31 is before pledgedOn 2023-06-01",
        ));
}

#[test]
fn committing_an_unknown_pledge_is_not_found() {
    given_nothing::<PledgeState>()
        .when(commit())
        .then_err(DomainError::not_found("Pledge", "pl", "pledgeId"));
}

// ---- recordDisbursement ----

#[test]
fn a_partial_disbursement_is_shared_pro_rata() {
    let state = given([made(), committed()])
        .when(disburse(Some("1000001")))
        // 600000.6 -> 600001, 400000.4 -> 400000
        .then([disbursed(
            "1000001",
            "600001",
            "400000",
            "1000001",
            PledgeStatus::PartlyDisbursed,
        )]);
    let p = state.entity.unwrap();
    assert_eq!(
        (p.status, p.disbursed),
        (PledgeStatus::PartlyDisbursed, dec("1000001"))
    );
}

#[test]
fn the_rounding_remainder_goes_to_the_first_allocation() {
    // 5 XOF: 3 and 2 exactly; 1 XOF: 0.6 -> 1, 0.4 -> 0; 3 XOF: 1.8 -> 2, 1.2 -> 1
    given([made(), committed()])
        .when(disburse(Some("5")))
        .then([disbursed("5", "3", "2", "5", PledgeStatus::PartlyDisbursed)]);
    given([
        pledge_made(
            "pl",
            Some(("3", XOF)),
            &[
                ("civ-2023-p4", "1"),
                ("civ-2023-p2", "1"),
                ("civ-2023-p3", "1"),
            ],
        )
        .into(),
        committed(),
    ])
    .when(disburse(Some("2")))
    .then([DisbursementRecorded {
        pledge_id: PledgeId::new_unchecked("pl"),
        amount: xof("2"),
        disbursed_on: Some(date("2023-08-01")),
        // 0.67 -> 1, 0.67 -> 1, 0.67 -> 1: sum 3, remainder -1 to the first
        shares: ["civ-2023-p4", "civ-2023-p2", "civ-2023-p3"]
            .iter()
            .zip(["0", "1", "1"])
            .map(|(p, a)| Share {
                priority_id: Some(PriorityId::new_unchecked(*p)),
                amount: dec(a),
            })
            .collect(),
        disbursed_total: xof("2"),
        status: PledgeStatus::PartlyDisbursed,
    }
    .into()]);
}

#[test]
fn disbursing_the_rest_makes_it_disbursed() {
    let state = given([
        made(),
        committed(),
        disbursed(
            "1000001",
            "600001",
            "400000",
            "1000001",
            PledgeStatus::PartlyDisbursed,
        ),
    ])
    .when(disburse(Some("8999999")))
    .then([disbursed(
        "8999999",
        "5399999",
        "3600000",
        "10000000",
        PledgeStatus::Disbursed,
    )]);
    assert_eq!(state.entity.unwrap().status, PledgeStatus::Disbursed);
}

#[test]
fn an_unallocated_pledge_disburses_one_unallocated_share() {
    given([
        pledge_made("pl", Some(("100.00", EUR)), &[]).into(),
        committed(),
    ])
    .when(disburse(Some("40.5")))
    .then([DisbursementRecorded {
        pledge_id: PledgeId::new_unchecked("pl"),
        amount: Some(Money::new(dec("40.50"), EUR)),
        disbursed_on: Some(date("2023-08-01")),
        shares: vec![Share {
            priority_id: None,
            amount: dec("40.50"),
        }],
        disbursed_total: Some(Money::new(dec("40.50"), EUR)),
        status: PledgeStatus::PartlyDisbursed,
    }
    .into()]);
}

#[test]
fn disbursing_a_pledge_not_committed_is_invalid_state() {
    given([made()])
        .when(disburse(Some("1")))
        .then_err(DomainError::invalid_state(
            "pledge pl is not committed yet: commit it before disbursing",
            "PLEDGED",
        ));
}

#[test]
fn disbursing_more_than_remains_is_invalid_state() {
    given([
        made(),
        committed(),
        disbursed(
            "1000001",
            "600001",
            "400000",
            "1000001",
            PledgeStatus::PartlyDisbursed,
        ),
    ])
    .when(disburse(Some("9000000")))
    .then_err(DomainError::invalid_state(
        "disbursing 9000000 XOF would exceed the pledge: 8999999 XOF of 10000000 XOF remain",
        "PARTLY_DISBURSED",
    ));
}

#[test]
fn disbursing_a_fully_disbursed_pledge_is_invalid_state() {
    given([
        made(),
        committed(),
        disbursed(
            "10000000",
            "6000000",
            "4000000",
            "10000000",
            PledgeStatus::Disbursed,
        ),
    ])
    .when(disburse(Some("1")))
    .then_code("INVALID_STATE", "");
}

#[test]
fn disbursing_a_cancelled_pledge_is_invalid_state() {
    given([made(), committed(), cancelled()])
        .when(disburse(Some("1")))
        .then_code("INVALID_STATE", "");
}

#[test]
fn a_valued_pledge_needs_a_disbursed_amount() {
    given([made(), committed()])
        .when(disburse(None))
        .then_code("BAD_USER_INPUT", "amount");
}

#[test]
fn a_disbursed_amount_must_fit_the_currency() {
    given([made(), committed()])
        .when(disburse(Some("10.5")))
        .then_code("BAD_USER_INPUT", "amount");
    given([made(), committed()])
        .when(disburse(Some("0")))
        .then_code("BAD_USER_INPUT", "amount");
}

#[test]
fn delivering_an_unvalued_pledge_marks_it_disbursed() {
    let state = given([
        made_unvalued(&["civ-2023-p4"]),
        PledgeCommitted {
            pledge_id: PledgeId::new_unchecked("pl"),
            committed_on: None,
        }
        .into(),
    ])
    .when(RecordDisbursement {
        disbursed_on: None,
        ..disburse(None)
    })
    .then([DisbursementRecorded {
        pledge_id: PledgeId::new_unchecked("pl"),
        amount: None,
        disbursed_on: None,
        shares: vec![],
        disbursed_total: None,
        status: PledgeStatus::Disbursed,
    }
    .into()]);
    assert_eq!(state.entity.unwrap().status, PledgeStatus::Disbursed);
}

#[test]
fn an_amount_for_an_unvalued_pledge_is_refused() {
    given([made_unvalued(&[]), committed()])
        .when(disburse(Some("5")))
        .then_code("BAD_USER_INPUT", "amount");
}

#[test]
fn disbursing_before_the_commitment_date_is_refused() {
    given([made(), committed()])
        .when(RecordDisbursement {
            disbursed_on: Some(date("2023-06-30")),
            ..disburse(Some("1"))
        })
        .then_err(DomainError::bad_input(
            "disbursedOn",
            "2023-06-30 is before committedOn 2023-07-01",
        ));
}

#[test]
fn disbursing_an_unknown_pledge_is_not_found() {
    given_nothing::<PledgeState>()
        .when(disburse(Some("1")))
        .then_code("NOT_FOUND", "pledgeId");
}

// ---- revisePledge ----

#[test]
fn revising_with_new_allocations_replaces_them() {
    let state = given([made()])
        .when(revise(
            "12000000",
            XOF,
            Some(vec![alloc("civ-2023-p1", "12000000")]),
        ))
        .then([PledgeRevised {
            pledge_id: PledgeId::new_unchecked("pl"),
            previous_amount: xof("10000000"),
            amount: Money::new(dec("12000000"), XOF),
            allocations: vec![Allocation {
                priority_id: PriorityId::new_unchecked("civ-2023-p1"),
                amount: dec("12000000"),
            }],
            revised_on: date("2023-09-01"),
            reason: "budget revised by the donor".into(),
            status: PledgeStatus::Pledged,
        }
        .into()]);
    assert_eq!(state.entity.unwrap().amount, xof("12000000"));
}

#[test]
fn revising_without_allocations_keeps_them_when_they_still_add_up() {
    let state = given([made()])
        .when(revise("10000000.00", XOF, None))
        .then_ok();
    assert_eq!(state.entity.unwrap().allocations.len(), 2);
}

#[test]
fn revising_without_allocations_that_no_longer_add_up_asks_for_them() {
    given([made()])
        .when(revise("12000000", XOF, None))
        .then_err(DomainError::bad_input(
            "allocations",
            "the current allocations add up to 10000000 XOF, not the new amount 12000000 XOF: send allocations for the new amount",
        ));
}

#[test]
fn an_unallocated_pledge_stays_unallocated() {
    let state = given([PledgeEvent::from(pledge_made(
        "pl",
        Some(("100", XOF)),
        &[],
    ))])
    .when(revise("150", XOF, None))
    .then_ok();
    assert!(state.entity.unwrap().allocations.is_empty());
}

#[test]
fn an_empty_allocation_list_makes_it_unallocated() {
    let state = given([made()])
        .when(revise("12000000", XOF, Some(vec![])))
        .then_ok();
    assert!(state.entity.unwrap().allocations.is_empty());
}

#[test]
fn revised_allocations_are_checked_like_a_pledge() {
    given([made()])
        .when(revise(
            "12000000",
            XOF,
            Some(vec![alloc("civ-2024-p1", "12000000")]),
        ))
        .then_code("BAD_USER_INPUT", "allocations[0].priorityId");
    given([made()])
        .when(revise(
            "12000000",
            XOF,
            Some(vec![alloc("civ-2023-p1", "11000000")]),
        ))
        .then_code("BAD_USER_INPUT", "allocations");
}

#[test]
fn revising_below_what_is_disbursed_is_invalid_state() {
    given([
        made(),
        committed(),
        disbursed(
            "1000001",
            "600001",
            "400000",
            "1000001",
            PledgeStatus::PartlyDisbursed,
        ),
    ])
    .when(revise("1000000", XOF, Some(vec![])))
    .then_err(DomainError::invalid_state(
        "revising to 1000000 XOF is below the 1000001 XOF already disbursed",
        "PARTLY_DISBURSED",
    ));
}

#[test]
fn revising_to_exactly_what_is_disbursed_makes_it_disbursed() {
    let state = given([
        made(),
        committed(),
        disbursed(
            "1000001",
            "600001",
            "400000",
            "1000001",
            PledgeStatus::PartlyDisbursed,
        ),
    ])
    .when(revise(
        "1000001",
        XOF,
        Some(vec![alloc("civ-2023-p4", "1000001")]),
    ))
    .then_ok();
    assert_eq!(state.entity.unwrap().status, PledgeStatus::Disbursed);
}

#[test]
fn revising_a_disbursed_pledge_upwards_makes_it_partly_disbursed() {
    let state = given([
        made(),
        committed(),
        disbursed(
            "10000000",
            "6000000",
            "4000000",
            "10000000",
            PledgeStatus::Disbursed,
        ),
    ])
    .when(revise(
        "11000000",
        XOF,
        Some(vec![alloc("civ-2023-p4", "11000000")]),
    ))
    .then_ok();
    assert_eq!(state.entity.unwrap().status, PledgeStatus::PartlyDisbursed);
}

#[test]
fn a_committed_pledge_stays_committed_after_revision() {
    let state = given([made(), committed()])
        .when(revise("10000000", XOF, None))
        .then_ok();
    assert_eq!(state.entity.unwrap().status, PledgeStatus::Committed);
}

#[test]
fn changing_currency_after_a_disbursement_is_invalid_state() {
    given([
        made(),
        committed(),
        disbursed(
            "1000001",
            "600001",
            "400000",
            "1000001",
            PledgeStatus::PartlyDisbursed,
        ),
    ])
    .when(revise("20000.00", EUR, Some(vec![])))
    .then_err(DomainError::invalid_state(
        "pledge pl has disbursements in XOF: its currency cannot change to EUR",
        "PARTLY_DISBURSED",
    ));
}

#[test]
fn changing_currency_before_any_disbursement_needs_new_allocations() {
    given([made()])
        .when(revise("10000000", EUR, None))
        .then_code("BAD_USER_INPUT", "allocations");
    let state = given([made()])
        .when(revise(
            "15244.90",
            EUR,
            Some(vec![alloc("civ-2023-p4", "15244.90")]),
        ))
        .then_ok();
    assert_eq!(
        state.entity.unwrap().amount,
        Some(Money::new(dec("15244.90"), EUR))
    );
}

#[test]
fn valuing_an_unvalued_pledge_for_one_priority_allocates_it_all() {
    let state = given([made_unvalued(&["civ-2023-p4"])])
        .when(revise("2500000", XOF, None))
        .then_ok();
    let p = state.entity.unwrap();
    assert_eq!(
        p.allocations,
        vec![Allocation {
            priority_id: PriorityId::new_unchecked("civ-2023-p4"),
            amount: dec("2500000")
        }]
    );
}

#[test]
fn valuing_an_unvalued_pledge_for_several_priorities_needs_allocations() {
    given([made_unvalued(&["civ-2023-p4", "civ-2023-p2"])])
        .when(revise("2500000", XOF, None))
        .then_err(DomainError::bad_input(
            "allocations",
            "the pledge names 2 priorities: send allocations to split 2500000 XOF over them",
        ));
}

#[test]
fn valuing_a_delivered_unvalued_pledge_keeps_it_disbursed() {
    let delivered = DisbursementRecorded {
        pledge_id: PledgeId::new_unchecked("pl"),
        amount: None,
        disbursed_on: None,
        shares: vec![],
        disbursed_total: None,
        status: PledgeStatus::Disbursed,
    };
    let state = given([made_unvalued(&[]), committed(), delivered.into()])
        .when(revise("2500000", XOF, None))
        .then_ok();
    let p = state.entity.unwrap();
    assert_eq!(p.status, PledgeStatus::Disbursed);
    // Delivered whole before its value was known: once valued, it is
    // disbursed for the whole value, never « Décaissé : 0 ».
    assert_eq!(p.disbursed, dec("2500000"));
    assert_eq!(p.amount, xof("2500000"));
}

#[test]
fn a_contribution_names_its_donor_its_recipient_or_both() {
    given_nothing::<PledgeState>()
        .when(MakePledge {
            donor_id: None,
            recipient_id: None,
            ..make("pl")
        })
        .then_err(DomainError::bad_input(
            "donorId",
            "a contribution names its donor, its recipient or both",
        ));
    let state = given_nothing::<PledgeState>()
        .when(MakePledge {
            donor_id: None,
            ..make("pl")
        })
        .then_ok();
    let p = state.entity.unwrap();
    assert_eq!(
        p.donor_id, None,
        "a donor the source does not state stays unknown"
    );
    assert_eq!(p.parties().count(), 1);
}

#[test]
fn in_kind_items_are_kept_as_listed_and_only_for_goods() {
    let items = vec![
        ItemInput {
            quantity: 2,
            unit: "motos".into(),
            description: None,
        },
        ItemInput {
            quantity: 1,
            unit: "ordinateur".into(),
            description: None,
        },
    ];
    let state = given_nothing::<PledgeState>()
        .when(MakePledge {
            kind: ContributionKind::InKind,
            items: items.clone(),
            ..unvalued("pl", &["civ-2023-p4"])
        })
        .then_ok();
    let p = state.entity.unwrap();
    assert_eq!(p.items.len(), 2, "« 2 motos et 1 ordinateur » is two items");
    assert_eq!(p.quantity(), None, "two items are no single quantity");
    given_nothing::<PledgeState>()
        .when(MakePledge {
            kind: ContributionKind::Technical,
            items,
            ..unvalued("pl", &["civ-2023-p4"])
        })
        .then_err(DomainError::bad_input(
            "items",
            "a TECHNICAL contribution has no items: quantities and items are for IN_KIND",
        ));
}

#[test]
fn beneficiaries_need_a_count_and_words() {
    let state = given_nothing::<PledgeState>()
        .when(MakePledge {
            kind: ContributionKind::Technical,
            beneficiaries: vec![BeneficiariesInput {
                count: 189,
                description: "jeunes".into(),
            }],
            ..unvalued("pl", &["civ-2023-p4"])
        })
        .then_ok();
    assert_eq!(state.entity.unwrap().beneficiaries[0].count, 189);
    given_nothing::<PledgeState>()
        .when(MakePledge {
            beneficiaries: vec![BeneficiariesInput {
                count: 0,
                description: "jeunes".into(),
            }],
            ..make("pl")
        })
        .then_code("BAD_USER_INPUT", "beneficiaries[0].count");
}

#[test]
fn a_status_not_stated_stays_unknown_until_a_command_states_one() {
    let state = given_nothing::<PledgeState>()
        .when(MakePledge {
            status_stated: false,
            ..make("pl")
        })
        .then_ok();
    assert_eq!(state.entity.as_ref().unwrap().stated_status(), None);
    let made_unstated: PledgeEvent = PledgeMade {
        status_stated: false,
        ..pledge_made("pl", xof_pair("10000000"), &[])
    }
    .into();
    let state = given([made_unstated]).when(commit()).then_ok();
    assert_eq!(
        state.entity.unwrap().stated_status(),
        Some(PledgeStatus::Committed)
    );
}

fn xof_pair(a: &'static str) -> Option<(&'static str, Currency)> {
    Some((a, XOF))
}

#[test]
fn revising_a_cancelled_pledge_is_invalid_state() {
    given([made(), cancelled()])
        .when(revise("10000000", XOF, None))
        .then_code("INVALID_STATE", "");
}

#[test]
fn a_revision_needs_a_reason_and_a_valid_amount() {
    given([made()])
        .when(RevisePledge {
            reason: "  ".into(),
            ..revise("10000000", XOF, None)
        })
        .then_code("BAD_USER_INPUT", "reason");
    given([made()])
        .when(revise("0", XOF, None))
        .then_code("BAD_USER_INPUT", "amount");
    given([made()])
        .when(revise("1.5", XOF, None))
        .then_code("BAD_USER_INPUT", "amount");
}

#[test]
fn a_revision_dated_before_the_pledge_is_refused() {
    given([made()])
        .when(RevisePledge {
            revised_on: date("2023-01-01"),
            ..revise("10000000", XOF, None)
        })
        .then_code("BAD_USER_INPUT", "revisedOn");
}

#[test]
fn revising_an_unknown_pledge_is_not_found() {
    given_nothing::<PledgeState>()
        .when(revise("1", XOF, None))
        .then_code("NOT_FOUND", "pledgeId");
}

// ---- cancelPledge ----

#[test]
fn cancelling_a_committed_pledge_records_why() {
    let state = given([made(), committed()])
        .when(cancel())
        .then([PledgeCancelled {
            pledge_id: PledgeId::new_unchecked("pl"),
            cancelled_on: date("2023-09-01"),
            reason: "programme stopped".into(),
        }
        .into()]);
    assert_eq!(state.entity.unwrap().status, PledgeStatus::Cancelled);
}

#[test]
fn cancelling_after_a_disbursement_is_invalid_state() {
    given([
        made(),
        committed(),
        disbursed(
            "1000001",
            "600001",
            "400000",
            "1000001",
            PledgeStatus::PartlyDisbursed,
        ),
    ])
    .when(cancel())
    .then_err(DomainError::invalid_state(
        "pledge pl has disbursements and cannot be cancelled: revise it instead",
        "PARTLY_DISBURSED",
    ));
}

#[test]
fn cancelling_twice_is_invalid_state() {
    given([made(), cancelled()])
        .when(cancel())
        .then_err(DomainError::invalid_state(
            "pledge pl is already cancelled",
            "CANCELLED",
        ));
}

#[test]
fn a_cancellation_needs_a_reason_and_a_date_after_the_pledge() {
    given([made()])
        .when(CancelPledge {
            reason: "".into(),
            ..cancel()
        })
        .then_code("BAD_USER_INPUT", "reason");
    given([made()])
        .when(CancelPledge {
            cancelled_on: date("2023-05-01"),
            ..cancel()
        })
        .then_code("BAD_USER_INPUT", "cancelledOn");
}

#[test]
fn cancelling_an_unknown_pledge_is_not_found() {
    given_nothing::<PledgeState>()
        .when(cancel())
        .then_code("NOT_FOUND", "pledgeId");
}

#[test]
fn stream_ids() {
    assert_eq!(
        PledgeCommand::from(make("c-stc-kits")).stream_id().unwrap(),
        "pledge-c-stc-kits"
    );
    assert_eq!(
        PledgeCommand::from(cancel()).stream_id().unwrap(),
        "pledge-pl"
    );
}

// ---- bounded lists ----

/// The default world, with `n` more priorities `civ-2023-x<i>` on civ-2023.
fn world_with_priorities(n: u32) -> crate::refs::InMemoryReferences {
    let mut refs = world();
    for i in 0..n {
        refs.apply(&priority_defined(&format!("civ-2023-x{i}"), "civ-2023", 10 + i).into());
    }
    refs
}

/// `n` allocations of 1 XOF, one per priority `civ-2023-x<i>`.
fn one_xof_each(n: usize) -> Vec<AllocationInput> {
    (0..n)
        .map(|i| alloc(&format!("civ-2023-x{i}"), "1"))
        .collect()
}

#[test]
fn a_pledge_split_over_the_maximum_number_of_priorities_is_accepted() {
    let max = crate::lists::MAX_LIST_ITEMS;
    let state = given_nothing::<PledgeState>()
        .with_refs(world_with_priorities(max as u32 + 1))
        .when(MakePledge {
            amount: xof(&max.to_string()),
            allocations: one_xof_each(max),
            ..make("pl")
        })
        .then_ok();
    assert_eq!(state.entity.unwrap().allocations.len(), max);
}

#[test]
fn one_allocation_too_many_is_refused_naming_the_list() {
    let max = crate::lists::MAX_LIST_ITEMS;
    given_nothing::<PledgeState>()
        .with_refs(world_with_priorities(max as u32 + 1))
        .when(MakePledge {
            amount: xof(&(max + 1).to_string()),
            allocations: one_xof_each(max + 1),
            ..make("pl")
        })
        .then_err(DomainError::bad_input(
            "allocations",
            "has 101 items; at most 100 are allowed",
        ));
}

#[test]
fn overlong_priority_and_theme_lists_are_refused() {
    let ids: Vec<String> = (0..=crate::lists::MAX_LIST_ITEMS)
        .map(|i| format!("civ-2023-x{i}"))
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    given_nothing::<PledgeState>()
        .when(unvalued("pl", &ids))
        .then_code("BAD_USER_INPUT", "priorityIds");
    given_nothing::<PledgeState>()
        .when(MakePledge {
            themes: vec![Theme::ChildLabour; crate::lists::MAX_LIST_ITEMS + 1],
            ..make("pl")
        })
        .then_code("BAD_USER_INPUT", "themes");
}

#[test]
fn revising_with_too_many_allocations_is_refused() {
    let max = crate::lists::MAX_LIST_ITEMS;
    given([made()])
        .with_refs(world_with_priorities(max as u32 + 1))
        .when(revise(
            &(max + 1).to_string(),
            XOF,
            Some(one_xof_each(max + 1)),
        ))
        .then_code("BAD_USER_INPUT", "allocations");
}

// ---- scope (#17, finding 6): see docs/access.md ----

/// pa-2024 and pr-2024 belong to civ-2024, pa-2023 and pr-2023 to civ-2023;
/// the world's pa-gov-giz and pr-irc-bc name no priority.
fn linked_world() -> crate::refs::InMemoryReferences {
    world_with([
        partnership_for("pa-2024", &["civ-2024-p1"]).into(),
        proposal_for("pr-2024", &["civ-2024-p2"]).into(),
        partnership_for("pa-2023", &["civ-2023-p1"]).into(),
        proposal_for("pr-2023", &["civ-2023-p2"]).into(),
    ])
}

fn linked(partnership: Option<&str>, proposal: Option<&str>) -> MakePledge {
    MakePledge {
        partnership_id: partnership.map(str::to_owned),
        proposal_id: proposal.map(str::to_owned),
        ..make("pl")
    }
}

#[test]
fn a_pledge_may_not_link_a_partnership_or_proposal_out_of_the_officers_scope() {
    let civ_2023 = || scoped_officer(&["civ-2023"], &[]);
    for (partnership, proposal) in [
        (Some("pa-2024"), None),
        (None, Some("pr-2024")),
        (Some("pa-gov-giz"), None),
        (None, Some("pr-irc-bc")),
    ] {
        let refused = given_nothing::<PledgeState>()
            .with_refs(linked_world())
            .by(civ_2023())
            .when(linked(partnership, proposal))
            .then_forbidden();
        let linked_id = partnership.or(proposal).unwrap();
        assert!(refused.to_string().contains(linked_id), "{refused}");
    }
    given_nothing::<PledgeState>()
        .with_refs(linked_world())
        .by(civ_2023())
        .when(linked(Some("pa-2023"), Some("pr-2023")))
        .then_allowed()
        .then_ok();
}

#[test]
fn an_organisation_scope_must_reach_every_linked_record() {
    // The pledge is stc-ci's; the proposal is irc's and barry-callebaut's.
    given_nothing::<PledgeState>()
        .with_refs(linked_world())
        .by(scoped_officer(&[], &["stc-ci"]))
        .when(linked(None, Some("pr-2023")))
        .then_forbidden();
    given_nothing::<PledgeState>()
        .with_refs(linked_world())
        .by(scoped_officer(&[], &["stc-ci"]))
        .when(linked(Some("pa-gov-giz"), None))
        .then_allowed()
        .then_ok();
}

#[test]
fn what_was_disbursed_is_unknown_until_stated_and_valued() {
    let p = |events: Vec<PledgeEvent>| PledgeState::fold(&events).entity.unwrap();
    let unstated: PledgeEvent = PledgeMade {
        status_stated: false,
        ..pledge_made("pl", xof_pair("10000000"), &[])
    }
    .into();
    assert_eq!(p(vec![unstated]).disbursed_money(), Err(Unknown::NotStated));
    assert_eq!(
        p(vec![made_unvalued(&[])]).disbursed_money(),
        Err(Unknown::NotValued)
    );
    assert_eq!(
        p(vec![made(), committed()]).disbursed_money(),
        Ok(Money::new(dec("0"), XOF)),
        "stated and valued: nothing disbursed yet is a real zero"
    );
}
