//! Who may do what: principals, their API tokens, roles, scopes, and the pure
//! authorisation check the service layer runs before every command.
//!
//! A principal is a name with a [`Role`] and an optional [`Scope`]; it exists
//! through its tokens. Each token lives in its own stream `token-<id>`
//! (`AccessTokenIssued`, then perhaps `AccessTokenRevoked`), so who created and
//! who revoked a token is in the audit trail like every other fact. Only the
//! SHA-256 of a token is ever recorded ([`token_hash`]); the token itself is
//! shown once, to whoever created it.
//!
//! An officer whose token names roadmaps or organisations may record only facts
//! that concern them (see [`Footprint`] and [`authorize`]).

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::aggregate::State;
use crate::enums::Role;
use crate::error::DomainError;
use crate::events::{event_enum, impl_domain_event};
use crate::exchange_rate::{ExchangeRateCommand, ExchangeRateState};
use crate::ids::{OrganisationId, RoadmapId, TokenId};
use crate::organisation::{OrganisationCommand, OrganisationState};
use crate::partnership::{PartnershipCommand, PartnershipState};
use crate::pledge::{PledgeCommand, PledgeState};
use crate::priority::{PriorityCommand, PriorityState};
use crate::proposal::{ProposalCommand, ProposalState};
use crate::refs::References;
use crate::roadmap::{RoadmapCommand, RoadmapState};
use crate::text;

/// The prefix of every token fundtrail issues (`ft_` + 43 base64url characters).
pub const TOKEN_PREFIX: &str = "ft_";
/// Most roadmaps or organisations one token may name.
pub const MAX_SCOPE_ITEMS: usize = 50;

pub fn stream_id(id: &TokenId) -> String {
    format!("token-{id}")
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

/// The roadmaps and organisations an officer's token is limited to; empty
/// lists mean no limit on that dimension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Scope {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roadmaps: Vec<RoadmapId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organisations: Vec<OrganisationId>,
}

impl Scope {
    pub fn is_unlimited(&self) -> bool {
        self.roadmaps.is_empty() && self.organisations.is_empty()
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_unlimited() {
            return f.write_str("unlimited");
        }
        let list = |ids: &mut dyn Iterator<Item = &str>| ids.collect::<Vec<_>>().join(", ");
        let mut parts = Vec::new();
        if !self.roadmaps.is_empty() {
            parts.push(format!(
                "roadmaps {}",
                list(&mut self.roadmaps.iter().map(RoadmapId::as_str))
            ));
        }
        if !self.organisations.is_empty() {
            parts.push(format!(
                "organisations {}",
                list(&mut self.organisations.iter().map(OrganisationId::as_str))
            ));
        }
        f.write_str(&parts.join("; "))
    }
}

/// Who is acting: the name recorded as the actor of every event it causes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub name: String,
    pub role: Role,
    pub scope: Scope,
}

impl Principal {
    pub fn new(name: impl Into<String>, role: Role) -> Self {
        Principal {
            name: name.into(),
            role,
            scope: Scope::default(),
        }
    }

    /// A process with direct access to the store (the command line, the
    /// importer): it could write the store itself, so it may do everything.
    pub fn local(name: impl Into<String>) -> Self {
        Principal::new(name, Role::Admin)
    }

    pub fn may_read_audit(&self) -> bool {
        matches!(self.role, Role::Auditor | Role::Admin)
    }

    pub fn may_manage_tokens(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn may_record(&self) -> bool {
        matches!(self.role, Role::Officer | Role::Admin)
    }
}

/// Why a request is refused before it is looked at.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccessError {
    /// `UNAUTHENTICATED`: no token, or one that is unknown, revoked or expired.
    /// The message never repeats the token.
    #[error("{0}")]
    Unauthenticated(String),
    /// `FORBIDDEN`: the principal is known but its role or scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
}

impl AccessError {
    pub fn code(&self) -> &'static str {
        match self {
            AccessError::Unauthenticated(_) => "UNAUTHENTICATED",
            AccessError::Forbidden(_) => "FORBIDDEN",
        }
    }
}

