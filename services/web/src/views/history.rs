//! An entity's full history (and the audit trail's rows): who recorded what,
//! when, through which command, and why.

use fundtrail_app::AppState;
use fundtrail_store::RecordedEvent;
use maud::{Markup, html};
use serde_json::Value;

use crate::i18n::Lang;

/// The events of one stream that the read models have applied (so the page
/// agrees with the figures beside it), oldest first
/// ([`fundtrail_app::reads::history`], as GraphQL's `history`).
pub async fn read(app: &AppState, stream_id: &str) -> Result<Vec<RecordedEvent>, ()> {
    fundtrail_app::reads::history(app, stream_id)
        .await
        .map_err(|e| tracing::error!(error = %e, stream_id, "history read failed"))
}

/// What an event type means, for a person (the type itself when unknown).
pub fn event_label(l: Lang, event_type: &str) -> String {
    let (en, fr) = match event_type {
        "OrganisationRegistered" => ("Organisation registered", "Organisation enregistrée"),
        "RoadmapCreated" => ("Roadmap created", "Feuille de route créée"),
        "AgeingSet" => ("Ageing periods set", "Délais de relance fixés"),
        "PriorityDefined" => ("Priority defined", "Priorité définie"),
        "FundingRequirementSet" => ("Funding requirement set", "Besoin de financement fixé"),
        "PartnershipRecorded" => ("Partnership recorded", "Partenariat enregistré"),
        "PartnershipStatusChanged" => (
            "Partnership status changed",
            "Statut du partenariat modifié",
        ),
        "ProposalSubmitted" => ("Proposal submitted", "Proposition soumise"),
        "ProposalDecided" => ("Proposal decided", "Décision sur la proposition"),
        "PledgeMade" => ("Pledge recorded", "Annonce enregistrée"),
        "PledgeCommitted" => ("Pledge committed", "Annonce engagée"),
        "DisbursementRecorded" => ("Disbursement recorded", "Décaissement enregistré"),
        "PledgeRevised" => ("Pledge revised", "Annonce révisée"),
        "PledgeCancelled" => ("Pledge cancelled", "Annonce annulée"),
        "TranchesSet" => (
            "Disbursement schedule set",
            "Échéancier des décaissements fixé",
        ),
        "ExchangeRateRecorded" => ("Exchange rate recorded", "Taux de change enregistré"),
        "DocumentRegistered" => ("Source document registered", "Document source enregistré"),
        "NextStepDefined" => ("Next step defined", "Prochaine étape définie"),
        "NextStepStatusChanged" => (
            "Next step status changed",
            "Statut de la prochaine étape modifié",
        ),
        "ProspectRecorded" => (
            "Donor to approach recorded",
            "Bailleur à approcher enregistré",
        ),
        "ProspectAdvanced" => ("Approach moved on", "Démarche avancée"),
        "ActionRecorded" => ("Action recorded", "Action enregistrée"),
        "ActionStatusChanged" => ("Action status changed", "Statut de l'action modifié"),
        "AccessTokenIssued" => ("Access token issued", "Jeton d'accès délivré"),
        "AccessTokenRevoked" => ("Access token revoked", "Jeton d'accès révoqué"),
        other => return other.to_owned(),
    };
    l.t(en, fr).to_owned()
}

