//! Funding chains end to end (issue #15): a foundation → ICI → CNLTP chain,
//! in EUR then XOF, through GraphQL, and the same figures in the CSV exports
//! and the IATI file (`docs/funding-chains.md`).

use fundtrail_e2e::TestServer;
use fundtrail_e2e::client::same_decimal;
use fundtrail_e2e::seed::{self, cash_pledge};
use serde_json::{Value, json};

const LINK: &str = "id version fundedBy { parent { id } amount { amount currency } \
     parentAmount { amount currency } rate } kept { amount currency } passedOn { amount currency }";

async fn get(server: &TestServer, path: &str) -> String {
    let r = server
        .client
        .http()
        .get(server.client.url(path))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

/// The `Total` row of the funding CSV, by column name.
fn csv_total(csv: &str) -> std::collections::HashMap<String, String> {
    let mut lines = csv.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(|h| h.trim_matches('"').to_owned())
        .collect();
    let total = lines
        .find(|l| {
            l.split(',')
                .nth(1)
                .is_some_and(|c| c.trim_matches('"') == "Total")
        })
        .expect("a total row");
    header
        .into_iter()
        .zip(total.split(',').map(|c| c.trim_matches('"').to_owned()))
        .collect()
}

fn donor<'a>(line: &'a Value, org: &str) -> Option<&'a Value> {
    line["donors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["organisation"]["id"] == org)
}

