//! A roadmap's next steps: what the country said it would do in the coming
//! period (« prochaines étapes »), with where each stands. Stream
//! `nextstep-<id>`.
//!
//! A step's status is `None` until someone states it (a report whose check
//! boxes are not legible states none); `targetMonth` is a month the step is
//! meant to be reached by (« d'ici avril 2024 »), with `target` the words
//! that say what by then.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{Footprint, Footprinted};
use crate::aggregate::StreamState;
use crate::dates;
use crate::enums::NextStepStatus;
use crate::error::DomainError;
use crate::events::{event_enum, impl_domain_event};
use crate::ids::{NextStepId, RoadmapId};
use crate::priority::MAX_RANK;
use crate::refs::References;
use crate::source::{self, SourceInput, SourceRef};
use crate::streams::{EntityKind, stream_name};
use crate::text;

/// The stream of next step `id`: `nextstep-<id>`.
pub fn stream_id(id: &NextStepId) -> String {
    stream_name(EntityKind::NextStep, id)
}

// ---- commands ----

/// `defineNextStep`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DefineNextStep {
    pub id: String,
    pub roadmap_id: String,
    pub rank: i64,
    pub title: String,
    pub status: Option<NextStepStatus>,
    /// `YYYY-MM`.
    pub target_month: Option<String>,
    pub target: Option<String>,
    pub source: Option<SourceInput>,
}

/// `changeNextStepStatus`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeNextStepStatus {
    pub next_step_id: String,
    pub status: NextStepStatus,
    pub on: Option<NaiveDate>,
    pub reason: Option<String>,
    pub source: Option<SourceInput>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NextStepCommand {
    Define(DefineNextStep),
    ChangeStatus(ChangeNextStepStatus),
}

impl From<DefineNextStep> for NextStepCommand {
    fn from(c: DefineNextStep) -> Self {
        NextStepCommand::Define(c)
    }
}

impl From<ChangeNextStepStatus> for NextStepCommand {
    fn from(c: ChangeNextStepStatus) -> Self {
        NextStepCommand::ChangeStatus(c)
    }
}

impl NextStepCommand {
    pub fn stream_id(&self) -> Result<String, DomainError> {
        let id = match self {
            NextStepCommand::Define(c) => NextStepId::parse("id", &c.id)?,
            NextStepCommand::ChangeStatus(c) => NextStepId::parse("nextStepId", &c.next_step_id)?,
        };
        Ok(stream_id(&id))
    }
}

impl Footprinted for NextStepCommand {
    type StreamState = NextStepState;
    fn footprint(&self, state: &NextStepState, _: &dyn References) -> Footprint {
        match self {
            NextStepCommand::Define(c) => Footprint::default().roadmap(&c.roadmap_id),
            NextStepCommand::ChangeStatus(_) => match &state.entity {
                Some(s) => Footprint::default().roadmap(s.roadmap_id.as_str()),
                None => Footprint::default(),
            },
        }
    }
}

// ---- events ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NextStepDefined {
    pub next_step_id: NextStepId,
    pub roadmap_id: RoadmapId,
    pub rank: u32,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<NextStepStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_month: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
}
impl_domain_event!(NextStepDefined, 1);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NextStepStatusChanged {
    pub next_step_id: NextStepId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<NextStepStatus>,
    pub status: NextStepStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
}
impl_domain_event!(NextStepStatusChanged, 1);

event_enum!(NextStepEvent {
    NextStepDefined,
    NextStepStatusChanged
});

// ---- state ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextStep {
    pub id: NextStepId,
    pub roadmap_id: RoadmapId,
    pub rank: u32,
    pub title: String,
    pub status: Option<NextStepStatus>,
    pub status_on: Option<NaiveDate>,
    pub target_month: Option<String>,
    pub target: Option<String>,
    pub source: Option<SourceRef>,
}

pub type NextStepState = StreamState<NextStep>;

pub fn evolve(mut state: NextStepState, event: &NextStepEvent) -> NextStepState {
    state.version += 1;
    match event {
        NextStepEvent::NextStepDefined(e) => {
            state.entity = Some(NextStep {
                id: e.next_step_id.clone(),
                roadmap_id: e.roadmap_id.clone(),
                rank: e.rank,
                title: e.title.clone(),
                status: e.status,
                status_on: None,
                target_month: e.target_month.clone(),
                target: e.target.clone(),
                source: e.source.clone(),
            });
        }
        NextStepEvent::NextStepStatusChanged(e) => {
            if let Some(s) = state.entity.as_mut() {
                s.status = Some(e.status);
                s.status_on = e.on;
            }
        }
    }
    state
}

// ---- decision ----

/// A month `YYYY-MM` (months 01–12, years 1900–2200).
pub fn parse_month(field: &str, raw: &str) -> Result<String, DomainError> {
    let m = raw.trim();
    let ok = m.len() == 7
        && m.as_bytes()[4] == b'-'
        && m[..4]
            .parse::<u32>()
            .is_ok_and(|y| (1900..=2200).contains(&y))
        && m[5..].parse::<u32>().is_ok_and(|mo| (1..=12).contains(&mo));
    if ok {
        Ok(m.to_owned())
    } else {
        Err(DomainError::bad_input(
            field,
            format!("{m:?} is not a month: use YYYY-MM, such as 2024-04"),
        ))
    }
}

