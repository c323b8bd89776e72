//! API figures W5-W8 (benchmarks.md): `fundingByPriority` over HTTP from 32
//! concurrent clients (plain, `asOf` in the middle of history, `on`), beside a
//! trivial JSON handler on the same stack (axum on tokio) under the same load;
//! peak resident memory of `fundtrail serve`; and start to `/readyz`.
//!
//! The ledger is made by the domain itself (`ledger.rs`), appended to a fresh
//! store, then served by the real `fundtrail` binary in its own process.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fundtrail_store::{AppendRequest, Direction, EventStore};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::Result;
use crate::generated_log::GeneratedLog;

/// The dashboard's query: every line's figures (donor lists left out).
pub const FUNDING_QUERY: &str = "query($roadmap: ID!, $asOf: DateTime, $on: Date, $attribution: Attribution) {
  fundingByPriority(roadmapId: $roadmap, asOf: $asOf, on: $on, attribution: $attribution) {
    currency
    priorities { priority { id rank title } required { amount } pledged { amount } committed { amount }
                 disbursed { amount } gap { amount } coverage unvaluedCount }
    unallocated { pledged { amount } committed { amount } disbursed { amount } unvaluedCount }
    total { required { amount } pledged { amount } committed { amount } disbursed { amount } gap { amount } coverage unvaluedCount }
  }
}";

/// Latencies of one load run.
#[derive(Debug, Clone)]
pub struct Load {
    pub requests: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
}

