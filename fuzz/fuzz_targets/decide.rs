//! Arbitrary bytes -> a sequence of domain commands, each decided against the
//! state folded from the events decided before (pure `decide` / `evolve`, the
//! references folded by `InMemoryReferences`), as the ledger would.
//!
//! Ids come from small pools (so that commands meet: commit the pledge just
//! made, disburse it, revise it) and sometimes from raw text; amounts are any
//! decimals (negative, over-precise, `Decimal::MAX`); dates straddle the
//! accepted range. After every command:
//! - nothing panicked (the point of fuzzing);
//! - a refusal is one of the domain's four codes, with a field for
//!   BAD_USER_INPUT and NOT_FOUND;
//! - an acceptance decided events, and the stream's version grew by their
//!   number;
//! - every event survives the store's triple (type, version, JSON) unchanged;
//! - a valued pledge never has more disbursed than its amount, its
//!   allocations add up to its amount, its status agrees with what was
//!   disbursed, and a disbursement's shares add up to the disbursement.

#![no_main]

use std::collections::HashMap;

use arbitrary::Arbitrary;
use chrono::{Days, NaiveDate};
use fundtrail_domain::aggregate::Aggregate;
use fundtrail_domain::enums::{
    ContributionKind, OrganisationKind, PartnershipNature, PartnershipStatus, PledgeStatus,
    ProposalStatus, Theme,
};
use fundtrail_domain::events::EventEnum;
use fundtrail_domain::exchange_rate::{ExchangeRateCommand, ExchangeRateState, RecordExchangeRate};
use fundtrail_domain::money::{Currency, Money};
use fundtrail_domain::organisation::{
    OrganisationCommand, OrganisationState, RegisterOrganisation,
};
use fundtrail_domain::partnership::{
    ChangePartnershipStatus, PartnershipCommand, PartnershipState, RecordPartnership,
};
use fundtrail_domain::pledge::{
    AllocationInput, CancelPledge, CommitPledge, MakePledge, PledgeCommand, PledgeEvent,
    PledgeState, QuantityInput, RecordDisbursement, RevisePledge,
};
use fundtrail_domain::priority::{
    DefinePriority, PriorityCommand, PriorityState, SetFundingRequirement,
};
use fundtrail_domain::proposal::{DecideProposal, ProposalCommand, ProposalState, SubmitProposal};
use fundtrail_domain::roadmap::{CreateRoadmap, RoadmapCommand, RoadmapState};
use fundtrail_domain::{AnyEvent, DomainError, InMemoryReferences, decode};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

/// An id: one of a few per entity (`o3`, `r1`, ...), or any text.
#[derive(Arbitrary, Debug)]
enum Id {
    Pool(u8),
    Raw(String),
}

impl Id {
    fn of(&self, prefix: &str) -> String {
        match self {
            Id::Pool(n) => format!("{prefix}{}", n % 4),
            Id::Raw(s) => s.clone(),
        }
    }
}

/// A decimal: small and plausible, any 96-bit one, or an extreme.
#[derive(Arbitrary, Debug)]
enum Amount {
    Small(i32, u8),
    Parts(u32, u32, u32, bool, u8),
    Max,
    Min,
    Zero,
}

impl Amount {
    fn value(&self) -> Decimal {
        match *self {
            Amount::Small(n, scale) => Decimal::new(i64::from(n), u32::from(scale % 4)),
            Amount::Parts(lo, mid, hi, negative, scale) => {
                Decimal::from_parts(lo, mid, hi, negative, u32::from(scale % 29))
            }
            Amount::Max => Decimal::MAX,
            Amount::Min => Decimal::MIN,
            Amount::Zero => Decimal::ZERO,
        }
    }
}

/// Days after 1985-01-01 (the accepted range is 1990 to 2100).
#[derive(Arbitrary, Debug, Clone, Copy)]
struct Day(u16);

