//! `worklist(roadmapId, principal)`: what to chase today (issue #14), as an
//! interface over the kinds of work. The rule is the domain's
//! (`fundtrail_domain::worklist`), read through `fundtrail_app::worklist`.

use async_graphql::{Context, Enum, ID, Interface, Object};
use fundtrail_domain::worklist::WorkItem as DomainItem;
use fundtrail_projections::ReadModel;

use super::objects::Money;
use super::scalars::Date;

/// The kinds of work, most urgent first.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "fundtrail_domain::worklist::WorkKind")]
pub enum WorkKind {
    /// A tranche due before today that the disbursements do not cover.
    OverdueTranche,
    /// An announcement not committed after the roadmap's ageing period
    /// (`Roadmap.ageing`, 90 days until set).
    AgeingPledge,
    /// A submitted proposal with no decision after the roadmap's ageing
    /// period (`Roadmap.ageing`, 90 days until set).
    AgeingProposal,
    /// A next step not achieved whose target month ends within 14 days or has ended.
    NextStepDue,
    /// A prospect whose expected decision date is within 14 days or past.
    DecisionDue,
    /// An action still to do whose due date is within 14 days or past.
    ActionDue,
    /// A cash or in-kind contribution with no value.
    UnvaluedContribution,
    /// A contribution with no date.
    UnknownDate,
    /// A priority with no funding requirement.
    NoRequirement,
}

/// What every line says: its kind, its record, and where to act on the web.
struct Line {
    kind: WorkKind,
    record_id: String,
    title: String,
    link: String,
    form: Option<String>,
    item: DomainItem,
}

macro_rules! work_object {
    ($(#[$m:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$m])*
        pub struct $name(Line);

        #[Object]
        impl $name {
            async fn kind(&self) -> WorkKind {
                self.0.kind
            }
            /// The record the line is about.
            async fn record_id(&self) -> ID {
                ID(self.0.record_id.clone())
            }
            /// The record's name or title.
            async fn title(&self) -> String {
                self.0.title.clone()
            }
            /// The record's page on the web.
            async fn link(&self) -> String {
                self.0.link.clone()
            }
            /// The web form that resolves it, when there is one.
            async fn form(&self) -> Option<String> {
                self.0.form.clone()
            }
            $($extra)*
        }
    };
}

work_object!(
    /// A tranche due before today and not covered in full.
    OverdueTranche {
        async fn due_on(&self) -> Option<Date> {
            self.0.item.due_on.map(Date)
        }
        /// Its uncovered part.
        async fn outstanding(&self) -> Option<Money> {
            self.0.item.amount.map(Money::from)
        }
        async fn days_late(&self) -> Option<i64> {
            self.0.item.days_late
        }
    }
);

work_object!(
    /// An announcement or a proposal waiting longer than its ageing period.
    AgeingRecord {
        /// The day it started ageing.
        async fn since(&self) -> Option<Date> {
            self.0.item.due_on.map(Date)
        }
        async fn days_late(&self) -> Option<i64> {
            self.0.item.days_late
        }
    }
);

work_object!(
    /// A date coming up or passed: a next step's target month, a prospect's
    /// expected decision.
    DueDate {
        async fn due_on(&self) -> Option<Date> {
            self.0.item.due_on.map(Date)
        }
        /// Positive: late by so many days; negative: due in so many.
        async fn days_late(&self) -> Option<i64> {
            self.0.item.days_late
        }
        async fn owner(&self) -> Option<String> {
            self.0.item.owner.clone()
        }
        /// What the prospect hopes for, when stated.
        async fn expected_amount(&self) -> Option<Money> {
            self.0.item.amount.map(Money::from)
        }
    }
);

work_object!(
    /// Data the records still lack (a value, a date, a requirement).
    DataToComplete {}
);

/// One line of the worklist.
// Several fields share a type; clippy reads the repeated `ty = "String"` as
// a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface)]
#[graphql(
    field(name = "kind", ty = "WorkKind"),
    field(name = "record_id", ty = "ID"),
    field(name = "title", ty = "String"),
    field(name = "link", ty = "String"),
    field(name = "form", ty = "Option<String>")
)]
pub enum WorkItem {
    OverdueTranche(OverdueTranche),
    AgeingRecord(AgeingRecord),
    DueDate(DueDate),
    DataToComplete(DataToComplete),
}

