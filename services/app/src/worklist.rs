//! The worklist as every face reads it (GraphQL `worklist`, the web page, the
//! export, the metrics): the domain's rule (`fundtrail_domain::worklist`)
//! over the read models, and where each line leads on the web.

use chrono::NaiveDate;
use fundtrail_domain::worklist::{RecordKind, WorkItem, WorkKind};
use fundtrail_projections::ReadModel;

pub use fundtrail_projections::worklist::Filter;

/// The worklist on `today` (see `fundtrail_domain::worklist` for the rule).
pub fn work(model: &ReadModel, filter: Filter<'_>, today: NaiveDate) -> Vec<WorkItem> {
    model.worklist(filter, today)
}

/// [`work`], shared with the read models' kept lists (no copy).
pub fn work_shared(
    model: &ReadModel,
    filter: Filter<'_>,
    today: NaiveDate,
) -> std::sync::Arc<Vec<WorkItem>> {
    model.worklist_shared(filter, today)
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Where a line leads on the web: the record's page, and the form that
/// resolves it when there is one.
pub fn links(model: &ReadModel, item: &WorkItem) -> (String, Option<String>) {
    let id = enc(&item.record_id);
    match item.record {
        RecordKind::Pledge => {
            let page = format!("/pledges/{id}");
            let form = match item.kind {
                WorkKind::OverdueTranche => Some(format!("{page}/disburse")),
                WorkKind::AgeingPledge => Some(format!("{page}/commit")),
                WorkKind::UnvaluedContribution => Some(format!("{page}/revise")),
                _ => None,
            };
            (page, form)
        }
        RecordKind::Proposal => {
            let page = format!("/proposals/{id}");
            let form = Some(format!("{page}/decide"));
            (page, form)
        }
        RecordKind::NextStep => {
            let roadmap = model
                .next_step(&item.record_id)
                .map(|s| enc(s.roadmap_id.as_str()))
                .unwrap_or_default();
            (format!("/roadmaps/{roadmap}"), None)
        }
        RecordKind::Prospect => (
            format!("/pipeline#prospect-{id}"),
            Some(format!("/prospects/{id}/advance")),
        ),
        RecordKind::Priority => {
            let page = format!("/priorities/{id}");
            let form = Some(format!("{page}/requirement"));
            (page, form)
        }
        RecordKind::Action => {
            let roadmap = model
                .action(&item.record_id)
                .map(|a| enc(a.roadmap_id.as_str()))
                .unwrap_or_default();
            (
                format!("/roadmaps/{roadmap}#action-{id}"),
                Some(format!("/actions/{id}/status")),
            )
        }
    }
}