impl Day {
    fn date(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(1985, 1, 1)
            .expect("a date")
            .checked_add_days(Days::new(u64::from(self.0) * 2))
            .expect("within chrono's range")
    }
}

fn currency(n: u8) -> Currency {
    let code = ["XOF", "EUR", "USD", "JPY", "BHD", "GBP"][usize::from(n) % 6];
    Currency::parse("currency", code).expect("an ISO code")
}

fn pick<T: Copy>(all: &[T], n: u8) -> T {
    all[usize::from(n) % all.len()]
}

fn picks<T: Copy>(all: &[T], ns: &[u8]) -> Vec<T> {
    ns.iter().map(|n| pick(all, *n)).collect()
}

fn text(short: &Option<String>, fallback: &str) -> String {
    short.clone().unwrap_or_else(|| fallback.to_owned())
}

#[derive(Arbitrary, Debug)]
enum Op {
    Register {
        id: Id,
        name: Option<String>,
        kind: u8,
        country: bool,
    },
    CreateRoadmap {
        id: Id,
        start: Day,
        end: Day,
        currency: u8,
    },
    DefinePriority {
        id: Id,
        roadmap: Id,
        rank: i64,
        title: Option<String>,
    },
    SetRequirement {
        priority: Id,
        amount: Amount,
        currency: u8,
    },
    RecordPartnership {
        id: Id,
        parties: Vec<Id>,
        priorities: Vec<Id>,
        themes: Vec<u8>,
        nature: Vec<u8>,
        status: u8,
        signed_on: Option<Day>,
    },
    ChangePartnershipStatus {
        id: Id,
        status: u8,
        on: Option<Day>,
    },
    SubmitProposal {
        id: Id,
        applicant: Id,
        donor: Id,
        requested: Option<(Amount, u8)>,
        priorities: Vec<Id>,
        themes: Vec<u8>,
        on: Option<Day>,
    },
    DecideProposal {
        id: Id,
        status: u8,
        on: Day,
    },
    Pledge {
        id: Id,
        donor: Id,
        recipient: Id,
        roadmap: Id,
        in_kind: bool,
        amount: Option<(Amount, u8)>,
        quantity: Option<(i64, String)>,
        allocations: Vec<(Id, Amount)>,
        priorities: Vec<Id>,
        on: Option<Day>,
        proposal: Option<Id>,
        partnership: Option<Id>,
        themes: Vec<u8>,
        description: Option<String>,
    },
    Commit {
        id: Id,
        on: Option<Day>,
    },
    Disburse {
        id: Id,
        amount: Option<Amount>,
        on: Option<Day>,
    },
    Revise {
        id: Id,
        amount: Amount,
        currency: u8,
        allocations: Option<Vec<(Id, Amount)>>,
        on: Day,
        reason: Option<String>,
    },
    Cancel {
        id: Id,
        on: Day,
        reason: Option<String>,
    },
    /// A funding chain (issue #15): `id` funded by `parent`.
    Link {
        id: Id,
        parent: Id,
        amount: Amount,
        reason: Option<String>,
    },
    Unlink {
        id: Id,
        parent: Id,
        reason: Option<String>,
    },
    ExchangeRate {
        base: u8,
        quote: u8,
        rate: Amount,
        from: Day,
    },
}

/// The streams decided so far, and the references they make.
#[derive(Default, Clone)]
struct World {
    refs: InMemoryReferences,
    organisations: HashMap<String, OrganisationState>,
    roadmaps: HashMap<String, RoadmapState>,
    priorities: HashMap<String, PriorityState>,
    partnerships: HashMap<String, PartnershipState>,
    proposals: HashMap<String, ProposalState>,
    pledges: HashMap<String, PledgeState>,
    rates: HashMap<String, ExchangeRateState>,
}

