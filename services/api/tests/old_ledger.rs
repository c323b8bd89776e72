//! A ledger written before the events gained sources, optional parties and
//! items (schema v1) still loads, verifies and takes new commands: stored
//! bytes are never rewritten, older versions are upcast when read.

use std::sync::Arc;

use fundtrail_app::{AppState, Limits};
use fundtrail_domain::pledge::{CommitPledge, PledgeCommand};
use fundtrail_ledger::{Command, CommandContext};
use fundtrail_store::verify::verify_chain;
use fundtrail_store::{AppendRequest, EventStore, ExpectedVersion, NewEvent};
use fundtrail_store_sqlite::SqliteStore;
use serde_json::json;

/// Appends `(stream, event type, v1 payload)` as schema version 1.
async fn write_v1(store: &Arc<dyn EventStore>, events: &[(&str, &str, serde_json::Value)]) {
    for (stream, event_type, payload) in events {
        let request = AppendRequest::new(
            *stream,
            ExpectedVersion::Any,
            vec![NewEvent::new(*event_type, 1, payload.to_string())],
        );
        store.append(request).await.unwrap();
    }
}

#[tokio::test]
async fn a_version_1_ledger_loads_verifies_and_takes_new_commands() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let org = |id: &str| json!({"organisationId": id, "name": id.to_uppercase(), "kind": "GOVERNMENT", "country": "CIV"});
    write_v1(
        &store,
        &[
            ("organisation-ccc", "OrganisationRegistered", org("ccc")),
            ("organisation-gov", "OrganisationRegistered", org("gov")),
            (
                "roadmap-civ",
                "RoadmapCreated",
                json!({"roadmapId": "civ", "country": "CIV", "title": "Feuille de route",
                       "periodStart": "2023-05-01", "periodEnd": "2023-12-31", "currency": "XOF"}),
            ),
            (
                "priority-p2",
                "PriorityDefined",
                json!({"priorityId": "p2", "roadmapId": "civ", "rank": 2, "title": "Suivi"}),
            ),
            (
                "partnership-pa",
                "PartnershipRecorded",
                json!({"partnershipId": "pa", "partyIds": ["ccc", "gov"], "title": "Accord",
                       "status": "NEGOTIATING"}),
            ),
            (
                "pledge-motos",
                "PledgeMade",
                json!({"pledgeId": "motos", "donorId": "gov", "recipientId": "ccc",
                       "roadmapId": "civ", "kind": "IN_KIND",
                       "quantity": {"count": 100, "unit": "motorcycles"},
                       "priorityIds": ["p2"], "pledgedOn": "2023-08-24"}),
            ),
        ],
    )
    .await;
    let head_before = store.head().await.unwrap();

    let state = AppState::start(store.clone(), Limits::default())
        .await
        .unwrap();
    state.wait_for(head_before.position).await;
    assert_eq!(
        state.applied(),
        head_before.position,
        "every v1 event is folded"
    );
    {
        let m = state.read();
        let p = m.pledge("motos").expect("the v1 pledge is read");
        assert_eq!(p.items.len(), 1, "the v1 quantity is one item");
        assert_eq!(
            (p.items[0].quantity, p.items[0].unit.as_str()),
            (100, "motorcycles")
        );
        assert_eq!(p.quantity().map(|q| q.count), Some(100));
        assert!(
            p.stated_status().is_some(),
            "a v1 pledge's status was stated"
        );
        assert_eq!(p.source, None);
        let pa = m.partnership("pa").unwrap();
        assert_eq!(pa.status.map(|s| s.as_str()), Some("NEGOTIATING"));
    }
    // The stored bytes are untouched: the chain verifies.
    let report = verify_chain(&*store).await.unwrap();
    assert!(report.is_intact(), "{report:?}");

    // A new command on an old entity appends a current-version event.
    let commit = Command::Pledge(PledgeCommand::Commit(CommitPledge {
        pledge_id: "motos".into(),
        committed_on: None,
    }));
    state
        .execute(&CommandContext::by("auditor-test"), commit)
        .await
        .unwrap();
    assert_eq!(
        state
            .read()
            .pledge("motos")
            .unwrap()
            .stated_status()
            .map(|s| s.as_str()),
        Some("COMMITTED")
    );
    assert!(store.head().await.unwrap().position > head_before.position);
    assert!(verify_chain(&*store).await.unwrap().is_intact());
}
