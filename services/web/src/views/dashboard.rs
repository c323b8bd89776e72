//! `/`: a roadmap's funding by priority, the same figures as GraphQL's
//! `fundingByPriority` (read from the same read model), in a chosen
//! currency, as recorded at `asOf` and as happened by `on`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use chrono::Utc;
use fundtrail_projections::{FundingLine, ReadModel, RoadmapFunding};
use maud::{Markup, html};

use super::{
    amount_cell, bound_cell, coverage, currency_choices, funding_problem, gap_money, min_money,
    parse_as_of, parse_currency, parse_date, pledged_money,
};
use crate::chart;
use crate::i18n::Lang;
use crate::layout::{self, Nav};
use crate::{Ctx, Web, param, query_pairs};

/// The dashboard's question, as typed in its filters.
struct Question {
    roadmap: Option<String>,
    currency: Option<String>,
    on: Option<String>,
    as_of: Option<String>,
    attribution: fundtrail_projections::Attribution,
}

pub async fn page(State(web): State<Web>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = Ctx::new(&web, &headers, &uri);
    if let Err(r) = ctx.require_reader() {
        return r;
    }
    let pairs = query_pairs(&uri);
    let q = Question {
        roadmap: param(&pairs, "roadmap").map(str::to_owned),
        currency: param(&pairs, "currency").map(str::to_owned),
        on: param(&pairs, "on").map(str::to_owned),
        as_of: param(&pairs, "asOf").map(str::to_owned),
        attribution: super::parse_attribution(param(&pairs, "attribution")),
    };
    let model = web.app.read();
    let (status, body, title) = render(&ctx, &model, &q, web.app.clock().today());
    drop(model);
    layout::page_with(&ctx, status, &title, Nav::Dashboard, body)
}

