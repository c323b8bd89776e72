//! Disbursement schedules: the tranches a commitment is expected to be paid
//! in, and which of them are overdue.
//!
//! - `setTranches` gives a committed, valued pledge its expected tranches
//!   (due date, amount in the pledge's currency); sending them again replaces
//!   them and needs a reason, so the history says why a schedule moved. An
//!   empty list clears the schedule. Their sum may not exceed the pledge's
//!   amount, and a revision of the pledge may not take the amount below them
//!   or change its currency while they are set.
//! - **Matching rule** ([`schedule`]): the disbursements recorded against the
//!   pledge up to a day (dated that day or before, or undated) cover the
//!   tranches in order of due date (tranches due the same day in the order
//!   given), each as far as the money goes: a tranche may be covered in
//!   part. A tranche is **overdue** on a day after its due date while it is
//!   not covered in full; what is overdue is its uncovered part. So the
//!   overdue amount never exceeds the sum of the tranches, which never
//!   exceeds the commitment.
//!
//! Example: tranches 40 due 31 March and 60 due 30 June, 50 disbursed by
//! 1 July: the first is covered, the second is covered for 10; on 1 July 50
//! is overdue (the second tranche's uncovered part), on 30 June nothing.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::dates;
use crate::enums::PledgeStatus;
use crate::error::DomainError;
use crate::events::impl_domain_event;
use crate::ids::PledgeId;
use crate::lists;
use crate::money::{Sign, check_amount, checked_sum};
use crate::pledge::{Disbursement, Pledge, PledgeEvent, PledgeState};
use crate::text;

// ---- command ----

/// One expected tranche as sent.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrancheInput {
    pub due_on: NaiveDate,
    /// In the pledge's currency.
    pub amount: Decimal,
}

/// `setTranches`: the pledge's whole schedule, replacing any earlier one.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetTranches {
    pub pledge_id: String,
    pub tranches: Vec<TrancheInput>,
    /// Required when the pledge has tranches already.
    pub reason: Option<String>,
}

// ---- event ----

/// An expected tranche of a commitment, in the pledge's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tranche {
    pub due_on: NaiveDate,
    pub amount: Decimal,
}

/// The pledge's expected tranches are now these (in order of due date; none:
/// no schedule). `reason`: why an earlier schedule changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TranchesSet {
    pub pledge_id: PledgeId,
    #[serde(default)]
    pub tranches: Vec<Tranche>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
impl_domain_event!(TranchesSet, 1);

// ---- decision ----

pub(crate) fn decide_set_tranches(
    state: &PledgeState,
    c: &SetTranches,
) -> Result<Vec<PledgeEvent>, DomainError> {
    let id = PledgeId::parse("pledgeId", &c.pledge_id)?;
    let Some(p) = state.entity.as_ref() else {
        return Err(DomainError::not_found(
            PledgeId::ENTITY,
            id.as_str(),
            "pledgeId",
        ));
    };
    let refuse = |message: String| DomainError::invalid_state(message, p.status.as_str());
    match p.status {
        PledgeStatus::Cancelled => {
            return Err(refuse(format!(
                "pledge {id} is cancelled and can no longer change"
            )));
        }
        PledgeStatus::Pledged => {
            return Err(refuse(format!(
                "pledge {id} is announced, not committed: tranches are the schedule of a commitment (commit it first)"
            )));
        }
        PledgeStatus::Committed | PledgeStatus::PartlyDisbursed | PledgeStatus::Disbursed => {}
    }
    let Some(amount) = p.amount else {
        return Err(refuse(format!(
            "pledge {id} has no value: value it (revisePledge) before scheduling its tranches"
        )));
    };
    lists::bounded("tranches", &c.tranches)?;
    let mut tranches = Vec::with_capacity(c.tranches.len());
    for (i, t) in c.tranches.iter().enumerate() {
        tranches.push(Tranche {
            due_on: dates::in_range(&format!("tranches[{i}].dueOn"), t.due_on)?,
            amount: check_amount(
                &format!("tranches[{i}].amount"),
                t.amount,
                amount.currency,
                Sign::Positive,
            )?,
        });
    }
    let sum = checked_sum("tranches", tranches.iter().map(|t| t.amount))?;
    if sum > amount.amount {
        return Err(DomainError::bad_input(
            "tranches",
            format!(
                "the tranches add up to {sum} {c}, more than the commitment of {} {c}",
                amount.amount,
                c = amount.currency
            ),
        ));
    }
    // Stable: tranches due the same day keep the order given.
    tranches.sort_by_key(|t| t.due_on);
    if tranches == p.tranches {
        return Err(refuse(format!(
            "pledge {id} already has exactly these tranches"
        )));
    }
    let reason = text::optional_description("reason", c.reason.as_deref())?;
    if !p.tranches.is_empty() && reason.is_none() {
        return Err(DomainError::bad_input(
            "reason",
            "the pledge has tranches already: say why its schedule changes",
        ));
    }
    Ok(vec![
        TranchesSet {
            pledge_id: id,
            tranches,
            reason,
        }
        .into(),
    ])
}

