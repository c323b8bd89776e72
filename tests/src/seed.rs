//! What most tests start from: organisations, the Côte d'Ivoire roadmap
//! (reporting in XOF) with two priorities and their requirements, and a
//! second roadmap to check that figures stay apart.

use serde_json::{Value, json};

use crate::client::Client;

/// The fields of a pledge the tests look at.
pub const PLEDGE_FIELDS: &str = "id version status kind unvalued amount { amount currency } \
    quantity { count unit } allocations { priority { id } amount { amount currency } } \
    priorities { id } pledgedOn committedOn cancelledOn disbursed { amount currency } \
    disbursements { amount { amount currency } disbursedOn } description themes \
    donor { id } recipient { id } roadmap { id } \
    history { version type actor commandId hash recordedAt }";

/// The organisations: (id, name, acronym, kind, country).
pub const ORGANISATIONS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "giz",
        "Deutsche Gesellschaft für Internationale Zusammenarbeit",
        "GIZ",
        "BILATERAL_AGENCY",
        "DEU",
    ),
    (
        "unicef",
        "United Nations Children's Fund",
        "UNICEF",
        "UN_AGENCY",
        "USA",
    ),
    (
        "ilo",
        "International Labour Organization",
        "ILO",
        "UN_AGENCY",
        "CHE",
    ),
    (
        "civ-gov",
        "Gouvernement de Côte d'Ivoire",
        "CIV",
        "GOVERNMENT",
        "CIV",
    ),
    (
        "sci",
        "Save the Children International",
        "SCI",
        "INTERNATIONAL_NGO",
        "GBR",
    ),
];

pub async fn organisations(c: &Client) {
    for (id, name, acronym, kind, country) in ORGANISATIONS {
        c.mutate_ok(
            "registerOrganisation",
            json!({ "id": id, "name": name, "acronym": acronym, "kind": kind, "country": country }),
            "id",
        )
        .await;
    }
}

/// Roadmap `civ` (XOF, 2023-2025) with `civ-p1` (rank 1, 10,000,000 XOF
/// required) and `civ-p2` (rank 2, 5,000,000 XOF required); roadmap `gha`
/// (EUR) with `gha-p1` (no requirement).
pub async fn roadmaps(c: &Client) {
    c.mutate_ok(
        "createRoadmap",
        json!({ "id": "civ", "country": "CIV", "title": "Feuille de route 8.7",
                "periodStart": "2023-01-01", "periodEnd": "2025-12-31", "currency": "XOF" }),
        "id",
    )
    .await;
    for (id, rank, title, required) in [
        ("civ-p1", 1, "Coordination", "10000000"),
        ("civ-p2", 2, "Monitoring and data", "5000000"),
    ] {
        c.mutate_ok(
            "definePriority",
            json!({ "id": id, "roadmapId": "civ", "rank": rank, "title": title }),
            "id",
        )
        .await;
        c.mutate_ok(
            "setFundingRequirement",
            json!({ "priorityId": id, "amount": { "amount": required, "currency": "XOF" } }),
            "id",
        )
        .await;
    }
    c.mutate_ok(
        "createRoadmap",
        json!({ "id": "gha", "country": "GHA", "title": "Ghana roadmap",
                "periodStart": "2024-01-01", "periodEnd": "2026-12-31", "currency": "EUR" }),
        "id",
    )
    .await;
    c.mutate_ok(
        "definePriority",
        json!({ "id": "gha-p1", "roadmapId": "gha", "rank": 1, "title": "Coordination" }),
        "id",
    )
    .await;
}

/// Organisations and roadmaps.
pub async fn world(c: &Client) {
    organisations(c).await;
    roadmaps(c).await;
}

/// A cash pledge of `amount` (`"10000"`) in `currency` to roadmap `civ`,
/// allocated as given (priority, amount), pledged on `on`.
pub fn cash_pledge(
    id: &str,
    donor: &str,
    amount: &str,
    currency: &str,
    allocations: &[(&str, &str)],
    on: &str,
) -> Value {
    json!({
        "id": id,
        "donorId": donor,
        "recipientId": "civ-gov",
        "roadmapId": "civ",
        "kind": "CASH",
        "amount": { "amount": amount, "currency": currency },
        "allocations": allocations
            .iter()
            .map(|(p, a)| json!({ "priorityId": p, "amount": a }))
            .collect::<Vec<_>>(),
        "pledgedOn": on,
    })
}

/// Makes the pledge; returns it with [`PLEDGE_FIELDS`].
pub async fn pledge(c: &Client, input: Value) -> Value {
    c.mutate_ok("pledge", input, PLEDGE_FIELDS).await
}

pub async fn commit(c: &Client, pledge_id: &str, on: &str) -> Value {
    c.mutate_ok(
        "commitPledge",
        json!({ "pledgeId": pledge_id, "committedOn": on }),
        PLEDGE_FIELDS,
    )
    .await
}

pub async fn disburse(c: &Client, pledge_id: &str, amount: &str, on: &str) -> Value {
    c.mutate_ok(
        "recordDisbursement",
        json!({ "pledgeId": pledge_id, "amount": amount, "disbursedOn": on }),
        PLEDGE_FIELDS,
    )
    .await
}
