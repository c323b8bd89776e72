//! Alerts (issue #14): news from the worklist. When a line to chase comes on
//! a roadmap's worklist (a tranche falls overdue, an announcement or a
//! proposal starts ageing, a next step, a decision or an action falls due),
//! an alert is raised once: recorded in the persisted [`outbox`], pushed to
//! the GraphQL subscription `alerts`, counted in
//! `fundtrail_alerts_raised_total`, and, when a webhook is set, delivered to
//! it ([`webhook`]).
//!
//! - **Identity.** An alert is its roadmap, kind, record and date
//!   (`civ-2023/OVERDUE_TRANCHE/pl-7/2024-06-01`): the same line on the list
//!   tomorrow is the same alert, never raised again, across restarts; a
//!   tranche moved to another date is a new one.
//! - **When.** The watcher looks again after the read models apply events,
//!   when the clock is moved (tests) and when the day turns; between those
//!   the list cannot change.
//! - **The baseline.** The first look after alerting starts on a ledger
//!   records what is already on the list without announcing it (it is on the
//!   worklist); alerts are what comes after.
//! - Data to complete (unvalued, undated, no requirement) raises no alert:
//!   it is not something falling due.

pub mod outbox;
pub mod webhook;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use fundtrail_domain::money::Money;
use fundtrail_domain::worklist::{RecordKind, WorkKind};
use fundtrail_projections::ReadModel;
use fundtrail_projections::worklist::Filter;
use tokio::sync::{Notify, broadcast};

pub use outbox::{Delivery, DeliveryStatus, Outbox, OutboxError};
pub use webhook::WebhookConfig;

use crate::state::{AppState, WeakAppState};

/// One alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// `roadmap/KIND/record/date` (see the module's notes).
    pub id: String,
    pub roadmap_id: String,
    pub kind: WorkKind,
    pub record: RecordKind,
    pub record_id: String,
    /// The record's name or title.
    pub title: String,
    pub due_on: Option<NaiveDate>,
    pub days_late: Option<i64>,
    /// What is at stake, when a figure says it (never a guessed zero).
    pub amount: Option<Money>,
    pub owner: Option<String>,
    /// The record's page on the web (a path).
    pub link: String,
    pub raised_at: DateTime<Utc>,
}

/// The code of a record kind in alerts (as GraphQL spells enum values).
pub fn record_code(r: RecordKind) -> &'static str {
    match r {
        RecordKind::Pledge => "PLEDGE",
        RecordKind::Proposal => "PROPOSAL",
        RecordKind::NextStep => "NEXT_STEP",
        RecordKind::Prospect => "PROSPECT",
        RecordKind::Priority => "PRIORITY",
        RecordKind::Action => "ACTION",
    }
}

impl Alert {
    /// The webhook's JSON body. Unknown figures are `null`, never 0.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "id": self.id,
            "type": "worklist.alert",
            "roadmapId": self.roadmap_id,
            "kind": self.kind.as_str(),
            "record": record_code(self.record),
            "recordId": self.record_id,
            "title": self.title,
            "dueOn": self.due_on.map(|d| d.to_string()),
            "daysLate": self.days_late,
            "amount": self.amount.map(|m| serde_json::json!({
                "amount": m.amount.to_string(),
                "currency": m.currency.code(),
            })),
            "owner": self.owner,
            "link": self.link,
            "raisedAt": self.raised_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        })
        .to_string()
    }
}

/// The lines to chase on `roadmap_id`'s worklist on `today`, as alerts,
/// but for those `known` (already raised: nothing is built for them).
/// Without `full`, titles and links are left empty (for the baseline, which
/// keeps ids only).
pub fn candidates(
    model: &ReadModel,
    roadmap_id: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
    full: bool,
    known: impl Fn(&str) -> bool,
) -> Vec<Alert> {
    let filter = Filter {
        roadmap: Some(roadmap_id),
        owner: None,
    };
    let mut out = Vec::new();
    for item in model.worklist_shared(filter, today).iter() {
        if item.kind.is_data() {
            continue;
        }
        let id = format!(
            "{roadmap_id}/{}/{}/{}",
            item.kind.as_str(),
            item.record_id,
            item.due_on
                .map_or_else(|| "-".to_owned(), |d| d.to_string())
        );
        if known(&id) {
            continue;
        }
        let (title, link) = if full {
            (
                model.work_title(item),
                crate::worklist::links(model, item).0,
            )
        } else {
            // The baseline keeps ids only.
            (String::new(), String::new())
        };
        out.push(Alert {
            id,
            roadmap_id: roadmap_id.to_owned(),
            kind: item.kind,
            record: item.record,
            title,
            record_id: item.record_id.clone(),
            due_on: item.due_on,
            days_late: item.days_late,
            amount: item.amount,
            owner: item.owner.clone(),
            link,
            raised_at: now,
        });
    }
    out
}

/// Where alerts are kept, and the webhook if one is set.
#[derive(Debug, Clone)]
pub struct AlertConfig {
    /// The outbox file (SQLite).
    pub outbox: PathBuf,
    pub webhook: Option<WebhookConfig>,
}

/// The running alerts: cheap to clone.
#[derive(Clone)]
pub struct Alerts {
    inner: Arc<Inner>,
}

