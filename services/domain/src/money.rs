//! Money: ISO 4217 currencies, exact decimal amounts, rounding, pro-rata splits.
//!
//! Amounts are [`Decimal`]s, never floats. An amount stored in an event is
//! canonical: rescaled to its currency's minor unit (`"1250.50"` EUR, `"1250"` XOF).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::DomainError;

/// The largest amount accepted in input: 10^18.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(0xA764_0000, 0x0DE0_B6B3, 0, false, 0);

/// 1 EUR = 655.957 XOF, fixed by the CFA franc (BCEAO) peg.
pub const EUR_XOF_PEG: Decimal = Decimal::from_parts(655_957, 0, 0, false, 3);

/// An ISO 4217 currency that has a minor unit (special codes such as XAU, XDR
/// or XXX have none and are refused as money).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub const EUR: Currency = Currency(iso_currency::Currency::EUR);
    pub const XOF: Currency = Currency(iso_currency::Currency::XOF);
    pub const USD: Currency = Currency(iso_currency::Currency::USD);

    /// Parses a code: exactly three upper-case letters, from the ISO list, with a minor unit.
    pub fn parse(field: &str, code: &str) -> Result<Currency, DomainError> {
        code.parse::<Currency>()
            .map_err(|m| DomainError::bad_input(field, m))
    }

    /// The three-letter code.
    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Number of decimal places of the minor unit (XOF 0, EUR 2, KWD 3).
    pub fn minor_units(self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(0))
    }

    pub fn iso(self) -> iso_currency::Currency {
        self.0
    }
}

impl FromStr for Currency {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format!(
                "{code:?} is not a currency code: use three upper-case letters from ISO 4217, e.g. XOF"
            ));
        }
        let c = iso_currency::Currency::from_code(code)
            .ok_or_else(|| format!("{code:?} is not an ISO 4217 currency code"))?;
        if c.exponent().is_none() {
            return Err(format!(
                "{code} has no minor unit in ISO 4217 and cannot be used for money"
            ));
        }
        Ok(Currency(c))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Currency {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Currency")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "ISO 4217 currency code (three upper-case letters).",
            "pattern": "^[A-Z]{3}$",
        })
    }
}

/// An amount with its currency. As a command input it is unchecked; in an event it is canonical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// What an input amount may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// Strictly greater than zero.
    Positive,
    /// Zero or more.
    NonNegative,
}

/// Checks an input amount and returns it in canonical form (scale = minor units):
/// the sign rule, no more decimal places than the minor unit once trailing
/// zeros are stripped (`1250.00` XOF is 1250, `1250.50` XOF is refused), at most 10^18.
pub fn check_amount(
    field: &str,
    amount: Decimal,
    currency: Currency,
    sign: Sign,
) -> Result<Decimal, DomainError> {
    let ok_sign = match sign {
        Sign::Positive => amount > Decimal::ZERO,
        Sign::NonNegative => amount >= Decimal::ZERO,
    };
    if !ok_sign {
        let rule = if sign == Sign::Positive {
            "greater than zero"
        } else {
            "zero or more"
        };
        return Err(DomainError::bad_input(
            field,
            format!("{amount} {currency}: the amount must be {rule}"),
        ));
    }
    if amount > MAX_AMOUNT {
        return Err(DomainError::bad_input(
            field,
            format!("{amount} {currency}: the amount must be at most 10^18"),
        ));
    }
    let n = amount.normalize();
    let minor = currency.minor_units();
    if n.scale() > minor {
        return Err(DomainError::bad_input(
            field,
            format!("{amount} {currency}: {currency} allows {minor} decimal places"),
        ));
    }
    Ok(canonical(n, currency))
}

/// Checks an input [`Money`] (see [`check_amount`]).
pub fn check_money(field: &str, money: Money, sign: Sign) -> Result<Money, DomainError> {
    Ok(Money::new(
        check_amount(field, money.amount, money.currency, sign)?,
        money.currency,
    ))
}

/// Rescales an amount that already fits the minor unit to exactly that many places.
fn canonical(amount: Decimal, currency: Currency) -> Decimal {
    let mut a = amount;
    a.rescale(currency.minor_units());
    a
}

