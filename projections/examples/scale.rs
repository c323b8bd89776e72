//! Folds N synthetic events (`--events N`, default 1,000,000), then prints the
//! resident memory and the latency of funding queries, one figure per line.
//! `cargo run --release -p fundtrail-projections --example scale -- --events 1000000`
#[path = "../tests/common/synth.rs"]
mod synth;

use std::time::Instant;

use chrono::NaiveDate;

fn rss_mib(field: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or(0.0, |k| k / 1024.0)
}

fn percentiles(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], v[(v.len() * 99) / 100])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let events = args
        .iter()
        .position(|a| a == "--events")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000usize);
    let t = Instant::now();
    let s = synth::build(events);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "fold: {events} events in {secs:.2} s ({:.0} events/s)",
        events as f64 / secs
    );
    println!(
        "rss: {:.1} MiB (peak {:.1} MiB)",
        rss_mib("VmRSS:"),
        rss_mib("VmHWM:")
    );
    let m = &s.model;
    let mid = s.start + (s.end - s.start) / 2;
    let on = NaiveDate::from_ymd_opt(2023, 12, 31);
    let base = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    type Case<'a> = (&'static str, Box<dyn Fn(usize) -> usize + 'a>);
    let cases: [Case<'_>; 4] = [
        (
            "plain (cached)",
            Box::new(|i| {
                m.funding(&synth::rid(i % synth::ROADMAPS), None, None, None, base)
                    .unwrap()
                    .priorities
                    .len()
            }),
        ),
        (
            "plain (uncached)",
            Box::new(|i| {
                let today = base + chrono::Duration::days(i as i64 + 1);
                m.funding(&synth::rid(i % synth::ROADMAPS), None, None, None, today)
                    .unwrap()
                    .priorities
                    .len()
            }),
        ),
        (
            "asOf mid-history",
            Box::new(|i| {
                m.funding(
                    &synth::rid(i % synth::ROADMAPS),
                    None,
                    Some(mid),
                    None,
                    base,
                )
                .unwrap()
                .priorities
                .len()
            }),
        ),
        (
            "on 2023-12-31",
            Box::new(|i| {
                m.funding(&synth::rid(i % synth::ROADMAPS), None, None, on, base)
                    .unwrap()
                    .priorities
                    .len()
            }),
        ),
    ];
    for (name, f) in &cases {
        let mut times = Vec::new();
        for i in 0..200 {
            let t = Instant::now();
            std::hint::black_box(f(i));
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (p50, p99) = percentiles(times);
        println!("funding {name}: p50 {p50:.3} ms, p99 {p99:.3} ms");
    }
}
