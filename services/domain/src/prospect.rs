//! Prospects: organisations a country names as donors to approach for a
//! roadmap, before any proposal. Stream `prospect-<id>`.
//!
//! A prospect names an organisation, or, when the source names none (« les
//! fondations »), a description of whom to approach in `name`.
//!
//! The pipeline (issue #14): a prospect has a stage (IDENTIFIED when
//! recorded unless said otherwise), an owner (the principal who follows it),
//! an expected amount and an expected decision date, all optional.
//! `advanceProspect` moves it with a reason: forward on the way IDENTIFIED →
//! CONTACTED → IN_DISCUSSION → PROPOSAL_SUBMITTED → PLEDGED (skipping is
//! allowed), or to DECLINED or ON_HOLD from any stage before PLEDGED; from
//! DECLINED or ON_HOLD to any other stage. Never backward on the way, never
//! out of PLEDGED (the prospect became a pledge).
//! PROPOSAL_SUBMITTED may name the proposal, PLEDGED must name the pledge, so
//! the pipeline shows what each prospect became.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{Footprint, Footprinted};
use crate::aggregate::StreamState;
use crate::dates;
use crate::enums::{ProspectStage, Theme, dedup_set};
use crate::error::DomainError;
use crate::events::{event_enum, impl_domain_event};
use crate::ids::{OrganisationId, PledgeId, PriorityId, ProposalId, ProspectId, RoadmapId};
use crate::lists;
use crate::money::{Money, Sign, check_money};
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
    /// IDENTIFIED when absent.
    pub stage: Option<ProspectStage>,
    pub owner: Option<String>,
    pub expected_amount: Option<Money>,
    pub expected_decision_on: Option<NaiveDate>,
}

/// `advanceProspect`: a new stage, with why; and what is now expected.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvanceProspect {
    pub prospect_id: String,
    pub stage: ProspectStage,
    pub reason: String,
    /// The day of the move (unknown when absent).
    pub on: Option<NaiveDate>,
    pub owner: Option<String>,
    pub expected_amount: Option<Money>,
    pub expected_decision_on: Option<NaiveDate>,
    pub proposal_id: Option<String>,
    pub pledge_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProspectCommand {
    Record(RecordProspect),
    Advance(AdvanceProspect),
}

impl From<RecordProspect> for ProspectCommand {
    fn from(c: RecordProspect) -> Self {
        ProspectCommand::Record(c)
    }
}

impl From<AdvanceProspect> for ProspectCommand {
    fn from(c: AdvanceProspect) -> Self {
        ProspectCommand::Advance(c)
    }
}

impl ProspectCommand {
    pub fn stream_id(&self) -> Result<String, DomainError> {
        let id = match self {
            ProspectCommand::Record(c) => ProspectId::parse("id", &c.id)?,
            ProspectCommand::Advance(c) => ProspectId::parse("prospectId", &c.prospect_id)?,
        };
        Ok(stream_id(&id))
    }
}

impl Footprinted for ProspectCommand {
    type StreamState = ProspectState;
    fn footprint(&self, state: &ProspectState, _: &dyn References) -> Footprint {
        let (roadmap, organisation) = match self {
            ProspectCommand::Record(c) => (c.roadmap_id.as_str(), c.organisation_id.as_deref()),
            ProspectCommand::Advance(_) => match &state.entity {
                Some(p) => (
                    p.roadmap_id.as_str(),
                    p.organisation_id.as_ref().map(|o| o.as_str()),
                ),
                None => return Footprint::default(),
            },
        };
        let f = Footprint::default().roadmap(roadmap);
        match organisation {
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
    #[serde(default = "identified")]
    pub stage: ProspectStage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_amount: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_decision_on: Option<NaiveDate>,
}
// v2 added `stage` (a v1 prospect is IDENTIFIED), `owner`,
// `expectedAmount` and `expectedDecisionOn`.
impl_domain_event!(ProspectRecorded, 2);

fn identified() -> ProspectStage {
    ProspectStage::Identified
}

/// The prospect moved from `from` to `to`, for `reason`; `owner`,
/// `expectedAmount` and `expectedDecisionOn`, when present, are now these;
/// `proposalId` / `pledgeId`: what it became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProspectAdvanced {
    pub prospect_id: ProspectId,
    pub from: ProspectStage,
    pub to: ProspectStage,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_amount: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_decision_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal_id: Option<ProposalId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pledge_id: Option<PledgeId>,
}
impl_domain_event!(ProspectAdvanced, 1);

event_enum!(ProspectEvent {
    ProspectRecorded,
    ProspectAdvanced
});

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
    pub stage: ProspectStage,
    pub owner: Option<String>,
    pub expected_amount: Option<Money>,
    pub expected_decision_on: Option<NaiveDate>,
    /// What it became.
    pub proposal_id: Option<ProposalId>,
    pub pledge_id: Option<PledgeId>,
    /// Its moves, oldest first.
    pub moves: Vec<StageMove>,
}

