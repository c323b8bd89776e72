//! fundtrail end to end: the real server on a free port, spoken to over HTTP
//! and websockets, with the same cases on the embedded store (`sqlite::`), on
//! PostgreSQL (`postgres::`, skipped with `SKIPPED:` when PostgreSQL is
//! unreachable outside CI, failing under CI) and on KurrentDB (`kurrentdb::`,
//! only when `FUNDTRAIL_TEST_KURRENTDB_URL` names a server).
//!
//! Each case gets a fresh store: a temporary directory, or a schema of its
//! own dropped afterwards.

mod actions;
mod auth;
mod chains;
mod clocks;
mod concurrency;
mod errors;
mod hostile;
mod idempotency;
mod mutations;
mod pipeline;
mod process;
mod provenance;
mod queries;
mod schedules;
mod subscriptions;
mod transport;

/// One `#[tokio::test]` per case and backend. `server` cases receive a
/// running in-process server over fresh storage; `storage` cases receive the
/// fresh storage only (they start the `fundtrail` command on it); `backend`
/// cases start servers of their own (with other options).
macro_rules! e2e_suite {
    ($backend:expr) => {
        e2e_suite!(@server $backend;
            mutations::every_mutation_happy_path,
            mutations::pledge_lifecycle_to_disbursed_with_pro_rata_shares,
            mutations::unvalued_in_kind_pledge_is_delivered_then_valued,
            mutations::history_is_a_hash_chain_oldest_first,
            errors::bad_user_input_is_refused_and_appends_nothing,
            errors::invalid_scalars_are_bad_user_input,
            errors::a_json_number_for_a_decimal_is_a_request_error,
            errors::not_found_already_exists_and_invalid_state,
            errors::stale_expected_version_is_a_concurrency_conflict,
            errors::same_command_id_other_input_is_an_idempotency_conflict,
            idempotency::same_command_id_same_input_returns_the_first_result,
            idempotency::a_create_without_id_retried_keeps_its_generated_id,
            concurrency::same_expected_version_at_once_exactly_one_wins,
            concurrency::concurrent_pledges_all_land_without_lost_updates,
            concurrency::same_command_id_at_once_is_one_event_and_one_answer,
            clocks::a_late_entry_changes_on_but_not_as_of,
            clocks::currency_conversion_peg_recorded_rates_and_missing_rates,
            clocks::unvalued_pledges_are_counted_never_summed,
            clocks::gap_and_coverage,
            queries::donor_map_is_ordered_by_committed_and_filters,
            queries::lists_and_filters,
            queries::audit_trail_pages_and_filters,
            queries::read_your_writes_across_clients,
            subscriptions::funding_changed_pushes_new_figures_for_its_roadmap_only,
            subscriptions::funding_changed_on_an_unknown_roadmap_is_an_error,
            subscriptions::alerts_push_what_falls_due_once,
            transport::get_queries_and_refuses_mutations,
            transport::post_content_types_and_malformed_bodies,
            transport::status_codes_follow_the_accepted_media_type,
            transport::health_and_readiness,
            auth::without_a_valid_token_nothing_is_read_or_written,
            auth::roles_decide_what_a_principal_may_do,
            auth::an_officer_stays_within_its_scope,
            auth::an_officer_reaches_no_record_outside_its_roadmaps,
            auth::admins_create_and_revoke_tokens_as_events,
            auth::a_revoked_token_loses_its_open_websockets,
            auth::an_expired_token_loses_its_open_websockets,
            hostile::bad_input_is_refused_and_the_server_keeps_serving,
            hostile::websockets_are_held_to_limits,
            provenance::records_cite_their_source_and_unknowns_stay_null,
            schedules::a_tranche_becomes_overdue_when_the_clock_passes_its_date,
            pipeline::a_prospect_becomes_a_proposal_then_a_pledge,
            actions::actions_carry_the_next_steps_and_fall_due_on_the_worklist,
            actions::a_roadmap_sets_its_own_ageing_periods,
            chains::a_three_level_chain_is_counted_once_everywhere,
        );
        e2e_suite!(@storage $backend;
            process::sigterm_stops_gracefully_and_a_restart_serves_the_same_data,
            hostile::no_token_appears_in_the_logs,
            process::read_only_commands_run_beside_a_server_with_its_figures,
        );
        e2e_suite!(@backend $backend;
            auth::public_read_opens_reads_only,
            auth::request_rates_are_limited_per_token,
        );
    };
    (@backend $backend:expr; $($module:ident :: $case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                crate::$module::$case($backend).await;
            }
        )*
    };
    (@server $backend:expr; $($module:ident :: $case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(server) = fundtrail_e2e::TestServer::start($backend).await else {
                    return;
                };
                crate::$module::$case(&server).await;
            }
        )*
    };
    (@storage $backend:expr; $($module:ident :: $case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(storage) = fundtrail_e2e::Storage::fresh($backend).await else {
                    return;
                };
                crate::$module::$case(storage).await;
            }
        )*
    };
}

mod sqlite {
    e2e_suite!(fundtrail_e2e::Backend::Sqlite);
}

mod postgres {
    e2e_suite!(fundtrail_e2e::Backend::Postgres);
}

/// Run only where `FUNDTRAIL_TEST_KURRENTDB_URL` is set (`SKIPPED:` otherwise).
mod kurrentdb {
    e2e_suite!(fundtrail_e2e::Backend::Kurrent);
}