/// The lines for `filter` on `today`, of one `kind` when given, `first`
/// of them (all when `None`) after skipping `offset`: the whole list is
/// computed (its order needs it), only the page becomes objects.
pub fn lines(
    model: &ReadModel,
    filter: fundtrail_app::worklist::Filter<'_>,
    today: chrono::NaiveDate,
    page: Page,
) -> Vec<WorkItem> {
    use fundtrail_domain::worklist::WorkKind as K;
    fundtrail_app::worklist::work_shared(model, filter, today)
        .iter()
        .filter(|i| page.kind.is_none_or(|k| i.kind == k))
        .skip(page.offset)
        .take(page.first.unwrap_or(usize::MAX))
        .cloned()
        .map(|item| {
            let (link, form) = fundtrail_app::worklist::links(model, &item);
            let line = Line {
                kind: item.kind.into(),
                record_id: item.record_id.clone(),
                title: model.work_title(&item),
                link,
                form,
                item,
            };
            match line.item.kind {
                K::OverdueTranche => WorkItem::OverdueTranche(OverdueTranche(line)),
                K::AgeingPledge | K::AgeingProposal => WorkItem::AgeingRecord(AgeingRecord(line)),
                K::NextStepDue | K::DecisionDue | K::ActionDue => WorkItem::DueDate(DueDate(line)),
                K::UnvaluedContribution | K::UnknownDate | K::NoRequirement => {
                    WorkItem::DataToComplete(DataToComplete(line))
                }
            }
        })
        .collect()
}

/// Which part of the list: one kind, a page.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub kind: Option<fundtrail_domain::worklist::WorkKind>,
    pub offset: usize,
    pub first: Option<usize>,
}

/// `worklist(roadmapId, principal, kind, first, offset)`.
pub fn query(
    ctx: &Context<'_>,
    roadmap_id: Option<&str>,
    principal: Option<&str>,
    kind: Option<WorkKind>,
    first: Option<i32>,
    offset: Option<i32>,
) -> async_graphql::Result<Vec<WorkItem>> {
    use super::errors::count_arg;
    let page = Page {
        kind: kind.map(Into::into),
        first: count_arg("first", first)?,
        offset: count_arg("offset", offset)?.unwrap_or(0),
    };
    let app = super::objects::state(ctx);
    let today = app.clock().today();
    let model = app.read();
    Ok(lines(
        &model,
        fundtrail_app::worklist::Filter {
            roadmap: roadmap_id,
            owner: principal,
        },
        today,
        page,
    ))
}

/// How many lines of a kind.
#[derive(async_graphql::SimpleObject)]
pub struct WorkCount {
    pub kind: WorkKind,
    pub count: i32,
}

/// `worklistCounts(roadmapId, principal)`: every kind, zero included.
pub fn counts(
    ctx: &Context<'_>,
    roadmap_id: Option<&str>,
    principal: Option<&str>,
) -> Vec<WorkCount> {
    let app = super::objects::state(ctx);
    let today = app.clock().today();
    let items = fundtrail_app::worklist::work_shared(
        &app.read(),
        fundtrail_app::worklist::Filter {
            roadmap: roadmap_id,
            owner: principal,
        },
        today,
    );
    fundtrail_domain::worklist::counts(&items)
        .into_iter()
        .map(|(kind, n)| WorkCount {
            kind: kind.into(),
            count: i32::try_from(n).unwrap_or(i32::MAX),
        })
        .collect()
}
