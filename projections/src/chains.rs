//! Funding chains in the read models (issue #15; the rules a link obeys are
//! the domain's, in `fundtrail_domain::chain`).
//!
//! ## Money is counted once, where it lands
//! A pledge **passes on** the sum of its children's links (in its own
//! currency, as each link recorded it) and **keeps** its amount less that.
//! Every funding figure adds, for each pledge, only what it keeps:
//! - *pledged*: what it keeps, spread over its own allocations pro rata (the
//!   contract's rule: each share rounded to the minor unit, the remainder on
//!   the first); a pledge that passes nothing on counts in full;
//! - *committed*: the same, for pledges committed or further (money a parent
//!   commits to an intermediary counts as committed where it lands: in the
//!   child, once the child is committed);
//! - *disbursed*: each disbursement of a pledge counts for the share of the
//!   pledge it keeps (amount × kept / pledge amount, rounded once, spread over
//!   the disbursement's shares). Example: a foundation pledges 100 EUR to
//!   ICI and ICI pledges 80 EUR of it onward to CNLTP (link 80). The
//!   foundation keeps 20. When it disburses its 100 to ICI, 20 counts as
//!   disbursed; when ICI disburses 50 to CNLTP, those 50 count (ICI's pledge
//!   keeps all of its 80). So 70 has landed, 30 is still with ICI, and the
//!   100 that came in is never counted as 180.
//! - Unvalued pledges stay unvalued and counted, never summed as zero: an
//!   unvalued parent keeps an unknown amount.
//!
//! So the sum over a roadmap of what its pledges keep is the money that
//! entered the chains once, at every depth.
//!
//! ## Both clocks
//! A link counts from the position that made it to the one that removed it
//! (`asOf` before a link answers as before it). Links have no value date of
//! their own: with `on`, a link counts while its child is in force on `on`
//! (made by then); a parent whose amount in force is below what it passes on
//! keeps nothing (never less).
//!
//! ## Attribution
//! `DIRECT`: each pledge's counted money goes to its own donor.
//! `ORIGINAL_SOURCE`: a pledge's money is its own part (its amount less what
//! its parents fund) and, for each parent, the linked part; the linked part
//! goes to the parent's own sources in the same proportions, up to the roots.
//! Each counted amount is split over the sources by the same pro-rata rule,
//! so the parts add up exactly to the same totals.

use std::collections::HashMap;

use chrono::NaiveDate;
use fundtrail_domain::money::{Currency, Money, round_to_minor, split_pro_rata};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::entities::Entities;
use crate::funding::{PledgeView, SlotMap, view_pledge};
use crate::timeline::Decoded;

/// Deepest chain followed (the domain refuses cycles; this bounds a corrupt log).
const MAX_DEPTH: usize = 64;

/// Whose money a figure is, asked per query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Attribution {
    /// Each pledge's counted money goes to its own donor.
    #[default]
    Direct,
    /// Money that came through links goes to the donors at the roots of its chains.
    OriginalSource,
}

/// One link as recorded: by the child's slot in [`Chains::links`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LinkFact {
    pub parent: u32,
    /// Position of `FundingLinked`.
    pub at: u64,
    /// Position of `FundingUnlinked`, once removed.
    pub until: Option<u64>,
    /// In the child's currency.
    pub amount: Money,
    /// In the parent's currency.
    pub parent_amount: Money,
    pub rate: Option<Decimal>,
}

impl LinkFact {
    pub(crate) fn live(&self, cutoff: u64) -> bool {
        self.at <= cutoff && self.until.is_none_or(|u| u > cutoff)
    }
}

/// Every link ever made, by child and by parent (slot maps: every folded
/// pledge asks whether it is in a chain).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Chains {
    /// By child slot, in store order (removed links keep their end).
    pub links: SlotMap<Vec<LinkFact>>,
    /// By parent slot: every child ever linked (once each).
    pub children: SlotMap<Vec<u32>>,
}

impl Chains {
    pub(crate) fn link(&mut self, child: u32, fact: LinkFact) {
        let kids = self.children.entry(fact.parent).or_default();
        if !kids.contains(&child) {
            kids.push(child);
        }
        self.links.entry(child).or_default().push(fact);
    }

    pub(crate) fn unlink(&mut self, child: u32, parent: u32, position: u64) {
        if let Some(l) = self.links.get_mut(&child).and_then(|l| {
            l.iter_mut()
                .find(|l| l.parent == parent && l.until.is_none())
        }) {
            l.until = Some(position);
        }
    }

