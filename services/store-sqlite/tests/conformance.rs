//! The shared conformance suite against the embedded store.

use async_trait::async_trait;
use fundtrail_store_conformance::{Harness, conformance_suite, restore_suite};
use fundtrail_store_sqlite::{DATABASE_FILE, SqliteStore};
use tempfile::TempDir;

struct Embedded {
    dir: TempDir,
    store: SqliteStore,
}

impl Embedded {
    fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join(DATABASE_FILE)).expect("raw connection")
    }
}

#[async_trait]
impl Harness for Embedded {
    type Store = SqliteStore;

    async fn fresh() -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(dir.path()).expect("open embedded store");
        Some(Embedded { dir, store })
    }

    fn store(&self) -> SqliteStore {
        self.store.clone()
    }

    async fn reopen(&mut self) {
        self.store.close().await;
        self.store = SqliteStore::open(self.dir.path()).expect("reopen embedded store");
    }

    async fn tamper_payload(&self, position: u64, payload: &str) {
        let changed = self
            .raw()
            .execute(
                "UPDATE events SET payload = ?1 WHERE position = ?2",
                rusqlite::params![payload, position as i64],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }

    async fn delete_event(&self, position: u64) {
        let changed = self
            .raw()
            .execute("DELETE FROM events WHERE position = ?1", [position as i64])
            .unwrap();
        assert_eq!(changed, 1);
    }
}

conformance_suite!(Embedded);
restore_suite!(Embedded);

#[tokio::test]
async fn a_second_process_cannot_open_the_same_directory() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let second = SqliteStore::open(dir.path());
    assert!(matches!(second, Err(fundtrail_store::StoreError::Backend(m)) if m.contains("in use")));
    store.close().await;
    SqliteStore::open(dir.path()).expect("free again after close");
}
