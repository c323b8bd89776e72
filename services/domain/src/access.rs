//! Who may do what: principals, their roles and scopes, and the pure
//! authorisation check the service layer runs before every command.
//!
//! A principal is a name with a [`Role`] and an optional [`Scope`]; it exists
//! through its tokens (the token entity is [`crate::token`]).
//!
//! An officer whose token names roadmaps or organisations may record only facts
//! that concern them: every command says what it concerns ([`Footprinted`],
//! implemented beside each command) and [`authorize`] compares that
//! [`Footprint`] with the principal's scope.

use std::collections::BTreeSet;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::enums::Role;
use crate::ids::{OrganisationId, RoadmapId};
use crate::refs::{RecordRef, References};

/// The token entity's names other crates reach through `access` (it used to
/// live here); new code should use [`crate::token`].
pub use crate::token::{
    IssueToken, RevokeToken, TOKEN_PREFIX, Token, TokenCommand, TokenEvent, TokenState, token_hash,
};

/// The roadmaps and organisations an officer's token is limited to; empty
/// lists mean no limit on that dimension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Scope {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roadmaps: Vec<RoadmapId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organisations: Vec<OrganisationId>,
}

impl Scope {
    pub fn is_unlimited(&self) -> bool {
        self.roadmaps.is_empty() && self.organisations.is_empty()
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_unlimited() {
            return f.write_str("unlimited");
        }
        let list = |ids: &mut dyn Iterator<Item = &str>| ids.collect::<Vec<_>>().join(", ");
        let mut parts = Vec::new();
        if !self.roadmaps.is_empty() {
            parts.push(format!(
                "roadmaps {}",
                list(&mut self.roadmaps.iter().map(RoadmapId::as_str))
            ));
        }
        if !self.organisations.is_empty() {
            parts.push(format!(
                "organisations {}",
                list(&mut self.organisations.iter().map(OrganisationId::as_str))
            ));
        }
        f.write_str(&parts.join("; "))
    }
}

/// Who is acting: the name recorded as the actor of every event it causes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub name: String,
    pub role: Role,
    pub scope: Scope,
}

impl Principal {
    pub fn new(name: impl Into<String>, role: Role) -> Self {
        Principal {
            name: name.into(),
            role,
            scope: Scope::default(),
        }
    }

    /// A process with direct access to the store (the command line, the
    /// importer): it could write the store itself, so it may do everything.
    pub fn local(name: impl Into<String>) -> Self {
        Principal::new(name, Role::Admin)
    }

    pub fn may_read_audit(&self) -> bool {
        matches!(self.role, Role::Auditor | Role::Admin)
    }

    pub fn may_manage_tokens(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn may_record(&self) -> bool {
        matches!(self.role, Role::Officer | Role::Admin)
    }
}

/// Why a request is refused before it is looked at.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccessError {
    /// `UNAUTHENTICATED`: no token, or one that is unknown, revoked or expired.
    /// The message never repeats the token.
    #[error("{0}")]
    Unauthenticated(String),
    /// `FORBIDDEN`: the principal is known but its role or scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
}

impl AccessError {
    pub fn code(&self) -> &'static str {
        match self {
            AccessError::Unauthenticated(_) => "UNAUTHENTICATED",
            AccessError::Forbidden(_) => "FORBIDDEN",
        }
    }
}

/// What a command concerns, for scope checks (the rule is in `docs/access.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Footprint {
    /// The roadmaps of the record: its own roadmap (a pledge), else those of
    /// the priorities it names. A record that names none belongs to no
    /// roadmap, only to its organisations, and is out of a roadmap scope's
    /// reach.
    pub roadmaps: BTreeSet<String>,
    pub organisations: BTreeSet<String>,
    /// Reference data shared by every roadmap (exchange rates).
    pub shared: bool,
    /// A fact that by its nature belongs to no roadmap (an organisation's
    /// registration): a roadmap scope does not limit it.
    pub outside_roadmaps: bool,
    /// Other records the command links to (a pledge's partnership and
    /// proposal), named: the principal's scope must reach each of them too.
    pub linked: Vec<(String, Footprint)>,
}

