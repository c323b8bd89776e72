//! Free text: trimmed, bounded (in characters, not bytes), without control characters.

use crate::error::DomainError;

/// Titles, names, acronyms.
pub const MAX_TITLE_CHARS: usize = 500;
/// Descriptions and reasons.
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// The unit of an in-kind quantity.
pub const MAX_UNIT_CHARS: usize = 200;

fn check(
    field: &str,
    raw: &str,
    max: usize,
    multiline: bool,
) -> Result<Option<String>, DomainError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let mut n = 0usize;
    for c in s.chars() {
        n += 1;
        if c.is_control() && !(multiline && (c == '\n' || c == '\t')) {
            let allowed = if multiline {
                " (only line feeds and tabs are allowed)"
            } else {
                ""
            };
            return Err(DomainError::bad_input(
                field,
                format!("contains the control character U+{:04X}{allowed}", c as u32),
            ));
        }
    }
    if n > max {
        return Err(DomainError::bad_input(
            field,
            format!("is {n} characters long; at most {max} are allowed"),
        ));
    }
    Ok(Some(s.to_owned()))
}

fn required(field: &str, v: Option<String>) -> Result<String, DomainError> {
    v.ok_or_else(|| DomainError::bad_input(field, "must not be empty"))
}

/// A required single-line text of at most 500 characters (title, name).
pub fn title(field: &str, raw: &str) -> Result<String, DomainError> {
    required(field, check(field, raw, MAX_TITLE_CHARS, false)?)
}

/// An optional single-line text of at most 500 characters; blank becomes `None`.
pub fn optional_title(field: &str, raw: Option<&str>) -> Result<Option<String>, DomainError> {
    raw.map_or(Ok(None), |r| check(field, r, MAX_TITLE_CHARS, false))
}

/// A required multi-line text of at most 10,000 characters (reason).
pub fn description(field: &str, raw: &str) -> Result<String, DomainError> {
    required(field, check(field, raw, MAX_DESCRIPTION_CHARS, true)?)
}

/// An optional multi-line text of at most 10,000 characters; blank becomes `None`.
pub fn optional_description(field: &str, raw: Option<&str>) -> Result<Option<String>, DomainError> {
    raw.map_or(Ok(None), |r| check(field, r, MAX_DESCRIPTION_CHARS, true))
}

/// An optional single-line text of at most `max` characters; blank becomes `None`.
pub fn bounded(field: &str, raw: &str, max: usize) -> Result<Option<String>, DomainError> {
    check(field, raw, max, false)
}

/// The unit of an in-kind quantity: required, single line, at most 200 characters.
pub fn unit(field: &str, raw: &str) -> Result<String, DomainError> {
    required(field, check(field, raw, MAX_UNIT_CHARS, false)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_requires() {
        assert_eq!(
            title("title", "  Politiques et lois \n").unwrap(),
            "Politiques et lois"
        );
        assert_eq!(
            title("title", " \t ").unwrap_err(),
            DomainError::bad_input("title", "must not be empty")
        );
        assert_eq!(optional_title("acronym", Some("  ")).unwrap(), None);
        assert_eq!(optional_title("acronym", None).unwrap(), None);
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(title("title", &"é".repeat(500)).is_ok());
        let e = title("title", &"é".repeat(501)).unwrap_err();
        assert_eq!(
            e,
            DomainError::bad_input("title", "is 501 characters long; at most 500 are allowed")
        );
        assert!(description("reason", &"x".repeat(10_000)).is_ok());
        assert!(description("reason", &"x".repeat(10_001)).is_err());
        assert!(unit("unit", &"x".repeat(201)).is_err());
    }

    #[test]
    fn control_characters() {
        assert!(description("description", "line 1\nline 2\tend").is_ok());
        assert!(description("description", "bell\u{7}").is_err());
        assert!(description("description", "a\r\nb").is_err());
        assert!(title("title", "two\nlines").is_err());
        assert!(title("title", "nul\0").is_err());
    }
}
