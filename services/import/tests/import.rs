//! The demo file through a fresh embedded store, a second import, a broken file.

use std::sync::Arc;

use fundtrail_api::{AppState, Limits};
use fundtrail_import::{DEMO, DEMO_FILE_NAME, apply, plan};
use fundtrail_store::EventStore;
use fundtrail_store_sqlite::SqliteStore;

async fn fresh() -> (tempfile::TempDir, Arc<dyn EventStore>, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let state = AppState::start(store.clone(), Limits::default())
        .await
        .unwrap();
    (dir, store, state)
}

#[tokio::test]
async fn the_demo_file_imports_once() {
    let (_dir, store, state) = fresh().await;
    let plan = plan(DEMO_FILE_NAME, DEMO).expect("the demo file is valid");
    let mut seen = 0;
    let first = apply(&state, &plan, |_, _| seen += 1).await.unwrap();
    assert_eq!(seen, plan.steps.len());
    assert!(first.is_complete(), "{first:?}");
    assert!(first.events_appended > 0);
    assert_eq!(first.records_unchanged, 0);
    // 42 organisations, 2 roadmaps, 8 priorities, 12 partnerships, 2 proposals, 14 contributions
    assert_eq!(first.records_read, 42 + 2 + 8 + 12 + 2 + 14);
    {
        let m = state.read();
        assert_eq!(m.organisations(None, None).len(), 42);
        assert_eq!(m.roadmaps().len(), 2);
        assert_eq!(m.roadmap_priorities("civ-2023").len(), 4);
        assert_eq!(m.roadmap_priorities("civ-2024").len(), 4);
        assert_eq!(m.partnerships(None, None).len(), 12);
        assert_eq!(m.proposals(None, None, None).len(), 2);
        assert_eq!(m.pledges(None, None, None).len(), 14);
        let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let f = m.funding("civ-2023", None, None, None, today).unwrap();
        // Only c-stc-kits has an amount: the 13 others are counted, not summed.
        assert_eq!(f.total.unvalued_count, 13);
        assert_eq!(
            f.total.pledged.amount,
            rust_decimal::Decimal::from(10_000_000)
        );
        assert_eq!(
            m.pledge("c-ccc-motos").unwrap().status.as_str(),
            "DISBURSED"
        );
        assert_eq!(
            m.pledge("c-iom-enacte").unwrap().status.as_str(),
            "COMMITTED"
        );
    }

    let head = store.head().await.unwrap().position;
    let again = apply(&state, &plan, |_, _| {}).await.unwrap();
    assert_eq!(again.events_appended, 0);
    assert_eq!(again.records_unchanged, first.records_read);
    assert!(again.is_complete());
    assert_eq!(store.head().await.unwrap().position, head);
}

#[tokio::test]
async fn a_corrected_record_is_reported_not_applied() {
    let (_dir, store, state) = fresh().await;
    apply(&state, &plan(DEMO_FILE_NAME, DEMO).unwrap(), |_, _| {})
        .await
        .unwrap();
    let head = store.head().await.unwrap().position;
    let corrected = DEMO.replace(
        "name: \"Conseil du Café-Cacao\"",
        "name: \"Conseil Café-Cacao\"",
    );
    let summary = apply(
        &state,
        &plan(DEMO_FILE_NAME, &corrected).unwrap(),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(summary.changed, vec!["ccc:register".to_owned()]);
    assert_eq!(summary.events_appended, 0);
    assert_eq!(store.head().await.unwrap().position, head);
}

#[tokio::test]
async fn a_broken_file_is_refused_whole() {
    let broken = DEMO
        .replace("kind: FOUNDATION", "kind: CHARITY")
        .replace("donor: cemoi,", "donor: nobody,")
        .replace("date: 2023-08-24", "date: 2023-02-30")
        .replace("{id: cip,", "{id: cibes,");
    let problems = plan("broken.yaml", &broken).unwrap_err();
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let has = |record: &str, field: &str| {
        problems
            .iter()
            .any(|p| p.record == record && p.field == field)
    };
    assert!(has("ici", "kind"), "{text:#?}");
    assert!(has("c-cemoi-asa", "donor"), "{text:#?}");
    assert!(has("c-ccc-motos", "date"), "{text:#?}");
    assert!(has("cibes", "id"), "{text:#?}");

    // Nothing is appended: plan refuses before any store is touched.
    let (_dir, store, _state) = fresh().await;
    assert_eq!(store.head().await.unwrap().position, 0);
}

#[test]
fn the_domain_dry_run_catches_what_the_file_checks_do_not() {
    let bad = DEMO.replace("{id: gov-civ, acronym: GOV-CI, name: \"Gouvernement de Côte d'Ivoire\", kind: GOVERNMENT, country: CIV}", "{id: gov-civ, acronym: GOV-CI, name: \"Gouvernement de Côte d'Ivoire\", kind: GOVERNMENT, country: XXX}");
    let problems = plan("bad.yaml", &bad).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.record == "gov-civ" && p.field == "register"),
        "{problems:?}"
    );
}
