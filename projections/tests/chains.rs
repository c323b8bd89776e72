//! Funding chains (issue #15), as properties over random ledgers: pledges in
//! XOF, EUR and USD with dated rates, links made and removed through the
//! domain's own decisions (so every link obeys the rules), chains up to
//! several levels deep with several roots.
//!
//! For every roadmap and both attributions:
//! - the total equals the sum, over the roadmap's pledges, of what each
//!   keeps (computed here from the events, independently of the projection);
//! - attribution to original sources adds up exactly to the same total, and
//!   so does the direct one;
//! - the fast (plain) answer equals the pledge-by-pledge fold;
//! - removing a link restores the previous figures exactly, and `asOf`
//!   before a link answers as before it;
//! - in one currency, the money counted over all roadmaps is the money that
//!   entered the chains: no unit is counted twice.

mod common;

use std::collections::HashMap;

use chrono::NaiveDate;
use common::random::Rng;
use common::{Ledger, date};
use fundtrail_domain::chain::{LinkFunding, UnlinkFunding};
use fundtrail_domain::enums::*;
use fundtrail_domain::events::AnyEvent;
use fundtrail_domain::exchange_rate::{ExchangeRateEvent, RateTable};
use fundtrail_domain::money::{Currency, Money, split_pro_rata};
use fundtrail_domain::pledge::{
    self, AllocationInput, CommitPledge, MakePledge, PledgeCommand, PledgeState, RecordDisbursement,
};
use fundtrail_domain::streams::{EntityKind, stream_name};
use fundtrail_projections::{Attribution, RoadmapFunding};
use rust_decimal::Decimal;

const TODAY: &str = "2024-06-01";
const ROADMAPS: [(&str, Currency); 2] = [("ra", Currency::XOF), ("rb", Currency::EUR)];

fn state_of(l: &Ledger, id: &str) -> PledgeState {
    let stream = stream_name(EntityKind::Pledge, id);
    l.log
        .iter()
        .filter(|(env, _)| env.stream_id == stream)
        .fold(PledgeState::default(), |s, (_, e)| match e {
            AnyEvent::Pledge(p) => pledge::evolve(s, p),
            _ => s,
        })
}

/// Decides `command` against the model (as the server does) and appends
/// what it decided; `false` when refused.
fn exec(l: &mut Ledger, id: &str, command: PledgeCommand) -> bool {
    let state = state_of(l, id);
    match pledge::decide(&state, &command, &l.model) {
        Ok(events) => {
            for e in events {
                l.push(&stream_name(EntityKind::Pledge, id), e);
            }
            true
        }
        Err(_) => false,
    }
}

/// Organisations `o0`..`o{orgs-1}` (NGOs) and `gov`, roadmap `ra` (XOF) with
/// priority `ra-p1`: the setting of the worked examples below.
fn small_ledger(orgs: usize) -> Ledger {
    let mut l = Ledger::new();
    for o in 0..orgs {
        l.org(
            &format!("o{o}"),
            &format!("Org {o}"),
            None,
            OrganisationKind::InternationalNgo,
        );
    }
    l.org("gov", "Gouvernement", None, OrganisationKind::Government);
    l.roadmap("ra", Currency::XOF);
    l.priority("ra-p1", "ra", 1);
    l
}

fn rates(l: &Ledger) -> RateTable {
    RateTable::from_events(l.log.iter().filter_map(|(_, e)| match e {
        AnyEvent::ExchangeRate(ExchangeRateEvent::ExchangeRateRecorded(r)) => Some(r),
        _ => None,
    }))
}

fn amount_of(rng: &mut Rng, c: Currency) -> Decimal {
    match c {
        Currency::XOF => Decimal::from(1_000 + rng.below(5_000_000)),
        _ => Decimal::new(10_000 + rng.below(10_000_000) as i64, 2),
    }
}

fn a_date(rng: &mut Rng) -> NaiveDate {
    date("2023-01-02") + chrono::Duration::days(rng.below(300) as i64)
}

