//! The application's time: the system clock, which tests (and only tests)
//! can move forward, so that an expiry or a due date can be reached without
//! waiting. Every "today" of the application comes from here, so one move
//! reaches all of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use tokio::sync::watch;

/// The system time plus an offset (zero unless a test moves it). Cheap to
/// clone; clones share the offset.
#[derive(Debug, Clone)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
    /// The offset, for those who wake when the clock is moved.
    moves: Arc<watch::Sender<i64>>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            offset_ms: Arc::default(),
            moves: Arc::new(watch::channel(0).0),
        }
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    pub fn now(&self) -> DateTime<Utc> {
        let offset = TimeDelta::milliseconds(self.offset_ms.load(Ordering::Relaxed));
        Utc::now() + offset
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Moves this clock, and every clone of it, forward by `by` (for tests:
    /// nothing in the server calls it).
    pub fn advance(&self, by: TimeDelta) {
        let ms = by.num_milliseconds();
        let now = self.offset_ms.fetch_add(ms, Ordering::Relaxed) + ms;
        self.moves.send_replace(now);
    }

    /// Wakes whenever the clock is moved (never for the system time passing).
    pub fn moves(&self) -> watch::Receiver<i64> {
        self.moves.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_move_together_and_the_system_clock_does_not_move_by_itself() {
        let clock = Clock::system();
        let other = clock.clone();
        let before = clock.today();
        other.advance(TimeDelta::days(3));
        assert_eq!(clock.today(), before + TimeDelta::days(3));
        assert!((Clock::system().now() - Utc::now()).num_seconds().abs() < 5);
    }
}
