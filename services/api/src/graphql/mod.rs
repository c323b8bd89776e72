//! The GraphQL schema of the contract.

pub mod access;
pub mod action;
pub mod alerts;
pub mod chain;
pub mod enums;
pub mod errors;
pub mod forecast;
pub mod funding;
pub mod guarded;
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

/// The async-graphql schema itself; every face runs it through [`guarded::GuardedSchema`].
pub type FundtrailSchemaInner = Schema<Query, Mutation, subscription::SubscriptionRoot>;

/// The schema as the faces run it: limits, contract codes, kept documents.
pub type FundtrailSchema = guarded::GuardedSchema;

/// Query depth, complexity and size limits (hostile input); the document's
/// aliases and selections are bounded first by [`limits::check`], which
/// [`guarded::GuardedSchema`] runs before the schema.
pub const MAX_DEPTH: usize = 15;
pub const MAX_COMPLEXITY: usize = 5_000;
pub const MAX_RECURSIVE_DEPTH: usize = 32;
pub const MAX_DIRECTIVES: usize = 50;

pub fn build_schema(state: AppState) -> FundtrailSchema {
    let schema = Schema::build(
        Query::default(),
        Mutation::default(),
        subscription::SubscriptionRoot,
    )
    .data(state)
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
    .limit_directives(MAX_DIRECTIVES)
    .finish();
    guarded::GuardedSchema::new(schema)
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