/// One move of a prospect's stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageMove {
    pub from: ProspectStage,
    pub to: ProspectStage,
    pub on: Option<NaiveDate>,
    pub reason: String,
}

pub type ProspectState = StreamState<Prospect>;

/// A donor pipeline in figures: the one rule behind the pipeline page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PipelineSummary {
    /// How many prospects at each stage, in [`ProspectStage::ALL`]'s order.
    pub by_stage: Vec<(ProspectStage, usize)>,
    /// What the prospects still on the way (neither PLEDGED nor DECLINED)
    /// hope for, by currency.
    pub expected: std::collections::BTreeMap<crate::money::Currency, rust_decimal::Decimal>,
    /// Prospects still on the way with no amount hoped for: counted apart,
    /// never as zero.
    pub expected_unvalued: usize,
    /// Prospects that became a pledge.
    pub converted: usize,
    pub declined: usize,
}

impl PipelineSummary {
    pub fn of<'a>(prospects: impl IntoIterator<Item = &'a Prospect>) -> Self {
        let mut s = PipelineSummary {
            by_stage: ProspectStage::ALL.iter().map(|st| (*st, 0)).collect(),
            ..Default::default()
        };
        for p in prospects {
            if let Some(entry) = s.by_stage.iter_mut().find(|(st, _)| *st == p.stage) {
                entry.1 += 1;
            }
            match p.stage {
                ProspectStage::Pledged => s.converted += 1,
                ProspectStage::Declined => s.declined += 1,
                _ => match p.expected_amount {
                    Some(m) => *s.expected.entry(m.currency).or_default() += m.amount,
                    None => s.expected_unvalued += 1,
                },
            }
        }
        s
    }

    /// Of the prospects decided (PLEDGED or DECLINED), the share that became
    /// a pledge; `None` while none is decided.
    pub fn conversion_rate(&self) -> Option<rust_decimal::Decimal> {
        let decided = self.converted + self.declined;
        (decided > 0).then(|| {
            rust_decimal::Decimal::from(self.converted as u64)
                / rust_decimal::Decimal::from(decided as u64)
        })
    }
}

