//! `fundtrail-bench soak` (issue #17): the real `fundtrail serve` on
//! loopback under a fixed request rate for minutes, with a mix of GraphQL
//! reads, GraphQL mutations with a token, `fundingChanged` subscriptions
//! kept open over websockets and CSV exports. Every window (a minute by
//! default) it samples the server process's resident memory (`VmRSS`), its
//! open file descriptors (`/proc/<pid>/fd`) and the p99 latency of the
//! window's admitted requests, prints one row, and at the end checks that
//! each series stayed flat: no window from minute 5 on (from the first
//! window in runs shorter than 6 windows) more than 10 % above that
//! window's value. The rows also go to a CSV file (`--out`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::Result;
use crate::api_bench::{FUNDING_QUERY, Server, free_port, load_ledger, server_binary};

/// Longest run accepted, in minutes.
const MAX_MINUTES: f64 = 24.0 * 60.0;
/// Longest any one request may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// "Flat": no later window more than this share above the first compared one.
const FLAT: f64 = 0.10;
/// Windows compared from (1-based) in runs long enough.
const SETTLED_FROM: usize = 5;

/// `fundtrail-bench soak`.
#[derive(clap::Args)]
pub struct SoakArgs {
    /// Length of the run in minutes (at most a day).
    #[arg(long, default_value_t = 10.0)]
    pub minutes: f64,
    /// Length of the run in seconds instead (short CI runs).
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Concurrent HTTP clients sharing the rate.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Requests per second, all clients together, fixed (the clients are paced,
    /// not closed-loop).
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,
    /// `fundingChanged` subscriptions kept open for the whole run.
    #[arg(long, default_value_t = 4)]
    pub subscriptions: usize,
    /// Events in the ledger served (made by the domain, as for `api`).
    #[arg(long, default_value_t = 20_000)]
    pub events: usize,
    #[arg(long, default_value_t = 5)]
    pub roadmaps: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Seconds per sample window (a minute; shorter only to try the mode out).
    #[arg(long, default_value_t = 60.0)]
    pub window_seconds: f64,
    /// The CSV file of the samples.
    #[arg(long, default_value = "soak.csv")]
    pub out: PathBuf,
    /// The fundtrail binary to serve with (default: the one beside this binary).
    #[arg(long)]
    pub server: Option<PathBuf>,
    /// Print the p99 check but do not fail on it (a 2-minute debug-build run
    /// on a shared CI machine has too few windows to judge latency by; RSS,
    /// descriptors, errors and subscriptions still decide).
    #[arg(long)]
    pub p99_advisory: bool,
}

/// What a request was.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Write,
    Export,
}

/// One request's outcome.
struct Done {
    at: Duration,
    latency: Duration,
    /// 503/429 answered by the server's load shedding or rate limit.
    shed: bool,
    ok: bool,
    kind: Kind,
}

/// One window's row.
#[derive(Debug, Clone)]
pub struct Sample {
    pub window: usize,
    pub end_secs: f64,
    pub requests: usize,
    pub writes: usize,
    pub exports: usize,
    pub errors: usize,
    pub shed: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// p99 of the window's admitted reads, writes and exports apart (which
    /// kind makes the tail).
    pub p99_by_kind_ms: [f64; 3],
    pub rss_mib: f64,
    pub fds: usize,
    /// The descriptors by what they are (sockets, regular files, other).
    pub fd_kinds: FdKinds,
    pub pushes: u64,
}

/// Open descriptors by target, read from the `/proc/<pid>/fd` links.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FdKinds {
    pub sockets: usize,
    pub files: usize,
    pub other: usize,
}

impl Sample {
    pub const CSV_HEADER: &str = "window,end_s,requests,writes,exports,errors,shed,p50_ms,p99_ms,p99_read_ms,p99_write_ms,p99_export_ms,rss_mib,fds,fd_sockets,fd_files,fd_other,subscription_pushes";

    fn csv(&self) -> String {
        format!(
            "{},{:.1},{},{},{},{},{},{:.2},{:.2},{:.2},{:.2},{:.2},{:.1},{},{},{},{},{}",
            self.window,
            self.end_secs,
            self.requests,
            self.writes,
            self.exports,
            self.errors,
            self.shed,
            self.p50_ms,
            self.p99_ms,
            self.p99_by_kind_ms[0],
            self.p99_by_kind_ms[1],
            self.p99_by_kind_ms[2],
            self.rss_mib,
            self.fds,
            self.fd_kinds.sockets,
            self.fd_kinds.files,
            self.fd_kinds.other,
            self.pushes
        )
    }

