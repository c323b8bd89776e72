//! # fundtrail-domain
//!
//! The pure core of fundtrail: every mutation of the GraphQL contract as
//! command -> [`decide`](aggregate::Aggregate::decide) -> events, and `evolve`
//! folding events into state. No I/O.
//!
//! Each entity lives in its own stream (`organisation-<id>`, `roadmap-<id>`,
//! `priority-<id>`, `partnership-<id>`, `proposal-<id>`, `pledge-<id>`,
//! `rate-<BASE>-<QUOTE>`, `token-<id>`, `document-<id>`, `nextstep-<id>`,
//! `prospect-<id>`; named in [`streams`]). The service
//! layer, for a command:
//! 1. finds the stream with `XCommand::stream_id()`,
//! 2. folds the stream's events into `XState` (`evolve`),
//! 3. calls `decide(&state, &command, &refs)` with a [`References`] over its read models,
//! 4. appends the events (see [`events`] for names, versions and decoding).
//!
//! Authorisation is pure too ([`access::authorize`] over a command's
//! [`access::Footprint`], which each command's module implements); the token
//! entity is [`token`]; `commandId`, `expectedVersion`, authentication
//! (looking tokens up) and id generation belong to the service layer.

pub mod access;
pub mod action;
pub mod aggregate;
pub mod chain;
pub mod country;
pub mod dates;
pub mod document;
pub mod enums;
pub mod error;
pub mod event_schema;
pub mod events;
pub mod exchange_rate;
pub mod ids;
pub mod lists;
pub mod money;
pub mod next_step;
pub mod organisation;
pub mod partnership;
pub mod pledge;
pub mod priority;
pub mod proposal;
pub mod prospect;
pub mod refs;
pub mod roadmap;
pub mod schedule;
pub mod source;
pub mod streams;
pub mod text;
pub mod token;
pub mod worklist;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

#[cfg(test)]
mod civ_2023;
#[cfg(test)]
mod pledge_tests;
#[cfg(test)]
mod properties;

pub use access::{AccessError, Principal, Scope};
pub use aggregate::{Aggregate, EntityEvent, StreamState};
pub use enums::*;
pub use error::{DomainError, DomainResult, ErrorCode};
pub use events::{
    AnyEvent, DecodeError, DomainEvent, EventEnum, UpcastError, decode, decode_entity_slice,
    decode_slice, upcast,
};
pub use exchange_rate::{Conversion, ConversionError, RateTable};
pub use ids::*;
pub use money::{Currency, Money};
pub use refs::{InMemoryReferences, PriorityRef, References, RoadmapRef};
pub use streams::{EntityKind, entity_of_stream, stream_name};
