//! Executing one command against the store.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use fundtrail_domain::DomainError;
use fundtrail_domain::access::{self, Action, Principal};
use fundtrail_domain::aggregate::Aggregate;
use fundtrail_domain::events::{EventEnum, decode_entity_slice};
use fundtrail_domain::refs::References;
use fundtrail_domain::streams::EntityKind;
use fundtrail_store::{
    AppendRequest, CommandStamp, Direction, EventMetadata, EventStore, ExpectedVersion, NewEvent,
    RecordedCommand, RecordedEvent, StoreError,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::command::{Command, CommandVisitor, fingerprint};
use crate::error::ServiceError;

/// How often a command is decided again after a conflict it caused itself
/// (another writer appended to the same entity between load and append).
pub const MAX_SELF_CONFLICT_RETRIES: usize = 5;

const PAGE: usize = 1_000;

/// Who sends the command, and the contract's optional `commandId` and `expectedVersion`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandContext {
    /// Checked against every command (role and scope); its name is the
    /// events' actor.
    pub principal: Principal,
    pub command_id: Option<String>,
    pub expected_version: Option<u64>,
    pub correlation_id: Option<Uuid>,
}

impl CommandContext {
    /// A command from `principal`.
    pub fn of(principal: Principal) -> Self {
        CommandContext {
            principal,
            command_id: None,
            expected_version: None,
            correlation_id: None,
        }
    }

    /// A command from a local process with direct access to the store (the
    /// command line, the importer, tests): an admin named `actor`.
    pub fn by(actor: impl Into<String>) -> Self {
        Self::of(Principal::local(actor))
    }

    pub fn actor(&self) -> &str {
        &self.principal.name
    }
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executed {
    pub stream_id: String,
    /// The entity's version after the command.
    pub version: u64,
    pub first_position: u64,
    /// Wait for the read models to reach this position to read your write.
    pub last_position: u64,
    /// True when the `commandId` had been executed before: nothing new was appended.
    pub replayed: bool,
}

/// Current state of other entities, as the domain's reference checks need it
/// (the read models, behind a lock, in the server).
pub trait ReferenceSource: Send + Sync + 'static {
    fn with_references<T>(&self, f: impl FnOnce(&dyn References) -> T) -> T;
}

impl<R: References + Send + Sync + 'static> ReferenceSource for RwLock<R> {
    fn with_references<T>(&self, f: impl FnOnce(&dyn References) -> T) -> T {
        let guard = self.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&*guard)
    }
}

/// The command side over one store.
pub struct Ledger<R> {
    store: Arc<dyn EventStore>,
    references: Arc<R>,
}

impl<R> Clone for Ledger<R> {
    fn clone(&self) -> Self {
        Ledger {
            store: self.store.clone(),
            references: self.references.clone(),
        }
    }
}

impl<R: ReferenceSource> Ledger<R> {
    pub fn new(store: Arc<dyn EventStore>, references: Arc<R>) -> Self {
        Ledger { store, references }
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    /// Validates the command against current state and appends its events;
    /// a refused command appends nothing.
    pub async fn execute(
        &self,
        context: &CommandContext,
        command: Command,
    ) -> Result<Executed, ServiceError> {
        let stream_id = command.stream_id()?;
        // Role first, before anything is looked up: a reader learns nothing
        // from a refusal (not even whether a commandId was used).
        let principal = &context.principal;
        let role_allows = match command.kind() {
            EntityKind::Token => access::authorize(principal, &Action::ManageTokens),
            _ if principal.may_record() => Ok(()),
            _ => access::authorize(principal, &Action::Record(&Default::default())),
        };
        role_allows?;
        if let Some(command_id) = &context.command_id {
            reserved_command_id(principal, command_id)?;
        }
        let fingerprint = fingerprint(&command, context.expected_version);
        // The commandId is looked up in `run`, once the command's footprint
        // is authorised: an out-of-scope caller is refused the same way
        // whether or not the commandId was used.
        let outcome = command
            .accept(Run {
                ledger: self,
                context,
                stream_id,
                fingerprint: fingerprint.clone(),
            })
            .await;
        // A refusal may come from a twin of this very command (the same
        // commandId sent twice at once by the same principal) that won the
        // race: answer as it did. (Only refusals that come after the scope
        // check reach here.)
        if let Err(ServiceError::Domain(_) | ServiceError::ConcurrencyConflict { .. }) = &outcome
            && let Some(command_id) = &context.command_id
            && let Some(recorded) = self.find_recorded(context, command_id).await?
        {
            return self.replay(recorded, command_id, &fingerprint).await;
        }
        outcome
    }

    /// The command `principal` recorded under `command_id`: the key
    /// namespaced by the principal ([`command_key`]), else the bare key an
    /// older ledger stored, when the events it recorded are that same
    /// principal's. Another principal's command is never found.
    async fn find_recorded(
        &self,
        context: &CommandContext,
        command_id: &str,
    ) -> Result<Option<RecordedCommand>, ServiceError> {
        let actor = context.actor();
        for key in [command_key(actor, command_id), command_id.to_owned()] {
            if let Some(recorded) = self.store.find_command(&key).await?
                && self.recorded_by(&recorded, actor).await?
            {
                return Ok(Some(recorded));
            }
        }
        Ok(None)
    }

    /// Whether the events of `recorded` have `actor` as their actor.
    async fn recorded_by(
        &self,
        recorded: &RecordedCommand,
        actor: &str,
    ) -> Result<bool, ServiceError> {
        let first = self
            .store
            .read_all(recorded.first_position, Direction::Forward, 1)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::Corrupt {
                position: recorded.first_position,
                message: "a recorded command's event is missing".into(),
            })?;
        Ok(first.metadata.actor == actor)
    }

