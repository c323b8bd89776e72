//! Actions (issue #14): the follow-ups that move a roadmap on — a title, an
//! owner (the principal who does it), a due date and a status, with the
//! dated history of its status. Stream `action-<id>`.
//!
//! An action belongs to a roadmap and may follow up one record: one of the
//! roadmap's next steps (`NEXT_STEP`: the roadmap's next steps are carried
//! forward by the actions about them), a prospect, a proposal, a
//! partnership or a pledge.
//!
//! Status: PLANNED when recorded unless said otherwise; any change to
//! another status is a `changeActionStatus` with the day it happened
//! (unknown when absent). Reopening an action that is DONE or DROPPED needs
//! a reason, so the history says why.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{Footprint, Footprinted};
use crate::aggregate::StreamState;
use crate::dates;
use crate::enums::{ActionStatus, ActionSubject};
use crate::error::DomainError;
use crate::events::{event_enum, impl_domain_event};
use crate::ids::{
    ActionId, NextStepId, PartnershipId, PledgeId, ProposalId, ProspectId, RoadmapId,
};
use crate::refs::References;
use crate::source::{self, SourceInput, SourceRef};
use crate::streams::{EntityKind, stream_name};
use crate::text;

/// The stream of action `id`: `action-<id>`.
pub fn stream_id(id: &ActionId) -> String {
    stream_name(EntityKind::Action, id)
}

// ---- commands ----

/// What an action follows up, as given.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AboutInput {
    pub kind: ActionSubject,
    pub id: String,
}

/// `recordAction`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordAction {
    pub id: String,
    pub roadmap_id: String,
    pub title: String,
    pub owner: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// PLANNED when absent.
    pub status: Option<ActionStatus>,
    pub about: Option<AboutInput>,
    pub note: Option<String>,
    pub source: Option<SourceInput>,
}

/// `changeActionStatus`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeActionStatus {
    pub action_id: String,
    pub status: ActionStatus,
    /// The day it changed (unknown when absent).
    pub on: Option<NaiveDate>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ActionCommand {
    Record(RecordAction),
    ChangeStatus(ChangeActionStatus),
}

impl From<RecordAction> for ActionCommand {
    fn from(c: RecordAction) -> Self {
        ActionCommand::Record(c)
    }
}

impl From<ChangeActionStatus> for ActionCommand {
    fn from(c: ChangeActionStatus) -> Self {
        ActionCommand::ChangeStatus(c)
    }
}

impl ActionCommand {
    pub fn stream_id(&self) -> Result<String, DomainError> {
        let id = match self {
            ActionCommand::Record(c) => ActionId::parse("id", &c.id)?,
            ActionCommand::ChangeStatus(c) => ActionId::parse("actionId", &c.action_id)?,
        };
        Ok(stream_id(&id))
    }
}

impl Footprinted for ActionCommand {
    type StreamState = ActionState;
    /// The roadmap the action belongs to: an officer scoped to another
    /// roadmap can neither record nor move it.
    fn footprint(&self, state: &ActionState, _: &dyn References) -> Footprint {
        match self {
            ActionCommand::Record(c) => Footprint::default().roadmap(&c.roadmap_id),
            ActionCommand::ChangeStatus(_) => match &state.entity {
                Some(a) => Footprint::default().roadmap(a.roadmap_id.as_str()),
                None => Footprint::default(),
            },
        }
    }
}

// ---- events ----

/// What an action follows up, checked: the record exists (and, for a next
/// step or a prospect, belongs to the action's roadmap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct About {
    pub kind: ActionSubject,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionRecorded {
    pub action_id: ActionId,
    pub roadmap_id: RoadmapId,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    pub status: ActionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<About>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
}
impl_domain_event!(ActionRecorded, 1);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionStatusChanged {
    pub action_id: ActionId,
    pub from: ActionStatus,
    pub to: ActionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
impl_domain_event!(ActionStatusChanged, 1);

event_enum!(ActionEvent {
    ActionRecorded,
    ActionStatusChanged
});

// ---- state ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub id: ActionId,
    pub roadmap_id: RoadmapId,
    pub title: String,
    pub owner: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: ActionStatus,
    pub about: Option<About>,
    pub note: Option<String>,
    pub source: Option<SourceRef>,
    /// Every change of status, oldest first.
    pub history: Vec<StatusChange>,
}

impl Action {
    /// Still to do.
    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }
}

/// One dated change of an action's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub from: ActionStatus,
    pub to: ActionStatus,
    pub on: Option<NaiveDate>,
    pub reason: Option<String>,
}

pub type ActionState = StreamState<Action>;

