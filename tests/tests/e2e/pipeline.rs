//! The donor pipeline over GraphQL (issue #14): a prospect recorded with an
//! owner and a hope, advanced to a proposal and then to a pledge, every move
//! with its reason and actor; stages never go back; `prospects(stage)`.

use fundtrail_e2e::TestServer;
use fundtrail_e2e::seed::{self, cash_pledge};
use serde_json::json;

const PROSPECT: &str = "id stage owner expectedAmount { amount currency } expectedDecisionOn \
     proposal { id } pledge { id } moves { from to on reason } version history { type actor }";

pub async fn a_prospect_becomes_a_proposal_then_a_pledge(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    let recorded = c
        .mutate_ok(
            "recordProspect",
            json!({"id": "pp-giz", "roadmapId": "civ", "organisationId": "giz",
                   "owner": "Awa", "expectedAmount": {"amount": "200000", "currency": "EUR"},
                   "expectedDecisionOn": "2024-06-30"}),
            PROSPECT,
        )
        .await;
    assert_eq!(recorded["stage"], "IDENTIFIED");
    assert_eq!(recorded["owner"], "Awa");
    // PLEDGED cannot be where a prospect starts.
    c.mutate_refused(
        "recordProspect",
        json!({"id": "pp-x", "roadmapId": "civ", "organisationId": "giz", "stage": "PLEDGED"}),
        "BAD_USER_INPUT",
    )
    .await;

    c.mutate_ok(
        "submitProposal",
        json!({"id": "prop-giz", "applicantId": "civ-gov", "donorId": "giz", "title": "Observatoire",
               "requested": {"amount": "200000", "currency": "EUR"}, "submittedOn": "2024-02-01"}),
        "id",
    )
    .await;
    let advanced = c
        .mutate_ok(
            "advanceProspect",
            json!({"prospectId": "pp-giz", "expectedVersion": 1, "stage": "PROPOSAL_SUBMITTED",
                   "reason": "Note conceptuelle envoyée", "on": "2024-02-01", "proposalId": "prop-giz"}),
            PROSPECT,
        )
        .await;
    assert_eq!(advanced["proposal"]["id"], "prop-giz");
    assert_eq!(advanced["version"], 2);
    // Never back on the way.
    c.mutate_refused(
        "advanceProspect",
        json!({"prospectId": "pp-giz", "stage": "CONTACTED", "reason": "oops"}),
        "INVALID_STATE",
    )
    .await;
    // PLEDGED names the pledge.
    c.mutate_refused(
        "advanceProspect",
        json!({"prospectId": "pp-giz", "stage": "PLEDGED", "reason": "Accord"}),
        "BAD_USER_INPUT",
    )
    .await;
    seed::pledge(
        c,
        cash_pledge(
            "giz-obs",
            "giz",
            "200000",
            "EUR",
            &[("civ-p1", "200000")],
            "2024-03-01",
        ),
    )
    .await;
    let pledged = c
        .mutate_ok(
            "advanceProspect",
            json!({"prospectId": "pp-giz", "stage": "PLEDGED", "reason": "Accord signé",
                   "on": "2024-03-01", "pledgeId": "giz-obs"}),
            PROSPECT,
        )
        .await;
    assert_eq!(pledged["stage"], "PLEDGED");
    assert_eq!(pledged["pledge"]["id"], "giz-obs");
    assert_eq!(
        pledged["proposal"]["id"], "prop-giz",
        "what it became stays"
    );
    let moves = pledged["moves"].as_array().unwrap();
    assert_eq!(moves.len(), 2);
    assert_eq!(moves[1]["from"], "PROPOSAL_SUBMITTED");
    assert_eq!(moves[1]["reason"], "Accord signé");
    let history = pledged["history"].as_array().unwrap();
    assert_eq!(history.len(), 3);
    assert!(
        history
            .iter()
            .all(|h| h["actor"] == fundtrail_e2e::server::ACTOR)
    );

    let listed = c
        .data(
            "{ a: prospects(roadmapId: \"civ\", stage: PLEDGED) { id } \
               b: prospects(roadmapId: \"civ\", stage: IDENTIFIED) { id } \
               p: prospect(id: \"pp-giz\") { stage } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["a"], json!([{"id": "pp-giz"}]));
    assert_eq!(listed["b"], json!([]));
    assert_eq!(listed["p"]["stage"], "PLEDGED");
}