/// Refuses a revision to `amount` in `currency` that the schedule would not
/// fit (see the module's rule).
pub(crate) fn check_revision(
    p: &Pledge,
    currency: crate::money::Currency,
    amount: Decimal,
) -> Result<(), DomainError> {
    if p.tranches.is_empty() {
        return Ok(());
    }
    let refuse = |message: String| DomainError::invalid_state(message, p.status.as_str());
    let old = p.amount.map(|m| m.currency);
    if old != Some(currency) {
        return Err(refuse(format!(
            "pledge {} has tranches in {}: clear or reset them (setTranches) before changing its currency",
            p.id,
            old.map_or("no currency", |c| c.code())
        )));
    }
    let sum = checked_sum("tranches", p.tranches.iter().map(|t| t.amount))?;
    if amount < sum {
        return Err(refuse(format!(
            "revising to {amount} {currency} is below the {sum} {currency} of its tranches: set smaller tranches first"
        )));
    }
    Ok(())
}

// ---- the matching rule ----

/// Where one tranche stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrancheStatus {
    pub due_on: NaiveDate,
    pub amount: Decimal,
    /// What the disbursements up to the day cover of it.
    pub covered: Decimal,
    /// `amount - covered`.
    pub outstanding: Decimal,
    /// Due before the day and not covered in full.
    pub overdue: bool,
}

/// What was disbursed against the pledge up to `on` (dated that day or
/// before, or undated), in its currency.
pub fn disbursed_by(disbursements: &[Disbursement], on: NaiveDate) -> Decimal {
    disbursements
        .iter()
        .filter(|d| d.disbursed_on.is_none_or(|d| d <= on))
        .filter_map(|d| d.amount.map(|m| m.amount))
        .sum()
}

/// The tranches (in order of due date) as `disbursed` covers them on `today`.
pub fn schedule(tranches: &[Tranche], disbursed: Decimal, today: NaiveDate) -> Vec<TrancheStatus> {
    let mut left = disbursed.max(Decimal::ZERO);
    tranches
        .iter()
        .map(|t| {
            let covered = left.min(t.amount);
            left -= covered;
            let outstanding = t.amount - covered;
            TrancheStatus {
                due_on: t.due_on,
                amount: t.amount,
                covered,
                outstanding,
                overdue: t.due_on < today && outstanding > Decimal::ZERO,
            }
        })
        .collect()
}

impl Pledge {
    /// The pledge's tranches on `today` (none for a cancelled pledge: nothing
    /// is expected of it any more).
    pub fn schedule_on(&self, today: NaiveDate) -> Vec<TrancheStatus> {
        if self.status == PledgeStatus::Cancelled {
            return Vec::new();
        }
        schedule(
            &self.tranches,
            disbursed_by(&self.disbursements, today),
            today,
        )
    }

    /// What is overdue on `today`, in the pledge's currency (zero when
    /// nothing is, or it has no schedule).
    pub fn overdue_on(&self, today: NaiveDate) -> Decimal {
        self.schedule_on(today)
            .iter()
            .filter(|t| t.overdue)
            .map(|t| t.outstanding)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Currency, Money};
    use crate::pledge::{DisbursementRecorded, PledgeCommitted, RevisePledge};
    use crate::testing::*;

    fn committed() -> Vec<PledgeEvent> {
        vec![
            pledge_made(
                "pl-1",
                Some(("100", Currency::EUR)),
                &[("civ-2023-p1", "100")],
            )
            .into(),
            PledgeCommitted {
                pledge_id: PledgeId::new_unchecked("pl-1"),
                committed_on: Some(date("2023-06-02")),
            }
            .into(),
        ]
    }

    fn set(tranches: &[(&str, &str)], reason: Option<&str>) -> SetTranches {
        SetTranches {
            pledge_id: "pl-1".into(),
            tranches: tranches
                .iter()
                .map(|(on, a)| TrancheInput {
                    due_on: date(on),
                    amount: dec(a),
                })
                .collect(),
            reason: reason.map(Into::into),
        }
    }

