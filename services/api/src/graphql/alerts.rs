//! Alerts (issue #14): the subscription `alerts(roadmapId)`, and the
//! admins' view of the webhook's deliveries, `alertDeliveries(status, first)`.
//! The rule (what raises an alert, once) is `fundtrail_app::alerts`.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use fundtrail_app::alerts::{Alert as AppAlert, DeliveryStatus as AppStatus};
use futures::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use super::errors::{coded, not_found};
use super::objects::{Money, state};
use super::scalars::{Date, DateTime};
use super::worklist::WorkKind;

/// Not a contract code: this server runs without alerts (a tool, not `serve`).
pub const ALERTS_OFF: &str = "ALERTS_OFF";

fn alerts_off() -> async_graphql::Error {
    coded(ALERTS_OFF, "alerts are not running on this server")
}

/// Something on a roadmap's worklist that became overdue or due.
pub struct Alert(AppAlert);

#[Object]
impl Alert {
    /// Roadmap, kind, record and date: the same alert never comes twice.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn roadmap_id(&self) -> ID {
        ID(self.0.roadmap_id.clone())
    }
    async fn kind(&self) -> WorkKind {
        self.0.kind.into()
    }
    /// What the record is: PLEDGE, PROPOSAL, NEXT_STEP, PROSPECT, ACTION.
    async fn record(&self) -> &'static str {
        fundtrail_app::alerts::record_code(self.0.record)
    }
    async fn record_id(&self) -> ID {
        ID(self.0.record_id.clone())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The due date, or the day an announcement or proposal started ageing.
    async fn due_on(&self) -> Option<Date> {
        self.0.due_on.map(Date)
    }
    async fn days_late(&self) -> Option<i64> {
        self.0.days_late
    }
    /// What is at stake, when a figure says it (never a guessed zero).
    async fn amount(&self) -> Option<Money> {
        self.0.amount.map(Money::from)
    }
    async fn owner(&self) -> Option<&str> {
        self.0.owner.as_deref()
    }
    /// The record's page on the web.
    async fn link(&self) -> &str {
        &self.0.link
    }
    async fn raised_at(&self) -> DateTime {
        DateTime(self.0.raised_at)
    }
}

/// A webhook delivery's state.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "fundtrail_app::alerts::DeliveryStatus")]
pub enum DeliveryStatus {
    /// Not yet acknowledged; `nextAttemptAt` says when it is tried again.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after the last attempt.
    Failed,
}

/// One alert's delivery to the webhook.
#[derive(SimpleObject)]
pub struct AlertDelivery {
    pub alert_id: ID,
    pub roadmap_id: ID,
    pub kind: String,
    pub raised_at: DateTime,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime>,
    /// The receiver's last HTTP status, if it answered.
    pub last_http_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime>,
}

#[derive(Default)]
pub struct AlertQuery;

#[Object]
impl AlertQuery {
    /// The webhook's deliveries, newest first (admins only): what was
    /// delivered, what waits for a retry, what was given up.
    async fn alert_deliveries(
        &self,
        ctx: &Context<'_>,
        status: Option<DeliveryStatus>,
        first: Option<i32>,
    ) -> Result<Vec<AlertDelivery>> {
        super::access::require_admin(ctx, "see the webhook's deliveries")?;
        let app = state(ctx);
        let alerts = app.alerts().ok_or_else(alerts_off)?;
        let max = app.limits().max_page;
        let first = super::errors::page_size(first, max)?;
        let list = alerts
            .deliveries(status.map(Into::into), first)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "the alert outbox could not be read");
                coded(
                    super::errors::INTERNAL,
                    "the alert outbox could not be read",
                )
            })?;
        Ok(list
            .into_iter()
            .map(|d| AlertDelivery {
                alert_id: ID(d.alert_id),
                roadmap_id: ID(d.roadmap_id),
                kind: d.kind,
                raised_at: DateTime(d.raised_at),
                status: d.status.into(),
                attempts: i32::try_from(d.attempts).unwrap_or(i32::MAX),
                next_attempt_at: (d.status == AppStatus::Pending)
                    .then_some(DateTime(d.next_attempt_at)),
                last_http_status: d.last_http_status.map(i32::from),
                last_error: d.last_error,
                delivered_at: d.delivered_at.map(DateTime),
            })
            .collect())
    }
}

/// `alerts(roadmapId)`: the subscription's stream.
pub fn subscribe(
    ctx: &Context<'_>,
    roadmap_id: Option<ID>,
) -> Result<impl Stream<Item = Alert> + use<>> {
    let app = state(ctx);
    if let Some(r) = &roadmap_id
        && app.read().roadmap(r).is_none()
    {
        return Err(not_found("roadmap", r));
    }
    let alerts = app.alerts().ok_or_else(alerts_off)?;
    let roadmap = roadmap_id.map(|r| r.0);
    Ok(
        BroadcastStream::new(alerts.subscribe()).filter_map(move |a| {
            // A lagging subscriber misses alerts; the worklist still has them.
            let keep = a
                .ok()
                .filter(|a| roadmap.as_ref().is_none_or(|r| *r == a.roadmap_id))
                .map(Alert);
            async move { keep }
        }),
    )
}
