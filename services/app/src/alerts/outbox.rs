//! The persisted alert outbox: which alerts were raised (so none is raised
//! twice, across restarts) and, when a webhook is set, each one's delivery
//! (so none is lost). SQLite, synchronous; callers run it off the async
//! workers. The SQL is in `outbox.sql`.

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::Alert;

const SCHEMA: &str = include_str!("outbox.sql");
/// Set once the list as it stood when alerting started has been recorded.
const BASELINE_KEY: &str = "baseline_at";

#[derive(Debug, thiserror::Error)]
#[error("the alert outbox: {0}")]
pub struct OutboxError(#[from] rusqlite::Error);

/// A delivery's state, as admins see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "PENDING",
            DeliveryStatus::Delivered => "DELIVERED",
            DeliveryStatus::Failed => "FAILED",
        }
    }
    fn parse(s: &str) -> DeliveryStatus {
        match s {
            "DELIVERED" => DeliveryStatus::Delivered,
            "FAILED" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        }
    }
}

/// One alert's webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub seq: i64,
    pub alert_id: String,
    pub kind: String,
    pub roadmap_id: String,
    pub raised_at: DateTime<Utc>,
    /// The JSON body sent (the same bytes at every attempt).
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_http_status: Option<u16>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// The outbox file, open.
pub struct Outbox {
    conn: Connection,
    /// Ids of every alert recorded (raised or baseline), to skip the known
    /// ones without a query each.
    known: HashSet<String>,
    baseline_done: bool,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn parse_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

impl Outbox {
    /// Opens (creating) the outbox at `path`.
    pub fn open(path: &Path) -> Result<Outbox, OutboxError> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        let known = {
            let mut stmt = conn.prepare("SELECT id FROM alerts")?;
            stmt.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<HashSet<_>, _>>()?
        };
        let baseline_done = conn
            .query_row(
                "SELECT value FROM outbox_meta WHERE key = ?1",
                [BASELINE_KEY],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .is_some();
        Ok(Outbox {
            conn,
            known,
            baseline_done,
        })
    }

    /// Whether the baseline was taken (after it, alerts are news).
    pub fn has_baseline(&self) -> bool {
        self.baseline_done
    }

    /// Whether the alert `id` was recorded (raised, or in the baseline).
    pub fn is_known(&self, id: &str) -> bool {
        self.known.contains(id)
    }

    /// Records the alerts of `candidates` not recorded before, in one
    /// transaction, and returns them (in the order given). With `baseline`
    /// they are recorded as known, never announced (alerts are news: what
    /// was already on the list when alerting started is on the worklist);
    /// see [`finish_baseline`](Self::finish_baseline). With `deliver`, each
    /// new alert gets a pending webhook delivery due at `now`.
    pub fn raise(
        &mut self,
        candidates: Vec<Alert>,
        now: DateTime<Utc>,
        deliver: bool,
        baseline: bool,
    ) -> Result<Vec<Alert>, OutboxError> {
        let fresh: Vec<Alert> = candidates
            .into_iter()
            .filter(|a| !self.known.contains(&a.id))
            .collect();
        if fresh.is_empty() {
            return Ok(fresh);
        }
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare(
                "INSERT OR IGNORE INTO alerts (id, roadmap_id, kind, raised_at, body, baseline)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut deliver_stmt = tx.prepare(
                "INSERT OR IGNORE INTO deliveries (alert_seq, status, attempts, next_attempt_at)
                 VALUES (?1, 'PENDING', 0, ?2)",
            )?;
            for a in &fresh {
                // The baseline is never sent: its ids are enough.
                let body = if baseline { String::new() } else { a.to_json() };
                let n = insert.execute(params![
                    a.id,
                    a.roadmap_id,
                    a.kind.as_str(),
                    ts(a.raised_at),
                    body,
                    baseline
                ])?;
                if n == 1 && deliver && !baseline {
                    deliver_stmt.execute(params![tx.last_insert_rowid(), ts(now)])?;
                }
            }
        }
        tx.commit()?;
        self.known.extend(fresh.iter().map(|a| a.id.clone()));
        if baseline {
            return Ok(Vec::new());
        }
        Ok(fresh)
    }

