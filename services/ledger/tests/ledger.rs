//! The command side against the embedded store: idempotency, expected
//! versions, refusals that append nothing, and self-caused conflicts retried.

use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use fundtrail_domain::access::Principal;
use fundtrail_domain::enums::{ContributionKind, OrganisationKind, Role};
use fundtrail_domain::events::decode_slice;
use fundtrail_domain::ids::{OrganisationId, RoadmapId};
use fundtrail_domain::money::{Currency, Money};
use fundtrail_domain::organisation::{OrganisationRegistered, RegisterOrganisation};
use fundtrail_domain::pledge::{
    AllocationInput, CommitPledge, MakePledge, PledgeState, RecordDisbursement,
};
use fundtrail_domain::priority::DefinePriority;
use fundtrail_domain::refs::InMemoryReferences;
use fundtrail_domain::roadmap::CreateRoadmap;
use fundtrail_domain::{DomainError, aggregate::Aggregate};
use fundtrail_ledger::{
    Command, CommandContext, Ledger, ServiceError, client_command_id, command_key, fingerprint,
};
use fundtrail_store::{
    AppendRequest, CommandStamp, Direction, EventAppender, EventMetadata, EventReader, EventStore,
    ExpectedVersion, NewEvent,
};
use fundtrail_store_sqlite::SqliteStore;
use rust_decimal::Decimal;

type Refs = RwLock<InMemoryReferences>;

