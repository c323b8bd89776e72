//! The worklist's records gathered from the read models (`fundtrail_domain::worklist`
//! holds the rule): one roadmap's, or every roadmap's, and optionally only
//! one principal's lines.

use chrono::NaiveDate;
use fundtrail_domain::action::Action;
use fundtrail_domain::next_step::NextStep;
use fundtrail_domain::pledge::Pledge;
use fundtrail_domain::priority::Priority;
use fundtrail_domain::proposal::Proposal;
use fundtrail_domain::prospect::Prospect;
use fundtrail_domain::worklist::{Ageing, RecordKind, Records, WorkItem, worklist};

use crate::ReadModel;

/// Whose and which roadmap's work.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    /// One roadmap's records (proposals: those naming one of its
    /// priorities); every roadmap's when absent.
    pub roadmap: Option<&'a str>,
    /// Only the lines this principal follows (a prospect's or an action's
    /// owner).
    pub owner: Option<&'a str>,
}

impl ReadModel {
    /// The worklist on `today` (see `fundtrail_domain::worklist` for the rule).
    pub fn worklist(&self, filter: Filter<'_>, today: NaiveDate) -> Vec<WorkItem> {
        let model = self;
        let roadmaps: Vec<String> = match filter.roadmap {
            Some(r) => vec![r.to_owned()],
            None => model
                .roadmaps()
                .iter()
                .map(|r| r.id.as_str().to_owned())
                .collect(),
        };
        let pledges: Vec<Pledge> = model
            .pledges(filter.roadmap, None, None)
            .iter()
            .map(|p| Pledge::clone(p))
            .collect();
        let in_roadmap = |p: &Proposal| match filter.roadmap {
            None => true,
            Some(r) => p.priority_ids.iter().any(|id| {
                model
                    .priority(id.as_str())
                    .is_some_and(|x| x.roadmap_id.as_str() == r)
            }),
        };
        let proposals: Vec<Proposal> = model
            .proposals(None, None, None)
            .iter()
            .filter(|p| in_roadmap(p))
            .map(|p| Proposal::clone(p))
            .collect();
        let next_steps: Vec<NextStep> = roadmaps
            .iter()
            .flat_map(|r| model.next_steps(r))
            .map(|s| NextStep::clone(&s))
            .collect();
        let prospects: Vec<Prospect> = model
            .prospects(filter.roadmap, None)
            .iter()
            .map(|p| Prospect::clone(p))
            .collect();
        let priorities: Vec<Priority> = roadmaps
            .iter()
            .flat_map(|r| model.roadmap_priorities(r))
            .map(|p| Priority::clone(&p))
            .collect();
        let actions: Vec<Action> = model
            .actions(&crate::ActionFilter {
                roadmap: filter.roadmap,
                ..Default::default()
            })
            .iter()
            .map(|a| Action::clone(a))
            .collect();
        let records = Records {
            pledges: &pledges,
            proposals: &proposals,
            next_steps: &next_steps,
            prospects: &prospects,
            priorities: &priorities,
            actions: &actions,
        };
        let mut items = worklist(records, today, Ageing::default());
        if let Some(owner) = filter.owner {
            items.retain(|i| i.owner.as_deref() == Some(owner));
        }
        items
    }

    /// What a worklist line is about, in the record's own words: a
    /// contribution's description (else its donor's name), a proposal's, a
    /// next step's or a priority's title, a prospect's organisation (else
    /// its name).
    pub fn work_title(&self, item: &WorkItem) -> String {
        let id = item.record_id.as_str();
        let org = |o: &str| {
            self.organisation(o)
                .map_or_else(|| o.to_owned(), |x| x.name.clone())
        };
        let found = match item.record {
            RecordKind::Pledge => self.pledge(id).map(|p| {
                p.description.clone().unwrap_or_else(|| {
                    p.donor_id
                        .as_ref()
                        .map_or_else(|| id.to_owned(), |d| org(d.as_str()))
                })
            }),
            RecordKind::Proposal => self.proposal(id).map(|p| p.title.clone()),
            RecordKind::NextStep => self.next_step(id).map(|s| s.title.clone()),
            RecordKind::Prospect => self.prospect(id).map(|p| match &p.organisation_id {
                Some(o) => org(o.as_str()),
                None => p.name.clone().unwrap_or_else(|| id.to_owned()),
            }),
            RecordKind::Priority => self.priority(id).map(|p| p.title.clone()),
            RecordKind::Action => self.action(id).map(|a| a.title.clone()),
        };
        found.unwrap_or_else(|| id.to_owned())
    }
}
