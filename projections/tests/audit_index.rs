//! The compact audit index answers like a plain scan of the log.
mod common;

use common::random::{probe_dates, random_ledger};
use fundtrail_projections::audit::entity_of_stream;
use fundtrail_projections::{AuditFilter, AuditPage};

#[test]
fn audit_pages_and_histories_match_a_scan_of_the_log() {
    let l = random_ledger(5, 1_500);
    let m = &l.model;
    let (_, times) = probe_dates(&l);
    let ids = ["o1", "o7", "pl3", "ra", "ra-p1", "EUR-USD", "nobody"];
    let mut filters = vec![AuditFilter::default()];
    for actor in [None, Some("bob"), Some("alice"), Some("nobody")] {
        for id in ids.iter().map(|x| Some(x.to_string())).chain([None]) {
            for (from, to) in [(None, None), (times[2], times[3]), (times[3], None)] {
                filters.push(AuditFilter {
                    entity_id: id.clone(),
                    actor: actor.map(Into::into),
                    from,
                    to,
                });
            }
        }
    }
    for f in &filters {
        let all: Vec<u64> = l
            .log
            .iter()
            .filter(|(e, _)| f.actor.as_ref().is_none_or(|a| &e.actor == a))
            .filter(|(e, _)| {
                f.entity_id
                    .as_ref()
                    .is_none_or(|id| entity_of_stream(&e.stream_id).is_some_and(|(_, x)| x == id))
            })
            .filter(|(e, _)| f.from.is_none_or(|t| e.recorded_at >= t))
            .filter(|(e, _)| f.to.is_none_or(|t| e.recorded_at <= t))
            .map(|(e, _)| e.position)
            .collect();
        for after in [
            None,
            Some(0),
            Some(5),
            Some(all.get(3).copied().unwrap_or(9)),
        ] {
            for first in [1, 10, 10_000] {
                let rest: Vec<u64> = all
                    .iter()
                    .copied()
                    .filter(|p| after.is_none_or(|a| *p > a))
                    .collect();
                let expected = AuditPage {
                    positions: rest.iter().copied().take(first).collect(),
                    total_count: all.len(),
                    has_next_page: rest.len() > first,
                };
                assert_eq!(
                    m.audit_positions(f, after, first),
                    expected,
                    "{f:?} {after:?} {first}"
                );
            }
        }
    }
    for (env, _) in &l.log {
        let (kind, id) = entity_of_stream(&env.stream_id).unwrap();
        let expected: Vec<u64> = l
            .log
            .iter()
            .filter(|(e, _)| e.stream_id == env.stream_id)
            .map(|(e, _)| e.position)
            .collect();
        assert_eq!(m.history_positions(kind, id), expected);
    }
}
