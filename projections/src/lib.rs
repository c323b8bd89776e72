//! # fundtrail-projections
//!
//! Pure, synchronous read models folded from the global event log: no I/O, no
//! async, no GraphQL. A driver (the API's) feeds every stored event, in store
//! order, to [`ReadModel::apply_recorded`] (or decodes itself and calls
//! [`ReadModel::apply`]); queries then read the model.
//!
//! One fold keeps:
//! - **entities** ([`entities`]): the current state of every organisation,
//!   roadmap (with its priorities in rank order), priority, partnership,
//!   proposal, pledge and exchange rate, each with its `version`, plus the
//!   contract's filtered lists;
//! - **funding by priority with both clocks** ([`funding`]): per-pledge
//!   timelines of facts, so `on` (value date) is a filter and `asOf` (recorded
//!   time) a position cutoff;
//! - **the donor map** ([`donors`]);
//! - **the audit index** ([`audit`]): positions per entity, per actor and the
//!   recorded-time table; payloads stay in the store.
//!
//! The whole model can be saved and restored ([`snapshot`]), so a restart
//! folds only the events after the newest snapshot.
//!
//! `apply` is idempotent: an event at a position at or below
//! [`ReadModel::position`] changes nothing. It also implements the domain's
//! [`References`](fundtrail_domain::refs::References) so the command side checks
//! references against current state.

pub mod audit;
pub mod chains;
pub mod donors;
pub mod entities;
pub mod forecast;
pub mod funding;
mod plain;
pub mod snapshot;
pub mod text;
mod timeline;
pub mod tokens;
pub mod worklist;

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use fundtrail_domain::events::{AnyEvent, DecodeError, decode_slice};
use fundtrail_domain::exchange_rate::{ExchangeRateEvent, RateTable};
use fundtrail_domain::money::Currency;
use fundtrail_domain::refs::{PriorityRef, RecordRef, References, RoadmapRef};
use fundtrail_store::RecordedEvent;

pub use audit::{AuditFilter, AuditPage, EntityKind};
pub use chains::Attribution;
pub use donors::{DonorMapQuery, DonorSummary};
pub use entities::{ActionFilter, Entity, Versioned};
pub use funding::{DonorFunding, FundingError, FundingLine, PriorityFunding, RoadmapFunding};
pub use snapshot::{FORMAT_VERSION as SNAPSHOT_FORMAT_VERSION, SnapshotError, SnapshotInfo};

/// Where an event sits in the log and who recorded it (the store's envelope
/// without the payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub position: u64,
    pub recorded_at: DateTime<Utc>,
    pub stream_id: String,
    pub version: u64,
    pub actor: String,
    pub command_id: Option<String>,
}

impl Envelope {
    pub fn from_recorded(e: &RecordedEvent) -> Self {
        Envelope {
            position: e.position,
            recorded_at: e.recorded_at,
            stream_id: e.stream_id.clone(),
            version: e.version,
            actor: e.metadata.actor.clone(),
            command_id: e.metadata.command_id.clone(),
        }
    }
}

/// What one `apply` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// False when the event was at or below the checkpoint (already applied).
    pub new: bool,
    /// Roadmaps whose `fundingByPriority` may have changed (for the
    /// `fundingChanged` subscription). An exchange rate lists every roadmap.
    pub funding_changed: Vec<String>,
}

/// A cached `fundingByPriority`: (roadmap, currency, today, cutoff, on).
/// The cutoff is `u64::MAX` for *live* answers (cutoff at the model's
/// position: plain and `on` queries), which are dropped when an event touches
/// their roadmap. An `asOf` answer with an earlier cutoff never changes: later
/// events, rates and requirements all come after its cutoff.
type CacheKey = (
    u32,
    Currency,
    chrono::NaiveDate,
    u64,
    Option<chrono::NaiveDate>,
    chains::Attribution,
);

/// Most answers cached at once.
const CACHE_LIMIT: usize = 1_024;

