//! The worklist's ageing per roadmap (`setAgeing`, issue #14): each
//! roadmap's announcements age by its own period; the list of every roadmap
//! is the roadmaps' lists together, each line once.
mod common;

use common::{Ledger, date, xof};
use fundtrail_domain::enums::{OrganisationKind, Theme};
use fundtrail_domain::ids::RoadmapId;
use fundtrail_domain::money::Currency;
use fundtrail_domain::roadmap::{AgeingSet, RoadmapEvent};
use fundtrail_domain::streams::{EntityKind, stream_name};
use fundtrail_domain::worklist::WorkKind;
use fundtrail_projections::worklist::Filter;

fn ageing_lines(l: &Ledger, roadmap: Option<&str>, today: &str) -> Vec<(String, String)> {
    l.model
        .worklist(
            Filter {
                roadmap,
                owner: None,
            },
            date(today),
        )
        .into_iter()
        .filter(|i| i.kind == WorkKind::AgeingPledge)
        .map(|i| (i.record_id, i.due_on.unwrap().to_string()))
        .collect()
}

#[test]
fn each_roadmap_ages_its_announcements_by_its_own_period() {
    let mut l = Ledger::new();
    l.org("giz", "GIZ", None, OrganisationKind::BilateralAgency);
    l.roadmap("civ", Currency::XOF);
    l.roadmap("gha", Currency::XOF);
    l.priority("civ-p1", "civ", 1);
    l.priority("gha-p1", "gha", 1);
    for (id, roadmap, p) in [("a", "civ", "civ-p1"), ("b", "gha", "gha-p1")] {
        l.pledge(
            id,
            "giz",
            roadmap,
            Some(xof("1000")),
            &[(p, "1000")],
            &[],
            Some("2024-01-01"),
            &[Theme::ChildLabour],
        );
    }
    // 40 days on: nothing ages by the default 90 days.
    assert_eq!(ageing_lines(&l, None, "2024-02-10"), []);

    l.push(
        &stream_name(EntityKind::Roadmap, "civ"),
        RoadmapEvent::from(AgeingSet {
            roadmap_id: RoadmapId::new_unchecked("civ"),
            pledge_days: 30,
            proposal_days: 30,
            reason: None,
        }),
    );
    let civ = [("a".to_owned(), "2024-01-31".to_owned())];
    assert_eq!(ageing_lines(&l, Some("civ"), "2024-02-10"), civ);
    assert_eq!(ageing_lines(&l, Some("gha"), "2024-02-10"), []);
    assert_eq!(
        ageing_lines(&l, None, "2024-02-10"),
        civ,
        "every roadmap's list: each roadmap's own period"
    );
    assert_eq!(
        l.model.roadmap("civ").unwrap().ageing.pledge_days,
        30,
        "the roadmap shows its period"
    );
    // After 90 days the other roadmap's announcement ages too; each once.
    let both = ageing_lines(&l, None, "2024-05-01");
    assert_eq!(
        both,
        [
            ("a".to_owned(), "2024-01-31".to_owned()),
            ("b".to_owned(), "2024-03-31".to_owned())
        ]
    );
}
