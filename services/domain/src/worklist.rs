//! The worklist (« À faire », issue #14): what a resource-mobilisation officer
//! should chase today, from the records as they stand. One rule for every
//! face (GraphQL `worklist`, the web page, the export).
//!
//! What comes on the list, latest first:
//! - **overdue tranches** (`crate::schedule`'s matching rule): what is
//!   uncovered of each tranche due before today;
//! - **ageing pledges**: announced (status stated PLEDGED) more than
//!   [`Ageing::pledge_days`] ago and not committed;
//! - **ageing proposals**: SUBMITTED more than [`Ageing::proposal_days`] ago
//!   and not decided;
//! - **next steps due**: not ACHIEVED, whose target month ends within
//!   [`DUE_SOON_DAYS`] days or has ended;
//! - **decisions due**: prospects still on the way whose expected decision
//!   date is within [`DUE_SOON_DAYS`] days or past;
//! - **actions due**: actions PLANNED or IN_PROGRESS whose due date is
//!   within [`DUE_SOON_DAYS`] days or past (an action past its due date
//!   ages from that date);
//! - **data to complete**: a cash or in-kind contribution with no value
//!   (technical support is not meant to be valued, so it is not listed), a
//!   contribution with no date, a priority with no funding requirement.
//!
//! A record whose date is unknown never ages: it is listed as data to
//! complete instead, never guessed.

use chrono::{Datelike, NaiveDate, TimeDelta};

use crate::action::Action;
use crate::enums::{ContributionKind, NextStepStatus, PledgeStatus, ProposalStatus, ProspectStage};
use crate::money::Money;
use crate::next_step::NextStep;
use crate::pledge::Pledge;
use crate::priority::Priority;
use crate::proposal::Proposal;
use crate::prospect::Prospect;

/// How close a date must be to come on the list.
pub const DUE_SOON_DAYS: i64 = 14;

/// After how many days an announcement or a proposal is chased (per
/// roadmap: `setAgeing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ageing {
    pub pledge_days: i64,
    pub proposal_days: i64,
}

impl Default for Ageing {
    /// 90 days for both.
    fn default() -> Self {
        Ageing {
            pledge_days: 90,
            proposal_days: 90,
        }
    }
}

/// The kinds of work, in the order the list groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkKind {
    OverdueTranche,
    AgeingPledge,
    AgeingProposal,
    NextStepDue,
    DecisionDue,
    ActionDue,
    UnvaluedContribution,
    UnknownDate,
    NoRequirement,
}

impl WorkKind {
    pub const ALL: &'static [WorkKind] = &[
        WorkKind::OverdueTranche,
        WorkKind::AgeingPledge,
        WorkKind::AgeingProposal,
        WorkKind::NextStepDue,
        WorkKind::DecisionDue,
        WorkKind::ActionDue,
        WorkKind::UnvaluedContribution,
        WorkKind::UnknownDate,
        WorkKind::NoRequirement,
    ];

    /// The stable code (GraphQL enum value, metric label).
    pub fn as_str(self) -> &'static str {
        match self {
            WorkKind::OverdueTranche => "OVERDUE_TRANCHE",
            WorkKind::AgeingPledge => "AGEING_PLEDGE",
            WorkKind::AgeingProposal => "AGEING_PROPOSAL",
            WorkKind::NextStepDue => "NEXT_STEP_DUE",
            WorkKind::DecisionDue => "DECISION_DUE",
            WorkKind::ActionDue => "ACTION_DUE",
            WorkKind::UnvaluedContribution => "UNVALUED_CONTRIBUTION",
            WorkKind::UnknownDate => "UNKNOWN_DATE",
            WorkKind::NoRequirement => "NO_REQUIREMENT",
        }
    }

    /// Data to complete, rather than something to chase.
    pub fn is_data(self) -> bool {
        matches!(
            self,
            WorkKind::UnvaluedContribution | WorkKind::UnknownDate | WorkKind::NoRequirement
        )
    }
}

