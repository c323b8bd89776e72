mod common;

use common::*;
use fundtrail_domain::enums::*;
use fundtrail_domain::money::Currency;
use fundtrail_domain::refs::References;
use fundtrail_projections::{AuditFilter, DonorMapQuery, EntityKind, ReadModel};
use fundtrail_store::hash::EventHash;
use fundtrail_store::{EventMetadata, RecordedEvent};

fn world() -> Ledger {
    let mut l = Ledger::new();
    l.at("2024-01-01T10:00:00Z");
    l.org(
        "cnltp",
        "Comité National de Lutte contre la Traite",
        Some("CNLTP"),
        OrganisationKind::Government,
    );
    l.org(
        "gov",
        "Gouvernement de Côte d’Ivoire",
        None,
        OrganisationKind::Government,
    );
    l.org(
        "giz",
        "Deutsche Gesellschaft für Internationale Zusammenarbeit",
        Some("GIZ"),
        OrganisationKind::BilateralAgency,
    );
    l.org(
        "eu",
        "Union européenne",
        Some("UE"),
        OrganisationKind::Intergovernmental,
    );
    l.org("fdn", "Fondation Zeta", None, OrganisationKind::Foundation);
    l.org(
        "ngo",
        "Save the Children",
        None,
        OrganisationKind::InternationalNgo,
    );
    l.org("far", "Far away", None, OrganisationKind::Other);
    l.roadmap("rm", Currency::XOF);
    l.roadmap("rm2", Currency::XOF);
    l.priority("p1", "rm", 1);
    l.priority("p2", "rm", 2);
    l.priority("q1", "rm2", 1);
    l.by("bob");
    l.at("2024-02-01T10:00:00Z");
    l.pledge(
        "a",
        "giz",
        "rm",
        Some(xof("1000")),
        &[("p1", "1000")],
        &[],
        Some("2023-06-01"),
        &[Theme::ChildLabour],
    );
    l.commit("a", Some("2023-06-02"));
    l.pledge(
        "b",
        "eu",
        "rm",
        Some(xof("5000")),
        &[("p2", "5000")],
        &[],
        Some("2023-06-01"),
        &[Theme::ForcedLabour],
    );
    l.commit("b", Some("2023-06-02"));
    l.pledge(
        "c",
        "fdn",
        "rm",
        Some(xof("9000")),
        &[],
        &[],
        Some("2023-06-01"),
        &[Theme::ChildLabour],
    );
    l.pledge(
        "z",
        "far",
        "rm2",
        Some(xof("1")),
        &[],
        &[],
        Some("2023-06-01"),
        &[],
    );
    l.by("alice");
    l.at("2024-03-01T10:00:00Z");
    l.partnership("pa", &["ngo", "cnltp"], &["p1"], &[Theme::ChildLabour]);
    l.partnership("pb", &["far", "gov"], &[], &[]);
    l.proposal("pr", "ngo", "fdn", &["p2"], &[Theme::Trafficking]);
    l
}

fn ids<T>(items: &[T], f: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|x| f(x).to_owned()).collect()
}

#[test]
fn lookups_lists_and_accent_insensitive_search() {
    let l = world();
    let m = &l.model;
    let found = |s: &str| ids(&m.organisations(None, Some(s)), |o| o.id.as_str());
    assert_eq!(found("cote"), ["gov"]);
    assert_eq!(found("CÔTE"), ["gov"]);
    assert_eq!(found("comite"), ["cnltp"]);
    assert_eq!(found("europeenne"), ["eu"]);
    assert_eq!(found("cnltp"), ["cnltp"], "acronym");
    assert_eq!(found("fur"), ["giz"], "für");
    assert!(found("nothing like it").is_empty());
    assert_eq!(
        ids(
            &m.organisations(Some(OrganisationKind::Government), None),
            |o| o.id.as_str()
        ),
        ["cnltp", "gov"]
    );
    assert_eq!(m.organisations(None, None).len(), 7);
    assert_eq!(m.organisation("giz").unwrap().version, 1);
    assert!(m.organisation("nope").is_none());

    assert_eq!(ids(&m.roadmaps(), |r| r.id.as_str()), ["rm", "rm2"]);
    assert_eq!(
        ids(&m.roadmap_priorities("rm"), |p| p.id.as_str()),
        ["p1", "p2"]
    );
    assert_eq!(
        ids(&m.pledges(Some("rm"), None, None), |p| p.id.as_str()),
        ["a", "b", "c"]
    );
    assert_eq!(
        ids(&m.pledges(None, Some("far"), None), |p| p.id.as_str()),
        ["z"]
    );
    assert_eq!(
        ids(
            &m.pledges(Some("rm"), None, Some(PledgeStatus::Committed)),
            |p| p.id.as_str()
        ),
        ["a", "b"]
    );
    let a = m.pledge("a").unwrap();
    assert_eq!((a.version, a.status), (2, PledgeStatus::Committed));
    assert_eq!(
        ids(&m.partnerships(None, Some("gov")), |p| p.id.as_str()),
        ["pb"]
    );
    assert_eq!(
        m.partnerships(Some(PartnershipStatus::Ended), None).len(),
        0
    );
    assert_eq!(
        ids(
            &m.proposals(Some(ProposalStatus::Submitted), Some("fdn"), Some("ngo")),
            |p| p.id.as_str()
        ),
        ["pr"]
    );
    assert!(m.proposals(None, Some("giz"), None).is_empty());
}

