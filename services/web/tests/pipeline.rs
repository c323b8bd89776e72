//! The donor pipeline page and the form that moves an approach on
//! (issue #14), over the Côte d'Ivoire demo's prospects.

mod common;

use axum::http::StatusCode;
use common::demo;
use fundtrail_domain::Role;
use fundtrail_domain::enums::ProspectStage;
use fundtrail_web::WebOptions;

#[tokio::test]
async fn an_officer_moves_a_prospect_to_a_pledge_and_the_pipeline_counts_it() {
    let d = demo(WebOptions::default()).await;
    let officer = d.sign_in_as(Role::Officer).await;
    let page = d.page("/pipeline", &officer, "fr").await;
    assert!(page.contains("Bailleurs à approcher"), "{page}");
    // The report's four 2023 prospects, identified, none with an amount.
    assert!(page.contains(r#"id="prospect-pp-afdb-2023" data-stage="IDENTIFIED""#));
    assert!(page.contains("les fondations"));
    assert!(
        page.contains("+ 4 sans montant indiqué"),
        "unknown hopes counted apart"
    );
    assert!(page.contains("aucun décidé pour l'instant"));

    // In discussion, hoping for 50 million F CFA.
    d.submit(
        "/prospects/pp-afdb-2023/advance",
        &officer,
        &[
            ("stage", "IN_DISCUSSION"),
            ("reason", "Rencontre avec la BAD à Abidjan"),
            ("expectedAmount", "50000000"),
            ("currency", "XOF"),
            ("owner", "Awa"),
        ],
    )
    .await;
    // Back on the way: refused beside the stage, nothing recorded.
    let (status, html) = d
        .send_form(
            "/prospects/pp-afdb-2023/advance",
            &officer,
            &[("stage", "CONTACTED"), ("reason", "erreur")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    // PLEDGED names the pledge it became.
    let (status, html) = d
        .send_form(
            "/prospects/pp-afdb-2023/advance",
            &officer,
            &[("stage", "PLEDGED"), ("reason", "Accord obtenu")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("f-pledgeId-error"), "{html}");
    d.submit(
        "/prospects/pp-afdb-2023/advance",
        &officer,
        &[
            ("stage", "PLEDGED"),
            ("reason", "Accord obtenu"),
            ("pledgeId", "c-stc-kits"),
        ],
    )
    .await;
    let p = d.state.read().prospect("pp-afdb-2023").unwrap().clone();
    assert_eq!(p.stage, ProspectStage::Pledged);
    assert_eq!(p.moves.len(), 2);
    assert_eq!(p.owner.as_deref(), Some("Awa"));

    let page = d.page("/pipeline", &officer, "en").await;
    assert!(page.contains(r#"data-field="converted">1<"#), "{page}");
    assert!(page.contains("100"), "one decided, one converted");
    assert!(page.contains("/pledges/c-stc-kits"), "what it became");
    // A viewer sees the pipeline, not the form's link.
    let viewer = d.sign_in_as(Role::Viewer).await;
    let page = d.page("/pipeline", &viewer, "en").await;
    assert!(!page.contains("/advance"));
}

#[tokio::test]
async fn the_worklist_says_what_to_complete_and_the_dashboard_counts_it() {
    let d = demo(WebOptions::default()).await;
    let officer = d.sign_in_as(Role::Officer).await;
    let page = d.page("/worklist?roadmap=civ-2023", &officer, "fr").await;
    assert!(
        page.contains("Priorités sans besoin de financement"),
        "{page}"
    );
    let priorities_without = |html: &str| -> usize {
        let at = html
            .find(r#"data-kind="NO_REQUIREMENT""#)
            .expect("the priorities' section");
        html[at..].matches("/requirement").count()
    };
    assert_eq!(
        priorities_without(&page),
        4,
        "the 2023 roadmap's four priorities"
    );
    let dashboard = d.page("/?roadmap=civ-2023", &officer, "fr").await;
    assert!(dashboard.contains(r#"data-testid="todo""#));
    assert!(dashboard.contains(r#"data-kind="NO_REQUIREMENT""#));

    d.submit(
        "/priorities/civ-2023-p1/requirement",
        &officer,
        &[("amount", "80000000"), ("currency", "XOF")],
    )
    .await;
    let page = d.page("/worklist?roadmap=civ-2023", &officer, "fr").await;
    assert_eq!(priorities_without(&page), 3, "one requirement set");
    // Only what I follow: nothing yet.
    let mine = d
        .page("/worklist?roadmap=civ-2023&mine=1", &officer, "en")
        .await;
    assert!(mine.contains("Nothing to do."), "{mine}");
}

#[tokio::test]
async fn an_officer_sets_the_roadmaps_ageing_periods_through_the_form() {
    let d = demo(WebOptions::default()).await;
    let officer = d.sign_in_as(Role::Officer).await;
    let page = d.page("/roadmaps/civ-2023", &officer, "en").await;
    assert!(page.contains("/roadmaps/civ-2023/ageing"), "{page}");
    assert!(page.contains("90 days (announcements)"), "the default");
    let form = d.page("/roadmaps/civ-2023/ageing", &officer, "fr").await;
    assert!(form.contains("Délais de relance"), "{form}");

    // Out of range: refused, with the field named, nothing recorded.
    let (status, html) = d
        .send_form(
            "/roadmaps/civ-2023/ageing",
            &officer,
            &[("pledgeDays", "0"), ("proposalDays", "60")],
        )
        .await;
    assert_ne!(status, StatusCode::SEE_OTHER);
    assert!(html.contains("from 1 to 3650"), "{html}");
    let page = d.page("/roadmaps/civ-2023", &officer, "en").await;
    assert!(page.contains("90 days (announcements)"), "unchanged");

    d.submit(
        "/roadmaps/civ-2023/ageing",
        &officer,
        &[
            ("pledgeDays", "45"),
            ("proposalDays", "60"),
            ("reason", "Comité de pilotage"),
        ],
    )
    .await;
    let page = d.page("/roadmaps/civ-2023", &officer, "en").await;
    assert!(
        page.contains("45 days (announcements), 60 days (proposals)"),
        "{page}"
    );
    assert!(page.contains("Ageing periods set"), "the history says it");
}
