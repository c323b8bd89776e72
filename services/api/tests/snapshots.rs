//! The projection driver resumes from a read-model snapshot (embedded store):
//! it folds only the events after the snapshot, ends with the same answers as
//! a replay from zero, and falls back to zero for a damaged or foreign snapshot.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use fundtrail_app::{AppState, Limits, SnapshotConfig};
use fundtrail_domain::enums::{ContributionKind, OrganisationKind};
use fundtrail_domain::money::{Currency, Money};
use fundtrail_domain::organisation::{OrganisationCommand, RegisterOrganisation};
use fundtrail_domain::pledge::{MakePledge, PledgeCommand};
use fundtrail_domain::priority::{DefinePriority, PriorityCommand};
use fundtrail_domain::roadmap::{CreateRoadmap, RoadmapCommand};
use fundtrail_ledger::{Command, CommandContext};
use fundtrail_store::EventStore;
use fundtrail_store_sqlite::SqliteStore;

fn config(dir: &Path, every_events: u64) -> SnapshotConfig {
    SnapshotConfig {
        dir: dir.join("snapshots"),
        every_events,
        every: Duration::from_secs(3600),
        keep: 2,
    }
}

async fn run(state: &AppState, command: impl Into<Command>) {
    state
        .execute(&CommandContext::by("tester"), command.into())
        .await
        .expect("command accepted");
}

async fn org(state: &AppState, id: &str) {
    run(
        state,
        OrganisationCommand::Register(RegisterOrganisation {
            id: id.into(),
            name: format!("Org {id}"),
            acronym: None,
            kind: OrganisationKind::Foundation,
            country: "CIV".into(),
            source: None,
        }),
    )
    .await;
}

async fn pledge(state: &AppState, id: &str, donor: &str, amount: i64) {
    run(
        state,
        PledgeCommand::Make(MakePledge {
            id: id.into(),
            donor_id: Some(donor.into()),
            recipient_id: Some("gov".into()),
            roadmap_id: "rm".into(),
            kind: ContributionKind::Cash,
            amount: Some(Money::new(amount.into(), Currency::XOF)),
            quantity: None,
            allocations: vec![],
            priority_ids: vec![],
            pledged_on: NaiveDate::from_ymd_opt(2024, 3, 1),
            proposal_id: None,
            partnership_id: None,
            themes: vec![],
            description: None,
            items: Vec::new(),
            beneficiaries: Vec::new(),
            status_stated: true,
            source: None,
        }),
    )
    .await;
}

/// A small ledger: organisations, a roadmap with a priority, pledges.
async fn seed(state: &AppState, orgs: usize) {
    org(state, "gov").await;
    for i in 0..orgs {
        org(state, &format!("o{i}")).await;
    }
    run(
        state,
        RoadmapCommand::Create(CreateRoadmap {
            id: "rm".into(),
            country: "CIV".into(),
            title: "Roadmap".into(),
            period_start: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            period_end: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            currency: Currency::XOF,
            source: None,
        }),
    )
    .await;
    run(
        state,
        PriorityCommand::Define(DefinePriority {
            id: "p1".into(),
            roadmap_id: "rm".into(),
            rank: 1,
            title: "First".into(),
            source: None,
        }),
    )
    .await;
    for i in 0..orgs {
        pledge(
            state,
            &format!("a{i}"),
            &format!("o{i}"),
            1_000 * (i as i64 + 1),
        )
        .await;
    }
}

async fn ready(state: &AppState, store: &Arc<dyn EventStore>) {
    let head = store.head().await.unwrap().position;
    tokio::time::timeout(Duration::from_secs(30), async {
        while state.applied() < head {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the read models catch up");
}

/// What a client would see, to compare two states.
fn answers(state: &AppState) -> String {
    let m = state.read();
    let today = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    format!(
        "{}\n{:?}\n{:?}\n{:?}",
        m.position(),
        m.funding("rm", None, None, None, today),
        m.organisations(None, None),
        m.pledges(Some("rm"), None, None),
    )
}

#[tokio::test]
async fn a_restart_resumes_from_the_snapshot_and_catches_up() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path().join("data")).unwrap());
    let cfg = config(dir.path(), 1_000_000);

    let first = AppState::start_with(store.clone(), Limits::default(), Some(cfg.clone()))
        .await
        .unwrap();
    assert_eq!(first.restored_from(), None);
    seed(&first, 8).await;
    let at = first.snapshot_now().await.expect("a snapshot is written");
    assert_eq!(at, first.applied());
    assert_eq!(at, store.head().await.unwrap().position);
    assert_eq!(first.snapshot_now().await, None, "nothing new to write");
    drop(first);

    // more events while "down", through a state without snapshots
    let other = AppState::start(store.clone(), Limits::default())
        .await
        .unwrap();
    ready(&other, &store).await;
    org(&other, "late").await;
    pledge(&other, "b1", "late", 777).await;
    drop(other);
    let head = store.head().await.unwrap().position;
    assert_eq!(head, at + 2);

    let resumed = AppState::start_with(store.clone(), Limits::default(), Some(cfg.clone()))
        .await
        .unwrap();
    assert_eq!(resumed.restored_from(), Some(at));
    ready(&resumed, &store).await;
    assert_eq!(
        resumed.folded_since_start(),
        2,
        "only the events after the snapshot"
    );

    let replayed = AppState::start(store.clone(), Limits::default())
        .await
        .unwrap();
    ready(&replayed, &store).await;
    assert_eq!(replayed.folded_since_start(), head);
    assert_eq!(answers(&resumed), answers(&replayed));
    // commands go on working against the restored models
    pledge(&resumed, "b2", "o1", 5).await;
    assert_eq!(resumed.applied(), head + 1);
}

