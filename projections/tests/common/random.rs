//! Random ledgers with every kind of fact (several currencies, unvalued and
//! undated pledges, revisions, cancellations, disbursement shares, late
//! priorities, rates, proposals and partnerships), and a comparison of two
//! read models through every query.
#![allow(dead_code)]

use chrono::{Duration, NaiveDate};
use fundtrail_domain::enums::*;
use fundtrail_domain::money::{Currency, Money};
use fundtrail_projections::{AuditFilter, DonorMapQuery, EntityKind, ReadModel};
use rust_decimal::Decimal;

use super::{Ledger, date, time};

pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

pub const ROADMAPS: [(&str, Currency); 3] = [
    ("ra", Currency::XOF),
    ("rb", Currency::EUR),
    ("rc", Currency::XOF),
];

fn priorities_of(r: &str) -> Vec<String> {
    (1..=3).map(|i| format!("{r}-p{i}")).collect()
}

struct Open {
    id: String,
    roadmap: String,
    currency: Currency,
    amount: Option<Decimal>,
    on: NaiveDate,
    committed: bool,
    cancelled: bool,
}

fn amount_str(a: Decimal, c: Currency) -> String {
    let mut a = a.round_dp(c.minor_units());
    a.rescale(c.minor_units());
    a.to_string()
}

/// Splits `amount` over up to two of the roadmap's priorities (or none).
fn allocations(
    rng: &mut Rng,
    roadmap: &str,
    amount: Decimal,
    c: Currency,
) -> Vec<(String, String)> {
    let prios = priorities_of(roadmap);
    match rng.below(4) {
        0 => vec![],
        1 | 2 => vec![(
            prios[rng.below(prios.len() as u64) as usize].clone(),
            amount_str(amount, c),
        )],
        _ => {
            let a =
                (amount * Decimal::from(1 + rng.below(9)) / Decimal::TEN).round_dp(c.minor_units());
            let (x, y) = (rng.below(3) as usize, rng.below(3) as usize);
            let y = if x == y { (y + 1) % 3 } else { y };
            vec![
                (prios[x].clone(), amount_str(a, c)),
                (prios[y].clone(), amount_str(amount - a, c)),
            ]
        }
    }
}

fn random_amount(rng: &mut Rng, c: Currency) -> Decimal {
    match c.minor_units() {
        0 => Decimal::from(1_000 * (1 + rng.below(50_000))),
        _ => Decimal::new((1 + rng.below(5_000_000)) as i64, 2),
    }
}

fn day(rng: &mut Rng) -> NaiveDate {
    date("2022-06-01") + Duration::days(rng.below(900) as i64)
}