impl Footprint {
    /// A fact that belongs to no roadmap by its nature (see [`Footprint::outside_roadmaps`]).
    pub(crate) fn outside_roadmaps(mut self) -> Self {
        self.outside_roadmaps = true;
        self
    }
    /// What a partnership or proposal concerns: its organisations and the
    /// roadmaps of its priorities.
    pub(crate) fn of_record(record: &RecordRef, refs: &dyn References) -> Self {
        record
            .organisations
            .iter()
            .fold(Footprint::default(), |f, o| f.organisation(o))
            .priorities(record.priority_ids.iter().map(String::as_str), refs)
    }
    /// Adds a linked record (`what`, e.g. "partnership 'pa-1'"); an unknown
    /// one adds nothing (the decision says NOT_FOUND).
    pub(crate) fn link(
        mut self,
        what: String,
        record: Option<RecordRef>,
        refs: &dyn References,
    ) -> Self {
        if let Some(record) = record {
            self.linked
                .push((what, Footprint::of_record(&record, refs)));
        }
        self
    }
    /// Adds a roadmap (trimmed).
    pub(crate) fn roadmap(mut self, id: &str) -> Self {
        self.roadmaps.insert(id.trim().to_owned());
        self
    }
    /// Adds an organisation (trimmed).
    pub(crate) fn organisation(mut self, id: &str) -> Self {
        self.organisations.insert(id.trim().to_owned());
        self
    }
    /// Adds the roadmaps of these priorities (unknown ones add nothing).
    pub(crate) fn priorities<'a>(
        mut self,
        ids: impl IntoIterator<Item = &'a str>,
        refs: &dyn References,
    ) -> Self {
        for id in ids {
            if let Some(p) = refs.priority(id.trim()) {
                self.roadmaps.insert(p.roadmap_id);
            }
        }
        self
    }
}

/// What a command concerns, given the current state of its entity.
pub trait Footprinted {
    type StreamState;
    fn footprint(&self, state: &Self::StreamState, refs: &dyn References) -> Footprint;
}

/// What a principal asks to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action<'a> {
    /// Record or correct a fact concerning this footprint.
    Record(&'a Footprint),
    /// Create or revoke principals' tokens.
    ManageTokens,
}

/// May `principal` do `action`? Pure: the service layer calls it after loading
/// the entity the command concerns, before deciding.
pub fn authorize(principal: &Principal, action: &Action<'_>) -> Result<(), AccessError> {
    let who = &principal.name;
    let role = principal.role;
    match action {
        Action::ManageTokens if principal.may_manage_tokens() => Ok(()),
        Action::ManageTokens => Err(AccessError::Forbidden(format!(
            "{who} ({role}) may not manage tokens: only an ADMIN may"
        ))),
        Action::Record(_) if !principal.may_record() => Err(AccessError::Forbidden(format!(
            "{who} ({role}) may only read: recording facts needs an OFFICER or ADMIN token"
        ))),
        Action::Record(_) if principal.role == Role::Admin || principal.scope.is_unlimited() => {
            Ok(())
        }
        Action::Record(footprint) => within_scope(principal, footprint),
    }
}

