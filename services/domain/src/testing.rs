//! Given / when / then for decisions, and fixtures from the Côte d'Ivoire 2023 report.
//!
//! ```ignore
//! given([organisation_registered("giz")])
//!     .when(register_organisation("giz"))
//!     .then_err(DomainError::already_exists("Organisation", "giz"));
//! ```
//! `then` also checks that folding the produced events gives a state whose
//! version grew by their number. References default to [`world`].
//!
//! `.by(principal)` runs the scope check the ledger runs before deciding
//! (the command's footprint, [`crate::access::authorize`]):
//! ```ignore
//! given([partnership_recorded("pa", PartnershipStatus::Signed)])
//!     .by(officer_of_roadmaps(&["civ-2024"]))
//!     .when(change_status)
//!     .then_forbidden();
//! ```

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::access::{AccessError, Action, Principal, Scope, authorize};
use crate::aggregate::{Aggregate, EntityEvent};
use crate::enums::{ContributionKind, OrganisationKind, PartnershipStatus, Role};
use crate::error::DomainError;
use crate::events::AnyEvent;
use crate::ids::*;
use crate::money::{Currency, Money};
use crate::organisation::{OrganisationEvent, OrganisationRegistered};
use crate::partnership::{PartnershipEvent, PartnershipRecorded};
use crate::pledge::{Allocation, PledgeMade};
use crate::priority::{FundingRequirementSet, PriorityDefined, PriorityEvent};
use crate::proposal::{ProposalEvent, ProposalSubmitted};
use crate::refs::InMemoryReferences;
use crate::roadmap::{RoadmapCreated, RoadmapEvent};

/// A date from `YYYY-MM-DD` (panics on a typo: test code only).
pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a YYYY-MM-DD date")
}

/// A decimal from text (panics on a typo: test code only).
pub fn dec(s: &str) -> Decimal {
    s.parse().expect("a decimal")
}

pub struct Given<A: Aggregate> {
    history: Vec<A::Event>,
    refs: InMemoryReferences,
    principal: Option<Principal>,
}

/// The stream already holds these events.
pub fn given<E: EntityEvent>(events: impl IntoIterator<Item = E>) -> Given<E::Entity> {
    Given {
        history: events.into_iter().collect(),
        refs: world(),
        principal: None,
    }
}

/// The stream is empty.
pub fn given_nothing<A: Aggregate>() -> Given<A> {
    Given {
        history: Vec::new(),
        refs: world(),
        principal: None,
    }
}

impl<A: Aggregate> Given<A> {
    /// Replaces the default world of references.
    pub fn with_refs(mut self, refs: InMemoryReferences) -> Self {
        self.refs = refs;
        self
    }

    /// The command comes from `principal`: its scope is checked first.
    pub fn by(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    pub fn when(self, command: impl Into<A::Command>) -> When<A> {
        let state = A::fold(&self.history);
        assert_eq!(
            state.version(),
            self.history.len() as u64,
            "version counts the events"
        );
        let command = command.into();
        let refused = self.principal.as_ref().and_then(|principal| {
            let footprint = state.footprint(&command, &self.refs);
            authorize(principal, &Action::Record(&footprint)).err()
        });
        let result = state.decide(&command, &self.refs);
        When {
            state,
            command,
            refused,
            result,
        }
    }
}

pub struct When<A: Aggregate> {
    state: A,
    command: A::Command,
    /// Why the principal given with [`Given::by`] may not send the command.
    refused: Option<AccessError>,
    result: Result<Vec<A::Event>, DomainError>,
}

impl<A: Aggregate> When<A> {
    /// The principal's scope does not reach what the command concerns
    /// (FORBIDDEN, before any decision); returns the refusal.
    pub fn then_forbidden(self) -> AccessError {
        match self.refused {
            Some(e) => {
                assert_eq!(e.code(), "FORBIDDEN", "{e:?}");
                e
            }
            None => panic!("expected FORBIDDEN for {:?}", self.command),
        }
    }

    /// The principal's scope reaches what the command concerns.
    pub fn then_allowed(self) -> Self {
        if let Some(e) = &self.refused {
            panic!("expected the scope to allow {:?}, got {e:?}", self.command);
        }
        self
    }

    /// The decision produced exactly these events; returns the state after them.
    pub fn then(self, expected: impl IntoIterator<Item = A::Event>) -> A {
        let expected: Vec<A::Event> = expected.into_iter().collect();
        let cmd = format!("{:?}", self.command);
        match self.result {
            Ok(events) => {
                assert_eq!(events, expected, "events decided for {cmd}");
                Self::replay(self.state, &events)
            }
            Err(e) => panic!("expected events, got error {e:?} for {cmd}"),
        }
    }

