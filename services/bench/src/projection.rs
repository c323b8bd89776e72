//! The projection-like fold of W4: every payload is deserialized with
//! serde_json into a small typed view; amounts are summed per roadmap and
//! currency as `Decimal`; events are counted per type.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use fundtrail_store::RecordedEvent;
use rust_decimal::Decimal;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoneyView<'a> {
    amount: Decimal,
    #[serde(borrow)]
    currency: Cow<'a, str>,
}

/// The fields the fold needs from any event; the rest is skipped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct View<'a> {
    #[serde(borrow, default)]
    pledge_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    roadmap_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    amount: Option<MoneyView<'a>>,
    #[serde(borrow, default)]
    requested: Option<MoneyView<'a>>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Totals {
    pub pledged: Decimal,
    pub committed: Decimal,
    pub disbursed: Decimal,
}

/// Funding per roadmap, the shape of `fundingByPriority` one level up.
#[derive(Debug, Default)]
pub struct Fold {
    pub events: u64,
    pub per_type: HashMap<String, u64>,
    /// pledge id -> (roadmap index, current pledged amount).
    pledges: HashMap<String, (usize, Decimal)>,
    roadmaps: Vec<String>,
    roadmap_index: HashMap<String, usize>,
    /// (roadmap index, currency) -> totals.
    totals: HashMap<(usize, String), Totals>,
    pub requested: HashMap<String, Decimal>,
    pub errors: u64,
}

impl Fold {
    pub fn apply(&mut self, event: &RecordedEvent) {
        self.events += 1;
        match self.per_type.get_mut(event.event_type.as_str()) {
            Some(n) => *n += 1,
            None => {
                self.per_type.insert(event.event_type.clone(), 1);
            }
        }
        let Ok(view) = serde_json::from_str::<View<'_>>(&event.payload) else {
            self.errors += 1;
            return;
        };
        match event.event_type.as_str() {
            "PledgeMade" | "PledgeRevised" => {
                let (Some(pledge), Some(money)) = (view.pledge_id, view.amount) else {
                    self.errors += 1;
                    return;
                };
                let roadmap = match (view.roadmap_id, self.pledges.get(pledge.as_ref())) {
                    (Some(r), _) => self.roadmap(&r),
                    (None, Some((r, _))) => *r,
                    (None, None) => {
                        self.errors += 1;
                        return;
                    }
                };
                let previous = self
                    .pledges
                    .insert(pledge.into_owned(), (roadmap, money.amount))
                    .map_or(Decimal::ZERO, |(_, a)| a);
                self.totals_for(roadmap, &money.currency).pledged += money.amount - previous;
            }
            "PledgeCommitted" | "DisbursementRecorded" => {
                let (Some(pledge), Some(money)) = (view.pledge_id, view.amount) else {
                    self.errors += 1;
                    return;
                };
                let Some(&(roadmap, _)) = self.pledges.get(pledge.as_ref()) else {
                    self.errors += 1;
                    return;
                };
                let totals = self.totals_for(roadmap, &money.currency);
                if event.event_type == "PledgeCommitted" {
                    totals.committed += money.amount;
                } else {
                    totals.disbursed += money.amount;
                }
            }
            "ProposalSubmitted" => {
                if let Some(money) = view.requested {
                    *self
                        .requested
                        .entry(money.currency.into_owned())
                        .or_default() += money.amount;
                }
            }
            _ => {}
        }
    }

    fn roadmap(&mut self, id: &str) -> usize {
        if let Some(&i) = self.roadmap_index.get(id) {
            return i;
        }
        self.roadmaps.push(id.to_owned());
        self.roadmap_index
            .insert(id.to_owned(), self.roadmaps.len() - 1);
        self.roadmaps.len() - 1
    }

    fn totals_for(&mut self, roadmap: usize, currency: &str) -> &mut Totals {
        self.totals
            .entry((roadmap, currency.to_owned()))
            .or_default()
    }

    /// The totals by roadmap id and currency, sorted: equal for two backends
    /// that hold the same events.
    pub fn summary(&self) -> BTreeMap<(String, String), Totals> {
        self.totals
            .iter()
            .map(|((r, c), t)| ((self.roadmaps[*r].clone(), c.clone()), t.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Order, Spec, generate};
    use fundtrail_store::{EventHash, EventMetadata};

    fn recorded(position: u64, event_type: &str, payload: &str) -> RecordedEvent {
        RecordedEvent {
            position,
            stream_id: "s".into(),
            version: position,
            event_id: uuid::Uuid::nil(),
            event_type: event_type.into(),
            schema_version: 1,
            payload: payload.into(),
            metadata: EventMetadata::default(),
            recorded_at: chrono::DateTime::UNIX_EPOCH,
            hash: EventHash::ZERO,
        }
    }

    #[test]
    fn a_revision_replaces_the_pledged_amount_and_disbursements_add_up() {
        let mut fold = Fold::default();
        let events = [
            (
                "PledgeMade",
                r#"{"pledgeId":"p1","roadmapId":"rm-01","amount":{"amount":"100","currency":"XOF"}}"#,
            ),
            (
                "PledgeRevised",
                r#"{"pledgeId":"p1","amount":{"amount":"120","currency":"XOF"}}"#,
            ),
            (
                "PledgeCommitted",
                r#"{"pledgeId":"p1","amount":{"amount":"120","currency":"XOF"}}"#,
            ),
            (
                "DisbursementRecorded",
                r#"{"pledgeId":"p1","amount":{"amount":"40.5","currency":"XOF"}}"#,
            ),
            (
                "DisbursementRecorded",
                r#"{"pledgeId":"p1","amount":{"amount":"40.5","currency":"XOF"}}"#,
            ),
        ];
        for (i, (t, p)) in events.iter().enumerate() {
            fold.apply(&recorded(i as u64 + 1, t, p));
        }
        let summary = fold.summary();
        let totals = &summary[&("rm-01".to_string(), "XOF".to_string())];
        assert_eq!(totals.pledged, Decimal::from(120));
        assert_eq!(totals.committed, Decimal::from(120));
        assert_eq!(totals.disbursed, Decimal::new(810, 1));
        assert_eq!(fold.per_type["DisbursementRecorded"], 2);
        assert_eq!(fold.errors, 0);
    }

    #[test]
    fn generated_events_fold_without_errors() {
        let cmds = generate(Spec {
            seed: 7,
            events: 5_000,
            roadmaps: 20,
            id_base: 0,
            order: Order::Timeline,
        });
        let mut fold = Fold::default();
        for (i, c) in cmds.iter().enumerate() {
            fold.apply(&recorded(
                i as u64 + 1,
                &c.event.event_type,
                &c.event.payload,
            ));
        }
        assert_eq!(fold.errors, 0);
        assert_eq!(fold.events, 5_000);
        assert!(fold.summary().len() > 20);
    }
}
