//! Disbursement schedules over GraphQL (issue #14): `setTranches`,
//! `Pledge.tranches` and `Pledge.overdue`, and a tranche that becomes
//! overdue when the server's clock passes its due date.

use chrono::TimeDelta;
use fundtrail_e2e::TestServer;
use fundtrail_e2e::client::same_decimal;
use fundtrail_e2e::seed::{self, cash_pledge};
use serde_json::json;

const SCHEDULE: &str = "version tranches { dueOn amount { amount currency } covered { amount } \
     outstanding { amount } overdue } overdue { amount currency }";

pub async fn a_tranche_becomes_overdue_when_the_clock_passes_its_date(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    let today = server.clock().today();
    let in_10_days = (today + TimeDelta::days(10)).to_string();
    let in_40_days = (today + TimeDelta::days(40)).to_string();
    seed::pledge(
        c,
        cash_pledge(
            "giz-1",
            "giz",
            "100000",
            "EUR",
            &[("civ-p1", "100000")],
            "2024-01-10",
        ),
    )
    .await;
    // An announcement has no schedule yet.
    let refused = c
        .mutate_refused(
            "setTranches",
            json!({"pledgeId": "giz-1", "tranches": [{"dueOn": in_10_days, "amount": "40000"}]}),
            "INVALID_STATE",
        )
        .await;
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("commit it first"),
        "{refused}"
    );
    seed::commit(c, "giz-1", "2024-02-01").await;
    // More than the commitment: refused, nothing appended.
    let before = c.event_count().await;
    c.mutate_refused(
        "setTranches",
        json!({"pledgeId": "giz-1", "tranches": [
            {"dueOn": in_10_days, "amount": "40000"}, {"dueOn": in_40_days, "amount": "60000.01"}]}),
        "BAD_USER_INPUT",
    )
    .await;
    assert_eq!(c.event_count().await, before, "a refusal appends nothing");

    let set = c
        .mutate_ok(
            "setTranches",
            json!({"pledgeId": "giz-1", "expectedVersion": 2, "tranches": [
                {"dueOn": in_40_days, "amount": "60000"}, {"dueOn": in_10_days, "amount": "40000"}]}),
            SCHEDULE,
        )
        .await;
    assert_eq!(set["version"], 3);
    let tranches = set["tranches"].as_array().unwrap();
    assert_eq!(tranches[0]["dueOn"], in_10_days, "in order of due date");
    assert!(
        same_decimal(&set["overdue"]["amount"], "0.00"),
        "{}",
        set["overdue"]
    );
    assert!(tranches.iter().all(|t| t["overdue"] == false));

    seed::disburse(c, "giz-1", "25000", &today.to_string()).await;
    // Eleven days on, the first tranche is due and covered for 25,000 of 40,000.
    server.clock().advance(TimeDelta::days(11));
    let read = || async {
        c.data(
            &format!("{{ pledge(id: \"giz-1\") {{ {SCHEDULE} }} }}"),
            json!({}),
        )
        .await["pledge"]
            .clone()
    };
    let p = read().await;
    assert!(
        same_decimal(&p["overdue"]["amount"], "15000.00"),
        "{}",
        p["overdue"]
    );
    assert_eq!(p["overdue"]["currency"], "EUR");
    assert_eq!(p["tranches"][0]["overdue"], true);
    assert!(
        same_decimal(&p["tranches"][0]["covered"]["amount"], "25000.00"),
        "{}",
        p["tranches"][0]["covered"]
    );
    assert_eq!(p["tranches"][1]["overdue"], false);
    // The worklist lists it, with where to act.
    let work = c
        .data(
            "{ worklist(roadmapId: \"civ\") { __typename kind recordId title link form \
               ... on OverdueTranche { dueOn outstanding { amount currency } daysLate } } }",
            json!({}),
        )
        .await;
    let lines = work["worklist"].as_array().unwrap();
    let overdue = &lines[0];
    assert_eq!(overdue["__typename"], "OverdueTranche", "{work}");
    assert_eq!(overdue["kind"], "OVERDUE_TRANCHE");
    assert_eq!(overdue["recordId"], "giz-1");
    assert_eq!(overdue["dueOn"], in_10_days);
    assert_eq!(overdue["daysLate"], 1);
    assert!(
        same_decimal(&overdue["outstanding"]["amount"], "15000"),
        "{overdue}"
    );
    assert_eq!(overdue["link"], "/pledges/giz-1");
    assert_eq!(overdue["form"], "/pledges/giz-1/disburse");
    assert_eq!(
        lines.len(),
        1,
        "the seed's records lack nothing else: {work}"
    );

    // Moving the schedule needs a reason; with one, nothing is overdue again.
    c.mutate_refused(
        "setTranches",
        json!({"pledgeId": "giz-1", "tranches": [{"dueOn": in_40_days, "amount": "100000"}]}),
        "BAD_USER_INPUT",
    )
    .await;
    let moved = c
        .mutate_ok(
            "setTranches",
            json!({"pledgeId": "giz-1", "reason": "the donor's board met late",
                   "tranches": [{"dueOn": in_40_days, "amount": "100000"}]}),
            SCHEDULE,
        )
        .await;
    assert!(
        same_decimal(&moved["overdue"]["amount"], "0.00"),
        "{}",
        moved["overdue"]
    );
    // Thirty more days: all of it is due, 75,000 uncovered.
    server.clock().advance(TimeDelta::days(30));
    let p = read().await;
    assert!(same_decimal(&p["overdue"]["amount"], "75000"), "{p}");

    // The forecast in euros: the one tranche, in its quarter, beside the
    // 25,000 disbursed; its disbursed figure is the funding's.
    let f = c
        .data(
            "{ forecast(roadmapId: \"civ\", currency: \"EUR\") { currency priorities { priority { id } \
               expected { amount } disbursed { amount } quarters { quarter expected { amount } disbursed { amount } } } \
               total { disbursed { amount } } } \
               fundingByPriority(roadmapId: \"civ\", currency: \"EUR\") { total { disbursed { amount } } } }",
            json!({}),
        )
        .await;
    let p1 = &f["forecast"]["priorities"][0];
    assert_eq!(p1["priority"]["id"], "civ-p1", "{f}");
    assert!(same_decimal(&p1["expected"]["amount"], "100000"), "{p1}");
    assert!(same_decimal(&p1["disbursed"]["amount"], "25000"), "{p1}");
    let quarters = p1["quarters"].as_array().unwrap();
    let due = chrono::NaiveDate::parse_from_str(&in_40_days, "%Y-%m-%d").unwrap();
    let label = format!(
        "{}-Q{}",
        chrono::Datelike::year(&due),
        chrono::Datelike::month0(&due) / 3 + 1
    );
    assert!(
        quarters
            .iter()
            .any(|q| q["quarter"] == label.as_str()
                && same_decimal(&q["expected"]["amount"], "100000")),
        "{quarters:?}"
    );
    assert_eq!(
        f["forecast"]["total"]["disbursed"], f["fundingByPriority"]["total"]["disbursed"],
        "{f}"
    );
    let body = c
        .gql(
            "{ forecast(roadmapId: \"nowhere\") { currency } }",
            json!({}),
        )
        .await;
    fundtrail_e2e::client::expect_code(&body, "NOT_FOUND");
    // A revision below the schedule is refused.
    c.mutate_refused(
        "revisePledge",
        json!({"pledgeId": "giz-1", "amount": {"amount": "90000", "currency": "EUR"},
               "allocations": [{"priorityId": "civ-p1", "amount": "90000"}],
               "revisedOn": "2024-03-01", "reason": "cut"}),
        "INVALID_STATE",
    )
    .await;
}
