//! The shared conformance suite against the embedded store.

use async_trait::async_trait;
use fundtrail_store_conformance::{Harness, conformance_suite, restore_suite};
use fundtrail_store_sqlite::SqliteStore;
use fundtrail_store_sqlite::testing::TempStore;

struct Embedded(TempStore);

#[async_trait]
impl Harness for Embedded {
    type Store = SqliteStore;

    async fn fresh() -> Option<Self> {
        Some(Embedded(TempStore::new()))
    }

    fn store(&self) -> SqliteStore {
        self.0.store()
    }

    async fn reopen(&mut self) {
        self.0.reopen().await;
    }

    async fn tamper_payload(&self, position: u64, payload: &str) {
        let changed = self
            .0
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
            .0
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
    let temp = TempStore::new();
    let second = SqliteStore::open(temp.path());
    assert!(matches!(second, Err(fundtrail_store::StoreError::Backend(m)) if m.contains("in use")));
    temp.store().close().await;
    SqliteStore::open(temp.path()).expect("free again after close");
}
