//! The audit index behind `history` and `auditTrail`.
//!
//! No payload is kept (W7: 1M events in 400 MiB with everything else): only
//! positions. The API reads the events themselves from the store by position.
//! - the recorded-time table `(position, recorded_at micros)`, in store order
//!   (also the `asOf` -> position map of [`crate::funding`]);
//! - per entity (kind + id, from the stream id) its positions, oldest first;
//! - per actor its positions.
//!
//! `auditTrail` filters: `entity_id` matches every kind with that id (ids are
//! per kind; a clash between, say, an organisation and a pledge both called
//! `giz` lists both); `actor` exact; `from` inclusive and `to` inclusive on
//! the recorded time. The cursor is a position: `after` = the last position
//! seen. `total_count` counts every match, ignoring `after` and `first`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::{Envelope, ReadModel};

/// The kind of entity a stream holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Organisation,
    Roadmap,
    Priority,
    Partnership,
    Proposal,
    Pledge,
    /// Entity id `<BASE>-<QUOTE>` (stream `rate-<BASE>-<QUOTE>`).
    ExchangeRate,
}

impl EntityKind {
    pub const ALL: [EntityKind; 7] = [
        EntityKind::Organisation,
        EntityKind::Roadmap,
        EntityKind::Priority,
        EntityKind::Partnership,
        EntityKind::Proposal,
        EntityKind::Pledge,
        EntityKind::ExchangeRate,
    ];

    fn prefix(self) -> &'static str {
        match self {
            EntityKind::Organisation => "organisation-",
            EntityKind::Roadmap => "roadmap-",
            EntityKind::Priority => "priority-",
            EntityKind::Partnership => "partnership-",
            EntityKind::Proposal => "proposal-",
            EntityKind::Pledge => "pledge-",
            EntityKind::ExchangeRate => "rate-",
        }
    }
}

/// The entity a stream holds: `pledge-p1` -> (Pledge, "p1"), `rate-EUR-USD` -> (ExchangeRate, "EUR-USD").
pub fn entity_of_stream(stream_id: &str) -> Option<(EntityKind, &str)> {
    EntityKind::ALL.into_iter().find_map(|k| {
        stream_id
            .strip_prefix(k.prefix())
            .filter(|id| !id.is_empty())
            .map(|id| (k, id))
    })
}

/// `auditTrail`'s filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    /// Recorded at or after.
    pub from: Option<DateTime<Utc>>,
    /// Recorded at or before.
    pub to: Option<DateTime<Utc>>,
}

/// One page of `auditTrail`: positions to read from the store, in store order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditPage {
    pub positions: Vec<u64>,
    pub total_count: usize,
    pub has_next_page: bool,
}

#[derive(Debug, Default)]
pub(crate) struct AuditIndex {
    /// `(position, recorded_at micros)` of every applied event.
    recorded: Vec<(u64, i64)>,
    by_entity: [HashMap<Box<str>, Vec<u64>>; 7],
    by_actor: HashMap<Box<str>, Vec<u64>>,
}

fn kind_index(k: EntityKind) -> usize {
    EntityKind::ALL.iter().position(|x| *x == k).unwrap_or(0)
}

/// `first` items of `items[..]` after `after`, given positions sorted ascending.
fn page<T>(items: &[T], pos: impl Fn(&T) -> u64, after: Option<u64>, first: usize) -> AuditPage {
    let start = after.map_or(0, |a| items.partition_point(|x| pos(x) <= a));
    let end = start.saturating_add(first).min(items.len());
    AuditPage {
        positions: items[start..end].iter().map(&pos).collect(),
        total_count: items.len(),
        has_next_page: end < items.len(),
    }
}

fn within(list: &[u64], lo: u64, hi: u64) -> &[u64] {
    let a = list.partition_point(|p| *p < lo);
    let b = list.partition_point(|p| *p <= hi);
    &list[a..b.max(a)]
}

impl AuditIndex {
    pub(crate) fn record(&mut self, e: &Envelope) {
        self.recorded
            .push((e.position, e.recorded_at.timestamp_micros()));
        if let Some((k, id)) = entity_of_stream(&e.stream_id) {
            let map = &mut self.by_entity[kind_index(k)];
            match map.get_mut(id) {
                Some(v) => v.push(e.position),
                None => {
                    map.insert(id.into(), vec![e.position]);
                }
            }
        }
        match self.by_actor.get_mut(e.actor.as_str()) {
            Some(v) => v.push(e.position),
            None => {
                self.by_actor
                    .insert(e.actor.as_str().into(), vec![e.position]);
            }
        }
    }

    /// The last position recorded at or before `t` (0 when none).
    pub(crate) fn position_at(&self, t: DateTime<Utc>) -> u64 {
        let m = t.timestamp_micros();
        let k = self.recorded.partition_point(|(_, r)| *r <= m);
        k.checked_sub(1).map_or(0, |i| self.recorded[i].0)
    }

    fn history(&self, kind: EntityKind, id: &str) -> &[u64] {
        self.by_entity[kind_index(kind)]
            .get(id)
            .map_or(&[], |v| v.as_slice())
    }

    fn page(&self, f: &AuditFilter, after: Option<u64>, first: usize) -> AuditPage {
        // the time range as an index range of the recorded table
        let lo = f.from.map_or(0, |t| {
            let m = t.timestamp_micros();
            self.recorded.partition_point(|(_, r)| *r < m)
        });
        let hi = f.to.map_or(self.recorded.len(), |t| {
            let m = t.timestamp_micros();
            self.recorded.partition_point(|(_, r)| *r <= m)
        });
        if lo >= hi {
            return AuditPage::default();
        }
        let (pos_lo, pos_hi) = (self.recorded[lo].0, self.recorded[hi - 1].0);
        let actor = f
            .actor
            .as_deref()
            .map(|a| self.by_actor.get(a).map_or(&[][..], |v| v.as_slice()));
        match (&f.entity_id, actor) {
            (None, None) => page(&self.recorded[lo..hi], |x| x.0, after, first),
            (None, Some(list)) => page(within(list, pos_lo, pos_hi), |x| *x, after, first),
            (Some(id), actor) => {
                let mut lists: Vec<&[u64]> = EntityKind::ALL
                    .iter()
                    .map(|k| self.history(*k, id))
                    .filter(|l| !l.is_empty())
                    .collect();
                let mut merged: Vec<u64> = match lists.len() {
                    0 => Vec::new(),
                    1 => within(lists.pop().unwrap_or_default(), pos_lo, pos_hi).to_vec(),
                    _ => {
                        let mut all: Vec<u64> = lists
                            .into_iter()
                            .flat_map(|l| within(l, pos_lo, pos_hi).iter().copied())
                            .collect();
                        all.sort_unstable();
                        all
                    }
                };
                if let Some(a) = actor {
                    merged.retain(|p| a.binary_search(p).is_ok());
                }
                page(&merged, |x| *x, after, first)
            }
        }
    }
}

impl ReadModel {
    /// Positions of an entity's events, oldest first (`history`).
    pub fn history_positions(&self, kind: EntityKind, id: &str) -> &[u64] {
        self.audit.history(kind, id)
    }

    /// `auditTrail`: a page of positions in store order.
    pub fn audit_positions(
        &self,
        filter: &AuditFilter,
        after: Option<u64>,
        first: usize,
    ) -> AuditPage {
        self.audit.page(filter, after, first)
    }

    /// The last position recorded at or before `t` (0 when none): how `asOf` is read.
    pub fn position_at(&self, t: DateTime<Utc>) -> u64 {
        self.audit.position_at(t)
    }
}
