//! 100k synthetic events: the fold stays correct at size (no timing asserted;
//! `cargo run --release -p fundtrail-projections --example scale -- --events 1000000`
//! prints memory and query times).
mod common;

use chrono::NaiveDate;
use fundtrail_projections::AuditFilter;

#[test]
fn a_hundred_thousand_events_fold_to_the_expected_totals() {
    let s = common::synth::build(100_000);
    let m = &s.model;
    assert!((100_000..100_010).contains(&m.position()));
    let today = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    for (r, (pledged, committed, disbursed)) in s.expected.iter().enumerate() {
        let f = m
            .funding(&common::synth::rid(r), None, None, None, today)
            .unwrap();
        assert_eq!(f.total.pledged.amount, *pledged, "roadmap {r}");
        assert_eq!(f.total.committed.amount, *committed, "roadmap {r}");
        assert_eq!(f.total.disbursed.amount, *disbursed, "roadmap {r}");
        let lines: rust_decimal::Decimal = f
            .priorities
            .iter()
            .map(|p| p.line.pledged.amount)
            .sum::<rust_decimal::Decimal>()
            + f.unallocated.pledged.amount;
        assert_eq!(lines, *pledged);
        // half-way through history sees less, and nothing before the start
        let mid = s.start + (s.end - s.start) / 2;
        let half = m
            .funding(&common::synth::rid(r), None, Some(mid), None, today)
            .unwrap();
        assert!(half.total.pledged.amount < *pledged);
        let on = m
            .funding(
                &common::synth::rid(r),
                None,
                None,
                NaiveDate::from_ymd_opt(2023, 6, 30),
                today,
            )
            .unwrap();
        assert!(on.total.committed.amount < *committed);
    }
    let page = m.audit_positions(
        &AuditFilter {
            actor: Some("bob".into()),
            ..Default::default()
        },
        None,
        10,
    );
    assert_eq!(page.total_count as u64, m.position() / 7);
    assert_eq!(page.positions[0], 7);
}
