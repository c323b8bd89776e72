//! The KurrentDB test server, when one is named.

use fundtrail_store_kurrentdb::testing;
use fundtrail_store_kurrentdb::{KurrentOptions, KurrentStore};

/// Options for a ledger of this test's own on the test server, or `None`
/// (after saying so) when `FUNDTRAIL_TEST_KURRENTDB_URL` is not set: no
/// KurrentDB can run where there is no container engine, CI included.
pub fn fresh_options() -> Option<KurrentOptions> {
    match testing::url() {
        Some(url) => Some(KurrentOptions::new(url).with_ledger_stream(testing::fresh_ledger())),
        None => {
            println!("SKIPPED: {} not set", testing::URL_VARIABLE);
            None
        }
    }
}

/// The store on those options; a named server must answer.
pub async fn open(options: &KurrentOptions) -> KurrentStore {
    KurrentStore::connect(options.clone())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "KurrentDB at ${} does not answer: {e}",
                testing::URL_VARIABLE
            )
        })
}
