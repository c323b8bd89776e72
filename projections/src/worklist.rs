//! The worklist's records gathered from the read models (`fundtrail_domain::worklist`
//! holds the rule): one roadmap's, or every roadmap's, and optionally only
//! one principal's lines.

use std::sync::Arc;

use chrono::NaiveDate;
use fundtrail_domain::action::Action;
use fundtrail_domain::next_step::NextStep;
use fundtrail_domain::priority::Priority;
use fundtrail_domain::proposal::Proposal;
use fundtrail_domain::prospect::Prospect;
use fundtrail_domain::worklist::{Ageing, PledgeWatch, RecordKind, Records, WorkItem, worklist};

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

/// Each pledge's [`PledgeWatch`], by pledge slot, with the pledge version
/// it was built from: rebuilt only for pledges that changed since, so the
/// list on a day does not rebuild every pledge (left out of snapshots).
#[derive(Debug, Default)]
pub(crate) struct Watches {
    slots: Vec<(u64, Option<Arc<PledgeWatch>>)>,
    /// Each roadmap's list as last made. A list changes only when an event
    /// is applied or the day turns.
    lists: std::collections::HashMap<Box<str>, KeptList>,
}

/// A list as made at (log position, day).
#[derive(Debug)]
struct KeptList {
    position: u64,
    day: NaiveDate,
    list: Arc<Vec<WorkItem>>,
}

impl ReadModel {
    /// The watches of the pledges in `slots`, brought up to date.
    fn pledge_watches(&self, slots: impl Iterator<Item = u32>) -> Vec<Arc<PledgeWatch>> {
        let mut cache = self.watches.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        for i in slots {
            let rec = self.ent.pledges.get(i);
            if !rec.exists() {
                continue;
            }
            let at = i as usize;
            if cache.slots.len() <= at {
                cache.slots.resize(at + 1, (0, None));
            }
            let slot = &mut cache.slots[at];
            if slot.0 != rec.version {
                let watch = self.ent.pledge_state(i).as_ref().and_then(PledgeWatch::of);
                *slot = (rec.version, watch.map(Arc::new));
            }
            if let Some(w) = &slot.1 {
                out.push(w.clone());
            }
        }
        out
    }

    /// The worklist on `today` (see `fundtrail_domain::worklist` for the
    /// rule): each roadmap's with its own ageing (`setAgeing`); every
    /// roadmap's together, with the proposals that name no priority (no
    /// roadmap's; default ageing), when no roadmap is asked.
    pub fn worklist(&self, filter: Filter<'_>, today: NaiveDate) -> Vec<WorkItem> {
        Arc::unwrap_or_clone(self.worklist_shared(filter, today))
    }

    /// [`worklist`](Self::worklist), shared: a roadmap's list (without an
    /// owner) is kept until an event is applied or the day turns.
    pub fn worklist_shared(&self, filter: Filter<'_>, today: NaiveDate) -> Arc<Vec<WorkItem>> {
        let mut items = match filter.roadmap {
            Some(r) => {
                let list = self.roadmap_list(r, today);
                if filter.owner.is_none() {
                    return list;
                }
                Arc::unwrap_or_clone(list)
            }
            None => {
                let mut all = Vec::new();
                for (i, _) in self.ent.roadmaps.iter() {
                    if let Some(r) = self.ent.roadmaps.id_of(i) {
                        all.extend(self.roadmap_list(r, today).iter().cloned());
                    }
                }
                all.extend(self.roadmap_worklist(None, today));
                fundtrail_domain::worklist::order(&mut all);
                all
            }
        };
        if let Some(owner) = filter.owner {
            items.retain(|i| i.owner.as_deref() == Some(owner));
        }
        Arc::new(items)
    }

    /// One roadmap's list, kept (see [`Watches::lists`]).
    fn roadmap_list(&self, roadmap: &str, today: NaiveDate) -> Arc<Vec<WorkItem>> {
        let at = self.position();
        {
            let cache = self.watches.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(kept) = cache.lists.get(roadmap)
                && kept.position == at
                && kept.day == today
            {
                return kept.list.clone();
            }
        }
        let list = Arc::new(self.roadmap_worklist(Some(roadmap), today));
        let mut cache = self.watches.lock().unwrap_or_else(|p| p.into_inner());
        cache.lists.insert(
            roadmap.into(),
            KeptList {
                position: at,
                day: today,
                list: list.clone(),
            },
        );
        list
    }

    /// One roadmap's list, with its ageing; `None`: the proposals that name
    /// no priority, with the default ageing.
    fn roadmap_worklist(&self, roadmap: Option<&str>, today: NaiveDate) -> Vec<WorkItem> {
        let model = self;
        let Some(r) = roadmap else {
            let all = model.proposals(None, None, None);
            let proposals: Vec<&Proposal> = all
                .iter()
                .map(|p| &**p)
                .filter(|p| p.priority_ids.is_empty())
                .collect();
            let records = Records {
                proposals: &proposals,
                ..Records::default()
            };
            return worklist(records, today, Ageing::default());
        };
        let Some(rec) = model.ent.roadmaps.by_id(r) else {
            return Vec::new();
        };
        let ageing = rec
            .state
            .entity
            .as_ref()
            .map_or_else(Ageing::default, |x| x.ageing);
        let watches = self.pledge_watches(rec.pledges.iter().copied());
        let pledges: Vec<&PledgeWatch> = watches.iter().map(|w| &**w).collect();
        let all_proposals = model.proposals(None, None, None);
        let proposals: Vec<&Proposal> = all_proposals
            .iter()
            .map(|p| &**p)
            .filter(|p| {
                p.priority_ids.iter().any(|id| {
                    model
                        .priority(id.as_str())
                        .is_some_and(|x| x.roadmap_id.as_str() == r)
                })
            })
            .collect();
        let steps = model.next_steps(r);
        let next_steps: Vec<&NextStep> = steps.iter().map(|s| &**s).collect();
        let all_prospects = model.prospects(Some(r), None);
        let prospects: Vec<&Prospect> = all_prospects.iter().map(|p| &**p).collect();
        let prios = model.roadmap_priorities(r);
        let priorities: Vec<&Priority> = prios.iter().map(|p| &**p).collect();
        let all_actions = model.actions(&crate::ActionFilter {
            roadmap: Some(r),
            ..Default::default()
        });
        let actions: Vec<&Action> = all_actions.iter().map(|a| &**a).collect();
        let records = Records {
            pledges: &pledges,
            proposals: &proposals,
            next_steps: &next_steps,
            prospects: &prospects,
            priorities: &priorities,
            actions: &actions,
        };
        worklist(records, today, ageing)
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
        let found =
            match item.record {
                // From the compact record: no pledge is rebuilt for its title.
                RecordKind::Pledge => self.ent.pledges.by_id(id).filter(|r| r.exists()).map(|r| {
                    match r.extra.as_ref().and_then(|x| x.description.as_deref()) {
                        Some(d) => d.to_owned(),
                        None => match self.ent.organisations.id_of(r.donor) {
                            Some(d) if r.donor != crate::entities::NONE => org(d),
                            _ => id.to_owned(),
                        },
                    }
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
