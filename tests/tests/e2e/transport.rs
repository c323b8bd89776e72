//! GraphQL over HTTP: methods, media types, status codes; health and readiness.

use fundtrail_e2e::TestServer;
use fundtrail_e2e::client::GRAPHQL_RESPONSE;
use fundtrail_e2e::seed;
use serde_json::{Value, json};

struct Answer {
    status: u16,
    content_type: String,
    body: Value,
    allow: Option<String>,
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type").unwrap_or_default();
    let allow = header("allow");
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        content_type,
        body,
        allow,
    }
}

pub async fn get_queries_and_refuses_mutations(server: &TestServer) {
    let c = &server.client;
    seed::organisations(c).await;
    let get = |params: Vec<(&'static str, String)>, accept: Option<&'static str>| {
        let c = c.clone();
        async move {
            let url = reqwest::Url::parse_with_params(&c.url("/graphql"), &params).unwrap();
            let mut request = c.http().get(url);
            if let Some(accept) = accept {
                request = request.header("accept", accept);
            }
            answer(request.send().await.unwrap()).await
        }
    };

    // A query, with variables and an operation name.
    let a = get(
        vec![
            (
                "query",
                "query One($id: ID!) { organisation(id: $id) { id kind } } query Two { roadmaps { id } }".into(),
            ),
            ("variables", json!({ "id": "giz" }).to_string()),
            ("operationName", "One".into()),
        ],
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.content_type.starts_with("application/json"),
        "{}",
        a.content_type
    );
    assert_eq!(
        a.body,
        json!({ "data": { "organisation": { "id": "giz", "kind": "BILATERAL_AGENCY" } } })
    );
    let a = get(
        vec![("query", "{ organisations { id } }".into())],
        Some(GRAPHQL_RESPONSE),
    )
    .await;
    assert_eq!(a.status, 200);
    assert!(
        a.content_type.starts_with(GRAPHQL_RESPONSE),
        "{}",
        a.content_type
    );
    assert_eq!(a.body["data"]["organisations"].as_array().unwrap().len(), 5);

    // A mutation over GET: 405, Allow: POST, and nothing recorded.
    let before = c.event_count().await;
    let a = get(
        vec![(
            "query",
            r#"mutation { registerOrganisation(input: { id: "x", name: "X", kind: OTHER, country: "FRA" }) { id } }"#.into(),
        )],
        None,
    )
    .await;
    assert_eq!(a.status, 405, "{}", a.body);
    assert_eq!(a.allow.as_deref(), Some("POST"));
    // The operation chosen by name decides.
    let a = get(
        vec![
            (
                "query",
                r#"query Q { roadmaps { id } } mutation M { registerOrganisation(input: { id: "y", name: "Y", kind: OTHER, country: "FRA" }) { id } }"#.into(),
            ),
            ("operationName", "M".into()),
        ],
        None,
    )
    .await;
    assert_eq!(a.status, 405);
    assert_eq!(c.event_count().await, before);
    // Variables that are not JSON.
    let a = get(
        vec![
            ("query", "{ roadmaps { id } }".into()),
            ("variables", "{not json".into()),
        ],
        None,
    )
    .await;
    assert_eq!(a.status, 400);
    // No query at all.
    let a = get(vec![], None).await;
    assert_eq!(a.status, 400);
}

pub async fn post_content_types_and_malformed_bodies(server: &TestServer) {
    let c = &server.client;
    let post = |content_type: Option<&'static str>, body: &'static str| {
        let c = c.clone();
        async move {
            let mut request = c.http().post(c.url("/graphql")).body(body);
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            answer(request.send().await.unwrap()).await
        }
    };
    let query = r#"{"query":"{ roadmaps { id } }"}"#;
    assert_eq!(post(Some("application/json"), query).await.status, 200);
    assert_eq!(
        post(Some("application/json; charset=utf-8"), query)
            .await
            .status,
        200
    );
    let a = post(Some("text/plain"), query).await;
    assert_eq!(a.status, 415, "{}", a.body);
    assert_eq!(post(None, query).await.status, 415);
    // Malformed JSON, a body that is not an object, a query that is not a string.
    let a = post(
        Some("application/json"),
        r#"{"query": "{ roadmaps { id } }""#,
    )
    .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body["errors"][0]["message"].is_string(), "{}", a.body);
    assert_eq!(
        post(Some("application/json"), r#""just a string""#)
            .await
            .status,
        400
    );
    assert_eq!(
        post(Some("application/json"), r#"{"query": 42}"#)
            .await
            .status,
        400
    );
    assert_eq!(
        post(Some("application/json"), r#"{"variables": {}}"#)
            .await
            .status,
        400
    );
    assert_eq!(
        post(
            Some("application/json"),
            r#"{"query": "{ roadmaps { id } }", "variables": [1]}"#
        )
        .await
        .status,
        400
    );
}

pub async fn status_codes_follow_the_accepted_media_type(server: &TestServer) {
    let c = &server.client;
    let post = |accept: &'static str, query: &'static str| {
        let c = c.clone();
        async move {
            let response = c
                .http()
                .post(c.url("/graphql"))
                .header("accept", accept)
                .json(&json!({ "query": query }))
                .send()
                .await
                .unwrap();
            answer(response).await
        }
    };
    let syntax_error = "{ roadmaps { id ";
    let validation_error = "{ roadmaps { noSuchField } }";

    // application/graphql-response+json: request errors are 400, without data.
    for query in [syntax_error, validation_error] {
        let a = post(GRAPHQL_RESPONSE, query).await;
        assert_eq!(a.status, 400, "{query}: {}", a.body);
        assert!(
            a.content_type.starts_with(GRAPHQL_RESPONSE),
            "{}",
            a.content_type
        );
        assert!(a.body.get("data").is_none(), "{}", a.body);
        assert!(!a.body["errors"].as_array().unwrap().is_empty());
    }
    // application/json: 200 with the errors.
    for query in [syntax_error, validation_error] {
        let a = post("application/json", query).await;
        assert_eq!(a.status, 200, "{query}: {}", a.body);
        assert!(
            a.content_type.starts_with("application/json"),
            "{}",
            a.content_type
        );
        assert!(a.body.get("data").is_none(), "{}", a.body);
        assert!(!a.body["errors"].as_array().unwrap().is_empty());
    }
    // A field error is not a request error: 200 with data, either way.
    let a = post(
        GRAPHQL_RESPONSE,
        r#"{ fundingByPriority(roadmapId: "nope") { currency } }"#,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.get("data").is_some(), "{}", a.body);
    assert_eq!(a.body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    // Both accepted: the new media type wins; neither: 406.
    let a = post(
        "application/json, application/graphql-response+json",
        "{ roadmaps { id } }",
    )
    .await;
    assert!(
        a.content_type.starts_with(GRAPHQL_RESPONSE),
        "{}",
        a.content_type
    );
    let a = post("*/*", "{ roadmaps { id } }").await;
    assert_eq!(a.status, 200);
    assert_eq!(post("text/html", "{ roadmaps { id } }").await.status, 406);
}

pub async fn health_and_readiness(server: &TestServer) {
    let c = &server.client;
    let get = |path: &'static str| {
        let c = c.clone();
        async move { answer(c.http().get(c.url(path)).send().await.unwrap()).await }
    };
    assert_eq!(get("/healthz").await.status, 200);
    assert_eq!(get("/readyz").await.status, 200);
    // Still ready with events flowing.
    seed::world(c).await;
    assert_eq!(get("/readyz").await.status, 200);
    assert!(server.state().is_ready());
    assert_eq!(get("/no-such-path").await.status, 404);
}
