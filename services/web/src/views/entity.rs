//! The pages of roadmaps, priorities, pledges, partnerships and proposals:
//! what they are now, what can be done to them, and their full history.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use fundtrail_domain::enums::{PartnershipStatus, PledgeStatus, ProposalStatus};
use fundtrail_domain::{partnership, pledge, priority, proposal, roadmap};
use maud::{Markup, html};

use super::{history, money_opt, org_link, priority_link};
use crate::i18n::Lang;
use crate::layout::{self, Nav};
use crate::{Ctx, Web, enc, param, query_pairs};

/// What every entity page shares: the "recorded" notice, the facts, the
/// actions, the history.
#[allow(clippy::too_many_arguments)]
async fn entity_page(
    web: &Web,
    ctx: &Ctx,
    uri: &Uri,
    title: String,
    stream_id: String,
    facts: Markup,
    actions: Markup,
    nav: Nav,
) -> Response {
    let l = ctx.lang;
    let done = param(&query_pairs(uri), "done").is_some();
    let events = match history::read(&web.app, &stream_id).await {
        Ok(events) => events,
        Err(()) => return super::failed(ctx),
    };
    let body = html! {
        @if done {
            p.notice role="status" data-testid="recorded" { (l.t("Recorded. It is in the history below.", "Enregistré. C'est dans l'historique ci-dessous.")) }
        }
        h1 { (title) }
        (facts)
        @if ctx.may_record() {
            div.actions { (actions) }
        }
        h2 { (l.t("History", "Historique")) }
        (history::table(l, &events, false, false))
    };
    layout::page(ctx, &title, nav, body)
}

pub async fn roadmap(
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
    let (title, facts, stream) = {
        let model = web.app.read();
        let Some(r) = model.roadmap(&id) else {
            drop(model);
            return super::not_found(&ctx, l.t("The roadmap", "La feuille de route"), &id);
        };
        let priorities = model.roadmap_priorities(&id);
        let facts = html! {
            dl.facts {
                dt { (l.t("Country", "Pays")) } dd { (r.country) }
                dt { (l.t("Period", "Période")) } dd { (l.date(r.period_start)) " – " (l.date(r.period_end)) }
                dt { (l.t("Reporting currency", "Devise de rapport")) } dd { (r.currency.code()) }
                dt { (l.t("Version", "Version")) } dd { (r.version) }
            }
            p { a href={ "/?roadmap=" (enc(&id)) } { (l.t("Its funding dashboard", "Son tableau de bord du financement")) } }
            h2 { (l.t("Priorities", "Priorités")) }
            table {
                thead { tr {
                    th scope="col" { (l.t("Priority", "Priorité")) }
                    th.num scope="col" { (l.t("Requirement", "Besoin")) }
                } }
                tbody {
                    @for p in &priorities {
                        tr {
                            th scope="row" { (priority_link(&model, p.id.as_str())) }
                            td.num { (money_opt(l, p.requirement)) }
                        }
                    }
                }
            }
        };
        (r.title.clone(), facts, roadmap::stream_id(&r.id))
    };
    entity_page(
        &web,
        &ctx,
        &uri,
        title,
        stream,
        facts,
        html! {},
        Nav::Dashboard,
    )
    .await
}

pub async fn priority(
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
    let (title, facts, stream) = {
        let model = web.app.read();
        let Some(p) = model.priority(&id) else {
            drop(model);
            return super::not_found(&ctx, l.t("The priority", "La priorité"), &id);
        };
        let roadmap_title = model
            .roadmap(p.roadmap_id.as_str())
            .map(|r| r.title.clone())
            .unwrap_or_default();
        let facts = html! {
            dl.facts {
                dt { (l.t("Roadmap", "Feuille de route")) } dd { a href={ "/roadmaps/" (enc(p.roadmap_id.as_str())) } { (roadmap_title) } }
                dt { (l.t("Rank", "Rang")) } dd { (p.rank) }
                dt { (l.t("Funding requirement", "Besoin de financement")) } dd data-field="requirement" { (money_opt(l, p.requirement)) }
                dt { (l.t("Version", "Version")) } dd { (p.version) }
            }
        };
        (
            format!("#{} {}", p.rank, p.title),
            facts,
            priority::stream_id(&p.id),
        )
    };
    let actions = html! {
        a.button href={ "/priorities/" (enc(&id)) "/requirement" } { (l.t("Set the funding requirement", "Fixer le besoin de financement")) }
    };
    entity_page(
        &web,
        &ctx,
        &uri,
        title,
        stream,
        facts,
        actions,
        Nav::Dashboard,
    )
    .await
}

