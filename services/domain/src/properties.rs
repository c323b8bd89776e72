//! Property tests: exact splits, the peg round trip, replay, and no panics.

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::aggregate::Aggregate;
use crate::enums::*;
use crate::exchange_rate::{ExchangeRateState, RateTable, RecordExchangeRate};
use crate::money::{Currency, Money, split_pro_rata};
use crate::organisation::{OrganisationState, RegisterOrganisation};
use crate::partnership::{ChangePartnershipStatus, PartnershipState, RecordPartnership};
use crate::pledge::*;
use crate::priority::{DefinePriority, PriorityState, SetFundingRequirement};
use crate::proposal::{DecideProposal, ProposalState, SubmitProposal};
use crate::refs::InMemoryReferences;
use crate::roadmap::{CreateRoadmap, RoadmapState};
use crate::schedule::{SetTranches, TrancheInput};
use crate::testing::world;

fn currency() -> impl Strategy<Value = Currency> {
    prop_oneof![
        Just("XOF"),
        Just("EUR"),
        Just("USD"),
        Just("JPY"),
        Just("KWD"),
        Just("BHD")
    ]
    .prop_map(|c| Currency::parse("c", c).unwrap())
}

/// An amount of `minor` minor units.
fn minor(units: i64, c: Currency) -> Decimal {
    Decimal::new(units, c.minor_units())
}

/// Any decimal: huge, negative, over-precise, zero.
fn any_decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<bool>(),
            0u32..=28
        )
            .prop_map(|(lo, mid, hi, neg, scale)| Decimal::from_parts(lo, mid, hi, neg, scale)),
        (-1_000_000i64..10_000_000_000, 0u32..4).prop_map(|(n, s)| Decimal::new(n, s)),
        Just(Decimal::MAX),
        Just(Decimal::MIN),
        Just(Decimal::ZERO),
    ]
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (1800i32..2300, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

/// Ids that exist in the world, slugs that don't, and garbage.
fn any_id() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("pl".to_string()),
        Just("stc-ci".to_string()),
        Just("cnltp".to_string()),
        Just("civ-2023".to_string()),
        Just("civ-2023-p4".to_string()),
        Just("civ-2024-p1".to_string()),
        Just("pr-irc-bc".to_string()),
        Just("pa-gov-giz".to_string()),
        "[a-z0-9][a-z0-9._-]{0,70}",
        any::<String>(),
    ]
}

/// Text of any kind: normal, blank, with control characters, long.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,40}",
        "[\\x00-\\x1f\\x7f ]{0,10}",
        any::<String>(),
        (0usize..12_000).prop_map(|n| "é".repeat(n)),
    ]
}

fn any_money() -> impl Strategy<Value = Money> {
    (any_decimal(), currency()).prop_map(|(a, c)| Money::new(a, c))
}

fn any_allocations() -> impl Strategy<Value = Vec<AllocationInput>> {
    prop::collection::vec(
        (any_id(), any_decimal()).prop_map(|(p, a)| AllocationInput {
            priority_id: p,
            amount: a,
        }),
        0..4,
    )
}

fn any_pledge_command() -> impl Strategy<Value = PledgeCommand> {
    let make = (
        (any_id(), any_id(), any_id(), any_id()),
        (
            prop::option::of(any_money()),
            any_allocations(),
            prop::collection::vec(any_id(), 0..3),
        ),
        (
            prop::option::of((any::<i64>(), any_text())),
            prop::option::of(any_date()),
            prop::option::of(any_id()),
            prop::option::of(any_text()),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (id, donor, recipient, roadmap),
                (amount, allocations, priority_ids),
                (q, on, proposal, desc, in_kind),
            )| {
                PledgeCommand::Make(MakePledge {
                    id,
                    donor_id: Some(donor),
                    recipient_id: Some(recipient),
                    roadmap_id: roadmap,
                    kind: if in_kind {
                        ContributionKind::InKind
                    } else {
                        ContributionKind::Cash
                    },
                    amount,
                    quantity: q.map(|(count, unit)| QuantityInput { count, unit }),
                    allocations,
                    priority_ids,
                    pledged_on: on,
                    proposal_id: proposal,
                    partnership_id: None,
                    themes: vec![Theme::ChildLabour],
                    description: desc,
                    items: Vec::new(),
                    beneficiaries: Vec::new(),
                    status_stated: true,
                    source: None,
                })
            },
        );
    prop_oneof![
        make,
        (any_id(), prop::option::of(any_date())).prop_map(|(id, on)| PledgeCommand::Commit(
            CommitPledge {
                pledge_id: id,
                committed_on: on
            }
        )),
        (
            any_id(),
            prop::option::of(any_decimal()),
            prop::option::of(any_date())
        )
            .prop_map(|(id, a, on)| {
                PledgeCommand::RecordDisbursement(RecordDisbursement {
                    pledge_id: id,
                    amount: a,
                    disbursed_on: on,
                })
            }),
        (
            any_id(),
            any_money(),
            prop::option::of(any_allocations()),
            any_date(),
            any_text()
        )
            .prop_map(|(id, m, al, on, r)| {
                PledgeCommand::Revise(RevisePledge {
                    pledge_id: id,
                    amount: m,
                    allocations: al,
                    revised_on: on,
                    reason: r,
                })
            }),
        (any_id(), any_date(), any_text()).prop_map(|(id, on, r)| PledgeCommand::Cancel(
            CancelPledge {
                pledge_id: id,
                cancelled_on: on,
                reason: r
            }
        )),
    ]
}

