//! `fundingChanged` over websockets (`graphql-transport-ws`).

use std::time::Duration;

use fundtrail_e2e::client::amount;
use fundtrail_e2e::seed::{self, cash_pledge};
use fundtrail_e2e::{TestServer, WsClient};
use serde_json::json;

const FUNDING_CHANGED: &str = r#"subscription($roadmapId: ID!, $currency: Currency) {
    fundingChanged(roadmapId: $roadmapId, currency: $currency) {
        roadmap { id } currency
        total { pledged { amount currency } committed { amount } disbursed { amount } }
        priorities { priority { id } committed { amount } } } }"#;

/// How long "nothing arrives" is watched for.
const QUIET: Duration = Duration::from_millis(300);

pub async fn funding_changed_pushes_new_figures_for_its_roadmap_only(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    let mut ws = WsClient::connect_as(&server.ws_url(), server.default_token()).await;
    ws.subscribe("civ", FUNDING_CHANGED, json!({ "roadmapId": "civ" }))
        .await;
    let mut eur = WsClient::connect_as(&server.ws_url(), server.default_token()).await;
    eur.subscribe(
        "civ-eur",
        FUNDING_CHANGED,
        json!({ "roadmapId": "civ", "currency": "EUR" }),
    )
    .await;

    // A pledge on civ: the new figures arrive, in the asked currency.
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
    let next = ws.expect_next("civ").await;
    let figures = &next["data"]["fundingChanged"];
    assert_eq!(figures["roadmap"]["id"], "civ");
    assert_eq!(figures["currency"], "XOF");
    assert_eq!(
        figures["total"]["pledged"],
        json!({ "amount": "6559570", "currency": "XOF" })
    );
    assert_eq!(amount(&figures["total"]["committed"]), "0");
    let next = eur.expect_next("civ-eur").await;
    assert_eq!(
        next["data"]["fundingChanged"]["total"]["pledged"],
        json!({ "amount": "10000.00", "currency": "EUR" })
    );

    // The commitment: pushed again.
    seed::commit(c, "a", "2024-01-20").await;
    let next = ws.expect_next("civ").await;
    assert_eq!(
        amount(&next["data"]["fundingChanged"]["total"]["committed"]),
        "6559570"
    );
    assert_eq!(
        amount(&next["data"]["fundingChanged"]["priorities"][0]["committed"]),
        "6559570"
    );
    eur.expect_next("civ-eur").await;

    // Changes elsewhere push nothing: a pledge on gha, a new organisation.
    // Then a change on civ: the first message after them must be that one
    // (a message for the gha pledge would have come first).
    let mut gh = cash_pledge("g", "ilo", "500", "EUR", &[("gha-p1", "500")], "2024-01-10");
    gh["roadmapId"] = json!("gha");
    seed::pledge(c, gh).await;
    seed::commit(c, "g", "2024-01-20").await;
    c.mutate_ok(
        "registerOrganisation",
        json!({ "id": "new", "name": "New", "kind": "OTHER", "country": "FRA" }),
        "id",
    )
    .await;
    seed::disburse(c, "a", "100", "2024-02-01").await;
    let next = ws.expect_next("civ").await;
    assert_eq!(
        amount(&next["data"]["fundingChanged"]["total"]["disbursed"]),
        "65596",
        "the first message after the gha changes is civ's disbursement"
    );
    ws.expect_silence(QUIET).await;

    // A subscriber to gha sees gha's changes only.
    let mut gha = WsClient::connect_as(&server.ws_url(), server.default_token()).await;
    gha.subscribe("gha", FUNDING_CHANGED, json!({ "roadmapId": "gha" }))
        .await;
    seed::pledge(
        c,
        cash_pledge("b", "unicef", "1", "EUR", &[("civ-p2", "1")], "2024-01-10"),
    )
    .await;
    let mut gh = cash_pledge("h", "sci", "7", "EUR", &[], "2024-01-10");
    gh["roadmapId"] = json!("gha");
    seed::pledge(c, gh).await;
    let next = gha.expect_next("gha").await;
    assert_eq!(
        amount(&next["data"]["fundingChanged"]["total"]["pledged"]),
        "507.00",
        "the first message on gha is its own pledge"
    );
    gha.expect_silence(QUIET).await;
    // ...while the civ subscriber saw the civ pledge only.
    let next = ws.expect_next("civ").await;
    assert_eq!(
        amount(&next["data"]["fundingChanged"]["total"]["pledged"]),
        "6560226",
        "6559570 + 1 EUR (656 XOF)"
    );

    // Completing a subscription stops it; the connection lives on.
    ws.send(json!({ "id": "civ", "type": "complete" })).await;
    ws.send(json!({ "type": "ping" })).await;
    loop {
        let message = ws.receive(fundtrail_e2e::ws::DUE).await.expect("a pong");
        match message["type"].as_str() {
            Some("pong") => break,
            // async-graphql confirms the stop with a `complete` of its own.
            Some("complete") => assert_eq!(message["id"], "civ"),
            _ => panic!("unexpected after complete: {message}"),
        }
    }
    ws.sync().await;
    seed::commit(c, "b", "2024-01-20").await;
    ws.expect_silence(QUIET).await;
    ws.close().await;
    eur.close().await;
    gha.close().await;
}

