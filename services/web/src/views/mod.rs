//! The pages. Each handler reads what it needs from the read models under a
//! short lock, renders, and answers; nothing is held across an `.await`.

pub mod audit;
pub mod chain;
pub mod dashboard;
pub mod donors;
pub mod entity;
pub mod forecast;
pub mod history;
pub mod login;
pub mod organisation;
pub mod pipeline;
pub mod worklist;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use fundtrail_domain::ConversionError;
use fundtrail_domain::money::{Currency, Money};
use fundtrail_projections::{FundingError, FundingLine, ReadModel};
use maud::{Markup, html};

use crate::Ctx;
use crate::i18n::Lang;
use crate::layout::{self, Nav};

/// A 403 page.
pub fn refused(ctx: &Ctx, why: &str) -> Response {
    let l = ctx.lang;
    layout::page_with(
        ctx,
        StatusCode::FORBIDDEN,
        l.t("Not allowed", "Non autorisé"),
        Nav::None,
        html! {
            h1 { (l.t("Not allowed", "Non autorisé")) }
            p.alert role="alert" { (why) }
            p { a href="/" { (l.t("Back to the dashboard", "Retour au tableau de bord")) } }
        },
    )
}

/// A 404 page.
pub fn not_found(ctx: &Ctx, what: &str, id: &str) -> Response {
    let l = ctx.lang;
    layout::page_with(
        ctx,
        StatusCode::NOT_FOUND,
        l.t("Not found", "Introuvable"),
        Nav::None,
        html! {
            h1 { (l.t("Not found", "Introuvable")) }
            p.alert role="alert" { (what) " « " (id) " » " (l.t("is not in this ledger.", "ne figure pas dans ce registre.")) }
            p { a href="/" { (l.t("Back to the dashboard", "Retour au tableau de bord")) } }
        },
    )
}

/// A 500 page (the log says more).
pub fn failed(ctx: &Ctx) -> Response {
    let l = ctx.lang;
    layout::page_with(
        ctx,
        StatusCode::INTERNAL_SERVER_ERROR,
        l.t("Server error", "Erreur du serveur"),
        Nav::None,
        html! {
            h1 { (l.t("Server error", "Erreur du serveur")) }
            p.alert role="alert" { (l.t("The ledger could not be read. Please try again.", "Le registre n'a pas pu être lu. Veuillez réessayer.")) }
        },
    )
}

/// Why figures cannot be given, in the reader's language.
pub fn funding_problem(l: Lang, e: &FundingError) -> String {
    match e {
        FundingError::RoadmapNotFound(id) => match l {
            Lang::En => format!("Roadmap « {id} » does not exist."),
            Lang::Fr => format!("La feuille de route « {id} » n'existe pas."),
        },
        FundingError::Conversion(ConversionError::MissingRate { base, quote, on }) => match l {
            Lang::En => format!(
                "No exchange rate {base}/{quote} in force on {}: record one, or choose another currency.",
                l.date(*on)
            ),
            Lang::Fr => format!(
                "Aucun taux de change {base}/{quote} en vigueur le {} : enregistrez-en un, ou choisissez une autre devise.",
                l.date(*on)
            ),
        },
        FundingError::Conversion(ConversionError::Overflow { .. }) => l
            .t(
                "These amounts are too large to convert.",
                "Ces montants sont trop grands pour être convertis.",
            )
            .to_owned(),
    }
}

/// A date query parameter (`YYYY-MM-DD`).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    fundtrail_app::input::parse_date(raw.trim()).ok()
}

/// `asOf`: an RFC 3339 instant, or a day (its end, UTC: what had been
/// recorded by then), as every face reads it ([`fundtrail_app::input::parse_as_of`]).
pub fn parse_as_of(raw: &str) -> Option<DateTime<Utc>> {
    fundtrail_app::input::parse_as_of(raw).ok()
}

pub fn parse_currency(raw: &str) -> Option<Currency> {
    raw.trim().to_ascii_uppercase().parse::<Currency>().ok()
}

/// An organisation's short name (acronym, else name) and its link.
pub fn org_link(model: &ReadModel, id: &str) -> Markup {
    match model.organisation(id) {
        Some(o) => {
            let short = o.acronym.clone().unwrap_or_else(|| o.name.clone());
            html! { a href={ "/organisations/" (crate::enc(id)) } title=(o.name) { (short) } }
        }
        None => html! { (id) },
    }
}

/// [`org_link`] for a party the source may not state: « non précisé ».
pub fn opt_org_link(
    model: &ReadModel,
    l: crate::i18n::Lang,
    id: Option<&fundtrail_domain::ids::OrganisationId>,
) -> Markup {
    match id {
        Some(id) => org_link(model, id.as_str()),
        None => html! { em.not-stated { (l.not_stated()) } },
    }
}

