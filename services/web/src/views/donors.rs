//! `/donors`: the donor map (GraphQL's `donorMap`): who funds what, largest
//! committed first, filtered by theme and kind of organisation, with each
//! donor's committed and disbursed amounts per priority of the roadmap.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use fundtrail_domain::enums::{OrganisationKind, Theme};
use fundtrail_domain::money::Money;
use fundtrail_projections::{DonorMapQuery, ReadModel};
use maud::{Markup, html};

use super::{
    bound_cell, currency_choices, funding_problem, min_money, not_valued, org_link, parse_currency,
    pledged_money,
};
use crate::layout::{self, Nav};
use crate::{Ctx, Web, enc, param, query_pairs};

/// Donors on one page.
const PAGE: usize = 100;

pub async fn page(State(web): State<Web>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = Ctx::new(&web, &headers, &uri);
    if let Err(r) = ctx.require_reader() {
        return r;
    }
    let pairs = query_pairs(&uri);
    let model = web.app.read();
    let (status, body) = render(&ctx, &model, &pairs, web.app.clock().today());
    drop(model);
    layout::page_with(
        &ctx,
        status,
        ctx.lang.t("Donor map", "Carte des bailleurs"),
        Nav::Donors,
        body,
    )
}

fn render(
    ctx: &Ctx,
    model: &ReadModel,
    pairs: &[(String, String)],
    today: chrono::NaiveDate,
) -> (StatusCode, Markup) {
    let l = ctx.lang;
    let roadmaps = model.roadmaps();
    // Always one roadmap (its priorities are the columns; its currency the
    // default): the one asked, else the first.
    let roadmap: Option<String> = param(pairs, "roadmap")
        .map(str::to_owned)
        .or_else(|| roadmaps.first().map(|r| r.id.as_str().to_owned()));
    let theme =
        param(pairs, "theme").and_then(|t| Theme::ALL.iter().copied().find(|x| x.as_str() == t));
    let kind = param(pairs, "kind").and_then(|k| {
        OrganisationKind::ALL
            .iter()
            .copied()
            .find(|x| x.as_str() == k)
    });
    let currency = param(pairs, "currency").and_then(parse_currency);
    let attribution = super::parse_attribution(param(pairs, "attribution"));
    let page: usize = param(pairs, "page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let query = DonorMapQuery {
        attribution,
        roadmap_id: roadmap.clone(),
        theme,
        kind,
        currency,
        today,
    };
    let found = model.donor_map(&query);
    // Per priority: the same lines as the dashboard's (themes and kinds are
    // not filters of `fundingByPriority`, so these columns show the donor's
    // whole contribution to each priority).
    let reporting = currency.or_else(|| {
        roadmap
            .as_deref()
            .and_then(|r| model.roadmap(r))
            .map(|r| r.currency)
    });
    let per_priority = roadmap.as_deref().and_then(|r| {
        model
            .funding_attributed(r, reporting, None, None, today, attribution)
            .ok()
    });
    // (committed, disbursed, unvalued count) of each donor on each priority
    let mut by_donor: HashMap<&str, Vec<(Money, Money, u32)>> = HashMap::new();
    if let Some(f) = &per_priority {
        for (i, p) in f.priorities.iter().enumerate() {
            for d in &p.line.donors {
                let zero = (
                    Money::new(Default::default(), f.currency),
                    Money::new(Default::default(), f.currency),
                    0,
                );
                let row = by_donor
                    .entry(d.organisation_id.as_str())
                    .or_insert_with(|| vec![zero; f.priorities.len()]);
                row[i] = (d.committed, d.disbursed, d.unvalued_count);
            }
        }
    }
    let choices = currency_choices(model, reporting);
    let shown_currency = reporting.map(|c| c.code()).unwrap_or("");
    let filter_link = |page: usize| {
        format!(
            "/donors?roadmap={}&theme={}&kind={}&currency={}&attribution={}&page={page}",
            enc(roadmap.as_deref().unwrap_or("")),
            theme.map_or("", |t| t.as_str()),
            kind.map_or("", |k| k.as_str()),
            currency.map_or("", |c| c.code()),
            super::attribution_param(attribution),
        )
    };
    let body = html! {
        h1 { (l.t("Donor map", "Carte des bailleurs")) }
        p.muted { (l.t("Every organisation that pledged, proposed to or partnered on the roadmap, largest committed first. Pledged amounts are announcements, shown apart.",
                       "Toutes les organisations qui ont annoncé une contribution, reçu une proposition ou conclu un partenariat sur la feuille de route, par montant engagé décroissant. Les montants annoncés sont des promesses, montrés à part.")) }
        form.filters.panel method="get" action="/donors" data-autosubmit aria-label=(l.t("Filters", "Filtres")) {
            div {
                label for="d-roadmap" { (l.t("Roadmap", "Feuille de route")) }
                select id="d-roadmap" name="roadmap" {
                    @for r in &roadmaps {
                        option value=(r.id.as_str()) selected[roadmap.as_deref() == Some(r.id.as_str())] { (r.title) }
                    }
                }
            }
            div {
                label for="d-theme" { (l.t("Theme", "Thème")) }
                select id="d-theme" name="theme" {
                    option value="" { (l.t("All themes", "Tous les thèmes")) }
                    @for t in Theme::ALL { option value=(t.as_str()) selected[theme == Some(*t)] { (l.theme(*t)) } }
                }
            }
            div {
                label for="d-kind" { (l.t("Kind of organisation", "Type d'organisation")) }
                select id="d-kind" name="kind" {
                    option value="" { (l.t("All kinds", "Tous les types")) }
                    @for k in OrganisationKind::ALL { option value=(k.as_str()) selected[kind == Some(*k)] { (l.kind(*k)) } }
                }
            }
            div {
                label for="d-currency" { (l.t("Currency", "Devise")) }
                select id="d-currency" name="currency" {
                    @if reporting.is_none() { option value="" { (l.t("Default", "Par défaut")) } }
                    @for c in &choices { option value=(c.code()) selected[c.code() == shown_currency] { (c.code()) } }
                }
            }
            (super::attribution_select(l, "d-attribution", attribution))
            div { button type="submit" { (l.t("Show", "Afficher")) } }
        }
        @match &found {
            Err(e) => { p.alert role="alert" { (funding_problem(l, e)) } }
            Ok(donors) => {
                @let pages = donors.len().div_ceil(PAGE).max(1);
                @let page = page.min(pages);
                p data-testid="donor-count" { (donors.len()) " " (l.t("organisation(s)", "organisation(s)")) }
                div.scroll role="region" tabindex="0" aria-label=(l.t("Donors, largest committed first", "Bailleurs, par montant engagé décroissant")) {
                table data-testid="donor-table" {
                    caption { (l.t("Donors, largest committed first", "Bailleurs, par montant engagé décroissant")) }
                    thead {
                        tr {
                            th scope="col" { (l.t("Organisation", "Organisation")) }
                            th scope="col" { (l.t("Kind", "Type")) }
                            th.num scope="col" { (l.t("Committed", "Engagé")) }
                            th.num scope="col" { (l.t("Disbursed", "Décaissé")) }
                            th.num scope="col" { (l.t("Pledged (apart)", "Annoncé (à part)")) }
                            th.num scope="col" { (l.t("Unvalued", "Non chiffrés")) }
                            @if let Some(f) = &per_priority {
                                @for p in &f.priorities {
                                    th.num scope="col" title=(model.priority(&p.priority_id).map(|x| x.title.clone()).unwrap_or_default()) {
                                        "#" (p.rank) " " span.muted { (l.t("committed / disbursed", "engagé / décaissé")) }
                                    }
                                }
                            }
                            th scope="col" { (l.t("Themes", "Thèmes")) }
                            th.num scope="col" { (l.t("Partnerships", "Partenariats")) }
                            th.num scope="col" { (l.t("Proposals", "Propositions")) }
                        }
                    }
                    tbody {
                        @for d in donors.iter().skip((page - 1) * PAGE).take(PAGE) {
                            tr data-donor=(d.organisation_id) {
                                th scope="row" { (org_link(model, &d.organisation_id)) }
                                td { (model.organisation(&d.organisation_id).map_or("", |o| l.kind(o.kind))) }
                                @let lower = d.unvalued_count > 0;
                                @if d.unvalued_count == 0 && d.pledged.amount.is_zero() && d.committed.amount.is_zero() && d.disbursed.amount.is_zero() {
                                    // no contribution recorded (a partner or a proposal's donor only)
                                    @for field in ["committed", "disbursed", "pledged"] {
                                        (bound_cell(field, None, false, html! { span.muted title=(l.t("No contribution recorded", "Aucune contribution enregistrée")) { "—" } }))
                                    }
                                } @else {
                                    (bound_cell("committed", Some(d.committed), lower, min_money(l, d.committed, lower)))
                                    (bound_cell("disbursed", Some(d.disbursed), lower, min_money(l, d.disbursed, lower)))
                                    (bound_cell("pledged", Some(d.pledged), lower, pledged_money(l, d.pledged, d.unvalued_count)))
                                }
                                td.num data-field="unvaluedCount" data-value=(d.unvalued_count) { (d.unvalued_count) }
                                @if let Some(f) = &per_priority {
                                    @for i in 0..f.priorities.len() {
                                        td.num {
                                            @match by_donor.get(d.organisation_id.as_str()).map(|r| r[i]).filter(|(c, b, n)| !c.amount.is_zero() || !b.amount.is_zero() || *n > 0) {
                                                Some((c, b, n)) if c.amount.is_zero() && b.amount.is_zero() => { (not_valued(l)) br; small.muted { (l.unvalued_contributions(n)) } }
                                                Some((c, b, n)) => { (min_money(l, c, n > 0)) br; span.muted { (min_money(l, b, n > 0)) } }
                                                None => span.muted { "—" },
                                            }
                                        }
                                    }
                                }
                                td { (l.themes(&d.themes)) }
                                td.num { (d.partnerships.len()) }
                                td.num { (d.proposals.len()) }
                            }
                        }
                    }
                }
                }
                @if theme.is_some() && per_priority.is_some() {
                    p.muted { (l.t("The theme filters the totals; the columns per priority count every theme of the donor's pledges.",
                                   "Le thème filtre les totaux ; les colonnes par priorité comptent tous les thèmes des annonces du bailleur.")) }
                }
                @if pages > 1 {
                    nav.pager aria-label=(l.t("Pages", "Pages")) {
                        @if page > 1 { a href=(filter_link(page - 1)) rel="prev" { "← " (l.t("Previous", "Précédent")) } }
                        span { (l.t("Page", "Page")) " " (page) " / " (pages) }
                        @if page < pages { a href=(filter_link(page + 1)) rel="next" { (l.t("Next", "Suivant")) " →" } }
                    }
                }
            }
        }
    };
    let status = if found.is_err() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (status, body)
}
