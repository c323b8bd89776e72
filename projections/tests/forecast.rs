//! `forecast` (issue #14): what the committed tranches bring per priority
//! and quarter, beside what was disbursed. Computed by hand on a small
//! ledger; along random ledgers, its disbursed line is exactly the funding's
//! disbursed figure, line by line, in every currency, and its lines add up.
mod common;

use common::random::{ROADMAPS, random_ledger};
use common::{Ledger, date, dec, xof};
use fundtrail_domain::enums::{PledgeStatus, Theme};
use fundtrail_domain::ids::PledgeId;
use fundtrail_domain::money::{Currency, Money};
use fundtrail_domain::pledge::PledgeEvent;
use fundtrail_domain::schedule::{Tranche, TranchesSet};
use fundtrail_domain::streams::{EntityKind, stream_name};
use fundtrail_projections::ReadModel;
use fundtrail_projections::forecast::ForecastLine;
use rust_decimal::Decimal;

fn tranches(l: &mut Ledger, id: &str, t: &[(&str, Decimal)]) {
    l.push(
        &stream_name(EntityKind::Pledge, id),
        PledgeEvent::from(TranchesSet {
            pledge_id: PledgeId::new_unchecked(id),
            tranches: t
                .iter()
                .map(|(d, a)| Tranche {
                    due_on: date(d),
                    amount: *a,
                })
                .collect(),
            reason: None,
        }),
    );
}

fn quarters(line: &ForecastLine) -> Vec<(String, Decimal, Decimal, Option<Decimal>)> {
    line.quarters
        .iter()
        .map(|q| {
            (
                q.quarter.to_string(),
                q.expected.amount,
                q.disbursed.amount,
                q.coverage,
            )
        })
        .collect()
}

#[test]
fn tranches_by_quarter_beside_disbursements_by_hand() {
    let mut l = Ledger::new();
    l.org(
        "giz",
        "GIZ",
        None,
        fundtrail_domain::enums::OrganisationKind::BilateralAgency,
    );
    l.roadmap("civ", Currency::XOF);
    l.priority("civ-p1", "civ", 1);
    l.priority("civ-p2", "civ", 2);
    l.requirement("civ-p1", xof("2000000"));
    // 1,000,000 F CFA committed, 60/40 over two priorities, two tranches.
    l.pledge(
        "pl",
        "giz",
        "civ",
        Some(xof("1000000")),
        &[("civ-p1", "600000"), ("civ-p2", "400000")],
        &[],
        Some("2024-01-05"),
        &[Theme::ChildLabour],
    );
    l.commit("pl", Some("2024-01-10"));
    tranches(
        &mut l,
        "pl",
        &[("2024-02-10", dec("500000")), ("2024-08-01", dec("500000"))],
    );
    l.disburse(
        "pl",
        xof("300000"),
        Some("2024-03-01"),
        &[(Some("civ-p1"), "300000")],
        PledgeStatus::PartlyDisbursed,
    );
    // Another, disbursed on a day nobody stated; and one with no value.
    l.pledge(
        "pl2",
        "giz",
        "civ",
        Some(xof("50000")),
        &[],
        &[],
        Some("2024-01-05"),
        &[Theme::ChildLabour],
    );
    l.commit("pl2", None);
    l.disburse(
        "pl2",
        xof("50000"),
        None,
        &[(None, "50000")],
        PledgeStatus::Disbursed,
    );
    l.pledge(
        "pl3",
        "giz",
        "civ",
        None,
        &[],
        &["civ-p2"],
        None,
        &[Theme::ChildLabour],
    );

    let today = date("2024-06-01");
    let f = l.model.forecast("civ", None, today).unwrap();
    let p1 = &f.priorities[0];
    assert_eq!(p1.priority_id.as_deref(), Some("civ-p1"));
    assert_eq!(
        quarters(p1),
        [
            (
                "2024-Q1".into(),
                dec("300000"),
                dec("300000"),
                Some(dec("0.1500"))
            ),
            ("2024-Q2".into(), dec("0"), dec("0"), Some(dec("0.1500"))),
            (
                "2024-Q3".into(),
                dec("300000"),
                dec("0"),
                Some(dec("0.3000"))
            ),
        ],
        "the quarter between is there, with nothing in it"
    );
    let p2 = &f.priorities[1];
    assert_eq!(p2.expected.amount, dec("400000"));
    assert_eq!(p2.quarters[0].coverage, None, "no requirement");
    assert_eq!(p2.unvalued_count, 1, "counted, never summed");
    assert!(f.unallocated.quarters.is_empty());
    assert_eq!(f.unallocated.disbursed_undated.amount, dec("50000"));
    assert_eq!(f.unallocated.disbursed.amount, dec("50000"));
    assert_eq!(f.total.expected.amount, dec("1000000"));
    assert_eq!(f.total.disbursed.amount, dec("350000"));
    assert_eq!(f.total.quarters[2].expected_to_date.amount, dec("1000000"));

    // In euros: every amount at the peg (655.957), rounded once per share.
    let eur = l.model.forecast("civ", Some(Currency::EUR), today).unwrap();
    assert_eq!(eur.priorities[0].quarters[0].expected.amount, dec("457.35"));
    assert!(matches!(
        l.model.forecast("nowhere", None, today),
        Err(fundtrail_projections::FundingError::RoadmapNotFound(_))
    ));
}

