//! The HTTP face: GraphQL over HTTP (content negotiation and status codes as
//! the GraphQL-over-HTTP spec asks), subscriptions over websockets, GraphiQL,
//! health and readiness, and the limits every request is held to.

use std::collections::HashMap;
use std::time::Duration;

use async_graphql::parser::types::OperationType;
use async_graphql_axum::GraphQLProtocol;
use axum::Router;
use axum::body::Bytes;
use axum::extract::WebSocketUpgrade;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fundtrail_domain::access::AccessError;
use serde_json::{Value, json};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use std::sync::Arc;

use crate::graphql::FundtrailSchema;
use crate::rate_limit::{self, Limiting};
use crate::response_cache::{Key, ResponseCache};
use fundtrail_app::AppState;
use fundtrail_app::auth::{self, AuthPolicy, Caller};
use fundtrail_app::rate_limit::CallerLimiter;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// How the server answers requests.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    /// Who may do what without a token.
    pub auth: AuthPolicy,
    /// Who may read `GET /metrics` here.
    pub metrics: crate::metrics::MetricsAccess,
    /// Requests per caller (principal, or address without one), shared with
    /// the web pages and applied to each websocket operation; `None`: no limit.
    pub rate_limit: Option<Arc<CallerLimiter>>,
    /// Requests in flight at once, shared with the web pages (503 with
    /// `Retry-After` past it, [`crate::overload`]); `None`: no bound.
    pub in_flight: Option<crate::overload::InFlight>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            auth: AuthPolicy::default(),
            metrics: crate::metrics::MetricsAccess::default(),
            rate_limit: None,
            in_flight: None,
        }
    }
}

#[derive(Clone)]
struct Http {
    schema: FundtrailSchema,
    state: AppState,
    auth: AuthPolicy,
    answers: Arc<ResponseCache>,
    sockets: crate::websocket::SocketLimits,
    max_message_bytes: usize,
}

pub fn router(schema: FundtrailSchema, state: AppState, options: ServeOptions) -> Router {
    let http = Http {
        schema: schema.clone(),
        state,
        auth: options.auth,
        answers: Arc::new(ResponseCache::new(1_024, 64 * 1024 * 1024)),
        sockets: crate::websocket::SocketLimits::new(options.rate_limit.clone()),
        max_message_bytes: options.max_body_bytes,
    };
    let mut api = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(graphql_ws))
        .route("/graphiql", get(crate::graphiql::page))
        .route("/export/{file}", get(export_file))
        .with_state(http.clone())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            options.request_timeout,
        ));
    if let Some(limiter) = options.rate_limit.clone() {
        let limiting = Limiting {
            limiter,
            state: http.state.clone(),
        };
        api = api.layer(axum::middleware::from_fn_with_state(
            limiting,
            rate_limit::limit,
        ));
    }
    // Probes stay out of the request log: a 503 from /readyz while the read
    // models catch up is not a failure.
    let metrics_state = http.state.clone();
    let probes = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(http);
    // GraphiQL's assets are the binary's own bytes: not rate limited, so the
    // page's six files never use up a caller's burst.
    let assets = Router::new().route("/graphiql/assets/{file}", get(crate::graphiql::asset));
    let app = Router::new()
        .merge(api)
        .merge(assets)
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(options.max_body_bytes))
        .layer(TraceLayer::new_for_http());
    // Outside the rate limit (a request shed takes nothing from its caller's
    // budget) and the request log (no error line per shed request, which
    // would cost the most when the server can least afford it; the metrics
    // still count each 503).
    let app = match &options.in_flight {
        Some(in_flight) => in_flight.limit(app),
        None => app,
    }
    .merge(probes);
    // `GET /metrics`, and every request above counted (`crate::metrics`).
    crate::metrics::instrument(app, metrics_state, options.metrics)
}