/// Which record a line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Pledge,
    Proposal,
    NextStep,
    Prospect,
    Priority,
    Action,
}

/// One line of the worklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItem {
    pub kind: WorkKind,
    pub record: RecordKind,
    pub record_id: String,
    /// When it fell or falls due (a tranche's due date, the day an
    /// announcement started ageing, the end of a target month...).
    pub due_on: Option<NaiveDate>,
    /// What is at stake, when a figure says it (the overdue part of a tranche).
    pub amount: Option<Money>,
    /// Days late (positive) or left (negative) on the day asked.
    pub days_late: Option<i64>,
    /// Who follows it, when someone does.
    pub owner: Option<String>,
}

/// What the worklist reads. References, so a read model lends its records
/// without copying them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Records<'a> {
    pub pledges: &'a [&'a PledgeWatch],
    pub proposals: &'a [&'a Proposal],
    pub next_steps: &'a [&'a NextStep],
    pub prospects: &'a [&'a Prospect],
    pub priorities: &'a [&'a Priority],
    pub actions: &'a [&'a Action],
}

/// What of a pledge can put it on the list, whatever the day: a read model
/// keeps one per pledge and rebuilds it only when the pledge changes, so the
/// list on a day is a pass over these rather than over whole pledges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeWatch {
    pub id: String,
    /// The currency of its value, when it has one (overdue parts are in it).
    currency: Option<crate::money::Currency>,
    /// Its tranches, and its dated or undated disbursed amounts (valued ones).
    tranches: Vec<crate::schedule::Tranche>,
    disbursed: Vec<(Option<NaiveDate>, rust_decimal::Decimal)>,
    /// The day it was announced, while its stated status is PLEDGED.
    announced_on: Option<NaiveDate>,
    unvalued: bool,
    undated: bool,
}

impl PledgeWatch {
    /// `None` when nothing about the pledge can come on the list on any
    /// day (most pledges: valued, dated, committed, no schedule; or cancelled).
    pub fn of(p: &Pledge) -> Option<PledgeWatch> {
        if p.status == PledgeStatus::Cancelled {
            return None;
        }
        let tranches = if p.amount.is_some() {
            p.tranches.clone()
        } else {
            Vec::new()
        };
        let disbursed = if tranches.is_empty() {
            Vec::new()
        } else {
            p.disbursements
                .iter()
                .filter_map(|d| d.amount.map(|m| (d.disbursed_on, m.amount)))
                .collect()
        };
        let announced_on = if p.stated_status() == Some(PledgeStatus::Pledged) {
            p.pledged_on
        } else {
            None
        };
        let watch = PledgeWatch {
            id: p.id.as_str().to_owned(),
            currency: p.amount.map(|m| m.currency),
            tranches,
            disbursed,
            announced_on,
            unvalued: p.amount.is_none() && p.kind != ContributionKind::Technical,
            undated: p.pledged_on.is_none(),
        };
        let listable = !watch.tranches.is_empty()
            || watch.announced_on.is_some()
            || watch.unvalued
            || watch.undated;
        listable.then_some(watch)
    }

    /// Its lines on `today`, appended to `out`.
    pub fn lines(&self, today: NaiveDate, ageing: Ageing, out: &mut Vec<WorkItem>) {
        let id = self.id.as_str();
        if let Some(currency) = self.currency
            && !self.tranches.is_empty()
        {
            let disbursed = self
                .disbursed
                .iter()
                .filter(|(on, _)| on.is_none_or(|d| d <= today))
                .map(|(_, a)| *a)
                .sum();
            for t in crate::schedule::schedule(&self.tranches, disbursed, today)
                .iter()
                .filter(|t| t.overdue)
            {
                let mut w = dated(
                    item(WorkKind::OverdueTranche, RecordKind::Pledge, id),
                    t.due_on,
                    today,
                );
                w.amount = Some(Money::new(t.outstanding, currency));
                out.push(w);
            }
        }
        if let Some(on) = self.announced_on {
            let from = on + TimeDelta::days(ageing.pledge_days);
            if from < today {
                out.push(dated(
                    item(WorkKind::AgeingPledge, RecordKind::Pledge, id),
                    from,
                    today,
                ));
            }
        }
        if self.unvalued {
            out.push(item(WorkKind::UnvaluedContribution, RecordKind::Pledge, id));
        }
        if self.undated {
            out.push(item(WorkKind::UnknownDate, RecordKind::Pledge, id));
        }
    }
}

