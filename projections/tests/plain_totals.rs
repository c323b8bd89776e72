//! The plain funding query reads running totals; folding every pledge (the
//! way `asOf`/`on` queries do) must give exactly the same figures, at every
//! point of random ledgers, in every reporting currency, and after a restore.
mod common;

use common::date;
use common::random::{ROADMAPS, probe_dates, random_ledger};
use fundtrail_domain::money::Currency;
use fundtrail_projections::ReadModel;

fn assert_fast_equals_folded(m: &ReadModel, at: &str) {
    for today in [date("2024-06-01"), date("2022-01-15")] {
        for (r, _) in ROADMAPS {
            for c in [
                None,
                Some(Currency::EUR),
                Some(Currency::USD),
                Some(Currency::XOF),
            ] {
                let fast = m.funding(r, c, None, None, today);
                let folded = m.funding_folded(r, c, None, None, today);
                assert_eq!(fast, folded, "{at}: roadmap {r} in {c:?} on {today}");
                // and the cached answer is the same again
                assert_eq!(m.funding(r, c, None, None, today), folded);
            }
        }
    }
}

#[test]
fn cached_as_of_and_on_answers_stay_right_as_the_log_grows() {
    let l = random_ledger(21, 1_200);
    let (ons, as_ofs) = probe_dates(&l);
    let today = date("2024-06-01");
    let mut m = ReadModel::new();
    for (k, (env, e)) in l.log.iter().enumerate() {
        m.apply(env, e);
        if k % 113 != 0 && k + 1 != l.log.len() {
            continue;
        }
        for (r, _) in ROADMAPS {
            for c in [None, Some(Currency::USD)] {
                for on in &ons {
                    for as_of in &as_ofs {
                        assert_eq!(
                            m.funding(r, c, *as_of, *on, today),
                            m.funding_folded(r, c, *as_of, *on, today),
                            "event {k}: {r} {c:?} asOf {as_of:?} on {on:?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn running_totals_match_the_fold_along_random_ledgers() {
    for seed in 1..=5u64 {
        let l = random_ledger(seed, 1_500);
        let mut m = ReadModel::new();
        for (k, (env, e)) in l.log.iter().enumerate() {
            m.apply(env, e);
            if k % 61 == 0 {
                assert_fast_equals_folded(&m, &format!("seed {seed}, event {k}"));
            }
        }
        assert_fast_equals_folded(&m, &format!("seed {seed}, end"));
        let restored = ReadModel::restore(&m.snapshot()).unwrap();
        assert_fast_equals_folded(&restored, &format!("seed {seed}, restored"));
    }
}
