//! The contract's scalars: `Decimal` (a JSON string, never a number),
//! `Date`, `DateTime` (RFC 3339 with offset) and `Currency` (ISO 4217).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// A scalar refusal, coded as the contract asks.
fn refused<T: async_graphql::InputType>(message: impl std::fmt::Display) -> InputValueError<T> {
    InputValueError::custom(message).with_extension("code", "BAD_USER_INPUT")
}
use chrono::{NaiveDate, SecondsFormat, Utc};

/// An exact decimal, written as a JSON string (`"10000000"`, `"1250.50"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal(pub rust_decimal::Decimal);

#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) => parse_decimal(&text)
                .map(Decimal)
                .map_err(InputValueError::custom),
            Value::Number(_) => Err(InputValueError::custom(
                "a Decimal is a JSON string such as \"1250.50\"; numbers are refused because floats lose money",
            )),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(text) if parse_decimal(text).is_ok())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

pub use fundtrail_app::input::{parse_date, parse_decimal};

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) => parse_date(&text).map(Date).map_err(refused),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(text) if parse_date(text).is_ok())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// An instant, RFC 3339 with an offset (`2024-01-15T12:00:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub chrono::DateTime<Utc>);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) => fundtrail_app::input::parse_instant(&text)
                .map(DateTime)
                .map_err(InputValueError::custom),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(text) if fundtrail_app::input::parse_instant(text).is_ok())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

/// An ISO 4217 currency code (`XOF`, `EUR`, `USD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency(pub fundtrail_domain::money::Currency);

#[Scalar(name = "Currency")]
impl ScalarType for Currency {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) => fundtrail_domain::money::Currency::parse("currency", &text)
                .map(Currency)
                .map_err(|e| refused(e.to_string())),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(text) if fundtrail_domain::money::Currency::parse("currency", text).is_ok())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.code().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_plain_strings_within_range() {
        assert_eq!(parse_decimal("1250.50").unwrap().to_string(), "1250.50");
        assert_eq!(parse_decimal("-3").unwrap().to_string(), "-3");
        for bad in [
            "1e40", "", "1.", ".5", "1,000", " 1", "+1", "0x10", "NaN", "1.2.3",
        ] {
            assert!(parse_decimal(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(
            parse_decimal(&"9".repeat(40)).is_err(),
            "40 digits overflow a Decimal"
        );
        assert!(parse_decimal(&"9".repeat(41)).is_err());
        assert!(
            Decimal::parse(Value::from(12)).is_err(),
            "a JSON number is refused"
        );
    }

    #[test]
    fn dates_are_strict_calendar_dates() {
        assert_eq!(
            parse_date("2024-02-29").unwrap(),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        for bad in [
            "2024-02-30",
            "2023-02-29",
            "2024-2-3",
            "20240203",
            "2024-02-03T00:00:00Z",
            "",
        ] {
            assert!(parse_date(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn date_times_need_an_offset() {
        assert!(DateTime::parse(Value::from("2024-01-15T12:00:00Z")).is_ok());
        assert!(DateTime::parse(Value::from("2024-01-15T12:00:00+02:00")).is_ok());
        assert!(DateTime::parse(Value::from("2024-01-15T12:00:00")).is_err());
    }

    #[test]
    fn currencies_come_from_the_iso_list() {
        assert!(Currency::parse(Value::from("XOF")).is_ok());
        for bad in ["xof", "ABC", "EURO", ""] {
            assert!(
                Currency::parse(Value::from(bad)).is_err(),
                "{bad:?} must be refused"
            );
        }
    }
}
