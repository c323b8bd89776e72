//! Connecting: what a wrong connection string or an absent server gives.
//! These run everywhere, without a KurrentDB server.

use std::time::{Duration, Instant};

use fundtrail_store::StoreError;
use fundtrail_store_kurrentdb::{KurrentOptions, KurrentStore};

#[tokio::test]
async fn a_closed_port_is_a_clear_error_at_once() {
    let started = Instant::now();
    let connected = KurrentStore::connect(KurrentOptions::new(
        "kurrentdb://127.0.0.1:1?tls=false&maxDiscoverAttempts=1",
    ))
    .await;
    let took = started.elapsed();
    match connected {
        Err(StoreError::Unavailable(message)) => assert!(
            message.starts_with("KurrentDB is unreachable")
                && message.contains("discovery attempt"),
            "{message}"
        ),
        Err(other) => panic!("expected an Unavailable error, got {other:?}"),
        Ok(_) => panic!("connected to a closed port"),
    }
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[tokio::test]
async fn a_wrong_connection_string_is_an_invalid_request() {
    for url in [
        "postgres://127.0.0.1:2113",
        "kurrentdb://127.0.0.1:2113?nodePreference=anywhere",
    ] {
        match KurrentStore::connect(KurrentOptions::new(url)).await {
            Err(StoreError::InvalidRequest(message)) => assert!(
                message.starts_with("invalid KurrentDB connection string"),
                "{message}"
            ),
            Err(other) => panic!("{url}: expected InvalidRequest, got {other:?}"),
            Ok(_) => panic!("{url}: connected"),
        }
    }
}

#[tokio::test]
async fn a_system_stream_is_no_ledger() {
    for ledger in ["", "$fundtrail-ledger", "$$fundtrail-ledger"] {
        let options =
            KurrentOptions::new("kurrentdb://127.0.0.1:1?tls=false").with_ledger_stream(ledger);
        assert!(
            matches!(
                KurrentStore::connect(options).await,
                Err(StoreError::InvalidRequest(_))
            ),
            "{ledger:?}"
        );
    }
}
