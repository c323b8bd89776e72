//! The forms that link a pledge to the pledges funding it and remove a link
//! (`linkFunding`, `unlinkFunding`; the rules are
//! `fundtrail_domain::chain`'s, `docs/funding-chains.md`).

use fundtrail_domain::chain::{LinkFunding, UnlinkFunding};
use fundtrail_domain::enums::PledgeStatus;
use fundtrail_ledger::Command;
use fundtrail_projections::ReadModel;
use maud::{Markup, html};

use super::actions::{pledge_summary, pledge_then, pledge_title, pledge_version};
use super::create::amount_field;
use super::{Built, FieldError, Fields, Form, FormSpec};
use crate::i18n::Lang;

/// Most pledges offered as parents (the roadmap's newest first).
const MAX_CHOICES: usize = 500;

/// "Donor — amount (roadmap)" of a pledge, as a choice.
fn describe(l: Lang, model: &ReadModel, id: &str) -> String {
    let Some(p) = model.pledge(id) else {
        return id.to_owned();
    };
    let donor = p.donor_id.as_ref().map_or_else(
        || l.not_stated().to_owned(),
        |d| {
            model.organisation(d.as_str()).map_or_else(
                || d.to_string(),
                |o| o.acronym.clone().unwrap_or_else(|| o.name.clone()),
            )
        },
    );
    format!(
        "{donor} — {} ({}, {})",
        crate::views::money_opt(l, p.amount),
        p.roadmap_id,
        id
    )
}

/// `?parent=ID` chooses the parent in a fresh form.
fn parent_from(query: &[(String, String)]) -> Fields {
    let mut fields = Fields::default();
    if let Some((_, parent)) = query.iter().find(|(k, _)| k == "parent") {
        fields.set("fundedByPledgeId", parent.clone());
    }
    fields
}

pub struct LinkForm;
pub const LINK: LinkForm = LinkForm;

