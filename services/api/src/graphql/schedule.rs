//! Disbursement schedules in GraphQL: `Pledge.tranches`, `Pledge.overdue`
//! and `setTranches` (the rule is `fundtrail_domain::schedule`'s).

use async_graphql::{InputObject, SimpleObject};
use fundtrail_domain::money::Currency as DomainCurrency;
use fundtrail_domain::pledge::Pledge as DomainPledge;
use fundtrail_domain::schedule;

use super::inputs::{CommandInput, command_meta};
use super::objects::Money;
use super::scalars::{Date, Decimal};
use async_graphql::ID;
use fundtrail_ledger::Command;

/// An expected tranche of a commitment, as the disbursements recorded up to
/// today cover it (in order of due date; `docs/resource-mobilisation.md`).
#[derive(SimpleObject, Clone, Debug)]
pub struct Tranche {
    pub due_on: Date,
    pub amount: Money,
    /// What the disbursements dated up to today cover of it.
    pub covered: Money,
    /// `amount - covered`.
    pub outstanding: Money,
    /// Due before today and not covered in full.
    pub overdue: bool,
}

fn money(amount: rust_decimal::Decimal, currency: DomainCurrency) -> Money {
    fundtrail_domain::money::Money::new(amount, currency).into()
}

/// The pledge's tranches on `today` (none without a value or a schedule).
pub fn tranches(p: &DomainPledge, today: chrono::NaiveDate) -> Vec<Tranche> {
    let Some(value) = p.amount else {
        return Vec::new();
    };
    p.schedule_on(today)
        .into_iter()
        .map(|t| Tranche {
            due_on: Date(t.due_on),
            amount: money(t.amount, value.currency),
            covered: money(t.covered, value.currency),
            outstanding: money(t.outstanding, value.currency),
            overdue: t.overdue,
        })
        .collect()
}

/// What is overdue today; null for an unvalued pledge (nothing can be
/// scheduled of an unknown value), zero when nothing is.
pub fn overdue(p: &DomainPledge, today: chrono::NaiveDate) -> Option<Money> {
    let value = p.amount?;
    Some(money(p.overdue_on(today), value.currency))
}

#[derive(InputObject, Clone, Debug)]
pub struct TrancheInput {
    pub due_on: Date,
    /// In the pledge's currency.
    pub amount: Decimal,
}

/// The pledge's whole schedule, replacing any earlier one (an empty list
/// clears it); `reason` is required when it had tranches already.
#[derive(InputObject, Clone, Debug)]
pub struct SetTranchesInput {
    pub command_id: Option<ID>,
    pub expected_version: Option<i32>,
    pub pledge_id: ID,
    pub tranches: Vec<TrancheInput>,
    pub reason: Option<String>,
}

impl CommandInput for SetTranchesInput {
    command_meta!(SetTranchesInput, versioned);
    fn into_command(self) -> (String, Command) {
        let id = self.pledge_id.0;
        let command = schedule::SetTranches {
            pledge_id: id.clone(),
            tranches: self
                .tranches
                .into_iter()
                .map(|t| schedule::TrancheInput {
                    due_on: t.due_on.0,
                    amount: t.amount.0,
                })
                .collect(),
            reason: self.reason,
        };
        (
            id,
            fundtrail_domain::pledge::PledgeCommand::from(command).into(),
        )
    }
}
