//! Request rates per caller, shared by every face: the GraphQL API (HTTP
//! and each websocket operation) and the web pages take from one budget per
//! principal, so a caller cannot reach more by switching faces, header
//! spellings (`bearer`, extra spaces) or sockets.
//!
//! A bucket belongs to the *authenticated* principal, never to the text of
//! a header; callers without a valid principal (anonymous readers, unknown
//! or revoked tokens, sign-in attempts) are counted by address.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter};

/// How many requests one caller may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second (at least 1).
    pub per_second: u32,
    /// Requests allowed at once above the rate (at least 1).
    pub burst: u32,
}

/// Who a bucket belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallerKey {
    /// An authenticated principal (by name: the actor its events carry).
    Principal(String),
    /// A caller without a valid principal, by its address.
    Address(IpAddr),
    /// No principal and no known address (a server without connect info).
    Unknown,
}

impl CallerKey {
    /// The principal's bucket when there is one, else the address's.
    pub fn of(principal: Option<&str>, address: Option<IpAddr>) -> CallerKey {
        match (principal, address) {
            (Some(name), _) => CallerKey::Principal(name.to_owned()),
            (None, Some(ip)) => CallerKey::Address(ip),
            (None, None) => CallerKey::Unknown,
        }
    }
}

/// A keyed limiter (GCRA, from `governor`); cheap to share.
pub struct Limiter<K: Hash + Eq + Clone> {
    buckets: RateLimiter<K, governor::state::keyed::DefaultKeyedStateStore<K>, DefaultClock>,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> std::fmt::Debug for Limiter<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter").finish_non_exhaustive()
    }
}

impl<K: Hash + Eq + Clone + Send + Sync + 'static> Limiter<K> {
    /// `limit.per_second` sustained, `limit.burst` at once.
    pub fn new(limit: RateLimit) -> Arc<Self> {
        let period = Duration::from_nanos(1_000_000_000 / u64::from(limit.per_second.max(1)));
        Self::with_quota(period, limit.burst)
    }

    /// One request every `period` sustained, `burst` at once.
    pub fn with_quota(period: Duration, burst: u32) -> Arc<Self> {
        let burst = NonZeroU32::new(burst.max(1)).expect("at least 1");
        let quota = Quota::with_period(period)
            .expect("a positive period")
            .allow_burst(burst);
        let limiter = Arc::new(Limiter {
            buckets: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        });
        // Forget idle buckets every minute (a bucket back to full is gone).
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let weak = Arc::downgrade(&limiter);
            handle.spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    match weak.upgrade() {
                        Some(limiter) => limiter.buckets.retain_recent(),
                        None => break,
                    }
                }
            });
        }
        limiter
    }

    /// Takes one request from `key`'s bucket, or says how long to wait.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.buckets
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

/// The request limiter every face shares, keyed by [`CallerKey`].
pub type CallerLimiter = Limiter<CallerKey>;

/// Whole seconds to put in `Retry-After` (at least 1).
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs_f64().ceil() as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_principal_has_one_bucket_and_others_their_own() {
        let limiter = CallerLimiter::new(RateLimit {
            per_second: 1,
            burst: 3,
        });
        let awa = CallerKey::of(Some("Awa"), None);
        for _ in 0..3 {
            assert!(limiter.check(&awa).is_ok());
        }
        let wait = limiter.check(&awa).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(limiter.check(&CallerKey::of(Some("Koffi"), None)).is_ok());
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(
            CallerKey::of(Some("Awa"), Some(ip)),
            awa,
            "the principal wins"
        );
        assert!(limiter.check(&CallerKey::of(None, Some(ip))).is_ok());
    }

    #[test]
    fn retry_after_is_whole_seconds_at_least_one() {
        assert_eq!(retry_after_secs(Duration::from_millis(10)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2_100)), 3);
    }
}
