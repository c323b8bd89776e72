//! A realistic ledger made by the domain itself: every event is what a real
//! command decided (so the server's projections fold it), generated
//! deterministically from a seed. Used by the API figures (W5-W8) and by the
//! replay figure's real-projection fold.
//!
//! Shape (benchmarks.md): R roadmaps of 5 priorities with requirements, 2,000
//! organisations, then pledges (1 pledge, 0-1 revision, a commitment for 80 %,
//! 0-4 disbursements, a few cancellations; 10 % unvalued in-kind gifts) in
//! XOF, EUR and USD over 2023-2025, with partnerships and proposals making
//! about 10 % of the events.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use fundtrail_domain::events::EventEnum;
use fundtrail_domain::exchange_rate::{ExchangeRateCommand, ExchangeRateState, RecordExchangeRate};
use fundtrail_domain::organisation::{
    OrganisationCommand, OrganisationState, RegisterOrganisation,
};
use fundtrail_domain::partnership::{PartnershipCommand, PartnershipState, RecordPartnership};
use fundtrail_domain::pledge::{
    AllocationInput, CommitPledge, LinkFunding, MakePledge, PledgeCommand, PledgeState,
    QuantityInput, RecordDisbursement, RevisePledge,
};
use fundtrail_domain::priority::{
    DefinePriority, PriorityCommand, PriorityState, SetFundingRequirement,
};
use fundtrail_domain::proposal::{ProposalCommand, ProposalState, SubmitProposal};
use fundtrail_domain::roadmap::{CreateRoadmap, RoadmapCommand, RoadmapState};
use fundtrail_domain::streams::{EntityKind, stream_name};
use fundtrail_domain::{
    Aggregate, AnyEvent, ContributionKind, Currency, InMemoryReferences, Money, OrganisationKind,
    PartnershipNature, PartnershipStatus, Theme,
};
use fundtrail_store::{AppendRequest, EventMetadata, ExpectedVersion, NewEvent};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

/// The generated ledger: appends in causal order.
pub struct GeneratedLog {
    pub requests: Vec<AppendRequest>,
    pub events: usize,
    pub roadmaps: Vec<String>,
    /// The value date halfway through the generated dates (for `on` queries).
    pub middle_date: NaiveDate,
}

struct Builder {
    rng: StdRng,
    refs: InMemoryReferences,
    requests: Vec<AppendRequest>,
    events: usize,
    commands: u64,
}

impl Builder {
    fn run<A: Aggregate>(
        &mut self,
        states: &mut HashMap<String, A>,
        stream: String,
        command: A::Command,
    ) -> bool
    where
        AnyEvent: From<A::Event>,
    {
        let state = states.entry(stream.clone()).or_default();
        let Ok(decided) = state.decide(&command, &self.refs) else {
            return false;
        };
        let expected = match state.version() {
            0 => ExpectedVersion::NoStream,
            v => ExpectedVersion::Exact(v),
        };
        let mut new = Vec::with_capacity(decided.len());
        for event in decided {
            let payload = serde_json::to_string(&event).expect("events serialise");
            new.push(NewEvent::new(
                event.event_type(),
                event.schema_version(),
                payload,
            ));
            state.apply(&event);
            self.refs.apply(&AnyEvent::from(event));
        }
        self.commands += 1;
        self.events += new.len();
        let metadata = EventMetadata {
            actor: format!("officer-{}", self.commands % 7),
            command_id: Some(format!("bench-{}", self.commands)),
            correlation_id: None,
            causation_id: None,
        };
        self.requests
            .push(AppendRequest::new(stream, expected, new).with_metadata(metadata));
        true
    }
}

const KINDS: [OrganisationKind; 6] = [
    OrganisationKind::Government,
    OrganisationKind::UnAgency,
    OrganisationKind::BilateralAgency,
    OrganisationKind::InternationalNgo,
    OrganisationKind::NationalNgo,
    OrganisationKind::PrivateSector,
];
const THEMES: [Theme; 4] = [
    Theme::ChildLabour,
    Theme::ForcedLabour,
    Theme::Trafficking,
    Theme::ModernSlavery,
];

