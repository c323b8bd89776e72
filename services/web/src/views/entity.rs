//! The pages of roadmaps, priorities, pledges, partnerships and proposals:
//! what they are now, what can be done to them, and their full history.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use fundtrail_domain::enums::{ContributionKind, PartnershipStatus, PledgeStatus, ProposalStatus};
use fundtrail_domain::{partnership, pledge, priority, proposal, roadmap};
use fundtrail_projections::ReadModel;
use maud::{Markup, html};

use super::{
    bound_cell, coverage, gap_money, history, min_money, money_opt, org_link, pledged_money,
    priority_link, requirement_text, source_facts, source_quote, version_dt,
};
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
        let steps = model.next_steps(&id);
        let prospects = model.prospects(Some(&id), None);
        let facts = html! {
            dl.facts {
                dt { (l.t("Country", "Pays")) } dd { (r.country) }
                dt { (l.t("Period", "Période")) } dd { (l.date(r.period_start)) " – " (l.date(r.period_end)) }
                dt { (l.t("Reporting currency", "Devise de rapport")) } dd { (r.currency.code()) }
                (source_facts(&model, l, r.source.as_ref()))
                (version_dt(l)) dd { (r.version) }
                dt { (l.t("Chased after", "Relance après")) }
                dd { (r.ageing.pledge_days) (l.t(" days (announcements), ", " jours (annonces), ")) (r.ageing.proposal_days) (l.t(" days (proposals)", " jours (propositions)")) }
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
                            td.num { (requirement_text(l, p.requirement)) }
                        }
                    }
                }
            }
            (next_steps(&model, l, &steps))
            (prospects_list(&model, l, &prospects, true))
            (actions_list(&model, l, &id, ctx.may_record()))
        };
        (r.title.clone(), facts, roadmap::stream_id(&r.id))
    };
    let buttons = html! {
        a.button href={ "/roadmaps/" (enc(&id)) "/actions/new" } { (l.t("Record an action", "Enregistrer une action")) }
        a.button href={ "/roadmaps/" (enc(&id)) "/ageing" } { (l.t("Set the ageing periods", "Fixer les délais de relance")) }
    };
    entity_page(
        &web,
        &ctx,
        &uri,
        title,
        stream,
        facts,
        buttons,
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
        let today = web.app.clock().today();
        let funding = model.funding_shared(p.roadmap_id.as_str(), None, None, None, today);
        let line = funding.as_ref().ok().and_then(|f| {
            f.priorities
                .iter()
                .find(|x| x.priority_id == id)
                .map(|x| (x.line.clone(), f.currency))
        });
        let forecast = model
            .forecast_shared(p.roadmap_id.as_str(), None, today)
            .ok()
            .and_then(|f| {
                f.priorities
                    .iter()
                    .find(|x| x.priority_id.as_deref() == Some(id.as_str()))
                    .cloned()
            });
        let contributions: Vec<_> = model
            .pledges(Some(p.roadmap_id.as_str()), None, None)
            .into_iter()
            .filter(|c| {
                c.allocations.iter().any(|a| a.priority_id.as_str() == id)
                    || c.priority_ids.iter().any(|x| x.as_str() == id)
            })
            .collect();
        let prospects: Vec<_> = model
            .prospects(Some(p.roadmap_id.as_str()), None)
            .into_iter()
            .filter(|x| x.priority_ids.iter().any(|x| x.as_str() == id))
            .collect();
        let facts = html! {
            dl.facts {
                dt { (l.t("Roadmap", "Feuille de route")) } dd { a href={ "/roadmaps/" (enc(p.roadmap_id.as_str())) } { (roadmap_title) } }
                dt { (l.t("Rank", "Rang")) } dd { (p.rank) }
                dt { (l.t("Funding requirement", "Besoin de financement")) } dd data-field="requirement" { (requirement_text(l, p.requirement)) }
                (source_facts(&model, l, p.source.as_ref()))
                (version_dt(l)) dd { (p.version) }
            }
            @match &funding {
                Err(e) => { p.alert role="alert" { (super::funding_problem(l, e)) } }
                Ok(_) => {
                    @if let Some((line, currency)) = &line { (priority_line(l, line, *currency)) }
                }
            }
            @if let Some(f) = &forecast { (super::forecast::section(l, f)) }
            (contributions_by_kind(&model, l, &id, &contributions))
            @if !prospects.is_empty() { (prospects_list(&model, l, &prospects, false)) }
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
                dt { (l.t("Amount", "Montant")) } dd data-field="amount" data-amount=[p.amount.map(|m| m.amount.to_string())] {
                    @match p.amount { Some(m) => (l.money(m)), None => (super::not_valued(l)) }
                }
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
                @if p.stated_status().is_some() && p.status != PledgeStatus::Pledged && p.status != PledgeStatus::Cancelled || p.committed_on.is_some() {
                    dt { (l.t("Committed on", "Engagé le")) } dd { (l.opt_date(p.committed_on)) }
                }
                @if let Some(d) = super::pledge_disbursed(l, &p) { dt { (l.t("Disbursed", "Décaissé")) } dd data-field="disbursed" { (d) } }
                (source_facts(&model, l, p.source.as_ref()))
                @if !p.disbursements.is_empty() {
                    dt { (l.t("Disbursements", "Décaissements")) }
                    dd { ul { @for d in &p.disbursements { li { (money_opt(l, d.amount)) " — " (l.opt_date(d.disbursed_on)) } } } }
                }
                @if let Some(d) = p.cancelled_on { dt { (l.t("Cancelled on", "Annulé le")) } dd { (l.date(d)) } }
                (tranche_facts(l, &p, web.app.clock().today()))
                (super::chain::facts(&model, l, &id))
                @if !p.themes.is_empty() { dt { (l.t("Themes", "Thèmes")) } dd { (l.themes(&p.themes)) } }
                @if let Some(pr) = &p.proposal_id { dt { (l.t("Proposal", "Proposition")) } dd { a href={ "/proposals/" (enc(pr.as_str())) } { (pr) } } }
                @if let Some(pa) = &p.partnership_id { dt { (l.t("Partnership", "Partenariat")) } dd { a href={ "/partnerships/" (enc(pa.as_str())) } { (pa) } } }
                @if let Some(d) = &p.description { dt { (l.t("Description", "Description")) } dd { (d) } }
                (version_dt(l)) dd data-field="version" { (p.version) }
            }
            (super::chain::diagram(&model, l, &id))
        };
        let title = format!("{} — {donor}", l.t("Pledge", "Annonce"));
        (
            title,
            facts,
            pledge::stream_id(&p.id),
            (p.status, p.amount.is_some(), !p.funded_by.is_empty()),
        )
    };
    let (status, valued, funded) = status;
    let base = format!("/pledges/{}", enc(&id));
    let actions = html! {
        @if status == PledgeStatus::Pledged { a.button href={ (base) "/commit" } { (l.t("Commit", "Engager")) } }
        @if matches!(status, PledgeStatus::Committed | PledgeStatus::PartlyDisbursed) { a.button href={ (base) "/disburse" } { (l.t("Record a disbursement", "Enregistrer un décaissement")) } }
        @if status != PledgeStatus::Cancelled { a.button.secondary href={ (base) "/revise" } { (l.t("Revise", "Réviser")) } }
        @if valued && matches!(status, PledgeStatus::Committed | PledgeStatus::PartlyDisbursed | PledgeStatus::Disbursed) { a.button.secondary href={ (base) "/tranches" } { (l.t("Expected tranches", "Échéancier")) } }
        @if matches!(status, PledgeStatus::Pledged | PledgeStatus::Committed) { a.button.secondary href={ (base) "/cancel" } { (l.t("Cancel", "Annuler")) } }
        @if valued && status != PledgeStatus::Cancelled { a.button.secondary href={ (base) "/link" } { (l.t("Funded by…", "Financée par…")) } }
        @if funded { a.button.secondary href={ (base) "/unlink" } { (l.t("Remove a funding link", "Retirer un lien de financement")) } }
    };
    entity_page(&web, &ctx, &uri, title, stream, facts, actions, Nav::Donors).await
}

