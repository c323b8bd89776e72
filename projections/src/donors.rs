//! `donorMap(roadmapId, theme, kind)`.
//!
//! Who is on the map (decisions):
//! - the **donor** of every pledge on the roadmap (any status: a donor whose
//!   pledges were all cancelled still pledged, with zero figures);
//! - the **donor** of every proposal "to" the roadmap (the organisation asked
//!   for money; the applicant is a recipient and is not listed for it);
//! - **every party** of every partnership on the roadmap.
//!
//! A proposal or partnership is on the roadmap when one of its priorities
//! belongs to it, or when a pledge on the roadmap names it (`proposalId`,
//! `partnershipId`). One without priorities and without such a pledge is on
//! no roadmap: it appears only in the map without `roadmapId` (all roadmaps).
//!
//! With `theme`, only pledges, proposals and partnerships carrying that theme
//! count, for membership and figures alike. `kind` filters organisations.
//! Figures are the current ones (no `asOf`/`on`), in the reporting currency
//! (the query's, else the roadmap's; without a roadmap the one all roadmaps
//! share, else EUR), converted as in [`crate::funding`]. Ordered by committed,
//! largest first, then by name, then id.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use fundtrail_domain::enums::{OrganisationKind, Theme};
use fundtrail_domain::money::{Currency, Money, round_to_minor};
use rust_decimal::Decimal;

