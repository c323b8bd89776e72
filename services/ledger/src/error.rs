//! What the command side answers when it refuses.

use fundtrail_domain::DomainError;
use fundtrail_domain::access::AccessError;
use fundtrail_domain::error::ErrorCode;
use fundtrail_store::StoreError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ServiceError {
    /// The principal may not do this (`UNAUTHENTICATED` / `FORBIDDEN`).
    #[error(transparent)]
    Access(#[from] AccessError),

    /// A rule of the domain refused the command.
    #[error(transparent)]
    Domain(#[from] DomainError),

    /// The entity is not at the version the client expected.
    #[error("{stream} is at version {actual}, not the expected version {expected}")]
    ConcurrencyConflict {
        stream: String,
        expected: u64,
        actual: u64,
    },

    /// The `commandId` was used before for another command.
    #[error("commandId '{command_id}' was already used for a different input")]
    IdempotencyConflict { command_id: String },

    /// The store failed; nothing is known to have been appended unless a
    /// retry with the same `commandId` says so.
    #[error("the ledger could not be written: {0}")]
    Store(StoreError),

    /// A stored event could not be read back.
    #[error("stored event at position {position} cannot be read: {message}")]
    Corrupt { position: u64, message: String },
}

impl ServiceError {
    /// The contract's `extensions.code`; `None` for internal failures.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ServiceError::Access(AccessError::Unauthenticated(_)) => {
                Some(ErrorCode::Unauthenticated)
            }
            ServiceError::Access(AccessError::Forbidden(_)) => Some(ErrorCode::Forbidden),
            ServiceError::Domain(e) => Some(e.error_code()),
            ServiceError::ConcurrencyConflict { .. } => Some(ErrorCode::ConcurrencyConflict),
            ServiceError::IdempotencyConflict { .. } => Some(ErrorCode::IdempotencyConflict),
            ServiceError::Store(_) | ServiceError::Corrupt { .. } => None,
        }
    }
}

impl ServiceError {
    /// The store could not be reached (its server down or restarting): the
    /// client should retry later, with the same `commandId`.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, ServiceError::Store(StoreError::Unavailable(_)))
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        ServiceError::Store(e)
    }
}
