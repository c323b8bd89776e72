//! Roadmaps: a country's plan for a period, in a reporting currency. Stream `roadmap-<id>`.
//! Its priorities are entities of their own (see [`crate::priority`]).

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{Footprint, Footprinted};
use crate::aggregate::StreamState;
use crate::country::parse_country;
use crate::dates;
use crate::error::DomainError;
use crate::events::{event_enum, impl_domain_event};
use crate::ids::RoadmapId;
use crate::money::Currency;
use crate::refs::References;
use crate::source::{self, SourceInput, SourceRef};
use crate::streams::{EntityKind, stream_name};
use crate::text;
use crate::worklist::Ageing;

/// The stream of roadmap `id`: `roadmap-<id>`.
pub fn stream_id(id: &RoadmapId) -> String {
    stream_name(EntityKind::Roadmap, id)
}

/// `createRoadmap`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRoadmap {
    pub id: String,
    pub country: String,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// The reporting currency.
    pub currency: Currency,
    /// Where the record comes from (a document and the sentence it rests on).
    pub source: Option<SourceInput>,
}

/// `setAgeing`: after how many days the roadmap's announcements not yet
/// committed, and its proposals not yet decided, are chased (the worklist's
/// ageing; 90 days each until set).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetAgeing {
    pub roadmap_id: String,
    pub pledge_days: i64,
    pub proposal_days: i64,
    pub reason: Option<String>,
}

/// The longest ageing period accepted (ten years).
pub const MAX_AGEING_DAYS: i64 = 3_650;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RoadmapCommand {
    Create(CreateRoadmap),
    SetAgeing(SetAgeing),
}

impl From<CreateRoadmap> for RoadmapCommand {
    fn from(c: CreateRoadmap) -> Self {
        RoadmapCommand::Create(c)
    }
}

impl From<SetAgeing> for RoadmapCommand {
    fn from(c: SetAgeing) -> Self {
        RoadmapCommand::SetAgeing(c)
    }
}

impl RoadmapCommand {
    pub fn stream_id(&self) -> Result<String, DomainError> {
        match self {
            RoadmapCommand::Create(c) => Ok(stream_id(&RoadmapId::parse("id", &c.id)?)),
            RoadmapCommand::SetAgeing(c) => {
                Ok(stream_id(&RoadmapId::parse("roadmapId", &c.roadmap_id)?))
            }
        }
    }
}

