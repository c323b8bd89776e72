//! The form that sets a roadmap's ageing periods (`setAgeing`): after how
//! many days its announcements not committed and its proposals not decided
//! come on the worklist (`docs/resource-mobilisation.md`).

use fundtrail_domain::roadmap::{MAX_AGEING_DAYS, SetAgeing};
use fundtrail_ledger::Command;
use fundtrail_projections::ReadModel;
use maud::{Markup, html};

use super::actions::reason;
use super::{Built, FieldError, Fields, Form, FormSpec};
use crate::enc;
use crate::i18n::Lang;

pub struct AgeingForm;
pub const AGEING: AgeingForm = AgeingForm;

/// A whole number of days, or an error on `name` (the range is the domain's).
fn days(l: Lang, fields: &Fields, name: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    match fields.get(name).map(|v| v.trim().parse::<i64>()) {
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            errors.push(FieldError::new(
                name,
                l.t("A whole number of days.", "Un nombre entier de jours."),
            ));
            None
        }
        None => {
            errors.push(FieldError::new(
                name,
                l.t("Give a number of days.", "Indiquez un nombre de jours."),
            ));
            None
        }
    }
}

impl FormSpec for AgeingForm {
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String> {
        let r = model.roadmap(id?)?;
        Some(format!(
            "{} — {}",
            l.t("Ageing periods", "Délais de relance"),
            r.title
        ))
    }
    fn version(&self, model: &ReadModel, id: Option<&str>) -> Option<u64> {
        model.roadmap(id?).map(|r| r.version)
    }
    fn defaults(&self, model: &ReadModel, id: Option<&str>, _: &[(String, String)]) -> Fields {
        let mut f = Fields::default();
        if let Some(r) = id.and_then(|id| model.roadmap(id)) {
            f.set("pledgeDays", r.ageing.pledge_days.to_string());
            f.set("proposalDays", r.ageing.proposal_days.to_string());
        }
        f
    }
    fn body(&self, f: &Form<'_>, _: &ReadModel, _: Option<&str>) -> Markup {
        let l = f.lang;
        let range = format!("1–{MAX_AGEING_DAYS}");
        html! {
            p { (l.t("After how many days the worklist chases an announcement not yet committed, and a submitted proposal with no decision (90 days each until set).",
                     "Après combien de jours la liste « À faire » relance une annonce pas encore engagée, et une proposition soumise sans décision (90 jours chacune tant qu'ils ne sont pas fixés).")) }
            div.grid2 {
                (f.input("pledgeDays", l.t("Announcements: days", "Annonces : jours"), "number", true, Some(&range)))
                (f.input("proposalDays", l.t("Proposals: days", "Propositions : jours"), "number", true, Some(&range)))
            }
            (f.textarea("reason", l.t("Reason", "Motif"), false, None))
        }
    }
    fn build(
        &self,
        l: Lang,
        _: &ReadModel,
        id: Option<&str>,
        fields: &Fields,
        _: &str,
    ) -> Result<Built, Vec<FieldError>> {
        let id = id.unwrap_or("").to_owned();
        let mut errors = Vec::new();
        let pledge_days = days(l, fields, "pledgeDays", &mut errors);
        let proposal_days = days(l, fields, "proposalDays", &mut errors);
        let reason = reason(l, fields, false, &mut errors);
        let (Some(pledge_days), Some(proposal_days), true) =
            (pledge_days, proposal_days, errors.is_empty())
        else {
            return Err(errors);
        };
        Ok(Built {
            then: format!("/roadmaps/{}", enc(&id)),
            command: Command::Roadmap(
                SetAgeing {
                    roadmap_id: id,
                    pledge_days,
                    proposal_days,
                    reason,
                }
                .into(),
            ),
            aliases: Vec::new(),
        })
    }
    fn current(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Markup {
        let Some(r) = id.and_then(|id| model.roadmap(id)) else {
            return html! {};
        };
        html! {
            p { (l.t("Now: announcements after ", "Actuellement : annonces après ")) (r.ageing.pledge_days)
                (l.t(" days, proposals after ", " jours, propositions après ")) (r.ageing.proposal_days) (l.t(" days.", " jours.")) }
        }
    }
    fn submit(&self, l: Lang) -> &'static str {
        l.t("Set the periods", "Fixer les délais")
    }
}
