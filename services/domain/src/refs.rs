//! Cross-entity references, looked up in current state.
//!
//! The service layer implements [`References`] over its read models; tests and
//! tools use [`InMemoryReferences`], which folds the events themselves.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

pub use crate::chain::PledgeFundingRef;
use crate::document::DocumentEvent;
use crate::events::AnyEvent;
use crate::money::Currency;
use crate::organisation::OrganisationEvent;
use crate::partnership::{Partnership, PartnershipEvent};
use crate::priority::PriorityEvent;
use crate::proposal::{Proposal, ProposalEvent};
use crate::roadmap::RoadmapEvent;

/// What a decision needs to know about a roadmap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoadmapRef {
    pub currency: Currency,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// `(priority id, rank)` of the roadmap's priorities.
    pub priorities: Vec<(String, u32)>,
}

/// What a decision needs to know about a priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityRef {
    pub roadmap_id: String,
    pub rank: u32,
}

/// What the scope check needs to know about a partnership or a proposal a
/// command links to: who it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRef {
    /// A partnership's parties; a proposal's applicant and donor.
    pub organisations: Vec<String>,
    pub priority_ids: Vec<String>,
}

impl RecordRef {
    pub fn of_partnership(p: &Partnership) -> Self {
        RecordRef {
            organisations: p.party_ids.iter().map(|o| o.as_str().to_owned()).collect(),
            priority_ids: p
                .priority_ids
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
        }
    }

    pub fn of_proposal(p: &Proposal) -> Self {
        RecordRef {
            organisations: vec![
                p.applicant_id.as_str().to_owned(),
                p.donor_id.as_str().to_owned(),
            ],
            priority_ids: p
                .priority_ids
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
        }
    }
}

/// Read-only lookups of other entities' current state.
pub trait References {
    fn organisation_exists(&self, id: &str) -> bool;
    fn roadmap(&self, id: &str) -> Option<RoadmapRef>;
    fn priority(&self, id: &str) -> Option<PriorityRef>;
    fn proposal_exists(&self, id: &str) -> bool;
    fn partnership_exists(&self, id: &str) -> bool;
    /// Who a proposal concerns (for a pledge that links it).
    fn proposal(&self, id: &str) -> Option<RecordRef>;
    /// Who a partnership concerns (for a pledge that links it).
    fn partnership(&self, id: &str) -> Option<RecordRef>;
    /// Is there a source document with this id?
    fn document_exists(&self, id: &str) -> bool;
    /// Is there a pledge with this id (for a prospect that became one)?
    fn pledge_exists(&self, id: &str) -> bool;
    /// The roadmap of a next step (for an action that follows it up).
    fn next_step_roadmap(&self, id: &str) -> Option<String>;
    /// The roadmap of a prospect (for an action that follows it up).
    fn prospect_roadmap(&self, id: &str) -> Option<String>;
    /// A pledge as a funding link sees it ([`crate::chain`]); `None`: no such pledge.
    fn pledge_funding(&self, _id: &str) -> Option<PledgeFundingRef> {
        None
    }
    /// The rate from `from` to `to` in force on `on` (the rate table's
    /// rule), `None` when none is.
    fn rate(
        &self,
        _from: Currency,
        _to: Currency,
        _on: NaiveDate,
    ) -> Option<rust_decimal::Decimal> {
        None
    }
}

/// No other entity exists (enough for commands that reference nothing).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoReferences;

impl References for NoReferences {
    fn organisation_exists(&self, _: &str) -> bool {
        false
    }
    fn roadmap(&self, _: &str) -> Option<RoadmapRef> {
        None
    }
    fn priority(&self, _: &str) -> Option<PriorityRef> {
        None
    }
    fn proposal_exists(&self, _: &str) -> bool {
        false
    }
    fn partnership_exists(&self, _: &str) -> bool {
        false
    }
    fn proposal(&self, _: &str) -> Option<RecordRef> {
        None
    }
    fn partnership(&self, _: &str) -> Option<RecordRef> {
        None
    }
    fn document_exists(&self, _: &str) -> bool {
        false
    }
    fn next_step_roadmap(&self, _: &str) -> Option<String> {
        None
    }
    fn prospect_roadmap(&self, _: &str) -> Option<String> {
        None
    }
    fn pledge_exists(&self, _: &str) -> bool {
        false
    }
}

