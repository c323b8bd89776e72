//! The demo file through a fresh embedded store, a second import, a broken file.

use std::sync::Arc;

use fundtrail_app::{AppState, Limits};
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
    assert_eq!(first.events_appended, 106);
    assert_eq!(first.records_unchanged, 0);
    assert_eq!(first.records_added, 80);
    assert_eq!(first.records_corrected, 0);
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
    assert_eq!(again.commands, 0, "nothing to do, not even a replay");
    assert!(again.is_complete());
    assert_eq!(store.head().await.unwrap().position, head);
}

/// One mistake each: (what, replace, with, record, field, words of the reason).
const MISTAKES: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "bad date",
        "date: 2023-08-24",
        "date: 2023-02-30",
        "c-ccc-motos",
        "date",
        "\"2023-02-30\" is not a date (YYYY-MM-DD)",
    ),
    (
        "bad date of the file",
        "currency: XOF\n",
        "currency: XOF\ncorrected_on: 15/01/2024\n",
        "file",
        "corrected_on",
        "is not a date",
    ),
    (
        "unknown currency",
        r#"value: "10000000", currency: XOF"#,
        r#"value: "10000000", currency: FCFA"#,
        "c-stc-kits",
        "amount.currency",
        "\"FCFA\" is not an ISO 4217 currency",
    ),
    (
        "unknown organisation",
        "donor: cemoi,",
        "donor: nobody,",
        "c-cemoi-asa",
        "donor",
        "unknown organisation \"nobody\"",
    ),
    (
        "unknown priority",
        "priorities: [civ-2023-p2], description: \"Formation",
        "priorities: [civ-2023-p9], description: \"Formation",
        "c-ilo-training",
        "priorities",
        "unknown priority \"civ-2023-p9\"",
    ),
    (
        "duplicate id",
        "{id: cip,",
        "{id: cibes,",
        "cibes",
        "id",
        "duplicate id in the file",
    ),
    (
        "negative amount",
        r#"value: "10000000""#,
        r#"value: "-10000000""#,
        "c-stc-kits",
        "amount.value",
        "-10000000 is not a positive amount",
    ),
    (
        "amount that is not a number",
        r#"value: "10000000""#,
        r#"value: "ten million""#,
        "c-stc-kits",
        "amount.value",
        "is not a decimal number",
    ),
    (
        "unknown contribution status",
        "recipient: gov-civ, kind: CASH, status: COMMITTED,",
        "recipient: gov-civ, kind: CASH, status: PROMISED,",
        "c-iom-enacte",
        "status",
        "unknown value \"PROMISED\"",
    ),
    (
        "unknown partnership status",
        "parties: [cnltp, idlo], status: NEGOTIATING,",
        "parties: [cnltp, idlo], status: PENDING,",
        "pa-cnltp-idlo",
        "status",
        "unknown value \"PENDING\"",
    ),
    (
        "unknown organisation kind",
        "kind: FOUNDATION",
        "kind: CHARITY",
        "ici",
        "kind",
        "unknown value \"CHARITY\"",
    ),
    (
        "missing donor",
        "id: c-cargill-asa, donor: cargill,",
        "id: c-cargill-asa,",
        "c-cargill-asa",
        "donor",
        "missing",
    ),
    (
        "missing name",
        "acronym: VERITE, name: \"Verité\",",
        "acronym: VERITE,",
        "verite",
        "name",
        "missing",
    ),
    (
        "missing id",
        "{id: c-irc-parents, donor: irc,",
        "{donor: irc,",
        "contributions[13]",
        "id",
        "missing",
    ),
    (
        "a decision without its date",
        "donor: saco, title: \"Financement de la lutte contre le travail des enfants\", status: SUBMITTED,",
        "donor: saco, title: \"Financement de la lutte contre le travail des enfants\", status: APPROVED,",
        "pr-irc-saco",
        "decided_on",
        "missing: a proposal APPROVED needs the date of its decision",
    ),
    (
        "a cancellation without its date",
        "recipient: gov-civ, kind: CASH, status: COMMITTED,",
        "recipient: gov-civ, kind: CASH, status: CANCELLED,",
        "c-iom-enacte",
        "status",
        "CANCELLED needs the date of the cancellation",
    ),
];

#[tokio::test]
async fn a_broken_file_is_refused_whole() {
    let has = |problems: &[fundtrail_import::Problem], record: &str, field: &str, words: &str| {
        problems
            .iter()
            .any(|p| p.record == record && p.field == field && p.reason.contains(words))
    };
    // Each kind of mistake alone: that problem, and only it.
    for (what, from, to, record, field, words) in MISTAKES {
        assert_eq!(DEMO.matches(from).count(), 1, "{what}: {from:?}");
        let problems = plan("broken.yaml", &DEMO.replace(from, to)).unwrap_err();
        assert!(
            has(&problems, record, field, words),
            "{what}: {problems:#?}"
        );
        assert_eq!(problems.len(), 1, "{what}: {problems:#?}");
    }
    // All of them in one file: every one reported, none hiding another.
    let mut broken = DEMO.to_owned();
    for (what, from, to, ..) in MISTAKES {
        if broken.matches(from).count() == 1 {
            broken = broken.replace(from, to);
        } else {
            // Two mistakes on the same text: the first one stays.
            eprintln!("{what}: not combined");
        }
    }
    let problems = plan("broken.yaml", &broken).unwrap_err();
    let combined: Vec<_> = MISTAKES
        .iter()
        .filter(|(_, _, to, ..)| broken.contains(to))
        .collect();
    assert!(combined.len() >= 12, "{combined:?}");
    for (what, _, _, record, field, words) in combined {
        assert!(
            has(&problems, record, field, words),
            "{what}: {problems:#?}"
        );
    }

    // Nothing is appended: a refused file never reaches the store, and
    // `apply` on a plan that fits appends everything or nothing.
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