/// The expected tranches as the disbursements cover them today, and what
/// is overdue (`docs/resource-mobilisation.md`).
fn tranche_facts(
    l: Lang,
    p: &fundtrail_domain::pledge::Pledge,
    today: chrono::NaiveDate,
) -> Markup {
    let (Some(value), false) = (p.amount, p.tranches.is_empty()) else {
        return html! {};
    };
    let c = value.currency;
    let schedule = p.schedule_on(today);
    let overdue = p.overdue_on(today);
    html! {
        dt { (l.t("Expected tranches", "Tranches prévues")) }
        dd data-field="tranches" {
            ul {
                @for t in &schedule {
                    li data-overdue=(t.overdue) {
                        (l.date(t.due_on)) " — " (l.amount(t.amount, c))
                        @if !t.covered.is_zero() { " · " (l.t("covered", "couvert")) " " (l.amount(t.covered, c)) }
                        @if t.overdue { " " strong.badge.warn { (l.t("overdue", "en retard")) } }
                    }
                }
            }
        }
        dt { (l.t("Overdue today", "En retard ce jour")) }
        dd data-field="overdue" data-amount=(overdue) { (l.amount(overdue, c)) }
    }
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
    model: &ReadModel,
    p: &fundtrail_projections::Versioned<'_, partnership::Partnership>,
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
            (source_facts(model, l, p.source.as_ref()))
            (version_dt(l)) dd { (p.version) }
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
                dt { (l.t("Amount requested", "Montant demandé")) } dd { (super::stated_money(l, p.requested)) }
                dt { (l.t("Status", "Statut")) } dd data-field="status" { (l.proposal_status(p.status)) }
                dt { (l.t("Submitted on", "Soumise le")) } dd { (l.opt_date(p.submitted_on)) }
                @if let Some(d) = p.decided_on { dt { (l.t("Decided on", "Décidée le")) } dd { (l.date(d)) } }
                @if !p.themes.is_empty() { dt { (l.t("Themes", "Thèmes")) } dd { (l.themes(&p.themes)) } }
                @if !p.priority_ids.is_empty() {
                    dt { (l.t("Priorities", "Priorités")) }
                    dd { ul { @for pid in &p.priority_ids { li { (priority_link(&model, pid.as_str())) } } } }
                }
                (source_facts(&model, l, p.source.as_ref()))
                (version_dt(l)) dd { (p.version) }
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

/// What a contribution gives besides money, as the source counts it:
/// « 2 motos, 1 ordinateur ; 189 jeunes ».
pub fn gives(l: Lang, p: &pledge::Pledge) -> Option<String> {
    let items: Vec<String> = p
        .items
        .iter()
        .map(|it| format!("{} {}", l.count(it.quantity), it.unit))
        .collect();
    let people: Vec<String> = p
        .beneficiaries
        .iter()
        .map(|b| format!("{} {}", l.count(b.count), b.description))
        .collect();
    let parts: Vec<String> = [items.join(", "), people.join(", ")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(l.t("; ", " ; ")))
}

/// A priority's funding line: what is required, committed, disbursed, the
/// gap and the coverage, as minimums (« au moins ») when contributions
/// without a value are left out.
fn priority_line(
    l: Lang,
    line: &fundtrail_projections::FundingLine,
    currency: fundtrail_domain::money::Currency,
) -> Markup {
    let lower = line.is_lower_bound();
    html! {
        h2 { (l.t("Funding", "Financement")) " (" (currency.code()) ")" }
        table data-testid="priority-funding" data-lower-bound=[lower.then_some("true")] {
            thead { tr {
                th.num scope="col" { (l.t("Required", "Besoin")) }
                th.num scope="col" { (l.t("Committed", "Engagé")) }
                th.num scope="col" { (l.t("Disbursed", "Décaissé")) }
                th.num scope="col" { (l.t("Gap", "Écart")) }
                th.num scope="col" { (l.t("Coverage", "Couverture")) }
                th.num scope="col" { (l.t("Pledged (apart)", "Annoncé (à part)")) }
                th.num scope="col" { (l.t("Unvalued", "Non chiffrés")) }
            } }
            tbody { tr {
                td.num data-field="required" data-amount=[line.required.map(|m| m.amount.to_string())] { (requirement_text(l, line.required)) }
                (bound_cell("committed", Some(line.committed), lower, min_money(l, line.committed, lower)))
                (bound_cell("disbursed", Some(line.disbursed), lower, min_money(l, line.disbursed, lower)))
                (bound_cell("gap", line.gap, lower, gap_money(l, line.gap, lower)))
                td.num data-field="coverage" data-value=[line.coverage.map(|c| c.to_string())] { (coverage(l, line)) }
                (bound_cell("pledged", Some(line.pledged), lower, pledged_money(l, line.pledged, line.unvalued_count)))
                td.num data-field="unvaluedCount" data-value=(line.unvalued_count) { (line.unvalued_count) }
            } }
        }
        @if lower {
            p.muted {
                (l.t(
                    "Contributions without a stated value are counted, never summed as zero: committed and coverage are minimums, the gap a maximum.",
                    "Les contributions sans valeur indiquée sont comptées, jamais additionnées comme zéro : l'engagé et la couverture sont des minimums, l'écart un maximum.",
                ))
            }
        }
    }
}

/// Who brings what to a priority, by kind (money, goods, technical
/// support), each with what it gives and the quote behind it.
fn contributions_by_kind(
    model: &ReadModel,
    l: Lang,
    priority_id: &str,
    pledges: &[fundtrail_projections::Versioned<'_, pledge::Pledge>],
) -> Markup {
    const KINDS: [ContributionKind; 3] = [
        ContributionKind::Cash,
        ContributionKind::InKind,
        ContributionKind::Technical,
    ];
    html! {
        section aria-labelledby="contributions-h" data-testid="contributions" {
            h2 id="contributions-h" { (l.t("Who contributes what", "Qui apporte quoi")) " (" (pledges.len()) ")" }
            @if pledges.is_empty() {
                p.muted { (l.t("No contribution is recorded for this priority.", "Aucune contribution n'est enregistrée pour cette priorité.")) }
            }
            @for kind in KINDS {
                @let these: Vec<_> = pledges.iter().filter(|p| p.kind == kind).collect();
                @if !these.is_empty() {
                    section data-kind=(kind.as_str()) {
                        h3 { (l.contribution_kind(kind)) " (" (these.len()) ")" }
                        ul {
                            @for p in these { (contribution_item(model, l, priority_id, p)) }
                        }
                    }
                }
            }
        }
    }
}

fn contribution_item(model: &ReadModel, l: Lang, priority_id: &str, p: &pledge::Pledge) -> Markup {
    // the part of a valued pledge allocated to this priority, else its amount
    let amount = p.amount.map(|m| {
        p.allocations
            .iter()
            .find(|a| a.priority_id.as_str() == priority_id)
            .map_or(m, |a| {
                fundtrail_domain::money::Money::new(a.amount, m.currency)
            })
    });
    html! {
        li data-pledge=(p.id.as_str()) {
            a href={ "/pledges/" (enc(p.id.as_str())) } {
                (p.description.clone().unwrap_or_else(|| p.id.to_string()))
            }
            dl.facts {
                dt { (l.t("Donor", "Bailleur")) } dd { (super::opt_org_link(model, l, p.donor_id.as_ref())) }
                dt { (l.t("Recipient", "Bénéficiaire")) } dd { (super::opt_org_link(model, l, p.recipient_id.as_ref())) }
                dt { (l.t("Status", "Statut")) } dd { (l.stated_pledge_status(p.stated_status(), p.kind)) }
                dt { (l.t("Amount", "Montant")) }
                dd data-field="amount" data-amount=[amount.map(|m| m.amount.to_string())] {
                    @match amount { Some(m) => (l.money(m)), None => (super::not_valued(l)) }
                }
                @if !p.items.is_empty() {
                    dt { (l.t("Items", "Articles")) }
                    dd data-field="items" {
                        (p.items.iter().map(|it| format!("{} {}", l.count(it.quantity), it.unit)).collect::<Vec<_>>().join(", "))
                    }
                }
                @if !p.beneficiaries.is_empty() {
                    dt { (l.t("Beneficiaries", "Bénéficiaires")) }
                    dd data-field="beneficiaries" {
                        (p.beneficiaries.iter().map(|b| format!("{} {}", l.count(b.count), b.description)).collect::<Vec<_>>().join(", "))
                    }
                }
            }
            (source_quote(model, l, p.source.as_ref()))
        }
    }
}

/// A roadmap's next steps: rank, title, status (or « non précisé »), the
/// month aimed at and its words, and the quote.
fn next_steps(
    model: &ReadModel,
    l: Lang,
    steps: &[fundtrail_projections::Versioned<'_, fundtrail_domain::next_step::NextStep>],
) -> Markup {
    html! {
        section aria-labelledby="steps-h" data-testid="next-steps" {
            h2 id="steps-h" { (l.t("Next steps", "Prochaines étapes")) " (" (steps.len()) ")" }
            @if steps.is_empty() {
                p.muted { (l.t("None recorded.", "Aucune n'est enregistrée.")) }
            } @else {
                ol {
                    @for s in steps {
                        li data-step=(s.id.as_str()) value=(s.rank) {
                            strong { "#" (s.rank) " " (s.title) }
                            dl.facts {
                                dt { (l.t("Status", "Statut")) }
                                dd data-field="status" data-value=(s.status.map_or("NOT_STATED", |x| x.as_str())) {
                                    @match s.status {
                                        Some(st) => {
                                            (l.next_step_status(st))
                                            @if let Some(d) = s.status_on { " (" (l.date(d)) ")" }
                                        }
                                        None => em.not-stated { (l.not_stated()) },
                                    }
                                }
                                @if s.target_month.is_some() || s.target.is_some() {
                                    dt { (l.t("Aimed for", "Objectif")) }
                                    dd data-field="target" {
                                        @if let Some(m) = &s.target_month {
                                            time datetime=(m) { (l.t("by ", "d'ici ")) (l.month(m)) }
                                        }
                                        @if let Some(t) = &s.target {
                                            @if s.target_month.is_some() { " — " }
                                            (t)
                                        }
                                    }
                                }
                            }
                            (source_quote(model, l, s.source.as_ref()))
                        }
                    }
                }
            }
        }
    }
}

/// A roadmap's actions, by due date: what, by whom, when, where it stands,
/// what it follows up; with the form that changes its status.
fn actions_list(model: &ReadModel, l: Lang, roadmap: &str, may_record: bool) -> Markup {
    use fundtrail_domain::enums::ActionSubject;
    let actions = model.actions(&fundtrail_projections::ActionFilter {
        roadmap: Some(roadmap),
        ..Default::default()
    });
    let about = |a: &fundtrail_domain::action::About| -> Markup {
        let id = a.id.as_str();
        match a.kind {
            ActionSubject::NextStep => html! {
                (l.t("next step", "prochaine étape")) " "
                (model.next_step(id).map_or_else(|| id.to_owned(), |s| format!("#{} {}", s.rank, s.title)))
            },
            ActionSubject::Prospect => html! {
                a href={ "/pipeline#prospect-" (enc(id)) } { (l.t("donor approach", "démarche auprès d'un bailleur")) " " (id) }
            },
            ActionSubject::Proposal => {
                html! { a href={ "/proposals/" (enc(id)) } { (l.t("proposal", "proposition")) " " (id) } }
            }
            ActionSubject::Partnership => {
                html! { a href={ "/partnerships/" (enc(id)) } { (l.t("partnership", "partenariat")) " " (id) } }
            }
            ActionSubject::Pledge => {
                html! { a href={ "/pledges/" (enc(id)) } { (l.t("pledge", "annonce")) " " (id) } }
            }
        }
    };
    html! {
        section aria-labelledby="actions-h" data-testid="actions" {
            h2 id="actions-h" { (l.t("Actions", "Actions")) " (" (actions.len()) ")" }
            @if actions.is_empty() {
                p.muted { (l.t("None recorded.", "Aucune n'est enregistrée.")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (l.t("Action", "Action")) }
                        th scope="col" { (l.t("Done by", "Par")) }
                        th scope="col" { (l.t("Due on", "Échéance")) }
                        th scope="col" { (l.t("Status", "Statut")) }
                        th scope="col" { (l.t("Follows up", "Suite donnée à")) }
                    } }
                    tbody {
                        @for a in &actions {
                            tr id={ "action-" (a.id.as_str()) } data-action=(a.id.as_str()) {
                                th scope="row" { (a.title) }
                                td { @match &a.owner { Some(o) => (o), None => em.not-stated { (l.not_stated()) } } }
                                td { @match a.due_on { Some(d) => (l.date(d)), None => em.not-stated { (l.not_stated()) } } }
                                td data-field="status" data-value=(a.status.as_str()) {
                                    (l.action_status(a.status))
                                    @if let Some(c) = a.history.last() { @if let Some(d) = c.on { " (" (l.date(d)) ")" } }
                                    @if may_record {
                                        " " a href={ "/actions/" (enc(a.id.as_str())) "/status" } { (l.t("change", "changer")) }
                                    }
                                }
                                td { @if let Some(x) = &a.about { (about(x)) } @else { "—" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Donors a country means to approach: the organisation (or the words the
/// source uses), the priorities, the quote.
fn prospects_list(
    model: &ReadModel,
    l: Lang,
    prospects: &[fundtrail_projections::Versioned<'_, fundtrail_domain::prospect::Prospect>],
    with_priorities: bool,
) -> Markup {
    html! {
        section aria-labelledby="prospects-h" data-testid="prospects" {
            h2 id="prospects-h" { (l.t("Donors to approach", "Bailleurs à approcher")) " (" (prospects.len()) ")" }
            @if prospects.is_empty() {
                p.muted { (l.t("None recorded.", "Aucun n'est enregistré.")) }
            } @else {
                ul {
                    @for p in prospects {
                        li data-prospect=(p.id.as_str()) {
                            @match (&p.organisation_id, &p.name) {
                                (Some(o), _) => { strong { (org_link(model, o.as_str())) } }
                                (None, Some(n)) => { strong { (n) } }
                                (None, None) => { em.not-stated { (l.not_stated()) } }
                            }
                            @if with_priorities && !p.priority_ids.is_empty() {
                                " — " (l.t("for", "pour")) " "
                                @for (i, pid) in p.priority_ids.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    (priority_link(model, pid.as_str()))
                                }
                            }
                            @if !p.themes.is_empty() { " — " (l.themes(&p.themes)) }
                            @if let Some(n) = &p.note { br; (n) }
                            (source_quote(model, l, p.source.as_ref()))
                        }
                    }
                }
            }
        }
    }
}
