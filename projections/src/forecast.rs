//! `forecast(roadmapId, currency)` (issue #14): per priority and quarter,
//! what the commitments' expected tranches bring, beside what was actually
//! disbursed, in the reporting currency.
//!
//! ## Rule
//! - **Expected**: every tranche of a pledge committed and valued (in force
//!   now, not cancelled), split over the pledge's allocations pro rata
//!   (`split_pro_rata`, the contract's rounding; the whole tranche is
//!   unallocated when the pledge has no allocation), converted at the rate
//!   in force on the tranche's due date, in the quarter of that date.
//! - **Disbursed**: exactly what `fundingByPriority` counts as disbursed (the
//!   same disbursement shares, converted at `disbursedOn`), in the quarter of
//!   `disbursedOn`. A disbursement whose date is unknown is converted as
//!   funding converts it (at today's rate) and shown apart, as
//!   `disbursedUndated`, never put in a guessed quarter. So the quarters plus
//!   the undated part add up to the funding's disbursed figure, line by line.
//! - Quarters run from the first to the last quarter with a figure, with the
//!   quarters between them (zero there: nothing expected, nothing disbursed)
//!   when they span at most [`MAX_FILLED_QUARTERS`]; over a longer span (a
//!   tranche due decades ahead) only the quarters with a figure are listed.
//!   `expectedToDate` and `disbursedToDate` are running sums; `coverage` is
//!   `expectedToDate / required` (4 places, half-to-even), null without a
//!   requirement.
//! - Unvalued pledges are counted (`unvaluedCount`, as in funding), never
//!   summed.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use fundtrail_domain::money::{Currency, Money, round_to_minor, split_pro_rata};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::ReadModel;
use crate::entities::NONE;
use crate::funding::{Converter, FundingError, view_pledge};
use crate::timeline::Decoded;

/// The longest run of quarters listed with the empty ones between (ten years).
pub const MAX_FILLED_QUARTERS: usize = 40;

/// A calendar quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub q: u32,
}

impl Quarter {
    pub fn of(d: NaiveDate) -> Quarter {
        Quarter {
            year: d.year(),
            q: d.month0() / 3 + 1,
        }
    }

    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        }
    }

    /// Its first day.
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.q - 1) * 3 + 1, 1).unwrap_or_default()
    }
}

impl fmt::Display for Quarter {
    /// `2024-Q1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.q)
    }
}

/// One quarter of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarterFigures {
    pub quarter: Quarter,
    pub expected: Money,
    pub disbursed: Money,
    pub expected_to_date: Money,
    pub disbursed_to_date: Money,
    /// `expectedToDate / required`; `None` without a requirement.
    pub coverage: Option<Decimal>,
}

/// One priority's forecast (or the unallocated line's, or the total's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForecastLine {
    /// `None` for the unallocated line and the total.
    pub priority_id: Option<String>,
    pub required: Option<Money>,
    pub quarters: Vec<QuarterFigures>,
    /// Disbursed on a date the records do not state.
    pub disbursed_undated: Money,
    pub expected: Money,
    pub disbursed: Money,
    pub unvalued_count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forecast {
    pub roadmap_id: String,
    pub currency: Currency,
    pub priorities: Vec<ForecastLine>,
    pub unallocated: ForecastLine,
    pub total: ForecastLine,
}

#[derive(Default)]
struct Acc {
    by_quarter: BTreeMap<Quarter, (Decimal, Decimal)>,
    undated: Decimal,
    unvalued: u32,
}

impl Acc {
    fn expect(&mut self, q: Quarter, x: Decimal) {
        self.by_quarter.entry(q).or_default().0 += x;
    }
    fn disburse(&mut self, q: Option<Quarter>, x: Decimal) {
        match q {
            Some(q) => self.by_quarter.entry(q).or_default().1 += x,
            None => self.undated += x,
        }
    }
}

fn money(x: Decimal, c: Currency) -> Money {
    Money::new(round_to_minor(x, c), c)
}

