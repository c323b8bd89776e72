//! Walking the hash chain.

use serde::Serialize;

use crate::error::StoreError;
use crate::hash::{EventHash, expected_hash};
use crate::traits::EventReader;
use crate::types::Direction;

const PAGE: usize = 5_000;

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyBreak {
    pub position: u64,
    pub problem: BreakKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum BreakKind {
    /// The event at this position does not hash to its stored hash after the
    /// previous one: altered, or moved from elsewhere.
    HashMismatch,
    /// No event at this position, though later ones exist.
    Missing,
    /// The head records more (or other) events than the log holds.
    HeadMismatch,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Events checked before the first break (all of them when there is none).
    pub checked: u64,
    /// The hash of the last good event.
    pub last_hash: String,
    pub first_break: Option<VerifyBreak>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

pub async fn verify_chain<R: EventReader + ?Sized>(reader: &R) -> Result<VerifyReport, StoreError> {
    let mut previous = EventHash::ZERO;
    let mut next = 1u64;
    let broken = |position, problem, checked, previous: EventHash| VerifyReport {
        checked,
        last_hash: previous.to_hex(),
        first_break: Some(VerifyBreak { position, problem }),
    };
    loop {
        let page = reader.read_all(next, Direction::Forward, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for event in &page {
            if event.position != next {
                return Ok(broken(next, BreakKind::Missing, next - 1, previous));
            }
            if expected_hash(&previous, event) != event.hash {
                return Ok(broken(next, BreakKind::HashMismatch, next - 1, previous));
            }
            previous = event.hash;
            next += 1;
        }
    }
    let head = reader.head().await?;
    if head.position != next - 1 || (head.position > 0 && head.hash != previous) {
        return Ok(broken(next, BreakKind::HeadMismatch, next - 1, previous));
    }
    Ok(VerifyReport {
        checked: next - 1,
        last_hash: previous.to_hex(),
        first_break: None,
    })
}
