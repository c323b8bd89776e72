//! The schedules export (issue #14): one row per expected tranche, covered by
//! the disbursements dated up to the export's day, with what is overdue.

mod common;

use common::*;
use fundtrail_domain::enums::PledgeStatus;
use fundtrail_domain::ids::PledgeId;
use fundtrail_domain::money::{Currency, Money};
use fundtrail_domain::pledge::{DisbursementRecorded, PledgeEvent};
use fundtrail_domain::schedule::{Tranche, TranchesSet};
use fundtrail_domain::streams::EntityKind;
use fundtrail_export::{Kind, Lang};
use rust_decimal::Decimal;

/// 400 XOF committed, due in two tranches (150 on 31 March, 250 on
/// 31 December 2024), 100 disbursed on 15 April; the export's day is 1 June.
fn ledger() -> Ledger {
    let mut l = Ledger::roadmap();
    l.pledge(valued("cash", 400));
    l.commit("cash", "2024-02-01");
    l.push(
        EntityKind::Pledge,
        "cash",
        PledgeEvent::from(TranchesSet {
            pledge_id: PledgeId::new_unchecked("cash"),
            tranches: vec![
                Tranche {
                    due_on: date("2024-03-31"),
                    amount: Decimal::from(150),
                },
                Tranche {
                    due_on: date("2024-12-31"),
                    amount: Decimal::from(250),
                },
            ],
            reason: None,
        }),
    );
    l.push(
        EntityKind::Pledge,
        "cash",
        PledgeEvent::from(DisbursementRecorded {
            pledge_id: PledgeId::new_unchecked("cash"),
            amount: Some(xof(100)),
            disbursed_on: Some(date("2024-04-15")),
            shares: Vec::new(),
            disbursed_total: Some(Money::new(Decimal::from(100), Currency::XOF)),
            status: PledgeStatus::PartlyDisbursed,
        }),
    );
    // A pledge with no schedule adds no row.
    l.pledge(valued("other", 50));
    l
}

#[test]
fn each_tranche_is_a_row_with_what_covers_it_and_what_is_overdue() {
    let l = ledger();
    let rows = l.csv(Kind::Tranches, Lang::Fr);
    assert_eq!(rows.len(), 2, "one row per tranche");
    let first = &rows[0];
    assert_eq!(first.get("Annonce"), "cash");
    assert_eq!(first.get("Échéance"), "2024-03-31");
    assert_eq!(first.get("En retard"), "oui");
    assert_eq!(rows[1].get("En retard"), "non");
    let json = l.json(Kind::Tranches);
    assert_eq!(json[0]["covered"], "100");
    assert_eq!(json[0]["outstanding"], "50");
    assert_eq!(json[0]["overdue"], true);
    assert_eq!(json[1]["covered"], "0");
    assert_eq!(json[1]["outstanding"], "250");
    assert_eq!(json[1]["currency"], "XOF");
    let book = l.xlsx(Kind::Tranches, Lang::En);
    assert!(book.strings.contains("Overdue"), "{}", book.strings);
}

#[test]
fn the_worklist_export_lists_the_overdue_tranche_first() {
    let l = ledger();
    let rows = l.json(Kind::Worklist);
    assert_eq!(rows[0]["kind"], "OVERDUE_TRANCHE", "{rows:?}");
    assert_eq!(rows[0]["record"], "cash");
    assert_eq!(rows[0]["amount"], "50");
    assert_eq!(rows[0]["dueOn"], "2024-03-31");
    let fr = l.csv(Kind::Worklist, Lang::Fr);
    assert_eq!(fr[0].get("Nature du travail"), "Tranches en retard");
}
