//! The schema as the faces run it (`GuardedSchema`): documents kept by their
//! text give the same answers as parsed ones, and a document refused once
//! (syntax, limits) is refused every time and never kept.

use std::sync::Arc;

use fundtrail_api::build_schema;
use fundtrail_api::graphql::limits::MAX_ALIASES;
use fundtrail_app::auth::Caller;
use fundtrail_app::{AppState, Limits};
use fundtrail_store::EventStore;
use fundtrail_store_sqlite::SqliteStore;
use serde_json::Value;

async fn state() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let state = AppState::start(store, Limits::default()).await.unwrap();
    state.ready().await;
    (dir, state)
}

fn json(response: &async_graphql::Response) -> Value {
    serde_json::to_value(response).unwrap()
}

fn request(query: &str, name: &str) -> async_graphql::Request {
    let variables = async_graphql::Variables::from_json(serde_json::json!({ "name": name }));
    async_graphql::Request::new(query)
        .variables(variables)
        .data(Caller::Anonymous)
}

#[tokio::test]
async fn a_kept_document_answers_each_request_with_its_own_variables() {
    let (_dir, state) = state().await;
    let schema = build_schema(state);
    let query = "query($name: String!) { __type(name: $name) { name kind } }";
    let query_type = schema.execute(request(query, "Query")).await;
    assert_eq!(schema.kept_documents(), 1);
    let money = schema.execute(request(query, "Money")).await;
    let query_again = schema.execute(request(query, "Query")).await;
    assert_eq!(schema.kept_documents(), 1, "the same text is kept once");
    assert!(query_type.errors.is_empty(), "{}", json(&query_type));
    assert_eq!(
        json(&query_type)["data"],
        serde_json::json!({"__type": {"name": "Query", "kind": "OBJECT"}})
    );
    assert_eq!(
        json(&money)["data"],
        serde_json::json!({"__type": {"name": "Money", "kind": "OBJECT"}})
    );
    assert_eq!(json(&query_type), json(&query_again));
}

#[tokio::test]
async fn a_refused_document_is_refused_every_time_and_never_kept() {
    let (_dir, state) = state().await;
    let schema = build_schema(state);
    let aliases: Vec<String> = (0..=MAX_ALIASES)
        .map(|i| format!("a{i}: __typename"))
        .collect();
    let over = format!("{{ {} }}", aliases.join(" "));
    for text in [over.as_str(), "{ organisations { id "] {
        for _ in 0..2 {
            let response = schema
                .execute(async_graphql::Request::new(text).data(Caller::Anonymous))
                .await;
            assert_eq!(response.errors.len(), 1, "{text}");
            let code = response.errors[0]
                .extensions
                .as_ref()
                .and_then(|e| e.get("code"))
                .cloned();
            assert_eq!(code, Some(async_graphql::Value::from("BAD_USER_INPUT")));
        }
    }
    assert_eq!(schema.kept_documents(), 0);
}