pub async fn pledge(
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
    let (title, facts, stream, status) = {
        let model = web.app.read();
        let Some(p) = model.pledge(&id) else {
            drop(model);
            return super::not_found(&ctx, l.t("The pledge", "L'annonce"), &id);
        };
        let donor = p.donor_id.as_ref().map_or_else(
            || l.not_stated().to_owned(),
            |d| super::org_name(&model, d.as_str()),
        );
        let currency = p.amount.map(|m| m.currency);
        let facts = html! {
            dl.facts data-testid="pledge-facts" {
                dt { (l.t("Donor", "Bailleur")) } dd { (super::opt_org_link(&model, l, p.donor_id.as_ref())) }
                dt { (l.t("Recipient", "Bénéficiaire")) } dd { (super::opt_org_link(&model, l, p.recipient_id.as_ref())) }
                dt { (l.t("Roadmap", "Feuille de route")) } dd { a href={ "/?roadmap=" (enc(p.roadmap_id.as_str())) } { (model.roadmap(p.roadmap_id.as_str()).map(|r| r.title.clone()).unwrap_or_default()) } }
                dt { (l.t("Kind", "Nature")) } dd { (l.contribution_kind(p.kind)) }
                dt { (l.t("Status", "Statut")) } dd data-field="status" data-value=(p.stated_status().map_or("NOT_STATED", |s| s.as_str())) { (l.stated_pledge_status(p.stated_status(), p.kind)) }
                dt { (l.t("Amount", "Montant")) } dd data-field="amount" data-amount=[p.amount.map(|m| m.amount.to_string())] { (money_opt(l, p.amount)) }
                @if !p.items.is_empty() {
                    dt { (l.t("Items", "Articles")) }
                    dd data-field="items" { ul { @for it in &p.items { li { (l.count(it.quantity)) " " (it.unit) @if let Some(d) = &it.description { " (" (d) ")" } } } } }
                }
                @if !p.beneficiaries.is_empty() {
                    dt { (l.t("Beneficiaries", "Bénéficiaires")) }
                    dd data-field="beneficiaries" { ul { @for b in &p.beneficiaries { li { (l.count(b.count)) " " (b.description) } } } }
                }
                @if !p.allocations.is_empty() {
                    dt { (l.t("Allocations", "Répartition")) }
                    dd { ul { @for a in &p.allocations { li { (priority_link(&model, a.priority_id.as_str())) " : " (currency.map_or_else(|| a.amount.to_string(), |c| l.amount(a.amount, c))) } } } }
                } @else if !p.priority_ids.is_empty() {
                    dt { (l.t("Meant for", "Destinée à")) }
                    dd { ul { @for pid in &p.priority_ids { li { (priority_link(&model, pid.as_str())) } } } }
                }
                dt { (l.t("Pledged on", "Annoncé le")) } dd { (l.opt_date(p.pledged_on)) }
                @if p.status != PledgeStatus::Pledged && p.status != PledgeStatus::Cancelled || p.committed_on.is_some() {
                    dt { (l.t("Committed on", "Engagé le")) } dd { (l.opt_date(p.committed_on)) }
                }
                @if let Some(c) = currency { dt { (l.t("Disbursed", "Décaissé")) } dd data-field="disbursed" { (l.amount(p.disbursed, c)) } }
                @else if p.stated_status().is_some_and(|s| s != PledgeStatus::Pledged && s != PledgeStatus::Cancelled) { dt { (l.t("Disbursed", "Décaissé")) } dd data-field="disbursed" { em.not-valued { (l.not_valued()) } } }
                (super::source_facts(&model, l, p.source.as_ref()))
                @if !p.disbursements.is_empty() {
                    dt { (l.t("Disbursements", "Décaissements")) }
                    dd { ul { @for d in &p.disbursements { li { (money_opt(l, d.amount)) " — " (l.opt_date(d.disbursed_on)) } } } }
                }
                @if let Some(d) = p.cancelled_on { dt { (l.t("Cancelled on", "Annulé le")) } dd { (l.date(d)) } }
                @if !p.themes.is_empty() { dt { (l.t("Themes", "Thèmes")) } dd { (l.themes(&p.themes)) } }
                @if let Some(pr) = &p.proposal_id { dt { (l.t("Proposal", "Proposition")) } dd { a href={ "/proposals/" (enc(pr.as_str())) } { (pr) } } }
                @if let Some(pa) = &p.partnership_id { dt { (l.t("Partnership", "Partenariat")) } dd { a href={ "/partnerships/" (enc(pa.as_str())) } { (pa) } } }
                @if let Some(d) = &p.description { dt { (l.t("Description", "Description")) } dd { (d) } }
                dt { (l.t("Version", "Version")) } dd data-field="version" { (p.version) }
            }
        };
        let title = format!("{} — {donor}", l.t("Pledge", "Annonce"));
        (title, facts, pledge::stream_id(&p.id), p.status)
    };
    let base = format!("/pledges/{}", enc(&id));
    let actions = html! {
        @if status == PledgeStatus::Pledged { a.button href={ (base) "/commit" } { (l.t("Commit", "Engager")) } }
        @if matches!(status, PledgeStatus::Committed | PledgeStatus::PartlyDisbursed) { a.button href={ (base) "/disburse" } { (l.t("Record a disbursement", "Enregistrer un décaissement")) } }
        @if status != PledgeStatus::Cancelled { a.button.secondary href={ (base) "/revise" } { (l.t("Revise", "Réviser")) } }
        @if matches!(status, PledgeStatus::Pledged | PledgeStatus::Committed) { a.button.secondary href={ (base) "/cancel" } { (l.t("Cancel", "Annuler")) } }
    };
    entity_page(&web, &ctx, &uri, title, stream, facts, actions, Nav::Donors).await
}