    async fn run<A: Aggregate>(
        &self,
        context: &CommandContext,
        stream_id: String,
        command: &A::Command,
        fingerprint: String,
    ) -> Result<Executed, ServiceError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let state: A = self.load(&stream_id).await?;
            let loaded = state.version();
            self.references.with_references(|refs| {
                let footprint = state.footprint(command, refs);
                access::authorize(&context.principal, &Action::Record(&footprint))
            })?;
            if attempt == 1
                && let Some(command_id) = &context.command_id
                && let Some(recorded) = self.find_recorded(context, command_id).await?
            {
                return self.replay(recorded, command_id, &fingerprint).await;
            }
            if let Some(expected) = context.expected_version
                && expected != loaded
            {
                return Err(ServiceError::ConcurrencyConflict {
                    stream: stream_id,
                    expected,
                    actual: loaded,
                });
            }
            let decided = self
                .references
                .with_references(|refs| state.decide(command, refs))?;
            let request = append_request(context, &stream_id, loaded, &decided, &fingerprint)?;
            match self.store.append(request).await {
                Ok(outcome) => {
                    tracing::debug!(stream = %stream_id, version = outcome.last_version, "command executed");
                    return Ok(Executed {
                        stream_id,
                        version: outcome.last_version,
                        first_position: outcome.first_position,
                        last_position: outcome.last_position,
                        replayed: outcome.replayed,
                    });
                }
                Err(StoreError::Conflict { actual, .. }) => {
                    if let Some(expected) = context.expected_version {
                        return Err(ServiceError::ConcurrencyConflict {
                            stream: stream_id,
                            expected,
                            actual,
                        });
                    }
                    if attempt > MAX_SELF_CONFLICT_RETRIES {
                        return Err(ServiceError::ConcurrencyConflict {
                            stream: stream_id,
                            expected: loaded,
                            actual,
                        });
                    }
                    tracing::debug!(stream = %stream_id, attempt, "stream moved while deciding; deciding again");
                }
                // The same principal's commandId won a race with us: answer
                // as a retry would.
                Err(StoreError::CommandAlreadyRecorded(recorded)) => {
                    let command_id = context.command_id.as_deref().unwrap_or_default();
                    return self.replay(*recorded, command_id, &fingerprint).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The first result of a command the same principal recorded under
    /// `command_id` (the client's id), or an idempotency conflict.
    async fn replay(
        &self,
        recorded: RecordedCommand,
        command_id: &str,
        fingerprint: &str,
    ) -> Result<Executed, ServiceError> {
        if recorded.fingerprint != fingerprint {
            return Err(ServiceError::IdempotencyConflict {
                command_id: command_id.to_owned(),
            });
        }
        let last = self
            .store
            .read_all(recorded.last_position, Direction::Forward, 1)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::Corrupt {
                position: recorded.last_position,
                message: "a recorded command's event is missing".into(),
            })?;
        Ok(Executed {
            stream_id: recorded.stream_id,
            version: last.version,
            first_position: recorded.first_position,
            last_position: recorded.last_position,
            replayed: true,
        })
    }

    /// Folds an entity's stream into its state.
    pub async fn load<A: Aggregate>(&self, stream_id: &str) -> Result<A, ServiceError> {
        let mut state = A::default();
        let mut from = 1;
        loop {
            let page = self
                .store
                .read_stream(stream_id, from, Direction::Forward, PAGE)
                .await?;
            for recorded in &page {
                state.apply(&decode_entity_event::<A::Event>(recorded)?);
            }
            if page.len() < PAGE {
                return Ok(state);
            }
            from += page.len() as u64;
        }
    }
}

/// Executing a command, once [`Command::accept`] has told which entity it is for.
struct Run<'c, R> {
    ledger: &'c Ledger<R>,
    context: &'c CommandContext,
    stream_id: String,
    fingerprint: String,
}

