//! Priorities of a roadmap, each its own stream `priority-<id>`, with its funding requirement.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{Footprint, Footprinted};
use crate::aggregate::StreamState;
use crate::error::DomainError;
use crate::events::{event_enum, impl_domain_event};
use crate::ids::{PriorityId, RoadmapId};
use crate::money::{Money, Sign, check_money};
use crate::refs::References;
use crate::source::{self, SourceInput, SourceRef};
use crate::streams::{EntityKind, stream_name};
use crate::text;

/// Highest accepted rank.
pub const MAX_RANK: i64 = 1000;

/// The stream of priority `id`: `priority-<id>`.
pub fn stream_id(id: &PriorityId) -> String {
    stream_name(EntityKind::Priority, id)
}

/// `definePriority`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DefinePriority {
    pub id: String,
    pub roadmap_id: String,
    pub rank: i64,
    pub title: String,
    /// Where the record comes from (a document and the sentence it rests on).
    pub source: Option<SourceInput>,
}

/// `setFundingRequirement`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetFundingRequirement {
    pub priority_id: String,
    pub amount: Money,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PriorityCommand {
    Define(DefinePriority),
    SetFundingRequirement(SetFundingRequirement),
}

impl From<DefinePriority> for PriorityCommand {
    fn from(c: DefinePriority) -> Self {
        PriorityCommand::Define(c)
    }
}
impl From<SetFundingRequirement> for PriorityCommand {
    fn from(c: SetFundingRequirement) -> Self {
        PriorityCommand::SetFundingRequirement(c)
    }
}

impl PriorityCommand {
    pub fn stream_id(&self) -> Result<String, DomainError> {
        let id = match self {
            PriorityCommand::Define(c) => PriorityId::parse("id", &c.id)?,
            PriorityCommand::SetFundingRequirement(c) => {
                PriorityId::parse("priorityId", &c.priority_id)?
            }
        };
        Ok(stream_id(&id))
    }
}