/// What a command concerns, for scope checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Footprint {
    pub roadmaps: BTreeSet<String>,
    pub organisations: BTreeSet<String>,
    /// Reference data shared by every roadmap (exchange rates).
    pub shared: bool,
}

impl Footprint {
    fn roadmap(mut self, id: &str) -> Self {
        self.roadmaps.insert(id.trim().to_owned());
        self
    }
    fn organisation(mut self, id: &str) -> Self {
        self.organisations.insert(id.trim().to_owned());
        self
    }
    fn priorities<'a>(
        mut self,
        ids: impl IntoIterator<Item = &'a str>,
        refs: &dyn References,
    ) -> Self {
        for id in ids {
            if let Some(p) = refs.priority(id.trim()) {
                self.roadmaps.insert(p.roadmap_id);
            }
        }
        self
    }
}

/// What a command concerns, given the current state of its entity.
pub trait Footprinted {
    type State;
    fn footprint(&self, state: &Self::State, refs: &dyn References) -> Footprint;
}

impl Footprinted for OrganisationCommand {
    type State = OrganisationState;
    fn footprint(&self, _: &OrganisationState, _: &dyn References) -> Footprint {
        match self {
            OrganisationCommand::Register(c) => Footprint::default().organisation(&c.id),
        }
    }
}

impl Footprinted for RoadmapCommand {
    type State = RoadmapState;
    fn footprint(&self, _: &RoadmapState, _: &dyn References) -> Footprint {
        match self {
            RoadmapCommand::Create(c) => Footprint::default().roadmap(&c.id),
        }
    }
}

impl Footprinted for PriorityCommand {
    type State = PriorityState;
    fn footprint(&self, state: &PriorityState, _: &dyn References) -> Footprint {
        match self {
            PriorityCommand::Define(c) => Footprint::default().roadmap(&c.roadmap_id),
            PriorityCommand::SetFundingRequirement(_) => match &state.entity {
                Some(p) => Footprint::default().roadmap(p.roadmap_id.as_str()),
                None => Footprint::default(),
            },
        }
    }
}

impl Footprinted for PartnershipCommand {
    type State = PartnershipState;
    fn footprint(&self, state: &PartnershipState, refs: &dyn References) -> Footprint {
        match self {
            PartnershipCommand::Record(c) => c
                .party_ids
                .iter()
                .fold(Footprint::default(), |f, id| f.organisation(id))
                .priorities(c.priority_ids.iter().map(String::as_str), refs),
            PartnershipCommand::ChangeStatus(_) => match &state.entity {
                Some(p) => p
                    .party_ids
                    .iter()
                    .fold(Footprint::default(), |f, id| f.organisation(id.as_str()))
                    .priorities(p.priority_ids.iter().map(|p| p.as_str()), refs),
                None => Footprint::default(),
            },
        }
    }
}

impl Footprinted for ProposalCommand {
    type State = ProposalState;
    fn footprint(&self, state: &ProposalState, refs: &dyn References) -> Footprint {
        match self {
            ProposalCommand::Submit(c) => Footprint::default()
                .organisation(&c.applicant_id)
                .organisation(&c.donor_id)
                .priorities(c.priority_ids.iter().map(String::as_str), refs),
            ProposalCommand::Decide(_) => match &state.entity {
                Some(p) => Footprint::default()
                    .organisation(p.applicant_id.as_str())
                    .organisation(p.donor_id.as_str())
                    .priorities(p.priority_ids.iter().map(|p| p.as_str()), refs),
                None => Footprint::default(),
            },
        }
    }
}

