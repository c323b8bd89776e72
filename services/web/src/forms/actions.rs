//! Forms that change an existing record; each carries the record's
//! `expectedVersion` from when the form was shown.

use fundtrail_domain::enums::{PartnershipStatus, ProposalStatus};
use fundtrail_domain::money::Money;
use fundtrail_domain::{partnership, pledge, priority, proposal};
use fundtrail_ledger::Command;
use fundtrail_projections::ReadModel;
use maud::{Markup, html};

use super::create::{
    allocation_inputs, amount_field, currency_field, currency_options, date_field,
    read_allocations, today,
};
use super::{Built, FieldError, Fields, Form, FormSpec};
use crate::enc;
use crate::i18n::Lang;

pub(super) fn reason(
    l: Lang,
    fields: &Fields,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match fields.get("reason") {
        Some(r) => Some(r.to_owned()),
        None if required => {
            errors.push(FieldError::new(
                "reason",
                l.t(
                    "Say why: it is kept with the correction.",
                    "Indiquez le motif : il est conservé avec la correction.",
                ),
            ));
            None
        }
        None => None,
    }
}

/// A pledge as it is now (for the form's header and beside a conflict).
pub(super) fn pledge_summary(l: Lang, model: &ReadModel, id: &str) -> Markup {
    let Some(p) = model.pledge(id) else {
        return html! {};
    };
    html! {
        dl.facts data-testid="current" {
            dt { (l.t("Donor", "Bailleur")) } dd { (crate::views::opt_org_link(model, l, p.donor_id.as_ref())) }
            dt { (l.t("Status", "Statut")) } dd { (l.stated_pledge_status(p.stated_status(), p.kind)) }
            dt { (l.t("Amount", "Montant")) } dd data-field="amount" { (crate::views::money_opt(l, p.amount)) }
            @if let Some(d) = crate::views::pledge_disbursed(l, &p) {
                dt { (l.t("Disbursed", "Décaissé")) } dd { (d) }
            }
            (crate::views::version_dt(l)) dd data-field="version" { (p.version) }
        }
        p { a href={ "/pledges/" (enc(id)) } { (l.t("Its page and full history", "Sa fiche et tout son historique")) } }
    }
}

pub(super) fn pledge_title(
    l: Lang,
    model: &ReadModel,
    id: Option<&str>,
    en: &str,
    fr: &str,
) -> Option<String> {
    let p = model.pledge(id?)?;
    let donor = match &p.donor_id {
        None => l.not_stated().to_owned(),
        Some(d) => model.organisation(d.as_str()).map_or_else(
            || d.to_string(),
            |o| o.acronym.clone().unwrap_or_else(|| o.name.clone()),
        ),
    };
    Some(format!(
        "{} — {donor} ({})",
        l.t(en, fr),
        crate::views::money_opt(l, p.amount)
    ))
}

pub(super) fn pledge_version(model: &ReadModel, id: Option<&str>) -> Option<u64> {
    model.pledge(id?).map(|p| p.version)
}

pub(super) fn pledge_then(id: &str) -> String {
    format!("/pledges/{}", enc(id))
}

// ---- commit ----

pub struct CommitForm;
pub const COMMIT: CommitForm = CommitForm;

