//! Faults (security issue #17): each fault is injected into what the real
//! `fundtrail` command reads or writes, and the test asserts that nothing
//! acknowledged is lost, the hash chain verifies (`fundtrail verify`), and the
//! server either recovers by itself or refuses with a clear message, never
//! answering wrong figures.
//!
//! - Read-model snapshots (embedded store): corrupted, truncated, from another
//!   ledger, cut short by a crash mid-write (a leftover temporary file, a
//!   truncated final file). Each is skipped with a log line and the server
//!   answers the figures of the log.

use std::path::{Path, PathBuf};
use std::process::Output;

use fundtrail_e2e::process::{Served, executable};
use fundtrail_e2e::seed::{self, cash_pledge};
use fundtrail_e2e::{Backend, Client, Storage};
use serde_json::{Value, json};

fn exe() -> PathBuf {
    executable(env!("CARGO_BIN_EXE_fundtrail-e2e-server"))
}

/// `fundtrail ARGS` over `storage`, with no `FUNDTRAIL_*` setting from the
/// developer's shell.
fn run(storage: &Storage, command: &[&str]) -> Output {
    let (args, env) = storage.command_args();
    let mut child = std::process::Command::new(exe());
    child.args(command).args(&args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("FUNDTRAIL_") {
            child.env_remove(key);
        }
    }
    child.envs(env).current_dir(storage.workdir());
    child.output().expect("run fundtrail")
}

/// `fundtrail verify` succeeds: the hash chain is whole.
fn assert_verifies(storage: &Storage) {
    let verified = run(storage, &["verify"]);
    assert!(
        verified.status.success(),
        "fundtrail verify: {}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
}

/// What a client sees: every funding figure of both roadmaps, and the
/// pledges.
async fn answers(c: &Client) -> Value {
    let pledges = c.data("{ pledges { id version status } }", json!({})).await;
    // `position` is the log's: each start records its client's token.
    let funding = |mut v: Value| {
        v.as_object_mut().unwrap().remove("position");
        v
    };
    json!({
        "civ": funding(c.funding("civ", json!({})).await),
        "civ-eur": funding(c.funding("civ", json!({ "currency": "EUR" })).await),
        "gha": funding(c.funding("gha", json!({})).await),
        "pledges": pledges,
    })
}

fn snapshot_dir(storage: &Storage) -> PathBuf {
    storage.workdir().join("store").join("snapshots")
}

/// The snapshot files, newest first.
fn snapshots(storage: &Storage) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(snapshot_dir(storage))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    let name = p.file_name().unwrap().to_string_lossy().into_owned();
                    name.starts_with("readmodel-") && name.ends_with(".snap")
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.reverse();
    found
}

/// A ledger served once and stopped (SIGTERM writes a snapshot): its
/// storage, the answers the server gave (folded from the log: it had no
/// snapshot), and its event count.
async fn ledger_with_a_snapshot(pledges: usize) -> (Storage, Value, i64) {
    let storage = Storage::fresh(Backend::Sqlite).await.expect("sqlite");
    let served = Served::start(&exe(), &storage).await;
    let c = served.client.clone();
    seed::world(&c).await;
    for i in 0..pledges {
        let id = format!("p{i}");
        seed::pledge(
            &c,
            cash_pledge(
                &id,
                "giz",
                &format!("{}", 1000 + i),
                "EUR",
                &[("civ-p1", &format!("{}", 1000 + i))],
                "2024-01-10",
            ),
        )
        .await;
        seed::commit(&c, &id, "2024-02-01").await;
    }
    let expected = answers(&c).await;
    let count = c.event_count().await;
    let (status, log) = served.terminate().await;
    assert!(status.success(), "{log}");
    assert!(
        log.contains("read-model snapshot written"),
        "a snapshot on shutdown; log:\n{log}"
    );
    assert_eq!(snapshots(&storage).len(), 1, "one snapshot");
    (storage, expected, count)
}