pub fn decide(
    state: &NextStepState,
    command: &NextStepCommand,
    refs: &dyn References,
) -> Result<Vec<NextStepEvent>, DomainError> {
    match command {
        NextStepCommand::Define(c) => {
            let id = NextStepId::parse("id", &c.id)?;
            if state.exists() {
                return Err(DomainError::already_exists(NextStepId::ENTITY, id.as_str()));
            }
            let roadmap_id = RoadmapId::parse("roadmapId", &c.roadmap_id)?;
            let title = text::description("title", &c.title)?;
            if !(1..=MAX_RANK).contains(&c.rank) {
                return Err(DomainError::bad_input(
                    "rank",
                    format!("{} is not a rank: use 1 to {MAX_RANK}", c.rank),
                ));
            }
            if refs.roadmap(roadmap_id.as_str()).is_none() {
                return Err(DomainError::not_found(
                    RoadmapId::ENTITY,
                    roadmap_id.as_str(),
                    "roadmapId",
                ));
            }
            let target_month = c
                .target_month
                .as_deref()
                .map(|m| parse_month("targetMonth", m))
                .transpose()?;
            Ok(vec![
                NextStepDefined {
                    next_step_id: id,
                    roadmap_id,
                    rank: c.rank as u32,
                    title,
                    status: c.status,
                    target_month,
                    target: text::optional_description("target", c.target.as_deref())?,
                    source: source::check("source", c.source.as_ref(), refs)?,
                }
                .into(),
            ])
        }
        NextStepCommand::ChangeStatus(c) => {
            let id = NextStepId::parse("nextStepId", &c.next_step_id)?;
            let Some(step) = &state.entity else {
                return Err(DomainError::not_found(
                    NextStepId::ENTITY,
                    id.as_str(),
                    "nextStepId",
                ));
            };
            if step.status == Some(c.status) {
                return Err(DomainError::invalid_state(
                    format!("next step {id} is already {}", c.status),
                    c.status.as_str(),
                ));
            }
            Ok(vec![
                NextStepStatusChanged {
                    next_step_id: id,
                    previous_status: step.status,
                    status: c.status,
                    on: dates::optional_in_range("on", c.on)?,
                    reason: text::optional_description("reason", c.reason.as_deref())?,
                    source: source::check("source", c.source.as_ref(), refs)?,
                }
                .into(),
            ])
        }
    }
}

crate::aggregate::entity_aggregate!(NextStep, NextStepState, NextStepCommand, NextStepEvent);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn define(status: Option<NextStepStatus>) -> DefineNextStep {
        DefineNextStep {
            id: "civ-2023-s4".into(),
            roadmap_id: "civ-2023".into(),
            rank: 4,
            title: "Capter des financements de nouveaux bailleurs".into(),
            status,
            target_month: Some("2024-04".into()),
            target: None,
            source: None,
        }
    }

    #[test]
    fn a_step_without_a_stated_status_has_none() {
        let s = given_nothing::<NextStepState>()
            .when(define(None))
            .then_ok();
        let step = s.entity.unwrap();
        assert_eq!(step.status, None);
        assert_eq!(step.target_month.as_deref(), Some("2024-04"));
    }

    #[test]
    fn a_bad_month_and_an_unknown_roadmap_are_refused() {
        given_nothing::<NextStepState>()
            .when(DefineNextStep {
                target_month: Some("2024-13".into()),
                ..define(None)
            })
            .then_err(DomainError::bad_input(
                "targetMonth",
                "\"2024-13\" is not a month: use YYYY-MM, such as 2024-04",
            ));
        given_nothing::<NextStepState>()
            .when(DefineNextStep {
                roadmap_id: "nope".into(),
                ..define(None)
            })
            .then_err(DomainError::not_found("Roadmap", "nope", "roadmapId"));
    }

    #[test]
    fn a_status_is_stated_once_then_changed_not_repeated() {
        let defined: NextStepEvent = NextStepDefined {
            next_step_id: NextStepId::new_unchecked("civ-2023-s4"),
            roadmap_id: RoadmapId::new_unchecked("civ-2023"),
            rank: 4,
            title: "t".into(),
            status: Some(NextStepStatus::InProgress),
            target_month: None,
            target: None,
            source: None,
        }
        .into();
        let change = |status| ChangeNextStepStatus {
            next_step_id: "civ-2023-s4".into(),
            status,
            on: None,
            reason: None,
            source: None,
        };
        given([defined.clone()])
            .when(change(NextStepStatus::InProgress))
            .then_err(DomainError::invalid_state(
                "next step civ-2023-s4 is already IN_PROGRESS",
                "IN_PROGRESS",
            ));
        let s = given([defined])
            .when(change(NextStepStatus::Achieved))
            .then_ok();
        assert_eq!(s.entity.unwrap().status, Some(NextStepStatus::Achieved));
    }
}