/// What the command concerns, for the scope check ([`crate::access::authorize`]).
impl Footprinted for PriorityCommand {
    type StreamState = PriorityState;
    fn footprint(&self, state: &PriorityState, _: &dyn References) -> Footprint {
        match self {
            PriorityCommand::Define(c) => Footprint::default().roadmap(&c.roadmap_id),
            PriorityCommand::SetFundingRequirement(_) => match &state.entity {
                Some(p) => Footprint::default().roadmap(p.roadmap_id.as_str()),
                None => Footprint::default(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PriorityDefined {
    pub priority_id: PriorityId,
    pub roadmap_id: RoadmapId,
    pub rank: u32,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
}
impl_domain_event!(PriorityDefined, 2);

/// The priority's requirement is now `requirement` (the latest one is in force).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FundingRequirementSet {
    pub priority_id: PriorityId,
    pub requirement: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
impl_domain_event!(FundingRequirementSet, 1);

event_enum!(PriorityEvent {
    PriorityDefined,
    FundingRequirementSet
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priority {
    pub id: PriorityId,
    pub roadmap_id: RoadmapId,
    pub rank: u32,
    pub title: String,
    pub requirement: Option<Money>,
    pub source: Option<SourceRef>,
}

pub type PriorityState = StreamState<Priority>;

pub fn evolve(mut state: PriorityState, event: &PriorityEvent) -> PriorityState {
    state.version += 1;
    match event {
        PriorityEvent::PriorityDefined(e) => {
            state.entity = Some(Priority {
                id: e.priority_id.clone(),
                roadmap_id: e.roadmap_id.clone(),
                rank: e.rank,
                title: e.title.clone(),
                requirement: None,
                source: e.source.clone(),
            });
        }
        PriorityEvent::FundingRequirementSet(e) => {
            if let Some(p) = state.entity.as_mut() {
                p.requirement = Some(e.requirement);
            }
        }
    }
    state
}

pub fn decide(
    state: &PriorityState,
    command: &PriorityCommand,
    refs: &dyn References,
) -> Result<Vec<PriorityEvent>, DomainError> {
    match command {
        PriorityCommand::Define(c) => {
            let id = PriorityId::parse("id", &c.id)?;
            if state.exists() {
                return Err(DomainError::already_exists(PriorityId::ENTITY, id.as_str()));
            }
            let roadmap_id = RoadmapId::parse("roadmapId", &c.roadmap_id)?;
            let title = text::title("title", &c.title)?;
            if !(1..=MAX_RANK).contains(&c.rank) {
                return Err(DomainError::bad_input(
                    "rank",
                    format!("{} is not a rank: use 1 to {MAX_RANK}", c.rank),
                ));
            }
            let rank = c.rank as u32;
            let roadmap = refs.roadmap(roadmap_id.as_str()).ok_or_else(|| {
                DomainError::not_found(RoadmapId::ENTITY, roadmap_id.as_str(), "roadmapId")
            })?;
            if let Some((other, _)) = roadmap.priorities.iter().find(|(_, r)| *r == rank) {
                return Err(DomainError::bad_input(
                    "rank",
                    format!("roadmap {roadmap_id} already has priority {other} at rank {rank}"),
                ));
            }
            Ok(vec![
                PriorityDefined {
                    source: source::check("source", c.source.as_ref(), refs)?,
                    priority_id: id,
                    roadmap_id,
                    rank,
                    title,
                }
                .into(),
            ])
        }
        PriorityCommand::SetFundingRequirement(c) => {
            let id = PriorityId::parse("priorityId", &c.priority_id)?;
            if !state.exists() {
                return Err(DomainError::not_found(
                    PriorityId::ENTITY,
                    id.as_str(),
                    "priorityId",
                ));
            }
            let requirement = check_money("amount", c.amount, Sign::NonNegative)?;
            let reason = text::optional_description("reason", c.reason.as_deref())?;
            Ok(vec![
                FundingRequirementSet {
                    priority_id: id,
                    requirement,
                    reason,
                }
                .into(),
            ])
        }
    }
}

crate::aggregate::entity_aggregate!(Priority, PriorityState, PriorityCommand, PriorityEvent);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::testing::*;

    fn define(id: &str, roadmap: &str, rank: i64) -> DefinePriority {
        DefinePriority {
            id: id.into(),
            roadmap_id: roadmap.into(),
            rank,
            title: " Politiques et lois ".into(),
            source: None,
        }
    }

    fn set_requirement(id: &str, amount: &str, currency: Currency) -> SetFundingRequirement {
        SetFundingRequirement {
            priority_id: id.into(),
            amount: Money::new(dec(amount), currency),
            reason: None,
        }
    }

    #[test]
    fn defining_a_priority_records_its_roadmap_and_rank() {
        given_nothing::<PriorityState>()
            .when(define("civ-2023-p9", "civ-2023", 9))
            .then([PriorityDefined {
                priority_id: PriorityId::new_unchecked("civ-2023-p9"),
                roadmap_id: RoadmapId::new_unchecked("civ-2023"),
                rank: 9,
                title: "Politiques et lois".into(),
                source: None,
            }
            .into()]);
    }

    #[test]
    fn defining_an_existing_priority_is_refused() {
        given([priority_defined("civ-2023-p1", "civ-2023", 1)])
            .when(define("civ-2023-p1", "civ-2023", 9))
            .then_err(DomainError::already_exists("Priority", "civ-2023-p1"));
    }

    #[test]
    fn a_priority_of_an_unknown_roadmap_is_refused() {
        given_nothing::<PriorityState>()
            .when(define("x-p1", "nowhere", 1))
            .then_err(DomainError::not_found("Roadmap", "nowhere", "roadmapId"));
    }

    #[test]
    fn a_rank_already_taken_in_the_roadmap_is_refused() {
        given_nothing::<PriorityState>()
            .when(define("civ-2023-p1b", "civ-2023", 1))
            .then_err(DomainError::bad_input(
                "rank",
                "roadmap civ-2023 already has priority civ-2023-p1 at rank 1",
            ));
    }

    #[test]
    fn a_rank_out_of_range_is_refused() {
        for rank in [0, -1, 1001, i64::MAX] {
            given_nothing::<PriorityState>()
                .when(define("p", "civ-2023", rank))
                .then_code("BAD_USER_INPUT", "rank");
        }
    }

    #[test]
    fn an_empty_title_is_refused() {
        given_nothing::<PriorityState>()
            .when(DefinePriority {
                title: "\n".into(),
                ..define("p", "civ-2023", 9)
            })
            .then_code("BAD_USER_INPUT", "title");
    }

    #[test]
    fn setting_a_requirement_records_it_in_canonical_form() {
        let state = given([priority_defined("civ-2023-p1", "civ-2023", 1)])
            .when(SetFundingRequirement {
                reason: Some(" budget 2023 ".into()),
                ..set_requirement("civ-2023-p1", "50000000.00", Currency::XOF)
            })
            .then([FundingRequirementSet {
                priority_id: PriorityId::new_unchecked("civ-2023-p1"),
                requirement: Money::new(dec("50000000"), Currency::XOF),
                reason: Some("budget 2023".into()),
            }
            .into()]);
        assert_eq!(
            state.entity.unwrap().requirement,
            Some(Money::new(dec("50000000"), Currency::XOF))
        );
    }

    #[test]
    fn a_later_requirement_replaces_the_earlier_one() {
        let state = given([
            priority_defined("civ-2023-p1", "civ-2023", 1),
            funding_requirement_set("civ-2023-p1", "100", Currency::XOF),
        ])
        .when(set_requirement("civ-2023-p1", "250.50", Currency::EUR))
        .then_ok();
        assert_eq!(state.version, 3);
        assert_eq!(
            state.entity.unwrap().requirement,
            Some(Money::new(dec("250.50"), Currency::EUR))
        );
    }

    #[test]
    fn a_zero_requirement_is_accepted() {
        given([priority_defined("civ-2023-p1", "civ-2023", 1)])
            .when(set_requirement("civ-2023-p1", "0", Currency::XOF))
            .then_ok();
    }

    #[test]
    fn a_requirement_for_an_unknown_priority_is_refused() {
        given_nothing::<PriorityState>()
            .when(set_requirement("civ-2023-p7", "100", Currency::XOF))
            .then_err(DomainError::not_found(
                "Priority",
                "civ-2023-p7",
                "priorityId",
            ));
    }

    #[test]
    fn a_negative_or_over_precise_requirement_is_refused() {
        given([priority_defined("civ-2023-p1", "civ-2023", 1)])
            .when(set_requirement("civ-2023-p1", "-1", Currency::XOF))
            .then_err(DomainError::bad_input(
                "amount",
                "-1 XOF: the amount must be zero or more",
            ));
        given([priority_defined("civ-2023-p1", "civ-2023", 1)])
            .when(set_requirement("civ-2023-p1", "1250.50", Currency::XOF))
            .then_err(DomainError::bad_input(
                "amount",
                "1250.50 XOF: XOF allows 0 decimal places",
            ));
    }

    #[test]
    fn an_overlong_reason_is_refused() {
        given([priority_defined("civ-2023-p1", "civ-2023", 1)])
            .when(SetFundingRequirement {
                reason: Some("r".repeat(10_001)),
                ..set_requirement("civ-2023-p1", "1", Currency::XOF)
            })
            .then_code("BAD_USER_INPUT", "reason");
    }
}
