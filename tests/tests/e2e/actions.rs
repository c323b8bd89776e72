//! Actions over GraphQL (issue #14): a roadmap's follow-ups with an owner, a
//! due date and a dated status history; `actions(ownerId, dueBefore,
//! status)`, the next steps they carry forward (`Roadmap.nextSteps`), and
//! the worklist line of an action that falls due, by the server's clock.

use chrono::TimeDelta;
use fundtrail_e2e::TestServer;
use fundtrail_e2e::seed;
use serde_json::json;

const ACTION: &str = "id title owner dueOn status about { kind id } \
     statusHistory { from to on reason } version history { type actor }";

pub async fn actions_carry_the_next_steps_and_fall_due_on_the_worklist(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    let today = server.clock().today();
    let in_5_days = (today + TimeDelta::days(5)).to_string();
    let three_days_ago = (today - TimeDelta::days(3)).to_string();
    let in_60_days = (today + TimeDelta::days(60)).to_string();
    c.mutate_ok(
        "defineNextStep",
        json!({"id": "s4", "roadmapId": "civ", "rank": 4,
               "title": "Capter des financements de nouveaux bailleurs"}),
        "id",
    )
    .await;

    let directory = c
        .mutate_ok(
            "recordAction",
            json!({"id": "a-directory", "roadmapId": "civ", "title": "Faire un répertoire de nouveaux bailleurs",
                   "owner": "Awa", "dueOn": in_5_days, "about": {"kind": "NEXT_STEP", "id": "s4"}}),
            ACTION,
        )
        .await;
    assert_eq!(directory["status"], "PLANNED");
    assert_eq!(directory["about"], json!({"kind": "NEXT_STEP", "id": "s4"}));
    assert_eq!(directory["version"], 1);
    assert_eq!(directory["history"][0]["type"], "ActionRecorded");
    c.mutate_ok(
        "recordAction",
        json!({"id": "a-call", "roadmapId": "civ", "title": "Relancer GIZ",
               "owner": "Koffi", "dueOn": three_days_ago, "status": "IN_PROGRESS"}),
        "id",
    )
    .await;
    c.mutate_ok(
        "recordAction",
        json!({"id": "a-later", "roadmapId": "civ", "title": "Préparer la table ronde",
               "owner": "Awa", "dueOn": in_60_days}),
        "id",
    )
    .await;
    // What it follows up must exist; a title is needed.
    c.mutate_refused(
        "recordAction",
        json!({"id": "a-x", "roadmapId": "civ", "title": "t", "about": {"kind": "PLEDGE", "id": "nowhere"}}),
        "NOT_FOUND",
    )
    .await;
    c.mutate_refused(
        "recordAction",
        json!({"id": "a-y", "roadmapId": "civ", "title": "  "}),
        "BAD_USER_INPUT",
    )
    .await;

    let ids = |v: &serde_json::Value, key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let mine = c
        .data("{ actions(ownerId: \"Awa\") { id } }", json!({}))
        .await;
    assert_eq!(
        ids(&mine, "actions"),
        ["a-directory", "a-later"],
        "by due date"
    );
    let late = c
        .data(
            "query($d: Date) { actions(dueBefore: $d) { id } }",
            json!({"d": today.to_string()}),
        )
        .await;
    assert_eq!(ids(&late, "actions"), ["a-call"]);
    let started = c
        .data("{ actions(status: IN_PROGRESS) { id } }", json!({}))
        .await;
    assert_eq!(ids(&started, "actions"), ["a-call"]);

    // The next step shows the action that carries it forward.
    let roadmap = c
        .data(
            "{ roadmap(id: \"civ\") { nextSteps { id actions { id } } actions { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        roadmap["roadmap"]["nextSteps"][0]["actions"],
        json!([{"id": "a-directory"}])
    );
    assert_eq!(roadmap["roadmap"]["actions"].as_array().unwrap().len(), 3);

    // Due within 14 days, or late: on the worklist of its owner.
    let work = |principal: &'static str| async move {
        c.data(
            "query($p: String) { worklist(roadmapId: \"civ\", principal: $p) { __typename kind recordId title link form \
               ... on DueDate { dueOn daysLate owner } } }",
            json!({"p": principal}),
        )
        .await
    };
    let awa = work("Awa").await;
    let lines = awa["worklist"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "a-later is 60 days away: {awa}");
    assert_eq!(lines[0]["__typename"], "DueDate");
    assert_eq!(lines[0]["kind"], "ACTION_DUE");
    assert_eq!(lines[0]["recordId"], "a-directory");
    assert_eq!(
        lines[0]["title"],
        "Faire un répertoire de nouveaux bailleurs"
    );
    assert_eq!(lines[0]["daysLate"], -5);
    assert_eq!(lines[0]["link"], "/roadmaps/civ#action-a-directory");
    assert_eq!(lines[0]["form"], "/actions/a-directory/status");
    let koffi = work("Koffi").await;
    assert_eq!(koffi["worklist"][0]["daysLate"], 3, "{koffi}");

    // Done: off the list; its history is dated; reopening needs a reason.
    let done = c
        .mutate_ok(
            "changeActionStatus",
            json!({"actionId": "a-directory", "expectedVersion": 1, "status": "DONE", "on": today.to_string()}),
            ACTION,
        )
        .await;
    assert_eq!(done["status"], "DONE");
    assert_eq!(
        done["statusHistory"],
        json!([{"from": "PLANNED", "to": "DONE", "on": today.to_string(), "reason": null}])
    );
    assert_eq!(done["history"][1]["type"], "ActionStatusChanged");
    assert!(done["history"][1]["actor"].is_string(), "{done}");
    c.mutate_refused(
        "changeActionStatus",
        json!({"actionId": "a-directory", "status": "IN_PROGRESS"}),
        "BAD_USER_INPUT",
    )
    .await;
    c.mutate_refused(
        "changeActionStatus",
        json!({"actionId": "a-directory", "expectedVersion": 1, "status": "DROPPED", "reason": "r"}),
        "CONCURRENCY_CONFLICT",
    )
    .await;
    let awa = work("Awa").await;
    assert_eq!(awa["worklist"], json!([]));
    // Two months on, the later one is due and late.
    server.clock().advance(TimeDelta::days(61));
    let awa = work("Awa").await;
    assert_eq!(awa["worklist"][0]["recordId"], "a-later", "{awa}");
    assert_eq!(awa["worklist"][0]["daysLate"], 1);
}

