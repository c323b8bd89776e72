//! Forms for the main commands. Each form is a [`FormSpec`]: what it shows,
//! and how its fields become one domain command. Both go through the same
//! two handlers:
//!
//! - `GET` renders the form with a fresh `commandId` (so a resend or a
//!   double click records nothing twice: the ledger answers the first
//!   result again) and, for changes, the entity's `expectedVersion` (so two
//!   people editing the same pledge get a clear conflict);
//! - `POST` checks the form key and the origin, builds the command, runs it
//!   with [`fundtrail_app::AppState::execute`] as the signed-in principal
//!   ([`fundtrail_ledger::CommandContext`]), then goes to the entity's page;
//!   a refusal shows the form again with each error beside its field, in the
//!   reader's language.

mod action;
mod actions;
mod ageing;
mod chain;
mod create;
mod prospect;
mod render;
mod schedule;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::get;
use fundtrail_domain::DomainError;
use fundtrail_ledger::{Command, CommandContext, ServiceError};
use fundtrail_projections::ReadModel;
use maud::{Markup, html};

use crate::i18n::Lang;
use crate::layout::{self, Nav};
use crate::{Ctx, Web, query_pairs, see_other};

pub use render::Form;

/// A submitted (or default) form: its fields in order, repeated keys kept.
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Fields {
        Fields(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `key`, trimmed; `None` when absent or blank.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every non-blank value of `key`.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect()
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.0.retain(|(k, _)| k != key);
        self.0.push((key.to_owned(), value.into()));
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Fields {
        self.0.push((key.to_owned(), value.into()));
        self
    }
}

/// An error shown beside a field (`field` is the input's name), or in the
/// summary only (`field` empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// What a form's fields became.
pub struct Built {
    pub command: Command,
    /// Where to go once recorded.
    pub then: String,
    /// Domain field name → input name, where they differ (allocations).
    pub aliases: Vec<(String, String)>,
}

/// One form.
pub trait FormSpec: Sync + Send + 'static {
    /// The page title; `None` when the entity the form changes does not exist.
    fn title(&self, l: Lang, model: &ReadModel, id: Option<&str>) -> Option<String>;
    /// The entity's version when the form is shown (changes only).
    fn version(&self, _model: &ReadModel, _id: Option<&str>) -> Option<u64> {
        None
    }
    /// Values shown in a fresh form (from the query string, e.g. `?donor=giz`).
    fn defaults(&self, model: &ReadModel, id: Option<&str>, query: &[(String, String)]) -> Fields;
    /// The inputs.
    fn body(&self, f: &Form<'_>, model: &ReadModel, id: Option<&str>) -> Markup;
    /// The command, or the fields that cannot become one.
    fn build(
        &self,
        l: Lang,
        model: &ReadModel,
        id: Option<&str>,
        fields: &Fields,
        command_id: &str,
    ) -> Result<Built, Vec<FieldError>>;
    /// The entity as it is now (shown beside a conflict).
    fn current(&self, _l: Lang, _model: &ReadModel, _id: Option<&str>) -> Markup {
        html! {}
    }
    /// The submit button's text.
    fn submit(&self, l: Lang) -> &'static str {
        l.t("Record", "Enregistrer")
    }
}

/// The id of a created entity: derived from the `commandId` (so that a
/// resend creates nothing new), by the rule GraphQL uses too
/// ([`fundtrail_app::input::new_id`]).
pub fn new_id(command_id: &str, prefix: &str) -> String {
    fundtrail_app::input::new_id(None, Some(command_id), prefix)
}

/// POSTs must come from these pages: the browser's `Origin` (or
/// `Sec-Fetch-Site`) must name this server when it is sent.
pub fn same_origin(headers: &HeaderMap) -> bool {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}

