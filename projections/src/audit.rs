//! The audit index behind `history` and `auditTrail`.
//!
//! No payload is kept (W7: 1M events in 400 MiB with everything else): only
//! positions. The API reads the events themselves from the store by position.
//! Applied events are numbered (`u32`) and, per number, the index keeps:
//! - the recorded time (micros), in store order (also the `asOf` -> position
//!   map of [`crate::funding`]); positions come from runs of consecutive
//!   positions (one run for a gap-free store);
//! - the number of the previous event of the same entity (kind + id, from the
//!   stream id): an entity's history is a walk back from its last event;
//! - per actor, the numbers of its events.
//!
//! About 16 bytes per event in all, instead of a position list per entity.
//!
//! `auditTrail` filters: `entity_id` matches every kind with that id (ids are
//! per kind; a clash between, say, an organisation and a pledge both called
//! `giz` lists both); `actor` exact; `from` inclusive and `to` inclusive on
//! the recorded time. The cursor is a position: `after` = the last position
//! seen. `total_count` counts every match, ignoring `after` and `first`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::{Envelope, ReadModel};

/// Stream names are the domain's: the kind and id of an entity come from its
/// stream with [`entity_of_stream`].
pub use fundtrail_domain::streams::{EntityKind, entity_of_stream};

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

/// Events are numbered in the order applied (`u32`: up to 4 billion events);
/// positions, times and chains are kept per number, compactly.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct AuditIndex {
    /// `recorded_at` (micros) of every applied event, by number.
    times: Vec<i64>,
    /// Runs of consecutive positions: (first number, its position). The
    /// store's positions have no gaps, so this is usually one entry.
    runs: Vec<(u32, u64)>,
    /// By number: the number of the previous event of the same entity (NONE: first).
    prev: Vec<u32>,
    /// Per kind, per entity id: the number of its last event.
    heads: [HashMap<Box<str>, u32>; EntityKind::ALL.len()],
    /// Per actor: the numbers of its events, ascending.
    by_actor: HashMap<Box<str>, Vec<u32>>,
}

const NONE: u32 = u32::MAX;

fn kind_index(k: EntityKind) -> usize {
    EntityKind::ALL.iter().position(|x| *x == k).unwrap_or(0)
}

/// `first` items of `items` after position `after`, positions ascending.
fn page<T: Copy>(
    items: &[T],
    pos: impl Fn(T) -> u64,
    after: Option<u64>,
    first: usize,
) -> AuditPage {
    let start = after.map_or(0, |a| items.partition_point(|x| pos(*x) <= a));
    let end = start.saturating_add(first).min(items.len());
    AuditPage {
        positions: items[start..end].iter().map(|x| pos(*x)).collect(),
        total_count: items.len(),
        has_next_page: end < items.len(),
    }
}

/// The numbers of `list` (ascending) within `lo..hi`.
fn within(list: &[u32], lo: u32, hi: u32) -> &[u32] {
    let a = list.partition_point(|n| *n < lo);
    let b = list.partition_point(|n| *n < hi);
    &list[a..b.max(a)]
}

impl AuditIndex {
    pub(crate) fn record(&mut self, e: &Envelope) {
        let n = self.times.len() as u32;
        self.times.push(e.recorded_at.timestamp_micros());
        let follows = self
            .runs
            .last()
            .is_some_and(|(first, p)| p + u64::from(n - first) == e.position);
        if !follows {
            self.runs.push((n, e.position));
        }
        let prev = match entity_of_stream(&e.stream_id) {
            Some((k, id)) => {
                let heads = &mut self.heads[kind_index(k)];
                match heads.get_mut(id) {
                    Some(h) => std::mem::replace(h, n),
                    None => {
                        heads.insert(id.into(), n);
                        NONE
                    }
                }
            }
            None => NONE,
        };
        self.prev.push(prev);
        match self.by_actor.get_mut(e.actor.as_str()) {
            Some(v) => v.push(n),
            None => {
                self.by_actor.insert(e.actor.as_str().into(), vec![n]);
            }
        }
    }

    /// The position of event number `n`.
    fn pos(&self, n: u32) -> u64 {
        let k = self.runs.partition_point(|(first, _)| *first <= n);
        let (first, p) = self.runs[k.saturating_sub(1)];
        p + u64::from(n - first)
    }

    /// The last position recorded at or before `t` (0 when none).
    pub(crate) fn position_at(&self, t: DateTime<Utc>) -> u64 {
        let m = t.timestamp_micros();
        let k = self.times.partition_point(|r| *r <= m);
        k.checked_sub(1).map_or(0, |i| self.pos(i as u32))
    }

    /// Numbers of an entity's events, oldest first.
    fn chain(&self, kind: EntityKind, id: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let mut n = self.heads[kind_index(kind)]
            .get(id)
            .copied()
            .unwrap_or(NONE);
        while n != NONE {
            out.push(n);
            n = self.prev[n as usize];
        }
        out.reverse();
        out
    }

    fn history(&self, kind: EntityKind, id: &str) -> Vec<u64> {
        self.chain(kind, id)
            .into_iter()
            .map(|n| self.pos(n))
            .collect()
    }

    fn page(&self, f: &AuditFilter, after: Option<u64>, first: usize) -> AuditPage {
        // the time range as a range of numbers
        let lo = f.from.map_or(0, |t| {
            let m = t.timestamp_micros();
            self.times.partition_point(|r| *r < m)
        }) as u32;
        let hi = f.to.map_or(self.times.len(), |t| {
            let m = t.timestamp_micros();
            self.times.partition_point(|r| *r <= m)
        }) as u32;
        if lo >= hi {
            return AuditPage::default();
        }
        let pos = |n: u32| self.pos(n);
        let actor = f
            .actor
            .as_deref()
            .map(|a| self.by_actor.get(a).map_or(&[][..], |v| v.as_slice()));
        match (&f.entity_id, actor) {
            (None, None) => {
                // every number in lo..hi, without listing them
                let total = (hi - lo) as usize;
                let start = match after {
                    None => lo,
                    Some(a) => {
                        let (mut l, mut h) = (lo, hi);
                        while l < h {
                            let mid = l + (h - l) / 2;
                            if pos(mid) <= a { l = mid + 1 } else { h = mid }
                        }
                        l
                    }
                };
                let end = (u64::from(start) + first as u64).min(u64::from(hi)) as u32;
                AuditPage {
                    positions: (start..end).map(pos).collect(),
                    total_count: total,
                    has_next_page: end < hi,
                }
            }
            (None, Some(list)) => page(within(list, lo, hi), pos, after, first),
            (Some(id), actor) => {
                let mut merged: Vec<u32> = EntityKind::ALL
                    .iter()
                    .flat_map(|k| self.chain(*k, id))
                    .filter(|n| (lo..hi).contains(n))
                    .collect();
                merged.sort_unstable();
                if let Some(a) = actor {
                    merged.retain(|n| a.binary_search(n).is_ok());
                }
                page(&merged, pos, after, first)
            }
        }
    }
}

impl ReadModel {
    /// Positions of an entity's events, oldest first (`history`).
    pub fn history_positions(&self, kind: EntityKind, id: &str) -> Vec<u64> {
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
