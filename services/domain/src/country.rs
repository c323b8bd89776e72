//! Countries: ISO 3166-1 alpha-3 codes, checked against the `isocountry` list.

use crate::error::DomainError;

/// Checks an ISO 3166-1 alpha-3 code: three upper-case letters of an assigned
/// code (`CIV`, `DEU`). Lower case is refused rather than silently upper-cased,
/// like currency codes.
pub fn parse_country(field: &str, raw: &str) -> Result<String, DomainError> {
    let s = raw.trim();
    if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(DomainError::bad_input(
            field,
            format!("{s:?} is not an ISO 3166-1 alpha-3 code (three upper-case letters, e.g. CIV)"),
        ));
    }
    isocountry::CountryCode::for_alpha3(s).map_err(|_| {
        DomainError::bad_input(
            field,
            format!("{s:?} is not an assigned ISO 3166-1 alpha-3 code"),
        )
    })?;
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha3() {
        for ok in [
            "CIV", "DEU", "USA", "CHE", "AUT", "NGA", "GIN", "FRA", "BEL", "TGO", "SAU", "ITA",
        ] {
            assert_eq!(parse_country("country", ok).unwrap(), ok);
        }
        for bad in ["civ", "CI", "CIVV", "ZZZ", "", "C1V"] {
            assert_eq!(
                parse_country("country", bad).unwrap_err().code(),
                "BAD_USER_INPUT",
                "{bad}"
            );
        }
    }
}
