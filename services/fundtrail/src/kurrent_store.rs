//! `--store kurrentdb://…`: the KurrentDB store (`fundtrail-store-kurrentdb`),
//! present when fundtrail is built with the `kurrentdb` feature (on by default).

use std::sync::Arc;

use fundtrail_store::{EventStore, StoreError};

/// KurrentDB's connection strings: `kurrentdb://`, `esdb://` and their
/// `+discover` (DNS discovery of a cluster) forms.
pub(crate) fn is_url(url: &str) -> bool {
    [
        "kurrentdb://",
        "kurrentdb+discover://",
        "esdb://",
        "esdb+discover://",
    ]
    .iter()
    .any(|scheme| url.starts_with(scheme))
}

#[cfg(feature = "kurrentdb")]
pub(crate) async fn open(url: &str, stream: &str) -> Result<Arc<dyn EventStore>, StoreError> {
    use fundtrail_store_kurrentdb::{KurrentOptions, KurrentStore};
    Ok(Arc::new(
        KurrentStore::connect(KurrentOptions::new(url).with_ledger_stream(stream)).await?,
    ))
}

#[cfg(not(feature = "kurrentdb"))]
pub(crate) async fn open(_url: &str, _stream: &str) -> Result<Arc<dyn EventStore>, StoreError> {
    Err(StoreError::InvalidRequest(
        "this fundtrail was built without KurrentDB support: build it with the `kurrentdb` \
         feature (on by default)"
            .into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kurrentdb_connection_strings_are_recognised() {
        for url in [
            "kurrentdb://127.0.0.1:2113?tls=false",
            "kurrentdb+discover://cluster.example:2113",
            "esdb://admin:changeit@node1:2113,node2:2113",
            "esdb+discover://cluster.example",
        ] {
            assert!(is_url(url), "{url}");
        }
        for url in [
            "postgres://u@h/db",
            "kurrent://h",
            "http://h:2113",
            "esdb:/h",
        ] {
            assert!(!is_url(url), "{url}");
        }
    }

    #[tokio::test]
    async fn a_kurrentdb_url_reaches_the_kurrentdb_store_or_says_it_is_not_built_in() {
        let opened = open(
            "kurrentdb://127.0.0.1:1?tls=false&maxDiscoverAttempts=1",
            "fundtrail-ledger",
        )
        .await;
        let Err(error) = opened else {
            panic!("opened a store on a closed port");
        };
        if cfg!(feature = "kurrentdb") {
            assert!(
                matches!(&error, StoreError::Backend(m) if m.starts_with("KurrentDB is unreachable")),
                "{error:?}"
            );
        } else {
            assert!(
                matches!(&error, StoreError::InvalidRequest(m) if m.contains("`kurrentdb` feature")),
                "{error:?}"
            );
        }
    }
}