pub fn routes() -> Router<Web> {
    macro_rules! form {
        ($spec:expr) => {
            get(|s: State<Web>, h: HeaderMap, u: Uri| async move { show(&$spec, s, h, u, None).await })
                .post(|s: State<Web>, h: HeaderMap, u: Uri, b: Bytes| async move {
                    submit(&$spec, s, h, u, None, b).await
                })
        };
        ($spec:expr, id) => {
            get(
                |s: State<Web>, Path(id): Path<String>, h: HeaderMap, u: Uri| async move {
                    show(&$spec, s, h, u, Some(id)).await
                },
            )
            .post(
                |s: State<Web>, Path(id): Path<String>, h: HeaderMap, u: Uri, b: Bytes| async move {
                    submit(&$spec, s, h, u, Some(id), b).await
                },
            )
        };
    }
    Router::new()
        .route("/new", get(create::index))
        .route("/new/organisation", form!(create::ORGANISATION))
        .route("/new/partnership", form!(create::PARTNERSHIP))
        .route("/new/proposal", form!(create::PROPOSAL))
        .route("/new/pledge", form!(create::PLEDGE))
        .route(
            "/priorities/{id}/requirement",
            form!(actions::REQUIREMENT, id),
        )
        .route("/pledges/{id}/commit", form!(actions::COMMIT, id))
        .route("/pledges/{id}/disburse", form!(actions::DISBURSE, id))
        .route("/pledges/{id}/revise", form!(actions::REVISE, id))
        .route("/pledges/{id}/cancel", form!(actions::CANCEL, id))
        .route("/pledges/{id}/tranches", form!(schedule::TRANCHES, id))
        .route("/pledges/{id}/link", form!(chain::LINK, id))
        .route("/pledges/{id}/unlink", form!(chain::UNLINK, id))
        .route("/prospects/{id}/advance", form!(prospect::ADVANCE, id))
        .route("/roadmaps/{id}/actions/new", form!(action::RECORD, id))
        .route("/roadmaps/{id}/ageing", form!(ageing::AGEING, id))
        .route("/actions/{id}/status", form!(action::STATUS, id))
        .route("/proposals/{id}/decide", form!(actions::DECIDE, id))
        .route(
            "/partnerships/{id}/status",
            form!(actions::PARTNERSHIP_STATUS, id),
        )
}

async fn show<S: FormSpec>(
    spec: &S,
    State(web): State<Web>,
    headers: HeaderMap,
    uri: Uri,
    id: Option<String>,
) -> Response {
    let ctx = Ctx::new(&web, &headers, &uri);
    let user = match ctx.require_recorder() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    let model = web.app.read();
    let id = id.as_deref();
    let Some(title) = spec.title(ctx.lang, &model, id) else {
        drop(model);
        return crate::views::not_found(
            &ctx,
            ctx.lang.t("This record", "Cette fiche"),
            id.unwrap_or(""),
        );
    };
    let mut values = spec.defaults(&model, id, &query_pairs(&uri));
    values.set("commandId", uuid::Uuid::new_v4().to_string());
    if let Some(v) = spec.version(&model, id) {
        values.set("expectedVersion", v.to_string());
    }
    values.set("_csrf", user.csrf.clone());
    let body = page_body(spec, &ctx, &model, id, &title, &values, &[], None, &uri);
    drop(model);
    layout::page(&ctx, &title, Nav::Record, body)
}

