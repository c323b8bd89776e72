//! Entity ids: slugs such as `giz` or `civ-2023-p1`.
//!
//! After trimming, 1..=64 characters of `[a-z0-9][a-z0-9._-]*`. The service layer
//! generates an id when a create mutation omits it, so commands always carry one
//! (as raw text: [`parse`](OrganisationId::parse) is where it gets checked).
//! Deserialising an id from a stored event does not re-check it: events are trusted.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// Maximum length of an id, in characters.
pub const MAX_ID_LEN: usize = 64;
/// The JSON-schema pattern of an id.
pub const ID_PATTERN: &str = "^[a-z0-9][a-z0-9._-]{0,63}$";

/// Checks a raw id and returns it trimmed.
pub fn parse_slug<'a>(field: &str, raw: &'a str) -> Result<&'a str, DomainError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(DomainError::bad_input(field, "an id must not be empty"));
    }
    if s.chars().count() > MAX_ID_LEN {
        return Err(DomainError::bad_input(
            field,
            format!(
                "id '{}…' is longer than {MAX_ID_LEN} characters",
                s.chars().take(20).collect::<String>()
            ),
        ));
    }
    let first_ok = s.as_bytes()[0].is_ascii_lowercase() || s.as_bytes()[0].is_ascii_digit();
    let rest_ok = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'));
    if !first_ok || !rest_ok {
        return Err(DomainError::bad_input(
            field,
            format!(
                "id {s:?} is not a slug: use lower-case letters a-z, digits, '-', '_' and '.', starting with a letter or digit"
            ),
        ));
    }
    Ok(s)
}

macro_rules! slug_id {
    ($(#[$m:meta])* $name:ident, $entity:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The entity name used in error messages.
            pub const ENTITY: &'static str = $entity;

            /// Validates raw input (trimmed, slug rules); `field` names it in the error.
            pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
                parse_slug(field, raw).map(|s| $name(s.to_owned()))
            }

            /// Wraps a value known to be valid (e.g. read back from a trusted source).
            pub fn new_unchecked(s: impl Into<String>) -> Self {
                $name(s.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "description": concat!("Id of a ", $entity, " (slug)."),
                    "pattern": ID_PATTERN,
                })
            }
        }
    };
}

slug_id!(OrganisationId, "Organisation");
slug_id!(RoadmapId, "Roadmap");
slug_id!(PriorityId, "Priority");
slug_id!(PartnershipId, "Partnership");
slug_id!(ProposalId, "Proposal");
slug_id!(PledgeId, "Pledge");
slug_id!(TokenId, "Token");
slug_id!(DocumentId, "Document");
slug_id!(NextStepId, "NextStep");
slug_id!(ProspectId, "Prospect");
slug_id!(ActionId, "Action");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slugs_and_trims() {
        assert_eq!(
            OrganisationId::parse("id", "  giz ").unwrap().as_str(),
            "giz"
        );
        assert!(PriorityId::parse("id", "civ-2023-p1").is_ok());
        assert!(PriorityId::parse("id", "a.b_c-1").is_ok());
        assert!(PriorityId::parse("id", &"a".repeat(64)).is_ok());
    }

    #[test]
    fn refuses_non_slugs() {
        for bad in [
            "",
            "   ",
            "GIZ",
            "-giz",
            "_x",
            ".x",
            "gi z",
            "giz/1",
            "é",
            &"a".repeat(65),
        ] {
            let err = OrganisationId::parse("id", bad).unwrap_err();
            assert_eq!(err.code(), "BAD_USER_INPUT", "{bad:?}");
        }
    }
}
