//! The GraphQL schema of the contract.

pub mod enums;
pub mod errors;
pub mod funding;
pub mod inputs;
pub mod mutation;
pub mod objects;
pub mod query;
pub mod scalars;
pub mod subscription;

use async_graphql::Schema;

use crate::state::AppState;
pub use mutation::Actor;

pub type FundtrailSchema =
    Schema<query::QueryRoot, mutation::MutationRoot, subscription::SubscriptionRoot>;

/// Query depth, complexity and size limits (hostile input).
pub const MAX_DEPTH: usize = 15;
pub const MAX_COMPLEXITY: usize = 5_000;
pub const MAX_RECURSIVE_DEPTH: usize = 32;
pub const MAX_DIRECTIVES: usize = 50;

pub fn build_schema(state: AppState) -> FundtrailSchema {
    Schema::build(
        query::QueryRoot,
        mutation::MutationRoot,
        subscription::SubscriptionRoot,
    )
    .data(state)
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
    .limit_directives(MAX_DIRECTIVES)
    .finish()
}

/// The schema's SDL, as committed in `schema/fundtrail.graphql`.
pub fn sdl() -> String {
    Schema::build(
        query::QueryRoot,
        mutation::MutationRoot,
        subscription::SubscriptionRoot,
    )
    .finish()
    .sdl()
}
