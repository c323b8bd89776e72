//! The input rules every face applies the same way: GraphQL, the web forms,
//! the command line and the importer call these, so a value one face
//! accepts is accepted by all, and a refusal says the same thing.
//!
//! What the domain decides (an amount must be positive, a name must not be
//! blank, ...) stays in the domain's commands; these are the rules about
//! turning text into the commands' typed inputs.

use chrono::{DateTime, NaiveDate, Utc};
use fundtrail_domain::money::Currency;
use sha2::{Digest, Sha256};

/// An input that cannot be used, and which one (the contract's `field`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {message}")]
pub struct InputError {
    pub field: String,
    pub message: String,
}

impl InputError {
    pub fn new(field: &str, message: impl Into<String>) -> InputError {
        InputError {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Longest accepted `commandId`, in bytes (a UUID is 36; it is stored with
/// the command's fingerprint).
pub const MAX_COMMAND_ID_BYTES: usize = 200;

/// A `commandId`: absent, or neither empty nor longer than
/// [`MAX_COMMAND_ID_BYTES`].
pub fn command_id(raw: Option<&str>) -> Result<Option<String>, InputError> {
    match raw {
        None => Ok(None),
        Some("") => Err(InputError::new("commandId", "must not be empty")),
        Some(id) if id.len() > MAX_COMMAND_ID_BYTES => Err(InputError::new(
            "commandId",
            format!(
                "is {} bytes long; at most {MAX_COMMAND_ID_BYTES} are allowed (a UUID is 36)",
                id.len()
            ),
        )),
        Some(id) => Ok(Some(id.to_owned())),
    }
}

/// An `expectedVersion`: absent, or 0 or more.
pub fn expected_version(raw: Option<i64>) -> Result<Option<u64>, InputError> {
    raw.map(|v| {
        u64::try_from(v).map_err(|_| InputError::new("expectedVersion", "must be 0 or more"))
    })
    .transpose()
}

/// The id of a created entity: the client's, else one derived from the
/// `commandId` (so that a retry creates nothing new), else a fresh one.
pub fn new_id(id: Option<&str>, command_id: Option<&str>, prefix: &str) -> String {
    match (id, command_id) {
        (Some(id), _) => id.to_owned(),
        (None, Some(command_id)) => {
            let digest = Sha256::digest(command_id.as_bytes());
            format!("{prefix}-{}", &hex::encode(digest)[..20])
        }
        (None, None) => format!("{prefix}-{}", uuid::Uuid::now_v7().simple()),
    }
}

/// Longest accepted decimal text: more digits than any amount can have.
const MAX_DECIMAL_TEXT: usize = 40;

/// An exact decimal in plain notation only: an optional minus, digits, an
/// optional fraction. No exponent, no spaces, no thousands separators (a
/// face that lets people type `1 250,50` normalises it before calling this).
pub fn parse_decimal(text: &str) -> Result<rust_decimal::Decimal, String> {
    if text.len() > MAX_DECIMAL_TEXT {
        return Err(format!(
            "{} characters is too long for a Decimal",
            text.len()
        ));
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || !digits(whole)
        || !digits(fraction)
        || (unsigned.contains('.') && fraction.is_empty())
    {
        return Err(format!(
            "{text:?} is not a decimal number such as \"1250.50\""
        ));
    }
    rust_decimal::Decimal::from_str_exact(text)
        .map_err(|_| format!("{text:?} is out of the range of a Decimal"))
}

/// A calendar date, exactly `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(format!("{text:?} is not a date of the form YYYY-MM-DD"));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{text} is not a date of the calendar"))
}

/// An instant, RFC 3339 with an offset (`2024-01-15T12:00:00Z`).
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("{text:?} is not an RFC 3339 date-time with an offset"))
}

/// `asOf` where a person types it (web pages, exports, the command line):
/// an RFC 3339 instant, or a day, meaning its end (UTC): what had been
/// recorded by the end of that day.
pub fn parse_as_of(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(t) = parse_instant(text) {
        return Ok(t);
    }
    match parse_date(text) {
        Ok(day) => Ok(end_of_day(day)),
        Err(_) => Err(format!(
            "{text:?} is neither a day (YYYY-MM-DD) nor an RFC 3339 date-time (e.g. 2024-01-31T00:00:00Z)"
        )),
    }
}

/// The last instant of `day`, UTC.
pub fn end_of_day(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_nano_opt(23, 59, 59, 999_999_999)
        .expect("23:59:59.999999999 is a time of every day")
        .and_utc()
}

/// An ISO 4217 currency code (`XOF`, `EUR`, `USD`), as the domain knows them.
pub fn parse_currency(field: &str, text: &str) -> Result<Currency, InputError> {
    Currency::parse(field, text).map_err(|e| InputError::new(field, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_ids_are_bounded() {
        assert_eq!(command_id(None), Ok(None));
        assert_eq!(command_id(Some("c-1")), Ok(Some("c-1".into())));
        assert_eq!(command_id(Some("")).unwrap_err().field, "commandId");
        let long = "x".repeat(MAX_COMMAND_ID_BYTES + 1);
        assert!(
            command_id(Some(&long))
                .unwrap_err()
                .message
                .contains("201 bytes")
        );
        assert!(command_id(Some(&long[1..])).is_ok());
    }

    #[test]
    fn ids_from_command_ids_are_stable() {
        let a = new_id(None, Some("c-1"), "pledge");
        assert_eq!(a, new_id(None, Some("c-1"), "pledge"));
        assert_ne!(a, new_id(None, Some("c-2"), "pledge"));
        assert!(
            a.starts_with("pledge-") && a.len() == "pledge-".len() + 20,
            "{a}"
        );
        assert_eq!(new_id(Some("mine"), Some("c-1"), "pledge"), "mine");
        assert_ne!(new_id(None, None, "x"), new_id(None, None, "x"));
    }

    #[test]
    fn as_of_takes_an_instant_or_a_day() {
        assert_eq!(
            parse_as_of("2024-01-31").unwrap().to_rfc3339(),
            "2024-01-31T23:59:59.999999999+00:00"
        );
        assert_eq!(
            parse_as_of("2024-01-31T10:00:00+02:00")
                .unwrap()
                .to_rfc3339(),
            "2024-01-31T08:00:00+00:00"
        );
        assert!(parse_as_of("31/01/2024").is_err());
        assert!(parse_instant("2024-01-31").is_err());
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2024-02-29").is_ok());
        assert!(parse_date("2023-02-29").is_err());
        assert!(parse_date("2024-2-9").is_err());
        assert!(parse_date(" 2024-02-09").is_err());
    }

    #[test]
    fn decimals_are_plain() {
        assert_eq!(parse_decimal("1250.50").unwrap().to_string(), "1250.50");
        for bad in ["1e3", "1 250", "1,5", ".5", "5.", "", "-", "+1"] {
            assert!(parse_decimal(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn expected_versions_are_not_negative() {
        assert_eq!(expected_version(Some(3)), Ok(Some(3)));
        assert_eq!(
            expected_version(Some(-1)).unwrap_err().field,
            "expectedVersion"
        );
    }
}