/// Decides `command` on its stream in `streams`, checks the outcome, folds
/// the events (into the stream and the references); returns them.
fn run<A>(
    streams: &mut HashMap<String, A>,
    refs: &mut InMemoryReferences,
    stream: Result<String, DomainError>,
    command: &A::Command,
) -> Vec<A::Event>
where
    A: Aggregate,
    A::Event: Into<AnyEvent>,
{
    let stream = match stream {
        Ok(stream) => stream,
        Err(e) => {
            check_refusal(&e);
            return Vec::new();
        }
    };
    let state = streams.get(&stream).cloned().unwrap_or_default();
    // The scope check runs before the decision, on any command.
    let _ = state.footprint(command, refs);
    match state.decide(command, refs) {
        Err(e) => {
            check_refusal(&e);
            Vec::new()
        }
        Ok(events) => {
            assert!(
                !events.is_empty(),
                "{command:?} was accepted without an event"
            );
            let before = state.version();
            let mut after = state;
            for event in &events {
                round_trip(event);
                after = after.evolve(event);
                refs.apply(&event.clone().into());
            }
            assert_eq!(after.version(), before + events.len() as u64, "{command:?}");
            streams.insert(stream, after);
            events
        }
    }
}

fn check_refusal(e: &DomainError) {
    match e {
        DomainError::BadUserInput { field, message } => {
            assert!(!field.is_empty() && !message.is_empty(), "{e:?}")
        }
        DomainError::NotFound { field, id, .. } => assert!(!field.is_empty(), "{e:?} ({id})"),
        DomainError::AlreadyExists { .. } | DomainError::InvalidState { .. } => {}
    }
    assert!(!e.to_string().is_empty());
}

/// The event as the store keeps it (type, version, JSON) decodes to itself.
fn round_trip<E: EventEnum + Clone + Into<AnyEvent>>(event: &E) {
    let payload = serde_json::to_value(event).expect("events serialise");
    let decoded = decode(event.event_type(), event.schema_version(), payload.clone())
        .unwrap_or_else(|e| panic!("{} does not decode: {e}\n{payload}", event.event_type()));
    assert_eq!(decoded, event.clone().into(), "{payload}");
}

fn check_pledge(state: &PledgeState, events: &[PledgeEvent]) {
    for event in events {
        if let PledgeEvent::DisbursementRecorded(d) = event
            && let Some(amount) = d.amount
        {
            let shares: Decimal = d.shares.iter().map(|s| s.amount).sum();
            assert_eq!(
                shares, amount.amount,
                "shares add up to the disbursement: {d:?}"
            );
            assert!(d.shares.iter().all(|s| s.amount >= Decimal::ZERO), "{d:?}");
        }
    }
    let Some(p) = &state.entity else { return };
    assert!(p.disbursed >= Decimal::ZERO, "{p:?}");
    let Some(amount) = p.amount else {
        assert!(
            p.allocations.is_empty(),
            "an unvalued pledge has no allocations: {p:?}"
        );
        return;
    };
    assert!(
        p.disbursed <= amount.amount,
        "disbursed {} of a pledge of {}: {p:?}",
        p.disbursed,
        amount
    );
    if !p.allocations.is_empty() {
        let sum: Decimal = p.allocations.iter().map(|a| a.amount).sum();
        assert_eq!(
            sum, amount.amount,
            "allocations add up to the amount: {p:?}"
        );
    }
    match p.status {
        PledgeStatus::Disbursed => assert_eq!(p.disbursed, amount.amount, "{p:?}"),
        PledgeStatus::PartlyDisbursed => {
            assert!(
                p.disbursed > Decimal::ZERO && p.disbursed < amount.amount,
                "{p:?}"
            )
        }
        PledgeStatus::Pledged => assert!(p.disbursed.is_zero(), "{p:?}"),
        PledgeStatus::Committed | PledgeStatus::Cancelled => {}
    }
}

fn allocations(items: &[(Id, Amount)]) -> Vec<AllocationInput> {
    items
        .iter()
        .map(|(id, amount)| AllocationInput {
            priority_id: id.of("p"),
            amount: amount.value(),
        })
        .collect()
}

