//! `/organisations/{id}`: an organisation, its pledges, partnerships and
//! proposals, what it brings to each roadmap's priorities, and its history.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use fundtrail_domain::organisation;
use maud::html;

use super::{history, org_link, priority_link};
use crate::layout::{self, Nav};
use crate::{Ctx, Web, enc, param, query_pairs};

/// Most pledges listed on the page.
const MAX_PLEDGES: usize = 200;

pub async fn page(
    State(web): State<Web>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let ctx = Ctx::new(&web, &headers, &uri);
    if let Err(r) = ctx.require_reader() {
        return r;
    }
    let l = ctx.lang;
    let done = param(&query_pairs(&uri), "done").is_some();
    let stream = web
        .app
        .read()
        .organisation(&id)
        .map(|o| organisation::stream_id(&o.id));
    let Some(stream) = stream else {
        return super::not_found(&ctx, l.t("The organisation", "L'organisation"), &id);
    };
    let events = match history::read(&web.app, &stream).await {
        Ok(e) => e,
        Err(()) => return super::failed(&ctx),
    };
    let model = web.app.read();
    let Some(o) = model.organisation(&id) else {
        drop(model);
        return super::not_found(&ctx, l.t("The organisation", "L'organisation"), &id);
    };
    let today = web.app.clock().today();
    let pledges = model.pledges(None, Some(&id), None);
    let received: Vec<_> = model
        .pledges(None, None, None)
        .into_iter()
        .filter(|p| p.recipient_id.as_ref().is_some_and(|r| r.as_str() == id))
        .collect();
    let partnerships = model.partnerships(None, Some(&id));
    let as_donor = model.proposals(None, Some(&id), None);
    let as_applicant = model.proposals(None, None, Some(&id));
    let roadmaps = model.roadmaps();
    let title = o.name.clone();
    let body = html! {
        @if done { p.notice role="status" data-testid="recorded" { (l.t("Recorded.", "Enregistré.")) } }
        h1 { (o.name) }
        dl.facts {
            @if let Some(a) = &o.acronym { dt { (l.t("Acronym", "Sigle")) } dd { (a) } }
            dt { (l.t("Kind", "Type")) } dd { (l.kind(o.kind)) }
            dt { (l.t("Country", "Pays")) } dd { (o.country) }
            (super::source_facts(&model, l, o.source.as_ref()))
            (super::version_dt(l)) dd { (o.version) }
        }
        @if ctx.may_record() {
            div.actions {
                @for r in &roadmaps {
                    a.button href={ "/new/pledge?roadmap=" (enc(r.id.as_str())) "&donor=" (enc(&id)) } { (l.t("Record a pledge by it to", "Enregistrer une annonce de sa part pour")) " " (r.id) }
                }
                a.button.secondary href={ "/new/proposal?donor=" (enc(&id)) } { (l.t("A proposal to it", "Une proposition à lui soumettre")) }
                a.button.secondary href={ "/new/partnership?party=" (enc(&id)) } { (l.t("A partnership", "Un partenariat")) }
            }
        }
        h2 { (l.t("What it brings to each priority", "Ce qu'elle apporte à chaque priorité")) }
        // Only pledges put a donor on a funding line: only their roadmaps are asked.
        @for r in roadmaps.iter().filter(|r| pledges.iter().any(|p| p.roadmap_id == r.id)) {
            @if let Ok(f) = model.funding_shared(r.id.as_str(), None, None, None, today) {
                @let lines: Vec<_> = f.priorities.iter().filter_map(|p| p.line.donors.iter().find(|d| d.organisation_id == id).map(|d| (Some(p.priority_id.as_str()), d)))
                    .chain(f.unallocated.donors.iter().find(|d| d.organisation_id == id).map(|d| (None, d))).collect();
                @if !lines.is_empty() {
                    table {
                        caption { (r.title) " (" (f.currency.code()) ")" }
                        thead { tr {
                            th scope="col" { (l.t("Priority", "Priorité")) }
                            th.num scope="col" { (l.t("Committed", "Engagé")) }
                            th.num scope="col" { (l.t("Disbursed", "Décaissé")) }
                            th.num scope="col" { (l.t("Pledged (apart)", "Annoncé (à part)")) }
                            th.num scope="col" { (l.t("Unvalued", "Non chiffrés")) }
                        } }
                        tbody {
                            @for (p, d) in &lines {
                                tr {
                                    th scope="row" { @match p { Some(p) => (priority_link(&model, p)), None => (l.t("Not allocated", "Non affecté")) } }
                                    (super::dashboard::donor_cells(l, d))
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (l.t("Pledges it made", "Annonces faites")) " (" (pledges.len()) ")" }
        @if pledges.is_empty() { p.muted { (l.t("None.", "Aucune.")) } } @else {
            (pledge_table(&model, l, "org-pledges", &pledges, Party::Recipient))
            @if pledges.len() > MAX_PLEDGES { p.muted { (l.t("Only the first ones are listed.", "Seules les premières sont listées.")) } }
        }
        @if !received.is_empty() {
            h2 { (l.t("Contributions it received", "Contributions reçues")) " (" (received.len()) ")" }
            (pledge_table(&model, l, "org-received", &received, Party::Donor))
            @if received.len() > MAX_PLEDGES { p.muted { (l.t("Only the first ones are listed.", "Seules les premières sont listées.")) } }
        }
        h2 { (l.t("Partnerships", "Partenariats")) " (" (partnerships.len()) ")" }
        @if partnerships.is_empty() { p.muted { (l.t("None.", "Aucun.")) } } @else {
            ul { @for p in &partnerships { li { a href={ "/partnerships/" (enc(p.id.as_str())) } { (p.title) } " — " (l.opt_partnership_status(p.status)) } } }
        }
        h2 { (l.t("Proposals", "Propositions")) " (" (as_donor.len() + as_applicant.len()) ")" }
        @if as_donor.is_empty() && as_applicant.is_empty() { p.muted { (l.t("None.", "Aucune.")) } } @else {
            ul {
                @for p in &as_donor { li { a href={ "/proposals/" (enc(p.id.as_str())) } { (p.title) } " — " (l.t("from", "de")) " " (org_link(&model, p.applicant_id.as_str())) " — " (l.proposal_status(p.status)) } }
                @for p in &as_applicant { li { a href={ "/proposals/" (enc(p.id.as_str())) } { (p.title) } " — " (l.t("to", "à")) " " (org_link(&model, p.donor_id.as_str())) " — " (l.proposal_status(p.status)) } }
            }
        }
        h2 { (l.t("History", "Historique")) }
        (history::table(l, &events, false, false))
    };
    drop(model);
    layout::page(&ctx, &title, Nav::Donors, body)
}

/// Which party a list of pledges names beside each (the other one is the page's).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Party {
    Donor,
    Recipient,
}

/// Pledges, each with the other party, its kind, its status and amount as
/// stated (« non précisé », « non chiffré » where the source says nothing),
/// and what it gives.
fn pledge_table(
    model: &fundtrail_projections::ReadModel,
    l: crate::i18n::Lang,
    testid: &str,
    pledges: &[fundtrail_projections::Versioned<'_, fundtrail_domain::pledge::Pledge>],
    party: Party,
) -> maud::Markup {
    html! {
        table data-testid=(testid) {
            thead { tr {
                th scope="col" { (l.t("Pledge", "Annonce")) }
                @if party == Party::Recipient {
                    th scope="col" { (l.t("Recipient", "Bénéficiaire")) }
                } @else {
                    th scope="col" { (l.t("Donor", "Bailleur")) }
                }
                th scope="col" { (l.t("Kind", "Nature")) }
                th scope="col" { (l.t("Status", "Statut")) }
                th.num scope="col" { (l.t("Amount", "Montant")) }
                th scope="col" { (l.t("Pledged on", "Annoncé le")) }
            } }
            tbody {
                @for p in pledges.iter().take(MAX_PLEDGES) {
                    tr data-pledge=(p.id.as_str()) {
                        td {
                            a href={ "/pledges/" (enc(p.id.as_str())) } { (p.description.clone().unwrap_or_else(|| p.id.to_string())) }
                            @if let Some(what) = super::entity::gives(l, p) { br; small.muted { (what) } }
                        }
                        td {
                            @if party == Party::Recipient {
                                (super::opt_org_link(model, l, p.recipient_id.as_ref()))
                            } @else {
                                (super::opt_org_link(model, l, p.donor_id.as_ref()))
                            }
                        }
                        td { (l.contribution_kind(p.kind)) }
                        td { (l.stated_pledge_status(p.stated_status(), p.kind)) }
                        td.num data-field="amount" data-amount=[p.amount.map(|m| m.amount.to_string())] {
                            @match p.amount { Some(m) => (l.money(m)), None => (super::not_valued(l)) }
                        }
                        td { (l.opt_date(p.pledged_on)) }
                    }
                }
            }
        }
    }
}
