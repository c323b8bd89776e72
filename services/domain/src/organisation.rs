//! Organisations: donors, recipients, partners. Stream `organisation-<id>`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{Footprint, Footprinted};
use crate::aggregate::StreamState;
use crate::country::parse_country;
use crate::enums::OrganisationKind;
use crate::error::DomainError;
use crate::events::{event_enum, impl_domain_event};
use crate::ids::OrganisationId;
use crate::refs::References;
use crate::source::{self, SourceInput, SourceRef};
use crate::streams::{EntityKind, stream_name};
use crate::text;

/// The stream of organisation `id`: `organisation-<id>`.
pub fn stream_id(id: &OrganisationId) -> String {
    stream_name(EntityKind::Organisation, id)
}

// ---- commands ----

/// `registerOrganisation`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterOrganisation {
    pub id: String,
    pub name: String,
    pub acronym: Option<String>,
    pub kind: OrganisationKind,
    /// ISO 3166-1 alpha-3.
    pub country: String,
    /// Where the record comes from (a document and the sentence it rests on).
    pub source: Option<SourceInput>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OrganisationCommand {
    Register(RegisterOrganisation),
}

impl From<RegisterOrganisation> for OrganisationCommand {
    fn from(c: RegisterOrganisation) -> Self {
        OrganisationCommand::Register(c)
    }
}

impl OrganisationCommand {
    /// The stream the command targets (BAD_USER_INPUT when the id is not a slug).
    pub fn stream_id(&self) -> Result<String, DomainError> {
        match self {
            OrganisationCommand::Register(c) => Ok(stream_id(&OrganisationId::parse("id", &c.id)?)),
        }
    }
}

/// What the command concerns, for the scope check ([`crate::access::authorize`]).
impl Footprinted for OrganisationCommand {
    type StreamState = OrganisationState;
    fn footprint(&self, _: &OrganisationState, _: &dyn References) -> Footprint {
        match self {
            // An organisation is no roadmap's: a roadmap scope may register one.
            OrganisationCommand::Register(c) => {
                Footprint::default().organisation(&c.id).outside_roadmaps()
            }
        }
    }
}

// ---- events ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationRegistered {
    pub organisation_id: OrganisationId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acronym: Option<String>,
    pub kind: OrganisationKind,
    /// ISO 3166-1 alpha-3.
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
}
impl_domain_event!(OrganisationRegistered, 2);

event_enum!(OrganisationEvent {
    OrganisationRegistered
});

// ---- state ----

/// Serialisable for read-model snapshots (not part of any contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    pub acronym: Option<String>,
    pub kind: OrganisationKind,
    pub country: String,
    pub source: Option<SourceRef>,
}

pub type OrganisationState = StreamState<Organisation>;

pub fn evolve(mut state: OrganisationState, event: &OrganisationEvent) -> OrganisationState {
    state.version += 1;
    match event {
        OrganisationEvent::OrganisationRegistered(e) => {
            state.entity = Some(Organisation {
                id: e.organisation_id.clone(),
                name: e.name.clone(),
                acronym: e.acronym.clone(),
                kind: e.kind,
                country: e.country.clone(),
                source: e.source.clone(),
            });
        }
    }
    state
}

// ---- decision ----

pub fn decide(
    state: &OrganisationState,
    command: &OrganisationCommand,
    refs: &dyn References,
) -> Result<Vec<OrganisationEvent>, DomainError> {
    match command {
        OrganisationCommand::Register(c) => {
            let id = OrganisationId::parse("id", &c.id)?;
            if state.exists() {
                return Err(DomainError::already_exists(
                    OrganisationId::ENTITY,
                    id.as_str(),
                ));
            }
            Ok(vec![
                OrganisationRegistered {
                    source: source::check("source", c.source.as_ref(), refs)?,
                    organisation_id: id,
                    name: text::title("name", &c.name)?,
                    acronym: text::optional_title("acronym", c.acronym.as_deref())?,
                    kind: c.kind,
                    country: parse_country("country", &c.country)?,
                }
                .into(),
            ])
        }
    }
}

