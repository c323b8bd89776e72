//! `fundingByPriority` with both clocks.
//!
//! ## Model
//! Every pledge keeps a timeline of *facts* in store order: `(position,
//! value date, change)` where the change is made / committed / disbursed /
//! revised / cancelled and the value date is `pledgedOn`, `committedOn`,
//! `disbursedOn`, `revisedOn` or `cancelledOn` (the first three may be unknown).
//! Requirements keep `(position, requirement)` per priority. A query is a fold
//! of those timelines through two filters:
//! - **`asOf`** (recorded time) becomes a position cutoff: the last position
//!   recorded at or before `asOf` (binary search over the recorded-time table;
//!   `recorded_at` never decreases along positions). Facts, requirements,
//!   priorities and exchange rates after the cutoff do not exist for the query.
//!   `asOf` before the first event gives zero figures.
//! - **`on`** (value date) keeps facts whose value date is `<= on`: a pledge
//!   made after `on` is absent; the amount in force is the last revision with
//!   `revisedOn <= on` (else the original amount); a cancellation counts from
//!   `cancelledOn`; a commitment from `committedOn`; a disbursement from
//!   `disbursedOn`. Requirements have no value date: the latest one recorded
//!   (by the cutoff) is in force whatever `on` is.
//!
//! ## Facts with an unknown value date (decision)
//! - Without `on`, they count as if dated (the civ-2023 import has many).
//! - With `on`, they are **excluded and reported**: a pledge made on an unknown
//!   date contributes nothing, a commitment on an unknown date leaves the pledge
//!   pledged-but-not-committed, a disbursement on an unknown date is left out;
//!   each such pledge adds 1 to `undated_count` of every line it touches
//!   (`total.undated_count` counts distinct pledges). Unknown is never zero.
//!
//! ## Figures (the contract's rules)
//! - pledged: allocations (the whole amount as *unallocated* when there are
//!   none) of every pledge not cancelled; committed: the same for pledges
//!   committed or further; disbursed: the disbursement shares as recorded
//!   (a share without priority is unallocated).
//! - Unvalued pledges (no amount in force) are counted in `unvalued_count` of
//!   their `priorityIds` (else unallocated) and never summed. A cancelled
//!   pledge is neither summed nor counted. `total.unvalued_count` counts
//!   distinct pledges (a pledge meant for two priorities counts once).
//! - required: the latest requirement (null when none); gap = max(required -
//!   committed, 0); coverage = committed / required, half-to-even to 4 places,
//!   null when required is null or zero. `total` adds priorities and
//!   unallocated; its required is the sum of the priorities' requirements
//!   (null when none has one).
//! - Currency: every amount is converted at the rate in force on its value
//!   date: pledged at `pledgedOn` (or `revisedOn` of the revision in force),
//!   committed at the later of `committedOn` and that date, disbursed at
//!   `disbursedOn`; a requirement, and any amount whose value date is unknown,
//!   at `on` (else `today`). Each converted amount is rounded half-to-even to
//!   the target's minor unit, then summed. A missing rate is a
//!   [`ConversionError::MissingRate`] (as [`FundingError::Conversion`]) naming the pair and the date. Rates recorded
//!   after the `asOf` cutoff are not used.
//! - Donors on a line: every donor with a valued or unvalued contribution to it,
//!   ordered by committed, then pledged (largest first), then id.
//!
//! ## Speed
//! The plain query (no `asOf`, no `on`) adds running totals kept as events
//! apply (exact sums of the amounts already in the reporting currency, see
//! `crate::plain`) and folds only the pledges in other currencies; it is also
//! cached per (roadmap, currency, today) and dropped when an event touches that
//! roadmap (any rate drops all). `on` answers are cached the same way, and
//! `asOf` answers with a cutoff before the model's position for good (nothing
//! after a cutoff changes them).
//! Other queries fold the roadmap's timelines (pledges of a roadmap are listed
//! in creation order, so the `asOf` fold stops at the first pledge made after
//! the cutoff); rates are memoised per (currency, date) within a query.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use fundtrail_domain::exchange_rate::{ConversionError, RateTable};
use fundtrail_domain::money::{Currency, Money, round_to_minor};
use rust_decimal::{Decimal, RoundingStrategy};
use thiserror::Error;

