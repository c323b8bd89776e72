//! The two clocks (`asOf`: recorded time, `on`: value date), currencies,
//! unvalued pledges, gap and coverage.

use fundtrail_e2e::client::{amount, same_decimal};
use fundtrail_e2e::seed::{self, cash_pledge};
use fundtrail_e2e::{Client, TestServer, expect_code};
use serde_json::{Value, json};

/// `recordedAt` of the last event in the log.
async fn last_recorded_at(c: &Client) -> String {
    let count = c.event_count().await;
    let after = (count - 1).to_string();
    let trail = c
        .data(
            "query($after: String) { auditTrail(after: $after, first: 1) { edges { node { position recordedAt } } } }",
            json!({ "after": after }),
        )
        .await;
    let node = &trail["auditTrail"]["edges"][0]["node"];
    assert_eq!(
        node["position"],
        count.to_string(),
        "positions are 1, 2, ..."
    );
    node["recordedAt"].as_str().expect("recordedAt").to_owned()
}

fn committed(f: &Value) -> String {
    amount(&f["total"]["committed"]).to_owned()
}

fn pledged(f: &Value) -> String {
    amount(&f["total"]["pledged"]).to_owned()
}

pub async fn a_late_entry_changes_on_but_not_as_of(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    // 10000 EUR pledged 2024-01-10, committed 2024-02-01: 6559570 XOF.
    seed::pledge(
        c,
        cash_pledge(
            "giz-1",
            "giz",
            "10000",
            "EUR",
            &[("civ-p1", "10000")],
            "2024-01-10",
        ),
    )
    .await;
    seed::commit(c, "giz-1", "2024-02-01").await;
    // 5000 EUR pledged 2024-03-01 (3279785 XOF), not committed yet.
    seed::pledge(
        c,
        cash_pledge(
            "unicef-1",
            "unicef",
            "5000",
            "EUR",
            &[("civ-p1", "5000")],
            "2024-03-01",
        ),
    )
    .await;
    let t = last_recorded_at(c).await;
    let d = "2024-06-30";
    let before_on_d = c.funding("civ", json!({ "on": d })).await;
    let before_as_of_t = c.funding("civ", json!({ "asOf": t })).await;
    assert_eq!(committed(&before_on_d), "6559570");
    assert_eq!(committed(&before_as_of_t), "6559570");
    assert_eq!(pledged(&before_as_of_t), "9839355");

    // The late entry: UNICEF's commitment of 2024-03-15, recorded after T.
    seed::commit(c, "unicef-1", "2024-03-15").await;

    // What had happened by D changed...
    let on_d = c.funding("civ", json!({ "on": d })).await;
    assert_eq!(committed(&on_d), "9839355");
    assert_eq!(on_d["on"], d);
    // ...what the ledger said at T did not.
    let as_of_t = c.funding("civ", json!({ "asOf": t })).await;
    assert_eq!(as_of_t, before_as_of_t, "asOf T is frozen");
    // Both: what, as recorded at T, had happened by D.
    let both = c.funding("civ", json!({ "asOf": t, "on": d })).await;
    assert_eq!(committed(&both), "6559570");
    assert_eq!(pledged(&both), "9839355");
    // Value dates between the facts.
    let mid_march = c.funding("civ", json!({ "on": "2024-03-10" })).await;
    assert_eq!(committed(&mid_march), "6559570", "UNICEF commits on 03-15");
    assert_eq!(pledged(&mid_march), "9839355");
    let january = c.funding("civ", json!({ "on": "2024-01-31" })).await;
    assert_eq!(committed(&january), "0", "GIZ commits on 02-01");
    assert_eq!(pledged(&january), "6559570");
    assert_eq!(
        pledged(&c.funding("civ", json!({ "on": "2024-01-09" })).await),
        "0"
    );
    // Now, without either clock.
    let now = c.funding("civ", json!({})).await;
    assert_eq!(committed(&now), "9839355");
    assert_eq!(
        now["total"]["donors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["organisation"]["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["giz", "unicef"],
        "donors by committed, largest first"
    );

    // asOf before the first event: nothing yet.
    let dawn = c
        .funding("civ", json!({ "asOf": "2000-01-01T00:00:00Z" }))
        .await;
    assert_eq!(committed(&dawn), "0");
    assert_eq!(pledged(&dawn), "0");

    // A revision counts from its value date, and is a late entry too.
    let t2 = last_recorded_at(c).await;
    c.mutate_ok(
        "revisePledge",
        json!({ "pledgeId": "unicef-1", "amount": { "amount": "8000", "currency": "EUR" },
                "allocations": [{ "priorityId": "civ-p1", "amount": "8000" }],
                "revisedOn": "2024-05-01", "reason": "top-up" }),
        "id",
    )
    .await;
    // 10000 + 8000 EUR after 05-01, 10000 + 5000 before.
    assert_eq!(
        committed(&c.funding("civ", json!({ "on": "2024-05-01" })).await),
        "11807226"
    );
    assert_eq!(
        committed(&c.funding("civ", json!({ "on": "2024-04-30" })).await),
        "9839355"
    );
    assert_eq!(
        committed(
            &c.funding("civ", json!({ "asOf": t2, "on": "2024-05-01" }))
                .await
        ),
        "9839355"
    );
}

pub async fn currency_conversion_peg_recorded_rates_and_missing_rates(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    // EUR -> XOF at the peg: 10000 EUR = 6559570 XOF, no rate recorded.
    seed::pledge(
        c,
        cash_pledge(
            "eur",
            "giz",
            "10000",
            "EUR",
            &[("civ-p1", "10000")],
            "2024-01-10",
        ),
    )
    .await;
    let f = c.funding("civ", json!({})).await;
    assert_eq!(
        f["priorities"][0]["pledged"],
        json!({ "amount": "6559570", "currency": "XOF" })
    );

    // In EUR: the XOF requirement converts back through the peg
    // (10000000 / 655.957 = 15244.901...).
    let f = c.funding("civ", json!({ "currency": "EUR" })).await;
    assert_eq!(f["currency"], "EUR");
    assert_eq!(
        f["priorities"][0]["pledged"],
        json!({ "amount": "10000.00", "currency": "EUR" })
    );
    assert_eq!(amount(&f["priorities"][0]["required"]), "15244.90");

    // USD needs a recorded rate: before it, the figure is an error naming the
    // pair and the date, never a silent zero.
    seed::pledge(
        c,
        cash_pledge(
            "usd",
            "unicef",
            "1000",
            "USD",
            &[("civ-p2", "1000")],
            "2024-02-01",
        ),
    )
    .await;
    let body = c.funding_raw("civ", json!({})).await;
    let error = expect_code(&body, "BAD_USER_INPUT");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("USD") && message.contains("2024-02-01"),
        "the error names the pair and the date: {error}"
    );
    // 1 USD = 0.9 EUR from 2024-01-01: USD -> XOF through EUR, the cross
    // rate 0.9 * 655.957 unrounded, the amount rounded once: 590361.3 -> 590361.
    c.mutate_ok(
        "recordExchangeRate",
        json!({ "base": "USD", "quote": "EUR", "rate": "0.9", "validFrom": "2024-01-01" }),
        "version",
    )
    .await;
    let f = c.funding("civ", json!({})).await;
    assert_eq!(amount(&f["priorities"][1]["pledged"]), "590361");
    assert_eq!(amount(&f["total"]["pledged"]), "7149931");
    // In USD: the inverse rate for EUR (10000 / 0.9 = 11111.11).
    let f = c.funding("civ", json!({ "currency": "USD" })).await;
    assert_eq!(amount(&f["priorities"][0]["pledged"]), "11111.11");
    assert_eq!(amount(&f["priorities"][1]["pledged"]), "1000.00");

    // A later rate applies from its validFrom only: the pledge of 02-01
    // keeps the rate of 01-01; a pledge of 03-01 takes the new one.
    c.mutate_ok(
        "recordExchangeRate",
        json!({ "base": "USD", "quote": "EUR", "rate": "0.8", "validFrom": "2024-03-01" }),
        "version",
    )
    .await;
    seed::pledge(
        c,
        cash_pledge(
            "usd-2",
            "ilo",
            "1000",
            "USD",
            &[("civ-p2", "1000")],
            "2024-03-01",
        ),
    )
    .await;
    let f = c.funding("civ", json!({})).await;
    // 590361 + 1000 * 0.8 * 655.957 = 590361 + 524766 (524765.6).
    assert_eq!(amount(&f["priorities"][1]["pledged"]), "1115127");

    // A pledge dated before any USD rate: the missing rate is an error again.
    seed::pledge(
        c,
        cash_pledge("usd-old", "ilo", "10", "USD", &[], "2023-06-01"),
    )
    .await;
    let body = c.funding_raw("civ", json!({})).await;
    let error = expect_code(&body, "BAD_USER_INPUT");
    assert!(
        error["message"].as_str().unwrap().contains("2023-06-01"),
        "{error}"
    );
    // ...but not for a value date before that pledge.
    let f = c.funding("civ", json!({ "on": "2023-05-31" })).await;
    assert_eq!(amount(&f["total"]["pledged"]), "0");
}

