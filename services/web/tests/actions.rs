//! The actions of a roadmap on the web (issue #14): recorded through the
//! form on the roadmap's page, following up one of the report's next steps,
//! moved on by the status form, and listed on the worklist while due.

mod common;

use axum::http::StatusCode;
use common::demo;
use fundtrail_domain::Role;
use fundtrail_domain::enums::{ActionStatus, ActionSubject};
use fundtrail_web::WebOptions;

#[tokio::test]
async fn an_officer_records_an_action_on_a_next_step_and_marks_it_done() {
    let d = demo(WebOptions::default()).await;
    let officer = d.sign_in_as(Role::Officer).await;
    let page = d.page("/roadmaps/civ-2023", &officer, "fr").await;
    assert!(
        page.contains("/roadmaps/civ-2023/actions/new"),
        "the page links to the form"
    );
    let form = d
        .page(
            "/roadmaps/civ-2023/actions/new?about=NEXT_STEP:civ-2023-s2",
            &officer,
            "fr",
        )
        .await;
    assert!(
        form.contains(r#"value="NEXT_STEP:civ-2023-s2" selected"#),
        "the next step is chosen from the link: {form}"
    );

    // No title: refused beside it, nothing recorded.
    let (status, html) = d
        .send_form(
            "/roadmaps/civ-2023/actions/new",
            &officer,
            &[("title", " "), ("about", "NEXT_STEP:civ-2023-s2")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("f-title-error"), "{html}");
    // Another roadmap's next step cannot be followed up here.
    let (status, html) = d
        .send_form(
            "/roadmaps/civ-2023/actions/new",
            &officer,
            &[("title", "t"), ("about", "NEXT_STEP:nowhere")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("f-about-error"), "{html}");
    assert!(
        d.state.read().actions(&Default::default()).is_empty(),
        "nothing recorded"
    );

    let due = (chrono::Utc::now().date_naive() + chrono::TimeDelta::days(7)).to_string();
    d.submit(
        "/roadmaps/civ-2023/actions/new",
        &officer,
        &[
            ("title", "Former les agents à la collecte des données"),
            ("owner", "Awa"),
            ("dueOn", &due),
            ("about", "NEXT_STEP:civ-2023-s2"),
        ],
    )
    .await;
    let action = {
        let model = d.state.read();
        let all = model.actions(&Default::default());
        assert_eq!(all.len(), 1);
        all[0].clone()
    };
    assert_eq!(action.status, ActionStatus::Planned);
    assert_eq!(action.owner.as_deref(), Some("Awa"));
    assert_eq!(action.about.as_ref().unwrap().kind, ActionSubject::NextStep);
    let id = action.id.as_str().to_owned();

    let page = d.page("/roadmaps/civ-2023", &officer, "fr").await;
    assert!(page.contains(&format!(r#"id="action-{id}""#)), "{page}");
    assert!(page.contains("Former les agents"));
    assert!(page.contains(r#"data-field="status" data-value="PLANNED""#));
    // Due in a week: on the worklist, with the form that resolves it.
    let work = d.page("/worklist", &officer, "en").await;
    assert!(work.contains(&format!("/actions/{id}/status")), "{work}");

    d.submit(
        &format!("/actions/{id}/status"),
        &officer,
        &[("status", "DONE"), ("on", "2024-03-01")],
    )
    .await;
    let page = d.page("/roadmaps/civ-2023", &officer, "en").await;
    assert!(
        page.contains(r#"data-field="status" data-value="DONE""#),
        "{page}"
    );
    let work = d.page("/worklist", &officer, "en").await;
    assert!(
        !work.contains(&format!("/actions/{id}/status")),
        "done: off the list"
    );
    // Reopening needs a reason.
    let (status, html) = d
        .send_form(
            &format!("/actions/{id}/status"),
            &officer,
            &[("status", "IN_PROGRESS")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("f-reason-error"), "{html}");

    // A viewer reads the actions, without the forms.
    let viewer = d.sign_in_as(Role::Viewer).await;
    let page = d.page("/roadmaps/civ-2023", &viewer, "en").await;
    assert!(page.contains("Former les agents"));
    assert!(!page.contains(&format!("/actions/{id}/status")));
    assert!(!page.contains("/actions/new"));
}