fn ids(items: &[Id], prefix: &str) -> Vec<String> {
    items.iter().map(|i| i.of(prefix)).collect()
}

impl World {
    /// Decides `op`; whether it was accepted.
    fn apply(&mut self, op: &Op) -> bool {
        let refs = &mut self.refs;
        match op {
            Op::Register {
                id,
                name,
                kind,
                country,
            } => {
                let c = OrganisationCommand::from(RegisterOrganisation {
                    id: id.of("o"),
                    name: text(name, "Organisation"),
                    acronym: None,
                    kind: pick(OrganisationKind::ALL, *kind),
                    country: if *country { "CIV".into() } else { "XYZ".into() },
                    source: None,
                });
                !run(&mut self.organisations, refs, c.stream_id(), &c).is_empty()
            }
            Op::CreateRoadmap {
                id,
                start,
                end,
                currency: cur,
            } => {
                let c = RoadmapCommand::from(CreateRoadmap {
                    id: id.of("r"),
                    country: "CIV".into(),
                    title: "Roadmap".into(),
                    period_start: start.date(),
                    period_end: end.date(),
                    currency: currency(*cur),
                    source: None,
                });
                !run(&mut self.roadmaps, refs, c.stream_id(), &c).is_empty()
            }
            Op::DefinePriority {
                id,
                roadmap,
                rank,
                title,
            } => {
                let c = PriorityCommand::from(DefinePriority {
                    id: id.of("p"),
                    roadmap_id: roadmap.of("r"),
                    rank: *rank,
                    title: text(title, "Priority"),
                    source: None,
                });
                !run(&mut self.priorities, refs, c.stream_id(), &c).is_empty()
            }
            Op::SetRequirement {
                priority,
                amount,
                currency: cur,
            } => {
                let c = PriorityCommand::from(SetFundingRequirement {
                    priority_id: priority.of("p"),
                    amount: Money::new(amount.value(), currency(*cur)),
                    reason: None,
                });
                !run(&mut self.priorities, refs, c.stream_id(), &c).is_empty()
            }
            Op::RecordPartnership {
                id,
                parties,
                priorities,
                themes,
                nature,
                status,
                signed_on,
            } => {
                let c = PartnershipCommand::from(RecordPartnership {
                    id: id.of("pa"),
                    party_ids: ids(parties, "o"),
                    title: "Partnership".into(),
                    themes: picks(Theme::ALL, themes),
                    nature: picks(PartnershipNature::ALL, nature),
                    priority_ids: ids(priorities, "p"),
                    // one value in five: a status the source does not state
                    status: (*status % 5 != 4).then(|| pick(PartnershipStatus::ALL, *status)),
                    signed_on: signed_on.map(Day::date),
                    source: None,
                });
                !run(&mut self.partnerships, refs, c.stream_id(), &c).is_empty()
            }
            Op::ChangePartnershipStatus { id, status, on } => {
                let c = PartnershipCommand::from(ChangePartnershipStatus {
                    partnership_id: id.of("pa"),
                    status: pick(PartnershipStatus::ALL, *status),
                    on: on.map(Day::date),
                    reason: None,
                });
                !run(&mut self.partnerships, refs, c.stream_id(), &c).is_empty()
            }
            Op::SubmitProposal {
                id,
                applicant,
                donor,
                requested,
                priorities,
                themes,
                on,
            } => {
                let c = ProposalCommand::from(SubmitProposal {
                    id: id.of("pr"),
                    applicant_id: applicant.of("o"),
                    donor_id: donor.of("o"),
                    title: "Proposal".into(),
                    requested: requested
                        .as_ref()
                        .map(|(a, c)| Money::new(a.value(), currency(*c))),
                    themes: picks(Theme::ALL, themes),
                    priority_ids: ids(priorities, "p"),
                    submitted_on: on.map(Day::date),
                    source: None,
                });
                !run(&mut self.proposals, refs, c.stream_id(), &c).is_empty()
            }
            Op::DecideProposal { id, status, on } => {
                let c = ProposalCommand::from(DecideProposal {
                    proposal_id: id.of("pr"),
                    status: pick(ProposalStatus::ALL, *status),
                    decided_on: on.date(),
                    reason: None,
                });
                !run(&mut self.proposals, refs, c.stream_id(), &c).is_empty()
            }
            Op::Pledge {
                id,
                donor,
                recipient,
                roadmap,
                in_kind,
                amount,
                quantity,
                allocations: items,
                priorities,
                on,
                proposal,
                partnership,
                themes,
                description,
            } => {
                let c = PledgeCommand::from(MakePledge {
                    id: id.of("pl"),
                    // an unnamed donor when it would give to itself
                    donor_id: (donor.of("o") != recipient.of("o")).then(|| donor.of("o")),
                    recipient_id: Some(recipient.of("o")),
                    roadmap_id: roadmap.of("r"),
                    kind: if *in_kind {
                        ContributionKind::InKind
                    } else {
                        ContributionKind::Cash
                    },
                    amount: amount
                        .as_ref()
                        .map(|(a, c)| Money::new(a.value(), currency(*c))),
                    quantity: quantity.as_ref().map(|(count, unit)| QuantityInput {
                        count: *count,
                        unit: unit.clone(),
                    }),
                    allocations: allocations(items),
                    priority_ids: ids(priorities, "p"),
                    pledged_on: on.map(Day::date),
                    proposal_id: proposal.as_ref().map(|p| p.of("pr")),
                    partnership_id: partnership.as_ref().map(|p| p.of("pa")),
                    themes: picks(Theme::ALL, themes),
                    description: description.clone(),
                    items: Vec::new(),
                    beneficiaries: Vec::new(),
                    // a status the source does not state, for gifts without a value
                    status_stated: !(*in_kind && amount.is_none()),
                    source: None,
                });
                self.pledge(&c)
            }
            Op::Commit { id, on } => self.pledge(&PledgeCommand::from(CommitPledge {
                pledge_id: id.of("pl"),
                committed_on: on.map(Day::date),
            })),
            Op::Disburse { id, amount, on } => {
                self.pledge(&PledgeCommand::from(RecordDisbursement {
                    pledge_id: id.of("pl"),
                    amount: amount.as_ref().map(Amount::value),
                    disbursed_on: on.map(Day::date),
                }))
            }
            Op::Revise {
                id,
                amount,
                currency: cur,
                allocations: items,
                on,
                reason,
            } => self.pledge(&PledgeCommand::from(RevisePledge {
                pledge_id: id.of("pl"),
                amount: Money::new(amount.value(), currency(*cur)),
                allocations: items.as_deref().map(allocations),
                revised_on: on.date(),
                reason: text(reason, "revised"),
            })),
            Op::Cancel { id, on, reason } => self.pledge(&PledgeCommand::from(CancelPledge {
                pledge_id: id.of("pl"),
                cancelled_on: on.date(),
                reason: text(reason, "cancelled"),
            })),
            Op::Link {
                id,
                parent,
                amount,
                reason,
            } => self.pledge(&PledgeCommand::from(
                fundtrail_domain::pledge::LinkFunding {
                    pledge_id: id.of("pl"),
                    funded_by_pledge_id: parent.of("pl"),
                    amount: amount.value(),
                    reason: reason.clone(),
                },
            )),
            Op::Unlink { id, parent, reason } => self.pledge(&PledgeCommand::from(
                fundtrail_domain::pledge::UnlinkFunding {
                    pledge_id: id.of("pl"),
                    funded_by_pledge_id: parent.of("pl"),
                    reason: text(reason, "unlinked"),
                },
            )),
            Op::ExchangeRate {
                base,
                quote,
                rate,
                from,
            } => {
                let c = ExchangeRateCommand::from(RecordExchangeRate {
                    base: currency(*base),
                    quote: currency(*quote),
                    rate: rate.value(),
                    valid_from: from.date(),
                });
                !run(&mut self.rates, refs, c.stream_id(), &c).is_empty()
            }
        }
    }