impl FormSpec for CommitForm {
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String> {
        pledge_title(l, model, id, "Commit the pledge", "Engager l'annonce")
    }
    fn version(&self, model: &ReadModel, id: Option<&str>) -> Option<u64> {
        pledge_version(model, id)
    }
    fn defaults(&self, _: &ReadModel, _: Option<&str>, _: &[(String, String)]) -> Fields {
        Fields::default().with("committedOn", today())
    }
    fn body(&self, f: &Form<'_>, model: &ReadModel, id: Option<&str>) -> Markup {
        let l = f.lang;
        html! {
            (pledge_summary(l, model, id.unwrap_or("")))
            p { (l.t("A commitment is a signed, binding obligation: from then on the pledge counts as funding.",
                     "Un engagement est une obligation signée et ferme : dès lors l'annonce compte comme financement.")) }
            (f.input("committedOn", l.t("Committed on", "Engagé le"), "date", true, None))
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
        let committed_on = date_field(l, fields, "committedOn", true, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Built {
            then: pledge_then(&id),
            command: Command::Pledge(
                pledge::CommitPledge {
                    pledge_id: id,
                    committed_on,
                }
                .into(),
            ),
            aliases: vec![],
        })
    }
    fn current(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Markup {
        pledge_summary(l, model, id.unwrap_or(""))
    }
    fn submit(&self, l: Lang) -> &'static str {
        l.t("Commit", "Engager")
    }
}

// ---- disburse ----

pub struct DisburseForm;
pub const DISBURSE: DisburseForm = DisburseForm;

impl FormSpec for DisburseForm {
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String> {
        pledge_title(
            l,
            model,
            id,
            "Record a disbursement",
            "Enregistrer un décaissement",
        )
    }
    fn version(&self, model: &ReadModel, id: Option<&str>) -> Option<u64> {
        pledge_version(model, id)
    }
    fn defaults(&self, _: &ReadModel, _: Option<&str>, _: &[(String, String)]) -> Fields {
        Fields::default().with("disbursedOn", today())
    }
    fn body(&self, f: &Form<'_>, model: &ReadModel, id: Option<&str>) -> Markup {
        let l = f.lang;
        let currency = model
            .pledge(id.unwrap_or(""))
            .and_then(|p| p.amount)
            .map(|m| m.currency.code().to_owned());
        let label = match &currency {
            Some(c) => format!("{} ({c})", l.t("Amount disbursed", "Montant décaissé")),
            None => l.t("Amount disbursed", "Montant décaissé").to_owned(),
        };
        html! {
            (pledge_summary(l, model, id.unwrap_or("")))
            (f.input("amount", &label, "amount", currency.is_some(),
                Some(l.t("In the pledge's currency. For an unvalued pledge delivered in kind, leave empty.", "Dans la devise de l'annonce. Pour une annonce non chiffrée livrée en nature, laissez vide."))))
            (f.input("disbursedOn", l.t("Disbursed on", "Décaissé le"), "date", true, None))
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
        let amount = amount_field(l, fields, "amount", false, &mut errors);
        let disbursed_on = date_field(l, fields, "disbursedOn", true, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Built {
            then: pledge_then(&id),
            command: Command::Pledge(
                pledge::RecordDisbursement {
                    pledge_id: id,
                    amount,
                    disbursed_on,
                }
                .into(),
            ),
            aliases: vec![],
        })
    }
    fn current(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Markup {
        pledge_summary(l, model, id.unwrap_or(""))
    }
    fn submit(&self, l: Lang) -> &'static str {
        l.t("Record the disbursement", "Enregistrer le décaissement")
    }
}

// ---- revise ----

pub struct ReviseForm;
pub const REVISE: ReviseForm = ReviseForm;

impl FormSpec for ReviseForm {
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String> {
        pledge_title(l, model, id, "Revise the pledge", "Réviser l'annonce")
    }
    fn version(&self, model: &ReadModel, id: Option<&str>) -> Option<u64> {
        pledge_version(model, id)
    }
    fn defaults(&self, model: &ReadModel, id: Option<&str>, _: &[(String, String)]) -> Fields {
        let mut f = Fields::default().with("revisedOn", today());
        if let Some(p) = id.and_then(|id| model.pledge(id)) {
            f.set("roadmapId", p.roadmap_id.as_str());
            match p.amount {
                Some(m) => {
                    f.set("amount", m.amount.to_string());
                    f.set("currency", m.currency.code());
                }
                None => {
                    let c = model
                        .roadmap(p.roadmap_id.as_str())
                        .map_or("XOF", |r| r.currency.code());
                    f.set("currency", c);
                }
            }
            for a in &p.allocations {
                f.set(
                    &format!("alloc.{}", a.priority_id.as_str()),
                    a.amount.to_string(),
                );
            }
        }
        f
    }
    fn body(&self, f: &Form<'_>, model: &ReadModel, id: Option<&str>) -> Markup {
        let l = f.lang;
        let roadmap = model
            .pledge(id.unwrap_or(""))
            .map(|p| p.roadmap_id.as_str().to_owned())
            .unwrap_or_default();
        html! {
            (pledge_summary(l, model, id.unwrap_or("")))
            div.grid2 {
                (f.input("amount", l.t("New amount", "Nouveau montant"), "amount", true, None))
                (f.select("currency", l.t("Currency", "Devise"), &currency_options(model), true, None))
            }
            (allocation_inputs(f, model, &roadmap))
            (f.input("revisedOn", l.t("Revised on", "Révisé le"), "date", true, None))
            (f.textarea("reason", l.t("Reason for the revision", "Motif de la révision"), true, None))
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
        let roadmap = model
            .pledge(&id)
            .map(|p| p.roadmap_id.as_str().to_owned())
            .unwrap_or_default();
        let mut errors = Vec::new();
        let amount = amount_field(l, fields, "amount", true, &mut errors);
        let currency = currency_field(l, fields, "currency", &mut errors);
        let (allocations, mut aliases) = read_allocations(l, model, &roadmap, fields, &mut errors);
        let revised_on = date_field(l, fields, "revisedOn", true, &mut errors);
        let reason = reason(l, fields, true, &mut errors);
        let (Some(amount), Some(revised_on), Some(reason), true) =
            (amount, revised_on, reason, errors.is_empty())
        else {
            return Err(errors);
        };
        aliases.push(("amount.currency".into(), "currency".into()));
        Ok(Built {
            then: pledge_then(&id),
            command: Command::Pledge(
                pledge::RevisePledge {
                    pledge_id: id,
                    amount: Money::new(amount, currency),
                    allocations: (!allocations.is_empty()).then_some(allocations),
                    revised_on,
                    reason,
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
        l.t("Record the revision", "Enregistrer la révision")
    }
}

// ---- cancel ----

pub struct CancelForm;
pub const CANCEL: CancelForm = CancelForm;

impl FormSpec for CancelForm {
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String> {
        pledge_title(l, model, id, "Cancel the pledge", "Annuler l'annonce")
    }
    fn version(&self, model: &ReadModel, id: Option<&str>) -> Option<u64> {
        pledge_version(model, id)
    }
    fn defaults(&self, _: &ReadModel, _: Option<&str>, _: &[(String, String)]) -> Fields {
        Fields::default().with("cancelledOn", today())
    }
    fn body(&self, f: &Form<'_>, model: &ReadModel, id: Option<&str>) -> Markup {
        let l = f.lang;
        html! {
            (pledge_summary(l, model, id.unwrap_or("")))
            (f.input("cancelledOn", l.t("Cancelled on", "Annulé le"), "date", true, None))
            (f.textarea("reason", l.t("Reason for the cancellation", "Motif de l'annulation"), true, None))
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
        let cancelled_on = date_field(l, fields, "cancelledOn", true, &mut errors);
        let reason = reason(l, fields, true, &mut errors);
        let (Some(cancelled_on), Some(reason), true) = (cancelled_on, reason, errors.is_empty())
        else {
            return Err(errors);
        };
        Ok(Built {
            then: pledge_then(&id),
            command: Command::Pledge(
                pledge::CancelPledge {
                    pledge_id: id,
                    cancelled_on,
                    reason,
                }
                .into(),
            ),
            aliases: vec![],
        })
    }
    fn current(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Markup {
        pledge_summary(l, model, id.unwrap_or(""))
    }
    fn submit(&self, l: Lang) -> &'static str {
        l.t("Cancel the pledge", "Annuler l'annonce")
    }
}

// ---- funding requirement ----

pub struct RequirementForm;
pub const REQUIREMENT: RequirementForm = RequirementForm;

impl FormSpec for RequirementForm {
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String> {
        let p = model.priority(id?)?;
        Some(format!(
            "{} — #{} {}",
            l.t(
                "Set the funding requirement",
                "Fixer le besoin de financement"
            ),
            p.rank,
            p.title
        ))
    }
    fn version(&self, model: &ReadModel, id: Option<&str>) -> Option<u64> {
        model.priority(id?).map(|p| p.version)
    }
    fn defaults(&self, model: &ReadModel, id: Option<&str>, _: &[(String, String)]) -> Fields {
        let mut f = Fields::default();
        if let Some(p) = id.and_then(|id| model.priority(id)) {
            match p.requirement {
                Some(m) => {
                    f.set("amount", m.amount.to_string());
                    f.set("currency", m.currency.code());
                }
                None => {
                    let c = model
                        .roadmap(p.roadmap_id.as_str())
                        .map_or("XOF", |r| r.currency.code());
                    f.set("currency", c);
                }
            }
        }
        f
    }
    fn body(&self, f: &Form<'_>, model: &ReadModel, _: Option<&str>) -> Markup {
        let l = f.lang;
        html! {
            div.grid2 {
                (f.input("amount", l.t("Amount required", "Montant nécessaire"), "amount", true, None))
                (f.select("currency", l.t("Currency", "Devise"), &currency_options(model), true, None))
            }
            (f.textarea("reason", l.t("Reason or source", "Motif ou source"), false, None))
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
        let amount = amount_field(l, fields, "amount", true, &mut errors);
        let currency = currency_field(l, fields, "currency", &mut errors);
        let reason = reason(l, fields, false, &mut errors);
        let (Some(amount), true) = (amount, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(Built {
            then: format!("/priorities/{}", enc(&id)),
            command: Command::Priority(
                priority::SetFundingRequirement {
                    priority_id: id,
                    amount: Money::new(amount, currency),
                    reason,
                }
                .into(),
            ),
            aliases: vec![("amount.currency".into(), "currency".into())],
        })
    }
}

// ---- decide a proposal ----

pub struct DecideForm;
pub const DECIDE: DecideForm = DecideForm;

impl FormSpec for DecideForm {
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String> {
        let p = model.proposal(id?)?;
        Some(format!(
            "{} — {}",
            l.t("Decide the proposal", "Décider de la proposition"),
            p.title
        ))
    }
    fn version(&self, model: &ReadModel, id: Option<&str>) -> Option<u64> {
        model.proposal(id?).map(|p| p.version)
    }
    fn defaults(&self, _: &ReadModel, _: Option<&str>, _: &[(String, String)]) -> Fields {
        Fields::default().with("decidedOn", today())
    }
    fn body(&self, f: &Form<'_>, _: &ReadModel, _: Option<&str>) -> Markup {
        let l = f.lang;
        let statuses: Vec<(String, String)> = [
            ProposalStatus::Approved,
            ProposalStatus::Rejected,
            ProposalStatus::Withdrawn,
        ]
        .iter()
        .map(|s| (s.as_str().to_owned(), l.proposal_status(*s).to_owned()))
        .collect();
        html! {
            (f.select("status", l.t("Decision", "Décision"), &statuses, true, Some(l.t("— choose —", "— choisir —"))))
            (f.input("decidedOn", l.t("Decided on", "Décidé le"), "date", true, None))
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
        let status = ProposalStatus::ALL
            .iter()
            .copied()
            .find(|s| Some(s.as_str()) == fields.get("status"));
        if status.is_none() {
            errors.push(FieldError::new(
                "status",
                l.t("Choose one.", "Faites un choix."),
            ));
        }
        let decided_on = date_field(l, fields, "decidedOn", true, &mut errors);
        let reason = reason(l, fields, false, &mut errors);
        let (Some(status), Some(decided_on), true) = (status, decided_on, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(Built {
            then: format!("/proposals/{}", enc(&id)),
            command: Command::Proposal(
                proposal::DecideProposal {
                    proposal_id: id,
                    status,
                    decided_on,
                    reason,
                }
                .into(),
            ),
            aliases: vec![],
        })
    }
}

// ---- partnership status ----

pub struct PartnershipStatusForm;
pub const PARTNERSHIP_STATUS: PartnershipStatusForm = PartnershipStatusForm;

impl FormSpec for PartnershipStatusForm {
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String> {
        let p = model.partnership(id?)?;
        Some(format!(
            "{} — {}",
            l.t(
                "Change the partnership's status",
                "Changer le statut du partenariat"
            ),
            p.title
        ))
    }
    fn version(&self, model: &ReadModel, id: Option<&str>) -> Option<u64> {
        model.partnership(id?).map(|p| p.version)
    }
    fn defaults(&self, model: &ReadModel, id: Option<&str>, _: &[(String, String)]) -> Fields {
        let mut f = Fields::default().with("on", today());
        if let Some(p) = id.and_then(|id| model.partnership(id))
            && let Some(s) = p.status
        {
            f.set("status", s.as_str());
        }
        f
    }
    fn body(&self, f: &Form<'_>, _: &ReadModel, _: Option<&str>) -> Markup {
        let l = f.lang;
        let statuses: Vec<(String, String)> = PartnershipStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), l.partnership_status(*s).to_owned()))
            .collect();
        html! {
            (f.select("status", l.t("New status", "Nouveau statut"), &statuses, true, None))
            (f.input("on", l.t("On", "Le"), "date", false, None))
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
        let status = PartnershipStatus::ALL
            .iter()
            .copied()
            .find(|s| Some(s.as_str()) == fields.get("status"));
        if status.is_none() {
            errors.push(FieldError::new(
                "status",
                l.t("Choose one.", "Faites un choix."),
            ));
        }
        let on = date_field(l, fields, "on", false, &mut errors);
        let reason = reason(l, fields, false, &mut errors);
        let (Some(status), true) = (status, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(Built {
            then: format!("/partnerships/{}", enc(&id)),
            command: Command::Partnership(
                partnership::ChangePartnershipStatus {
                    partnership_id: id,
                    status,
                    on,
                    reason,
                }
                .into(),
            ),
            aliases: vec![],
        })
    }
}