/// A random ledger: organisations, two roadmaps, rates, `n` pledges (some
/// unvalued, committed, partly disbursed) and random links and unlinks.
struct World {
    ledger: Ledger,
    pledges: Vec<String>,
    links_made: usize,
}

fn world(seed: u64, currencies: &[Currency], n: usize, links: usize) -> World {
    let mut rng = Rng(seed);
    let mut l = Ledger::new();
    for o in 0..8 {
        l.org(
            &format!("o{o}"),
            &format!("Org {o}"),
            None,
            OrganisationKind::InternationalNgo,
        );
    }
    l.org("gov", "Gouvernement", None, OrganisationKind::Government);
    for (r, c) in ROADMAPS {
        l.roadmap(r, c);
        for p in 1..=3 {
            l.priority(&format!("{r}-p{p}"), r, p);
        }
    }
    l.rate(Currency::EUR, Currency::USD, "1.10", "2023-01-01");
    l.rate(Currency::EUR, Currency::USD, "1.0837", "2023-06-01");
    let mut pledges = Vec::new();
    for i in 0..n {
        let id = format!("p{i}");
        let (roadmap, _) = ROADMAPS[rng.below(2) as usize];
        let c = currencies[rng.below(currencies.len() as u64) as usize];
        let unvalued = rng.chance(10);
        let amount = amount_of(&mut rng, c);
        let allocations = if unvalued || rng.chance(30) {
            Vec::new()
        } else if rng.chance(50) {
            vec![AllocationInput {
                priority_id: format!("{roadmap}-p{}", 1 + rng.below(3)),
                amount,
            }]
        } else {
            let first =
                (amount * Decimal::new(1 + rng.below(9) as i64, 1)).round_dp(c.minor_units());
            vec![
                AllocationInput {
                    priority_id: format!("{roadmap}-p1"),
                    amount: first,
                },
                AllocationInput {
                    priority_id: format!("{roadmap}-p2"),
                    amount: amount - first,
                },
            ]
        };
        let made = exec(
            &mut l,
            &id,
            MakePledge {
                id: id.clone(),
                donor_id: Some(format!("o{}", rng.below(8))),
                recipient_id: Some("gov".into()),
                roadmap_id: roadmap.into(),
                kind: ContributionKind::Cash,
                amount: (!unvalued).then(|| Money::new(amount, c)),
                quantity: None,
                items: Vec::new(),
                beneficiaries: Vec::new(),
                status_stated: true,
                source: None,
                priority_ids: if unvalued {
                    vec![format!("{roadmap}-p3")]
                } else {
                    Vec::new()
                },
                allocations,
                pledged_on: Some(a_date(&mut rng)),
                proposal_id: None,
                partnership_id: None,
                themes: Vec::new(),
                description: None,
            }
            .into(),
        );
        assert!(made, "pledge {id} could not be made");
        if rng.chance(60) {
            exec(
                &mut l,
                &id,
                CommitPledge {
                    pledge_id: id.clone(),
                    committed_on: Some(date("2023-11-01")),
                }
                .into(),
            );
            if !unvalued && rng.chance(50) {
                exec(
                    &mut l,
                    &id,
                    RecordDisbursement {
                        pledge_id: id.clone(),
                        amount: Some((amount / Decimal::from(3)).round_dp(c.minor_units())),
                        disbursed_on: Some(date("2023-12-01")),
                    }
                    .into(),
                );
            }
        }
        pledges.push(id);
    }
    let mut links_made = 0;
    for _ in 0..links {
        let child = pledges[rng.below(n as u64) as usize].clone();
        let parent = pledges[rng.below(n as u64) as usize].clone();
        if rng.chance(15) {
            // an unlink of one of the child's links, if any
            if let Some(link) = state_of(&l, &child)
                .entity
                .and_then(|p| p.funded_by.first().cloned())
            {
                assert!(exec(
                    &mut l,
                    &child,
                    UnlinkFunding {
                        pledge_id: child.clone(),
                        funded_by_pledge_id: link.parent.as_str().into(),
                        reason: "corrected".into(),
                    }
                    .into(),
                ));
            }
            continue;
        }
        let Some(own) = state_of(&l, &child).entity.and_then(|p| p.amount) else {
            continue;
        };
        // a share of the child, often partial
        let share = Decimal::new(1 + rng.below(10) as i64, 1);
        let amount = (own.amount * share / Decimal::from(2)).round_dp(own.currency.minor_units());
        if amount <= Decimal::ZERO {
            continue;
        }
        if exec(
            &mut l,
            &child,
            LinkFunding {
                pledge_id: child.clone(),
                funded_by_pledge_id: parent,
                amount,
                reason: None,
            }
            .into(),
        ) {
            links_made += 1;
        }
    }
    World {
        ledger: l,
        pledges,
        links_made,
    }
}

