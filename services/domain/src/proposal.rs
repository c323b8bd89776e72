//! Funding proposals sent by an applicant to a donor. Stream `proposal-<id>`.
//!
//! `submitProposal` creates a SUBMITTED proposal (the contract has no mutation
//! that creates a DRAFT); `decideProposal` moves it to APPROVED, REJECTED or
//! WITHDRAWN, once.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{Footprint, Footprinted};
use crate::aggregate::StreamState;
use crate::dates;
use crate::enums::{ProposalStatus, Theme, dedup_set};
use crate::error::DomainError;
use crate::events::{event_enum, impl_domain_event};
use crate::ids::{OrganisationId, PriorityId, ProposalId};
use crate::lists;
use crate::money::{Money, Sign, check_money};
use crate::partnership::{distinct_ids, existing_priorities};
use crate::refs::{RecordRef, References};
use crate::source::{self, SourceInput, SourceRef};
use crate::streams::{EntityKind, stream_name};
use crate::text;

/// The stream of proposal `id`: `proposal-<id>`.
pub fn stream_id(id: &ProposalId) -> String {
    stream_name(EntityKind::Proposal, id)
}

/// `submitProposal`. `submitted_on` is required by the API for users; the importer may leave it unknown.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubmitProposal {
    pub id: String,
    pub applicant_id: String,
    pub donor_id: String,
    pub title: String,
    pub requested: Option<Money>,
    pub themes: Vec<Theme>,
    pub priority_ids: Vec<String>,
    pub submitted_on: Option<NaiveDate>,
    /// Where the record comes from (a document and the sentence it rests on).
    pub source: Option<SourceInput>,
}

/// `decideProposal`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecideProposal {
    pub proposal_id: String,
    /// APPROVED, REJECTED or WITHDRAWN.
    pub status: ProposalStatus,
    pub decided_on: NaiveDate,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProposalCommand {
    Submit(SubmitProposal),
    Decide(DecideProposal),
}

impl From<SubmitProposal> for ProposalCommand {
    fn from(c: SubmitProposal) -> Self {
        ProposalCommand::Submit(c)
    }
}
impl From<DecideProposal> for ProposalCommand {
    fn from(c: DecideProposal) -> Self {
        ProposalCommand::Decide(c)
    }
}

impl ProposalCommand {
    pub fn stream_id(&self) -> Result<String, DomainError> {
        let id = match self {
            ProposalCommand::Submit(c) => ProposalId::parse("id", &c.id)?,
            ProposalCommand::Decide(c) => ProposalId::parse("proposalId", &c.proposal_id)?,
        };
        Ok(stream_id(&id))
    }
}

/// What the command concerns, for the scope check ([`crate::access::authorize`]):
/// its applicant and donor and the roadmaps of its priorities. Without
/// priorities it is no roadmap's (see `docs/access.md`).
impl Footprinted for ProposalCommand {
    type StreamState = ProposalState;
    fn footprint(&self, state: &ProposalState, refs: &dyn References) -> Footprint {
        match self {
            ProposalCommand::Submit(c) => Footprint::default()
                .organisation(&c.applicant_id)
                .organisation(&c.donor_id)
                .priorities(c.priority_ids.iter().map(String::as_str), refs),
            // The proposal's own organisations and priorities, as submitted.
            ProposalCommand::Decide(_) => match &state.entity {
                Some(p) => Footprint::of_record(&RecordRef::of_proposal(p), refs),
                None => Footprint::default(),
            },
        }
    }
}

