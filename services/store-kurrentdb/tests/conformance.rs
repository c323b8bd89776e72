//! The shared conformance suite against KurrentDB, when
//! `FUNDTRAIL_TEST_KURRENTDB_URL` names a server (e.g.
//! `kurrentdb://127.0.0.1:2113?tls=false`); each test uses a ledger stream
//! of its own.

mod support;

use async_trait::async_trait;
use fundtrail_store_conformance::{Harness, conformance_suite, restore_suite};
use fundtrail_store_kurrentdb::testing::rewrite_ledger;
use fundtrail_store_kurrentdb::{KurrentOptions, KurrentStore};

struct Kurrent {
    options: KurrentOptions,
    store: KurrentStore,
}

#[async_trait]
impl Harness for Kurrent {
    type Store = KurrentStore;

    async fn fresh() -> Option<Self> {
        let options = support::fresh_options()?;
        let store = support::open(&options).await;
        Some(Kurrent { options, store })
    }

    fn store(&self) -> KurrentStore {
        self.store.clone()
    }

    async fn reopen(&mut self) {
        self.store.close().await;
        self.options.ledger_stream = self.store.ledger_stream();
        self.store = support::open(&self.options).await;
    }

    /// KurrentDB cannot alter an event: the ledger is copied with the
    /// payload at `position` replaced, and the store reads the copy.
    async fn tamper_payload(&self, position: u64, payload: &str) {
        let mut found = false;
        rewrite_ledger(&self.store, |at, data| {
            if at == position {
                *data = payload.as_bytes().to_vec();
                found = true;
            }
            true
        })
        .await
        .expect("rewrite the ledger");
        assert!(found, "no event at position {position}");
    }

    /// The ledger is copied without the event at `position`.
    async fn delete_event(&self, position: u64) {
        let mut found = false;
        rewrite_ledger(&self.store, |at, _| {
            found |= at == position;
            at != position
        })
        .await
        .expect("rewrite the ledger");
        assert!(found, "no event at position {position}");
    }
}

conformance_suite!(Kurrent);
restore_suite!(Kurrent);
