//! Settings, from (weakest to strongest) defaults, an optional TOML file,
//! `FUNDTRAIL_*` environment variables and command-line flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Everything `fundtrail serve` can be told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Directory of the embedded store (used when `store` is not set).
    pub data_dir: PathBuf,
    /// `postgres://user@host:port/database` to use PostgreSQL instead of the embedded store.
    pub store: Option<String>,
    /// PostgreSQL schema that holds the store's tables.
    pub pg_schema: String,
    /// KurrentDB stream that holds the whole ledger (several ledgers can share
    /// one KurrentDB under different names).
    pub kurrentdb_stream: String,
    pub listen: SocketAddr,
    pub log_format: LogFormat,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take, in seconds.
    pub request_timeout_secs: u64,
    /// Anonymous callers may read (a transparency portal); writes always
    /// need a token.
    pub public_read: bool,
    /// Requests per second allowed to one token (or one address without a
    /// token); 0 turns the limit off.
    pub rate_limit_per_second: u32,
    /// Requests one token may send at once above the rate.
    pub rate_limit_burst: u32,
    /// Requests handled at once by the API and the web pages together; past
    /// it a request is answered 503 with `Retry-After: 1` at once (load
    /// shedding); 0 turns the bound off.
    pub max_in_flight: usize,
    /// Directory of the read-model snapshots (default: `<data_dir>/snapshots`
    /// with the embedded store, `./fundtrail-snapshots` with PostgreSQL).
    #[serde(default)]
    pub snapshot_dir: Option<PathBuf>,
    /// A second address serving only `GET /metrics`, to anyone who reaches
    /// it (for Prometheus on an operator's network). On the main address
    /// `/metrics` answers admin and auditor tokens only.
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
    /// Raise alerts (the `alerts` subscription, the webhook); with several
    /// API processes on one store, one of them is enough.
    #[serde(default = "default_alerts")]
    pub alerts: bool,
    /// The alert outbox, a SQLite file (default: `<data_dir>/alerts.sqlite`
    /// with the embedded store, `./fundtrail-alerts.sqlite` with a server store).
    #[serde(default)]
    pub alert_outbox: Option<PathBuf>,
    /// Where alerts are POSTed (signed JSON); none by default.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// The webhook's shared secret (at least 16 bytes); required with `webhook_url`.
    #[serde(default)]
    pub webhook_secret: Option<String>,
    /// Seconds before the first retry of a failed delivery (doubling after).
    #[serde(default = "default_webhook_first_retry_secs")]
    pub webhook_first_retry_secs: u64,
    /// Attempts before a delivery is given up (FAILED).
    #[serde(default = "default_webhook_max_attempts")]
    pub webhook_max_attempts: u32,
}

impl Settings {
    /// Where the ledger is.
    pub fn location(&self) -> fundtrail_app::StoreLocation {
        fundtrail_app::StoreLocation {
            data_dir: self.data_dir.clone(),
            url: self.store.clone(),
            pg_schema: self.pg_schema.clone(),
            kurrentdb_stream: self.kurrentdb_stream.clone(),
        }
    }

    /// Where the alert outbox is (see `alert_outbox`).
    pub fn alert_outbox_at(&self) -> PathBuf {
        match (&self.alert_outbox, &self.store) {
            (Some(file), _) => file.clone(),
            (None, Some(_)) => PathBuf::from("./fundtrail-alerts.sqlite"),
            (None, None) => self.data_dir.join("alerts.sqlite"),
        }
    }

    /// The webhook, if one is set (an error names what is wrong with it).
    pub fn webhook(&self) -> Result<Option<fundtrail_app::alerts::WebhookConfig>, String> {
        let Some(url) = &self.webhook_url else {
            return Ok(None);
        };
        let secret = self
            .webhook_secret
            .clone()
            .ok_or("webhook_url is set but webhook_secret is not")?;
        let mut config = fundtrail_app::alerts::WebhookConfig::new(url.clone(), secret)?;
        config.first_retry = std::time::Duration::from_secs(self.webhook_first_retry_secs.max(1));
        config.max_attempts = self.webhook_max_attempts.max(1);
        Ok(Some(config))
    }

    /// Where read-model snapshots go (see `snapshot_dir`).
    pub fn snapshots_at(&self) -> PathBuf {
        match (&self.snapshot_dir, &self.store) {
            (Some(dir), _) => dir.clone(),
            (None, Some(_)) => PathBuf::from("./fundtrail-snapshots"),
            (None, None) => self.data_dir.join("snapshots"),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from("./fundtrail-data"),
            store: None,
            pg_schema: "fundtrail".into(),
            kurrentdb_stream: "fundtrail-ledger".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8087)),
            log_format: LogFormat::Text,
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            public_read: false,
            rate_limit_per_second: 50,
            rate_limit_burst: 200,
            max_in_flight: default_max_in_flight(),
            snapshot_dir: None,
            metrics_listen: None,
            alerts: default_alerts(),
            alert_outbox: None,
            webhook_url: None,
            webhook_secret: None,
            webhook_first_retry_secs: default_webhook_first_retry_secs(),
            webhook_max_attempts: default_webhook_max_attempts(),
        }
    }
}