/// References built by folding events (any order of streams, each stream in order).
#[derive(Debug, Clone, Default)]
pub struct InMemoryReferences {
    organisations: HashSet<String>,
    roadmaps: HashMap<String, RoadmapRef>,
    priorities: HashMap<String, PriorityRef>,
    proposals: HashMap<String, RecordRef>,
    partnerships: HashMap<String, RecordRef>,
    documents: HashSet<String>,
    pledges: HashSet<String>,
    /// Pledges as funding links see them, and the rates recorded.
    chains: HashMap<String, PledgeFundingRef>,
    rates: crate::exchange_rate::RateTable,
    /// (child, parent) -> what the link takes, in the parent's currency.
    links: HashMap<(String, String), rust_decimal::Decimal>,
    next_steps: HashMap<String, String>,
    prospects: HashMap<String, String>,
}

impl InMemoryReferences {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a AnyEvent>) -> Self {
        let mut r = Self::default();
        for e in events {
            r.apply(e);
        }
        r
    }

    pub fn apply(&mut self, event: &AnyEvent) {
        match event {
            AnyEvent::Organisation(OrganisationEvent::OrganisationRegistered(e)) => {
                self.organisations
                    .insert(e.organisation_id.as_str().to_owned());
            }
            AnyEvent::Roadmap(RoadmapEvent::RoadmapCreated(e)) => {
                let entry = self
                    .roadmaps
                    .entry(e.roadmap_id.as_str().to_owned())
                    .or_insert_with(|| RoadmapRef {
                        currency: e.currency,
                        period_start: e.period_start,
                        period_end: e.period_end,
                        priorities: Vec::new(),
                    });
                entry.currency = e.currency;
                entry.period_start = e.period_start;
                entry.period_end = e.period_end;
            }
            AnyEvent::Priority(PriorityEvent::PriorityDefined(e)) => {
                self.priorities.insert(
                    e.priority_id.as_str().to_owned(),
                    PriorityRef {
                        roadmap_id: e.roadmap_id.as_str().to_owned(),
                        rank: e.rank,
                    },
                );
                if let Some(r) = self.roadmaps.get_mut(e.roadmap_id.as_str()) {
                    r.priorities
                        .push((e.priority_id.as_str().to_owned(), e.rank));
                }
            }
            AnyEvent::Proposal(ProposalEvent::ProposalSubmitted(e)) => {
                self.proposals.insert(
                    e.proposal_id.as_str().to_owned(),
                    RecordRef {
                        organisations: vec![
                            e.applicant_id.as_str().to_owned(),
                            e.donor_id.as_str().to_owned(),
                        ],
                        priority_ids: e
                            .priority_ids
                            .iter()
                            .map(|p| p.as_str().to_owned())
                            .collect(),
                    },
                );
            }
            AnyEvent::Partnership(PartnershipEvent::PartnershipRecorded(e)) => {
                self.partnerships.insert(
                    e.partnership_id.as_str().to_owned(),
                    RecordRef {
                        organisations: e.party_ids.iter().map(|o| o.as_str().to_owned()).collect(),
                        priority_ids: e
                            .priority_ids
                            .iter()
                            .map(|p| p.as_str().to_owned())
                            .collect(),
                    },
                );
            }
            AnyEvent::Document(DocumentEvent::DocumentRegistered(e)) => {
                self.documents.insert(e.document_id.as_str().to_owned());
            }
            AnyEvent::Pledge(e) => self.apply_pledge(e),
            AnyEvent::ExchangeRate(
                crate::exchange_rate::ExchangeRateEvent::ExchangeRateRecorded(e),
            ) => {
                self.rates.record(e);
            }
            AnyEvent::NextStep(crate::next_step::NextStepEvent::NextStepDefined(e)) => {
                self.next_steps.insert(
                    e.next_step_id.as_str().to_owned(),
                    e.roadmap_id.as_str().to_owned(),
                );
            }
            AnyEvent::Prospect(crate::prospect::ProspectEvent::ProspectRecorded(e)) => {
                self.prospects.insert(
                    e.prospect_id.as_str().to_owned(),
                    e.roadmap_id.as_str().to_owned(),
                );
            }
            _ => {}
        }
    }
}