    fn row(&self) -> String {
        format!(
            "{:>6} {:>7.0} {:>8} {:>6} {:>7} {:>6} {:>5} {:>8.2} {:>8.2} {:>6.1}/{:>5.1}/{:>5.1} {:>8.1} {:>5} {:>10} {:>7}",
            self.window,
            self.end_secs,
            self.requests,
            self.writes,
            self.exports,
            self.errors,
            self.shed,
            self.p50_ms,
            self.p99_ms,
            self.p99_by_kind_ms[0],
            self.p99_by_kind_ms[1],
            self.p99_by_kind_ms[2],
            self.rss_mib,
            self.fds,
            format!(
                "{}/{}/{}",
                self.fd_kinds.sockets, self.fd_kinds.files, self.fd_kinds.other
            ),
            self.pushes
        )
    }
}

const TABLE_HEADER: &str = "window   end s requests writes exports errors  shed   p50 ms   p99 ms  read/write/export  RSS MiB   fds sock/file/o  pushes";

/// The check of one series: from `from` (0-based) on, no value more than
/// [`FLAT`] above the value at `from`.
#[derive(Debug, Clone, PartialEq)]
pub struct Flatness {
    pub name: &'static str,
    pub base: f64,
    pub worst: f64,
    pub pass: bool,
}

pub fn flatness(name: &'static str, series: &[f64], from: usize) -> Flatness {
    let tail = &series[from.min(series.len().saturating_sub(1))..];
    let base = tail.first().copied().unwrap_or_default();
    let worst = tail.iter().copied().fold(base, f64::max);
    Flatness {
        name,
        base,
        worst,
        pass: worst <= base * (1.0 + FLAT),
    }
}

/// Where the comparison starts (0-based window) and how to say it.
pub fn compared_from(windows: usize) -> (usize, String) {
    if windows > SETTLED_FROM {
        (
            SETTLED_FROM - 1,
            format!("flat within 10 % from window {SETTLED_FROM} to the end"),
        )
    } else {
        (
            0,
            format!(
                "flat within 10 % from window 1 to the end (run shorter than {} windows: \
                 compared from the first, not from window {SETTLED_FROM})",
                SETTLED_FROM + 1
            ),
        )
    }
}

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The process's open descriptors, and what they point at.
fn open_fds(pid: u32) -> (usize, FdKinds) {
    let mut kinds = FdKinds::default();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return (0, kinds);
    };
    for entry in dir.flatten() {
        match std::fs::read_link(entry.path()) {
            Ok(target) if target.to_string_lossy().starts_with("socket:") => kinds.sockets += 1,
            Ok(target) if target.is_absolute() => kinds.files += 1,
            _ => kinds.other += 1,
        }
    }
    (kinds.sockets + kinds.files + kinds.other, kinds)
}

/// The `n`th request of the mix: 14 reads, 3 writes, 3 exports in 20. A
/// worker's first write makes its pledge (`pledge` then holds its id), the
/// later ones revise it.
fn request(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    roadmaps: &[String],
    n: u64,
    pledge: Option<&str>,
) -> (Kind, reqwest::RequestBuilder) {
    let roadmap = &roadmaps[(n as usize / 20) % roadmaps.len()];
    match n % 20 {
        0..=9 => (
            Kind::Read,
            client
                .post(format!("{base}/graphql"))
                .json(&json!({"query": FUNDING_QUERY, "variables": {"roadmap": roadmap}})),
        ),
        10..=13 => (
            Kind::Read,
            client.post(format!("{base}/graphql")).json(&json!({
                "query": "query($s: String) { roadmaps { id title } organisations(search: $s) { id name } }",
                "variables": {"s": format!("Organisation 0{}", n % 10)},
            })),
        ),
        14..=16 => {
            let amount = (1_000 + n % 9_000).to_string();
            let body = match pledge {
                // The worker's own pledge, revised: the ledger grows, the
                // read model's size (and so each read's cost) does not.
                Some(id) => json!({
                    "query": "mutation($input: RevisePledgeInput!) { revisePledge(input: $input) { id } }",
                    "variables": {"input": {
                        "commandId": format!("soak-{n}"),
                        "pledgeId": id,
                        "amount": {"amount": amount, "currency": "XOF"},
                        "revisedOn": "2024-06-02",
                        "reason": "soak",
                    }},
                }),
                None => json!({
                    "query": "mutation($input: PledgeInput!) { pledge(input: $input) { id } }",
                    "variables": {"input": {
                        "commandId": format!("soak-{n}"),
                        "donorId": format!("org-{:04}", n % 2_000),
                        "recipientId": format!("org-{:04}", (n / 7) % 2_000),
                        "roadmapId": roadmap,
                        "kind": "CASH",
                        "amount": {"amount": amount, "currency": "XOF"},
                        "pledgedOn": "2024-06-01",
                    }},
                }),
            };
            (
                Kind::Write,
                client
                    .post(format!("{base}/graphql"))
                    .bearer_auth(token)
                    .json(&body),
            )
        }
        _ => (
            Kind::Export,
            client.get(format!("{base}/export/funding.csv?roadmap={roadmap}")),
        ),
    }
}

