//! `GET /graphql/ws`: GraphQL over websockets (`graphql-transport-ws`, and
//! the older `graphql-ws`), authorised for the whole life of the socket.
//!
//! The token comes in the `connection_init` payload and is checked there.
//! A socket lives for hours, so the check is not left at that: every message
//! the client sends is checked against the token's *current* state before
//! it reaches the schema, and the socket watches the ledger while it is
//! idle. When the token is revoked or expires, the server stops the socket's
//! operations and subscriptions and closes it with
//!
//! | close code | reason | when |
//! |---|---|---|
//! | 4401 | `UNAUTHENTICATED: token … has been revoked` (or `expired on …`) | the principal's token is no longer valid |
//! | 1009 | (message too big) | a message over the HTTP body limit (1 MiB by default) |
//!
//! The socket is held to the HTTP limits and to a few of its own
//! ([`SocketLimits`]): a message is at most the HTTP body limit; each
//! operation (`subscribe`) takes one request from the principal's rate
//! budget (shared with HTTP and the web pages); a socket runs at most
//! [`MAX_OPERATIONS_PER_SOCKET`] operations at once; a principal (or an
//! address, for anonymous readers) holds at most
//! [`MAX_SOCKETS_PER_CALLER`] sockets. An operation over a limit gets an
//! `error` message with `extensions.code` `RATE_LIMITED` and is not run.
//!
//! (4401 is the `graphql-ws` library's "Unauthorized"; a refused
//! `connection_init` is closed by the protocol layer with its own code and
//! the same `UNAUTHENTICATED: …` reason.)

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use fundtrail_domain::access::AccessError;
use futures::{SinkExt, StreamExt};

use crate::graphql::FundtrailSchema;
use fundtrail_app::AppState;
use fundtrail_app::auth::{self, Caller};
use fundtrail_app::rate_limit::{CallerKey, CallerLimiter, retry_after_secs};

/// Most operations one socket runs at once.
pub const MAX_OPERATIONS_PER_SOCKET: usize = 100;
/// Most sockets one principal (or one address, for anonymous readers) holds.
pub const MAX_SOCKETS_PER_CALLER: usize = 32;

/// What every socket of a server shares: the rate budget and who holds
/// how many sockets.
#[derive(Clone, Default)]
pub struct SocketLimits {
    pub limiter: Option<Arc<CallerLimiter>>,
    held: Arc<Mutex<HashMap<CallerKey, usize>>>,
}

impl SocketLimits {
    pub fn new(limiter: Option<Arc<CallerLimiter>>) -> Self {
        SocketLimits {
            limiter,
            held: Arc::default(),
        }
    }

    /// Counts one more socket for `key`, unless it holds the most already.
    fn hold(&self, key: &CallerKey) -> bool {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let count = held.entry(key.clone()).or_insert(0);
        if *count >= MAX_SOCKETS_PER_CALLER {
            return false;
        }
        *count += 1;
        true
    }

    fn release(&self, key: &CallerKey) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = held.get_mut(key) {
            *count -= 1;
            if *count == 0 {
                held.remove(key);
            }
        }
    }
}

/// The close code of a socket whose principal is no longer valid.
pub const CLOSE_UNAUTHENTICATED: u16 = 4401;

/// How often an idle socket re-checks its token even when the ledger does
/// not move (expiry is a matter of the date, not of an event).
const RECHECK_EVERY: Duration = Duration::from_secs(30);

/// The socket's token, once `connection_init` named one (by its recorded hash).
type Credential = Arc<OnceLock<String>>;

/// Why the socket is being closed, set by whichever check saw it first.
type Refusal = Arc<Mutex<Option<AccessError>>>;

