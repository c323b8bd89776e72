//! Value dates: a sane range, and order between related dates.

use chrono::NaiveDate;

use crate::error::DomainError;

/// Earliest accepted value date.
pub const MIN_DATE: NaiveDate = NaiveDate::from_ymd_opt(1990, 1, 1).expect("valid date");
/// Latest accepted value date.
pub const MAX_DATE: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).expect("valid date");

/// Checks that a date lies in 1990-01-01 ..= 2100-12-31.
pub fn in_range(field: &str, d: NaiveDate) -> Result<NaiveDate, DomainError> {
    if d < MIN_DATE || d > MAX_DATE {
        return Err(DomainError::bad_input(
            field,
            format!("{d} is outside the accepted range {MIN_DATE} to {MAX_DATE}"),
        ));
    }
    Ok(d)
}

/// Checks an optional date (unknown dates are normal).
pub fn optional_in_range(
    field: &str,
    d: Option<NaiveDate>,
) -> Result<Option<NaiveDate>, DomainError> {
    d.map(|d| in_range(field, d)).transpose()
}

/// `later` must not be before `earlier` when both are known.
pub fn not_before(
    field: &str,
    later: Option<NaiveDate>,
    earlier_name: &str,
    earlier: Option<NaiveDate>,
) -> Result<(), DomainError> {
    if let (Some(l), Some(e)) = (later, earlier)
        && l < e
    {
        return Err(DomainError::bad_input(
            field,
            format!("{l} is before {earlier_name} {e}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_and_order() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(in_range("on", d("1990-01-01")).is_ok());
        assert!(in_range("on", d("2100-12-31")).is_ok());
        assert!(in_range("on", d("1989-12-31")).is_err());
        assert!(in_range("on", d("2101-01-01")).is_err());
        assert!(
            not_before(
                "committedOn",
                Some(d("2023-01-01")),
                "pledgedOn",
                Some(d("2023-01-02"))
            )
            .is_err()
        );
        assert!(
            not_before(
                "committedOn",
                Some(d("2023-01-02")),
                "pledgedOn",
                Some(d("2023-01-02"))
            )
            .is_ok()
        );
        assert!(not_before("committedOn", None, "pledgedOn", Some(d("2023-01-02"))).is_ok());
    }
}