pub async fn partnership(
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
    let (title, facts, stream, status) = {
        let model = web.app.read();
        let Some(p) = model.partnership(&id) else {
            drop(model);
            return super::not_found(&ctx, l.t("The partnership", "Le partenariat"), &id);
        };
        let facts = partnership_facts(l, &model, &p);
        (
            p.title.clone(),
            facts,
            partnership::stream_id(&p.id),
            p.status,
        )
    };
    let actions = html! {
        @if !matches!(status, Some(PartnershipStatus::Ended | PartnershipStatus::Terminated)) {
            a.button href={ "/partnerships/" (enc(&id)) "/status" } { (l.t("Change the status", "Changer le statut")) }
        }
    };
    entity_page(
        &web,
        &ctx,
        &uri,
        title,
        stream,
        facts,
        actions,
        Nav::Pipeline,
    )
    .await
}

fn partnership_facts(
    l: Lang,
    model: &fundtrail_projections::ReadModel,
    p: &partnership::Partnership,
) -> Markup {
    html! {
        dl.facts {
            dt { (l.t("Parties", "Parties")) }
            dd { @for (i, o) in p.party_ids.iter().enumerate() { @if i > 0 { ", " } (org_link(model, o.as_str())) } }
            dt { (l.t("Status", "Statut")) } dd data-field="status" { (l.opt_partnership_status(p.status)) }
            dt { (l.t("Signed on", "Signé le")) } dd { (l.opt_date(p.signed_on)) }
            @if !p.themes.is_empty() { dt { (l.t("Themes", "Thèmes")) } dd { (l.themes(&p.themes)) } }
            @if !p.nature.is_empty() {
                dt { (l.t("Nature", "Nature")) }
                dd { (p.nature.iter().map(|n| l.nature(*n)).collect::<Vec<_>>().join(", ")) }
            }
            @if !p.priority_ids.is_empty() {
                dt { (l.t("Priorities", "Priorités")) }
                dd { ul { @for pid in &p.priority_ids { li { (priority_link(model, pid.as_str())) } } } }
            }
        }
    }
}

pub async fn proposal(
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
    let (title, facts, stream, status) = {
        let model = web.app.read();
        let Some(p) = model.proposal(&id) else {
            drop(model);
            return super::not_found(&ctx, l.t("The proposal", "La proposition"), &id);
        };
        let facts = html! {
            dl.facts {
                dt { (l.t("Applicant", "Demandeur")) } dd { (org_link(&model, p.applicant_id.as_str())) }
                dt { (l.t("Donor", "Bailleur")) } dd { (org_link(&model, p.donor_id.as_str())) }
                dt { (l.t("Amount requested", "Montant demandé")) } dd { (money_opt(l, p.requested)) }
                dt { (l.t("Status", "Statut")) } dd data-field="status" { (l.proposal_status(p.status)) }
                dt { (l.t("Submitted on", "Soumise le")) } dd { (l.opt_date(p.submitted_on)) }
                @if let Some(d) = p.decided_on { dt { (l.t("Decided on", "Décidée le")) } dd { (l.date(d)) } }
                @if !p.themes.is_empty() { dt { (l.t("Themes", "Thèmes")) } dd { (l.themes(&p.themes)) } }
                @if !p.priority_ids.is_empty() {
                    dt { (l.t("Priorities", "Priorités")) }
                    dd { ul { @for pid in &p.priority_ids { li { (priority_link(&model, pid.as_str())) } } } }
                }
            }
        };
        (p.title.clone(), facts, proposal::stream_id(&p.id), p.status)
    };
    let actions = html! {
        @if matches!(status, ProposalStatus::Draft | ProposalStatus::Submitted) {
            a.button href={ "/proposals/" (enc(&id)) "/decide" } { (l.t("Record the decision", "Enregistrer la décision")) }
        }
    };
    entity_page(
        &web,
        &ctx,
        &uri,
        title,
        stream,
        facts,
        actions,
        Nav::Pipeline,
    )
    .await
}
