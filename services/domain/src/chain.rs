//! Funding chains: a pledge **funded by** other pledges (issue #15).
//!
//! A donor funds an intermediary (ICI, IOM, UNICEF, an NGO) that funds or
//! delivers activities with national bodies. When both the donor's pledge and
//! the intermediary's onward pledge are recorded, the onward pledge (the
//! *child*) names the pledges it is funded by (its *parents*) with a
//! **link**: (parent, amount in the child's currency). Links are events of
//! the child's stream (`FundingLinked`, `FundingUnlinked`), made when the
//! child is made or later and removed with a reason.
//!
//! ## Rules (decided here, against current state)
//! - The child and the parent exist, are not cancelled, and differ; the
//!   child is valued (a link's amount is in the child's currency). A child
//!   is linked to a parent at most once (unlink, then link again to change
//!   the amount).
//! - What the child's parents fund never exceeds the child's amount.
//! - A link never takes more than what **remains** of a valued parent once
//!   its other children are counted. The link's amount is converted into the
//!   parent's currency at the rate in force on the child's `pledgedOn` (the
//!   day the onward money was promised; the rate table's rule: recorded,
//!   peg, inverse or cross through EUR), **rounded once**, half to even, to
//!   the parent's minor unit; the link keeps that converted amount and the
//!   rate, so a rate recorded later never changes a link. Different
//!   currencies with an unknown `pledgedOn` or no rate are refused. An
//!   unvalued parent has no known remainder: the link is accepted, and the
//!   parent stays unvalued (counted, never summed as zero).
//! - No cycles: a pledge cannot be funded, even through other pledges, by a
//!   pledge it funds (`INVALID_STATE`).
//! - A pledge in a chain (it funds others, or others fund it) cannot be
//!   cancelled until its links are removed, and a revision may not change
//!   its currency nor take its amount below what its parents fund or what
//!   its children take, so totals never change behind a user's back.
//!
//! ## Counting (see `projections::chains`)
//! Money is counted once, where it lands: a pledge *passes on* the sum of its
//! children's links (in its own currency) and *keeps* its amount less that;
//! funding by priority adds, for every pledge, what it keeps.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::events::impl_domain_event;
use crate::ids::PledgeId;
use crate::money::{Money, Sign, check_amount, checked_sum, round_to_minor};
use crate::pledge::{Pledge, PledgeEvent, PledgeState, existing, invalid};
use crate::refs::References;
use crate::text;

/// Longest chain followed when looking for a cycle (parents of parents).
pub const MAX_DEPTH: usize = 64;

// ---- commands ----

/// `linkFunding`: the pledge `pledge_id` (the child) is funded by
/// `funded_by_pledge_id` (the parent) for `amount`, in the child's currency.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkFunding {
    pub pledge_id: String,
    pub funded_by_pledge_id: String,
    pub amount: Decimal,
    pub reason: Option<String>,
}

/// `unlinkFunding`: the link from `funded_by_pledge_id` is removed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnlinkFunding {
    pub pledge_id: String,
    pub funded_by_pledge_id: String,
    pub reason: String,
}

// ---- events ----

/// The pledge is funded by `fundedByPledgeId` for `amount` (the pledge's
/// currency), which is `parentAmount` in the parent's currency: converted at
/// `rate` (the rate in force on `rateOn`, the child's `pledgedOn`), rounded
/// once; equal to `amount` when both share a currency (no rate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FundingLinked {
    pub pledge_id: PledgeId,
    pub funded_by_pledge_id: PledgeId,
    pub amount: Money,
    pub parent_amount: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
impl_domain_event!(FundingLinked, 1);

/// The link from `fundedByPledgeId` is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FundingUnlinked {
    pub pledge_id: PledgeId,
    pub funded_by_pledge_id: PledgeId,
    pub reason: String,
}
impl_domain_event!(FundingUnlinked, 1);

// ---- state ----