    fn tranches_set(tranches: &[(&str, &str)], reason: Option<&str>) -> PledgeEvent {
        TranchesSet {
            pledge_id: PledgeId::new_unchecked("pl-1"),
            tranches: tranches
                .iter()
                .map(|(on, a)| Tranche {
                    due_on: date(on),
                    amount: Money::new(dec(a), Currency::EUR).amount,
                })
                .collect(),
            reason: reason.map(Into::into),
        }
        .into()
    }

    fn disbursed(amount: &str, on: &str, total: &str, status: PledgeStatus) -> PledgeEvent {
        DisbursementRecorded {
            pledge_id: PledgeId::new_unchecked("pl-1"),
            amount: Some(Money::new(dec(amount), Currency::EUR)),
            disbursed_on: Some(date(on)),
            shares: Vec::new(),
            disbursed_total: Some(Money::new(dec(total), Currency::EUR)),
            status,
        }
        .into()
    }

    #[test]
    fn a_commitment_gets_its_tranches_in_order_of_due_date() {
        given(committed())
            .when(set(&[("2023-12-31", "60"), ("2023-09-30", "40")], None))
            .then([tranches_set(
                &[("2023-09-30", "40.00"), ("2023-12-31", "60.00")],
                None,
            )]);
    }

    #[test]
    fn tranches_may_not_exceed_the_commitment() {
        given(committed())
            .when(set(&[("2023-09-30", "40"), ("2023-12-31", "60.01")], None))
            .then_err(DomainError::bad_input(
                "tranches",
                "the tranches add up to 100.01 EUR, more than the commitment of 100 EUR",
            ));
    }

    #[test]
    fn an_announced_pledge_has_no_schedule_yet() {
        let e = given(committed().into_iter().take(1))
            .when(set(&[("2023-09-30", "40")], None))
            .then_code("INVALID_STATE", "");
        assert!(e.to_string().contains("commit it first"), "{e}");
    }

    #[test]
    fn changing_a_schedule_needs_a_reason() {
        let mut events = committed();
        events.push(tranches_set(&[("2023-09-30", "40.00")], None));
        given(events.clone())
            .when(set(&[("2023-10-31", "40")], None))
            .then_err(DomainError::bad_input(
                "reason",
                "the pledge has tranches already: say why its schedule changes",
            ));
        given(events)
            .when(set(
                &[("2023-10-31", "40")],
                Some("the donor's board met late"),
            ))
            .then([tranches_set(
                &[("2023-10-31", "40.00")],
                Some("the donor's board met late"),
            )]);
    }

    #[test]
    fn a_revision_below_the_tranches_is_refused() {
        let mut events = committed();
        events.push(tranches_set(&[("2023-09-30", "80.00")], None));
        let e = given(events.clone())
            .when(RevisePledge {
                pledge_id: "pl-1".into(),
                amount: Money::new(dec("70"), Currency::EUR),
                allocations: Some(Vec::new()),
                revised_on: date("2023-07-01"),
                reason: "cut".into(),
            })
            .then_code("INVALID_STATE", "");
        assert!(
            e.to_string()
                .contains("below the 80.00 EUR of its tranches"),
            "{e}"
        );
        let e = given(events)
            .when(RevisePledge {
                pledge_id: "pl-1".into(),
                amount: Money::new(dec("100"), Currency::USD),
                allocations: Some(Vec::new()),
                revised_on: date("2023-07-01"),
                reason: "in dollars".into(),
            })
            .then_code("INVALID_STATE", "");
        assert!(e.to_string().contains("has tranches in EUR"), "{e}");
    }

    #[test]
    fn disbursements_cover_tranches_in_order_and_what_is_left_is_overdue() {
        let mut events = committed();
        events.push(tranches_set(
            &[("2023-03-31", "40.00"), ("2023-06-30", "60.00")],
            None,
        ));
        events.push(disbursed(
            "50",
            "2023-06-15",
            "50",
            PledgeStatus::PartlyDisbursed,
        ));
        let state = events
            .iter()
            .fold(PledgeState::default(), crate::pledge::evolve);
        let p = state.entity.unwrap();
        // 30 June: the second tranche is due that day, not yet overdue.
        assert_eq!(p.overdue_on(date("2023-06-30")), Decimal::ZERO);
        let july = p.schedule_on(date("2023-07-01"));
        assert_eq!(
            (july[0].covered, july[0].overdue),
            (dec("40.00"), false),
            "{july:?}"
        );
        assert_eq!(
            (july[1].covered, july[1].outstanding, july[1].overdue),
            (dec("10.00"), dec("50.00"), true)
        );
        assert_eq!(p.overdue_on(date("2023-07-01")), dec("50.00"));
        // On 1 April the disbursement of 15 June had not happened yet.
        assert_eq!(p.overdue_on(date("2023-04-01")), dec("40.00"));
    }
}