/// `GET /export/{table}.{csv|json|xlsx}?roadmap=&currency=&asOf=&on=&lang=`, and
/// `GET /export/pledges.xml?reportingOrg=&reportingOrgRef=&roadmap=&lang=` (IATI).
async fn export_file(
    State(http): State<Http>,
    headers: HeaderMap,
    axum::extract::Path(file): axum::extract::Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Err(refused) = http.caller(&headers) {
        return refused_plain(&refused);
    }
    use fundtrail_export::{ExportError, ExportQuery, Format, Kind};
    let text_error = |status: StatusCode, message: String| {
        let mut response = (status, format!("{message}\n")).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    };
    let Some((name, extension)) = file.rsplit_once('.') else {
        return text_error(
            StatusCode::NOT_FOUND,
            format!("no export {file:?}: ask for e.g. /export/funding.csv"),
        );
    };
    let (kind, format) = match (name.parse::<Kind>(), extension.parse::<Format>()) {
        (Ok(kind), Ok(format)) => (kind, format),
        (Err(e), _) | (_, Err(e)) => return text_error(StatusCode::NOT_FOUND, e),
    };
    let now = http.state.clock().now();
    // Building a workbook is CPU work: keep it off the async workers.
    let state = http.state.clone();
    let result = tokio::task::spawn_blocking(move || {
        ExportQuery::from_params(&params, now.date_naive()).and_then(|q| {
            let bytes = fundtrail_export::export(&state.read(), kind, &q, format, now)?;
            Ok((q, bytes))
        })
    })
    .await
    .unwrap_or_else(|e| Err(ExportError::Write(e.to_string())));
    match result {
        Ok((q, bytes)) => {
            let file_name = format!("{}-{}", kind.name(), q.roadmap.as_deref().unwrap_or("all"));
            let file_name: String = file_name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let disposition = format!(
                "attachment; filename=\"{file_name}.{}\"",
                format.extension()
            );
            let mut response = (StatusCode::OK, bytes).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            );
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(e @ ExportError::BadRequest(_)) => text_error(StatusCode::BAD_REQUEST, e.to_string()),
        Err(e @ ExportError::NotFound(_)) => text_error(StatusCode::NOT_FOUND, e.to_string()),
        Err(e @ ExportError::Unavailable(_)) => {
            text_error(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
        }
        Err(e @ ExportError::Write(_)) => {
            text_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
        }
    }
}

impl Http {
    /// The request's caller, if it may read at all.
    fn caller(&self, headers: &HeaderMap) -> Result<Caller, AccessError> {
        let header = headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().map_err(|_| ()));
        let caller = auth::authenticate_header(&self.state, header)?;
        self.auth.admit(&caller)?;
        Ok(caller)
    }
}

fn access_status(e: &AccessError) -> StatusCode {
    match e {
        AccessError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AccessError::Forbidden(_) => StatusCode::FORBIDDEN,
    }
}

/// A refusal as plain text (exports).
fn refused_plain(e: &AccessError) -> Response {
    let mut response = (access_status(e), format!("{}: {e}\n", e.code())).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if matches!(e, AccessError::Unauthenticated(_)) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// A refusal as a GraphQL error with its `extensions.code`.
fn refused_graphql(e: &AccessError, media: Media) -> Response {
    let body =
        json!({ "errors": [{ "message": e.to_string(), "extensions": { "code": e.code() } }] });
    let mut response = respond(access_status(e), media, &body);
    if matches!(e, AccessError::Unauthenticated(_)) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// Subscriptions (and queries and mutations) over websockets; see
/// [`crate::websocket`] for how each message is authorised.
async fn graphql_ws(
    State(http): State<Http>,
    protocol: GraphQLProtocol,
    connect_info: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let address = connect_info.map(|c| c.0.0.ip());
    // A socket's messages are held to the HTTP body limit.
    upgrade
        .max_message_size(http.max_message_bytes)
        .max_frame_size(http.max_message_bytes)
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            crate::websocket::serve(
                socket,
                http.schema.clone(),
                http.state.clone(),
                http.auth.public_read,
                protocol,
                http.sockets.clone(),
                address,
            )
        })
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(http): State<Http>) -> Response {
    if http.state.is_ready() {
        match http.state.store_reachable().await {
            Ok(()) => (StatusCode::OK, "ready\n").into_response(),
            Err(e) => (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("store unreachable: {e}\n"),
            )
                .into_response(),
        }
    } else {
        let body = format!(
            "catching up: read models at position {}\n",
            http.state.applied()
        );
        (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
    }
}

/// The media type of the answer, from the request's `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Media {
    GraphqlResponse,
    Json,
}

impl Media {
    fn as_str(self) -> &'static str {
        match self {
            Media::GraphqlResponse => GRAPHQL_RESPONSE,
            Media::Json => JSON,
        }
    }
}

/// The answer when nothing acceptable can be sent.
struct NotAcceptable;

impl IntoResponse for NotAcceptable {
    fn into_response(self) -> Response {
        plain_error(
            StatusCode::NOT_ACCEPTABLE,
            Media::Json,
            "accept application/graphql-response+json or application/json",
        )
    }
}

