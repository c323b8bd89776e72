//! Funding chains in the web workspace (`docs/funding-chains.md`): the forms
//! that link and unlink, the pledge page's facts and diagram (FR/EN), and the
//! attribution filter of the dashboard and the donor map.

mod common;

use axum::http::StatusCode;
use common::demo;
use fundtrail_domain::Role;
use fundtrail_domain::enums::ContributionKind;
use fundtrail_domain::money::{Currency, Money};
use fundtrail_domain::pledge::{AllocationInput, MakePledge, PledgeCommand};
use fundtrail_ledger::{Command, CommandContext};
use fundtrail_web::WebOptions;

fn pledge(id: &str, donor: &str, amount: &str) -> Command {
    Command::Pledge(PledgeCommand::from(MakePledge {
        id: id.into(),
        donor_id: Some(donor.into()),
        recipient_id: Some("cnltp".into()),
        roadmap_id: "civ-2023".into(),
        kind: ContributionKind::Cash,
        amount: Some(Money::new(amount.parse().unwrap(), Currency::XOF)),
        quantity: None,
        items: Vec::new(),
        beneficiaries: Vec::new(),
        status_stated: true,
        source: None,
        allocations: vec![AllocationInput {
            priority_id: "civ-2023-p1".into(),
            amount: amount.parse().unwrap(),
        }],
        priority_ids: Vec::new(),
        pledged_on: Some("2023-06-01".parse().unwrap()),
        proposal_id: None,
        partnership_id: None,
        themes: Vec::new(),
        description: None,
    }))
}

#[tokio::test]
async fn an_officer_links_a_pledge_to_its_funder_and_the_pages_count_it_once() {
    let d = demo(WebOptions::default()).await;
    let by = CommandContext::by("test");
    // A foundation's 20 000 000 F CFA (through GIZ here) and ICI's onward 10 000 000.
    d.state
        .execute(&by, pledge("t-fdn", "giz", "20000000"))
        .await
        .unwrap();
    d.state
        .execute(&by, pledge("t-ici", "ici", "10000000"))
        .await
        .unwrap();
    let total = |d: &common::Demo| {
        d.state
            .read()
            .funding("civ-2023", None, None, None, d.state.clock().today())
            .unwrap()
            .total
            .pledged
    };
    let before = total(&d);
    let officer = d.sign_in_as(Role::Officer).await;
    let page = d.page("/pledges/t-ici", &officer, "en").await;
    assert!(page.contains("/pledges/t-ici/link"), "a link to the form");

    // More than the child: refused, nothing recorded.
    let (status, html) = d
        .send_form(
            "/pledges/t-ici/link",
            &officer,
            &[("fundedByPledgeId", "t-fdn"), ("amount", "10000001")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(d.state.read().funded_by("t-ici").is_empty());
    // No parent chosen: a field error.
    let (status, html) = d
        .send_form("/pledges/t-ici/link", &officer, &[("amount", "100")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("f-fundedByPledgeId-error"), "{html}");

    d.submit(
        "/pledges/t-ici/link",
        &officer,
        &[("fundedByPledgeId", "t-fdn"), ("amount", "10000000")],
    )
    .await;
    // Counted once: the 10 000 000 ICI passes on are not GIZ's again.
    let after = total(&d);
    assert_eq!(
        before.amount - after.amount,
        "10000000".parse().unwrap(),
        "{before} -> {after}"
    );

    let child = d.page("/pledges/t-ici", &officer, "en").await;
    assert!(child.contains("data-field=\"funded-by\""), "{child}");
    assert!(child.contains("data-testid=\"chain\""), "the diagram");
    assert!(child.contains("<svg"), "an SVG diagram");
    assert!(child.contains("Funding chain: who passes money to whom"));
    let parent = d.page("/pledges/t-fdn", &officer, "fr").await;
    assert!(parent.contains("Transmet"), "in French");
    assert!(
        parent.contains("data-field=\"passed-on\" data-amount=\"10000000\""),
        "{parent}"
    );
    assert!(
        parent.contains("data-field=\"kept\" data-amount=\"10000000\""),
        "{parent}"
    );
    assert!(parent.contains("Chaîne de financement"));

    // The dashboard and the donor map offer both attributions.
    let dash = d
        .page(
            "/?roadmap=civ-2023&attribution=ORIGINAL_SOURCE",
            &officer,
            "en",
        )
        .await;
    assert!(
        dash.contains("<option value=\"ORIGINAL_SOURCE\" selected"),
        "{dash}"
    );
    let donors = d
        .page(
            "/donors?roadmap=civ-2023&attribution=ORIGINAL_SOURCE",
            &officer,
            "en",
        )
        .await;
    assert!(donors.contains("<option value=\"ORIGINAL_SOURCE\" selected"));

    // A cancellation of the parent is refused while it funds ICI.
    let (status, html) = d
        .send_form(
            "/pledges/t-fdn/cancel",
            &officer,
            &[("cancelledOn", "2023-07-01"), ("reason", "withdrawn")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("unlink"), "{html}");

    // Unlinking needs a reason, and gives the figures back exactly.
    let (status, _) = d
        .send_form(
            "/pledges/t-ici/unlink",
            &officer,
            &[("fundedByPledgeId", "t-fdn")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    d.submit(
        "/pledges/t-ici/unlink",
        &officer,
        &[("fundedByPledgeId", "t-fdn"), ("reason", "recorded twice")],
    )
    .await;
    assert_eq!(total(&d), before);
    assert!(d.state.read().funded_by("t-ici").is_empty());
}
