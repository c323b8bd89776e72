//! The pages. Each handler reads what it needs from the read models under a
//! short lock, renders, and answers; nothing is held across an `.await`.

pub mod audit;
pub mod dashboard;
pub mod donors;
pub mod entity;
pub mod history;
pub mod login;
pub mod organisation;
pub mod pipeline;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use fundtrail_domain::ConversionError;
use fundtrail_domain::money::{Currency, Money};
use fundtrail_projections::{FundingError, ReadModel};
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
            let title = model
                .document(s.document_id.as_str())
                .map_or_else(|| s.document_id.to_string(), |d| d.title.clone());
            html! {
                dt { (l.t("Source", "Source")) }
                dd data-field="source" {
                    (title) @if let Some(sec) = &s.section { " — " (sec) }
                    blockquote lang="fr" { "« " (s.quote) " »" }
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

pub fn money_opt(l: Lang, m: Option<Money>) -> String {
    m.map_or_else(
        || l.t("not reported", "non renseigné").to_owned(),
        |m| l.money(m),
    )
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
