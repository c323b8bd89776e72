//! Partnerships between two or more organisations. Stream `partnership-<id>`.
//!
//! Status transitions (anything else, including the same status again, is INVALID_STATE):
//!
//! | from        | to                      |
//! |-------------|-------------------------|
//! | NEGOTIATING | SIGNED, TERMINATED      |
//! | SIGNED      | ENDED, TERMINATED       |
//! | ENDED       | — (final)               |
//! | TERMINATED  | — (final)               |
//!
//! A partnership may be recorded in any status (the importer records history).

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{Footprint, Footprinted};
use crate::aggregate::StreamState;
use crate::dates;
use crate::enums::{PartnershipNature, PartnershipStatus, Theme, dedup_set};
use crate::error::DomainError;
use crate::events::{event_enum, impl_domain_event};
use crate::ids::{OrganisationId, PartnershipId, PriorityId};
use crate::lists;
use crate::refs::{RecordRef, References};
use crate::source::{self, SourceInput, SourceRef};
use crate::streams::{EntityKind, stream_name};
use crate::text;

/// The stream of partnership `id`: `partnership-<id>`.
pub fn stream_id(id: &PartnershipId) -> String {
    stream_name(EntityKind::Partnership, id)
}

/// Whether `from -> to` is allowed. From a status not stated (`None`), any
/// status may be stated.
pub fn transition_allowed(from: Option<PartnershipStatus>, to: PartnershipStatus) -> bool {
    use PartnershipStatus::*;
    match from {
        None => true,
        Some(from) => matches!(
            (from, to),
            (Negotiating, Signed)
                | (Negotiating, Terminated)
                | (Signed, Ended)
                | (Signed, Terminated)
        ),
    }
}

/// `recordPartnership`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordPartnership {
    pub id: String,
    pub party_ids: Vec<String>,
    pub title: String,
    pub themes: Vec<Theme>,
    pub nature: Vec<PartnershipNature>,
    pub priority_ids: Vec<String>,
    /// `None`: the source does not state it.
    pub status: Option<PartnershipStatus>,
    pub signed_on: Option<NaiveDate>,
    pub source: Option<SourceInput>,
}

/// `changePartnershipStatus`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePartnershipStatus {
    pub partnership_id: String,
    pub status: PartnershipStatus,
    pub on: Option<NaiveDate>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PartnershipCommand {
    Record(RecordPartnership),
    ChangeStatus(ChangePartnershipStatus),
}

impl From<RecordPartnership> for PartnershipCommand {
    fn from(c: RecordPartnership) -> Self {
        PartnershipCommand::Record(c)
    }
}
impl From<ChangePartnershipStatus> for PartnershipCommand {
    fn from(c: ChangePartnershipStatus) -> Self {
        PartnershipCommand::ChangeStatus(c)
    }
}

impl PartnershipCommand {
    pub fn stream_id(&self) -> Result<String, DomainError> {
        let id = match self {
            PartnershipCommand::Record(c) => PartnershipId::parse("id", &c.id)?,
            PartnershipCommand::ChangeStatus(c) => {
                PartnershipId::parse("partnershipId", &c.partnership_id)?
            }
        };
        Ok(stream_id(&id))
    }
}