use crate::ReadModel;
use crate::chains::{self, Attribution, split_over};
use crate::entities::{Entities, NONE};
use crate::plain::Class;
use crate::timeline::{Change, Decoded};

/// Why funding figures cannot be given.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FundingError {
    #[error("roadmap {0} not found")]
    RoadmapNotFound(String),
    /// A missing rate (naming the pair and the date) or an overflow.
    #[error(transparent)]
    Conversion(#[from] ConversionError),
}

/// What one donor brings to one line, in the reporting currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonorFunding {
    pub organisation_id: String,
    pub pledged: Money,
    pub committed: Money,
    pub disbursed: Money,
    /// The donor's unvalued pledges on this line (additive field).
    pub unvalued_count: u32,
}

/// The contract's `FundingLine`, plus `undated_count`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingLine {
    pub required: Option<Money>,
    pub pledged: Money,
    pub committed: Money,
    pub disbursed: Money,
    pub gap: Option<Money>,
    pub coverage: Option<Decimal>,
    pub unvalued_count: u32,
    /// Pledges with a fact left out because its value date is unknown and `on`
    /// was given (always 0 without `on`). Additive field.
    pub undated_count: u32,
    pub donors: Vec<DonorFunding>,
}

impl FundingLine {
    /// Whether the line's figures (and so its coverage and gap) leave
    /// something out: contributions without a value, or, with `on`, facts
    /// without a value date. Then the committed figure is a minimum and the
    /// coverage reads "at least"; the gap "at most".
    pub fn is_lower_bound(&self) -> bool {
        self.unvalued_count > 0 || self.undated_count > 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityFunding {
    pub priority_id: String,
    pub rank: u32,
    pub line: FundingLine,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoadmapFunding {
    pub roadmap_id: String,
    pub currency: Currency,
    /// The last position taken into account (the `asOf` cutoff).
    pub position: u64,
    pub on: Option<NaiveDate>,
    /// In rank order (priorities defined by the cutoff).
    pub priorities: Vec<PriorityFunding>,
    pub unallocated: FundingLine,
    pub total: FundingLine,
}

#[derive(Debug, Default, Clone, Copy)]
struct Figures {
    pledged: Decimal,
    committed: Decimal,
    disbursed: Decimal,
    unvalued: u32,
}

/// Hashes `u32` slots with one multiplication (slots are dense small integers;
/// SipHash showed in profiles of the funding query).
#[derive(Default, Clone, Copy)]
pub(crate) struct SlotHasher(u64);

impl std::hash::Hasher for SlotHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(n)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub(crate) type SlotMap<V> = HashMap<u32, V, std::hash::BuildHasherDefault<SlotHasher>>;

#[derive(Debug, Default)]
struct Acc {
    sums: Figures,
    undated: u32,
    donors: SlotMap<Figures>,
}

impl Acc {
    fn donor(&mut self, d: u32) -> &mut Figures {
        self.donors.entry(d).or_default()
    }
}

/// Converts amounts to the reporting currency, memoising rates per (currency, date).
pub(crate) struct Converter<'a> {
    rates: &'a RateTable,
    pub to: Currency,
    fallback: NaiveDate,
    memo: HashMap<(Currency, NaiveDate), Decimal>,
}

impl<'a> Converter<'a> {
    pub(crate) fn new(rates: &'a RateTable, to: Currency, fallback: NaiveDate) -> Self {
        Converter {
            rates,
            to,
            fallback,
            memo: HashMap::new(),
        }
    }

    /// Converts at the rate in force on `on` (the fallback date when unknown),
    /// rounded half-to-even to the target's minor unit.
    pub(crate) fn convert(
        &mut self,
        amount: Decimal,
        from: Currency,
        on: Option<NaiveDate>,
    ) -> Result<Decimal, FundingError> {
        if from == self.to {
            return Ok(amount);
        }
        let on = on.unwrap_or(self.fallback);
        let rate = match self.memo.get(&(from, on)) {
            Some(r) => *r,
            None => {
                let (r, _) = self.rates.rate(from, self.to, on)?;
                self.memo.insert((from, on), r);
                r
            }
        };
        let raw = amount.checked_mul(rate).ok_or(FundingError::Conversion(
            ConversionError::Overflow {
                amount,
                from,
                to: self.to,
            },
        ))?;
        Ok(round_to_minor(raw, self.to))
    }
}

fn later(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// A disbursement in force: (currency, shares, disbursedOn). The shares are
/// the stored ones, or, for a gift delivered before it was valued, made from
/// the allocations of the value in force (see [`view_pledge`]).
pub(crate) type DisbursementView<'a> = (
    Currency,
    std::borrow::Cow<'a, [(u32, Decimal)]>,
    Option<NaiveDate>,
);

/// A pledge seen through the two clocks.
#[derive(Debug)]
pub(crate) struct PledgeView<'a> {
    pub donor: u32,
    /// `None`: unvalued.
    pub amount: Option<Money>,
    pub amount_on: Option<NaiveDate>,
    /// Owned once narrowed to what a pledge in a chain keeps ([`crate::chains::keep`]).
    pub allocations: Cow<'a, [(u32, Decimal)]>,
    pub priorities: &'a [u32],
    /// `Some(committedOn)` when committed or further.
    pub committed: Option<Option<NaiveDate>>,
    /// Disbursements in force: (currency, shares, disbursedOn).
    pub disbursements: Vec<DisbursementView<'a>>,
    /// A fact was left out for its unknown value date.
    pub undated: bool,
    /// Made on an unknown date while `on` was given: contributes nothing.
    pub excluded: bool,
}

/// Folds a pledge's facts up to `cutoff`, keeping those in force on `on`.
/// `None`: the pledge did not exist (made after the cutoff or after `on`) or is cancelled.
///
/// A gift delivered while unvalued (a disbursement without amount) and
/// valued later counts as disbursed in full, on its delivery date, for the
/// value in force: DISBURSED means delivered whole, and the value says what
/// the whole was worth (the domain's `evolve` holds the same rule): the
/// first value given after the delivery.
pub(crate) fn view_pledge<'a>(
    d: &'a Decoded,
    donor: u32,
    cutoff: u64,
    on: Option<NaiveDate>,
) -> Option<PledgeView<'a>> {
    let k = d.facts.partition_point(|f| f.position <= cutoff);
    let facts = &d.facts[..k];
    let (made, rest) = facts.split_first()?;
    let Change::Made {
        amount,
        allocations,
        priorities,
    } = &made.change
    else {
        return None;
    };
    let mut v = PledgeView {
        donor,
        amount: *amount,
        amount_on: made.on,
        allocations: Cow::Borrowed(d.items_of(*allocations)),
        priorities: d.slots_of(*priorities),
        committed: None,
        disbursements: Vec::new(),
        undated: false,
        excluded: false,
    };
    if let Some(d) = on {
        match made.on {
            None => {
                v.undated = true;
                v.excluded = true;
                return Some(v);
            }
            Some(p) if p > d => return None,
            Some(_) => {}
        }
    }
    let mut delivered_unvalued: Option<Option<NaiveDate>> = None;
    // The value the delivery was given: the first valuation after it (a
    // later revision changes what is pledged, not what was handed over).
    let mut delivered_value: Option<(Money, &'a [(u32, Decimal)])> = None;
    for f in rest {
        let in_force = match (on, f.on) {
            (None, _) => true,
            (Some(d), Some(x)) => x <= d,
            (Some(_), None) => {
                v.undated = true;
                false
            }
        };
        if !in_force {
            continue;
        }
        match &f.change {
            Change::Made { .. } => {}
            Change::Committed => v.committed = Some(f.on),
            Change::Cancelled => return None,
            Change::Revised {
                amount,
                allocations,
                ..
            } => {
                if delivered_unvalued.is_some() && delivered_value.is_none() {
                    delivered_value = Some((*amount, d.items_of(*allocations)));
                }
                v.amount = Some(*amount);
                v.amount_on = f.on;
                v.allocations = Cow::Borrowed(d.items_of(*allocations));
            }
            Change::Disbursed { amount, shares, .. } => match amount {
                Some(m) => v.disbursements.push((
                    m.currency,
                    std::borrow::Cow::Borrowed(d.items_of(*shares)),
                    f.on,
                )),
                None => delivered_unvalued = Some(f.on),
            },
        }
    }
    if let (Some(delivered_on), Some((value, allocations))) = (delivered_unvalued, delivered_value)
        && v.disbursements.is_empty()
    {
        let shares: Vec<(u32, Decimal)> = if allocations.is_empty() {
            vec![(NONE, value.amount)]
        } else {
            allocations.to_vec()
        };
        v.disbursements.push((
            value.currency,
            std::borrow::Cow::Owned(shares),
            delivered_on,
        ));
    }
    Some(v)
}

