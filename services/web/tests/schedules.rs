//! The expected-tranches form and what the pledge page says of them
//! (`docs/resource-mobilisation.md`), over the Côte d'Ivoire demo.

mod common;

use axum::http::StatusCode;
use common::demo;
use fundtrail_domain::Role;
use fundtrail_web::WebOptions;

#[tokio::test]
async fn an_officer_sets_tranches_and_the_page_shows_what_is_overdue() {
    let d = demo(WebOptions::default()).await;
    let officer = d.sign_in_as(Role::Officer).await;
    // The kits (10,000,000 F CFA), committed.
    d.submit(
        "/pledges/c-stc-kits/commit",
        &officer,
        &[("committedOn", "2023-09-01")],
    )
    .await;
    let page = d.page("/pledges/c-stc-kits", &officer, "en").await;
    assert!(
        page.contains("/pledges/c-stc-kits/tranches"),
        "a link to the form"
    );

    // More than the commitment: refused beside the first amount, nothing recorded.
    let (status, html) = d
        .send_form(
            "/pledges/c-stc-kits/tranches",
            &officer,
            &[
                ("dueOn.0", "2023-10-01"),
                ("amount.0", "4000000"),
                ("dueOn.1", "2099-01-01"),
                ("amount.1", "6000001"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("more than the commitment"), "{html}");
    assert!(
        html.contains("f-amount-0-error"),
        "the error is beside its field"
    );
    // A row with a date and no amount: refused before any command.
    let (status, html) = d
        .send_form(
            "/pledges/c-stc-kits/tranches",
            &officer,
            &[("dueOn.0", "2023-10-01")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("f-amount-0-error"), "{html}");

    d.submit(
        "/pledges/c-stc-kits/tranches",
        &officer,
        &[
            ("dueOn.0", "2099-01-01"),
            ("amount.0", "6000000"),
            ("dueOn.1", "2023-10-01"),
            ("amount.1", "4000000"),
        ],
    )
    .await;
    let p = d
        .state
        .read()
        .pledge("c-stc-kits")
        .expect("the kits")
        .tranches
        .clone();
    assert_eq!(p.len(), 2);
    assert_eq!(
        p[0].due_on.to_string(),
        "2023-10-01",
        "in order of due date"
    );
    // Nothing was disbursed: the 2023 tranche is overdue, the 2099 one is not.
    let fr = d.page("/pledges/c-stc-kits", &officer, "fr").await;
    assert!(fr.contains("Tranches prévues"), "{fr}");
    assert!(
        fr.contains(r#"data-field="overdue" data-amount="4000000""#),
        "{fr}"
    );
    assert!(fr.contains("en retard"));
    assert_eq!(fr.matches(r#"data-overdue="true""#).count(), 1);
    // The priority's forecast, as a chart and as the table it is drawn from.
    let priority = d.page("/priorities/civ-2023-p4", &officer, "en").await;
    assert!(priority.contains("Forecast by quarter"), "{priority}");
    assert!(priority.contains(r#"<svg role="img""#));
    assert!(priority.contains(r#"data-quarter="2023-Q4""#));
    assert!(priority.contains(r#"data-quarter="2099-Q1""#));
    assert_eq!(
        priority.matches("data-quarter=").count(),
        2,
        "75 years apart: only the quarters with a figure"
    );
    let q4 = priority.split(r#"data-quarter="2023-Q4""#).nth(1).unwrap();
    assert!(
        q4.contains("4,000,000") || q4.contains("4 000 000"),
        "the 2023 tranche: {q4}"
    );

    // Changing the schedule needs a reason; the form shows the rows set.
    let form = d.page("/pledges/c-stc-kits/tranches", &officer, "en").await;
    assert!(
        form.contains(r#"value="2099-01-01""#),
        "the rows set are filled in"
    );
    let (status, html) = d
        .send_form(
            "/pledges/c-stc-kits/tranches",
            &officer,
            &[("dueOn.0", "2024-06-30"), ("amount.0", "10000000")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("f-reason-error"), "{html}");
    d.submit(
        "/pledges/c-stc-kits/tranches",
        &officer,
        &[
            ("dueOn.0", "2024-06-30"),
            ("amount.0", "10000000"),
            ("reason", "Le bailleur a regroupé les versements."),
        ],
    )
    .await;
    let history = d.page("/pledges/c-stc-kits", &officer, "fr").await;
    assert!(history.contains("Échéancier des décaissements fixé"));
    assert!(history.contains("Le bailleur a regroupé les versements."));
}