type Running<'c> = Pin<Box<dyn Future<Output = Result<Executed, ServiceError>> + Send + 'c>>;

impl<'c, R: ReferenceSource> CommandVisitor<'c> for Run<'c, R> {
    type Output = Running<'c>;

    fn visit<A: Aggregate>(self, command: &'c A::Command) -> Running<'c> {
        Box::pin(
            self.ledger
                .run::<A>(self.context, self.stream_id, command, self.fingerprint),
        )
    }
}

fn append_request<E: EventEnum>(
    context: &CommandContext,
    stream_id: &str,
    loaded: u64,
    decided: &[E],
    fingerprint: &str,
) -> Result<AppendRequest, ServiceError> {
    let events = decided
        .iter()
        .map(|event| {
            let payload = serde_json::to_string(event).map_err(|e| ServiceError::Corrupt {
                position: 0,
                message: format!("an event does not serialise: {e}"),
            })?;
            Ok(NewEvent::new(
                event.event_type(),
                event.schema_version(),
                payload,
            ))
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    let expected = if loaded == 0 {
        ExpectedVersion::NoStream
    } else {
        ExpectedVersion::Exact(loaded)
    };
    let mut request =
        AppendRequest::new(stream_id, expected, events).with_metadata(EventMetadata {
            actor: context.principal.name.clone(),
            command_id: None,
            correlation_id: context.correlation_id,
            causation_id: None,
        });
    if let Some(command_id) = &context.command_id {
        request = request.with_command(CommandStamp {
            command_id: command_key(context.actor(), command_id),
            fingerprint: fingerprint.to_owned(),
        });
    }
    Ok(request)
}

/// The key a principal's `commandId` is recorded under, in the store's
/// command table and as the events' `commandId`: 32 hex digits of the
/// SHA-256 of the principal's name, U+001F, the client's id. A commandId is
/// the principal's own: another principal sending it runs its own command.
/// At most 33 bytes longer than the client's id (so at most 233 bytes).
pub fn command_key(principal: &str, command_id: &str) -> String {
    let digest = hex::encode(Sha256::digest(principal.as_bytes()));
    format!("{}{COMMAND_KEY_SEPARATOR}{command_id}", &digest[..32])
}

const COMMAND_KEY_SEPARATOR: char = '\u{1f}';

/// The client's `commandId` in a stored key ([`command_key`]); a key an
/// older ledger stored bare is the client's id itself.
pub fn client_command_id(stored: &str) -> &str {
    match stored.split_once(COMMAND_KEY_SEPARATOR) {
        Some((digest, id))
            if digest.len() == 32 && digest.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            id
        }
        _ => stored,
    }
}

/// commandIds that begin with this are the importer's: `import:<file>:...`,
/// sent by the principal `import:<file>` (see `fundtrail-import`).
pub const IMPORT_COMMAND_PREFIX: &str = "import:";

/// Refuses (BAD_USER_INPUT) a commandId of the importer's form from any
/// principal but that file's importer, so that nobody can take the ids a
/// later import of the file will use. One rule for every face.
fn reserved_command_id(principal: &Principal, command_id: &str) -> Result<(), DomainError> {
    if !command_id.starts_with(IMPORT_COMMAND_PREFIX) {
        return Ok(());
    }
    let own = principal.name.starts_with(IMPORT_COMMAND_PREFIX)
        && command_id
            .strip_prefix(principal.name.as_str())
            .is_some_and(|rest| rest.starts_with(':'));
    if own {
        Ok(())
    } else {
        Err(DomainError::bad_input(
            "commandId",
            format!(
                "commandIds beginning with '{IMPORT_COMMAND_PREFIX}' are reserved to the importer \
                 of that file; {} may not use one",
                principal.name
            ),
        ))
    }
}

/// Decodes one stored event of an entity's stream, upcasting older schema versions.
fn decode_entity_event<E: EventEnum>(recorded: &RecordedEvent) -> Result<E, ServiceError> {
    let corrupt = |message: String| ServiceError::Corrupt {
        position: recorded.position,
        message,
    };
    decode_entity_slice(
        &recorded.event_type,
        recorded.schema_version,
        recorded.payload.as_bytes(),
    )
    .map_err(|e| corrupt(e.to_string()))?
    .ok_or_else(|| {
        corrupt(format!(
            "{} does not belong in stream {}",
            recorded.event_type, recorded.stream_id
        ))
    })
}
