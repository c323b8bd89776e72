//! Every mutation of the contract, on its happy path.

use fundtrail_e2e::TestServer;
use fundtrail_e2e::client::{amount, same_decimal};
use fundtrail_e2e::seed::{self, PLEDGE_FIELDS, cash_pledge};
use fundtrail_e2e::server::ACTOR;
use serde_json::{Value, json};

/// The `type`s of an entity's `history`.
fn types(entity: &Value) -> Vec<String> {
    entity["history"]
        .as_array()
        .expect("a history")
        .iter()
        .map(|e| e["type"].as_str().expect("a type").to_owned())
        .collect()
}

fn is_hash(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The last history entry: its type, actor, commandId and a well-formed hash.
fn assert_last_event(entity: &Value, version: i64, event_type: &str, command_id: Option<&str>) {
    let history = entity["history"].as_array().expect("a history");
    assert_eq!(
        history.len() as i64,
        version,
        "one history entry per version: {entity}"
    );
    let last = history.last().expect("an entry");
    assert_eq!(last["type"], event_type, "{entity}");
    assert_eq!(last["version"], version, "{entity}");
    assert_eq!(last["actor"], ACTOR, "{entity}");
    assert!(is_hash(&last["hash"]), "{last}");
    assert_eq!(last["commandId"].as_str(), command_id, "{entity}");
}

const HISTORY: &str = "history { version type actor commandId hash recordedAt }";

pub async fn every_mutation_happy_path(server: &TestServer) {
    let c = &server.client;
    // the server's setup recorded the client's token
    let mut events = c.event_count().await;

    // registerOrganisation: text is trimmed.
    let giz = c
        .mutate_ok(
            "registerOrganisation",
            json!({ "commandId": "reg-giz", "id": "giz", "name": "  Deutsche Gesellschaft für Internationale Zusammenarbeit ",
                    "acronym": "GIZ", "kind": "BILATERAL_AGENCY", "country": "DEU" }),
            &format!("id name acronym kind country version {HISTORY}"),
        )
        .await;
    events += 1;
    assert_eq!(giz["id"], "giz");
    assert_eq!(
        giz["name"],
        "Deutsche Gesellschaft für Internationale Zusammenarbeit"
    );
    assert_eq!(giz["acronym"], "GIZ");
    assert_eq!(giz["kind"], "BILATERAL_AGENCY");
    assert_eq!(giz["country"], "DEU");
    assert_eq!(giz["version"], 1);
    assert_last_event(&giz, 1, "OrganisationRegistered", Some("reg-giz"));
    let gov = c
        .mutate_ok(
            "registerOrganisation",
            json!({ "id": "civ-gov", "name": "Gouvernement de Côte d'Ivoire", "kind": "GOVERNMENT", "country": "CIV" }),
            "id acronym version",
        )
        .await;
    events += 1;
    assert_eq!(gov["acronym"], Value::Null);

    // createRoadmap without an id: the server makes one.
    let roadmap = c
        .mutate_ok(
            "createRoadmap",
            json!({ "country": "CIV", "title": "Feuille de route 8.7", "periodStart": "2023-01-01",
                    "periodEnd": "2025-12-31", "currency": "XOF" }),
            &format!("id country title periodStart periodEnd currency priorities {{ id }} version {HISTORY}"),
        )
        .await;
    events += 1;
    let roadmap_id = roadmap["id"].as_str().expect("a generated id").to_owned();
    assert!(!roadmap_id.is_empty());
    assert_eq!(roadmap["country"], "CIV");
    assert_eq!(roadmap["periodStart"], "2023-01-01");
    assert_eq!(roadmap["periodEnd"], "2025-12-31");
    assert_eq!(roadmap["currency"], "XOF");
    assert_eq!(roadmap["priorities"], json!([]));
    assert_last_event(&roadmap, 1, "RoadmapCreated", None);

    // definePriority, out of rank order: the roadmap lists them by rank.
    for (id, rank, title) in [("p2", 2, "Monitoring and data"), ("p1", 1, "Coordination")] {
        let p = c
            .mutate_ok(
                "definePriority",
                json!({ "id": id, "roadmapId": roadmap_id, "rank": rank, "title": title }),
                &format!(
                    "id rank title roadmap {{ id }} requirement {{ amount }} version {HISTORY}"
                ),
            )
            .await;
        events += 1;
        assert_eq!(p["id"], id);
        assert_eq!(p["rank"], rank);
        assert_eq!(p["title"], title);
        assert_eq!(p["roadmap"]["id"], roadmap_id.as_str());
        assert_eq!(p["requirement"], Value::Null);
        assert_last_event(&p, 1, "PriorityDefined", None);
    }
    let listed = c
        .data(
            "query($id: ID!) { roadmap(id: $id) { priorities { id rank } version } }",
            json!({ "id": roadmap_id }),
        )
        .await;
    assert_eq!(
        listed["roadmap"]["priorities"],
        json!([{ "id": "p1", "rank": 1 }, { "id": "p2", "rank": 2 }])
    );

    // setFundingRequirement, then a correction with expectedVersion and reason.
    let p1 = c
        .mutate_ok(
            "setFundingRequirement",
            json!({ "priorityId": "p1", "amount": { "amount": "9000000", "currency": "XOF" } }),
            &format!("id requirement {{ amount currency }} version {HISTORY}"),
        )
        .await;
    events += 1;
    assert_eq!(
        p1["requirement"],
        json!({ "amount": "9000000", "currency": "XOF" })
    );
    assert_last_event(&p1, 2, "FundingRequirementSet", None);
    let p1 = c
        .mutate_ok(
            "setFundingRequirement",
            json!({ "priorityId": "p1", "expectedVersion": 2, "reason": "2024 budget",
                    "amount": { "amount": "10000000", "currency": "XOF" } }),
            &format!("requirement {{ amount currency }} version {HISTORY}"),
        )
        .await;
    events += 1;
    assert_eq!(amount(&p1["requirement"]), "10000000");
    assert_eq!(p1["version"], 3);
    assert_eq!(
        types(&p1),
        [
            "PriorityDefined",
            "FundingRequirementSet",
            "FundingRequirementSet"
        ]
    );

    // recordPartnership, then changePartnershipStatus.
    let partnership = c
        .mutate_ok(
            "recordPartnership",
            json!({ "id": "giz-gov", "partyIds": ["giz", "civ-gov"], "title": "Appui technique",
                    "themes": ["CHILD_LABOUR"], "nature": ["TECHNICAL", "FINANCIAL"],
                    "priorityIds": ["p1"], "status": "NEGOTIATING" }),
            &format!("id title parties {{ id }} status themes nature priorities {{ id }} signedOn version {HISTORY}"),
        )
        .await;
    events += 1;
    assert_eq!(
        partnership["parties"],
        json!([{ "id": "giz" }, { "id": "civ-gov" }])
    );
    assert_eq!(partnership["status"], "NEGOTIATING");
    assert_eq!(partnership["themes"], json!(["CHILD_LABOUR"]));
    assert_eq!(partnership["nature"], json!(["TECHNICAL", "FINANCIAL"]));
    assert_eq!(partnership["priorities"], json!([{ "id": "p1" }]));
    assert_eq!(partnership["signedOn"], Value::Null);
    assert_last_event(&partnership, 1, "PartnershipRecorded", None);
    let partnership = c
        .mutate_ok(
            "changePartnershipStatus",
            json!({ "partnershipId": "giz-gov", "status": "SIGNED", "on": "2024-02-01",
                    "expectedVersion": 1, "commandId": "sign-giz-gov" }),
            &format!("status signedOn version {HISTORY}"),
        )
        .await;
    events += 1;
    assert_eq!(partnership["status"], "SIGNED");
    assert_eq!(partnership["signedOn"], "2024-02-01");
    assert_last_event(
        &partnership,
        2,
        "PartnershipStatusChanged",
        Some("sign-giz-gov"),
    );

    // submitProposal, then decideProposal. Amounts come back with the
    // currency's minor unit (EUR: 2 decimals).
    let proposal = c
        .mutate_ok(
            "submitProposal",
            json!({ "id": "prop-1", "applicantId": "civ-gov", "donorId": "giz", "title": "Observatoire",
                    "requested": { "amount": "250000.5", "currency": "EUR" },
                    "themes": ["CHILD_LABOUR", "TRAFFICKING"], "priorityIds": ["p2"], "submittedOn": "2024-01-05" }),
            &format!("id title applicant {{ id }} donor {{ id }} requested {{ amount currency }} status themes priorities {{ id }} submittedOn decidedOn version {HISTORY}"),
        )
        .await;
    events += 1;
    assert_eq!(
        proposal["requested"],
        json!({ "amount": "250000.50", "currency": "EUR" })
    );
    assert_eq!(proposal["status"], "SUBMITTED");
    assert_eq!(proposal["applicant"]["id"], "civ-gov");
    assert_eq!(proposal["donor"]["id"], "giz");
    assert_eq!(proposal["submittedOn"], "2024-01-05");
    assert_eq!(proposal["decidedOn"], Value::Null);
    assert_last_event(&proposal, 1, "ProposalSubmitted", None);
    let proposal = c
        .mutate_ok(
            "decideProposal",
            json!({ "proposalId": "prop-1", "status": "APPROVED", "decidedOn": "2024-01-20", "reason": "fits p2" }),
            &format!("status decidedOn version {HISTORY}"),
        )
        .await;
    events += 1;
    assert_eq!(proposal["status"], "APPROVED");
    assert_eq!(proposal["decidedOn"], "2024-01-20");
    assert_last_event(&proposal, 2, "ProposalDecided", None);

    // pledge -> commitPledge -> recordDisbursement -> revisePledge.
    let mut input = cash_pledge(
        "pl-1",
        "giz",
        "10000",
        "EUR",
        &[("p1", "6000"), ("p2", "4000")],
        "2024-01-25",
    );
    input["roadmapId"] = json!(roadmap_id);
    input["proposalId"] = json!("prop-1");
    input["partnershipId"] = json!("giz-gov");
    input["themes"] = json!(["CHILD_LABOUR"]);
    input["description"] = json!("  Appui à l'observatoire  ");
    let pledge = c
        .mutate_ok(
            "pledge",
            input,
            &format!("{PLEDGE_FIELDS} proposal {{ id }} partnership {{ id }}"),
        )
        .await;
    events += 1;
    assert_eq!(pledge["status"], "PLEDGED");
    assert_eq!(pledge["version"], 1);
    assert_eq!(pledge["kind"], "CASH");
    assert_eq!(pledge["unvalued"], false);
    assert_eq!(
        pledge["amount"],
        json!({ "amount": "10000.00", "currency": "EUR" })
    );
    assert_eq!(
        pledge["allocations"],
        json!([
            { "priority": { "id": "p1" }, "amount": { "amount": "6000.00", "currency": "EUR" } },
            { "priority": { "id": "p2" }, "amount": { "amount": "4000.00", "currency": "EUR" } },
        ])
    );
    assert_eq!(pledge["pledgedOn"], "2024-01-25");
    assert_eq!(pledge["committedOn"], Value::Null);
    assert_eq!(pledge["donor"]["id"], "giz");
    assert_eq!(pledge["recipient"]["id"], "civ-gov");
    assert_eq!(pledge["roadmap"]["id"], roadmap_id.as_str());
    assert_eq!(pledge["proposal"]["id"], "prop-1");
    assert_eq!(pledge["partnership"]["id"], "giz-gov");
    assert_eq!(pledge["description"], "Appui à l'observatoire");
    assert!(
        same_decimal(&pledge["disbursed"]["amount"], "0"),
        "{pledge}"
    );
    assert_last_event(&pledge, 1, "PledgeMade", None);

    let pledge = seed::commit(c, "pl-1", "2024-02-01").await;
    events += 1;
    assert_eq!(pledge["status"], "COMMITTED");
    assert_eq!(pledge["committedOn"], "2024-02-01");
    assert_last_event(&pledge, 2, "PledgeCommitted", None);

    let pledge = seed::disburse(c, "pl-1", "4000", "2024-03-01").await;
    events += 1;
    assert_eq!(pledge["status"], "PARTLY_DISBURSED");
    assert_eq!(
        pledge["disbursed"],
        json!({ "amount": "4000.00", "currency": "EUR" })
    );
    assert_eq!(
        pledge["disbursements"],
        json!([{ "amount": { "amount": "4000.00", "currency": "EUR" }, "disbursedOn": "2024-03-01" }])
    );
    assert_last_event(&pledge, 3, "DisbursementRecorded", None);

    let pledge = c
        .mutate_ok(
            "revisePledge",
            json!({ "pledgeId": "pl-1", "expectedVersion": 3, "revisedOn": "2024-04-01",
                    "reason": "top-up agreed", "amount": { "amount": "12000", "currency": "EUR" },
                    "allocations": [{ "priorityId": "p1", "amount": "7000" }, { "priorityId": "p2", "amount": "5000" }] }),
            PLEDGE_FIELDS,
        )
        .await;
    events += 1;
    assert_eq!(amount(&pledge["amount"]), "12000.00");
    assert_eq!(pledge["status"], "PARTLY_DISBURSED");
    assert_eq!(amount(&pledge["allocations"][0]["amount"]), "7000.00");
    assert_eq!(amount(&pledge["allocations"][1]["amount"]), "5000.00");
    assert_last_event(&pledge, 4, "PledgeRevised", None);
    assert_eq!(
        types(&pledge),
        [
            "PledgeMade",
            "PledgeCommitted",
            "DisbursementRecorded",
            "PledgeRevised"
        ]
    );

    // cancelPledge, on a pledge with nothing disbursed.
    let mut input = cash_pledge("pl-2", "giz", "500", "EUR", &[], "2024-01-25");
    input["roadmapId"] = json!(roadmap_id);
    seed::pledge(c, input).await;
    events += 1;
    let cancelled = c
        .mutate_ok(
            "cancelPledge",
            json!({ "pledgeId": "pl-2", "cancelledOn": "2024-05-01", "reason": "budget cut" }),
            PLEDGE_FIELDS,
        )
        .await;
    events += 1;
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["cancelledOn"], "2024-05-01");
    assert_last_event(&cancelled, 2, "PledgeCancelled", None);

    // recordExchangeRate.
    let rate = c
        .mutate_ok(
            "recordExchangeRate",
            json!({ "base": "USD", "quote": "EUR", "rate": "0.9", "validFrom": "2024-01-01" }),
            "base quote rate validFrom version",
        )
        .await;
    events += 1;
    assert_eq!(
        rate,
        json!({ "base": "USD", "quote": "EUR", "rate": "0.9", "validFrom": "2024-01-01", "version": 1 })
    );
    let rates = c
        .data("{ exchangeRates { base quote rate validFrom } }", json!({}))
        .await;
    assert_eq!(
        rates["exchangeRates"],
        json!([{ "base": "USD", "quote": "EUR", "rate": "0.9", "validFrom": "2024-01-01" }])
    );

    // Each mutation appended exactly one event.
    assert_eq!(c.event_count().await, events);
}

