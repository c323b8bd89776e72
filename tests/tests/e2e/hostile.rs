//! Hostile input: one corpus of bad requests, each refused with its own
//! HTTP status or `extensions.code`, none appending an event, and the server
//! answering normally afterwards; and no token in the logs, even at `debug`.
//!
//! Some cases are looked at more closely elsewhere (messages, 400 against 200
//! by media type: `errors.rs`, `transport.rs`; limits and answers to huge
//! documents: `services/api/tests/hostile.rs`); here they are one list.

use fundtrail_api::ServeOptions;
use fundtrail_api::graphql::limits::MAX_ALIASES;
use fundtrail_domain::lists::MAX_LIST_ITEMS;
use fundtrail_e2e::client::{Client, mutation_text};
use fundtrail_e2e::process::{Served, executable};
use fundtrail_e2e::seed::{self, cash_pledge};
use fundtrail_e2e::{Storage, TestServer, WsClient};
use serde_json::{Value, json};

const JSON: &str = "application/json";

/// What a case sends to `POST /graphql`.
enum Send {
    /// This content type (none: no header) and these bytes.
    Raw(Option<&'static str>, Vec<u8>),
    /// `{query, variables}` as JSON.
    Gql(String, Value),
}

/// What the server must answer.
enum Expect {
    /// This HTTP status.
    Status(u16),
    /// 200, no data, and an error with this `extensions.code` (and
    /// `extensions.field`, when given).
    Code(&'static str, Option<&'static str>),
    /// 200, no data, and `BAD_USER_INPUT` with this `extensions.limit`.
    Limit(&'static str),
    /// 200, no error, and `data` has this key.
    Answered(&'static str),
}

struct Case {
    name: String,
    send: Send,
    expect: Expect,
}

fn case(name: impl Into<String>, send: Send, expect: Expect) -> Case {
    Case {
        name: name.into(),
        send,
        expect,
    }
}

fn raw(content_type: Option<&'static str>, body: impl Into<Vec<u8>>) -> Send {
    Send::Raw(content_type, body.into())
}

fn query(text: impl Into<String>) -> Send {
    Send::Gql(text.into(), json!({}))
}

fn mutation(name: &str, input: Value) -> Send {
    Send::Gql(mutation_text(name, "__typename"), json!({ "input": input }))
}

fn bad(field: &'static str) -> Expect {
    Expect::Code("BAD_USER_INPUT", Some(field))
}

fn bad_request() -> Expect {
    Expect::Code("BAD_USER_INPUT", None)
}

fn not_found(field: &'static str) -> Expect {
    Expect::Code("NOT_FOUND", Some(field))
}

/// The pledge most cases spoil: 1,000 EUR from GIZ, all to `civ-p1`.
fn pledge() -> Value {
    cash_pledge(
        "hostile",
        "giz",
        "1000",
        "EUR",
        &[("civ-p1", "1000")],
        "2024-01-10",
    )
}

/// [`pledge`] with `path` (`"amount.amount"`, `"pledgedOn"`) set to `value`.
fn pledge_with(path: &str, value: Value) -> Value {
    let mut input = pledge();
    let mut at = &mut input;
    let mut keys = path.split('.').peekable();
    while let Some(key) = keys.next() {
        if keys.peek().is_none() {
            at[key] = value;
            break;
        }
        at = &mut at[key];
    }
    input
}

fn partnership(parties: Vec<String>) -> Value {
    json!({ "partyIds": parties, "title": "Hostile", "status": "SIGNED" })
}

fn proposal() -> Value {
    json!({ "applicantId": "civ-gov", "donorId": "ilo", "title": "Hostile",
            "submittedOn": "2024-01-01" })
}

fn roadmap_titled(title: Value) -> Value {
    json!({ "country": "CIV", "title": title, "periodStart": "2024-01-01",
            "periodEnd": "2024-12-31", "currency": "XOF" })
}

/// `{ query: <padding><query> }`, padded with spaces to `size` bytes.
fn padded(query: &str, size: usize) -> Vec<u8> {
    let bare = json!({ "query": query }).to_string();
    let padding = " ".repeat(size.saturating_sub(bare.len()));
    let body = json!({ "query": format!("{padding}{query}") }).to_string();
    assert_eq!(body.len(), size.max(bare.len()));
    body.into_bytes()
}

fn aliases(n: usize) -> String {
    let fields: Vec<String> = (0..n).map(|i| format!("a{i}: __typename")).collect();
    format!("{{ {} }}", fields.join(" "))
}

/// `{ roadmaps { priorities { roadmap { priorities ... } } } }`, `levels` deep.
fn nested(levels: usize) -> String {
    let mut open = String::from("{ roadmaps { ");
    for i in 0..levels {
        open.push_str(if i % 2 == 0 {
            "priorities { "
        } else {
            "roadmap { "
        });
    }
    format!("{open}id{}", " }".repeat(levels + 2))
}

/// `__schema { types { fields { type { ofType { ... } } } } }`, `levels` of ofType.
fn deep_introspection(levels: usize) -> String {
    format!(
        "{{ __schema {{ types {{ fields {{ type {{ {}name{} }} }} }} }}",
        "ofType { ".repeat(levels),
        " }".repeat(levels)
    )
}

/// Each fragment spreads the next one twice: 2^24 fields once expanded.
fn doubling_fragments() -> String {
    let mut query = String::from("query { ...F0 }\n");
    for i in 0..24 {
        query.push_str(&format!(
            "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
            n = i + 1
        ));
    }
    query.push_str("fragment F24 on Query { __typename }\n");
    query
}

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

/// GraphiQL's introspection query (graphql-js `getIntrospectionQuery()`).
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}
"#;

/// Every case of the corpus. `limit` is the server's body limit in bytes.
fn corpus(limit: usize) -> Vec<Case> {
    let valid = r#"{"query":"{ roadmaps { id } }"}"#;
    vec![
        // ---- the request itself ----
        case(
            "malformed JSON",
            raw(Some(JSON), r#"{"query": "{ roadmaps { id } }""#),
            Expect::Status(400),
        ),
        case(
            "JSON that is not an object",
            raw(Some(JSON), r#""{ roadmaps { id } }""#),
            Expect::Status(400),
        ),
        case(
            "a batch (refused)",
            raw(Some(JSON), format!("[{valid},{valid}]")),
            Expect::Status(400),
        ),
        case(
            "a body that is not UTF-8",
            raw(Some(JSON), b"{\"query\": \"\xff\xfe\"}".to_vec()),
            Expect::Status(400),
        ),
        case("an empty body", raw(Some(JSON), ""), Expect::Status(400)),
        case(
            "`query` a number",
            raw(Some(JSON), r#"{"query": 42}"#),
            Expect::Status(400),
        ),
        case(
            "`variables` an array",
            raw(
                Some(JSON),
                r#"{"query": "{ roadmaps { id } }", "variables": [1]}"#,
            ),
            Expect::Status(400),
        ),
        case(
            "variables nested 1,000 deep",
            raw(
                Some(JSON),
                format!(
                    r#"{{"query": "{{ roadmaps {{ id }} }}", "variables": {{"v": {}1{}}}}}"#,
                    "[".repeat(1_000),
                    "]".repeat(1_000)
                ),
            ),
            Expect::Status(400),
        ),
        case(
            "a number beyond f64 in the JSON",
            raw(
                Some(JSON),
                r#"{"query": "{ roadmaps { id } }", "variables": {"v": 1e400}}"#,
            ),
            Expect::Status(400),
        ),
        case(
            "content type text/plain",
            raw(Some("text/plain"), valid),
            Expect::Status(415),
        ),
        case(
            "content type application/graphql",
            raw(Some("application/graphql"), "{ roadmaps { id } }"),
            Expect::Status(415),
        ),
        case(
            "content type form-urlencoded",
            raw(
                Some("application/x-www-form-urlencoded"),
                "query=%7B%20roadmaps%20%7B%20id%20%7D%20%7D",
            ),
            Expect::Status(415),
        ),
        case("no content type", raw(None, valid), Expect::Status(415)),
        case(
            "a query one byte under the body limit",
            raw(Some(JSON), padded("{ roadmaps { id } }", limit - 1)),
            Expect::Answered("roadmaps"),
        ),
        case(
            "a query one byte over the body limit",
            raw(Some(JSON), padded("{ roadmaps { id } }", limit + 1)),
            Expect::Status(413),
        ),
        case(
            "aliases filling the body limit",
            raw(Some(JSON), padded(&aliases(40_000), limit - 1)),
            Expect::Limit("aliases"),
        ),
        // ---- the document ----
        case("a syntax error", query("{ roadmaps { id "), bad_request()),
        case(
            "selections 20 deep (depth limit 15)",
            query(nested(20)),
            bad_request(),
        ),
        case(
            "braces 200,000 deep",
            query("{a".repeat(200_000)),
            bad_request(),
        ),
        case(
            "introspection 20 ofType deep",
            query(deep_introspection(20)),
            bad_request(),
        ),
        case(
            "the standard introspection query",
            query(INTROSPECTION),
            Expect::Answered("__schema"),
        ),
        case(
            format!("{} aliases", MAX_ALIASES + 1),
            query(aliases(MAX_ALIASES + 1)),
            Expect::Limit("aliases"),
        ),
        case(
            "fragments that double 24 times",
            query(doubling_fragments()),
            Expect::Limit("selections"),
        ),
        case(
            "a fragment that spreads itself",
            query("{ ...A } fragment A on Query { ...A }"),
            Expect::Limit("fragmentCycle"),
        ),
        case(
            "50,000 unknown arguments",
            query(format!(
                "{{ roadmaps({}) {{ id }} }}",
                ids("a", 50_000)
                    .iter()
                    .map(|a| format!("{a}: 1"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )),
            bad_request(),
        ),
        case(
            "an unknown field",
            query("{ roadmaps { budget } }"),
            bad_request(),
        ),
        // ---- scalars ----
        case(
            "a JSON number for a Decimal",
            mutation("pledge", pledge_with("amount.amount", json!(12.5))),
            bad_request(),
        ),
        case(
            "Decimal 1e40",
            mutation("pledge", pledge_with("amount.amount", json!("1e40"))),
            bad_request(),
        ),
        case(
            "Decimal of 40 digits",
            mutation(
                "pledge",
                pledge_with("amount.amount", json!("9".repeat(40))),
            ),
            bad_request(),
        ),
        case(
            "Decimal of 30 digits (beyond 96 bits)",
            mutation(
                "pledge",
                pledge_with("amount.amount", json!(format!("1{}", "0".repeat(29)))),
            ),
            bad_request(),
        ),
        case(
            "an amount beyond 10^18",
            mutation(
                "pledge",
                pledge_with(
                    "amount",
                    json!({ "amount": "79228162514264337593543950335", "currency": "XOF" }),
                ),
            ),
            bad("amount"),
        ),
        case(
            "a negative amount",
            mutation("pledge", pledge_with("amount.amount", json!("-1000"))),
            bad("amount"),
        ),
        case(
            "a zero amount",
            mutation("pledge", pledge_with("amount.amount", json!("0"))),
            bad("amount"),
        ),
        case(
            "a negative disbursement",
            mutation(
                "recordDisbursement",
                json!({ "pledgeId": "committed", "amount": "-1", "disbursedOn": "2024-02-01" }),
            ),
            bad("amount"),
        ),
        case(
            "more decimals than the currency has",
            mutation("pledge", pledge_with("amount.amount", json!("1000.001"))),
            bad("amount"),
        ),
        case(
            "unknown currency ABC",
            mutation("pledge", pledge_with("amount.currency", json!("ABC"))),
            bad_request(),
        ),
        case(
            "lower-case currency eur",
            mutation("pledge", pledge_with("amount.currency", json!("eur"))),
            bad_request(),
        ),
        case(
            "date 2024-02-30",
            mutation("pledge", pledge_with("pledgedOn", json!("2024-02-30"))),
            bad_request(),
        ),
        case(
            "date 2024-13-01",
            mutation("pledge", pledge_with("pledgedOn", json!("2024-13-01"))),
            bad_request(),
        ),
        case(
            "date 10/01/2024",
            mutation("pledge", pledge_with("pledgedOn", json!("10/01/2024"))),
            bad_request(),
        ),
        case(
            "date 9999-12-31",
            mutation("pledge", pledge_with("pledgedOn", json!("9999-12-31"))),
            bad("pledgedOn"),
        ),
        case(
            "rank beyond a 32-bit Int",
            mutation(
                "definePriority",
                json!({ "roadmapId": "civ", "rank": 3_000_000_000u64, "title": "T" }),
            ),
            bad_request(),
        ),
        case(
            "negative expectedVersion",
            mutation(
                "commitPledge",
                json!({ "pledgeId": "committed", "committedOn": "2024-01-20", "expectedVersion": -1 }),
            ),
            bad("expectedVersion"),
        ),
        case(
            "unknown enum value",
            mutation("pledge", pledge_with("kind", json!("GIFT"))),
            bad_request(),
        ),
        case(
            "null for a required field",
            mutation("createRoadmap", roadmap_titled(Value::Null)),
            bad_request(),
        ),
        case(
            "an unknown input field",
            mutation("pledge", pledge_with("colour", json!("red"))),
            bad_request(),
        ),
        case(
            "a zero in-kind count",
            mutation(
                "pledge",
                json!({
            "id": "hostile", "donorId": "giz", "recipientId": "civ-gov", "roadmapId": "civ", "kind": "IN_KIND",
            "quantity": { "count": 0, "unit": "kits" }, "pledgedOn": "2024-01-10" }),
            ),
            bad("quantity.count"),
        ),
        // ---- text ----
        case(
            "a NUL in a title",
            mutation("createRoadmap", roadmap_titled(json!("Road\u{0}map"))),
            bad("title"),
        ),
        case(
            "an ANSI escape in a title",
            mutation("createRoadmap", roadmap_titled(json!("\u{1b}[31mRoadmap"))),
            bad("title"),
        ),
        case(
            "a line break in a name",
            mutation(
                "registerOrganisation",
                json!({ "name": "Two\nlines", "kind": "OTHER", "country": "CIV" }),
            ),
            bad("name"),
        ),
        case(
            "a 1 MB title",
            mutation(
                "createRoadmap",
                roadmap_titled(json!("x".repeat(1_000_000))),
            ),
            bad("title"),
        ),
        case(
            "a 10,001-character description",
            mutation(
                "pledge",
                pledge_with("description", json!("é".repeat(10_001))),
            ),
            bad("description"),
        ),
        // ---- ids ----
        case(
            "an unknown donor",
            mutation("pledge", pledge_with("donorId", json!("nobody"))),
            not_found("donorId"),
        ),
        case(
            "a pledge id where a priority id is expected",
            mutation(
                "pledge",
                pledge_with(
                    "allocations",
                    json!([{ "priorityId": "committed", "amount": "1000" }]),
                ),
            ),
            not_found("allocations[0].priorityId"),
        ),
        case(
            "a priority id where a roadmap id is expected",
            mutation("pledge", pledge_with("roadmapId", json!("civ-p1"))),
            not_found("roadmapId"),
        ),
        case(
            "a roadmap id where a pledge id is expected",
            mutation(
                "commitPledge",
                json!({ "pledgeId": "civ", "committedOn": "2024-01-20" }),
            ),
            not_found("pledgeId"),
        ),
        case(
            "a roadmap id where an organisation id is expected",
            mutation(
                "recordPartnership",
                partnership(vec!["giz".into(), "civ".into()]),
            ),
            not_found("partyIds[1]"),
        ),
        case(
            "an id that is not a slug",
            mutation("pledge", pledge_with("id", json!("GIZ pledge"))),
            bad("id"),
        ),
        case(
            "an id of 65 characters",
            mutation("pledge", pledge_with("id", json!("a".repeat(65)))),
            bad("id"),
        ),
        case(
            "an id of 1 MB",
            mutation(
                "pledge",
                pledge_with("donorId", json!("a".repeat(1_000_000))),
            ),
            bad("donorId"),
        ),
        case(
            "a commandId replayed with another input",
            mutation("pledge", {
                let mut input = pledge_with("amount.amount", json!("2000"));
                input["commandId"] = json!("hostile-cmd");
                input["allocations"] = json!([]);
                input
            }),
            Expect::Code("IDEMPOTENCY_CONFLICT", None),
        ),
        case(
            "a commandId of 1 KB",
            mutation("pledge", pledge_with("commandId", json!("c".repeat(1_000)))),
            bad("commandId"),
        ),
        case(
            "an empty commandId",
            mutation("pledge", pledge_with("commandId", json!(""))),
            bad("commandId"),
        ),
        // ---- lists ----
        case(
            format!("{} parties", MAX_LIST_ITEMS + 1),
            mutation(
                "recordPartnership",
                partnership(ids("o", MAX_LIST_ITEMS + 1)),
            ),
            bad("partyIds"),
        ),
        case(
            "100,000 parties",
            mutation("recordPartnership", partnership(ids("o", 100_000))),
            bad("partyIds"),
        ),
        case(
            format!("{} allocations", MAX_LIST_ITEMS + 1),
            mutation(
                "pledge",
                pledge_with(
                    "allocations",
                    (0..=MAX_LIST_ITEMS)
                        .map(|_| json!({ "priorityId": "civ-p1", "amount": "1" }))
                        .collect(),
                ),
            ),
            bad("allocations"),
        ),
        case(
            format!("{} themes", MAX_LIST_ITEMS + 1),
            mutation("submitProposal", {
                let mut p = proposal();
                p["themes"] = json!(vec!["CHILD_LABOUR"; MAX_LIST_ITEMS + 1]);
                p
            }),
            bad("themes"),
        ),
        case(
            format!("{} priority ids", MAX_LIST_ITEMS + 1),
            mutation("submitProposal", {
                let mut p = proposal();
                p["priorityIds"] = json!(ids("p", MAX_LIST_ITEMS + 1));
                p
            }),
            bad("priorityIds"),
        ),
    ]
}

/// Sends `send`; returns the status and the body (JSON when it is).
async fn send(c: &Client, send: &Send) -> Result<(u16, Value), String> {
    // A connection of its own: the server may close one it refused (413)
    // before the client has written the whole body, and a pooled connection
    // left that way would fail the next request.
    let c = &c.another();
    let request = match send {
        Send::Raw(content_type, body) => {
            let mut request = c.http().post(c.url("/graphql")).body(body.clone());
            if let Some(content_type) = content_type {
                request = request.header("content-type", *content_type);
            }
            request
        }
        Send::Gql(query, variables) => c
            .http()
            .post(c.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables })),
    };
    let response = request
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|e| format!("no body: {e}"))?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

/// Why the answer is not the expected one, if it is not.
fn mismatch(expect: &Expect, status: u16, body: &Value) -> Option<String> {
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    let no_data = body["data"].is_null();
    let short = || {
        let text = body.to_string();
        text.chars().take(600).collect::<String>()
    };
    match expect {
        Expect::Status(want) => {
            (status != *want).then(|| format!("status {status}, want {want}: {}", short()))
        }
        Expect::Code(code, field) => {
            let found = errors.iter().any(|e| {
                e["extensions"]["code"] == *code
                    && field.is_none_or(|f| e["extensions"]["field"] == f)
            });
            (status != 200 || !found || !no_data).then(|| {
                format!(
                    "want 200, no data, {code} on {field:?}; got {status}: {}",
                    short()
                )
            })
        }
        Expect::Limit(limit) => {
            let found = errors.iter().any(|e| {
                e["extensions"]["code"] == "BAD_USER_INPUT" && e["extensions"]["limit"] == *limit
            });
            (status != 200 || !found || !no_data).then(|| {
                format!(
                    "want 200, no data, BAD_USER_INPUT with limit {limit}; got {status}: {}",
                    short()
                )
            })
        }
        Expect::Answered(key) => {
            (status != 200 || !errors.is_empty() || body["data"][*key].is_null())
                .then(|| format!("want 200 and data.{key}; got {status}: {}", short()))
        }
    }
}

/// Every case of [`corpus`]: the expected status or code, nothing appended
/// (counted around each case by the admin's `auditTrail`), and afterwards a
/// normal query and a normal mutation succeed.
pub async fn bad_input_is_refused_and_the_server_keeps_serving(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    // What replays and wrong-type ids refer to.
    let mut first = pledge();
    first["id"] = json!("committed");
    first["commandId"] = json!("hostile-cmd");
    seed::pledge(c, first).await;
    seed::commit(c, "committed", "2024-01-20").await;
    let before = c.event_count().await;

    let limit = ServeOptions::default().max_body_bytes;
    let mut wrong = Vec::new();
    for Case {
        name,
        send: what,
        expect,
    } in corpus(limit)
    {
        let count = c.event_count().await;
        match send(c, &what).await {
            Err(e) => wrong.push(format!("{name}: {e}")),
            Ok((status, body)) => {
                if let Some(why) = mismatch(&expect, status, &body) {
                    wrong.push(format!("{name}: {why}"));
                }
            }
        }
        let after = c.event_count().await;
        if after != count {
            wrong.push(format!("{name}: appended {} events", after - count));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cases went wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(c.event_count().await, before, "the corpus appended nothing");

    // Still serving, reads and writes.
    let health = c.http().get(c.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let data = c
        .data(
            "{ roadmaps { id } pledge(id: \"committed\") { status } }",
            json!({}),
        )
        .await;
    assert_eq!(data["roadmaps"].as_array().unwrap().len(), 2);
    assert_eq!(data["pledge"]["status"], "COMMITTED");
    c.mutate_ok(
        "registerOrganisation",
        json!({ "id": "after-the-storm", "name": "Still here", "kind": "OTHER", "country": "CIV" }),
        "id",
    )
    .await;
    assert_eq!(c.event_count().await, before + 1);
}

/// The real `fundtrail` at `RUST_LOG=trace` (more than `debug` with
/// `tower_http=trace`): valid, revoked, forged and misplaced tokens, a token
/// created by mutation (its answer holds it) and websocket handshakes; none
/// of them is in the log. (tungstenite's trace lines quoted the
/// `connection_init` frame, token and all; `fundtrail` now drops them.)
pub async fn no_token_appears_in_the_logs(storage: Storage) {
    let exe = executable(env!("CARGO_BIN_EXE_fundtrail-e2e-server"));
    let served = Served::start_with_log(&exe, &storage, "trace").await;
    let admin = served.client.clone();
    let admin_token = admin.token().expect("an admin token").to_owned();
    seed::organisations(&admin).await;

    // A new token: the mutation's answer holds it.
    let created = admin
        .mutate_ok(
            "createAccessToken",
            json!({ "name": "log-check", "role": "VIEWER" }),
            "token accessToken { id }",
        )
        .await;
    let viewer_token = created["token"].as_str().unwrap().to_owned();
    let viewer = admin.as_token(Some(&viewer_token));
    assert_eq!(
        viewer.data("{ me { name } }", json!({})).await["me"]["name"],
        "log-check"
    );
    // Revoked, then used again.
    admin
        .mutate_ok(
            "revokeAccessToken",
            json!({ "id": created["accessToken"]["id"] }),
            "revoked",
        )
        .await;
    let forged = "ft_7e57c0de7e57c0de7e57c0de7e57c0de7e57c0de7e57c0de7e57c0de7e57c0de";
    let status = |response: reqwest::Response| response.status().as_u16();
    let post = |authorization: String| {
        admin
            .http()
            .post(admin.url("/graphql"))
            // replaces the client's own header
            .header("authorization", authorization)
            .json(&json!({ "query": "{ roadmaps { id } }" }))
            .send()
    };
    for (authorization, want) in [
        (format!("Bearer {viewer_token}"), 401),
        (format!("Bearer {forged}"), 401),
        (format!("Token {admin_token}"), 401),
        (format!("Basic {admin_token}"), 401),
        (admin_token.clone(), 401),
        (format!("Bearer {admin_token} {admin_token}"), 401),
        (format!("bearer {admin_token}"), 200),
    ] {
        let got = status(post(authorization.clone()).await.unwrap());
        assert_eq!(got, want, "Authorization: {authorization:.12}...");
    }
    // A misplaced token: in the body, as a variable.
    let body = admin
        .gql(
            "query($t: String) { organisations(search: $t) { id } }",
            json!({ "t": admin_token }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let export = admin
        .as_token(Some(forged))
        .http()
        .get(admin.url("/export/pledges.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(status(export), 401);
    // Websockets: the token comes in connection_init.
    let ws = admin.base().replacen("http://", "ws://", 1) + "/graphql/ws";
    WsClient::connect_as(&ws, &admin_token).await.close().await;
    let reason = WsClient::open(&ws)
        .await
        .init_refused(json!({ "Authorization": format!("Bearer {viewer_token}") }))
        .await;
    assert!(reason.contains("UNAUTHENTICATED"), "{reason}");

    let (exit, log) = served.terminate().await;
    assert!(exit.success(), "{exit:?}; log:\n{log}");
    // The log was as talkative as asked.
    assert!(log.contains("DEBUG"), "no debug line in:\n{log}");
    assert!(
        log.contains("started processing request") || log.contains("finished processing request"),
        "no tower_http trace line in:\n{log}"
    );
    for (what, token) in [
        ("the admin token", admin_token.as_str()),
        ("the created (then revoked) token", viewer_token.as_str()),
        ("the forged token", forged),
    ] {
        // The secret part, without the `ft_` prefix, in case a line cuts it.
        let secret = &token[3..];
        let leaks: Vec<&str> = log.lines().filter(|l| l.contains(secret)).collect();
        assert!(
            leaks.is_empty(),
            "{what} is in the log:\n{}",
            leaks.join("\n")
        );
    }
}

/// A websocket is held to the HTTP limits and to its own: a message over
/// the body limit closes the socket unread; one socket runs at most
/// `MAX_OPERATIONS_PER_SOCKET` operations; one principal holds at most
/// `MAX_SOCKETS_PER_CALLER` sockets.
pub async fn websockets_are_held_to_limits(server: &TestServer) {
    use fundtrail_api::websocket::{MAX_OPERATIONS_PER_SOCKET, MAX_SOCKETS_PER_CALLER};
    seed::world(&server.client).await;
    let before = server.client.event_count().await;
    // 2 MiB in one message (HTTP refuses bodies over 1 MiB): never executed.
    let mut ws = WsClient::connect_as(&server.ws_url(), server.default_token()).await;
    let padding = "#".repeat(2 << 20);
    ws.try_send(json!({ "id": "big", "type": "subscribe", "payload": {
        "query": format!("mutation {{ registerOrganisation(input: {{ id: \"big-ngo\", name: \"B\", kind: NATIONAL_NGO, country: \"CIV\" }}) {{ id }} }}\n{padding}")
    } }))
    .await;
    ws.expect_closed(fundtrail_e2e::ws::DUE).await;
    assert_eq!(server.client.event_count().await, before, "not executed");

    // Operations per socket.
    let mut ws = WsClient::connect_as(&server.ws_url(), server.default_token()).await;
    for i in 0..MAX_OPERATIONS_PER_SOCKET {
        ws.send(
            json!({ "id": format!("s{i}"), "type": "subscribe", "payload": {
            "query": r#"subscription { fundingChanged(roadmapId: "civ") { roadmap { id } } }"#
        } }),
        )
        .await;
    }
    ws.sync().await;
    ws.send(
        json!({ "id": "one-too-many", "type": "subscribe", "payload": {
        "query": r#"subscription { fundingChanged(roadmapId: "civ") { roadmap { id } } }"#
    } }),
    )
    .await;
    let refused = ws.receive(fundtrail_e2e::ws::DUE).await.expect("an answer");
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "one-too-many", "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED");
    // Completing one makes room again (the server confirms it).
    ws.send(json!({ "id": "s0", "type": "complete" })).await;
    let done = ws.receive(fundtrail_e2e::ws::DUE).await.expect("an answer");
    assert_eq!(
        (&done["type"], &done["id"]),
        (&json!("complete"), &json!("s0")),
        "{done}"
    );
    ws.subscribe(
        "again",
        r#"subscription { fundingChanged(roadmapId: "civ") { roadmap { id } } }"#,
        json!({}),
    )
    .await;
    ws.expect_silence(std::time::Duration::from_millis(200))
        .await;
    ws.close().await;

    // Sockets per principal.
    let token = server
        .token("Many Sockets", fundtrail_domain::Role::Viewer)
        .await;
    let mut held = Vec::new();
    for _ in 0..MAX_SOCKETS_PER_CALLER {
        held.push(WsClient::connect_as(&server.ws_url(), &token).await);
    }
    let reason = WsClient::open(&server.ws_url())
        .await
        .init_refused(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    assert!(reason.contains("FORBIDDEN"), "{reason}");
    // Another principal is not held back.
    WsClient::connect_as(&server.ws_url(), server.default_token())
        .await
        .close()
        .await;
    // A socket closed gives its place back.
    held.pop().unwrap().close().await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    WsClient::connect_as(&server.ws_url(), &token)
        .await
        .close()
        .await;
}