impl Load {
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Appends the ledger in groups submitted at once (the store commits each
/// group together), like a bulk import.
pub async fn load_ledger(store: Arc<dyn EventStore>, ledger: &GeneratedLog) -> Result<()> {
    let mut pending = Vec::new();
    let mut events_in_group = 0;
    for request in &ledger.requests {
        events_in_group += request.events.len();
        pending.push(request.clone());
        if events_in_group >= 2_000 {
            submit(&store, std::mem::take(&mut pending)).await?;
            events_in_group = 0;
        }
    }
    submit(&store, pending).await
}

async fn submit(store: &Arc<dyn EventStore>, requests: Vec<AppendRequest>) -> Result<()> {
    // Requests of one stream must keep their order: append stream by stream
    // in causal order by running each stream's requests in one task.
    let mut by_stream: Vec<(String, Vec<AppendRequest>)> = Vec::new();
    for r in requests {
        match by_stream.iter_mut().find(|(s, _)| *s == r.stream_id) {
            Some((_, list)) => list.push(r),
            None => by_stream.push((r.stream_id.clone(), vec![r])),
        }
    }
    let tasks = by_stream.into_iter().map(|(_, list)| {
        let store = store.clone();
        async move {
            for r in list {
                store.append(r).await?;
            }
            Ok::<_, fundtrail_store::StoreError>(())
        }
    });
    for result in futures::future::join_all(tasks).await {
        result?;
    }
    Ok(())
}

/// The recorded time of the event halfway through the log.
pub async fn middle_recorded_at(store: &dyn EventStore) -> Result<String> {
    let head = store.head().await?.position;
    let middle = store
        .read_all((head / 2).max(1), Direction::Forward, 1)
        .await?;
    let at = middle.first().ok_or("empty store")?.recorded_at;
    Ok(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

/// The `fundtrail` binary built beside this one.
pub fn server_binary(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    let me = std::env::current_exe()?;
    let candidate = me.with_file_name("fundtrail");
    if candidate.exists() {
        Ok(candidate)
    } else {
        Err(format!(
            "{} is missing: build it first (cargo build --release -p fundtrail) or pass --server",
            candidate.display()
        )
        .into())
    }
}

pub struct Server {
    child: Child,
    pub base: String,
    pub started_to_ready: Duration,
}

impl Server {
    /// Starts `fundtrail serve` and waits for `/readyz`.
    pub async fn start(
        binary: &Path,
        args: &[String],
        envs: &[(String, String)],
        port: u16,
    ) -> Result<Server> {
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let child = Command::new(binary)
            .arg("serve")
            .args(args)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .envs(envs.iter().cloned())
            // the benchmark reads as an anonymous reader of a transparency
            // portal, unthrottled: the figures are the server's, not the limiter's
            .arg("--public-read")
            .env("FUNDTRAIL_RATE_LIMIT_PER_SECOND", "0")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let client = reqwest::Client::new();
        loop {
            if let Ok(r) = client.get(format!("{base}/readyz")).send().await
                && r.status().is_success()
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(300) {
                return Err("the server was not ready within 300 s".into());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(Server {
            child,
            base,
            started_to_ready: started.elapsed(),
        })
    }

    /// The server process's id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Peak and current resident memory (VmHWM, VmRSS) in MiB.
    pub fn memory_mib(&self) -> Option<(f64, f64)> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map(|kb| kb / 1024.0)
        };
        Some((field("VmHWM:")?, field("VmRSS:")?))
    }

    /// SIGTERM, then wait for a clean exit.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .await;
        }
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await??;
        if !status.success() {
            return Err(format!("the server exited with {status}").into());
        }
        Ok(())
    }
}

/// Runs `clients` concurrent clients for `seconds`, each sending what
/// `body(i)` gives to `url`, and measures every request.
pub async fn load(
    url: &str,
    clients: usize,
    seconds: f64,
    body: impl Fn(usize) -> Value + Send + Sync + 'static,
) -> Load {
    let body = Arc::new(body);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("an HTTP client");
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (client, url, body) = (client.clone(), url.to_owned(), body.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0;
                let mut i = c;
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    let ok = match client.post(&url).json(&body(i)).send().await {
                        Ok(r) if r.status().is_success() => match r.json::<Value>().await {
                            Ok(v) => v.get("errors").is_none(),
                            Err(_) => false,
                        },
                        _ => false,
                    };
                    latencies.push(sent.elapsed());
                    if !ok {
                        errors += 1;
                    }
                    i += clients;
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (latencies, e) = t.await.expect("a load task");
        all.extend(latencies);
        errors += e;
    }
    let elapsed = started.elapsed();
    all.sort();
    let pick = |q: f64| {
        all.get(((all.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    Load {
        requests: all.len(),
        errors,
        elapsed,
        p50: pick(0.50),
        p99: pick(0.99),
    }
}

/// The HTTP ceiling: a trivial JSON handler on the same stack, in this process.
pub async fn ceiling_server() -> Result<(String, tokio::task::JoinHandle<()>)> {
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(|| async { axum::Json(json!({"data": {"ping": "pong"}})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/graphql", listener.local_addr()?);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, task))
}

/// The worklist of one roadmap (issue #14): its first page of 50 lines and
/// the counts per kind, as the web page and a client show it.
pub const WORKLIST_QUERY: &str = "query($roadmap: ID) { \
    worklist(roadmapId: $roadmap, first: 50) { kind recordId title form } \
    worklistCounts(roadmapId: $roadmap) { kind count } }";

/// The whole worklist of one roadmap (every line: an export's work).
pub const WORKLIST_WHOLE_QUERY: &str =
    "query($roadmap: ID) { worklist(roadmapId: $roadmap) { kind recordId title form } }";

/// Clients asking for whole worklists at once.
const WHOLE_WORKLIST_CLIENTS: usize = 4;

/// The forecast of one roadmap (issue #14).
pub const FORECAST_QUERY: &str = "query($roadmap: ID!) { forecast(roadmapId: $roadmap) { \
    total { expected { amount } disbursed { amount } disbursedUndated { amount } } \
    priorities { quarters { quarter expected { amount } disbursed { amount } coverage } } } }";

/// `query` for roadmap `i % roadmaps`, every request's text unique (the
/// answer cache bypassed: the figure measures execution).
pub fn roadmap_body(query: &'static str, roadmaps: Arc<Vec<String>>) -> impl Fn(usize) -> Value {
    move |i| {
        json!({
            "query": format!("{query}\n# request {i}"),
            "variables": {"roadmap": roadmaps[i % roadmaps.len()]},
        })
    }
}

/// The dashboard query for roadmap `i % roadmaps`. `unique`: every request's
/// text differs (a trailing comment), so the server's answer cache never
/// serves it and the figure measures execution.
pub fn funding_body(
    roadmaps: Arc<Vec<String>>,
    as_of: Option<String>,
    on: Option<String>,
    unique: bool,
) -> impl Fn(usize) -> Value {
    attributed_funding_body(roadmaps, as_of, on, unique, None)
}

/// [`funding_body`] with an `attribution` (`ORIGINAL_SOURCE`; `None`: the default, DIRECT).
pub fn attributed_funding_body(
    roadmaps: Arc<Vec<String>>,
    as_of: Option<String>,
    on: Option<String>,
    unique: bool,
    attribution: Option<&'static str>,
) -> impl Fn(usize) -> Value {
    move |i| {
        let query = if unique {
            format!("{FUNDING_QUERY}\n# request {i}")
        } else {
            FUNDING_QUERY.to_owned()
        };
        json!({
            "query": query,
            "variables": {"roadmap": roadmaps[i % roadmaps.len()], "asOf": as_of, "on": on,
                          "attribution": attribution},
        })
    }
}

/// The dashboard query for roadmap `i % roadmaps`, the same document every
/// time and a variable the operation does not declare (`request`, which
/// GraphQL ignores) unique to each request: the answer cache never serves it,
/// and the figure measures execution without the parse, as a dashboard that
/// sends one document with other variables (or after every write) costs.
pub fn same_document_funding_body(roadmaps: Arc<Vec<String>>) -> impl Fn(usize) -> Value {
    move |i| {
        json!({
            "query": FUNDING_QUERY,
            "variables": {"roadmap": roadmaps[i % roadmaps.len()], "request": i},
        })
    }
}

pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// How the server is started for a backend, and the store to load first.
type ServedBy = (Vec<String>, Vec<(String, String)>, Arc<dyn EventStore>);

/// `fundtrail-bench api`.
#[derive(clap::Args)]
pub struct ApiArgs {
    /// Events in the generated ledger.
    #[arg(long, default_value_t = 100_000)]
    pub events: usize,
    #[arg(long, value_enum, default_value_t = crate::BackendChoice::All)]
    pub backend: crate::BackendChoice,
    #[arg(
        long,
        env = "FUNDTRAIL_TEST_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub pg_url: String,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Seconds of load per figure.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long, default_value_t = 20)]
    pub roadmaps: usize,
    /// Share of valued pledges in funding chains (0 for a ledger without
    /// links, to see what chains cost in the same sitting).
    #[arg(long, default_value_t = crate::generated_log::LINK_SHARE)]
    pub link_share: f64,
    /// The fundtrail binary to serve with (default: the one beside this binary).
    #[arg(long)]
    pub server: Option<PathBuf>,
    /// W9: requests per web page (0: no page figures).
    #[arg(long, default_value_t = 30)]
    pub page_samples: usize,
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// W7's bound on resident memory (benchmarks.md): 250 MiB up to 1M events,
/// 2 GiB at 10M, on the straight line between them, and 2 GiB per 10M beyond.
pub fn resident_target_mib(events: usize) -> f64 {
    let millions = events as f64 / 1e6;
    if millions <= 1.0 {
        250.0
    } else if millions <= 10.0 {
        250.0 + (millions - 1.0) * (2048.0 - 250.0) / 9.0
    } else {
        2048.0 * millions / 10.0
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "MISS" }
}

fn describe(
    name: &str,
    backend: &str,
    load: &Load,
    target_p99: Duration,
    ceiling: Option<&Load>,
) -> String {
    let ratio = ceiling
        .map(|c| {
            format!(
                " (HTTP ceiling {:.0} req/s, {:.0}%)",
                c.rate(),
                100.0 * load.rate() / c.rate().max(1e-9)
            )
        })
        .unwrap_or_default();
    format!(
        "{name} {backend:<9} {:>8.0} req/s{ratio}  p50 {}  p99 {}  errors {}  target p99 <= {} {}",
        load.rate(),
        ms(load.p50),
        ms(load.p99),
        load.errors,
        ms(target_p99),
        verdict(load.p99 <= target_p99 && load.errors == 0),
    )
}

pub async fn run(args: ApiArgs) -> Result<()> {
    let server = server_binary(args.server.as_deref())?;
    let started = Instant::now();
    let ledger = Arc::new(crate::generated_log::generate_linked(
        args.events,
        args.roadmaps.max(1),
        args.seed,
        args.link_share,
    ));
    println!(
        "fundtrail-bench api: {} events made by the domain ({} appends, {} roadmaps) in {:.1} s; {} clients, {} s per figure; server {}",
        ledger.events,
        ledger.requests.len(),
        ledger.roadmaps.len(),
        started.elapsed().as_secs_f64(),
        args.clients,
        args.seconds,
        server.display()
    );
    let (ceiling_url, ceiling_task) = ceiling_server().await?;
    let ceiling = load(
        &ceiling_url,
        args.clients,
        args.seconds,
        |_| json!({"query": "{ ping }"}),
    )
    .await;
    println!(
        "HTTP ceiling (axum, trivial JSON handler): {:.0} req/s  p50 {}  p99 {}",
        ceiling.rate(),
        ms(ceiling.p50),
        ms(ceiling.p99)
    );
    ceiling_task.abort();

    let backends: Vec<&str> = match args.backend {
        crate::BackendChoice::Embedded => vec!["embedded"],
        crate::BackendChoice::Postgres => vec!["postgres"],
        crate::BackendChoice::All => vec!["embedded", "postgres"],
    };
    for backend in backends {
        let dir = tempfile::tempdir()?;
        let schema = format!("bench_api_{}", crate::data::random_suffix());
        let (server_args, envs, store): ServedBy = match backend {
            "embedded" => {
                let data = dir.path().join("data");
                let store = fundtrail_store_sqlite::SqliteStore::open(&data)?;
                (
                    vec!["--data-dir".into(), data.display().to_string()],
                    vec![],
                    Arc::new(store),
                )
            }
            _ => {
                #[cfg(feature = "postgres")]
                {
                    let options = fundtrail_store_postgres::PostgresOptions::new(
                        args.pg_url.clone(),
                        schema.clone(),
                    );
                    match fundtrail_store_postgres::PostgresStore::connect(options).await {
                        Ok(store) => (
                            vec![
                                "--store".into(),
                                args.pg_url.clone(),
                                "--snapshot-dir".into(),
                                dir.path().join("snapshots").display().to_string(),
                            ],
                            vec![("FUNDTRAIL_PG_SCHEMA".into(), schema.clone())],
                            Arc::new(store),
                        ),
                        Err(e) => {
                            println!("postgres: skipped ({e})");
                            continue;
                        }
                    }
                }
                #[cfg(not(feature = "postgres"))]
                {
                    println!("postgres: not built (feature `postgres`)");
                    continue;
                }
            }
        };
        let loading = Instant::now();
        load_ledger(store.clone(), &ledger).await?;
        let as_of = middle_recorded_at(store.as_ref()).await?;
        println!(
            "{backend}: ledger appended in {:.1} s; asOf {as_of}, on {}",
            loading.elapsed().as_secs_f64(),
            ledger.middle_date
        );
        drop(store);
        // Let the embedded store release its directory before the server opens it.
        tokio::time::sleep(Duration::from_millis(200)).await;

        let web_token = match args.page_samples {
            0 => None,
            _ => Some(crate::web_bench::create_token(&server, &server_args, &envs).await?),
        };
        let port = free_port()?;
        let running = Server::start(&server, &server_args, &envs, port).await?;
        let cold = running.started_to_ready;
        let url = format!("{}/graphql", running.base);
        let roadmaps = Arc::new(ledger.roadmaps.clone());
        let on = ledger.middle_date.to_string();
        let run = |as_of: Option<String>, on: Option<String>, unique: bool| {
            load(
                &url,
                args.clients,
                args.seconds,
                funding_body(roadmaps.clone(), as_of, on, unique),
            )
        };
        let w5 = run(None, None, false).await;
        let w6_as_of = run(Some(as_of.clone()), None, false).await;
        let w6_on = run(None, Some(on.clone()), false).await;
        let w5_exec = run(None, None, true).await;
        let w5_exec_same_document = load(
            &url,
            args.clients,
            args.seconds,
            same_document_funding_body(roadmaps.clone()),
        )
        .await;
        let w6_as_of_exec = run(Some(as_of.clone()), None, true).await;
        let w6_on_exec = run(None, Some(on), true).await;
        // Funding chains (#15): the same query, money attributed to its original sources.
        let w5_original_exec = load(
            &url,
            args.clients,
            args.seconds,
            attributed_funding_body(roadmaps.clone(), None, None, true, Some("ORIGINAL_SOURCE")),
        )
        .await;
        let worklist = load(
            &url,
            args.clients,
            args.seconds,
            roadmap_body(WORKLIST_QUERY, roadmaps.clone()),
        )
        .await;
        let worklist_whole = load(
            &url,
            WHOLE_WORKLIST_CLIENTS.min(args.clients),
            args.seconds,
            roadmap_body(WORKLIST_WHOLE_QUERY, roadmaps.clone()),
        )
        .await;
        let forecast = load(
            &url,
            args.clients,
            args.seconds,
            roadmap_body(FORECAST_QUERY, roadmaps.clone()),
        )
        .await;
        let page_paths = crate::web_bench::pages(
            &ledger.roadmaps[0],
            &as_of,
            &ledger.middle_date.to_string(),
            "org-0001",
        );
        let pages = match (&web_token, args.page_samples) {
            (Some(token), n) if n > 0 => {
                let cookie = crate::web_bench::sign_in(&running.base, token).await?;
                crate::web_bench::run(&running.base, &cookie, &page_paths, n).await?
            }
            _ => Vec::new(),
        };
        let memory = running.memory_mib();
        running.stop().await?;
        let warm = Server::start(&server, &server_args, &envs, free_port()?).await?;
        let warm_ready = warm.started_to_ready;
        warm.stop().await?;

        println!(
            "{}",
            describe(
                "W5 fundingByPriority",
                backend,
                &w5,
                Duration::from_millis(5),
                Some(&ceiling)
            )
        );
        println!(
            "{}",
            describe(
                "W6 ... asOf middle   ",
                backend,
                &w6_as_of,
                Duration::from_millis(50),
                None
            )
        );
        println!(
            "{}",
            describe(
                "W6 ... on middle     ",
                backend,
                &w6_on,
                Duration::from_millis(50),
                None
            )
        );
        println!(
            "  the same, every request unique (the answer cache is bypassed, the query executes):"
        );
        for (name, load, target, ceiling) in [
            (
                "W5 executed, same doc",
                &w5_exec_same_document,
                5,
                Some(&ceiling),
            ),
            ("W5 executed, new text", &w5_exec, 5, Some(&ceiling)),
            (
                "W5 exec., orig. src. ",
                &w5_original_exec,
                5,
                Some(&ceiling),
            ),
            ("W6 executed, asOf    ", &w6_as_of_exec, 50, None),
            ("W6 executed, on      ", &w6_on_exec, 50, None),
            ("worklist page (#14)  ", &worklist, 50, None),
            ("worklist whole, 4 cl.", &worklist_whole, 1000, None),
            ("forecast (#14)       ", &forecast, 50, None),
        ] {
            println!(
                "{}",
                describe(name, backend, load, Duration::from_millis(target), ceiling)
            );
        }
        match memory {
            Some((peak, now)) => println!(
                "W7 serve memory       {backend:<9} peak {peak:.0} MiB, resident {now:.0} MiB with {} events  target resident <= {:.0} MiB {}",
                ledger.events,
                resident_target_mib(ledger.events),
                verdict(now <= resident_target_mib(ledger.events))
            ),
            None => println!("W7 serve memory       {backend:<9} unavailable (no /proc)"),
        }
        println!(
            "W8 start to /readyz   {backend:<9} {:.2} s (first start, target <= 3 s at 1M {}), {:.2} s (restart from a snapshot, target <= 2 s {}) with {} events",
            cold.as_secs_f64(),
            verdict(cold.as_secs_f64() <= 3.0 * (ledger.events as f64 / 1e6).max(1.0)),
            warm_ready.as_secs_f64(),
            verdict(warm_ready <= Duration::from_secs(2)),
            ledger.events,
        );
        for page in &pages {
            println!(
                "{}",
                crate::web_bench::describe(backend, ledger.events, page)
            );
        }
        if backend == "postgres"
            && let Ok(pool) = crate::ceiling_pg::connect(&args.pg_url, 1).await
        {
            crate::ceiling_pg::drop_schema(&pool, &schema).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::resident_target_mib;

    #[test]
    fn the_memory_bound_is_250_mib_to_1m_and_2_gib_at_10m() {
        assert_eq!(resident_target_mib(100_000), 250.0);
        assert_eq!(resident_target_mib(1_000_000), 250.0);
        assert_eq!(resident_target_mib(10_000_000), 2048.0);
        let middle = resident_target_mib(5_500_000);
        assert!(middle > 250.0 && middle < 2048.0, "{middle}");
        assert_eq!(resident_target_mib(20_000_000), 4096.0);
    }
}