pub fn evolve(mut state: ProspectState, event: &ProspectEvent) -> ProspectState {
    state.version += 1;
    match event {
        ProspectEvent::ProspectRecorded(e) => {
            state.entity = Some(Prospect {
                id: e.prospect_id.clone(),
                roadmap_id: e.roadmap_id.clone(),
                organisation_id: e.organisation_id.clone(),
                name: e.name.clone(),
                priority_ids: e.priority_ids.clone(),
                themes: e.themes.clone(),
                note: e.note.clone(),
                source: e.source.clone(),
                stage: e.stage,
                owner: e.owner.clone(),
                expected_amount: e.expected_amount,
                expected_decision_on: e.expected_decision_on,
                proposal_id: None,
                pledge_id: None,
                moves: Vec::new(),
            })
        }
        ProspectEvent::ProspectAdvanced(e) => {
            if let Some(p) = state.entity.as_mut() {
                p.stage = e.to;
                if e.owner.is_some() {
                    p.owner = e.owner.clone();
                }
                if e.expected_amount.is_some() {
                    p.expected_amount = e.expected_amount;
                }
                if e.expected_decision_on.is_some() {
                    p.expected_decision_on = e.expected_decision_on;
                }
                if e.proposal_id.is_some() {
                    p.proposal_id = e.proposal_id.clone();
                }
                if e.pledge_id.is_some() {
                    p.pledge_id = e.pledge_id.clone();
                }
                p.moves.push(StageMove {
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
    state: &ProspectState,
    command: &ProspectCommand,
    refs: &dyn References,
) -> Result<Vec<ProspectEvent>, DomainError> {
    match command {
        ProspectCommand::Record(c) => decide_record(state, c, refs),
        ProspectCommand::Advance(c) => decide_advance(state, c, refs),
    }
}

fn owner(raw: Option<&str>) -> Result<Option<String>, DomainError> {
    text::optional_title("owner", raw)
}

fn expected(amount: Option<Money>) -> Result<Option<Money>, DomainError> {
    amount
        .map(|m| check_money("expectedAmount", m, Sign::Positive))
        .transpose()
}

/// Whether a prospect may move from `from` to `to` (see the module's rule).
pub fn move_allowed(from: ProspectStage, to: ProspectStage) -> bool {
    if from == to || from == ProspectStage::Pledged {
        return false;
    }
    match (from.rank(), to.rank()) {
        (Some(a), Some(b)) => b > a,
        _ => true,
    }
}

fn decide_advance(
    state: &ProspectState,
    c: &AdvanceProspect,
    refs: &dyn References,
) -> Result<Vec<ProspectEvent>, DomainError> {
    let id = ProspectId::parse("prospectId", &c.prospect_id)?;
    let Some(p) = state.entity.as_ref() else {
        return Err(DomainError::not_found(
            ProspectId::ENTITY,
            id.as_str(),
            "prospectId",
        ));
    };
    if !move_allowed(p.stage, c.stage) {
        let why = if p.stage == c.stage {
            format!("prospect {id} is already {}", p.stage)
        } else if p.stage == ProspectStage::Pledged {
            format!("prospect {id} became a pledge: its stage stays PLEDGED")
        } else {
            format!(
                "prospect {id} cannot go back from {} to {}: a stage moves forward, or to DECLINED or ON_HOLD",
                p.stage, c.stage
            )
        };
        return Err(DomainError::invalid_state(why, p.stage.as_str()));
    }
    let reason = text::description("reason", &c.reason)?;
    let on = dates::optional_in_range("on", c.on)?;
    let proposal_id = c
        .proposal_id
        .as_deref()
        .map(|x| ProposalId::parse("proposalId", x))
        .transpose()?;
    if let Some(x) = &proposal_id {
        if !matches!(
            c.stage,
            ProspectStage::ProposalSubmitted | ProspectStage::Pledged
        ) {
            return Err(DomainError::bad_input(
                "proposalId",
                "a proposal is named when the prospect reaches PROPOSAL_SUBMITTED or PLEDGED",
            ));
        }
        if !refs.proposal_exists(x.as_str()) {
            return Err(DomainError::not_found(
                ProposalId::ENTITY,
                x.as_str(),
                "proposalId",
            ));
        }
    }
    let pledge_id = c
        .pledge_id
        .as_deref()
        .map(|x| PledgeId::parse("pledgeId", x))
        .transpose()?;
    match (&pledge_id, c.stage) {
        (None, ProspectStage::Pledged) => {
            return Err(DomainError::bad_input(
                "pledgeId",
                "name the pledge the prospect became",
            ));
        }
        (Some(_), stage) if stage != ProspectStage::Pledged => {
            return Err(DomainError::bad_input(
                "pledgeId",
                "a pledge is named when the prospect reaches PLEDGED",
            ));
        }
        (Some(x), _) if !refs.pledge_exists(x.as_str()) => {
            return Err(DomainError::not_found(
                PledgeId::ENTITY,
                x.as_str(),
                "pledgeId",
            ));
        }
        _ => {}
    }
    Ok(vec![
        ProspectAdvanced {
            prospect_id: id,
            from: p.stage,
            to: c.stage,
            reason,
            on,
            owner: owner(c.owner.as_deref())?,
            expected_amount: expected(c.expected_amount)?,
            expected_decision_on: dates::optional_in_range(
                "expectedDecisionOn",
                c.expected_decision_on,
            )?,
            proposal_id,
            pledge_id,
        }
        .into(),
    ])
}

fn decide_record(
    state: &ProspectState,
    c: &RecordProspect,
    refs: &dyn References,
) -> Result<Vec<ProspectEvent>, DomainError> {
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
            stage: stage_at_record(c.stage)?,
            owner: owner(c.owner.as_deref())?,
            expected_amount: expected(c.expected_amount)?,
            expected_decision_on: dates::optional_in_range(
                "expectedDecisionOn",
                c.expected_decision_on,
            )?,
        }
        .into(),
    ])
}

/// A prospect is recorded at any stage but PLEDGED (which names the pledge
/// it became: advance it there).
fn stage_at_record(stage: Option<ProspectStage>) -> Result<ProspectStage, DomainError> {
    match stage.unwrap_or(ProspectStage::Identified) {
        ProspectStage::Pledged => Err(DomainError::bad_input(
            "stage",
            "record the prospect, then advance it to PLEDGED naming the pledge",
        )),
        stage => Ok(stage),
    }
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
            stage: None,
            owner: None,
            expected_amount: None,
            expected_decision_on: None,
        }
    }

    fn recorded() -> Vec<ProspectEvent> {
        let s = given_nothing::<ProspectState>()
            .when(RecordProspect {
                organisation_id: Some("giz".into()),
                ..record()
            })
            .then_ok();
        assert_eq!(s.entity.as_ref().unwrap().stage, ProspectStage::Identified);
        decide(
            &ProspectState::default(),
            &RecordProspect {
                organisation_id: Some("giz".into()),
                ..record()
            }
            .into(),
            &world(),
        )
        .unwrap()
    }

    fn advance(stage: ProspectStage) -> AdvanceProspect {
        AdvanceProspect {
            prospect_id: "pp-afdb".into(),
            stage,
            reason: "meeting in Abidjan".into(),
            on: Some(date("2024-02-01")),
            owner: Some("Awa".into()),
            expected_amount: None,
            expected_decision_on: None,
            proposal_id: None,
            pledge_id: None,
        }
    }

    #[test]
    fn a_stage_moves_forward_or_off_the_way_never_back() {
        let s = given(recorded())
            .when(advance(ProspectStage::InDiscussion))
            .then_ok();
        let p = s.entity.unwrap();
        assert_eq!(p.stage, ProspectStage::InDiscussion);
        assert_eq!(p.owner.as_deref(), Some("Awa"));
        assert_eq!(p.moves.len(), 1);
        let mut events = recorded();
        events.extend(
            decide(
                &events.iter().fold(ProspectState::default(), evolve),
                &advance(ProspectStage::InDiscussion).into(),
                &world(),
            )
            .unwrap(),
        );
        let e = given(events.clone())
            .when(advance(ProspectStage::Contacted))
            .then_code("INVALID_STATE", "");
        assert!(e.to_string().contains("cannot go back"), "{e}");
        given(events.clone())
            .when(advance(ProspectStage::InDiscussion))
            .then_code("INVALID_STATE", "");
        // Off the way, and back on it.
        let held = given(events).when(advance(ProspectStage::OnHold)).then_ok();
        assert_eq!(held.entity.unwrap().stage, ProspectStage::OnHold);
        assert!(move_allowed(
            ProspectStage::OnHold,
            ProspectStage::Contacted
        ));
        assert!(move_allowed(
            ProspectStage::Declined,
            ProspectStage::Identified
        ));
        assert!(!move_allowed(
            ProspectStage::Pledged,
            ProspectStage::Declined
        ));
    }

    #[test]
    fn the_pipeline_counts_stages_hopes_apart_from_unknowns_and_conversion() {
        let at = |stage: ProspectStage, hope: Option<&str>| Prospect {
            stage,
            expected_amount: hope.map(|a| Money::new(dec(a), crate::money::Currency::XOF)),
            ..recorded()
                .iter()
                .fold(ProspectState::default(), evolve)
                .entity
                .unwrap()
        };
        let all = [
            at(ProspectStage::Identified, None),
            at(ProspectStage::InDiscussion, Some("1000")),
            at(ProspectStage::ProposalSubmitted, Some("500")),
            at(ProspectStage::Pledged, Some("700")),
            at(ProspectStage::Declined, Some("900")),
            at(ProspectStage::Declined, None),
        ];
        let s = PipelineSummary::of(&all);
        assert_eq!(
            s.expected.values().copied().sum::<rust_decimal::Decimal>(),
            dec("1500")
        );
        assert_eq!(
            s.expected_unvalued, 1,
            "the identified one hopes for nothing stated"
        );
        assert_eq!((s.converted, s.declined), (1, 2));
        assert_eq!(s.conversion_rate().unwrap().round_dp(4), dec("0.3333"));
        assert_eq!(PipelineSummary::of(&all[..2]).conversion_rate(), None);
    }

    #[test]
    fn pledged_names_the_pledge_it_became() {
        given(recorded())
            .when(advance(ProspectStage::Pledged))
            .then_err(DomainError::bad_input(
                "pledgeId",
                "name the pledge the prospect became",
            ));
        given(recorded())
            .when(AdvanceProspect {
                pledge_id: Some("pl-nowhere".into()),
                ..advance(ProspectStage::Pledged)
            })
            .then_code("NOT_FOUND", "pledgeId");
        given(recorded())
            .when(AdvanceProspect {
                proposal_id: Some("pr-irc-bc".into()),
                ..advance(ProspectStage::Contacted)
            })
            .then_code("BAD_USER_INPUT", "proposalId");
        let s = given(recorded())
            .when(AdvanceProspect {
                proposal_id: Some("pr-irc-bc".into()),
                expected_amount: Some(Money::new(dec("50000000"), crate::money::Currency::XOF)),
                ..advance(ProspectStage::ProposalSubmitted)
            })
            .then_ok();
        let p = s.entity.unwrap();
        assert_eq!(p.proposal_id.unwrap().as_str(), "pr-irc-bc");
        assert_eq!(p.expected_amount.unwrap().amount, dec("50000000"));
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