/// About `steps` events after the set-up, deterministic from `seed`.
pub fn random_ledger(seed: u64, steps: usize) -> Ledger {
    let mut rng = Rng(seed);
    let mut l = Ledger::new();
    l.at("2024-01-01T00:00:00Z");
    l.org("gov", "Government", None, OrganisationKind::Government);
    for o in 0..12 {
        l.org(
            &format!("o{o}"),
            &format!("Organisation {o}"),
            None,
            OrganisationKind::ALL[o % OrganisationKind::ALL.len()],
        );
    }
    for (r, c) in ROADMAPS {
        l.roadmap(r, c);
        // the third priority comes later: pledges may name it before it exists
        for (i, p) in priorities_of(r).iter().enumerate().take(2) {
            l.priority(p, r, i as u32 + 1);
        }
        l.requirement(&format!("{r}-p1"), Money::new(Decimal::from(5_000_000), c));
    }
    l.rate(Currency::EUR, Currency::USD, "1.1", "2022-01-01");
    let mut open: Vec<Open> = Vec::new();
    let themes = [Theme::ChildLabour, Theme::ForcedLabour];
    for step in 0..steps {
        if step % 97 == 0 {
            let t = l.now + Duration::hours(rng.below(48) as i64);
            l.now = t;
        }
        l.by(if rng.chance(20) { "bob" } else { "alice" });
        if step == steps / 3 {
            l.rate(Currency::EUR, Currency::USD, "1.2", "2023-06-01");
        }
        if step == steps / 2 {
            for (i, (r, _)) in ROADMAPS.iter().enumerate() {
                l.priority(&format!("{r}-p3"), r, 3 + i as u32);
            }
            l.requirement("rb-p2", Money::new(Decimal::from(70_000), Currency::USD));
        }
        let roll = rng.below(100);
        if roll < 3 {
            let (r, _) = ROADMAPS[rng.below(3) as usize];
            l.proposal(
                &format!("pr{step}"),
                &format!("o{}", rng.below(12)),
                &format!("o{}", rng.below(12)),
                &[&format!("{r}-p1")],
                &themes[..1 + rng.below(2) as usize],
            );
            continue;
        }
        if roll < 5 {
            let (r, _) = ROADMAPS[rng.below(3) as usize];
            let (a, b) = (format!("o{}", rng.below(12)), format!("o{}", rng.below(12)));
            let prio = format!("{r}-p2");
            let prios: Vec<&str> = if rng.chance(50) { vec![&prio] } else { vec![] };
            l.partnership(&format!("pa{step}"), &[&a, &b], &prios, &themes[1..]);
            continue;
        }
        if (5..7).contains(&roll) && open.len() > 1 {
            // A funding link (#15) between two valued pledges in one currency.
            // the parent opened before the child: links never make a cycle
            let (x, y) = (
                rng.below(open.len() as u64) as usize,
                rng.below(open.len() as u64) as usize,
            );
            let (parent, child) = (&open[x.min(y)], &open[x.max(y)]);
            if let (Some(a), Some(_)) = (child.amount, parent.amount)
                && child.id != parent.id
                && child.currency == parent.currency
                && !child.cancelled
                && !parent.cancelled
            {
                let m = Money::new(
                    (a / Decimal::from(10)).round_dp(child.currency.minor_units()),
                    child.currency,
                );
                l.push(
                    &format!("pledge-{}", child.id),
                    fundtrail_domain::pledge::PledgeEvent::from(
                        fundtrail_domain::pledge::FundingLinked {
                            pledge_id: fundtrail_domain::ids::PledgeId::new_unchecked(&child.id),
                            funded_by_pledge_id: fundtrail_domain::ids::PledgeId::new_unchecked(
                                &parent.id,
                            ),
                            amount: m,
                            parent_amount: m,
                            rate: None,
                            rate_on: None,
                            reason: None,
                        },
                    ),
                );
            }
            continue;
        }
        if roll < 40 || open.is_empty() {
            let (r, rc) = ROADMAPS[rng.below(3) as usize];
            let c = match rng.below(10) {
                0..=5 => rc,
                6 | 7 => Currency::EUR,
                8 => Currency::USD,
                _ => Currency::XOF,
            };
            let id = format!("pl{step}");
            let on = day(&mut rng);
            let pledged_on = (!rng.chance(8)).then(|| on.to_string());
            let donor = format!("o{}", rng.below(12));
            let theme = &themes[..1 + rng.below(2) as usize];
            if rng.chance(10) {
                let prios = priorities_of(r);
                let ids: Vec<&str> = match rng.below(4) {
                    0 => vec![],
                    1 => vec![&prios[0], &prios[2]],
                    2 => vec!["elsewhere-p9", &prios[1]],
                    _ => vec![&prios[1]],
                };
                l.pledge(
                    &id,
                    &donor,
                    r,
                    None,
                    &[],
                    &ids,
                    pledged_on.as_deref(),
                    theme,
                );
                open.push(Open {
                    id,
                    roadmap: r.into(),
                    currency: c,
                    amount: None,
                    on,
                    committed: false,
                    cancelled: false,
                });
                continue;
            }
            let amount = random_amount(&mut rng, c);
            let allocs = allocations(&mut rng, r, amount, c);
            let allocs: Vec<(&str, &str)> = allocs
                .iter()
                .map(|(p, a)| (p.as_str(), a.as_str()))
                .collect();
            l.pledge(
                &id,
                &donor,
                r,
                Some(Money::new(amount, c)),
                &allocs,
                &[],
                pledged_on.as_deref(),
                theme,
            );
            open.push(Open {
                id,
                roadmap: r.into(),
                currency: c,
                amount: Some(amount),
                on,
                committed: false,
                cancelled: false,
            });
            continue;
        }
        let k = rng.below(open.len() as u64) as usize;
        let p = &mut open[k];
        if p.cancelled {
            continue;
        }
        let later = p.on + Duration::days(rng.below(60) as i64);
        match rng.below(10) {
            0..=3 if !p.committed => {
                let on = (!rng.chance(10)).then(|| later.to_string());
                let id = p.id.clone();
                p.committed = true;
                l.commit(&id, on.as_deref());
            }
            4..=6 if p.committed => {
                let (id, c, r) = (p.id.clone(), p.currency, p.roadmap.clone());
                let total = p.amount.unwrap_or(Decimal::from(1_000)) / Decimal::from(4);
                let total = total.round_dp(c.minor_units());
                let first = (total / Decimal::TWO).round_dp(c.minor_units());
                let prio = format!("{r}-p{}", 1 + rng.below(3));
                let a = amount_str(first, c);
                let b = amount_str(total - first, c);
                let shares: Vec<(Option<&str>, &str)> = if rng.chance(50) {
                    vec![(Some(prio.as_str()), a.as_str()), (None, b.as_str())]
                } else {
                    vec![
                        (Some(prio.as_str()), a.as_str()),
                        (Some(prio.as_str()), b.as_str()),
                    ]
                };
                let on = (!rng.chance(10)).then(|| later.to_string());
                l.disburse(
                    &id,
                    Money::new(total, c),
                    on.as_deref(),
                    &shares,
                    PledgeStatus::PartlyDisbursed,
                );
            }
            7 | 8 if p.amount.is_some() => {
                let (id, c, r) = (p.id.clone(), p.currency, p.roadmap.clone());
                let status = if p.committed {
                    PledgeStatus::Committed
                } else {
                    PledgeStatus::Pledged
                };
                let amount = random_amount(&mut rng, c);
                p.amount = Some(amount);
                let allocs = allocations(&mut rng, &r, amount, c);
                let allocs: Vec<(&str, &str)> = allocs
                    .iter()
                    .map(|(p, a)| (p.as_str(), a.as_str()))
                    .collect();
                l.revise(
                    &id,
                    Money::new(amount, c),
                    &allocs,
                    &later.to_string(),
                    status,
                );
            }
            9 => {
                let id = p.id.clone();
                p.cancelled = true;
                l.cancel(&id, &later.to_string());
            }
            _ => {}
        }
    }
    l
}

