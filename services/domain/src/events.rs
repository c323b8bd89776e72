//! Events: stable names, schema versions, upcasting and decoding.
//!
//! Every event type is a struct named after the event (`PledgeMade`), stored as
//! the store's `(event_type, schema_version, payload)` triple, where `payload`
//! is the struct's camelCase JSON (no tag: the type travels beside it). Each
//! entity has an enum over its events (`PledgeEvent`) and [`AnyEvent`] is the
//! enum over every entity's enum.
//!
//! ## Evolving an event's schema
//! To change an event's shape: bump its `SCHEMA_VERSION` (`impl_domain_event!(X, 2)`),
//! add an [`Upcaster`] from the old version to [`UPCASTERS`] that rewrites the old
//! JSON into the new shape, and regenerate `schema/events/X.v2.json` (see
//! [`crate::event_schema`]) while keeping `X.v1.json`'s history in git. Stored
//! events are never rewritten: [`decode`] upcasts them step by step when read.

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use thiserror::Error;

use crate::action::ActionEvent;
use crate::document::DocumentEvent;
use crate::exchange_rate::ExchangeRateEvent;
use crate::next_step::NextStepEvent;
use crate::organisation::OrganisationEvent;
use crate::partnership::PartnershipEvent;
use crate::pledge::PledgeEvent;
use crate::priority::PriorityEvent;
use crate::proposal::ProposalEvent;
use crate::prospect::ProspectEvent;
use crate::roadmap::RoadmapEvent;
use crate::token::TokenEvent;

/// One event type's payload.
pub trait DomainEvent: Serialize + DeserializeOwned + JsonSchema {
    /// The stable name stored beside the payload, e.g. `"PledgeMade"`.
    const EVENT_TYPE: &'static str;
    /// The current schema version of the payload.
    const SCHEMA_VERSION: u16;

    fn event_type(&self) -> &'static str {
        Self::EVENT_TYPE
    }
    fn schema_version(&self) -> u16 {
        Self::SCHEMA_VERSION
    }
}

macro_rules! impl_domain_event {
    ($t:ident, $v:literal) => {
        impl $crate::events::DomainEvent for $t {
            const EVENT_TYPE: &'static str = stringify!($t);
            const SCHEMA_VERSION: u16 = $v;
        }
    };
}
pub(crate) use impl_domain_event;

/// The enum over one entity's events.
pub trait EventEnum: Serialize + Clone + std::fmt::Debug + PartialEq + Sized {
    /// `(event type, current schema version)` of every variant.
    const EVENT_TYPES: &'static [(&'static str, u16)];
    fn event_type(&self) -> &'static str;
    fn schema_version(&self) -> u16;
    /// Decodes a payload of the current version; `None` when the type is not this entity's.
    fn decode_current(event_type: &str, payload: &[u8]) -> Option<Result<Self, serde_json::Error>>;
    /// Same as [`decode_current`](Self::decode_current) from a parsed JSON value.
    fn decode_current_value(
        event_type: &str,
        payload: Value,
    ) -> Option<Result<Self, serde_json::Error>>;
    /// `(file name, JSON schema)` of every variant.
    fn schemas() -> Vec<(String, Value)>;

    /// The payload as JSON (the variant's struct, untagged).
    fn to_payload(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(self)
    }
}

macro_rules! event_enum {
    ($(#[$m:meta])* $name:ident { $($v:ident),+ $(,)? }) => {
        $(#[$m])*
        // Events are decoded, folded and dropped one at a time: a variant
        // larger than the others (a pledge with its items and source) costs
        // a few bytes of stack, boxing it an allocation per event.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(untagged)]
        pub enum $name { $($v($v)),+ }

        $(impl From<$v> for $name {
            fn from(e: $v) -> Self { $name::$v(e) }
        })+

        impl $crate::events::EventEnum for $name {
            const EVENT_TYPES: &'static [(&'static str, u16)] =
                &[$((<$v as $crate::events::DomainEvent>::EVENT_TYPE, <$v as $crate::events::DomainEvent>::SCHEMA_VERSION)),+];

            fn event_type(&self) -> &'static str {
                match self { $($name::$v(_) => <$v as $crate::events::DomainEvent>::EVENT_TYPE),+ }
            }

            fn schema_version(&self) -> u16 {
                match self { $($name::$v(_) => <$v as $crate::events::DomainEvent>::SCHEMA_VERSION),+ }
            }

            fn decode_current(event_type: &str, payload: &[u8]) -> Option<Result<Self, serde_json::Error>> {
                match event_type {
                    $(stringify!($v) => Some(serde_json::from_slice::<$v>(payload).map($name::$v)),)+
                    _ => None,
                }
            }

            fn decode_current_value(event_type: &str, payload: serde_json::Value) -> Option<Result<Self, serde_json::Error>> {
                match event_type {
                    $(stringify!($v) => Some(serde_json::from_value::<$v>(payload).map($name::$v)),)+
                    _ => None,
                }
            }

            fn schemas() -> Vec<(String, serde_json::Value)> {
                vec![$((
                    format!("{}.v{}.json", <$v as $crate::events::DomainEvent>::EVENT_TYPE, <$v as $crate::events::DomainEvent>::SCHEMA_VERSION),
                    schemars::schema_for!($v).to_value(),
                )),+]
            }
        }
    };
}
pub(crate) use event_enum;