/// Pledges of a roadmap a new link may take as its parent.
const RECENT: usize = 64;

fn currency(code: &str) -> Currency {
    Currency::parse("currency", code).expect("an ISO currency")
}

/// Share of valued pledges linked to an earlier pledge (funding chains, #15).
pub const LINK_SHARE: f64 = 0.05;

/// Makes about `target_events` events over `roadmaps` roadmaps.
pub fn generate(target_events: usize, roadmaps: usize, seed: u64) -> GeneratedLog {
    generate_linked(target_events, roadmaps, seed, LINK_SHARE)
}

/// [`generate`] with `link_share` of the valued pledges in funding chains
/// (0: none, to measure what chains cost in the same sitting).
pub fn generate_linked(
    target_events: usize,
    roadmaps: usize,
    seed: u64,
    link_share: f64,
) -> GeneratedLog {
    let mut b = Builder {
        rng: StdRng::seed_from_u64(seed),
        refs: InMemoryReferences::new(),
        requests: Vec::new(),
        events: 0,
        commands: 0,
    };
    let (xof, eur, usd) = (currency("XOF"), currency("EUR"), currency("USD"));
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).expect("a date");
    let days = 3 * 365;
    let mut organisations: HashMap<String, OrganisationState> = HashMap::new();
    let mut roadmap_states: HashMap<String, RoadmapState> = HashMap::new();
    let mut priorities: HashMap<String, PriorityState> = HashMap::new();
    let mut pledges: HashMap<String, PledgeState> = HashMap::new();
    // The latest valued pledges of each roadmap: the parents links take.
    let mut recent: Vec<Vec<String>> = vec![Vec::new(); roadmaps.max(1)];
    let mut partnerships: HashMap<String, PartnershipState> = HashMap::new();
    let mut proposals: HashMap<String, ProposalState> = HashMap::new();
    let mut rates: HashMap<String, ExchangeRateState> = HashMap::new();

    let org_count = 2_000;
    for i in 0..org_count {
        let id = format!("org-{i:04}");
        let command = RegisterOrganisation {
            id: id.clone(),
            name: format!("Organisation {i:04}"),
            acronym: Some(format!("O{i}")),
            kind: KINDS[i % KINDS.len()],
            country: "CIV".into(),
            source: None,
        };
        b.run(
            &mut organisations,
            stream_name(EntityKind::Organisation, &id),
            OrganisationCommand::from(command),
        );
    }
    for year in 0..3 {
        let command = RecordExchangeRate {
            base: usd,
            quote: eur,
            rate: Decimal::new(92 - year, 2),
            valid_from: NaiveDate::from_ymd_opt(2023 + year as i32, 1, 1).expect("a date"),
        };
        let stream = fundtrail_domain::exchange_rate::stream_id(usd, eur);
        b.run(&mut rates, stream, ExchangeRateCommand::from(command));
    }
    let mut roadmap_ids = Vec::new();
    let mut roadmap_priorities: Vec<Vec<String>> = Vec::new();
    for r in 0..roadmaps {
        let id = format!("rm-{r:02}");
        let command = CreateRoadmap {
            id: id.clone(),
            country: "CIV".into(),
            title: format!("Feuille de route {r}"),
            period_start: start,
            period_end: start + Duration::days(days + 365),
            currency: if r % 5 == 4 { eur } else { xof },
            source: None,
        };
        b.run(
            &mut roadmap_states,
            stream_name(EntityKind::Roadmap, &id),
            RoadmapCommand::from(command),
        );
        let mut ids = Vec::new();
        for p in 1..=5 {
            let pid = format!("{id}-p{p}");
            let define = DefinePriority {
                id: pid.clone(),
                roadmap_id: id.clone(),
                rank: p,
                title: format!("Priorité {p}"),
                source: None,
            };
            b.run(
                &mut priorities,
                stream_name(EntityKind::Priority, &pid),
                PriorityCommand::from(define),
            );
            let amount = Decimal::from(b.rng.random_range(50..500) * 10_000_000i64);
            let requirement = SetFundingRequirement {
                priority_id: pid.clone(),
                amount: Money::new(amount, xof),
                reason: None,
            };
            b.run(
                &mut priorities,
                stream_name(EntityKind::Priority, &pid),
                PriorityCommand::from(requirement),
            );
            ids.push(pid);
        }
        roadmap_ids.push(id);
        roadmap_priorities.push(ids);
    }

    let mut pledge_no = 0u64;
    let mut other_no = 0u64;
    while b.events < target_events {
        let r = b.rng.random_range(0..roadmaps);
        let donor = format!("org-{:04}", b.rng.random_range(0..org_count));
        let recipient = format!("org-{:04}", b.rng.random_range(0..org_count));
        let day = b.rng.random_range(0..days - 200);
        let pledged_on = start + Duration::days(day);
        if b.rng.random_bool(0.1) {
            other_no += 1;
            let theme = THEMES[b.rng.random_range(0..THEMES.len())];
            let priority = roadmap_priorities[r][b.rng.random_range(0..5)].clone();
            if donor == recipient {
                continue;
            }
            if other_no.is_multiple_of(2) {
                let id = format!("pa-{other_no}");
                let command = RecordPartnership {
                    id: id.clone(),
                    party_ids: vec![donor, recipient],
                    title: format!("Accord de partenariat {other_no}"),
                    themes: vec![theme],
                    nature: vec![PartnershipNature::Technical, PartnershipNature::Financial],
                    priority_ids: vec![priority],
                    status: Some(PartnershipStatus::Signed),
                    signed_on: Some(pledged_on),
                    source: None,
                };
                b.run(
                    &mut partnerships,
                    stream_name(EntityKind::Partnership, &id),
                    PartnershipCommand::from(command),
                );
            } else {
                let id = format!("pr-{other_no}");
                let command = SubmitProposal {
                    id: id.clone(),
                    applicant_id: recipient,
                    donor_id: donor,
                    title: format!("Proposition {other_no}"),
                    requested: Some(Money::new(
                        Decimal::from(b.rng.random_range(1..100) * 1_000_000i64),
                        xof,
                    )),
                    themes: vec![theme],
                    priority_ids: vec![priority],
                    submitted_on: Some(pledged_on),
                    source: None,
                };
                b.run(
                    &mut proposals,
                    stream_name(EntityKind::Proposal, &id),
                    ProposalCommand::from(command),
                );
            }
            continue;
        }

        pledge_no += 1;
        let id = format!("pl-{pledge_no:07}");
        let stream = stream_name(EntityKind::Pledge, &id);
        let prios = &roadmap_priorities[r];
        let unvalued = b.rng.random_bool(0.1);
        let (cur, unit) = match b.rng.random_range(0..10) {
            0..=6 => (xof, 100_000i64),
            7..=8 => (eur, 100),
            _ => (usd, 100),
        };
        let amount = Decimal::from(b.rng.random_range(10..5_000) * unit);
        let split = b.rng.random_range(1..=3usize);
        let allocations = allocate(amount, &prios[..split]);
        let make = MakePledge {
            id: id.clone(),
            donor_id: Some(donor),
            recipient_id: Some(recipient),
            roadmap_id: roadmap_ids[r].clone(),
            kind: if unvalued {
                ContributionKind::InKind
            } else {
                ContributionKind::Cash
            },
            amount: (!unvalued).then(|| Money::new(amount, cur)),
            quantity: unvalued.then(|| QuantityInput {
                count: b.rng.random_range(1..200),
                unit: "motos".into(),
            }),
            allocations: if unvalued { Vec::new() } else { allocations },
            priority_ids: if unvalued {
                vec![prios[0].clone()]
            } else {
                Vec::new()
            },
            pledged_on: Some(pledged_on),
            proposal_id: None,
            partnership_id: None,
            themes: vec![THEMES[(pledge_no % 4) as usize]],
            description: Some("Appui au plan d'action national".into()),
            items: Vec::new(),
            beneficiaries: Vec::new(),
            status_stated: true,
            source: None,
        };
        if !b.run(&mut pledges, stream.clone(), PledgeCommand::from(make)) {
            continue;
        }
        // Funding chains (#15): `link_share` of the valued pledges pass on part
        // of an earlier pledge of its roadmap (which may itself be funded).
        if !unvalued
            && link_share > 0.0
            && b.rng.random_bool(link_share.min(1.0))
            && let Some(parent) = recent[r]
                .get(b.rng.random_range(0..recent[r].len().max(1)))
                .cloned()
        {
            let share = Decimal::from(b.rng.random_range(1..=5u32)) / Decimal::from(10);
            let link = LinkFunding {
                pledge_id: id.clone(),
                funded_by_pledge_id: parent,
                amount: (amount * share).round_dp(cur.minor_units()),
                reason: None,
            };
            b.run(&mut pledges, stream.clone(), PledgeCommand::from(link));
        }
        if !unvalued {
            recent[r].push(id.clone());
            if recent[r].len() > RECENT {
                recent[r].remove(0);
            }
        }
        let mut current = amount;
        let mut on = pledged_on;
        if !unvalued && b.rng.random_bool(0.3) {
            on += Duration::days(b.rng.random_range(1..60));
            current = Decimal::from(b.rng.random_range(10..5_000) * unit);
            let revise = RevisePledge {
                pledge_id: id.clone(),
                amount: Money::new(current, cur),
                allocations: Some(allocate(current, &prios[..split])),
                revised_on: on,
                reason: "Révision du montant après négociation".into(),
            };
            b.run(&mut pledges, stream.clone(), PledgeCommand::from(revise));
        }
        if b.rng.random_bool(0.8) {
            on += Duration::days(b.rng.random_range(1..60));
            let commit = CommitPledge {
                pledge_id: id.clone(),
                committed_on: Some(on),
            };
            b.run(&mut pledges, stream.clone(), PledgeCommand::from(commit));
            let count = b.rng.random_range(0..=4);
            let share = if unvalued {
                Decimal::ZERO
            } else {
                (current / Decimal::from(5)).floor()
            };
            for _ in 0..count {
                on += Duration::days(b.rng.random_range(1..30));
                let disburse = RecordDisbursement {
                    pledge_id: id.clone(),
                    amount: (!unvalued).then_some(share),
                    disbursed_on: Some(on),
                };
                b.run(&mut pledges, stream.clone(), PledgeCommand::from(disburse));
                if unvalued {
                    break;
                }
            }
        }
    }
    GeneratedLog {
        requests: b.requests,
        events: b.events,
        roadmaps: roadmap_ids,
        middle_date: start + Duration::days(days / 2),
    }
}

