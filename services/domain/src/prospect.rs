//! Prospects: organisations a country names as donors to approach for a
//! roadmap, before any proposal. Stream `prospect-<id>`.
//!
//! A prospect names an organisation, or, when the source names none (« les
//! fondations »), a description of whom to approach in `name`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{Footprint, Footprinted};
use crate::aggregate::StreamState;
use crate::enums::{Theme, dedup_set};
use crate::error::DomainError;
use crate::events::{event_enum, impl_domain_event};
use crate::ids::{OrganisationId, PriorityId, ProspectId, RoadmapId};
use crate::lists;
use crate::partnership::distinct_ids;
use crate::refs::References;
use crate::source::{self, SourceInput, SourceRef};
use crate::streams::{EntityKind, stream_name};
use crate::text;

/// The stream of prospect `id`: `prospect-<id>`.
pub fn stream_id(id: &ProspectId) -> String {
    stream_name(EntityKind::Prospect, id)
}

// ---- commands ----

/// `recordProspect`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordProspect {
    pub id: String,
    pub roadmap_id: String,
    pub organisation_id: Option<String>,
    pub name: Option<String>,
    pub priority_ids: Vec<String>,
    pub themes: Vec<Theme>,
    pub note: Option<String>,
    pub source: Option<SourceInput>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProspectCommand {
    Record(RecordProspect),
}

impl From<RecordProspect> for ProspectCommand {
    fn from(c: RecordProspect) -> Self {
        ProspectCommand::Record(c)
    }
}

impl ProspectCommand {
    pub fn stream_id(&self) -> Result<String, DomainError> {
        let ProspectCommand::Record(c) = self;
        Ok(stream_id(&ProspectId::parse("id", &c.id)?))
    }
}

impl Footprinted for ProspectCommand {
    type StreamState = ProspectState;
    fn footprint(&self, _: &ProspectState, _: &dyn References) -> Footprint {
        let ProspectCommand::Record(c) = self;
        let f = Footprint::default().roadmap(&c.roadmap_id);
        match c.organisation_id.as_deref() {
            Some(o) => f.organisation(o),
            None => f,
        }
    }
}

// ---- events ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProspectRecorded {
    pub prospect_id: ProspectId,
    pub roadmap_id: RoadmapId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<OrganisationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub priority_ids: Vec<PriorityId>,
    #[serde(default)]
    pub themes: Vec<Theme>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
}
impl_domain_event!(ProspectRecorded, 1);

event_enum!(ProspectEvent { ProspectRecorded });

// ---- state ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prospect {
    pub id: ProspectId,
    pub roadmap_id: RoadmapId,
    pub organisation_id: Option<OrganisationId>,
    pub name: Option<String>,
    pub priority_ids: Vec<PriorityId>,
    pub themes: Vec<Theme>,
    pub note: Option<String>,
    pub source: Option<SourceRef>,
}

pub type ProspectState = StreamState<Prospect>;

pub fn evolve(mut state: ProspectState, event: &ProspectEvent) -> ProspectState {
    state.version += 1;
    let ProspectEvent::ProspectRecorded(e) = event;
    state.entity = Some(Prospect {
        id: e.prospect_id.clone(),
        roadmap_id: e.roadmap_id.clone(),
        organisation_id: e.organisation_id.clone(),
        name: e.name.clone(),
        priority_ids: e.priority_ids.clone(),
        themes: e.themes.clone(),
        note: e.note.clone(),
        source: e.source.clone(),
    });
    state
}

// ---- decision ----

pub fn decide(
    state: &ProspectState,
    command: &ProspectCommand,
    refs: &dyn References,
) -> Result<Vec<ProspectEvent>, DomainError> {
    let ProspectCommand::Record(c) = command;
    let id = ProspectId::parse("id", &c.id)?;
    if state.exists() {
        return Err(DomainError::already_exists(ProspectId::ENTITY, id.as_str()));
    }
    lists::bounded("priorityIds", &c.priority_ids)?;
    lists::bounded("themes", &c.themes)?;
    let roadmap_id = RoadmapId::parse("roadmapId", &c.roadmap_id)?;
    if refs.roadmap(roadmap_id.as_str()).is_none() {
        return Err(DomainError::not_found(
            RoadmapId::ENTITY,
            roadmap_id.as_str(),
            "roadmapId",
        ));
    }
    let organisation_id = c
        .organisation_id
        .as_deref()
        .map(|o| OrganisationId::parse("organisationId", o))
        .transpose()?;
    if let Some(o) = &organisation_id
        && !refs.organisation_exists(o.as_str())
    {
        return Err(DomainError::not_found(
            OrganisationId::ENTITY,
            o.as_str(),
            "organisationId",
        ));
    }
    let name = text::optional_title("name", c.name.as_deref())?;
    if organisation_id.is_none() && name.is_none() {
        return Err(DomainError::bad_input(
            "organisationId",
            "a prospect names an organisation, or says whom to approach in name",
        ));
    }
    let priority_ids = distinct_ids("priorityIds", &c.priority_ids, PriorityId::parse)?;
    for (i, p) in priority_ids.iter().enumerate() {
        let field = format!("priorityIds[{i}]");
        let found = refs
            .priority(p.as_str())
            .ok_or_else(|| DomainError::not_found(PriorityId::ENTITY, p.as_str(), &field))?;
        if found.roadmap_id != roadmap_id.as_str() {
            return Err(DomainError::bad_input(
                field,
                format!(
                    "priority {p} belongs to roadmap {}, not to {roadmap_id}",
                    found.roadmap_id
                ),
            ));
        }
    }
    Ok(vec![
        ProspectRecorded {
            prospect_id: id,
            roadmap_id,
            organisation_id,
            name,
            priority_ids,
            themes: dedup_set(&c.themes),
            note: text::optional_description("note", c.note.as_deref())?,
            source: source::check("source", c.source.as_ref(), refs)?,
        }
        .into(),
    ])
}

crate::aggregate::entity_aggregate!(Prospect, ProspectState, ProspectCommand, ProspectEvent);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn record() -> RecordProspect {
        RecordProspect {
            id: "pp-afdb".into(),
            roadmap_id: "civ-2023".into(),
            organisation_id: None,
            name: None,
            priority_ids: vec!["civ-2023-p4".into()],
            themes: Vec::new(),
            note: None,
            source: Some(source::SourceInput {
                document_id: "civ-2023-report".into(),
                section: Some("Q8".into()),
                quote: "telles que la BAD, BOAD, BID... et les fondations".into(),
            }),
        }
    }

    #[test]
    fn a_prospect_names_an_organisation_or_whom_to_approach() {
        given_nothing::<ProspectState>()
            .when(record())
            .then_err(DomainError::bad_input(
                "organisationId",
                "a prospect names an organisation, or says whom to approach in name",
            ));
        let s = given_nothing::<ProspectState>()
            .when(RecordProspect {
                name: Some("les fondations".into()),
                ..record()
            })
            .then_ok();
        let p = s.entity.unwrap();
        assert_eq!(p.organisation_id, None);
        assert_eq!(p.source.unwrap().section.as_deref(), Some("Q8"));
    }

    #[test]
    fn a_priority_of_another_roadmap_is_refused() {
        given_nothing::<ProspectState>()
            .when(RecordProspect {
                organisation_id: Some("giz".into()),
                priority_ids: vec!["civ-2024-p4".into()],
                ..record()
            })
            .then_err(DomainError::bad_input(
                "priorityIds[0]",
                "priority civ-2024-p4 belongs to roadmap civ-2024, not to civ-2023",
            ));
    }
}