#[test]
fn references_answer_from_current_state() {
    let l = world();
    let m: &dyn References = &l.model;
    assert!(m.organisation_exists("giz") && !m.organisation_exists("nope"));
    let r = m.roadmap("rm").unwrap();
    assert_eq!(r.currency, Currency::XOF);
    assert_eq!(
        r.priorities,
        vec![("p1".to_owned(), 1), ("p2".to_owned(), 2)]
    );
    assert_eq!(m.priority("q1").unwrap().roadmap_id, "rm2");
    assert!(m.priority("nope").is_none());
    assert!(m.proposal_exists("pr") && !m.proposal_exists("pa"));
    assert!(m.partnership_exists("pa") && !m.partnership_exists("pr"));
}

fn query(
    roadmap: Option<&str>,
    theme: Option<Theme>,
    kind: Option<OrganisationKind>,
) -> DonorMapQuery {
    DonorMapQuery {
        attribution: Default::default(),
        roadmap_id: roadmap.map(Into::into),
        theme,
        kind,
        currency: None,
        today: date("2024-06-01"),
    }
}

#[test]
fn donor_map_membership_ordering_and_filters() {
    let l = world();
    let m = &l.model;
    let map = m.donor_map(&query(Some("rm"), None, None)).unwrap();
    // committed: eu 5000, giz 1000, then zeros by name: CNLTP, Fondation Zeta, Save the Children
    assert_eq!(
        ids(&map, |d| d.organisation_id.as_str()),
        ["eu", "giz", "cnltp", "fdn", "ngo"]
    );
    let fdn = &map[3];
    assert_eq!(fdn.pledged, xof("9000"));
    assert_eq!(fdn.committed, xof("0"));
    assert_eq!(fdn.proposals, ["pr"]);
    assert_eq!(fdn.priorities, ["p2"]);
    assert_eq!(fdn.themes, [Theme::ChildLabour, Theme::Trafficking]);
    let ngo = &map[4];
    assert_eq!(ngo.partnerships, ["pa"]);
    assert!(
        ngo.proposals.is_empty(),
        "the applicant is not listed for its proposal"
    );
    assert!(
        map.iter()
            .all(|d| d.organisation_id != "far" && d.organisation_id != "gov")
    );

    let by_kind = m
        .donor_map(&query(Some("rm"), None, Some(OrganisationKind::Government)))
        .unwrap();
    assert_eq!(ids(&by_kind, |d| d.organisation_id.as_str()), ["cnltp"]);
    let by_theme = m
        .donor_map(&query(Some("rm"), Some(Theme::ChildLabour), None))
        .unwrap();
    assert_eq!(
        ids(&by_theme, |d| d.organisation_id.as_str()),
        ["giz", "cnltp", "fdn", "ngo"]
    );
    assert_eq!(by_theme[2].pledged, xof("9000"));
    assert!(
        by_theme[2].proposals.is_empty(),
        "the proposal is about trafficking"
    );

    let all = m.donor_map(&query(None, None, None)).unwrap();
    assert_eq!(
        all.len(),
        7,
        "every pledger, proposal donor and partner of the ledger"
    );
    assert!(m.donor_map(&query(Some("nope"), None, None)).is_err());
}