/// Any event of any entity: what the store readers decode into.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AnyEvent {
    Organisation(OrganisationEvent),
    Roadmap(RoadmapEvent),
    Priority(PriorityEvent),
    Partnership(PartnershipEvent),
    Proposal(ProposalEvent),
    Pledge(PledgeEvent),
    ExchangeRate(ExchangeRateEvent),
    Token(TokenEvent),
    Document(DocumentEvent),
    NextStep(NextStepEvent),
    Prospect(ProspectEvent),
    Action(ActionEvent),
}

macro_rules! any_event_dispatch {
    ($self:ident, $e:ident => $body:expr) => {
        match $self {
            AnyEvent::Organisation($e) => $body,
            AnyEvent::Roadmap($e) => $body,
            AnyEvent::Priority($e) => $body,
            AnyEvent::Partnership($e) => $body,
            AnyEvent::Proposal($e) => $body,
            AnyEvent::Pledge($e) => $body,
            AnyEvent::ExchangeRate($e) => $body,
            AnyEvent::Token($e) => $body,
            AnyEvent::Document($e) => $body,
            AnyEvent::NextStep($e) => $body,
            AnyEvent::Prospect($e) => $body,
            AnyEvent::Action($e) => $body,
        }
    };
}

macro_rules! any_event_from {
    ($($v:ident($t:ty)),+) => {
        $(impl From<$t> for AnyEvent {
            fn from(e: $t) -> Self { AnyEvent::$v(e) }
        })+
    };
}

any_event_from!(
    Organisation(OrganisationEvent),
    Roadmap(RoadmapEvent),
    Priority(PriorityEvent),
    Partnership(PartnershipEvent),
    Proposal(ProposalEvent),
    Pledge(PledgeEvent),
    ExchangeRate(ExchangeRateEvent),
    Token(TokenEvent),
    Document(DocumentEvent),
    NextStep(NextStepEvent),
    Prospect(ProspectEvent),
    Action(ActionEvent)
);

