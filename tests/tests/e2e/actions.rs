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
