//! Authentication: who sends a request, from its `Authorization: Bearer`
//! token (HTTP) or the `connection_init` payload (websockets).
//!
//! A token is looked up by its SHA-256 in the read models (tokens are events
//! like every other fact). No token means an anonymous caller, which may read
//! only when the server runs with `--public-read`; a token that is unknown,
//! revoked or expired is refused outright. Messages never repeat the token.
//!
//! What a principal may do is decided elsewhere: the command side checks role
//! and scope of every command ([`fundtrail_domain::access::authorize`]); the
//! GraphQL layer checks the readers' roles (audit trail, verification,
//! tokens).

use chrono::NaiveDate;
use fundtrail_domain::Role;
use fundtrail_domain::access::{self, AccessError, IssueToken, Principal, TOKEN_PREFIX};
use fundtrail_ledger::{Command, CommandContext, ServiceError};
use rand::RngCore;

use crate::state::AppState;

/// Who sends a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    Principal(Principal),
}

impl Caller {
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Caller::Anonymous => None,
            Caller::Principal(p) => Some(p),
        }
    }

    /// What answers may depend on (`me`, the audit trail): the principal,
    /// never the token.
    pub fn cache_key(&self) -> String {
        match self {
            Caller::Anonymous => String::new(),
            Caller::Principal(p) => format!("{}\u{0}{}\u{0}{}", p.role, p.name, p.scope),
        }
    }
}

/// How the server treats callers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthPolicy {
    /// Anonymous callers may read (a transparency portal); they never write.
    pub public_read: bool,
}

impl AuthPolicy {
    /// May this caller read at all?
    pub fn admit(&self, caller: &Caller) -> Result<(), AccessError> {
        match caller {
            Caller::Anonymous if !self.public_read => Err(unauthenticated()),
            _ => Ok(()),
        }
    }
}

pub fn unauthenticated() -> AccessError {
    AccessError::Unauthenticated(
        "this server needs an API token: send `Authorization: Bearer <token>` \
         (create one with `fundtrail token create`)"
            .into(),
    )
}

/// The token in an `Authorization` header value, if it is a Bearer one.
pub fn bearer(value: &str) -> Result<&str, AccessError> {
    let value = value.trim();
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AccessError::Unauthenticated(
            "the Authorization header must be `Bearer <token>`".into(),
        ));
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AccessError::Unauthenticated(
            "the Authorization header has no token after `Bearer`".into(),
        ));
    }
    Ok(token)
}

/// The caller a token stands for, today.
pub fn authenticate_token(state: &AppState, token: &str) -> Result<Caller, AccessError> {
    authenticate_hash(state, &token_hash_of(token)?)
}

/// The recorded hash of `token` (what the ledger knows it by); a token too
/// long to be one of ours is refused before hashing.
pub fn token_hash_of(token: &str) -> Result<String, AccessError> {
    if token.len() > 256 {
        return Err(AccessError::Unauthenticated(
            "the token is not valid".into(),
        ));
    }
    Ok(access::token_hash(token))
}

/// The caller the token recorded with `hash` stands for, today: refused once
/// it is revoked or expired. Long-lived connections call this for every
/// operation, so a revocation takes effect on them too.
pub fn authenticate_hash(state: &AppState, hash: &str) -> Result<Caller, AccessError> {
    let today = state.clock().today();
    let model = state.read();
    match model.tokens().by_hash(hash) {
        Some(t) => t.authenticate(today).map(Caller::Principal),
        None => Err(AccessError::Unauthenticated(
            "the token is not valid (unknown to this ledger)".into(),
        )),
    }
}

/// The caller of an HTTP request from its `Authorization` header's value
/// (`None`: no header, an anonymous caller; `Err(())` inside: not text).
pub fn authenticate_header(
    state: &AppState,
    value: Option<Result<&str, ()>>,
) -> Result<Caller, AccessError> {
    match value {
        None => Ok(Caller::Anonymous),
        Some(Err(())) => Err(AccessError::Unauthenticated(
            "the Authorization header is not text".into(),
        )),
        Some(Ok(value)) => authenticate_token(state, bearer(value)?),
    }
}