/// Splits `amount` (whole units) over the priorities, the remainder to the first.
fn allocate(amount: Decimal, priorities: &[String]) -> Vec<AllocationInput> {
    let n = Decimal::from(priorities.len() as u64);
    let each = (amount / n).floor();
    let first = amount - each * (n - Decimal::ONE);
    priorities
        .iter()
        .enumerate()
        .map(|(i, p)| AllocationInput {
            priority_id: p.clone(),
            amount: if i == 0 { first } else { each },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_event_is_decodable_and_the_ledger_is_deterministic() {
        let a = generate(5_000, 4, 7);
        let b = generate(5_000, 4, 7);
        assert!(a.events >= 5_000);
        assert_eq!(a.requests.len(), b.requests.len());
        assert_eq!(
            a.requests[a.requests.len() - 1].events[0].payload,
            b.requests[b.requests.len() - 1].events[0].payload
        );
        let mut types = std::collections::BTreeSet::new();
        for request in &a.requests {
            for e in &request.events {
                fundtrail_domain::events::decode_slice(
                    &e.event_type,
                    e.schema_version,
                    e.payload.as_bytes(),
                )
                .expect("a real domain event");
                types.insert(e.event_type.clone());
            }
        }
        for t in [
            "PledgeMade",
            "PledgeRevised",
            "PledgeCommitted",
            "DisbursementRecorded",
            "PartnershipRecorded",
            "ProposalSubmitted",
        ] {
            assert!(types.contains(t), "the ledger has no {t}");
        }
    }
}
