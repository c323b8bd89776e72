//! The conformance suite every event-store backend must pass.
//!
//! A backend's test file implements [`Harness`] (how to get a fresh store,
//! reopen it, and tamper with its storage behind its back) and calls
//! [`conformance_suite!`], which expands to one `#[tokio::test]` per case in
//! [`cases`]. The cases are written once, against the traits only.

pub mod cases;
pub mod restore;

use async_trait::async_trait;
use fundtrail_store::EventStore;

#[async_trait]
pub trait Harness: Send + Sync + Sized + 'static {
    type Store: EventStore + Clone + 'static;

    /// A fresh, empty store of its own; `None` when the backend is not
    /// available on this machine and the harness decided to skip (it must
    /// panic instead when the `CI` environment variable is set).
    async fn fresh() -> Option<Self>;

    fn store(&self) -> Self::Store;

    /// Closes the store and opens the same storage again.
    async fn reopen(&mut self);

    /// Overwrites the payload of the event at `position` directly in storage.
    async fn tamper_payload(&self, position: u64, payload: &str);

    /// Removes the event at `position` directly in storage.
    async fn delete_event(&self, position: u64);
}

/// Expands to one test per conformance case for the harness type.
#[macro_export]
macro_rules! conformance_suite {
    ($harness:ty) => {
        $crate::conformance_suite!(@cases $harness;
            versions_start_at_one_and_positions_are_global,
            expected_version_rules_and_typed_conflicts,
            a_batch_is_all_or_nothing,
            reappending_the_same_event_ids_returns_the_original_result,
            command_ids_are_answerable_from_the_store,
            read_directions_and_limits,
            concurrent_writers_get_one_gap_free_global_order,
            subscription_catches_up_then_goes_live_without_gap_or_duplicate,
            subscription_from_the_middle_starts_there,
            metadata_and_payload_round_trip,
            verify_passes_on_an_intact_chain,
            verify_catches_an_event_altered_in_storage,
            verify_catches_two_events_swapped_in_storage,
            verify_catches_an_event_removed_from_storage,
            everything_survives_a_restart,
            retries_and_conflicts_are_recognised_with_cold_caches,
            a_group_mixing_retries_conflicts_and_new_appends_decides_each_alone,
        );
    };
    (@cases $harness:ty; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(harness) = <$harness as $crate::Harness>::fresh().await else {
                    return;
                };
                $crate::cases::$case(harness).await;
            }
        )*
    };
}