/// What each pledge keeps now, from the events alone: amount less the
/// parent amounts of the links to it.
fn kept_by_pledge(w: &World) -> HashMap<String, Option<Money>> {
    let mut passed: HashMap<String, Decimal> = HashMap::new();
    for id in &w.pledges {
        if let Some(p) = state_of(&w.ledger, id).entity {
            for l in &p.funded_by {
                *passed.entry(l.parent.as_str().to_owned()).or_default() += l.parent_amount.amount;
            }
        }
    }
    w.pledges
        .iter()
        .map(|id| {
            let p = state_of(&w.ledger, id).entity.unwrap();
            let kept = p.amount.map(|a| {
                let k = a.amount - passed.get(id).copied().unwrap_or_default();
                assert!(k >= Decimal::ZERO, "{id} passes on more than it has");
                Money::new(k, a.currency)
            });
            (id.clone(), kept)
        })
        .collect()
}

/// The pledged total of `roadmap` in `to` from what each pledge keeps:
/// spread over its allocations pro rata, converted at its pledge date.
fn expected_pledged(w: &World, roadmap: &str, to: Currency) -> Decimal {
    let rates = rates(&w.ledger);
    let kept = kept_by_pledge(w);
    let mut total = Decimal::ZERO;
    for id in &w.pledges {
        let p = state_of(&w.ledger, id).entity.unwrap();
        if p.roadmap_id.as_str() != roadmap || p.status == PledgeStatus::Cancelled {
            continue;
        }
        let (Some(amount), Some(Some(k))) = (p.amount, kept.get(id)) else {
            continue;
        };
        if k.amount.is_zero() {
            continue;
        }
        let parts: Vec<Decimal> = if p.allocations.is_empty() {
            vec![k.amount]
        } else {
            let weights: Vec<Decimal> = p.allocations.iter().map(|a| a.amount).collect();
            if k.amount == amount.amount {
                weights
            } else {
                split_pro_rata("x", k.amount, &weights, amount.currency).unwrap()
            }
        };
        for part in parts {
            let m = Money::new(part, amount.currency);
            total += rates
                .convert(&m, to, p.pledged_on.unwrap())
                .unwrap()
                .money
                .amount;
        }
    }
    total
}

fn funding(w: &World, roadmap: &str, a: Attribution) -> RoadmapFunding {
    (*w.ledger
        .model
        .funding_attributed(roadmap, None, None, None, date(TODAY), a)
        .unwrap())
    .clone()
}

fn donors_sum(f: &RoadmapFunding) -> (Decimal, Decimal, Decimal) {
    f.total.donors.iter().fold(
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO),
        |(p, c, d), x| {
            (
                p + x.pledged.amount,
                c + x.committed.amount,
                d + x.disbursed.amount,
            )
        },
    )
}