pub async fn unvalued_pledges_are_counted_never_summed(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    seed::pledge(
        c,
        cash_pledge(
            "valued",
            "giz",
            "1000",
            "EUR",
            &[("civ-p1", "1000")],
            "2024-01-10",
        ),
    )
    .await;
    // "Appui technique et financier de l'OIM": no amount, meant for p1.
    seed::pledge(
        c,
        json!({ "id": "oim", "donorId": "ilo", "recipientId": "civ-gov", "roadmapId": "civ",
                "kind": "CASH", "priorityIds": ["civ-p1"], "pledgedOn": "2024-01-10" }),
    )
    .await;
    // No amount and no priority: unallocated.
    seed::pledge(
        c,
        json!({ "id": "kits", "donorId": "sci", "recipientId": "civ-gov", "roadmapId": "civ",
                "kind": "IN_KIND", "quantity": { "count": 500, "unit": "kits" }, "pledgedOn": "2024-01-12" }),
    )
    .await;
    let f = c.funding("civ", json!({})).await;
    let p1 = &f["priorities"][0];
    assert_eq!(p1["unvaluedCount"], 1);
    assert_eq!(
        amount(&p1["pledged"]),
        "655957",
        "only the valued pledge is summed"
    );
    assert_eq!(f["priorities"][1]["unvaluedCount"], 0);
    assert_eq!(f["unallocated"]["unvaluedCount"], 1);
    assert_eq!(amount(&f["unallocated"]["pledged"]), "0");
    assert_eq!(f["total"]["unvaluedCount"], 2);
    assert_eq!(amount(&f["total"]["pledged"]), "655957");
    let donors: Vec<&str> = p1["donors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["organisation"]["id"].as_str().unwrap())
        .collect();
    assert!(
        donors.contains(&"ilo"),
        "an unvalued donor is listed: {donors:?}"
    );

    // Cancelled: neither summed nor counted.
    c.mutate_ok(
        "cancelPledge",
        json!({ "pledgeId": "oim", "cancelledOn": "2024-02-01", "reason": "withdrawn" }),
        "status",
    )
    .await;
    let f = c.funding("civ", json!({})).await;
    assert_eq!(f["priorities"][0]["unvaluedCount"], 0);
    assert_eq!(f["total"]["unvaluedCount"], 1);
    // Before its cancellation date it still counts.
    let f = c.funding("civ", json!({ "on": "2024-01-31" })).await;
    assert_eq!(f["priorities"][0]["unvaluedCount"], 1);
}

pub async fn gap_and_coverage(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    // Nothing committed: the gap is the requirement, coverage 0.
    let f = c.funding("civ", json!({})).await;
    let p1 = &f["priorities"][0];
    assert_eq!(
        p1["required"],
        json!({ "amount": "10000000", "currency": "XOF" })
    );
    assert_eq!(amount(&p1["gap"]), "10000000");
    assert!(same_decimal(&p1["coverage"], "0"), "{p1}");
    assert_eq!(amount(&f["total"]["required"]), "15000000");

    // Pledged only: no change to gap or coverage (announcements are not money).
    seed::pledge(
        c,
        cash_pledge(
            "a",
            "giz",
            "10000",
            "EUR",
            &[("civ-p1", "10000")],
            "2024-01-10",
        ),
    )
    .await;
    let f = c.funding("civ", json!({})).await;
    assert_eq!(amount(&f["priorities"][0]["gap"]), "10000000");
    // Committed: 6559570 of 10000000.
    seed::commit(c, "a", "2024-01-20").await;
    let f = c.funding("civ", json!({})).await;
    let p1 = &f["priorities"][0];
    assert_eq!(amount(&p1["gap"]), "3440430");
    assert_eq!(p1["coverage"], "0.6560");
    assert_eq!(amount(&f["total"]["gap"]), "8440430");
    assert_eq!(f["total"]["coverage"], "0.4373", "6559570 / 15000000");

    // Over-committed: the gap never goes negative.
    seed::pledge(
        c,
        cash_pledge(
            "b",
            "unicef",
            "6000",
            "EUR",
            &[("civ-p1", "6000")],
            "2024-01-10",
        ),
    )
    .await;
    seed::commit(c, "b", "2024-01-21").await;
    let f = c.funding("civ", json!({})).await;
    let p1 = &f["priorities"][0];
    assert_eq!(amount(&p1["committed"]), "10495312");
    assert_eq!(amount(&p1["gap"]), "0");
    assert_eq!(p1["coverage"], "1.0495");

    // No requirement: gap and coverage are null; a zero requirement: coverage null.
    let f = c.funding("gha", json!({})).await;
    assert_eq!(f["priorities"][0]["required"], Value::Null);
    assert_eq!(f["priorities"][0]["gap"], Value::Null);
    assert_eq!(f["priorities"][0]["coverage"], Value::Null);
    c.mutate_ok(
        "setFundingRequirement",
        json!({ "priorityId": "gha-p1", "amount": { "amount": "0", "currency": "EUR" } }),
        "id",
    )
    .await;
    let f = c.funding("gha", json!({})).await;
    assert!(same_decimal(&f["priorities"][0]["required"]["amount"], "0"));
    assert_eq!(f["priorities"][0]["coverage"], Value::Null);
}