fn money(amount: Decimal, c: Currency) -> Money {
    if amount.scale() == c.minor_units() && !amount.is_zero() {
        return Money::new(amount, c); // already canonical
    }
    Money::new(round_to_minor(amount, c), c)
}

fn finish(acc: Acc, required: Option<Decimal>, ent: &Entities, to: Currency) -> FundingLine {
    let s = acc.sums;
    let gap = required.map(|r| money((r - s.committed).max(Decimal::ZERO), to));
    let coverage = required.filter(|r| !r.is_zero()).map(|r| {
        let mut c =
            (s.committed / r).round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven);
        c.rescale(4);
        c
    });
    let mut donors: Vec<(Figures, &str)> = acc
        .donors
        .into_iter()
        // a contribution whose donor is not stated counts in the sums, but
        // names no organisation among the donors
        .filter(|(d, _)| *d != NONE)
        .map(|(d, f)| (f, ent.organisations.id_of(d).unwrap_or("")))
        .collect();
    donors.sort_unstable_by(|a, b| {
        b.0.committed
            .cmp(&a.0.committed)
            .then_with(|| b.0.pledged.cmp(&a.0.pledged))
            .then_with(|| a.1.cmp(b.1))
    });
    FundingLine {
        required: required.map(|r| money(r, to)),
        pledged: money(s.pledged, to),
        committed: money(s.committed, to),
        disbursed: money(s.disbursed, to),
        gap,
        coverage,
        unvalued_count: s.unvalued,
        undated_count: acc.undated,
        donors: donors
            .into_iter()
            .map(|(f, id)| DonorFunding {
                organisation_id: id.to_owned(),
                pledged: money(f.pledged, to),
                committed: money(f.committed, to),
                disbursed: money(f.disbursed, to),
                unvalued_count: f.unvalued,
            })
            .collect(),
    }
}

