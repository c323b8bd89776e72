//! The command line: what `fundtrail` accepts ([`Cli`]), and the settings a
//! command runs with (the config file, `FUNDTRAIL_*` variables and the
//! flags given, in that order: [`settings`]).

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::Failure;
use crate::config::{self, LogFormat, Overrides, Settings};

#[derive(Parser)]
#[command(
    name = "fundtrail",
    version,
    about = "Event-sourced partnership and funding tracker (SDG target 8.7)"
)]
pub(crate) struct Cli {
    /// A TOML file with settings (see ops/fundtrail.example.toml).
    #[arg(long, global = true, env = "FUNDTRAIL_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args, Clone, Default)]
pub(crate) struct StoreArgs {
    /// Directory of the embedded store [default: ./fundtrail-data]
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// A postgres://… or kurrentdb://… (esdb://…) URL to use PostgreSQL or KurrentDB
    /// instead of the embedded store.
    #[arg(long, global = true)]
    pub store: Option<String>,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Serve the GraphQL API (GraphiQL at /graphiql).
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        /// Address to listen on [default: 127.0.0.1:8087]
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Log lines as text or JSON.
        #[arg(long, value_enum)]
        log_format: Option<LogFormat>,
        /// Directory of read-model snapshots [default: <data-dir>/snapshots,
        /// or ./fundtrail-snapshots with PostgreSQL]
        #[arg(long)]
        snapshot_dir: Option<PathBuf>,
        /// Serve a fresh temporary store (removed at exit) holding the
        /// Côte d'Ivoire 2023 report, imported before listening.
        #[arg(long, conflicts_with_all = ["data_dir", "store", "snapshot_dir"])]
        demo: bool,
        /// Let anonymous callers read (a transparency portal); writes always
        /// need a token.
        #[arg(long)]
        public_read: bool,
        /// Also serve GET /metrics, to anyone, on this address (e.g.
        /// 127.0.0.1:9187); on the main address it needs an admin or auditor token.
        #[arg(long)]
        metrics_listen: Option<std::net::SocketAddr>,
        /// Tests only: admins may move the server's clock forward with
        /// POST /test/clock?days=N (browser tests of due dates).
        #[arg(long, hide = true)]
        test_clock: bool,
    },
    /// Manage principals' API tokens (run where the store is: the local
    /// administrator). Roles: viewer, officer, auditor, admin.
    Token {
        #[command(subcommand)]
        action: super::commands::token::TokenCommand,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Import a country's YAML report (format: ops/demo/civ-2023.yaml) through
    /// the ledger. Importing the same file again appends nothing; a file with
    /// errors is refused whole, every problem listed.
    Import {
        /// The YAML file.
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Walk the hash chain of the ledger and report the first break, if any.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Export a table (funding by priority, pledges, partnerships, proposals,
    /// donors) as CSV, JSON or XLSX, or the pledges as IATI activity XML 2.03
    /// (`pledges --format iati`, docs/iati.md); all but XLSX go to stdout unless --out.
    Export {
        #[command(flatten)]
        request: super::commands::export::Request,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// backup, restore, rebuild (docs/operations.md).
    #[command(flatten)]
    Ops(super::commands::OpsCommand),
}

impl StoreArgs {
    /// These flags as overrides of the settings (the rest left as loaded).
    pub fn overrides(self) -> Overrides {
        Overrides {
            data_dir: self.data_dir,
            store: self.store,
            ..Default::default()
        }
    }
}

/// The settings a command runs with: `overrides` (the flags given) over the
/// environment over the config file over the defaults.
pub(crate) fn settings(
    config_file: Option<&Path>,
    overrides: &Overrides,
) -> Result<Settings, Failure> {
    Ok(config::load(config_file, overrides)?)
}
