//! donorMap, lists and filters, auditTrail paging, read-your-writes.

use fundtrail_e2e::client::amount;
use fundtrail_e2e::seed::{self, cash_pledge};
use fundtrail_e2e::server::ACTOR;
use fundtrail_e2e::{Client, TestServer};
use serde_json::{Value, json};

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|e| {
            e["id"]
                .as_str()
                .or_else(|| e["organisation"]["id"].as_str())
                .expect("an id")
                .to_owned()
        })
        .collect()
}

pub async fn donor_map_is_ordered_by_committed_and_filters(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    // Committed: unicef 5000 EUR, giz 1000 EUR, ilo nothing (but the largest
    // pledge); sci is only the donor of a proposal on p2.
    for (id, donor, eur, commit, theme) in [
        ("g", "giz", "1000", true, "CHILD_LABOUR"),
        ("u", "unicef", "5000", true, "TRAFFICKING"),
        ("i", "ilo", "20000", false, "FORCED_LABOUR"),
    ] {
        let mut input = cash_pledge(id, donor, eur, "EUR", &[("civ-p1", eur)], "2024-01-10");
        input["themes"] = json!([theme]);
        seed::pledge(c, input).await;
        if commit {
            seed::commit(c, id, "2024-01-20").await;
        }
    }
    c.mutate_ok(
        "submitProposal",
        json!({ "id": "ask-sci", "applicantId": "civ-gov", "donorId": "sci", "title": "Kits",
                "priorityIds": ["civ-p2"], "themes": ["CHILD_LABOUR"], "submittedOn": "2024-01-05" }),
        "id",
    )
    .await;
    // A pledge on the other roadmap stays off the civ map.
    let mut other = cash_pledge(
        "gh",
        "ilo",
        "99999",
        "EUR",
        &[("gha-p1", "99999")],
        "2024-01-10",
    );
    other["roadmapId"] = json!("gha");
    seed::pledge(c, other).await;
    seed::commit(c, "gh", "2024-01-20").await;

    let query = r#"query($roadmapId: ID, $theme: Theme, $kind: OrganisationKind) {
        donorMap(roadmapId: $roadmapId, theme: $theme, kind: $kind) {
            organisation { id } pledged { amount currency } committed { amount currency }
            disbursed { amount } priorities { id } themes proposals { id } } }"#;
    let map = c.data(query, json!({ "roadmapId": "civ" })).await["donorMap"].clone();
    assert_eq!(ids(&map), ["unicef", "giz", "ilo", "sci"]);
    assert_eq!(
        map[0]["committed"],
        json!({ "amount": "3279785", "currency": "XOF" })
    );
    assert_eq!(amount(&map[1]["committed"]), "655957");
    assert_eq!(amount(&map[2]["committed"]), "0");
    assert_eq!(amount(&map[2]["pledged"]), "13119140");
    assert_eq!(map[0]["priorities"], json!([{ "id": "civ-p1" }]));
    assert_eq!(map[3]["proposals"], json!([{ "id": "ask-sci" }]));

    // The order follows the figures: ilo commits and goes first.
    seed::commit(c, "i", "2024-02-01").await;
    let map = c.data(query, json!({ "roadmapId": "civ" })).await["donorMap"].clone();
    assert_eq!(ids(&map), ["ilo", "unicef", "giz", "sci"]);

    // Filters.
    let by_theme = c
        .data(
            query,
            json!({ "roadmapId": "civ", "theme": "CHILD_LABOUR" }),
        )
        .await;
    assert_eq!(ids(&by_theme["donorMap"]), ["giz", "sci"]);
    let by_kind = c
        .data(query, json!({ "roadmapId": "civ", "kind": "UN_AGENCY" }))
        .await;
    assert_eq!(ids(&by_kind["donorMap"]), ["ilo", "unicef"]);
    let ghana = c.data(query, json!({ "roadmapId": "gha" })).await;
    assert_eq!(ids(&ghana["donorMap"]), ["ilo"]);
    assert_eq!(amount(&ghana["donorMap"][0]["committed"]), "99999.00");
}

