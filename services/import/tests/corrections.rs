//! A corrected copy of an imported file: only the differences are appended,
//! as the domain's ordinary corrective commands; what no command can do
//! refuses the whole file.

use std::sync::Arc;

use chrono::NaiveDate;
use fundtrail_app::{AppState, Limits};
use fundtrail_import::{DEMO_FILE_NAME, ImportError, Problem, Summary, apply, plan};

/// The ledger the corrections start from: an earlier extraction of the demo
/// (format v1), whose statuses and amounts give every correction something
/// to correct. Not the demo: that one states far less (see `import.rs`).
const DEMO: &str = include_str!("fixtures/corrections-base.yaml");
use fundtrail_ledger::client_command_id;
use fundtrail_store::{Direction, EventStore, RecordedEvent};
use fundtrail_store_sqlite::SqliteStore;
use rust_decimal::Decimal;

async fn demo() -> (tempfile::TempDir, Arc<dyn EventStore>, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let state = AppState::start(store.clone(), Limits::default())
        .await
        .unwrap();
    let first = import(&state, DEMO).await.expect("the demo file imports");
    assert_eq!(first.records_added, 84, "80 records and 4 next steps");
    (dir, store, state)
}

async fn import(state: &AppState, text: &str) -> Result<Summary, ImportError> {
    let plan = plan(DEMO_FILE_NAME, text).unwrap_or_else(|p| panic!("{p:#?}"));
    apply(state, &plan, |_, _| {}).await
}

/// `DEMO` with `from` replaced by `to` (which must be there exactly once).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} in the file");
    text.replace(from, to)
}

/// The demo with a correction date and `edits`.
fn corrected(edits: &[(&str, &str)]) -> String {
    let mut text = edit(
        DEMO,
        "currency: XOF\n",
        "currency: XOF\ncorrected_on: 2024-01-15\n",
    );
    for (from, to) in edits {
        text = edit(&text, from, to);
    }
    text
}

async fn events_after(store: &Arc<dyn EventStore>, position: u64) -> Vec<RecordedEvent> {
    store
        .read_all(position + 1, Direction::Forward, 1_000)
        .await
        .unwrap()
}

fn refused(result: Result<Summary, ImportError>) -> Vec<Problem> {
    match result {
        Err(ImportError::Refused(problems)) => problems,
        other => panic!("expected the file to be refused, got {other:?}"),
    }
}

fn has(problems: &[Problem], record: &str, field: &str, words: &str) -> bool {
    problems
        .iter()
        .any(|p| p.record == record && p.field == field && p.reason.contains(words))
}

const KITS_AMOUNT: &str = r#"amount: {value: "10000000", currency: XOF}"#;
const IDLO: &str = "parties: [cnltp, idlo], status: NEGOTIATING,";
const IRC_BC: &str = "donor: barry-callebaut, title: \"Financement de la lutte contre le travail des enfants\", status: SUBMITTED,";
const CENTRES: &str = "recipient: meps, kind: CASH, status: COMMITTED,";
const ENACTE: &str = "recipient: gov-civ, kind: CASH, status: COMMITTED, themes: [CHILD_LABOUR],";