struct World {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    refs: Arc<Refs>,
    ledger: Ledger<Refs>,
    folded: u64,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let refs = Arc::new(RwLock::new(InMemoryReferences::new()));
        let ledger = Ledger::new(Arc::new(store.clone()) as Arc<dyn EventStore>, refs.clone());
        World {
            _dir: dir,
            store,
            refs,
            ledger,
            folded: 0,
        }
    }

    /// Executes and folds what was appended into the references, as the projection would.
    async fn run(
        &mut self,
        context: &CommandContext,
        command: impl Into<Command>,
    ) -> Result<fundtrail_ledger::Executed, ServiceError> {
        let result = self.ledger.execute(context, command.into()).await;
        let new = self
            .store
            .read_all(self.folded + 1, Direction::Forward, 10_000)
            .await
            .unwrap();
        for e in new {
            let event =
                decode_slice(&e.event_type, e.schema_version, e.payload.as_bytes()).unwrap();
            self.refs.write().unwrap().apply(&event);
            self.folded = e.position;
        }
        result
    }

    async fn head(&self) -> u64 {
        self.store.head().await.unwrap().position
    }

    async fn setup_committed_pledge(&mut self) {
        let officer = CommandContext::by("officer");
        for id in ["giz", "cnltp"] {
            self.run(&officer, organisation(id)).await.unwrap();
        }
        self.run(
            &officer,
            fundtrail_domain::roadmap::RoadmapCommand::from(CreateRoadmap {
                id: "civ-2023".into(),
                country: "CIV".into(),
                title: "Feuille de route 8.7".into(),
                period_start: date(2023, 5, 1),
                period_end: date(2023, 12, 31),
                currency: xof(),
                source: None,
            }),
        )
        .await
        .unwrap();
        self.run(
            &officer,
            fundtrail_domain::priority::PriorityCommand::from(DefinePriority {
                id: "civ-2023-p1".into(),
                roadmap_id: "civ-2023".into(),
                rank: 1,
                title: "Coordination".into(),
                source: None,
            }),
        )
        .await
        .unwrap();
        self.run(
            &officer,
            fundtrail_domain::pledge::PledgeCommand::from(MakePledge {
                id: "p1".into(),
                donor_id: Some("giz".into()),
                recipient_id: Some("cnltp".into()),
                roadmap_id: "civ-2023".into(),
                kind: ContributionKind::Cash,
                amount: Some(Money::new(Decimal::from(10_000_000), xof())),
                quantity: None,
                allocations: vec![AllocationInput {
                    priority_id: "civ-2023-p1".into(),
                    amount: Decimal::from(10_000_000),
                }],
                priority_ids: vec![],
                pledged_on: Some(date(2023, 6, 2)),
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
        .await
        .unwrap();
        self.run(
            &officer,
            fundtrail_domain::pledge::PledgeCommand::from(CommitPledge {
                pledge_id: "p1".into(),
                committed_on: Some(date(2023, 7, 1)),
            }),
        )
        .await
        .unwrap();
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn xof() -> Currency {
    Currency::parse("currency", "XOF").unwrap()
}

fn organisation(id: &str) -> fundtrail_domain::organisation::OrganisationCommand {
    RegisterOrganisation {
        id: id.into(),
        name: format!("Organisation {id}"),
        acronym: None,
        kind: OrganisationKind::InternationalNgo,
        country: "CIV".into(),
        source: None,
    }
    .into()
}

fn with_command_id(id: &str) -> CommandContext {
    CommandContext {
        command_id: Some(id.into()),
        ..CommandContext::by("officer")
    }
}

fn disburse(amount: i64) -> fundtrail_domain::pledge::PledgeCommand {
    RecordDisbursement {
        pledge_id: "p1".into(),
        amount: Some(Decimal::from(amount)),
        disbursed_on: Some(date(2023, 8, 1)),
    }
    .into()
}

#[tokio::test]
async fn a_command_appends_its_events_with_who_and_which_command() {
    let mut w = World::new();
    let done = w
        .run(&with_command_id("c-1"), organisation("giz"))
        .await
        .unwrap();
    assert_eq!(
        (done.stream_id.as_str(), done.version, done.last_position),
        ("organisation-giz", 1, 1)
    );
    assert!(!done.replayed);
    let stored = w.store.read_all(1, Direction::Forward, 10).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].event_type, "OrganisationRegistered");
    assert_eq!(stored[0].metadata.actor, "officer");
    // Recorded under the principal's key; the client's id reads back out of it.
    let key = stored[0].metadata.command_id.as_deref().unwrap();
    assert_eq!(key, command_key("officer", "c-1"));
    assert_eq!(client_command_id(key), "c-1");
    assert!(w.store.find_command(key).await.unwrap().is_some());
    assert!(w.store.find_command("c-1").await.unwrap().is_none());
}

#[tokio::test]
async fn the_same_command_id_and_input_returns_the_first_result_and_appends_nothing() {
    let mut w = World::new();
    let first = w
        .run(&with_command_id("c-1"), organisation("giz"))
        .await
        .unwrap();
    let again = w
        .run(&with_command_id("c-1"), organisation("giz"))
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(
        (again.first_position, again.last_position, again.version),
        (first.first_position, first.last_position, 1)
    );
    assert_eq!(w.head().await, 1);
}

#[tokio::test]
async fn the_same_command_id_with_another_input_is_an_idempotency_conflict() {
    let mut w = World::new();
    w.run(&with_command_id("c-1"), organisation("giz"))
        .await
        .unwrap();
    let other = w.run(&with_command_id("c-1"), organisation("unicef")).await;
    assert_eq!(
        other,
        Err(ServiceError::IdempotencyConflict {
            command_id: "c-1".into()
        })
    );
    assert_eq!(
        other.unwrap_err().code().unwrap().as_str(),
        "IDEMPOTENCY_CONFLICT"
    );
    assert_eq!(w.head().await, 1);
}

#[tokio::test]
async fn command_ids_are_remembered_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let refs = Arc::new(RwLock::new(InMemoryReferences::new()));
    {
        let store = SqliteStore::open(dir.path()).unwrap();
        let ledger = Ledger::new(Arc::new(store.clone()) as Arc<dyn EventStore>, refs.clone());
        ledger
            .execute(&with_command_id("c-9"), organisation("giz").into())
            .await
            .unwrap();
        store.close().await;
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    let ledger = Ledger::new(Arc::new(store.clone()) as Arc<dyn EventStore>, refs);
    let again = ledger
        .execute(&with_command_id("c-9"), organisation("giz").into())
        .await
        .unwrap();
    assert!(again.replayed);
    let conflict = ledger
        .execute(&with_command_id("c-9"), organisation("ilo").into())
        .await;
    assert!(matches!(
        conflict,
        Err(ServiceError::IdempotencyConflict { .. })
    ));
    assert_eq!(store.head().await.unwrap().position, 1);
}

#[tokio::test]
async fn a_stale_expected_version_is_a_concurrency_conflict_with_the_actual_version() {
    let mut w = World::new();
    w.setup_committed_pledge().await;
    let before = w.head().await;
    let stale = CommandContext {
        expected_version: Some(1),
        ..CommandContext::by("officer")
    };
    let refused = w.run(&stale, disburse(1_000)).await;
    assert_eq!(
        refused,
        Err(ServiceError::ConcurrencyConflict {
            stream: "pledge-p1".into(),
            expected: 1,
            actual: 2
        })
    );
    assert_eq!(w.head().await, before);
    let current = CommandContext {
        expected_version: Some(2),
        ..stale
    };
    assert_eq!(w.run(&current, disburse(1_000)).await.unwrap().version, 3);
}

#[tokio::test]
async fn a_refused_command_appends_nothing() {
    let mut w = World::new();
    w.setup_committed_pledge().await;
    let before = w.head().await;
    let too_much = w
        .run(&CommandContext::by("officer"), disburse(20_000_000))
        .await;
    assert!(matches!(
        too_much,
        Err(ServiceError::Domain(DomainError::InvalidState { .. }))
    ));
    let twice = w
        .run(&CommandContext::by("officer"), organisation("giz"))
        .await;
    assert!(matches!(
        twice,
        Err(ServiceError::Domain(DomainError::AlreadyExists { .. }))
    ));
    let bad_id = w
        .run(&CommandContext::by("officer"), organisation("Not A Slug!"))
        .await;
    assert_eq!(
        bad_id.unwrap_err().code().unwrap().as_str(),
        "BAD_USER_INPUT"
    );
    assert_eq!(w.head().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commands_on_one_entity_are_decided_again_not_lost() {
    let mut w = World::new();
    w.setup_committed_pledge().await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let ledger = w.ledger.clone();
        tasks.push(tokio::spawn(async move {
            ledger
                .execute(
                    &CommandContext::by("officer"),
                    Command::from(disburse(1_000_000)),
                )
                .await
        }));
    }
    let mut versions = Vec::new();
    for t in tasks {
        versions.push(
            t.await
                .unwrap()
                .expect("retried after a self-caused conflict")
                .version,
        );
    }
    versions.sort();
    assert_eq!(versions, (3..=8).collect::<Vec<_>>());
    let pledge: PledgeState = w.ledger.load("pledge-p1").await.unwrap();
    assert_eq!(pledge.version(), 8);
    let entity = pledge.entity.expect("pledge exists");
    assert_eq!(entity.disbursed, Decimal::from(6_000_000));
    assert_eq!(entity.disbursements.len(), 6);
}

// ---- a commandId belongs to the principal that sent it (#17, finding 5) ----

fn officer_named(name: &str, roadmaps: &[&str]) -> CommandContext {
    let mut principal = Principal::new(name, Role::Officer);
    principal.scope.roadmaps = roadmaps
        .iter()
        .map(|r| RoadmapId::new_unchecked(*r))
        .collect();
    CommandContext::of(principal)
}

fn sending(mut context: CommandContext, command_id: &str) -> CommandContext {
    context.command_id = Some(command_id.into());
    context
}

fn code(result: &Result<fundtrail_ledger::Executed, ServiceError>) -> Option<&'static str> {
    result
        .as_ref()
        .err()
        .and_then(|e| e.code())
        .map(|c| c.as_str())
}

#[tokio::test]
async fn another_principal_replaying_a_command_id_runs_its_own_command_not_the_first_result() {
    let mut w = World::new();
    let alice = officer_named("alice", &[]);
    let bob = officer_named("bob", &[]);
    let first = w
        .run(&sending(alice.clone(), "c-1"), organisation("giz"))
        .await
        .unwrap();
    let head = w.head().await;
    // bob sends alice's commandId with the same input: his own command runs
    // (and is refused: giz exists), he never gets alice's result.
    let bobs = w
        .run(&sending(bob.clone(), "c-1"), organisation("giz"))
        .await;
    assert_eq!(code(&bobs), Some("ALREADY_EXISTS"), "{bobs:?}");
    assert_eq!(w.head().await, head, "nothing appended");
    // ... and with another input, the id is his to use.
    let own = w
        .run(&sending(bob.clone(), "c-1"), organisation("cnltp"))
        .await
        .unwrap();
    assert!(!own.replayed);
    assert_ne!(own.last_position, first.last_position);
    let again = w
        .run(&sending(bob, "c-1"), organisation("cnltp"))
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(again.last_position, own.last_position);
    // alice's retry still answers with her first result.
    let hers = w
        .run(&sending(alice, "c-1"), organisation("giz"))
        .await
        .unwrap();
    assert!(hers.replayed);
    assert_eq!(hers.last_position, first.last_position);
}

#[tokio::test]
async fn an_out_of_scope_principal_is_forbidden_whether_or_not_the_command_id_exists() {
    let mut w = World::new();
    w.setup_committed_pledge().await;
    let admin = CommandContext::by("admin");
    let make = |id: &str| {
        fundtrail_domain::pledge::PledgeCommand::from(MakePledge {
            id: id.into(),
            donor_id: Some("giz".into()),
            recipient_id: Some("cnltp".into()),
            roadmap_id: "civ-2023".into(),
            kind: ContributionKind::Cash,
            amount: Some(Money::new(Decimal::from(1_000), xof())),
            quantity: None,
            allocations: vec![],
            priority_ids: vec![],
            pledged_on: Some(date(2023, 6, 2)),
            proposal_id: None,
            partnership_id: None,
            themes: vec![],
            description: None,
            items: Vec::new(),
            beneficiaries: Vec::new(),
            status_stated: true,
            source: None,
        })
    };
    w.run(&sending(admin, "x-used"), make("p2")).await.unwrap();
    let head = w.head().await;
    let outsider = officer_named("gha officer", &["gha-2023"]);
    let used_same = w
        .run(&sending(outsider.clone(), "x-used"), make("p2"))
        .await;
    let used_other = w
        .run(&sending(outsider.clone(), "x-used"), make("p3"))
        .await;
    let unused = w.run(&sending(outsider, "x-unused"), make("p2")).await;
    assert_eq!(code(&used_same), Some("FORBIDDEN"), "{used_same:?}");
    assert_eq!(code(&used_other), Some("FORBIDDEN"), "{used_other:?}");
    assert_eq!(code(&unused), Some("FORBIDDEN"), "{unused:?}");
    assert_eq!(
        used_same.unwrap_err().to_string(),
        unused.unwrap_err().to_string(),
        "the answer does not tell whether the commandId exists"
    );
    assert_eq!(w.head().await, head, "nothing appended");
}

#[tokio::test]
async fn import_command_ids_are_reserved_to_their_importer() {
    let mut w = World::new();
    let squatted = "import:civ-2023.yaml:giz:register";
    let refused = w
        .run(
            &sending(officer_named("alice", &[]), squatted),
            organisation("giz"),
        )
        .await;
    match &refused {
        Err(ServiceError::Domain(DomainError::BadUserInput { field, .. })) => {
            assert_eq!(field, "commandId")
        }
        other => panic!("expected BAD_USER_INPUT on commandId, got {other:?}"),
    }
    // Another file's importer may not use it either.
    let other_file = w
        .run(
            &sending(CommandContext::by("import:other.yaml"), squatted),
            organisation("giz"),
        )
        .await;
    assert_eq!(code(&other_file), Some("BAD_USER_INPUT"), "{other_file:?}");
    assert_eq!(w.head().await, 0, "nothing appended");
    // The file's own importer is not hindered.
    let done = w
        .run(
            &sending(CommandContext::by("import:civ-2023.yaml"), squatted),
            organisation("giz"),
        )
        .await
        .unwrap();
    assert!(!done.replayed);
}

#[tokio::test]
async fn a_command_id_recorded_bare_by_an_older_ledger_replays_for_its_own_principal_only() {
    let mut w = World::new();
    // What an older ledger stored: the client's commandId as the key.
    let command = Command::from(organisation("giz"));
    let payload = serde_json::to_string(&OrganisationRegistered {
        organisation_id: OrganisationId::new_unchecked("giz"),
        name: "Organisation giz".into(),
        acronym: None,
        kind: OrganisationKind::InternationalNgo,
        country: "CIV".into(),
        source: None,
    })
    .unwrap();
    let request = AppendRequest::new(
        "organisation-giz",
        ExpectedVersion::NoStream,
        vec![NewEvent::new("OrganisationRegistered", 1, payload)],
    )
    .with_metadata(EventMetadata::by("alice"))
    .with_command(CommandStamp {
        command_id: "old-1".into(),
        fingerprint: fingerprint(&command, None),
    });
    w.store.append(request).await.unwrap();
    w.run(&CommandContext::by("setup"), organisation("cnltp"))
        .await
        .unwrap();
    let head = w.head().await;
    // alice's retry is recognised.
    let hers = w
        .run(
            &sending(officer_named("alice", &[]), "old-1"),
            organisation("giz"),
        )
        .await
        .unwrap();
    assert!(hers.replayed);
    assert_eq!(hers.last_position, 1);
    let conflict = w
        .run(
            &sending(officer_named("alice", &[]), "old-1"),
            organisation("cnltp"),
        )
        .await;
    assert_eq!(
        code(&conflict),
        Some("IDEMPOTENCY_CONFLICT"),
        "{conflict:?}"
    );
    // bob does not get alice's result.
    let bobs = w
        .run(
            &sending(officer_named("bob", &[]), "old-1"),
            organisation("giz"),
        )
        .await;
    assert_eq!(code(&bobs), Some("ALREADY_EXISTS"), "{bobs:?}");
    assert_eq!(w.head().await, head, "nothing appended");
}
