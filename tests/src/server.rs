//! The API served in process on a free port, over a fresh store.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fundtrail_api::{AppState, Limits, ServeOptions, build_schema, router};
use fundtrail_store::EventStore;
use fundtrail_store_postgres::PostgresStore;
use fundtrail_store_sqlite::SqliteStore;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::client::Client;
use crate::pg;

/// The actor the in-process servers record (authentication is not there yet:
/// the server records its configured actor).
pub const ACTOR: &str = "e2e-clerk";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
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
}

/// A store opened on a [`Storage`].
#[derive(Clone)]
pub enum OpenStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl OpenStore {
    pub fn shared(&self) -> Arc<dyn EventStore> {
        match self {
            OpenStore::Sqlite(s) => Arc::new(s.clone()),
            OpenStore::Postgres(s) => Arc::new(s.clone()),
        }
    }

    pub async fn close(&self) {
        match self {
            OpenStore::Sqlite(s) => s.close().await,
            OpenStore::Postgres(s) => s.close().await,
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
        };
        let workdir = tempfile::Builder::new()
            .prefix("fundtrail-e2e-")
            .tempdir()
            .expect("a temporary directory");
        Some(Storage { kind, workdir })
    }

    pub fn backend(&self) -> Backend {
        match self.kind {
            Kind::Sqlite => Backend::Sqlite,
            Kind::Postgres(_) => Backend::Postgres,
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
        }
    }
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
    /// A server over fresh storage; `None` when the backend is unavailable
    /// here (printed as `SKIPPED:`).
    pub async fn start(backend: Backend) -> Option<TestServer> {
        let storage = Storage::fresh(backend).await?;
        Some(TestServer::serve(storage).await)
    }

    /// Serves over `storage` (fresh or not).
    pub async fn serve(storage: Storage) -> TestServer {
        let backend = storage.backend();
        let store = storage.open().await;
        let state = AppState::start(store.shared(), Limits::default())
            .await
            .expect("start the API state");
        let schema = build_schema(state.clone());
        let options = ServeOptions {
            actor: ACTOR.into(),
            ..ServeOptions::default()
        };
        let app = router(schema, state.clone(), options);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let addr = listener.local_addr().expect("the bound address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .expect("serve");
        });
        TestServer {
            client: Client::new(format!("http://{addr}")),
            addr,
            backend,
            state,
            store,
            stop: Some(stop),
            task: Some(task),
            storage,
        }
    }

    /// A client with connections of its own (another user).
    pub fn another_client(&self) -> Client {
        self.client.another()
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
