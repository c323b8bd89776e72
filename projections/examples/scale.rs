//! Folds N synthetic events (`--events N`, default 1,000,000), then prints the
//! resident memory and the latency of funding queries, one figure per line.
//! `cargo run --release -p fundtrail-projections --example scale -- --events 1000000`
//! (`--only uncached` runs one kind of query, for profiling)
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
    let t = Instant::now();
    let bytes = s.model.snapshot();
    let snap_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let restored = fundtrail_projections::ReadModel::restore(&bytes).expect("restore");
    let restore_secs = t.elapsed().as_secs_f64();
    println!(
        "snapshot: {:.1} MiB, written in {:.2} s, restored in {:.2} s",
        bytes.len() as f64 / (1024.0 * 1024.0),
        snap_secs,
        restore_secs
    );
    assert_eq!(restored.position(), s.model.position());
    drop((bytes, restored));
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
            "asOf mid-history (uncached)",
            Box::new(|i| {
                // a new `today` each time: answers are cached per day
                let today = base + chrono::Duration::days(i as i64 + 1);
                m.funding(
                    &synth::rid(i % synth::ROADMAPS),
                    None,
                    Some(mid),
                    None,
                    today,
                )
                .unwrap()
                .priorities
                .len()
            }),
        ),
        (
            "on 2023-12-31 (uncached)",
            Box::new(|i| {
                let today = base + chrono::Duration::days(i as i64 + 1);
                m.funding(&synth::rid(i % synth::ROADMAPS), None, None, on, today)
                    .unwrap()
                    .priorities
                    .len()
            }),
        ),
    ];
    // `--only uncached` runs just the cases whose name contains the word (for profiling)
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    for (name, f) in &cases {
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        let iterations = if only.is_some() { 2_000 } else { 200 };
        let mut times = Vec::new();
        for i in 0..iterations {
            let t = Instant::now();
            std::hint::black_box(f(i));
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (p50, p99) = percentiles(times);
        println!("funding {name}: p50 {p50:.3} ms, p99 {p99:.3} ms");
    }
}