/// What the command concerns, for the scope check ([`crate::access::authorize`]).
impl Footprinted for RoadmapCommand {
    type StreamState = RoadmapState;
    fn footprint(&self, _: &RoadmapState, _: &dyn References) -> Footprint {
        match self {
            RoadmapCommand::Create(c) => Footprint::default().roadmap(&c.id),
            RoadmapCommand::SetAgeing(c) => Footprint::default().roadmap(&c.roadmap_id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoadmapCreated {
    pub roadmap_id: RoadmapId,
    /// ISO 3166-1 alpha-3.
    pub country: String,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub currency: Currency,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
}
impl_domain_event!(RoadmapCreated, 2);

/// The roadmap's ageing periods changed (`setAgeing`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgeingSet {
    pub roadmap_id: RoadmapId,
    /// Days after which an announcement not committed is chased.
    pub pledge_days: i64,
    /// Days after which a submitted proposal not decided is chased.
    pub proposal_days: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
impl_domain_event!(AgeingSet, 1);

event_enum!(RoadmapEvent {
    RoadmapCreated,
    AgeingSet
});

/// Serialisable for read-model snapshots (not part of any contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roadmap {
    pub id: RoadmapId,
    pub country: String,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub currency: Currency,
    pub source: Option<SourceRef>,
    /// The worklist's ageing periods (90 days each until set).
    pub ageing: Ageing,
}

pub type RoadmapState = StreamState<Roadmap>;

pub fn evolve(mut state: RoadmapState, event: &RoadmapEvent) -> RoadmapState {
    state.version += 1;
    match event {
        RoadmapEvent::RoadmapCreated(e) => {
            state.entity = Some(Roadmap {
                id: e.roadmap_id.clone(),
                country: e.country.clone(),
                title: e.title.clone(),
                period_start: e.period_start,
                period_end: e.period_end,
                currency: e.currency,
                source: e.source.clone(),
                ageing: Ageing::default(),
            });
        }
        RoadmapEvent::AgeingSet(e) => {
            if let Some(r) = state.entity.as_mut() {
                r.ageing = Ageing {
                    pledge_days: e.pledge_days,
                    proposal_days: e.proposal_days,
                };
            }
        }
    }
    state
}

fn ageing_days(field: &str, days: i64) -> Result<i64, DomainError> {
    if (1..=MAX_AGEING_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(DomainError::bad_input(
            field,
            format!("{days} is not a number of days from 1 to {MAX_AGEING_DAYS}"),
        ))
    }
}

pub fn decide(
    state: &RoadmapState,
    command: &RoadmapCommand,
    refs: &dyn References,
) -> Result<Vec<RoadmapEvent>, DomainError> {
    match command {
        RoadmapCommand::Create(c) => {
            let id = RoadmapId::parse("id", &c.id)?;
            if state.exists() {
                return Err(DomainError::already_exists(RoadmapId::ENTITY, id.as_str()));
            }
            let country = parse_country("country", &c.country)?;
            let title = text::title("title", &c.title)?;
            let period_start = dates::in_range("periodStart", c.period_start)?;
            let period_end = dates::in_range("periodEnd", c.period_end)?;
            dates::not_before(
                "periodEnd",
                Some(period_end),
                "periodStart",
                Some(period_start),
            )?;
            Ok(vec![
                RoadmapCreated {
                    source: source::check("source", c.source.as_ref(), refs)?,
                    roadmap_id: id,
                    country,
                    title,
                    period_start,
                    period_end,
                    currency: c.currency,
                }
                .into(),
            ])
        }
        RoadmapCommand::SetAgeing(c) => {
            let id = RoadmapId::parse("roadmapId", &c.roadmap_id)?;
            if !state.exists() {
                return Err(DomainError::not_found(
                    RoadmapId::ENTITY,
                    id.as_str(),
                    "roadmapId",
                ));
            }
            Ok(vec![
                AgeingSet {
                    pledge_days: ageing_days("pledgeDays", c.pledge_days)?,
                    proposal_days: ageing_days("proposalDays", c.proposal_days)?,
                    reason: text::optional_description("reason", c.reason.as_deref())?,
                    roadmap_id: id,
                }
                .into(),
            ])
        }
    }
}

crate::aggregate::entity_aggregate!(Roadmap, RoadmapState, RoadmapCommand, RoadmapEvent);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn create(id: &str) -> CreateRoadmap {
        CreateRoadmap {
            id: id.into(),
            country: "CIV".into(),
            title: " Feuille de route nationale — cible 8.7 ".into(),
            period_start: date("2023-05-01"),
            period_end: date("2023-12-31"),
            currency: Currency::XOF,
            source: None,
        }
    }

    #[test]
    fn creating_a_roadmap_records_it() {
        given_nothing::<RoadmapState>()
            .when(create("civ-2023"))
            .then([RoadmapCreated {
                roadmap_id: RoadmapId::new_unchecked("civ-2023"),
                country: "CIV".into(),
                title: "Feuille de route nationale — cible 8.7".into(),
                period_start: date("2023-05-01"),
                period_end: date("2023-12-31"),
                currency: Currency::XOF,
                source: None,
            }
            .into()]);
    }

    #[test]
    fn ageing_periods_are_set_per_roadmap_within_bounds() {
        let set = |p, q| SetAgeing {
            roadmap_id: "civ-2023".into(),
            pledge_days: p,
            proposal_days: q,
            reason: Some(" Comité du 12 mars ".into()),
        };
        given([roadmap_created("civ-2023")])
            .when(set(60, 120))
            .then([AgeingSet {
                roadmap_id: RoadmapId::new_unchecked("civ-2023"),
                pledge_days: 60,
                proposal_days: 120,
                reason: Some("Comité du 12 mars".into()),
            }
            .into()]);
        given([roadmap_created("civ-2023")])
            .when(set(0, 120))
            .then_code("BAD_USER_INPUT", "pledgeDays");
        given([roadmap_created("civ-2023")])
            .when(set(30, MAX_AGEING_DAYS + 1))
            .then_code("BAD_USER_INPUT", "proposalDays");
        given_nothing::<RoadmapState>()
            .when(set(30, 30))
            .then_err(DomainError::not_found("Roadmap", "civ-2023", "roadmapId"));
        let state = [
            roadmap_created("civ-2023"),
            AgeingSet {
                roadmap_id: RoadmapId::new_unchecked("civ-2023"),
                pledge_days: 60,
                proposal_days: 120,
                reason: None,
            }
            .into(),
        ]
        .iter()
        .fold(RoadmapState::default(), evolve);
        assert_eq!(
            state.entity.unwrap().ageing,
            Ageing {
                pledge_days: 60,
                proposal_days: 120
            }
        );
    }

    #[test]
    fn a_one_day_period_is_accepted() {
        given_nothing::<RoadmapState>()
            .when(CreateRoadmap {
                period_end: date("2023-05-01"),
                ..create("r")
            })
            .then_ok();
    }

    #[test]
    fn creating_an_existing_roadmap_is_refused() {
        given([roadmap_created("civ-2023")])
            .when(create("civ-2023"))
            .then_err(DomainError::already_exists("Roadmap", "civ-2023"));
    }

    #[test]
    fn a_period_ending_before_it_starts_is_refused() {
        given_nothing::<RoadmapState>()
            .when(CreateRoadmap {
                period_end: date("2023-04-30"),
                ..create("r")
            })
            .then_err(DomainError::bad_input(
                "periodEnd",
                "2023-04-30 is before periodStart 2023-05-01",
            ));
    }

    #[test]
    fn dates_outside_the_sane_range_are_refused() {
        given_nothing::<RoadmapState>()
            .when(CreateRoadmap {
                period_start: date("1900-01-01"),
                ..create("r")
            })
            .then_code("BAD_USER_INPUT", "periodStart");
        given_nothing::<RoadmapState>()
            .when(CreateRoadmap {
                period_end: date("2200-01-01"),
                ..create("r")
            })
            .then_code("BAD_USER_INPUT", "periodEnd");
    }

    #[test]
    fn bad_country_title_or_id_is_refused() {
        given_nothing::<RoadmapState>()
            .when(CreateRoadmap {
                country: "CI".into(),
                ..create("r")
            })
            .then_code("BAD_USER_INPUT", "country");
        given_nothing::<RoadmapState>()
            .when(CreateRoadmap {
                title: "".into(),
                ..create("r")
            })
            .then_code("BAD_USER_INPUT", "title");
        given_nothing::<RoadmapState>()
            .when(create("Bad Id"))
            .then_code("BAD_USER_INPUT", "id");
    }
}
