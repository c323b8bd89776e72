//! Current state of every entity, with its `version` (the number of events of
//! its stream), and the contract's lookups and filtered lists.
//!
//! States are the domain's own (`Organisation`, `Pledge`, ...), folded with the
//! domain's `evolve`, so the read side cannot drift from the write side. Lists
//! come in creation order (store order of the creating event); sorting for
//! display is the API's business. Ids are interned to `u32` slots so the
//! funding timelines refer to priorities, organisations and roadmaps cheaply.

use std::collections::{BTreeMap, HashMap};
use std::ops::Deref;

use fundtrail_domain::aggregate::State;
use fundtrail_domain::enums::{OrganisationKind, PartnershipStatus, PledgeStatus, ProposalStatus};
use fundtrail_domain::events::AnyEvent;
use fundtrail_domain::exchange_rate::{
    self, ExchangeRateEvent, ExchangeRatePair, ExchangeRateRecorded,
};
use fundtrail_domain::money::{Currency, Money};
use fundtrail_domain::organisation::{self, Organisation, OrganisationEvent};
use fundtrail_domain::partnership::{self, Partnership, PartnershipEvent};
use fundtrail_domain::pledge::{self, Pledge, PledgeEvent};
use fundtrail_domain::priority::{self, Priority, PriorityEvent};
use fundtrail_domain::proposal::{self, Proposal, ProposalEvent};
use fundtrail_domain::roadmap::{self, Roadmap, RoadmapEvent};
use rust_decimal::Decimal;

use crate::ReadModel;
use crate::funding::{Change, Fact};
use crate::text::fold;

/// An entity's current state and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versioned<'a, T> {
    pub version: u64,
    pub entity: &'a T,
}

impl<T> Deref for Versioned<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.entity
    }
}

fn versioned<T>(s: &State<T>) -> Option<Versioned<'_, T>> {
    s.entity.as_ref().map(|entity| Versioned {
        version: s.version,
        entity,
    })
}

/// Sentinel for "no slot".
pub(crate) const NONE: u32 = u32::MAX;

/// Records addressed by id and by a dense `u32` slot.
#[derive(Debug)]
pub(crate) struct Table<R> {
    items: Vec<R>,
    ids: Vec<Box<str>>,
    index: HashMap<Box<str>, u32>,
}