/// Commands that are mostly valid, to walk a pledge through its lifecycle.
fn lifecycle_command() -> impl Strategy<Value = PledgeCommand> {
    let on = (2023i32..2025, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap());
    prop_oneof![
        on.clone().prop_map(|d| PledgeCommand::Commit(CommitPledge {
            pledge_id: "pl".into(),
            committed_on: Some(d)
        })),
        (1i64..6_000_000, prop::option::of(on.clone())).prop_map(|(a, d)| {
            PledgeCommand::RecordDisbursement(RecordDisbursement {
                pledge_id: "pl".into(),
                amount: Some(Decimal::from(a)),
                disbursed_on: d,
            })
        }),
        (1i64..12_000_000, on.clone()).prop_map(|(a, d)| PledgeCommand::Revise(RevisePledge {
            pledge_id: "pl".into(),
            amount: Money::new(Decimal::from(a), Currency::XOF),
            allocations: None,
            revised_on: d,
            reason: "r".into(),
        })),
        on.clone().prop_map(|d| PledgeCommand::Cancel(CancelPledge {
            pledge_id: "pl".into(),
            cancelled_on: d,
            reason: "r".into()
        })),
        (
            prop::collection::vec((on, 1i64..6_000_000), 0..4),
            prop::option::of(Just("r".to_owned()))
        )
            .prop_map(
                |(tranches, reason)| PledgeCommand::SetTranches(SetTranches {
                    pledge_id: "pl".into(),
                    tranches: tranches
                        .into_iter()
                        .map(|(due_on, a)| TrancheInput {
                            due_on,
                            amount: Decimal::from(a)
                        })
                        .collect(),
                    reason,
                })
            ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn shares_add_up_exactly(c in currency(), total in 1i64..1_000_000_000_000_000, weights in prop::collection::vec(1i64..1_000_000_000_000, 1..8)) {
        let total = minor(total, c);
        let weights: Vec<Decimal> = weights.into_iter().map(|w| minor(w, c)).collect();
        let shares = split_pro_rata("amount", total, &weights, c).unwrap();
        prop_assert_eq!(shares.len(), weights.len());
        prop_assert_eq!(shares.iter().copied().sum::<Decimal>(), total);
        for s in &shares {
            prop_assert!(s.scale() == c.minor_units());
        }
    }

    #[test]
    fn any_exact_split_is_a_valid_pledge_and_disbursements_add_up(
        c in currency(),
        parts in prop::collection::vec(1i64..100_000_000_000, 1..5),
        disburse_num in 1u64..=1000,
    ) {
        let priorities = ["civ-2023-p1", "civ-2023-p2", "civ-2023-p3", "civ-2023-p4"];
        let allocations: Vec<AllocationInput> = parts.iter().zip(priorities).map(|(p, id)| AllocationInput { priority_id: id.into(), amount: minor(*p, c) }).collect();
        let total: Decimal = allocations.iter().map(|a| a.amount).sum();
        let refs = world();
        let cmd = PledgeCommand::Make(MakePledge {
            id: "pl".into(), donor_id: Some("giz".into()), recipient_id: Some("cnltp".into()), roadmap_id: "civ-2023".into(),
            kind: ContributionKind::Cash, amount: Some(Money::new(total, c)), quantity: None, allocations,
            priority_ids: vec![], pledged_on: None, proposal_id: None, partnership_id: None, themes: vec![], description: None,
            items: Vec::new(),
            beneficiaries: Vec::new(),
            status_stated: true,
            source: None,
        });
        let mut state = PledgeState::default();
        for e in state.decide(&cmd, &refs).unwrap() { state.apply(&e); }
        for e in state.decide(&PledgeCommand::Commit(CommitPledge { pledge_id: "pl".into(), committed_on: None }), &refs).unwrap() { state.apply(&e); }
        // disburse a fraction of the total, in minor units
        let units = (total * Decimal::from(10u64.pow(c.minor_units()))).trunc();
        let part = (units * Decimal::from(disburse_num) / Decimal::from(1000u64)).trunc().max(Decimal::ONE);
        let amount = part / Decimal::from(10u64.pow(c.minor_units()));
        let events = state.decide(&PledgeCommand::RecordDisbursement(RecordDisbursement { pledge_id: "pl".into(), amount: Some(amount), disbursed_on: None }), &refs).unwrap();
        let PledgeEvent::DisbursementRecorded(d) = &events[0] else { panic!("a disbursement") };
        prop_assert_eq!(d.shares.iter().map(|s| s.amount).sum::<Decimal>(), amount);
        prop_assert_eq!(d.shares.len(), parts.len());
        let expected = if amount == total { PledgeStatus::Disbursed } else { PledgeStatus::PartlyDisbursed };
        prop_assert_eq!(d.status, expected);
    }

    #[test]
    fn eur_xof_eur_round_trip_is_exact(cents in 0i64..100_000_000_000_000_000) {
        let table = RateTable::new();
        let on = NaiveDate::from_ymd_opt(2023, 6, 1).unwrap();
        let eur = Money::new(Decimal::new(cents, 2), Currency::EUR);
        let xof = table.convert(&eur, Currency::XOF, on).unwrap().money;
        prop_assert_eq!(xof.amount.scale(), 0);
        let back = table.convert(&xof, Currency::EUR, on).unwrap().money;
        prop_assert_eq!(back, eur);
    }

    #[test]
    fn replaying_decided_events_gives_the_state_decide_saw_next(cmds in prop::collection::vec(lifecycle_command(), 0..25)) {
        let refs = world();
        let make = PledgeCommand::Make(MakePledge {
            id: "pl".into(), donor_id: Some("giz".into()), recipient_id: Some("cnltp".into()), roadmap_id: "civ-2023".into(),
            kind: ContributionKind::Cash, amount: Some(Money::new(Decimal::from(10_000_000), Currency::XOF)),
            quantity: None, allocations: vec![
                AllocationInput { priority_id: "civ-2023-p1".into(), amount: Decimal::from(3_333_333) },
                AllocationInput { priority_id: "civ-2023-p2".into(), amount: Decimal::from(6_666_667) },
            ],
            priority_ids: vec![], pledged_on: None, proposal_id: None, partnership_id: None, themes: vec![], description: None,
            items: Vec::new(),
            beneficiaries: Vec::new(),
            status_stated: true,
            source: None,
        });
        let mut state = PledgeState::default();
        let mut log: Vec<PledgeEvent> = Vec::new();
        for cmd in std::iter::once(&make).chain(cmds.iter()) {
            if let Ok(events) = state.decide(cmd, &refs) {
                for e in &events {
                    state.apply(e);
                    // events survive the store: encode, decode, same event
                    let any = crate::events::AnyEvent::from(e.clone());
                    let bytes = any.to_json().unwrap();
                    prop_assert_eq!(crate::events::decode_slice(any.event_type(), 1, &bytes).unwrap(), any);
                }
                log.extend(events);
            }
            let replayed = PledgeState::fold(&log);
            prop_assert_eq!(&replayed, &state);
            prop_assert_eq!(state.version, log.len() as u64);
            let p = state.entity.as_ref().unwrap();
            let amount = p.amount.unwrap().amount;
            prop_assert!(p.disbursed <= amount);
            prop_assert!(p.allocations.is_empty() || p.allocations.iter().map(|a| a.amount).sum::<Decimal>() == amount);
            let disbursed: Decimal = p.disbursements.iter().filter_map(|d| d.amount).map(|m| m.amount).sum();
            prop_assert_eq!(disbursed, p.disbursed);
            if p.status == PledgeStatus::Disbursed { prop_assert_eq!(p.disbursed, amount); }
            // Schedules: the tranches never exceed the commitment, nor what is
            // overdue on any day the tranches (so the commitment).
            let scheduled: Decimal = p.tranches.iter().map(|t| t.amount).sum();
            prop_assert!(scheduled <= amount, "tranches {} above {}", scheduled, amount);
            prop_assert!(p.tranches.windows(2).all(|w| w[0].due_on <= w[1].due_on));
            for day in p.tranches.iter().map(|t| t.due_on.succ_opt().unwrap()).chain([NaiveDate::from_ymd_opt(2030, 1, 1).unwrap()]) {
                let overdue = p.overdue_on(day);
                prop_assert!(overdue >= Decimal::ZERO && overdue <= scheduled && overdue <= amount);
                let statuses = p.schedule_on(day);
                for t in &statuses {
                    prop_assert_eq!(t.covered + t.outstanding, t.amount);
                }
                // Covered in full: what was disbursed by then, as far as the tranches go.
                let covered: Decimal = statuses.iter().map(|t| t.covered).sum();
                if p.status != PledgeStatus::Cancelled {
                    prop_assert_eq!(covered, crate::schedule::disbursed_by(&p.disbursements, day).min(scheduled));
                }
            }
        }
    }

    #[test]
    fn decide_never_panics_on_pledges(cmds in prop::collection::vec(any_pledge_command(), 1..6)) {
        let refs = world();
        let mut state = PledgeState::default();
        for cmd in &cmds {
            if let Ok(events) = state.decide(cmd, &refs) {
                for e in &events { state.apply(e); }
            }
        }
    }

    #[test]
    fn decide_never_panics_on_other_entities(
        ids in prop::collection::vec(any_id(), 4),
        texts in prop::collection::vec(any_text(), 3),
        money in any_money(),
        rate in any_decimal(),
        dates in prop::collection::vec(any_date(), 2),
        rank in any::<i64>(),
        currencies in (currency(), currency()),
    ) {
        let refs: InMemoryReferences = world();
        let _ = OrganisationState::default().decide(&RegisterOrganisation {
            id: ids[0].clone(), name: texts[0].clone(), acronym: Some(texts[1].clone()), kind: OrganisationKind::Other, country: texts[2].clone(),
            source: None,
        }.into(), &refs);
        let _ = RoadmapState::default().decide(&CreateRoadmap {
            id: ids[0].clone(), country: texts[2].clone(), title: texts[0].clone(), period_start: dates[0], period_end: dates[1], currency: money.currency,
            source: None,
        }.into(), &refs);
        let _ = PriorityState::default().decide(&DefinePriority { id: ids[0].clone(), roadmap_id: ids[1].clone(), rank, title: texts[0].clone(), source: None }.into(), &refs);
        let defined = PriorityState::fold(&crate::testing::given_events_priority());
        let _ = defined.decide(&SetFundingRequirement { priority_id: ids[0].clone(), amount: money, reason: Some(texts[1].clone()) }.into(), &refs);
        let _ = PartnershipState::default().decide(&RecordPartnership {
            id: ids[0].clone(), party_ids: ids[1..].to_vec(), title: texts[0].clone(), themes: vec![], nature: vec![PartnershipNature::InKind],
            priority_ids: vec![ids[3].clone()], status: Some(PartnershipStatus::Signed), signed_on: Some(dates[0]),
            source: None,
        }.into(), &refs);
        let _ = PartnershipState::default().decide(&ChangePartnershipStatus { partnership_id: ids[0].clone(), status: PartnershipStatus::Ended, on: Some(dates[1]), reason: Some(texts[2].clone()) }.into(), &refs);
        let _ = ProposalState::default().decide(&SubmitProposal {
            id: ids[0].clone(), applicant_id: ids[1].clone(), donor_id: ids[2].clone(), title: texts[0].clone(), requested: Some(money),
            themes: vec![], priority_ids: vec![ids[3].clone()], submitted_on: Some(dates[0]),
            source: None,
        }.into(), &refs);
        let _ = ProposalState::default().decide(&DecideProposal { proposal_id: ids[0].clone(), status: ProposalStatus::Approved, decided_on: dates[1], reason: Some(texts[1].clone()) }.into(), &refs);
        let _ = ExchangeRateState::default().decide(&RecordExchangeRate { base: currencies.0, quote: currencies.1, rate, valid_from: dates[0] }.into(), &refs);
        let mut table = RateTable::new();
        if rate > Decimal::ZERO {
            table.record(&crate::exchange_rate::ExchangeRateRecorded { base: currencies.0, quote: currencies.1, rate, valid_from: dates[0], supersedes: None });
        }
        let _ = table.convert(&money, currencies.1, dates[1]);
        let _ = table.convert(&money, Currency::USD, dates[1]);
    }
}
