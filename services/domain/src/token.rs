//! API tokens: the entity a principal exists through. Each token lives in
//! its own stream `token-<id>` (`AccessTokenIssued`, then perhaps
//! `AccessTokenRevoked`), so who created and who revoked a token is in the
//! audit trail like every other fact. Only the SHA-256 of a token is ever
//! recorded ([`token_hash`]); the token itself is shown once, to whoever
//! created it. What a token's principal may do is [`crate::access`].

use std::fmt;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::access::{AccessError, Footprint, Footprinted, Principal, Scope};
use crate::aggregate::StreamState;
use crate::enums::Role;
use crate::error::DomainError;
use crate::events::{event_enum, impl_domain_event};
use crate::ids::{OrganisationId, RoadmapId, TokenId};
use crate::refs::References;
use crate::streams::{EntityKind, stream_name};
use crate::text;

/// The prefix of every token fundtrail issues (`ft_` + 43 base64url characters).
pub const TOKEN_PREFIX: &str = "ft_";
/// Most roadmaps or organisations one token may name.
pub const MAX_SCOPE_ITEMS: usize = 50;

/// The stream of token `id`: `token-<id>`.
pub fn stream_id(id: &TokenId) -> String {
    stream_name(EntityKind::Token, id)
}

/// The digest recorded for a token: `sha256:<64 hex digits>`. Tokens are
/// 256-bit random strings, so an unsalted fast hash is enough: no dictionary
/// holds them.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

fn is_token_hash(s: &str) -> bool {
    s.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// `fundtrail token create` / `createAccessToken`: the caller made the token
/// and passes only its hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueToken {
    pub token_id: String,
    pub principal: String,
    pub role: Role,
    pub roadmaps: Vec<String>,
    pub organisations: Vec<String>,
    /// The last day the token is valid (UTC); `None`: until revoked.
    pub expires_on: Option<NaiveDate>,
    pub token_hash: String,
}

/// `fundtrail token revoke` / `revokeAccessToken`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokeToken {
    pub token_id: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenCommand {
    Issue(IssueToken),
    Revoke(RevokeToken),
}

impl From<IssueToken> for TokenCommand {
    fn from(c: IssueToken) -> Self {
        TokenCommand::Issue(c)
    }
}
impl From<RevokeToken> for TokenCommand {
    fn from(c: RevokeToken) -> Self {
        TokenCommand::Revoke(c)
    }
}

impl TokenCommand {
    pub fn stream_id(&self) -> Result<String, DomainError> {
        let id = match self {
            TokenCommand::Issue(c) => &c.token_id,
            TokenCommand::Revoke(c) => &c.token_id,
        };
        Ok(stream_id(&TokenId::parse("tokenId", id)?))
    }
}

