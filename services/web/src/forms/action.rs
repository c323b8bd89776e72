//! The forms of actions (issue #14; the rules are `fundtrail_domain::action`'s):
//! record a follow-up of a roadmap (`/roadmaps/{id}/actions/new`, `?about=KIND:id`
//! to name what it follows up) and change its status
//! (`/actions/{id}/status`).

use fundtrail_domain::action::{AboutInput, Action, ChangeActionStatus, RecordAction};
use fundtrail_domain::enums::{ActionStatus, ActionSubject};
use fundtrail_ledger::Command;
use fundtrail_projections::ReadModel;
use maud::{Markup, html};

use super::create::{date_field, today};
use super::{Built, FieldError, Fields, Form, FormSpec, new_id};
use crate::enc;
use crate::i18n::Lang;

/// Where an action is shown: its roadmap's page.
fn then(roadmap: &str, action: &str) -> String {
    format!("/roadmaps/{}#action-{}", enc(roadmap), enc(action))
}

fn subject_label(l: Lang, kind: ActionSubject) -> &'static str {
    match kind {
        ActionSubject::NextStep => l.t("Next step", "Prochaine étape"),
        ActionSubject::Prospect => l.t("Donor to approach", "Bailleur à approcher"),
        ActionSubject::Proposal => l.t("Proposal", "Proposition"),
        ActionSubject::Partnership => l.t("Partnership", "Partenariat"),
        ActionSubject::Pledge => l.t("Pledge", "Annonce"),
    }
}

/// The records of `roadmap` an action may follow up, as `KIND:id` choices.
fn subjects(l: Lang, model: &ReadModel, roadmap: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |kind: ActionSubject, id: &str, text: String| {
        out.push((
            format!("{}:{id}", kind.as_str()),
            format!("{} — {text}", subject_label(l, kind)),
        ));
    };
    for s in model.next_steps(roadmap) {
        push(
            ActionSubject::NextStep,
            s.id.as_str(),
            format!("#{} {}", s.rank, s.title),
        );
    }
    for p in model.prospects(Some(roadmap), None) {
        let whom = match (&p.organisation_id, &p.name) {
            (Some(o), _) => crate::views::org_name(model, o.as_str()),
            (None, Some(n)) => n.clone(),
            (None, None) => p.id.to_string(),
        };
        push(ActionSubject::Prospect, p.id.as_str(), whom);
    }
    for p in model.proposals(None, None, None) {
        push(ActionSubject::Proposal, p.id.as_str(), p.title.clone());
    }
    for p in model.partnerships(None, None) {
        push(ActionSubject::Partnership, p.id.as_str(), p.title.clone());
    }
    for p in model.pledges(Some(roadmap), None, None) {
        let donor = p.donor_id.as_ref().map_or_else(
            || l.not_stated().to_owned(),
            |d| crate::views::org_name(model, d.as_str()),
        );
        push(
            ActionSubject::Pledge,
            p.id.as_str(),
            format!("{donor} — {}", crate::views::money_opt(l, p.amount)),
        );
    }
    out
}

fn parse_about(raw: &str) -> Option<AboutInput> {
    let (kind, id) = raw.split_once(':')?;
    let kind = ActionSubject::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == kind)?;
    Some(AboutInput {
        kind,
        id: id.to_owned(),
    })
}

pub struct RecordForm;
pub const RECORD: RecordForm = RecordForm;

