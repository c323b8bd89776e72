//! Exchange rates: one stream per pair, `rate-<BASE>-<QUOTE>`, and the pure
//! [`RateTable`] that converts money with them.
//!
//! `1 base = rate quote` from `validFrom` until the next rate of the same pair.
//! Decisions: a second rate for the same pair and `validFrom` is a correction
//! that supersedes the first (the event keeps the rate it replaces); the same
//! rate again is ALREADY_EXISTS. XOF/EUR and EUR/XOF are fixed by the peg and
//! cannot be recorded. Rates of other pairs are free (a pair and its inverse
//! may both be recorded; the direct one is preferred where both are in force).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::access::{Footprint, Footprinted};
use crate::aggregate::StreamState;
use crate::dates;
use crate::error::DomainError;
use crate::events::{event_enum, impl_domain_event};
use crate::money::{Currency, EUR_XOF_PEG, Money, round_to_minor};
use crate::refs::References;
use crate::streams::{EntityKind, stream_name};

/// Largest accepted rate.
pub const MAX_RATE: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0); // 10^12

pub fn stream_id(base: Currency, quote: Currency) -> String {
    stream_name(EntityKind::ExchangeRate, format_args!("{base}-{quote}"))
}

fn is_peg_pair(a: Currency, b: Currency) -> bool {
    (a == Currency::EUR && b == Currency::XOF) || (a == Currency::XOF && b == Currency::EUR)
}

/// `recordExchangeRate`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordExchangeRate {
    pub base: Currency,
    pub quote: Currency,
    pub rate: Decimal,
    pub valid_from: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ExchangeRateCommand {
    Record(RecordExchangeRate),
}

impl From<RecordExchangeRate> for ExchangeRateCommand {
    fn from(c: RecordExchangeRate) -> Self {
        ExchangeRateCommand::Record(c)
    }
}

impl ExchangeRateCommand {
    pub fn stream_id(&self) -> Result<String, DomainError> {
        match self {
            ExchangeRateCommand::Record(c) => Ok(stream_id(c.base, c.quote)),
        }
    }
}

/// What the command concerns, for the scope check ([`crate::access::authorize`]).
impl Footprinted for ExchangeRateCommand {
    type StreamState = ExchangeRateState;
    fn footprint(&self, _: &ExchangeRateState, _: &dyn References) -> Footprint {
        Footprint {
            shared: true,
            ..Footprint::default()
        }
    }
}

/// `1 base = rate quote` from `validFrom`; `supersedes` is the rate it corrects, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeRateRecorded {
    pub base: Currency,
    pub quote: Currency,
    pub rate: Decimal,
    pub valid_from: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<Decimal>,
}
impl_domain_event!(ExchangeRateRecorded, 1);

event_enum!(ExchangeRateEvent {
    ExchangeRateRecorded
});

/// The rates of one pair, by `validFrom`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRatePair {
    pub base: Currency,
    pub quote: Currency,
    pub rates: BTreeMap<NaiveDate, Decimal>,
}

pub type ExchangeRateState = StreamState<ExchangeRatePair>;

pub fn evolve(mut state: ExchangeRateState, event: &ExchangeRateEvent) -> ExchangeRateState {
    state.version += 1;
    match event {
        ExchangeRateEvent::ExchangeRateRecorded(e) => {
            let pair = state.entity.get_or_insert_with(|| ExchangeRatePair {
                base: e.base,
                quote: e.quote,
                rates: BTreeMap::new(),
            });
            pair.rates.insert(e.valid_from, e.rate);
        }
    }
    state
}

pub fn decide(
    state: &ExchangeRateState,
    command: &ExchangeRateCommand,
    _refs: &dyn References,
) -> Result<Vec<ExchangeRateEvent>, DomainError> {
    match command {
        ExchangeRateCommand::Record(c) => {
            if c.base == c.quote {
                return Err(DomainError::bad_input(
                    "quote",
                    format!("{} is also the base: a rate needs two currencies", c.quote),
                ));
            }
            if is_peg_pair(c.base, c.quote) {
                return Err(DomainError::bad_input(
                    "base",
                    format!(
                        "{}/{} is fixed by the peg (1 EUR = 655.957 XOF) and is not recorded",
                        c.base, c.quote
                    ),
                ));
            }
            if c.rate <= Decimal::ZERO || c.rate > MAX_RATE {
                return Err(DomainError::bad_input(
                    "rate",
                    format!(
                        "{} is not a rate: use a number greater than 0 and at most 10^12",
                        c.rate
                    ),
                ));
            }
            let valid_from = dates::in_range("validFrom", c.valid_from)?;
            let rate = c.rate.normalize();
            let previous = state
                .entity
                .as_ref()
                .and_then(|p| p.rates.get(&valid_from))
                .copied();
            if previous == Some(rate) {
                return Err(DomainError::already_exists(
                    "ExchangeRate",
                    format!("{}/{} from {valid_from}", c.base, c.quote),
                ));
            }
            Ok(vec![
                ExchangeRateRecorded {
                    base: c.base,
                    quote: c.quote,
                    rate,
                    valid_from,
                    supersedes: previous,
                }
                .into(),
            ])
        }
    }
}