pub fn evolve(mut state: ActionState, event: &ActionEvent) -> ActionState {
    state.version += 1;
    match event {
        ActionEvent::ActionRecorded(e) => {
            state.entity = Some(Action {
                id: e.action_id.clone(),
                roadmap_id: e.roadmap_id.clone(),
                title: e.title.clone(),
                owner: e.owner.clone(),
                due_on: e.due_on,
                status: e.status,
                about: e.about.clone(),
                note: e.note.clone(),
                source: e.source.clone(),
                history: Vec::new(),
            })
        }
        ActionEvent::ActionStatusChanged(e) => {
            if let Some(a) = state.entity.as_mut() {
                a.status = e.to;
                a.history.push(StatusChange {
                    from: e.from,
                    to: e.to,
                    on: e.on,
                    reason: e.reason.clone(),
                });
            }
        }
    }
    state
}

// ---- decision ----

pub fn decide(
    state: &ActionState,
    command: &ActionCommand,
    refs: &dyn References,
) -> Result<Vec<ActionEvent>, DomainError> {
    match command {
        ActionCommand::Record(c) => decide_record(state, c, refs),
        ActionCommand::ChangeStatus(c) => decide_change(state, c),
    }
}

fn decide_record(
    state: &ActionState,
    c: &RecordAction,
    refs: &dyn References,
) -> Result<Vec<ActionEvent>, DomainError> {
    let id = ActionId::parse("id", &c.id)?;
    if state.exists() {
        return Err(DomainError::already_exists(ActionId::ENTITY, id.as_str()));
    }
    let roadmap_id = RoadmapId::parse("roadmapId", &c.roadmap_id)?;
    if refs.roadmap(roadmap_id.as_str()).is_none() {
        return Err(DomainError::not_found(
            RoadmapId::ENTITY,
            roadmap_id.as_str(),
            "roadmapId",
        ));
    }
    let title = text::description("title", &c.title)?;
    let about = c
        .about
        .as_ref()
        .map(|a| check_about(a, roadmap_id.as_str(), refs))
        .transpose()?;
    Ok(vec![
        ActionRecorded {
            action_id: id,
            roadmap_id,
            title,
            owner: text::optional_title("owner", c.owner.as_deref())?,
            due_on: dates::optional_in_range("dueOn", c.due_on)?,
            status: c.status.unwrap_or(ActionStatus::Planned),
            about,
            note: text::optional_description("note", c.note.as_deref())?,
            source: source::check("source", c.source.as_ref(), refs)?,
        }
        .into(),
    ])
}

/// The record an action follows up exists; a next step or a prospect
/// belongs to the action's own roadmap.
fn check_about(a: &AboutInput, roadmap: &str, refs: &dyn References) -> Result<About, DomainError> {
    const FIELD: &str = "about.id";
    let (entity, id, found_in): (&'static str, String, Option<Option<String>>) = match a.kind {
        ActionSubject::NextStep => {
            let id = NextStepId::parse(FIELD, &a.id)?;
            let r = refs.next_step_roadmap(id.as_str());
            (NextStepId::ENTITY, id.as_str().to_owned(), r.map(Some))
        }
        ActionSubject::Prospect => {
            let id = ProspectId::parse(FIELD, &a.id)?;
            let r = refs.prospect_roadmap(id.as_str());
            (ProspectId::ENTITY, id.as_str().to_owned(), r.map(Some))
        }
        ActionSubject::Proposal => {
            let id = ProposalId::parse(FIELD, &a.id)?;
            let found = refs.proposal_exists(id.as_str()).then_some(None);
            (ProposalId::ENTITY, id.as_str().to_owned(), found)
        }
        ActionSubject::Partnership => {
            let id = PartnershipId::parse(FIELD, &a.id)?;
            let found = refs.partnership_exists(id.as_str()).then_some(None);
            (PartnershipId::ENTITY, id.as_str().to_owned(), found)
        }
        ActionSubject::Pledge => {
            let id = PledgeId::parse(FIELD, &a.id)?;
            let found = refs.pledge_exists(id.as_str()).then_some(None);
            (PledgeId::ENTITY, id.as_str().to_owned(), found)
        }
    };
    match found_in {
        None => Err(DomainError::not_found(entity, id, FIELD)),
        Some(Some(other)) if other != roadmap => Err(DomainError::bad_input(
            FIELD,
            format!(
                "{} {id} belongs to roadmap {other}, not to {roadmap}",
                entity.to_lowercase()
            ),
        )),
        Some(_) => Ok(About { kind: a.kind, id }),
    }
}