fn assert_agrees_with_funding(m: &ReadModel, at: &str) {
    let today = date("2024-06-01");
    for (r, _) in ROADMAPS {
        for c in [
            None,
            Some(Currency::EUR),
            Some(Currency::USD),
            Some(Currency::XOF),
        ] {
            let f = m.forecast(r, c, today).unwrap();
            let g = m.funding(r, c, None, None, today).unwrap();
            let pairs = f
                .priorities
                .iter()
                .zip(g.priorities.iter().map(|p| &p.line))
                .chain([(&f.unallocated, &g.unallocated), (&f.total, &g.total)]);
            for (fl, gl) in pairs {
                assert_eq!(
                    fl.disbursed, gl.disbursed,
                    "{at}: {r} {c:?} {:?}",
                    fl.priority_id
                );
                assert_eq!(fl.unvalued_count, gl.unvalued_count, "{at}: {r} {c:?}");
                assert_eq!(fl.required, gl.required, "{at}: {r} {c:?}");
                let by_quarter: Decimal = fl.quarters.iter().map(|q| q.disbursed.amount).sum();
                assert_eq!(
                    by_quarter + fl.disbursed_undated.amount,
                    fl.disbursed.amount
                );
            }
            // the lines add up to the total
            let lines = f.priorities.iter().chain([&f.unallocated]);
            let (e, d): (Decimal, Decimal) = lines
                .fold((Decimal::ZERO, Decimal::ZERO), |(e, d), l| {
                    (e + l.expected.amount, d + l.disbursed.amount)
                });
            assert_eq!(e, f.total.expected.amount, "{at}: {r} {c:?}");
            assert_eq!(d, f.total.disbursed.amount, "{at}: {r} {c:?}");
            assert_eq!(f.priorities.len(), g.priorities.len());
        }
    }
}

#[test]
fn the_disbursed_line_is_the_ledgers_disbursements_along_random_ledgers() {
    for seed in 1..=4u64 {
        let mut l = random_ledger(seed, 1_200);
        // Schedules for every other commitment with a value: two tranches
        // that add up to at most the commitment.
        let committed: Vec<(String, Money, chrono::NaiveDate)> = l
            .model
            .pledges(None, None, None)
            .iter()
            .filter(|p| {
                matches!(
                    p.status,
                    PledgeStatus::Committed | PledgeStatus::PartlyDisbursed
                )
            })
            .filter_map(|p| {
                Some((
                    p.id.to_string(),
                    p.amount?,
                    p.pledged_on.unwrap_or(date("2023-01-01")),
                ))
            })
            .collect();
        for (k, (id, amount, on)) in committed.iter().enumerate() {
            if k % 2 == 1 {
                continue;
            }
            let c = amount.currency.minor_units();
            let half = (amount.amount / Decimal::TWO).round_dp(c);
            let third = (amount.amount / Decimal::from(3)).round_dp(c);
            let first = (*on + chrono::TimeDelta::days(45)).to_string();
            let second = (*on + chrono::TimeDelta::days(200)).to_string();
            tranches(&mut l, id, &[(&first, half), (&second, third)]);
        }
        assert_agrees_with_funding(&l.model, &format!("seed {seed}"));
        let restored = ReadModel::restore(&l.model.snapshot()).unwrap();
        assert_agrees_with_funding(&restored, &format!("seed {seed}, restored"));
        let f = l.model.forecast("ra", None, date("2024-06-01")).unwrap();
        assert!(
            f.total.expected.amount > Decimal::ZERO,
            "seed {seed}: the schedules are counted"
        );
    }
}

/// The kept answers (`forecast_shared`, the worklist's per-pledge watches)
/// follow every change: a new schedule, a disbursement, a cancellation.
#[test]
fn kept_forecasts_and_worklists_follow_each_change() {
    use fundtrail_domain::worklist::WorkKind;
    use fundtrail_projections::worklist::Filter;
    let mut l = Ledger::new();
    l.org(
        "giz",
        "GIZ",
        None,
        fundtrail_domain::enums::OrganisationKind::BilateralAgency,
    );
    l.roadmap("civ", Currency::XOF);
    l.priority("civ-p1", "civ", 1);
    l.pledge(
        "pl",
        "giz",
        "civ",
        Some(xof("1000")),
        &[("civ-p1", "1000")],
        &[],
        Some("2024-01-05"),
        &[Theme::ChildLabour],
    );
    l.commit("pl", Some("2024-01-10"));
    let today = date("2024-06-01");
    let civ = Filter {
        roadmap: Some("civ"),
        owner: None,
    };
    let overdue = |m: &ReadModel| {
        m.worklist(civ, today)
            .into_iter()
            .filter(|i| i.kind == WorkKind::OverdueTranche)
            .map(|i| i.amount.map(|a| a.amount))
            .collect::<Vec<_>>()
    };
    let before = l.model.forecast_shared("civ", None, today).unwrap();
    assert_eq!(before.total.expected.amount, dec("0"));
    assert!(overdue(&l.model).is_empty());

    tranches(&mut l, "pl", &[("2024-03-01", dec("600"))]);
    let after = l.model.forecast_shared("civ", None, today).unwrap();
    assert_eq!(
        after.total.expected.amount,
        dec("600"),
        "the schedule is seen"
    );
    assert_eq!(*after, l.model.forecast("civ", None, today).unwrap());
    assert_eq!(overdue(&l.model), [Some(dec("600"))]);

    l.disburse(
        "pl",
        xof("250"),
        Some("2024-04-01"),
        &[(Some("civ-p1"), "250")],
        PledgeStatus::PartlyDisbursed,
    );
    assert_eq!(
        overdue(&l.model),
        [Some(dec("350"))],
        "the disbursement is seen"
    );
    let shared = l.model.forecast_shared("civ", None, today).unwrap();
    assert_eq!(shared.total.disbursed.amount, dec("250"));
    assert_eq!(*shared, l.model.forecast("civ", None, today).unwrap());
    assert!(
        std::sync::Arc::ptr_eq(
            &shared,
            &l.model.forecast_shared("civ", None, today).unwrap()
        ),
        "kept while nothing changes"
    );
}
