//! The form that moves a donor approach on (`advanceProspect`; the rule is
//! `fundtrail_domain::prospect`'s).

use fundtrail_domain::enums::ProspectStage;
use fundtrail_domain::money::Money;
use fundtrail_domain::prospect::{AdvanceProspect, Prospect, move_allowed};
use fundtrail_ledger::Command;
use fundtrail_projections::ReadModel;
use maud::{Markup, html};

use super::create::{amount_field, currency_field, currency_options, date_field, today};
use super::{Built, FieldError, Fields, Form, FormSpec};
use crate::enc;
use crate::i18n::Lang;

fn prospect(model: &ReadModel, id: Option<&str>) -> Option<Prospect> {
    model.prospect(id?).map(|p| p.clone())
}

fn whom(model: &ReadModel, p: &Prospect) -> String {
    match (&p.organisation_id, &p.name) {
        (Some(o), _) => model
            .organisation(o.as_str())
            .map_or_else(|| o.to_string(), |x| x.name.clone()),
        (None, Some(n)) => n.clone(),
        (None, None) => p.id.to_string(),
    }
}

pub struct AdvanceForm;
pub const ADVANCE: AdvanceForm = AdvanceForm;

impl FormSpec for AdvanceForm {
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String> {
        let p = prospect(model, id)?;
        Some(format!(
            "{} — {}",
            l.t("Move the approach on", "Faire avancer la démarche"),
            whom(model, &p)
        ))
    }
    fn version(&self, model: &ReadModel, id: Option<&str>) -> Option<u64> {
        model.prospect(id?).map(|p| p.version)
    }
    fn defaults(&self, model: &ReadModel, id: Option<&str>, _: &[(String, String)]) -> Fields {
        let mut f = Fields::default().with("on", today());
        if let Some(p) = prospect(model, id) {
            if let Some(next) = ProspectStage::ALL
                .iter()
                .find(|s| s.rank().is_some() && move_allowed(p.stage, **s))
            {
                f.set("stage", next.as_str());
            }
            if let Some(o) = &p.owner {
                f.set("owner", o.clone());
            }
            if let Some(m) = p.expected_amount {
                f.set("expectedAmount", m.amount.to_string());
                f.set("currency", m.currency.code());
            }
        }
        f
    }
    fn body(&self, f: &Form<'_>, model: &ReadModel, id: Option<&str>) -> Markup {
        let l = f.lang;
        let Some(p) = prospect(model, id) else {
            return html! {};
        };
        let stages: Vec<(String, String)> = ProspectStage::ALL
            .iter()
            .filter(|s| move_allowed(p.stage, **s))
            .map(|s| (s.as_str().to_owned(), l.prospect_stage(*s).to_owned()))
            .collect();
        let proposals: Vec<(String, String)> = model
            .proposals(None, None, None)
            .iter()
            .map(|x| (x.id.as_str().to_owned(), x.title.clone()))
            .collect();
        let pledges: Vec<(String, String)> = model
            .pledges(Some(p.roadmap_id.as_str()), None, None)
            .iter()
            .map(|x| {
                let donor = x.donor_id.as_ref().map_or_else(
                    || l.not_stated().to_owned(),
                    |d| crate::views::org_name(model, d.as_str()),
                );
                (
                    x.id.as_str().to_owned(),
                    format!("{donor} — {}", crate::views::money_opt(l, x.amount)),
                )
            })
            .collect();
        html! {
            dl.facts data-testid="current" {
                dt { (l.t("Stage now", "Étape actuelle")) } dd data-field="stage" { (l.prospect_stage(p.stage)) }
                (crate::views::version_dt(l)) dd data-field="version" { (model.prospect(p.id.as_str()).map_or(0, |v| v.version)) }
            }
            (f.select("stage", l.t("New stage", "Nouvelle étape"), &stages, true, None))
            (f.textarea("reason", l.t("Why", "Pourquoi"), true, None))
            (f.input("on", l.t("On", "Le"), "date", false, None))
            (f.input("owner", l.t("Followed by", "Suivi par"), "text", false, None))
            div.grid2 {
                (f.input("expectedAmount", l.t("Amount hoped for", "Montant espéré"), "amount", false, None))
                (f.select("currency", l.t("Currency", "Devise"), &currency_options(model), false, Some("—")))
            }
            (f.input("expectedDecisionOn", l.t("Decision expected on", "Décision attendue le"), "date", false, None))
            (f.select("proposalId", l.t("The proposal it became", "La proposition qui en est issue"), &proposals, false, Some("—")))
            (f.select("pledgeId", l.t("The pledge it became (needed for « pledged »)", "L'annonce qui en est issue (nécessaire pour « annonce obtenue »)"), &pledges, false, Some("—")))
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
        let stage = match fields
            .get("stage")
            .and_then(|v| ProspectStage::ALL.iter().copied().find(|s| s.as_str() == v))
        {
            Some(s) => s,
            None => {
                errors.push(FieldError::new(
                    "stage",
                    l.t("Choose the new stage.", "Choisissez la nouvelle étape."),
                ));
                ProspectStage::Identified
            }
        };
        let reason = fields.get("reason").unwrap_or("").to_owned();
        let on = date_field(l, fields, "on", false, &mut errors);
        let expected_decision_on = date_field(l, fields, "expectedDecisionOn", false, &mut errors);
        let expected_amount = amount_field(l, fields, "expectedAmount", false, &mut errors)
            .map(|a| Money::new(a, currency_field(l, fields, "currency", &mut errors)));
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Built {
            then: format!("/pipeline#prospect-{}", enc(&id)),
            command: Command::Prospect(
                AdvanceProspect {
                    prospect_id: id,
                    stage,
                    reason,
                    on,
                    owner: fields.get("owner").map(str::to_owned),
                    expected_amount,
                    expected_decision_on,
                    proposal_id: fields.get("proposalId").map(str::to_owned),
                    pledge_id: fields.get("pledgeId").map(str::to_owned),
                }
                .into(),
            ),
            // The form's names are the domain's.
            aliases: Vec::new(),
        })
    }
    fn submit(&self, l: Lang) -> &'static str {
        l.t("Move on", "Faire avancer")
    }
}