/// A proposal was submitted (its status is SUBMITTED).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProposalSubmitted {
    pub proposal_id: ProposalId,
    pub applicant_id: OrganisationId,
    pub donor_id: OrganisationId,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested: Option<Money>,
    #[serde(default)]
    pub themes: Vec<Theme>,
    #[serde(default)]
    pub priority_ids: Vec<PriorityId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
}
impl_domain_event!(ProposalSubmitted, 2);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProposalDecided {
    pub proposal_id: ProposalId,
    pub status: ProposalStatus,
    pub decided_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
impl_domain_event!(ProposalDecided, 1);

event_enum!(ProposalEvent {
    ProposalSubmitted,
    ProposalDecided
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: ProposalId,
    pub applicant_id: OrganisationId,
    pub donor_id: OrganisationId,
    pub title: String,
    pub requested: Option<Money>,
    pub status: ProposalStatus,
    pub themes: Vec<Theme>,
    pub priority_ids: Vec<PriorityId>,
    pub submitted_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub source: Option<SourceRef>,
}

pub type ProposalState = StreamState<Proposal>;

pub fn evolve(mut state: ProposalState, event: &ProposalEvent) -> ProposalState {
    state.version += 1;
    match event {
        ProposalEvent::ProposalSubmitted(e) => {
            state.entity = Some(Proposal {
                id: e.proposal_id.clone(),
                applicant_id: e.applicant_id.clone(),
                donor_id: e.donor_id.clone(),
                title: e.title.clone(),
                requested: e.requested,
                status: ProposalStatus::Submitted,
                themes: e.themes.clone(),
                priority_ids: e.priority_ids.clone(),
                submitted_on: e.submitted_on,
                decided_on: None,
                source: e.source.clone(),
            });
        }
        ProposalEvent::ProposalDecided(e) => {
            if let Some(p) = state.entity.as_mut() {
                p.status = e.status;
                p.decided_on = Some(e.decided_on);
            }
        }
    }
    state
}

pub fn decide(
    state: &ProposalState,
    command: &ProposalCommand,
    refs: &dyn References,
) -> Result<Vec<ProposalEvent>, DomainError> {
    match command {
        ProposalCommand::Submit(c) => {
            let id = ProposalId::parse("id", &c.id)?;
            if state.exists() {
                return Err(DomainError::already_exists(ProposalId::ENTITY, id.as_str()));
            }
            lists::bounded("priorityIds", &c.priority_ids)?;
            lists::bounded("themes", &c.themes)?;
            let applicant_id = OrganisationId::parse("applicantId", &c.applicant_id)?;
            let donor_id = OrganisationId::parse("donorId", &c.donor_id)?;
            if applicant_id == donor_id {
                return Err(DomainError::bad_input(
                    "donorId",
                    format!(
                        "{donor_id} is also the applicant: a proposal goes to another organisation"
                    ),
                ));
            }
            let title = text::title("title", &c.title)?;
            let requested = c
                .requested
                .map(|m| check_money("requested", m, Sign::Positive))
                .transpose()?;
            let priority_ids = distinct_ids("priorityIds", &c.priority_ids, PriorityId::parse)?;
            let submitted_on = dates::optional_in_range("submittedOn", c.submitted_on)?;
            for (field, org) in [("applicantId", &applicant_id), ("donorId", &donor_id)] {
                if !refs.organisation_exists(org.as_str()) {
                    return Err(DomainError::not_found(
                        OrganisationId::ENTITY,
                        org.as_str(),
                        field,
                    ));
                }
            }
            existing_priorities("priorityIds", &priority_ids, refs)?;
            Ok(vec![
                ProposalSubmitted {
                    source: source::check("source", c.source.as_ref(), refs)?,
                    proposal_id: id,
                    applicant_id,
                    donor_id,
                    title,
                    requested,
                    themes: dedup_set(&c.themes),
                    priority_ids,
                    submitted_on,
                }
                .into(),
            ])
        }
        ProposalCommand::Decide(c) => {
            let id = ProposalId::parse("proposalId", &c.proposal_id)?;
            let Some(p) = state.entity.as_ref() else {
                return Err(DomainError::not_found(
                    ProposalId::ENTITY,
                    id.as_str(),
                    "proposalId",
                ));
            };
            if !matches!(
                c.status,
                ProposalStatus::Approved | ProposalStatus::Rejected | ProposalStatus::Withdrawn
            ) {
                return Err(DomainError::bad_input(
                    "status",
                    format!(
                        "{} is not a decision: use APPROVED, REJECTED or WITHDRAWN",
                        c.status
                    ),
                ));
            }
            let decided_on = dates::in_range("decidedOn", c.decided_on)?;
            let reason = text::optional_description("reason", c.reason.as_deref())?;
            if !matches!(p.status, ProposalStatus::Draft | ProposalStatus::Submitted) {
                return Err(DomainError::invalid_state(
                    format!("proposal {id} has already been decided"),
                    p.status.as_str(),
                ));
            }
            dates::not_before("decidedOn", Some(decided_on), "submittedOn", p.submitted_on)?;
            Ok(vec![
                ProposalDecided {
                    proposal_id: id,
                    status: c.status,
                    decided_on,
                    reason,
                }
                .into(),
            ])
        }
    }
}

crate::aggregate::entity_aggregate!(Proposal, ProposalState, ProposalCommand, ProposalEvent);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::testing::*;

    fn submit(id: &str) -> SubmitProposal {
        SubmitProposal {
            id: id.into(),
            applicant_id: "irc".into(),
            donor_id: "barry-callebaut".into(),
            title: "Financement de la lutte contre le travail des enfants".into(),
            requested: None,
            themes: vec![Theme::ChildLabour],
            priority_ids: vec![],
            submitted_on: None,
            source: None,
        }
    }

    fn decide_as(id: &str, status: ProposalStatus, on: &str) -> DecideProposal {
        DecideProposal {
            proposal_id: id.into(),
            status,
            decided_on: date(on),
            reason: None,
        }
    }

    #[test]
    fn submitting_without_amount_or_date_is_accepted() {
        let state = given_nothing::<ProposalState>()
            .when(submit("pr-irc-bc"))
            .then([ProposalSubmitted {
                proposal_id: ProposalId::new_unchecked("pr-irc-bc"),
                applicant_id: OrganisationId::new_unchecked("irc"),
                donor_id: OrganisationId::new_unchecked("barry-callebaut"),
                title: "Financement de la lutte contre le travail des enfants".into(),
                requested: None,
                themes: vec![Theme::ChildLabour],
                priority_ids: vec![],
                submitted_on: None,
                source: None,
            }
            .into()]);
        assert_eq!(state.entity.unwrap().status, ProposalStatus::Submitted);
    }

    #[test]
    fn a_requested_amount_is_kept_in_canonical_form() {
        let state = given_nothing::<ProposalState>()
            .when(SubmitProposal {
                requested: Some(Money::new(dec("150000.5"), Currency::EUR)),
                submitted_on: Some(date("2023-09-01")),
                priority_ids: vec!["civ-2023-p4".into()],
                ..submit("pr")
            })
            .then_ok();
        assert_eq!(
            state.entity.unwrap().requested.unwrap().amount.to_string(),
            "150000.50"
        );
    }

    #[test]
    fn overlong_priority_and_theme_lists_are_refused() {
        let max = crate::lists::MAX_LIST_ITEMS;
        given_nothing::<ProposalState>()
            .when(SubmitProposal {
                priority_ids: (0..=max).map(|i| format!("civ-2023-x{i}")).collect(),
                ..submit("pr")
            })
            .then_err(DomainError::bad_input(
                "priorityIds",
                "has 101 items; at most 100 are allowed",
            ));
        given_nothing::<ProposalState>()
            .when(SubmitProposal {
                themes: vec![Theme::Trafficking; max + 1],
                ..submit("pr")
            })
            .then_code("BAD_USER_INPUT", "themes");
        // At the limit: accepted (repeated themes are one set).
        let state = given_nothing::<ProposalState>()
            .when(SubmitProposal {
                themes: vec![Theme::Trafficking; max],
                ..submit("pr")
            })
            .then_ok();
        assert_eq!(state.entity.unwrap().themes, vec![Theme::Trafficking]);
    }

    #[test]
    fn submitting_an_existing_proposal_is_refused() {
        given([proposal_submitted("pr", None)])
            .when(submit("pr"))
            .then_err(DomainError::already_exists("Proposal", "pr"));
    }

    #[test]
    fn an_unknown_applicant_or_donor_is_not_found() {
        given_nothing::<ProposalState>()
            .when(SubmitProposal {
                applicant_id: "nobody".into(),
                ..submit("pr")
            })
            .then_err(DomainError::not_found(
                "Organisation",
                "nobody",
                "applicantId",
            ));
        given_nothing::<ProposalState>()
            .when(SubmitProposal {
                donor_id: "nobody".into(),
                ..submit("pr")
            })
            .then_err(DomainError::not_found("Organisation", "nobody", "donorId"));
    }

    #[test]
    fn applying_to_oneself_is_refused() {
        given_nothing::<ProposalState>()
            .when(SubmitProposal {
                donor_id: "irc".into(),
                ..submit("pr")
            })
            .then_code("BAD_USER_INPUT", "donorId");
    }

    #[test]
    fn a_non_positive_request_is_refused() {
        given_nothing::<ProposalState>()
            .when(SubmitProposal {
                requested: Some(Money::new(dec("0"), Currency::XOF)),
                ..submit("pr")
            })
            .then_code("BAD_USER_INPUT", "requested");
    }

    #[test]
    fn an_unknown_priority_is_not_found_and_a_repeated_one_refused() {
        given_nothing::<ProposalState>()
            .when(SubmitProposal {
                priority_ids: vec!["zz".into()],
                ..submit("pr")
            })
            .then_err(DomainError::not_found("Priority", "zz", "priorityIds[0]"));
        given_nothing::<ProposalState>()
            .when(SubmitProposal {
                priority_ids: vec!["civ-2023-p1".into(), "civ-2023-p1".into()],
                ..submit("pr")
            })
            .then_code("BAD_USER_INPUT", "priorityIds[1]");
    }

    #[test]
    fn an_empty_title_is_refused() {
        given_nothing::<ProposalState>()
            .when(SubmitProposal {
                title: "".into(),
                ..submit("pr")
            })
            .then_code("BAD_USER_INPUT", "title");
    }

    #[test]
    fn approving_a_submitted_proposal_records_the_decision() {
        let state = given([proposal_submitted("pr", Some("2023-09-01"))])
            .when(DecideProposal {
                reason: Some("fits the 2024 budget".into()),
                ..decide_as("pr", ProposalStatus::Approved, "2023-10-01")
            })
            .then([ProposalDecided {
                proposal_id: ProposalId::new_unchecked("pr"),
                status: ProposalStatus::Approved,
                decided_on: date("2023-10-01"),
                reason: Some("fits the 2024 budget".into()),
            }
            .into()]);
        let p = state.entity.unwrap();
        assert_eq!(
            (p.status, p.decided_on),
            (ProposalStatus::Approved, Some(date("2023-10-01")))
        );
    }

    #[test]
    fn rejecting_and_withdrawing_are_decisions_too() {
        for s in [ProposalStatus::Rejected, ProposalStatus::Withdrawn] {
            given([proposal_submitted("pr", None)])
                .when(decide_as("pr", s, "2023-10-01"))
                .then_ok();
        }
    }

    #[test]
    fn draft_or_submitted_is_not_a_decision() {
        for s in [ProposalStatus::Draft, ProposalStatus::Submitted] {
            given([proposal_submitted("pr", None)])
                .when(decide_as("pr", s, "2023-10-01"))
                .then_code("BAD_USER_INPUT", "status");
        }
    }

    #[test]
    fn deciding_twice_is_invalid_state() {
        given([
            proposal_submitted("pr", None),
            ProposalDecided {
                proposal_id: ProposalId::new_unchecked("pr"),
                status: ProposalStatus::Rejected,
                decided_on: date("2023-10-01"),
                reason: None,
            }
            .into(),
        ])
        .when(decide_as("pr", ProposalStatus::Approved, "2023-10-02"))
        .then_err(DomainError::invalid_state(
            "proposal pr has already been decided",
            "REJECTED",
        ));
    }

    #[test]
    fn a_decision_before_the_submission_is_refused() {
        given([proposal_submitted("pr", Some("2023-09-01"))])
            .when(decide_as("pr", ProposalStatus::Approved, "2023-08-31"))
            .then_err(DomainError::bad_input(
                "decidedOn",
                "2023-08-31 is before submittedOn 2023-09-01",
            ));
    }

    #[test]
    fn deciding_an_unknown_proposal_is_not_found() {
        given_nothing::<ProposalState>()
            .when(decide_as("pr", ProposalStatus::Approved, "2023-10-01"))
            .then_err(DomainError::not_found("Proposal", "pr", "proposalId"));
    }

    // ---- scope (#17, finding 6): see docs/access.md ----

    #[test]
    fn a_proposal_without_priorities_is_out_of_a_roadmap_scope() {
        given([proposal_submitted("pr", None)])
            .by(scoped_officer(&["civ-2024"], &[]))
            .when(decide_as("pr", ProposalStatus::Approved, "2024-02-01"))
            .then_forbidden();
        given_nothing::<ProposalState>()
            .by(scoped_officer(&["civ-2023"], &[]))
            .when(submit("pr"))
            .then_forbidden();
        given([proposal_submitted("pr", None)])
            .by(scoped_officer(&[], &["irc"]))
            .when(decide_as("pr", ProposalStatus::Approved, "2024-02-01"))
            .then_allowed()
            .then_ok();
    }

    #[test]
    fn a_proposal_belongs_to_the_roadmaps_of_its_priorities() {
        given([proposal_for("pr", &["civ-2023-p2"])])
            .by(scoped_officer(&["civ-2024"], &[]))
            .when(decide_as("pr", ProposalStatus::Rejected, "2024-02-01"))
            .then_forbidden();
        given([proposal_for("pr", &["civ-2023-p2"])])
            .by(scoped_officer(&["civ-2023"], &[]))
            .when(decide_as("pr", ProposalStatus::Rejected, "2024-02-01"))
            .then_allowed()
            .then_ok();
    }
}
