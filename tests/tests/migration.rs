//! Migration through backups: the demo ledger in the embedded store, backed
//! up (while its server runs) and restored into PostgreSQL, backed up there
//! and restored into a fresh embedded store. Every query answer is the same
//! at each step, the hash chain verifies, and the two backups are the same
//! bytes. With `--no-capture` the test prints how long each step took.
//!
//! PostgreSQL as for the other PostgreSQL tests: `FUNDTRAIL_TEST_PG_URL`;
//! unreachable, the test prints `SKIPPED:` (and fails under CI).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use fundtrail_api::{ServeOptions, build_schema, router};
use fundtrail_app::{AppState, Limits};
use fundtrail_domain::Role;
use fundtrail_e2e::Client;
use fundtrail_e2e::pg::{Schema, url};
use fundtrail_e2e::server::create_token;
use fundtrail_store::{EventReader, EventStore, Head};
use fundtrail_store_postgres::{PostgresOptions, PostgresStore};
use fundtrail_store_sqlite::SqliteStore;
use serde_json::{Value, json};
use tokio::process::Command;

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ops/demo/civ-2023.yaml");

fn fundtrail() -> Command {
    let exe = fundtrail_e2e::process::executable(env!("CARGO_BIN_EXE_fundtrail-e2e-server"));
    let mut c = Command::new(exe);
    // Only what this test says: no settings from the developer's shell.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("FUNDTRAIL_") {
            c.env_remove(key);
        }
    }
    c.env("RUST_LOG", "warn").kill_on_drop(true);
    c
}

/// Runs the command; panics with its output unless it succeeds. Returns
/// stdout and how long it took.
async fn run(what: &str, command: &mut Command) -> (String, f64) {
    let started = Instant::now();
    let out = command.output().await.expect("run fundtrail");
    let seconds = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{what}: {seconds:.2} s: {}", stdout.trim());
    (stdout, seconds)
}

/// The API over `store`, in process, on a free port; stops when dropped.
struct Served {
    client: Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve(store: Arc<dyn EventStore>, token: Option<String>) -> (Served, String) {
    let state = AppState::start(store, Limits::default()).await.unwrap();
    let token = match token {
        Some(token) => token,
        // The ledger's own admin: a token recorded in it, restored with it.
        None => create_token(&state, "migration-admin", Role::Admin).await,
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), state.ready())
        .await
        .expect("read models ready");
    let app = router(
        build_schema(state.clone()),
        state.clone(),
        ServeOptions::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        })
        .await;
    });
    let served = Served {
        client: Client::with_token(format!("http://{addr}"), token.clone()),
        stop: Some(stop),
    };
    (served, token)
}

const MONEY: &str = "fragment M on Money { amount currency }";

const LINE: &str = "required { ...M } pledged { ...M } committed { ...M } disbursed { ...M } \
    gap { ...M } coverage unvaluedCount undatedCount \
    donors { organisation { id } pledged { ...M } committed { ...M } disbursed { ...M } unvaluedCount }";

const HISTORY: &str = "history { position stream version type recordedAt actor commandId hash }";

