//! The command side of fundtrail, shared by the API, the importer and the
//! web pages: every contract mutation goes through [`Ledger::execute`].
//!
//! For one command it loads the entity's stream, folds it into state, checks
//! the client's `expectedVersion`, asks the pure domain to decide, and appends
//! the events with the version it loaded as the expected version, together
//! with the `commandId` and a fingerprint of the command. A conflict it caused
//! itself (someone appended in between and the client gave no
//! `expectedVersion`) is retried a bounded number of times. A `commandId` is
//! the principal's own: it is recorded under [`command_key`] (the principal
//! and the id), looked up only once the command's role and scope are
//! authorised, and a `commandId` the same principal sent before answers with
//! the first result (same command) or an `IDEMPOTENCY_CONFLICT` (another
//! command), from the store, so it holds across restarts. Another principal
//! sending the same `commandId` runs its own command. A key an older ledger
//! recorded bare (the client's id alone) still replays, for the principal
//! that is the actor of its events only. `import:` commandIds are reserved
//! to the importer of that file ([`IMPORT_COMMAND_PREFIX`]).

mod command;
mod error;
mod execute;

pub use command::{Command, CommandVisitor, fingerprint};
pub use error::ServiceError;
pub use execute::{
    CommandContext, Executed, IMPORT_COMMAND_PREFIX, Ledger, MAX_SELF_CONFLICT_RETRIES,
    ReferenceSource, client_command_id, command_key,
};
