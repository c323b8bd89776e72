//! A small GraphQL-over-HTTP client.

use std::time::Duration;

use serde_json::{Value, json};

pub const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Talks to one server; cheap to clone (one connection pool per `Client::new`).
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    /// A client of its own (its own connections) for `http://addr`, without a token.
    pub fn new(base: impl Into<String>) -> Client {
        Client::build(base.into(), None)
    }

    /// A client that sends `Authorization: Bearer <token>` with every request.
    pub fn with_token(base: impl Into<String>, token: impl Into<String>) -> Client {
        Client::build(base.into(), Some(token.into()))
    }

    fn build(base: String, token: Option<String>) -> Client {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(token) = &token {
            let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
                .expect("a token is header text");
            value.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .default_headers(headers)
            .build()
            .expect("an HTTP client");
        Client { http, base, token }
    }

    /// The same server through new connections (a second user, same token).
    pub fn another(&self) -> Client {
        Client::build(self.base.clone(), self.token.clone())
    }

    /// The same server, as another principal (or anonymous: `None`).
    pub fn as_token(&self, token: Option<&str>) -> Client {
        Client::build(self.base.clone(), token.map(str::to_owned))
    }

    /// The token this client sends, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// POSTs `{query, variables}` as `application/json`; asserts a 200 JSON
    /// answer and returns its body (with `data` and/or `errors`).
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .http
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("POST /graphql");
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = response.text().await.expect("a response body");
        assert_eq!(status, 200, "POST /graphql answered {status}: {text}");
        assert!(
            content_type.starts_with("application/json"),
            "content type {content_type:?} for a client that sent no Accept"
        );
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }

    /// Like [`Client::gql`], and asserts there is no error: returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        expect_no_errors(&body);
        body["data"].clone()
    }

    /// Runs `mutation($input: InputType!) { name(input: $input) { selection } }`.
    pub async fn mutate(&self, name: &str, input: Value, selection: &str) -> Value {
        self.gql(&mutation_text(name, selection), json!({ "input": input }))
            .await
    }

    /// Like [`Client::mutate`], and asserts it succeeded: returns the entity.
    pub async fn mutate_ok(&self, name: &str, input: Value, selection: &str) -> Value {
        let body = self.mutate(name, input, selection).await;
        expect_no_errors(&body);
        body["data"][name].clone()
    }

    /// Like [`Client::mutate`], and asserts it was refused with `code`, that
    /// it changed nothing (no event appended) and that it returned no entity.
    pub async fn mutate_refused(&self, name: &str, input: Value, code: &str) -> Value {
        let before = self.event_count().await;
        let body = self.mutate(name, input, "__typename").await;
        let error = expect_code(&body, code).clone();
        assert!(
            body["data"].is_null(),
            "a refused {name} returned data: {body}"
        );
        assert_eq!(
            self.event_count().await,
            before,
            "a refused {name} ({code}) appended events"
        );
        error
    }

    /// `auditTrail { totalCount }`: the number of events in the log.
    pub async fn event_count(&self) -> i64 {
        let data = self.data("{ auditTrail { totalCount } }", json!({})).await;
        data["auditTrail"]["totalCount"]
            .as_i64()
            .expect("totalCount")
    }

    /// `fundingByPriority` with every figure, as JSON.
    pub async fn funding(&self, roadmap_id: &str, args: Value) -> Value {
        let body = self.funding_raw(roadmap_id, args).await;
        expect_no_errors(&body);
        body["data"]["fundingByPriority"].clone()
    }

    /// `fundingByPriority` answer as it came (errors included).
    pub async fn funding_raw(&self, roadmap_id: &str, args: Value) -> Value {
        let mut variables = args;
        variables["roadmapId"] = json!(roadmap_id);
        self.gql(FUNDING_QUERY, variables).await
    }
}

/// Every figure of `fundingByPriority`.
pub const FUNDING_QUERY: &str = r#"
query Funding($roadmapId: ID!, $currency: Currency, $asOf: DateTime, $on: Date) {
  fundingByPriority(roadmapId: $roadmapId, currency: $currency, asOf: $asOf, on: $on) {
    currency
    position
    on
    priorities {
      priority { id rank }
      required { amount currency }
      pledged { amount currency }
      committed { amount currency }
      disbursed { amount currency }
      gap { amount currency }
      coverage
      unvaluedCount
      isLowerBound
      donors { organisation { id } pledged { amount } committed { amount } disbursed { amount } }
    }
    unallocated { ...Line }
    total { ...Line }
  }
}
fragment Line on FundingLine {
  required { amount currency }
  pledged { amount currency }
  committed { amount currency }
  disbursed { amount currency }
  gap { amount currency }
  coverage
  unvaluedCount
  isLowerBound
  donors { organisation { id } pledged { amount } committed { amount } disbursed { amount } }
}
"#;

/// The GraphQL text of a mutation of the contract taking `input`.
pub fn mutation_text(name: &str, selection: &str) -> String {
    let mut input_type = String::new();
    let mut chars = name.chars();
    if let Some(first) = chars.next() {
        input_type.extend(first.to_uppercase());
        input_type.push_str(chars.as_str());
    }
    input_type.push_str("Input");
    format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} }} }}")
}

/// The `errors` of a response (empty when none).
pub fn errors_of(body: &Value) -> Vec<Value> {
    body["errors"].as_array().cloned().unwrap_or_default()
}

pub fn expect_no_errors(body: &Value) {
    assert!(
        errors_of(body).is_empty(),
        "expected no errors, got: {body}"
    );
}

/// The first error whose `extensions.code` is `code`; panics (showing the
/// whole answer) when there is none.
pub fn expect_code<'a>(body: &'a Value, code: &str) -> &'a Value {
    body["errors"]
        .as_array()
        .and_then(|errors| {
            errors
                .iter()
                .find(|e| e["extensions"]["code"].as_str() == Some(code))
        })
        .unwrap_or_else(|| panic!("expected an error with extensions.code {code}, got: {body}"))
}

/// The amount of a `Money` JSON value, as its string.
pub fn amount(money: &Value) -> &str {
    money["amount"]
        .as_str()
        .unwrap_or_else(|| panic!("not a Money with a string amount: {money}"))
}

/// Whether a JSON `Decimal` (a string) is the number `expected`, whatever its
/// trailing zeros (`"0.0000"` and `"0"`).
pub fn same_decimal(value: &Value, expected: &str) -> bool {
    fn normal(s: &str) -> &str {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.')
        } else {
            s
        }
    }
    value
        .as_str()
        .is_some_and(|s| normal(s) == normal(expected))
}