pub async fn pledge_lifecycle_to_disbursed_with_pro_rata_shares(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    seed::pledge(
        c,
        cash_pledge(
            "half",
            "giz",
            "10000",
            "EUR",
            &[("civ-p1", "5000"), ("civ-p2", "5000")],
            "2024-01-10",
        ),
    )
    .await;
    assert_eq!(
        seed::commit(c, "half", "2024-02-01").await["status"],
        "COMMITTED"
    );
    let disbursed_by_priority = |f: Value| -> Vec<String> {
        f["priorities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| amount(&p["disbursed"]).to_owned())
            .collect()
    };

    // 0.03 split in halves: 0.015 and 0.015 round (half-to-even) to 0.02 and
    // 0.02; the -0.01 remainder goes to the first allocation.
    let p = seed::disburse(c, "half", "0.03", "2024-03-01").await;
    assert_eq!(p["status"], "PARTLY_DISBURSED");
    let f = c.funding("civ", json!({ "currency": "EUR" })).await;
    assert_eq!(disbursed_by_priority(f.clone()), ["0.01", "0.02"]);
    assert_eq!(amount(&f["total"]["disbursed"]), "0.03");

    // 0.01: halves of 0.005 round to 0.00; the remainder 0.01 goes first.
    seed::disburse(c, "half", "0.01", "2024-03-02").await;
    let f = c.funding("civ", json!({ "currency": "EUR" })).await;
    assert_eq!(disbursed_by_priority(f), ["0.02", "0.02"]);

    // The rest: DISBURSED, and the shares reach the allocations exactly.
    let p = seed::disburse(c, "half", "9999.96", "2024-04-01").await;
    assert_eq!(p["status"], "DISBURSED");
    assert_eq!(p["version"], 5);
    assert_eq!(
        p["disbursed"],
        json!({ "amount": "10000.00", "currency": "EUR" })
    );
    assert_eq!(p["disbursements"].as_array().unwrap().len(), 3);
    let f = c.funding("civ", json!({ "currency": "EUR" })).await;
    assert_eq!(disbursed_by_priority(f.clone()), ["5000.00", "5000.00"]);
    assert_eq!(amount(&f["total"]["committed"]), "10000.00");
    assert_eq!(amount(&f["total"]["disbursed"]), "10000.00");

    // In XOF each share is converted at its date and rounded, line by line,
    // then summed: p1 had 0.01 + 0.01 + 4999.98 EUR -> 7 + 7 + 3279772,
    // p2 0.02 + 0.00 + 4999.98 EUR -> 13 + 0 + 3279772.
    let f = c.funding("civ", json!({})).await;
    assert_eq!(f["currency"], "XOF");
    assert_eq!(amount(&f["priorities"][0]["disbursed"]), "3279786");
    assert_eq!(amount(&f["priorities"][1]["disbursed"]), "3279785");
    assert_eq!(amount(&f["total"]["disbursed"]), "6559571");
    assert_eq!(amount(&f["total"]["committed"]), "6559570");
    let listed = c
        .data("{ pledges(status: DISBURSED) { id } }", json!({}))
        .await;
    assert_eq!(listed["pledges"], json!([{ "id": "half" }]));
}

pub async fn unvalued_in_kind_pledge_is_delivered_then_valued(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    let p = seed::pledge(
        c,
        json!({ "id": "motos", "donorId": "unicef", "recipientId": "civ-gov", "roadmapId": "civ",
                "kind": "IN_KIND", "quantity": { "count": 100, "unit": "motorcycles" },
                "priorityIds": ["civ-p2"], "pledgedOn": "2024-01-10" }),
    )
    .await;
    assert_eq!(p["unvalued"], true);
    assert_eq!(p["amount"], Value::Null);
    assert_eq!(p["disbursed"], Value::Null, "unknown, not zero");
    assert_eq!(
        p["quantity"],
        json!({ "count": 100, "unit": "motorcycles" })
    );
    assert_eq!(p["priorities"], json!([{ "id": "civ-p2" }]));
    assert_eq!(p["kind"], "IN_KIND");

    seed::commit(c, "motos", "2024-01-15").await;
    let p = c
        .mutate_ok(
            "recordDisbursement",
            json!({ "pledgeId": "motos", "disbursedOn": "2024-02-01" }),
            PLEDGE_FIELDS,
        )
        .await;
    assert_eq!(p["status"], "DISBURSED", "delivered");
    assert_eq!(
        p["disbursements"],
        json!([{ "amount": null, "disbursedOn": "2024-02-01" }])
    );
    let f = c.funding("civ", json!({})).await;
    assert_eq!(f["priorities"][1]["unvaluedCount"], 1);
    assert_eq!(amount(&f["priorities"][1]["pledged"]), "0");
    assert_eq!(f["total"]["unvaluedCount"], 1);

    // Valued later: one priority named, so everything goes to it.
    let p = c
        .mutate_ok(
            "revisePledge",
            json!({ "pledgeId": "motos", "amount": { "amount": "2000000", "currency": "XOF" },
                    "revisedOn": "2024-03-01", "reason": "invoice received" }),
            PLEDGE_FIELDS,
        )
        .await;
    assert_eq!(p["unvalued"], false);
    assert_eq!(
        p["amount"],
        json!({ "amount": "2000000", "currency": "XOF" })
    );
    assert_eq!(p["status"], "DISBURSED");
    assert_eq!(
        p["allocations"],
        json!([{ "priority": { "id": "civ-p2" }, "amount": { "amount": "2000000", "currency": "XOF" } }])
    );
    assert_eq!(p["version"], 4);
    let f = c.funding("civ", json!({})).await;
    assert_eq!(f["priorities"][1]["unvaluedCount"], 0);
    assert_eq!(amount(&f["priorities"][1]["pledged"]), "2000000");
    assert_eq!(amount(&f["priorities"][1]["committed"]), "2000000");
    assert_eq!(f["total"]["unvaluedCount"], 0);
}

pub async fn history_is_a_hash_chain_oldest_first(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    let mut input = cash_pledge("h", "ilo", "300", "EUR", &[], "2024-01-10");
    input["commandId"] = json!("make-h");
    seed::pledge(c, input).await;
    seed::commit(c, "h", "2024-01-11").await;
    let p = seed::disburse(c, "h", "100", "2024-01-12").await;
    let history = p["history"].as_array().unwrap().clone();
    assert_eq!(
        history
            .iter()
            .map(|e| (e["version"].as_i64().unwrap(), e["type"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        [
            (1, "PledgeMade"),
            (2, "PledgeCommitted"),
            (3, "DisbursementRecorded")
        ]
    );
    assert_eq!(history[0]["commandId"], "make-h");
    assert_eq!(history[1]["commandId"], Value::Null);
    let hashes: std::collections::HashSet<_> = history
        .iter()
        .map(|e| e["hash"].as_str().unwrap())
        .collect();
    assert_eq!(hashes.len(), 3, "every event has its own hash");
    let times: Vec<_> = history
        .iter()
        .map(|e| {
            chrono::DateTime::parse_from_rfc3339(e["recordedAt"].as_str().unwrap())
                .expect("RFC 3339 with an offset")
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

    // The audit trail shows the same events, with their data.
    let trail = c
        .data(
            r#"{ auditTrail(entityId: "h") { totalCount edges { node { entityId stream version type hash actor data } } } }"#,
            json!({}),
        )
        .await;
    let edges = trail["auditTrail"]["edges"].as_array().unwrap();
    assert_eq!(trail["auditTrail"]["totalCount"], 3);
    for (edge, entry) in edges.iter().zip(&history) {
        assert_eq!(edge["node"]["hash"], entry["hash"]);
        assert_eq!(edge["node"]["entityId"], "h");
        assert_eq!(edge["node"]["stream"], "pledge-h");
        assert_eq!(edge["node"]["actor"], ACTOR);
    }
    assert!(
        edges[2]["node"]["data"].is_object(),
        "data is the event's JSON payload: {}",
        edges[2]["node"]
    );
}