#[test]
fn history_and_audit_pages() {
    let l = world();
    let m = &l.model;
    assert_eq!(m.history_positions(EntityKind::Pledge, "a"), [13, 14]);
    assert_eq!(m.history_positions(EntityKind::Organisation, "giz"), [3]);
    assert!(m.history_positions(EntityKind::Pledge, "giz").is_empty());
    let total = l.log.len();

    let all = AuditFilter::default();
    let p = m.audit_positions(&all, None, 5);
    assert_eq!(p.positions, [1, 2, 3, 4, 5]);
    assert_eq!((p.total_count, p.has_next_page), (total, true));
    let p = m.audit_positions(&all, Some(5), 100);
    assert_eq!(p.positions.first(), Some(&6));
    assert_eq!(p.positions.len(), total - 5);
    assert!(!p.has_next_page);

    let bob = AuditFilter {
        actor: Some("bob".into()),
        ..Default::default()
    };
    let p = m.audit_positions(&bob, None, 3);
    assert_eq!(p.positions, [13, 14, 15]);
    assert_eq!((p.total_count, p.has_next_page), (6, true));
    let p = m.audit_positions(&bob, Some(15), 3);
    assert_eq!(p.positions, [16, 17, 18]);
    assert!(!p.has_next_page);

    let entity = AuditFilter {
        entity_id: Some("a".into()),
        ..Default::default()
    };
    let p = m.audit_positions(&entity, None, 10);
    assert_eq!((p.positions, p.total_count), (vec![13, 14], 2));
    let entity_alice = AuditFilter {
        actor: Some("alice".into()),
        ..entity.clone()
    };
    assert_eq!(m.audit_positions(&entity_alice, None, 10).total_count, 0);

    // the time range: February only (bob's events), inclusive bounds
    let feb = AuditFilter {
        from: Some(time("2024-02-01T10:00:00Z")),
        to: Some(time("2024-02-01T10:00:06Z")),
        ..Default::default()
    };
    let p = m.audit_positions(&feb, None, 100);
    assert_eq!(p.positions, [13, 14, 15, 16, 17, 18]);
    let empty = AuditFilter {
        from: Some(time("2025-01-01T00:00:00Z")),
        ..Default::default()
    };
    assert_eq!(m.audit_positions(&empty, None, 10).total_count, 0);
    assert_eq!(m.position_at(time("2024-02-01T10:00:00Z")), 13);
    assert_eq!(m.position_at(time("2000-01-01T00:00:00Z")), 0);
}

#[test]
fn apply_recorded_decodes_the_stored_payload() {
    let l = world();
    let mut m = ReadModel::new();
    for (env, e) in &l.log {
        let r = RecordedEvent {
            position: env.position,
            stream_id: env.stream_id.clone(),
            version: env.version,
            event_id: uuid::Uuid::nil(),
            event_type: e.event_type().into(),
            schema_version: e.schema_version(),
            payload: String::from_utf8(e.to_json().unwrap()).unwrap(),
            metadata: EventMetadata::by(env.actor.clone()),
            recorded_at: env.recorded_at,
            hash: EventHash::ZERO,
        };
        assert!(m.apply_recorded(&r).unwrap().new);
        assert!(!m.apply_recorded(&r).unwrap().new, "idempotent");
    }
    assert_eq!(m.position(), l.model.position());
    assert_eq!(
        m.funding("rm", None, None, None, date("2024-06-01"))
            .unwrap(),
        l.model
            .funding("rm", None, None, None, date("2024-06-01"))
            .unwrap()
    );
    let bad = RecordedEvent {
        position: 1000,
        stream_id: "pledge-x".into(),
        version: 1,
        event_id: uuid::Uuid::nil(),
        event_type: "PledgeMaid".into(),
        schema_version: 1,
        payload: "{}".into(),
        metadata: EventMetadata::by("x"),
        recorded_at: time("2024-06-01T00:00:00Z"),
        hash: EventHash::ZERO,
    };
    assert!(m.apply_recorded(&bad).is_err());
    assert_eq!(
        m.position(),
        l.model.position(),
        "a refused event moves nothing"
    );
}
