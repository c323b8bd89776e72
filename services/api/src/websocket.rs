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
//!
//! (4401 is the `graphql-ws` library's "Unauthorized"; a refused
//! `connection_init` is closed by the protocol layer with its own code and
//! the same `UNAUTHENTICATED: …` reason.)

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use fundtrail_domain::access::AccessError;
use futures::{SinkExt, StreamExt};

use crate::graphql::FundtrailSchema;
use fundtrail_app::AppState;
use fundtrail_app::auth::{self, Caller};

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
) {
    let (mut sink, incoming) = socket.split();
    let credential = Credential::default();
    let refusal = Refusal::default();

    // Every client message is checked before the protocol layer sees it; a
    // refused one ends the input, which ends the session and its subscriptions.
    let checked = incoming.take_while({
        let (state, credential, refusal) = (state.clone(), credential.clone(), refusal.clone());
        move |_| {
            let verdict = match credential.get() {
                Some(hash) => auth::authenticate_hash(&state, hash).map(|_| ()),
                None => Ok(()),
            };
            let go_on = match verdict {
                Ok(()) => true,
                Err(e) => {
                    refuse(&refusal, e);
                    false
                }
            };
            futures::future::ready(go_on)
        }
    });

    let (out, mut outgoing) = futures::channel::mpsc::channel::<Message>(16);
    let on_init = {
        let (state, credential) = (state.clone(), credential.clone());
        move |payload: serde_json::Value| async move {
            let caller = init(&state, &credential, public_read, &payload)
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
    let watch = Box::pin(until_refused(state, credential));
    let mut watch = watch;
    let mut serving = true;
    loop {
        tokio::select! {
            biased;
            e = &mut watch => {
                refuse(&refusal, e);
                break;
            }
            message = outgoing.next() => match message {
                Some(message) => {
                    if sink.send(message).await.is_err() {
                        return;
                    }
                }
                // The session ended and everything it said was sent.
                None => break,
            },
            () = &mut session, if serving => serving = false,
        }
    }
    let Some(e) = refusal.lock().ok().and_then(|mut r| r.take()) else {
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

/// `connection_init`: the caller its payload names, if it may read at all;
/// remembers the token so that later messages are checked against it.
fn init(
    state: &AppState,
    credential: &Credential,
    public_read: bool,
    payload: &serde_json::Value,
) -> Result<Caller, AccessError> {
    let caller = match auth::payload_token(payload)? {
        None => Caller::Anonymous,
        Some(token) => {
            let hash = auth::token_hash_of(token)?;
            let caller = auth::authenticate_hash(state, &hash)?;
            let _ = credential.set(hash);
            caller
        }
    };
    if matches!(caller, Caller::Anonymous) && !public_read {
        // the HTTP wording (a header) does not fit here
        return Err(AccessError::Unauthenticated(
            "send {\"Authorization\": \"Bearer <token>\"} in connection_init".into(),
        ));
    }
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
