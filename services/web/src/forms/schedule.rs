//! The form that sets a commitment's expected tranches (`setTranches`; the
//! rule is `fundtrail_domain::schedule`'s, `docs/resource-mobilisation.md`).

use fundtrail_domain::schedule::{SetTranches, TrancheInput};
use fundtrail_ledger::Command;
use fundtrail_projections::ReadModel;
use maud::{Markup, html};

use super::actions::{pledge_summary, pledge_then, pledge_title, pledge_version};
use super::create::{amount_field, date_field};
use super::{Built, FieldError, Fields, Form, FormSpec};
use crate::i18n::Lang;

/// Rows shown: the tranches set, two empty ones, at least four.
fn rows(model: &ReadModel, id: Option<&str>) -> usize {
    let set = id
        .and_then(|id| model.pledge(id))
        .map_or(0, |p| p.tranches.len());
    (set + 2).clamp(4, fundtrail_domain::lists::MAX_LIST_ITEMS)
}

pub struct TranchesForm;
pub const TRANCHES: TranchesForm = TranchesForm;

impl FormSpec for TranchesForm {
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String> {
        pledge_title(l, model, id, "Expected tranches", "Échéancier des tranches")
    }
    fn version(&self, model: &ReadModel, id: Option<&str>) -> Option<u64> {
        pledge_version(model, id)
    }
    fn defaults(&self, model: &ReadModel, id: Option<&str>, _: &[(String, String)]) -> Fields {
        let mut fields = Fields::default();
        if let Some(p) = id.and_then(|id| model.pledge(id)) {
            for (i, t) in p.tranches.iter().enumerate() {
                fields.set(&format!("dueOn.{i}"), t.due_on.to_string());
                fields.set(&format!("amount.{i}"), t.amount.to_string());
            }
        }
        fields
    }
    fn body(&self, f: &Form<'_>, model: &ReadModel, id: Option<&str>) -> Markup {
        let l = f.lang;
        let p = id.and_then(|id| model.pledge(id));
        let currency = p
            .as_ref()
            .and_then(|p| p.amount)
            .map_or(String::new(), |m| format!(" ({})", m.currency.code()));
        let changing = p.as_ref().is_some_and(|p| !p.tranches.is_empty());
        html! {
            (pledge_summary(l, model, id.unwrap_or("")))
            p { (l.t("When the money is expected: a due date and an amount per tranche, in the pledge's currency. They may not add up to more than the commitment. A tranche is overdue the day after its due date while the disbursements do not cover it (they cover the tranches in order of due date). Empty every row to clear the schedule.",
                     "Quand l'argent est attendu : une échéance et un montant par tranche, dans la devise de l'annonce. Leur somme ne peut dépasser l'engagement. Une tranche est en retard le lendemain de son échéance tant que les décaissements ne la couvrent pas (ils couvrent les tranches dans l'ordre des échéances). Videz toutes les lignes pour supprimer l'échéancier.")) }
            @for i in 0..rows(model, id) {
                fieldset {
                    legend { (l.t("Tranche", "Tranche")) " " (i + 1) }
                    div.grid2 {
                        (f.input(&format!("dueOn.{i}"), l.t("Due on", "Échéance"), "date", false, None))
                        (f.input(&format!("amount.{i}"), &format!("{}{currency}", l.t("Amount", "Montant")), "amount", false, None))
                    }
                }
            }
            @if changing {
                (f.textarea("reason", l.t("Why the schedule changes", "Pourquoi l'échéancier change"), true, None))
            } @else {
                (f.textarea("reason", l.t("Note", "Note"), false, None))
            }
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
        let mut tranches = Vec::new();
        let mut aliases = vec![("tranches".to_owned(), "amount.0".to_owned())];
        // The domain numbers the rows sent, skipping empty ones.
        let mut rows_sent = 0;
        for i in 0..rows(model, Some(&id)) {
            let (due, amount) = (format!("dueOn.{i}"), format!("amount.{i}"));
            if fields.get(&due).is_none() && fields.get(&amount).is_none() {
                continue;
            }
            let due_on = date_field(l, fields, &due, true, &mut errors);
            let value = amount_field(l, fields, &amount, true, &mut errors);
            aliases.push((format!("tranches[{rows_sent}].dueOn"), due));
            aliases.push((format!("tranches[{rows_sent}].amount"), amount));
            rows_sent += 1;
            // A row with an error refuses the form below, before any command.
            if let (Some(due_on), Some(amount)) = (due_on, value) {
                tranches.push(TrancheInput { due_on, amount });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Built {
            then: pledge_then(&id),
            command: Command::Pledge(
                SetTranches {
                    pledge_id: id,
                    tranches,
                    reason: fields.get("reason").map(str::to_owned),
                }
                .into(),
            ),
            aliases,
        })
    }
    fn current(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Markup {
        pledge_summary(l, model, id.unwrap_or(""))
    }
    fn submit(&self, l: Lang) -> &'static str {
        l.t("Set the tranches", "Fixer les tranches")
    }
}
