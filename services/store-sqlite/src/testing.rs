//! Test support (feature `testing`): an embedded store in a temporary
//! directory of its own ([`TempStore`]), removed when it goes out of scope,
//! with a plain connection on its database file for tampering behind the
//! store's back. Used by this crate's tests and by other crates' tests that
//! need a real store without a server.

use std::path::Path;

use tempfile::TempDir;

use crate::{DATABASE_FILE, SqliteStore};

/// An embedded store in a fresh temporary directory.
pub struct TempStore {
    dir: TempDir,
    store: SqliteStore,
}

impl TempStore {
    /// Opens a store in a new temporary directory (panics when it cannot:
    /// a test cannot go on without one).
    pub fn new() -> TempStore {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::open(dir.path()).expect("open the embedded store");
        TempStore { dir, store }
    }

    /// The store (a clone: all clones share one writer).
    pub fn store(&self) -> SqliteStore {
        self.store.clone()
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Closes the store and opens the same directory again.
    pub async fn reopen(&mut self) {
        self.store.close().await;
        self.store = SqliteStore::open(self.dir.path()).expect("reopen the embedded store");
    }

    /// A plain connection on the database file, beside the store's own.
    pub fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join(DATABASE_FILE))
            .expect("a raw connection on the database file")
    }
}

impl Default for TempStore {
    fn default() -> Self {
        TempStore::new()
    }
}