/// Adds one pledge (as seen through the clocks) to the lines it touches.
fn fold_pledge(
    v: &PledgeView<'_>,
    sources: &[(u32, Decimal)],
    prios: &[u32],
    conv: &mut Converter<'_>,
    lines: &mut [Acc],
    total: &mut Acc,
    touched: &mut Vec<usize>,
) -> Result<(), FundingError> {
    let n = prios.len();
    let slot_of = |p: u32| prios.iter().position(|x| *x == p).unwrap_or(n);
    touched.clear();
    match v.amount {
        Some(_) if !v.allocations.is_empty() => {
            touched.extend(v.allocations.iter().map(|(p, _)| slot_of(*p)))
        }
        None if !v.priorities.is_empty() => {
            touched.extend(v.priorities.iter().map(|p| slot_of(*p)))
        }
        _ => touched.push(n),
    }
    touched.sort_unstable();
    touched.dedup();
    if v.undated {
        total.undated += 1;
        for s in touched.iter() {
            lines[*s].undated += 1;
        }
    }
    if v.excluded {
        return Ok(());
    }
    let Some(amount) = v.amount else {
        total.sums.unvalued += 1;
        total.donor(v.donor).unvalued += 1;
        for s in touched.iter() {
            lines[*s].sums.unvalued += 1;
            lines[*s].donor(v.donor).unvalued += 1;
        }
        return Ok(());
    };
    let whole = [(NONE, amount.amount)];
    let items: &[(u32, Decimal)] = if v.allocations.is_empty() {
        &whole
    } else {
        &v.allocations
    };
    let committed_on = v.committed.map(|c| later(c, v.amount_on));
    let to = conv.to;
    for (p, a) in items {
        let s = if *p == NONE { n } else { slot_of(*p) };
        let pledged = conv.convert(*a, amount.currency, v.amount_on)?;
        let committed = match committed_on {
            Some(d) => conv.convert(*a, amount.currency, d)?,
            None => Decimal::ZERO,
        };
        let pledged_by = split_over(pledged, sources, to);
        let committed_by = split_over(committed, sources, to);
        for acc in [&mut lines[s], &mut *total] {
            acc.sums.pledged += pledged;
            acc.sums.committed += committed;
            for ((d, x), (_, y)) in pledged_by.iter().zip(&committed_by) {
                let f = acc.donor(*d);
                f.pledged += *x;
                f.committed += *y;
            }
        }
    }
    for (c, shares, d_on) in &v.disbursements {
        for (p, a) in shares.iter() {
            let s = if *p == NONE { n } else { slot_of(*p) };
            let x = conv.convert(*a, *c, *d_on)?;
            let by = split_over(x, sources, to);
            for acc in [&mut lines[s], &mut *total] {
                acc.sums.disbursed += x;
                for (d, y) in &by {
                    acc.donor(*d).disbursed += *y;
                }
            }
        }
    }
    Ok(())
}

