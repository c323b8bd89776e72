//! Source documents: the reports and agreements records cite. Stream
//! `document-<id>`.
//!
//! A document is registered once with what identifies it: title, issuer and
//! date (each when the document states it), language, and the SHA-256 of its
//! text, so an auditor can check that the text the quotes were checked
//! against is the one they hold.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{Footprint, Footprinted};
use crate::aggregate::StreamState;
use crate::dates;
use crate::error::DomainError;
use crate::events::{event_enum, impl_domain_event};
use crate::ids::DocumentId;
use crate::refs::References;
use crate::streams::{EntityKind, stream_name};
use crate::text;

/// The stream of document `id`: `document-<id>`.
pub fn stream_id(id: &DocumentId) -> String {
    stream_name(EntityKind::Document, id)
}

// ---- commands ----

/// `registerDocument`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterDocument {
    pub id: String,
    pub title: String,
    pub issuer: Option<String>,
    pub issued_on: Option<NaiveDate>,
    /// ISO 639-1 (two lower-case letters).
    pub language: String,
    /// SHA-256 of the text, 64 hexadecimal digits.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DocumentCommand {
    Register(RegisterDocument),
}

impl From<RegisterDocument> for DocumentCommand {
    fn from(c: RegisterDocument) -> Self {
        DocumentCommand::Register(c)
    }
}

impl DocumentCommand {
    pub fn stream_id(&self) -> Result<String, DomainError> {
        match self {
            DocumentCommand::Register(c) => Ok(stream_id(&DocumentId::parse("id", &c.id)?)),
        }
    }
}

impl Footprinted for DocumentCommand {
    type StreamState = DocumentState;
    fn footprint(&self, _: &DocumentState, _: &dyn References) -> Footprint {
        // A document, like an organisation, belongs to no roadmap.
        Footprint::default().outside_roadmaps()
    }
}

// ---- events ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DocumentRegistered {
    pub document_id: DocumentId,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<NaiveDate>,
    pub language: String,
    pub sha256: String,
}
impl_domain_event!(DocumentRegistered, 1);

event_enum!(DocumentEvent { DocumentRegistered });

// ---- state ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub id: DocumentId,
    pub title: String,
    pub issuer: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub language: String,
    pub sha256: String,
}

pub type DocumentState = StreamState<Document>;

pub fn evolve(mut state: DocumentState, event: &DocumentEvent) -> DocumentState {
    state.version += 1;
    let DocumentEvent::DocumentRegistered(e) = event;
    state.entity = Some(Document {
        id: e.document_id.clone(),
        title: e.title.clone(),
        issuer: e.issuer.clone(),
        issued_on: e.issued_on,
        language: e.language.clone(),
        sha256: e.sha256.clone(),
    });
    state
}

// ---- decision ----

fn language(raw: &str) -> Result<String, DomainError> {
    let l = raw.trim();
    if l.len() == 2 && l.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(l.to_owned())
    } else {
        Err(DomainError::bad_input(
            "language",
            format!("{l:?} is not an ISO 639-1 code: use two lower-case letters, such as \"fr\""),
        ))
    }
}

fn sha256(raw: &str) -> Result<String, DomainError> {
    let h = raw.trim().to_ascii_lowercase();
    if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(h)
    } else {
        Err(DomainError::bad_input(
            "sha256",
            "is not a SHA-256: use the 64 hexadecimal digits of the text's digest",
        ))
    }
}

pub fn decide(
    state: &DocumentState,
    command: &DocumentCommand,
    _refs: &dyn References,
) -> Result<Vec<DocumentEvent>, DomainError> {
    let DocumentCommand::Register(c) = command;
    let id = DocumentId::parse("id", &c.id)?;
    if state.exists() {
        return Err(DomainError::already_exists(DocumentId::ENTITY, id.as_str()));
    }
    Ok(vec![
        DocumentRegistered {
            document_id: id,
            title: text::title("title", &c.title)?,
            issuer: text::optional_title("issuer", c.issuer.as_deref())?,
            issued_on: dates::optional_in_range("issuedOn", c.issued_on)?,
            language: language(&c.language)?,
            sha256: sha256(&c.sha256)?,
        }
        .into(),
    ])
}

crate::aggregate::entity_aggregate!(Document, DocumentState, DocumentCommand, DocumentEvent);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn register() -> RegisterDocument {
        RegisterDocument {
            id: "civ-2023-report".into(),
            title: "Côte d'Ivoire — État d'avancement de la cible 8.7 des ODD".into(),
            issuer: None,
            issued_on: None,
            language: "fr".into(),
            sha256: "AB".repeat(32),
        }
    }

    #[test]
    fn a_document_is_registered_with_what_it_states_and_a_lower_case_digest() {
        let state = given_nothing::<DocumentState>().when(register()).then_ok();
        let d = state.entity.unwrap();
        assert_eq!(d.sha256, "ab".repeat(32));
        assert_eq!(d.issuer, None, "an issuer not stated stays unknown");
    }

    #[test]
    fn a_bad_language_or_digest_is_refused() {
        given_nothing::<DocumentState>()
            .when(RegisterDocument {
                language: "fra".into(),
                ..register()
            })
            .then_err(DomainError::bad_input(
                "language",
                "\"fra\" is not an ISO 639-1 code: use two lower-case letters, such as \"fr\"",
            ));
        given_nothing::<DocumentState>()
            .when(RegisterDocument {
                sha256: "12".into(),
                ..register()
            })
            .then_err(DomainError::bad_input(
                "sha256",
                "is not a SHA-256: use the 64 hexadecimal digits of the text's digest",
            ));
    }
}