crate::aggregate::entity_aggregate!(
    ExchangeRate,
    ExchangeRateState,
    ExchangeRateCommand,
    ExchangeRateEvent
);

// ---- conversion ----

/// Why an amount could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConversionError {
    #[error(
        "no exchange rate {base}/{quote} in force on {on} (directly, inversely or through EUR)"
    )]
    MissingRate {
        base: Currency,
        quote: Currency,
        on: NaiveDate,
    },
    #[error("converting {amount} {from} to {to} overflows")]
    Overflow {
        amount: Decimal,
        from: Currency,
        to: Currency,
    },
}

/// Where a rate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateSource {
    /// The XOF/EUR peg.
    Peg,
    /// A recorded rate of this pair, in force since `valid_from`.
    Recorded { valid_from: NaiveDate },
    /// 1 / (the rate of the opposite pair, in force since `valid_from`; `None` for the peg).
    Inverse { valid_from: Option<NaiveDate> },
}

/// One rate used in a conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateUsed {
    pub base: Currency,
    pub quote: Currency,
    pub rate: Decimal,
    pub source: RateSource,
}

/// The result of a conversion, with the rate(s) used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    pub money: Money,
    /// The rate applied (the cross rate, unrounded, when through EUR; 1 for the same currency).
    pub rate: Decimal,
    /// The rates it was made of (empty for the same currency; two when through EUR).
    pub legs: Vec<RateUsed>,
}

/// Rounds to `digits` significant digits, half to even (within Decimal's 28 decimal places).
fn round_significant(d: Decimal, digits: u32) -> Decimal {
    if d.is_zero() {
        return d;
    }
    let abs = d.abs();
    // number of digits before the point, or minus the zeros right after it
    let mut magnitude: i64 = 0;
    let mut x = abs;
    let ten = Decimal::TEN;
    if x >= Decimal::ONE {
        while x >= Decimal::ONE {
            x /= ten;
            magnitude += 1;
        }
    } else {
        while x < Decimal::ONE / ten {
            x *= ten;
            magnitude -= 1;
        }
    }
    let dp = i64::from(digits) - magnitude;
    if dp < 0 || dp >= i64::from(d.scale()) {
        return d;
    }
    d.round_dp_with_strategy(dp as u32, RoundingStrategy::MidpointNearestEven)
}

/// The inverse of a rate: 1 / rate to 28 significant digits (as far as
/// Decimal's 28 decimal places allow).
pub fn inverse_rate(rate: Decimal) -> Option<Decimal> {
    Decimal::ONE
        .checked_div(rate)
        .map(|r| round_significant(r, 28))
}

/// Every recorded rate plus the XOF/EUR peg; converts money on a value date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateTable {
    pairs: HashMap<(Currency, Currency), BTreeMap<NaiveDate, Decimal>>,
}

