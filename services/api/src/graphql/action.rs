//! Actions in GraphQL (issue #14): `actions(ownerId, dueBefore, status)`,
//! `action(id)`, `recordAction`, `changeActionStatus`, and the actions that
//! carry a next step or a prospect forward (`NextStep.actions`,
//! `Prospect.actions`). The rules are `fundtrail_domain::action`'s.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use fundtrail_domain::action;
use fundtrail_domain::enums::ActionSubject as DomainSubject;
use fundtrail_ledger::Command;
use fundtrail_projections::{ActionFilter, Versioned};

use super::inputs::{CommandInput, SourceInput, command_meta, new_id};
use super::objects::{
    AuditEntry, Roadmap, find_roadmap, history, state, version, versioned_object,
};
use super::provenance::{Source, source_of};
use super::scalars::Date;

/// Where an action stands.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "fundtrail_domain::enums::ActionStatus")]
pub enum ActionStatus {
    Planned,
    InProgress,
    Done,
    Dropped,
}

/// The kind of record an action follows up.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "fundtrail_domain::enums::ActionSubject")]
pub enum ActionSubject {
    NextStep,
    Prospect,
    Proposal,
    Partnership,
    Pledge,
}

versioned_object!(
    /// A follow-up with an owner, a due date and a status (issue #14).
    Action,
    action::Action
);

/// The record an action follows up.
#[derive(SimpleObject, Clone, Debug)]
pub struct ActionAbout {
    pub kind: ActionSubject,
    pub id: ID,
}

/// One dated change of an action's status (who made it is in `history`).
#[derive(SimpleObject, Clone, Debug)]
pub struct ActionStatusChange {
    pub from: ActionStatus,
    pub to: ActionStatus,
    pub on: Option<Date>,
    pub reason: Option<String>,
}

#[Object]
impl Action {
    async fn id(&self) -> ID {
        ID(self.inner.id.as_str().to_owned())
    }
    async fn roadmap(&self, ctx: &Context<'_>) -> Option<Roadmap> {
        find_roadmap(ctx, self.inner.roadmap_id.as_str())
    }
    async fn title(&self) -> &str {
        &self.inner.title
    }
    /// Who does it (a principal's name).
    async fn owner(&self) -> Option<&str> {
        self.inner.owner.as_deref()
    }
    async fn due_on(&self) -> Option<Date> {
        self.inner.due_on.map(Date)
    }
    async fn status(&self) -> ActionStatus {
        self.inner.status.into()
    }
    /// The record it follows up, if any.
    async fn about(&self) -> Option<ActionAbout> {
        self.inner.about.as_ref().map(|a| ActionAbout {
            kind: a.kind.into(),
            id: ID(a.id.clone()),
        })
    }
    async fn note(&self) -> Option<&str> {
        self.inner.note.as_deref()
    }
    async fn source(&self) -> Option<Source> {
        source_of(&self.inner.source)
    }
    /// Every change of its status, oldest first.
    async fn status_history(&self) -> Vec<ActionStatusChange> {
        self.inner
            .history
            .iter()
            .map(|c| ActionStatusChange {
                from: c.from.into(),
                to: c.to.into(),
                on: c.on.map(Date),
                reason: c.reason.clone(),
            })
            .collect()
    }
    async fn version(&self) -> i32 {
        version(self.version)
    }
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<AuditEntry>> {
        history(ctx, &action::stream_id(&self.inner.id)).await
    }
}

/// The actions following up one record, by due date.
pub fn about(ctx: &Context<'_>, kind: DomainSubject, id: &str) -> Vec<Action> {
    state(ctx)
        .read()
        .actions(&ActionFilter {
            about: Some((kind, id)),
            ..Default::default()
        })
        .into_iter()
        .map(Action::from)
        .collect()
}

#[derive(Default)]
pub struct ActionQuery;

#[Object]
impl ActionQuery {
    /// Actions by due date (undated last): of one owner, due before a day
    /// (undated ones excluded then), at one status, of one roadmap.
    async fn actions(
        &self,
        ctx: &Context<'_>,
        owner_id: Option<String>,
        due_before: Option<Date>,
        status: Option<ActionStatus>,
        roadmap_id: Option<ID>,
    ) -> Vec<Action> {
        state(ctx)
            .read()
            .actions(&ActionFilter {
                roadmap: roadmap_id.as_ref().map(|r| r.as_str()),
                owner: owner_id.as_deref(),
                due_before: due_before.map(|d| d.0),
                status: status.map(Into::into),
                about: None,
            })
            .into_iter()
            .map(Action::from)
            .collect()
    }

    async fn action(&self, ctx: &Context<'_>, id: ID) -> Option<Action> {
        state(ctx).read().action(&id).map(Action::from)
    }
}

/// What an action follows up.
#[derive(InputObject, Clone, Debug)]
pub struct ActionAboutInput {
    pub kind: ActionSubject,
    pub id: ID,
}

/// `recordAction`: a follow-up of a roadmap (PLANNED unless said otherwise).
#[derive(InputObject, Clone, Debug)]
pub struct RecordActionInput {
    pub command_id: Option<ID>,
    pub id: Option<ID>,
    pub roadmap_id: ID,
    pub title: String,
    /// Who does it (a principal's name).
    pub owner: Option<String>,
    pub due_on: Option<Date>,
    pub status: Option<ActionStatus>,
    pub about: Option<ActionAboutInput>,
    pub note: Option<String>,
    pub source: Option<SourceInput>,
}

impl CommandInput for RecordActionInput {
    command_meta!(RecordActionInput);
    fn into_command(self) -> (String, Command) {
        let id = new_id(&self.id, &self.command_id, "action");
        let command = action::RecordAction {
            id: id.clone(),
            roadmap_id: self.roadmap_id.0,
            title: self.title,
            owner: self.owner,
            due_on: self.due_on.map(|d| d.0),
            status: self.status.map(Into::into),
            about: self.about.map(|a| action::AboutInput {
                kind: a.kind.into(),
                id: a.id.0,
            }),
            note: self.note,
            source: super::inputs::source(self.source),
        };
        (id, action::ActionCommand::from(command).into())
    }
}

/// `changeActionStatus`: a new status, the day it happened; reopening an
/// action DONE or DROPPED needs a reason.
#[derive(InputObject, Clone, Debug)]
pub struct ChangeActionStatusInput {
    pub command_id: Option<ID>,
    pub expected_version: Option<i32>,
    pub action_id: ID,
    pub status: ActionStatus,
    pub on: Option<Date>,
    pub reason: Option<String>,
}

impl CommandInput for ChangeActionStatusInput {
    command_meta!(ChangeActionStatusInput, versioned);
    fn into_command(self) -> (String, Command) {
        let id = self.action_id.0;
        let command = action::ChangeActionStatus {
            action_id: id.clone(),
            status: self.status.into(),
            on: self.on.map(|d| d.0),
            reason: self.reason,
        };
        (id, action::ActionCommand::from(command).into())
    }
}

#[derive(Default)]
pub struct ActionMutation;

#[Object]
impl ActionMutation {
    async fn record_action(&self, ctx: &Context<'_>, input: RecordActionInput) -> Result<Action> {
        super::mutation::run_and_read(ctx, input, "action", |m, id| m.action(id).map(Into::into))
            .await
    }

    async fn change_action_status(
        &self,
        ctx: &Context<'_>,
        input: ChangeActionStatusInput,
    ) -> Result<Action> {
        super::mutation::run_and_read(ctx, input, "action", |m, id| m.action(id).map(Into::into))
            .await
    }
}
