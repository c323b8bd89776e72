//! Signing in with an API token, signing out, the language switch, and the
//! demo's one-time sign-in link.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use fundtrail_domain::access;
use maud::html;

use crate::forms::{Fields, same_origin};
use crate::i18n::{LANG_COOKIE, Lang};
use crate::layout::{self, Nav};
use crate::session::{is_https, session_cookie};
use crate::{Ctx, SignInKey, Web, local_path, param, query_pairs, see_other};
use fundtrail_app::rate_limit::retry_after_secs;

pub async fn form(State(web): State<Web>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = Ctx::new(&web, &headers, &uri);
    let pairs = query_pairs(&uri);
    let next = local_path(param(&pairs, "next"));
    let notice = param(&pairs, "used").map(|_| {
        ctx.lang
            .t(
                "This sign-in link was already used or has expired: sign in with the token.",
                "Ce lien de connexion a déjà servi ou a expiré : connectez-vous avec le jeton.",
            )
            .to_owned()
    });
    render(&web, &ctx, &next, notice, StatusCode::OK)
}

fn render(web: &Web, ctx: &Ctx, next: &str, error: Option<String>, status: StatusCode) -> Response {
    let l = ctx.lang;
    let body = html! {
        h1 { (l.t("Sign in", "Connexion")) }
        @if let Some(e) = &error {
            div.alert role="alert" id="login-error" { (e) }
        }
        @if let Some(user) = &ctx.user {
            p.notice { (l.t("You are signed in as", "Vous êtes connecté en tant que")) " " (user.principal.name) ". "
                a href="/" { (l.t("Open the dashboard", "Ouvrir le tableau de bord")) } }
        }
        form.record.panel method="post" action="/login" {
            input type="hidden" name="next" value=(next);
            div.field.invalid[error.is_some()] {
                label for="token" title=(l.t("API token", "jeton d'API")) { (l.t("API token", "Jeton d'accès")) }
                span.hint id="token-hint" {
                    (l.t("It starts with ft_. It is kept only for this session, on the server, as a fingerprint.",
                         "Il commence par ft_. Il n'est gardé que pour cette session, sur le serveur, sous forme d'empreinte."))
                }
                input id="token" name="token" type="password" autocomplete="current-password" required
                    spellcheck="false" size="70"
                    aria-describedby={ "token-hint" @if error.is_some() { " login-error" } }
                    aria-invalid=[error.as_ref().map(|_| "true")];
            }
            button type="submit" { (l.t("Sign in", "Se connecter")) }
        }
        @if web.options.demo {
            section.panel aria-labelledby="demo-h" {
                h2 id="demo-h" { (l.t("Demo", "Démonstration")) }
                p {
                    (l.t("This server runs the Côte d'Ivoire 2023 demo on a temporary store. The terminal where ",
                         "Ce serveur présente la démonstration Côte d'Ivoire 2023 sur un registre temporaire. Le terminal où tourne "))
                    code { "fundtrail serve --demo" }
                    (l.t(" runs printed an admin token and a one-time sign-in link: open the link, or paste the token here.",
                         " a affiché un jeton d'administrateur et un lien de connexion à usage unique : ouvrez le lien, ou collez le jeton ici."))
                }
            }
        } @else {
            p.muted {
                (l.t("No token? Ask an administrator: ", "Pas de jeton ? Demandez-en un à un administrateur : "))
                code { "fundtrail token create --name NAME --role viewer" }
            }
        }
    };
    layout::page_with(ctx, status, l.t("Sign in", "Connexion"), Nav::None, body)
}