impl AnyEvent {
    pub fn event_type(&self) -> &'static str {
        any_event_dispatch!(self, e => e.event_type())
    }

    pub fn schema_version(&self) -> u16 {
        any_event_dispatch!(self, e => e.schema_version())
    }

    pub fn to_payload(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(self)
    }

    /// The payload as JSON bytes, ready for the store.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    /// Every current `(event type, schema version)`.
    pub fn event_types() -> Vec<(&'static str, u16)> {
        ALL_EVENT_TYPES.concat()
    }

    fn decode_current(
        event_type: &str,
        payload: &[u8],
    ) -> Option<Result<AnyEvent, serde_json::Error>> {
        fn lift<E: Into<AnyEvent>>(
            r: Option<Result<E, serde_json::Error>>,
        ) -> Option<Result<AnyEvent, serde_json::Error>> {
            r.map(|r| r.map(Into::into))
        }
        lift(OrganisationEvent::decode_current(event_type, payload))
            .or_else(|| lift(RoadmapEvent::decode_current(event_type, payload)))
            .or_else(|| lift(PriorityEvent::decode_current(event_type, payload)))
            .or_else(|| lift(PartnershipEvent::decode_current(event_type, payload)))
            .or_else(|| lift(ProposalEvent::decode_current(event_type, payload)))
            .or_else(|| lift(PledgeEvent::decode_current(event_type, payload)))
            .or_else(|| lift(ExchangeRateEvent::decode_current(event_type, payload)))
            .or_else(|| lift(TokenEvent::decode_current(event_type, payload)))
            .or_else(|| lift(DocumentEvent::decode_current(event_type, payload)))
            .or_else(|| lift(NextStepEvent::decode_current(event_type, payload)))
            .or_else(|| lift(ProspectEvent::decode_current(event_type, payload)))
            .or_else(|| lift(ActionEvent::decode_current(event_type, payload)))
    }

    fn decode_current_value(
        event_type: &str,
        payload: Value,
    ) -> Option<Result<AnyEvent, serde_json::Error>> {
        fn lift<E: Into<AnyEvent>>(
            r: Option<Result<E, serde_json::Error>>,
        ) -> Option<Result<AnyEvent, serde_json::Error>> {
            r.map(|r| r.map(Into::into))
        }
        let t = event_type;
        if OrganisationEvent::EVENT_TYPES.iter().any(|(n, _)| *n == t) {
            lift(OrganisationEvent::decode_current_value(t, payload))
        } else if RoadmapEvent::EVENT_TYPES.iter().any(|(n, _)| *n == t) {
            lift(RoadmapEvent::decode_current_value(t, payload))
        } else if PriorityEvent::EVENT_TYPES.iter().any(|(n, _)| *n == t) {
            lift(PriorityEvent::decode_current_value(t, payload))
        } else if PartnershipEvent::EVENT_TYPES.iter().any(|(n, _)| *n == t) {
            lift(PartnershipEvent::decode_current_value(t, payload))
        } else if ProposalEvent::EVENT_TYPES.iter().any(|(n, _)| *n == t) {
            lift(ProposalEvent::decode_current_value(t, payload))
        } else if PledgeEvent::EVENT_TYPES.iter().any(|(n, _)| *n == t) {
            lift(PledgeEvent::decode_current_value(t, payload))
        } else if TokenEvent::EVENT_TYPES.iter().any(|(n, _)| *n == t) {
            lift(TokenEvent::decode_current_value(t, payload))
        } else if DocumentEvent::EVENT_TYPES.iter().any(|(n, _)| *n == t) {
            lift(DocumentEvent::decode_current_value(t, payload))
        } else if NextStepEvent::EVENT_TYPES.iter().any(|(n, _)| *n == t) {
            lift(NextStepEvent::decode_current_value(t, payload))
        } else if ProspectEvent::EVENT_TYPES.iter().any(|(n, _)| *n == t) {
            lift(ProspectEvent::decode_current_value(t, payload))
        } else if ActionEvent::EVENT_TYPES.iter().any(|(n, _)| *n == t) {
            lift(ActionEvent::decode_current_value(t, payload))
        } else {
            lift(ExchangeRateEvent::decode_current_value(t, payload))
        }
    }
}

const ALL_EVENT_TYPES: [&[(&str, u16)]; 12] = [
    OrganisationEvent::EVENT_TYPES,
    RoadmapEvent::EVENT_TYPES,
    PriorityEvent::EVENT_TYPES,
    PartnershipEvent::EVENT_TYPES,
    ProposalEvent::EVENT_TYPES,
    PledgeEvent::EVENT_TYPES,
    ExchangeRateEvent::EVENT_TYPES,
    TokenEvent::EVENT_TYPES,
    DocumentEvent::EVENT_TYPES,
    NextStepEvent::EVENT_TYPES,
    ProspectEvent::EVENT_TYPES,
    ActionEvent::EVENT_TYPES,
];

/// The current schema version of an event type, `None` for an unknown type.
pub fn current_version(event_type: &str) -> Option<u16> {
    ALL_EVENT_TYPES
        .iter()
        .flat_map(|s| s.iter())
        .find(|(t, _)| *t == event_type)
        .map(|(_, v)| *v)
}

/// Why an older payload could not be brought to the current version.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UpcastError {
    #[error("unknown event type {0:?}")]
    UnknownEventType(String),
    #[error("{event_type} has no schema version {version} (current: {current})")]
    UnknownVersion {
        event_type: String,
        version: u16,
        current: u16,
    },
    #[error("{event_type} v{from}: {message}")]
    Step {
        event_type: String,
        from: u16,
        message: String,
    },
}

/// Why a stored event could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error(transparent)]
    Upcast(#[from] UpcastError),
    #[error("{event_type} v{version}: payload does not match its schema: {message}")]
    Payload {
        event_type: String,
        version: u16,
        message: String,
    },
}

