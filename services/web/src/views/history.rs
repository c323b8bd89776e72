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

/// What an event type means, for a person.
pub fn event_label(l: Lang, event_type: &str) -> String {
    let (en, fr) = match event_type {
        "OrganisationRegistered" => ("Organisation registered", "Organisation enregistrée"),
        "RoadmapCreated" => ("Roadmap created", "Feuille de route créée"),
        "PriorityDefined" => ("Priority defined", "Priorité définie"),
        "FundingRequirementSet" => ("Funding requirement set", "Besoin de financement fixé"),
        "PartnershipRecorded" => ("Partnership recorded", "Partenariat enregistré"),
        "PartnershipStatusChanged" => (
            "Partnership status changed",
            "Statut du partenariat modifié",
        ),
        "ProposalSubmitted" => ("Proposal submitted", "Proposition soumise"),
        "ProposalDecided" => ("Proposal decided", "Décision sur la proposition"),
        "PledgeMade" => ("Pledge made", "Contribution annoncée"),
        "PledgeCommitted" => ("Pledge committed", "Annonce engagée"),
        "DisbursementRecorded" => ("Disbursement recorded", "Décaissement enregistré"),
        "PledgeRevised" => ("Pledge revised", "Annonce révisée"),
        "PledgeCancelled" => ("Pledge cancelled", "Annonce annulée"),
        "ExchangeRateRecorded" => ("Exchange rate recorded", "Taux de change enregistré"),
        "AccessTokenIssued" => ("Access token issued", "Jeton d'accès délivré"),
        "AccessTokenRevoked" => ("Access token revoked", "Jeton d'accès révoqué"),
        other => return other.to_owned(),
    };
    l.t(en, fr).to_owned()
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
/// itself and the reason left out: they have their own columns).
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
                    th scope="col" { (l.t("Version, position", "Version, position")) }
                    @if with_hash { th scope="col" { (l.t("Command and hash", "Commande et empreinte")) } }
                }
            }
            tbody {
                @for e in events {
                    @let (facts, reason) = changes(&e.payload);
                    tr data-position=(e.position) data-type=(e.event_type) {
                        td { time datetime=(e.recorded_at.to_rfc3339()) { (l.instant(e.recorded_at)) } }
                        td data-field="actor" { (e.metadata.actor) }
                        @if with_entity { td { (entity_link(&e.stream_id)) } }
                        td { (event_label(l, &e.event_type)) }
                        td {
                            dl.facts {
                                @for (k, v) in &facts { dt { (k) } dd { (v) } }
                            }
                        }
                        td { @match &reason { Some(r) => (r), None => span.muted { "—" } } }
                        td.num { "v" (e.version) " · #" (e.position) }
                        @if with_hash {
                            td.hash {
                                @if let Some(c) = &e.metadata.command_id { (l.t("command", "commande")) " " (fundtrail_ledger::client_command_id(c)) br; }
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
            K::ExchangeRate | K::Token | K::Document | K::NextStep | K::Prospect => return None,
        };
        Some(format!("/{base}/{}", crate::enc(id)))
    });
    match path {
        Some(p) => html! { a href=(p) { (stream_id) } },
        None => html! { (stream_id) },
    }
}