impl<R> Default for Table<R> {
    fn default() -> Self {
        Table {
            items: Vec::new(),
            ids: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<R: Default> Table<R> {
    /// The slot of `id`, created empty when unknown.
    pub(crate) fn slot(&mut self, id: &str) -> u32 {
        if let Some(i) = self.index.get(id) {
            return *i;
        }
        let i = self.items.len() as u32;
        self.items.push(R::default());
        self.ids.push(id.into());
        self.index.insert(id.into(), i);
        i
    }
}

impl<R> Table<R> {
    pub(crate) fn idx(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }
    pub(crate) fn get(&self, i: u32) -> &R {
        &self.items[i as usize]
    }
    pub(crate) fn get_mut(&mut self, i: u32) -> &mut R {
        &mut self.items[i as usize]
    }
    pub(crate) fn by_id(&self, id: &str) -> Option<&R> {
        self.idx(id).map(|i| self.get(i))
    }
    pub(crate) fn id_of(&self, i: u32) -> Option<&str> {
        self.ids.get(i as usize).map(|s| &**s)
    }
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &R)> {
        self.items.iter().enumerate().map(|(i, r)| (i as u32, r))
    }
}

#[derive(Debug, Default)]
pub(crate) struct OrgRec {
    pub state: State<Organisation>,
    /// Folded (lower case, no accents) "name acronym" for `search`.
    pub search: String,
}

#[derive(Debug, Default)]
pub(crate) struct RoadmapRec {
    pub state: State<Roadmap>,
    /// Priority slots in rank order (rank, then id).
    pub priorities: Vec<u32>,
    /// Pledge slots, in creation order.
    pub pledges: Vec<u32>,
}

#[derive(Debug, Default)]
pub(crate) struct PriorityRec {
    pub state: State<Priority>,
    pub roadmap: u32,
    pub defined_at: u64,
    /// Every requirement with the position that set it (the last one is in force).
    pub requirements: Vec<(u64, Money)>,
}

#[derive(Debug, Default)]
pub(crate) struct PledgeRec {
    pub state: State<Pledge>,
    pub roadmap: u32,
    pub donor: u32,
    /// The pledge's facts in store order (see [`crate::funding`]).
    pub facts: Vec<Fact>,
}

#[derive(Debug, Default)]
pub(crate) struct Entities {
    pub organisations: Table<OrgRec>,
    pub roadmaps: Table<RoadmapRec>,
    pub priorities: Table<PriorityRec>,
    pub partnerships: Table<State<Partnership>>,
    pub proposals: Table<State<Proposal>>,
    pub pledges: Table<PledgeRec>,
    pub rates: BTreeMap<(Currency, Currency), State<ExchangeRatePair>>,
}

fn evolve_in_place<T>(s: &mut State<T>, f: impl FnOnce(State<T>) -> State<T>) {
    *s = f(std::mem::take(s));
}

impl Entities {
    pub(crate) fn roadmap_indexes(&self) -> Vec<u32> {
        self.roadmaps
            .iter()
            .filter(|(_, r)| r.state.exists())
            .map(|(i, _)| i)
            .collect()
    }

    pub(crate) fn apply_rate(&mut self, e: &ExchangeRateRecorded) {
        let s = self.rates.entry((e.base, e.quote)).or_default();
        let ev = ExchangeRateEvent::ExchangeRateRecorded(e.clone());
        evolve_in_place(s, |s| exchange_rate::evolve(s, &ev));
    }

    /// Folds one event; returns the roadmap slots whose funding may have changed.
    pub(crate) fn apply(&mut self, position: u64, event: &AnyEvent) -> Vec<u32> {
        match event {
            AnyEvent::Organisation(e) => {
                let OrganisationEvent::OrganisationRegistered(r) = e;
                let i = self.organisations.slot(r.organisation_id.as_str());
                let rec = self.organisations.get_mut(i);
                evolve_in_place(&mut rec.state, |s| organisation::evolve(s, e));
                rec.search = fold(&format!(
                    "{} {}",
                    r.name,
                    r.acronym.as_deref().unwrap_or("")
                ));
                Vec::new()
            }
            AnyEvent::Roadmap(e) => {
                let RoadmapEvent::RoadmapCreated(r) = e;
                let i = self.roadmaps.slot(r.roadmap_id.as_str());
                evolve_in_place(&mut self.roadmaps.get_mut(i).state, |s| {
                    roadmap::evolve(s, e)
                });
                vec![i]
            }
            AnyEvent::Priority(e) => self.apply_priority(position, e),
            AnyEvent::Partnership(e) => {
                let id = match e {
                    PartnershipEvent::PartnershipRecorded(r) => r.partnership_id.as_str(),
                    PartnershipEvent::PartnershipStatusChanged(r) => r.partnership_id.as_str(),
                };
                let i = self.partnerships.slot(id);
                evolve_in_place(self.partnerships.get_mut(i), |s| partnership::evolve(s, e));
                Vec::new()
            }
            AnyEvent::Proposal(e) => {
                let id = match e {
                    ProposalEvent::ProposalSubmitted(r) => r.proposal_id.as_str(),
                    ProposalEvent::ProposalDecided(r) => r.proposal_id.as_str(),
                };
                let i = self.proposals.slot(id);
                evolve_in_place(self.proposals.get_mut(i), |s| proposal::evolve(s, e));
                Vec::new()
            }
            AnyEvent::Pledge(e) => self.apply_pledge(position, e),
            AnyEvent::ExchangeRate(ExchangeRateEvent::ExchangeRateRecorded(e)) => {
                self.apply_rate(e);
                self.roadmap_indexes()
            }
        }
    }

    fn apply_priority(&mut self, position: u64, e: &PriorityEvent) -> Vec<u32> {
        match e {
            PriorityEvent::PriorityDefined(d) => {
                let r = self.roadmaps.slot(d.roadmap_id.as_str());
                let i = self.priorities.slot(d.priority_id.as_str());
                let rec = self.priorities.get_mut(i);
                let first = !rec.state.exists();
                evolve_in_place(&mut rec.state, |s| priority::evolve(s, e));
                rec.roadmap = r;
                rec.defined_at = position;
                if first {
                    let key = |p: u32, t: &Table<PriorityRec>| {
                        let rank = t.get(p).state.entity.as_ref().map_or(0, |x| x.rank);
                        (rank, t.id_of(p).unwrap_or("").to_owned())
                    };
                    let mine = key(i, &self.priorities);
                    let list = &self.roadmaps.get(r).priorities;
                    let at = list.partition_point(|p| key(*p, &self.priorities) <= mine);
                    self.roadmaps.get_mut(r).priorities.insert(at, i);
                }
                vec![r]
            }
            PriorityEvent::FundingRequirementSet(f) => {
                let i = self.priorities.slot(f.priority_id.as_str());
                let rec = self.priorities.get_mut(i);
                evolve_in_place(&mut rec.state, |s| priority::evolve(s, e));
                if !rec.state.exists() {
                    return Vec::new();
                }
                rec.requirements.push((position, f.requirement));
                vec![rec.roadmap]
            }
        }
    }

    fn apply_pledge(&mut self, position: u64, e: &PledgeEvent) -> Vec<u32> {
        let id = match e {
            PledgeEvent::PledgeMade(m) => m.pledge_id.as_str(),
            PledgeEvent::PledgeCommitted(m) => m.pledge_id.as_str(),
            PledgeEvent::DisbursementRecorded(m) => m.pledge_id.as_str(),
            PledgeEvent::PledgeRevised(m) => m.pledge_id.as_str(),
            PledgeEvent::PledgeCancelled(m) => m.pledge_id.as_str(),
        };
        let i = self.pledges.slot(id);
        let fact = match e {
            PledgeEvent::PledgeMade(m) => {
                let roadmap = self.roadmaps.slot(m.roadmap_id.as_str());
                let donor = self.organisations.slot(m.donor_id.as_str());
                let allocations = m
                    .allocations
                    .iter()
                    .map(|a| (self.priorities.slot(a.priority_id.as_str()), a.amount))
                    .collect();
                let priorities = m
                    .priority_ids
                    .iter()
                    .map(|p| self.priorities.slot(p.as_str()))
                    .collect();
                let rec = self.pledges.get_mut(i);
                if rec.state.exists() {
                    // a second creation cannot be stored; ignore it defensively
                    rec.state.version += 1;
                    return Vec::new();
                }
                rec.roadmap = roadmap;
                rec.donor = donor;
                self.roadmaps.get_mut(roadmap).pledges.push(i);
                Fact {
                    position,
                    on: m.pledged_on,
                    change: Change::Made {
                        amount: m.amount,
                        allocations,
                        priorities,
                    },
                }
            }
            PledgeEvent::PledgeCommitted(c) => Fact {
                position,
                on: c.committed_on,
                change: Change::Committed,
            },
            PledgeEvent::DisbursementRecorded(d) => Fact {
                position,
                on: d.disbursed_on,
                change: Change::Disbursed {
                    currency: d.amount.map(|m| m.currency),
                    shares: d
                        .shares
                        .iter()
                        .map(|s| {
                            (
                                s.priority_id.as_ref().map_or(crate::entities::NONE, |p| {
                                    self.priorities.slot(p.as_str())
                                }),
                                s.amount,
                            )
                        })
                        .collect::<Vec<(u32, Decimal)>>()
                        .into_boxed_slice(),
                },
            },
            PledgeEvent::PledgeRevised(r) => Fact {
                position,
                on: Some(r.revised_on),
                change: Change::Revised {
                    amount: r.amount,
                    allocations: r
                        .allocations
                        .iter()
                        .map(|a| (self.priorities.slot(a.priority_id.as_str()), a.amount))
                        .collect(),
                },
            },
            PledgeEvent::PledgeCancelled(c) => Fact {
                position,
                on: Some(c.cancelled_on),
                change: Change::Cancelled,
            },
        };
        let rec = self.pledges.get_mut(i);
        evolve_in_place(&mut rec.state, |s| pledge::evolve(s, e));
        if !rec.state.exists() {
            return Vec::new();
        }
        rec.facts.push(fact);
        vec![rec.roadmap]
    }
}

/// One recorded exchange rate, as listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeRateView {
    pub base: Currency,
    pub quote: Currency,
    pub rate: Decimal,
    pub valid_from: chrono::NaiveDate,
    /// Events of the pair's stream.
    pub version: u64,
}

impl ReadModel {
    pub fn organisation(&self, id: &str) -> Option<Versioned<'_, Organisation>> {
        versioned(&self.ent.organisations.by_id(id)?.state)
    }

