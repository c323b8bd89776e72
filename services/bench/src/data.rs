//! Deterministic ledger data (benchmarks.md, "Data shape").
//!
//! R roadmaps with 5 priorities each, 2,000 organisations, pledges spread over
//! the roadmaps. Per pledge: 1 `PledgeMade`, 0-1 `PledgeRevised`, 1
//! `PledgeCommitted` (80 %), 0-4 `DisbursementRecorded` (committed pledges
//! only); plus `OrganisationRegistered`, `PartnershipRecorded` and
//! `ProposalSubmitted`, about 10 % of the events. Payloads are camelCase JSON
//! with decimal amounts as strings, like the domain's events.

use std::collections::HashMap;

use chrono::NaiveDate;
use fundtrail_domain::streams::{EntityKind, stream_name};
use fundtrail_store::{EventMetadata, NewEvent};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

pub const ORGANISATIONS: u32 = 2_000;
pub const PRIORITIES_PER_ROADMAP: u32 = 5;
/// Days of history the generated ledger spans (2019-01-01 onwards).
const HISTORY_DAYS: u32 = 2_555;

/// One event of one stream, ready to append: it gets stream version `version`
/// (so a command appends it with `ExpectedVersion::Exact(version - 1)`).
#[derive(Debug, Clone)]
pub struct Cmd {
    pub stream: String,
    pub version: u64,
    pub event: NewEvent,
    pub metadata: EventMetadata,
}

/// How a generated set is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// By the event's business date: the history of a ledger, as loaded by W3.
    Timeline,
    /// A uniformly random interleaving of the streams, each stream in causal
    /// order: any prefix has the full event mix (W1/W2 stop after a few seconds).
    Interleaved,
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub seed: u64,
    pub events: usize,
    pub roadmaps: u32,
    /// Added to every generated entity number, so that sets never share a stream.
    pub id_base: u32,
    pub order: Order,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
struct Money {
    amount: Decimal,
    currency: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Allocation {
    priority_id: String,
    amount: Decimal,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PledgeMade<'a> {
    pledge_id: &'a str,
    donor_id: &'a str,
    recipient_id: &'a str,
    roadmap_id: &'a str,
    kind: &'static str,
    amount: Money,
    allocations: Vec<Allocation>,
    pledged_on: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PledgeRevised<'a> {
    pledge_id: &'a str,
    amount: Money,
    allocations: Vec<Allocation>,
    reason: &'static str,
    revised_on: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PledgeCommitted<'a> {
    pledge_id: &'a str,
    amount: Money,
    reference: String,
    committed_on: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DisbursementRecorded<'a> {
    pledge_id: &'a str,
    disbursement_id: String,
    amount: Money,
    channel: &'static str,
    disbursed_on: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrganisationRegistered<'a> {
    organisation_id: &'a str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    acronym: Option<String>,
    kind: &'static str,
    country: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PartnershipRecorded<'a> {
    partnership_id: &'a str,
    party_ids: Vec<String>,
    title: String,
    themes: Vec<&'static str>,
    nature: Vec<&'static str>,
    priority_ids: Vec<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_on: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProposalSubmitted<'a> {
    proposal_id: &'a str,
    applicant_id: String,
    donor_id: String,
    title: String,
    requested: Money,
    themes: Vec<&'static str>,
    priority_ids: Vec<String>,
    submitted_on: String,
}

const CURRENCIES: [&str; 5] = ["XOF", "XOF", "XOF", "EUR", "USD"];
const THEMES: [&str; 8] = [
    "HEALTH",
    "EDUCATION",
    "WATER_SANITATION",
    "AGRICULTURE",
    "GOVERNANCE",
    "CLIMATE",
    "GENDER",
    "INFRASTRUCTURE",
];
const NATURES: [&str; 4] = ["FINANCIAL", "TECHNICAL", "INSTITUTIONAL", "IN_KIND"];
const ORG_KINDS: [&str; 5] = [
    "GOVERNMENT",
    "BILATERAL_DONOR",
    "MULTILATERAL",
    "NGO",
    "PRIVATE_SECTOR",
];
const COUNTRIES: [&str; 8] = ["SEN", "MLI", "BFA", "CIV", "NER", "FRA", "DEU", "USA"];
const CHANNELS: [&str; 3] = ["BUDGET_SUPPORT", "PROJECT_ACCOUNT", "DIRECT_PAYMENT"];
const REASONS: [&str; 3] = ["exchange rate update", "budget revision", "scope change"];
const WORDS: [&str; 12] = [
    "regional",
    "programme",
    "support",
    "health",
    "districts",
    "resilience",
    "water",
    "schools",
    "capacity",
    "rural",
    "nutrition",
    "access",
];

struct Draft {
    stream: u32,
    /// Sort key within the set (see [`Order`]).
    key: u64,
    event_type: &'static str,
    payload: String,
    actor: String,
}

struct Builder {
    rng: StdRng,
    spec: Spec,
    streams: Vec<String>,
    drafts: Vec<Draft>,
}

fn date(day: u32) -> String {
    let start = NaiveDate::from_ymd_opt(2019, 1, 1).expect("valid date");
    (start + chrono::Days::new(u64::from(day)))
        .format("%Y-%m-%d")
        .to_string()
}

fn org(n: u32) -> String {
    format!("org-{n:04}")
}

impl Builder {
    fn stream(&mut self, name: String) -> u32 {
        self.streams.push(name);
        (self.streams.len() - 1) as u32
    }

