//! One table of inputs, run through both faces that record pledges: the web
//! form (`POST /new/pledge`, `POST /pledges/{id}/commit`) and GraphQL
//! (`pledge`, `commitPledge`). Each case is accepted by both or refused by
//! both, because both call the same rules (`fundtrail_app::input` and the
//! domain's decisions), and a refusal records nothing.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fundtrail_app::auth::{Caller, TokenFor, create_token};
use fundtrail_app::{AppState, Limits};
use fundtrail_domain::Role;
use fundtrail_domain::access::Principal;
use fundtrail_ledger::CommandContext;
use fundtrail_web::{Web, WebOptions};
use serde_json::{Value, json};
use tower::ServiceExt;

/// A pledge's inputs as both faces take them (web field names = GraphQL's).
#[derive(Clone)]
struct PledgeCase {
    what: &'static str,
    command_id: String,
    donor: &'static str,
    amount: &'static str,
    currency: &'static str,
    pledged_on: &'static str,
    accepted: bool,
}

fn cases() -> Vec<PledgeCase> {
    let ok = PledgeCase {
        what: "a valid pledge",
        command_id: "ok".into(),
        donor: "giz",
        amount: "1000000",
        currency: "XOF",
        pledged_on: "2023-07-01",
        accepted: true,
    };
    let case = |what, f: &dyn Fn(&mut PledgeCase), accepted| {
        let mut c = ok.clone();
        c.what = what;
        c.command_id = what.replace(' ', "-");
        f(&mut c);
        c.accepted = accepted;
        c
    };
    vec![
        ok.clone(),
        case(
            "a commandId of 200 bytes",
            &|c| c.command_id = "c".repeat(200),
            true,
        ),
        case(
            "a commandId of 201 bytes",
            &|c| c.command_id = "c".repeat(201),
            false,
        ),
        case(
            "a date without leading zeros",
            &|c| c.pledged_on = "2023-7-1",
            false,
        ),
        case(
            "a date not in the calendar",
            &|c| c.pledged_on = "2023-02-30",
            false,
        ),
        case("a negative amount", &|c| c.amount = "-5", false),
        case("a zero amount", &|c| c.amount = "0", false),
        case(
            "an amount in exponent notation",
            &|c| c.amount = "1e6",
            false,
        ),
        case("an unknown currency", &|c| c.currency = "ZZZ", false),
        case("an unknown donor", &|c| c.donor = "nobody", false),
    ]
}

struct Faces {
    _dir: tempfile::TempDir,
    state: AppState,
    web: axum::Router,
    schema: fundtrail_api::FundtrailSchema,
    cookie: String,
    caller: Caller,
}

async fn faces() -> Faces {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Arc::new(fundtrail_store_sqlite::SqliteStore::open(dir.path().join("data")).unwrap());
    let state = AppState::start(store, Limits::default()).await.unwrap();
    state.ready().await;
    let plan =
        fundtrail_import::plan(fundtrail_import::DEMO_FILE_NAME, fundtrail_import::DEMO).unwrap();
    fundtrail_import::apply(&state, &plan, |_, _| {})
        .await
        .unwrap();
    let token = create_token(
        &state,
        &CommandContext::by("test"),
        TokenFor::new("Awa Koné", Role::Officer),
    )
    .await
    .unwrap()
    .token;
    let web = Web::new(state.clone(), WebOptions::default()).routes();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("token", token.as_str()), ("next", "/")])
        .finish();
    let response = web
        .clone()
        .oneshot(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    let cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    Faces {
        _dir: dir,
        schema: fundtrail_api::build_schema(state.clone()),
        state,
        web,
        cookie,
        caller: Caller::Principal(Principal::new("Awa Koné", Role::Officer)),
    }
}