/// Folds a pledge as [`fold_pledge`] does, counting only what it keeps when
/// it is in a chain, and giving its money to the donors `attribution` says.
#[allow(clippy::too_many_arguments)]
fn fold_in_chain(
    ent: &Entities,
    pi: u32,
    mut v: PledgeView<'_>,
    cutoff: u64,
    on: Option<NaiveDate>,
    attribution: Attribution,
    prios: &[u32],
    conv: &mut Converter<'_>,
    lines: &mut [Acc],
    total: &mut Acc,
    touched: &mut Vec<usize>,
) -> Result<(), FundingError> {
    let own = [(v.donor, Decimal::ONE)];
    if !ent.chains.touches(pi) {
        return fold_pledge(&v, &own, prios, conv, lines, total, touched);
    }
    if !chains::keep(&mut v, chains::passed_on(ent, pi, cutoff, on)) {
        return Ok(());
    }
    let sources = match attribution {
        Attribution::Direct => own.to_vec(),
        Attribution::OriginalSource => chains::sources(ent, pi, cutoff, on),
    };
    fold_pledge(&v, &sources, prios, conv, lines, total, touched)
}

impl ReadModel {
    /// `fundingByPriority(roadmapId, currency, asOf, on)`; `today` dates the
    /// conversion of requirements (and of undated amounts) when `on` is absent.
    pub fn funding(
        &self,
        roadmap_id: &str,
        currency: Option<Currency>,
        as_of: Option<DateTime<Utc>>,
        on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<RoadmapFunding, FundingError> {
        self.funding_shared(roadmap_id, currency, as_of, on, today)
            .map(|f| (*f).clone())
    }

    /// The roadmap's slot and the reporting currency (`currency`, else the
    /// roadmap's own).
    pub(crate) fn reporting(
        &self,
        roadmap_id: &str,
        currency: Option<Currency>,
    ) -> Result<(u32, Currency), FundingError> {
        let not_found = || FundingError::RoadmapNotFound(roadmap_id.to_owned());
        let ri = self.ent.roadmaps.idx(roadmap_id).ok_or_else(not_found)?;
        let roadmap = self
            .ent
            .roadmaps
            .get(ri)
            .state
            .entity
            .as_ref()
            .ok_or_else(not_found)?;
        Ok((ri, currency.unwrap_or(roadmap.currency)))
    }

    /// [`funding`](Self::funding), shared with the cache instead of copied
    /// (the answer holds every donor of every line).
    pub fn funding_shared(
        &self,
        roadmap_id: &str,
        currency: Option<Currency>,
        as_of: Option<DateTime<Utc>>,
        on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<std::sync::Arc<RoadmapFunding>, FundingError> {
        self.funding_attributed(roadmap_id, currency, as_of, on, today, Attribution::Direct)
    }

    /// [`funding_shared`](Self::funding_shared) with donors attributed as
    /// asked ([`crate::chains`]); the lines' figures are the same either way.
    pub fn funding_attributed(
        &self,
        roadmap_id: &str,
        currency: Option<Currency>,
        as_of: Option<DateTime<Utc>>,
        on: Option<NaiveDate>,
        today: NaiveDate,
        attribution: Attribution,
    ) -> Result<std::sync::Arc<RoadmapFunding>, FundingError> {
        let (ri, to) = self.reporting(roadmap_id, currency)?;
        let cutoff = match as_of {
            None => self.position(),
            Some(t) => self.audit.position_at(t),
        };
        let live = cutoff >= self.position();
        let plain = on.is_none() && live;
        let key = (
            ri,
            to,
            today,
            if live { u64::MAX } else { cutoff },
            on,
            attribution,
        );
        if let Some(f) = self.cached(&key) {
            return Ok(f);
        }
        let f = std::sync::Arc::new(self.compute_funding(
            ri,
            to,
            cutoff,
            on,
            today,
            plain,
            attribution,
        )?);
        self.store_cached(key, f.clone());
        Ok(f)
    }

    /// [`funding`](Self::funding) always folded pledge by pledge, without the
    /// plain running totals or the cache: the reference the fast path is
    /// tested against.
    #[doc(hidden)]
    pub fn funding_folded(
        &self,
        roadmap_id: &str,
        currency: Option<Currency>,
        as_of: Option<DateTime<Utc>>,
        on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<RoadmapFunding, FundingError> {
        self.funding_folded_by(roadmap_id, currency, as_of, on, today, Attribution::Direct)
    }

    /// [`funding_folded`](Self::funding_folded) with an attribution.
    #[doc(hidden)]
    pub fn funding_folded_by(
        &self,
        roadmap_id: &str,
        currency: Option<Currency>,
        as_of: Option<DateTime<Utc>>,
        on: Option<NaiveDate>,
        today: NaiveDate,
        attribution: Attribution,
    ) -> Result<RoadmapFunding, FundingError> {
        let (ri, to) = self.reporting(roadmap_id, currency)?;
        let cutoff = as_of.map_or(self.position(), |t| self.audit.position_at(t));
        self.compute_funding(ri, to, cutoff, on, today, false, attribution)
    }

    /// The rate table as it was at `cutoff`.
    pub(crate) fn rates_at(&self, cutoff: u64) -> Cow<'_, RateTable> {
        if self.rate_log.last().is_none_or(|(p, _)| *p <= cutoff) {
            Cow::Borrowed(&self.rates)
        } else {
            Cow::Owned(RateTable::from_events(
                self.rate_log
                    .iter()
                    .take_while(|(p, _)| *p <= cutoff)
                    .map(|(_, e)| e),
            ))
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn compute_funding(
        &self,
        ri: u32,
        to: Currency,
        cutoff: u64,
        on: Option<NaiveDate>,
        today: NaiveDate,
        plain: bool,
        attribution: Attribution,
    ) -> Result<RoadmapFunding, FundingError> {
        let ent = &self.ent;
        let rec = ent.roadmaps.get(ri);
        let rates = self.rates_at(cutoff);
        let fallback = on.unwrap_or(today);
        let mut conv = Converter::new(&rates, to, fallback);
        let prios: Vec<u32> = rec
            .priorities
            .iter()
            .copied()
            .filter(|p| {
                let pr = ent.priorities.get(*p);
                pr.state.exists() && pr.defined_at <= cutoff
            })
            .collect();
        let n = prios.len();
        let slot_of = |p: u32| prios.iter().position(|x| *x == p).unwrap_or(n);
        let mut lines: Vec<Acc> = (0..=n).map(|_| Acc::default()).collect();
        let mut total = Acc::default();
        let mut touched: Vec<usize> = Vec::new();
        let mut decoded = Decoded::default();

        if plain {
            // cells in the reporting currency, as they are (see `crate::plain`)
            for ((c, p, d), cell) in &rec.plain.cells {
                if *c != to {
                    continue;
                }
                let s = if *p == NONE { n } else { slot_of(*p) };
                for acc in [&mut lines[s], &mut total] {
                    acc.sums.pledged += cell.pledged;
                    acc.sums.committed += cell.committed;
                    acc.sums.disbursed += cell.disbursed;
                    let f = acc.donor(*d);
                    f.pledged += cell.pledged;
                    f.committed += cell.committed;
                    f.disbursed += cell.disbursed;
                }
            }
            // then every other pledge, folded
            for (k, &pi) in rec.pledges.iter().enumerate() {
                match rec.plain.class.get(k) {
                    Some(Class::Absent) => continue,
                    Some(Class::Simple(c)) if *c == to => continue,
                    _ => {}
                }
                let pr = ent.pledges.get(pi);
                let d = decoded.decode(&pr.timeline, &ent.currencies);
                let Some(v) = view_pledge(d, pr.donor, cutoff, on) else {
                    continue;
                };
                fold_in_chain(
                    ent,
                    pi,
                    v,
                    cutoff,
                    on,
                    attribution,
                    &prios,
                    &mut conv,
                    &mut lines,
                    &mut total,
                    &mut touched,
                )?;
            }
        } else {
            for &pi in &rec.pledges {
                let pr = ent.pledges.get(pi);
                if pr.made_at().is_none_or(|p| p > cutoff) {
                    break; // pledges are listed in creation order
                }
                let d = decoded.decode(&pr.timeline, &ent.currencies);
                let Some(v) = view_pledge(d, pr.donor, cutoff, on) else {
                    continue;
                };
                fold_in_chain(
                    ent,
                    pi,
                    v,
                    cutoff,
                    on,
                    attribution,
                    &prios,
                    &mut conv,
                    &mut lines,
                    &mut total,
                    &mut touched,
                )?;
            }
        }

        let mut required_total: Option<Decimal> = None;
        let mut priorities = Vec::with_capacity(n);
        let unallocated = lines.pop().unwrap_or_default();
        for (p, acc) in prios.iter().zip(lines) {
            let pr = ent.priorities.get(*p);
            let k = pr.requirements.partition_point(|(pos, _)| *pos <= cutoff);
            let required = match k.checked_sub(1).map(|i| pr.requirements[i].1) {
                Some(m) => Some(conv.convert(m.amount, m.currency, Some(fallback))?),
                None => None,
            };
            if let Some(r) = required {
                required_total = Some(required_total.unwrap_or_default() + r);
            }
            priorities.push(PriorityFunding {
                priority_id: ent.priorities.id_of(*p).unwrap_or("").to_owned(),
                rank: pr.state.entity.as_ref().map_or(0, |x| x.rank),
                line: finish(acc, required, ent, to),
            });
        }
        Ok(RoadmapFunding {
            roadmap_id: ent.roadmaps.id_of(ri).unwrap_or("").to_owned(),
            currency: to,
            position: cutoff,
            on,
            priorities,
            unallocated: finish(unallocated, None, ent, to),
            total: finish(total, required_total, ent, to),
        })
    }
}