/// Starts the server on `storage` (one more event: the start's token, so
/// `count` moves on), checks its answers are `expected`, that its log says
/// `says`, and that it restored from a snapshot exactly when `restored`;
/// stops it and verifies the chain. Returns the log.
async fn serve_and_compare(
    storage: &Storage,
    expected: &Value,
    count: &mut i64,
    says: &[&str],
    restored: bool,
) -> String {
    let served = Served::start(&exe(), storage).await;
    let c = served.client.clone();
    *count += 1;
    assert_eq!(c.event_count().await, *count, "nothing lost, nothing added");
    assert_eq!(&answers(&c).await, expected, "the figures of the log");
    let (status, log) = served.terminate().await;
    assert!(status.success(), "{log}");
    for said in says {
        assert!(log.contains(said), "the log says {said:?}; log:\n{log}");
    }
    assert_eq!(
        log.contains("read models restored from a snapshot"),
        restored,
        "restored from a snapshot: {restored}; log:\n{log}"
    );
    assert_verifies(storage);
    log
}

fn remove_snapshots(storage: &Storage) {
    for f in snapshots(storage) {
        std::fs::remove_file(f).unwrap();
    }
}

fn corrupt(path: &Path, edit: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = std::fs::read(path).unwrap();
    edit(&mut bytes);
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_snapshot_is_skipped_and_the_log_replayed() {
    let (storage, expected, mut count) = ledger_with_a_snapshot(3).await;
    let file = snapshots(&storage).remove(0);
    let good = std::fs::read(&file).unwrap();

    // garbage over the middle of the body: the checksum catches it
    corrupt(&file, |b| {
        let n = b.len();
        for x in &mut b[n / 2..n / 2 + 16] {
            *x = !*x;
        }
    });
    serve_and_compare(
        &storage,
        &expected,
        &mut count,
        &["snapshot refused; skipped", "checksum does not match"],
        false,
    )
    .await;

    // not a snapshot at all (zeros), under a snapshot's name
    remove_snapshots(&storage);
    let zeros = snapshot_dir(&storage).join("readmodel-00000000000000000001.snap");
    std::fs::write(&zeros, vec![0u8; good.len()]).unwrap();
    serve_and_compare(&storage, &expected, &mut count, &["bad magic"], false).await;

    // the header names another position than the file's name
    remove_snapshots(&storage);
    let mut renamed = good.clone();
    renamed[12] ^= 0x01;
    std::fs::write(&file, &renamed).unwrap();
    serve_and_compare(
        &storage,
        &expected,
        &mut count,
        &["snapshot's name and content disagree; skipped"],
        false,
    )
    .await;

    // control: the whole snapshot back, it is used, same figures
    remove_snapshots(&storage);
    std::fs::write(&file, &good).unwrap();
    serve_and_compare(&storage, &expected, &mut count, &[], true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_snapshot_is_skipped_and_the_log_replayed() {
    let (storage, expected, count) = ledger_with_a_snapshot(3).await;
    let file = snapshots(&storage).remove(0);
    let len = std::fs::metadata(&file).unwrap().len();
    // cut inside the body, then inside the header, then empty
    for cut in [len - 1, len / 2, 40, 0] {
        let good = std::fs::read(&file).unwrap();
        std::fs::write(&file, &good[..cut as usize]).unwrap();
        // no other snapshot to fall back on
        for other in snapshots(&storage).into_iter().filter(|p| p != &file) {
            std::fs::remove_file(other).unwrap();
        }
        let served = Served::start(&exe(), &storage).await;
        let c = served.client.clone();
        assert_eq!(answers(&c).await, expected, "cut at {cut} of {len}");
        assert!(c.event_count().await > count);
        let (status, log) = served.terminate().await;
        assert!(status.success(), "{log}");
        assert!(
            !log.contains("read models restored from a snapshot"),
            "a partial snapshot was loaded (cut at {cut}); log:\n{log}"
        );
        let said = if cut >= 8 {
            "snapshot is truncated"
        } else {
            "bad magic"
        };
        assert!(
            log.contains(said),
            "cut at {cut}: the log says {said:?}:\n{log}"
        );
        // restore the snapshot file for the next cut
        std::fs::write(&file, &good).unwrap();
    }
    assert_verifies(&storage);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_of_another_ledger_is_skipped_and_the_log_replayed() {
    let (storage, expected, mut count) = ledger_with_a_snapshot(3).await;
    // Another ledger, with fewer events: its snapshot's position exists in
    // ours, with another hash.
    let (other, other_expected, other_count) = ledger_with_a_snapshot(1).await;
    assert!(other_count < count);
    assert_ne!(other_expected, expected);
    let foreign = snapshots(&other).remove(0);
    remove_snapshots(&storage);
    std::fs::copy(
        &foreign,
        snapshot_dir(&storage).join(foreign.file_name().unwrap()),
    )
    .unwrap();
    serve_and_compare(
        &storage,
        &expected,
        &mut count,
        &["(another ledger?); snapshot skipped"],
        false,
    )
    .await;

    // And one past our head (another, longer ledger): skipped too.
    let (longer, _, longer_count) = ledger_with_a_snapshot(6).await;
    assert!(longer_count > count + 2);
    let foreign = snapshots(&longer).remove(0);
    remove_snapshots(&storage);
    std::fs::copy(
        &foreign,
        snapshot_dir(&storage).join(foreign.file_name().unwrap()),
    )
    .unwrap();
    let served = Served::start(&exe(), &storage).await;
    let now = answers(&served.client).await;
    assert_eq!(now["civ"]["total"], expected["civ"]["total"].clone());
    let (status, log) = served.terminate().await;
    assert!(status.success(), "{log}");
    assert!(log.contains("snapshot skipped"), "{log}");
    assert!(
        !log.contains("read models restored from a snapshot"),
        "{log}"
    );
    assert_verifies(&storage);
}

/// A crash while a snapshot is written leaves a temporary file (the write is
/// temp file, fsync, rename, directory fsync) or, on a filesystem that would
/// not keep that order, a final file cut short. Neither is ever loaded: the
/// server falls back on the older whole snapshot and folds the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_cut_short_by_a_crash_is_never_loaded() {
    let (storage, expected, mut count) = ledger_with_a_snapshot(3).await;
    // A second start and stop: a second snapshot, one event later.
    let served = Served::start(&exe(), &storage).await;
    let (status, log) = served.terminate().await;
    assert!(status.success(), "{log}");
    let files = snapshots(&storage);
    assert_eq!(files.len(), 2, "two snapshots kept: {files:?}");
    let (newest, older) = (files[0].clone(), files[1].clone());

    // the newest cut short, and a leftover temporary file of a newer one
    let bytes = std::fs::read(&newest).unwrap();
    std::fs::write(&newest, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let leftover =
        snapshot_dir(&storage).join(format!(".readmodel-{:020}.snap.tmp-4242", count + 5));
    std::fs::write(&leftover, &bytes[..bytes.len() / 3]).unwrap();

    count += 1;
    let log = serve_and_compare(
        &storage,
        &expected,
        &mut count,
        &["snapshot refused; skipped", "snapshot is truncated"],
        true,
    )
    .await;
    let older_name = older.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        log.lines()
            .any(|l| l.contains("read models restored from a snapshot") && l.contains(&older_name)),
        "restored from the older whole snapshot {older_name}; log:\n{log}"
    );
    assert!(
        !log.contains(".tmp-4242"),
        "a temporary file is never read as a snapshot; log:\n{log}"
    );
    // `fundtrail rebuild` clears the leftovers of interrupted writes.
    let rebuilt = run(&storage, &["rebuild"]);
    assert!(
        rebuilt.status.success(),
        "{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
    assert!(
        !leftover.exists(),
        "rebuild removes the leftover temporary file"
    );
    assert_eq!(snapshots(&storage).len(), 1);
    serve_and_compare(&storage, &expected, &mut count, &[], true).await;
}

// ---- crash during import, and during restore ----

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ops/demo/civ-2023.yaml");

/// `fundtrail ARGS` with no `FUNDTRAIL_*` setting from the developer's shell.
fn fundtrail(args: &[&std::ffi::OsStr]) -> std::process::Command {
    let mut c = std::process::Command::new(exe());
    c.args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("FUNDTRAIL_") {
            c.env_remove(key);
        }
    }
    c
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

fn ok(output: Output, what: &str) -> String {
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what}: {out}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// The demo report with `n` more organisations, each with a disbursed cash
/// contribution to the demo's roadmap (several events per record). Written
/// anywhere: its document's text is named by its absolute path.
fn big_report(n: usize) -> String {
    let demo = std::fs::read_to_string(DEMO).unwrap();
    let sources = Path::new(DEMO).with_file_name("sources");
    assert_eq!(demo.matches("text: sources/").count(), 1);
    let demo = demo.replace("text: sources/", &format!("text: {}/", sources.display()));
    let mut orgs = String::from("organisations:\n");
    let mut contributions = String::from("contributions:\n");
    for i in 0..n {
        orgs.push_str(&format!(
            "  - {{id: gen-{i:04}, acronym: G{i}, name: \"Generated donor {i}\", kind: FOUNDATION, country: CIV}}\n"
        ));
        contributions.push_str(&format!(
            "  - {{id: c-gen-{i:04}, donor: gen-{i:04}, recipient: cnltp, kind: CASH, status: DISBURSED, themes: [CHILD_LABOUR], amount: {{value: \"{}\", currency: XOF}}, date: 2023-09-01, priorities: [civ-2023-p1], description: \"Generated contribution {i}\"}}\n",
            1000 + i
        ));
    }
    assert_eq!(demo.matches("organisations:\n").count(), 1);
    assert_eq!(demo.matches("contributions:\n").count(), 1);
    demo.replace("organisations:\n", &orgs)
        .replace("contributions:\n", &contributions)
}

/// Each stream's events (types, in order) of the embedded store in `dir`.
async fn streams_of(dir: &Path) -> std::collections::BTreeMap<String, Vec<String>> {
    use fundtrail_store::{Direction, EventReader};
    let reader = fundtrail_store_sqlite::SqliteReader::open(dir).expect("open the store to read");
    let mut streams = std::collections::BTreeMap::<String, Vec<String>>::new();
    for e in reader
        .read_all(1, Direction::Forward, 1 << 22)
        .await
        .expect("read the log")
    {
        streams.entry(e.stream_id).or_default().push(e.event_type);
    }
    streams
}

fn verify_dir(dir: &Path) {
    let out = fundtrail(&[os("verify"), os("--data-dir"), dir.as_os_str()])
        .output()
        .unwrap();
    ok(
        out,
        &format!("fundtrail verify --data-dir {}", dir.display()),
    );
}

/// `fundtrail import` killed (SIGKILL) after some of its steps were
/// recorded, then run again: it completes, and the ledger has exactly the
/// events of a clean import, no record twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_midway_completes_when_run_again_without_duplicates() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("big.yaml");
    std::fs::write(&report, big_report(200)).unwrap();
    let data = dir.path().join("data");
    let clean = dir.path().join("clean");

    let mut child = tokio::process::Command::from(fundtrail(&[
        os("import"),
        report.as_os_str(),
        os("--data-dir"),
        data.as_os_str(),
    ]));
    let mut child = child
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut appended = 0;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while appended < 60 {
        match tokio::time::timeout_at(deadline, lines.next_line()).await {
            Ok(Ok(Some(line))) => appended += usize::from(line.contains("appended")),
            other => panic!("the import said too little before {other:?}"),
        }
    }
    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();
    assert!(!status.success(), "killed: {status:?}");
    let partial = streams_of(&data).await;
    verify_dir(&data);

    ok(
        fundtrail(&[
            os("import"),
            report.as_os_str(),
            os("--data-dir"),
            clean.as_os_str(),
        ])
        .output()
        .unwrap(),
        "a clean import",
    );
    let expected = streams_of(&clean).await;
    let count = |m: &std::collections::BTreeMap<String, Vec<String>>| {
        m.values().map(Vec::len).sum::<usize>()
    };
    assert!(
        count(&partial) > 0 && count(&partial) < count(&expected),
        "killed midway: {} of {} events",
        count(&partial),
        count(&expected)
    );

    let again = ok(
        fundtrail(&[
            os("import"),
            report.as_os_str(),
            os("--data-dir"),
            data.as_os_str(),
        ])
        .output()
        .unwrap(),
        "the import run again",
    );
    println!("{again}");
    assert!(again.contains("records unchanged"), "{again}");
    let resumed = streams_of(&data).await;
    assert_eq!(
        resumed, expected,
        "each stream has exactly the events of a clean import"
    );
    verify_dir(&data);
    // A third run appends nothing.
    let third = ok(
        fundtrail(&[
            os("import"),
            report.as_os_str(),
            os("--data-dir"),
            data.as_os_str(),
        ])
        .output()
        .unwrap(),
        "the import a third time",
    );
    assert!(third.contains(" 0 events appended"), "{third}");
}

/// `fundtrail restore` into a store an interrupted restore of the same
/// backup left (a prefix of it) resumes after it and ends with the same
/// ledger; into a store of another ledger it refuses and writes nothing. A
/// restore killed at any moment and run again ends the same way (or says
/// the store already holds the whole backup).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_interrupted_resumes_on_the_same_backup_and_refuses_another() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name);
    let import = |file: &Path, data: &Path| {
        ok(
            fundtrail(&[
                os("import"),
                file.as_os_str(),
                os("--data-dir"),
                data.as_os_str(),
            ])
            .output()
            .unwrap(),
            "import",
        )
    };
    let backup = |data: &Path, to: &Path| {
        ok(
            fundtrail(&[
                os("backup"),
                os("--to"),
                to.as_os_str(),
                os("--data-dir"),
                data.as_os_str(),
            ])
            .output()
            .unwrap(),
            "backup",
        )
    };
    let restore = |file: &Path, data: &Path| {
        fundtrail(&[
            os("restore"),
            file.as_os_str(),
            os("--data-dir"),
            data.as_os_str(),
        ])
        .output()
        .unwrap()
    };
    // The ledger, and a backup of its beginning (what an interrupted restore
    // leaves: whole batches, each one transaction).
    let imported = import(Path::new(DEMO), &d("source"));
    let early = backup(&d("source"), &d("early.ndjson.gz"));
    // "backup: N events, ... head HASH at position P ...": where the early
    // backup ends, hence where a restore of the full one resumes.
    let early_head = early
        .split_once(" at position ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no head position in {early:?}"));
    assert!(
        imported.contains(&format!(" read, {early_head} events appended")),
        "the early backup ends with the import's last event: {early}{imported}"
    );
    let report = d("big.yaml");
    std::fs::write(&report, big_report(30)).unwrap();
    import(&report, &d("source"));
    backup(&d("source"), &d("full.ndjson.gz"));

    ok(
        restore(&d("early.ndjson.gz"), &d("target")),
        "restore the beginning",
    );
    let resumed = ok(
        restore(&d("full.ndjson.gz"), &d("target")),
        "restore resumed",
    );
    assert!(
        resumed.contains(&format!("resumed after position {early_head},")),
        "{resumed}"
    );
    backup(&d("target"), &d("again.ndjson.gz"));
    assert_eq!(
        std::fs::read(d("again.ndjson.gz")).unwrap(),
        std::fs::read(d("full.ndjson.gz")).unwrap(),
        "the same ledger, byte for byte"
    );
    verify_dir(&d("target"));
    // Run once more: nothing to do, said clearly.
    let done = restore(&d("full.ndjson.gz"), &d("target"));
    assert!(!done.status.success());
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(err.contains("already holds this whole backup"), "{err}");

    // Another ledger's store: refused, unchanged.
    import(&report, &d("other"));
    let before = streams_of(&d("other")).await;
    let refused = restore(&d("full.ndjson.gz"), &d("other"));
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("is not empty") && err.contains("does not hold the beginning of this backup"),
        "{err}"
    );
    assert_eq!(streams_of(&d("other")).await, before, "nothing written");

    // A real restore killed after a random while, then run again.
    for (k, wait_ms) in [0u64, 5, 30, 120].into_iter().enumerate() {
        let target = d(&format!("killed-{k}"));
        let mut child = tokio::process::Command::from(fundtrail(&[
            os("restore"),
            d("full.ndjson.gz").as_os_str(),
            os("--data-dir"),
            target.as_os_str(),
        ]))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(wait_ms)).await;
        let _ = child.start_kill();
        let _ = child.wait().await;
        let again = restore(&d("full.ndjson.gz"), &target);
        let err = String::from_utf8_lossy(&again.stderr);
        assert!(
            again.status.success() || err.contains("already holds this whole backup"),
            "after a kill at {wait_ms} ms: {err}"
        );
        let copy = d(&format!("killed-{k}.ndjson.gz"));
        backup(&target, &copy);
        assert_eq!(
            std::fs::read(&copy).unwrap(),
            std::fs::read(d("full.ndjson.gz")).unwrap(),
            "after a kill at {wait_ms} ms: the same ledger"
        );
    }
}