    /// Whether the pledge ever took part in a chain (its figures are then folded).
    pub(crate) fn touches(&self, i: u32) -> bool {
        !(self.links.is_empty() && self.children.is_empty())
            && (self.links.contains_key(&i) || self.children.contains_key(&i))
    }

    /// The pledge's live links to its parents at `cutoff`.
    pub(crate) fn parents_at(&self, child: u32, cutoff: u64) -> impl Iterator<Item = &LinkFact> {
        self.links
            .get(&child)
            .into_iter()
            .flatten()
            .filter(move |l| l.live(cutoff))
    }

    /// The pledge's live links to its children at `cutoff`: (child, link).
    pub(crate) fn children_at(
        &self,
        parent: u32,
        cutoff: u64,
    ) -> impl Iterator<Item = (u32, &LinkFact)> {
        self.children
            .get(&parent)
            .into_iter()
            .flatten()
            .flat_map(move |c| {
                self.parents_at(*c, cutoff)
                    .filter(move |l| l.parent == parent)
                    .map(move |l| (*c, l))
            })
    }

    /// Whether the pledge is in a chain now (funded by, or funding, another).
    pub(crate) fn is_chained(&self, i: u32) -> bool {
        self.parents_at(i, u64::MAX).next().is_some()
            || self.children_at(i, u64::MAX).next().is_some()
    }
}

/// Whether the pledge at slot `i` is in force at `cutoff`, on `on`: made
/// (by then, on a known date when `on` is given) and not cancelled.
fn in_force(ent: &Entities, i: u32, cutoff: u64, on: Option<NaiveDate>) -> bool {
    let rec = ent.pledges.get(i);
    let mut dec = Decoded::default();
    view_pledge(
        dec.decode(&rec.timeline, &ent.currencies),
        rec.donor,
        cutoff,
        on,
    )
    .is_some_and(|v| !v.excluded)
}

/// What pledge `i` passes on at `cutoff`, on `on`, in its own currency: the
/// links of its children in force.
pub(crate) fn passed_on(ent: &Entities, i: u32, cutoff: u64, on: Option<NaiveDate>) -> Decimal {
    ent.chains
        .children_at(i, cutoff)
        .filter(|(c, _)| in_force(ent, *c, cutoff, on))
        .map(|(_, l)| l.parent_amount.amount)
        .sum()
}

/// Narrows a pledge's view to what it keeps when it passes `passed` on.
/// `false`: it keeps nothing, so it adds no money anywhere (it still counts
/// as unvalued when it has no value).
pub(crate) fn keep(v: &mut PledgeView<'_>, passed: Decimal) -> bool {
    let Some(amount) = v.amount else {
        return true;
    };
    if passed <= Decimal::ZERO {
        return true;
    }
    let c = amount.currency;
    let kept = (amount.amount - passed).max(Decimal::ZERO);
    if kept.is_zero() || amount.amount <= Decimal::ZERO {
        return false;
    }
    let allocations: Vec<(u32, Decimal)> = if v.allocations.is_empty() {
        vec![(crate::entities::NONE, kept)]
    } else {
        let weights: Vec<Decimal> = v.allocations.iter().map(|(_, a)| *a).collect();
        match split_pro_rata("allocations", kept, &weights, c) {
            Ok(shares) => v
                .allocations
                .iter()
                .zip(shares)
                .map(|((p, _), s)| (*p, s))
                .collect(),
            Err(_) => return false,
        }
    };
    v.allocations = std::borrow::Cow::Owned(allocations);
    let mut disbursements = Vec::with_capacity(v.disbursements.len());
    for (dc, shares, on) in v.disbursements.drain(..) {
        let whole: Decimal = shares.iter().map(|(_, a)| *a).sum();
        let counted = round_to_minor(whole * kept / amount.amount, dc);
        if counted.is_zero() || whole.is_zero() {
            continue;
        }
        let weights: Vec<Decimal> = shares.iter().map(|(_, a)| *a).collect();
        let Ok(split) = split_pro_rata("shares", counted, &weights, dc) else {
            continue;
        };
        let narrowed: Vec<(u32, Decimal)> = shares
            .iter()
            .zip(split)
            .map(|((p, _), s)| (*p, s))
            .collect();
        disbursements.push((dc, std::borrow::Cow::Owned(narrowed), on));
    }
    v.disbursements = disbursements;
    true
}

