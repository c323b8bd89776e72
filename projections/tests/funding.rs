mod common;

use common::*;
use fundtrail_domain::enums::{OrganisationKind, PledgeStatus};
use fundtrail_domain::money::Currency;
use fundtrail_projections::{FundingError, FundingLine, ReadModel, RoadmapFunding};

const TODAY: &str = "2024-06-01";

fn plain(m: &ReadModel, roadmap: &str) -> RoadmapFunding {
    m.funding(roadmap, None, None, None, date(TODAY)).unwrap()
}

fn amounts(l: &FundingLine) -> (String, String, String) {
    (
        l.pledged.amount.to_string(),
        l.committed.amount.to_string(),
        l.disbursed.amount.to_string(),
    )
}

fn s(x: &str) -> String {
    x.to_owned()
}

/// XOF roadmap, p1 and p2; see the comments for the hand computation.
fn hand_ledger() -> Ledger {
    let mut l = Ledger::new();
    for (id, kind) in [
        ("eu", OrganisationKind::Intergovernmental),
        ("usaid", OrganisationKind::BilateralAgency),
        ("giz", OrganisationKind::BilateralAgency),
        ("unicef", OrganisationKind::UnAgency),
        ("ilo", OrganisationKind::UnAgency),
        ("gov", OrganisationKind::Government),
    ] {
        l.org(id, &id.to_uppercase(), None, kind);
    }
    l.roadmap("rm", Currency::XOF);
    l.priority("p2", "rm", 2);
    l.priority("p1", "rm", 1);
    l.requirement("p1", xof("5000000"));
    l.requirement("p1", xof("10000000")); // the latest is in force
    l.requirement("p2", money("1000", Currency::EUR)); // 1000 x 655.957 = 655957 XOF
    l.rate(Currency::EUR, Currency::USD, "1.1", "2023-01-01");
    // A: 1000 EUR, p1 600 (393574.2 -> 393574), p2 400 (262382.8 -> 262383)
    l.pledge(
        "a",
        "eu",
        "rm",
        Some(money("1000.00", Currency::EUR)),
        &[("p1", "600.00"), ("p2", "400.00")],
        &[],
        Some("2023-06-01"),
        &[],
    );
    l.commit("a", Some("2023-07-01"));
    // disbursed 150 EUR: p1 90 (59036.13 -> 59036), p2 60 (39357.42 -> 39357)
    l.disburse(
        "a",
        money("150.00", Currency::EUR),
        Some("2023-08-01"),
        &[(Some("p1"), "90.00"), (Some("p2"), "60.00")],
        PledgeStatus::PartlyDisbursed,
    );
    // B: 1100 USD unallocated = 1000 EUR = 655957 XOF (through EUR)
    l.pledge(
        "b",
        "usaid",
        "rm",
        Some(money("1100.00", Currency::USD)),
        &[],
        &[],
        Some("2023-06-15"),
        &[],
    );
    l.commit("b", Some("2023-06-20"));
    // C: 5,000,000 XOF on p1, revised to 8,000,000
    l.pledge(
        "c",
        "giz",
        "rm",
        Some(xof("5000000")),
        &[("p1", "5000000")],
        &[],
        Some("2023-05-10"),
        &[],
    );
    l.commit("c", Some("2023-05-20"));
    l.revise(
        "c",
        xof("8000000"),
        &[("p1", "8000000")],
        "2023-09-01",
        PledgeStatus::Committed,
    );
    // D: unvalued, meant for p2; F: unvalued, unallocated
    l.pledge(
        "d",
        "unicef",
        "rm",
        None,
        &[],
        &["p2"],
        Some("2023-06-01"),
        &[],
    );
    l.pledge("f", "giz", "rm", None, &[], &[], Some("2023-06-01"), &[]);
    // E: cancelled
    l.pledge(
        "e",
        "ilo",
        "rm",
        Some(xof("2000000")),
        &[("p2", "2000000")],
        &[],
        Some("2023-06-01"),
        &[],
    );
    l.cancel("e", "2023-07-01");
    l
}