/// The last day of a `YYYY-MM` month.
fn month_end(month: &str) -> Option<NaiveDate> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
    };
    next.pred_opt()
}

fn item(kind: WorkKind, record: RecordKind, id: &str) -> WorkItem {
    WorkItem {
        kind,
        record,
        record_id: id.to_owned(),
        due_on: None,
        amount: None,
        days_late: None,
        owner: None,
    }
}

fn dated(mut w: WorkItem, due_on: NaiveDate, today: NaiveDate) -> WorkItem {
    w.due_on = Some(due_on);
    w.days_late = Some((today - due_on).num_days());
    w
}

/// The worklist on `today`, most urgent first: the kinds in
/// [`WorkKind::ALL`]'s order, the latest first within a kind, then by id.
pub fn worklist(records: Records<'_>, today: NaiveDate, ageing: Ageing) -> Vec<WorkItem> {
    let soon = today + TimeDelta::days(DUE_SOON_DAYS);
    let mut out = Vec::new();
    for p in records.pledges {
        p.lines(today, ageing, &mut out);
    }
    for p in records.proposals {
        if p.status == ProposalStatus::Submitted
            && let Some(on) = p.submitted_on
        {
            let from = on + TimeDelta::days(ageing.proposal_days);
            if from < today {
                out.push(dated(
                    item(
                        WorkKind::AgeingProposal,
                        RecordKind::Proposal,
                        p.id.as_str(),
                    ),
                    from,
                    today,
                ));
            }
        }
    }
    for s in records.next_steps {
        if s.status == Some(NextStepStatus::Achieved) {
            continue;
        }
        if let Some(end) = s.target_month.as_deref().and_then(month_end)
            && end <= soon
        {
            out.push(dated(
                item(WorkKind::NextStepDue, RecordKind::NextStep, s.id.as_str()),
                end,
                today,
            ));
        }
    }
    for p in records.prospects {
        let on_the_way = p.stage.rank().is_some() && p.stage != ProspectStage::Pledged;
        if on_the_way
            && let Some(d) = p.expected_decision_on
            && d <= soon
        {
            let mut w = dated(
                item(WorkKind::DecisionDue, RecordKind::Prospect, p.id.as_str()),
                d,
                today,
            );
            w.owner = p.owner.clone();
            w.amount = p.expected_amount;
            out.push(w);
        }
    }
    for a in records.actions {
        if a.is_open()
            && let Some(d) = a.due_on
            && d <= soon
        {
            let mut w = dated(
                item(WorkKind::ActionDue, RecordKind::Action, a.id.as_str()),
                d,
                today,
            );
            w.owner = a.owner.clone();
            out.push(w);
        }
    }
    for p in records.priorities {
        if p.requirement.is_none() {
            out.push(item(
                WorkKind::NoRequirement,
                RecordKind::Priority,
                p.id.as_str(),
            ));
        }
    }
    order(&mut out);
    out
}

/// Puts lines in the list's order: the kinds in [`WorkKind::ALL`]'s order,
/// the latest first within a kind, then by id; a line found twice (a
/// proposal on two roadmaps with the same ageing) is kept once.
pub fn order(items: &mut Vec<WorkItem>) {
    items.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(b.days_late.cmp(&a.days_late))
            .then_with(|| a.record_id.cmp(&b.record_id))
            .then(a.due_on.cmp(&b.due_on))
    });
    items.dedup();
}