/// Sends one request: (answered without error, shed with 503/429, the id
/// of a pledge made).
async fn send(kind: Kind, request: reqwest::RequestBuilder) -> (bool, bool, Option<String>) {
    match request.send().await {
        Ok(r) if r.status().is_success() => {
            if kind == Kind::Export {
                (r.bytes().await.is_ok(), false, None)
            } else {
                match r.json::<Value>().await {
                    Ok(v) => {
                        let made = v["data"]["pledge"]["id"].as_str().map(str::to_owned);
                        (v.get("errors").is_none(), false, made)
                    }
                    Err(_) => (false, false, None),
                }
            }
        }
        Ok(r) => {
            let shed = matches!(r.status().as_u16(), 429 | 503);
            let _ = r.bytes().await;
            (false, shed, None)
        }
        Err(_) => (false, false, None),
    }
}

/// A `fundingChanged` subscription over `graphql-transport-ws`, counting the
/// pushes until `deadline`; says whether the socket stayed open.
async fn subscribe(
    url: String,
    roadmap: String,
    deadline: Instant,
    pushes: Arc<AtomicU64>,
) -> Result<bool> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio::time::timeout(
        Duration::from_secs(10),
        tokio_tungstenite::connect_async(request),
    )
    .await??;
    let text = |v: Value| Message::text(v.to_string());
    socket
        .send(text(json!({"type": "connection_init", "payload": {}})))
        .await?;
    socket
        .send(text(json!({
            "id": "soak",
            "type": "subscribe",
            "payload": {"query": format!(
                "subscription {{ fundingChanged(roadmapId: \"{roadmap}\") {{ total {{ pledged {{ amount }} }} }} }}"
            )},
        })))
        .await?;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match tokio::time::timeout(left, socket.next()).await {
            Err(_) => break,
            Ok(None) | Ok(Some(Err(_))) => return Ok(false),
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
                match v["type"].as_str() {
                    Some("next") => {
                        pushes.fetch_add(1, Ordering::Relaxed);
                    }
                    Some("ping") => socket.send(text(json!({"type": "pong"}))).await?,
                    Some("error") | Some("complete") => return Ok(false),
                    _ => {}
                }
            }
            Ok(Some(Ok(Message::Close(_)))) => return Ok(false),
            Ok(Some(Ok(_))) => {}
        }
    }
    let _ = socket
        .send(text(json!({"id": "soak", "type": "complete"})))
        .await;
    let _ = socket.close(None).await;
    Ok(true)
}