#[test]
fn figures_by_priority_computed_by_hand() {
    let l = hand_ledger();
    let f = plain(&l.model, "rm");
    assert_eq!(f.currency, Currency::XOF);
    let ids: Vec<&str> = f
        .priorities
        .iter()
        .map(|p| p.priority_id.as_str())
        .collect();
    assert_eq!(ids, ["p1", "p2"], "rank order");

    let p1 = &f.priorities[0].line;
    assert_eq!(p1.required, Some(xof("10000000")));
    assert_eq!(amounts(p1), (s("8393574"), s("8393574"), s("59036")));
    assert_eq!(p1.gap, Some(xof("1606426")));
    assert_eq!(p1.coverage, Some(dec("0.8394")));
    assert_eq!(p1.unvalued_count, 0);
    let donors: Vec<&str> = p1
        .donors
        .iter()
        .map(|d| d.organisation_id.as_str())
        .collect();
    assert_eq!(donors, ["giz", "eu"]);
    assert_eq!(p1.donors[1].committed, xof("393574"));

    let p2 = &f.priorities[1].line;
    assert_eq!(p2.required, Some(xof("655957")));
    assert_eq!(amounts(p2), (s("262383"), s("262383"), s("39357")));
    assert_eq!(p2.gap, Some(xof("393574")));
    assert_eq!(p2.coverage, Some(dec("0.4000")));
    assert_eq!(p2.unvalued_count, 1, "unicef's unvalued pledge, not summed");
    assert!(
        p2.donors.iter().all(|d| d.organisation_id != "ilo"),
        "cancelled"
    );
    let unicef = p2
        .donors
        .iter()
        .find(|d| d.organisation_id == "unicef")
        .unwrap();
    assert_eq!((unicef.pledged, unicef.unvalued_count), (xof("0"), 1));

    let u = &f.unallocated;
    assert_eq!(u.required, None);
    assert_eq!((u.gap, u.coverage), (None, None));
    assert_eq!(amounts(u), (s("655957"), s("655957"), s("0")));
    assert_eq!(u.unvalued_count, 1);

    let t = &f.total;
    assert_eq!(t.required, Some(xof("10655957")));
    assert_eq!(amounts(t), (s("9311914"), s("9311914"), s("98393")));
    assert_eq!(t.gap, Some(xof("1344043")));
    assert_eq!(t.coverage, Some(dec("0.8739")));
    assert_eq!(t.unvalued_count, 2);
    assert_eq!(t.donors[0].organisation_id, "giz");
    assert_eq!(t.donors[0].unvalued_count, 1);
}

#[test]
fn figures_in_another_currency_are_converted_line_by_line() {
    let l = hand_ledger();
    let f = l
        .model
        .funding("rm", Some(Currency::EUR), None, None, date(TODAY))
        .unwrap();
    assert_eq!(f.currency, Currency::EUR);
    let p1 = &f.priorities[0].line;
    // 600 EUR + 8,000,000 / 655.957 (12195.9213... -> 12195.92)
    assert_eq!(p1.pledged, money("12795.92", Currency::EUR));
    assert_eq!(p1.required, Some(money("15244.90", Currency::EUR)));
    assert_eq!(f.unallocated.pledged, money("1000.00", Currency::EUR));
}

#[test]
fn gap_is_never_negative_and_coverage_rounds_half_to_even() {
    let mut l = Ledger::new();
    l.roadmap("rm", Currency::XOF);
    l.priority("p1", "rm", 1);
    l.priority("p2", "rm", 2);
    l.priority("p3", "rm", 3);
    l.requirement("p1", xof("100"));
    l.requirement("p2", xof("100000"));
    l.requirement("p3", xof("0"));
    l.pledge(
        "a",
        "x",
        "rm",
        Some(xof("500")),
        &[("p1", "500")],
        &[],
        Some("2023-06-01"),
        &[],
    );
    l.commit("a", Some("2023-06-02"));
    // 12345 / 100000 = 0.12345 -> 0.1234 (half to even), not 0.1235
    l.pledge(
        "b",
        "x",
        "rm",
        Some(xof("12345")),
        &[("p2", "12345")],
        &[],
        Some("2023-06-01"),
        &[],
    );
    l.commit("b", Some("2023-06-02"));
    let f = plain(&l.model, "rm");
    assert_eq!(f.priorities[0].line.gap, Some(xof("0")));
    assert_eq!(f.priorities[0].line.coverage, Some(dec("5.0000")));
    assert_eq!(f.priorities[1].line.coverage, Some(dec("0.1234")));
    assert_eq!(f.priorities[2].line.coverage, None, "required zero");
    assert_eq!(f.priorities[2].line.gap, Some(xof("0")));
}