#[tokio::test]
async fn a_corrected_file_appends_only_its_corrections() {
    let (_dir, store, state) = demo().await;
    let head = store.head().await.unwrap().position;
    let text = corrected(&[
        // an amount: 10,000,000 -> 12,000,000 XOF, already disbursed in full
        (KITS_AMOUNT, r#"amount: {value: "12000000", currency: XOF}"#),
        // a status forward: COMMITTED -> DISBURSED (delivered, unvalued)
        (CENTRES, "recipient: meps, kind: CASH, status: DISBURSED,"),
        // a partnership signed
        (
            IDLO,
            "parties: [cnltp, idlo], status: SIGNED, signed_on: 2024-01-10,",
        ),
        // a proposal decided
        (
            IRC_BC,
            "donor: barry-callebaut, title: \"Financement de la lutte contre le travail des enfants\", status: REJECTED, decided_on: 2024-01-05,",
        ),
    ]);
    let summary = import(&state, &text).await.unwrap();
    assert!(summary.is_complete(), "{summary:?}");
    assert_eq!(summary.records_read, 84);
    assert_eq!(summary.records_corrected, 4, "{summary:?}");
    assert_eq!(summary.records_unchanged, 80, "{summary:?}");
    assert_eq!(summary.records_added, 0);
    assert_eq!(summary.events_appended, 5);

    // Exactly these events, in file order, by the importer.
    let events = events_after(&store, head).await;
    let seen: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.stream_id.as_str(), e.event_type.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("partnership-pa-cnltp-idlo", "PartnershipStatusChanged"),
            ("proposal-pr-irc-bc", "ProposalDecided"),
            ("pledge-c-stc-kits", "PledgeRevised"),
            ("pledge-c-stc-kits", "DisbursementRecorded"),
            ("pledge-c-gov-centres", "DisbursementRecorded"),
        ]
    );
    for e in &events {
        assert_eq!(e.metadata.actor, "import:civ-2023.yaml");
    }
    let ids: Vec<&str> = events
        .iter()
        .map(|e| client_command_id(e.metadata.command_id.as_deref().unwrap()))
        .collect();
    assert!(
        ids[2].starts_with("import:civ-2023.yaml:c-stc-kits:revise:v3:"),
        "{ids:?}"
    );
    assert!(
        ids[3].starts_with("import:civ-2023.yaml:c-stc-kits:disburse:v4:"),
        "{ids:?}"
    );
    let revised: serde_json::Value = serde_json::from_str(&events[2].payload).unwrap();
    assert_eq!(revised["amount"]["amount"], "12000000");
    assert_eq!(revised["previousAmount"]["amount"], "10000000");
    assert_eq!(revised["revisedOn"], "2024-01-15");
    assert_eq!(
        revised["reason"],
        "import of civ-2023.yaml: amount corrected from 10000000 XOF to 12000000 XOF"
    );
    let rest: serde_json::Value = serde_json::from_str(&events[3].payload).unwrap();
    assert_eq!(
        rest["amount"]["amount"], "2000000",
        "the rest of the amount"
    );

    // The read models show the corrected figures.
    {
        let m = state.read();
        let kits = m.pledge("c-stc-kits").unwrap();
        assert_eq!(kits.amount.unwrap().amount, Decimal::from(12_000_000));
        assert_eq!(kits.disbursed, Decimal::from(12_000_000));
        assert_eq!(kits.status.as_str(), "DISBURSED");
        assert_eq!(
            m.pledge("c-gov-centres").unwrap().status.as_str(),
            "DISBURSED"
        );
        let idlo = m.partnership("pa-cnltp-idlo").unwrap();
        assert_eq!(idlo.status.unwrap().as_str(), "SIGNED");
        assert_eq!(idlo.signed_on, NaiveDate::from_ymd_opt(2024, 1, 10));
        assert_eq!(m.proposal("pr-irc-bc").unwrap().status.as_str(), "REJECTED");
        let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let f = m.funding("civ-2023", None, None, None, today).unwrap();
        assert_eq!(f.total.pledged.amount, Decimal::from(12_000_000));
        assert_eq!(f.total.committed.amount, Decimal::from(12_000_000));
        assert_eq!(f.total.disbursed.amount, Decimal::from(12_000_000));
        assert_eq!(f.total.unvalued_count, 13);
    }

    // The same corrected file again: nothing to do.
    let head = store.head().await.unwrap().position;
    let again = import(&state, &text).await.unwrap();
    assert_eq!(again.events_appended, 0);
    assert_eq!(again.records_unchanged, 84);
    assert_eq!(again.commands, 0);
    assert_eq!(store.head().await.unwrap().position, head);

    // The original again is a correction back, which the lifecycle forbids
    // here: the whole file is refused and nothing is appended. (It has no
    // corrected_on, and c-stc-kits no date, so the revision has no date either.)
    let problems = refused(import(&state, DEMO).await);
    assert!(
        has(&problems, "c-stc-kits", "amount", "corrected_on"),
        "{problems:#?}"
    );
    assert!(
        has(&problems, "c-gov-centres", "status", "forward"),
        "{problems:#?}"
    );
    assert!(
        has(&problems, "pa-cnltp-idlo", "status", "never back"),
        "{problems:#?}"
    );
    assert!(
        has(&problems, "pr-irc-bc", "status", "decided once"),
        "{problems:#?}"
    );
    assert_eq!(problems.len(), 4, "{problems:#?}");
    let dated = corrected(&[]);
    let problems = refused(import(&state, &dated).await);
    assert!(
        has(
            &problems,
            "c-stc-kits",
            "amount",
            "below the 12000000 XOF already disbursed"
        ),
        "{problems:#?}"
    );
    assert_eq!(store.head().await.unwrap().position, head);
}