impl Faces {
    async fn page(&self, path: &str) -> String {
        let response = self
            .web
            .clone()
            .oneshot(
                Request::get(path)
                    .header(header::COOKIE, &self.cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    /// Posts a form; true when it was recorded (a redirect to the record).
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> bool {
        let form = self.page(path).await;
        let csrf = hidden(&form, "_csrf");
        let mut pairs = vec![("_csrf", csrf.as_str())];
        pairs.extend_from_slice(fields);
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let response = self
            .web
            .clone()
            .oneshot(
                Request::post(path)
                    .header(header::COOKIE, &self.cookie)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
            .unwrap();
        match response.status() {
            StatusCode::SEE_OTHER => true,
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT => false,
            other => panic!("the form answered {other}"),
        }
    }

    /// Runs a mutation; true when it returned data without errors.
    async fn graphql(&self, query: &str, variables: Value) -> (bool, Value) {
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables))
            .data(self.caller.clone());
        let response = self.schema.execute(request).await;
        let json = serde_json::to_value(&response).unwrap();
        (response.errors.is_empty(), json)
    }

    fn events(&self) -> u64 {
        self.state.applied()
    }
}

fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} in the form"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

const PLEDGE: &str = "mutation($input: PledgeInput!) { pledge(input: $input) { id } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_forms_and_graphql_accept_and_refuse_the_same_pledges() {
    let f = faces().await;
    for case in cases() {
        for face in ["web", "graphql"] {
            let command_id = format!("{face}-{}", case.command_id);
            let command_id = &command_id[..command_id.len().min(case.command_id.len())];
            let before = f.events();
            let accepted = if face == "web" {
                f.post(
                    "/new/pledge?roadmap=civ-2023",
                    &[
                        ("commandId", command_id),
                        ("roadmapId", "civ-2023"),
                        ("donorId", case.donor),
                        ("recipientId", "cnltp"),
                        ("kind", "CASH"),
                        ("amount", case.amount),
                        ("currency", case.currency),
                        ("alloc.civ-2023-p2", case.amount),
                        ("pledgedOn", case.pledged_on),
                    ],
                )
                .await
            } else {
                let (ok, answer) = f
                    .graphql(
                        PLEDGE,
                        json!({ "input": {
                            "commandId": command_id,
                            "roadmapId": "civ-2023",
                            "donorId": case.donor,
                            "recipientId": "cnltp",
                            "kind": "CASH",
                            "amount": { "amount": case.amount, "currency": case.currency },
                            "allocations": [{ "priorityId": "civ-2023-p2", "amount": case.amount }],
                            "pledgedOn": case.pledged_on,
                        } }),
                    )
                    .await;
                if !ok {
                    let code = &answer["errors"][0]["extensions"]["code"];
                    assert!(
                        code.is_string(),
                        "{}: every refusal is coded: {answer}",
                        case.what
                    );
                }
                ok
            };
            assert_eq!(
                accepted, case.accepted,
                "{} through {face}: accepted = {accepted}",
                case.what
            );
            if !accepted {
                assert_eq!(
                    f.events(),
                    before,
                    "{} through {face} recorded nothing",
                    case.what
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_forms_and_graphql_take_the_same_expected_versions() {
    let f = faces().await;
    let (ok, answer) = f
        .graphql(
            PLEDGE,
            json!({ "input": {
                "id": "p-version", "roadmapId": "civ-2023", "donorId": "giz",
                "recipientId": "cnltp", "kind": "CASH",
                "amount": { "amount": "1000", "currency": "XOF" },
                "allocations": [{ "priorityId": "civ-2023-p2", "amount": "1000" }],
                "pledgedOn": "2023-07-01",
            } }),
        )
        .await;
    assert!(ok, "{answer}");
    const COMMIT: &str =
        "mutation($input: CommitPledgeInput!) { commitPledge(input: $input) { id } }";
    for (version, accepted) in [("-1", false), ("7", false)] {
        let web = f
            .post(
                "/pledges/p-version/commit",
                &[
                    ("commandId", &format!("web-commit{version}")),
                    ("expectedVersion", version),
                    ("committedOn", "2023-08-01"),
                ],
            )
            .await;
        let (graphql, _) = f
            .graphql(
                COMMIT,
                json!({ "input": {
                    "commandId": format!("gql-commit{version}"),
                    "expectedVersion": version.parse::<i64>().unwrap(),
                    "pledgeId": "p-version", "committedOn": "2023-08-01",
                } }),
            )
            .await;
        assert_eq!(
            (web, graphql),
            (accepted, accepted),
            "expectedVersion {version}"
        );
    }
}