pub async fn submit(
    State(web): State<Web>,
    connect_info: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new(&web, &headers, &uri);
    let address = connect_info.map(|c| c.0.0.ip());
    let l = ctx.lang;
    if !same_origin(&headers) {
        return super::refused(
            &ctx,
            l.t(
                "This form came from another site.",
                "Ce formulaire vient d'un autre site.",
            ),
        );
    }
    let fields = Fields::parse(&body);
    let next = local_path(fields.get("next"));
    let token = fields.get("token").unwrap_or("").trim().to_owned();
    if token.is_empty() {
        let e = l
            .t("Paste your API token.", "Collez votre jeton d'accès.")
            .to_owned();
        return render(&web, &ctx, &next, Some(e), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Attempts are limited per address and per token tried, before the
    // token is looked at: guessing is slow, and so is signing others out.
    let hash = access::token_hash(&token);
    for key in [SignInKey::Address(address), SignInKey::Token(hash.clone())] {
        if let Err(wait) = web.sign_ins.check(&key) {
            tracing::info!("a web sign-in was refused: too many attempts");
            return crate::too_many(retry_after_secs(wait));
        }
    }
    match fundtrail_app::auth::authenticate_token(&web.app, &token) {
        Ok(fundtrail_app::auth::Caller::Principal(p)) => match web.sessions.open(hash) {
            Some(id) => {
                tracing::info!(principal = %p.name, role = %p.role, "signed in to the web pages");
                signed_in(&id, &next, is_https(&headers))
            }
            None => {
                tracing::warn!("a web sign-in was refused: the server holds its most sessions");
                let e = l
                    .t(
                        "The server has too many open sessions: try again later.",
                        "Le serveur a trop de sessions ouvertes : réessayez plus tard.",
                    )
                    .to_owned();
                render(&web, &ctx, &next, Some(e), StatusCode::SERVICE_UNAVAILABLE)
            }
        },
        _ => {
            tracing::info!("a web sign-in was refused (token unknown, revoked or expired)");
            let e = l
                .t(
                    "This token is not valid: unknown to this ledger, revoked or expired.",
                    "Ce jeton n'est pas valide : inconnu de ce registre, révoqué ou expiré.",
                )
                .to_owned();
            render(&web, &ctx, &next, Some(e), StatusCode::UNAUTHORIZED)
        }
    }
}

fn signed_in(session_id: &str, next: &str, https: bool) -> Response {
    let mut response = see_other(next);
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(Some(session_id), https));
    response
}

/// `GET /login/once/{key}`: the demo's link, good for one sign-in.
pub async fn once(State(web): State<Web>, headers: HeaderMap, Path(key): Path<String>) -> Response {
    let today = web.app.clock().today();
    let valid = web.sessions.redeem(&key).filter(|hash| {
        web.app
            .read()
            .tokens()
            .by_hash(hash)
            .is_some_and(|t| t.authenticate(today).is_ok())
    });
    match valid {
        Some(hash) => match web.sessions.open(hash) {
            Some(id) => signed_in(&id, "/", is_https(&headers)),
            None => see_other("/login"),
        },
        None => see_other("/login?used=1"),
    }
}

pub async fn logout(State(web): State<Web>, headers: HeaderMap, uri: Uri, body: Bytes) -> Response {
    let ctx = Ctx::new(&web, &headers, &uri);
    let fields = Fields::parse(&body);
    if let Some(user) = &ctx.user {
        if fields.get("_csrf") != Some(user.csrf.as_str()) || !same_origin(&headers) {
            return super::refused(
                &ctx,
                ctx.lang.t(
                    "This form has expired: reload the page.",
                    "Ce formulaire a expiré : rechargez la page.",
                ),
            );
        }
        web.sessions.close(&user.session_id);
    }
    let mut response = see_other("/login");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(None, is_https(&headers)));
    response
}

/// `GET /lang/{fr|en}?back=/path`: remembers the choice, goes back.
pub async fn switch_language(Path(code): Path<String>, uri: Uri) -> Response {
    let pairs = query_pairs(&uri);
    let back = local_path(param(&pairs, "back"));
    let Some(lang) = Lang::parse(&code) else {
        return (StatusCode::NOT_FOUND, "unknown language\n").into_response();
    };
    let mut response = see_other(&back);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.code()
    )) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}
