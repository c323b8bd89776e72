//! A tiny ledger builder: events with positions, times and actors.
#![allow(dead_code)]

pub mod random;
pub mod synth;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use fundtrail_domain::enums::*;
use fundtrail_domain::events::AnyEvent;
use fundtrail_domain::exchange_rate::{ExchangeRateEvent, ExchangeRateRecorded};
use fundtrail_domain::ids::*;
use fundtrail_domain::money::{Currency, Money};
use fundtrail_domain::organisation::{OrganisationEvent, OrganisationRegistered};
use fundtrail_domain::partnership::{PartnershipEvent, PartnershipRecorded};
use fundtrail_domain::pledge::*;
use fundtrail_domain::priority::{FundingRequirementSet, PriorityDefined, PriorityEvent};
use fundtrail_domain::proposal::{ProposalEvent, ProposalSubmitted};
use fundtrail_domain::roadmap::{RoadmapCreated, RoadmapEvent};
use fundtrail_domain::streams::{EntityKind, stream_name};
use fundtrail_projections::{Applied, Envelope, ReadModel};
use rust_decimal::Decimal;

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
pub fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}
pub fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}
pub fn xof(s: &str) -> Money {
    Money::new(dec(s), Currency::XOF)
}
pub fn money(s: &str, c: Currency) -> Money {
    Money::new(dec(s), c)
}

/// Every event the ledger appended, to replay into another model.
pub struct Ledger {
    pub model: ReadModel,
    pub log: Vec<(Envelope, AnyEvent)>,
    pub now: DateTime<Utc>,
    pub actor: String,
}

impl Default for Ledger {
    fn default() -> Self {
        Self::new()
    }
}

impl Ledger {
    pub fn new() -> Self {
        Ledger {
            model: ReadModel::new(),
            log: Vec::new(),
            now: time("2024-01-01T00:00:00Z"),
            actor: "alice".into(),
        }
    }

    /// Following events are recorded from `t` (one second apart).
    pub fn at(&mut self, t: &str) -> &mut Self {
        self.now = time(t);
        self
    }

    pub fn by(&mut self, actor: &str) -> &mut Self {
        self.actor = actor.into();
        self
    }

    pub fn push(&mut self, stream: &str, e: impl Into<AnyEvent>) -> Applied {
        let position = self.log.len() as u64 + 1;
        let version = self
            .log
            .iter()
            .filter(|(env, _)| env.stream_id == stream)
            .count() as u64
            + 1;
        let env = Envelope {
            position,
            recorded_at: self.now,
            stream_id: stream.into(),
            version,
            actor: self.actor.clone(),
            command_id: None,
        };
        self.now += Duration::seconds(1);
        let e = e.into();
        let applied = self.model.apply(&env, &e);
        self.log.push((env, e));
        applied
    }

    pub fn org(&mut self, id: &str, name: &str, acronym: Option<&str>, kind: OrganisationKind) {
        self.push(
            &stream_name(EntityKind::Organisation, id),
            OrganisationEvent::from(OrganisationRegistered {
                organisation_id: OrganisationId::new_unchecked(id),
                name: name.into(),
                acronym: acronym.map(Into::into),
                kind,
                country: "CIV".into(),
                source: None,
            }),
        );
    }

    pub fn roadmap(&mut self, id: &str, currency: Currency) {
        self.push(
            &stream_name(EntityKind::Roadmap, id),
            RoadmapEvent::from(RoadmapCreated {
                roadmap_id: RoadmapId::new_unchecked(id),
                country: "CIV".into(),
                title: format!("Roadmap {id}"),
                period_start: date("2023-01-01"),
                period_end: date("2023-12-31"),
                currency,
                source: None,
            }),
        );
    }

    pub fn priority(&mut self, id: &str, roadmap: &str, rank: u32) {
        self.push(
            &stream_name(EntityKind::Priority, id),
            PriorityEvent::from(PriorityDefined {
                priority_id: PriorityId::new_unchecked(id),
                roadmap_id: RoadmapId::new_unchecked(roadmap),
                rank,
                title: format!("Priority {rank}"),
                source: None,
            }),
        );
    }

    pub fn requirement(&mut self, id: &str, m: Money) {
        self.push(
            &stream_name(EntityKind::Priority, id),
            PriorityEvent::from(FundingRequirementSet {
                priority_id: PriorityId::new_unchecked(id),
                requirement: m,
                reason: None,
            }),
        );
    }