// ---- a full disk under the embedded store ----

/// A tmpfs mounted on a directory, unmounted when dropped (even on a panic).
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// `mount -t tmpfs -o size=SIZE tmpfs DIR`; `None` when the test should
    /// skip (not root and not under CI; under CI a failure to mount fails).
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if !root && !fundtrail_e2e::in_ci() {
            println!("SKIPPED: mounting a small tmpfs needs root (run as root, or under CI)");
            return None;
        }
        std::fs::create_dir_all(dir).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "cannot mount a tmpfs on {}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Some(Tmpfs {
            dir: dir.to_path_buf(),
        })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = std::process::Command::new("umount")
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(&self.dir)
                .status();
        }
    }
}

/// Writes `path` until the filesystem refuses (ENOSPC).
fn fill(path: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    for chunk in [64 * 1024, 4096, 512, 1] {
        let block = vec![0xa5u8; chunk];
        while let Ok(n) = f.write(&block) {
            if n == 0 {
                break;
            }
        }
    }
    let _ = f.sync_all();
}

/// `fundtrail serve` with its embedded store on an 8 MiB filesystem that
/// fills up: the pledge that does not fit is refused with a coded GraphQL
/// error (no hang), the server logs why, reads go on, nothing acknowledged
/// is lost, and once space returns the same command (same commandId) and
/// new ones are recorded without a restart; the chain verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_commands_clearly_and_the_server_goes_on_when_space_returns() {
    let storage = Storage::fresh(Backend::Sqlite).await.expect("sqlite");
    let Some(fs) = Tmpfs::mount(&storage.workdir().join("store"), "8m") else {
        return;
    };
    let served = Served::start(&exe(), &storage).await;
    let c = served.client.clone();
    seed::world(&c).await;
    let input = |i: usize| {
        let mut p = cash_pledge(
            &format!("full-{i}"),
            "giz",
            "100",
            "EUR",
            &[("civ-p1", "100")],
            "2024-01-10",
        );
        p["commandId"] = json!(format!("make-full-{i}"));
        p["description"] = json!("x".repeat(2000));
        p
    };
    let mut acked = Vec::new();
    for i in 0..5 {
        seed::pledge(&c, input(i)).await;
        acked.push(i);
    }
    let filler = fs.dir.join("filler");
    fill(&filler);

    let mut i = acked.len();
    let refused = loop {
        assert!(i < 2_000, "the disk never filled up");
        let body = tokio::time::timeout(
            std::time::Duration::from_secs(15),
            c.mutate("pledge", input(i), "id version"),
        )
        .await
        .expect("a command on a full disk is answered, not left hanging");
        if fundtrail_e2e::errors_of(&body).is_empty() {
            acked.push(i);
            i += 1;
        } else {
            break body;
        }
    };
    let error = fundtrail_e2e::expect_code(&refused, "INTERNAL_SERVER_ERROR");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("safe to retry with the same commandId"),
        "{refused}"
    );
    // Reads go on while the disk is full.
    let count = c.event_count().await;
    assert!(count > 0);
    assert_eq!(
        c.data(
            &format!(r#"{{ pledge(id: "full-{i}") {{ id }} }}"#),
            json!({})
        )
        .await["pledge"],
        Value::Null,
        "the refused pledge is not there"
    );

    // Space returns: the same command goes through, and new ones.
    std::fs::remove_file(&filler).unwrap();
    let again = seed::pledge(&c, input(i)).await;
    assert_eq!(again["version"], 1);
    acked.push(i);
    seed::pledge(&c, input(i + 1)).await;
    acked.push(i + 1);
    assert_eq!(c.event_count().await, count + 2);
    for k in &acked {
        let p = c
            .data(
                &format!(r#"{{ pledge(id: "full-{k}") {{ id }} }}"#),
                json!({}),
            )
            .await;
        assert_eq!(
            p["pledge"]["id"],
            json!(format!("full-{k}")),
            "acknowledged pledge {k}"
        );
    }
    let log = served.log();
    assert!(
        log.contains("disk holding the store is full"),
        "the server log says why; log:\n{log}"
    );
    let (status, log) = served.terminate().await;
    assert!(status.success(), "{log}");
    assert_verifies(&storage);

    // Started again: the same ledger.
    let served = Served::start(&exe(), &storage).await;
    assert_eq!(served.client.event_count().await, count + 3);
    let (status, log) = served.terminate().await;
    assert!(status.success(), "{log}");
    assert_verifies(&storage);
    drop(fs);
}
