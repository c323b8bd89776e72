//! The outbound webhook: each alert raised while a webhook is set is POSTed
//! as JSON to its URL, signed, from the persisted outbox.
//!
//! ## Signature (the Standard Webhooks scheme)
//! Three headers:
//! - `webhook-id`: the alert's id (the same at every attempt, so a receiver
//!   can tell a retry from a new alert);
//! - `webhook-timestamp`: seconds since the epoch, at this attempt;
//! - `webhook-signature`: `v1,` then base64 of HMAC-SHA256, keyed with the
//!   shared secret's bytes, over `{webhook-id}.{webhook-timestamp}.{body}`.
//!
//! A receiver recomputes the HMAC, compares in constant time, and refuses a
//! timestamp far from its own clock (replays).
//!
//! ## Delivery
//! A 2xx answer marks the delivery DELIVERED in the outbox; anything else
//! (another status, a refused connection, a timeout) is retried after
//! `first_retry`, then twice as long each time (at most an hour), up to
//! `max_attempts`, then FAILED. Admins see each delivery's state
//! (`alertDeliveries`). Redirects are not followed.
//!
//! Because the outbox is on disk, an alert raised is delivered even if the
//! server stops before sending it, and one acknowledged is not sent again
//! after a restart. The one window left is a crash between the receiver's
//! 2xx and the outbox recording it (a few milliseconds): the alert is sent
//! once more, with the same `webhook-id`, which is why the id is there.

use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{KeyInit, Mac};

use super::{Alerts, Delivery};
use crate::state::WeakAppState;

/// Where alerts go, and how hard to try.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub url: String,
    /// The shared secret (at least 16 bytes).
    pub secret: String,
    /// Attempts before a delivery is FAILED.
    pub max_attempts: u32,
    /// The wait after the first failed attempt (doubling after each).
    pub first_retry: Duration,
    /// Longest one attempt may take.
    pub timeout: Duration,
}

/// The shortest secret accepted.
pub const MIN_SECRET_BYTES: usize = 16;

impl WebhookConfig {
    /// Defaults: 12 attempts, 5 s then doubling (at most an hour), 10 s per attempt.
    pub fn new(url: String, secret: String) -> Result<WebhookConfig, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "the webhook URL {url:?} is not http:// or https://"
            ));
        }
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "the webhook secret must be at least {MIN_SECRET_BYTES} bytes"
            ));
        }
        Ok(WebhookConfig {
            url,
            secret,
            max_attempts: 12,
            first_retry: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
        })
    }

    /// When to try again after `attempts` failed attempts (`None`: give up).
    pub fn retry_at(&self, attempts: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if attempts >= self.max_attempts {
            return None;
        }
        let wait = self
            .first_retry
            .saturating_mul(1u32 << attempts.saturating_sub(1).min(20))
            .min(Duration::from_secs(3_600));
        Some(now + TimeDelta::from_std(wait).unwrap_or(TimeDelta::hours(1)))
    }
}

/// The HMAC-SHA256 of `{id}.{timestamp}.{body}` under `secret`, not yet finished.
fn mac(secret: &str, id: &str, timestamp: i64, body: &str) -> hmac::Hmac<sha2_11::Sha256> {
    let mut mac = hmac::Hmac::<sha2_11::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    mac
}

/// The `webhook-signature` header's value for this id, timestamp and body.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let tag = mac(secret, id, timestamp, body).finalize().into_bytes();
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(tag)
    )
}

/// Whether `header` (a `webhook-signature` value: space-separated `v1,…`
/// signatures) holds a valid signature of this id, timestamp and body;
/// compared in constant time. For receivers, and the tests.
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &str, header: &str) -> bool {
    let mac = mac(secret, id, timestamp, body);
    header.split(' ').any(|sig| {
        sig.strip_prefix("v1,")
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .is_some_and(|tag| mac.clone().verify_slice(&tag).is_ok())
    })
}

/// What one attempt came to.
enum Outcome {
    Delivered(u16),
    Refused(Option<u16>, String),
}