/// The longest chain above `id` (0: funded by nothing).
fn depth(w: &World, id: &str, seen: usize) -> usize {
    if seen > 64 {
        return seen;
    }
    state_of(&w.ledger, id)
        .entity
        .map(|p| {
            p.funded_by
                .iter()
                .map(|l| 1 + depth(w, l.parent.as_str(), seen + 1))
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

#[test]
fn every_total_is_what_its_pledges_keep_and_both_attributions_add_up_to_it() {
    let mut chained_worlds = 0;
    let mut deepest = 0;
    for seed in 0..60 {
        let w = world(seed, &[Currency::XOF, Currency::EUR, Currency::USD], 18, 40);
        if w.links_made > 0 {
            chained_worlds += 1;
        }
        deepest = deepest.max(
            w.pledges
                .iter()
                .map(|id| depth(&w, id, 0))
                .max()
                .unwrap_or(0),
        );
        for (r, c) in ROADMAPS {
            let direct = funding(&w, r, Attribution::Direct);
            let original = funding(&w, r, Attribution::OriginalSource);
            let expected = expected_pledged(&w, r, c);
            assert_eq!(
                direct.total.pledged.amount, expected,
                "seed {seed} roadmap {r}: the total is not the sum of what the pledges keep"
            );
            // the lines do not depend on the attribution
            for (a, b) in [
                (&direct.total, &original.total),
                (&direct.unallocated, &original.unallocated),
            ] {
                assert_eq!(
                    (a.pledged, a.committed, a.disbursed, a.unvalued_count),
                    (b.pledged, b.committed, b.disbursed, b.unvalued_count),
                    "seed {seed} roadmap {r}"
                );
            }
            for f in [&direct, &original] {
                let (p, co, d) = donors_sum(f);
                assert_eq!(
                    (p, co, d),
                    (
                        f.total.pledged.amount,
                        f.total.committed.amount,
                        f.total.disbursed.amount
                    ),
                    "seed {seed} roadmap {r}: the donors' parts do not add up to the total"
                );
                assert!(f.total.disbursed.amount <= f.total.pledged.amount);
            }
            // the fast answer is the fold's
            for a in [Attribution::Direct, Attribution::OriginalSource] {
                let folded = w
                    .ledger
                    .model
                    .funding_folded_by(r, None, None, None, date(TODAY), a)
                    .unwrap();
                assert_eq!(funding(&w, r, a), folded, "seed {seed} roadmap {r} {a:?}");
            }
        }
    }
    assert!(
        chained_worlds > 50,
        "the random worlds hardly link: {chained_worlds}"
    );
}

#[test]
fn in_one_currency_no_unit_is_counted_twice() {
    for seed in 100..140 {
        let w = world(seed, &[Currency::EUR], 15, 40);
        // the money that entered: each pledge's own part (amount less what
        // its valued parents fund: money from an unvalued parent is known
        // only where it lands), over the valued pledges
        let mut entered = Decimal::ZERO;
        for id in &w.pledges {
            let p = state_of(&w.ledger, id).entity.unwrap();
            if let Some(a) = p.amount {
                let funded: Decimal = p
                    .funded_by
                    .iter()
                    .filter(|l| {
                        state_of(&w.ledger, l.parent.as_str())
                            .entity
                            .is_some_and(|x| x.amount.is_some())
                    })
                    .map(|l| l.amount.amount)
                    .sum();
                entered += a.amount - funded;
            }
        }
        let counted: Decimal = ROADMAPS
            .iter()
            .map(|(r, _)| {
                w.ledger
                    .model
                    .funding_attributed(
                        r,
                        Some(Currency::EUR),
                        None,
                        None,
                        date(TODAY),
                        Attribution::Direct,
                    )
                    .unwrap()
                    .total
                    .pledged
                    .amount
            })
            .sum();
        assert_eq!(counted, entered, "seed {seed}");
    }
}

#[test]
fn removing_a_link_restores_the_figures_and_as_of_before_it_answers_as_before() {
    let mut checked = 0;
    for seed in 200..240 {
        let mut w = world(seed, &[Currency::XOF, Currency::EUR, Currency::USD], 12, 20);
        let before: Vec<_> = ROADMAPS
            .iter()
            .flat_map(|(r, _)| {
                [Attribution::Direct, Attribution::OriginalSource].map(|a| funding(&w, r, a))
            })
            .collect();
        let cutoff = w.ledger.log.last().unwrap().0.recorded_at;
        // one more link, then its removal
        let mut rng = Rng(seed);
        let mut done = false;
        for _ in 0..50 {
            let child = w.pledges[rng.below(12) as usize].clone();
            let parent = w.pledges[rng.below(12) as usize].clone();
            let Some(own) = state_of(&w.ledger, &child).entity.and_then(|p| p.amount) else {
                continue;
            };
            let amount = (own.amount / Decimal::from(4)).round_dp(own.currency.minor_units());
            if exec(
                &mut w.ledger,
                &child,
                LinkFunding {
                    pledge_id: child.clone(),
                    funded_by_pledge_id: parent.clone(),
                    amount,
                    reason: Some("test".into()),
                }
                .into(),
            ) {
                let as_of: Vec<_> = ROADMAPS
                    .iter()
                    .flat_map(|(r, _)| {
                        [Attribution::Direct, Attribution::OriginalSource].map(|a| {
                            w.ledger
                                .model
                                .funding_attributed(r, None, Some(cutoff), None, date(TODAY), a)
                                .unwrap()
                        })
                    })
                    .collect();
                for (x, y) in before.iter().zip(&as_of) {
                    assert_eq!(
                        (&x.priorities, &x.unallocated, &x.total),
                        (&y.priorities, &y.unallocated, &y.total),
                        "seed {seed}: asOf before the link"
                    );
                }
                assert!(exec(
                    &mut w.ledger,
                    &child,
                    UnlinkFunding {
                        pledge_id: child.clone(),
                        funded_by_pledge_id: parent,
                        reason: "undo".into(),
                    }
                    .into(),
                ));
                done = true;
                break;
            }
        }
        if !done {
            continue;
        }
        checked += 1;
        let after: Vec<_> = ROADMAPS
            .iter()
            .flat_map(|(r, _)| {
                [Attribution::Direct, Attribution::OriginalSource].map(|a| funding(&w, r, a))
            })
            .collect();
        for (x, y) in before.iter().zip(&after) {
            assert_eq!(
                (&x.priorities, &x.unallocated, &x.total),
                (&y.priorities, &y.unallocated, &y.total),
                "seed {seed}: the removal did not restore the figures"
            );
        }
    }
    assert!(checked > 30, "too few links made: {checked}");
}

#[test]
fn a_three_level_chain_counts_each_level_once_and_attributes_to_the_foundation() {
    // a foundation (o0, EUR) funds ICI (o1, EUR), which funds CNLTP (o2, XOF)
    let mut l = small_ledger(3);
    let make = |id: &str, donor: &str, amount: &str, c: Currency| -> PledgeCommand {
        MakePledge {
            id: id.into(),
            donor_id: Some(donor.into()),
            recipient_id: Some("gov".into()),
            roadmap_id: "ra".into(),
            kind: ContributionKind::Cash,
            amount: Some(Money::new(amount.parse().unwrap(), c)),
            quantity: None,
            items: Vec::new(),
            beneficiaries: Vec::new(),
            status_stated: true,
            source: None,
            priority_ids: Vec::new(),
            allocations: vec![AllocationInput {
                priority_id: "ra-p1".into(),
                amount: amount.parse().unwrap(),
            }],
            pledged_on: Some(date("2023-06-01")),
            proposal_id: None,
            partnership_id: None,
            themes: Vec::new(),
            description: None,
        }
        .into()
    };
    assert!(exec(
        &mut l,
        "fdn",
        make("fdn", "o0", "100000", Currency::EUR)
    ));
    assert!(exec(
        &mut l,
        "ici",
        make("ici", "o1", "80000", Currency::EUR)
    ));
    assert!(exec(
        &mut l,
        "cnltp",
        make("cnltp", "o2", "32798000", Currency::XOF)
    ));
    let link = |child: &str, parent: &str, amount: &str| -> PledgeCommand {
        LinkFunding {
            pledge_id: child.into(),
            funded_by_pledge_id: parent.into(),
            amount: amount.parse().unwrap(),
            reason: None,
        }
        .into()
    };
    assert!(exec(&mut l, "ici", link("ici", "fdn", "80000")));
    // 32 798 000 XOF = 50 000.23 EUR at the peg: ICI keeps 29 999.77 EUR
    assert!(exec(&mut l, "cnltp", link("cnltp", "ici", "32798000")));
    let f = l
        .model
        .funding_attributed(
            "ra",
            Some(Currency::EUR),
            None,
            None,
            date(TODAY),
            Attribution::Direct,
        )
        .unwrap();
    // fdn keeps 20 000, ICI 29 999.77, CNLTP 32 798 000 XOF -> 50 000.23 EUR
    assert_eq!(
        f.total.pledged.amount,
        "100000.00".parse::<Decimal>().unwrap()
    );
    let by = |f: &RoadmapFunding, o: &str| {
        f.total
            .donors
            .iter()
            .find(|d| d.organisation_id == o)
            .map(|d| d.pledged.amount)
    };
    assert_eq!(by(&f, "o0"), Some("20000.00".parse().unwrap()));
    assert_eq!(by(&f, "o1"), Some("29999.77".parse().unwrap()));
    assert_eq!(by(&f, "o2"), Some("50000.23".parse().unwrap()));
    let o = l
        .model
        .funding_attributed(
            "ra",
            Some(Currency::EUR),
            None,
            None,
            date(TODAY),
            Attribution::OriginalSource,
        )
        .unwrap();
    // all of it came from the foundation
    assert_eq!(by(&o, "o0"), Some("100000.00".parse().unwrap()));
    assert_eq!(by(&o, "o1"), None);
    assert_eq!(by(&o, "o2"), None);
    let (kept, passed) = l.model.kept("ici").unwrap();
    assert_eq!(kept.amount, "29999.77".parse::<Decimal>().unwrap());
    assert_eq!(passed.amount, "50000.23".parse::<Decimal>().unwrap());
    let chain = l.model.chain("cnltp").unwrap();
    assert_eq!(chain.roots, vec!["fdn".to_string()]);
    assert_eq!(chain.up.len(), 2);
    assert_eq!(chain.leaves, vec!["cnltp".to_string()]);
    let channels = l
        .model
        .channels("ra", Some(Currency::EUR), date(TODAY))
        .unwrap();
    assert_eq!(channels.len(), 2, "{channels:?}"); // fdn's donor and ICI pass money on
    let ici = channels.iter().find(|c| c.organisation_id == "o1").unwrap();
    assert_eq!(
        ici.received.unwrap().amount,
        "80000.00".parse::<Decimal>().unwrap()
    );
    assert_eq!(
        ici.passed_on.unwrap().amount,
        "50000.23".parse::<Decimal>().unwrap()
    );
}

#[test]
fn a_channel_of_unvalued_pledges_shows_unknown_not_zero() {
    let mut l = small_ledger(2);
    l.pledge(
        "gift",
        "o0",
        "ra",
        None,
        &[],
        &["ra-p1"],
        Some("2023-06-01"),
        &[],
    );
    l.pledge(
        "onward",
        "o1",
        "ra",
        Some(Money::new(Decimal::from(1_000_000), Currency::XOF)),
        &[("ra-p1", "1000000")],
        &[],
        Some("2023-06-02"),
        &[],
    );
    let link = PledgeCommand::from(LinkFunding {
        pledge_id: "onward".into(),
        funded_by_pledge_id: "gift".into(),
        amount: Decimal::from(400_000),
        reason: None,
    });
    assert!(exec(&mut l, "onward", link));
    let channels = l.model.channels("ra", None, date(TODAY)).unwrap();
    let gift = channels.iter().find(|c| c.organisation_id == "o0").unwrap();
    assert_eq!((gift.pledges, gift.unvalued_count), (1, 1));
    assert_eq!(
        (gift.received, gift.passed_on, gift.kept),
        (None, None, None)
    );
}