    /// Marks the baseline taken: from now on, what comes is news.
    pub fn finish_baseline(&mut self, now: DateTime<Utc>) -> Result<(), OutboxError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO outbox_meta (key, value) VALUES (?1, ?2)",
            params![BASELINE_KEY, ts(now)],
        )?;
        self.baseline_done = true;
        Ok(())
    }

    /// Pending deliveries due at `now`, oldest first.
    pub fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Delivery>, OutboxError> {
        self.select(
            "WHERE d.status = 'PENDING' AND d.next_attempt_at <= ?1 ORDER BY d.alert_seq LIMIT ?2",
            params![ts(now), limit as i64],
        )
    }

    /// When the next pending delivery falls due, if any is pending.
    pub fn next_due(&self) -> Result<Option<DateTime<Utc>>, OutboxError> {
        let next: Option<String> = self.conn.query_row(
            "SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'PENDING'",
            [],
            |r| r.get(0),
        )?;
        Ok(next.as_deref().map(parse_ts))
    }

    /// The deliveries, newest first, optionally of one status.
    pub fn deliveries(
        &self,
        status: Option<DeliveryStatus>,
        limit: usize,
    ) -> Result<Vec<Delivery>, OutboxError> {
        match status {
            Some(s) => self.select(
                "WHERE d.status = ?1 ORDER BY d.alert_seq DESC LIMIT ?2",
                params![s.as_str(), limit as i64],
            ),
            None => self.select("ORDER BY d.alert_seq DESC LIMIT ?1", params![limit as i64]),
        }
    }

    fn select(
        &self,
        tail: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<Delivery>, OutboxError> {
        let sql = format!(
            "SELECT d.alert_seq, a.id, a.kind, a.roadmap_id, a.raised_at, a.body, d.status,
                    d.attempts, d.next_attempt_at, d.last_http_status, d.last_error, d.delivered_at
             FROM deliveries d JOIN alerts a ON a.seq = d.alert_seq {tail}"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(args, |r| {
            Ok(Delivery {
                seq: r.get(0)?,
                alert_id: r.get(1)?,
                kind: r.get(2)?,
                roadmap_id: r.get(3)?,
                raised_at: parse_ts(&r.get::<_, String>(4)?),
                body: r.get(5)?,
                status: DeliveryStatus::parse(&r.get::<_, String>(6)?),
                attempts: r.get(7)?,
                next_attempt_at: parse_ts(&r.get::<_, String>(8)?),
                last_http_status: r.get(9)?,
                last_error: r.get(10)?,
                delivered_at: r.get::<_, Option<String>>(11)?.as_deref().map(parse_ts),
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The receiver acknowledged delivery `seq` (a 2xx answer).
    pub fn delivered(
        &self,
        seq: i64,
        http_status: u16,
        at: DateTime<Utc>,
    ) -> Result<(), OutboxError> {
        self.conn.execute(
            "UPDATE deliveries SET status = 'DELIVERED', attempts = attempts + 1,
                 last_http_status = ?2, last_error = NULL, delivered_at = ?3
             WHERE alert_seq = ?1",
            params![seq, http_status, ts(at)],
        )?;
        Ok(())
    }

    /// An attempt failed: try again at `retry_at`, or give up (`None`).
    pub fn attempt_failed(
        &self,
        seq: i64,
        http_status: Option<u16>,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), OutboxError> {
        let (status, next) = match retry_at {
            Some(t) => ("PENDING", Some(ts(t))),
            None => ("FAILED", None),
        };
        self.conn.execute(
            "UPDATE deliveries SET status = ?2, attempts = attempts + 1,
                 last_http_status = ?3, last_error = ?4,
                 next_attempt_at = COALESCE(?5, next_attempt_at)
             WHERE alert_seq = ?1",
            params![seq, status, http_status, error, next],
        )?;
        Ok(())
    }

    /// Counts of deliveries by status.
    pub fn delivery_counts(&self) -> Result<Vec<(DeliveryStatus, u64)>, OutboxError> {
        let mut stmt = self
            .conn
            .prepare("SELECT status, COUNT(*) FROM deliveries GROUP BY status")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                DeliveryStatus::parse(&r.get::<_, String>(0)?),
                r.get::<_, i64>(1)? as u64,
            ))
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fundtrail_domain::worklist::{RecordKind, WorkKind};

    fn alert(id: &str) -> Alert {
        Alert {
            id: id.into(),
            roadmap_id: "civ".into(),
            kind: WorkKind::OverdueTranche,
            record: RecordKind::Pledge,
            record_id: "pl".into(),
            title: "t".into(),
            due_on: None,
            days_late: None,
            amount: None,
            owner: None,
            link: "/pledges/pl".into(),
            raised_at: Utc::now(),
        }
    }

    #[test]
    fn the_baseline_is_silent_each_alert_is_raised_once_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.sqlite");
        let now = Utc::now();
        let mut o = Outbox::open(&path).unwrap();
        assert!(!o.has_baseline());
        assert_eq!(
            o.raise(vec![alert("old")], now, true, true).unwrap(),
            vec![],
            "baseline"
        );
        o.finish_baseline(now).unwrap();
        assert!(o.has_baseline());
        let raised = o
            .raise(vec![alert("old"), alert("a"), alert("b")], now, true, false)
            .unwrap();
        assert_eq!(
            raised.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(o.raise(vec![alert("a")], now, true, false).unwrap(), vec![]);
        let due = o.due(now, 10).unwrap();
        assert_eq!(due.len(), 2, "the baseline is never delivered");
        assert!(
            due[0].body.contains(r#""amount":null"#),
            "unknown stays null"
        );
        o.delivered(due[0].seq, 200, now).unwrap();
        let later = now + chrono::TimeDelta::seconds(5);
        o.attempt_failed(due[1].seq, Some(503), "busy", Some(later))
            .unwrap();
        assert_eq!(o.due(now, 10).unwrap(), vec![], "the retry is not due yet");
        assert_eq!(
            o.next_due().unwrap().map(|t| t.timestamp()),
            Some(later.timestamp())
        );
        drop(o);

        let mut o = Outbox::open(&path).unwrap();
        assert!(o.has_baseline(), "the baseline is remembered");
        assert_eq!(
            o.raise(vec![alert("a"), alert("b")], now, true, false)
                .unwrap(),
            vec![],
            "known after a reopen"
        );
        let due = o.due(later, 10).unwrap();
        assert_eq!(
            (due.len(), due[0].alert_id.as_str(), due[0].attempts),
            (1, "b", 1)
        );
        o.attempt_failed(due[0].seq, None, "refused", None).unwrap();
        let failed = o.deliveries(Some(DeliveryStatus::Failed), 10).unwrap();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].last_error.as_deref(), Some("refused"));
        let delivered = o.deliveries(Some(DeliveryStatus::Delivered), 10).unwrap();
        assert_eq!(
            (
                delivered[0].alert_id.as_str(),
                delivered[0].last_http_status
            ),
            ("a", Some(200))
        );
    }
}