/// A link of the pledge's state: its parent and the amounts on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingLink {
    pub parent: PledgeId,
    /// In the child's currency.
    pub amount: Money,
    /// In the parent's currency.
    pub parent_amount: Money,
}

/// Folds a link event into the pledge.
pub(crate) fn evolve(p: &mut Pledge, event: &PledgeEvent) {
    match event {
        PledgeEvent::FundingLinked(e) => p.funded_by.push(FundingLink {
            parent: e.funded_by_pledge_id.clone(),
            amount: e.amount,
            parent_amount: e.parent_amount,
        }),
        PledgeEvent::FundingUnlinked(e) => {
            p.funded_by.retain(|l| l.parent != e.funded_by_pledge_id)
        }
        _ => {}
    }
}

// ---- what a decision needs to know about other pledges ----

/// Another pledge as a link decision sees it (the read models' current state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeFundingRef {
    pub roadmap_id: String,
    pub amount: Option<Money>,
    pub pledged_on: Option<NaiveDate>,
    pub cancelled: bool,
    /// The pledges that fund it.
    pub funded_by: Vec<String>,
    /// What its children take from it, in its own currency.
    pub passed_on: Decimal,
    /// How many pledges it funds.
    pub children: usize,
}

// ---- decisions ----

/// Whether `target` is `from` or one of its ancestors (parents of parents).
fn reaches(refs: &dyn References, from: &str, target: &str) -> bool {
    let mut seen = std::collections::HashSet::new();
    let mut frontier = vec![(from.to_owned(), 0usize)];
    while let Some((id, depth)) = frontier.pop() {
        if id == target {
            return true;
        }
        if depth > MAX_DEPTH || !seen.insert(id.clone()) {
            continue;
        }
        if let Some(p) = refs.pledge_funding(&id) {
            frontier.extend(p.funded_by.into_iter().map(|x| (x, depth + 1)));
        }
    }
    false
}

pub(crate) fn decide_link(
    state: &PledgeState,
    c: &LinkFunding,
    refs: &dyn References,
) -> Result<Vec<PledgeEvent>, DomainError> {
    let (id, p) = existing(state, &c.pledge_id)?;
    let parent_id = PledgeId::parse("fundedByPledgeId", &c.funded_by_pledge_id)?;
    let reason = text::optional_description("reason", c.reason.as_deref())?;
    if p.status == crate::enums::PledgeStatus::Cancelled {
        return Err(invalid(p, format!("pledge {id} is cancelled")));
    }
    let Some(own) = p.amount else {
        return Err(invalid(
            p,
            format!(
                "pledge {id} has no amount, so a link has no currency: value it with revisePledge first"
            ),
        ));
    };
    let amount = check_amount("amount", c.amount, own.currency, Sign::Positive)?;
    if parent_id == id {
        return Err(invalid(p, format!("pledge {id} cannot fund itself")));
    }
    let parent = refs.pledge_funding(parent_id.as_str()).ok_or_else(|| {
        DomainError::not_found(PledgeId::ENTITY, parent_id.as_str(), "fundedByPledgeId")
    })?;
    if parent.cancelled {
        return Err(invalid(
            p,
            format!("pledge {parent_id} is cancelled and can fund nothing"),
        ));
    }
    if p.funded_by.iter().any(|l| l.parent == parent_id) {
        return Err(invalid(
            p,
            format!(
                "pledge {id} is already funded by {parent_id}: unlink it first to change the amount"
            ),
        ));
    }
    if reaches(refs, parent_id.as_str(), id.as_str()) {
        return Err(invalid(
            p,
            format!(
                "pledge {parent_id} is funded, directly or through other pledges, by {id}: the link would make a cycle"
            ),
        ));
    }
    let funded = checked_sum("amount", p.funded_by.iter().map(|l| l.amount.amount))?;
    if funded + amount > own.amount {
        return Err(invalid(
            p,
            format!(
                "its parents would fund {} {c} of pledge {id}, which is {} {c}: {} {c} remain unfunded",
                funded + amount,
                own.amount,
                own.amount - funded,
                c = own.currency
            ),
        ));
    }
    let (parent_amount, rate, rate_on) = match parent.amount {
        None => (Money::new(amount, own.currency), None, None),
        Some(pm) if pm.currency == own.currency => (Money::new(amount, own.currency), None, None),
        Some(pm) => {
            let on = p.pledged_on.ok_or_else(|| {
                invalid(
                    p,
                    format!(
                        "pledge {id} is in {} and {parent_id} in {}: the link is converted at the child's pledgedOn, which is unknown",
                        own.currency, pm.currency
                    ),
                )
            })?;
            let rate = refs.rate(own.currency, pm.currency, on).ok_or_else(|| {
                invalid(
                    p,
                    format!(
                        "no {}/{} rate is in force on {on} (pledge {id}'s pledgedOn): record one first",
                        own.currency, pm.currency
                    ),
                )
            })?;
            let converted = amount
                .checked_mul(rate)
                .map(|x| round_to_minor(x, pm.currency))
                .ok_or_else(|| crate::money::overflow("amount"))?;
            (Money::new(converted, pm.currency), Some(rate), Some(on))
        }
    };
    if let Some(pm) = parent.amount {
        let remains = pm.amount - parent.passed_on;
        if parent_amount.amount > remains {
            return Err(invalid(
                p,
                format!(
                    "pledge {parent_id} has {remains} {c} left of {} {c} once its other children are counted; this link takes {} {c}",
                    pm.amount,
                    parent_amount.amount,
                    c = pm.currency
                ),
            ));
        }
    }
    Ok(vec![
        FundingLinked {
            pledge_id: id,
            funded_by_pledge_id: parent_id,
            amount: Money::new(amount, own.currency),
            parent_amount,
            rate,
            rate_on,
            reason,
        }
        .into(),
    ])
}