impl FormSpec for LinkForm {
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String> {
        pledge_title(
            l,
            model,
            id,
            "Funded by another pledge",
            "Financée par une autre annonce",
        )
    }
    fn version(&self, model: &ReadModel, id: Option<&str>) -> Option<u64> {
        pledge_version(model, id)
    }
    fn defaults(&self, _: &ReadModel, _: Option<&str>, query: &[(String, String)]) -> Fields {
        parent_from(query)
    }
    fn body(&self, f: &Form<'_>, model: &ReadModel, id: Option<&str>) -> Markup {
        let l = f.lang;
        let me = id.unwrap_or("");
        let currency = model
            .pledge(me)
            .and_then(|p| p.amount)
            .map_or(String::new(), |m| format!(" ({})", m.currency.code()));
        // The roadmap's pledges (a parent on another roadmap is linked
        // through GraphQL, or offered here with `?parent=`).
        let roadmap = model.pledge(me).map(|p| p.roadmap_id.as_str().to_owned());
        let mut choices: Vec<(String, String)> = model
            .pledges(roadmap.as_deref(), None, None)
            .into_iter()
            .rev()
            .filter(|p| p.id.as_str() != me && p.status != PledgeStatus::Cancelled)
            .take(MAX_CHOICES)
            .map(|p| (p.id.as_str().to_owned(), describe(l, model, p.id.as_str())))
            .collect();
        if let Some(parent) = f.values.get("fundedByPledgeId")
            && !choices.iter().any(|(id, _)| id == parent)
            && model.pledge(parent).is_some()
        {
            choices.insert(0, (parent.to_owned(), describe(l, model, parent)));
        }
        html! {
            (pledge_summary(l, model, me))
            p { (l.t("The pledge that passes money on to this one (a donor's pledge to an intermediary, for instance), and how much of this pledge it funds, in this pledge's currency. A pledge converted from another currency takes the rate in force on this pledge's date. Money is then counted once, where it lands.",
                     "L'annonce qui transmet de l'argent à celle-ci (celle d'un bailleur à un intermédiaire, par exemple), et la part de cette annonce qu'elle finance, dans la devise de cette annonce. D'une autre devise, la conversion prend le taux en vigueur à la date de cette annonce. L'argent n'est alors compté qu'une fois, là où il arrive.")) }
            (f.select("fundedByPledgeId", l.t("Funded by", "Financée par"), &choices, true, Some("")))
            (f.input("amount", &format!("{}{currency}", l.t("Amount funded", "Montant financé")), "amount", true, None))
            (f.textarea("reason", l.t("Note", "Note"), false, None))
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
        let parent = fields.get("fundedByPledgeId").map(str::to_owned);
        if parent.is_none() {
            errors.push(FieldError::new(
                "fundedByPledgeId",
                l.t(
                    "Choose the pledge that funds it.",
                    "Choisissez l'annonce qui la finance.",
                ),
            ));
        }
        let amount = amount_field(l, fields, "amount", true, &mut errors);
        let (Some(parent), Some(amount)) = (parent, amount) else {
            return Err(errors);
        };
        Ok(Built {
            then: pledge_then(&id),
            command: Command::Pledge(
                LinkFunding {
                    pledge_id: id,
                    funded_by_pledge_id: parent,
                    amount,
                    reason: fields.get("reason").map(str::to_owned),
                }
                .into(),
            ),
            aliases: Vec::new(),
        })
    }
    fn current(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Markup {
        pledge_summary(l, model, id.unwrap_or(""))
    }
    fn submit(&self, l: Lang) -> &'static str {
        l.t("Record the link", "Enregistrer le lien")
    }
}

pub struct UnlinkForm;
pub const UNLINK: UnlinkForm = UnlinkForm;

impl FormSpec for UnlinkForm {
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String> {
        pledge_title(
            l,
            model,
            id,
            "Remove a funding link",
            "Retirer un lien de financement",
        )
    }
    fn version(&self, model: &ReadModel, id: Option<&str>) -> Option<u64> {
        pledge_version(model, id)
    }
    fn defaults(&self, _: &ReadModel, _: Option<&str>, query: &[(String, String)]) -> Fields {
        parent_from(query)
    }
    fn body(&self, f: &Form<'_>, model: &ReadModel, id: Option<&str>) -> Markup {
        let l = f.lang;
        let me = id.unwrap_or("");
        let choices: Vec<(String, String)> = model
            .funded_by(me)
            .into_iter()
            .map(|link| {
                let text = format!(
                    "{} — {}",
                    describe(l, model, &link.parent_id),
                    l.money(link.amount)
                );
                (link.parent_id, text)
            })
            .collect();
        html! {
            (pledge_summary(l, model, me))
            @if choices.is_empty() {
                p { (l.t("No pledge funds this one.", "Aucune annonce ne finance celle-ci.")) }
            }
            (f.select("fundedByPledgeId", l.t("Link to remove", "Lien à retirer"), &choices, true, Some("")))
            (f.textarea("reason", l.t("Why the link goes", "Pourquoi le lien est retiré"), true, None))
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
        let Some(parent) = fields.get("fundedByPledgeId").map(str::to_owned) else {
            return Err(vec![FieldError::new(
                "fundedByPledgeId",
                l.t(
                    "Choose the link to remove.",
                    "Choisissez le lien à retirer.",
                ),
            )]);
        };
        Ok(Built {
            then: pledge_then(&id),
            command: Command::Pledge(
                UnlinkFunding {
                    pledge_id: id,
                    funded_by_pledge_id: parent,
                    reason: fields.get("reason").unwrap_or("").to_owned(),
                }
                .into(),
            ),
            aliases: Vec::new(),
        })
    }
    fn current(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Markup {
        pledge_summary(l, model, id.unwrap_or(""))
    }
    fn submit(&self, l: Lang) -> &'static str {
        l.t("Remove the link", "Retirer le lien")
    }
}