    /// The decision succeeded (any events); returns the state after them.
    pub fn then_ok(self) -> A {
        match self.result {
            Ok(events) => {
                assert!(!events.is_empty(), "an accepted command produces events");
                Self::replay(self.state, &events)
            }
            Err(e) => panic!("expected success, got {e:?} for {:?}", self.command),
        }
    }

    /// The decision was refused with exactly this error.
    pub fn then_err(self, expected: DomainError) {
        match self.result {
            Ok(events) => panic!("expected {expected:?}, got events {events:?}"),
            Err(e) => assert_eq!(e, expected),
        }
    }

    /// The decision was refused with this code, about this field (for NOT_FOUND
    /// and BAD_USER_INPUT; ignored for the others when empty).
    pub fn then_code(self, code: &str, field: &str) -> DomainError {
        match self.result {
            Ok(events) => panic!(
                "expected {code} on {field}, got events {events:?} for {:?}",
                self.command
            ),
            Err(e) => {
                assert_eq!(e.code(), code, "{e:?}");
                match &e {
                    DomainError::BadUserInput { field: f, .. }
                    | DomainError::NotFound { field: f, .. } => {
                        assert_eq!(f, field, "{e:?}")
                    }
                    _ => assert!(field.is_empty(), "{e:?} has no field"),
                }
                e
            }
        }
    }