    fn pledge(&mut self, command: &PledgeCommand) -> bool {
        let stream = command.stream_id();
        let key = stream.clone().ok();
        let events = run(&mut self.pledges, &mut self.refs, stream, command);
        if let Some(state) = key.and_then(|k| self.pledges.get(&k)) {
            check_pledge(state, &events);
        }
        self.check_chains();
        !events.is_empty()
    }

    /// Whatever was accepted, no pledge passes on more than it has, nor is
    /// funded for more than it is, and no cancelled pledge is in a chain.
    fn check_chains(&self) {
        use fundtrail_domain::refs::References;
        for state in self.pledges.values() {
            let Some(p) = &state.entity else { continue };
            let Some(r) = self.refs.pledge_funding(p.id.as_str()) else {
                continue;
            };
            let funded: rust_decimal::Decimal = p.funded_by.iter().map(|l| l.amount.amount).sum();
            if p.status == PledgeStatus::Cancelled {
                assert!(p.funded_by.is_empty() && r.children == 0, "{p:?} {r:?}");
                continue;
            }
            if let Some(a) = p.amount {
                assert!(funded <= a.amount, "{p:?} is funded beyond its amount");
                assert!(
                    r.passed_on <= a.amount,
                    "{p:?} passes on {} of {a}",
                    r.passed_on
                );
                assert!(p.funded_by.iter().all(|l| l.amount.currency == a.currency));
            }
        }
    }
}