/// The donors whose money pledge `i` carries, with their shares (adding up
/// to 1), at `cutoff`: its own donor for its own part, its parents' sources
/// for the linked parts.
pub(crate) fn sources(
    ent: &Entities,
    i: u32,
    cutoff: u64,
    on: Option<NaiveDate>,
) -> Vec<(u32, Decimal)> {
    let mut out: Vec<(u32, Decimal)> = Vec::new();
    add_sources(ent, i, cutoff, on, Decimal::ONE, &mut vec![i], &mut out);
    out.retain(|(_, w)| *w > Decimal::ZERO);
    out
}

/// `path`: the pledges from the one asked about down to `i` (a parent
/// already on it would be a cycle, which only a corrupt log could hold: its
/// money then stays with `i`'s donor).
fn add_sources(
    ent: &Entities,
    i: u32,
    cutoff: u64,
    on: Option<NaiveDate>,
    weight: Decimal,
    path: &mut Vec<u32>,
    out: &mut Vec<(u32, Decimal)>,
) {
    let rec = ent.pledges.get(i);
    let mut put = |donor: u32, w: Decimal| match out.iter_mut().find(|(d, _)| *d == donor) {
        Some((_, x)) => *x += w,
        None => out.push((donor, w)),
    };
    let mut dec = Decoded::default();
    let amount = view_pledge(
        dec.decode(&rec.timeline, &ent.currencies),
        rec.donor,
        cutoff,
        on,
    )
    .and_then(|v| v.amount)
    .filter(|a| a.amount > Decimal::ZERO);
    let Some(amount) = amount else {
        put(rec.donor, weight);
        return;
    };
    let links: Vec<&LinkFact> = if path.len() > MAX_DEPTH {
        Vec::new()
    } else {
        ent.chains
            .parents_at(i, cutoff)
            .filter(|l| !path.contains(&l.parent))
            .collect()
    };
    let funded: Decimal = links.iter().map(|l| l.amount.amount).sum();
    let funded = funded.min(amount.amount);
    let own = amount.amount - funded;
    put(rec.donor, weight * own / amount.amount);
    for l in links {
        let w = weight * l.amount.amount.min(amount.amount) / amount.amount;
        path.push(l.parent);
        add_sources(ent, l.parent, cutoff, on, w, path, out);
        path.pop();
    }
}

/// Splits `x` (in `currency`) over `sources` by their weights, exactly.
pub(crate) fn split_over(
    x: Decimal,
    sources: &[(u32, Decimal)],
    currency: Currency,
) -> Vec<(u32, Decimal)> {
    match sources {
        [] => Vec::new(),
        [(d, _)] => vec![(*d, x)],
        _ => {
            let weights: Vec<Decimal> = sources.iter().map(|(_, w)| *w).collect();
            match split_pro_rata("sources", x, &weights, currency) {
                Ok(shares) => sources.iter().map(|(d, _)| *d).zip(shares).collect(),
                Err(_) => vec![(sources[0].0, x)],
            }
        }
    }
}