#[test]
fn a_missing_rate_is_an_error_naming_the_pair_and_the_date() {
    let mut l = Ledger::new();
    l.roadmap("rm", Currency::XOF);
    l.pledge(
        "b",
        "usaid",
        "rm",
        Some(money("1100.00", Currency::USD)),
        &[],
        &[],
        Some("2023-06-15"),
        &[],
    );
    let e = l
        .model
        .funding("rm", None, None, None, date(TODAY))
        .unwrap_err();
    assert_eq!(
        e,
        FundingError::Conversion(fundtrail_domain::ConversionError::MissingRate {
            base: Currency::USD,
            quote: Currency::XOF,
            on: date("2023-06-15")
        })
    );
    let msg = e.to_string();
    assert!(
        msg.contains("USD/XOF") && msg.contains("2023-06-15"),
        "{msg}"
    );
    // a rate valid only from later does not help the earlier value date
    l.rate(Currency::EUR, Currency::USD, "1.1", "2023-07-01");
    assert!(
        l.model
            .funding("rm", None, None, None, date(TODAY))
            .is_err()
    );
    l.rate(Currency::EUR, Currency::USD, "1.1", "2023-01-01");
    assert_eq!(plain(&l.model, "rm").total.pledged, xof("655957"));
    assert_eq!(
        l.model
            .funding("nope", None, None, None, date(TODAY))
            .unwrap_err(),
        FundingError::RoadmapNotFound("nope".into())
    );
}

fn committed(m: &ReadModel, as_of: Option<&str>, on: Option<&str>) -> String {
    m.funding("rm", None, as_of.map(time), on.map(date), date(TODAY))
        .unwrap()
        .total
        .committed
        .amount
        .to_string()
}

#[test]
fn two_clocks_late_entries_revisions_and_cancellations() {
    let mut l = Ledger::new();
    l.at("2024-01-10T09:00:00Z");
    l.roadmap("rm", Currency::XOF);
    l.priority("p1", "rm", 1);
    l.requirement("p1", xof("4000000"));
    // X: made 2023-03-01, committed 2023-03-15, recorded in January 2024
    l.pledge(
        "x",
        "giz",
        "rm",
        Some(xof("1000000")),
        &[("p1", "1000000")],
        &[],
        Some("2023-03-01"),
        &[],
    );
    l.commit("x", Some("2023-03-15"));
    // T = 2024-01-31: the report of 31 January
    // Y: a late entry, recorded in February with value dates in February 2023
    l.at("2024-02-10T09:00:00Z");
    l.pledge(
        "y",
        "eu",
        "rm",
        Some(xof("500000")),
        &[("p1", "500000")],
        &[],
        Some("2023-02-01"),
        &[],
    );
    l.commit("y", Some("2023-02-10"));
    let m = &l.model;
    let t = Some("2024-01-31T00:00:00Z");
    assert_eq!(
        committed(m, t, None),
        "1000000",
        "asOf T does not see the late entry"
    );
    assert_eq!(
        committed(m, None, Some("2023-03-31")),
        "1500000",
        "on D does"
    );
    assert_eq!(
        committed(m, None, Some("2023-02-28")),
        "500000",
        "X was made after D"
    );
    assert_eq!(
        committed(m, t, Some("2023-02-28")),
        "0",
        "both clocks together"
    );
    assert_eq!(committed(m, t, Some("2023-03-31")), "1000000");
    assert_eq!(
        committed(m, None, Some("2023-02-05")),
        "0",
        "Y pledged, not yet committed"
    );
    let f = m
        .funding("rm", None, None, Some(date("2023-02-05")), date(TODAY))
        .unwrap();
    assert_eq!(f.total.pledged, xof("500000"));

    // a revision recorded later with a later revisedOn
    l.at("2024-03-10T09:00:00Z");
    l.revise(
        "x",
        xof("2000000"),
        &[("p1", "2000000")],
        "2023-06-01",
        PledgeStatus::Committed,
    );
    let m = &l.model;
    assert_eq!(committed(m, None, None), "2500000");
    assert_eq!(
        committed(m, None, Some("2023-03-31")),
        "1500000",
        "the amount in force on D"
    );
    assert_eq!(committed(m, None, Some("2023-06-01")), "2500000");
    assert_eq!(committed(m, Some("2024-02-28T00:00:00Z"), None), "1500000");

    // a cancellation counts from its value date
    l.at("2024-04-10T09:00:00Z");
    l.cancel("y", "2023-05-01");
    let m = &l.model;
    assert_eq!(committed(m, None, None), "2000000");
    assert_eq!(committed(m, None, Some("2023-04-30")), "1500000");
    assert_eq!(committed(m, Some("2024-03-31T00:00:00Z"), None), "2500000");

    // requirements keep their history
    l.at("2024-05-10T09:00:00Z");
    l.requirement("p1", xof("6000000"));
    let m = &l.model;
    let req = |as_of: Option<&str>| {
        m.funding("rm", None, as_of.map(time), None, date(TODAY))
            .unwrap()
            .priorities[0]
            .line
            .required
    };
    assert_eq!(req(None), Some(xof("6000000")));
    assert_eq!(req(Some("2024-05-01T00:00:00Z")), Some(xof("4000000")));

    // asOf before anything: zeros, no priority yet
    let f = m
        .funding(
            "rm",
            None,
            Some(time("2020-01-01T00:00:00Z")),
            None,
            date(TODAY),
        )
        .unwrap();
    assert_eq!(f.position, 0);
    assert!(f.priorities.is_empty());
    assert_eq!(amounts(&f.total), (s("0"), s("0"), s("0")));
    assert_eq!(f.total.required, None);
}