/// Every answer the test compares, by name.
async fn answers(client: &Client) -> Vec<(String, Value)> {
    let mut all = Vec::new();

    let roadmaps = client
        .data(
            "{ roadmaps { id currency } auditTrail(first: 1, after: null) { totalCount } }",
            json!({}),
        )
        .await;
    let total = roadmaps["auditTrail"]["totalCount"].as_i64().unwrap();
    assert!(total > 100, "the demo ledger is there: {roadmaps}");

    // The whole audit trail, page by page: every event as recorded.
    let mut after = Value::Null;
    let mut page = 0;
    let mut recorded_at = Vec::new();
    loop {
        let data = client
            .data(
                "query($after: String) { auditTrail(first: 40, after: $after) { totalCount \
                 edges { cursor node { position entityId stream version type schemaVersion \
                 recordedAt actor commandId data hash } } pageInfo { hasNextPage endCursor } } }",
                json!({ "after": after }),
            )
            .await;
        for edge in data["auditTrail"]["edges"].as_array().unwrap() {
            recorded_at.push(edge["node"]["recordedAt"].as_str().unwrap().to_owned());
        }
        let info = data["auditTrail"]["pageInfo"].clone();
        all.push((format!("auditTrail page {page}"), data));
        page += 1;
        if !info["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = info["endCursor"].clone();
    }
    assert_eq!(recorded_at.len() as i64, total);
    // An instant in the middle of the log: `asOf` answers depend on the
    // recorded times, which a restore keeps.
    let middle = recorded_at[recorded_at.len() / 2].clone();

    for roadmap in roadmaps["roadmaps"].as_array().unwrap() {
        let id = roadmap["id"].as_str().unwrap();
        for currency in ["XOF", "EUR"] {
            for (clock, extra) in [
                ("now", json!({})),
                ("on 2023-09-30", json!({ "on": "2023-09-30" })),
                ("as of the middle", json!({ "asOf": middle })),
            ] {
                let mut variables = json!({ "r": id, "c": currency });
                variables
                    .as_object_mut()
                    .unwrap()
                    .extend(extra.as_object().unwrap().clone());
                ask(
                    client,
                    &mut all,
                    format!("fundingByPriority {id} {currency} {clock}"),
                    format!(
                        "{MONEY} query($r: ID!, $c: Currency, $asOf: DateTime, $on: Date) {{ \
                         fundingByPriority(roadmapId: $r, currency: $c, asOf: $asOf, on: $on) {{ \
                         roadmap {{ id }} currency position on \
                         priorities {{ priority {{ id rank title }} {LINE} }} \
                         unallocated {{ {LINE} }} total {{ {LINE} }} }} }}"
                    ),
                    variables,
                )
                .await;
            }
        }
        ask(
            client,
            &mut all,
            format!("donorMap {id}"),
            format!(
                "{MONEY} query($r: ID) {{ donorMap(roadmapId: $r) {{ organisation {{ id name }} \
                 pledged {{ ...M }} committed {{ ...M }} disbursed {{ ...M }} unvaluedCount \
                 priorities {{ id }} themes partnerships {{ id }} proposals {{ id }} }} }}"
            ),
            json!({ "r": id }),
        )
        .await;
    }
    for currency in ["XOF", "EUR"] {
        ask(
            client,
            &mut all,
            format!("donorMap all {currency}"),
            format!(
                "{MONEY} query($c: Currency) {{ donorMap(currency: $c) {{ organisation {{ id }} \
                 pledged {{ ...M }} committed {{ ...M }} disbursed {{ ...M }} unvaluedCount \
                 priorities {{ id }} themes partnerships {{ id }} proposals {{ id }} }} }}"
            ),
            json!({ "c": currency }),
        )
        .await;
    }
    ask(
 client,
 &mut all,
        "roadmaps".into(),
        format!(
            "{MONEY} {{ roadmaps {{ id country title periodStart periodEnd currency version \
             priorities {{ id rank title requirement {{ ...M }} version {HISTORY} }} {HISTORY} }} }}"
        ),
        json!({}),
    )
    .await;
    ask(
        client,
        &mut all,
        "organisations".into(),
        format!("{{ organisations {{ id name acronym kind country version {HISTORY} }} }}"),
        json!({}),
    )
    .await;
    ask(
        client,
        &mut all,
        "organisations search".into(),
        "{ organisations(search: \"cote\") { id } }".into(),
        json!({}),
    )
    .await;
    ask(
 client,
 &mut all,
        "pledges".into(),
        format!(
            "{MONEY} {{ pledges {{ id donor {{ id }} recipient {{ id }} roadmap {{ id }} kind status \
             amount {{ ...M }} unvalued quantity {{ count unit }} \
             allocations {{ amount {{ ...M }} priority {{ id }} }} priorities {{ id }} \
             pledgedOn committedOn cancelledOn disbursed {{ ...M }} \
             disbursements {{ amount {{ ...M }} disbursedOn }} themes proposal {{ id }} \
             partnership {{ id }} description version {HISTORY} }} }}"
        ),
        json!({}),
    )
    .await;
    ask(
        client,
        &mut all,
        "partnerships".into(),
        format!(
            "{{ partnerships {{ id title parties {{ id }} status themes nature \
             priorities {{ id }} signedOn version {HISTORY} }} }}"
        ),
        json!({}),
    )
    .await;
    ask(
 client,
 &mut all,
        "proposals".into(),
        format!(
            "{MONEY} {{ proposals {{ id title applicant {{ id }} donor {{ id }} requested {{ ...M }} \
             status themes priorities {{ id }} submittedOn decidedOn version {HISTORY} }} }}"
        ),
        json!({}),
    )
    .await;
    ask(
        client,
        &mut all,
        "exchangeRates".into(),
        "{ exchangeRates { base quote rate validFrom version } }".into(),
        json!({}),
    )
    .await;
    ask(
        client,
        &mut all,
        "verifyLedger".into(),
        "{ verifyLedger { intact eventsChecked lastHash firstBadPosition problem } }".into(),
        json!({}),
    )
    .await;
    all
}

async fn ask(
    client: &Client,
    all: &mut Vec<(String, Value)>,
    name: String,
    query: String,
    variables: Value,
) {
    let data = client.data(&query, variables).await;
    all.push((name, data));
}

fn assert_same(step: &str, expected: &[(String, Value)], actual: &[(String, Value)]) {
    assert_eq!(
        expected.len(),
        actual.len(),
        "{step}: another set of answers"
    );
    for ((name, want), (other, got)) in expected.iter().zip(actual) {
        assert_eq!(name, other);
        assert_eq!(want, got, "{step}: the answer to {name} changed");
    }
}

fn ndjson(path: &Path) -> Vec<u8> {
    let mut text = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut text)
        .unwrap();
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_to_postgres_to_embedded_keeps_every_answer() {
    let Some(schema) = Schema::fresh().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (source, first, second, last) = (
        dir.path().join("source"),
        dir.path().join("one.ndjson.gz"),
        dir.path().join("two.ndjson.gz"),
        dir.path().join("last"),
    );

    // 1. The demo ledger in the embedded store, and an admin token in it.
    run(
        "import the demo",
        fundtrail()
            .arg("import")
            .arg(DEMO)
            .arg("--data-dir")
            .arg(&source),
    )
    .await;
    let store = SqliteStore::open(&source).unwrap();
    let (served, token) = serve(Arc::new(store.clone()), None).await;
    let started = Instant::now();
    let before = answers(&served.client).await;
    eprintln!(
        "{} answers from the embedded store in {:.2} s",
        before.len(),
        started.elapsed().as_secs_f64()
    );
    let head: Head = store.head().await.unwrap();
    let verify = before.iter().find(|(n, _)| n == "verifyLedger").unwrap();
    assert_eq!(verify.1["verifyLedger"]["intact"], json!(true));
    assert_eq!(
        verify.1["verifyLedger"]["eventsChecked"],
        json!(head.position)
    );

    // 2. Backed up while that server runs (the backup reads the directory
    // without its lock), restored into a fresh PostgreSQL schema.
    run(
        "backup of the embedded store (server running)",
        fundtrail()
            .args(["backup", "--to"])
            .arg(&first)
            .arg("--data-dir")
            .arg(&source),
    )
    .await;
    run(
        "restore into PostgreSQL",
        fundtrail()
            .arg("restore")
            .arg(&first)
            .args(["--store", &url()])
            .env("FUNDTRAIL_PG_SCHEMA", &schema.name),
    )
    .await;
    drop(served);
    store.close().await;

    let pg = PostgresStore::connect(PostgresOptions::new(url(), schema.name.clone()))
        .await
        .unwrap();
    assert_eq!(
        pg.head().await.unwrap(),
        head,
        "the same head on PostgreSQL"
    );
    let (served, _) = serve(Arc::new(pg.clone()), Some(token.clone())).await;
    assert_same(
        "embedded -> PostgreSQL",
        &before,
        &answers(&served.client).await,
    );

    // A second restore into the same schema is refused: it is not empty.
    let refused = fundtrail()
        .arg("restore")
        .arg(&first)
        .args(["--store", &url()])
        .env("FUNDTRAIL_PG_SCHEMA", &schema.name)
        .output()
        .await
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("is not empty"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // 3. Backed up from PostgreSQL (its server running too), restored into
    // a fresh embedded store.
    run(
        "backup of PostgreSQL (server running)",
        fundtrail()
            .args(["backup", "--to"])
            .arg(&second)
            .args(["--store", &url()])
            .env("FUNDTRAIL_PG_SCHEMA", &schema.name),
    )
    .await;
    drop(served);
    pg.close().await;
    run(
        "restore into a fresh embedded store",
        fundtrail()
            .arg("restore")
            .arg(&second)
            .arg("--data-dir")
            .arg(&last),
    )
    .await;
    let (verified, _) = run(
        "verify the last store",
        fundtrail().arg("verify").arg("--data-dir").arg(&last),
    )
    .await;
    assert!(verified.contains(&head.hash.to_hex()), "{verified}");

    // The read models of the restored ledger, rebuilt into a snapshot.
    let (rebuilt, _) = run(
        "rebuild the read models of the last store",
        fundtrail().arg("rebuild").arg("--data-dir").arg(&last),
    )
    .await;
    assert!(
        rebuilt.contains(&format!("{} events replayed", head.position)),
        "{rebuilt}"
    );
    assert!(
        last.join("snapshots")
            .join(format!("readmodel-{:020}.snap", head.position))
            .is_file()
    );

    let store = SqliteStore::open(&last).unwrap();
    assert_eq!(store.head().await.unwrap(), head);
    let (served, _) = serve(Arc::new(store.clone()), Some(token)).await;
    assert_same(
        "PostgreSQL -> embedded",
        &before,
        &answers(&served.client).await,
    );
    drop(served);
    store.close().await;

    // 4. Both backups are the same bytes, compressed and not.
    let (one, two) = (ndjson(&first), ndjson(&second));
    assert!(one.len() > 10_000);
    assert!(one == two, "the two backups' NDJSON differ");
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap()
    );
    eprintln!(
        "backup: {} events, {} bytes of NDJSON, {} bytes compressed",
        head.position,
        one.len(),
        std::fs::metadata(&first).unwrap().len()
    );
}