/// The token of a websocket, from the `connection_init` payload:
/// `{"Authorization": "Bearer <token>"}` (any case of the key), or
/// `{"token": "<token>"}`. `None` (anonymous) when the payload names none.
pub fn payload_token(payload: &serde_json::Value) -> Result<Option<&str>, AccessError> {
    let Some(object) = payload.as_object() else {
        return Ok(None);
    };
    let header = object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v);
    if let Some(value) = header {
        let text = value.as_str().ok_or_else(|| {
            AccessError::Unauthenticated("`Authorization` must be a string".into())
        })?;
        return bearer(text).map(Some);
    }
    match object.get("token") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(token)) => Ok(Some(token)),
        Some(_) => Err(AccessError::Unauthenticated(
            "`token` must be a string".into(),
        )),
    }
}

/// Who a new token is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFor {
    /// The principal's name: the actor of the events recorded with the token.
    pub name: String,
    pub role: Role,
    /// Officers only: the roadmaps it may record facts about (empty: all).
    pub roadmaps: Vec<String>,
    /// Officers only: the organisations whose facts it may record (empty: all).
    pub organisations: Vec<String>,
    /// The last day the token is valid (UTC).
    pub expires_on: Option<NaiveDate>,
}

impl TokenFor {
    /// A token for `name` with `role`, no scope, no expiry.
    pub fn new(name: impl Into<String>, role: Role) -> Self {
        TokenFor {
            name: name.into(),
            role,
            roadmaps: Vec::new(),
            organisations: Vec::new(),
            expires_on: None,
        }
    }
}

/// A token just recorded: `token` is shown once; only its hash is in the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedToken {
    pub token: String,
    pub token_id: String,
}

/// Makes a token for `request` and records it through the ledger as
/// `context`'s principal (who must be an admin).
pub async fn create_token(
    state: &AppState,
    context: &CommandContext,
    request: TokenFor,
) -> Result<CreatedToken, ServiceError> {
    let (token, token_hash) = new_token();
    let token_id = new_token_id();
    let command = Command::Token(
        IssueToken {
            token_id: token_id.clone(),
            principal: request.name,
            role: request.role,
            roadmaps: request.roadmaps,
            organisations: request.organisations,
            expires_on: request.expires_on,
            token_hash,
        }
        .into(),
    );
    state.execute(context, command).await?;
    Ok(CreatedToken { token, token_id })
}

/// A new token and its recorded hash: `ft_` and 64 hex digits (256 random bits).
fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
    let hash = access::token_hash(&token);
    (token, hash)
}

/// A new token id (32 hex digits).
fn new_token_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer("Bearer ft_abc").unwrap(), "ft_abc");
        assert_eq!(bearer("bearer   ft_abc ").unwrap(), "ft_abc");
        let e = bearer("Basic dXNlcjpwYXNz").unwrap_err();
        assert_eq!(e.code(), "UNAUTHENTICATED");
        assert!(!e.to_string().contains("dXNlcjpwYXNz"));
        assert!(bearer("Bearer").is_err());
        assert!(bearer("Bearer  ").is_err());
    }

    #[test]
    fn new_tokens_are_random_and_hashed() {
        let (a, ha) = new_token();
        let (b, hb) = new_token();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert!(a.starts_with("ft_") && a.len() == 3 + 64, "{a}");
        assert_eq!(ha, access::token_hash(&a));
        assert!(!ha.contains(&a[3..]));
    }

    #[test]
    fn anonymous_readers_need_public_read() {
        let closed = AuthPolicy::default();
        assert_eq!(
            closed.admit(&Caller::Anonymous).unwrap_err().code(),
            "UNAUTHENTICATED"
        );
        let open = AuthPolicy { public_read: true };
        assert!(open.admit(&Caller::Anonymous).is_ok());
    }
}