    fn push(
        &mut self,
        stream: u32,
        day: u32,
        event_type: &'static str,
        payload: String,
        actor: String,
    ) {
        let tie: u32 = self.rng.random();
        self.drafts.push(Draft {
            stream,
            key: (u64::from(day) << 32) | u64::from(tie),
            event_type,
            payload,
            actor,
        });
    }

    fn money(&mut self) -> Money {
        let currency = *CURRENCIES.choose(&mut self.rng).expect("currencies");
        let amount = if currency == "XOF" {
            Decimal::from(self.rng.random_range(1..=60_000u64) * 1_000)
        } else {
            Decimal::new(self.rng.random_range(100_000..=50_000_000i64), 2)
        };
        Money { amount, currency }
    }

    fn allocations(&mut self, roadmap: u32, total: Decimal) -> Vec<Allocation> {
        let parts = self.rng.random_range(1..=3u32);
        let mut priorities: Vec<u32> = (1..=PRIORITIES_PER_ROADMAP).collect();
        rand::seq::SliceRandom::shuffle(&mut priorities[..], &mut self.rng);
        let share = (total / Decimal::from(parts)).round_dp(0);
        (0..parts)
            .map(|i| Allocation {
                priority_id: format!("rm-{roadmap:02}-p{}", priorities[i as usize]),
                amount: if i + 1 == parts {
                    total - share * Decimal::from(parts - 1)
                } else {
                    share
                },
            })
            .collect()
    }

    fn actor(&mut self) -> String {
        format!(
            "user:{}/desk-{}",
            org(self.rng.random_range(1..=ORGANISATIONS)),
            self.rng.random_range(1..=9)
        )
    }