fn finish(
    acc: Acc,
    priority_id: Option<String>,
    required: Option<Decimal>,
    to: Currency,
) -> ForecastLine {
    let mut quarters = Vec::new();
    let (mut e_sum, mut d_sum) = (Decimal::ZERO, Decimal::ZERO);
    if let (Some(first), Some(last)) = (
        acc.by_quarter.keys().next().copied(),
        acc.by_quarter.keys().next_back().copied(),
    ) {
        let span = (last.year - first.year) as i64 * 4 + last.q as i64 - first.q as i64 + 1;
        let fill = span <= MAX_FILLED_QUARTERS as i64;
        let mut q = first;
        loop {
            if !fill && !acc.by_quarter.contains_key(&q) {
                q = match acc.by_quarter.range(q..).next() {
                    Some((next, _)) => *next,
                    None => break,
                };
            }
            let (e, d) = acc.by_quarter.get(&q).copied().unwrap_or_default();
            e_sum += e;
            d_sum += d;
            let coverage = required.filter(|r| !r.is_zero()).map(|r| {
                let mut c =
                    (e_sum / r).round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven);
                c.rescale(4);
                c
            });
            quarters.push(QuarterFigures {
                quarter: q,
                expected: money(e, to),
                disbursed: money(d, to),
                expected_to_date: money(e_sum, to),
                disbursed_to_date: money(d_sum, to),
                coverage,
            });
            if q == last {
                break;
            }
            q = q.next();
        }
    }
    ForecastLine {
        priority_id,
        required: required.map(|r| money(r, to)),
        quarters,
        disbursed_undated: money(acc.undated, to),
        expected: money(e_sum, to),
        disbursed: money(d_sum + acc.undated, to),
        unvalued_count: acc.unvalued,
    }
}

impl ReadModel {
    /// [`forecast`](Self::forecast), kept until an event changes the
    /// roadmap's figures or schedules (or the day turns), and shared.
    pub fn forecast_shared(
        &self,
        roadmap_id: &str,
        currency: Option<Currency>,
        today: NaiveDate,
    ) -> Result<Arc<Forecast>, FundingError> {
        let (ri, to) = self.reporting(roadmap_id, currency)?;
        let key = (ri, to, today);
        let cached = {
            let cache = self.forecasts.lock().unwrap_or_else(|p| p.into_inner());
            cache.get(&key).cloned()
        };
        if let Some(f) = cached {
            return Ok(f);
        }
        let f = Arc::new(self.forecast(roadmap_id, Some(key.1), today)?);
        let mut cache = self.forecasts.lock().unwrap_or_else(|p| p.into_inner());
        // answers for another day are stale: keep one day only
        cache.retain(|k, _| k.2 == today);
        if cache.len() >= 256 {
            cache.clear();
        }
        cache.insert(key, f.clone());
        Ok(f)
    }

