//! The one error type of the domain, and the contract's error codes.

use thiserror::Error;

/// Every `extensions.code` of the GraphQL contract. The domain produces only the
/// first four (through [`DomainError::code`]); the service layer owns the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    BadUserInput,
    NotFound,
    AlreadyExists,
    InvalidState,
    ConcurrencyConflict,
    IdempotencyConflict,
    Unauthenticated,
    Forbidden,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 8] = [
        ErrorCode::BadUserInput,
        ErrorCode::NotFound,
        ErrorCode::AlreadyExists,
        ErrorCode::InvalidState,
        ErrorCode::ConcurrencyConflict,
        ErrorCode::IdempotencyConflict,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::AlreadyExists => "ALREADY_EXISTS",
            ErrorCode::InvalidState => "INVALID_STATE",
            ErrorCode::ConcurrencyConflict => "CONCURRENCY_CONFLICT",
            ErrorCode::IdempotencyConflict => "IDEMPOTENCY_CONFLICT",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
        }
    }
}

/// A refused command. Each variant maps to exactly one contract code.
/// Messages name the field, the value and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// `BAD_USER_INPUT`: a field's value breaks a rule that does not depend on state.
    #[error("{field}: {message}")]
    BadUserInput { field: String, message: String },
    /// `NOT_FOUND`: the entity the command targets, or one it references through `field`, does not exist.
    #[error("{field}: {entity} '{id}' does not exist")]
    NotFound {
        entity: &'static str,
        id: String,
        field: String,
    },
    /// `ALREADY_EXISTS`: a create command for an id whose stream already has events.
    #[error("{entity} '{id}' already exists")]
    AlreadyExists { entity: &'static str, id: String },
    /// `INVALID_STATE`: the command is not allowed in the entity's current state.
    #[error("{message} (current state: {state})")]
    InvalidState { message: String, state: String },
}

impl DomainError {
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    pub fn error_code(&self) -> ErrorCode {
        match self {
            DomainError::BadUserInput { .. } => ErrorCode::BadUserInput,
            DomainError::NotFound { .. } => ErrorCode::NotFound,
            DomainError::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            DomainError::InvalidState { .. } => ErrorCode::InvalidState,
        }
    }

    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(
        entity: &'static str,
        id: impl Into<String>,
        field: impl Into<String>,
    ) -> Self {
        DomainError::NotFound {
            entity,
            id: id.into(),
            field: field.into(),
        }
    }

    pub fn already_exists(entity: &'static str, id: impl Into<String>) -> Self {
        DomainError::AlreadyExists {
            entity,
            id: id.into(),
        }
    }

    pub fn invalid_state(message: impl Into<String>, state: impl Into<String>) -> Self {
        DomainError::InvalidState {
            message: message.into(),
            state: state.into(),
        }
    }
}

pub type DomainResult<T> = Result<T, DomainError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_contract_spelling() {
        let codes: Vec<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            codes,
            [
                "BAD_USER_INPUT",
                "NOT_FOUND",
                "ALREADY_EXISTS",
                "INVALID_STATE",
                "CONCURRENCY_CONFLICT",
                "IDEMPOTENCY_CONFLICT",
                "UNAUTHENTICATED",
                "FORBIDDEN"
            ]
        );
        assert_eq!(DomainError::bad_input("name", "x").code(), "BAD_USER_INPUT");
        assert_eq!(
            DomainError::not_found("Organisation", "giz", "donorId").code(),
            "NOT_FOUND"
        );
        assert_eq!(
            DomainError::already_exists("Organisation", "giz").code(),
            "ALREADY_EXISTS"
        );
        assert_eq!(
            DomainError::invalid_state("no", "PLEDGED").code(),
            "INVALID_STATE"
        );
    }

    #[test]
    fn messages_name_field_and_id() {
        let e = DomainError::not_found("Organisation", "gizz", "donorId");
        assert_eq!(e.to_string(), "donorId: Organisation 'gizz' does not exist");
    }
}