impl InMemoryReferences {
    fn apply_pledge(&mut self, event: &crate::pledge::PledgeEvent) {
        use crate::pledge::PledgeEvent as E;
        match event {
            E::PledgeMade(e) => {
                self.pledges.insert(e.pledge_id.as_str().to_owned());
                self.chains.insert(
                    e.pledge_id.as_str().to_owned(),
                    PledgeFundingRef {
                        roadmap_id: e.roadmap_id.as_str().to_owned(),
                        amount: e.amount,
                        pledged_on: e.pledged_on,
                        cancelled: false,
                        funded_by: Vec::new(),
                        passed_on: Default::default(),
                        children: 0,
                    },
                );
            }
            E::PledgeRevised(e) => {
                if let Some(p) = self.chains.get_mut(e.pledge_id.as_str()) {
                    p.amount = Some(e.amount);
                }
            }
            E::PledgeCancelled(e) => {
                if let Some(p) = self.chains.get_mut(e.pledge_id.as_str()) {
                    p.cancelled = true;
                }
            }
            E::FundingLinked(e) => {
                if let Some(p) = self.chains.get_mut(e.pledge_id.as_str()) {
                    p.funded_by.push(e.funded_by_pledge_id.as_str().to_owned());
                }
                if let Some(p) = self.chains.get_mut(e.funded_by_pledge_id.as_str()) {
                    p.passed_on += e.parent_amount.amount;
                    p.children += 1;
                }
                self.links.insert(
                    (
                        e.pledge_id.as_str().to_owned(),
                        e.funded_by_pledge_id.as_str().to_owned(),
                    ),
                    e.parent_amount.amount,
                );
            }
            E::FundingUnlinked(e) => {
                if let Some(p) = self.chains.get_mut(e.pledge_id.as_str()) {
                    p.funded_by.retain(|x| x != e.funded_by_pledge_id.as_str());
                }
                let taken = self
                    .links
                    .remove(&(
                        e.pledge_id.as_str().to_owned(),
                        e.funded_by_pledge_id.as_str().to_owned(),
                    ))
                    .unwrap_or_default();
                if let Some(p) = self.chains.get_mut(e.funded_by_pledge_id.as_str()) {
                    p.children = p.children.saturating_sub(1);
                    p.passed_on -= taken;
                }
            }
            _ => {}
        }
    }
}

impl References for InMemoryReferences {
    fn organisation_exists(&self, id: &str) -> bool {
        self.organisations.contains(id)
    }
    fn roadmap(&self, id: &str) -> Option<RoadmapRef> {
        self.roadmaps.get(id).cloned()
    }
    fn priority(&self, id: &str) -> Option<PriorityRef> {
        self.priorities.get(id).cloned()
    }
    fn proposal_exists(&self, id: &str) -> bool {
        self.proposals.contains_key(id)
    }
    fn partnership_exists(&self, id: &str) -> bool {
        self.partnerships.contains_key(id)
    }
    fn proposal(&self, id: &str) -> Option<RecordRef> {
        self.proposals.get(id).cloned()
    }
    fn partnership(&self, id: &str) -> Option<RecordRef> {
        self.partnerships.get(id).cloned()
    }
    fn document_exists(&self, id: &str) -> bool {
        self.documents.contains(id)
    }
    fn pledge_exists(&self, id: &str) -> bool {
        self.pledges.contains(id)
    }
    fn next_step_roadmap(&self, id: &str) -> Option<String> {
        self.next_steps.get(id).cloned()
    }
    fn prospect_roadmap(&self, id: &str) -> Option<String> {
        self.prospects.get(id).cloned()
    }
    fn pledge_funding(&self, id: &str) -> Option<PledgeFundingRef> {
        self.chains.get(id).cloned()
    }
    fn rate(&self, from: Currency, to: Currency, on: NaiveDate) -> Option<rust_decimal::Decimal> {
        self.rates.rate(from, to, on).ok().map(|(r, _)| r)
    }
}
