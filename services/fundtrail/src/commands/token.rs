//! `fundtrail token create|list|revoke`: principals and their API tokens,
//! recorded as events through the ledger by the local administrator (whoever
//! can open the store).

use chrono::NaiveDate;
use fundtrail_app::auth::{CreatedToken, TokenFor, create_token};
use fundtrail_app::{AppState, Limits};
use fundtrail_domain::Role;
use fundtrail_domain::access::RevokeToken;
use fundtrail_ledger::{Command, CommandContext};

use crate::config::Settings;

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum RoleArg {
    Viewer,
    Officer,
    Auditor,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Officer => Role::Officer,
            RoleArg::Auditor => Role::Auditor,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Create a principal's token and print it once (only its hash is kept).
    Create {
        /// The principal's name: the actor of every event recorded with the token.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Officers only: an organisation whose facts it may record (repeatable).
        #[arg(long = "org")]
        organisations: Vec<String>,
        /// Officers only: a roadmap it may record facts about (repeatable).
        #[arg(long = "roadmap")]
        roadmaps: Vec<String>,
        /// The last day the token is valid (YYYY-MM-DD, UTC).
        #[arg(long)]
        expires: Option<NaiveDate>,
    },
    /// List every token (never the tokens themselves).
    List,
    /// Revoke a token: requests with it are refused from now on.
    Revoke {
        /// The token's id (from `token list`).
        id: String,
        #[arg(long)]
        reason: Option<String>,
    },
}

/// The actor recorded for tokens managed from the command line.
pub fn local_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

/// Creates an admin token (for `serve --demo`); returns the token.
pub async fn create_admin(
    state: &AppState,
    name: &str,
) -> Result<String, fundtrail_ledger::ServiceError> {
    let context = CommandContext::by(local_actor());
    let created = create_token(state, &context, TokenFor::new(name, Role::Admin)).await?;
    Ok(created.token)
}

/// Runs `command` on the store the settings name, once its read models are ready.
pub async fn run(settings: &Settings, command: TokenCommand) -> Result<(), crate::Failure> {
    let store = fundtrail_app::open::open_store(&settings.location()).await?;
    let state = AppState::start(store, Limits::default()).await?;
    state.ready().await;
    let state = &state;
    let context = CommandContext::by(local_actor());
    match command {
        TokenCommand::Create {
            name,
            role,
            organisations,
            roadmaps,
            expires,
        } => {
            let request = TokenFor {
                name: name.clone(),
                role: role.into(),
                roadmaps,
                organisations,
                expires_on: expires,
            };
            let CreatedToken { token, token_id } = create_token(state, &context, request).await?;
            eprintln!(
                "token {token_id} for {name:?} ({}): shown once, keep it secret",
                Role::from(role)
            );
            println!("{token}");
            Ok(())
        }
        TokenCommand::List => {
            let model = state.read();
            println!("id\tname\trole\tscope\texpires\tstatus\tcreated by");
            for view in model.tokens().all() {
                let Some(t) = view.token() else { continue };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    t.token_id,
                    t.principal,
                    t.role,
                    t.scope,
                    t.expires_on.map_or_else(|| "-".into(), |d| d.to_string()),
                    if t.revoked { "revoked" } else { "active" },
                    view.created_by
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id, reason } => {
            let command = Command::Token(
                RevokeToken {
                    token_id: id.clone(),
                    reason,
                }
                .into(),
            );
            state.execute(&context, command).await?;
            eprintln!("token {id} revoked");
            Ok(())
        }
    }
}