#[test]
fn unknown_value_dates_count_without_on_and_are_reported_with_it() {
    let mut l = Ledger::new();
    l.roadmap("rm", Currency::XOF);
    l.priority("p1", "rm", 1);
    l.pledge(
        "z",
        "giz",
        "rm",
        Some(xof("300000")),
        &[("p1", "300000")],
        &[],
        None,
        &[],
    );
    l.commit("z", None);
    l.pledge(
        "w",
        "eu",
        "rm",
        Some(xof("100000")),
        &[("p1", "100000")],
        &[],
        Some("2023-01-01"),
        &[],
    );
    l.commit("w", None);
    l.disburse(
        "w",
        xof("40000"),
        None,
        &[(Some("p1"), "40000")],
        PledgeStatus::PartlyDisbursed,
    );
    let f = plain(&l.model, "rm");
    assert_eq!(amounts(&f.total), (s("400000"), s("400000"), s("40000")));
    assert_eq!(f.total.undated_count, 0);
    let f = l
        .model
        .funding("rm", None, None, Some(date("2023-12-31")), date(TODAY))
        .unwrap();
    // z excluded entirely; w pledged but its undated commitment and disbursement left out
    assert_eq!(amounts(&f.total), (s("100000"), s("0"), s("0")));
    assert_eq!(f.total.undated_count, 2);
    assert_eq!(f.priorities[0].line.undated_count, 2);
}

#[test]
fn applying_twice_or_replaying_from_a_checkpoint_changes_nothing() {
    let l = hand_ledger();
    let before = plain(&l.model, "rm");
    let position = l.model.position();
    assert_eq!(position, l.log.len() as u64);

    let mut m = ReadModel::new();
    let k = 20;
    for (env, e) in &l.log[..k] {
        assert!(m.apply(env, e).new);
    }
    assert_eq!(m.position(), k as u64);
    // "restart": the driver resubscribes a little before the checkpoint
    for (env, e) in &l.log[k - 5..] {
        let applied = m.apply(env, e);
        assert_eq!(applied.new, env.position > k as u64, "{}", env.position);
    }
    assert_eq!(plain(&m, "rm"), before);
    assert_eq!(m.pledge("c").unwrap().version, 3);
    assert_eq!(m.position(), position);
    // everything again: nothing changes
    for (env, e) in &l.log {
        let a = m.apply(env, e);
        assert!(!a.new && a.funding_changed.is_empty());
    }
    assert_eq!(plain(&m, "rm"), before);
    assert_eq!(m.pledge("c").unwrap().version, 3);
    assert_eq!(m.pledge("c").unwrap().amount, Some(xof("8000000")));
}