/// The world every input starts from, decided like the rest: organisations
/// `o0`..`o3`, roadmaps `r0` (XOF, priorities `p0`, `p1`) and `r1` (EUR,
/// `p2`, `p3`), proposal `pr0`, partnership `pa0`; pledges are the input's.
fn seeded() -> World {
    let mut world = World::default();
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    let accepted = |world: &mut World, op: Op| assert!(world.apply(&op), "{op:?} was refused");
    for n in 0..4 {
        accepted(
            &mut world,
            Op::Register {
                id: Id::Pool(n),
                name: None,
                kind: n,
                country: true,
            },
        );
    }
    let since = |d: NaiveDate| Day((d - day(1985, 1, 1)).num_days() as u16 / 2);
    for (n, cur) in [(0u8, 0u8), (1, 1)] {
        accepted(
            &mut world,
            Op::CreateRoadmap {
                id: Id::Pool(n),
                start: since(day(2023, 1, 1)),
                end: since(day(2026, 12, 31)),
                currency: cur,
            },
        );
    }
    for n in 0..4u8 {
        accepted(
            &mut world,
            Op::DefinePriority {
                id: Id::Pool(n),
                roadmap: Id::Pool(n / 2),
                rank: i64::from(n % 2) + 1,
                title: None,
            },
        );
    }
    accepted(
        &mut world,
        Op::SubmitProposal {
            id: Id::Pool(0),
            applicant: Id::Pool(0),
            donor: Id::Pool(1),
            requested: None,
            priorities: vec![Id::Pool(0)],
            themes: vec![0],
            on: Some(since(day(2023, 3, 1))),
        },
    );
    accepted(
        &mut world,
        Op::RecordPartnership {
            id: Id::Pool(0),
            parties: vec![Id::Pool(0), Id::Pool(2)],
            priorities: vec![],
            themes: vec![],
            nature: vec![],
            status: 0,
            signed_on: None,
        },
    );
    world
}

static WORLD: std::sync::LazyLock<World> = std::sync::LazyLock::new(seeded);

fuzz_target!(|ops: Vec<Op>| {
    let mut world = WORLD.clone();
    for op in ops.iter().take(64) {
        world.apply(op);
    }
});
