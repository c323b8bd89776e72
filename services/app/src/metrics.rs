//! The process's counters and gauges, served as `GET /metrics` by the API
//! (`fundtrail_api::metrics`): what an operator watches, in the Prometheus text format
//! (version 0.0.4; OpenMetrics when the scraper asks for it in `Accept`).
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `fundtrail_http_requests_total` | counter | `route` (the router's pattern, `unmatched` for a 404), `method`, `status` |
//! | `fundtrail_http_request_duration_seconds` | histogram | `route`, `method` |
//! | `fundtrail_commands_total` | counter | `outcome`: `appended`, `replayed` (a known `commandId`), `refused` (an error with a contract code: the domain, access or idempotency said no), `conflict`, `failed` (the store) |
//! | `fundtrail_events_appended_total` | counter | |
//! | `fundtrail_append_conflicts_total` | counter | (a stale `expectedVersion`, or another writer won and retries ran out) |
//! | `fundtrail_store_head_position` | gauge | the last position of the log, read at scrape time |
//! | `fundtrail_projection_position` | gauge | the last position the read models applied |
//! | `fundtrail_projection_lag_events` | gauge | head minus projected position |
//! | `fundtrail_read_models_ready` | gauge | 1 once the read models caught up with the log seen at start (as `/readyz`) |
//! | `fundtrail_worklist_items` | gauge | `kind`: the worklist's lines of each kind, every roadmap, computed at scrape time on the server's clock (`OVERDUE_TRANCHE`, `AGEING_PLEDGE`, ...; `docs/resource-mobilisation.md`) |
//! | `fundtrail_alerts_raised_total` | counter | `kind`: alerts raised (something became overdue or due; `fundtrail_app::alerts`) |
//! | `fundtrail_webhook_deliveries_total` | counter | `outcome`: `delivered`, `retry` (an attempt failed, another is due), `failed` (gave up) |
//! | `fundtrail_build_info` | gauge (1) | `version` |
//!
//! Counters are per process: with several API processes, scrape each one
//! (not through the load balancer) and sum in the queries.

use fundtrail_ledger::{Executed, ServiceError};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms .. ~16 s: cached queries answer in well under a millisecond,
    // exports and first-time funding queries take longer.
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 16.0,
    ])
}

