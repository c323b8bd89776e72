//! Who may do what: tokens, roles, scopes, the audit identity, and the
//! refusals (`UNAUTHENTICATED`, `FORBIDDEN`) that change nothing.

use fundtrail_api::ServeOptions;
use fundtrail_app::auth::{AuthPolicy, TokenFor};
use fundtrail_app::rate_limit::{CallerLimiter, RateLimit};
use fundtrail_domain::Role;
use fundtrail_e2e::TestServer;
use fundtrail_e2e::client::{Client, expect_code, expect_no_errors, mutation_text};
use fundtrail_e2e::seed::{self, cash_pledge};
use fundtrail_e2e::server::Backend;
use fundtrail_e2e::ws::WsClient;
use serde_json::{Value, json};

/// POSTs a query; returns the status and the JSON body, whatever they are.
async fn post(c: &Client, query: &str, variables: Value) -> (u16, Value) {
    let response = c
        .http()
        .post(c.url("/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("POST /graphql");
    let status = response.status().as_u16();
    let body = response.json().await.expect("a JSON body");
    (status, body)
}

fn code_of(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

const REGISTER: &str = r#"mutation { registerOrganisation(input: { id: "x-ngo", name: "X", kind: NATIONAL_NGO, country: "CIV" }) { id } }"#;

pub async fn without_a_valid_token_nothing_is_read_or_written(server: &TestServer) {
    let admin = &server.client;
    seed::world(admin).await;
    let before = admin.event_count().await;

    // No token: neither reads nor writes (no --public-read).
    let anonymous = admin.as_token(None);
    for query in ["{ roadmaps { id } }", REGISTER] {
        let (status, body) = post(&anonymous, query, json!({})).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(code_of(&body), "UNAUTHENTICATED", "{body}");
    }
    let export = anonymous
        .http()
        .get(anonymous.url("/export/funding.csv?roadmap=civ"))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status().as_u16(), 401);

    // A token that is not one of this ledger's, or not a Bearer one: refused,
    // and the answer never repeats it.
    let forged = "ft_0000000000000000000000000000000000000000000000000000000000000000";
    for client in [
        admin.as_token(Some(forged)),
        admin.as_token(Some("not-even-a-token")),
    ] {
        let (status, body) = post(&client, "{ roadmaps { id } }", json!({})).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(code_of(&body), "UNAUTHENTICATED");
        assert!(
            !body.to_string().contains(client.token().unwrap()),
            "{body}"
        );
    }
    let basic = admin
        .http()
        .post(admin.url("/graphql"))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .json(&json!({ "query": "{ roadmaps { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status().as_u16(), 401);

    // Websockets: the token comes in connection_init.
    let reason = WsClient::open(&server.ws_url())
        .await
        .init_refused(json!({}))
        .await;
    assert!(reason.contains("UNAUTHENTICATED"), "{reason}");
    let reason = WsClient::open(&server.ws_url())
        .await
        .init_refused(json!({ "Authorization": format!("Bearer {forged}") }))
        .await;
    assert!(reason.contains("UNAUTHENTICATED"), "{reason}");
    assert!(!reason.contains(forged));
    WsClient::connect_as(&server.ws_url(), server.default_token())
        .await
        .close()
        .await;

    assert_eq!(admin.event_count().await, before, "nothing was appended");
}

pub async fn roles_decide_what_a_principal_may_do(server: &TestServer) {
    let admin = &server.client;
    seed::world(admin).await;
    let viewer = admin.as_token(Some(&server.token("Viewer One", Role::Viewer).await));
    let auditor = admin.as_token(Some(&server.token("Auditor One", Role::Auditor).await));
    let officer = admin.as_token(Some(&server.token("Awa Koné", Role::Officer).await));
    let before = admin.event_count().await;

    // A viewer reads, and records nothing.
    let data = viewer
        .data("{ roadmaps { id } me { name role } }", json!({}))
        .await;
    assert_eq!(
        data["me"],
        json!({ "name": "Viewer One", "role": "VIEWER" })
    );
    let body = viewer.gql(REGISTER, json!({})).await;
    let error = expect_code(&body, "FORBIDDEN");
    assert!(
        error["message"].as_str().unwrap().contains("may only read"),
        "{error}"
    );
    for query in [
        "{ auditTrail { totalCount } }",
        "{ verifyLedger { intact } }",
        "{ accessTokens { id } }",
    ] {
        expect_code(&viewer.gql(query, json!({})).await, "FORBIDDEN");
    }
    assert_eq!(admin.event_count().await, before);

    // An auditor reads the trail and checks the chain, and records nothing.
    let checked = auditor
        .data(
            "{ verifyLedger { intact eventsChecked firstBadPosition } auditTrail { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(checked["verifyLedger"]["intact"], true);
    assert_eq!(checked["verifyLedger"]["eventsChecked"], before);
    assert_eq!(checked["auditTrail"]["totalCount"], before);
    expect_code(&auditor.gql(REGISTER, json!({})).await, "FORBIDDEN");
    expect_code(
        &auditor
            .gql(
                &mutation_text("createAccessToken", "token"),
                json!({ "input": { "name": "x", "role": "ADMIN" } }),
            )
            .await,
        "FORBIDDEN",
    );

    // An officer records; its name is the actor in the history.
    let pledge = officer
        .mutate_ok(
            "pledge",
            cash_pledge(
                "p1",
                "giz",
                "1000",
                "EUR",
                &[("civ-p1", "1000")],
                "2024-01-10",
            ),
            "id history { actor }",
        )
        .await;
    assert_eq!(pledge["history"][0]["actor"], "Awa Koné");
    let trail = auditor
        .data(
            r#"{ auditTrail(actor: "Awa Koné") { totalCount edges { node { type entityId } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(trail["auditTrail"]["totalCount"], 1);
    assert_eq!(trail["auditTrail"]["edges"][0]["node"]["entityId"], "p1");
    // ... but manages no tokens.
    expect_code(
        &officer
            .gql(
                &mutation_text("createAccessToken", "token"),
                json!({ "input": { "name": "x", "role": "ADMIN" } }),
            )
            .await,
        "FORBIDDEN",
    );
}

pub async fn an_officer_stays_within_its_scope(server: &TestServer) {
    let admin = &server.client;
    seed::world(admin).await;
    let civ_officer = admin.as_token(Some(
        &server
            .scoped_token(TokenFor {
                roadmaps: vec!["civ".into()],
                ..TokenFor::new("CNLTP officer", Role::Officer)
            })
            .await,
    ));
    let sci_officer = admin.as_token(Some(
        &server
            .scoped_token(TokenFor {
                organisations: vec!["sci".into()],
                ..TokenFor::new("Save the Children officer", Role::Officer)
            })
            .await,
    ));
    let me = civ_officer
        .data("{ me { roadmaps organisations } }", json!({}))
        .await;
    assert_eq!(
        me["me"],
        json!({ "roadmaps": ["civ"], "organisations": [] })
    );

    // Roadmap scope: civ yes, gha no, shared exchange rates no.
    civ_officer
        .mutate_ok(
            "pledge",
            cash_pledge(
                "p-civ",
                "giz",
                "10",
                "EUR",
                &[("civ-p1", "10")],
                "2024-01-10",
            ),
            "id",
        )
        .await;
    let mut gha = cash_pledge(
        "p-gha",
        "giz",
        "10",
        "EUR",
        &[("gha-p1", "10")],
        "2024-01-10",
    );
    gha["roadmapId"] = json!("gha");
    let refused = admin_checked_refusal(admin, &civ_officer, "pledge", gha.clone()).await;
    assert!(refused.contains("roadmap 'gha'"), "{refused}");
    let refused = admin_checked_refusal(
        admin,
        &civ_officer,
        "recordExchangeRate",
        json!({ "base": "USD", "quote": "EUR", "rate": "0.9", "validFrom": "2024-01-01" }),
    )
    .await;
    assert!(refused.contains("reference data"), "{refused}");
    // Changing a pledge of another roadmap: the scope comes from the pledge.
    admin.mutate_ok("pledge", gha, "id").await;
    admin_checked_refusal(
        admin,
        &civ_officer,
        "commitPledge",
        json!({ "pledgeId": "p-gha", "committedOn": "2024-02-01" }),
    )
    .await;

    // Organisation scope: facts of Save the Children only.
    sci_officer
        .mutate_ok(
            "pledge",
            cash_pledge(
                "p-sci",
                "sci",
                "10",
                "EUR",
                &[("civ-p1", "10")],
                "2024-01-10",
            ),
            "id",
        )
        .await;
    let refused = admin_checked_refusal(
        admin,
        &sci_officer,
        "pledge",
        cash_pledge(
            "p-giz",
            "giz",
            "10",
            "EUR",
            &[("civ-p1", "10")],
            "2024-01-10",
        ),
    )
    .await;
    assert!(refused.contains("'giz'"), "{refused}");
}

/// #17, finding 6 (docs/access.md): a roadmap-scoped officer reaches neither
/// a partnership or proposal that names no priority (it belongs to no
/// roadmap, only to its organisations), nor another roadmap's, not even by
/// linking its own pledge to it.
pub async fn an_officer_reaches_no_record_outside_its_roadmaps(server: &TestServer) {
    let admin = &server.client;
    seed::world(admin).await;
    let civ_officer = admin.as_token(Some(
        &server
            .scoped_token(TokenFor {
                roadmaps: vec!["civ".into()],
                ..TokenFor::new("CNLTP officer", Role::Officer)
            })
            .await,
    ));
    // Another roadmap's report: records without priorities, and with gha's.
    for (id, priorities) in [("pa-none", json!([])), ("pa-gha", json!(["gha-p1"]))] {
        admin
            .mutate_ok(
                "recordPartnership",
                json!({ "id": id, "partyIds": ["giz", "civ-gov"], "title": "Appui technique",
                        "priorityIds": priorities, "status": "NEGOTIATING" }),
                "id",
            )
            .await;
    }
    for (id, priorities) in [("pr-none", json!([])), ("pr-gha", json!(["gha-p1"]))] {
        admin
            .mutate_ok(
                "submitProposal",
                json!({ "id": id, "applicantId": "civ-gov", "donorId": "giz", "title": "Observatoire",
                        "priorityIds": priorities, "submittedOn": "2024-01-05" }),
                "id",
            )
            .await;
    }
    // 1. A partnership's status, 2. a proposal's decision.
    let refused = admin_checked_refusal(
        admin,
        &civ_officer,
        "changePartnershipStatus",
        json!({ "partnershipId": "pa-none", "status": "SIGNED", "on": "2024-02-01" }),
    )
    .await;
    assert!(refused.contains("no roadmap"), "{refused}");
    let refused = admin_checked_refusal(
        admin,
        &civ_officer,
        "decideProposal",
        json!({ "proposalId": "pr-none", "status": "APPROVED", "decidedOn": "2024-01-20" }),
    )
    .await;
    assert!(refused.contains("no roadmap"), "{refused}");
    // 3. Its own civ pledge linked to another roadmap's partnership or
    // proposal, or to ones that belong to no roadmap.
    for (field, id) in [
        ("partnershipId", "pa-gha"),
        ("proposalId", "pr-gha"),
        ("partnershipId", "pa-none"),
        ("proposalId", "pr-none"),
    ] {
        let mut linked = cash_pledge(
            "p-linked",
            "giz",
            "10",
            "EUR",
            &[("civ-p1", "10")],
            "2024-01-10",
        );
        linked[field] = json!(id);
        let refused = admin_checked_refusal(admin, &civ_officer, "pledge", linked).await;
        assert!(refused.contains(&format!("'{id}'")), "{refused}");
    }
    // Its own roadmap's records stay within reach.
    admin
        .mutate_ok(
            "recordPartnership",
            json!({ "id": "pa-civ", "partyIds": ["giz", "civ-gov"], "title": "Appui technique",
                    "priorityIds": ["civ-p1"], "status": "NEGOTIATING" }),
            "id",
        )
        .await;
    civ_officer
        .mutate_ok(
            "changePartnershipStatus",
            json!({ "partnershipId": "pa-civ", "status": "SIGNED", "on": "2024-02-01" }),
            "id",
        )
        .await;
    let mut linked = cash_pledge(
        "p-linked",
        "giz",
        "10",
        "EUR",
        &[("civ-p1", "10")],
        "2024-01-10",
    );
    linked["partnershipId"] = json!("pa-civ");
    civ_officer.mutate_ok("pledge", linked, "id").await;
}

/// `mutation` by `client` is FORBIDDEN and appends nothing (counted by the
/// admin); returns the message.
async fn admin_checked_refusal(
    admin: &Client,
    client: &Client,
    mutation: &str,
    input: Value,
) -> String {
    let before = admin.event_count().await;
    let body = client.mutate(mutation, input, "__typename").await;
    let error = expect_code(&body, "FORBIDDEN").clone();
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(
        admin.event_count().await,
        before,
        "a refused {mutation} appended events"
    );
    error["message"].as_str().unwrap_or_default().to_owned()
}

pub async fn admins_create_and_revoke_tokens_as_events(server: &TestServer) {
    let admin = &server.client;
    seed::world(admin).await;
    let created = admin
        .mutate_ok(
            "createAccessToken",
            json!({ "name": "Koffi (ICI)", "role": "OFFICER", "organisations": ["giz"] }),
            "token accessToken { id name role organisations revoked createdBy }",
        )
        .await;
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("ft_"), "{created}");
    let id = created["accessToken"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["accessToken"]["createdBy"],
        fundtrail_e2e::server::ACTOR
    );
    assert_eq!(created["accessToken"]["organisations"], json!(["giz"]));

    // The token works at once; only its hash is in the ledger.
    let koffi = admin.as_token(Some(&token));
    assert_eq!(
        koffi.data("{ me { name } }", json!({})).await["me"]["name"],
        "Koffi (ICI)"
    );
    let trail = admin
        .data(
            r#"query($id: ID) { auditTrail(entityId: $id) { edges { node { type actor data } } } }"#,
            json!({ "id": id }),
        )
        .await;
    let text = trail.to_string();
    assert!(text.contains("AccessTokenIssued"), "{text}");
    assert!(!text.contains(&token), "the token itself is never recorded");
    let listed = admin
        .data("{ accessTokens { id name revoked } }", json!({}))
        .await;
    assert!(
        listed["accessTokens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id.as_str() && t["revoked"] == false)
    );

    // Revoked: refused from now on, and who revoked it is on record.
    let revoked = admin
        .mutate_ok(
            "revokeAccessToken",
            json!({ "id": id, "reason": "left the project" }),
            "revoked revokedBy revokeReason",
        )
        .await;
    assert_eq!(
        revoked,
        json!({ "revoked": true, "revokedBy": fundtrail_e2e::server::ACTOR, "revokeReason": "left the project" })
    );
    let (status, body) = post(&koffi, "{ me { name } }", json!({})).await;
    assert_eq!((status, code_of(&body)), (401, "UNAUTHENTICATED"), "{body}");
    assert!(body.to_string().contains("revoked"), "{body}");
    // Revoking twice is a clear refusal.
    let again = admin
        .mutate("revokeAccessToken", json!({ "id": id }), "revoked")
        .await;
    expect_code(&again, "INVALID_STATE");

    // An expired token is refused too.
    let expired = admin
        .mutate_ok(
            "createAccessToken",
            json!({ "name": "old", "role": "VIEWER", "expiresOn": "2020-01-01" }),
            "token",
        )
        .await;
    let old = admin.as_token(expired["token"].as_str());
    let (status, body) = post(&old, "{ roadmaps { id } }", json!({})).await;
    assert_eq!(status, 401);
    assert!(body.to_string().contains("expired on 2020-01-01"), "{body}");
    // Scopes only for officers, and only known ids.
    expect_code(
        &admin
            .mutate(
                "createAccessToken",
                json!({ "name": "v", "role": "VIEWER", "roadmaps": ["civ"] }),
                "token",
            )
            .await,
        "BAD_USER_INPUT",
    );
    expect_code(
        &admin
            .mutate(
                "createAccessToken",
                json!({ "name": "o", "role": "OFFICER", "roadmaps": ["nowhere"] }),
                "token",
            )
            .await,
        "NOT_FOUND",
    );
}

/// `--public-read`: anonymous callers read, and still write nothing.
pub async fn public_read_opens_reads_only(backend: Backend) {
    let options = ServeOptions {
        auth: AuthPolicy { public_read: true },
        ..ServeOptions::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    seed::world(&server.client).await;
    let before = server.client.event_count().await;
    let anonymous = server.client.as_token(None);
    let data = anonymous
        .data("{ roadmaps { id } me { name } }", json!({}))
        .await;
    assert_eq!(data["roadmaps"].as_array().unwrap().len(), 2);
    assert_eq!(data["me"], Value::Null);
    let body = anonymous.gql(REGISTER, json!({})).await;
    expect_code(&body, "UNAUTHENTICATED");
    expect_code(
        &anonymous
            .gql("{ auditTrail { totalCount } }", json!({}))
            .await,
        "UNAUTHENTICATED",
    );
    let mut ws = WsClient::connect(&server.ws_url()).await;
    ws.subscribe(
        "s",
        r#"subscription { fundingChanged(roadmapId: "civ") { roadmap { id } } }"#,
        json!({}),
    )
    .await;
    ws.close().await;
    // A bad token is still refused, even where anonymous reads are allowed.
    let forged = server.client.as_token(Some(
        "ft_1111111111111111111111111111111111111111111111111111111111111111",
    ));
    let (status, _) = post(&forged, "{ roadmaps { id } }", json!({})).await;
    assert_eq!(status, 401);
    assert_eq!(server.client.event_count().await, before);
}

/// Per-token request rates: past the burst, 429 with Retry-After; other
/// tokens are not held back.
pub async fn request_rates_are_limited_per_token(backend: Backend) {
    let options = ServeOptions {
        rate_limit: Some(CallerLimiter::new(RateLimit {
            per_second: 1,
            burst: 5,
        })),
        ..ServeOptions::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let c = &server.client;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let response = c
            .http()
            .post(c.url("/graphql"))
            .json(&json!({ "query": "{ roadmaps { id } }" }))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        if response.status().as_u16() == 429 {
            assert!(response.headers().get("retry-after").is_some());
            let body: Value = response.json().await.unwrap();
            assert_eq!(code_of(&body), "RATE_LIMITED", "{body}");
        }
    }
    assert_eq!(&statuses[..5], &[200; 5], "{statuses:?}");
    assert!(statuses[5..].contains(&429), "{statuses:?}");
    // The bucket is the principal's, however the header is spelled (the
    // limiter used to key on the header's text: `bearer` and extra spaces
    // made a fresh bucket each time).
    let token = server.default_token();
    for spelled in [format!("bearer {token}"), format!("Bearer   {token}  ")] {
        let response = c
            .http()
            .post(c.url("/graphql"))
            .header("Authorization", spelled.clone())
            .json(&json!({ "query": "{ roadmaps { id } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 429, "{spelled:?}");
    }
    // Each operation on a websocket takes from the same budget.
    let mut ws = WsClient::connect_as(&server.ws_url(), token).await;
    ws.send(
        json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ roadmaps { id } }" } }),
    )
    .await;
    let refused = ws.receive(fundtrail_e2e::ws::DUE).await.expect("an answer");
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED");
    ws.close().await;
    // Another principal has a bucket of its own.
    let other = c.as_token(Some(&server.token("other", Role::Viewer).await));
    let body = other.gql("{ roadmaps { id } }", json!({})).await;
    expect_no_errors(&body);
}

/// A socket opened with a token that is then revoked: the operation sent
/// after the revocation is not run, and the server closes the socket with
/// code 4401 (`docs/graphql-over-http.md`), ending its subscriptions.
/// A socket of `token` holding one funding subscription. The close frame a
/// socket gets when its token stops being valid is read on one that sends
/// nothing: a server closing a socket with unread input resets the
/// connection, and the client may then lose the frame.
async fn watching_socket(server: &TestServer, token: &str) -> WsClient {
    let mut ws = WsClient::connect_as(&server.ws_url(), token).await;
    ws.subscribe(
        "funding",
        r#"subscription { fundingChanged(roadmapId: "civ") { roadmap { id } } }"#,
        json!({}),
    )
    .await;
    ws
}

pub async fn a_revoked_token_loses_its_open_websockets(server: &TestServer) {
    let admin = &server.client;
    seed::world(admin).await;
    let created = admin
        .mutate_ok(
            "createAccessToken",
            json!({ "name": "Koffi (ICI)", "role": "OFFICER" }),
            "token accessToken { id }",
        )
        .await;
    let token = created["token"].as_str().unwrap().to_owned();
    let id = created["accessToken"]["id"].as_str().unwrap().to_owned();

    let mut ws = watching_socket(server, &token).await;
    let mut idle = watching_socket(server, &token).await;
    // While the token is valid, the socket runs mutations as its principal.
    ws.send(json!({ "id": "m1", "type": "subscribe", "payload": { "query": REGISTER } }))
        .await;
    let first = ws.receive(fundtrail_e2e::ws::DUE).await.expect("an answer");
    assert_eq!(first["id"], "m1", "{first}");
    assert_eq!(
        first["payload"]["data"]["registerOrganisation"]["id"], "x-ngo",
        "{first}"
    );

    admin
        .mutate_ok("revokeAccessToken", json!({ "id": id }), "revoked")
        .await;
    let before = admin.event_count().await;
    // Sent after the revocation (if the socket is still open): never run.
    ws.try_send(json!({ "id": "m2", "type": "subscribe", "payload": {
        "query": r#"mutation { registerOrganisation(input: { id: "y-ngo", name: "Y", kind: NATIONAL_NGO, country: "CIV" }) { id } }"#
    } }))
    .await;
    let (code, reason) = idle.expect_closed(fundtrail_e2e::ws::DUE).await;
    assert_eq!(code, 4401, "{reason}");
    assert!(reason.contains("UNAUTHENTICATED"), "{reason}");
    assert!(reason.contains("revoked"), "{reason}");
    // The busy socket is closed too (its frame may be lost to the reset).
    let (code, reason) = ws.expect_closed(fundtrail_e2e::ws::DUE).await;
    assert!(code == 4401 || code == 0, "{code} {reason}");
    assert_eq!(
        admin.event_count().await,
        before,
        "nothing appended after revocation"
    );
    let org = admin
        .data(r#"{ organisation(id: "y-ngo") { id } }"#, json!({}))
        .await;
    assert_eq!(org["organisation"], Value::Null);
}

/// Expiry has the shape of a revocation: the day after a token's last valid
/// day (the server's clock moved forward, not waited for), its open sockets
/// are closed with 4401 and run nothing more; HTTP refuses it too.
pub async fn an_expired_token_loses_its_open_websockets(server: &TestServer) {
    let admin = &server.client;
    seed::world(admin).await;
    let last_day = server.clock().today() + chrono::TimeDelta::days(1);
    let created = admin
        .mutate_ok(
            "createAccessToken",
            json!({ "name": "Awa (until tomorrow)", "role": "OFFICER", "expiresOn": last_day.to_string() }),
            "token",
        )
        .await;
    let token = created["token"].as_str().unwrap().to_owned();
    let mut ws = WsClient::connect_as(&server.ws_url(), &token).await;
    let mut idle = watching_socket(server, &token).await;
    ws.send(json!({ "id": "m1", "type": "subscribe", "payload": { "query": REGISTER } }))
        .await;
    let first = ws.receive(fundtrail_e2e::ws::DUE).await.expect("an answer");
    assert_eq!(
        first["payload"]["data"]["registerOrganisation"]["id"], "x-ngo",
        "valid until its last day: {first}"
    );

    server.clock().advance(chrono::TimeDelta::days(2));
    // Any new fact wakes the sockets' check (besides its timer).
    admin
        .mutate_ok(
            "registerOrganisation",
            json!({ "id": "z-ngo", "name": "Z", "kind": "NATIONAL_NGO", "country": "CIV" }),
            "id",
        )
        .await;
    let before = admin.event_count().await;
    ws.try_send(json!({ "id": "m2", "type": "subscribe", "payload": {
        "query": r#"mutation { registerOrganisation(input: { id: "y-ngo", name: "Y", kind: NATIONAL_NGO, country: "CIV" }) { id } }"#
    } }))
    .await;
    let (code, reason) = idle.expect_closed(fundtrail_e2e::ws::DUE).await;
    assert_eq!(code, 4401, "{reason}");
    assert!(reason.contains("expired"), "{reason}");
    let (code, reason) = ws.expect_closed(fundtrail_e2e::ws::DUE).await;
    assert!(code == 4401 || code == 0, "{code} {reason}");
    assert_eq!(
        admin.event_count().await,
        before,
        "nothing appended after expiry"
    );
    let (status, body) = post(
        &admin.as_token(Some(&token)),
        "{ roadmaps { id } }",
        json!({}),
    )
    .await;
    assert_eq!((status, code_of(&body)), (401, "UNAUTHENTICATED"), "{body}");
    assert!(body.to_string().contains("expired"), "{body}");
}