#[tokio::test]
async fn a_correction_back_and_forth_is_a_new_revision_each_time() {
    let (_dir, store, state) = demo().await;
    let valued = |amount: &str| {
        corrected(&[(
            ENACTE,
            &format!("{ENACTE} amount: {{value: \"{amount}\", currency: XOF}},"),
        )])
    };
    let five = valued("5000000");
    let six = valued("6000000");
    let mut ids = Vec::new();
    for (text, expected) in [(&five, 5_000_000), (&six, 6_000_000), (&five, 5_000_000)] {
        let head = store.head().await.unwrap().position;
        let summary = import(&state, text).await.unwrap();
        assert_eq!(summary.events_appended, 1, "{summary:?}");
        assert_eq!(summary.records_corrected, 1);
        let events = events_after(&store, head).await;
        assert_eq!(events[0].event_type, "PledgeRevised");
        ids.push(client_command_id(events[0].metadata.command_id.as_deref().unwrap()).to_owned());
        let m = state.read();
        let p = m.pledge("c-iom-enacte").unwrap();
        assert_eq!(p.amount.unwrap().amount, Decimal::from(expected));
        assert_eq!(p.status.as_str(), "COMMITTED");
        // The unvalued pledge named one priority: all of it goes there.
        assert_eq!(p.allocations.len(), 1);
        assert_eq!(p.allocations[0].priority_id.as_str(), "civ-2023-p4");
    }
    assert_ne!(ids[0], ids[2], "the same values from another version");
    assert!(ids[0].contains(":c-iom-enacte:revise:v2:"), "{ids:?}");
    assert!(ids[2].contains(":c-iom-enacte:revise:v4:"), "{ids:?}");

    // Cancelling it is a correction too; it is final.
    let cancelled = edit(
        &five,
        "status: COMMITTED, themes: [CHILD_LABOUR], amount",
        "status: CANCELLED, themes: [CHILD_LABOUR], amount",
    );
    let summary = import(&state, &cancelled).await.unwrap();
    assert_eq!(summary.events_appended, 1);
    assert_eq!(
        state.read().pledge("c-iom-enacte").unwrap().status.as_str(),
        "CANCELLED"
    );
    let problems = refused(import(&state, &five).await);
    assert!(
        has(&problems, "c-iom-enacte", "status", "final"),
        "{problems:#?}"
    );
}

#[tokio::test]
async fn a_correction_without_a_command_refuses_the_whole_file() {
    let (_dir, store, state) = demo().await;
    let head = store.head().await.unwrap().position;
    let text = corrected(&[
        // fine on its own: would be appended if the file were accepted
        (IDLO, "parties: [cnltp, idlo], status: SIGNED,"),
        // below what was disbursed: the domain refuses the revision
        (KITS_AMOUNT, r#"amount: {value: "8000000", currency: XOF}"#),
        // no command renames an organisation
        (
            "name: \"Conseil du Café-Cacao\"",
            "name: \"Conseil Café-Cacao\"",
        ),
        // a status going back
        (
            "recipient: ccc, kind: IN_KIND, status: DISBURSED,",
            "recipient: ccc, kind: IN_KIND, status: PLEDGED,",
        ),
        // a donor is not corrected
        (
            "id: c-cargill-asa, donor: cargill,",
            "id: c-cargill-asa, donor: cemoi,",
        ),
    ]);
    let problems = refused(import(&state, &text).await);
    let text_of: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        has(&problems, "c-stc-kits", "amount", "already disbursed"),
        "{text_of:#?}"
    );
    assert!(
        has(
            &problems,
            "ccc",
            "name",
            "no command corrects an organisation's name"
        ),
        "{text_of:#?}"
    );
    assert!(
        has(&problems, "c-ccc-motos", "status", "DISBURSED"),
        "{text_of:#?}"
    );
    assert!(
        has(&problems, "c-cargill-asa", "donor", "cargill"),
        "{text_of:#?}"
    );
    assert_eq!(problems.len(), 4, "{text_of:#?}");
    assert_eq!(
        store.head().await.unwrap().position,
        head,
        "nothing appended"
    );
    assert_eq!(
        state
            .read()
            .partnership("pa-cnltp-idlo")
            .unwrap()
            .status
            .unwrap()
            .as_str(),
        "NEGOTIATING"
    );
}