fn render(
    ctx: &Ctx,
    model: &ReadModel,
    q: &Question,
    today: chrono::NaiveDate,
) -> (StatusCode, Markup, String) {
    let l = ctx.lang;
    let roadmaps = model.roadmaps();
    let chosen = match &q.roadmap {
        Some(id) => roadmaps.iter().find(|r| r.id.as_str() == id),
        None => roadmaps.first(),
    };
    let Some(roadmap) = chosen else {
        let body = html! {
            h1 { (l.t("Dashboard", "Tableau de bord")) }
            @if q.roadmap.is_some() {
                p.alert role="alert" { (l.t("This roadmap does not exist.", "Cette feuille de route n'existe pas.")) }
            } @else {
                p { (l.t("No roadmap is recorded yet.", "Aucune feuille de route n'est encore enregistrée.")) }
            }
        };
        let status = if q.roadmap.is_some() {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        return (status, body, l.t("Dashboard", "Tableau de bord").to_owned());
    };
    let mut problems: Vec<(&str, String)> = Vec::new();
    let currency = match q.currency.as_deref() {
        None => None,
        Some(raw) => match parse_currency(raw) {
            Some(c) => Some(c),
            None => {
                problems.push((
                    "currency",
                    l.t(
                        "Choose a currency from the list.",
                        "Choisissez une devise de la liste.",
                    )
                    .to_owned(),
                ));
                None
            }
        },
    };
    let on = match q.on.as_deref() {
        None => None,
        Some(raw) => match parse_date(raw) {
            Some(d) => Some(d),
            None => {
                problems.push((
                    "on",
                    l.t(
                        "Enter a date as YYYY-MM-DD.",
                        "Saisissez une date au format AAAA-MM-JJ.",
                    )
                    .to_owned(),
                ));
                None
            }
        },
    };
    let as_of = match q.as_of.as_deref() {
        None => None,
        Some(raw) => match parse_as_of(raw) {
            Some(t) => Some(t),
            None => {
                problems.push((
                    "asOf",
                    l.t(
                        "Enter a date as YYYY-MM-DD.",
                        "Saisissez une date au format AAAA-MM-JJ.",
                    )
                    .to_owned(),
                ));
                None
            }
        },
    };
    let funding = if problems.is_empty() {
        Some(model.funding_attributed(
            roadmap.id.as_str(),
            currency,
            as_of,
            on,
            today,
            q.attribution,
        ))
    } else {
        None
    };
    let shown_currency = currency.unwrap_or(roadmap.currency);
    let choices = currency_choices(model, Some(roadmap.currency));
    let title = roadmap.title.clone();
    let error_for = |field: &str| {
        problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
    };
    let body = html! {
        h1 { (roadmap.title) }
        p.muted {
            (roadmap.country) " · "
            (l.t("period", "période")) " " (l.date(roadmap.period_start)) " – " (l.date(roadmap.period_end)) " · "
            (l.t("reporting currency", "devise de rapport")) " " (roadmap.currency.code()) " · "
            a href={ "/roadmaps/" (crate::enc(roadmap.id.as_str())) } { (l.t("roadmap page and history", "fiche et historique de la feuille de route")) }
        }
        (super::worklist::counts_box(l, model, roadmap.id.as_str(), today))
        form.filters.panel method="get" action="/" data-autosubmit aria-label=(l.t("What to show", "Que montrer")) {
            div {
                label for="f-roadmap" { (l.t("Roadmap", "Feuille de route")) }
                select id="f-roadmap" name="roadmap" {
                    @for r in &roadmaps {
                        option value=(r.id.as_str()) selected[r.id == roadmap.id] { (r.title) }
                    }
                }
            }
            div {
                label for="f-currency" { (l.t("Currency", "Devise")) }
                select id="f-currency" name="currency" aria-invalid=[error_for("currency").map(|_| "true")] {
                    @for c in &choices {
                        option value=(c.code()) selected[*c == shown_currency] { (c.code()) }
                    }
                }
            }
            div {
                label for="f-on" title=(l.t("value date (parameter on)", "date de valeur (paramètre on)")) {
                    (l.t("As things stood on", "À la date du"))
                    span.hint { (l.t("facts dated up to this day", "faits datés jusqu'à ce jour")) }
                }
                input id="f-on" type="date" name="on" value=[q.on.as_deref()]
                    aria-invalid=[error_for("on").map(|_| "true")] aria-describedby=[error_for("on").map(|_| "f-on-error")];
                @if let Some(e) = error_for("on") { span.error-text id="f-on-error" { (e) } }
            }
            div {
                label for="f-asof" title=(l.t("recorded time (parameter asOf)", "date d'enregistrement (paramètre asOf)")) {
                    (l.t("As recorded on", "Tel qu'enregistré le"))
                    span.hint { (l.t("what the ledger knew that day", "ce que le registre savait ce jour-là")) }
                }
                input id="f-asof" type="date" name="asOf" value=[q.as_of.as_deref().map(|s| s.get(..10).unwrap_or(s))]
                    aria-invalid=[error_for("asOf").map(|_| "true")] aria-describedby=[error_for("asOf").map(|_| "f-asof-error")];
                @if let Some(e) = error_for("asOf") { span.error-text id="f-asof-error" { (e) } }
            }
            (super::attribution_select(l, "f-attribution", q.attribution))
            div {
                button type="submit" { (l.t("Show", "Afficher")) }
                " "
                a.button.secondary href={ "/?roadmap=" (crate::enc(roadmap.id.as_str())) } { (l.t("Reset", "Réinitialiser")) }
            }
        }
        @if let Some(e) = error_for("currency") { p.alert role="alert" { (e) } }
        @match &funding {
            None => {}
            Some(Err(e)) => { p.alert role="alert" data-testid="funding-error" { (funding_problem(l, e)) } }
            Some(Ok(f)) => { (figures(ctx, model, f, as_of, on)) }
        }
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    (status, body, title)
}

fn figures(
    ctx: &Ctx,
    model: &ReadModel,
    f: &RoadmapFunding,
    as_of: Option<chrono::DateTime<Utc>>,
    on: Option<chrono::NaiveDate>,
) -> Markup {
    let l = ctx.lang;
    let label = |id: &str, rank: u32| {
        model.priority(id).map_or_else(
            || format!("#{rank}"),
            |p| format!("#{} {}", p.rank, p.title),
        )
    };
    let rows: Vec<chart::Row> = f
        .priorities
        .iter()
        .map(|p| chart_row(label(&p.priority_id, p.rank), &p.line))
        .chain(std::iter::once(chart_row(
            l.t("Not allocated to a priority", "Non affecté à une priorité")
                .to_owned(),
            &f.unallocated,
        )))
        .collect();
    let chart_title = match l {
        Lang::En => format!("Funding by priority, in {}", f.currency.code()),
        Lang::Fr => format!("Financement par priorité, en {}", f.currency.code()),
    };
    html! {
        p data-testid="clocks" {
            (l.t("Figures in", "Montants en")) " " strong { (f.currency.code()) } ", "
            @match as_of {
                Some(t) => { (l.t("as the ledger had recorded them on", "tels qu'enregistrés le")) " " (l.instant(t)) }
                None => { (l.t("as recorded now", "tels qu'enregistrés à ce jour")) }
            }
            ", "
            @match on {
                Some(d) => { (l.t("for facts dated up to", "pour les faits datés jusqu'au")) " " (l.date(d)) }
                None => { (l.t("for every fact whatever its date", "pour tous les faits, quelle que soit leur date")) }
            }
            " (" span title=(l.t("ledger position", "position dans le registre (position)")) { (l.t("entry number in the ledger", "numéro dans le registre")) } " " (f.position) ")."
        }
        section aria-labelledby="chart-h" {
            h2 id="chart-h" { (chart_title) }
            (chart::render(l, f.currency, &chart_title, &rows))
        }
        section aria-labelledby="table-h" {
            h2 id="table-h" { (l.t("Figures by priority", "Montants par priorité")) }
            p.muted {
                (l.t(
                    "Pledged amounts are announcements, shown apart: coverage and gap count committed money only. Unvalued items are counted, never summed as zero.",
                    "Les montants annoncés sont des promesses, montrées à part : la couverture et l'écart ne comptent que l'argent engagé. Les apports non chiffrés sont comptés, jamais additionnés comme zéro.",
                ))
            }
            table data-testid="funding-table" data-currency=(f.currency.code()) {
                caption { (l.t("Funding by priority", "Financement par priorité")) " (" (f.currency.code()) ")" }
                thead {
                    tr {
                        th scope="col" { (l.t("Priority", "Priorité")) }
                        th.num scope="col" { (l.t("Required", "Besoin")) }
                        th.num scope="col" { (l.t("Committed", "Engagé")) }
                        th.num scope="col" { (l.t("Disbursed", "Décaissé")) }
                        th.num scope="col" { (l.t("Gap", "Écart")) }
                        th.num scope="col" { (l.t("Coverage", "Couverture")) }
                        th.num scope="col" { (l.t("Pledged (apart)", "Annoncé (à part)")) }
                        th.num scope="col" { (l.t("Unvalued", "Non chiffrés")) }
                    }
                }
                tbody {
                    @for p in &f.priorities {
                        (line_row(l, html! { (super::priority_link(model, &p.priority_id)) }, "priority", Some(&p.priority_id), &p.line))
                    }
                    (line_row(l, html! { (l.t("Not allocated to a priority", "Non affecté à une priorité")) }, "unallocated", None, &f.unallocated))
                }
                tfoot {
                    (line_row(l, html! { (l.t("Total", "Total")) }, "total", None, &f.total))
                }
            }
        }
        (donors_by_priority(l, model, f))
    }
}

fn chart_row(label: String, line: &FundingLine) -> chart::Row {
    chart::Row {
        label,
        required: line.required.map(|m| m.amount),
        pledged: line.pledged.amount,
        committed: line.committed.amount,
        disbursed: line.disbursed.amount,
        gap: line.gap.map(|m| m.amount),
        coverage: line.coverage,
        unvalued: line.unvalued_count,
        undated: line.undated_count,
    }
}

fn line_row(l: Lang, label: Markup, kind: &str, id: Option<&str>, line: &FundingLine) -> Markup {
    let class = if kind == "total" { Some("total") } else { None };
    let lower = line.is_lower_bound();
    html! {
        tr class=[class] data-line=(kind) data-priority=[id] data-lower-bound=[lower.then_some("true")] {
            th scope="row" { (label) }
            (amount_cell(l, "required", line.required))
            (bound_cell("committed", Some(line.committed), lower, min_money(l, line.committed, lower)))
            (bound_cell("disbursed", Some(line.disbursed), lower, min_money(l, line.disbursed, lower)))
            (bound_cell("gap", line.gap, lower, gap_money(l, line.gap, lower)))
            td.num data-field="coverage" data-value=[line.coverage.map(|c| c.to_string())] {
                (coverage(l, line))
            }
            (bound_cell("pledged", Some(line.pledged), lower, pledged_money(l, line.pledged, line.unvalued_count)))
            td.num data-field="unvaluedCount" data-value=(line.unvalued_count) { (line.unvalued_count) }
        }
    }
}

/// One donor's figures on a line (dashboard, organisation page): a donor
/// with unvalued contributions there has minimums, never a bare zero.
pub(crate) fn donor_cells(l: Lang, d: &fundtrail_projections::DonorFunding) -> Markup {
    let lower = d.unvalued_count > 0;
    html! {
        (bound_cell("committed", Some(d.committed), lower, min_money(l, d.committed, lower)))
        (bound_cell("disbursed", Some(d.disbursed), lower, min_money(l, d.disbursed, lower)))
        (bound_cell("pledged", Some(d.pledged), lower, pledged_money(l, d.pledged, d.unvalued_count)))
        td.num data-field="unvaluedCount" data-value=(d.unvalued_count) { (d.unvalued_count) }
    }
}

/// Donors listed under each priority on the dashboard (the donor map has them all).
const TOP_DONORS: usize = 10;

/// A line's largest donors. The read model keeps a line's donors in its one
/// order (committed, then pledged, largest first; then the id), which
/// GraphQL shows too: the dashboard takes the first ones.
fn top_donors(
    donors: &[fundtrail_projections::DonorFunding],
) -> Vec<&fundtrail_projections::DonorFunding> {
    donors.iter().take(TOP_DONORS).collect()
}

/// Who funds each priority (the same lines' donors).
fn donors_by_priority(l: Lang, model: &ReadModel, f: &RoadmapFunding) -> Markup {
    let any =
        f.priorities.iter().any(|p| !p.line.donors.is_empty()) || !f.unallocated.donors.is_empty();
    if !any {
        return html! {};
    }
    html! {
        section aria-labelledby="donors-h" {
            h2 id="donors-h" { (l.t("Who funds each priority", "Qui finance chaque priorité")) }
            @for (label, line) in f.priorities.iter().map(|p| (model.priority(&p.priority_id).map_or_else(|| format!("#{}", p.rank), |x| format!("#{} {}", x.rank, x.title)), &p.line))
                .chain(std::iter::once((l.t("Not allocated to a priority", "Non affecté à une priorité").to_owned(), &f.unallocated))) {
                @if !line.donors.is_empty() {
                    details {
                        summary { (label) " — " (line.donors.len()) " " (l.t("donor(s)", "bailleur(s)")) }
                        table {
                            thead { tr {
                                th scope="col" { (l.t("Donor", "Bailleur")) }
                                th.num scope="col" { (l.t("Committed", "Engagé")) }
                                th.num scope="col" { (l.t("Disbursed", "Décaissé")) }
                                th.num scope="col" { (l.t("Pledged (apart)", "Annoncé (à part)")) }
                                th.num scope="col" { (l.t("Unvalued", "Non chiffrés")) }
                            } }
                            tbody {
                                @for d in top_donors(&line.donors) {
                                    tr {
                                        th scope="row" { (super::org_link(model, &d.organisation_id)) }
                                        (donor_cells(l, d))
                                    }
                                }
                            }
                        }
                        @if line.donors.len() > TOP_DONORS {
                            p.muted {
                                (l.t("The largest", "Les"))  " " (TOP_DONORS) " " (l.t("of", "plus importants sur")) " " (line.donors.len()) ". "
                                a href={ "/donors?roadmap=" (crate::enc(&f.roadmap_id)) } { (l.t("Every donor: the donor map", "Tous les bailleurs : la carte des bailleurs")) }
                            }
                        }
                    }
                }
            }
        }
    }
}
