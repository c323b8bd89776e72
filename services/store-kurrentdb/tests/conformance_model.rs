//! The shared conformance suite against the store running on
//! `testing::MemoryLedger`, a model of the KurrentDB stream semantics the
//! store relies on. This runs everywhere and tests the store's own logic
//! (planning, the index, catching up, reading back); `conformance.rs` runs
//! the same cases against a real server when one is named.

use async_trait::async_trait;
use fundtrail_store_conformance::{Harness, conformance_suite, restore_suite};
use fundtrail_store_kurrentdb::testing::{MemoryLedger, rewrite_ledger};
use fundtrail_store_kurrentdb::{KurrentOptions, KurrentStore};

struct Model {
    ledger: MemoryLedger,
    options: KurrentOptions,
    store: KurrentStore,
}

#[async_trait]
impl Harness for Model {
    type Store = KurrentStore;

    async fn fresh() -> Option<Self> {
        let ledger = MemoryLedger::new();
        let options = KurrentOptions::new("kurrentdb://model");
        let store = ledger.connect(options.clone()).await.expect("connect");
        Some(Model {
            ledger,
            options,
            store,
        })
    }

    fn store(&self) -> KurrentStore {
        self.store.clone()
    }

    async fn reopen(&mut self) {
        self.store.close().await;
        self.options.ledger_stream = self.store.ledger_stream();
        self.store = self
            .ledger
            .connect(self.options.clone())
            .await
            .expect("reconnect");
    }

    async fn tamper_payload(&self, position: u64, payload: &str) {
        rewrite_ledger(&self.store, |at, data| {
            if at == position {
                *data = payload.as_bytes().to_vec();
            }
            true
        })
        .await
        .expect("rewrite the ledger");
    }

    async fn delete_event(&self, position: u64) {
        rewrite_ledger(&self.store, |at, _| at != position)
            .await
            .expect("rewrite the ledger");
    }
}

conformance_suite!(Model);
restore_suite!(Model);