/// One upcasting step: rewrites `event_type`'s payload from `from_version` to `from_version + 1`.
#[derive(Debug, Clone, Copy)]
pub struct Upcaster {
    pub event_type: &'static str,
    pub from_version: u16,
    pub step: fn(Value) -> Result<Value, String>,
}

/// v1 -> v2 of the events that gained optional fields only (`source`, a
/// status that may be absent): a v1 payload is a valid v2 payload as it is.
fn optional_fields_added(v: Value) -> Result<Value, String> {
    if v.is_object() {
        Ok(v)
    } else {
        Err("payload is not an object".into())
    }
}

/// The upcasting steps in force (`docs/adr` and `schema/events/*.v1.json`
/// keep the older shapes).
pub static UPCASTERS: &[Upcaster] = &[
    Upcaster {
        event_type: "PledgeMade",
        from_version: 1,
        step: crate::pledge::pledge_made_v1_to_v2,
    },
    Upcaster {
        event_type: "OrganisationRegistered",
        from_version: 1,
        step: optional_fields_added,
    },
    Upcaster {
        event_type: "RoadmapCreated",
        from_version: 1,
        step: optional_fields_added,
    },
    Upcaster {
        event_type: "PriorityDefined",
        from_version: 1,
        step: optional_fields_added,
    },
    Upcaster {
        event_type: "PartnershipRecorded",
        from_version: 1,
        step: optional_fields_added,
    },
    Upcaster {
        event_type: "PartnershipStatusChanged",
        from_version: 1,
        step: optional_fields_added,
    },
    Upcaster {
        event_type: "ProposalSubmitted",
        from_version: 1,
        step: optional_fields_added,
    },
    Upcaster {
        event_type: "ProspectRecorded",
        from_version: 1,
        step: optional_fields_added,
    },
];

/// Turns a payload of `schema_version` into the current version of `event_type`
/// (identity for the current version; an error for an unknown type or version).
pub fn upcast(event_type: &str, schema_version: u16, payload: Value) -> Result<Value, UpcastError> {
    let current = current_version(event_type)
        .ok_or_else(|| UpcastError::UnknownEventType(event_type.to_owned()))?;
    upcast_with(UPCASTERS, event_type, schema_version, current, payload)
}

/// [`upcast`] with an explicit table of steps and target version.
pub fn upcast_with(
    steps: &[Upcaster],
    event_type: &str,
    schema_version: u16,
    current: u16,
    mut payload: Value,
) -> Result<Value, UpcastError> {
    let unknown = || UpcastError::UnknownVersion {
        event_type: event_type.to_owned(),
        version: schema_version,
        current,
    };
    if schema_version > current {
        return Err(unknown());
    }
    let mut v = schema_version;
    while v < current {
        let step = steps
            .iter()
            .find(|s| s.event_type == event_type && s.from_version == v)
            .ok_or_else(unknown)?;
        payload = (step.step)(payload).map_err(|message| UpcastError::Step {
            event_type: event_type.to_owned(),
            from: v,
            message,
        })?;
        v += 1;
    }
    Ok(payload)
}

fn payload_error(event_type: &str, version: u16, e: serde_json::Error) -> DecodeError {
    DecodeError::Payload {
        event_type: event_type.to_owned(),
        version,
        message: e.to_string(),
    }
}

/// Decodes a stored event (upcasting older versions first).
pub fn decode(
    event_type: &str,
    schema_version: u16,
    payload: Value,
) -> Result<AnyEvent, DecodeError> {
    let payload = upcast(event_type, schema_version, payload)?;
    AnyEvent::decode_current_value(event_type, payload)
        .ok_or_else(|| UpcastError::UnknownEventType(event_type.to_owned()))?
        .map_err(|e| payload_error(event_type, schema_version, e))
}

/// Decodes a stored event from its JSON bytes. The fast path for projections:
/// a current-version payload is deserialised directly, without building a `Value`.
pub fn decode_slice(
    event_type: &str,
    schema_version: u16,
    payload: &[u8],
) -> Result<AnyEvent, DecodeError> {
    decode_slice_with(
        event_type,
        schema_version,
        payload,
        AnyEvent::decode_current,
        AnyEvent::decode_current_value,
    )?
    .ok_or_else(|| UpcastError::UnknownEventType(event_type.to_owned()).into())
}

