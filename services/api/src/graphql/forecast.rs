//! `forecast(roadmapId!, currency)` (issue #14): per priority and quarter,
//! what the committed tranches bring beside what was disbursed, in the
//! reporting currency. The rule is `fundtrail_projections::forecast`'s.

use async_graphql::{Context, ID, Object, Result};
use fundtrail_projections::forecast;

use super::errors::funding_error;
use super::objects::{Money, Priority, Roadmap, find_priority, find_roadmap, state};
use super::scalars::{Currency, Date, Decimal};

/// One quarter of a forecast line.
pub struct ForecastQuarter(forecast::QuarterFigures);

#[Object]
impl ForecastQuarter {
    /// `2024-Q1`.
    async fn quarter(&self) -> String {
        self.0.quarter.to_string()
    }
    /// The quarter's first day.
    async fn start(&self) -> Date {
        Date(self.0.quarter.start())
    }
    /// What the committed tranches due in the quarter bring.
    async fn expected(&self) -> Money {
        self.0.expected.into()
    }
    /// What was disbursed in the quarter.
    async fn disbursed(&self) -> Money {
        self.0.disbursed.into()
    }
    async fn expected_to_date(&self) -> Money {
        self.0.expected_to_date.into()
    }
    async fn disbursed_to_date(&self) -> Money {
        self.0.disbursed_to_date.into()
    }
    /// `expectedToDate / required` (4 places); null without a requirement.
    async fn coverage(&self) -> Option<Decimal> {
        self.0.coverage.map(Decimal)
    }
}

/// A priority's forecast (or the unallocated money's, or the total).
pub struct ForecastLine(forecast::ForecastLine);

#[Object]
impl ForecastLine {
    /// Null for the unallocated line and the total.
    async fn priority(&self, ctx: &Context<'_>) -> Option<Priority> {
        find_priority(ctx, self.0.priority_id.as_deref()?)
    }
    /// The latest funding requirement; null when none is set.
    async fn required(&self) -> Option<Money> {
        self.0.required.map(Into::into)
    }
    /// From the first to the last quarter with a figure.
    async fn quarters(&self) -> Vec<ForecastQuarter> {
        self.0
            .quarters
            .iter()
            .cloned()
            .map(ForecastQuarter)
            .collect()
    }
    /// Disbursed on dates the records do not state (in no quarter).
    async fn disbursed_undated(&self) -> Money {
        self.0.disbursed_undated.into()
    }
    /// All the tranches expected.
    async fn expected(&self) -> Money {
        self.0.expected.into()
    }
    /// All disbursed (the quarters and the undated part): the same figure
    /// as `fundingByPriority`'s `disbursed`.
    async fn disbursed(&self) -> Money {
        self.0.disbursed.into()
    }
    /// Pledges with no value touching the line (counted, never summed).
    async fn unvalued_count(&self) -> i32 {
        i32::try_from(self.0.unvalued_count).unwrap_or(i32::MAX)
    }
}

pub struct Forecast(std::sync::Arc<forecast::Forecast>);

#[Object]
impl Forecast {
    async fn roadmap(&self, ctx: &Context<'_>) -> Option<Roadmap> {
        find_roadmap(ctx, &self.0.roadmap_id)
    }
    async fn currency(&self) -> Currency {
        Currency(self.0.currency)
    }
    async fn priorities(&self) -> Vec<ForecastLine> {
        self.0
            .priorities
            .iter()
            .cloned()
            .map(ForecastLine)
            .collect()
    }
    async fn unallocated(&self) -> ForecastLine {
        ForecastLine(self.0.unallocated.clone())
    }
    async fn total(&self) -> ForecastLine {
        ForecastLine(self.0.total.clone())
    }
}

#[derive(Default)]
pub struct ForecastQuery;

#[Object]
impl ForecastQuery {
    /// Per priority and quarter: the committed tranches expected beside what
    /// was disbursed, in `currency` (the roadmap's when absent), on the
    /// server's clock (`docs/resource-mobilisation.md`).
    async fn forecast(
        &self,
        ctx: &Context<'_>,
        roadmap_id: ID,
        currency: Option<Currency>,
    ) -> Result<Forecast> {
        let today = state(ctx).clock().today();
        state(ctx)
            .read()
            .forecast_shared(&roadmap_id, currency.map(|c| c.0), today)
            .map(Forecast)
            .map_err(funding_error)
    }
}