impl RateTable {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a ExchangeRateRecorded>) -> Self {
        let mut t = Self::new();
        for e in events {
            t.record(e);
        }
        t
    }

    /// Folds one recorded rate in (a correction replaces the rate of its date).
    pub fn record(&mut self, e: &ExchangeRateRecorded) {
        self.pairs
            .entry((e.base, e.quote))
            .or_default()
            .insert(e.valid_from, e.rate);
    }

    fn recorded(
        &self,
        base: Currency,
        quote: Currency,
        on: NaiveDate,
    ) -> Option<(NaiveDate, Decimal)> {
        self.pairs
            .get(&(base, quote))?
            .range(..=on)
            .next_back()
            .map(|(d, r)| (*d, *r))
    }

    /// The rate of one pair on a date: peg, recorded, or the inverse of either.
    pub fn leg(&self, base: Currency, quote: Currency, on: NaiveDate) -> Option<RateUsed> {
        let used = |rate, source| {
            Some(RateUsed {
                base,
                quote,
                rate,
                source,
            })
        };
        if is_peg_pair(base, quote) {
            return if base == Currency::EUR {
                used(EUR_XOF_PEG, RateSource::Peg)
            } else {
                used(
                    inverse_rate(EUR_XOF_PEG)?,
                    RateSource::Inverse { valid_from: None },
                )
            };
        }
        if let Some((valid_from, rate)) = self.recorded(base, quote, on) {
            return used(rate, RateSource::Recorded { valid_from });
        }
        if let Some((valid_from, rate)) = self.recorded(quote, base, on) {
            return used(
                inverse_rate(rate)?,
                RateSource::Inverse {
                    valid_from: Some(valid_from),
                },
            );
        }
        None
    }

    /// The rate to apply from `from` to `to` on `on`, with its legs.
    pub fn rate(
        &self,
        from: Currency,
        to: Currency,
        on: NaiveDate,
    ) -> Result<(Decimal, Vec<RateUsed>), ConversionError> {
        if from == to {
            return Ok((Decimal::ONE, Vec::new()));
        }
        if let Some(l) = self.leg(from, to, on) {
            return Ok((l.rate, vec![l]));
        }
        let missing = ConversionError::MissingRate {
            base: from,
            quote: to,
            on,
        };
        if from == Currency::EUR || to == Currency::EUR {
            return Err(missing);
        }
        let (Some(a), Some(b)) = (
            self.leg(from, Currency::EUR, on),
            self.leg(Currency::EUR, to, on),
        ) else {
            return Err(missing);
        };
        let cross = a
            .rate
            .checked_mul(b.rate)
            .ok_or(ConversionError::Overflow {
                amount: Decimal::ONE,
                from,
                to,
            })?;
        Ok((cross, vec![a, b]))
    }

    /// Converts at the rate in force on `on`, rounding once, half to even, to `to`'s minor unit.
    pub fn convert(
        &self,
        money: &Money,
        to: Currency,
        on: NaiveDate,
    ) -> Result<Conversion, ConversionError> {
        let (rate, legs) = self.rate(money.currency, to, on)?;
        let overflow = || ConversionError::Overflow {
            amount: money.amount,
            from: money.currency,
            to,
        };
        let raw = money.amount.checked_mul(rate).ok_or_else(overflow)?;
        Ok(Conversion {
            money: Money::new(round_to_minor(raw, to), to),
            rate,
            legs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn record(base: Currency, quote: Currency, rate: &str, from: &str) -> RecordExchangeRate {
        RecordExchangeRate {
            base,
            quote,
            rate: dec(rate),
            valid_from: date(from),
        }
    }

    fn recorded(base: Currency, quote: Currency, rate: &str, from: &str) -> ExchangeRateRecorded {
        ExchangeRateRecorded {
            base,
            quote,
            rate: dec(rate),
            valid_from: date(from),
            supersedes: None,
        }
    }

    const EUR: Currency = Currency::EUR;
    const USD: Currency = Currency::USD;
    const XOF: Currency = Currency::XOF;

    #[test]
    fn recording_a_rate_normalises_it() {
        given_nothing::<ExchangeRateState>()
            .when(record(EUR, USD, "1.0850", "2023-01-01"))
            .then([recorded(EUR, USD, "1.085", "2023-01-01").into()]);
    }

    #[test]
    fn a_rate_for_another_date_is_accepted() {
        let state = given([ExchangeRateEvent::from(recorded(
            EUR,
            USD,
            "1.085",
            "2023-01-01",
        ))])
        .when(record(EUR, USD, "1.10", "2023-07-01"))
        .then_ok();
        assert_eq!(state.entity.unwrap().rates.len(), 2);
    }

    #[test]
    fn a_different_rate_for_the_same_date_supersedes_the_first() {
        given([ExchangeRateEvent::from(recorded(
            EUR,
            USD,
            "1.085",
            "2023-01-01",
        ))])
        .when(record(EUR, USD, "1.09", "2023-01-01"))
        .then([ExchangeRateRecorded {
            supersedes: Some(dec("1.085")),
            ..recorded(EUR, USD, "1.09", "2023-01-01")
        }
        .into()]);
    }

    #[test]
    fn the_same_rate_for_the_same_date_already_exists() {
        given([ExchangeRateEvent::from(recorded(
            EUR,
            USD,
            "1.085",
            "2023-01-01",
        ))])
        .when(record(EUR, USD, "1.0850", "2023-01-01"))
        .then_err(DomainError::already_exists(
            "ExchangeRate",
            "EUR/USD from 2023-01-01",
        ));
    }

    #[test]
    fn a_pair_of_one_currency_is_refused() {
        given_nothing::<ExchangeRateState>()
            .when(record(USD, USD, "1", "2023-01-01"))
            .then_code("BAD_USER_INPUT", "quote");
    }

    #[test]
    fn the_pegged_pair_cannot_be_recorded() {
        given_nothing::<ExchangeRateState>()
            .when(record(EUR, XOF, "655.957", "2023-01-01"))
            .then_err(DomainError::bad_input(
                "base",
                "EUR/XOF is fixed by the peg (1 EUR = 655.957 XOF) and is not recorded",
            ));
        given_nothing::<ExchangeRateState>()
            .when(record(XOF, EUR, "0.0015", "2023-01-01"))
            .then_code("BAD_USER_INPUT", "base");
    }

    #[test]
    fn a_rate_that_is_not_positive_is_refused() {
        for r in ["0", "-1.2", "1000000000001"] {
            given_nothing::<ExchangeRateState>()
                .when(record(EUR, USD, r, "2023-01-01"))
                .then_code("BAD_USER_INPUT", "rate");
        }
    }

    #[test]
    fn a_valid_from_out_of_range_is_refused() {
        given_nothing::<ExchangeRateState>()
            .when(record(EUR, USD, "1.1", "1970-01-01"))
            .then_code("BAD_USER_INPUT", "validFrom");
    }

    #[test]
    fn stream_per_pair() {
        assert_eq!(
            ExchangeRateCommand::from(record(EUR, USD, "1", "2023-01-01"))
                .stream_id()
                .unwrap(),
            "rate-EUR-USD"
        );
    }

    fn table() -> RateTable {
        RateTable::from_events(&[
            recorded(EUR, USD, "1.10", "2023-01-01"),
            recorded(EUR, USD, "1.20", "2023-07-01"),
        ])
    }

    #[test]
    fn the_peg_converts_exactly() {
        let c = table()
            .convert(&Money::new(dec("100.00"), EUR), XOF, date("2023-01-01"))
            .unwrap();
        assert_eq!(c.money, Money::new(dec("65596"), XOF)); // 65595.7 rounded
        assert_eq!(c.rate, dec("655.957"));
        assert_eq!(c.legs[0].source, RateSource::Peg);
        let back = table()
            .convert(&Money::new(dec("655957"), XOF), EUR, date("2023-01-01"))
            .unwrap();
        assert_eq!(back.money, Money::new(dec("1000.00"), EUR));
    }

    #[test]
    fn the_rate_in_force_on_the_value_date_is_used() {
        let t = table();
        let m = Money::new(dec("100.00"), EUR);
        assert_eq!(
            t.convert(&m, USD, date("2023-06-30")).unwrap().money.amount,
            dec("110.00")
        );
        assert_eq!(
            t.convert(&m, USD, date("2023-07-01")).unwrap().money.amount,
            dec("120.00")
        );
        assert_eq!(
            t.convert(&m, USD, date("2022-12-31")).unwrap_err(),
            ConversionError::MissingRate {
                base: EUR,
                quote: USD,
                on: date("2022-12-31")
            }
        );
    }

    #[test]
    fn the_inverse_is_derived_to_28_significant_digits() {
        let c = table()
            .convert(&Money::new(dec("120.00"), USD), EUR, date("2023-07-01"))
            .unwrap();
        assert_eq!(c.money.amount, dec("100.00"));
        assert_eq!(c.rate, dec("0.8333333333333333333333333333"));
        assert_eq!(
            c.legs[0].source,
            RateSource::Inverse {
                valid_from: Some(date("2023-07-01"))
            }
        );
        assert_eq!(
            inverse_rate(dec("0.0003")).unwrap(),
            dec("3333.333333333333333333333333")
        );
    }

    #[test]
    fn without_direct_or_inverse_rate_it_goes_through_eur_rounding_once() {
        let c = table()
            .convert(&Money::new(dec("1000000"), XOF), USD, date("2023-07-01"))
            .unwrap();
        // 1 XOF = (1/655.957) EUR, 1 EUR = 1.20 USD: cross unrounded, amount rounded once.
        let cross = inverse_rate(dec("655.957")).unwrap() * dec("1.20");
        assert_eq!(c.rate, cross);
        assert_eq!(c.money.amount, round_to_minor(dec("1000000") * cross, USD));
        assert_eq!(c.money.amount, dec("1829.39"));
        assert_eq!(c.legs.len(), 2);
        let missing = table().convert(
            &Money::new(dec("1"), XOF),
            Currency::parse("c", "JPY").unwrap(),
            date("2023-07-01"),
        );
        assert_eq!(
            missing.unwrap_err().to_string(),
            "no exchange rate XOF/JPY in force on 2023-07-01 (directly, inversely or through EUR)"
        );
    }

    #[test]
    fn a_correction_replaces_the_rate_of_its_date() {
        let mut t = table();
        t.record(&ExchangeRateRecorded {
            supersedes: Some(dec("1.20")),
            ..recorded(EUR, USD, "1.25", "2023-07-01")
        });
        assert_eq!(
            t.convert(&Money::new(dec("1.00"), EUR), USD, date("2023-08-01"))
                .unwrap()
                .money
                .amount,
            dec("1.25")
        );
    }

    #[test]
    fn the_same_currency_converts_at_one() {
        let c = RateTable::new()
            .convert(&Money::new(dec("5.00"), USD), USD, date("2023-01-01"))
            .unwrap();
        assert_eq!(
            (c.money.amount, c.rate, c.legs.len()),
            (dec("5.00"), Decimal::ONE, 0)
        );
    }
}
