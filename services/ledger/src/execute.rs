//! Executing one command against the store.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use fundtrail_domain::access::{self, Action, Principal};
use fundtrail_domain::aggregate::Aggregate;
use fundtrail_domain::events::{EventEnum, decode_entity_slice};
use fundtrail_domain::refs::References;
use fundtrail_domain::streams::EntityKind;
use fundtrail_store::{
    AppendRequest, CommandStamp, Direction, EventMetadata, EventStore, ExpectedVersion, NewEvent,
    RecordedCommand, RecordedEvent, StoreError,
};
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
        let fingerprint = fingerprint(&command, context.expected_version);
        if let Some(command_id) = &context.command_id
            && let Some(recorded) = self.store.find_command(command_id).await?
        {
            return self.replay(recorded, &fingerprint).await;
        }
        let outcome = command
            .accept(Run {
                ledger: self,
                context,
                stream_id,
                fingerprint: fingerprint.clone(),
            })
            .await;
        // A refusal may come from a twin of this very command (the same
        // commandId sent twice at once) that won the race: answer as it did.
        if let Err(ServiceError::Domain(_) | ServiceError::ConcurrencyConflict { .. }) = &outcome
            && let Some(command_id) = &context.command_id
            && let Some(recorded) = self.store.find_command(command_id).await?
        {
            return self.replay(recorded, &fingerprint).await;
        }
        outcome
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
            if let Some(expected) = context.expected_version
                && expected != loaded
            {
                return Err(ServiceError::ConcurrencyConflict {
                    stream: stream_id,
                    expected,
                    actual: loaded,
                });
            }
            let decided = self.references.with_references(|refs| {
                let footprint = state.footprint(command, refs);
                access::authorize(&context.principal, &Action::Record(&footprint))
                    .map_err(ServiceError::from)?;
                state.decide(command, refs).map_err(ServiceError::from)
            })?;
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
                // The same commandId won a race with us: answer as a retry would.
                Err(StoreError::CommandAlreadyRecorded(recorded)) => {
                    return self.replay(*recorded, &fingerprint).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn replay(
        &self,
        recorded: RecordedCommand,
        fingerprint: &str,
    ) -> Result<Executed, ServiceError> {
        if recorded.fingerprint != fingerprint {
            return Err(ServiceError::IdempotencyConflict {
                command_id: recorded.command_id,
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
            command_id: command_id.clone(),
            fingerprint: fingerprint.to_owned(),
        });
    }
    Ok(request)
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
