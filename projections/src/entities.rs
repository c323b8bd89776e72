//! Current state of every entity, with its `version` (the number of events of
//! its stream), and the contract's lookups and filtered lists.
//!
//! States are the domain's own (`Organisation`, `Pledge`, ...), folded with the
//! domain's `evolve`, so the read side cannot drift from the write side.
//! Pledges, most of a large ledger, are not kept as states: each keeps what its
//! creation said that funding does not use plus its encoded facts
//! ([`crate::timeline`]), and [`ReadModel::pledge`] rebuilds the domain state by
//! turning those facts back into events and folding them with the domain's
//! `evolve` (hence [`Entity::Owned`]). Lists
//! come in creation order (store order of the creating event); sorting for
//! display is the API's business. Ids are interned to `u32` slots so the
//! funding timelines refer to priorities, organisations and roadmaps cheaply.

use std::collections::{BTreeMap, HashMap};
use std::ops::Deref;

use chrono::NaiveDate;
use fundtrail_domain::action::{self, Action, ActionEvent};
use fundtrail_domain::aggregate::StreamState;
use fundtrail_domain::document::{self, Document, DocumentEvent};
use fundtrail_domain::enums::{ActionStatus, ActionSubject};
use fundtrail_domain::enums::{ContributionKind, Theme};
use fundtrail_domain::enums::{OrganisationKind, PartnershipStatus, PledgeStatus, ProposalStatus};
use fundtrail_domain::events::AnyEvent;
use fundtrail_domain::exchange_rate::{
    self, ExchangeRateEvent, ExchangeRatePair, ExchangeRateRecorded,
};
use fundtrail_domain::ids::{
    OrganisationId, PartnershipId, PledgeId, PriorityId, ProposalId, RoadmapId,
};
use fundtrail_domain::money::{Currency, Money};
use fundtrail_domain::next_step::{self, NextStep, NextStepEvent};
use fundtrail_domain::organisation::{self, Organisation, OrganisationEvent};
use fundtrail_domain::partnership::{self, Partnership, PartnershipEvent};
use fundtrail_domain::pledge::{
    self, Allocation, Beneficiaries, DisbursementRecorded, Item, Pledge, PledgeCancelled,
    PledgeCommitted, PledgeEvent, PledgeMade, PledgeRevised, Share,
};
use fundtrail_domain::priority::{self, Priority, PriorityEvent};
use fundtrail_domain::proposal::{self, Proposal, ProposalEvent};
use fundtrail_domain::prospect::{self, Prospect, ProspectEvent};
use fundtrail_domain::roadmap::{self, Roadmap, RoadmapEvent};
use fundtrail_domain::schedule::Tranche;
use fundtrail_domain::source::SourceRef;
use rust_decimal::Decimal;

use crate::ReadModel;
use crate::plain::{Class, contribution};
use crate::text::fold;
use crate::timeline::{self, Change, Currencies, Decoded, NewChange};

/// An entity's current state and version.
#[derive(Debug, PartialEq, Eq)]
pub struct Versioned<'a, T> {
    pub version: u64,
    pub entity: Entity<'a, T>,
}

impl<T> Deref for Versioned<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.entity
    }
}

/// An entity's state: borrowed from the model, or rebuilt for the caller
/// (pledges are kept compact and rebuilt on demand). Dereferences to `T`, so
/// `entity.clone()` gives a `T` (there is deliberately no `Clone` here).
pub enum Entity<'a, T> {
    Borrowed(&'a T),
    Owned(Box<T>),
}

impl<T> Deref for Entity<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self {
            Entity::Borrowed(t) => t,
            Entity::Owned(t) => t,
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Entity<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: PartialEq> PartialEq for Entity<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for Entity<'_, T> {}

fn versioned<T>(s: &StreamState<T>) -> Option<Versioned<'_, T>> {
    s.entity.as_ref().map(|entity| Versioned {
        version: s.version,
        entity: Entity::Borrowed(entity),
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

/// Serialised as its ids and records; the id index is rebuilt on restore.
impl<R: serde::Serialize> serde::Serialize for Table<R> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.ids, &self.items).serialize(s)
    }
}