use crate::ReadModel;
use crate::entities::NONE;
use crate::funding::{Converter, FundingError, view_pledge};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonorMapQuery {
    pub roadmap_id: Option<String>,
    pub theme: Option<Theme>,
    pub kind: Option<OrganisationKind>,
    /// Reporting currency (see the module doc for the default).
    pub currency: Option<Currency>,
    /// Date of conversion for amounts without a value date.
    pub today: NaiveDate,
    /// Whose money a pledge in a funding chain carries ([`crate::chains`]).
    pub attribution: crate::chains::Attribution,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonorSummary {
    pub organisation_id: String,
    pub name: String,
    pub pledged: Money,
    pub committed: Money,
    pub disbursed: Money,
    /// Unvalued pledges (never summed as zero).
    pub unvalued_count: u32,
    /// Priority ids (of the roadmap when one is given), sorted.
    pub priorities: Vec<String>,
    pub themes: Vec<Theme>,
    pub partnerships: Vec<String>,
    pub proposals: Vec<String>,
}

#[derive(Default)]
struct Acc {
    pledged: Decimal,
    committed: Decimal,
    disbursed: Decimal,
    unvalued: u32,
    priorities: BTreeSet<u32>,
    themes: BTreeSet<Theme>,
    partnerships: BTreeSet<String>,
    proposals: BTreeSet<String>,
}

impl ReadModel {
    /// `donorMap`; see the module doc for who is listed.
    pub fn donor_map(&self, q: &DonorMapQuery) -> Result<Vec<DonorSummary>, FundingError> {
        let ent = &self.ent;
        let scope: Vec<u32> = match &q.roadmap_id {
            Some(id) => {
                let i = ent
                    .roadmaps
                    .idx(id)
                    .filter(|i| ent.roadmaps.get(*i).state.exists())
                    .ok_or_else(|| FundingError::RoadmapNotFound(id.clone()))?;
                vec![i]
            }
            None => ent.roadmap_indexes(),
        };
        let currencies: BTreeSet<Currency> = scope
            .iter()
            .filter_map(|i| {
                ent.roadmaps
                    .get(*i)
                    .state
                    .entity
                    .as_ref()
                    .map(|r| r.currency)
            })
            .collect();
        let to = q.currency.unwrap_or_else(|| match currencies.len() {
            1 => currencies.into_iter().next().unwrap_or(Currency::EUR),
            _ => Currency::EUR,
        });
        let whole_ledger = q.roadmap_id.is_none();
        let in_scope_prio =
            |p: u32| whole_ledger || (p != NONE && scope.contains(&ent.priorities.get(p).roadmap));
        let has_theme = |themes: &[Theme]| q.theme.is_none_or(|t| themes.contains(&t));
        let mut conv = Converter::new(&self.rates, to, q.today);
        let mut accs: HashMap<u32, Acc> = HashMap::new();
        let mut linked_proposals: HashSet<&str> = HashSet::new();
        let mut linked_partnerships: HashSet<&str> = HashSet::new();
        let mut decoded = crate::timeline::Decoded::default();

        for &ri in &scope {
            for &pi in &ent.roadmaps.get(ri).pledges {
                let pr = ent.pledges.get(pi);
                if !pr.exists() || !has_theme(&pr.themes) {
                    continue;
                }
                if let Some(x) = pr.proposal_id() {
                    linked_proposals.insert(x);
                }
                if let Some(x) = pr.partnership_id() {
                    linked_partnerships.insert(x);
                }
                let chained = ent.chains.touches(pi);
                if pr.donor == NONE && !chained {
                    continue; // no donor stated: nobody to map
                }
                let d = decoded.decode(&pr.timeline, &ent.currencies);
                let Some(mut v) = view_pledge(d, pr.donor, u64::MAX, None) else {
                    if pr.donor != NONE {
                        // cancelled: listed, nothing summed
                        accs.entry(pr.donor)
                            .or_default()
                            .themes
                            .extend(pr.themes.iter().copied());
                    }
                    continue;
                };
                if pr.donor != NONE {
                    let acc = accs.entry(pr.donor).or_default();
                    acc.themes.extend(pr.themes.iter().copied());
                    acc.priorities.extend(
                        v.allocations
                            .iter()
                            .map(|a| a.0)
                            .chain(v.priorities.iter().copied()),
                    );
                }
                let Some(amount) = v.amount else {
                    if pr.donor != NONE {
                        accs.entry(pr.donor).or_default().unvalued += 1;
                    }
                    continue;
                };
                // Money is counted once, where it lands ([`crate::chains`]).
                if chained
                    && !crate::chains::keep(
                        &mut v,
                        crate::chains::passed_on(ent, pi, u64::MAX, None),
                    )
                {
                    continue;
                }
                let sources = match q.attribution {
                    crate::chains::Attribution::OriginalSource if chained => {
                        crate::chains::sources(ent, pi, u64::MAX, None)
                    }
                    _ => vec![(pr.donor, Decimal::ONE)],
                };
                let whole = [(NONE, amount.amount)];
                let items = if v.allocations.is_empty() {
                    &whole[..]
                } else {
                    &v.allocations
                };
                let committed_on = v.committed.map(|c| match (c, v.amount_on) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                });
                let mut add = |x: Decimal, f: fn(&mut Acc) -> &mut Decimal| {
                    for (donor, y) in crate::chains::split_over(x, &sources, to) {
                        if donor != NONE {
                            *f(accs.entry(donor).or_default()) += y;
                        }
                    }
                };
                for (_, a) in items.iter() {
                    add(conv.convert(*a, amount.currency, v.amount_on)?, |a| {
                        &mut a.pledged
                    });
                    if let Some(d) = committed_on {
                        add(conv.convert(*a, amount.currency, d)?, |a| &mut a.committed);
                    }
                }
                for (c, shares, d) in &v.disbursements {
                    for (_, a) in shares.iter() {
                        add(conv.convert(*a, *c, *d)?, |a| &mut a.disbursed);
                    }
                }
            }
        }

        // The priorities (in scope) a proposal or partnership names.
        let scoped = |ids: &[fundtrail_domain::PriorityId]| -> Vec<u32> {
            ids.iter()
                .filter_map(|x| ent.priorities.idx(x.as_str()))
                .filter(|x| in_scope_prio(*x))
                .collect()
        };

        for (_, s) in ent.proposals.iter() {
            let Some(p) = s.entity.as_ref() else { continue };
            let prios = scoped(&p.priority_ids);
            let on_map =
                whole_ledger || !prios.is_empty() || linked_proposals.contains(p.id.as_str());
            if !on_map || !has_theme(&p.themes) {
                continue;
            }
            let Some(d) = ent.organisations.idx(p.donor_id.as_str()) else {
                continue;
            };
            let acc = accs.entry(d).or_default();
            acc.proposals.insert(p.id.as_str().to_owned());
            acc.priorities.extend(prios);
            acc.themes.extend(p.themes.iter().copied());
        }

        for (_, s) in ent.partnerships.iter() {
            let Some(p) = s.entity.as_ref() else { continue };
            let prios = scoped(&p.priority_ids);
            let on_map =
                whole_ledger || !prios.is_empty() || linked_partnerships.contains(p.id.as_str());
            if !on_map || !has_theme(&p.themes) {
                continue;
            }
            for party in &p.party_ids {
                let Some(o) = ent.organisations.idx(party.as_str()) else {
                    continue;
                };
                let acc = accs.entry(o).or_default();
                acc.partnerships.insert(p.id.as_str().to_owned());
                acc.priorities.extend(prios.iter().copied());
                acc.themes.extend(p.themes.iter().copied());
            }
        }

        let mut out: Vec<(Decimal, DonorSummary)> = accs
            .into_iter()
            .filter_map(|(o, acc)| {
                let org = ent.organisations.get(o).state.entity.as_ref()?;
                if q.kind.is_some_and(|k| k != org.kind) {
                    return None;
                }
                let m = |x: Decimal| Money::new(round_to_minor(x, to), to);
                let summary = DonorSummary {
                    organisation_id: org.id.as_str().to_owned(),
                    name: org.name.clone(),
                    pledged: m(acc.pledged),
                    committed: m(acc.committed),
                    disbursed: m(acc.disbursed),
                    unvalued_count: acc.unvalued,
                    priorities: acc
                        .priorities
                        .into_iter()
                        .filter(|p| *p != NONE && in_scope_prio(*p))
                        .filter_map(|p| ent.priorities.id_of(p).map(str::to_owned))
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect(),
                    themes: acc.themes.into_iter().collect(),
                    partnerships: acc.partnerships.into_iter().collect(),
                    proposals: acc.proposals.into_iter().collect(),
                };
                Some((acc.committed, summary))
            })
            .collect();
        out.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| a.1.name.cmp(&b.1.name))
                .then_with(|| a.1.organisation_id.cmp(&b.1.organisation_id))
        });
        Ok(out.into_iter().map(|(_, s)| s).collect())
    }
}