/// Every roadmap whose figures may move when pledge `i` changes: its own,
/// its descendants' (their attribution reads its amount) and its ancestors'
/// (what they keep reads whether it is in force). Every link ever made is
/// followed, so answers cached before a link was removed are dropped too.
pub(crate) fn dependent_roadmaps(ent: &Entities, i: u32) -> Vec<u32> {
    let mut out = vec![ent.pledges.get(i).roadmap];
    let mut seen = vec![i];
    let mut frontier = vec![i];
    while let Some(p) = frontier.pop() {
        if seen.len() > 4 * MAX_DEPTH * MAX_DEPTH {
            break;
        }
        let children = ent.chains.children.get(&p).into_iter().flatten().copied();
        let parents = ent
            .chains
            .links
            .get(&p)
            .into_iter()
            .flatten()
            .map(|l| l.parent);
        for q in children.chain(parents) {
            if !seen.contains(&q) {
                seen.push(q);
                out.push(ent.pledges.get(q).roadmap);
                frontier.push(q);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

// ---- what the API reads ----

/// One link as shown: parent, child and both amounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkView {
    pub parent_id: String,
    pub child_id: String,
    /// In the child's currency.
    pub amount: Money,
    /// In the parent's currency (equal to `amount` when they share one).
    pub parent_amount: Money,
    /// The rate the link was converted at, when the currencies differ.
    pub rate: Option<Decimal>,
}

/// A pledge's chain: every link above it (up to the roots) and below it (down to the leaves).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainView {
    pub pledge_id: String,
    /// Links above, nearest first.
    pub up: Vec<LinkView>,
    /// Links below, nearest first.
    pub down: Vec<LinkView>,
    /// Pledges above with no parent of their own (the pledge itself when it has none).
    pub roots: Vec<String>,
    /// Pledges below funding nothing (the pledge itself when it funds nothing).
    pub leaves: Vec<String>,
}

/// An intermediary: an organisation whose pledges of a roadmap receive
/// money through links and pass it on, in the reporting currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelView {
    pub organisation_id: String,
    /// What links bring into its valued pledges (converted at each
    /// pledge's `pledgedOn`); `None` when none of them has a value (unknown,
    /// not zero).
    pub received: Option<Money>,
    /// What its valued pledges pass on to others (`None`: as `received`).
    pub passed_on: Option<Money>,
    /// What its valued pledges keep, counted as theirs (`None`: as `received`).
    pub kept: Option<Money>,
    /// Its pledges of the roadmap in a chain.
    pub pledges: u32,
    /// Of those, pledges without a value (their figures are unknown, not zero).
    pub unvalued_count: u32,
}

impl crate::ReadModel {
    fn link_view(&self, child: u32, l: &LinkFact) -> LinkView {
        let id = |i: u32| self.ent.pledges.id_of(i).unwrap_or("").to_owned();
        LinkView {
            parent_id: id(l.parent),
            child_id: id(child),
            amount: l.amount,
            parent_amount: l.parent_amount,
            rate: l.rate,
        }
    }

    /// The links funding pledge `id` now (its `fundedBy`).
    pub fn funded_by(&self, id: &str) -> Vec<LinkView> {
        let Some(i) = self.ent.pledges.idx(id) else {
            return Vec::new();
        };
        self.ent
            .chains
            .parents_at(i, u64::MAX)
            .map(|l| self.link_view(i, l))
            .collect()
    }

    /// The links by which pledge `id` funds others now (its `funds`).
    pub fn funds(&self, id: &str) -> Vec<LinkView> {
        let Some(i) = self.ent.pledges.idx(id) else {
            return Vec::new();
        };
        self.ent
            .chains
            .children_at(i, u64::MAX)
            .map(|(c, l)| self.link_view(c, l))
            .collect()
    }

    /// (kept, passed on) of pledge `id` now, in its currency; `None` when it
    /// has no value (what it keeps is unknown).
    pub fn kept(&self, id: &str) -> Option<(Money, Money)> {
        let i = self.ent.pledges.idx(id)?;
        let amount = self.pledge(id)?.amount?;
        let passed = passed_on(&self.ent, i, u64::MAX, None);
        Some((
            Money::new((amount.amount - passed).max(Decimal::ZERO), amount.currency),
            Money::new(passed, amount.currency),
        ))
    }

    /// `chain(pledgeId)`: `None` when there is no such pledge.
    pub fn chain(&self, id: &str) -> Option<ChainView> {
        let i = self.ent.pledges.idx(id)?;
        self.pledge(id)?;
        let chains = &self.ent.chains;
        let mut view = ChainView {
            pledge_id: id.to_owned(),
            up: Vec::new(),
            down: Vec::new(),
            roots: Vec::new(),
            leaves: Vec::new(),
        };
        let id_of = |i: u32| self.ent.pledges.id_of(i).unwrap_or("").to_owned();
        // breadth first, each pledge once
        let (mut seen, mut queue) = (vec![i], std::collections::VecDeque::from([(i, 0usize)]));
        while let Some((p, depth)) = queue.pop_front() {
            let mut parents = chains.parents_at(p, u64::MAX).peekable();
            if parents.peek().is_none() && !view.roots.contains(&id_of(p)) {
                view.roots.push(id_of(p));
            }
            for l in parents {
                view.up.push(self.link_view(p, l));
                if depth < MAX_DEPTH && !seen.contains(&l.parent) {
                    seen.push(l.parent);
                    queue.push_back((l.parent, depth + 1));
                }
            }
        }
        let (mut seen, mut queue) = (vec![i], std::collections::VecDeque::from([(i, 0usize)]));
        while let Some((p, depth)) = queue.pop_front() {
            let mut children = chains.children_at(p, u64::MAX).peekable();
            if children.peek().is_none() && !view.leaves.contains(&id_of(p)) {
                view.leaves.push(id_of(p));
            }
            for (c, l) in children {
                view.down.push(self.link_view(c, l));
                if depth < MAX_DEPTH && !seen.contains(&c) {
                    seen.push(c);
                    queue.push_back((c, depth + 1));
                }
            }
        }
        Some(view)
    }

    /// `channels(roadmapId, currency)`: the organisations whose pledges of
    /// the roadmap pass money on, with what came in, went out and stayed,
    /// largest `received` first. Amounts convert at each pledge's `pledgedOn`
    /// (the roadmap's `today` when unknown).
    pub fn channels(
        &self,
        roadmap_id: &str,
        currency: Option<Currency>,
        today: NaiveDate,
    ) -> Result<Vec<ChannelView>, crate::FundingError> {
        let (ri, to) = self.reporting(roadmap_id, currency)?;
        let ent = &self.ent;
        let mut conv = crate::funding::Converter::new(&self.rates, to, today);
        let mut by_org: HashMap<u32, ChannelView> = HashMap::new();
        for &pi in &ent.roadmaps.get(ri).pledges {
            if !ent.chains.is_chained(pi) {
                continue;
            }
            let passed = passed_on(ent, pi, u64::MAX, None);
            if passed.is_zero() {
                continue; // a leaf: money lands here, it is no channel
            }
            let rec = ent.pledges.get(pi);
            let Some(org) = ent.organisations.id_of(rec.donor) else {
                continue;
            };
            let id = ent.pledges.id_of(pi).unwrap_or("");
            let entry = by_org.entry(rec.donor).or_insert_with(|| ChannelView {
                organisation_id: org.to_owned(),
                received: Some(Money::new(Decimal::ZERO, to)),
                passed_on: Some(Money::new(Decimal::ZERO, to)),
                kept: Some(Money::new(Decimal::ZERO, to)),
                pledges: 0,
                unvalued_count: 0,
            });
            entry.pledges += 1;
            let Some(p) = self.pledge(id) else { continue };
            let Some(amount) = p.amount else {
                entry.unvalued_count += 1;
                continue;
            };
            let received: Decimal = ent
                .chains
                .parents_at(pi, u64::MAX)
                .map(|l| l.amount.amount)
                .sum();
            let on = p.pledged_on;
            let mut add = |x: Decimal, f: fn(&mut ChannelView) -> &mut Option<Money>| {
                conv.convert(x, amount.currency, on).map(|y| {
                    if let Some(m) = f(entry) {
                        m.amount += y;
                    }
                })
            };
            add(received, |c| &mut c.received)?;
            add(passed, |c| &mut c.passed_on)?;
            add((amount.amount - passed).max(Decimal::ZERO), |c| &mut c.kept)?;
        }
        let mut out: Vec<ChannelView> = by_org.into_values().collect();
        for c in &mut out {
            if c.pledges == c.unvalued_count {
                // only unvalued pledges: what they carry is not known
                (c.received, c.passed_on, c.kept) = (None, None, None);
                continue;
            }
            for m in [&mut c.received, &mut c.passed_on, &mut c.kept]
                .into_iter()
                .flatten()
            {
                *m = Money::new(round_to_minor(m.amount, to), to);
            }
        }
        let received = |c: &ChannelView| c.received.map(|m| m.amount);
        out.sort_by(|a, b| {
            received(b)
                .cmp(&received(a))
                .then_with(|| a.organisation_id.cmp(&b.organisation_id))
        });
        Ok(out)
    }

    /// What a link decision needs to know about pledge `id`.
    pub(crate) fn pledge_funding_ref(
        &self,
        id: &str,
    ) -> Option<fundtrail_domain::refs::PledgeFundingRef> {
        let i = self.ent.pledges.idx(id)?;
        let p = self.pledge(id)?;
        let children = self.ent.chains.children_at(i, u64::MAX).count();
        Some(fundtrail_domain::refs::PledgeFundingRef {
            roadmap_id: p.roadmap_id.as_str().to_owned(),
            amount: p.amount,
            pledged_on: p.pledged_on,
            cancelled: p.status == fundtrail_domain::enums::PledgeStatus::Cancelled,
            funded_by: p
                .funded_by
                .iter()
                .map(|l| l.parent.as_str().to_owned())
                .collect(),
            passed_on: passed_on(&self.ent, i, u64::MAX, None),
            children,
        })
    }
}