pub(crate) fn decide_unlink(
    state: &PledgeState,
    c: &UnlinkFunding,
) -> Result<Vec<PledgeEvent>, DomainError> {
    let (id, p) = existing(state, &c.pledge_id)?;
    let parent_id = PledgeId::parse("fundedByPledgeId", &c.funded_by_pledge_id)?;
    let reason = text::description("reason", &c.reason)?;
    if !p.funded_by.iter().any(|l| l.parent == parent_id) {
        return Err(invalid(
            p,
            format!("pledge {id} is not funded by {parent_id}"),
        ));
    }
    Ok(vec![
        FundingUnlinked {
            pledge_id: id,
            funded_by_pledge_id: parent_id,
            reason,
        }
        .into(),
    ])
}

/// A revision of a pledge in a chain: same currency, and not below what its
/// parents fund nor what its children take.
pub(crate) fn check_revision(
    p: &Pledge,
    new: Money,
    refs: &dyn References,
) -> Result<(), DomainError> {
    let passed_on = refs
        .pledge_funding(p.id.as_str())
        .filter(|r| r.children > 0)
        .map(|r| r.passed_on);
    if p.funded_by.is_empty() && passed_on.is_none() {
        return Ok(());
    }
    if p.amount.is_none() && passed_on.is_some() {
        // its links were recorded without knowing its currency
        return Err(invalid(
            p,
            format!(
                "pledge {} funds other pledges while unvalued: unlink them, value it, then link them again",
                p.id
            ),
        ));
    }
    if let Some(old) = p.amount
        && old.currency != new.currency
    {
        return Err(invalid(
            p,
            format!(
                "pledge {} is in a funding chain: its currency cannot change from {} to {} (unlink it first)",
                p.id, old.currency, new.currency
            ),
        ));
    }
    let funded: Decimal = p.funded_by.iter().map(|l| l.amount.amount).sum();
    let floor = funded.max(passed_on.unwrap_or_default());
    if new.amount < floor {
        return Err(invalid(
            p,
            format!(
                "pledge {} is in a funding chain: {} {c} of it is linked, more than the new amount {}",
                p.id,
                floor,
                new,
                c = new.currency
            ),
        ));
    }
    Ok(())
}

