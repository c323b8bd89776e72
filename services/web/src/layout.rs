//! The page shell: skip link, navigation, who is signed in, the language
//! switch, then the page's own content.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use crate::{Ctx, enc};

/// Which navigation entry the page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Dashboard,
    Donors,
    Pipeline,
    Worklist,
    Record,
    Audit,
    None,
}

/// A whole page with status 200.
pub fn page(ctx: &Ctx, title: &str, nav: Nav, body: Markup) -> Response {
    page_with(ctx, StatusCode::OK, title, nav, body)
}

pub fn page_with(ctx: &Ctx, status: StatusCode, title: &str, nav: Nav, body: Markup) -> Response {
    let l = ctx.lang;
    let current = |n: Nav| if n == nav { Some("page") } else { None };
    let version = crate::assets::version();
    let markup = html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — fundtrail" }
                link rel="stylesheet" href={ "/assets/app.css?v=" (version) };
                script src={ "/assets/app.js?v=" (version) } defer {}
            }
            body {
                a.skip href="#content" { (l.t("Skip to content", "Aller au contenu")) }
                header.top {
                    a.brand href="/" { "fundtrail" }
                    @if ctx.user.is_some() || ctx.public_read {
                        nav.main aria-label=(l.t("Main", "Principale")) {
                            ul {
                                li { a href="/" aria-current=[current(Nav::Dashboard)] { (l.t("Dashboard", "Tableau de bord")) } }
                                li { a href="/donors" aria-current=[current(Nav::Donors)] { (l.t("Donor map", "Carte des bailleurs")) } }
                                li { a href="/pipeline" aria-current=[current(Nav::Pipeline)] { (l.t("Pipeline", "Portefeuille")) } }
                                li { a href="/worklist" aria-current=[current(Nav::Worklist)] { (l.t("To do", "À faire")) } }
                                @if ctx.may_record() {
                                    li { a href="/new" aria-current=[current(Nav::Record)] { (l.t("Record", "Saisir")) } }
                                }
                                @if ctx.may_audit() {
                                    li { a href="/audit" aria-current=[current(Nav::Audit)] { (l.t("Audit trail", "Piste d'audit")) } }
                                }
                            }
                        }
                    }
                    div.who {
                        span.lang-switch {
                            a href={ "/lang/" (l.other().code()) "?back=" (enc(&ctx.here)) }
                              lang=(l.other().code()) hreflang=(l.other().code()) {
                                (l.other().name())
                            }
                        }
                        @if let Some(user) = &ctx.user {
                            span data-testid="who" {
                                (user.principal.name) " (" (l.role(user.principal.role)) ")"
                            }
                            form method="post" action="/logout" {
                                input type="hidden" name="_csrf" value=(user.csrf);
                                button type="submit" { (l.t("Sign out", "Se déconnecter")) }
                            }
                        } @else {
                            a href="/login" { (l.t("Sign in", "Se connecter")) }
                        }
                    }
                }
                main id="content" tabindex="-1" {
                    (body)
                }
            }
        }
    };
    (status, Html(markup.into_string())).into_response()
}