/// Dates to ask `on` and `asOf` at, over the ledger's span.
pub fn probe_dates(
    l: &Ledger,
) -> (
    Vec<Option<NaiveDate>>,
    Vec<Option<chrono::DateTime<chrono::Utc>>>,
) {
    let first = l
        .log
        .first()
        .map(|(e, _)| e.recorded_at)
        .unwrap_or(time("2024-01-01T00:00:00Z"));
    let last = l.log.last().map(|(e, _)| e.recorded_at).unwrap_or(first);
    let ons = vec![
        None,
        Some(date("2022-12-31")),
        Some(date("2023-06-30")),
        Some(date("2024-12-31")),
    ];
    let span = last - first;
    let as_ofs = vec![
        None,
        Some(first - Duration::seconds(1)),
        Some(first + span / 3),
        Some(first + span * 2 / 3),
        Some(last),
    ];
    (ons, as_ofs)
}

/// Asserts that two read models answer every query alike.
pub fn assert_same_answers(a: &ReadModel, b: &ReadModel, l: &Ledger) {
    assert_eq!(a.position(), b.position());
    let today = date("2024-06-01");
    let (ons, as_ofs) = probe_dates(l);
    for (r, _) in ROADMAPS {
        for currency in [
            None,
            Some(Currency::EUR),
            Some(Currency::USD),
            Some(Currency::XOF),
        ] {
            for on in &ons {
                for as_of in &as_ofs {
                    assert_eq!(
                        a.funding(r, currency, *as_of, *on, today),
                        b.funding(r, currency, *as_of, *on, today),
                        "funding {r} {currency:?} asOf {as_of:?} on {on:?}"
                    );
                }
            }
        }
        let q = DonorMapQuery {
            attribution: Default::default(),
            roadmap_id: Some(r.into()),
            theme: None,
            kind: None,
            currency: None,
            today,
        };
        assert_eq!(a.donor_map(&q), b.donor_map(&q), "donor map {r}");
        assert_eq!(a.roadmap(r), b.roadmap(r));
        assert_eq!(a.roadmap_priorities(r), b.roadmap_priorities(r));
        for p in a.roadmap_priorities(r) {
            assert_eq!(
                a.requirement_history(p.id.as_str()),
                b.requirement_history(p.id.as_str())
            );
        }
        assert_eq!(
            a.pledges(Some(r), None, None),
            b.pledges(Some(r), None, None)
        );
    }
    let q = DonorMapQuery {
        attribution: Default::default(),
        roadmap_id: None,
        theme: Some(Theme::ForcedLabour),
        kind: None,
        currency: Some(Currency::EUR),
        today,
    };
    assert_eq!(a.donor_map(&q), b.donor_map(&q));
    assert_eq!(a.organisations(None, None), b.organisations(None, None));
    assert_eq!(
        a.organisations(None, Some("organisation 1")),
        b.organisations(None, Some("organisation 1"))
    );
    assert_eq!(a.roadmaps(), b.roadmaps());
    assert_eq!(a.pledges(None, None, None), b.pledges(None, None, None));
    assert_eq!(
        a.pledges(None, Some("o3"), Some(PledgeStatus::Committed)),
        b.pledges(None, Some("o3"), Some(PledgeStatus::Committed))
    );
    assert_eq!(a.partnerships(None, None), b.partnerships(None, None));
    assert_eq!(a.proposals(None, None, None), b.proposals(None, None, None));
    assert_eq!(a.exchange_rates(), b.exchange_rates());
    for (env, _) in l.log.iter().step_by(7) {
        if let Some((kind, id)) = fundtrail_projections::audit::entity_of_stream(&env.stream_id) {
            assert_eq!(a.history_positions(kind, id), b.history_positions(kind, id));
        }
    }
    assert_eq!(
        a.history_positions(EntityKind::Organisation, "o1"),
        b.history_positions(EntityKind::Organisation, "o1")
    );
    let (_, as_ofs) = probe_dates(l);
    let filters = [
        AuditFilter::default(),
        AuditFilter {
            actor: Some("bob".into()),
            ..Default::default()
        },
        AuditFilter {
            entity_id: Some("o1".into()),
            ..Default::default()
        },
        AuditFilter {
            from: as_ofs[2],
            to: as_ofs[3],
            actor: Some("alice".into()),
            ..Default::default()
        },
    ];
    for f in &filters {
        for after in [None, Some(3), Some(a.position() / 2)] {
            assert_eq!(
                a.audit_positions(f, after, 17),
                b.audit_positions(f, after, 17),
                "audit {f:?} after {after:?}"
            );
        }
    }
    for t in as_ofs.iter().flatten() {
        assert_eq!(a.position_at(*t), b.position_at(*t));
    }
}