    /// The forecast of `roadmap_id` in `currency` (the roadmap's when
    /// `None`); `today` dates the conversion of requirements and undated
    /// disbursements, as in `fundingByPriority` without `on`.
    pub fn forecast(
        &self,
        roadmap_id: &str,
        currency: Option<Currency>,
        today: NaiveDate,
    ) -> Result<Forecast, FundingError> {
        let ent = &self.ent;
        let (ri, to) = self.reporting(roadmap_id, currency)?;
        let rec = ent.roadmaps.get(ri);
        let cutoff = self.position();
        let rates = self.rates_at(cutoff);
        let mut conv = Converter::new(&rates, to, today);
        let prios: Vec<u32> = rec
            .priorities
            .iter()
            .copied()
            .filter(|p| ent.priorities.get(*p).state.exists())
            .collect();
        let n = prios.len();
        let slot_of = |p: u32| {
            if p == NONE {
                n
            } else {
                prios.iter().position(|x| *x == p).unwrap_or(n)
            }
        };
        let mut lines: Vec<Acc> = (0..=n).map(|_| Acc::default()).collect();
        let mut total = Acc::default();
        let mut decoded = Decoded::default();
        for &pi in &rec.pledges {
            let pr = ent.pledges.get(pi);
            let d = decoded.decode(&pr.timeline, &ent.currencies);
            let Some(mut v) = view_pledge(d, pr.donor, cutoff, None) else {
                continue;
            };
            // A pledge in a funding chain counts what it keeps, as in
            // funding by priority ([`crate::chains`]): its disbursements and
            // its tranches pro rata.
            let mut kept_share: Option<(Decimal, Decimal)> = None;
            if ent.chains.touches(pi) {
                let passed = crate::chains::passed_on(ent, pi, cutoff, None);
                if let Some(a) = v.amount
                    && passed > Decimal::ZERO
                {
                    kept_share = Some(((a.amount - passed).max(Decimal::ZERO), a.amount));
                }
                if !crate::chains::keep(&mut v, passed) {
                    continue;
                }
            }
            let Some(amount) = v.amount else {
                let mut touched: Vec<usize> = if v.priorities.is_empty() {
                    vec![n]
                } else {
                    v.priorities.iter().map(|p| slot_of(*p)).collect()
                };
                touched.sort_unstable();
                touched.dedup();
                for s in touched {
                    lines[s].unvalued += 1;
                }
                total.unvalued += 1;
                continue;
            };
            // Expected: the committed pledge's tranches.
            let tranches = pr.extra.as_ref().map_or(&[][..], |x| &x.tranches[..]);
            if v.committed.is_some() && !tranches.is_empty() {
                let whole = [(NONE, amount.amount)];
                let items: &[(u32, Decimal)] = if v.allocations.is_empty() {
                    &whole
                } else {
                    &v.allocations
                };
                let weights: Vec<Decimal> = items.iter().map(|(_, a)| *a).collect();
                for t in tranches {
                    let t_amount = match kept_share {
                        Some((kept, whole)) if whole > Decimal::ZERO => {
                            fundtrail_domain::money::round_to_minor(
                                t.amount * kept / whole,
                                amount.currency,
                            )
                        }
                        _ => t.amount,
                    };
                    // Allocations never add up to zero (the domain refuses
                    // it); should a split fail, the tranche counts whole as
                    // unallocated rather than vanish as zero.
                    let split: Vec<(u32, Decimal)> =
                        match split_pro_rata("tranches", t_amount, &weights, amount.currency) {
                            Ok(shares) => items.iter().map(|(p, _)| *p).zip(shares).collect(),
                            Err(_) => vec![(NONE, t_amount)],
                        };
                    for (p, share) in split {
                        let x = conv.convert(share, amount.currency, Some(t.due_on))?;
                        let q = Quarter::of(t.due_on);
                        lines[slot_of(p)].expect(q, x);
                        total.expect(q, x);
                    }
                }
            }
            // Disbursed: funding's disbursement shares, at `disbursedOn`.
            for (c, shares, d_on) in &v.disbursements {
                for (p, a) in shares.iter() {
                    let x = conv.convert(*a, *c, *d_on)?;
                    let q = d_on.map(Quarter::of);
                    lines[slot_of(*p)].disburse(q, x);
                    total.disburse(q, x);
                }
            }
        }
        let mut required_total: Option<Decimal> = None;
        let unallocated = lines.pop().unwrap_or_default();
        let mut priorities = Vec::with_capacity(n);
        for (p, acc) in prios.iter().zip(lines) {
            let pr = ent.priorities.get(*p);
            let required = match pr.requirements.last().map(|(_, m)| *m) {
                Some(m) => Some(conv.convert(m.amount, m.currency, Some(today))?),
                None => None,
            };
            if let Some(r) = required {
                required_total = Some(required_total.unwrap_or_default() + r);
            }
            priorities.push(finish(
                acc,
                ent.priorities.id_of(*p).map(str::to_owned),
                required,
                to,
            ));
        }
        Ok(Forecast {
            roadmap_id: roadmap_id.to_owned(),
            currency: to,
            priorities,
            unallocated: finish(unallocated, None, None, to),
            total: finish(total, None, required_total, to),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_follow_the_calendar() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(Quarter::of(d("2024-03-31")).to_string(), "2024-Q1");
        assert_eq!(Quarter::of(d("2024-04-01")).to_string(), "2024-Q2");
        assert_eq!(Quarter::of(d("2024-12-31")).next().to_string(), "2025-Q1");
        assert_eq!(Quarter::of(d("2024-11-05")).start(), d("2024-10-01"));
    }
}