/// A field of an event's data in words (`None`: not one we know; the raw
/// name is shown then). Some names mean another thing in some events.
pub fn field_label(l: Lang, event_type: &str, key: &str) -> Option<&'static str> {
    let (en, fr) = match (event_type, key) {
        ("OrganisationRegistered", "kind") => ("Kind of organisation", "Type d'organisation"),
        ("ExchangeRateRecorded", "quote") => ("Quoted currency", "Devise de cotation"),
        ("ProposalSubmitted" | "ProposalDecided", "donorId") => ("Donor", "Bailleur"),
        (_, k) => match k {
            "pledgeId" => ("Pledge", "Annonce"),
            "donorId" => ("Donor", "Bailleur"),
            "recipientId" => ("Recipient", "Bénéficiaire"),
            "roadmapId" => ("Roadmap", "Feuille de route"),
            "priorityId" => ("Priority", "Priorité"),
            "priorityIds" => ("Priorities", "Priorités"),
            "priorities" => ("Priorities", "Priorités"),
            "organisationId" => ("Organisation", "Organisation"),
            "partnershipId" => ("Partnership", "Partenariat"),
            "proposalId" => ("Proposal", "Proposition"),
            "nextStepId" => ("Next step", "Prochaine étape"),
            "actionId" => ("Action", "Action"),
            "about" => ("Follows up", "Suite donnée à"),
            "prospectId" => ("Donor to approach", "Bailleur à approcher"),
            "documentId" => ("Document", "Document"),
            "applicantId" => ("Applicant", "Demandeur"),
            "partyIds" => ("Parties", "Parties"),
            "amount" => ("Amount", "Montant"),
            "previousAmount" => ("Previous amount", "Montant précédent"),
            "requested" => ("Amount requested", "Montant demandé"),
            "requirement" => ("Funding requirement", "Besoin de financement"),
            "currency" => ("Currency", "Devise"),
            "allocations" => ("Allocations", "Répartition"),
            "shares" => ("Shares by priority", "Parts par priorité"),
            "pledgedOn" => ("Pledged on", "Annoncé le"),
            "committedOn" => ("Committed on", "Engagé le"),
            "disbursedOn" => ("Disbursed on", "Décaissé le"),
            "revisedOn" => ("Revised on", "Révisé le"),
            "cancelledOn" => ("Cancelled on", "Annulé le"),
            "tranches" => ("Expected tranches", "Tranches prévues"),
            "stage" => ("Stage", "Étape"),
            "from" => ("From", "De"),
            "to" => ("To", "À"),
            "owner" => ("Followed by", "Suivi par"),
            "expectedAmount" => ("Amount hoped for", "Montant espéré"),
            "expectedDecisionOn" => ("Decision expected on", "Décision attendue le"),
            "dueOn" => ("Due on", "Échéance"),
            "signedOn" => ("Signed on", "Signé le"),
            "submittedOn" => ("Submitted on", "Soumise le"),
            "decidedOn" => ("Decided on", "Décidée le"),
            "issuedOn" => ("Issued on", "Publié le"),
            "statusOn" => ("Status as of", "Statut à la date du"),
            "validFrom" => ("In force from", "En vigueur à partir du"),
            "expiresOn" => ("Expires on", "Expire le"),
            "on" => ("Dated", "À la date du"),
            "periodStart" => ("Period starts", "Début de la période"),
            "periodEnd" => ("Period ends", "Fin de la période"),
            "targetMonth" => ("Month aimed for", "Mois visé"),
            "target" => ("Aim", "Objectif"),
            "reason" => ("Reason", "Motif"),
            "status" => ("Status", "Statut"),
            "previousStatus" => ("Previous status", "Statut précédent"),
            "statusStated" => (
                "Status stated by the source",
                "Statut indiqué par la source",
            ),
            "kind" => ("Kind", "Nature"),
            "nature" => ("Nature", "Nature"),
            "themes" => ("Themes", "Thèmes"),
            "items" => ("Items", "Articles"),
            "quantity" => ("Quantity", "Quantité"),
            "unit" => ("Unit", "Unité"),
            "count" => ("Number", "Nombre"),
            "beneficiaries" => ("Beneficiaries", "Bénéficiaires"),
            "description" => ("Description", "Description"),
            "source" => ("Source", "Source"),
            "quote" => ("Quote", "Citation"),
            "section" => ("Section", "Section"),
            "title" => ("Title", "Titre"),
            "name" => ("Name", "Nom"),
            "acronym" => ("Acronym", "Sigle"),
            "country" => ("Country", "Pays"),
            "rank" => ("Rank", "Rang"),
            "note" => ("Note", "Note"),
            "issuer" => ("Issuer", "Émetteur"),
            "language" => ("Language", "Langue"),
            "sha256" => ("Fingerprint of the text", "Empreinte du texte"),
            "base" => ("Base currency", "Devise de base"),
            "rate" => ("Rate", "Taux"),
            "principal" => ("Holder", "Titulaire"),
            "role" => ("Role", "Rôle"),
            "scope" => ("Scope", "Périmètre"),
            "tokenId" => ("Token", "Jeton"),
            "supersedes" => ("Replaces", "Remplace"),
            "data" => ("Data", "Données"),
            _ => return None,
        },
    };
    Some(l.t(en, fr))
}

/// A field's name in words, else as it is.
fn label(l: Lang, event_type: &str, key: &str) -> String {
    field_label(l, event_type, key).map_or_else(|| key.to_owned(), str::to_owned)
}