async fn submit<S: FormSpec>(
    spec: &S,
    State(web): State<Web>,
    headers: HeaderMap,
    uri: Uri,
    id: Option<String>,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new(&web, &headers, &uri);
    let l = ctx.lang;
    let user = match ctx.require_recorder() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    let mut values = Fields::parse(&body);
    if values.get("_csrf") != Some(user.csrf.as_str()) || !same_origin(&headers) {
        return crate::views::refused(
            &ctx,
            l.t(
                "This form has expired or came from elsewhere: open it again.",
                "Ce formulaire a expiré ou vient d'ailleurs : rouvrez-le.",
            ),
        );
    }
    let id = id.as_deref();
    // The same rules as GraphQL's (`fundtrail_app::input`): a commandId too
    // long, or an expectedVersion that is not 0 or more, is refused.
    let mut input_errors = Vec::new();
    let command_id = match fundtrail_app::input::command_id(values.get("commandId")) {
        Ok(Some(c)) => c,
        Ok(None) => {
            let fresh = uuid::Uuid::new_v4().to_string();
            values.set("commandId", fresh.clone());
            fresh
        }
        Err(e) => {
            input_errors.push(FieldError::new("", format!("commandId {}", e.message)));
            String::new()
        }
    };
    let expected_version = match values.get("expectedVersion").map(str::parse::<i64>) {
        None => Ok(None),
        Some(Ok(v)) => fundtrail_app::input::expected_version(Some(v)),
        Some(Err(_)) => Err(fundtrail_app::input::InputError::new(
            "expectedVersion",
            "must be a whole number",
        )),
    };
    let expected_version = expected_version.unwrap_or_else(|e| {
        input_errors.push(FieldError::new("", format!("{} {}", e.field, e.message)));
        None
    });
    let built = {
        let model = web.app.read();
        if spec.title(l, &model, id).is_none() {
            drop(model);
            return crate::views::not_found(
                &ctx,
                l.t("This record", "Cette fiche"),
                id.unwrap_or(""),
            );
        }
        if input_errors.is_empty() {
            spec.build(l, &model, id, &values, &command_id)
        } else {
            Err(input_errors)
        }
    };
    let (errors, conflict) = match built {
        Err(errors) => (errors, None),
        Ok(built) => {
            let context = CommandContext {
                principal: user.principal.clone(),
                command_id: Some(command_id),
                expected_version,
                correlation_id: None,
            };
            match web.app.execute(&context, built.command).await {
                Ok(_) => return see_other(&with_done(&built.then)),
                Err(e) => {
                    let conflict = match &e {
                        ServiceError::ConcurrencyConflict {
                            expected, actual, ..
                        } => Some((*expected, *actual)),
                        _ => None,
                    };
                    (service_errors(l, &e, &built.aliases), conflict)
                }
            }
        }
    };
    if let Some((_, actual)) = conflict {
        // Shown with the record as it is now; sending again means "I have seen it".
        values.set("expectedVersion", actual.to_string());
    }
    let status = if conflict.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let model = web.app.read();
    let title = spec.title(l, &model, id).unwrap_or_default();
    let body = page_body(
        spec, &ctx, &model, id, &title, &values, &errors, conflict, &uri,
    );
    drop(model);
    layout::page_with(&ctx, status, &title, Nav::Record, body)
}

/// `then` with `done=1` in its query (before any `#fragment`, which the
/// browser keeps for itself).
fn with_done(then: &str) -> String {
    let (path, fragment) = match then.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (then, None),
    };
    let sep = if path.contains('?') { '&' } else { '?' };
    match fragment {
        Some(f) => format!("{path}{sep}done=1#{f}"),
        None => format!("{path}{sep}done=1"),
    }
}

#[allow(clippy::too_many_arguments)]
fn page_body<S: FormSpec>(
    spec: &S,
    ctx: &Ctx,
    model: &ReadModel,
    id: Option<&str>,
    title: &str,
    values: &Fields,
    errors: &[FieldError],
    conflict: Option<(u64, u64)>,
    uri: &Uri,
) -> Markup {
    let l = ctx.lang;
    let form = Form::new(l, values, errors);
    let inputs = spec.body(&form, model, id);
    let summary = form.summary();
    html! {
        h1 { (title) }
        (summary)
        @if let Some((expected, actual)) = conflict {
            section.alert aria-labelledby="conflict-h" data-testid="conflict" {
                h2 id="conflict-h" { (l.t("This record changed while you were editing it", "Cette fiche a changé pendant votre saisie")) }
                p {
                    (match l {
                        Lang::En => format!("You opened version {expected}; it is now at version {actual}. Here it is as it is now: check it, then send your changes again if they still apply."),
                        Lang::Fr => format!("Vous aviez ouvert la version {expected} ; elle est maintenant à la version {actual}. La voici telle qu'elle est : vérifiez-la, puis renvoyez vos modifications si elles valent toujours."),
                    })
                }
                (spec.current(l, model, id))
            }
        }
        form.record method="post" action=(uri.path()) novalidate {
            input type="hidden" name="_csrf" value=(values.get("_csrf").unwrap_or(""));
            input type="hidden" name="commandId" value=(values.get("commandId").unwrap_or(""));
            @if let Some(v) = values.get("expectedVersion") {
                input type="hidden" name="expectedVersion" value=(v);
            }
            (inputs)
            div.actions {
                button type="submit" { (spec.submit(l)) }
            }
        }
    }
}