/// A source's document, section and quote, for a record page.
pub fn source_facts(
    model: &ReadModel,
    l: crate::i18n::Lang,
    source: Option<&fundtrail_domain::source::SourceRef>,
) -> Markup {
    match source {
        None => html! {},
        Some(s) => {
            let (title, lang) = document_of(model, s);
            html! {
                dt { (l.t("Source", "Source")) }
                dd data-field="source" {
                    (title) @if let Some(sec) = &s.section { " — " (sec) }
                    blockquote lang=[lang] { "« " (s.quote) " »" }
                }
            }
        }
    }
}

/// The title and language of a source's document.
fn document_of(
    model: &ReadModel,
    s: &fundtrail_domain::source::SourceRef,
) -> (String, Option<String>) {
    model.document(s.document_id.as_str()).map_or_else(
        || (s.document_id.to_string(), None),
        |d| (d.title.clone(), Some(d.language.clone())),
    )
}

/// The quote behind a fact, then its document and section, for a list.
pub fn source_quote(
    model: &ReadModel,
    l: Lang,
    source: Option<&fundtrail_domain::source::SourceRef>,
) -> Markup {
    match source {
        None => html! { p.muted { (l.t("No source quoted.", "Aucune source citée.")) } },
        Some(s) => {
            let (title, lang) = document_of(model, s);
            html! {
                blockquote lang=[lang] data-field="quote" { "« " (s.quote) " »" }
                p.muted data-field="source" {
                    "— " (title) @if let Some(sec) = &s.section { ", " (sec) }
                }
            }
        }
    }
}

pub fn org_name(model: &ReadModel, id: &str) -> String {
    model
        .organisation(id)
        .map_or_else(|| id.to_owned(), |o| o.name.clone())
}

/// `#2 Suivi, collecte de données…` linked to the priority.
pub fn priority_link(model: &ReadModel, id: &str) -> Markup {
    match model.priority(id) {
        Some(p) => {
            html! { a href={ "/priorities/" (crate::enc(id)) } { "#" (p.rank) " " (p.title) } }
        }
        None => html! { (id) },
    }
}

/// An amount, or « non chiffré » when nobody gave it.
pub fn money_opt(l: Lang, m: Option<Money>) -> String {
    m.map_or_else(|| l.not_valued().to_owned(), |m| l.money(m))
}

/// A funding requirement, or « non fixé ».
pub fn requirement_text(l: Lang, m: Option<Money>) -> String {
    m.map_or_else(|| l.t("not set", "non fixé").to_owned(), |m| l.money(m))
}

/// An amount the source may not state: « non précisé ».
pub fn stated_money(l: Lang, m: Option<Money>) -> String {
    m.map_or_else(|| l.not_stated().to_owned(), |m| l.money(m))
}

/// A number cell that keeps the exact figure for machines (`data-amount`).
pub fn amount_cell(l: Lang, field: &str, m: Option<Money>) -> Markup {
    html! {
        td.num data-field=(field) data-amount=[m.map(|m| m.amount.to_string())] {
            @match m {
                Some(m) => (l.money(m)),
                None => span.muted { "—" },
            }
        }
    }
}

/// Why an amount reads « non chiffré » or « au moins » (the tooltip).
fn unvalued_hint(l: Lang) -> &'static str {
    l.t(
        "Some contributions here have no stated value: they are counted, never summed as zero.",
        "Des contributions n'ont ici aucune valeur indiquée : elles sont comptées, jamais additionnées comme zéro.",
    )
}

/// « non chiffré », for an amount made only of contributions without a value.
pub fn not_valued(l: Lang) -> Markup {
    html! { em.not-valued title=(unvalued_hint(l)) { (l.not_valued()) } }
}

/// A figure that may leave contributions out (`lower_bound`): then zero
/// reads « non chiffré » and any other amount « au moins … ».
pub fn min_money(l: Lang, m: Money, lower_bound: bool) -> Markup {
    if !lower_bound {
        return html! { (l.money(m)) };
    }
    if m.amount.is_zero() {
        return not_valued(l);
    }
    html! { span.at-least title=(unvalued_hint(l)) { (l.at_least(&l.money(m))) } }
}

/// An announced amount beside its count of unvalued contributions: zero
/// with unvalued ones reads « non chiffré ».
pub fn pledged_money(l: Lang, m: Money, unvalued: u32) -> Markup {
    if unvalued > 0 && m.amount.is_zero() {
        not_valued(l)
    } else {
        html! { (l.money(m)) }
    }
}

/// A gap that may count too little as committed: « au plus … ».
pub fn gap_money(l: Lang, gap: Option<Money>, lower_bound: bool) -> Markup {
    match gap {
        None => html! { span.muted title=(l.t("No requirement set", "Besoin non fixé")) { "—" } },
        Some(g) if lower_bound => {
            html! { span.at-most title=(unvalued_hint(l)) { (l.at_most(&l.money(g))) } }
        }
        Some(g) => html! { (l.money(g)) },
    }
}