/// `setAgeing` (issue #14): a roadmap's own ageing periods, shown on
/// `Roadmap.ageing`, bounded, versioned, and used by its worklist.
pub async fn a_roadmap_sets_its_own_ageing_periods(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    let today = server.clock().today();
    let forty_days_ago = (today - TimeDelta::days(40)).to_string();
    seed::pledge(
        c,
        seed::cash_pledge(
            "old",
            "giz",
            "1000",
            "XOF",
            &[("civ-p1", "1000")],
            &forty_days_ago,
        ),
    )
    .await;
    let ageing_lines = || async {
        let data = c
            .data(
                r#"{ worklist(roadmapId: "civ") { kind recordId } }"#,
                json!({}),
            )
            .await;
        data["worklist"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["kind"] == "AGEING_PLEDGE")
            .map(|l| l["recordId"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(ageing_lines().await.is_empty(), "40 days: not yet 90");
    let before = c.event_count().await;
    c.mutate_refused(
        "setAgeing",
        json!({"roadmapId": "civ", "pledgeDays": 0, "proposalDays": 30}),
        "BAD_USER_INPUT",
    )
    .await;
    c.mutate_refused(
        "setAgeing",
        json!({"roadmapId": "nowhere", "pledgeDays": 30, "proposalDays": 30}),
        "NOT_FOUND",
    )
    .await;
    assert_eq!(c.event_count().await, before, "nothing recorded");
    let r = c
        .mutate_ok(
            "setAgeing",
            json!({"roadmapId": "civ", "pledgeDays": 30, "proposalDays": 45,
                   "reason": "Comité de pilotage", "expectedVersion": 1}),
            "id version ageing { pledgeDays proposalDays } history { type }",
        )
        .await;
    assert_eq!(r["ageing"], json!({"pledgeDays": 30, "proposalDays": 45}));
    assert_eq!(r["version"], 2);
    assert_eq!(r["history"][1]["type"], "AgeingSet");
    assert_eq!(ageing_lines().await, ["old"], "30 days: chased");
    // One kind, a page, and the counts that go with it.
    let paged = c
        .data(
            r#"{ all: worklist(roadmapId: "civ") { kind }
                 ageing: worklist(roadmapId: "civ", kind: AGEING_PLEDGE, first: 5) { recordId }
                 none: worklist(roadmapId: "civ", first: 0) { kind }
                 skipped: worklist(roadmapId: "civ", kind: AGEING_PLEDGE, offset: 1) { kind }
                 worklistCounts(roadmapId: "civ") { kind count } }"#,
            json!({}),
        )
        .await;
    assert_eq!(paged["ageing"], json!([{ "recordId": "old" }]));
    assert_eq!(paged["none"], json!([]));
    assert_eq!(paged["skipped"], json!([]));
    let counts = paged["worklistCounts"].as_array().unwrap();
    assert_eq!(counts.len(), 9, "every kind, zero included");
    let total: i64 = counts.iter().map(|k| k["count"].as_i64().unwrap()).sum();
    assert_eq!(total as usize, paged["all"].as_array().unwrap().len());
    assert!(counts.contains(&json!({ "kind": "AGEING_PLEDGE", "count": 1 })));
    let refused = c
        .gql(
            r#"{ worklist(roadmapId: "civ", first: -1) { kind } }"#,
            json!({}),
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let gha = c
        .data(
            r#"{ roadmap(id: "gha") { ageing { pledgeDays } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        gha["roadmap"]["ageing"]["pledgeDays"], 90,
        "the default elsewhere"
    );
}