/// An enumeration's value in words (any of the contract's enumerations).
fn enum_word(l: Lang, key: &str, v: &str) -> Option<&'static str> {
    use fundtrail_domain::enums::*;
    fn find<T: Copy>(all: &[T], as_str: impl Fn(T) -> &'static str, v: &str) -> Option<T> {
        all.iter().copied().find(|x| as_str(*x) == v)
    }
    if key == "nature" {
        return find(PartnershipNature::ALL, PartnershipNature::as_str, v).map(|n| l.nature(n));
    }
    if key == "role" {
        return find(Role::ALL, Role::as_str, v).map(|r| l.role(r));
    }
    if key == "stage" {
        return find(ProspectStage::ALL, ProspectStage::as_str, v).map(|s| l.prospect_stage(s));
    }
    None.or_else(|| {
        find(ContributionKind::ALL, ContributionKind::as_str, v).map(|k| l.contribution_kind(k))
    })
    .or_else(|| find(OrganisationKind::ALL, OrganisationKind::as_str, v).map(|k| l.kind(k)))
    .or_else(|| find(PledgeStatus::ALL, PledgeStatus::as_str, v).map(|s| l.pledge_status(s)))
    .or_else(|| {
        find(PartnershipStatus::ALL, PartnershipStatus::as_str, v).map(|s| l.partnership_status(s))
    })
    .or_else(|| find(ProposalStatus::ALL, ProposalStatus::as_str, v).map(|s| l.proposal_status(s)))
    .or_else(|| find(NextStepStatus::ALL, NextStepStatus::as_str, v).map(|s| l.next_step_status(s)))
    .or_else(|| find(ActionStatus::ALL, ActionStatus::as_str, v).map(|s| l.action_status(s)))
    .or_else(|| find(Theme::ALL, Theme::as_str, v).map(|t| l.theme(t)))
    .or_else(|| find(ProspectStage::ALL, ProspectStage::as_str, v).map(|s| l.prospect_stage(s)))
}