/// Serves one upgraded socket until the client leaves or its principal
/// stops being valid.
pub(crate) async fn serve(
    socket: WebSocket,
    schema: FundtrailSchema,
    state: AppState,
    public_read: bool,
    protocol: GraphQLProtocol,
    limits: SocketLimits,
    address: Option<IpAddr>,
) {
    let (mut sink, incoming) = socket.split();
    let (out, mut outgoing) = futures::channel::mpsc::channel::<Message>(16);
    let shared = Shared::default();

    // Every client message passes the gate before the protocol layer sees
    // it; a refusal ends the input, which ends the session and its
    // subscriptions; an operation over a limit is answered and dropped.
    let mut gate = Gate {
        state: state.clone(),
        shared: shared.clone(),
        limits: limits.clone(),
        address,
        replies: out.clone(),
    };
    let checked = incoming
        .map(move |message| gate.admit(message))
        .take_while(|verdict| futures::future::ready(!matches!(verdict, Verdict::Close)))
        .filter_map(|verdict| {
            futures::future::ready(match verdict {
                Verdict::Pass(message) => Some(Ok::<_, axum::Error>(message)),
                Verdict::Drop | Verdict::Close => None,
            })
        });

    let on_init = {
        let (state, shared, limits) = (state.clone(), shared.clone(), limits.clone());
        move |payload: serde_json::Value| async move {
            let caller = init(&state, &shared, &limits, public_read, address, &payload)
                .map_err(|e| async_graphql::Error::new(close_reason(&e)))?;
            let mut data = async_graphql::Data::default();
            data.insert(caller);
            Ok(data)
        }
    };
    let session = GraphQLWebSocket::new_with_pair(out, checked, schema, protocol)
        .on_connection_init(on_init)
        .serve();
    let mut session = Box::pin(session);
    let mut watch = Box::pin(until_refused(state, shared.credential.clone()));
    let mut serving = true;
    loop {
        tokio::select! {
            biased;
            e = &mut watch => {
                refuse(&shared.refusal, e);
                break;
            }
            message = outgoing.next() => match message {
                Some(message) => {
                    shared.forget_finished(&message);
                    if sink.send(message).await.is_err() {
                        break;
                    }
                }
                // The session ended and everything it said was sent.
                None => break,
            },
            () = &mut session, if serving => serving = false,
        }
    }
    if let Some(key) = shared.held.get() {
        limits.release(key);
    }
    let Some(e) = shared.refusal.lock().ok().and_then(|mut r| r.take()) else {
        return;
    };
    // Ends the session's operations and subscriptions before saying why.
    drop(session);
    tracing::info!(reason = %e, "websocket closed: its principal is no longer valid");
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code: CLOSE_UNAUTHENTICATED,
            reason: close_reason(&e).into(),
        })))
        .await;
    let _ = sink.close().await;
}

/// What the gate, the init callback and the loop of one socket share.
#[derive(Clone, Default)]
struct Shared {
    credential: Credential,
    refusal: Refusal,
    /// The operations running (their ids).
    running: Arc<Mutex<HashSet<String>>>,
    /// The caller whose socket count this socket holds, and whose rate
    /// budget its operations take from.
    held: Arc<OnceLock<CallerKey>>,
}

impl Shared {
    /// An operation the server finished (`complete`, or `error`) no longer counts.
    fn forget_finished(&self, message: &Message) {
        let Message::Text(text) = message else {
            return;
        };
        if !(text.contains("\"complete\"") || text.contains("\"error\"")) {
            return;
        }
        if let Ok(envelope) = serde_json::from_str::<Envelope>(text.as_str())
            && matches!(envelope.kind.as_str(), "complete" | "error")
            && let Some(id) = envelope.id
            && let Ok(mut running) = self.running.lock()
        {
            running.remove(&id);
        }
    }
}

/// The parts of a protocol message the gate reads.
#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
}

enum Verdict {
    Pass(Message),
    Drop,
    Close,
}

/// Checks each client message: the principal still valid, the operation
/// within the rate budget and the socket's operation cap.
struct Gate {
    state: AppState,
    shared: Shared,
    limits: SocketLimits,
    address: Option<IpAddr>,
    replies: futures::channel::mpsc::Sender<Message>,
}

impl Gate {
    fn admit(&mut self, message: Result<Message, axum::Error>) -> Verdict {
        let text = match message {
            Ok(Message::Text(text)) => text,
            Ok(Message::Binary(bytes)) => match String::from_utf8(bytes.to_vec()) {
                Ok(text) => text.into(),
                Err(_) => return Verdict::Close,
            },
            // Pings, pongs and close frames are the transport's.
            Ok(_) => return Verdict::Drop,
            Err(_) => return Verdict::Close,
        };
        if let Some(hash) = self.shared.credential.get()
            && let Err(e) = auth::authenticate_hash(&self.state, hash)
        {
            refuse(&self.shared.refusal, e);
            return Verdict::Close;
        }
        let Ok(envelope) = serde_json::from_str::<Envelope>(text.as_str()) else {
            // Not a protocol message: the protocol layer says so.
            return Verdict::Pass(Message::Text(text));
        };
        match (envelope.kind.as_str(), envelope.id) {
            ("subscribe" | "start", Some(id)) => {
                if let Some(refused) = self.over_a_limit(&id) {
                    self.reply_error(&id, &refused);
                    return Verdict::Drop;
                }
            }
            ("complete" | "stop", Some(id)) => {
                if let Ok(mut running) = self.shared.running.lock() {
                    running.remove(&id);
                }
            }
            _ => {}
        }
        Verdict::Pass(Message::Text(text))
    }