/// A pledge in a chain cannot be cancelled until its links are removed.
pub(crate) fn check_cancel(p: &Pledge, refs: &dyn References) -> Result<(), DomainError> {
    if let Some(l) = p.funded_by.first() {
        return Err(invalid(
            p,
            format!(
                "pledge {} is funded by {}: unlink its parents before cancelling it",
                p.id, l.parent
            ),
        ));
    }
    if let Some(r) = refs.pledge_funding(p.id.as_str())
        && r.children > 0
    {
        return Err(invalid(
            p,
            format!(
                "pledge {} still funds {} other pledge(s): unlink them before cancelling it",
                p.id, r.children
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::AnyEvent;
    use crate::exchange_rate::{ExchangeRateEvent, ExchangeRateRecorded};
    use crate::money::Currency;
    use crate::pledge::{CancelPledge, PledgeMade, RevisePledge};
    use crate::testing::*;

    fn made(id: &str, amount: &str, c: Currency) -> PledgeMade {
        pledge_made(id, Some((amount, c)), &[])
    }

    fn linked(child: &str, parent: &str, amount: &str, c: Currency) -> FundingLinked {
        FundingLinked {
            pledge_id: PledgeId::new_unchecked(child),
            funded_by_pledge_id: PledgeId::new_unchecked(parent),
            amount: Money::new(dec(amount), c),
            parent_amount: Money::new(dec(amount), c),
            rate: None,
            rate_on: None,
            reason: None,
        }
    }

    fn link(child: &str, parent: &str, amount: &str) -> LinkFunding {
        LinkFunding {
            pledge_id: child.into(),
            funded_by_pledge_id: parent.into(),
            amount: dec(amount),
            reason: None,
        }
    }

    fn world_of(events: Vec<PledgeEvent>) -> crate::refs::InMemoryReferences {
        world_with(events.into_iter().map(AnyEvent::from))
    }

    #[test]
    fn a_link_records_both_amounts_in_one_currency() {
        let refs = world_of(vec![made("fdn", "100", Currency::EUR).into()]);
        given([PledgeEvent::from(made("ici", "80", Currency::EUR))])
            .with_refs(refs)
            .when(link("ici", "fdn", "60"))
            .then([linked("ici", "fdn", "60", Currency::EUR).into()]);
    }

    #[test]
    fn a_link_converts_at_the_childs_pledge_date_and_rounds_once() {
        // the child in XOF, the parent in EUR: 655.957 XOF per EUR (the peg)
        let refs = world_of(vec![made("fdn", "100", Currency::EUR).into()]);
        let state = given([PledgeEvent::from(made("ici", "50000", Currency::XOF))])
            .with_refs(refs)
            .when(link("ici", "fdn", "50000"))
            .then_ok();
        let l = &state.entity.unwrap().funded_by[0];
        assert_eq!(l.amount, Money::new(dec("50000"), Currency::XOF));
        // 50000 / 655.957 = 76.2245... -> 76.22 EUR
        assert_eq!(l.parent_amount, Money::new(dec("76.22"), Currency::EUR));
    }

    #[test]
    fn a_link_beyond_what_remains_of_the_parent_is_refused() {
        let refs = world_of(vec![
            made("fdn", "100", Currency::EUR).into(),
            made("other", "70", Currency::EUR).into(),
            linked("other", "fdn", "70", Currency::EUR).into(),
        ]);
        let e = given([PledgeEvent::from(made("ici", "80", Currency::EUR))])
            .with_refs(refs)
            .when(link("ici", "fdn", "31"))
            .then_code("INVALID_STATE", "");
        assert!(e.to_string().contains("30"), "{e}");
    }

    #[test]
    fn parents_may_not_fund_more_than_the_child() {
        let refs = world_of(vec![made("fdn", "1000", Currency::EUR).into()]);
        given([PledgeEvent::from(made("ici", "80", Currency::EUR))])
            .with_refs(refs)
            .when(link("ici", "fdn", "81"))
            .then_code("INVALID_STATE", "");
    }

    #[test]
    fn cycles_are_refused_at_any_depth() {
        // a funds b, b funds c: c may not fund a
        let refs = world_of(vec![
            made("a", "100", Currency::EUR).into(),
            made("b", "100", Currency::EUR).into(),
            linked("b", "a", "50", Currency::EUR).into(),
            made("c", "100", Currency::EUR).into(),
            linked("c", "b", "50", Currency::EUR).into(),
        ]);
        let e = given([PledgeEvent::from(made("a", "100", Currency::EUR))])
            .with_refs(refs)
            .when(link("a", "c", "10"))
            .then_code("INVALID_STATE", "");
        assert!(e.to_string().contains("cycle"), "{e}");
        given([PledgeEvent::from(made("a", "100", Currency::EUR))])
            .when(link("a", "a", "10"))
            .then_code("INVALID_STATE", "");
    }

    #[test]
    fn an_unvalued_child_cannot_be_linked_and_a_missing_parent_is_not_found() {
        let refs = world_of(vec![made("fdn", "100", Currency::EUR).into()]);
        given([PledgeEvent::from(pledge_made("ici", None, &[]))])
            .with_refs(refs.clone())
            .when(link("ici", "fdn", "10"))
            .then_code("INVALID_STATE", "");
        given([PledgeEvent::from(made("ici", "80", Currency::EUR))])
            .with_refs(refs)
            .when(link("ici", "nobody", "10"))
            .then_code("NOT_FOUND", "fundedByPledgeId");
    }

    #[test]
    fn an_unvalued_parent_has_no_known_remainder() {
        let refs = world_of(vec![pledge_made("fdn", None, &[]).into()]);
        given([PledgeEvent::from(made("ici", "80", Currency::EUR))])
            .with_refs(refs)
            .when(link("ici", "fdn", "80"))
            .then_ok();
    }

    #[test]
    fn different_currencies_need_a_rate_on_the_childs_pledge_date() {
        let refs = world_of(vec![made("fdn", "100", Currency::USD).into()]);
        given([PledgeEvent::from(made("ici", "80", Currency::EUR))])
            .with_refs(refs.clone())
            .when(link("ici", "fdn", "10"))
            .then_code("INVALID_STATE", "");
        let mut with_rate = refs;
        with_rate.apply(&AnyEvent::from(ExchangeRateEvent::from(
            ExchangeRateRecorded {
                base: Currency::EUR,
                quote: Currency::USD,
                rate: dec("1.1"),
                valid_from: date("2023-01-01"),
                supersedes: None,
            },
        )));
        let state = given([PledgeEvent::from(made("ici", "80", Currency::EUR))])
            .with_refs(with_rate)
            .when(link("ici", "fdn", "10"))
            .then_ok();
        assert_eq!(
            state.entity.unwrap().funded_by[0].parent_amount,
            Money::new(dec("11.00"), Currency::USD)
        );
    }

    #[test]
    fn one_link_per_parent_and_unlink_needs_a_link_and_a_reason() {
        let refs = world_of(vec![made("fdn", "100", Currency::EUR).into()]);
        let history = [
            PledgeEvent::from(made("ici", "80", Currency::EUR)),
            linked("ici", "fdn", "10", Currency::EUR).into(),
        ];
        given(history.clone())
            .with_refs(refs.clone())
            .when(link("ici", "fdn", "5"))
            .then_code("INVALID_STATE", "");
        given(history.clone())
            .with_refs(refs.clone())
            .when(UnlinkFunding {
                pledge_id: "ici".into(),
                funded_by_pledge_id: "fdn".into(),
                reason: " ".into(),
            })
            .then_code("BAD_USER_INPUT", "reason");
        let state = given(history)
            .with_refs(refs)
            .when(UnlinkFunding {
                pledge_id: "ici".into(),
                funded_by_pledge_id: "fdn".into(),
                reason: "signed in error".into(),
            })
            .then_ok();
        assert!(state.entity.unwrap().funded_by.is_empty());
        given([PledgeEvent::from(made("ici", "80", Currency::EUR))])
            .when(UnlinkFunding {
                pledge_id: "ici".into(),
                funded_by_pledge_id: "fdn".into(),
                reason: "x".into(),
            })
            .then_code("INVALID_STATE", "");
    }

    #[test]
    fn a_pledge_in_a_chain_is_not_cancelled_nor_revised_below_its_links() {
        let parent_world = world_of(vec![
            made("fdn", "100", Currency::EUR).into(),
            made("ici", "80", Currency::EUR).into(),
            linked("ici", "fdn", "60", Currency::EUR).into(),
        ]);
        let cancel = |id: &str| CancelPledge {
            pledge_id: id.into(),
            cancelled_on: date("2023-07-01"),
            reason: "withdrawn".into(),
        };
        let revise = |id: &str, amount: &str, c: Currency| RevisePledge {
            pledge_id: id.into(),
            amount: Money::new(dec(amount), c),
            allocations: None,
            revised_on: date("2023-07-01"),
            reason: "new figures".into(),
        };
        // the parent: it still funds ici
        let fdn = [PledgeEvent::from(made("fdn", "100", Currency::EUR))];
        given(fdn.clone())
            .with_refs(parent_world.clone())
            .when(cancel("fdn"))
            .then_code("INVALID_STATE", "");
        given(fdn.clone())
            .with_refs(parent_world.clone())
            .when(revise("fdn", "59", Currency::EUR))
            .then_code("INVALID_STATE", "");
        given(fdn.clone())
            .with_refs(parent_world.clone())
            .when(revise("fdn", "100", Currency::USD))
            .then_code("INVALID_STATE", "");
        given(fdn)
            .with_refs(parent_world.clone())
            .when(revise("fdn", "60", Currency::EUR))
            .then_ok();
        // the child: funded by fdn
        let ici = [
            PledgeEvent::from(made("ici", "80", Currency::EUR)),
            linked("ici", "fdn", "60", Currency::EUR).into(),
        ];
        given(ici.clone())
            .with_refs(parent_world.clone())
            .when(cancel("ici"))
            .then_code("INVALID_STATE", "");
        given(ici)
            .with_refs(parent_world)
            .when(revise("ici", "59.99", Currency::EUR))
            .then_code("INVALID_STATE", "");
    }

    #[test]
    fn an_unvalued_parent_is_valued_only_once_its_links_are_removed() {
        let refs = world_of(vec![
            pledge_made("fdn", None, &[]).into(),
            made("ici", "80", Currency::EUR).into(),
            linked("ici", "fdn", "80", Currency::EUR).into(),
        ]);
        given([PledgeEvent::from(pledge_made("fdn", None, &[]))])
            .with_refs(refs)
            .when(RevisePledge {
                pledge_id: "fdn".into(),
                amount: Money::new(dec("100"), Currency::USD),
                allocations: None,
                revised_on: date("2023-07-01"),
                reason: "valued".into(),
            })
            .then_code("INVALID_STATE", "");
    }

    #[test]
    fn a_link_reaches_the_parents_roadmap_in_the_scope_check() {
        // the parent is on civ-2024; an officer of civ-2023 only may not link to it
        let mut parent = made("fdn", "100", Currency::EUR);
        parent.roadmap_id = crate::ids::RoadmapId::new_unchecked("civ-2024");
        let refs = world_of(vec![parent.into()]);
        given([PledgeEvent::from(made("ici", "80", Currency::EUR))])
            .with_refs(refs)
            .by(scoped_officer(&["civ-2023"], &[]))
            .when(link("ici", "fdn", "10"))
            .then_forbidden();
    }
}