/// Rounds half-to-even to the currency's minor unit, in canonical form.
pub fn round_to_minor(amount: Decimal, currency: Currency) -> Decimal {
    let r = amount.round_dp_with_strategy(
        currency.minor_units(),
        RoundingStrategy::MidpointNearestEven,
    );
    canonical(r, currency)
}

/// Adds amounts with overflow checking.
pub fn checked_sum<I: IntoIterator<Item = Decimal>>(
    field: &str,
    items: I,
) -> Result<Decimal, DomainError> {
    items.into_iter().try_fold(Decimal::ZERO, |acc, x| {
        acc.checked_add(x).ok_or_else(|| overflow(field))
    })
}

pub(crate) fn overflow(field: &str) -> DomainError {
    DomainError::bad_input(field, "the amounts are too large to compute")
}

/// Splits `total` pro rata over `weights` (each > 0): each share is rounded
/// half-to-even to the currency's minor unit and the rounding remainder goes to
/// the FIRST share, so the shares add up exactly to `total` (as the contract
/// says). With no weights there is nothing to split: returns an empty vector.
///
/// Note: in rare cases where many shares round up (e.g. 5 XOF over 1:3:3:3 gives
/// 0.5, 1.5, 1.5, 1.5 -> 0, 2, 2, 2), the remainder makes the first share
/// negative (-1); the contract's rule is followed literally.
pub fn split_pro_rata(
    field: &str,
    total: Decimal,
    weights: &[Decimal],
    currency: Currency,
) -> Result<Vec<Decimal>, DomainError> {
    if weights.is_empty() {
        return Ok(Vec::new());
    }
    let sum_w = checked_sum(field, weights.iter().copied())?;
    if sum_w <= Decimal::ZERO {
        return Err(DomainError::bad_input(
            field,
            "cannot split over allocations that add up to zero",
        ));
    }
    let mut shares = Vec::with_capacity(weights.len());
    for w in weights {
        // total * w / sum_w: multiply first, so that a share that is exactly
        // half a minor unit stays exact and rounds half-to-even; only when
        // total * w exceeds Decimal's range, go through the ratio.
        let exact = if *w == sum_w {
            total
        } else if let Some(share) = total.checked_mul(*w).and_then(|p| p.checked_div(sum_w)) {
            share
        } else {
            let ratio = w.checked_div(sum_w).ok_or_else(|| overflow(field))?;
            total.checked_mul(ratio).ok_or_else(|| overflow(field))?
        };
        shares.push(round_to_minor(exact, currency));
    }
    let assigned = checked_sum(field, shares.iter().copied())?;
    let remainder = total.checked_sub(assigned).ok_or_else(|| overflow(field))?;
    shares[0] = canonical(
        shares[0]
            .checked_add(remainder)
            .ok_or_else(|| overflow(field))?,
        currency,
    );
    Ok(shares)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_share_of_exactly_half_a_minor_unit_rounds_to_even() {
        let xof = super::Currency::parse("c", "XOF").unwrap();
        let d = |v: i64| rust_decimal::Decimal::from(v);
        // 3 XOF over weights 5:1: exact shares 2.5 and 0.5 round to 2 and 0
        // (even), and the remainder 1 goes to the first. (Through the ratio
        // 1/6 = 0.1666...667, the second share would be 0.5000...001 -> 1.)
        let shares = super::split_pro_rata("amount", d(3), &[d(5), d(1)], xof).unwrap();
        assert_eq!(shares, vec![d(3), d(0)]);
    }

    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn constants() {
        assert_eq!(MAX_AMOUNT, d("1000000000000000000"));
        assert_eq!(EUR_XOF_PEG, d("655.957"));
    }

    #[test]
    fn currency_codes_and_minor_units() {
        assert_eq!(Currency::parse("c", "XOF").unwrap().minor_units(), 0);
        assert_eq!(Currency::parse("c", "EUR").unwrap().minor_units(), 2);
        assert_eq!(Currency::parse("c", "USD").unwrap().minor_units(), 2);
        assert_eq!(Currency::parse("c", "JPY").unwrap().minor_units(), 0);
        assert_eq!(Currency::parse("c", "KWD").unwrap().minor_units(), 3);
        for bad in ["xof", "Eur", "ABC", "EU", "EURO", "", "XAU", "XXX"] {
            assert_eq!(
                Currency::parse("currency", bad).unwrap_err().code(),
                "BAD_USER_INPUT",
                "{bad}"
            );
        }
    }

    #[test]
    fn currency_serde_is_the_code() {
        assert_eq!(serde_json::to_string(&Currency::XOF).unwrap(), "\"XOF\"");
        assert_eq!(
            serde_json::from_str::<Currency>("\"EUR\"").unwrap(),
            Currency::EUR
        );
        assert!(serde_json::from_str::<Currency>("\"eur\"").is_err());
        let m = Money::new(d("1250.50"), Currency::EUR);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"amount":"1250.50","currency":"EUR"}"#
        );
    }

    #[test]
    fn amount_precision_sign_and_bounds() {
        let x = Currency::XOF;
        assert_eq!(
            check_amount("amount", d("1250.00"), x, Sign::Positive)
                .unwrap()
                .to_string(),
            "1250"
        );
        assert_eq!(
            check_amount("amount", d("1250.50"), x, Sign::Positive).unwrap_err(),
            DomainError::bad_input("amount", "1250.50 XOF: XOF allows 0 decimal places")
        );
        assert_eq!(
            check_amount("amount", d("1250.5"), Currency::EUR, Sign::Positive)
                .unwrap()
                .to_string(),
            "1250.50"
        );
        assert!(check_amount("amount", d("1250.505"), Currency::EUR, Sign::Positive).is_err());
        assert!(check_amount("amount", d("0"), x, Sign::Positive).is_err());
        assert!(check_amount("amount", d("0"), x, Sign::NonNegative).is_ok());
        assert!(check_amount("amount", d("-1"), x, Sign::NonNegative).is_err());
        assert!(check_amount("amount", MAX_AMOUNT, Currency::EUR, Sign::Positive).is_ok());
        assert!(check_amount("amount", MAX_AMOUNT + Decimal::ONE, x, Sign::Positive).is_err());
        assert!(
            check_amount(
                "amount",
                d("1000000000000000.01"),
                Currency::EUR,
                Sign::Positive
            )
            .is_ok()
        );
        assert!(
            check_amount(
                "amount",
                d("1000000000000000.001"),
                Currency::parse("c", "KWD").unwrap(),
                Sign::Positive
            )
            .is_ok()
        );
    }

    #[test]
    fn rounding_is_half_to_even() {
        assert_eq!(round_to_minor(d("0.5"), Currency::XOF), d("0"));
        assert_eq!(round_to_minor(d("1.5"), Currency::XOF), d("2"));
        assert_eq!(round_to_minor(d("2.5"), Currency::XOF), d("2"));
        assert_eq!(
            round_to_minor(d("0.125"), Currency::EUR).to_string(),
            "0.12"
        );
        assert_eq!(round_to_minor(d("7"), Currency::EUR).to_string(), "7.00");
    }

    #[test]
    fn split_gives_the_remainder_to_the_first() {
        let s =
            split_pro_rata("amount", d("100"), &[d("1"), d("1"), d("1")], Currency::XOF).unwrap();
        assert_eq!(s, vec![d("34"), d("33"), d("33")]);
        let s = split_pro_rata("amount", d("10.00"), &[d("1"), d("2")], Currency::EUR).unwrap();
        assert_eq!(s, vec![d("3.33"), d("6.67")]);
        assert!(
            split_pro_rata("amount", d("10"), &[], Currency::XOF)
                .unwrap()
                .is_empty()
        );
        let big = split_pro_rata(
            "amount",
            MAX_AMOUNT,
            &[MAX_AMOUNT, MAX_AMOUNT],
            Currency::parse("c", "KWD").unwrap(),
        )
        .unwrap();
        assert_eq!(big[0] + big[1], MAX_AMOUNT);
    }
}