impl FormSpec for RecordForm {
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String> {
        let r = model.roadmap(id?)?;
        Some(format!(
            "{} — {}",
            l.t("Record an action", "Enregistrer une action"),
            r.title
        ))
    }
    fn defaults(&self, _: &ReadModel, _: Option<&str>, query: &[(String, String)]) -> Fields {
        let mut f = Fields::default();
        if let Some((_, about)) = query.iter().find(|(k, _)| k == "about") {
            f.set("about", about.clone());
        }
        f
    }
    fn body(&self, f: &Form<'_>, model: &ReadModel, id: Option<&str>) -> Markup {
        let l = f.lang;
        let statuses: Vec<(String, String)> = ActionStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), l.action_status(*s).to_owned()))
            .collect();
        html! {
            (f.textarea("title", l.t("What is to be done", "Ce qui est à faire"), true, None))
            (f.input("owner", l.t("Done by", "Par"), "text", false, None))
            (f.input("dueOn", l.t("Due on", "Échéance"), "date", false, None))
            (f.select("status", l.t("Status", "Statut"), &statuses, false, Some("—")))
            (f.select("about", l.t("Follows up", "Suite donnée à"), &subjects(l, model, id.unwrap_or("")), false, Some("—")))
            (f.textarea("note", l.t("Note", "Note"), false, None))
        }
    }
    fn build(
        &self,
        l: Lang,
        _: &ReadModel,
        roadmap: Option<&str>,
        fields: &Fields,
        command_id: &str,
    ) -> Result<Built, Vec<FieldError>> {
        let roadmap = roadmap.unwrap_or("").to_owned();
        let mut errors = Vec::new();
        let due_on = date_field(l, fields, "dueOn", false, &mut errors);
        let status = fields
            .get("status")
            .and_then(|v| ActionStatus::ALL.iter().copied().find(|s| s.as_str() == v));
        let about = match fields.get("about") {
            None => None,
            Some(raw) => match parse_about(raw) {
                Some(a) => Some(a),
                None => {
                    errors.push(FieldError::new(
                        "about",
                        l.t(
                            "Choose a record from the list.",
                            "Choisissez une fiche de la liste.",
                        ),
                    ));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let id = new_id(command_id, "action");
        Ok(Built {
            then: then(&roadmap, &id),
            command: Command::Action(
                RecordAction {
                    id,
                    roadmap_id: roadmap,
                    title: fields.get("title").unwrap_or("").to_owned(),
                    owner: fields.get("owner").map(str::to_owned),
                    due_on,
                    status,
                    about,
                    note: fields.get("note").map(str::to_owned),
                    source: None,
                }
                .into(),
            ),
            aliases: vec![
                ("about.id".into(), "about".into()),
                ("about.kind".into(), "about".into()),
            ],
        })
    }
}

fn action(model: &ReadModel, id: Option<&str>) -> Option<Action> {
    model.action(id?).map(|a| a.clone())
}

pub struct StatusForm;
pub const STATUS: StatusForm = StatusForm;

impl FormSpec for StatusForm {
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String> {
        let a = action(model, id)?;
        Some(format!(
            "{} — {}",
            l.t("Action status", "Statut de l'action"),
            a.title
        ))
    }
    fn version(&self, model: &ReadModel, id: Option<&str>) -> Option<u64> {
        model.action(id?).map(|a| a.version)
    }
    fn defaults(&self, model: &ReadModel, id: Option<&str>, _: &[(String, String)]) -> Fields {
        let mut f = Fields::default().with("on", today());
        if let Some(a) = action(model, id) {
            let next = match a.status {
                ActionStatus::Planned => ActionStatus::InProgress,
                _ => ActionStatus::Done,
            };
            if next != a.status {
                f.set("status", next.as_str());
            }
        }
        f
    }
    fn body(&self, f: &Form<'_>, model: &ReadModel, id: Option<&str>) -> Markup {
        let l = f.lang;
        let Some(a) = action(model, id) else {
            return html! {};
        };
        let statuses: Vec<(String, String)> = ActionStatus::ALL
            .iter()
            .filter(|s| **s != a.status)
            .map(|s| (s.as_str().to_owned(), l.action_status(*s).to_owned()))
            .collect();
        let reopening = !a.status.is_open();
        html! {
            dl.facts data-testid="current" {
                dt { (l.t("Status now", "Statut actuel")) } dd data-field="status" { (l.action_status(a.status)) }
                @if let Some(d) = a.due_on { dt { (l.t("Due on", "Échéance")) } dd { (l.date(d)) } }
                @if let Some(o) = &a.owner { dt { (l.t("Done by", "Par")) } dd { (o) } }
            }
            (f.select("status", l.t("New status", "Nouveau statut"), &statuses, true, None))
            (f.input("on", l.t("On", "Le"), "date", false, None))
            (f.textarea("reason", if reopening { l.t("Why it is reopened", "Pourquoi elle est rouverte") } else { l.t("Why", "Pourquoi") }, reopening, None))
        }
    }
    fn build(
        &self,
        l: Lang,
        model: &ReadModel,
        id: Option<&str>,
        fields: &Fields,
        _: &str,
    ) -> Result<Built, Vec<FieldError>> {
        let id = id.unwrap_or("").to_owned();
        let mut errors = Vec::new();
        let status = match fields
            .get("status")
            .and_then(|v| ActionStatus::ALL.iter().copied().find(|s| s.as_str() == v))
        {
            Some(s) => s,
            None => {
                errors.push(FieldError::new(
                    "status",
                    l.t("Choose the new status.", "Choisissez le nouveau statut."),
                ));
                ActionStatus::Planned
            }
        };
        let on = date_field(l, fields, "on", false, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let roadmap = model
            .action(&id)
            .map(|a| a.roadmap_id.as_str().to_owned())
            .unwrap_or_default();
        Ok(Built {
            then: then(&roadmap, &id),
            command: Command::Action(
                ChangeActionStatus {
                    action_id: id,
                    status,
                    on,
                    reason: fields.get("reason").map(str::to_owned),
                }
                .into(),
            ),
            aliases: Vec::new(),
        })
    }
    fn submit(&self, l: Lang) -> &'static str {
        l.t("Change the status", "Changer le statut")
    }
}