fn negotiate(headers: &HeaderMap) -> Result<Media, NotAcceptable> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(Media::Json);
    };
    let types: Vec<&str> = accept
        .split(',')
        .map(|t| t.split(';').next().unwrap_or("").trim())
        .collect();
    if types
        .iter()
        .any(|t| t.eq_ignore_ascii_case(GRAPHQL_RESPONSE))
    {
        Ok(Media::GraphqlResponse)
    } else if types.iter().any(|t| {
        t.eq_ignore_ascii_case(JSON) || *t == "*/*" || t.eq_ignore_ascii_case("application/*")
    }) {
        Ok(Media::Json)
    } else {
        Err(NotAcceptable)
    }
}

fn plain_error(status: StatusCode, media: Media, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message }] });
    respond(status, media, &body)
}

fn respond(status: StatusCode, media: Media, body: &Value) -> Response {
    respond_bytes(status, media, serde_json::to_vec(body).unwrap_or_default())
}

fn respond_bytes(status: StatusCode, media: Media, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    let content_type = format!("{}; charset=utf-8", media.as_str());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type).expect("a valid content type"),
    );
    response
}

/// The parameters of a GraphQL-over-HTTP request, checked.
fn request_from(params: &serde_json::Map<String, Value>) -> Result<async_graphql::Request, String> {
    let query = match params.get("query") {
        Some(Value::String(q)) => q.clone(),
        Some(_) => return Err("`query` must be a string".into()),
        None => return Err("the request has no `query`".into()),
    };
    let mut request = async_graphql::Request::new(query);
    match params.get("operationName") {
        None | Some(Value::Null) => {}
        Some(Value::String(name)) => request = request.operation_name(name.clone()),
        Some(_) => return Err("`operationName` must be a string".into()),
    }
    match params.get("variables") {
        None | Some(Value::Null) => {}
        Some(v @ Value::Object(_)) => {
            request = request.variables(async_graphql::Variables::from_json(v.clone()))
        }
        Some(_) => return Err("`variables` must be an object".into()),
    }
    match params.get("extensions") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(_) => return Err("`extensions` must be an object".into()),
    }
    Ok(request)
}

async fn graphql_post(State(http): State<Http>, headers: HeaderMap, body: Bytes) -> Response {
    let media = match negotiate(&headers) {
        Ok(media) => media,
        Err(refused) => return refused.into_response(),
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if content_type.as_deref() != Some(JSON) {
        return plain_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "send the request as application/json",
        );
    }
    let params = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(params)) => params,
        Ok(Value::Array(_)) => {
            return plain_error(
                StatusCode::BAD_REQUEST,
                media,
                "batched requests are not supported",
            );
        }
        Ok(_) => {
            return plain_error(
                StatusCode::BAD_REQUEST,
                media,
                "the request body must be a JSON object",
            );
        }
        Err(e) => {
            return plain_error(
                StatusCode::BAD_REQUEST,
                media,
                &format!("the request body is not JSON: {e}"),
            );
        }
    };
    let caller = match http.caller(&headers) {
        Ok(caller) => caller,
        Err(refused) => return refused_graphql(&refused, media),
    };
    match request_from(&params) {
        Ok(request) => execute(&http, request, media, caller).await,
        Err(message) => plain_error(StatusCode::BAD_REQUEST, media, &message),
    }
}

