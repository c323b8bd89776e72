//! Principals and tokens in GraphQL: who is calling (`me`), the readers'
//! role checks (`auditTrail`, `verifyLedger`, `accessTokens`), and the
//! admin mutations that create and revoke tokens.
//!
//! Writes are checked again, role and scope, by the command side.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use fundtrail_domain::access::{AccessError, Principal, RevokeToken};
use fundtrail_ledger::{Command, CommandContext};
use fundtrail_projections::tokens::TokenView;
use fundtrail_store::VerifyReport;

use super::enums::Role;
use super::errors::{access_error, service_error};
use super::objects::state;
use super::scalars::{Date, DateTime};
use fundtrail_app::auth::{self, Caller};

/// The caller of this request (anonymous when the server put none in).
pub fn caller<'a>(ctx: &Context<'a>) -> &'a Caller {
    static ANONYMOUS: Caller = Caller::Anonymous;
    ctx.data_opt::<Caller>().unwrap_or(&ANONYMOUS)
}

/// The caller's principal, or UNAUTHENTICATED.
pub fn principal<'a>(ctx: &Context<'a>) -> Result<&'a Principal> {
    caller(ctx).principal().ok_or_else(|| {
        access_error(AccessError::Unauthenticated(
            "recording facts needs an API token: send `Authorization: Bearer <token>`".into(),
        ))
    })
}

/// Auditors and admins only.
pub fn require_auditor(ctx: &Context<'_>, what: &str) -> Result<()> {
    let p = principal(ctx)?;
    if p.may_read_audit() {
        Ok(())
    } else {
        Err(access_error(AccessError::Forbidden(format!(
            "{} ({}) may not read {what}: it needs an AUDITOR or ADMIN token",
            p.name, p.role
        ))))
    }
}

/// Admins only.
pub fn require_admin<'a>(ctx: &Context<'a>, what: &str) -> Result<&'a Principal> {
    let p = principal(ctx)?;
    if p.may_manage_tokens() {
        Ok(p)
    } else {
        Err(access_error(AccessError::Forbidden(format!(
            "{} ({}) may not {what}: it needs an ADMIN token",
            p.name, p.role
        ))))
    }
}

/// Who is calling.
#[derive(SimpleObject)]
pub struct Me {
    pub name: String,
    pub role: Role,
    /// The roadmaps an officer is limited to (empty: no limit).
    pub roadmaps: Vec<ID>,
    /// The organisations an officer is limited to (empty: no limit).
    pub organisations: Vec<ID>,
}

impl From<&Principal> for Me {
    fn from(p: &Principal) -> Self {
        Me {
            name: p.name.clone(),
            role: p.role.into(),
            roadmaps: p.scope.roadmaps.iter().map(|r| ID(r.to_string())).collect(),
            organisations: p
                .scope
                .organisations
                .iter()
                .map(|o| ID(o.to_string()))
                .collect(),
        }
    }
}

/// An API token as admins see it (never the token itself).
pub struct AccessToken(pub TokenView);