/// Tokens are shared by every roadmap: a scoped officer may not manage them.
impl Footprinted for TokenCommand {
    type StreamState = TokenState;
    fn footprint(&self, _: &TokenState, _: &dyn References) -> Footprint {
        Footprint {
            shared: true,
            ..Footprint::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenIssued {
    pub token_id: TokenId,
    pub principal: String,
    pub role: Role,
    #[serde(default)]
    pub scope: Scope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
    /// `sha256:<hex>` of the token; the token itself is never recorded.
    pub token_hash: String,
}
impl_domain_event!(AccessTokenIssued, 1);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenRevoked {
    pub token_id: TokenId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
impl_domain_event!(AccessTokenRevoked, 1);

event_enum!(TokenEvent {
    AccessTokenIssued,
    AccessTokenRevoked
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    pub token_id: TokenId,
    pub principal: String,
    pub role: Role,
    pub scope: Scope,
    pub expires_on: Option<NaiveDate>,
    pub token_hash: String,
    pub revoked: bool,
}

impl Token {
    pub fn principal(&self) -> Principal {
        Principal {
            name: self.principal.clone(),
            role: self.role,
            scope: self.scope.clone(),
        }
    }

    /// The principal the token stands for on `today`, or why it does not.
    pub fn authenticate(&self, today: NaiveDate) -> Result<Principal, AccessError> {
        if self.revoked {
            return Err(AccessError::Unauthenticated(format!(
                "token {} has been revoked",
                self.token_id
            )));
        }
        if let Some(last) = self.expires_on
            && today > last
        {
            return Err(AccessError::Unauthenticated(format!(
                "token {} expired on {last}",
                self.token_id
            )));
        }
        Ok(self.principal())
    }
}

pub type TokenState = StreamState<Token>;

pub fn evolve(mut state: TokenState, event: &TokenEvent) -> TokenState {
    state.version += 1;
    match event {
        TokenEvent::AccessTokenIssued(e) => {
            state.entity = Some(Token {
                token_id: e.token_id.clone(),
                principal: e.principal.clone(),
                role: e.role,
                scope: e.scope.clone(),
                expires_on: e.expires_on,
                token_hash: e.token_hash.clone(),
                revoked: false,
            });
        }
        TokenEvent::AccessTokenRevoked(_) => {
            if let Some(t) = state.entity.as_mut() {
                t.revoked = true;
            }
        }
    }
    state
}

/// A principal's name: one line, 1..=100 characters, not beginning with
/// `import:` (the importer's names, whose commandIds are reserved to it; see
/// `docs/access.md`).
pub fn principal_name(field: &str, raw: &str) -> Result<String, DomainError> {
    let name = text::title(field, raw)?;
    if name.chars().count() > 100 {
        return Err(DomainError::bad_input(
            field,
            "a principal's name has at most 100 characters",
        ));
    }
    if name.starts_with("import:") {
        return Err(DomainError::bad_input(
            field,
            "names beginning with 'import:' are the importer's",
        ));
    }
    Ok(name)
}

fn scope_ids<T>(
    field: &str,
    raw: &[String],
    parse: impl Fn(&str, &str) -> Result<T, DomainError>,
    exists: impl Fn(&T) -> bool,
    entity: &'static str,
) -> Result<Vec<T>, DomainError>
where
    T: PartialEq + fmt::Display,
{
    if raw.len() > MAX_SCOPE_ITEMS {
        return Err(DomainError::bad_input(
            field,
            format!("at most {MAX_SCOPE_ITEMS} items"),
        ));
    }
    let mut out: Vec<T> = Vec::new();
    for r in raw {
        let id = parse(field, r)?;
        if !exists(&id) {
            return Err(DomainError::not_found(entity, id.to_string(), field));
        }
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

pub fn decide(
    state: &TokenState,
    command: &TokenCommand,
    refs: &dyn References,
) -> Result<Vec<TokenEvent>, DomainError> {
    match command {
        TokenCommand::Issue(c) => {
            let token_id = TokenId::parse("tokenId", &c.token_id)?;
            if state.exists() {
                return Err(DomainError::already_exists("Token", token_id.as_str()));
            }
            let principal = principal_name("name", &c.principal)?;
            if !is_token_hash(&c.token_hash) {
                return Err(DomainError::bad_input(
                    "tokenHash",
                    "must be sha256: followed by 64 lower-case hex digits",
                ));
            }
            let roadmaps = scope_ids(
                "roadmaps",
                &c.roadmaps,
                RoadmapId::parse,
                |id| refs.roadmap(id.as_str()).is_some(),
                "Roadmap",
            )?;
            let organisations = scope_ids(
                "organisations",
                &c.organisations,
                OrganisationId::parse,
                |id| refs.organisation_exists(id.as_str()),
                "Organisation",
            )?;
            if (!roadmaps.is_empty() || !organisations.is_empty()) && c.role != Role::Officer {
                return Err(DomainError::bad_input(
                    "role",
                    format!(
                        "only OFFICER tokens are limited to roadmaps or organisations; a {} token is not",
                        c.role
                    ),
                ));
            }
            Ok(vec![TokenEvent::AccessTokenIssued(AccessTokenIssued {
                token_id,
                principal,
                role: c.role,
                scope: Scope {
                    roadmaps,
                    organisations,
                },
                expires_on: c.expires_on,
                token_hash: c.token_hash.clone(),
            })])
        }
        TokenCommand::Revoke(c) => {
            let token_id = TokenId::parse("tokenId", &c.token_id)?;
            let Some(token) = &state.entity else {
                return Err(DomainError::not_found(
                    "Token",
                    token_id.as_str(),
                    "tokenId",
                ));
            };
            if token.revoked {
                return Err(DomainError::invalid_state(
                    format!("token {token_id} is already revoked"),
                    "REVOKED",
                ));
            }
            let reason = text::optional_description("reason", c.reason.as_deref())?;
            Ok(vec![TokenEvent::AccessTokenRevoked(AccessTokenRevoked {
                token_id,
                reason,
            })])
        }
    }
}

crate::aggregate::entity_aggregate!(Token, TokenState, TokenCommand, TokenEvent);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refs::{InMemoryReferences, NoReferences};

    #[test]
    fn token_hash_is_sha256_hex() {
        let h = token_hash("ft_secret");
        assert!(is_token_hash(&h), "{h}");
        assert_ne!(h, token_hash("ft_secret2"));
        assert!(!h.contains("ft_secret"));
    }

    fn issue() -> IssueToken {
        IssueToken {
            token_id: "t1".into(),
            principal: "Awa (CNLTP)".into(),
            role: Role::Officer,
            roadmaps: vec![],
            organisations: vec![],
            expires_on: None,
            token_hash: token_hash("ft_x"),
        }
    }

    #[test]
    fn issuing_and_revoking_a_token() {
        let state = TokenState::default();
        let events = decide(&state, &issue().into(), &NoReferences).unwrap();
        let state = events.iter().fold(state, evolve);
        let token = state.entity.clone().unwrap();
        assert_eq!(token.principal, "Awa (CNLTP)");
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(token.authenticate(today).unwrap().role, Role::Officer);
        let again = decide(&state, &issue().into(), &NoReferences).unwrap_err();
        assert_eq!(again.code(), "ALREADY_EXISTS");
        let revoke = TokenCommand::Revoke(RevokeToken {
            token_id: "t1".into(),
            reason: Some("left the committee".into()),
        });
        let events = decide(&state, &revoke, &NoReferences).unwrap();
        let state = events.iter().fold(state, evolve);
        let err = state
            .entity
            .as_ref()
            .unwrap()
            .authenticate(today)
            .unwrap_err();
        assert_eq!(err.code(), "UNAUTHENTICATED");
        assert!(!err.to_string().contains("ft_x"));
        assert_eq!(
            decide(&state, &revoke, &NoReferences).unwrap_err().code(),
            "INVALID_STATE"
        );
    }

    #[test]
    fn a_token_may_not_take_an_importers_name() {
        let c = IssueToken {
            principal: "import:civ-2023.yaml".into(),
            ..issue()
        };
        let err = decide(&TokenState::default(), &c.into(), &NoReferences).unwrap_err();
        assert_eq!(
            err,
            DomainError::bad_input("name", "names beginning with 'import:' are the importer's")
        );
    }

    #[test]
    fn expired_tokens_do_not_authenticate() {
        let mut c = issue();
        c.expires_on = NaiveDate::from_ymd_opt(2026, 6, 30);
        let state = decide(&TokenState::default(), &c.into(), &NoReferences)
            .unwrap()
            .iter()
            .fold(TokenState::default(), evolve);
        let token = state.entity.unwrap();
        assert!(
            token
                .authenticate(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap())
                .is_ok()
        );
        let err = token
            .authenticate(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap())
            .unwrap_err();
        assert!(err.to_string().contains("expired on 2026-06-30"), "{err}");
    }

    #[test]
    fn issuing_refuses_bad_input() {
        let mut c = issue();
        c.token_hash = "plain".into();
        let e = decide(&TokenState::default(), &c.into(), &NoReferences).unwrap_err();
        assert_eq!(
            e,
            DomainError::bad_input(
                "tokenHash",
                "must be sha256: followed by 64 lower-case hex digits"
            )
        );
        let mut c = issue();
        c.roadmaps = vec!["civ-2023".into()];
        let e = decide(&TokenState::default(), &c.into(), &NoReferences).unwrap_err();
        assert_eq!(e.code(), "NOT_FOUND");
        let mut c = issue();
        c.principal = "a\u{0}b".into();
        let e = decide(&TokenState::default(), &c.into(), &NoReferences).unwrap_err();
        assert_eq!(e.code(), "BAD_USER_INPUT");
        let mut c = issue();
        c.role = Role::Viewer;
        c.organisations = vec!["giz".into()];
        let refs = InMemoryReferences::from_events(&[]);
        let e = decide(&TokenState::default(), &c.into(), &refs).unwrap_err();
        assert_eq!(e.code(), "NOT_FOUND");
    }
}
