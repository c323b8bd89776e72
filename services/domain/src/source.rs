//! Provenance: the sentence of a document a record rests on.
//!
//! A [`SourceRef`] travels inside the creating event of every record that
//! cites a document (so it is hash-chained and in history). The document is
//! an entity of its own ([`crate::document`]); the domain checks that it
//! exists and that the quote is a bounded, non-empty text. Whether the quote
//! really is in the document's text is checked where the text is at hand: by
//! the importer ([`quote_in_text`]), before any command is built.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::ids::DocumentId;
use crate::refs::References;
use crate::text;

/// Longest accepted quote, in characters.
pub const MAX_QUOTE_CHARS: usize = 2_000;
/// Longest accepted section label (`Q4`, `Annexe 2`), in characters.
pub const MAX_SECTION_CHARS: usize = 100;

/// A source as a command gives it (unchecked).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceInput {
    pub document_id: String,
    pub section: Option<String>,
    pub quote: String,
}

/// Where a record comes from: a document, the section of it, and the
/// sentence it rests on, verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SourceRef {
    pub document_id: DocumentId,
    /// Always written (`null` when absent), so binary snapshots can read it back.
    #[serde(default)]
    pub section: Option<String>,
    pub quote: String,
}

/// Checks a command's source: the document exists, the quote is a single
/// paragraph of at most [`MAX_QUOTE_CHARS`] characters (whitespace runs made
/// one space), the section at most [`MAX_SECTION_CHARS`].
pub fn check(
    field: &str,
    input: Option<&SourceInput>,
    refs: &dyn References,
) -> Result<Option<SourceRef>, DomainError> {
    let Some(input) = input else {
        return Ok(None);
    };
    let document_id = DocumentId::parse(&format!("{field}.documentId"), &input.document_id)?;
    if !refs.document_exists(document_id.as_str()) {
        return Err(DomainError::not_found(
            DocumentId::ENTITY,
            document_id.as_str(),
            format!("{field}.documentId"),
        ));
    }
    let quote = normalise_whitespace(&input.quote);
    let quote_field = format!("{field}.quote");
    let quote = text::bounded(&quote_field, &quote, MAX_QUOTE_CHARS)?
        .ok_or_else(|| DomainError::bad_input(&quote_field, "must not be empty"))?;
    let section = match input.section.as_deref() {
        None => None,
        Some(s) => text::bounded(&format!("{field}.section"), s, MAX_SECTION_CHARS)?,
    };
    Ok(Some(SourceRef {
        document_id,
        section,
        quote,
    }))
}

/// Every run of whitespace (spaces, tabs, line breaks, no-break spaces) made
/// one space, and the ends trimmed: how quotes and texts are compared.
pub fn normalise_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Is `quote` a verbatim part of `text`, once both are whitespace-normalised?
/// `normalised_text` must already be [`normalise_whitespace`]d.
pub fn quote_in_text(quote: &str, normalised_text: &str) -> bool {
    let q = normalise_whitespace(quote);
    !q.is_empty() && normalised_text.contains(&q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refs::NoReferences;

    #[test]
    fn quotes_are_compared_whitespace_normalised_and_verbatim() {
        let text =
            normalise_whitespace("Appui de l'ONG Save the Children :\n\n- en vivres\tet kits");
        assert!(quote_in_text(
            "Save the  Children :\n- en vivres et kits",
            &text
        ));
        assert!(!quote_in_text("Save the Children : en vivres", &text));
        assert!(!quote_in_text("save the children", &text), "case counts");
        assert!(!quote_in_text("  ", &text), "an empty quote is in no text");
    }

    #[test]
    fn a_source_must_name_a_known_document_and_quote_something() {
        let input = SourceInput {
            document_id: "report".into(),
            section: Some("Q4".into()),
            quote: "x".into(),
        };
        let e = check("source", Some(&input), &NoReferences).unwrap_err();
        assert_eq!(e.code(), "NOT_FOUND");
        assert_eq!(check("source", None, &NoReferences).unwrap(), None);
    }
}