pub async fn funding_changed_on_an_unknown_roadmap_is_an_error(server: &TestServer) {
    let mut ws = WsClient::connect_as(&server.ws_url(), server.default_token()).await;
    ws.send(json!({ "id": "x", "type": "subscribe",
                    "payload": { "query": FUNDING_CHANGED, "variables": { "roadmapId": "nowhere" } } }))
        .await;
    let message = ws.receive(fundtrail_e2e::ws::DUE).await.expect("an answer");
    let errors = match message["type"].as_str() {
        Some("error") => message["payload"].clone(),
        Some("next") => message["payload"]["errors"].clone(),
        _ => panic!("expected an error, got {message}"),
    };
    assert_eq!(errors[0]["extensions"]["code"], "NOT_FOUND", "{message}");
    ws.close().await;
}

/// `alerts`: a tranche falling overdue when the clock passes its date is
/// pushed once, to the subscribers of its roadmap (and of every roadmap),
/// not to another roadmap's; the worklist has it too.
pub async fn alerts_push_what_falls_due_once(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    server.start_alerts();
    let today = server.clock().today();
    let day = |n: i64| (today + chrono::TimeDelta::days(n)).to_string();
    seed::pledge(
        c,
        cash_pledge("t", "giz", "1000", "XOF", &[("civ-p1", "1000")], &day(-1)),
    )
    .await;
    seed::commit(c, "t", &day(-1)).await;
    c.mutate_ok(
        "setTranches",
        json!({ "pledgeId": "t", "tranches": [{ "dueOn": day(3), "amount": "600" }] }),
        "id",
    )
    .await;
    const ALERTS: &str = r#"subscription($roadmapId: ID) {
        alerts(roadmapId: $roadmapId) { id roadmapId kind record recordId dueOn daysLate amount { amount currency } link } }"#;
    let mut civ = WsClient::connect_as(&server.ws_url(), server.default_token()).await;
    civ.subscribe("civ", ALERTS, json!({ "roadmapId": "civ" }))
        .await;
    let mut all = WsClient::connect_as(&server.ws_url(), server.default_token()).await;
    all.subscribe("all", ALERTS, json!({})).await;
    let mut gha = WsClient::connect_as(&server.ws_url(), server.default_token()).await;
    gha.subscribe("gha", ALERTS, json!({ "roadmapId": "gha" }))
        .await;
    civ.sync().await;
    assert_eq!(civ.receive(QUIET).await, None, "nothing is due yet");

    server.clock().advance(chrono::TimeDelta::days(5));
    let next = civ.expect_next("civ").await;
    let alert = &next["data"]["alerts"];
    assert_eq!(alert["kind"], "OVERDUE_TRANCHE");
    assert_eq!(alert["record"], "PLEDGE");
    assert_eq!(alert["recordId"], "t");
    assert_eq!(alert["dueOn"], day(3));
    assert_eq!(alert["daysLate"], 2);
    assert_eq!(
        alert["amount"],
        json!({ "amount": "600", "currency": "XOF" })
    );
    assert_eq!(alert["link"], "/pledges/t");
    assert_eq!(alert["id"], format!("civ/OVERDUE_TRANCHE/t/{}", day(3)));
    assert_eq!(
        all.expect_next("all").await["data"]["alerts"]["id"],
        alert["id"]
    );
    assert_eq!(
        gha.receive(QUIET).await,
        None,
        "another roadmap's subscriber"
    );

    // Another event and another day: the same line, never raised again.
    c.mutate_ok(
        "registerOrganisation",
        json!({ "id": "new-org", "name": "New", "kind": "BILATERAL_AGENCY", "country": "CIV" }),
        "id",
    )
    .await;
    server.clock().advance(chrono::TimeDelta::days(1));
    assert_eq!(civ.receive(QUIET).await, None, "raised once");
}