fn decide_change(
    state: &ActionState,
    c: &ChangeActionStatus,
) -> Result<Vec<ActionEvent>, DomainError> {
    let id = ActionId::parse("actionId", &c.action_id)?;
    let Some(a) = state.entity.as_ref() else {
        return Err(DomainError::not_found(
            ActionId::ENTITY,
            id.as_str(),
            "actionId",
        ));
    };
    if a.status == c.status {
        return Err(DomainError::invalid_state(
            format!("action {id} is already {}", a.status),
            a.status.as_str(),
        ));
    }
    let reason = text::optional_description("reason", c.reason.as_deref())?;
    if !a.status.is_open() && reason.is_none() {
        return Err(DomainError::bad_input(
            "reason",
            format!(
                "action {id} is {}: say why it is reopened as {}",
                a.status, c.status
            ),
        ));
    }
    Ok(vec![
        ActionStatusChanged {
            action_id: id,
            from: a.status,
            to: c.status,
            on: dates::optional_in_range("on", c.on)?,
            reason,
        }
        .into(),
    ])
}

crate::aggregate::entity_aggregate!(Action, ActionState, ActionCommand, ActionEvent);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::AnyEvent;
    use crate::testing::*;

    fn record() -> RecordAction {
        RecordAction {
            id: "a-directory".into(),
            roadmap_id: "civ-2023".into(),
            title: "Draw up the directory of new donors".into(),
            owner: Some("officer-awa".into()),
            due_on: Some(date("2024-04-30")),
            status: None,
            about: Some(AboutInput {
                kind: ActionSubject::Proposal,
                id: "pr-irc-bc".into(),
            }),
            note: None,
            source: None,
        }
    }

    fn recorded() -> Vec<ActionEvent> {
        decide(&ActionState::default(), &record().into(), &world()).unwrap()
    }

    fn change(status: ActionStatus, reason: Option<&str>) -> ChangeActionStatus {
        ChangeActionStatus {
            action_id: "a-directory".into(),
            status,
            on: Some(date("2024-03-01")),
            reason: reason.map(Into::into),
        }
    }

    #[test]
    fn an_action_is_planned_unless_said_otherwise() {
        let s = given_nothing::<ActionState>()
            .with_refs(world())
            .when(record())
            .then_ok();
        let a = s.entity.unwrap();
        assert_eq!(a.status, ActionStatus::Planned);
        assert_eq!(a.owner.as_deref(), Some("officer-awa"));
        assert_eq!(
            a.about,
            Some(About {
                kind: ActionSubject::Proposal,
                id: "pr-irc-bc".into()
            })
        );
    }

    #[test]
    fn its_status_history_is_dated_and_reopening_needs_a_reason() {
        let s = given(recorded())
            .when(change(ActionStatus::Done, None))
            .then_ok();
        let a = s.entity.as_ref().unwrap();
        assert_eq!(a.status, ActionStatus::Done);
        assert_eq!(a.history.len(), 1);
        assert_eq!(a.history[0].on, Some(date("2024-03-01")));

        let mut done = recorded();
        done.push(
            ActionStatusChanged {
                action_id: ActionId::new_unchecked("a-directory"),
                from: ActionStatus::Planned,
                to: ActionStatus::Done,
                on: None,
                reason: None,
            }
            .into(),
        );
        given(done.clone())
            .when(change(ActionStatus::InProgress, None))
            .then_code("BAD_USER_INPUT", "reason");
        given(done.clone())
            .when(change(ActionStatus::Done, Some("again")))
            .then_code("INVALID_STATE", "");
        let s = given(done)
            .when(change(
                ActionStatus::InProgress,
                Some("the donor asked again"),
            ))
            .then_ok();
        assert_eq!(s.entity.unwrap().history.len(), 2);
    }

    #[test]
    fn it_follows_up_a_record_that_exists_in_its_roadmap() {
        given_nothing::<ActionState>()
            .with_refs(world())
            .when(RecordAction {
                about: Some(AboutInput {
                    kind: ActionSubject::Pledge,
                    id: "nowhere".into(),
                }),
                ..record()
            })
            .then_code("NOT_FOUND", "about.id");
        let other_roadmaps_step: AnyEvent =
            crate::next_step::NextStepEvent::from(crate::next_step::NextStepDefined {
                next_step_id: NextStepId::new_unchecked("civ-2024-ns1"),
                roadmap_id: RoadmapId::new_unchecked("civ-2024"),
                rank: 1,
                title: "Validate the plan".into(),
                status: None,
                target_month: None,
                target: None,
                source: None,
            })
            .into();
        given_nothing::<ActionState>()
            .with_refs(world_with([other_roadmaps_step]))
            .when(RecordAction {
                about: Some(AboutInput {
                    kind: ActionSubject::NextStep,
                    id: "civ-2024-ns1".into(),
                }),
                ..record()
            })
            .then_code("BAD_USER_INPUT", "about.id");
        given_nothing::<ActionState>()
            .with_refs(world())
            .when(RecordAction {
                roadmap_id: "nowhere".into(),
                ..record()
            })
            .then_code("NOT_FOUND", "roadmapId");
        given_nothing::<ActionState>()
            .with_refs(world())
            .when(RecordAction {
                title: "  ".into(),
                ..record()
            })
            .then_code("BAD_USER_INPUT", "title");
    }
}