pub async fn lists_and_filters(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    seed::pledge(c, cash_pledge("a", "giz", "10", "EUR", &[], "2024-01-10")).await;
    seed::pledge(c, cash_pledge("b", "giz", "20", "EUR", &[], "2024-01-10")).await;
    seed::pledge(
        c,
        cash_pledge("c", "unicef", "30", "EUR", &[], "2024-01-10"),
    )
    .await;
    let mut gh = cash_pledge("d", "unicef", "40", "EUR", &[], "2024-01-10");
    gh["roadmapId"] = json!("gha");
    seed::pledge(c, gh).await;
    seed::commit(c, "b", "2024-01-11").await;
    seed::commit(c, "c", "2024-01-11").await;
    c.mutate_ok(
        "cancelPledge",
        json!({ "pledgeId": "a", "cancelledOn": "2024-01-12", "reason": "r" }),
        "id",
    )
    .await;

    let pledges = |args: &'static str| {
        let c = c.clone();
        async move {
            let body = c
                .data(&format!("{{ pledges{args} {{ id }} }}"), json!({}))
                .await;
            let mut found = ids(&body["pledges"]);
            found.sort();
            found
        }
    };
    assert_eq!(pledges("").await, ["a", "b", "c", "d"]);
    assert_eq!(pledges("(status: COMMITTED)").await, ["b", "c"]);
    assert_eq!(pledges("(status: CANCELLED)").await, ["a"]);
    assert_eq!(pledges("(status: PLEDGED)").await, ["d"]);
    assert_eq!(pledges(r#"(roadmapId: "civ")"#).await, ["a", "b", "c"]);
    assert_eq!(pledges(r#"(donorId: "unicef")"#).await, ["c", "d"]);
    assert_eq!(
        pledges(r#"(roadmapId: "civ", donorId: "giz", status: COMMITTED)"#).await,
        ["b"]
    );
    assert!(pledges("(status: DISBURSED)").await.is_empty());

    // Organisations: search ignores case and accents, in name or acronym.
    let orgs = |args: &'static str| {
        let c = c.clone();
        async move {
            let body = c
                .data(&format!("{{ organisations{args} {{ id }} }}"), json!({}))
                .await;
            ids(&body["organisations"])
        }
    };
    assert_eq!(orgs(r#"(search: "cote")"#).await, ["civ-gov"]);
    assert_eq!(orgs(r#"(search: "CÔTE D'IVOIRE")"#).await, ["civ-gov"]);
    assert_eq!(orgs(r#"(search: "unicef")"#).await, ["unicef"]);
    assert_eq!(orgs(r#"(search: "zusammenarbeit")"#).await, ["giz"]);
    assert!(orgs(r#"(search: "nothing like it")"#).await.is_empty());
    let mut un = orgs("(kind: UN_AGENCY)").await;
    un.sort();
    assert_eq!(un, ["ilo", "unicef"]);
    assert_eq!(orgs("").await.len(), seed::ORGANISATIONS.len());
    assert_eq!(
        orgs(r#"(kind: GOVERNMENT, search: "ivoire")"#).await,
        ["civ-gov"]
    );
    assert!(
        orgs(r#"(kind: UN_AGENCY, search: "ivoire")"#)
            .await
            .is_empty()
    );

    // Roadmaps, partnerships, proposals.
    let roadmaps = c.data("{ roadmaps { id } }", json!({})).await;
    let mut found = ids(&roadmaps["roadmaps"]);
    found.sort();
    assert_eq!(found, ["civ", "gha"]);
    for (id, parties, status) in [
        ("pa", json!(["giz", "civ-gov"]), "SIGNED"),
        ("pb", json!(["ilo", "sci"]), "NEGOTIATING"),
    ] {
        c.mutate_ok(
            "recordPartnership",
            json!({ "id": id, "partyIds": parties, "title": id, "status": status }),
            "id",
        )
        .await;
    }
    let p = c
        .data(
            r#"{ signed: partnerships(status: SIGNED) { id } withSci: partnerships(partyId: "sci") { id }
                 all: partnerships { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(ids(&p["signed"]), ["pa"]);
    assert_eq!(ids(&p["withSci"]), ["pb"]);
    assert_eq!(p["all"].as_array().unwrap().len(), 2);
    for (id, donor) in [("x", "giz"), ("y", "ilo")] {
        c.mutate_ok(
            "submitProposal",
            json!({ "id": id, "applicantId": "civ-gov", "donorId": donor, "title": id, "submittedOn": "2024-01-01" }),
            "id",
        )
        .await;
    }
    c.mutate_ok(
        "decideProposal",
        json!({ "proposalId": "y", "status": "WITHDRAWN", "decidedOn": "2024-01-02" }),
        "id",
    )
    .await;
    let p = c
        .data(
            r#"{ submitted: proposals(status: SUBMITTED) { id } toIlo: proposals(donorId: "ilo") { id status }
                 fromGov: proposals(applicantId: "civ-gov") { id } fromGiz: proposals(applicantId: "giz") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(ids(&p["submitted"]), ["x"]);
    assert_eq!(p["toIlo"], json!([{ "id": "y", "status": "WITHDRAWN" }]));
    assert_eq!(p["fromGov"].as_array().unwrap().len(), 2);
    assert!(ids(&p["fromGiz"]).is_empty());
}

/// All pages of `auditTrail` with `args`, `first` at a time.
async fn all_pages(c: &Client, args: Value, first: i64) -> (Vec<Value>, i64) {
    let query = r#"query($entityId: ID, $actor: String, $from: DateTime, $to: DateTime, $first: Int, $after: String) {
        auditTrail(entityId: $entityId, actor: $actor, from: $from, to: $to, first: $first, after: $after) {
            totalCount edges { cursor node { position entityId version type actor recordedAt hash } }
            pageInfo { hasNextPage endCursor } } }"#;
    let mut nodes = Vec::new();
    let mut after = Value::Null;
    let mut total = None;
    for _ in 0..1_000 {
        let mut variables = args.clone();
        variables["first"] = json!(first);
        variables["after"] = after.clone();
        let page = c.data(query, variables).await["auditTrail"].clone();
        let edges = page["edges"].as_array().unwrap();
        assert!(edges.len() as i64 <= first, "a page holds at most `first`");
        let page_total = page["totalCount"].as_i64().unwrap();
        assert_eq!(
            *total.get_or_insert(page_total),
            page_total,
            "totalCount is the same on every page"
        );
        for edge in edges {
            assert_eq!(edge["cursor"], edge["node"]["position"]);
            nodes.push(edge["node"].clone());
        }
        if page["pageInfo"]["hasNextPage"] == true {
            assert_eq!(edges.len() as i64, first, "only a full page has a next one");
            assert_eq!(
                page["pageInfo"]["endCursor"],
                edges.last().unwrap()["cursor"]
            );
            after = page["pageInfo"]["endCursor"].clone();
        } else {
            return (nodes, total.unwrap_or(0));
        }
    }
    panic!("auditTrail paging never ended");
}

pub async fn audit_trail_pages_and_filters(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await; // 5 organisations, 2 roadmaps, 3 priorities, 2 requirements
    seed::pledge(c, cash_pledge("p", "giz", "10", "EUR", &[], "2024-01-10")).await;
    seed::commit(c, "p", "2024-01-11").await;
    // the server's setup recorded the client's token first
    let expected_total = 1 + 5 + 2 + 3 + 2 + 2;
    assert_eq!(c.event_count().await, expected_total);

    // Pages of 4: 15 events in 4 pages, in store order, none twice.
    let (nodes, total) = all_pages(c, json!({}), 4).await;
    assert_eq!(total, expected_total);
    assert_eq!(nodes.len() as i64, expected_total);
    let positions: Vec<i64> = nodes
        .iter()
        .map(|n| n["position"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(positions, (1..=expected_total).collect::<Vec<_>>());
    assert_eq!(nodes[0]["type"], "AccessTokenIssued");
    assert_eq!(nodes[0]["actor"], "e2e-setup");
    assert!(nodes[1..].iter().all(|n| n["actor"] == ACTOR));
    assert_eq!(nodes[1]["type"], "OrganisationRegistered");
    assert_eq!(nodes.last().unwrap()["type"], "PledgeCommitted");
    // A page size that divides the total: the last full page says there is no next.
    let (nodes, _) = all_pages(c, json!({}), 7).await;
    assert_eq!(nodes.len() as i64, expected_total);

    // first: 0 is an empty page that still counts.
    let page = c
        .data(
            "{ auditTrail(first: 0) { totalCount edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(page["auditTrail"]["totalCount"], expected_total);
    assert_eq!(page["auditTrail"]["edges"], json!([]));

    // By entity: the priority's two events, its versions in order.
    let (nodes, total) = all_pages(c, json!({ "entityId": "civ-p1" }), 10).await;
    assert_eq!(total, 2);
    assert_eq!(
        nodes
            .iter()
            .map(|n| (n["version"].as_i64().unwrap(), n["type"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        [(1, "PriorityDefined"), (2, "FundingRequirementSet")]
    );
    let (nodes, total) = all_pages(c, json!({ "entityId": "p" }), 1).await;
    assert_eq!(total, 2);
    assert!(nodes.iter().all(|n| n["entityId"] == "p"));

    // By actor.
    let (_, total) = all_pages(c, json!({ "actor": ACTOR }), 50).await;
    assert_eq!(total, expected_total - 1, "all but the setup's token");
    let (nodes, total) = all_pages(c, json!({ "actor": "someone-else" }), 50).await;
    assert_eq!((nodes.len(), total), (0, 0));

    // By recorded time: from the commitment's instant on.
    let (all, _) = all_pages(c, json!({}), 50).await;
    let last_at = all.last().unwrap()["recordedAt"].clone();
    let (nodes, _) = all_pages(c, json!({ "from": last_at }), 50).await;
    assert!(!nodes.is_empty());
    assert!(nodes.iter().all(|n| n["recordedAt"] == last_at));
    let (nodes, _) = all_pages(c, json!({ "to": "2000-01-01T00:00:00Z" }), 50).await;
    assert!(nodes.is_empty());
    let (nodes, _) = all_pages(c, json!({ "from": "2000-01-01T00:00:00+02:00" }), 50).await;
    assert_eq!(nodes.len() as i64, expected_total);

    // Paging goes on across new events: a cursor stays valid.
    let page = c
        .data(
            "{ auditTrail(first: 2) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let cursor = page["auditTrail"]["pageInfo"]["endCursor"].clone();
    assert_eq!(cursor, "2");
    seed::disburse(c, "p", "5", "2024-02-01").await;
    let page = c
        .data(
            "query($after: String) { auditTrail(after: $after, first: 100) { edges { node { position } } } }",
            json!({ "after": cursor }),
        )
        .await;
    let edges = page["auditTrail"]["edges"].as_array().unwrap();
    assert_eq!(edges.len() as i64, expected_total + 1 - 2);
    assert_eq!(edges[0]["node"]["position"], "3");
}

pub async fn read_your_writes_across_clients(server: &TestServer) {
    let writer = &server.client;
    let reader = server.another_client();
    seed::world(writer).await;
    let mut total = 0i64;
    for i in 0..15 {
        let id = format!("r{i}");
        let eur = 100 + i;
        let p = seed::pledge(
            writer,
            cash_pledge(
                &id,
                "giz",
                &eur.to_string(),
                "EUR",
                &[("civ-p1", &eur.to_string())],
                "2024-01-10",
            ),
        )
        .await;
        total += eur;
        // The mutation's own answer, then another connection, at once.
        assert_eq!(p["version"], 1);
        let seen = reader
            .data(
                "query($id: ID!) { pledge(id: $id) { id version } auditTrail(entityId: $id) { totalCount } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(seen["pledge"]["version"], 1, "pledge {id} not visible yet");
        assert_eq!(seen["auditTrail"]["totalCount"], 1);
        let f = reader.funding("civ", json!({ "currency": "EUR" })).await;
        assert_eq!(
            amount(&f["priorities"][0]["pledged"]),
            format!("{total}.00"),
            "funding after pledge {id}"
        );
        let committed = seed::commit(writer, &id, "2024-01-11").await;
        assert_eq!(committed["version"], 2);
        let listed = reader
            .data(r#"{ pledges(status: COMMITTED) { id } }"#, json!({}))
            .await;
        assert_eq!(listed["pledges"].as_array().unwrap().len() as i64, i + 1);
    }
}