#[Object]
impl AccessToken {
    async fn id(&self) -> ID {
        ID(self.token().token_id.to_string())
    }
    /// The principal's name: the actor of every event recorded with the token.
    async fn name(&self) -> &str {
        &self.token().principal
    }
    async fn role(&self) -> Role {
        self.token().role.into()
    }
    async fn roadmaps(&self) -> Vec<ID> {
        let t = self.token();
        t.scope.roadmaps.iter().map(|r| ID(r.to_string())).collect()
    }
    async fn organisations(&self) -> Vec<ID> {
        let t = self.token();
        t.scope
            .organisations
            .iter()
            .map(|o| ID(o.to_string()))
            .collect()
    }
    /// The last day the token is valid (UTC); null: until revoked.
    async fn expires_on(&self) -> Option<Date> {
        self.token().expires_on.map(Date)
    }
    async fn revoked(&self) -> bool {
        self.token().revoked
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    async fn revoked_at(&self) -> Option<DateTime> {
        self.0.revoked_at.map(DateTime)
    }
    async fn revoked_by(&self) -> Option<&str> {
        self.0.revoked_by.as_deref()
    }
    async fn revoke_reason(&self) -> Option<&str> {
        self.0.revoke_reason.as_deref()
    }
}

impl AccessToken {
    fn token(&self) -> &fundtrail_domain::access::Token {
        self.0.token().expect("listed tokens have been issued")
    }
}

/// A token just created: `token` is shown this once and never again.
#[derive(SimpleObject)]
pub struct CreatedAccessToken {
    pub token: String,
    pub access_token: AccessToken,
}

/// The hash chain checked over the whole log.
#[derive(SimpleObject)]
pub struct LedgerVerification {
    /// True when every event hashes to its stored hash after the previous one
    /// and the head agrees with the log.
    pub intact: bool,
    /// Events checked before the first break (all of them when intact).
    pub events_checked: u64,
    /// The hash of the last good event (hex).
    pub last_hash: String,
    /// The first position that was altered, is missing, or disagrees with the head.
    pub first_bad_position: Option<u64>,
    pub problem: Option<String>,
}

impl From<VerifyReport> for LedgerVerification {
    fn from(r: VerifyReport) -> Self {
        LedgerVerification {
            intact: r.is_intact(),
            events_checked: r.checked,
            last_hash: r.last_hash,
            first_bad_position: r.first_break.as_ref().map(|b| b.position),
            problem: r.first_break.map(|b| format!("{:?}", b.problem)),
        }
    }
}

#[derive(InputObject)]
pub struct CreateAccessTokenInput {
    /// The principal's name, recorded as the actor of its events.
    pub name: String,
    pub role: Role,
    /// Officers only: the roadmaps it may record facts about.
    #[graphql(default)]
    pub roadmaps: Vec<ID>,
    /// Officers only: the organisations whose facts it may record.
    #[graphql(default)]
    pub organisations: Vec<ID>,
    /// The last day the token is valid (UTC).
    pub expires_on: Option<Date>,
}

#[derive(InputObject)]
pub struct RevokeAccessTokenInput {
    pub id: ID,
    pub reason: Option<String>,
}

#[derive(Default)]
pub struct AccessQuery;

#[Object]
impl AccessQuery {
    /// The caller's principal; null for an anonymous reader (`--public-read`).
    async fn me(&self, ctx: &Context<'_>) -> Option<Me> {
        caller(ctx).principal().map(Me::from)
    }

    /// Every API token (admins only).
    async fn access_tokens(&self, ctx: &Context<'_>) -> Result<Vec<AccessToken>> {
        require_admin(ctx, "list tokens")?;
        let model = state(ctx).read();
        Ok(model
            .tokens()
            .all()
            .filter(|v| v.token().is_some())
            .cloned()
            .map(AccessToken)
            .collect())
    }

    /// Checks the hash chain over the whole log (auditors and admins).
    async fn verify_ledger(&self, ctx: &Context<'_>) -> Result<LedgerVerification> {
        require_auditor(ctx, "the ledger verification")?;
        let report = state(ctx)
            .store()
            .verify()
            .await
            .map_err(|e| super::errors::store_read_error("the log", &e))?;
        Ok(report.into())
    }
}

#[derive(Default)]
pub struct AccessMutation;

#[Object]
impl AccessMutation {
    /// Creates a token (admins only); the answer holds it this once.
    async fn create_access_token(
        &self,
        ctx: &Context<'_>,
        input: CreateAccessTokenInput,
    ) -> Result<CreatedAccessToken> {
        let admin = require_admin(ctx, "create tokens")?.clone();
        let app = state(ctx);
        let request = auth::TokenFor {
            name: input.name,
            role: input.role.into(),
            roadmaps: input.roadmaps.into_iter().map(|r| r.0).collect(),
            organisations: input.organisations.into_iter().map(|o| o.0).collect(),
            expires_on: input.expires_on.map(|d| d.0),
        };
        let auth::CreatedToken { token, token_id } =
            auth::create_token(app, &CommandContext::of(admin), request)
                .await
                .map_err(service_error)?;
        let view = app.read().tokens().get(&token_id).cloned();
        let view = view.ok_or_else(|| {
            super::errors::coded(
                super::errors::INTERNAL,
                "the token was recorded but is not readable yet",
            )
        })?;
        Ok(CreatedAccessToken {
            token,
            access_token: AccessToken(view),
        })
    }

    /// Revokes a token (admins only): requests with it are refused from now on.
    async fn revoke_access_token(
        &self,
        ctx: &Context<'_>,
        input: RevokeAccessTokenInput,
    ) -> Result<AccessToken> {
        let admin = require_admin(ctx, "revoke tokens")?.clone();
        let token_id = input.id.0;
        let command = Command::Token(
            RevokeToken {
                token_id: token_id.clone(),
                reason: input.reason,
            }
            .into(),
        );
        let app = state(ctx);
        app.execute(&CommandContext::of(admin), command)
            .await
            .map_err(service_error)?;
        let view = app.read().tokens().get(&token_id).cloned();
        view.map(AccessToken).ok_or_else(|| {
            super::errors::coded(
                super::errors::INTERNAL,
                "the revocation was recorded but is not readable yet",
            )
        })
    }
}