#[tokio::test]
async fn a_revision_needs_its_date() {
    let (_dir, store, state) = demo().await;
    let head = store.head().await.unwrap().position;
    // No corrected_on, and c-iom-enacte has no date of its own.
    let text = edit(
        DEMO,
        ENACTE,
        &format!("{ENACTE} amount: {{value: \"5000000\", currency: XOF}},"),
    );
    let problems = refused(import(&state, &text).await);
    assert!(
        has(&problems, "c-iom-enacte", "amount", "corrected_on"),
        "{problems:#?}"
    );
    assert_eq!(store.head().await.unwrap().position, head);

    // A dated contribution is revised on its own date without corrected_on.
    let text = edit(
        DEMO,
        "quantity: {count: 100, unit: motorcycles},",
        "amount: {value: \"150000000\", currency: XOF}, quantity: {count: 100, unit: motorcycles},",
    );
    let summary = import(&state, &text).await.unwrap();
    assert_eq!(summary.events_appended, 1, "{summary:?}");
    let events = events_after(&store, head).await;
    let revised: serde_json::Value = serde_json::from_str(&events[0].payload).unwrap();
    assert_eq!(revised["revisedOn"], "2023-08-24");
    // Delivered without amount: valuing it keeps it delivered, its disbursed money unknown.
    assert_eq!(
        state.read().pledge("c-ccc-motos").unwrap().status.as_str(),
        "DISBURSED"
    );
}

#[tokio::test]
async fn new_records_in_a_corrected_file_are_added() {
    let (_dir, store, state) = demo().await;
    let head = store.head().await.unwrap().position;
    let text = corrected(&[(
        "contributions:\n",
        "contributions:\n  - {id: c-giz-2024, donor: giz, recipient: cnltp, kind: CASH, status: COMMITTED, themes: [TRAFFICKING], amount: {value: \"3000000\", currency: XOF}, date: 2024-02-01, priorities: [civ-2024-p1], description: \"Appui 2024\"}\n",
    )]);
    let summary = import(&state, &text).await.unwrap();
    assert_eq!(summary.records_read, 85);
    assert_eq!(summary.records_added, 1);
    assert_eq!(summary.records_unchanged, 84);
    assert_eq!(summary.events_appended, 2);
    let events = events_after(&store, head).await;
    assert_eq!(
        events[0]
            .metadata
            .command_id
            .as_deref()
            .map(client_command_id),
        Some("import:civ-2023.yaml:c-giz-2024:pledge")
    );
    assert_eq!(events[1].event_type, "PledgeCommitted");
}

#[tokio::test]
async fn a_split_the_file_cannot_say_is_kept_when_it_agrees() {
    use fundtrail_domain::pledge::{AllocationInput, RevisePledge};
    use fundtrail_ledger::{Command, CommandContext};

    let (_dir, store, state) = demo().await;
    // A valued contribution meant for two priorities: unallocated on import.
    let text = corrected(&[(
        "contributions:\n",
        "contributions:\n  - {id: c-giz-split, donor: giz, recipient: cnltp, kind: CASH, status: PLEDGED, themes: [TRAFFICKING], amount: {value: \"1000000\", currency: XOF}, priorities: [civ-2023-p1, civ-2023-p2], description: \"Appui\"}\n",
    )]);
    assert_eq!(import(&state, &text).await.unwrap().records_added, 1);
    // An officer splits it over those two priorities through the API.
    let split = |first: &str, second: &str| {
        Command::Pledge(
            RevisePledge {
                pledge_id: "c-giz-split".into(),
                amount: fundtrail_domain::Money::new(
                    Decimal::from(1_000_000),
                    "XOF".parse().unwrap(),
                ),
                allocations: Some(vec![
                    AllocationInput {
                        priority_id: first.into(),
                        amount: Decimal::from(600_000),
                    },
                    AllocationInput {
                        priority_id: second.into(),
                        amount: Decimal::from(400_000),
                    },
                ]),
                revised_on: NaiveDate::from_ymd_opt(2024, 2, 1).unwrap(),
                reason: "split agreed with the donor".into(),
            }
            .into(),
        )
    };
    state
        .execute(
            &CommandContext::by("clerk"),
            split("civ-2023-p1", "civ-2023-p2"),
        )
        .await
        .unwrap();
    // The file says no less: nothing to correct.
    let again = import(&state, &text).await.unwrap();
    assert_eq!(again.events_appended, 0, "{again:?}");
    assert_eq!(again.records_unchanged, 85);

    // A split over other priorities than the file lists is corrected back.
    state
        .execute(
            &CommandContext::by("clerk"),
            split("civ-2023-p1", "civ-2023-p3"),
        )
        .await
        .unwrap();
    let head = store.head().await.unwrap().position;
    let back = import(&state, &text).await.unwrap();
    assert_eq!(back.records_corrected, 1, "{back:?}");
    let events = events_after(&store, head).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type, "PledgeRevised");
    assert!(
        state
            .read()
            .pledge("c-giz-split")
            .unwrap()
            .allocations
            .is_empty()
    );
}

