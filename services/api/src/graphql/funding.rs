//! `fundingByPriority`, `donorMap` and `auditTrail` answers.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject};
use fundtrail_projections as projections;

use super::enums::{Theme, from_domain};
use super::objects::{
    AuditEntry, Money, Organisation, Partnership, Priority, Proposal, Roadmap, find_organisation,
    find_priority, find_roadmap, state,
};
use super::scalars::{Currency, Date, Decimal};

/// Which line of a roadmap's figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Line {
    Priority(usize),
    Unallocated,
    Total,
}

/// Figures of one line, in the reporting currency. Lines share the answer
/// they come from: nothing is copied until a field is asked for.
#[derive(Clone, Debug)]
pub struct FundingLine {
    funding: Arc<projections::RoadmapFunding>,
    line: Line,
}

impl FundingLine {
    fn line(&self) -> &projections::FundingLine {
        match self.line {
            Line::Priority(i) => &self.funding.priorities[i].line,
            Line::Unallocated => &self.funding.unallocated,
            Line::Total => &self.funding.total,
        }
    }
}

#[Object]
impl FundingLine {
    /// The latest funding requirement (null when none).
    async fn required(&self) -> Option<Money> {
        self.line().required.map(Money::from)
    }
    /// Allocations of every pledge not cancelled (announcements: shown apart).
    async fn pledged(&self) -> Money {
        self.line().pledged.into()
    }
    /// Allocations of pledges committed or further.
    async fn committed(&self) -> Money {
        self.line().committed.into()
    }
    /// Disbursement shares.
    async fn disbursed(&self) -> Money {
        self.line().disbursed.into()
    }
    /// max(required - committed, 0); null when required is null.
    async fn gap(&self) -> Option<Money> {
        self.line().gap.map(Money::from)
    }
    /// committed / required, half-to-even to 4 places; null when required is null or zero.
    async fn coverage(&self) -> Option<Decimal> {
        self.line().coverage.map(Decimal)
    }
    /// Pledges without a reported value: counted here, never summed as zero.
    async fn unvalued_count(&self) -> i32 {
        i32::try_from(self.line().unvalued_count).unwrap_or(i32::MAX)
    }
    /// With `on`: pledges with a fact left out because its value date is unknown.
    async fn undated_count(&self) -> i32 {
        i32::try_from(self.line().undated_count).unwrap_or(i32::MAX)
    }
    /// True when the figures leave contributions out (unvalued, or undated
    /// with `on`): committed and coverage are then minimums ("at least"),
    /// the gap a maximum.
    async fn is_lower_bound(&self) -> bool {
        self.line().is_lower_bound()
    }
    async fn donors(&self) -> Vec<DonorFunding> {
        (0..self.line().donors.len())
            .map(|index| DonorFunding {
                line: self.clone(),
                index,
            })
            .collect()
    }
}

/// One priority's line: the priority, then every field of `FundingLine`.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct PriorityFunding {
    #[graphql(flatten)]
    pub line: FundingLine,
}

#[ComplexObject]
impl PriorityFunding {
    async fn priority(&self, ctx: &Context<'_>) -> Option<Priority> {
        let Line::Priority(i) = self.line.line else {
            return None;
        };
        find_priority(ctx, &self.line.funding.priorities[i].priority_id)
    }
}

#[derive(Clone, Debug)]
pub struct DonorFunding {
    line: FundingLine,
    index: usize,
}

impl DonorFunding {
    fn donor(&self) -> &projections::DonorFunding {
        &self.line.line().donors[self.index]
    }
}

#[Object]
impl DonorFunding {
    async fn organisation(&self, ctx: &Context<'_>) -> Option<Organisation> {
        find_organisation(ctx, &self.donor().organisation_id)
    }
    async fn pledged(&self) -> Money {
        self.donor().pledged.into()
    }
    async fn committed(&self) -> Money {
        self.donor().committed.into()
    }
    async fn disbursed(&self) -> Money {
        self.donor().disbursed.into()
    }
    async fn unvalued_count(&self) -> i32 {
        i32::try_from(self.donor().unvalued_count).unwrap_or(i32::MAX)
    }
}

#[derive(Clone, Debug)]
pub struct RoadmapFunding(pub Arc<projections::RoadmapFunding>);

impl RoadmapFunding {
    fn line(&self, line: Line) -> FundingLine {
        FundingLine {
            funding: self.0.clone(),
            line,
        }
    }
}

#[Object]
impl RoadmapFunding {
    async fn roadmap(&self, ctx: &Context<'_>) -> Option<Roadmap> {
        find_roadmap(ctx, &self.0.roadmap_id)
    }
    async fn currency(&self) -> Currency {
        Currency(self.0.currency)
    }
    /// The last log position these figures take into account (the `asOf` cut).
    async fn position(&self) -> String {
        self.0.position.to_string()
    }
    /// The value date the figures are for, when one was asked.
    async fn on(&self) -> Option<Date> {
        self.0.on.map(Date)
    }
    async fn priorities(&self) -> Vec<PriorityFunding> {
        (0..self.0.priorities.len())
            .map(|i| PriorityFunding {
                line: self.line(Line::Priority(i)),
            })
            .collect()
    }
    async fn unallocated(&self) -> FundingLine {
        self.line(Line::Unallocated)
    }
    async fn total(&self) -> FundingLine {
        self.line(Line::Total)
    }
}

#[derive(Clone, Debug)]
pub struct DonorSummary(pub projections::DonorSummary);

#[Object]
impl DonorSummary {
    async fn organisation(&self, ctx: &Context<'_>) -> Option<Organisation> {
        find_organisation(ctx, &self.0.organisation_id)
    }
    async fn pledged(&self) -> Money {
        self.0.pledged.into()
    }
    async fn committed(&self) -> Money {
        self.0.committed.into()
    }
    async fn disbursed(&self) -> Money {
        self.0.disbursed.into()
    }
    async fn unvalued_count(&self) -> i32 {
        i32::try_from(self.0.unvalued_count).unwrap_or(i32::MAX)
    }
    async fn priorities(&self, ctx: &Context<'_>) -> Vec<Priority> {
        self.0
            .priorities
            .iter()
            .filter_map(|id| find_priority(ctx, id))
            .collect()
    }
    async fn themes(&self) -> Vec<Theme> {
        from_domain(&self.0.themes)
    }
    async fn partnerships(&self, ctx: &Context<'_>) -> Vec<Partnership> {
        let model = state(ctx).read();
        self.0
            .partnerships
            .iter()
            .filter_map(|id| model.partnership(id).map(Partnership::from))
            .collect()
    }
    async fn proposals(&self, ctx: &Context<'_>) -> Vec<Proposal> {
        let model = state(ctx).read();
        self.0
            .proposals
            .iter()
            .filter_map(|id| model.proposal(id).map(Proposal::from))
            .collect()
    }
}

// ---- auditTrail ----

#[derive(SimpleObject, Clone, Debug)]
pub struct AuditEdge {
    pub cursor: String,
    pub node: AuditEntry,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct AuditConnection {
    pub total_count: i32,
    pub edges: Vec<AuditEdge>,
    pub page_info: PageInfo,
}

/// The id filter of `auditTrail` (a plain id names every entity kind with that id).
pub fn entity_filter(id: Option<ID>) -> Option<String> {
    id.map(|id| id.0)
}
