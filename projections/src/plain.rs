//! Running totals behind the plain `fundingByPriority` (no `asOf`, no `on`).
//!
//! Conversion rounds every converted amount on its own ("line by line"), so
//! converted figures cannot be summed ahead of a query. What can: amounts
//! already in the reporting currency, which are taken as they are. So each
//! roadmap keeps, for every pledge whose amounts in force (amount or
//! allocations, and disbursements) all share one currency, exact sums per
//! (currency, priority slot, donor): a *cell*. A query in currency `C` adds
//! the cells of `C` and folds, pledge by pledge as before, only the pledges
//! that are not all in `C` (other currencies, mixed, unvalued). For the usual
//! roadmap, whose pledges are in its own currency, that is a pass over cells,
//! whose number is bounded by lines x donors, not by the number of events.
//!
//! Cells are updated as events apply (the pledge's contribution before the
//! event is taken out, the one after put in) and rebuilt on restore.

use std::collections::HashMap;

use fundtrail_domain::money::Currency;
use rust_decimal::Decimal;

use crate::entities::NONE;
use crate::funding::view_pledge;
use crate::timeline::Decoded;

/// How a pledge enters the plain figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Class {
    /// Cancelled, or not made: nothing.
    #[default]
    Absent,
    /// Every amount in force is in this currency: summed in the cells.
    Simple(Currency),
    /// Unvalued, or amounts in several currencies: folded at query time.
    Other,
}

/// Exact sums of a (currency, priority slot, donor).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cell {
    pub pledged: Decimal,
    pub committed: Decimal,
    pub disbursed: Decimal,
    /// Items summed here (the donor shows on the line while there are any).
    pub items: u32,
}

/// One contribution of a simple pledge: (priority slot or NONE, pledged, committed, disbursed).
pub(crate) type Item = (u32, Decimal, Decimal, Decimal);

/// The plain aggregates of one roadmap.
#[derive(Debug, Default)]
pub(crate) struct RoadmapPlain {
    /// Parallel to the roadmap's pledge list.
    pub class: Vec<Class>,
    pub cells: HashMap<(Currency, u32, u32), Cell>,
}

/// What a pledge contributes now (its facts decoded in `d`). A pledge in a
/// funding chain (`chained`) counts what it keeps, which depends on other
/// pledges: it is folded at query time ([`crate::chains`]).
pub(crate) fn contribution(d: &Decoded, donor: u32, chained: bool) -> (Class, Vec<Item>) {
    let Some(v) = view_pledge(d, donor, u64::MAX, None) else {
        return (Class::Absent, Vec::new());
    };
    if chained {
        return (Class::Other, Vec::new());
    }
    let Some(amount) = v.amount else {
        return (Class::Other, Vec::new());
    };
    let c = amount.currency;
    if v.disbursements.iter().any(|(dc, _, _)| *dc != c) {
        return (Class::Other, Vec::new());
    }
    let committed = v.committed.is_some();
    let mut items: Vec<Item> = Vec::with_capacity(v.allocations.len().max(1) + 1);
    if v.allocations.is_empty() {
        let a = amount.amount;
        items.push((
            NONE,
            a,
            if committed { a } else { Decimal::ZERO },
            Decimal::ZERO,
        ));
    } else {
        for (p, a) in v.allocations.iter() {
            items.push((
                *p,
                *a,
                if committed { *a } else { Decimal::ZERO },
                Decimal::ZERO,
            ));
        }
    }
    for (_, shares, _) in &v.disbursements {
        for (p, a) in shares.iter() {
            items.push((*p, Decimal::ZERO, Decimal::ZERO, *a));
        }
    }
    (Class::Simple(c), items)
}

impl RoadmapPlain {
    /// Takes out (`sign` false) or puts in a contribution.
    pub(crate) fn account(&mut self, class: Class, donor: u32, items: &[Item], put: bool) {
        let Class::Simple(c) = class else { return };
        for (p, pledged, committed, disbursed) in items {
            let key = (c, *p, donor);
            let cell = self.cells.entry(key).or_default();
            if put {
                cell.pledged += *pledged;
                cell.committed += *committed;
                cell.disbursed += *disbursed;
                cell.items += 1;
            } else {
                cell.pledged -= *pledged;
                cell.committed -= *committed;
                cell.disbursed -= *disbursed;
                cell.items = cell.items.saturating_sub(1);
                if cell.items == 0 {
                    self.cells.remove(&key);
                }
            }
        }
    }

    /// Records the pledge at `at` (its index in the roadmap's list) changing
    /// from `before` to `after`.
    pub(crate) fn update(
        &mut self,
        at: usize,
        donor: u32,
        before: &(Class, Vec<Item>),
        after: &(Class, Vec<Item>),
    ) {
        if self.class.len() <= at {
            self.class.resize(at + 1, Class::Absent);
        }
        self.account(before.0, donor, &before.1, false);
        self.account(after.0, donor, &after.1, true);
        self.class[at] = after.0;
    }
}
