//! The GraphQL schema of the contract.

pub mod access;
pub mod action;
pub mod alerts;
pub mod chain;
pub mod enums;
pub mod errors;
pub mod forecast;
pub mod funding;
pub mod inputs;
pub mod limits;
pub mod mutation;
pub mod objects;
pub mod provenance;
pub mod query;
pub mod scalars;
pub mod schedule;
pub mod subscription;
pub mod worklist;

use async_graphql::{MergedObject, Schema};

use fundtrail_app::AppState;

/// The contract's queries, and `me`, `accessTokens`, `verifyLedger`.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct Query(
    query::QueryRoot,
    access::AccessQuery,
    action::ActionQuery,
    alerts::AlertQuery,
    forecast::ForecastQuery,
    chain::ChainQuery,
);

/// The contract's mutations, and the admins' token mutations.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct Mutation(
    mutation::MutationRoot,
    access::AccessMutation,
    action::ActionMutation,
    chain::ChainMutation,
);

pub type FundtrailSchema = Schema<Query, Mutation, subscription::SubscriptionRoot>;

/// Query depth, complexity and size limits (hostile input); the document's
/// aliases and selections are bounded first by [`limits::DocumentLimits`].
pub const MAX_DEPTH: usize = 15;
pub const MAX_COMPLEXITY: usize = 5_000;
pub const MAX_RECURSIVE_DEPTH: usize = 32;
pub const MAX_DIRECTIVES: usize = 50;

pub fn build_schema(state: AppState) -> FundtrailSchema {
    Schema::build(
        Query::default(),
        Mutation::default(),
        subscription::SubscriptionRoot,
    )
    .data(state)
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
    .limit_directives(MAX_DIRECTIVES)
    .extension(limits::DocumentLimits)
    .extension(errors::ContractCodes)
    .finish()
}

/// The schema's SDL, as committed in `schema/fundtrail.graphql`.
pub fn sdl() -> String {
    Schema::build(
        Query::default(),
        Mutation::default(),
        subscription::SubscriptionRoot,
    )
    .finish()
    .sdl()
}
