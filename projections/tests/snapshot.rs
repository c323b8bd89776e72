//! Snapshots: restore answers every query as the model that was saved, goes
//! on folding from there, and refuses damaged or foreign bytes.
mod common;

use common::random::{assert_same_answers, random_ledger};
use fundtrail_projections::{ReadModel, SNAPSHOT_FORMAT_VERSION, SnapshotError, SnapshotInfo};

#[test]
fn a_restored_model_answers_every_query_alike() {
    let l = random_ledger(7, 3_000);
    let bytes = l.model.snapshot();
    let info = SnapshotInfo::read(&bytes).unwrap();
    assert_eq!(info.position, l.model.position());
    assert_eq!(info.version, SNAPSHOT_FORMAT_VERSION);
    assert_eq!(info.event_hash, None, "fed with apply, not apply_recorded");
    let restored = ReadModel::restore(&bytes).unwrap();
    assert_same_answers(&l.model, &restored, &l);
    // a snapshot of the restored model restores alike again
    let again = ReadModel::restore(&restored.snapshot()).unwrap();
    assert_same_answers(&l.model, &again, &l);
}

#[test]
fn a_restored_model_goes_on_folding_like_the_original() {
    let l = random_ledger(11, 2_500);
    let k = l.log.len() / 2;
    let mut first = ReadModel::new();
    for (env, e) in &l.log[..k] {
        first.apply(env, e);
    }
    let mut resumed = ReadModel::restore(&first.snapshot()).unwrap();
    assert_eq!(resumed.position(), k as u64);
    // as a driver would: resubscribe a little before the checkpoint
    for (env, e) in &l.log[k - 10..] {
        assert_eq!(resumed.apply(env, e).new, env.position > k as u64);
    }
    assert_same_answers(&l.model, &resumed, &l);
}

#[test]
fn damaged_or_foreign_snapshots_are_refused_with_a_reason() {
    let l = random_ledger(3, 400);
    let bytes = l.model.snapshot();
    assert!(ReadModel::restore(&bytes).is_ok());

    assert_eq!(
        ReadModel::restore(b"not a snapshot at all").err(),
        Some(SnapshotError::NotASnapshot)
    );
    assert!(matches!(
        ReadModel::restore(&bytes[..20]),
        Err(SnapshotError::Truncated { .. })
    ));
    assert!(matches!(
        ReadModel::restore(&bytes[..bytes.len() - 1]),
        Err(SnapshotError::Truncated { .. })
    ));
    let mut flipped = bytes.clone();
    let i = bytes.len() - 10;
    flipped[i] ^= 0x40;
    assert_eq!(
        ReadModel::restore(&flipped).err(),
        Some(SnapshotError::Checksum)
    );
    let mut old = bytes.clone();
    old[8..12].copy_from_slice(&(SNAPSHOT_FORMAT_VERSION - 1).to_le_bytes());
    assert_eq!(
        ReadModel::restore(&old).err(),
        Some(SnapshotError::UnsupportedVersion {
            found: SNAPSHOT_FORMAT_VERSION - 1,
            supported: SNAPSHOT_FORMAT_VERSION
        })
    );
    assert!(matches!(
        SnapshotInfo::read(&old),
        Err(SnapshotError::UnsupportedVersion { .. })
    ));
    // a body whose checksum matches but which is not a model
    let mut garbage = bytes[..93].to_vec();
    let body = vec![0xFFu8; 40];
    garbage[53..61].copy_from_slice(&(body.len() as u64).to_le_bytes());
    use sha2::Digest;
    let sum: [u8; 32] = sha2::Sha256::digest(&body).into();
    garbage[61..93].copy_from_slice(&sum);
    garbage.extend_from_slice(&body);
    assert!(matches!(
        ReadModel::restore(&garbage),
        Err(SnapshotError::Decode(_))
    ));
}

#[test]
fn the_hash_of_the_last_stored_event_travels_with_the_snapshot() {
    use fundtrail_store::hash::EventHash;
    use fundtrail_store::{EventMetadata, RecordedEvent};
    let mut m = ReadModel::new();
    let payload =
        r#"{"organisationId":"giz","name":"GIZ","kind":"BILATERAL_AGENCY","country":"DEU"}"#;
    let r = RecordedEvent {
        position: 1,
        stream_id: "organisation-giz".into(),
        version: 1,
        event_id: uuid::Uuid::nil(),
        event_type: "OrganisationRegistered".into(),
        schema_version: 1,
        payload: payload.into(),
        metadata: EventMetadata {
            actor: "alice".into(),
            command_id: None,
            correlation_id: None,
            causation_id: None,
        },
        recorded_at: common::time("2024-01-01T00:00:00Z"),
        hash: EventHash([7; 32]),
    };
    m.apply_recorded(&r).unwrap();
    assert_eq!(m.last_event_hash(), Some(EventHash([7; 32])));
    let bytes = m.snapshot();
    assert_eq!(
        SnapshotInfo::read(&bytes).unwrap().event_hash,
        Some(EventHash([7; 32]))
    );
    let back = ReadModel::restore(&bytes).unwrap();
    assert_eq!(back.last_event_hash(), Some(EventHash([7; 32])));
    assert_eq!(back.organisation("giz").unwrap().name, "GIZ");
}

