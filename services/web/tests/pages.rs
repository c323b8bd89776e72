//! The pages and forms in process, over the Côte d'Ivoire demo: sign-in,
//! roles, the dashboard's figures, forms with `commandId` and
//! `expectedVersion`, errors in both languages. (The same in a real browser:
//! tests/browser.)

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{demo, hidden};
use fundtrail_domain::Role;
use fundtrail_web::WebOptions;

#[tokio::test]
async fn pages_need_a_session_and_show_the_read_models_figures() {
    let d = demo(WebOptions::default()).await;
    let (status, headers, _) = d.get("/", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/login?next=%2F");
    let cookie = d.sign_in(&d.token(Role::Viewer).await).await;
    let (status, headers, html) = d.get("/?roadmap=civ-2023", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["server-timing"]
            .to_str()
            .unwrap()
            .starts_with("app;dur=")
    );
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let f = d
        .state
        .read()
        .funding(
            "civ-2023",
            None,
            None,
            None,
            chrono::Utc::now().date_naive(),
        )
        .unwrap();
    let total = f.total.pledged.amount.to_string();
    assert!(
        html.contains(&format!("data-field=\"pledged\" data-amount=\"{total}\"")),
        "total pledged {total}"
    );
    assert!(html.contains("XOF\u{a0}10,000,000"), "English money format");
    assert!(html.contains("<svg"), "the chart");
    // French, by Accept-Language
    let (_, _, fr) = d
        .send(
            Request::get("/?roadmap=civ-2023")
                .header(header::COOKIE, &cookie)
                .header(header::ACCEPT_LANGUAGE, "fr-CI,fr;q=0.9")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(fr.contains("lang=\"fr\""));
    assert!(
        fr.contains("10\u{202f}000\u{202f}000\u{a0}F\u{a0}CFA"),
        "French money format"
    );
    for path in [
        "/donors",
        "/pipeline",
        "/organisations/stc-ci",
        "/pledges/c-stc-kits",
        "/partnerships/pa-cnltp-stc",
        "/pledges/c-ccc-motos",
        "/proposals/pr-irc-bc",
        "/roadmaps/civ-2023",
        "/priorities/civ-2023-p4",
    ] {
        let (status, _, html) = d.get(path, &cookie).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains("</html>"), "{path}");
    }
    assert_eq!(
        d.get("/pledges/nope", &cookie).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_viewer_sees_no_forms_and_an_auditor_the_trail() {
    let d = demo(WebOptions::default()).await;
    let viewer = d.sign_in(&d.token(Role::Viewer).await).await;
    let (_, _, html) = d.get("/pledges/c-stc-kits", &viewer).await;
    assert!(!html.contains("href=\"/new\""));
    assert!(!html.contains("/revise"));
    assert_eq!(d.get("/new/pledge", &viewer).await.0, StatusCode::FORBIDDEN);
    assert_eq!(d.get("/audit", &viewer).await.0, StatusCode::FORBIDDEN);
    let auditor = d.sign_in(&d.token(Role::Auditor).await).await;
    let (status, _, html) = d.get("/audit?verify=1", &auditor).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("data-testid=\"chain-ok\""),
        "the chain is intact"
    );
    assert_eq!(
        d.get("/new/pledge", &auditor).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_form_sent_twice_records_once_and_a_stale_version_is_a_conflict() {
    let d = demo(WebOptions::default()).await;
    let cookie = d.sign_in(&d.token(Role::Officer).await).await;
    let (status, _, form) = d.get("/new/pledge?roadmap=civ-2023", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = hidden(&form, "_csrf");
    let command_id = hidden(&form, "commandId");
    let before = d.state.read().pledges(Some("civ-2023"), None, None).len();
    let fields = [
        ("_csrf", csrf.as_str()),
        ("commandId", command_id.as_str()),
        ("roadmapId", "civ-2023"),
        ("donorId", "giz"),
        ("recipientId", "cnltp"),
        ("kind", "CASH"),
        ("amount", "1 000 000"),
        ("currency", "XOF"),
        ("alloc.civ-2023-p2", "1 000 000"),
        ("pledgedOn", "2023-07-01"),
    ];
    let (first, headers, _) = d.post("/new/pledge", &cookie, &fields).await;
    assert_eq!(first, StatusCode::SEE_OTHER);
    let location = headers[header::LOCATION].to_str().unwrap().to_owned();
    let (again, headers, _) = d.post("/new/pledge", &cookie, &fields).await;
    assert_eq!(again, StatusCode::SEE_OTHER);
    assert_eq!(
        headers[header::LOCATION].to_str().unwrap(),
        location,
        "the same pledge"
    );
    assert_eq!(
        d.state.read().pledges(Some("civ-2023"), None, None).len(),
        before + 1
    );

    // committing with the version seen before someone else's change
    let pledge = location
        .trim_start_matches("/pledges/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let (_, _, form) = d.get(&format!("/pledges/{pledge}/commit"), &cookie).await;
    let stale = hidden(&form, "expectedVersion");
    assert_eq!(stale, "1");
    let commit = |command: &'static str| {
        [
            ("_csrf", csrf.clone()),
            ("commandId", command.to_owned()),
            ("expectedVersion", stale.clone()),
            ("committedOn", "2023-08-01".to_owned()),
        ]
    };
    let revise = [
        ("_csrf", csrf.as_str()),
        ("commandId", "revise-1"),
        ("expectedVersion", "1"),
        ("amount", "2000000"),
        ("currency", "XOF"),
        ("alloc.civ-2023-p2", "2000000"),
        ("revisedOn", "2023-07-15"),
        ("reason", "avenant"),
    ];
    assert_eq!(
        d.post(&format!("/pledges/{pledge}/revise"), &cookie, &revise)
            .await
            .0,
        StatusCode::SEE_OTHER
    );
    let fields = commit("commit-1");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, html) = d
        .post(&format!("/pledges/{pledge}/commit"), &cookie, &pairs)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("data-testid=\"conflict\""));
    assert_eq!(
        hidden(&html, "expectedVersion"),
        "2",
        "the form now carries the version shown"
    );
}

#[tokio::test]
async fn errors_are_shown_beside_their_fields_in_the_readers_language() {
    let d = demo(WebOptions::default()).await;
    let cookie = d.sign_in(&d.token(Role::Admin).await).await;
    let (_, _, form) = d.get("/new/pledge?roadmap=civ-2023", &cookie).await;
    let csrf = hidden(&form, "_csrf");
    let fields = [
        ("_csrf", csrf.as_str()),
        ("commandId", "c-1"),
        ("roadmapId", "civ-2023"),
        ("donorId", "giz"),
        ("recipientId", "cnltp"),
        ("amount", "1000"),
        ("currency", "XOF"),
        ("alloc.civ-2023-p1", "600"),
        ("pledgedOn", "2023-07-01"),
    ];
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let (status, _, html) = d
        .send(
            Request::post("/new/pledge")
                .header(header::COOKIE, &cookie)
                .header(header::ACCEPT_LANGUAGE, "fr")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Rien n'a été enregistré"), "French summary");
    assert!(
        html.contains("id=\"f-alloc-civ-2023-p1-error\""),
        "the domain's allocations error beside the first allocation"
    );
    // a form-level error, in English
    let (status, _, html) = d
        .post(
            "/new/pledge",
            &cookie,
            &[
                ("_csrf", &csrf),
                ("roadmapId", "civ-2023"),
                ("amount", "lots"),
                ("currency", "XOF"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["donorId", "recipientId", "amount", "pledgedOn"] {
        assert!(html.contains(&format!("id=\"f-{field}-error\"")), "{field}");
    }
    // without the form key nothing is done
    assert_eq!(
        d.post("/new/pledge", &cookie, &[("amount", "1")]).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn public_read_and_the_demo_link() {
    let d = demo(WebOptions {
        public_read: true,
        demo: true,
        ..WebOptions::default()
    })
    .await;
    assert_eq!(d.get("/?roadmap=civ-2023", "").await.0, StatusCode::OK);
    assert_eq!(d.get("/new/pledge", "").await.0, StatusCode::SEE_OTHER);
    let token = d.token(Role::Admin).await;
    let path = d.web.one_time_login_path(&token);
    assert!(!path.contains(&token[3..]));
    let (status, headers, _) = d.get(&path, "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(headers.get(header::SET_COOKIE).is_some());
    let (status, headers, _) = d.get(&path, "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/login?used=1", "used once only");
}

/// `back=` and `next=` lead only to this server's pages: a tab (which
/// browsers drop), a backslash or a second slash would lead elsewhere.
#[tokio::test]
async fn redirects_stay_on_this_server() {
    let d = demo(WebOptions::default()).await;
    let token = d.token(Role::Viewer).await;
    for hostile in [
        "/%09/evil.example",
        "/%0d%0a/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let (status, headers, _) = d.get(&format!("/lang/fr?back={hostile}"), "").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{hostile}");
        assert_eq!(headers[header::LOCATION], "/", "back={hostile}");
        let body = format!("token={token}&next={hostile}");
        let (status, headers, _) = d
            .send(
                Request::post("/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{hostile}");
        assert_eq!(headers[header::LOCATION], "/", "next={hostile}");
    }
    // A local page is kept.
    let (_, headers, _) = d
        .get("/lang/fr?back=/donors%3Froadmap%3Dciv-2023", "")
        .await;
    assert_eq!(headers[header::LOCATION], "/donors?roadmap=civ-2023");
}

/// Sign-in attempts are limited (per address and per token tried), so
/// nobody can guess tokens quickly or fill the session store.
#[tokio::test]
async fn sign_in_attempts_are_limited() {
    let d = demo(WebOptions::default()).await;
    let mut statuses = Vec::new();
    for i in 0..(fundtrail_web::SIGN_IN_BURST + 2) {
        let body = format!("token=ft_{i:064}&next=/");
        let (status, headers, _) = d
            .send(
                Request::post("/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert!(headers.contains_key(header::RETRY_AFTER));
        }
        statuses.push(status.as_u16());
    }
    let burst = fundtrail_web::SIGN_IN_BURST as usize;
    assert!(statuses[..burst].iter().all(|s| *s != 429), "{statuses:?}");
    assert_eq!(statuses[burst..], [429, 429], "{statuses:?}");
}

/// The pages and forms take from the caller's budget, the one the API
/// uses too: past it, 429 with `Retry-After`.
#[tokio::test]
async fn pages_are_rate_limited_per_principal() {
    let limiter =
        fundtrail_app::rate_limit::CallerLimiter::new(fundtrail_app::rate_limit::RateLimit {
            per_second: 1,
            burst: 3,
        });
    let d = demo(WebOptions {
        rate_limit: Some(limiter.clone()),
        ..WebOptions::default()
    })
    .await;
    let cookie = d.sign_in(&d.token(Role::Viewer).await).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(d.get("/donors", &cookie).await.0.as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    // The same principal's budget, wherever it is spent.
    let key = fundtrail_app::rate_limit::CallerKey::of(Some("Test VIEWER"), None);
    assert!(
        limiter.check(&key).is_err(),
        "the principal's bucket is empty"
    );
}

/// A pledge form with an amount for another roadmap's priority is refused
/// with an error beside that field (it used to be left out silently).
#[tokio::test]
async fn an_allocation_to_another_roadmaps_priority_is_refused() {
    let d = demo(WebOptions::default()).await;
    let cookie = d.sign_in(&d.token(Role::Officer).await).await;
    let (_, _, form) = d.get("/new/pledge?roadmap=civ-2023", &cookie).await;
    let csrf = hidden(&form, "_csrf");
    let other = d
        .state
        .read()
        .roadmaps()
        .into_iter()
        .map(|r| r.entity.id.as_str().to_owned())
        .find(|id| id != "civ-2023")
        .expect("the demo has a second roadmap");
    let foreign = d.state.read().roadmap_priorities(&other)[0]
        .entity
        .id
        .as_str()
        .to_owned();
    let before = d.state.applied();
    let field = format!("alloc.{foreign}");
    let (status, _, html) = d
        .post(
            "/new/pledge",
            &cookie,
            &[
                ("_csrf", csrf.as_str()),
                ("commandId", "foreign-allocation"),
                ("roadmapId", "civ-2023"),
                ("donorId", "giz"),
                ("recipientId", "cnltp"),
                ("kind", "CASH"),
                ("amount", "1000"),
                ("currency", "XOF"),
                ("alloc.civ-2023-p2", "1000"),
                (field.as_str(), "500"),
                ("pledgedOn", "2023-07-01"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("not one of the pledge") || html.contains("appartient pas"),
        "the error is shown"
    );
    assert_eq!(d.state.applied(), before, "nothing recorded");
}