async fn graphql_get(
    State(http): State<Http>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let media = match negotiate(&headers) {
        Ok(media) => media,
        Err(refused) => return refused.into_response(),
    };
    let caller = match http.caller(&headers) {
        Ok(caller) => caller,
        Err(refused) => return refused_graphql(&refused, media),
    };
    let mut params = serde_json::Map::new();
    for (key, value) in &query {
        let value = match key.as_str() {
            "variables" | "extensions" => match serde_json::from_str::<Value>(value) {
                Ok(v) => v,
                Err(_) => {
                    return plain_error(
                        StatusCode::BAD_REQUEST,
                        media,
                        &format!("`{key}` is not JSON"),
                    );
                }
            },
            _ => Value::String(value.clone()),
        };
        params.insert(key.clone(), value);
    }
    let mut request = match request_from(&params) {
        Ok(request) => request,
        Err(message) => return plain_error(StatusCode::BAD_REQUEST, media, &message),
    };
    if is_mutation(&mut request) {
        let mut response = plain_error(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            "mutations are sent with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(&http, request, media, caller).await
}

fn is_mutation(request: &mut async_graphql::Request) -> bool {
    operation_type(request) == Some(OperationType::Mutation)
}

/// The type of the operation the request runs (None when the document has
/// no such operation, or the document does not parse: the schema says why).
/// The parsed document stays in the request.
fn operation_type(request: &mut async_graphql::Request) -> Option<OperationType> {
    let name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    let mut operations = document.operations.iter();
    let chosen = match &name {
        Some(name) => operations.find(|(n, _)| n.is_some_and(|n| n.as_str() == name)),
        None => operations.next(),
    };
    chosen.map(|(_, op)| op.node.ty)
}

async fn execute(
    http: &Http,
    request: async_graphql::Request,
    media: Media,
    caller: Caller,
) -> Response {
    // Read-only queries are answered from the cache while the ledger has not
    // moved (only query answers are ever put there, so a hit needs no parsing).
    let position = http.state.applied();
    let day = http.state.clock().today();
    let key = Key {
        query: request.query.clone(),
        operation: request.operation_name.clone(),
        variables: serde_json::to_string(&request.variables).unwrap_or_default(),
        media: media.as_str(),
        caller: caller.cache_key(),
    };
    if let Some(body) = http.answers.get(position, day, &key) {
        return respond_bytes(StatusCode::OK, media, body.to_vec());
    }
    // A syntax error or a document over the limits is answered here: the
    // schema would only parse the document again (a second or more for a
    // hostile megabyte) to say the same.
    let (key, mut response) = match http.schema.prepare(request.data(caller)) {
        Ok(mut prepared) => {
            let operation = operation_type(prepared.request());
            let key = (operation == Some(OperationType::Query)).then_some(key);
            (key, http.schema.execute_prepared(prepared).await)
        }
        Err(refused) => (None, *refused),
    };
    bound_errors(&mut response.errors);
    if let Some(key) = key
        && response.errors.is_empty()
        && http.state.applied() == position
        && let Ok(body) = serde_json::to_vec(&response)
    {
        let body: Arc<[u8]> = Arc::from(body);
        http.answers.put(position, day, key, body.clone());
        return respond_bytes(StatusCode::OK, media, body.to_vec());
    }
    // A request error (syntax, validation, variables): no data at all, and
    // no error points into the result.
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let mut body = serde_json::to_value(&response).unwrap_or_else(|_| json!({}));
    if request_error && let Some(object) = body.as_object_mut() {
        object.remove("data");
        // Every error carries a contract code: a request the schema refuses is bad input.
        if let Some(Value::Array(errors)) = object.get_mut("errors") {
            for error in errors.iter_mut().filter_map(Value::as_object_mut) {
                let extensions = error.entry("extensions").or_insert_with(|| json!({}));
                if let Some(extensions) = extensions.as_object_mut() {
                    extensions
                        .entry("code")
                        .or_insert_with(|| json!("BAD_USER_INPUT"));
                }
            }
        }
    }
    let status = if request_error && media == Media::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    respond(status, media, &body)
}

/// Most errors in one answer: a 500 KB document can draw 100,000 ("unknown
/// argument" for each of its arguments), a 20 MB answer.
const MAX_ERRORS: usize = 100;
/// Longest error message sent: a syntax error quotes the offending line,
/// which can be the whole 1 MiB query.
const MAX_ERROR_MESSAGE: usize = 1_000;

/// Keeps the first [`MAX_ERRORS`] errors (and says how many more there were)
/// and cuts messages to [`MAX_ERROR_MESSAGE`] bytes.
fn bound_errors(errors: &mut Vec<async_graphql::ServerError>) {
    if errors.len() > MAX_ERRORS {
        let more = errors.len() - MAX_ERRORS;
        errors.truncate(MAX_ERRORS);
        let mut summary =
            async_graphql::ServerError::new(format!("... and {more} more errors"), None);
        // The code of the errors it stands for (the last one kept's, say).
        let code = errors
            .last()
            .and_then(|e| e.extensions.as_ref())
            .and_then(|extensions| extensions.get("code"))
            .cloned();
        if let Some(code) = code {
            let mut extensions = async_graphql::ErrorExtensionValues::default();
            extensions.set("code", code);
            summary.extensions = Some(extensions);
        }
        errors.push(summary);
    }
    for error in errors.iter_mut() {
        if error.message.len() > MAX_ERROR_MESSAGE {
            let mut end = MAX_ERROR_MESSAGE;
            while !error.message.is_char_boundary(end) {
                end -= 1;
            }
            error.message.truncate(end);
            error.message.push('…');
        }
    }
}