    /// `organisations(kind, search)`: `search` is a case- and accent-insensitive
    /// substring of the name or the acronym ("cote" finds "Côte").
    pub fn organisations(
        &self,
        kind: Option<OrganisationKind>,
        search: Option<&str>,
    ) -> Vec<Versioned<'_, Organisation>> {
        let needle = search.map(fold).filter(|s| !s.is_empty());
        self.ent
            .organisations
            .iter()
            .filter(|(_, r)| {
                needle
                    .as_ref()
                    .is_none_or(|n| r.search.contains(n.as_str()))
            })
            .filter_map(|(_, r)| versioned(&r.state))
            .filter(|o| kind.is_none_or(|k| o.kind == k))
            .collect()
    }

    pub fn roadmap(&self, id: &str) -> Option<Versioned<'_, Roadmap>> {
        versioned(&self.ent.roadmaps.by_id(id)?.state)
    }

    pub fn roadmaps(&self) -> Vec<Versioned<'_, Roadmap>> {
        self.ent
            .roadmaps
            .iter()
            .filter_map(|(_, r)| versioned(&r.state))
            .collect()
    }

    /// The roadmap's priorities in rank order (empty for an unknown roadmap).
    pub fn roadmap_priorities(&self, roadmap_id: &str) -> Vec<Versioned<'_, Priority>> {
        let Some(r) = self.ent.roadmaps.by_id(roadmap_id) else {
            return Vec::new();
        };
        r.priorities
            .iter()
            .filter_map(|p| versioned(&self.ent.priorities.get(*p).state))
            .collect()
    }

    /// A priority with its latest requirement.
    pub fn priority(&self, id: &str) -> Option<Versioned<'_, Priority>> {
        versioned(&self.ent.priorities.by_id(id)?.state)
    }

    /// Every requirement the priority had, oldest first, with the position that set it.
    pub fn requirement_history(&self, priority_id: &str) -> &[(u64, Money)] {
        self.ent
            .priorities
            .by_id(priority_id)
            .map_or(&[], |p| p.requirements.as_slice())
    }

    pub fn partnership(&self, id: &str) -> Option<Versioned<'_, Partnership>> {
        versioned(self.ent.partnerships.by_id(id)?)
    }

    /// `partnerships(status, partyId)`.
    pub fn partnerships(
        &self,
        status: Option<PartnershipStatus>,
        party_id: Option<&str>,
    ) -> Vec<Versioned<'_, Partnership>> {
        self.ent
            .partnerships
            .iter()
            .filter_map(|(_, s)| versioned(s))
            .filter(|p| status.is_none_or(|s| p.status == s))
            .filter(|p| party_id.is_none_or(|id| p.party_ids.iter().any(|x| x.as_str() == id)))
            .collect()
    }

    pub fn proposal(&self, id: &str) -> Option<Versioned<'_, Proposal>> {
        versioned(self.ent.proposals.by_id(id)?)
    }

    /// `proposals(status, donorId, applicantId)`.
    pub fn proposals(
        &self,
        status: Option<ProposalStatus>,
        donor_id: Option<&str>,
        applicant_id: Option<&str>,
    ) -> Vec<Versioned<'_, Proposal>> {
        self.ent
            .proposals
            .iter()
            .filter_map(|(_, s)| versioned(s))
            .filter(|p| status.is_none_or(|s| p.status == s))
            .filter(|p| donor_id.is_none_or(|d| p.donor_id.as_str() == d))
            .filter(|p| applicant_id.is_none_or(|a| p.applicant_id.as_str() == a))
            .collect()
    }

    pub fn pledge(&self, id: &str) -> Option<Versioned<'_, Pledge>> {
        versioned(&self.ent.pledges.by_id(id)?.state)
    }

    /// `pledges(roadmapId, donorId, status)`.
    pub fn pledges(
        &self,
        roadmap_id: Option<&str>,
        donor_id: Option<&str>,
        status: Option<PledgeStatus>,
    ) -> Vec<Versioned<'_, Pledge>> {
        let keep = |p: &Versioned<'_, Pledge>| {
            donor_id.is_none_or(|d| p.donor_id.as_str() == d)
                && status.is_none_or(|s| p.status == s)
        };
        match roadmap_id {
            Some(r) => {
                let Some(rec) = self.ent.roadmaps.by_id(r) else {
                    return Vec::new();
                };
                rec.pledges
                    .iter()
                    .filter_map(|i| versioned(&self.ent.pledges.get(*i).state))
                    .filter(keep)
                    .collect()
            }
            None => self
                .ent
                .pledges
                .iter()
                .filter_map(|(_, r)| versioned(&r.state))
                .filter(keep)
                .collect(),
        }
    }

    /// Every recorded rate (corrections replace the rate of their date), by pair then date.
    pub fn exchange_rates(&self) -> Vec<ExchangeRateView> {
        self.ent
            .rates
            .values()
            .filter_map(|s| {
                let p = s.entity.as_ref()?;
                Some(p.rates.iter().map(move |(d, r)| ExchangeRateView {
                    base: p.base,
                    quote: p.quote,
                    rate: *r,
                    valid_from: *d,
                    version: s.version,
                }))
            })
            .flatten()
            .collect()
    }
}