impl<'de, R: serde::Deserialize<'de>> serde::Deserialize<'de> for Table<R> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (ids, items): (Vec<Box<str>>, Vec<R>) = serde::Deserialize::deserialize(d)?;
        if ids.len() != items.len() {
            return Err(serde::de::Error::custom(
                "a table has more ids than records",
            ));
        }
        let mut t = Table {
            items,
            ids,
            index: HashMap::new(),
        };
        t.rebuild_index();
        Ok(t)
    }
}

impl<R> Table<R> {
    fn rebuild_index(&mut self) {
        self.index = self
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i as u32))
            .collect();
    }

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

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct OrgRec {
    pub state: StreamState<Organisation>,
    /// Folded (lower case, no accents) "name acronym" for `search`.
    pub search: String,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct RoadmapRec {
    pub state: StreamState<Roadmap>,
    /// Priority slots in rank order (rank, then id).
    pub priorities: Vec<u32>,
    /// Pledge slots, in creation order.
    pub pledges: Vec<u32>,
    /// Running totals for the plain funding query (rebuilt on restore).
    #[serde(skip)]
    pub plain: crate::plain::RoadmapPlain,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct PriorityRec {
    #[serde(with = "crate::snapshot::priority_state")]
    pub state: StreamState<Priority>,
    pub roadmap: u32,
    pub defined_at: u64,
    /// Every requirement with the position that set it (the last one is in force).
    #[serde(with = "crate::snapshot::positioned_money")]
    pub requirements: Vec<(u64, Money)>,
}

/// A pledge, kept small: what its creation said that funding does not use,
/// plus its facts. The domain's `Pledge` is rebuilt on demand by folding
/// these through the domain's own `evolve` (see [`Entities::pledge_state`]),
/// so the read side cannot drift from the write side.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct PledgeRec {
    /// Events of the pledge's stream.
    pub version: u64,
    pub roadmap: u32,
    /// [`NONE`] when the source does not state it.
    pub donor: u32,
    /// [`NONE`] when the source does not state it.
    pub recipient: u32,
    pub kind: Option<ContributionKind>,
    pub themes: Box<[Theme]>,
    /// Rarely there: proposal, partnership, items, beneficiaries, source,
    /// description, a status not stated.
    pub extra: Option<Box<PledgeExtra>>,
    /// Index in the roadmap's pledge list (rebuilt on restore).
    #[serde(skip)]
    pub at: u32,
    /// The pledge's facts in store order (see [`crate::funding`]), encoded
    /// (see [`crate::timeline`]); empty until made.
    #[serde(with = "crate::timeline::bytes")]
    pub timeline: Box<[u8]>,
}

impl PledgeRec {
    pub(crate) fn exists(&self) -> bool {
        !self.timeline.is_empty()
    }
    /// The position of the pledge's creation.
    pub(crate) fn made_at(&self) -> Option<u64> {
        timeline::first_position(&self.timeline)
    }
    pub(crate) fn proposal_id(&self) -> Option<&str> {
        self.extra.as_ref()?.proposal_id.as_deref()
    }
    pub(crate) fn partnership_id(&self) -> Option<&str> {
        self.extra.as_ref()?.partnership_id.as_deref()
    }
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct PledgeExtra {
    pub proposal_id: Option<Box<str>>,
    pub partnership_id: Option<Box<str>>,
    pub items: Vec<Item>,
    pub beneficiaries: Vec<Beneficiaries>,
    pub source: Option<SourceRef>,
    pub description: Option<Box<str>>,
    pub status_not_stated: bool,
    /// The commitment's expected tranches (`TranchesSet`), as JSON: their
    /// amounts are decimals.
    #[serde(with = "crate::snapshot::as_json")]
    pub tranches: Vec<Tranche>,
}

/// A proposal's state (a wrapper so that snapshots can carry its money).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct ProposalRec(
    #[serde(with = "crate::snapshot::proposal_state")] pub StreamState<Proposal>,
);

impl Deref for ProposalRec {
    type Target = StreamState<Proposal>;
    fn deref(&self) -> &StreamState<Proposal> {
        &self.0
    }
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Entities {
    pub organisations: Table<OrgRec>,
    pub roadmaps: Table<RoadmapRec>,
    pub priorities: Table<PriorityRec>,
    pub partnerships: Table<StreamState<Partnership>>,
    pub proposals: Table<ProposalRec>,
    pub pledges: Table<PledgeRec>,
    pub documents: Table<StreamState<Document>>,
    pub next_steps: Table<StreamState<NextStep>>,
    /// As JSON: a prospect's hoped-for amount is a decimal.
    #[serde(with = "crate::snapshot::as_json")]
    pub prospects: Table<StreamState<Prospect>>,
    pub actions: Table<StreamState<Action>>,
    /// Funding links between pledges ([`crate::chains`]); as JSON (money).
    #[serde(with = "crate::snapshot::as_json")]
    pub chains: crate::chains::Chains,
    /// Currencies of the pledges' timelines.
    pub currencies: Currencies,
    #[serde(skip)]
    scratch: Decoded,
    /// Rebuilt from the rate log on restore.
    #[serde(skip)]
    pub rates: BTreeMap<(Currency, Currency), StreamState<ExchangeRatePair>>,
}

fn evolve_in_place<T>(s: &mut StreamState<T>, f: impl FnOnce(StreamState<T>) -> StreamState<T>) {
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
                let id = match e {
                    RoadmapEvent::RoadmapCreated(r) => r.roadmap_id.as_str(),
                    RoadmapEvent::AgeingSet(r) => r.roadmap_id.as_str(),
                };
                let i = self.roadmaps.slot(id);
                evolve_in_place(&mut self.roadmaps.get_mut(i).state, |s| {
                    roadmap::evolve(s, e)
                });
                match e {
                    RoadmapEvent::RoadmapCreated(_) => vec![i],
                    // The worklist's ageing: no funding figure changes.
                    RoadmapEvent::AgeingSet(_) => Vec::new(),
                }
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
                evolve_in_place(&mut self.proposals.get_mut(i).0, |s| proposal::evolve(s, e));
                Vec::new()
            }
            AnyEvent::Pledge(e) => self.apply_pledge(position, e),
            AnyEvent::ExchangeRate(ExchangeRateEvent::ExchangeRateRecorded(e)) => {
                self.apply_rate(e);
                self.roadmap_indexes()
            }
            // tokens are folded by `crate::tokens`
            AnyEvent::Token(_) => Vec::new(),
            AnyEvent::Document(e) => {
                let DocumentEvent::DocumentRegistered(r) = e;
                let i = self.documents.slot(r.document_id.as_str());
                evolve_in_place(self.documents.get_mut(i), |s| document::evolve(s, e));
                Vec::new()
            }
            AnyEvent::NextStep(e) => {
                let id = match e {
                    NextStepEvent::NextStepDefined(r) => r.next_step_id.as_str(),
                    NextStepEvent::NextStepStatusChanged(r) => r.next_step_id.as_str(),
                };
                let i = self.next_steps.slot(id);
                evolve_in_place(self.next_steps.get_mut(i), |s| next_step::evolve(s, e));
                Vec::new()
            }
            AnyEvent::Prospect(e) => {
                let id = match e {
                    ProspectEvent::ProspectRecorded(r) => r.prospect_id.as_str(),
                    ProspectEvent::ProspectAdvanced(r) => r.prospect_id.as_str(),
                };
                let i = self.prospects.slot(id);
                evolve_in_place(self.prospects.get_mut(i), |s| prospect::evolve(s, e));
                Vec::new()
            }
            AnyEvent::Action(e) => {
                let id = match e {
                    ActionEvent::ActionRecorded(r) => r.action_id.as_str(),
                    ActionEvent::ActionStatusChanged(r) => r.action_id.as_str(),
                };
                let i = self.actions.slot(id);
                evolve_in_place(self.actions.get_mut(i), |s| action::evolve(s, e));
                Vec::new()
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
            PledgeEvent::TranchesSet(m) => m.pledge_id.as_str(),
            PledgeEvent::FundingLinked(m) => m.pledge_id.as_str(),
            PledgeEvent::FundingUnlinked(m) => m.pledge_id.as_str(),
        };
        let i = self.pledges.slot(id);
        // every event of the stream counts in the version, as the domain's evolve does
        self.pledges.get_mut(i).version += 1;
        let exists = self.pledges.get(i).exists();
        if let PledgeEvent::FundingLinked(_) | PledgeEvent::FundingUnlinked(_) = e {
            return if exists {
                self.apply_link(position, i, e)
            } else {
                Vec::new()
            };
        }
        if let PledgeEvent::TranchesSet(t) = e {
            // A schedule changes no funding figure.
            if exists {
                self.pledges
                    .get_mut(i)
                    .extra
                    .get_or_insert_with(Default::default)
                    .tranches = t.tranches.clone();
            }
            return Vec::new();
        }
        let items = |t: &mut Table<PriorityRec>, list: &[Allocation]| -> Vec<(u32, Decimal)> {
            list.iter()
                .map(|a| (t.slot(a.priority_id.as_str()), a.amount))
                .collect()
        };
        let (allocations, priorities, on): (Vec<(u32, Decimal)>, Vec<u32>, Option<NaiveDate>) =
            match e {
                PledgeEvent::PledgeMade(m) => (
                    items(&mut self.priorities, &m.allocations),
                    m.priority_ids
                        .iter()
                        .map(|p| self.priorities.slot(p.as_str()))
                        .collect(),
                    m.pledged_on,
                ),
                PledgeEvent::PledgeCommitted(c) => (Vec::new(), Vec::new(), c.committed_on),
                PledgeEvent::DisbursementRecorded(d) => (
                    d.shares
                        .iter()
                        .map(|s| {
                            (
                                s.priority_id
                                    .as_ref()
                                    .map_or(NONE, |p| self.priorities.slot(p.as_str())),
                                s.amount,
                            )
                        })
                        .collect(),
                    Vec::new(),
                    d.disbursed_on,
                ),
                PledgeEvent::PledgeRevised(r) => (
                    items(&mut self.priorities, &r.allocations),
                    Vec::new(),
                    Some(r.revised_on),
                ),
                PledgeEvent::PledgeCancelled(c) => (Vec::new(), Vec::new(), Some(c.cancelled_on)),
                PledgeEvent::TranchesSet(_)
                | PledgeEvent::FundingLinked(_)
                | PledgeEvent::FundingUnlinked(_) => unreachable!("handled above"),
            };
        let change = match e {
            PledgeEvent::PledgeMade(m) => {
                if exists {
                    // a second creation cannot be stored; ignore it defensively
                    return Vec::new();
                }
                let roadmap = self.roadmaps.slot(m.roadmap_id.as_str());
                let donor = m
                    .donor_id
                    .as_ref()
                    .map_or(NONE, |o| self.organisations.slot(o.as_str()));
                let recipient = m
                    .recipient_id
                    .as_ref()
                    .map_or(NONE, |o| self.organisations.slot(o.as_str()));
                let extra = (m.proposal_id.is_some()
                    || m.partnership_id.is_some()
                    || !m.items.is_empty()
                    || !m.beneficiaries.is_empty()
                    || m.source.is_some()
                    || !m.status_stated
                    || m.description.is_some())
                .then(|| {
                    Box::new(PledgeExtra {
                        proposal_id: m.proposal_id.as_ref().map(|x| x.as_str().into()),
                        partnership_id: m.partnership_id.as_ref().map(|x| x.as_str().into()),
                        items: m.items.clone(),
                        beneficiaries: m.beneficiaries.clone(),
                        source: m.source.clone(),
                        description: m.description.as_deref().map(Into::into),
                        status_not_stated: !m.status_stated,
                        tranches: Vec::new(),
                    })
                });
                let list = &mut self.roadmaps.get_mut(roadmap).pledges;
                let at = list.len() as u32;
                list.push(i);
                let rec = self.pledges.get_mut(i);
                rec.roadmap = roadmap;
                rec.donor = donor;
                rec.recipient = recipient;
                rec.kind = Some(m.kind);
                rec.themes = m.themes.clone().into_boxed_slice();
                rec.extra = extra;
                rec.at = at;
                NewChange::Made {
                    amount: m.amount,
                    allocations: &allocations,
                    priorities: &priorities,
                }
            }
            _ if !exists => return Vec::new(),
            PledgeEvent::PledgeCommitted(_) => NewChange::Committed,
            PledgeEvent::DisbursementRecorded(d) => NewChange::Disbursed {
                amount: d.amount,
                total: d.disbursed_total,
                status: d.status,
                shares: &allocations,
            },
            PledgeEvent::PledgeRevised(r) => NewChange::Revised {
                amount: r.amount,
                allocations: &allocations,
                status: r.status,
            },
            PledgeEvent::PledgeCancelled(_) => NewChange::Cancelled,
            PledgeEvent::TranchesSet(_)
            | PledgeEvent::FundingLinked(_)
            | PledgeEvent::FundingUnlinked(_) => unreachable!("handled above"),
        };
        let chained = self.chains.is_chained(i);
        let rec = self.pledges.get_mut(i);
        let mut scratch = std::mem::take(&mut self.scratch);
        let before = contribution(
            scratch.decode(&rec.timeline, &self.currencies),
            rec.donor,
            chained,
        );
        timeline::append(
            &mut rec.timeline,
            position,
            on,
            &change,
            &mut self.currencies,
        );
        let after = contribution(
            scratch.decode(&rec.timeline, &self.currencies),
            rec.donor,
            chained,
        );
        self.scratch = scratch;
        let (roadmap, at, donor) = (rec.roadmap, rec.at, rec.donor);
        self.roadmaps
            .get_mut(roadmap)
            .plain
            .update(at as usize, donor, &before, &after);
        if self.chains.touches(i) {
            // a parent's amount moves its descendants' attribution
            return crate::chains::dependent_roadmaps(self, i);
        }
        vec![roadmap]
    }

    /// What pledge `i` adds to its roadmap's plain totals now.
    fn plain_contribution(&mut self, i: u32) -> (Class, Vec<crate::plain::Item>) {
        let chained = self.chains.is_chained(i);
        let rec = self.pledges.get(i);
        let mut scratch = std::mem::take(&mut self.scratch);
        let c = contribution(
            scratch.decode(&rec.timeline, &self.currencies),
            rec.donor,
            chained,
        );
        self.scratch = scratch;
        c
    }

    /// A link made or removed: both pledges leave (or return to) the plain
    /// totals, and every roadmap below the parent may move.
    fn apply_link(&mut self, position: u64, child: u32, e: &PledgeEvent) -> Vec<u32> {
        let parent_id = match e {
            PledgeEvent::FundingLinked(l) => l.funded_by_pledge_id.as_str(),
            PledgeEvent::FundingUnlinked(l) => l.funded_by_pledge_id.as_str(),
            _ => return Vec::new(),
        };
        let parent = self.pledges.slot(parent_id);
        let before = [
            (child, self.plain_contribution(child)),
            (parent, self.plain_contribution(parent)),
        ];
        match e {
            PledgeEvent::FundingLinked(l) => self.chains.link(
                child,
                crate::chains::LinkFact {
                    parent,
                    at: position,
                    until: None,
                    amount: l.amount,
                    parent_amount: l.parent_amount,
                    rate: l.rate,
                },
            ),
            _ => self.chains.unlink(child, parent, position),
        }
        for (i, before) in before {
            let after = self.plain_contribution(i);
            let rec = self.pledges.get(i);
            if !rec.exists() {
                continue;
            }
            let (roadmap, at, donor) = (rec.roadmap, rec.at, rec.donor);
            self.roadmaps
                .get_mut(roadmap)
                .plain
                .update(at as usize, donor, &before, &after);
        }
        let mut touched = crate::chains::dependent_roadmaps(self, parent);
        touched.extend(crate::chains::dependent_roadmaps(self, child));
        touched.sort_unstable();
        touched.dedup();
        touched
    }

    /// The domain's state of the pledge at slot `i`: its facts turned back
    /// into events and folded with the domain's `evolve`. (Only what the state
    /// keeps is rebuilt: reasons and previous amounts are not part of it.)
    pub(crate) fn pledge_state(&self, i: u32) -> Option<Pledge> {
        let rec = self.pledges.get(i);
        let mut d = Decoded::default();
        d.decode(&rec.timeline, &self.currencies);
        let (made, rest) = d.facts.split_first()?;
        let org = |o: u32| {
            (o != NONE)
                .then(|| OrganisationId::new_unchecked(self.organisations.id_of(o).unwrap_or("")))
        };
        let prio = |p: u32| PriorityId::new_unchecked(self.priorities.id_of(p).unwrap_or(""));
        let allocations = |items: &[(u32, Decimal)]| -> Vec<Allocation> {
            items
                .iter()
                .map(|(p, a)| Allocation {
                    priority_id: prio(*p),
                    amount: *a,
                })
                .collect()
        };
        let Change::Made {
            amount,
            allocations: made_allocations,
            priorities,
        } = &made.change
        else {
            return None;
        };
        let extra = rec.extra.as_deref();
        let made_event = PledgeEvent::PledgeMade(PledgeMade {
            pledge_id: PledgeId::new_unchecked(self.pledges.id_of(i).unwrap_or("")),
            donor_id: org(rec.donor),
            recipient_id: org(rec.recipient),
            roadmap_id: RoadmapId::new_unchecked(self.roadmaps.id_of(rec.roadmap).unwrap_or("")),
            kind: rec.kind?,
            amount: *amount,
            allocations: allocations(d.items_of(*made_allocations)),
            priority_ids: d.slots_of(*priorities).iter().map(|p| prio(*p)).collect(),
            pledged_on: made.on,
            proposal_id: extra
                .and_then(|x| x.proposal_id.as_deref())
                .map(ProposalId::new_unchecked),
            partnership_id: extra
                .and_then(|x| x.partnership_id.as_deref())
                .map(PartnershipId::new_unchecked),
            themes: rec.themes.to_vec(),
            description: extra.and_then(|x| x.description.as_deref()).map(Into::into),
            items: extra.map(|x| x.items.clone()).unwrap_or_default(),
            beneficiaries: extra.map(|x| x.beneficiaries.clone()).unwrap_or_default(),
            status_stated: !extra.is_some_and(|x| x.status_not_stated),
            source: extra.and_then(|x| x.source.clone()),
        });
        let pledge_id = || PledgeId::new_unchecked(self.pledges.id_of(i).unwrap_or(""));
        let mut state = pledge::evolve(StreamState::default(), &made_event);
        for f in rest {
            let event = match &f.change {
                Change::Made { .. } => continue,
                Change::Committed => PledgeEvent::PledgeCommitted(PledgeCommitted {
                    pledge_id: pledge_id(),
                    committed_on: f.on,
                }),
                Change::Disbursed {
                    amount,
                    total,
                    status,
                    shares,
                } => PledgeEvent::DisbursementRecorded(DisbursementRecorded {
                    pledge_id: pledge_id(),
                    amount: *amount,
                    disbursed_on: f.on,
                    shares: d
                        .items_of(*shares)
                        .iter()
                        .map(|(p, a)| Share {
                            priority_id: (*p != NONE).then(|| prio(*p)),
                            amount: *a,
                        })
                        .collect(),
                    disbursed_total: *total,
                    status: *status,
                }),
                Change::Revised {
                    amount,
                    allocations: items,
                    status,
                } => PledgeEvent::PledgeRevised(PledgeRevised {
                    pledge_id: pledge_id(),
                    previous_amount: None,
                    amount: *amount,
                    allocations: allocations(d.items_of(*items)),
                    revised_on: f.on?,
                    reason: String::new(),
                    status: *status,
                }),
                Change::Cancelled => PledgeEvent::PledgeCancelled(PledgeCancelled {
                    pledge_id: pledge_id(),
                    cancelled_on: f.on?,
                    reason: String::new(),
                }),
            };
            state = pledge::evolve(state, &event);
        }
        state.version = rec.version;
        if let (Some(p), Some(x)) = (state.entity.as_mut(), extra) {
            p.tranches = x.tranches.clone();
        }
        if let Some(p) = state.entity.as_mut() {
            p.funded_by = self
                .chains
                .parents_at(i, u64::MAX)
                .map(|l| fundtrail_domain::pledge::FundingLink {
                    parent: PledgeId::new_unchecked(self.pledges.id_of(l.parent).unwrap_or("")),
                    amount: l.amount,
                    parent_amount: l.parent_amount,
                })
                .collect();
        }
        state.entity
    }

    /// Rebuilds the plain funding totals from the pledges' facts.
    pub(crate) fn rebuild_plain(&mut self) {
        for r in 0..self.roadmaps.items.len() {
            let list = std::mem::take(&mut self.roadmaps.items[r].pledges);
            let mut plain = crate::plain::RoadmapPlain::default();
            for (k, &pi) in list.iter().enumerate() {
                let chained = self.chains.is_chained(pi);
                let rec = self.pledges.get_mut(pi);
                rec.at = k as u32;
                let after = contribution(
                    self.scratch.decode(&rec.timeline, &self.currencies),
                    rec.donor,
                    chained,
                );
                plain.update(k, rec.donor, &(Class::Absent, Vec::new()), &after);
            }
            let rm = &mut self.roadmaps.items[r];
            rm.pledges = list;
            rm.plain = plain;
        }
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
            .filter(|p| status.is_none_or(|s| p.status == Some(s)))
            .filter(|p| party_id.is_none_or(|id| p.party_ids.iter().any(|x| x.as_str() == id)))
            .collect()
    }

    pub fn document(&self, id: &str) -> Option<Versioned<'_, Document>> {
        versioned(self.ent.documents.by_id(id)?)
    }

    /// Every source document, in registration order.
    pub fn documents(&self) -> Vec<Versioned<'_, Document>> {
        self.ent
            .documents
            .iter()
            .filter_map(|(_, s)| versioned(s))
            .collect()
    }

    pub fn next_step(&self, id: &str) -> Option<Versioned<'_, NextStep>> {
        versioned(self.ent.next_steps.by_id(id)?)
    }

    /// A roadmap's next steps, by rank.
    pub fn next_steps(&self, roadmap_id: &str) -> Vec<Versioned<'_, NextStep>> {
        let mut v: Vec<_> = self
            .ent
            .next_steps
            .iter()
            .filter_map(|(_, s)| versioned(s))
            .filter(|s| s.roadmap_id.as_str() == roadmap_id)
            .collect();
        v.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.id.cmp(&b.id)));
        v
    }

    pub fn action(&self, id: &str) -> Option<Versioned<'_, Action>> {
        versioned(self.ent.actions.by_id(id)?)
    }

    /// `actions(roadmapId, ownerId, dueBefore, status)`: by due date (the
    /// undated last), then id.
    pub fn actions(&self, filter: &ActionFilter<'_>) -> Vec<Versioned<'_, Action>> {
        let mut v: Vec<_> = self
            .ent
            .actions
            .iter()
            .filter_map(|(_, s)| versioned(s))
            .filter(|a| filter.roadmap.is_none_or(|r| a.roadmap_id.as_str() == r))
            .filter(|a| filter.owner.is_none_or(|o| a.owner.as_deref() == Some(o)))
            .filter(|a| filter.status.is_none_or(|s| a.status == s))
            .filter(|a| {
                filter
                    .due_before
                    .is_none_or(|d| a.due_on.is_some_and(|due| due < d))
            })
            .filter(|a| {
                filter.about.is_none_or(|(kind, id)| {
                    a.about
                        .as_ref()
                        .is_some_and(|x| x.kind == kind && x.id == id)
                })
            })
            .collect();
        v.sort_by(|a, b| {
            (a.due_on.is_none(), a.due_on, a.id.as_str()).cmp(&(
                b.due_on.is_none(),
                b.due_on,
                b.id.as_str(),
            ))
        });
        v
    }

    pub fn prospect(&self, id: &str) -> Option<Versioned<'_, Prospect>> {
        versioned(self.ent.prospects.by_id(id)?)
    }

    /// `prospects(roadmapId, organisationId)`, in recording order.
    /// Whether a pledge with this id was made.
    pub fn pledge_exists(&self, id: &str) -> bool {
        self.ent.pledges.by_id(id).is_some_and(|p| p.exists())
    }

    pub fn prospects(
        &self,
        roadmap_id: Option<&str>,
        organisation_id: Option<&str>,
    ) -> Vec<Versioned<'_, Prospect>> {
        self.ent
            .prospects
            .iter()
            .filter_map(|(_, s)| versioned(s))
            .filter(|p| roadmap_id.is_none_or(|r| p.roadmap_id.as_str() == r))
            .filter(|p| {
                organisation_id
                    .is_none_or(|o| p.organisation_id.as_ref().is_some_and(|x| x.as_str() == o))
            })
            .collect()
    }

    pub fn proposal(&self, id: &str) -> Option<Versioned<'_, Proposal>> {
        versioned(&self.ent.proposals.by_id(id)?.0)
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
            .filter_map(|(_, s)| versioned(&s.0))
            .filter(|p| status.is_none_or(|s| p.status == s))
            .filter(|p| donor_id.is_none_or(|d| p.donor_id.as_str() == d))
            .filter(|p| applicant_id.is_none_or(|a| p.applicant_id.as_str() == a))
            .collect()
    }

    pub fn pledge(&self, id: &str) -> Option<Versioned<'_, Pledge>> {
        self.pledge_at(self.ent.pledges.idx(id)?)
    }

    fn pledge_at(&self, i: u32) -> Option<Versioned<'_, Pledge>> {
        let p = self.ent.pledge_state(i)?;
        Some(Versioned {
            version: self.ent.pledges.get(i).version,
            entity: Entity::Owned(Box::new(p)),
        })
    }

    /// `pledges(roadmapId, donorId, status)`.
    pub fn pledges(
        &self,
        roadmap_id: Option<&str>,
        donor_id: Option<&str>,
        status: Option<PledgeStatus>,
    ) -> Vec<Versioned<'_, Pledge>> {
        let donor = match donor_id {
            Some(d) => match self.ent.organisations.idx(d) {
                Some(o) => Some(o),
                None => return Vec::new(),
            },
            None => None,
        };
        let candidates: Vec<u32> = match roadmap_id {
            Some(r) => match self.ent.roadmaps.by_id(r) {
                Some(rec) => rec.pledges.clone(),
                None => return Vec::new(),
            },
            None => self.ent.pledges.iter().map(|(i, _)| i).collect(),
        };
        candidates
            .into_iter()
            .filter(|i| {
                let rec = self.ent.pledges.get(*i);
                rec.exists() && donor.is_none_or(|d| rec.donor == d)
            })
            .filter_map(|i| self.pledge_at(i))
            .filter(|p| status.is_none_or(|s| p.status == s))
            .collect()
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

/// Which actions [`ReadModel::actions`] lists (every one when all are `None`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ActionFilter<'a> {
    pub roadmap: Option<&'a str>,
    pub owner: Option<&'a str>,
    /// Due strictly before this day (an undated action is never listed).
    pub due_before: Option<chrono::NaiveDate>,
    pub status: Option<ActionStatus>,
    /// Following up this record.
    pub about: Option<(ActionSubject, &'a str)>,
}