pub async fn run(args: SoakArgs) -> Result<()> {
    let seconds = args.seconds.unwrap_or(args.minutes * 60.0);
    let positive = |x: f64| x.is_finite() && x > 0.0;
    if !positive(seconds) || seconds > MAX_MINUTES * 60.0 {
        return Err(
            format!("the run must last more than 0 s and at most {MAX_MINUTES} minutes").into(),
        );
    }
    if args.clients == 0 || !positive(args.rate) || !positive(args.window_seconds) {
        return Err("--clients, --rate and --window-seconds must be above 0".into());
    }
    let duration = Duration::from_secs_f64(seconds);
    let window = Duration::from_secs_f64(args.window_seconds.min(seconds));
    let binary = server_binary(args.server.as_deref())?;

    let ledger = crate::generated_log::generate(args.events, args.roadmaps.max(1), args.seed);
    let dir = tempfile::Builder::new()
        .prefix("fundtrail-bench-soak-")
        .tempdir()?;
    let data = dir.path().join("data");
    {
        let store = Arc::new(fundtrail_store_sqlite::SqliteStore::open(&data)?);
        load_ledger(store, &ledger).await?;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let server_args = vec!["--data-dir".to_string(), data.display().to_string()];
    let token = crate::web_bench::create_token(&binary, &server_args, &[]).await?;
    let server = Server::start(&binary, &server_args, &[], free_port()?).await?;
    let pid = server.pid().ok_or("the server has no pid")?;
    let base = server.base.clone();
    println!(
        "fundtrail-bench soak: {} events ({} roadmaps) served by {} (pid {pid}, ready in {:.1} s); \
         {:.0} s at {} req/s from {} clients (reads 70 %, mutations 15 %: each client makes one pledge then revises it, CSV exports 15 %), \
         {} fundingChanged subscriptions; a sample every {:.0} s",
        ledger.events,
        ledger.roadmaps.len(),
        binary.display(),
        server.started_to_ready.as_secs_f64(),
        seconds,
        args.rate,
        args.clients,
        args.subscriptions,
        window.as_secs_f64()
    );

    let started = Instant::now();
    let deadline = started + duration;
    let pushes = Arc::new(AtomicU64::new(0));
    let subscriptions: Vec<_> = (0..args.subscriptions)
        .map(|i| {
            let url = format!("{}/graphql/ws", base.replacen("http://", "ws://", 1));
            let roadmap = ledger.roadmaps[i % ledger.roadmaps.len()].clone();
            tokio::spawn(subscribe(url, roadmap, deadline, pushes.clone()))
        })
        .collect();

    // One connection per client, kept alive for the whole run: a shared pool
    // opens and idles out connections as the concurrency of the moment
    // varies, and the server's descriptor count then follows the pool, not
    // the server.
    let clients = (0..args.clients)
        .map(|_| {
            reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .pool_idle_timeout(None)
                .timeout(REQUEST_TIMEOUT)
                .build()
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let results = Arc::new(Mutex::new(Vec::<Done>::new()));
    let next = Arc::new(AtomicU64::new(0));
    let roadmaps = Arc::new(ledger.roadmaps.clone());
    let token = Arc::new(token);
    let period = Duration::from_secs_f64(args.clients as f64 / args.rate);
    let lagging = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..args.clients)
        .map(|c| {
            let (client, base, token, roadmaps, results, next, lagging) = (
                clients[c].clone(),
                base.clone(),
                token.clone(),
                roadmaps.clone(),
                results.clone(),
                next.clone(),
                lagging.clone(),
            );
            let first = started + Duration::from_secs_f64(c as f64 / args.rate);
            tokio::spawn(async move {
                let mut pledge: Option<String> = None;
                let mut ticks = tokio::time::interval_at(first.into(), period);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                loop {
                    let tick = ticks.tick().await;
                    if Instant::now() >= deadline {
                        break;
                    }
                    if tick.elapsed() > period {
                        lagging.fetch_add(1, Ordering::Relaxed);
                    }
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let (kind, request) =
                        request(&client, &base, &token, &roadmaps, n, pledge.as_deref());
                    let sent = Instant::now();
                    let (ok, shed, made) = send(kind, request).await;
                    if made.is_some() {
                        pledge = made;
                    }
                    results.lock().await.push(Done {
                        at: sent.duration_since(started),
                        latency: sent.elapsed(),
                        shed,
                        ok,
                        kind,
                    });
                }
            })
        })
        .collect();

    let mut file = String::from(Sample::CSV_HEADER);
    file.push('\n');
    println!("{TABLE_HEADER}");
    let mut samples = Vec::new();
    let mut seen_pushes = 0;
    let mut end = Duration::ZERO;
    while end < duration {
        end = (end + window).min(duration);
        tokio::time::sleep_until((started + end).into()).await;
        let (rss, (fds, fd_kinds)) = (rss_mib(pid), open_fds(pid));
        let taken: Vec<Done> = {
            let mut all = results.lock().await;
            let (now, later): (Vec<Done>, Vec<Done>) = all.drain(..).partition(|d| d.at < end);
            *all = later;
            now
        };
        let mut admitted: Vec<Duration> = taken
            .iter()
            .filter(|d| !d.shed)
            .map(|d| d.latency)
            .collect();
        admitted.sort();
        let p99_of = |kind: Kind| {
            let mut l: Vec<Duration> = taken
                .iter()
                .filter(|d| !d.shed && d.kind == kind)
                .map(|d| d.latency)
                .collect();
            l.sort();
            quantile(&l, 0.99)
        };
        let total_pushes = pushes.load(Ordering::Relaxed);
        let sample = Sample {
            window: samples.len() + 1,
            end_secs: end.as_secs_f64(),
            requests: taken.len(),
            writes: taken.iter().filter(|d| d.kind == Kind::Write).count(),
            exports: taken.iter().filter(|d| d.kind == Kind::Export).count(),
            errors: taken.iter().filter(|d| !d.ok && !d.shed).count(),
            shed: taken.iter().filter(|d| d.shed).count(),
            p50_ms: quantile(&admitted, 0.50),
            p99_ms: quantile(&admitted, 0.99),
            p99_by_kind_ms: [
                p99_of(Kind::Read),
                p99_of(Kind::Write),
                p99_of(Kind::Export),
            ],
            rss_mib: rss,
            fds,
            fd_kinds,
            pushes: total_pushes - seen_pushes,
        };
        seen_pushes = total_pushes;
        println!("{}", sample.row());
        file.push_str(&sample.csv());
        file.push('\n');
        std::fs::write(&args.out, &file)?;
        samples.push(sample);
    }
    for worker in workers {
        worker.await?;
    }
    // Requests sent before the end that were still in flight at the last sample.
    let leftover = results.lock().await.len();
    let mut open_subscriptions = 0;
    for s in subscriptions {
        if matches!(s.await?, Ok(true)) {
            open_subscriptions += 1;
        }
    }
    server.stop().await?;

    let requests: usize = samples.iter().map(|s| s.requests).sum::<usize>() + leftover;
    let errors: usize = samples.iter().map(|s| s.errors).sum();
    let shed: usize = samples.iter().map(|s| s.shed).sum();
    println!(
        "{requests} requests ({:.1} req/s), {errors} errors, {shed} shed (503/429); \
         {open_subscriptions}/{} subscriptions open to the end, {} pushes; \
         {} ticks late by more than a period; samples in {}",
        requests as f64 / seconds,
        args.subscriptions,
        pushes.load(Ordering::Relaxed),
        lagging.load(Ordering::Relaxed),
        args.out.display()
    );
    let (from, described) = compared_from(samples.len());
    println!("{described}:");
    let checks = [
        flatness(
            "RSS",
            &samples.iter().map(|s| s.rss_mib).collect::<Vec<_>>(),
            from,
        ),
        flatness(
            "fds",
            &samples.iter().map(|s| s.fds as f64).collect::<Vec<_>>(),
            from,
        ),
        flatness(
            "p99",
            &samples.iter().map(|s| s.p99_ms).collect::<Vec<_>>(),
            from,
        ),
    ];
    let decides = |c: &Flatness| !(args.p99_advisory && c.name == "p99");
    for c in &checks {
        println!(
            "  {:<4} window {} {:.1}, highest after {:.1} ({:+.1} %) {}{}",
            c.name,
            from + 1,
            c.base,
            c.worst,
            100.0 * (c.worst / c.base.max(1e-9) - 1.0),
            if c.pass { "PASS" } else { "FAIL" },
            if decides(c) { "" } else { " (advisory)" }
        );
    }
    let mut failures = Vec::new();
    if checks.iter().any(|c| !c.pass && decides(c)) {
        failures.push("a series grew by more than 10 %".to_string());
    }
    if errors * 100 > requests {
        failures.push(format!("{errors} of {requests} requests failed"));
    }
    if open_subscriptions < args.subscriptions {
        failures.push("a subscription closed early".to_string());
    }
    if failures.is_empty() {
        println!("soak PASS");
        Ok(())
    } else {
        Err(format!("soak FAIL: {}", failures.join("; ")).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_is_flat_unless_a_later_window_grows_past_ten_percent() {
        assert!(flatness("x", &[100.0, 109.0, 95.0], 0).pass);
        assert!(!flatness("x", &[100.0, 111.0], 0).pass);
        // Only from the compared window on.
        let f = flatness("x", &[50.0, 80.0, 80.0, 80.0, 100.0, 105.0, 110.0], 4);
        assert!(f.pass);
        assert_eq!((f.base, f.worst), (100.0, 110.0));
        assert!(!flatness("x", &[50.0, 80.0, 80.0, 80.0, 100.0, 120.0], 4).pass);
    }

    #[test]
    fn short_runs_compare_from_the_first_window() {
        assert_eq!(compared_from(2).0, 0);
        assert_eq!(compared_from(5).0, 0);
        assert_eq!(compared_from(6).0, 4);
        assert!(compared_from(2).1.contains("shorter than 6"));
    }
}
