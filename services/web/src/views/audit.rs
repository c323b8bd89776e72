//! `/audit` (auditors and admins): every event in store order, filtered by
//! record, actor and recorded time, with the hash-chain check on demand.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use fundtrail_projections::AuditFilter;
use fundtrail_store::RecordedEvent;
use maud::html;

use super::{history, parse_date};
use crate::layout::{self, Nav};
use crate::{Ctx, Web, enc, param, query_pairs};

const PAGE: usize = 50;

pub async fn page(State(web): State<Web>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = Ctx::new(&web, &headers, &uri);
    if let Err(r) = ctx.require_auditor() {
        return r;
    }
    let l = ctx.lang;
    let pairs = query_pairs(&uri);
    let entity = param(&pairs, "entity").map(str::to_owned);
    let actor = param(&pairs, "actor").map(str::to_owned);
    let from_raw = param(&pairs, "from").map(str::to_owned);
    let to_raw = param(&pairs, "to").map(str::to_owned);
    let after: Option<u64> = param(&pairs, "after").and_then(|a| a.parse().ok());
    let filter = AuditFilter {
        entity_id: entity.clone(),
        actor: actor.clone(),
        from: from_raw
            .as_deref()
            .and_then(parse_date)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc()),
        to: to_raw.as_deref().and_then(super::parse_as_of),
    };
    let page = web.app.read().audit_positions(&filter, after, PAGE);
    let events = match read_positions(&web, &page.positions).await {
        Ok(e) => e,
        Err(()) => return super::failed(&ctx),
    };
    let verify = if param(&pairs, "verify").is_some() {
        match web.app.store().verify().await {
            Ok(report) => Some(Ok(report)),
            Err(e) => {
                tracing::error!(error = %e, "the hash chain could not be read");
                Some(Err(()))
            }
        }
    } else {
        None
    };
    let next = page
        .has_next_page
        .then(|| events.last().map(|e| e.position))
        .flatten()
        .map(|last| {
            format!(
                "/audit?entity={}&actor={}&from={}&to={}&after={last}",
                enc(entity.as_deref().unwrap_or("")),
                enc(actor.as_deref().unwrap_or("")),
                enc(from_raw.as_deref().unwrap_or("")),
                enc(to_raw.as_deref().unwrap_or("")),
            )
        });
    let body = html! {
        h1 { (l.t("Audit trail", "Piste d'audit")) }
        section.panel aria-labelledby="chain-h" {
            h2 id="chain-h" { (l.t("Hash chain", "Chaîne d'empreintes")) }
            p { (l.t("Each event's hash covers its content and the previous event's hash: an event altered or removed since it was written breaks the chain there.",
                     "L'empreinte de chaque événement couvre son contenu et l'empreinte du précédent : un événement modifié ou supprimé depuis son écriture rompt la chaîne à cet endroit.")) }
            @match &verify {
                None => {
                    form method="get" action="/audit" {
                        input type="hidden" name="verify" value="1";
                        button type="submit" { (l.t("Check the whole chain now", "Vérifier toute la chaîne maintenant")) }
                    }
                }
                Some(Err(())) => { p.alert role="alert" { (l.t("The log could not be read.", "Le journal n'a pas pu être lu.")) } }
                Some(Ok(report)) => {
                    @match &report.first_break {
                        None => {
                            p.notice role="status" data-testid="chain-ok" {
                                strong { (l.t("Intact.", "Intacte.")) } " "
                                (l.count(report.checked)) " " (l.t("events checked; hash of the last one:", "événements vérifiés ; empreinte du dernier :"))
                                " " span.hash { (report.last_hash) }
                            }
                        }
                        Some(b) => {
                            p.alert role="alert" data-testid="chain-broken" {
                                strong { (l.t("Broken.", "Rompue.")) } " "
                                span title=(l.t("position in the ledger", "position dans le registre")) { (l.t("First break at position", "Première rupture au numéro")) } " " (b.position) " (" span title=(format!("{:?}", b.problem)) { (break_kind(l, &b.problem)) } "); "
                                (l.count(report.checked)) " " (l.t("events checked before it.", "événements vérifiés avant."))
                            }
                        }
                    }
                }
            }
        }
        form.filters.panel method="get" action="/audit" aria-label=(l.t("Filters", "Filtres")) {
            div {
                label for="a-entity" { (l.t("Record id", "Identifiant de fiche")) }
                input id="a-entity" name="entity" type="text" value=[entity.as_deref()];
            }
            div {
                label for="a-actor" { (l.t("Recorded by", "Enregistré par")) }
                input id="a-actor" name="actor" type="text" value=[actor.as_deref()];
            }
            div {
                label for="a-from" { (l.t("Recorded from", "Enregistré du")) }
                input id="a-from" name="from" type="date" value=[from_raw.as_deref()];
            }
            div {
                label for="a-to" { (l.t("to", "au")) }
                input id="a-to" name="to" type="date" value=[to_raw.as_deref()];
            }
            div { button type="submit" { (l.t("Show", "Afficher")) } }
        }
        p data-testid="audit-count" { (l.count(page.total_count as u64)) " " (l.t("event(s)", "événement(s)")) }
        (history::table(l, &events, true, true))
        @if let Some(next) = next {
            nav.pager aria-label=(l.t("Pages", "Pages")) { a href=(next) rel="next" { (l.t("Next events", "Événements suivants")) " →" } }
        }
    };
    layout::page(&ctx, l.t("Audit trail", "Piste d'audit"), Nav::Audit, body)
}

/// The events at the given ascending positions ([`fundtrail_app::reads::events_at`]).
async fn read_positions(web: &Web, positions: &[u64]) -> Result<Vec<RecordedEvent>, ()> {
    fundtrail_app::reads::events_at(web.app.store().as_ref(), positions)
        .await
        .map_err(|e| tracing::error!(error = %e, "audit read failed"))
}

/// Why the chain breaks, in words (the technical name in the tooltip).
fn break_kind(l: crate::i18n::Lang, k: &fundtrail_store::verify::BreakKind) -> &'static str {
    use fundtrail_store::verify::BreakKind as K;
    match k {
        K::HashMismatch => l.t(
            "the event there was altered or moved",
            "l'événement à cet endroit a été modifié ou déplacé",
        ),
        K::Missing => l.t("an event is missing", "un événement manque"),
        K::HeadMismatch => l.t(
            "the log holds fewer or other events than recorded",
            "le journal contient moins d'événements, ou d'autres, que ceux enregistrés",
        ),
    }
}