/// How many lines of each kind (the dashboard's counts, the metrics' gauges).
pub fn counts(items: &[WorkItem]) -> Vec<(WorkKind, usize)> {
    WorkKind::ALL
        .iter()
        .map(|k| (*k, items.iter().filter(|i| i.kind == *k).count()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::ActionStatus;
    use crate::ids::{NextStepId, PledgeId, PriorityId, ProposalId, RoadmapId};
    use crate::money::Currency;
    use crate::pledge::PledgeState;
    use crate::schedule::{Tranche, TranchesSet};
    use crate::testing::{date, dec, pledge_made};

    fn pledge(events: Vec<crate::pledge::PledgeEvent>) -> Pledge {
        events
            .iter()
            .fold(PledgeState::default(), crate::pledge::evolve)
            .entity
            .unwrap()
    }

    #[test]
    fn what_to_chase_and_what_to_complete_on_a_day() {
        let today = date("2024-07-01");
        // Announced 2024-01-15 (ageing since 14 April), a schedule with an
        // overdue tranche, an unvalued gift with no date.
        let announced = pledge(vec![
            crate::pledge::PledgeMade {
                pledged_on: Some(date("2024-01-15")),
                ..pledge_made("pl-old", Some(("100", Currency::EUR)), &[])
            }
            .into(),
        ]);
        let scheduled = pledge(vec![
            pledge_made("pl-sched", Some(("100", Currency::EUR)), &[]).into(),
            crate::pledge::PledgeCommitted {
                pledge_id: PledgeId::new_unchecked("pl-sched"),
                committed_on: None,
            }
            .into(),
            TranchesSet {
                pledge_id: PledgeId::new_unchecked("pl-sched"),
                tranches: vec![Tranche {
                    due_on: date("2024-06-01"),
                    amount: dec("60"),
                }],
                reason: None,
            }
            .into(),
        ]);
        let gift = pledge(vec![
            crate::pledge::PledgeMade {
                kind: ContributionKind::InKind,
                pledged_on: None,
                ..pledge_made("pl-gift", None, &[])
            }
            .into(),
        ]);
        let support = pledge(vec![
            crate::pledge::PledgeMade {
                kind: ContributionKind::Technical,
                ..pledge_made("pl-support", None, &[])
            }
            .into(),
        ]);
        let proposal = Proposal {
            id: ProposalId::new_unchecked("pr-1"),
            applicant_id: crate::ids::OrganisationId::new_unchecked("cnltp"),
            donor_id: crate::ids::OrganisationId::new_unchecked("giz"),
            title: "t".into(),
            requested: None,
            status: ProposalStatus::Submitted,
            themes: vec![],
            priority_ids: vec![],
            submitted_on: Some(date("2024-05-01")),
            decided_on: None,
            source: None,
        };
        let step = NextStep {
            id: NextStepId::new_unchecked("ns-4"),
            roadmap_id: RoadmapId::new_unchecked("civ-2023"),
            rank: 4,
            title: "Capter des financements".into(),
            status: None,
            status_on: None,
            target_month: Some("2024-06".into()),
            target: None,
            source: None,
        };
        let priority = Priority {
            id: PriorityId::new_unchecked("civ-2023-p1"),
            roadmap_id: RoadmapId::new_unchecked("civ-2023"),
            rank: 1,
            title: "t".into(),
            requirement: None,
            source: None,
        };
        let action = |id: &str, due: &str, status: ActionStatus| Action {
            id: crate::ids::ActionId::new_unchecked(id),
            roadmap_id: RoadmapId::new_unchecked("civ-2023"),
            title: "t".into(),
            owner: Some("officer-awa".into()),
            due_on: Some(date(due)),
            status,
            about: None,
            note: None,
            source: None,
            history: vec![],
        };
        // Due in 14 days, late, done, due in 15 days: the first two come.
        let actions = [
            action("a-soon", "2024-07-15", ActionStatus::Planned),
            action("a-late", "2024-06-20", ActionStatus::InProgress),
            action("a-done", "2024-06-20", ActionStatus::Done),
            action("a-later", "2024-07-16", ActionStatus::Planned),
        ];
        let watches: Vec<PledgeWatch> = [&announced, &scheduled, &gift, &support]
            .into_iter()
            .filter_map(PledgeWatch::of)
            .collect();
        assert_eq!(watches.len(), 4, "each of them can be listed");
        let pledges: Vec<&PledgeWatch> = watches.iter().collect();
        let actions: Vec<&Action> = actions.iter().collect();
        let records = Records {
            pledges: &pledges,
            proposals: &[&proposal],
            next_steps: &[&step],
            prospects: &[],
            priorities: &[&priority],
            actions: &actions,
        };
        let list = worklist(records, today, Ageing::default());
        let kinds: Vec<(WorkKind, &str)> = list
            .iter()
            .map(|w| (w.kind, w.record_id.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (WorkKind::OverdueTranche, "pl-sched"),
                (WorkKind::AgeingPledge, "pl-support"),
                (WorkKind::AgeingPledge, "pl-old"),
                (WorkKind::NextStepDue, "ns-4"),
                (WorkKind::ActionDue, "a-late"),
                (WorkKind::ActionDue, "a-soon"),
                (WorkKind::UnvaluedContribution, "pl-gift"),
                (WorkKind::UnknownDate, "pl-gift"),
                (WorkKind::NoRequirement, "civ-2023-p1"),
            ],
            "the proposal is 61 days old (not yet 90); technical support ages but is not to be valued"
        );
        assert_eq!(list[0].amount.unwrap().amount, dec("60"));
        assert_eq!(list[0].days_late, Some(30));
        assert_eq!(
            list[2].due_on,
            Some(date("2024-04-14")),
            "90 days after 15 January"
        );
        assert_eq!(list[3].due_on, Some(date("2024-06-30")));
        assert_eq!(list[3].days_late, Some(1));
        assert_eq!(list[4].days_late, Some(11));
        assert_eq!(list[5].days_late, Some(-14));
        assert_eq!(list[5].owner.as_deref(), Some("officer-awa"));
        let counted = counts(&list);
        assert_eq!(counted[1], (WorkKind::AgeingPledge, 2));
        assert_eq!(counted[5], (WorkKind::ActionDue, 2));
    }

    #[test]
    fn a_pledge_that_no_day_can_list_has_no_watch() {
        // Valued, dated, committed, no schedule: nothing to chase, ever.
        let settled = pledge(vec![
            pledge_made("pl-ok", Some(("100", Currency::EUR)), &[]).into(),
            crate::pledge::PledgeCommitted {
                pledge_id: PledgeId::new_unchecked("pl-ok"),
                committed_on: None,
            }
            .into(),
        ]);
        assert_eq!(PledgeWatch::of(&settled), None);
        let cancelled = pledge(vec![
            crate::pledge::PledgeMade {
                pledged_on: None,
                ..pledge_made("pl-x", None, &[])
            }
            .into(),
            crate::pledge::PledgeCancelled {
                pledge_id: PledgeId::new_unchecked("pl-x"),
                cancelled_on: date("2024-01-01"),
                reason: "withdrawn".into(),
            }
            .into(),
        ]);
        assert_eq!(
            PledgeWatch::of(&cancelled),
            None,
            "a cancelled pledge is never chased"
        );
    }

    #[test]
    fn a_target_month_ends_on_its_last_day() {
        assert_eq!(month_end("2024-02"), Some(date("2024-02-29")));
        assert_eq!(month_end("2023-12"), Some(date("2023-12-31")));
        assert_eq!(month_end("2023-13"), None);
    }
}
