//! Catch-up-then-live subscriptions over any reader: page through what is
//! stored, then wait for the head to move (with a polling fallback in case a
//! notification is lost) and page again. Positions have no gaps, so a
//! subscriber checks that every event is the one it expects next.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, BoxStream, StreamExt};
use tokio::sync::watch;

use crate::error::StoreError;
use crate::traits::EventReader;
use crate::types::{Direction, RecordedEvent};

pub type EventStream = BoxStream<'static, Result<RecordedEvent, StoreError>>;

/// How a subscription pages and waits.
#[derive(Debug, Clone, Copy)]
pub struct SubscriptionOptions {
    pub page_size: usize,
    /// Read again after this long even without a head notification.
    pub poll_interval: Duration,
}

impl Default for SubscriptionOptions {
    fn default() -> Self {
        SubscriptionOptions {
            page_size: 2_000,
            poll_interval: Duration::from_millis(500),
        }
    }
}

struct State<R: ?Sized> {
    reader: Arc<R>,
    head: watch::Receiver<u64>,
    next: u64,
    buffer: VecDeque<RecordedEvent>,
    options: SubscriptionOptions,
    done: bool,
}

/// A subscription from `from_position` (inclusive). `head` carries the last
/// appended position as the backend learns it.
pub fn catch_up<R>(
    reader: Arc<R>,
    head: watch::Receiver<u64>,
    from_position: u64,
    options: SubscriptionOptions,
) -> EventStream
where
    R: EventReader + ?Sized + 'static,
{
    let state = State {
        reader,
        head,
        next: from_position.max(1),
        buffer: VecDeque::new(),
        options,
        done: false,
    };
    stream::unfold(state, |mut state| async move {
        if state.done {
            return None;
        }
        loop {
            if let Some(event) = state.buffer.pop_front() {
                return Some((Ok(event), state));
            }
            let page = match state
                .reader
                .read_all(state.next, Direction::Forward, state.options.page_size)
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    state.done = true;
                    return Some((Err(e), state));
                }
            };
            if page.is_empty() {
                if *state.head.borrow_and_update() >= state.next {
                    continue;
                }
                match tokio::time::timeout(state.options.poll_interval, state.head.changed()).await
                {
                    Ok(Err(_closed)) => return None,
                    Ok(Ok(())) | Err(_) => continue,
                }
            }
            for event in page {
                if event.position != state.next {
                    state.done = true;
                    let e = StoreError::Corrupt(format!(
                        "expected position {} next but read {}",
                        state.next, event.position
                    ));
                    return Some((Err(e), state));
                }
                state.next += 1;
                state.buffer.push_back(event);
            }
        }
    })
    .boxed()
}