/// A fresh ledger holding `text`.
async fn imported(text: &str) -> (tempfile::TempDir, Arc<dyn EventStore>, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let state = AppState::start(store.clone(), Limits::default())
        .await
        .unwrap();
    import(&state, text).await.expect("the file imports");
    (dir, store, state)
}

#[tokio::test]
async fn expected_tranches_are_imported_and_corrected_with_a_reason() {
    let scheduled = |tranches: &str| {
        edit(
            DEMO,
            ENACTE,
            &format!(
                "{ENACTE} amount: {{value: \"5000000\", currency: XOF}}, tranches: [{tranches}],"
            ),
        )
    };
    let first = scheduled(
        r#"{due_on: "2024-03-31", value: "2000000"}, {due_on: "2023-12-31", value: "3000000"}"#,
    );
    let (_dir, store, state) = imported(&first).await;
    let tranches = |state: &AppState| {
        state
            .read()
            .pledge("c-iom-enacte")
            .unwrap()
            .tranches
            .iter()
            .map(|t| (t.due_on.to_string(), t.amount.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        tranches(&state),
        [
            ("2023-12-31".to_owned(), "3000000".to_owned()),
            ("2024-03-31".to_owned(), "2000000".to_owned())
        ]
    );
    // The same file again: nothing to do.
    let again = import(&state, &first).await.unwrap();
    assert_eq!(again.records_corrected, 0, "{again:?}");

    // Moved: one setTranches with the record's reason.
    let head = store.head().await.unwrap().position;
    let moved = edit(
        &scheduled(r#"{due_on: "2024-06-30", value: "5000000"}"#),
        ENACTE,
        &format!("{ENACTE} reason: \"Versement unique convenu en janvier\","),
    );
    let summary = import(&state, &moved).await.unwrap();
    assert_eq!(summary.records_corrected, 1, "{summary:?}");
    let events = events_after(&store, head).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].event_type, "TranchesSet");
    let payload: serde_json::Value = serde_json::from_str(&events[0].payload).unwrap();
    assert_eq!(payload["reason"], "Versement unique convenu en janvier");
    assert_eq!(
        tranches(&state),
        [("2024-06-30".to_owned(), "5000000".to_owned())]
    );

    // Tranches of an announcement or of an unvalued contribution: refused.
    let plan = fundtrail_import::plan(
        DEMO_FILE_NAME,
        &edit(
            DEMO,
            ENACTE,
            &format!(
                "{} amount: {{value: \"5000000\", currency: XOF}}, tranches: [{{due_on: \"2024-06-30\", value: \"1\"}}],",
                ENACTE.replace("COMMITTED", "PLEDGED")
            ),
        ),
    );
    let Err(problems) = plan else {
        panic!("tranches of an announcement are refused");
    };
    assert!(
        has(
            &problems,
            "c-iom-enacte",
            "tranches",
            "COMMITTED or DISBURSED"
        ),
        "{problems:#?}"
    );
}

#[tokio::test]
async fn actions_are_imported_and_their_status_corrected_with_a_reason() {
    let with_action = |status: &str| {
        format!(
            "{DEMO}actions:\n  - {{id: a-meeting, roadmap: civ-2023, title: \"Convoquer la réunion de coordination\", owner: Awa, due_on: \"2024-02-15\", status: {status}, about: {{kind: NEXT_STEP, id: civ-2023-s1}}, reason: \"compte rendu du 15 février\"}}\n"
        )
    };
    let (_dir, store, state) = imported(&with_action("PLANNED")).await;
    let action = state.read().action("a-meeting").unwrap().clone();
    assert_eq!(action.owner.as_deref(), Some("Awa"));
    assert_eq!(
        action.due_on,
        Some(NaiveDate::from_ymd_opt(2024, 2, 15).unwrap())
    );
    assert_eq!(action.about.as_ref().unwrap().id, "civ-2023-s1");
    let again = import(&state, &with_action("PLANNED")).await.unwrap();
    assert_eq!(again.events_appended, 0, "{again:?}");

    // Done in the file: one changeActionStatus, with the record's reason.
    let head = store.head().await.unwrap().position;
    let done = import(&state, &with_action("DONE")).await.unwrap();
    assert_eq!(done.records_corrected, 1, "{done:?}");
    let events = events_after(&store, head).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type, "ActionStatusChanged");
    let action = state.read().action("a-meeting").unwrap().clone();
    assert_eq!(
        action.history[0].reason.as_deref(),
        Some("compte rendu du 15 février")
    );

    // An action following up what the file does not hold is refused, naming it.
    let Err(problems) = plan(
        DEMO_FILE_NAME,
        &format!(
            "{DEMO}actions:\n  - {{id: a-x, roadmap: civ-2023, title: t, about: {{kind: PROSPECT, id: nowhere}}}}\n"
        ),
    ) else {
        panic!("an unknown prospect is refused");
    };
    assert!(has(&problems, "a-x", "record", "nowhere"), "{problems:#?}");
}