fn within_scope(principal: &Principal, footprint: &Footprint) -> Result<(), AccessError> {
    let who = &principal.name;
    let scope = &principal.scope;
    let refuse = |what: String| {
        Err(AccessError::Forbidden(format!(
            "{who} is limited to {scope}; {what}"
        )))
    };
    if footprint.shared {
        return refuse("this command changes reference data shared by every roadmap".into());
    }
    if !scope.roadmaps.is_empty() {
        if let Some(outside) = footprint
            .roadmaps
            .iter()
            .find(|r| !scope.roadmaps.iter().any(|s| s.as_str() == r.as_str()))
        {
            return refuse(format!("this command concerns roadmap '{outside}'"));
        }
        if footprint.roadmaps.is_empty() && !footprint.outside_roadmaps {
            return refuse(
                "this command concerns no roadmap of the scope (a partnership or proposal \
                 that names no priority belongs to no roadmap, only to its organisations)"
                    .into(),
            );
        }
    }
    if !scope.organisations.is_empty()
        && !footprint
            .organisations
            .iter()
            .any(|o| scope.organisations.iter().any(|s| s.as_str() == o.as_str()))
    {
        return refuse(if footprint.organisations.is_empty() {
            "this command concerns no organisation".into()
        } else {
            format!(
                "this command concerns {}",
                footprint
                    .organisations
                    .iter()
                    .map(|o| format!("'{o}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
    }
    for (what, linked) in &footprint.linked {
        within_scope(principal, linked).map_err(|e| match e {
            AccessError::Forbidden(why) => {
                AccessError::Forbidden(format!("the linked {what}: {why}"))
            }
            other => other,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn officer(roadmaps: &[&str], organisations: &[&str]) -> Principal {
        Principal {
            name: "officer-1".into(),
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

    fn footprint(roadmaps: &[&str], organisations: &[&str]) -> Footprint {
        Footprint {
            roadmaps: roadmaps.iter().map(|s| s.to_string()).collect(),
            organisations: organisations.iter().map(|s| s.to_string()).collect(),
            ..Footprint::default()
        }
    }

    #[test]
    fn readers_may_not_record() {
        for role in [Role::Viewer, Role::Auditor] {
            let p = Principal::new("reader", role);
            let err = authorize(&p, &Action::Record(&Footprint::default())).unwrap_err();
            assert_eq!(err.code(), "FORBIDDEN");
            assert!(err.to_string().contains("may only read"), "{err}");
        }
    }

    #[test]
    fn only_admins_manage_tokens() {
        assert!(authorize(&Principal::new("a", Role::Admin), &Action::ManageTokens).is_ok());
        for role in [Role::Viewer, Role::Officer, Role::Auditor] {
            let err = authorize(&Principal::new("x", role), &Action::ManageTokens).unwrap_err();
            assert_eq!(
                err,
                AccessError::Forbidden(format!(
                    "x ({role}) may not manage tokens: only an ADMIN may"
                ))
            );
        }
    }

    #[test]
    fn unscoped_officers_record_anything() {
        let p = officer(&[], &[]);
        let shared = Footprint {
            shared: true,
            ..Footprint::default()
        };
        assert!(authorize(&p, &Action::Record(&shared)).is_ok());
        assert!(authorize(&p, &Action::Record(&footprint(&["civ-2023"], &["giz"]))).is_ok());
    }

    #[test]
    fn roadmap_scope_refuses_other_roadmaps_and_shared_data() {
        let p = officer(&["civ-2023"], &[]);
        assert!(authorize(&p, &Action::Record(&footprint(&["civ-2023"], &["giz"]))).is_ok());
        // registering an organisation concerns no roadmap: allowed
        let registration = footprint(&[], &["new-ngo"]).outside_roadmaps();
        assert!(authorize(&p, &Action::Record(&registration)).is_ok());
        // a record of organisations that names no priority is no roadmap's: refused
        let err = authorize(&p, &Action::Record(&footprint(&[], &["giz"]))).unwrap_err();
        assert!(err.to_string().contains("belongs to no roadmap"), "{err}");
        let err = authorize(&p, &Action::Record(&footprint(&["civ-2019"], &[]))).unwrap_err();
        assert_eq!(err.code(), "FORBIDDEN");
        assert!(err.to_string().contains("roadmap 'civ-2019'"), "{err}");
        let shared = Footprint {
            shared: true,
            ..Footprint::default()
        };
        assert!(authorize(&p, &Action::Record(&shared)).is_err());
    }

    #[test]
    fn organisation_scope_needs_one_of_its_organisations() {
        let p = officer(&[], &["save-the-children"]);
        assert!(
            authorize(
                &p,
                &Action::Record(&footprint(&["civ-2023"], &["cnltp", "save-the-children"]))
            )
            .is_ok()
        );
        let err = authorize(&p, &Action::Record(&footprint(&["civ-2023"], &["giz"]))).unwrap_err();
        assert!(err.to_string().contains("'giz'"), "{err}");
        assert!(authorize(&p, &Action::Record(&footprint(&["civ-2023"], &[]))).is_err());
    }

    #[test]
    fn every_linked_record_must_be_within_scope() {
        let p = officer(&["civ-2023"], &[]);
        let mut f = footprint(&["civ-2023"], &["giz"]);
        f.linked.push((
            "partnership 'pa'".into(),
            footprint(&["civ-2023"], &["giz"]),
        ));
        assert!(authorize(&p, &Action::Record(&f)).is_ok());
        f.linked
            .push(("proposal 'pr'".into(), footprint(&["civ-2024"], &["giz"])));
        let err = authorize(&p, &Action::Record(&f)).unwrap_err();
        assert!(
            err.to_string()
                .contains("the linked proposal 'pr': officer-1 is limited to roadmaps civ-2023"),
            "{err}"
        );
    }

    #[test]
    fn admins_ignore_scope() {
        let mut p = officer(&["civ-2023"], &[]);
        p.role = Role::Admin;
        assert!(authorize(&p, &Action::Record(&footprint(&["other"], &[]))).is_ok());
    }
}
