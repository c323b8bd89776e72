//! `/worklist` (« À faire »): what to chase today, per roadmap and, with
//! `mine=1`, only what the signed-in principal follows (issue #14). The rule
//! is the domain's (`fundtrail_domain::worklist`), read through
//! `fundtrail_app::worklist`; each line links to its record and to the form
//! that resolves it.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use fundtrail_app::worklist::{Filter, links, work};
use fundtrail_domain::worklist::{WorkItem, WorkKind, counts};
use maud::{Markup, html};

use crate::i18n::Lang;
use crate::layout::{self, Nav};
use crate::{Ctx, Web, enc, param, query_pairs};

/// Lines listed under one kind.
const MAX_ROWS: usize = 200;

/// A kind of work in words (the export's label table).
pub fn kind_label(l: Lang, k: WorkKind) -> &'static str {
    l.label(k)
}

fn when(l: Lang, item: &WorkItem) -> Markup {
    let Some(due) = item.due_on else {
        return html! { span.muted { "—" } };
    };
    let days = item.days_late.unwrap_or(0);
    html! {
        (l.date(due))
        @if days > 0 {
            " " strong.badge data-late=(days) { (match l {
                Lang::En => format!("{days} days late"),
                Lang::Fr => format!("{days} jours de retard"),
            }) }
        } @else if days < 0 {
            " " span.muted { (match l {
                Lang::En => format!("in {} days", -days),
                Lang::Fr => format!("dans {} jours", -days),
            }) }
        }
    }
}

/// The dashboard's « À faire » box: how many lines of each kind the
/// roadmap's worklist has today, linking to it.
pub fn counts_box(
    l: Lang,
    model: &fundtrail_projections::ReadModel,
    roadmap: &str,
    today: chrono::NaiveDate,
) -> Markup {
    let items = work(
        model,
        Filter {
            roadmap: Some(roadmap),
            owner: None,
        },
        today,
    );
    let href = format!("/worklist?roadmap={}", enc(roadmap));
    html! {
        aside.panel aria-labelledby="todo-h" data-testid="todo" {
            h2 id="todo-h" { a href=(href) { (l.t("To do", "À faire")) } " " span.badge { (items.len()) } }
            @if items.is_empty() { p { (l.t("Nothing to do.", "Rien à faire.")) } }
            ul {
                @for (kind, n) in counts(&items) {
                    @if n > 0 {
                        li data-kind=(kind.as_str()) { a href={ (href) "#wk-" (kind.as_str()) } { (kind_label(l, kind)) } " : " strong { (n) } }
                    }
                }
            }
        }
    }
}

pub async fn page(State(web): State<Web>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = Ctx::new(&web, &headers, &uri);
    if let Err(r) = ctx.require_reader() {
        return r;
    }
    let l = ctx.lang;
    let pairs = query_pairs(&uri);
    let today = web.app.clock().today();
    let model = web.app.read();
    let roadmaps = model.roadmaps();
    let roadmap = param(&pairs, "roadmap").filter(|r| model.roadmap(r).is_some());
    let mine = param(&pairs, "mine") == Some("1");
    let owner = ctx.principal().filter(|_| mine).map(|p| p.name.clone());
    let items = work(
        &model,
        Filter {
            roadmap,
            owner: owner.as_deref(),
        },
        today,
    );
    let counted = counts(&items);
    let body = html! {
        h1 { (l.t("To do", "À faire")) }
        form method="get" action="/worklist" {
            div.field {
                label for="wl-roadmap" { (l.t("Roadmap", "Feuille de route")) }
                select id="wl-roadmap" name="roadmap" {
                    option value="" { (l.t("All roadmaps", "Toutes les feuilles de route")) }
                    @for r in &roadmaps {
                        option value=(r.id.as_str()) selected[roadmap == Some(r.id.as_str())] { (r.title) }
                    }
                }
            }
            div.field {
                label { input type="checkbox" name="mine" value="1" checked[mine]; " " (l.t("Only what I follow", "Seulement ce que je suis")) }
            }
            button type="submit" { (l.t("Show", "Afficher")) }
        }
        p.muted { (match l {
            Lang::En => format!("As of {}.", l.date(today)),
            Lang::Fr => format!("Au {}.", l.date(today)),
        }) }
        @if items.is_empty() { p data-testid="nothing" { (l.t("Nothing to do.", "Rien à faire.")) } }
        @for (kind, n) in &counted {
            @if *n > 0 {
                @let these: Vec<&WorkItem> = items.iter().filter(|i| i.kind == *kind).collect();
                section aria-labelledby={ "wk-" (kind.as_str()) } data-kind=(kind.as_str()) {
                    h2 id={ "wk-" (kind.as_str()) } { (kind_label(l, *kind)) " " span.badge data-testid="count" { (n) } }
                    table {
                        thead { tr {
                            th scope="col" { (l.t("Record", "Fiche")) }
                            th scope="col" { (l.t("Due", "Échéance")) }
                            th.num scope="col" { (l.t("Amount", "Montant")) }
                            th scope="col" { (l.t("Followed by", "Suivi par")) }
                            th scope="col" { (l.t("Resolve", "Régler")) }
                        } }
                        tbody {
                            @for item in these.iter().take(MAX_ROWS) {
                                @let (link, form) = links(&model, item);
                                tr data-record=(item.record_id) {
                                    td { a href=(link) { (model.work_title(item)) } }
                                    td { (when(l, item)) }
                                    td.num { @match item.amount { Some(m) => (l.money(m)), None => span.muted { "—" } } }
                                    td { @match &item.owner { Some(o) => (o), None => span.muted { "—" } } }
                                    td { @if let Some(f) = form {
                                        @if ctx.may_record() { a href=(f) { (l.t("Open the form", "Ouvrir le formulaire")) } }
                                    } }
                                }
                            }
                        }
                    }
                    @if these.len() > MAX_ROWS { p.muted { (l.t("Only the first ones are listed.", "Seules les premières lignes sont listées.")) } }
                }
            }
        }
        p { a href={ "/export/worklist.csv" @if let Some(r) = roadmap { "?roadmap=" (enc(r)) } } { (l.t("Download (CSV)", "Télécharger (CSV)")) } }
    };
    drop(model);
    layout::page(&ctx, l.t("To do", "À faire"), Nav::Worklist, body)
}
