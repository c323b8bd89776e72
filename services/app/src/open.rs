//! Where the ledger is, and opening it: one place for every face and
//! command. The embedded store is a directory; PostgreSQL and KurrentDB are
//! URLs.
//!
//! | location | [`open_store`] (read and write) | [`open_reader`] (read only) |
//! |---|---|---|
//! | a data directory | the embedded store; takes the directory's lock, so one writer at a time | read-only SQLite connections, no lock: works beside a running server |
//! | `postgres://…`, `postgresql://…` | a PostgreSQL store | the same store (PostgreSQL serves many processes) |
//! | `kurrentdb://…`, `esdb://…` (and `+discover`) | a KurrentDB store, with the `kurrentdb` feature | the same store |

use std::path::PathBuf;
use std::sync::Arc;

use fundtrail_store::{EventReader, EventStore, StoreError};
use fundtrail_store_postgres::{PostgresOptions, PostgresStore};
use fundtrail_store_sqlite::{SqliteReader, SqliteStore};

/// Where the ledger is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreLocation {
    /// The embedded store's directory (used when `url` is `None`).
    pub data_dir: PathBuf,
    /// A PostgreSQL or KurrentDB URL.
    pub url: Option<String>,
    /// PostgreSQL: the schema holding the ledger's tables.
    pub pg_schema: String,
    /// KurrentDB: the stream holding the whole log.
    pub kurrentdb_stream: String,
}

/// The kinds of location a URL can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    Postgres,
    KurrentDb,
}

impl StoreLocation {
    /// Which backend this location names, or why the URL names none.
    pub fn backend(&self) -> Result<Backend, StoreError> {
        match self.url.as_deref() {
            None => Ok(Backend::Embedded),
            Some(url) if is_postgres_url(url) => Ok(Backend::Postgres),
            Some(url) if is_kurrentdb_url(url) => Ok(Backend::KurrentDb),
            Some(other) => Err(StoreError::InvalidRequest(format!(
                "unsupported store {other:?}: use a postgres:// or kurrentdb:// URL, or --data-dir for the embedded store"
            ))),
        }
    }
}

pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// KurrentDB's connection strings: `kurrentdb://`, `esdb://` and their
/// `+discover` (DNS discovery of a cluster) forms.
pub fn is_kurrentdb_url(url: &str) -> bool {
    [
        "kurrentdb://",
        "kurrentdb+discover://",
        "esdb://",
        "esdb+discover://",
    ]
    .iter()
    .any(|scheme| url.starts_with(scheme))
}

/// Opens the store for reading and writing (the embedded one takes its
/// directory's lock: one writing process at a time).
pub async fn open_store(location: &StoreLocation) -> Result<Arc<dyn EventStore>, StoreError> {
    match (location.backend()?, location.url.as_deref()) {
        (Backend::Postgres, Some(url)) => Ok(Arc::new(
            PostgresStore::connect(PostgresOptions::new(url, location.pg_schema.clone())).await?,
        )),
        (Backend::KurrentDb, Some(url)) => open_kurrentdb(url, &location.kurrentdb_stream).await,
        _ => Ok(Arc::new(SqliteStore::open(&location.data_dir)?)),
    }
}

/// Opens the store for reading only: the embedded one without its lock (so
/// `export`, `verify`, `backup` and `rebuild` run beside a server on the
/// same directory), a server-based one as [`open_store`] does.
pub async fn open_reader(location: &StoreLocation) -> Result<Arc<dyn EventReader>, StoreError> {
    match location.backend()? {
        Backend::Embedded => Ok(Arc::new(SqliteReader::open(&location.data_dir)?)),
        _ => {
            let store: Arc<dyn EventReader> = open_store(location).await?;
            Ok(store)
        }
    }
}

#[cfg(feature = "kurrentdb")]
async fn open_kurrentdb(url: &str, stream: &str) -> Result<Arc<dyn EventStore>, StoreError> {
    use fundtrail_store_kurrentdb::{KurrentOptions, KurrentStore};
    Ok(Arc::new(
        KurrentStore::connect(KurrentOptions::new(url).with_ledger_stream(stream)).await?,
    ))
}

#[cfg(not(feature = "kurrentdb"))]
async fn open_kurrentdb(_url: &str, _stream: &str) -> Result<Arc<dyn EventStore>, StoreError> {
    Err(StoreError::InvalidRequest(
        "this fundtrail was built without KurrentDB support: build it with the `kurrentdb` \
         feature (on by default)"
            .into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(url: &str) -> StoreLocation {
        StoreLocation {
            data_dir: PathBuf::from("unused"),
            url: Some(url.to_owned()),
            pg_schema: "public".into(),
            kurrentdb_stream: "fundtrail-ledger".into(),
        }
    }

    #[test]
    fn kurrentdb_connection_strings_are_recognised() {
        for url in [
            "kurrentdb://127.0.0.1:2113?tls=false",
            "kurrentdb+discover://cluster.example:2113",
            "esdb://admin:changeit@node1:2113,node2:2113",
            "esdb+discover://cluster.example",
        ] {
            assert!(is_kurrentdb_url(url), "{url}");
            assert_eq!(at(url).backend().unwrap(), Backend::KurrentDb);
        }
        for url in [
            "postgres://u@h/db",
            "kurrent://h",
            "http://h:2113",
            "esdb:/h",
        ] {
            assert!(!is_kurrentdb_url(url), "{url}");
        }
        assert_eq!(
            at("postgresql://u@h/db").backend().unwrap(),
            Backend::Postgres
        );
        assert!(at("mysql://h").backend().is_err());
    }

    #[tokio::test]
    async fn a_kurrentdb_url_reaches_the_kurrentdb_store_or_says_it_is_not_built_in() {
        let opened = open_store(&at(
            "kurrentdb://127.0.0.1:1?tls=false&maxDiscoverAttempts=1",
        ))
        .await;
        let Err(error) = opened else {
            panic!("opened a store on a closed port");
        };
        if cfg!(feature = "kurrentdb") {
            assert!(
                matches!(&error, StoreError::Unavailable(m) if m.starts_with("KurrentDB is unreachable")),
                "{error:?}"
            );
        } else {
            assert!(
                matches!(&error, StoreError::InvalidRequest(m) if m.contains("`kurrentdb` feature")),
                "{error:?}"
            );
        }
    }

    #[tokio::test]
    async fn the_embedded_store_opens_for_reading_beside_its_writer() {
        let dir = tempfile::tempdir().unwrap();
        let location = StoreLocation {
            data_dir: dir.path().to_path_buf(),
            url: None,
            pg_schema: "public".into(),
            kurrentdb_stream: "fundtrail-ledger".into(),
        };
        let _writer = open_store(&location).await.unwrap();
        // A second writer is refused (the directory lock) ...
        assert!(open_store(&location).await.is_err());
        // ... a reader is not.
        let reader = open_reader(&location).await.unwrap();
        assert_eq!(reader.head().await.unwrap().position, 0);
    }
}