/// Issue #16: a token without a scope (its empty lists are left out of the
/// JSON payload) made every snapshot fail to decode ("Hit the end of
/// buffer"). Scoped and unscoped tokens, revoked or not, restore alike.
#[test]
fn a_model_with_tokens_scoped_or_not_restores() {
    use fundtrail_domain::access::Scope;
    use fundtrail_domain::enums::Role;
    use fundtrail_domain::events::AnyEvent;
    use fundtrail_domain::ids::{RoadmapId, TokenId};
    use fundtrail_domain::token::{AccessTokenIssued, AccessTokenRevoked, TokenEvent};
    let mut l = common::Ledger::new();
    let issue = |id: &str, role: Role, scope: Scope| {
        AnyEvent::Token(TokenEvent::AccessTokenIssued(AccessTokenIssued {
            token_id: TokenId::new_unchecked(id),
            principal: id.into(),
            role,
            scope,
            expires_on: None,
            token_hash: format!("sha256:{id}"),
        }))
    };
    l.push("token-admin", issue("admin", Role::Admin, Scope::default()));
    l.push(
        "token-officer",
        issue(
            "officer",
            Role::Officer,
            Scope {
                roadmaps: vec![RoadmapId::new_unchecked("civ")],
                organisations: vec![],
            },
        ),
    );
    l.push(
        "token-viewer",
        issue("viewer", Role::Viewer, Scope::default()),
    );
    l.push(
        "token-viewer",
        AnyEvent::Token(TokenEvent::AccessTokenRevoked(AccessTokenRevoked {
            token_id: TokenId::new_unchecked("viewer"),
            reason: None,
        })),
    );
    let restored = ReadModel::restore(&l.model.snapshot()).expect("restores");
    let all = |m: &ReadModel| m.tokens().all().cloned().collect::<Vec<_>>();
    assert_eq!(all(&restored), all(&l.model));
    assert_eq!(all(&restored).len(), 3);
}

/// Records whose domain types carry decimals outside the pledges' timelines
/// (a prospect's hoped-for amount, a commitment's tranches) and actions come
/// back whole: the snapshot is written with postcard, which cannot read a
/// decimal the way JSON does.
#[test]
fn prospects_with_hopes_tranches_and_actions_restore() {
    use fundtrail_domain::action::{About, ActionEvent, ActionRecorded};
    use fundtrail_domain::enums::{ActionStatus, ActionSubject, ProspectStage};
    use fundtrail_domain::ids::{ActionId, OrganisationId, PledgeId, ProspectId, RoadmapId};
    use fundtrail_domain::money::{Currency, Money};
    use fundtrail_domain::pledge::PledgeEvent;
    use fundtrail_domain::prospect::{ProspectEvent, ProspectRecorded};
    use fundtrail_domain::schedule::{Tranche, TranchesSet};

    let mut l = random_ledger(3, 300);
    l.push(
        "prospect-pp-afdb",
        ProspectEvent::from(ProspectRecorded {
            prospect_id: ProspectId::new_unchecked("pp-afdb"),
            roadmap_id: RoadmapId::new_unchecked("ra"),
            organisation_id: Some(OrganisationId::new_unchecked("o1")),
            name: None,
            priority_ids: vec![],
            themes: vec![],
            note: None,
            source: None,
            stage: ProspectStage::InDiscussion,
            owner: Some("Awa".into()),
            expected_amount: Some(Money::new(common::dec("50000000.5"), Currency::XOF)),
            expected_decision_on: Some(common::date("2024-06-30")),
        }),
    );
    let committed = l
        .model
        .pledges(None, None, None)
        .iter()
        .find(|p| p.committed_on.is_some() && p.amount.is_some())
        .map(|p| p.id.to_string())
        .expect("a commitment");
    l.push(
        &format!("pledge-{committed}"),
        PledgeEvent::from(TranchesSet {
            pledge_id: PledgeId::new_unchecked(&committed),
            tranches: vec![Tranche {
                due_on: common::date("2024-09-30"),
                amount: common::dec("12.34"),
            }],
            reason: None,
        }),
    );
    l.push(
        "action-a1",
        ActionEvent::from(ActionRecorded {
            action_id: ActionId::new_unchecked("a1"),
            roadmap_id: RoadmapId::new_unchecked("ra"),
            title: "Relancer".into(),
            owner: Some("Awa".into()),
            due_on: Some(common::date("2024-07-01")),
            status: ActionStatus::Planned,
            about: Some(About {
                kind: ActionSubject::Prospect,
                id: "pp-afdb".into(),
            }),
            note: None,
            source: None,
        }),
    );
    let restored = ReadModel::restore(&l.model.snapshot()).expect("the snapshot restores");
    assert_eq!(
        *restored.prospect("pp-afdb").unwrap(),
        *l.model.prospect("pp-afdb").unwrap()
    );
    assert_eq!(
        restored.pledge(&committed).unwrap().tranches,
        l.model.pledge(&committed).unwrap().tranches
    );
    assert_eq!(
        *restored.action("a1").unwrap(),
        *l.model.action("a1").unwrap()
    );
}
