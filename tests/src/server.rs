//! The API served in process on a free port, over a fresh store.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fundtrail_api::{ServeOptions, build_schema, router};
use fundtrail_app::auth::TokenFor;
use fundtrail_app::{AppState, Limits};
use fundtrail_domain::Role;
use fundtrail_ledger::CommandContext;
use fundtrail_store::EventStore;
use fundtrail_store_kurrentdb::{KurrentOptions, KurrentStore};
use fundtrail_store_postgres::{PostgresOptions, PostgresStore};
use fundtrail_store_sqlite::SqliteStore;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::client::Client;
use crate::pg;

/// The principal of the in-process servers' default client (an admin, so
/// every query and mutation is open to it): the actor of what tests record.
pub const ACTOR: &str = "e2e-clerk";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    /// Only where `FUNDTRAIL_TEST_KURRENTDB_URL` names a KurrentDB server
    /// (none can run on the machines this was built on); each test gets a
    /// ledger stream of its own.
    Kurrent,
}

/// The KurrentDB server of the KurrentDB cases, if any.
pub fn kurrent_url() -> Option<String> {
    std::env::var("FUNDTRAIL_TEST_KURRENTDB_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Where a test's events live: its own embedded store directory or its own
/// PostgreSQL schema, and a working directory of its own (the embedded store
/// lives in it; a `fundtrail` process runs in it); removed when dropped.
pub struct Storage {
    kind: Kind,
    // Last: removed after the schema is dropped.
    workdir: tempfile::TempDir,
}

enum Kind {
    Sqlite,
    Postgres(pg::Schema),
    /// A schema on a server of the test's own ([`crate::pg_cluster`]).
    PostgresAt {
        url: String,
        schema: String,
    },
    Kurrent {
        url: String,
        stream: String,
    },
}

/// A store opened on a [`Storage`].
#[derive(Clone)]
pub enum OpenStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
    Kurrent(KurrentStore),
}

impl OpenStore {
    pub fn shared(&self) -> Arc<dyn EventStore> {
        match self {
            OpenStore::Sqlite(s) => Arc::new(s.clone()),
            OpenStore::Postgres(s) => Arc::new(s.clone()),
            OpenStore::Kurrent(s) => Arc::new(s.clone()),
        }
    }

    pub async fn close(&self) {
        match self {
            OpenStore::Sqlite(s) => s.close().await,
            OpenStore::Postgres(s) => s.close().await,
            OpenStore::Kurrent(s) => s.close().await,
        }
    }
}

impl Storage {
    /// Fresh, empty storage; `None` when the backend is unavailable here and
    /// the test should skip (never under CI: then it panics).
    pub async fn fresh(backend: Backend) -> Option<Storage> {
        let kind = match backend {
            Backend::Sqlite => Kind::Sqlite,
            Backend::Postgres => Kind::Postgres(pg::Schema::fresh().await?),
            Backend::Kurrent => match kurrent_url() {
                Some(url) => Kind::Kurrent {
                    url,
                    stream: format!("fundtrail-e2e-{}", uuid::Uuid::new_v4().simple()),
                },
                None => {
                    println!("SKIPPED: FUNDTRAIL_TEST_KURRENTDB_URL not set");
                    return None;
                }
            },
        };
        let workdir = tempfile::Builder::new()
            .prefix("fundtrail-e2e-")
            .tempdir()
            .expect("a temporary directory");
        Some(Storage { kind, workdir })
    }

    /// A fresh schema on the PostgreSQL server at `url` (a server the test
    /// started, see [`crate::pg_cluster`]; thrown away with it).
    pub fn postgres_at(url: &str) -> Storage {
        let workdir = tempfile::Builder::new()
            .prefix("fundtrail-e2e-")
            .tempdir()
            .expect("a temporary directory");
        Storage {
            kind: Kind::PostgresAt {
                url: url.to_owned(),
                schema: format!("ft_test_{}", uuid::Uuid::new_v4().simple()),
            },
            workdir,
        }
    }

    pub fn backend(&self) -> Backend {
        match self.kind {
            Kind::Sqlite => Backend::Sqlite,
            Kind::Postgres(_) | Kind::PostgresAt { .. } => Backend::Postgres,
            Kind::Kurrent { .. } => Backend::Kurrent,
        }
    }

    /// The test's own directory (a `fundtrail` process runs in it).
    pub fn workdir(&self) -> &Path {
        self.workdir.path()
    }

    fn sqlite_dir(&self) -> PathBuf {
        self.workdir.path().join("store")
    }

    pub async fn open(&self) -> OpenStore {
        match &self.kind {
            Kind::Sqlite => OpenStore::Sqlite(
                SqliteStore::open(self.sqlite_dir()).expect("open the embedded store"),
            ),
            Kind::Postgres(schema) => OpenStore::Postgres(schema.open().await),
            Kind::PostgresAt { url, schema } => OpenStore::Postgres(
                PostgresStore::connect(PostgresOptions::new(url.clone(), schema.clone()))
                    .await
                    .expect("connect the postgres store"),
            ),
            Kind::Kurrent { url, stream } => OpenStore::Kurrent(
                KurrentStore::connect(KurrentOptions::new(url).with_ledger_stream(stream))
                    .await
                    .expect("connect to KurrentDB"),
            ),
        }
    }

    /// The `fundtrail serve` flags and environment that select this storage.
    pub fn command_args(&self) -> (Vec<String>, Vec<(String, String)>) {
        match &self.kind {
            Kind::Sqlite => (
                vec!["--data-dir".into(), self.sqlite_dir().display().to_string()],
                vec![],
            ),
            Kind::Postgres(schema) => (
                vec!["--store".into(), pg::url()],
                vec![("FUNDTRAIL_PG_SCHEMA".into(), schema.name.clone())],
            ),
            Kind::PostgresAt { url, schema } => (
                vec!["--store".into(), url.clone()],
                vec![("FUNDTRAIL_PG_SCHEMA".into(), schema.clone())],
            ),
            Kind::Kurrent { url, stream } => (
                vec!["--store".into(), url.clone()],
                vec![("FUNDTRAIL_KURRENTDB_STREAM".into(), stream.clone())],
            ),
        }
    }
}

/// Records a token for `name` with `role` (no scope) as the local admin; returns it.
pub async fn create_token(state: &AppState, name: &str, role: Role) -> String {
    issue_token(state, TokenFor::new(name, role)).await
}

/// Records a token for `request` as the local admin; returns it.
pub async fn issue_token(state: &AppState, request: TokenFor) -> String {
    fundtrail_app::auth::create_token(state, &CommandContext::by("e2e-setup"), request)
        .await
        .expect("record a token")
        .token
}

/// `fundtrail-api` on `127.0.0.1:<free port>`, stopped when dropped.
pub struct TestServer {
    pub client: Client,
    pub addr: SocketAddr,
    pub backend: Backend,
    state: AppState,
    store: OpenStore,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    // Last: removed after everything above is gone.
    storage: Storage,
}

impl TestServer {
    /// The server's clock: a test moves it forward to reach an expiry.
    pub fn clock(&self) -> &fundtrail_app::Clock {
        self.state.clock()
    }

    /// A server over fresh storage; `None` when the backend is unavailable
    /// here (printed as `SKIPPED:`).
    pub async fn start(backend: Backend) -> Option<TestServer> {
        let storage = Storage::fresh(backend).await?;
        Some(TestServer::serve(storage).await)
    }

    /// A server over fresh storage with `options` (a public-read server, say).
    pub async fn start_with(backend: Backend, options: ServeOptions) -> Option<TestServer> {
        let storage = Storage::fresh(backend).await?;
        Some(TestServer::serve_with(storage, options).await)
    }

    /// Serves over `storage` (fresh or not).
    pub async fn serve(storage: Storage) -> TestServer {
        Self::serve_with(storage, ServeOptions::default()).await
    }

    /// Serves over `storage` with `options`.
    pub async fn serve_with(storage: Storage, options: ServeOptions) -> TestServer {
        let backend = storage.backend();
        let store = storage.open().await;
        let state = AppState::start(store.shared(), Limits::default())
            .await
            .expect("start the API state");
        let token = create_token(&state, ACTOR, Role::Admin).await;
        let schema = build_schema(state.clone());
        let app = router(schema, state.clone(), options);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let addr = listener.local_addr().expect("the bound address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
            .expect("serve");
        });
        TestServer {
            client: Client::with_token(format!("http://{addr}"), token),
            addr,
            backend,
            state,
            store,
            stop: Some(stop),
            task: Some(task),
            storage,
        }
    }

    /// Starts alerting (no webhook), the outbox in the storage's work directory.
    pub fn start_alerts(&self) -> fundtrail_app::alerts::Alerts {
        self.state
            .start_alerts(fundtrail_app::alerts::AlertConfig {
                outbox: self.storage.workdir().join("alerts.sqlite"),
                webhook: None,
            })
            .expect("open the alert outbox")
    }

    /// A client with connections of its own (another user).
    pub fn another_client(&self) -> Client {
        self.client.another()
    }

    /// A token for a new principal `name` with `role` on this server.
    pub async fn token(&self, name: &str, role: Role) -> String {
        create_token(&self.state, name, role).await
    }

    /// A token whose role and scope are given in full.
    pub async fn scoped_token(&self, request: TokenFor) -> String {
        issue_token(&self.state, request).await
    }

    /// The default client's token (an admin named [`ACTOR`]).
    pub fn default_token(&self) -> &str {
        self.client.token().expect("the default client has a token")
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/graphql/ws", self.addr)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn store(&self) -> &OpenStore {
        &self.store
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