/// A value of an event's data, as a person reads it: dates, amounts and
/// enumerations in words, nested facts with their names translated.
fn value(l: Lang, event_type: &str, key: &str, v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::Bool(b) => l.yes_no(*b).to_owned(),
        Value::String(s) => {
            if let Some(w) = enum_word(l, key, s) {
                return w.to_owned();
            }
            if s.len() == 10
                && let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            {
                return l.date(d);
            }
            if key == "targetMonth" {
                return l.month(s);
            }
            if matches!(key, "amount" | "previousAmount" | "rate")
                && let Ok(d) = s.parse::<rust_decimal::Decimal>()
            {
                return l.number(d, d.scale());
            }
            if key == "quote" && event_type != "ExchangeRateRecorded" {
                return format!("« {s} »");
            }
            s.clone()
        }
        Value::Number(n) => match n.as_u64() {
            Some(u) if key != "rank" => l.count(u),
            _ => n.to_string(),
        },
        Value::Object(o) => {
            let text = |k: &str| o.get(k).and_then(Value::as_str);
            // money: `{amount, currency}`
            if let (Some(a), Some(c), 2) = (text("amount"), text("currency"), o.len())
                && let (Ok(a), Some(c)) =
                    (a.parse::<rust_decimal::Decimal>(), super::parse_currency(c))
            {
                return l.amount(a, c);
            }
            // an item « 100 motos (matériel roulant) », people « 189 jeunes »
            if let (Some(q), Some(u)) = (o.get("quantity").and_then(Value::as_u64), text("unit")) {
                return match text("description") {
                    Some(d) => format!("{} {u} ({d})", l.count(q)),
                    None => format!("{} {u}", l.count(q)),
                };
            }
            // a source: « quote » — document, section
            if let (Some(q), Some(doc)) = (text("quote"), text("documentId")) {
                return match text("section") {
                    Some(sec) => format!("« {q} » — {doc}, {sec}"),
                    None => format!("« {q} » — {doc}"),
                };
            }
            if let (Some(n), Some(d), 2) = (
                o.get("count").and_then(Value::as_u64),
                text("description"),
                o.len(),
            ) {
                return format!("{} {d}", l.count(n));
            }
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    format!(
                        "{}{}{}",
                        label(l, event_type, k),
                        l.t(": ", " : "),
                        value(l, event_type, k, v)
                    )
                })
                .collect::<Vec<_>>()
                .join(" · ")
        }
        Value::Array(items) => {
            let sep = if items.iter().any(Value::is_object) {
                l.t("; ", " ; ")
            } else {
                ", "
            };
            items
                .iter()
                .map(|x| value(l, event_type, key, x))
                .collect::<Vec<_>>()
                .join(sep)
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        Value::Object(o) if o.contains_key("amount") && o.contains_key("currency") => {
            format!(
                "{} {}",
                o.get("amount").map(scalar).unwrap_or_default(),
                o.get("currency").map(scalar).unwrap_or_default()
            )
        }
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// The facts an event carries, as `field: value` lines (ids of the entity
/// itself and the reason left out: they have their own columns), with the
/// data's own names and values.
pub fn changes(payload: &str) -> (Vec<(String, String)>, Option<String>) {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(payload) else {
        return (vec![("data".into(), payload.to_owned())], None);
    };
    let mut reason = None;
    let mut out = Vec::new();
    for (k, v) in map {
        match k.as_str() {
            "reason" => reason = Some(scalar(&v)),
            "tokenHash" => {}
            _ => out.push((k, scalar(&v))),
        }
    }
    (out, reason)
}

/// One fact of an event for a person: its name in words, its name in the
/// data (kept for the tooltip), its value in words.
pub struct Fact {
    pub label: String,
    pub key: String,
    pub value: String,
}

/// [`changes`] in the reader's language: names and values in words
/// (an empty list stays out: nothing was said).
pub fn readable_changes(l: Lang, event_type: &str, payload: &str) -> (Vec<Fact>, Option<String>) {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(payload) else {
        let fact = Fact {
            label: label(l, event_type, "data"),
            key: "data".into(),
            value: payload.to_owned(),
        };
        return (vec![fact], None);
    };
    let mut reason = None;
    let mut out = Vec::new();
    for (k, v) in &map {
        match k.as_str() {
            "reason" => reason = Some(value(l, event_type, k, v)),
            "tokenHash" => {}
            _ if v.as_array().is_some_and(Vec::is_empty) => {}
            _ => out.push(Fact {
                label: label(l, event_type, k),
                key: k.clone(),
                value: value(l, event_type, k, v),
            }),
        }
    }
    (out, reason)
}

/// The table of events (`with_entity`: a column naming the stream, for the audit trail).
pub fn table(l: Lang, events: &[RecordedEvent], with_entity: bool, with_hash: bool) -> Markup {
    html! {
        table data-testid="history" {
            caption { (l.t("History, oldest first", "Historique, du plus ancien au plus récent")) }
            thead {
                tr {
                    th scope="col" { (l.t("When (recorded)", "Quand (enregistré)")) }
                    th scope="col" { (l.t("Who", "Qui")) }
                    @if with_entity { th scope="col" { (l.t("Record", "Fiche")) } }
                    th scope="col" { (l.t("What", "Quoi")) }
                    th scope="col" { (l.t("What changed", "Ce qui a changé")) }
                    th scope="col" { (l.t("Why", "Pourquoi")) }
                    th scope="col" title=(l.t("version of the record, position in the ledger", "version de la fiche, position dans le registre")) {
                        (l.t("Version, entry number", "Version de la fiche, numéro dans le registre"))
                    }
                    @if with_hash { th scope="col" { (l.t("Command and hash", "Commande et empreinte")) } }
                }
            }
            tbody {
                @for e in events {
                    @let (facts, reason) = readable_changes(l, &e.event_type, &e.payload);
                    tr data-position=(e.position) data-type=(e.event_type) {
                        td { time datetime=(e.recorded_at.to_rfc3339()) { (l.instant(e.recorded_at)) } }
                        td data-field="actor" { (e.metadata.actor) }
                        @if with_entity { td { (entity_link(&e.stream_id)) } }
                        td { (event_label(l, &e.event_type)) }
                        td {
                            dl.facts {
                                @for f in &facts { dt title=(f.key) data-key=(f.key) { (f.label) } dd { (f.value) } }
                            }
                        }
                        td { @match &reason { Some(r) => (r), None => span.muted { "—" } } }
                        td.num title=(l.t("version of the record · position in the ledger", "version de la fiche · position dans le registre")) { "v" (e.version) " · n°" (e.position) }
                        @if with_hash {
                            td.hash {
                                @if let Some(c) = &e.metadata.command_id { span title="commandId" { (l.t("form sent", "envoi")) } " " (fundtrail_ledger::client_command_id(c)) br; }
                                (e.hash.to_hex())
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A link to the page of the entity a stream belongs to.
pub fn entity_link(stream_id: &str) -> Markup {
    let path = fundtrail_projections::audit::entity_of_stream(stream_id).and_then(|(kind, id)| {
        use fundtrail_projections::EntityKind as K;
        let base = match kind {
            K::Organisation => "organisations",
            K::Roadmap => "roadmaps",
            K::Priority => "priorities",
            K::Partnership => "partnerships",
            K::Proposal => "proposals",
            K::Pledge => "pledges",
            K::ExchangeRate | K::Token | K::Document | K::NextStep | K::Prospect | K::Action => {
                return None;
            }
        };
        Some(format!("/{base}/{}", crate::enc(id)))
    });
    match path {
        Some(p) => html! { a href=(p) { (stream_id) } },
        None => html! { (stream_id) },
    }
}