#[test]
fn applied_names_the_roadmaps_whose_funding_changed_and_the_cache_follows() {
    let mut l = hand_ledger();
    let before = plain(&l.model, "rm");
    l.roadmap("other", Currency::EUR);
    let a = l.push(
        "pledge-d",
        fundtrail_domain::pledge::PledgeEvent::from(fundtrail_domain::pledge::PledgeCommitted {
            pledge_id: fundtrail_domain::ids::PledgeId::new_unchecked("d"),
            committed_on: Some(date("2023-06-02")),
        }),
    );
    assert!(a.new);
    assert_eq!(a.funding_changed, ["rm"]);
    l.org("newcomer", "New", None, OrganisationKind::Other);
    let a = l.push(
        "organisation-x",
        fundtrail_domain::organisation::OrganisationEvent::from(
            fundtrail_domain::organisation::OrganisationRegistered {
                organisation_id: fundtrail_domain::ids::OrganisationId::new_unchecked("x"),
                name: "X".into(),
                acronym: None,
                kind: OrganisationKind::Other,
                country: "CIV".into(),
                source: None,
            },
        ),
    );
    assert!(a.funding_changed.is_empty());
    // the cached plain figures were dropped: the new commitment shows
    l.pledge(
        "g",
        "giz",
        "rm",
        Some(xof("1000")),
        &[],
        &[],
        Some("2023-06-01"),
        &[],
    );
    let after = plain(&l.model, "rm");
    assert_ne!(after, before);
    assert_eq!(after.unallocated.pledged, xof("656957"));
    let mut rates = l.model.exchange_rates();
    assert_eq!(rates.len(), 1);
    l.rate(Currency::EUR, Currency::USD, "1.2", "2024-01-01");
    rates = l.model.exchange_rates();
    assert_eq!(rates.len(), 2);
    assert_eq!(rates[1].version, 2);
}

/// A gift delivered before anyone knew its value, valued later: from the
/// value date of the valuation on it counts as disbursed for the whole value
/// (DISBURSED means delivered whole); before, it is counted unvalued, never
/// "disbursed: 0". The pledge's own state says the same.
#[test]
fn a_delivery_valued_later_is_disbursed_in_full_from_its_valuation() {
    let mut l = Ledger::new();
    l.org(
        "stc",
        "Save the Children",
        None,
        OrganisationKind::InternationalNgo,
    );
    l.org("gov", "Gouvernement", None, OrganisationKind::Government);
    l.roadmap("rm", Currency::XOF);
    l.priority("p1", "rm", 1);
    l.pledge(
        "kits",
        "stc",
        "rm",
        None,
        &[],
        &["p1"],
        Some("2023-06-01"),
        &[],
    );
    l.commit("kits", Some("2023-06-01"));
    l.push(
        "pledge-kits",
        fundtrail_domain::pledge::PledgeEvent::from(
            fundtrail_domain::pledge::DisbursementRecorded {
                pledge_id: fundtrail_domain::ids::PledgeId::new_unchecked("kits"),
                amount: None,
                disbursed_on: Some(date("2023-06-10")),
                shares: vec![],
                disbursed_total: None,
                status: PledgeStatus::Disbursed,
            },
        ),
    );
    l.revise(
        "kits",
        xof("10000000"),
        &[("p1", "10000000")],
        "2023-09-01",
        PledgeStatus::Disbursed,
    );

    let now = plain(&l.model, "rm");
    assert_eq!(
        amounts(&now.priorities[0].line),
        (s("10000000"), s("10000000"), s("10000000"))
    );
    assert_eq!(now.total.unvalued_count, 0);
    let p = l.model.pledge("kits").unwrap();
    assert_eq!(
        (p.status, p.disbursed),
        (PledgeStatus::Disbursed, dec("10000000"))
    );

    // On a date after the delivery but before the valuation: unvalued, not zero.
    let before = l
        .model
        .funding("rm", None, None, Some(date("2023-07-01")), date(TODAY))
        .unwrap();
    assert_eq!(before.priorities[0].line.unvalued_count, 1);
    assert!(before.priorities[0].line.is_lower_bound());
    assert_eq!(before.priorities[0].line.disbursed.amount, dec("0"));

    // A later revision changes what is pledged, not what was handed over.
    l.revise(
        "kits",
        xof("12000000"),
        &[("p1", "12000000")],
        "2023-10-01",
        PledgeStatus::PartlyDisbursed,
    );
    let after = plain(&l.model, "rm");
    assert_eq!(
        amounts(&after.priorities[0].line),
        (s("12000000"), s("12000000"), s("10000000"))
    );
    assert_eq!(l.model.pledge("kits").unwrap().disbursed, dec("10000000"));
}