/// A line's coverage: « au moins 12,5 % » with what it leaves out beside
/// it when the line is a lower bound, never a bare figure then.
pub fn coverage(l: Lang, line: &FundingLine) -> Markup {
    match line.coverage {
        None => html! { span.muted title=(l.t("No requirement set", "Besoin non fixé")) { "—" } },
        Some(c) if line.is_lower_bound() => html! {
            span.at-least data-lower-bound="true" { (l.at_least(&l.percent(c))) }
            (left_out(l, line.unvalued_count, line.undated_count))
        },
        Some(c) => html! { (l.percent(c)) },
    }
}

/// « + 7 contributions non chiffrées », « + 2 contributions sans date connue ».
pub fn left_out(l: Lang, unvalued: u32, undated: u32) -> Markup {
    html! {
        @if unvalued > 0 { br; small.muted data-field="unvalued-note" { (l.unvalued_contributions(unvalued)) } }
        @if undated > 0 { br; small.muted data-field="undated-note" { (l.undated_contributions(undated)) } }
    }
}

/// A table cell for a figure of a line or a donor, with the exact figure
/// for machines (`data-amount`) and whether it is a minimum.
pub fn bound_cell(field: &str, m: Option<Money>, lower_bound: bool, shown: Markup) -> Markup {
    html! {
        td.num data-field=(field) data-amount=[m.map(|m| m.amount.to_string())]
            data-lower-bound=[lower_bound.then_some("true")] { (shown) }
    }
}

/// A pledge's disbursed amount as far as it is known: « non précisé »
/// while its status is not stated, « non chiffré » for an unvalued pledge
/// said to be disbursed or delivered; `None` when there is nothing to say.
pub fn pledge_disbursed(l: Lang, p: &fundtrail_domain::pledge::Pledge) -> Option<Markup> {
    use fundtrail_domain::enums::PledgeStatus as S;
    use fundtrail_domain::pledge::Unknown;
    match p.disbursed_money() {
        Ok(m) => Some(html! { (l.amount(m.amount, m.currency)) }),
        Err(Unknown::NotStated) => Some(html! { em.not-stated { (l.not_stated()) } }),
        // Not committed (or cancelled): nothing was to be disbursed, say nothing.
        Err(Unknown::NotValued) if matches!(p.status, S::Pledged | S::Cancelled) => None,
        Err(Unknown::NotValued) => Some(not_valued(l)),
    }
}

/// The `Version` heading of a record's facts, with what it means.
pub fn version_dt(l: Lang) -> Markup {
    html! {
        dt title=(l.t("version: the number of facts recorded on this record", "version : le nombre de faits enregistrés sur cette fiche")) {
            (l.t("Version", "Version de la fiche"))
        }
    }
}

/// Currencies offered for reporting: the roadmap's, the peg's and those with
/// a recorded rate.
pub fn currency_choices(model: &ReadModel, first: Option<Currency>) -> Vec<Currency> {
    let mut out: Vec<Currency> = first.into_iter().collect();
    let mut add = |c: Currency| {
        if !out.contains(&c) {
            out.push(c);
        }
    };
    add(Currency::XOF);
    add(Currency::EUR);
    add(Currency::USD);
    for r in model.exchange_rates() {
        add(r.base);
        add(r.quote);
    }
    out
}

/// The `attribution` parameter of the dashboard and the donor map
/// (`docs/funding-chains.md`): `ORIGINAL_SOURCE`, else direct.
pub fn parse_attribution(raw: Option<&str>) -> fundtrail_projections::Attribution {
    match raw {
        Some("ORIGINAL_SOURCE") => fundtrail_projections::Attribution::OriginalSource,
        _ => fundtrail_projections::Attribution::Direct,
    }
}

/// The attribution's value in links and forms.
pub fn attribution_param(a: fundtrail_projections::Attribution) -> &'static str {
    match a {
        fundtrail_projections::Attribution::Direct => "DIRECT",
        fundtrail_projections::Attribution::OriginalSource => "ORIGINAL_SOURCE",
    }
}

/// The choice between the two attributions, as a filter.
pub fn attribution_select(l: Lang, id: &str, chosen: fundtrail_projections::Attribution) -> Markup {
    use fundtrail_projections::Attribution as A;
    html! {
        div {
            label for=(id) title=(l.t("who money in funding chains is counted for", "à qui l'argent des chaînes de financement est compté")) {
                (l.t("Donors", "Bailleurs"))
                span.hint { (l.t("money passed through intermediaries", "argent transmis par des intermédiaires")) }
            }
            select id=(id) name="attribution" {
                option value="DIRECT" selected[chosen == A::Direct] { (l.t("who gave it directly", "qui l'a donné directement")) }
                option value="ORIGINAL_SOURCE" selected[chosen == A::OriginalSource] { (l.t("where it originally came from", "d'où il vient à l'origine")) }
            }
        }
    }
}