/// Every read model, folded from one pass over the log.
///
/// Serialisable for [`snapshot`](ReadModel::snapshot)s; what can be rebuilt
/// from the rest (rate tables, the funding cache) is left out of them.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ReadModel {
    position: u64,
    /// The store's hash of the event at `position` (when it came from the store).
    pub(crate) last_hash: Option<[u8; 32]>,
    pub(crate) ent: entities::Entities,
    #[serde(skip)]
    pub(crate) rates: RateTable,
    /// Every recorded rate with its position (for `asOf` before a rate was known).
    #[serde(with = "snapshot::rate_log")]
    pub(crate) rate_log: Vec<(u64, fundtrail_domain::exchange_rate::ExchangeRateRecorded)>,
    pub(crate) audit: audit::AuditIndex,
    pub(crate) tokens: tokens::Tokens,
    /// Funding answers (see [`CacheKey`]); live ones are dropped when their
    /// roadmap (or any rate) changes.
    #[serde(skip)]
    cache: Mutex<HashMap<CacheKey, std::sync::Arc<RoadmapFunding>>>,
    /// Forecast answers by (roadmap, currency, today), dropped like the live
    /// funding answers, and when a schedule of the roadmap changes.
    #[serde(skip)]
    forecasts:
        Mutex<HashMap<(u32, Currency, chrono::NaiveDate), std::sync::Arc<forecast::Forecast>>>,
    /// The worklist's per-pledge watches (see [`worklist`]).
    #[serde(skip)]
    watches: Mutex<worklist::Watches>,
}

/// A stored event decoded (older versions upcast), as the read models fold it.
pub fn decode_recorded(e: &RecordedEvent) -> Result<AnyEvent, DecodeError> {
    decode_slice(&e.event_type, e.schema_version, e.payload.as_bytes())
}

impl ReadModel {
    pub fn new() -> Self {
        Self::default()
    }

    /// API tokens (hashes only), for authentication and for admins.
    pub fn tokens(&self) -> &tokens::Tokens {
        &self.tokens
    }

    /// The checkpoint: the last applied position (0 before any event).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Decodes a stored event (upcasting older versions) and applies it.
    /// An already applied position is not even decoded.
    pub fn apply_recorded(&mut self, e: &RecordedEvent) -> Result<Applied, DecodeError> {
        if e.position <= self.position {
            return Ok(Applied::default());
        }
        self.apply_decoded(e, decode_recorded(e))
    }

    /// [`apply_recorded`](Self::apply_recorded) with the event already
    /// decoded by [`decode_recorded`] (on another thread, while this model
    /// folds the events before it).
    pub fn apply_decoded(
        &mut self,
        e: &RecordedEvent,
        decoded: Result<AnyEvent, DecodeError>,
    ) -> Result<Applied, DecodeError> {
        if e.position <= self.position {
            return Ok(Applied::default());
        }
        let event = decoded?;
        let applied = self.apply(&Envelope::from_recorded(e), &event);
        self.last_hash = Some(e.hash.0);
        Ok(applied)
    }

    /// Folds one event. Idempotent: a position at or below [`position`](Self::position)
    /// changes nothing and returns `Applied { new: false, .. }`.
    pub fn apply(&mut self, envelope: &Envelope, event: &AnyEvent) -> Applied {
        if envelope.position <= self.position {
            return Applied::default();
        }
        self.position = envelope.position;
        self.last_hash = None;
        self.audit.record(envelope);
        // A schedule changes no funding figure, but it changes the forecast.
        let rescheduled = match event {
            AnyEvent::Pledge(fundtrail_domain::pledge::PledgeEvent::TranchesSet(t)) => self
                .ent
                .pledges
                .idx(t.pledge_id.as_str())
                .map(|i| self.ent.pledges.get(i).roadmap),
            _ => None,
        };
        let changed: Vec<u32> = match event {
            AnyEvent::ExchangeRate(ExchangeRateEvent::ExchangeRateRecorded(e)) => {
                self.rates.record(e);
                self.rate_log.push((envelope.position, e.clone()));
                self.ent.apply_rate(e);
                self.ent.roadmap_indexes()
            }
            AnyEvent::Token(e) => {
                self.tokens.apply(envelope, e);
                Vec::new()
            }
            other => self.ent.apply(envelope.position, other),
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if !changed.is_empty() {
            cache.retain(|k, _| k.3 != u64::MAX || !changed.contains(&k.0));
        }
        drop(cache);
        if !changed.is_empty() || rescheduled.is_some() {
            let mut forecasts = self.forecasts.lock().unwrap_or_else(|p| p.into_inner());
            forecasts.retain(|k, _| !changed.contains(&k.0) && rescheduled != Some(k.0));
        }
        Applied {
            new: true,
            funding_changed: changed
                .into_iter()
                .filter_map(|i| self.ent.roadmaps.id_of(i).map(str::to_owned))
                .collect(),
        }
    }

    pub(crate) fn cached(&self, key: &CacheKey) -> Option<std::sync::Arc<RoadmapFunding>> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(key).cloned()
    }

