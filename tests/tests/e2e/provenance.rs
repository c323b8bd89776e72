//! Provenance and honest data over GraphQL: a document, records citing it,
//! parties and statuses not stated, items, beneficiaries, next steps and
//! prospects, and what an old or bad citation gets.

use fundtrail_e2e::TestServer;
use fundtrail_e2e::seed;
use serde_json::json;

const SOURCE: &str = "source { document { id title } section quote }";

pub async fn records_cite_their_source_and_unknowns_stay_null(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    let quote = "Renforcement des capacités opérationnelles des Agents Vérificateurs du Travail des Enfants (AVTE) en matériel roulant (100 motos)";
    // A citation of a document nobody registered: NOT_FOUND, nothing appended.
    c.mutate_refused(
        "pledge",
        json!({
            "id": "motos", "recipientId": "civ-gov", "roadmapId": "civ", "kind": "IN_KIND",
            "pledgedOn": "2023-08-24",
            "source": {"documentId": "report", "section": "Q2", "quote": quote}
        }),
        "NOT_FOUND",
    )
    .await;
    let doc = c
        .mutate_ok(
            "registerDocument",
            json!({"id": "report", "title": "État d'avancement de la cible 8.7", "language": "fr",
                   "sha256": "6b".repeat(32)}),
            "id issuer issuedOn sha256",
        )
        .await;
    assert_eq!(
        doc["issuer"],
        serde_json::Value::Null,
        "not stated stays null"
    );
    // Neither donor nor recipient: refused.
    c.mutate_refused(
        "pledge",
        json!({"id": "nobody", "roadmapId": "civ", "kind": "CASH", "pledgedOn": "2023-08-24"}),
        "BAD_USER_INPUT",
    )
    .await;
    let motos = c
        .mutate_ok(
            "pledge",
            json!({
                "id": "motos", "recipientId": "civ-gov", "roadmapId": "civ", "kind": "IN_KIND",
                "pledgedOn": "2023-08-24", "statusStated": false,
                "items": [{"quantity": 100, "unit": "motos"}],
                "beneficiaries": [{"count": 13, "description": "délégations régionales"}],
                "priorityIds": ["civ-p1"],
                "source": {"documentId": "report", "section": "Q2", "quote": quote}
            }),
            &format!(
                "donor {{ id }} recipient {{ id }} status amount {{ amount }} quantity {{ count unit }} \
                 items {{ quantity unit }} beneficiaries {{ count description }} {SOURCE}"
            ),
        )
        .await;
    assert_eq!(
        motos["donor"],
        serde_json::Value::Null,
        "a donor not stated is null"
    );
    assert_eq!(motos["recipient"]["id"], "civ-gov");
    assert_eq!(
        motos["status"],
        serde_json::Value::Null,
        "a status not stated is null"
    );
    assert_eq!(
        motos["amount"],
        serde_json::Value::Null,
        "an unknown value is null, not 0"
    );
    assert_eq!(motos["items"], json!([{"quantity": 100, "unit": "motos"}]));
    assert_eq!(motos["quantity"], json!({"count": 100, "unit": "motos"}));
    assert_eq!(motos["beneficiaries"][0]["count"], 13);
    assert_eq!(motos["source"]["document"]["id"], "report");
    assert_eq!(motos["source"]["section"], "Q2");
    assert_eq!(motos["source"]["quote"], quote);

    // The source is part of the event: in the history, hash-chained.
    let history = c
        .data(
            "{ pledge(id: \"motos\") { history { type data hash } } }",
            json!({}),
        )
        .await;
    let made = &history["pledge"]["history"][0];
    assert_eq!(made["type"], "PledgeMade");
    assert_eq!(made["data"]["source"]["quote"], quote);
    assert_eq!(made["data"]["statusStated"], false);

    // Next steps and prospects of the roadmap.
    c.mutate_ok(
        "defineNextStep",
        json!({"id": "s4", "roadmapId": "civ", "rank": 4, "title": "Capter des financements de nouveaux bailleurs",
               "targetMonth": "2024-04",
               "source": {"documentId": "report", "section": "Q8", "quote": "Objectifs d'ici avril 2024"}}),
        "id",
    )
    .await;
    c.mutate_ok(
        "recordProspect",
        json!({"id": "pp-fondations", "roadmapId": "civ", "name": "les fondations", "priorityIds": ["civ-p1"]}),
        "id",
    )
    .await;
    let roadmap = c
        .data(
            &format!(
                "{{ roadmap(id: \"civ\") {{ nextSteps {{ id status targetMonth {SOURCE} }} \
                 prospects {{ id organisation {{ id }} name priorities {{ id }} }} }} }}"
            ),
            json!({}),
        )
        .await;
    let step = &roadmap["roadmap"]["nextSteps"][0];
    assert_eq!(step["status"], serde_json::Value::Null);
    assert_eq!(step["targetMonth"], "2024-04");
    assert_eq!(step["source"]["section"], "Q8");
    let prospect = &roadmap["roadmap"]["prospects"][0];
    assert_eq!(prospect["organisation"], serde_json::Value::Null);
    assert_eq!(prospect["name"], "les fondations");
    let changed = c
        .mutate_ok(
            "changeNextStepStatus",
            json!({"nextStepId": "s4", "status": "IN_PROGRESS", "on": "2024-01-15"}),
            "status version",
        )
        .await;
    assert_eq!(changed["status"], "IN_PROGRESS");
    assert_eq!(changed["version"], 2);

    // The funding line says its figures are a minimum while contributions are unvalued.
    let f = c.funding("civ", json!({})).await;
    assert_eq!(f["total"]["isLowerBound"], true, "{f}");
}