/// A refusal of the command side, as errors beside fields.
pub fn service_errors(l: Lang, e: &ServiceError, aliases: &[(String, String)]) -> Vec<FieldError> {
    let field_of = |domain_field: &str| -> String {
        if let Some((_, input)) = aliases.iter().find(|(d, _)| d == domain_field) {
            return input.clone();
        }
        // `allocations[1].amount` → the alias of `allocations[1]`, if any
        let mut cut = domain_field;
        while let Some(i) = cut.rfind(['.', '[']) {
            cut = &cut[..i];
            if let Some((_, input)) = aliases.iter().find(|(d, _)| d == cut) {
                return input.clone();
            }
        }
        domain_field.to_owned()
    };
    let code = l.error_code(e.code().map_or("", |c| c.as_str()));
    match e {
        ServiceError::Domain(DomainError::BadUserInput { field, message }) => {
            vec![FieldError::new(&field_of(field), l.detail(message))]
        }
        ServiceError::Domain(DomainError::NotFound { id, field, .. }) => vec![FieldError::new(
            &field_of(field),
            match l {
                Lang::En => format!("« {id} » does not exist in this ledger."),
                Lang::Fr => format!("« {id} » n'existe pas dans ce registre."),
            },
        )],
        ServiceError::Domain(DomainError::AlreadyExists { id, .. }) => vec![FieldError::new(
            "id",
            match l {
                Lang::En => format!("« {id} » is already used: choose another identifier."),
                Lang::Fr => format!("« {id} » est déjà pris : choisissez un autre identifiant."),
            },
        )],
        ServiceError::Domain(DomainError::InvalidState { message, state }) => {
            vec![FieldError::new(
                "",
                format!(
                    "{code}: {} ({} {state})",
                    l.detail(message),
                    l.t("current state:", "état actuel :")
                ),
            )]
        }
        ServiceError::ConcurrencyConflict { .. } => vec![FieldError::new("", code.to_owned())],
        ServiceError::IdempotencyConflict { .. } => vec![FieldError::new(
            "",
            format!(
                "{code}. {}",
                l.t(
                    "Open the form again to start afresh.",
                    "Rouvrez le formulaire pour recommencer."
                )
            ),
        )],
        ServiceError::Access(a) => vec![FieldError::new(
            "",
            format!("{code}. {}", l.detail(&a.to_string())),
        )],
        ServiceError::Store(_) | ServiceError::Corrupt { .. } => {
            tracing::error!(error = %e, "a form's command failed inside the server");
            vec![FieldError::new(
                "",
                l.t(
                    "The ledger could not record this. Nothing was recorded twice: it is safe to send the form again.",
                    "Le registre n'a pas pu l'enregistrer. Rien n'a été enregistré deux fois : vous pouvez renvoyer le formulaire.",
                ),
            )]
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn done_goes_in_the_query_before_the_fragment() {
        assert_eq!(super::with_done("/pledges/p1"), "/pledges/p1?done=1");
        assert_eq!(super::with_done("/?roadmap=r"), "/?roadmap=r&done=1");
        assert_eq!(
            super::with_done("/pipeline#prospect-pp"),
            "/pipeline?done=1#prospect-pp"
        );
    }
}
