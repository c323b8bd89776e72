//! Inputs with their labels, hints and errors, and the error summary that
//! lists every error with a link to its field.

use std::cell::RefCell;

use maud::{Markup, html};

use super::{FieldError, Fields};
use crate::i18n::Lang;

/// One form being rendered: its values and errors; remembers the labels of
/// the inputs it drew, for the summary.
pub struct Form<'a> {
    pub lang: Lang,
    pub values: &'a Fields,
    pub errors: &'a [FieldError],
    labels: RefCell<Vec<(String, String)>>,
}

/// The id of an input named `name`.
pub fn input_id(name: &str) -> String {
    let mut id = String::from("f-");
    id.extend(
        name.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }),
    );
    id
}

impl<'a> Form<'a> {
    pub fn new(lang: Lang, values: &'a Fields, errors: &'a [FieldError]) -> Form<'a> {
        Form {
            lang,
            values,
            errors,
            labels: RefCell::new(Vec::new()),
        }
    }

    fn error(&self, name: &str) -> Option<String> {
        let found: Vec<&str> = self
            .errors
            .iter()
            .filter(|e| e.field == name)
            .map(|e| e.message.as_str())
            .collect();
        (!found.is_empty()).then(|| found.join(" "))
    }

    fn note(&self, name: &str, label: &str) {
        self.labels
            .borrow_mut()
            .push((name.to_owned(), label.to_owned()));
    }

    fn described(id: &str, hint: bool, error: bool) -> Option<String> {
        let mut parts = Vec::new();
        if hint {
            parts.push(format!("{id}-hint"));
        }
        if error {
            parts.push(format!("{id}-error"));
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    fn optional(&self) -> &'static str {
        self.lang.t(" (optional)", " (facultatif)")
    }

    /// A text-like input (`kind`: text, date, number...).
    pub fn input(
        &self,
        name: &str,
        label: &str,
        kind: &str,
        required: bool,
        hint: Option<&str>,
    ) -> Markup {
        self.note(name, label);
        let id = input_id(name);
        let error = self.error(name);
        let inputmode = (kind == "amount").then_some("decimal");
        let html_kind = if kind == "amount" { "text" } else { kind };
        html! {
            div.field.invalid[error.is_some()] {
                label for=(id) { (label) @if !required { span.hint-inline.muted { (self.optional()) } } }
                @if let Some(h) = hint { span.hint id={ (id) "-hint" } { (h) } }
                input id=(id) name=(name) type=(html_kind) value=[self.values.get(name)]
                    required[required] aria-required=[required.then_some("true")]
                    inputmode=[inputmode] autocomplete="off"
                    aria-invalid=[error.as_ref().map(|_| "true")]
                    aria-describedby=[Self::described(&id, hint.is_some(), error.is_some())];
                @if let Some(e) = &error { span.error id={ (id) "-error" } { (e) } }
            }
        }
    }

    /// An amount input that also counts in the allocation sum.
    pub fn allocation(&self, name: &str, label: &str) -> Markup {
        self.note(name, label);
        let id = input_id(name);
        let error = self.error(name);
        html! {
            div.field.invalid[error.is_some()] {
                label for=(id) { (label) }
                input id=(id) name=(name) type="text" inputmode="decimal" autocomplete="off" data-allocation
                    value=[self.values.get(name)]
                    aria-invalid=[error.as_ref().map(|_| "true")]
                    aria-describedby=[error.as_ref().map(|_| format!("{id}-error"))];
                @if let Some(e) = &error { span.error id={ (id) "-error" } { (e) } }
            }
        }
    }

    pub fn textarea(&self, name: &str, label: &str, required: bool, hint: Option<&str>) -> Markup {
        self.note(name, label);
        let id = input_id(name);
        let error = self.error(name);
        html! {
            div.field.invalid[error.is_some()] {
                label for=(id) { (label) @if !required { span.muted { (self.optional()) } } }
                @if let Some(h) = hint { span.hint id={ (id) "-hint" } { (h) } }
                textarea id=(id) name=(name) required[required] aria-required=[required.then_some("true")]
                    aria-invalid=[error.as_ref().map(|_| "true")]
                    aria-describedby=[Self::described(&id, hint.is_some(), error.is_some())] {
                    (self.values.get(name).unwrap_or(""))
                }
                @if let Some(e) = &error { span.error id={ (id) "-error" } { (e) } }
            }
        }
    }

    /// A list to choose one from; `blank` adds an empty first choice.
    pub fn select(
        &self,
        name: &str,
        label: &str,
        options: &[(String, String)],
        required: bool,
        blank: Option<&str>,
    ) -> Markup {
        self.note(name, label);
        let id = input_id(name);
        let error = self.error(name);
        let chosen = self.values.get(name);
        html! {
            div.field.invalid[error.is_some()] {
                label for=(id) { (label) @if !required { span.muted { (self.optional()) } } }
                select id=(id) name=(name) required[required] aria-required=[required.then_some("true")]
                    aria-invalid=[error.as_ref().map(|_| "true")]
                    aria-describedby=[error.as_ref().map(|_| format!("{id}-error"))] {
                    @if let Some(b) = blank { option value="" { (b) } }
                    @for (value, text) in options {
                        option value=(value) selected[chosen == Some(value.as_str())] { (text) }
                    }
                }
                @if let Some(e) = &error { span.error id={ (id) "-error" } { (e) } }
            }
        }
    }

    /// Check boxes for a set (every checked value is sent under `name`).
    pub fn checks(&self, name: &str, legend: &str, options: &[(String, String)]) -> Markup {
        self.note(name, legend);
        let id = input_id(name);
        let error = self.error(name);
        let chosen = self.values.all(name);
        html! {
            fieldset.checks id=(id) aria-describedby=[error.as_ref().map(|_| format!("{id}-error"))] {
                legend { (legend) span.muted { (self.optional()) } }
                @for (i, (value, text)) in options.iter().enumerate() {
                    @let cid = format!("{id}-{i}");
                    label for=(cid) {
                        input type="checkbox" id=(cid) name=(name) value=(value) checked[chosen.contains(&value.as_str())];
                        (text)
                    }
                }
                @if let Some(e) = &error { span.error id={ (id) "-error" } { (e) } }
            }
        }
    }

    /// Every error, linked to its field; call after drawing the inputs.
    pub fn summary(&self) -> Markup {
        if self.errors.is_empty() {
            return html! {};
        }
        let l = self.lang;
        let labels = self.labels.borrow();
        html! {
            div.alert role="alert" aria-labelledby="error-summary-h" tabindex="-1" id="error-summary" data-testid="error-summary" {
                h2 id="error-summary-h" { (l.t("Nothing was recorded: please correct this", "Rien n'a été enregistré : veuillez corriger ceci")) }
                ul {
                    @for e in self.errors {
                        @let label = labels.iter().find(|(n, _)| *n == e.field).map(|(_, l)| l.as_str());
                        li data-field=(e.field) {
                            @match label {
                                Some(label) => { a href={ "#" (input_id(&e.field)) } { (label) } (l.t(": ", " : ")) (e.message) }
                                None if !e.field.is_empty() => { code { (e.field) } (l.t(": ", " : ")) (e.message) }
                                None => { (e.message) }
                            }
                        }
                    }
                }
            }
        }
    }
}