/// One process's metrics; shared by the router and the command path.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    commands: Family<OutcomeLabels, Counter>,
    events_appended: Counter,
    conflicts: Counter,
    head: Gauge,
    projected: Gauge,
    lag: Gauge,
    ready: Gauge,
    worklist: Family<KindLabels, Gauge>,
    alerts: Family<KindLabels, Counter>,
    deliveries: Family<OutcomeLabels, Counter>,
    /// The (ledger position, day) the worklist gauges were computed for.
    worklist_at: std::sync::Mutex<Option<(u64, chrono::NaiveDate)>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("fundtrail");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern, method and status",
            requests.clone(),
        );
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request (until the response head is ready)",
            prometheus_client::registry::Unit::Seconds,
            latency.clone(),
        );
        let commands = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "commands",
            "Commands run through the ledger, by outcome",
            commands.clone(),
        );
        let events_appended = Counter::default();
        registry.register(
            "events_appended",
            "Events appended to the log by this process's commands",
            events_appended.clone(),
        );
        let conflicts = Counter::default();
        registry.register(
            "append_conflicts",
            "Commands refused with a concurrency conflict (stale expectedVersion or lost races)",
            conflicts.clone(),
        );
        let head = Gauge::default();
        registry.register(
            "store_head_position",
            "Last position of the event log (read at scrape time)",
            head.clone(),
        );
        let projected = Gauge::default();
        registry.register(
            "projection_position",
            "Last log position the read models have applied",
            projected.clone(),
        );
        let lag = Gauge::default();
        registry.register(
            "projection_lag_events",
            "Events in the log the read models have not applied yet",
            lag.clone(),
        );
        let ready = Gauge::default();
        registry.register(
            "read_models_ready",
            "1 once the read models caught up with the log seen at start",
            ready.clone(),
        );
        let worklist = Family::<KindLabels, Gauge>::default();
        registry.register(
            "worklist_items",
            "Lines of the worklist (every roadmap) by kind of work, at scrape time",
            worklist.clone(),
        );
        let alerts = Family::<KindLabels, Counter>::default();
        registry.register(
            "alerts_raised",
            "Alerts raised (a worklist line that became overdue or due), by kind of work",
            alerts.clone(),
        );
        let deliveries = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "webhook_deliveries",
            "Webhook delivery attempts, by outcome (delivered, retry, failed)",
            deliveries.clone(),
        );
        let build = Family::<BuildLabels, Gauge>::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        registry.register("build_info", "The fundtrail version serving", build);
        Metrics {
            registry,
            requests,
            latency,
            commands,
            events_appended,
            conflicts,
            head,
            projected,
            lag,
            ready,
            worklist,
            alerts,
            deliveries,
            worklist_at: std::sync::Mutex::new(None),
        }
    }

    /// Counts an alert raised.
    pub fn alert_raised(&self, kind: fundtrail_domain::worklist::WorkKind) {
        self.alerts
            .get_or_create(&KindLabels {
                kind: kind.as_str(),
            })
            .inc();
    }

    /// Counts a webhook delivery attempt: `delivered`, `retry` or `failed`.
    pub fn webhook_attempt(&self, outcome: &'static str) {
        self.deliveries
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Whether the worklist gauges are stale at this (ledger position, day):
    /// the list only changes when an event is applied or the day turns, so
    /// a scrape recomputes it only then.
    pub fn worklist_stale(&self, position: u64, today: chrono::NaiveDate) -> bool {
        *self.worklist_at.lock().unwrap_or_else(|p| p.into_inner()) != Some((position, today))
    }

    /// Sets the worklist gauges (`counts`: every kind, zero included), as
    /// computed at (ledger position, day).
    pub fn observe_worklist(
        &self,
        at: (u64, chrono::NaiveDate),
        counts: &[(fundtrail_domain::worklist::WorkKind, usize)],
    ) {
        *self.worklist_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(at);
        for (kind, n) in counts {
            self.worklist
                .get_or_create(&KindLabels {
                    kind: kind.as_str(),
                })
                .set(i64::try_from(*n).unwrap_or(i64::MAX));
        }
    }

    /// Counts one command's outcome (called by `AppState::execute`).
    pub fn record_command(&self, result: &Result<Executed, ServiceError>) {
        let outcome = match result {
            Ok(executed) if executed.replayed => "replayed",
            Ok(executed) => {
                let events = executed.last_position + 1 - executed.first_position;
                self.events_appended.inc_by(events);
                "appended"
            }
            Err(ServiceError::ConcurrencyConflict { .. }) => {
                self.conflicts.inc();
                "conflict"
            }
            // Anything the contract gives a code to is the client's to fix.
            Err(e) if e.code().is_some() => "refused",
            Err(_) => "failed",
        };
        self.commands
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Counts one HTTP request answered (the API's router calls this).
    pub fn record_request(&self, route: String, method: String, status: u16, seconds: f64) {
        self.latency
            .get_or_create(&RouteLabels {
                route: route.clone(),
                method: method.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&RequestLabels {
                route,
                method,
                status,
            })
            .inc();
    }

    /// The gauges that are read, not counted: set just before encoding.
    pub fn observe(&self, head: Option<u64>, applied: u64, ready: bool) {
        let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        if let Some(head) = head {
            self.head.set(as_i64(head));
            self.lag.set(as_i64(head.saturating_sub(applied)));
        }
        self.projected.set(as_i64(applied));
        self.ready.set(i64::from(ready));
    }

    /// The registry in the Prometheus text format (or OpenMetrics).
    pub fn encode(&self, openmetrics: bool) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        if openmetrics {
            prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        } else {
            prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::Metrics;
    use fundtrail_domain::worklist::WorkKind;

    #[test]
    fn the_worklist_gauges_are_recomputed_only_when_an_event_or_the_day_moves() {
        let m = Metrics::new();
        let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        assert!(m.worklist_stale(10, day), "never computed");
        m.observe_worklist((10, day), &[(WorkKind::OverdueTranche, 2)]);
        assert!(!m.worklist_stale(10, day));
        assert!(m.worklist_stale(11, day), "an event was applied");
        assert!(
            m.worklist_stale(10, day.succ_opt().unwrap()),
            "the day turned"
        );
    }
}