/// Funding chains in the file (`funded_by`, `docs/funding-chains.md`):
/// imported as links after the contributions, added by a corrected copy,
/// and refused when they name a contribution listed later.
#[tokio::test]
async fn funding_links_are_imported_and_added_by_a_corrected_copy() {
    // ENACTE valued at 5 000 000, of which the kits' donor funds 2 000 000.
    let valued = edit(
        DEMO,
        ENACTE,
        &format!("{ENACTE} amount: {{value: \"5000000\", currency: XOF}},"),
    );
    let linked = edit(
        &valued,
        ENACTE,
        &format!(
            "{ENACTE} funded_by: [{{contribution: c-stc-kits, value: \"2000000\", reason: \"Part des kits\"}}],"
        ),
    );
    let (_dir, store, state) = imported(&linked).await;
    let links = |state: &AppState| state.read().funded_by("c-iom-enacte");
    assert_eq!(links(&state).len(), 1);
    assert_eq!(links(&state)[0].parent_id, "c-stc-kits");
    assert_eq!(
        state.read().kept("c-stc-kits").unwrap().0.amount,
        Decimal::from(8_000_000)
    );
    // Again: nothing to do.
    let again = import(&state, &linked).await.unwrap();
    assert_eq!(again.records_corrected, 0, "{again:?}");

    // A ledger without the link, then the linked copy: one linkFunding.
    let (_dir2, store2, state2) = imported(&valued).await;
    assert!(links(&state2).is_empty());
    let head = store2.head().await.unwrap().position;
    let summary = import(&state2, &linked).await.unwrap();
    assert_eq!(summary.records_corrected, 1, "{summary:?}");
    let events = events_after(&store2, head).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].event_type, "FundingLinked");
    drop(store);

    // A link to a contribution listed later, or more than what remains: refused.
    let Err(problems) = fundtrail_import::plan(
        DEMO_FILE_NAME,
        &edit(
            &valued,
            ENACTE,
            &format!("{ENACTE} funded_by: [{{contribution: c-cemoi-asa, value: \"1\"}}],"),
        ),
    ) else {
        panic!("a link to a later contribution is refused");
    };
    assert!(
        has(
            &problems,
            "c-iom-enacte",
            "funded_by[0].contribution",
            "listed before"
        ),
        "{problems:#?}"
    );
    let Err(problems) = fundtrail_import::plan(
        DEMO_FILE_NAME,
        &edit(
            &valued,
            ENACTE,
            &format!("{ENACTE} funded_by: [{{contribution: c-stc-kits, value: \"5000001\"}}],"),
        ),
    ) else {
        panic!("a link above the child's amount is refused");
    };
    assert!(
        problems.iter().any(|p| p.record == "c-iom-enacte"),
        "{problems:#?}"
    );
}
