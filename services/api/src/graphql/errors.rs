//! Every refusal reaches the client as a GraphQL error with a clear message
//! and `extensions.code` from the contract.

use async_graphql::{Error, ErrorExtensions};
use fundtrail_domain::ConversionError;
use fundtrail_domain::DomainError;
use fundtrail_domain::access::AccessError;
use fundtrail_ledger::ServiceError;
use fundtrail_projections::FundingError;

pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
pub const NOT_FOUND: &str = "NOT_FOUND";
/// Not a contract code: the server failed, not the request.
pub const INTERNAL: &str = "INTERNAL_SERVER_ERROR";
/// Not a contract code: the store cannot be reached just now (its server is
/// down or restarting); `/readyz` says so too. Retrying with the same
/// `commandId` is safe.
pub const STORE_UNAVAILABLE: &str = "STORE_UNAVAILABLE";

pub fn coded(code: &'static str, message: impl Into<String>) -> Error {
    Error::new(message).extend_with(|_, ext| ext.set("code", code))
}

/// A read of the log that failed: [`STORE_UNAVAILABLE`] while the store
/// cannot be reached, else [`INTERNAL`] ("`what` could not be read").
pub fn store_read_error(what: &str, e: &fundtrail_store::StoreError) -> Error {
    if matches!(e, fundtrail_store::StoreError::Unavailable(_)) {
        tracing::warn!(error = %e, "{what}: the store is unavailable");
        coded(
            STORE_UNAVAILABLE,
            format!(
                "{what} cannot be read just now: the ledger's store cannot be reached; retry later"
            ),
        )
    } else {
        tracing::error!(error = %e, "{what} could not be read");
        coded(INTERNAL, format!("{what} could not be read"))
    }
}

pub fn bad_input(field: &str, message: impl Into<String>) -> Error {
    let field = field.to_owned();
    coded(BAD_USER_INPUT, message).extend_with(move |_, ext| ext.set("field", field.clone()))
}

/// A count argument (`first`, `offset`): absent, or 0 or more.
pub fn count_arg(field: &str, n: Option<i32>) -> Result<Option<usize>, Error> {
    match n {
        None => Ok(None),
        Some(n) => usize::try_from(n)
            .map(Some)
            .map_err(|_| bad_input(field, "must be 0 or more")),
    }
}

/// A page's `first`: 50 when absent, at most `max`.
pub fn page_size(first: Option<i32>, max: usize) -> Result<usize, Error> {
    Ok(count_arg("first", first)?.map_or(50, |n| n.min(max)))
}

pub fn not_found(entity: &'static str, id: &str) -> Error {
    let id_owned = id.to_owned();
    coded(NOT_FOUND, format!("{entity} '{id}' does not exist")).extend_with(move |_, ext| {
        ext.set("entity", entity);
        ext.set("id", id_owned.clone());
    })
}

/// UNAUTHENTICATED or FORBIDDEN.
pub fn access_error(e: AccessError) -> Error {
    coded(e.code(), e.to_string())
}

pub fn service_error(e: ServiceError) -> Error {
    let message = e.to_string();
    match e {
        ServiceError::Access(access) => access_error(access),
        ServiceError::Domain(domain) => domain_error(domain),
        ServiceError::ConcurrencyConflict {
            expected, actual, ..
        } => Error::new(message).extend_with(move |_, ext| {
            ext.set("code", "CONCURRENCY_CONFLICT");
            ext.set("expectedVersion", expected);
            ext.set("actualVersion", actual);
        }),
        ServiceError::IdempotencyConflict { command_id } => {
            Error::new(message).extend_with(move |_, ext| {
                ext.set("code", "IDEMPOTENCY_CONFLICT");
                ext.set("commandId", command_id.clone());
            })
        }
        unavailable if unavailable.is_unavailable() => {
            tracing::warn!(error = %message, "command refused: the store is unavailable");
            coded(
                STORE_UNAVAILABLE,
                "the ledger's store cannot be reached just now; the command may not have been \
                 recorded: retry later with the same commandId (a retry never records it twice)",
            )
        }
        ServiceError::Store(_) | ServiceError::Corrupt { .. } => {
            tracing::error!(error = %message, "command failed inside the server");
            coded(
                INTERNAL,
                "the ledger could not record this command; it is safe to retry with the same commandId",
            )
        }
    }
}

pub fn domain_error(e: DomainError) -> Error {
    let code = e.code();
    let message = e.to_string();
    match e {
        DomainError::BadUserInput { field, .. } => {
            Error::new(message).extend_with(move |_, ext| {
                ext.set("code", code);
                ext.set("field", field.clone());
            })
        }
        DomainError::NotFound { entity, id, field } => {
            Error::new(message).extend_with(move |_, ext| {
                ext.set("code", code);
                ext.set("entity", entity);
                ext.set("id", id.clone());
                ext.set("field", field.clone());
            })
        }
        DomainError::AlreadyExists { entity, id } => {
            Error::new(message).extend_with(move |_, ext| {
                ext.set("code", code);
                ext.set("entity", entity);
                ext.set("id", id.clone());
            })
        }
        DomainError::InvalidState { state, .. } => {
            Error::new(message).extend_with(move |_, ext| {
                ext.set("code", code);
                ext.set("state", state.clone());
            })
        }
    }
}

pub fn funding_error(e: FundingError) -> Error {
    let message = e.to_string();
    match e {
        FundingError::RoadmapNotFound(id) => not_found("roadmap", &id),
        FundingError::Conversion(ConversionError::MissingRate { base, quote, on }) => {
            coded(BAD_USER_INPUT, message).extend_with(move |_, ext| {
                ext.set("field", "currency");
                ext.set("base", base.code());
                ext.set("quote", quote.code());
                ext.set("on", on.to_string());
            })
        }
        FundingError::Conversion(ConversionError::Overflow { .. }) => {
            coded(BAD_USER_INPUT, message)
        }
    }
}

/// Gives every error a contract code: the ones this crate makes carry theirs
/// (server failures [`INTERNAL`]); the ones without are async-graphql's
/// refusals of the request's input (syntax, validation, and arguments that
/// cannot be coerced, such as an `Int` beyond 32 bits inside an input
/// object, which is found only when the field runs), so `BAD_USER_INPUT`.
/// [`super::guarded::GuardedSchema`] applies it to every response.
pub(crate) fn code_errors(errors: &mut [async_graphql::ServerError]) {
    for error in errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", BAD_USER_INPUT);
        }
    }
}