/// Decodes a stored event of one entity's stream into that entity's event
/// enum, like [`decode_slice`]; `Ok(None)` when the event type is known but
/// is another entity's.
pub fn decode_entity_slice<E: EventEnum>(
    event_type: &str,
    schema_version: u16,
    payload: &[u8],
) -> Result<Option<E>, DecodeError> {
    decode_slice_with(
        event_type,
        schema_version,
        payload,
        E::decode_current,
        E::decode_current_value,
    )
}

/// What an event enum's decoder answers: `None` when the type is not the enum's.
type Decoded<E> = Option<Result<E, serde_json::Error>>;

/// Decodes a stored event with an enum's two decoders: from the bytes for
/// the current version, else from the JSON upcast to it.
fn decode_slice_with<E>(
    event_type: &str,
    schema_version: u16,
    payload: &[u8],
    current: impl FnOnce(&str, &[u8]) -> Decoded<E>,
    upcast_value: impl FnOnce(&str, Value) -> Decoded<E>,
) -> Result<Option<E>, DecodeError> {
    let current_version = current_version(event_type)
        .ok_or_else(|| UpcastError::UnknownEventType(event_type.to_owned()))?;
    let decoded = if schema_version == current_version {
        current(event_type, payload)
    } else {
        let value: Value = serde_json::from_slice(payload)
            .map_err(|e| payload_error(event_type, schema_version, e))?;
        upcast_value(event_type, upcast(event_type, schema_version, value)?)
    };
    decoded
        .transpose()
        .map_err(|e| payload_error(event_type, schema_version, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pledge::PledgeMade;
    use crate::testing::*;
    use serde_json::json;

    /// A test-only old shape: suppose `PledgeMade` v1 called the value date
    /// `pledgeDate` and v2 (today's shape) renamed it `pledgedOn`.
    fn rename_pledge_date(mut v: Value) -> Result<Value, String> {
        let obj = v.as_object_mut().ok_or("payload is not an object")?;
        if let Some(d) = obj.remove("pledgeDate") {
            obj.insert("pledgedOn".into(), d);
        }
        Ok(v)
    }

    const STEPS: &[Upcaster] = &[Upcaster {
        event_type: "PledgeMade",
        from_version: 1,
        step: rename_pledge_date,
    }];

    fn made() -> PledgeMade {
        pledge_made(
            "pl",
            Some(("10000000", crate::money::Currency::XOF)),
            &[("civ-2023-p4", "10000000")],
        )
    }

    #[test]
    fn an_older_version_is_upcast_step_by_step_then_decoded() {
        let mut old = serde_json::to_value(made()).unwrap();
        let d = old.as_object_mut().unwrap().remove("pledgedOn").unwrap();
        old.as_object_mut().unwrap().insert("pledgeDate".into(), d);
        let up = upcast_with(STEPS, "PledgeMade", 1, 2, old).unwrap();
        let decoded: PledgeMade = serde_json::from_value(up).unwrap();
        assert_eq!(decoded, made());
    }

    #[test]
    fn upcasting_fails_for_unknown_versions_and_failed_steps() {
        assert_eq!(
            upcast_with(STEPS, "PledgeMade", 3, 2, json!({})).unwrap_err(),
            UpcastError::UnknownVersion {
                event_type: "PledgeMade".into(),
                version: 3,
                current: 2
            }
        );
        assert!(matches!(
            upcast_with(STEPS, "PledgeMade", 0, 2, json!({})),
            Err(UpcastError::UnknownVersion { .. })
        ));
        assert!(matches!(
            upcast_with(STEPS, "PledgeMade", 1, 2, json!([1])),
            Err(UpcastError::Step { from: 1, .. })
        ));
    }

    #[test]
    fn the_current_version_is_the_identity() {
        let v = serde_json::to_value(made()).unwrap();
        assert_eq!(upcast("PledgeMade", 2, v.clone()).unwrap(), v);
        assert_eq!(
            upcast("PledgeMade", 3, v.clone()).unwrap_err().to_string(),
            "PledgeMade has no schema version 3 (current: 2)"
        );
        assert_eq!(
            upcast("PledgeMaid", 1, v).unwrap_err(),
            UpcastError::UnknownEventType("PledgeMaid".into())
        );
    }

    /// A ledger written before v2 still loads: a v1 `PledgeMade` with its
    /// one quantity and required parties decodes as a v2 pledge of one item,
    /// its status stated; v1 partnerships keep their status.
    #[test]
    fn version_1_events_of_an_old_ledger_decode_into_today_s_shapes() {
        let v1 = json!({
            "pledgeId": "c-ccc-motos", "donorId": "ccc", "recipientId": "ccc",
            "roadmapId": "civ-2023", "kind": "IN_KIND",
            "quantity": {"count": 100, "unit": "motorcycles"},
            "allocations": [], "priorityIds": ["civ-2023-p2"], "themes": ["CHILD_LABOUR"]
        });
        let AnyEvent::Pledge(PledgeEvent::PledgeMade(m)) =
            decode_slice("PledgeMade", 1, &serde_json::to_vec(&v1).unwrap()).unwrap()
        else {
            panic!("not a PledgeMade")
        };
        assert_eq!(m.donor_id.as_ref().map(|d| d.as_str()), Some("ccc"));
        assert!(m.status_stated);
        assert_eq!(
            m.items,
            vec![crate::pledge::Item {
                quantity: 100,
                unit: "motorcycles".into(),
                description: None
            }]
        );
        assert_eq!(m.source, None);
        let recorded = json!({
            "partnershipId": "pa-1", "partyIds": ["cnltp", "stc-ci"], "title": "Accord",
            "status": "SIGNED"
        });
        let AnyEvent::Partnership(crate::partnership::PartnershipEvent::PartnershipRecorded(p)) =
            decode("PartnershipRecorded", 1, recorded).unwrap()
        else {
            panic!("not a PartnershipRecorded")
        };
        assert_eq!(p.status, Some(crate::enums::PartnershipStatus::Signed));
        let changed = json!({"partnershipId": "pa-1", "from": "NEGOTIATING", "to": "SIGNED"});
        assert!(decode("PartnershipStatusChanged", 1, changed).is_ok());
    }

    #[test]
    fn decode_round_trips_every_entity_through_the_store_triple() {
        let mut events: Vec<AnyEvent> = world_events();
        events.push(PledgeEvent::from(made()).into());
        let token = crate::token::TokenEvent::from(crate::token::AccessTokenIssued {
            token_id: crate::ids::TokenId::new_unchecked("t1"),
            principal: "Awa".into(),
            role: crate::enums::Role::Officer,
            scope: crate::access::Scope::default(),
            expires_on: None,
            token_hash: crate::token::token_hash("ft_x"),
        });
        events.push(token.into());
        events.push(
            crate::action::ActionEvent::from(crate::action::ActionRecorded {
                action_id: crate::ids::ActionId::new_unchecked("a1"),
                roadmap_id: crate::ids::RoadmapId::new_unchecked("civ-2023"),
                title: "Relancer la BAD".into(),
                owner: Some("Awa".into()),
                due_on: None,
                status: crate::enums::ActionStatus::Planned,
                about: Some(crate::action::About {
                    kind: crate::enums::ActionSubject::Pledge,
                    id: "pl".into(),
                }),
                note: None,
                source: None,
            })
            .into(),
        );
        for e in &events {
            let (t, v, payload) = (e.event_type(), e.schema_version(), e.to_payload().unwrap());
            assert!(payload.get("type").is_none(), "the payload carries no tag");
            assert_eq!(&decode(t, v, payload.clone()).unwrap(), e);
            assert_eq!(&decode_slice(t, v, &e.to_json().unwrap()).unwrap(), e);
        }
        assert_eq!(AnyEvent::event_types().len(), 27);
    }

    #[test]
    fn payloads_use_stable_camel_case_names() {
        let v = AnyEvent::from(PledgeEvent::from(made()))
            .to_payload()
            .unwrap();
        assert_eq!(v["pledgeId"], "pl");
        assert_eq!(
            v["amount"],
            json!({"amount": "10000000", "currency": "XOF"})
        );
        assert_eq!(
            v["allocations"],
            json!([{"priorityId": "civ-2023-p4", "amount": "10000000"}])
        );
        assert_eq!(v["pledgedOn"], "2023-06-01");
        assert_eq!(v["kind"], "CASH");
    }

    #[test]
    fn decoding_a_payload_that_does_not_match_is_an_error() {
        let e = decode("PledgeCommitted", 1, json!({"committedOn": "2023-01-01"})).unwrap_err();
        assert!(matches!(e, DecodeError::Payload { .. }), "{e:?}");
        assert!(decode_slice("PledgeCommitted", 1, b"not json").is_err());
        assert!(decode_slice("Nope", 1, b"{}").is_err());
    }
}