struct Inner {
    outbox: Mutex<Outbox>,
    raised: broadcast::Sender<Alert>,
    webhook: Option<WebhookConfig>,
    /// Wakes the webhook sender when alerts are added.
    added: Notify,
}

impl Alerts {
    /// Opens the outbox and starts the watcher (and the webhook sender when
    /// one is set). The watcher waits for the read models to be ready, then
    /// takes the baseline on a new outbox.
    pub fn start(state: &AppState, config: AlertConfig) -> Result<Alerts, OutboxError> {
        let outbox = Outbox::open(&config.outbox)?;
        let (raised, _) = broadcast::channel(1_024);
        let alerts = Alerts {
            inner: Arc::new(Inner {
                outbox: Mutex::new(outbox),
                raised,
                webhook: config.webhook,
                added: Notify::new(),
            }),
        };
        tokio::spawn(watch(state.downgrade(), alerts.clone()));
        if let Some(webhook) = alerts.inner.webhook.clone() {
            tokio::spawn(webhook::send(state.downgrade(), alerts.clone(), webhook));
        }
        Ok(alerts)
    }

    /// Alerts as they are raised.
    pub fn subscribe(&self) -> broadcast::Receiver<Alert> {
        self.inner.raised.subscribe()
    }

    /// Whether a webhook is set.
    pub fn webhook_url(&self) -> Option<&str> {
        self.inner.webhook.as_ref().map(|w| w.url.as_str())
    }

    /// Runs `f` on the outbox, off the async workers.
    pub async fn with_outbox<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Outbox) -> Result<T, OutboxError> + Send + 'static,
    ) -> Result<T, OutboxError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut outbox = inner.outbox.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut outbox)
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// The webhook deliveries, newest first (admins' view).
    pub async fn deliveries(
        &self,
        status: Option<DeliveryStatus>,
        limit: usize,
    ) -> Result<Vec<Delivery>, OutboxError> {
        self.with_outbox(move |o| o.deliveries(status, limit)).await
    }

    /// One look at the worklists: raises what is new. Returns what it raised.
    /// A roadmap at a time: the read models are locked while its list is
    /// made, never while the outbox writes.
    pub async fn look(&self, state: &AppState) -> Result<Vec<Alert>, OutboxError> {
        let today = state.clock().today();
        let now = state.clock().now();
        let deliver = self.inner.webhook.is_some();
        let baseline = !self.with_outbox(|o| Ok(o.has_baseline())).await?;
        let roadmaps: Vec<String> = state
            .read()
            .roadmaps()
            .iter()
            .map(|r| r.id.as_str().to_owned())
            .collect();
        let mut new = Vec::new();
        for roadmap in roadmaps {
            let model_state = state.clone();
            let raised = self
                .with_outbox(move |o| {
                    let found =
                        candidates(&model_state.read(), &roadmap, today, now, !baseline, |id| {
                            o.is_known(id)
                        });
                    o.raise(found, now, deliver && !baseline, baseline)
                })
                .await?;
            new.extend(raised);
        }
        if baseline {
            self.with_outbox(move |o| o.finish_baseline(now)).await?;
            return Ok(Vec::new());
        }
        for a in &new {
            state.metrics().alert_raised(a.kind);
            tracing::info!(alert = %a.id, "alert raised");
            // Nobody listening is fine.
            let _ = self.inner.raised.send(a.clone());
        }
        if deliver && !new.is_empty() {
            self.inner.added.notify_one();
        }
        Ok(new)
    }
}

/// How long the watcher waits at most between two looks (the day can turn).
const LOOK_AT_LEAST_EVERY: Duration = Duration::from_secs(60);
/// A burst of events is looked at once: the watcher waits this long after
/// the first, so under a steady stream of writes it looks at most once per
/// [`SETTLE`] (a look makes every roadmap's list again; alerts are not a
/// matter of seconds, and the requests being served come first).
const SETTLE: Duration = Duration::from_secs(2);

/// The watcher: looks after events, clock moves and day turns, until the
/// application is gone.
async fn watch(state: WeakAppState, alerts: Alerts) {
    let Some((mut applied, mut moves)) = state
        .upgrade()
        .map(|s| (s.watch_applied(), s.clock().moves()))
    else {
        return;
    };
    if let Some(s) = state.upgrade() {
        s.ready().await;
    }
    let mut last: Option<(u64, NaiveDate)> = None;
    loop {
        let Some(s) = state.upgrade() else { return };
        let at = (s.applied(), s.clock().today());
        if last != Some(at) {
            match alerts.look(&s).await {
                Ok(_) => last = Some(at),
                Err(e) => tracing::error!(error = %e, "alerts: the outbox refused; trying again"),
            }
        }
        drop(s);
        tokio::select! {
            changed = applied.changed() => {
                if changed.is_err() {
                    return;
                }
                // A moved clock (tests) is looked at at once.
                tokio::select! {
                    () = tokio::time::sleep(SETTLE) => {}
                    _ = moves.changed() => {}
                }
            }
            _ = moves.changed() => {}
            () = tokio::time::sleep(LOOK_AT_LEAST_EVERY) => {}
        }
    }
}