    pub(crate) fn store_cached(&self, key: CacheKey, value: std::sync::Arc<RoadmapFunding>) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        // figures for another `today` are stale tomorrow: keep one day only
        cache.retain(|k, _| k.2 == key.2);
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, value);
    }

    /// Rebuilds what snapshots leave out.
    pub(crate) fn rebuild_derived(&mut self) {
        self.rates = RateTable::from_events(self.rate_log.iter().map(|(_, e)| e));
        self.ent.rates.clear();
        for (_, e) in &self.rate_log {
            self.ent.apply_rate(e);
        }
        self.ent.rebuild_plain();
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.forecasts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// The exchange-rate table in force now (recorded rates plus the peg).
    pub fn rate_table(&self) -> &RateTable {
        &self.rates
    }
}

impl References for ReadModel {
    fn organisation_exists(&self, id: &str) -> bool {
        self.organisation(id).is_some()
    }

    fn roadmap(&self, id: &str) -> Option<RoadmapRef> {
        let r = self.roadmap(id)?;
        Some(RoadmapRef {
            currency: r.currency,
            period_start: r.period_start,
            period_end: r.period_end,
            priorities: self
                .roadmap_priorities(id)
                .into_iter()
                .map(|p| (p.id.as_str().to_owned(), p.rank))
                .collect(),
        })
    }

    fn priority(&self, id: &str) -> Option<PriorityRef> {
        let p = self.priority(id)?;
        Some(PriorityRef {
            roadmap_id: p.roadmap_id.as_str().to_owned(),
            rank: p.rank,
        })
    }

    fn proposal_exists(&self, id: &str) -> bool {
        self.proposal(id).is_some()
    }

    fn partnership_exists(&self, id: &str) -> bool {
        self.partnership(id).is_some()
    }

    fn proposal(&self, id: &str) -> Option<RecordRef> {
        let p = self.proposal(id)?;
        Some(RecordRef::of_proposal(&p))
    }

    fn partnership(&self, id: &str) -> Option<RecordRef> {
        let p = self.partnership(id)?;
        Some(RecordRef::of_partnership(&p))
    }

    fn document_exists(&self, id: &str) -> bool {
        self.document(id).is_some()
    }

    fn pledge_exists(&self, id: &str) -> bool {
        self.pledge_exists(id)
    }

    fn next_step_roadmap(&self, id: &str) -> Option<String> {
        Some(self.next_step(id)?.roadmap_id.as_str().to_owned())
    }

    fn prospect_roadmap(&self, id: &str) -> Option<String> {
        Some(self.prospect(id)?.roadmap_id.as_str().to_owned())
    }

    fn pledge_funding(&self, id: &str) -> Option<fundtrail_domain::refs::PledgeFundingRef> {
        self.pledge_funding_ref(id)
    }

    fn rate(
        &self,
        from: Currency,
        to: Currency,
        on: chrono::NaiveDate,
    ) -> Option<rust_decimal::Decimal> {
        self.rates.rate(from, to, on).ok().map(|(r, _)| r)
    }
}