crate::aggregate::entity_aggregate!(
    Organisation,
    OrganisationState,
    OrganisationCommand,
    OrganisationEvent
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn register(id: &str) -> RegisterOrganisation {
        RegisterOrganisation {
            id: id.into(),
            name: "  Deutsche Gesellschaft für Internationale Zusammenarbeit ".into(),
            acronym: Some("GIZ".into()),
            kind: OrganisationKind::BilateralAgency,
            country: "DEU".into(),
            source: None,
        }
    }

    #[test]
    fn registering_a_new_organisation_records_it_trimmed() {
        let state = given_nothing::<OrganisationState>()
            .when(register(" giz "))
            .then([OrganisationRegistered {
                organisation_id: OrganisationId::new_unchecked("giz"),
                name: "Deutsche Gesellschaft für Internationale Zusammenarbeit".into(),
                acronym: Some("GIZ".into()),
                kind: OrganisationKind::BilateralAgency,
                country: "DEU".into(),
                source: None,
            }
            .into()]);
        assert_eq!(state.version, 1);
        assert_eq!(state.entity.unwrap().acronym.as_deref(), Some("GIZ"));
    }

    #[test]
    fn a_blank_acronym_is_no_acronym() {
        let state = given_nothing::<OrganisationState>()
            .when(RegisterOrganisation {
                acronym: Some("  ".into()),
                ..register("giz")
            })
            .then_ok();
        assert_eq!(state.entity.unwrap().acronym, None);
    }

    #[test]
    fn registering_an_existing_id_is_refused() {
        given([organisation_registered("giz")])
            .when(register("giz"))
            .then_err(DomainError::already_exists("Organisation", "giz"));
    }

    #[test]
    fn an_id_that_is_not_a_slug_is_refused() {
        given_nothing::<OrganisationState>()
            .when(register("GIZ!"))
            .then_code("BAD_USER_INPUT", "id");
    }

    #[test]
    fn an_empty_name_is_refused() {
        given_nothing::<OrganisationState>()
            .when(RegisterOrganisation {
                name: "   ".into(),
                ..register("giz")
            })
            .then_err(DomainError::bad_input("name", "must not be empty"));
    }

    #[test]
    fn a_name_over_500_characters_is_refused() {
        given_nothing::<OrganisationState>()
            .when(RegisterOrganisation {
                name: "x".repeat(501),
                ..register("giz")
            })
            .then_code("BAD_USER_INPUT", "name");
    }

    #[test]
    fn control_characters_in_a_name_are_refused() {
        given_nothing::<OrganisationState>()
            .when(RegisterOrganisation {
                name: "GIZ\u{1b}[31m".into(),
                ..register("giz")
            })
            .then_code("BAD_USER_INPUT", "name");
    }

    #[test]
    fn an_acronym_over_500_characters_is_refused() {
        given_nothing::<OrganisationState>()
            .when(RegisterOrganisation {
                acronym: Some("A".repeat(501)),
                ..register("giz")
            })
            .then_code("BAD_USER_INPUT", "acronym");
    }

    #[test]
    fn a_country_that_is_not_iso_alpha3_is_refused() {
        for bad in ["deu", "DE", "XYZ"] {
            given_nothing::<OrganisationState>()
                .when(RegisterOrganisation {
                    country: bad.into(),
                    ..register("giz")
                })
                .then_code("BAD_USER_INPUT", "country");
        }
    }

    #[test]
    fn stream_id_is_prefixed() {
        assert_eq!(
            OrganisationCommand::from(register("giz"))
                .stream_id()
                .unwrap(),
            "organisation-giz"
        );
        assert!(
            OrganisationCommand::from(register("G"))
                .stream_id()
                .is_err()
        );
    }
}