    /// Why operation `id` may not start now, if it may not; else counts it.
    fn over_a_limit(&self, id: &str) -> Option<String> {
        if let Some(limiter) = &self.limits.limiter {
            // The caller this socket was counted for at `connection_init`.
            let key = self
                .shared
                .held
                .get()
                .cloned()
                .unwrap_or_else(|| CallerKey::of(None, self.address));
            if let Err(wait) = limiter.check(&key) {
                return Some(format!(
                    "too many requests from this caller: retry in {} s",
                    retry_after_secs(wait)
                ));
            }
        }
        let mut running = self
            .shared
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if running.len() >= MAX_OPERATIONS_PER_SOCKET && !running.contains(id) {
            return Some(format!(
                "this socket runs {MAX_OPERATIONS_PER_SOCKET} operations already: complete one first"
            ));
        }
        running.insert(id.to_owned());
        None
    }

    fn reply_error(&mut self, id: &str, message: &str) {
        let reply = serde_json::json!({
            "id": id,
            "type": "error",
            "payload": [{ "message": message, "extensions": { "code": "RATE_LIMITED" } }],
        });
        let _ = self
            .replies
            .try_send(Message::Text(reply.to_string().into()));
    }
}

/// `connection_init`: the caller its payload names, if it may read at all
/// and holds fewer than [`MAX_SOCKETS_PER_CALLER`] sockets; remembers the
/// token so that later messages are checked against it.
fn init(
    state: &AppState,
    shared: &Shared,
    limits: &SocketLimits,
    public_read: bool,
    address: Option<IpAddr>,
    payload: &serde_json::Value,
) -> Result<Caller, AccessError> {
    let caller = match auth::payload_token(payload)? {
        None => Caller::Anonymous,
        Some(token) => {
            let hash = auth::token_hash_of(token)?;
            let caller = auth::authenticate_hash(state, &hash)?;
            let _ = shared.credential.set(hash);
            caller
        }
    };
    if matches!(caller, Caller::Anonymous) && !public_read {
        // the HTTP wording (a header) does not fit here
        return Err(AccessError::Unauthenticated(
            "send {\"Authorization\": \"Bearer <token>\"} in connection_init".into(),
        ));
    }
    let key = CallerKey::of(caller.principal().map(|p| p.name.as_str()), address);
    if !limits.hold(&key) {
        return Err(AccessError::Forbidden(format!(
            "this caller holds {MAX_SOCKETS_PER_CALLER} sockets already: close one first"
        )));
    }
    let _ = shared.held.set(key);
    Ok(caller)
}

fn refuse(refusal: &Refusal, e: AccessError) {
    if let Ok(mut slot) = refusal.lock() {
        slot.get_or_insert(e);
    }
}

/// Resolves when the socket's token stops being valid: re-checked whenever
/// the read models move (a revocation is an event) and every
/// [`RECHECK_EVERY`] (an expiry is a date).
async fn until_refused(state: AppState, credential: Credential) -> AccessError {
    let mut applied = state.watch_applied();
    loop {
        tokio::select! {
            changed = applied.changed() => {
                if changed.is_err() {
                    // no driver any more: only the timer is left
                    tokio::time::sleep(RECHECK_EVERY).await;
                }
            }
            () = tokio::time::sleep(RECHECK_EVERY) => {}
        }
        if let Some(hash) = credential.get()
            && let Err(e) = auth::authenticate_hash(&state, hash)
        {
            return e;
        }
    }
}

/// A websocket close reason: at most 123 bytes, the code first.
pub(crate) fn close_reason(e: &AccessError) -> String {
    let mut reason = format!("{}: {e}", e.code());
    if reason.len() > 123 {
        let mut end = 120;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
        reason.push('…');
    }
    reason
}