impl Footprinted for PledgeCommand {
    type State = PledgeState;
    fn footprint(&self, state: &PledgeState, refs: &dyn References) -> Footprint {
        match self {
            PledgeCommand::Make(c) => Footprint::default()
                .organisation(&c.donor_id)
                .organisation(&c.recipient_id)
                .roadmap(&c.roadmap_id)
                .priorities(c.allocations.iter().map(|a| a.priority_id.as_str()), refs)
                .priorities(c.priority_ids.iter().map(String::as_str), refs),
            PledgeCommand::Commit(_)
            | PledgeCommand::RecordDisbursement(_)
            | PledgeCommand::Revise(_)
            | PledgeCommand::Cancel(_) => {
                let Some(p) = &state.entity else {
                    return Footprint::default();
                };
                let mut f = Footprint::default()
                    .organisation(p.donor_id.as_str())
                    .organisation(p.recipient_id.as_str())
                    .roadmap(p.roadmap_id.as_str());
                if let PledgeCommand::Revise(r) = self
                    && let Some(allocations) = &r.allocations
                {
                    f = f.priorities(allocations.iter().map(|a| a.priority_id.as_str()), refs);
                }
                f
            }
        }
    }
}

impl Footprinted for ExchangeRateCommand {
    type State = ExchangeRateState;
    fn footprint(&self, _: &ExchangeRateState, _: &dyn References) -> Footprint {
        Footprint {
            shared: true,
            ..Footprint::default()
        }
    }
}

impl Footprinted for TokenCommand {
    type State = TokenState;
    fn footprint(&self, _: &TokenState, _: &dyn References) -> Footprint {
        Footprint {
            shared: true,
            ..Footprint::default()
        }
    }
}

/// What a principal asks to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action<'a> {
    /// Record or correct a fact concerning this footprint.
    Record(&'a Footprint),
    /// Create or revoke principals' tokens.
    ManageTokens,
}

/// May `principal` do `action`? Pure: the service layer calls it after loading
/// the entity the command concerns, before deciding.
pub fn authorize(principal: &Principal, action: &Action<'_>) -> Result<(), AccessError> {
    let who = &principal.name;
    let role = principal.role;
    match action {
        Action::ManageTokens if principal.may_manage_tokens() => Ok(()),
        Action::ManageTokens => Err(AccessError::Forbidden(format!(
            "{who} ({role}) may not manage tokens: only an ADMIN may"
        ))),
        Action::Record(_) if !principal.may_record() => Err(AccessError::Forbidden(format!(
            "{who} ({role}) may only read: recording facts needs an OFFICER or ADMIN token"
        ))),
        Action::Record(_) if principal.role == Role::Admin || principal.scope.is_unlimited() => {
            Ok(())
        }
        Action::Record(footprint) => within_scope(principal, footprint),
    }
}

