//! The shape every entity follows: a state folded from its own stream's events,
//! and a pure decision from (state, command, references) to new events.

use std::fmt::Debug;

use crate::access::Footprint;
use crate::error::DomainError;
use crate::events::{AnyEvent, EventEnum};
use crate::refs::References;
use crate::streams::EntityKind;

/// The state of one stream: `version` is the number of its events, `entity` is
/// `None` until the creating event.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StreamState<T> {
    pub version: u64,
    pub entity: Option<T>,
}

impl<T> Default for StreamState<T> {
    fn default() -> Self {
        StreamState {
            version: 0,
            entity: None,
        }
    }
}

impl<T> StreamState<T> {
    pub fn exists(&self) -> bool {
        self.entity.is_some()
    }
}

/// One entity type: its commands, its events, `decide` and `evolve`.
///
/// Entities are plain data, so states, commands and events may cross threads.
pub trait Aggregate: Default + Clone + Debug + PartialEq + Send + Sync + 'static {
    type Command: Debug + Clone + Send + Sync;
    type Event: EventEnum + Into<AnyEvent> + Send + Sync;

    /// The kind of entity, which names its streams ([`crate::streams`]).
    const KIND: EntityKind;

    /// The stream the command targets (BAD_USER_INPUT when its id is not valid).
    fn stream_id(command: &Self::Command) -> Result<String, DomainError>;

    /// Decides which events a command produces, or why it is refused. Pure.
    fn decide(
        &self,
        command: &Self::Command,
        refs: &dyn References,
    ) -> Result<Vec<Self::Event>, DomainError>;

    /// Folds one event into the state (and adds one to the version).
    fn apply(&mut self, event: &Self::Event);

    fn version(&self) -> u64;

    /// What the command concerns (roadmaps, organisations), for the service
    /// layer's scope check ([`crate::access::authorize`]).
    fn footprint(&self, command: &Self::Command, refs: &dyn References) -> Footprint;

    fn evolve(mut self, event: &Self::Event) -> Self {
        self.apply(event);
        self
    }

    fn fold<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self
    where
        Self::Event: 'a,
    {
        events.into_iter().fold(Self::default(), |s, e| s.evolve(e))
    }
}

/// Links an entity's event enum to its state, so tests can write `given([event])`.
pub trait EntityEvent: EventEnum {
    type Entity: Aggregate<Event = Self>;
}

/// Implements [`Aggregate`] and [`EntityEvent`] for an entity module's
/// entity, `Command` and `Event` types and its [`EntityKind`] from its free
/// `decide` and `evolve` functions (in scope where the macro is used), the
/// command's `stream_id` method and its [`crate::access::Footprinted`] impl.
macro_rules! entity_aggregate {
    ($kind:ident, $state:ty, $command:ty, $event:ty) => {
        impl $crate::aggregate::Aggregate for $state {
            type Command = $command;
            type Event = $event;

            const KIND: $crate::streams::EntityKind = $crate::streams::EntityKind::$kind;

            fn stream_id(command: &Self::Command) -> Result<String, $crate::error::DomainError> {
                command.stream_id()
            }

            fn decide(
                &self,
                command: &Self::Command,
                refs: &dyn $crate::refs::References,
            ) -> Result<Vec<Self::Event>, $crate::error::DomainError> {
                decide(self, command, refs)
            }

            fn apply(&mut self, event: &Self::Event) {
                *self = evolve(std::mem::take(self), event);
            }

            fn version(&self) -> u64 {
                self.version
            }

            fn footprint(
                &self,
                command: &Self::Command,
                refs: &dyn $crate::refs::References,
            ) -> $crate::access::Footprint {
                <$command as $crate::access::Footprinted>::footprint(command, self, refs)
            }
        }

        impl $crate::aggregate::EntityEvent for $event {
            type Entity = $state;
        }
    };
}
pub(crate) use entity_aggregate;