    fn replay(before: A, events: &[A::Event]) -> A {
        let v = before.version();
        let after = events.iter().fold(before, |s, e| s.evolve(e));
        assert_eq!(after.version(), v + events.len() as u64);
        after
    }
}

// ---- fixtures ----

/// An officer whose token names these roadmaps and organisations.
pub fn scoped_officer(roadmaps: &[&str], organisations: &[&str]) -> Principal {
    Principal {
        name: "scoped officer".into(),
        role: Role::Officer,
        scope: Scope {
            roadmaps: roadmaps
                .iter()
                .map(|r| RoadmapId::new_unchecked(*r))
                .collect(),
            organisations: organisations
                .iter()
                .map(|o| OrganisationId::new_unchecked(*o))
                .collect(),
        },
    }
}

pub fn organisation_registered(id: &str) -> OrganisationEvent {
    OrganisationRegistered {
        organisation_id: OrganisationId::new_unchecked(id),
        name: id.to_uppercase(),
        acronym: None,
        kind: OrganisationKind::Other,
        country: "CIV".into(),
        source: None,
    }
    .into()
}

pub fn roadmap_created(id: &str) -> RoadmapEvent {
    RoadmapCreated {
        roadmap_id: RoadmapId::new_unchecked(id),
        country: "CIV".into(),
        title: format!("Roadmap {id}"),
        period_start: date("2023-05-01"),
        period_end: date("2023-12-31"),
        currency: Currency::XOF,
        source: None,
    }
    .into()
}

pub fn priority_defined(id: &str, roadmap: &str, rank: u32) -> PriorityEvent {
    PriorityDefined {
        priority_id: PriorityId::new_unchecked(id),
        roadmap_id: RoadmapId::new_unchecked(roadmap),
        rank,
        title: format!("Priority {rank}"),
        source: None,
    }
    .into()
}

pub fn funding_requirement_set(id: &str, amount: &str, currency: Currency) -> PriorityEvent {
    FundingRequirementSet {
        priority_id: PriorityId::new_unchecked(id),
        requirement: Money::new(dec(amount), currency),
        reason: None,
    }
    .into()
}

pub fn partnership_recorded(id: &str, status: PartnershipStatus) -> PartnershipEvent {
    PartnershipRecorded {
        partnership_id: PartnershipId::new_unchecked(id),
        party_ids: vec![
            OrganisationId::new_unchecked("cnltp"),
            OrganisationId::new_unchecked("stc-ci"),
        ],
        title: "Accord de partenariat".into(),
        themes: vec![],
        nature: vec![],
        priority_ids: vec![],
        status: Some(status),
        signed_on: None,
        source: None,
    }
    .into()
}

pub fn proposal_submitted(id: &str, submitted_on: Option<&str>) -> ProposalEvent {
    ProposalSubmitted {
        proposal_id: ProposalId::new_unchecked(id),
        applicant_id: OrganisationId::new_unchecked("irc"),
        donor_id: OrganisationId::new_unchecked("barry-callebaut"),
        title: "Financement".into(),
        requested: None,
        themes: vec![],
        priority_ids: vec![],
        submitted_on: submitted_on.map(date),
        source: None,
    }
    .into()
}

/// A SIGNED partnership of cnltp and stc-ci linked to these priorities.
pub fn partnership_for(id: &str, priorities: &[&str]) -> PartnershipEvent {
    PartnershipRecorded {
        partnership_id: PartnershipId::new_unchecked(id),
        party_ids: vec![
            OrganisationId::new_unchecked("cnltp"),
            OrganisationId::new_unchecked("stc-ci"),
        ],
        title: "Accord de partenariat".into(),
        themes: vec![],
        nature: vec![],
        priority_ids: priorities
            .iter()
            .map(|p| PriorityId::new_unchecked(*p))
            .collect(),
        status: Some(PartnershipStatus::Signed),
        signed_on: None,
        source: None,
    }
    .into()
}

/// A proposal of irc to barry-callebaut linked to these priorities.
pub fn proposal_for(id: &str, priorities: &[&str]) -> ProposalEvent {
    ProposalSubmitted {
        proposal_id: ProposalId::new_unchecked(id),
        applicant_id: OrganisationId::new_unchecked("irc"),
        donor_id: OrganisationId::new_unchecked("barry-callebaut"),
        title: "Financement".into(),
        requested: None,
        themes: vec![],
        priority_ids: priorities
            .iter()
            .map(|p| PriorityId::new_unchecked(*p))
            .collect(),
        submitted_on: None,
        source: None,
    }
    .into()
}

/// [`world_events`] plus these, as references.
pub fn world_with(events: impl IntoIterator<Item = AnyEvent>) -> InMemoryReferences {
    let mut all = world_events();
    all.extend(events);
    InMemoryReferences::from_events(&all)
}

/// A pledge of stc-ci to cnltp on civ-2023, PLEDGED on 2023-06-01.
/// `amount`: `None` for unvalued; `allocations`: `(priority, amount)` pairs.
pub fn pledge_made(
    id: &str,
    amount: Option<(&str, Currency)>,
    allocations: &[(&str, &str)],
) -> PledgeMade {
    PledgeMade {
        pledge_id: PledgeId::new_unchecked(id),
        donor_id: Some(OrganisationId::new_unchecked("stc-ci")),
        recipient_id: Some(OrganisationId::new_unchecked("cnltp")),
        roadmap_id: RoadmapId::new_unchecked("civ-2023"),
        kind: ContributionKind::Cash,
        amount: amount.map(|(a, c)| Money::new(dec(a), c)),
        allocations: allocations
            .iter()
            .map(|(p, a)| Allocation {
                priority_id: PriorityId::new_unchecked(*p),
                amount: dec(a),
            })
            .collect(),
        priority_ids: vec![],
        pledged_on: Some(date("2023-06-01")),
        proposal_id: None,
        partnership_id: None,
        themes: vec![],
        description: None,
        items: Vec::new(),
        beneficiaries: Vec::new(),
        status_stated: true,
        source: None,
    }
}

/// Organisations, roadmaps civ-2023 (p1..p4) and civ-2024 (p1..p4), proposal
/// pr-irc-bc and partnership pa-gov-giz, as in civ-2023.yaml.
pub fn world_events() -> Vec<AnyEvent> {
    let mut events: Vec<AnyEvent> = [
        "gov-civ",
        "cnltp",
        "cns",
        "aej",
        "stc-ci",
        "giz",
        "iom",
        "ccc",
        "unicef",
        "ilo",
        "irc",
        "barry-callebaut",
        "saco",
        "expertise-france",
        "idlo",
        "asa-ci",
        "cargill",
        "meps",
        "naptip",
    ]
    .iter()
    .map(|o| organisation_registered(o).into())
    .collect();
    events.push(
        crate::document::DocumentEvent::from(crate::document::DocumentRegistered {
            document_id: crate::ids::DocumentId::new_unchecked("civ-2023-report"),
            title: "Côte d'Ivoire — État d'avancement de la cible 8.7 des ODD".into(),
            issuer: None,
            issued_on: None,
            language: "fr".into(),
            sha256: "0".repeat(64),
        })
        .into(),
    );
    for r in ["civ-2023", "civ-2024"] {
        events.push(roadmap_created(r).into());
        for rank in 1..=4 {
            events.push(priority_defined(&format!("{r}-p{rank}"), r, rank).into());
        }
    }
    events.push(proposal_submitted("pr-irc-bc", None).into());
    events.push(partnership_recorded("pa-gov-giz", PartnershipStatus::Signed).into());
    events
}

/// [`world_events`] as references.
pub fn world() -> InMemoryReferences {
    InMemoryReferences::from_events(&world_events())
}

/// A priority stream with one defined priority (`civ-2023-p1`).
pub fn given_events_priority() -> Vec<PriorityEvent> {
    vec![priority_defined("civ-2023-p1", "civ-2023", 1)]
}