/// What the command concerns, for the scope check ([`crate::access::authorize`]):
/// its parties and the roadmaps of its priorities. Without priorities it is
/// no roadmap's (see `docs/access.md`).
impl Footprinted for PartnershipCommand {
    type StreamState = PartnershipState;
    fn footprint(&self, state: &PartnershipState, refs: &dyn References) -> Footprint {
        match self {
            PartnershipCommand::Record(c) => c
                .party_ids
                .iter()
                .fold(Footprint::default(), |f, id| f.organisation(id))
                .priorities(c.priority_ids.iter().map(String::as_str), refs),
            // The partnership's own parties and priorities, as recorded.
            PartnershipCommand::ChangeStatus(_) => match &state.entity {
                Some(p) => Footprint::of_record(&RecordRef::of_partnership(p), refs),
                None => Footprint::default(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnershipRecorded {
    pub partnership_id: PartnershipId,
    pub party_ids: Vec<OrganisationId>,
    pub title: String,
    #[serde(default)]
    pub themes: Vec<Theme>,
    #[serde(default)]
    pub nature: Vec<PartnershipNature>,
    #[serde(default)]
    pub priority_ids: Vec<PriorityId>,
    /// Absent: the status is not stated (v2; v1 always had one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PartnershipStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
}
impl_domain_event!(PartnershipRecorded, 2);

/// The status went `from -> to`; `signedOn` is the signing date after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnershipStatusChanged {
    pub partnership_id: PartnershipId,
    /// Absent: the status was not stated before (v2; v1 always had one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<PartnershipStatus>,
    pub to: PartnershipStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
impl_domain_event!(PartnershipStatusChanged, 2);

event_enum!(PartnershipEvent {
    PartnershipRecorded,
    PartnershipStatusChanged
});

/// Serialisable for read-model snapshots (not part of any contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partnership {
    pub id: PartnershipId,
    pub party_ids: Vec<OrganisationId>,
    pub title: String,
    pub themes: Vec<Theme>,
    pub nature: Vec<PartnershipNature>,
    pub priority_ids: Vec<PriorityId>,
    pub status: Option<PartnershipStatus>,
    pub signed_on: Option<NaiveDate>,
    pub source: Option<SourceRef>,
}

pub type PartnershipState = StreamState<Partnership>;

pub fn evolve(mut state: PartnershipState, event: &PartnershipEvent) -> PartnershipState {
    state.version += 1;
    match event {
        PartnershipEvent::PartnershipRecorded(e) => {
            state.entity = Some(Partnership {
                id: e.partnership_id.clone(),
                party_ids: e.party_ids.clone(),
                title: e.title.clone(),
                themes: e.themes.clone(),
                nature: e.nature.clone(),
                priority_ids: e.priority_ids.clone(),
                status: e.status,
                signed_on: e.signed_on,
                source: e.source.clone(),
            });
        }
        PartnershipEvent::PartnershipStatusChanged(e) => {
            if let Some(p) = state.entity.as_mut() {
                p.status = Some(e.to);
                p.signed_on = e.signed_on;
            }
        }
    }
    state
}

/// Parses a list of ids that must be distinct; `field` is the list's name.
pub(crate) fn distinct_ids<T: PartialEq>(
    field: &str,
    raw: &[String],
    parse: impl Fn(&str, &str) -> Result<T, DomainError>,
) -> Result<Vec<T>, DomainError> {
    let mut out: Vec<T> = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let id = parse(&f, r)?;
        if out.contains(&id) {
            return Err(DomainError::bad_input(
                f,
                format!("{:?} is listed twice", r.trim()),
            ));
        }
        out.push(id);
    }
    Ok(out)
}

/// Checks that every priority exists.
pub(crate) fn existing_priorities(
    field: &str,
    ids: &[PriorityId],
    refs: &dyn References,
) -> Result<(), DomainError> {
    for (i, p) in ids.iter().enumerate() {
        if refs.priority(p.as_str()).is_none() {
            return Err(DomainError::not_found(
                PriorityId::ENTITY,
                p.as_str(),
                format!("{field}[{i}]"),
            ));
        }
    }
    Ok(())
}

pub fn decide(
    state: &PartnershipState,
    command: &PartnershipCommand,
    refs: &dyn References,
) -> Result<Vec<PartnershipEvent>, DomainError> {
    match command {
        PartnershipCommand::Record(c) => {
            let id = PartnershipId::parse("id", &c.id)?;
            if state.exists() {
                return Err(DomainError::already_exists(
                    PartnershipId::ENTITY,
                    id.as_str(),
                ));
            }
            lists::bounded("partyIds", &c.party_ids)?;
            lists::bounded("priorityIds", &c.priority_ids)?;
            lists::bounded("themes", &c.themes)?;
            lists::bounded("nature", &c.nature)?;
            let party_ids = distinct_ids("partyIds", &c.party_ids, OrganisationId::parse)?;
            if party_ids.len() < 2 {
                return Err(DomainError::bad_input(
                    "partyIds",
                    format!(
                        "a partnership needs 2 or more distinct organisations; {} given",
                        party_ids.len()
                    ),
                ));
            }
            let title = text::title("title", &c.title)?;
            let priority_ids = distinct_ids("priorityIds", &c.priority_ids, PriorityId::parse)?;
            let signed_on = dates::optional_in_range("signedOn", c.signed_on)?;
            if signed_on.is_some() && c.status == Some(PartnershipStatus::Negotiating) {
                return Err(DomainError::bad_input(
                    "signedOn",
                    "a partnership that is still NEGOTIATING has no signing date",
                ));
            }
            for (i, p) in party_ids.iter().enumerate() {
                if !refs.organisation_exists(p.as_str()) {
                    return Err(DomainError::not_found(
                        OrganisationId::ENTITY,
                        p.as_str(),
                        format!("partyIds[{i}]"),
                    ));
                }
            }
            existing_priorities("priorityIds", &priority_ids, refs)?;
            let source = source::check("source", c.source.as_ref(), refs)?;
            Ok(vec![
                PartnershipRecorded {
                    partnership_id: id,
                    party_ids,
                    title,
                    themes: dedup_set(&c.themes),
                    nature: dedup_set(&c.nature),
                    priority_ids,
                    status: c.status,
                    signed_on,
                    source,
                }
                .into(),
            ])
        }
        PartnershipCommand::ChangeStatus(c) => {
            let id = PartnershipId::parse("partnershipId", &c.partnership_id)?;
            let Some(p) = state.entity.as_ref() else {
                return Err(DomainError::not_found(
                    PartnershipId::ENTITY,
                    id.as_str(),
                    "partnershipId",
                ));
            };
            let on = dates::optional_in_range("on", c.on)?;
            let reason = text::optional_description("reason", c.reason.as_deref())?;
            if !transition_allowed(p.status, c.status) {
                let from = p.status.map_or("NOT_STATED", PartnershipStatus::as_str);
                let message = if p.status == Some(c.status) {
                    format!("partnership {id} is already {}", c.status)
                } else {
                    format!("partnership {id} cannot go from {from} to {}", c.status)
                };
                return Err(DomainError::invalid_state(message, from));
            }
            let signed_on = if c.status == PartnershipStatus::Signed {
                on.or(p.signed_on)
            } else {
                dates::not_before("on", on, "signedOn", p.signed_on)?;
                p.signed_on
            };
            Ok(vec![
                PartnershipStatusChanged {
                    partnership_id: id,
                    from: p.status,
                    to: c.status,
                    on,
                    signed_on,
                    reason,
                }
                .into(),
            ])
        }
    }
}

crate::aggregate::entity_aggregate!(
    Partnership,
    PartnershipState,
    PartnershipCommand,
    PartnershipEvent
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use PartnershipStatus::*;

    fn record(id: &str, parties: &[&str], status: PartnershipStatus) -> RecordPartnership {
        RecordPartnership {
            id: id.into(),
            party_ids: parties.iter().map(|s| s.to_string()).collect(),
            title: "Accord de partenariat CNLTP – Save the Children".into(),
            themes: vec![Theme::Trafficking, Theme::Trafficking],
            nature: vec![
                PartnershipNature::Technical,
                PartnershipNature::Financial,
                PartnershipNature::Technical,
            ],
            priority_ids: vec!["civ-2023-p4".into()],
            status: Some(status),
            signed_on: None,
            source: None,
        }
    }

    fn change(id: &str, status: PartnershipStatus, on: Option<&str>) -> ChangePartnershipStatus {
        ChangePartnershipStatus {
            partnership_id: id.into(),
            status,
            on: on.map(date),
            reason: None,
        }
    }

    #[test]
    fn recording_a_partnership_keeps_nature_and_themes_as_sets() {
        let state = given_nothing::<PartnershipState>()
            .when(record("pa-cnltp-stc", &["cnltp", "stc-ci"], Signed))
            .then([PartnershipRecorded {
                partnership_id: PartnershipId::new_unchecked("pa-cnltp-stc"),
                party_ids: vec![
                    OrganisationId::new_unchecked("cnltp"),
                    OrganisationId::new_unchecked("stc-ci"),
                ],
                title: "Accord de partenariat CNLTP – Save the Children".into(),
                themes: vec![Theme::Trafficking],
                nature: vec![PartnershipNature::Technical, PartnershipNature::Financial],
                priority_ids: vec![PriorityId::new_unchecked("civ-2023-p4")],
                status: Some(Signed),
                signed_on: None,
                source: None,
            }
            .into()]);
        assert_eq!(state.entity.unwrap().status, Some(Signed));
    }

    #[test]
    fn three_parties_and_a_signing_date_are_accepted() {
        let state = given_nothing::<PartnershipState>()
            .when(RecordPartnership {
                signed_on: Some(date("2023-06-02")),
                ..record("pa", &["gov-civ", "ccc", "giz"], Signed)
            })
            .then_ok();
        assert_eq!(state.entity.unwrap().signed_on, Some(date("2023-06-02")));
    }

    #[test]
    fn recording_an_existing_partnership_is_refused() {
        given([partnership_recorded("pa", Negotiating)])
            .when(record("pa", &["cnltp", "stc-ci"], Signed))
            .then_err(DomainError::already_exists("Partnership", "pa"));
    }

    #[test]
    fn fewer_than_two_parties_are_refused() {
        given_nothing::<PartnershipState>()
            .when(record("pa", &["cnltp"], Signed))
            .then_err(DomainError::bad_input(
                "partyIds",
                "a partnership needs 2 or more distinct organisations; 1 given",
            ));
    }

    #[test]
    fn a_party_listed_twice_is_refused() {
        given_nothing::<PartnershipState>()
            .when(record("pa", &["cnltp", " cnltp"], Signed))
            .then_err(DomainError::bad_input(
                "partyIds[1]",
                "\"cnltp\" is listed twice",
            ));
    }

    #[test]
    fn an_unknown_party_is_not_found() {
        given_nothing::<PartnershipState>()
            .when(record("pa", &["cnltp", "nobody"], Signed))
            .then_err(DomainError::not_found(
                "Organisation",
                "nobody",
                "partyIds[1]",
            ));
    }

    #[test]
    fn an_unknown_priority_is_not_found() {
        given_nothing::<PartnershipState>()
            .when(RecordPartnership {
                priority_ids: vec!["civ-2023-p9".into()],
                ..record("pa", &["cnltp", "stc-ci"], Signed)
            })
            .then_err(DomainError::not_found(
                "Priority",
                "civ-2023-p9",
                "priorityIds[0]",
            ));
    }

    #[test]
    fn the_maximum_number_of_parties_is_accepted() {
        let mut refs = world();
        let parties: Vec<String> = (0..crate::lists::MAX_LIST_ITEMS)
            .map(|i| format!("org-{i}"))
            .collect();
        for p in &parties {
            refs.apply(&organisation_registered(p).into());
        }
        let parties: Vec<&str> = parties.iter().map(String::as_str).collect();
        let state = given_nothing::<PartnershipState>()
            .with_refs(refs)
            .when(record("pa", &parties, Signed))
            .then_ok();
        assert_eq!(
            state.entity.unwrap().party_ids.len(),
            crate::lists::MAX_LIST_ITEMS
        );
    }

    #[test]
    fn overlong_lists_are_refused_naming_the_list() {
        let too_many: Vec<String> = (0..=crate::lists::MAX_LIST_ITEMS)
            .map(|i| format!("org-{i}"))
            .collect();
        let parties: Vec<&str> = too_many.iter().map(String::as_str).collect();
        given_nothing::<PartnershipState>()
            .when(record("pa", &parties, Signed))
            .then_err(DomainError::bad_input(
                "partyIds",
                "has 101 items; at most 100 are allowed",
            ));
        given_nothing::<PartnershipState>()
            .when(RecordPartnership {
                priority_ids: too_many.clone(),
                ..record("pa", &["cnltp", "stc-ci"], Signed)
            })
            .then_code("BAD_USER_INPUT", "priorityIds");
        given_nothing::<PartnershipState>()
            .when(RecordPartnership {
                themes: vec![Theme::ForcedLabour; crate::lists::MAX_LIST_ITEMS + 1],
                ..record("pa", &["cnltp", "stc-ci"], Signed)
            })
            .then_code("BAD_USER_INPUT", "themes");
        given_nothing::<PartnershipState>()
            .when(RecordPartnership {
                nature: vec![PartnershipNature::InKind; crate::lists::MAX_LIST_ITEMS + 1],
                ..record("pa", &["cnltp", "stc-ci"], Signed)
            })
            .then_code("BAD_USER_INPUT", "nature");
    }

    #[test]
    fn a_signing_date_while_negotiating_is_refused() {
        given_nothing::<PartnershipState>()
            .when(RecordPartnership {
                signed_on: Some(date("2023-06-02")),
                ..record("pa", &["cnltp", "stc-ci"], Negotiating)
            })
            .then_code("BAD_USER_INPUT", "signedOn");
    }

    #[test]
    fn an_empty_title_is_refused() {
        given_nothing::<PartnershipState>()
            .when(RecordPartnership {
                title: " ".into(),
                ..record("pa", &["cnltp", "stc-ci"], Signed)
            })
            .then_code("BAD_USER_INPUT", "title");
    }

    #[test]
    fn signing_a_negotiated_partnership_records_the_signing_date() {
        let state = given([partnership_recorded("pa", Negotiating)])
            .when(ChangePartnershipStatus {
                reason: Some(" signed in Abidjan ".into()),
                ..change("pa", Signed, Some("2023-07-01"))
            })
            .then([PartnershipStatusChanged {
                partnership_id: PartnershipId::new_unchecked("pa"),
                from: Some(Negotiating),
                to: Signed,
                on: Some(date("2023-07-01")),
                signed_on: Some(date("2023-07-01")),
                reason: Some("signed in Abidjan".into()),
            }
            .into()]);
        let p = state.entity.unwrap();
        assert_eq!(
            (p.status, p.signed_on),
            (Some(Signed), Some(date("2023-07-01")))
        );
    }

    #[test]
    fn every_allowed_transition_is_accepted() {
        for (from, to) in [
            (Negotiating, Signed),
            (Negotiating, Terminated),
            (Signed, Ended),
            (Signed, Terminated),
        ] {
            let state = given([partnership_recorded("pa", from)])
                .when(change("pa", to, None))
                .then_ok();
            assert_eq!(state.entity.unwrap().status, Some(to));
        }
    }

    #[test]
    fn every_other_transition_is_invalid_state() {
        for from in PartnershipStatus::ALL.iter().copied() {
            for to in PartnershipStatus::ALL.iter().copied() {
                if transition_allowed(Some(from), to) {
                    continue;
                }
                given([partnership_recorded("pa", from)])
                    .when(change("pa", to, None))
                    .then_code("INVALID_STATE", "");
            }
        }
    }

    #[test]
    fn the_same_status_again_says_so() {
        given([partnership_recorded("pa", Signed)])
            .when(change("pa", Signed, None))
            .then_err(DomainError::invalid_state(
                "partnership pa is already SIGNED",
                "SIGNED",
            ));
    }

    #[test]
    fn ending_before_the_signing_date_is_refused() {
        given([
            partnership_recorded("pa", Negotiating),
            PartnershipStatusChanged {
                partnership_id: PartnershipId::new_unchecked("pa"),
                from: Some(Negotiating),
                to: Signed,
                on: Some(date("2023-07-01")),
                signed_on: Some(date("2023-07-01")),
                reason: None,
            }
            .into(),
        ])
        .when(change("pa", Ended, Some("2023-06-30")))
        .then_err(DomainError::bad_input(
            "on",
            "2023-06-30 is before signedOn 2023-07-01",
        ));
    }

    #[test]
    fn changing_an_unknown_partnership_is_not_found() {
        given_nothing::<PartnershipState>()
            .when(change("pa", Signed, None))
            .then_err(DomainError::not_found("Partnership", "pa", "partnershipId"));
    }

    // ---- scope (#17, finding 6): see docs/access.md ----

    #[test]
    fn a_partnership_without_priorities_is_out_of_a_roadmap_scope() {
        // It belongs to no roadmap: only to its parties.
        given([partnership_recorded("pa", Signed)])
            .by(scoped_officer(&["civ-2024"], &[]))
            .when(change("pa", Ended, Some("2024-01-31")))
            .then_forbidden();
        given_nothing::<PartnershipState>()
            .by(scoped_officer(&["civ-2023"], &[]))
            .when(RecordPartnership {
                priority_ids: vec![],
                ..record("pa", &["cnltp", "stc-ci"], Signed)
            })
            .then_forbidden();
        // Its parties' officers, and unscoped ones, may change it.
        given([partnership_recorded("pa", Signed)])
            .by(scoped_officer(&[], &["stc-ci"]))
            .when(change("pa", Ended, Some("2024-01-31")))
            .then_allowed()
            .then_ok();
        given([partnership_recorded("pa", Signed)])
            .by(scoped_officer(&[], &[]))
            .when(change("pa", Ended, Some("2024-01-31")))
            .then_allowed()
            .then_ok();
    }

    #[test]
    fn a_partnership_belongs_to_the_roadmaps_of_its_priorities() {
        given([partnership_for("pa", &["civ-2023-p1"])])
            .by(scoped_officer(&["civ-2024"], &[]))
            .when(change("pa", Ended, Some("2024-01-31")))
            .then_forbidden();
        given([partnership_for("pa", &["civ-2023-p1"])])
            .by(scoped_officer(&["civ-2023"], &[]))
            .when(change("pa", Ended, Some("2024-01-31")))
            .then_allowed()
            .then_ok();
    }
}