    fn title(&mut self) -> String {
        let n = self.rng.random_range(3..=6);
        (0..n)
            .map(|_| *WORDS.choose(&mut self.rng).expect("words"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn themes(&mut self) -> Vec<&'static str> {
        let n = self.rng.random_range(1..=3);
        (0..n)
            .map(|_| *THEMES.choose(&mut self.rng).expect("themes"))
            .collect()
    }

    fn priorities(&mut self) -> Vec<String> {
        let n = self.rng.random_range(1..=2);
        (0..n)
            .map(|_| {
                format!(
                    "rm-{:02}-p{}",
                    self.rng.random_range(1..=self.spec.roadmaps),
                    self.rng.random_range(1..=PRIORITIES_PER_ROADMAP)
                )
            })
            .collect()
    }

    fn organisation(&mut self, n: u32, early: bool) -> usize {
        let id = org(n);
        let stream = self.stream(stream_name(EntityKind::Organisation, &id));
        let day = if early {
            self.rng.random_range(0..365)
        } else {
            self.rng.random_range(0..HISTORY_DAYS)
        };
        let payload = OrganisationRegistered {
            organisation_id: &id,
            name: format!("{} {}", self.title(), id),
            acronym: self.rng.random_bool(0.6).then(|| format!("O{n}")),
            kind: ORG_KINDS.choose(&mut self.rng).expect("kinds"),
            country: COUNTRIES.choose(&mut self.rng).expect("countries"),
        };
        let payload = serde_json::to_string(&payload).expect("serialisable");
        let actor = self.actor();
        self.push(stream, day, "OrganisationRegistered", payload, actor);
        1
    }

    fn partnership(&mut self, n: u32) -> usize {
        let id = format!("pa-{n:06}");
        let stream = self.stream(stream_name(EntityKind::Partnership, &id));
        let day = self.rng.random_range(0..HISTORY_DAYS);
        let parties = self.rng.random_range(2..=4);
        let payload = PartnershipRecorded {
            partnership_id: &id,
            party_ids: (0..parties)
                .map(|_| org(self.rng.random_range(1..=ORGANISATIONS)))
                .collect(),
            title: self.title(),
            themes: self.themes(),
            nature: vec![NATURES.choose(&mut self.rng).expect("natures")],
            priority_ids: self.priorities(),
            status: if self.rng.random_bool(0.7) {
                "SIGNED"
            } else {
                "UNDER_NEGOTIATION"
            },
            signed_on: self.rng.random_bool(0.7).then(|| date(day)),
        };
        let payload = serde_json::to_string(&payload).expect("serialisable");
        let actor = self.actor();
        self.push(stream, day, "PartnershipRecorded", payload, actor);
        1
    }

    fn proposal(&mut self, n: u32) -> usize {
        let id = format!("pr-{n:06}");
        let stream = self.stream(stream_name(EntityKind::Proposal, &id));
        let day = self.rng.random_range(0..HISTORY_DAYS);
        let payload = ProposalSubmitted {
            proposal_id: &id,
            applicant_id: org(self.rng.random_range(1..=ORGANISATIONS)),
            donor_id: org(self.rng.random_range(1..=ORGANISATIONS)),
            title: self.title(),
            requested: self.money(),
            themes: self.themes(),
            priority_ids: self.priorities(),
            submitted_on: date(day),
        };
        let payload = serde_json::to_string(&payload).expect("serialisable");
        let actor = self.actor();
        self.push(stream, day, "ProposalSubmitted", payload, actor);
        1
    }

    /// One pledge's events; returns how many.
    fn pledge(&mut self, n: u32) -> usize {
        let id = format!("p-{n:06}");
        let stream = self.stream(stream_name(EntityKind::Pledge, &id));
        let roadmap = self.rng.random_range(1..=self.spec.roadmaps);
        let roadmap_id = format!("rm-{roadmap:02}");
        let donor = org(self.rng.random_range(1..=ORGANISATIONS));
        let recipient = org(self.rng.random_range(1..=ORGANISATIONS));
        let actor = format!("user:{donor}/desk-{}", self.rng.random_range(1..=9));
        let mut day = self.rng.random_range(30..HISTORY_DAYS - 900);
        let mut money = self.money();
        let allocations = self.allocations(roadmap, money.amount);
        let made = PledgeMade {
            pledge_id: &id,
            donor_id: &donor,
            recipient_id: &recipient,
            roadmap_id: &roadmap_id,
            kind: if self.rng.random_bool(0.85) {
                "CASH"
            } else {
                "IN_KIND"
            },
            amount: money,
            allocations,
            pledged_on: date(day),
        };
        let payload = serde_json::to_string(&made).expect("serialisable");
        self.push(stream, day, "PledgeMade", payload, actor.clone());
        let mut count = 1;

        if self.rng.random_bool(0.3) {
            day += self.rng.random_range(1..60);
            money.amount =
                (money.amount * Decimal::new(self.rng.random_range(80..=120), 2)).round_dp(0);
            let allocations = self.allocations(roadmap, money.amount);
            let revised = PledgeRevised {
                pledge_id: &id,
                amount: money,
                allocations,
                reason: REASONS.choose(&mut self.rng).expect("reasons"),
                revised_on: date(day),
            };
            let payload = serde_json::to_string(&revised).expect("serialisable");
            self.push(stream, day, "PledgeRevised", payload, actor.clone());
            count += 1;
        }
        if self.rng.random_bool(0.8) {
            day += self.rng.random_range(10..120);
            let committed = PledgeCommitted {
                pledge_id: &id,
                amount: money,
                reference: format!("CONV-{}-{n:06}", 2019 + day / 365),
                committed_on: date(day),
            };
            let payload = serde_json::to_string(&committed).expect("serialisable");
            self.push(stream, day, "PledgeCommitted", payload, actor.clone());
            count += 1;

            let disbursements = self.rng.random_range(0..=4u32);
            let share = (money.amount / Decimal::from(disbursements.max(1) + 1)).round_dp(0);
            for d in 1..=disbursements {
                day += self.rng.random_range(20..180);
                let disbursed = DisbursementRecorded {
                    pledge_id: &id,
                    disbursement_id: format!("d-{n:06}-{d}"),
                    amount: Money {
                        amount: share,
                        currency: money.currency,
                    },
                    channel: CHANNELS.choose(&mut self.rng).expect("channels"),
                    disbursed_on: date(day),
                };
                let payload = serde_json::to_string(&disbursed).expect("serialisable");
                self.push(stream, day, "DisbursementRecorded", payload, actor.clone());
                count += 1;
            }
        }
        count
    }
}

/// A set of about `spec.events` events (exactly that many, unless tiny),
/// each with its stream version, in the set's order.
pub fn generate(spec: Spec) -> Vec<Cmd> {
    let mut b = Builder {
        rng: StdRng::seed_from_u64(spec.seed),
        spec,
        streams: Vec::new(),
        drafts: Vec::with_capacity(spec.events + 16),
    };
    let target = spec.events;
    let others = target / 10;
    let organisations = (others / 2).min(ORGANISATIONS as usize) as u32;
    let partnerships = ((others - organisations as usize) / 2) as u32;
    let proposals = (others - organisations as usize - partnerships as usize) as u32;
    let early = spec.order == Order::Timeline;
    let mut made = 0;
    for n in 1..=organisations {
        // The load set registers the 2,000 referenced organisations; other
        // sets register new ones.
        let number = if spec.id_base == 0 {
            n
        } else {
            spec.id_base + n
        };
        made += b.organisation(number, early);
    }
    for n in 1..=partnerships {
        made += b.partnership(spec.id_base + n);
    }
    for n in 1..=proposals {
        made += b.proposal(spec.id_base + n);
    }
    let mut n = 0;
    while made < target {
        n += 1;
        made += b.pledge(spec.id_base + n);
    }

    if spec.order == Order::Interleaved {
        // Random keys, given to each stream's events in ascending order so a
        // stream stays in causal order.
        let mut per_stream: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, d) in b.drafts.iter().enumerate() {
            per_stream.entry(d.stream).or_default().push(i);
        }
        let mut streams: Vec<_> = per_stream.into_iter().collect();
        streams.sort_unstable_by_key(|(s, _)| *s);
        for (_, indexes) in streams {
            let mut keys: Vec<u64> = indexes.iter().map(|_| b.rng.random()).collect();
            keys.sort_unstable();
            for (i, key) in indexes.into_iter().zip(keys) {
                b.drafts[i].key = key;
            }
        }
    }
    // Stable: within a stream, equal keys keep their causal order.
    b.drafts.sort_by_key(|d| d.key);
    b.drafts.truncate(target);

    let mut versions = vec![0u64; b.streams.len()];
    let mut rng = StdRng::seed_from_u64(spec.seed ^ 0x5eed_c0de);
    b.drafts
        .into_iter()
        .map(|d| {
            let version = &mut versions[d.stream as usize];
            *version += 1;
            let command_id = uuid::Builder::from_random_bytes(rng.random()).into_uuid();
            Cmd {
                stream: b.streams[d.stream as usize].clone(),
                version: *version,
                event: NewEvent::new(
                    d.event_type,
                    fundtrail_domain::events::current_version(d.event_type).unwrap_or(1),
                    d.payload,
                ),
                metadata: EventMetadata {
                    actor: d.actor,
                    command_id: Some(command_id.to_string()),
                    correlation_id: None,
                    causation_id: None,
                },
            }
        })
        .collect()
}

/// The streams a set touches.
pub fn stream_count(cmds: &[Cmd]) -> usize {
    cmds.iter()
        .map(|c| c.stream.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// Average bytes per event: payload, plus event type and metadata.
pub fn average_sizes(cmds: &[Cmd]) -> (f64, f64) {
    if cmds.is_empty() {
        return (0.0, 0.0);
    }
    let payload: usize = cmds.iter().map(|c| c.event.payload.len()).sum();
    let with_meta: usize = cmds
        .iter()
        .map(|c| {
            c.event.payload.len()
                + c.event.event_type.len()
                + c.metadata.actor.len()
                + c.metadata.command_id.as_ref().map_or(0, String::len)
        })
        .sum();
    (
        payload as f64 / cmds.len() as f64,
        with_meta as f64 / cmds.len() as f64,
    )
}

/// Splits a set between `clients` by stream: every stream belongs to one client.
pub fn split_by_stream(cmds: Vec<Cmd>, clients: usize) -> Vec<Vec<Cmd>> {
    let mut owner: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Vec<Cmd>> = (0..clients).map(|_| Vec::new()).collect();
    for cmd in cmds {
        let next = owner.len() % clients;
        let client = *owner.entry(cmd.stream.clone()).or_insert(next);
        out[client].push(cmd);
    }
    out
}

/// A fresh id for a schema or directory name.
pub fn random_suffix() -> String {
    Uuid::new_v4().simple().to_string()[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(events: usize, order: Order) -> Spec {
        Spec {
            seed: 42,
            events,
            roadmaps: 20,
            id_base: 0,
            order,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let a = generate(spec(3_000, Order::Timeline));
        let b = generate(spec(3_000, Order::Timeline));
        assert_eq!(a.len(), 3_000);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(
                (&x.stream, x.version, &x.event.payload),
                (&y.stream, y.version, &y.event.payload)
            );
            assert_eq!(x.metadata, y.metadata);
        }
    }

    #[test]
    fn versions_count_each_stream_from_one_in_order() {
        for order in [Order::Timeline, Order::Interleaved] {
            let cmds = generate(spec(5_000, order));
            let mut seen: HashMap<&str, u64> = HashMap::new();
            for c in &cmds {
                let v = seen.entry(&c.stream).or_default();
                *v += 1;
                assert_eq!(c.version, *v, "stream {}", c.stream);
                if c.version == 1 && c.stream.starts_with("pledge-") {
                    assert_eq!(c.event.event_type, "PledgeMade");
                }
            }
        }
    }

    #[test]
    fn the_mix_and_sizes_look_like_a_ledger() {
        let cmds = generate(spec(20_000, Order::Timeline));
        let count = |t: &str| cmds.iter().filter(|c| c.event.event_type == t).count() as f64;
        let others = count("OrganisationRegistered")
            + count("PartnershipRecorded")
            + count("ProposalSubmitted");
        let share = others / cmds.len() as f64;
        assert!((0.08..=0.12).contains(&share), "other events are {share}");
        let committed = count("PledgeCommitted") / count("PledgeMade");
        assert!(
            (0.75..=0.85).contains(&committed),
            "committed share {committed}"
        );
        let (_, with_meta) = average_sizes(&cmds);
        assert!(
            (200.0..=400.0).contains(&with_meta),
            "average size {with_meta}"
        );
        for c in &cmds {
            serde_json::from_str::<serde_json::Value>(&c.event.payload).expect("JSON payload");
        }
    }

    #[test]
    fn splitting_keeps_each_stream_with_one_client_in_order() {
        let cmds = generate(spec(4_000, Order::Interleaved));
        let parts = split_by_stream(cmds, 16);
        let mut owner: HashMap<&str, usize> = HashMap::new();
        for (client, part) in parts.iter().enumerate() {
            let mut last: HashMap<&str, u64> = HashMap::new();
            for c in part {
                assert_eq!(*owner.entry(&c.stream).or_insert(client), client);
                let v = last.entry(&c.stream).or_default();
                assert_eq!(c.version, *v + 1);
                *v = c.version;
            }
        }
    }
}