async fn attempt(
    client: &reqwest::Client,
    config: &WebhookConfig,
    d: &Delivery,
    now: DateTime<Utc>,
) -> Outcome {
    let timestamp = now.timestamp();
    let request = client
        .post(&config.url)
        .header("content-type", "application/json")
        .header(
            "user-agent",
            concat!("fundtrail/", env!("CARGO_PKG_VERSION")),
        )
        .header("webhook-id", &d.alert_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            signature(&config.secret, &d.alert_id, timestamp, &d.body),
        )
        .body(d.body.clone());
    match request.send().await {
        Ok(r) if r.status().is_success() => Outcome::Delivered(r.status().as_u16()),
        Ok(r) => Outcome::Refused(
            Some(r.status().as_u16()),
            format!("the receiver answered {}", r.status()),
        ),
        Err(e) => Outcome::Refused(None, e.to_string()),
    }
}

/// Longest the sender sleeps without looking (a clock move or a new alert
/// wakes it sooner).
const LOOK_AT_LEAST_EVERY: Duration = Duration::from_secs(30);

/// The sender: delivers what is due, oldest first, one at a time, until the
/// application is gone.
pub(super) async fn send(state: WeakAppState, alerts: Alerts, config: WebhookConfig) {
    let client = match reqwest::Client::builder()
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "the webhook client could not be built; no alert will be delivered");
            return;
        }
    };
    let Some(clock) = state.upgrade().map(|s| s.clock().clone()) else {
        return;
    };
    let mut moves = clock.moves();
    loop {
        let Some(s) = state.upgrade() else { return };
        let now = clock.now();
        let due = match alerts.with_outbox(move |o| o.due(now, 32)).await {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = %e, "webhook: the outbox refused");
                Vec::new()
            }
        };
        for d in &due {
            let now = clock.now();
            let outcome = attempt(&client, &config, d, now).await;
            let seq = d.seq;
            let result = match outcome {
                Outcome::Delivered(status) => {
                    s.metrics().webhook_attempt("delivered");
                    alerts
                        .with_outbox(move |o| o.delivered(seq, status, now))
                        .await
                }
                Outcome::Refused(status, error) => {
                    let retry_at = config.retry_at(d.attempts + 1, now);
                    s.metrics().webhook_attempt(if retry_at.is_some() {
                        "retry"
                    } else {
                        "failed"
                    });
                    tracing::warn!(alert = %d.alert_id, attempt = d.attempts + 1, %error, "webhook delivery failed");
                    alerts
                        .with_outbox(move |o| o.attempt_failed(seq, status, &error, retry_at))
                        .await
                }
            };
            if let Err(e) = result {
                tracing::error!(error = %e, "webhook: the outbox refused an update");
            }
        }
        drop(s);
        if due.len() == 32 {
            continue;
        }
        let next = alerts.with_outbox(|o| o.next_due()).await.ok().flatten();
        let wait = next
            .map(|t| (t - clock.now()).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(LOOK_AT_LEAST_EVERY)
            .min(LOOK_AT_LEAST_EVERY);
        if wait.is_zero() {
            continue;
        }
        tokio::select! {
            () = alerts.inner.added.notified() => {}
            changed = moves.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            () = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let secret = "0123456789abcdef-secret";
        let body = r#"{"id":"a"}"#;
        let sig = signature(secret, "a", 1_700_000_000, body);
        assert!(sig.starts_with("v1,"));
        assert!(verify(secret, "a", 1_700_000_000, body, &sig));
        assert!(verify(
            secret,
            "a",
            1_700_000_000,
            body,
            &format!("v1,AAAA {sig}")
        ));
        assert!(
            !verify(secret, "a", 1_700_000_001, body, &sig),
            "another timestamp"
        );
        assert!(
            !verify(secret, "b", 1_700_000_000, body, &sig),
            "another id"
        );
        assert!(!verify(secret, "a", 1_700_000_000, r#"{"id":"b"}"#, &sig));
        assert!(!verify(
            "another-secret-0000",
            "a",
            1_700_000_000,
            body,
            &sig
        ));
    }

    #[test]
    fn retries_double_up_to_an_hour_then_stop() {
        let mut c = WebhookConfig::new("http://x".into(), "0123456789abcdef".into()).unwrap();
        c.max_attempts = 20;
        let now = Utc::now();
        let wait = |n| (c.retry_at(n, now).unwrap() - now).num_seconds();
        assert_eq!((wait(1), wait(2), wait(3)), (5, 10, 20));
        assert_eq!(wait(19), 3_600, "at most an hour");
        assert_eq!(c.retry_at(20, now), None, "given up");
        assert!(WebhookConfig::new("ftp://x".into(), "0123456789abcdef".into()).is_err());
        assert!(WebhookConfig::new("http://x".into(), "short".into()).is_err());
    }
}