    pub fn rate(&mut self, base: Currency, quote: Currency, rate: &str, from: &str) {
        self.push(
            &stream_name(EntityKind::ExchangeRate, format_args!("{base}-{quote}")),
            ExchangeRateEvent::from(ExchangeRateRecorded {
                base,
                quote,
                rate: dec(rate),
                valid_from: date(from),
                supersedes: None,
            }),
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub fn pledge(
        &mut self,
        id: &str,
        donor: &str,
        roadmap: &str,
        amount: Option<Money>,
        allocations: &[(&str, &str)],
        priority_ids: &[&str],
        pledged_on: Option<&str>,
        themes: &[Theme],
    ) {
        self.push(
            &stream_name(EntityKind::Pledge, id),
            PledgeEvent::from(PledgeMade {
                pledge_id: PledgeId::new_unchecked(id),
                donor_id: Some(OrganisationId::new_unchecked(donor)),
                recipient_id: Some(OrganisationId::new_unchecked("gov")),
                roadmap_id: RoadmapId::new_unchecked(roadmap),
                kind: ContributionKind::Cash,
                amount,
                allocations: allocations
                    .iter()
                    .map(|(p, a)| Allocation {
                        priority_id: PriorityId::new_unchecked(*p),
                        amount: dec(a),
                    })
                    .collect(),
                priority_ids: priority_ids
                    .iter()
                    .map(|p| PriorityId::new_unchecked(*p))
                    .collect(),
                pledged_on: pledged_on.map(date),
                proposal_id: None,
                partnership_id: None,
                themes: themes.to_vec(),
                description: None,
                items: Vec::new(),
                beneficiaries: Vec::new(),
                status_stated: true,
                source: None,
            }),
        );
    }

    pub fn commit(&mut self, id: &str, on: Option<&str>) {
        self.push(
            &stream_name(EntityKind::Pledge, id),
            PledgeEvent::from(PledgeCommitted {
                pledge_id: PledgeId::new_unchecked(id),
                committed_on: on.map(date),
            }),
        );
    }

    pub fn disburse(
        &mut self,
        id: &str,
        amount: Money,
        on: Option<&str>,
        shares: &[(Option<&str>, &str)],
        status: PledgeStatus,
    ) {
        self.push(
            &stream_name(EntityKind::Pledge, id),
            PledgeEvent::from(DisbursementRecorded {
                pledge_id: PledgeId::new_unchecked(id),
                amount: Some(amount),
                disbursed_on: on.map(date),
                shares: shares
                    .iter()
                    .map(|(p, a)| Share {
                        priority_id: p.map(PriorityId::new_unchecked),
                        amount: dec(a),
                    })
                    .collect(),
                disbursed_total: None,
                status,
            }),
        );
    }

    pub fn revise(
        &mut self,
        id: &str,
        amount: Money,
        allocations: &[(&str, &str)],
        on: &str,
        status: PledgeStatus,
    ) {
        self.push(
            &stream_name(EntityKind::Pledge, id),
            PledgeEvent::from(PledgeRevised {
                pledge_id: PledgeId::new_unchecked(id),
                previous_amount: None,
                amount,
                allocations: allocations
                    .iter()
                    .map(|(p, a)| Allocation {
                        priority_id: PriorityId::new_unchecked(*p),
                        amount: dec(a),
                    })
                    .collect(),
                revised_on: date(on),
                reason: "correction".into(),
                status,
            }),
        );
    }

    pub fn cancel(&mut self, id: &str, on: &str) {
        self.push(
            &stream_name(EntityKind::Pledge, id),
            PledgeEvent::from(PledgeCancelled {
                pledge_id: PledgeId::new_unchecked(id),
                cancelled_on: date(on),
                reason: "withdrawn".into(),
            }),
        );
    }

    pub fn partnership(
        &mut self,
        id: &str,
        parties: &[&str],
        priorities: &[&str],
        themes: &[Theme],
    ) {
        self.push(
            &stream_name(EntityKind::Partnership, id),
            PartnershipEvent::from(PartnershipRecorded {
                partnership_id: PartnershipId::new_unchecked(id),
                party_ids: parties
                    .iter()
                    .map(|p| OrganisationId::new_unchecked(*p))
                    .collect(),
                title: format!("Partnership {id}"),
                themes: themes.to_vec(),
                nature: vec![],
                priority_ids: priorities
                    .iter()
                    .map(|p| PriorityId::new_unchecked(*p))
                    .collect(),
                status: Some(PartnershipStatus::Signed),
                signed_on: None,
                source: None,
            }),
        );
    }

    pub fn proposal(
        &mut self,
        id: &str,
        applicant: &str,
        donor: &str,
        priorities: &[&str],
        themes: &[Theme],
    ) {
        self.push(
            &stream_name(EntityKind::Proposal, id),
            ProposalEvent::from(ProposalSubmitted {
                proposal_id: ProposalId::new_unchecked(id),
                applicant_id: OrganisationId::new_unchecked(applicant),
                donor_id: OrganisationId::new_unchecked(donor),
                title: format!("Proposal {id}"),
                requested: None,
                themes: themes.to_vec(),
                priority_ids: priorities
                    .iter()
                    .map(|p| PriorityId::new_unchecked(*p))
                    .collect(),
                submitted_on: Some(date("2023-04-01")),
                source: None,
            }),
        );
    }
}
