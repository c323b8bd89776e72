//! Deterministic synthetic ledger in the shape of benchmarks.md (20 roadmaps,
//! 5 priorities each, 2,000 organisations, pledges with revisions, commitments
//! and disbursements), folded straight into a `ReadModel` (no JSON).
#![allow(dead_code)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use fundtrail_domain::enums::*;
use fundtrail_domain::events::AnyEvent;
use fundtrail_domain::ids::*;
use fundtrail_domain::money::{Currency, Money};
use fundtrail_domain::organisation::{OrganisationEvent, OrganisationRegistered};
use fundtrail_domain::pledge::*;
use fundtrail_domain::priority::{FundingRequirementSet, PriorityDefined, PriorityEvent};
use fundtrail_domain::roadmap::{RoadmapCreated, RoadmapEvent};
use fundtrail_domain::streams::{EntityKind, stream_name};
use fundtrail_projections::{Envelope, ReadModel};
use rust_decimal::Decimal;

pub const ROADMAPS: usize = 20;
pub const PRIORITIES: usize = 5;
pub const ORGS: usize = 2000;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub struct Synth {
    pub model: ReadModel,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Expected plain totals per roadmap: (pledged, committed, disbursed) in XOF.
    pub expected: Vec<(Decimal, Decimal, Decimal)>,
}

struct Feeder {
    model: ReadModel,
    position: u64,
    now: DateTime<Utc>,
}

impl Feeder {
    fn push(&mut self, stream: String, e: AnyEvent) {
        self.position += 1;
        self.now += Duration::milliseconds(10);
        let env = Envelope {
            position: self.position,
            recorded_at: self.now,
            stream_id: stream,
            version: 0,
            actor: if self.position.is_multiple_of(7) {
                "bob".into()
            } else {
                "import".into()
            },
            command_id: None,
        };
        self.model.apply(&env, &e);
    }
}

pub fn rid(r: usize) -> String {
    format!("rm-{r}")
}

/// Folds about `events` events.
pub fn build(events: usize) -> Synth {
    let start = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut f = Feeder {
        model: ReadModel::new(),
        position: 0,
        now: start,
    };
    let mut rng = Rng(42);
    for o in 0..ORGS {
        let id = format!("org-{o}");
        f.push(
            stream_name(EntityKind::Organisation, &id),
            OrganisationEvent::from(OrganisationRegistered {
                organisation_id: OrganisationId::new_unchecked(&id),
                name: format!("Organisation {o}"),
                acronym: None,
                kind: OrganisationKind::ALL[o % OrganisationKind::ALL.len()],
                country: "CIV".into(),
                source: None,
            })
            .into(),
        );
    }
    for r in 0..ROADMAPS {
        f.push(
            stream_name(EntityKind::Roadmap, rid(r)),
            RoadmapEvent::from(RoadmapCreated {
                roadmap_id: RoadmapId::new_unchecked(rid(r)),
                country: "CIV".into(),
                title: format!("Roadmap {r}"),
                period_start: NaiveDate::from_ymd_opt(2023, 1, 1).unwrap(),
                period_end: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
                currency: Currency::XOF,
                source: None,
            })
            .into(),
        );
        for p in 0..PRIORITIES {
            let pid = format!("{}-p{p}", rid(r));
            f.push(
                stream_name(EntityKind::Priority, &pid),
                PriorityEvent::from(PriorityDefined {
                    priority_id: PriorityId::new_unchecked(&pid),
                    roadmap_id: RoadmapId::new_unchecked(rid(r)),
                    rank: p as u32 + 1,
                    title: format!("Priority {p}"),
                    source: None,
                })
                .into(),
            );
            f.push(
                stream_name(EntityKind::Priority, &pid),
                PriorityEvent::from(FundingRequirementSet {
                    priority_id: PriorityId::new_unchecked(&pid),
                    requirement: Money::new(Decimal::from(500_000_000u64), Currency::XOF),
                    reason: None,
                })
                .into(),
            );
        }
    }
    let mut expected = vec![(Decimal::ZERO, Decimal::ZERO, Decimal::ZERO); ROADMAPS];
    let day0 = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    let mut n = 0usize;
    while (f.position as usize) < events {
        let id = format!("pl-{n}");
        n += 1;
        let r = rng.below(ROADMAPS as u64) as usize;
        let stream = stream_name(EntityKind::Pledge, &id);
        let pid = PledgeId::new_unchecked(&id);
        let prio = rng.below(PRIORITIES as u64 + 1) as usize; // PRIORITIES = unallocated
        let alloc = |amount: Decimal| -> Vec<Allocation> {
            if prio == PRIORITIES {
                vec![]
            } else {
                vec![Allocation {
                    priority_id: PriorityId::new_unchecked(format!("{}-p{prio}", rid(r))),
                    amount,
                }]
            }
        };
        let mut amount = Decimal::from(1_000 * (1 + rng.below(10_000)));
        let on = day0 + Duration::days(rng.below(700) as i64);
        f.push(
            stream.clone(),
            PledgeEvent::from(PledgeMade {
                pledge_id: pid.clone(),
                donor_id: Some(OrganisationId::new_unchecked(format!(
                    "org-{}",
                    rng.below(ORGS as u64)
                ))),
                recipient_id: Some(OrganisationId::new_unchecked("org-0")),
                roadmap_id: RoadmapId::new_unchecked(rid(r)),
                kind: ContributionKind::Cash,
                amount: Some(Money::new(amount, Currency::XOF)),
                allocations: alloc(amount),
                priority_ids: vec![],
                pledged_on: Some(on),
                proposal_id: None,
                partnership_id: None,
                themes: vec![Theme::ChildLabour],
                description: None,
                items: Vec::new(),
                beneficiaries: Vec::new(),
                status_stated: true,
                source: None,
            })
            .into(),
        );
        if rng.below(2) == 0 {
            amount += Decimal::from(1_000);
            f.push(
                stream.clone(),
                PledgeEvent::from(PledgeRevised {
                    pledge_id: pid.clone(),
                    previous_amount: None,
                    amount: Money::new(amount, Currency::XOF),
                    allocations: alloc(amount),
                    revised_on: on + Duration::days(3),
                    reason: "revised".into(),
                    status: PledgeStatus::Pledged,
                })
                .into(),
            );
        }
        expected[r].0 += amount;
        if rng.below(10) < 8 {
            expected[r].1 += amount;
            f.push(
                stream.clone(),
                PledgeEvent::from(PledgeCommitted {
                    pledge_id: pid.clone(),
                    committed_on: Some(on + Duration::days(10)),
                })
                .into(),
            );
            for k in 0..rng.below(5) {
                let part = amount / Decimal::from(10);
                expected[r].2 += part;
                f.push(
                    stream.clone(),
                    PledgeEvent::from(DisbursementRecorded {
                        pledge_id: pid.clone(),
                        amount: Some(Money::new(part, Currency::XOF)),
                        disbursed_on: Some(on + Duration::days(20 + k as i64)),
                        shares: vec![Share {
                            priority_id: (prio < PRIORITIES)
                                .then(|| PriorityId::new_unchecked(format!("{}-p{prio}", rid(r)))),
                            amount: part,
                        }],
                        disbursed_total: None,
                        status: PledgeStatus::PartlyDisbursed,
                    })
                    .into(),
                );
            }
        }
    }
    Synth {
        start,
        end: f.now,
        model: f.model,
        expected,
    }
}