fn within_scope(principal: &Principal, footprint: &Footprint) -> Result<(), AccessError> {
    let who = &principal.name;
    let scope = &principal.scope;
    let refuse = |what: String| {
        Err(AccessError::Forbidden(format!(
            "{who} is limited to {scope}; {what}"
        )))
    };
    if footprint.shared {
        return refuse("this command changes reference data shared by every roadmap".into());
    }
    if !scope.roadmaps.is_empty() {
        if let Some(outside) = footprint
            .roadmaps
            .iter()
            .find(|r| !scope.roadmaps.iter().any(|s| s.as_str() == r.as_str()))
        {
            return refuse(format!("this command concerns roadmap '{outside}'"));
        }
        if footprint.roadmaps.is_empty() && footprint.organisations.is_empty() {
            return refuse("this command concerns no roadmap of the scope".into());
        }
    }
    if !scope.organisations.is_empty()
        && !footprint
            .organisations
            .iter()
            .any(|o| scope.organisations.iter().any(|s| s.as_str() == o.as_str()))
    {
        return refuse(if footprint.organisations.is_empty() {
            "this command concerns no organisation".into()
        } else {
            format!(
                "this command concerns {}",
                footprint
                    .organisations
                    .iter()
                    .map(|o| format!("'{o}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
    }
    Ok(())
}

// ---- the token entity ----

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

pub type TokenState = State<Token>;

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

/// A principal's name: one line, 1..=100 characters.
pub fn principal_name(field: &str, raw: &str) -> Result<String, DomainError> {
    let name = text::title(field, raw)?;
    if name.chars().count() > 100 {
        return Err(DomainError::bad_input(
            field,
            "a principal's name has at most 100 characters",
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

crate::aggregate::entity_aggregate!(TokenState, TokenCommand, TokenEvent);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refs::{InMemoryReferences, NoReferences};

    fn officer(roadmaps: &[&str], organisations: &[&str]) -> Principal {
        Principal {
            name: "officer-1".into(),
            role: Role::Officer,
            scope: Scope {
                roadmaps: roadmaps
                    .iter()
                    .map(|r| RoadmapId::new_unchecked(*r))
                    .collect(),
                organisations: organisations
                    .iter()
                    .map(|o| OrganisationId::new_unchecked(*o))
                    .collect(),
            },
        }
    }

    fn footprint(roadmaps: &[&str], organisations: &[&str]) -> Footprint {
        Footprint {
            roadmaps: roadmaps.iter().map(|s| s.to_string()).collect(),
            organisations: organisations.iter().map(|s| s.to_string()).collect(),
            shared: false,
        }
    }

    #[test]
    fn readers_may_not_record() {
        for role in [Role::Viewer, Role::Auditor] {
            let p = Principal::new("reader", role);
            let err = authorize(&p, &Action::Record(&Footprint::default())).unwrap_err();
            assert_eq!(err.code(), "FORBIDDEN");
            assert!(err.to_string().contains("may only read"), "{err}");
        }
    }

    #[test]
    fn only_admins_manage_tokens() {
        assert!(authorize(&Principal::new("a", Role::Admin), &Action::ManageTokens).is_ok());
        for role in [Role::Viewer, Role::Officer, Role::Auditor] {
            let err = authorize(&Principal::new("x", role), &Action::ManageTokens).unwrap_err();
            assert_eq!(
                err,
                AccessError::Forbidden(format!(
                    "x ({role}) may not manage tokens: only an ADMIN may"
                ))
            );
        }
    }

    #[test]
    fn unscoped_officers_record_anything() {
        let p = officer(&[], &[]);
        let shared = Footprint {
            shared: true,
            ..Footprint::default()
        };
        assert!(authorize(&p, &Action::Record(&shared)).is_ok());
        assert!(authorize(&p, &Action::Record(&footprint(&["civ-2023"], &["giz"]))).is_ok());
    }

    #[test]
    fn roadmap_scope_refuses_other_roadmaps_and_shared_data() {
        let p = officer(&["civ-2023"], &[]);
        assert!(authorize(&p, &Action::Record(&footprint(&["civ-2023"], &["giz"]))).is_ok());
        // registering an organisation concerns no roadmap: allowed
        assert!(authorize(&p, &Action::Record(&footprint(&[], &["new-ngo"]))).is_ok());
        let err = authorize(&p, &Action::Record(&footprint(&["civ-2019"], &[]))).unwrap_err();
        assert_eq!(err.code(), "FORBIDDEN");
        assert!(err.to_string().contains("roadmap 'civ-2019'"), "{err}");
        let shared = Footprint {
            shared: true,
            ..Footprint::default()
        };
        assert!(authorize(&p, &Action::Record(&shared)).is_err());
    }

    #[test]
    fn organisation_scope_needs_one_of_its_organisations() {
        let p = officer(&[], &["save-the-children"]);
        assert!(
            authorize(
                &p,
                &Action::Record(&footprint(&["civ-2023"], &["cnltp", "save-the-children"]))
            )
            .is_ok()
        );
        let err = authorize(&p, &Action::Record(&footprint(&["civ-2023"], &["giz"]))).unwrap_err();
        assert!(err.to_string().contains("'giz'"), "{err}");
        assert!(authorize(&p, &Action::Record(&footprint(&["civ-2023"], &[]))).is_err());
    }

    #[test]
    fn admins_ignore_scope() {
        let mut p = officer(&["civ-2023"], &[]);
        p.role = Role::Admin;
        assert!(authorize(&p, &Action::Record(&footprint(&["other"], &[]))).is_ok());
    }

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