pub async fn a_three_level_chain_is_counted_once_everywhere(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    // The foundation (GIZ here) 100 000 EUR, ICI (UNICEF here) 80 000 EUR,
    // CNLTP (the government here) 32 798 000 XOF, all for civ-p1.
    for (id, donor, amount, currency) in [
        ("fdn", "giz", "100000", "EUR"),
        ("ici", "unicef", "80000", "EUR"),
        ("cnltp", "civ-gov", "32798000", "XOF"),
    ] {
        seed::pledge(
            c,
            cash_pledge(
                id,
                donor,
                amount,
                currency,
                &[("civ-p1", amount)],
                "2024-01-10",
            ),
        )
        .await;
        seed::commit(c, id, "2024-01-15").await;
    }
    let naive = c.funding("civ", json!({})).await["total"]["committed"]["amount"].clone();

    // More than what remains of the foundation: refused, nothing appended.
    let before = c.event_count().await;
    c.mutate_refused(
        "linkFunding",
        json!({"pledgeId": "ici", "fundedByPledgeId": "fdn", "amount": "100000.01"}),
        "INVALID_STATE",
    )
    .await;
    assert_eq!(c.event_count().await, before, "a refusal appends nothing");

    let ici = c
        .mutate_ok(
            "linkFunding",
            json!({"pledgeId": "ici", "fundedByPledgeId": "fdn", "amount": "80000",
                   "expectedVersion": 2, "reason": "ICI's programme is the foundation's grant"}),
            LINK,
        )
        .await;
    assert_eq!(ici["version"], 3);
    let cnltp = c
        .mutate_ok(
            "linkFunding",
            json!({"pledgeId": "cnltp", "fundedByPledgeId": "ici", "amount": "32798000"}),
            LINK,
        )
        .await;
    // 32 798 000 XOF at the peg is 50 000.23 EUR of ICI's pledge
    let link = &cnltp["fundedBy"][0];
    assert!(
        same_decimal(&link["parentAmount"]["amount"], "50000.23"),
        "{link}"
    );
    assert_eq!(link["parentAmount"]["currency"], "EUR");
    // A cycle is refused.
    c.mutate_refused(
        "linkFunding",
        json!({"pledgeId": "fdn", "fundedByPledgeId": "cnltp", "amount": "1"}),
        "INVALID_STATE",
    )
    .await;

    let p = c
        .data(
            &format!("{{ pledge(id: \"ici\") {{ {LINK} funds {{ child {{ id }} }} }} }}"),
            json!({}),
        )
        .await;
    assert!(
        same_decimal(&p["pledge"]["kept"]["amount"], "29999.77"),
        "{p}"
    );
    assert!(
        same_decimal(&p["pledge"]["passedOn"]["amount"], "50000.23"),
        "{p}"
    );
    assert_eq!(p["pledge"]["funds"][0]["child"]["id"], "cnltp");

    // Counted once: 20 000 + 29 999.77 EUR and 32 798 000 XOF, in XOF:
    // 13 119 140 + 19 678 559 + 32 798 000.
    let direct = c.funding("civ", json!({})).await;
    let total = &direct["total"];
    assert!(
        same_decimal(&total["committed"]["amount"], "65595699"),
        "{total}"
    );
    assert!(
        same_decimal(&total["pledged"]["amount"], "65595699"),
        "{total}"
    );
    assert_ne!(
        total["committed"]["amount"], naive,
        "the chain changed the total"
    );
    assert!(same_decimal(
        &donor(total, "giz").unwrap()["committed"]["amount"],
        "13119140"
    ));
    let original = c
        .data(
            "{ fundingByPriority(roadmapId: \"civ\", attribution: ORIGINAL_SOURCE) { total { \
               committed { amount } donors { organisation { id } committed { amount } } } } }",
            json!({}),
        )
        .await;
    let ototal = &original["fundingByPriority"]["total"];
    assert!(same_decimal(&ototal["committed"]["amount"], "65595699"));
    // All of it is the foundation's.
    assert!(
        same_decimal(
            &donor(ototal, "giz").unwrap()["committed"]["amount"],
            "65595699"
        ),
        "{ototal}"
    );
    assert!(donor(ototal, "unicef").is_none(), "{ototal}");

    let chain = c
        .data(
            "{ chain(pledgeId: \"cnltp\") { roots { id } leaves { id } up { parent { id } child { id } } } \
               channels(roadmapId: \"civ\") { organisation { id } received { amount currency } passedOn { amount } kept { amount } } }",
            json!({}),
        )
        .await;
    assert_eq!(chain["chain"]["roots"], json!([{"id": "fdn"}]));
    assert_eq!(chain["chain"]["leaves"], json!([{"id": "cnltp"}]));
    assert_eq!(chain["chain"]["up"].as_array().unwrap().len(), 2);
    let channels = chain["channels"].as_array().unwrap();
    let unicef = channels
        .iter()
        .find(|ch| ch["organisation"]["id"] == "unicef")
        .unwrap();
    assert_eq!(unicef["received"]["currency"], "XOF");
    assert!(
        same_decimal(&unicef["received"]["amount"], "52476560"),
        "{unicef}"
    );

    // The same figures in the CSV exports.
    let csv = get(server, "/export/funding.csv?roadmap=civ").await;
    let row = csv_total(&csv);
    assert_eq!(row["Committed"], "65595699", "{csv}");
    let pledges = get(server, "/export/pledges.csv?roadmap=civ").await;
    let ici_row = pledges.lines().find(|l| l.starts_with("ici,")).unwrap();
    assert!(ici_row.contains("fdn: 80000"), "{ici_row}");
    assert!(
        ici_row.contains("50000.23") && ici_row.contains("29999.77"),
        "{ici_row}"
    );
    let donors = get(server, "/export/donors.csv?roadmap=civ").await;
    let giz = donors.lines().find(|l| l.starts_with("giz,")).unwrap();
    assert!(
        giz.contains("13119140") && giz.contains("65595699"),
        "{giz}"
    );

    // The IATI file keeps the chain: CNLTP's transactions name ICI's activity.
    let xml = get(
        server,
        "/export/pledges.xml?roadmap=civ&reportingOrg=civ-gov&reportingOrgRef=AA-AAA-123456789",
    )
    .await;
    assert!(
        xml.contains("provider-activity-id=\"AA-AAA-123456789-ici\""),
        "{xml}"
    );
    assert!(
        xml.contains("receiver-activity-id=\"AA-AAA-123456789-cnltp\""),
        "{xml}"
    );

    // Unlinking restores the figures exactly.
    for (child, parent) in [("cnltp", "ici"), ("ici", "fdn")] {
        c.mutate_ok(
            "unlinkFunding",
            json!({"pledgeId": child, "fundedByPledgeId": parent, "reason": "test over"}),
            "id",
        )
        .await;
    }
    assert_eq!(
        c.funding("civ", json!({})).await["total"]["committed"]["amount"],
        naive
    );
}