#[tokio::test]
async fn snapshots_are_written_in_the_background_as_the_log_grows() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path().join("data")).unwrap());
    let cfg = config(dir.path(), 5);
    let state = AppState::start_with(store.clone(), Limits::default(), Some(cfg.clone()))
        .await
        .unwrap();
    seed(&state, 6).await;
    let written = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let n = std::fs::read_dir(&cfg.dir)
                .map(|d| {
                    d.filter_map(Result::ok)
                        .filter(|e| e.file_name().to_string_lossy().ends_with(".snap"))
                        .count()
                })
                .unwrap_or(0);
            if n > 0 {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("a snapshot file appears");
    assert!(written <= cfg.keep, "old snapshots are pruned");
    drop(state);
    let again = AppState::start_with(store.clone(), Limits::default(), Some(cfg))
        .await
        .unwrap();
    assert!(again.restored_from().is_some_and(|p| p >= 5));
    ready(&again, &store).await;
}

fn snapshot_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".snap"))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn a_first_start_snapshots_once_it_has_caught_up_not_on_the_way() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path().join("data")).unwrap());
    let writer = AppState::start(store.clone(), Limits::default())
        .await
        .unwrap();
    // More events than two pages of the subscription (2,000), so the
    // catch-up folds them in several chunks, each a chance to snapshot.
    for batch in 0..45 {
        let ids: Vec<String> = (0..100).map(|i| format!("org-{batch}-{i}")).collect();
        futures::future::join_all(ids.iter().map(|id| org(&writer, id))).await;
    }
    drop(writer);
    let head = store.head().await.unwrap().position;
    assert_eq!(head, 4_500);

    let mut cfg = config(dir.path(), 1_000);
    cfg.keep = 100;
    let state = AppState::start_with(store.clone(), Limits::default(), Some(cfg.clone()))
        .await
        .unwrap();
    ready(&state, &store).await;
    tokio::time::timeout(Duration::from_secs(30), async {
        while snapshot_files(&cfg.dir) == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("a snapshot once caught up");
    drop(state);
    assert_eq!(snapshot_files(&cfg.dir), 1, "none while catching up");
    let again = AppState::start_with(store.clone(), Limits::default(), Some(cfg))
        .await
        .unwrap();
    assert_eq!(again.restored_from(), Some(head));
}

#[tokio::test]
async fn a_damaged_or_foreign_snapshot_is_skipped_and_the_log_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path().join("data")).unwrap());
    let cfg = config(dir.path(), 1_000_000);
    let state = AppState::start_with(store.clone(), Limits::default(), Some(cfg.clone()))
        .await
        .unwrap();
    seed(&state, 3).await;
    let at = state.snapshot_now().await.unwrap();
    let expected = answers(&state);
    drop(state);

    // damaged: one byte flipped
    let file = std::fs::read_dir(&cfg.dir)
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().ends_with(".snap"))
        .unwrap()
        .path();
    let good = std::fs::read(&file).unwrap();
    let mut bad = good.clone();
    let n = bad.len();
    bad[n - 3] ^= 0x55;
    std::fs::write(&file, &bad).unwrap();
    let s = AppState::start_with(store.clone(), Limits::default(), Some(cfg.clone()))
        .await
        .unwrap();
    assert_eq!(s.restored_from(), None);
    ready(&s, &store).await;
    assert_eq!(s.folded_since_start(), at);
    assert_eq!(answers(&s), expected);
    drop(s);

    // foreign: the same snapshot beside another ledger
    let dir2 = tempfile::tempdir().unwrap();
    let store2: Arc<dyn EventStore> =
        Arc::new(SqliteStore::open(dir2.path().join("data")).unwrap());
    let cfg2 = config(dir2.path(), 1_000_000);
    let seeder = AppState::start(store2.clone(), Limits::default())
        .await
        .unwrap();
    seed(&seeder, 3).await;
    drop(seeder);
    std::fs::create_dir_all(&cfg2.dir).unwrap();
    std::fs::write(cfg2.dir.join(file.file_name().unwrap()), &good).unwrap();
    let s2 = AppState::start_with(store2.clone(), Limits::default(), Some(cfg2))
        .await
        .unwrap();
    assert_eq!(s2.restored_from(), None, "hash of another ledger's event");
    ready(&s2, &store2).await;
}
