//! The command side of fundtrail, shared by the API, the importer and the
//! web pages: every contract mutation goes through [`Ledger::execute`].
//!
//! For one command it loads the entity's stream, folds it into state, checks
//! the client's `expectedVersion`, asks the pure domain to decide, and appends
//! the events with the version it loaded as the expected version, together
//! with the `commandId` and a fingerprint of the command. A conflict it caused
//! itself (someone appended in between and the client gave no
//! `expectedVersion`) is retried a bounded number of times. A `commandId` seen
//! before answers with the first result (same command) or an
//! `IDEMPOTENCY_CONFLICT` (another command), from the store, so it holds
//! across restarts.

mod command;
mod error;
mod execute;

pub use command::{Command, CommandVisitor, fingerprint};
pub use error::ServiceError;
pub use execute::{CommandContext, Executed, Ledger, MAX_SELF_CONFLICT_RETRIES, ReferenceSource};