fn default_alerts() -> bool {
    true
}

fn default_webhook_first_retry_secs() -> u64 {
    5
}

fn default_webhook_max_attempts() -> u32 {
    12
}

fn default_max_in_flight() -> usize {
    256
}

/// The names of [`Settings`] fields, which `FUNDTRAIL_<NAME>` sets.
const SETTINGS: &[&str] = &[
    "data_dir",
    "store",
    "pg_schema",
    "kurrentdb_stream",
    "listen",
    "log_format",
    "max_body_bytes",
    "request_timeout_secs",
    "public_read",
    "rate_limit_per_second",
    "rate_limit_burst",
    "max_in_flight",
    "snapshot_dir",
    "metrics_listen",
    "alerts",
    "alert_outbox",
    "webhook_url",
    "webhook_secret",
    "webhook_first_retry_secs",
    "webhook_max_attempts",
];

/// Flags given on the command line (only those given override).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_read: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_listen: Option<SocketAddr>,
}

pub fn load(
    file: Option<&std::path::Path>,
    overrides: &Overrides,
) -> Result<Settings, Box<figment::Error>> {
    let mut figment = Figment::from(Serialized::defaults(Settings::default()));
    if let Some(file) = file {
        figment = figment.merge(Toml::file_exact(file));
    }
    // Only the settings' own variables: others share the prefix
    // (FUNDTRAIL_CONFIG names the file, FUNDTRAIL_TEST_PG_URL is the tests').
    figment
        .merge(Env::prefixed("FUNDTRAIL_").only(SETTINGS))
        .merge(Serialized::defaults(overrides))
        .extract()
        .map_err(Box::new)
}

/// ops/fundtrail.example.toml against [`SETTINGS`] and the loader.
#[cfg(test)]
mod example_file;

#[cfg(test)]
// figment::Jail's closures return figment::Error, a large type we do not choose.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_environment_beat_file_beat_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "fundtrail.toml",
                "listen = \"127.0.0.1:9000\"\nrate_limit_burst = 7\npg_schema = \"file\"",
            )?;
            jail.set_env("FUNDTRAIL_RATE_LIMIT_BURST", "9");
            jail.set_env("FUNDTRAIL_PG_SCHEMA", "env");
            let overrides = Overrides {
                listen: Some("127.0.0.1:9001".parse().unwrap()),
                ..Default::default()
            };
            let settings = load(Some(std::path::Path::new("fundtrail.toml")), &overrides).unwrap();
            assert_eq!(settings.listen.port(), 9001);
            assert_eq!(settings.rate_limit_burst, 9);
            assert_eq!(settings.pg_schema, "env");
            assert!(!settings.public_read, "reads need a token by default");
            assert_eq!(settings.data_dir, PathBuf::from("./fundtrail-data"));
            assert_eq!(settings.snapshot_dir, None);
            assert_eq!(
                settings.snapshots_at(),
                PathBuf::from("./fundtrail-data/snapshots")
            );
            Ok(())
        });
    }

    #[test]
    fn snapshots_go_beside_the_embedded_store_or_where_told() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("pg.toml", "store = \"postgres://u@h/db\"")?;
            let pg = load(Some(std::path::Path::new("pg.toml")), &Overrides::default()).unwrap();
            assert_eq!(pg.snapshots_at(), PathBuf::from("./fundtrail-snapshots"));
            jail.set_env("FUNDTRAIL_SNAPSHOT_DIR", "/var/lib/fundtrail/snap");
            let told = load(None, &Overrides::default()).unwrap();
            assert_eq!(
                told.snapshots_at(),
                PathBuf::from("/var/lib/fundtrail/snap")
            );
            let flag = Overrides {
                snapshot_dir: Some(PathBuf::from("flag-dir")),
                ..Default::default()
            };
            assert_eq!(
                load(None, &flag).unwrap().snapshots_at(),
                PathBuf::from("flag-dir")
            );
            Ok(())
        });
    }

    #[test]
    fn other_fundtrail_variables_are_not_settings() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("FUNDTRAIL_TEST_PG_URL", "postgres://elsewhere/db");
            jail.set_env("FUNDTRAIL_CONFIG", "fundtrail.toml");
            jail.set_env("FUNDTRAIL_PUBLIC_READ", "true");
            let settings = load(None, &Overrides::default()).unwrap();
            assert!(settings.public_read);
            assert_eq!(settings.store, None);
            Ok(())
        });
    }

    #[test]
    fn an_unknown_setting_is_an_error() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "lissen = \"127.0.0.1:9000\"")?;
            assert!(
                load(
                    Some(std::path::Path::new("bad.toml")),
                    &Overrides::default()
                )
                .is_err()
            );
            Ok(())
        });
    }
}
