//! Exports of the demo ledger: the CSV figures are the read model's, the XLSX
//! file is a workbook with real numbers, and `GET /export/...` answers with
//! the right types and refuses bad input.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use fundtrail_api::{ServeOptions, build_schema, router};
use fundtrail_app::{AppState, Limits};
use fundtrail_domain::money::Currency;
use fundtrail_export::{self as export, ExportQuery, Format, Kind, Lang};
use fundtrail_import::{DEMO, DEMO_FILE_NAME, apply, plan};
use fundtrail_store::EventStore;
use fundtrail_store_sqlite::SqliteStore;
use rust_decimal::Decimal;
use tower::ServiceExt;

/// An earlier extraction of the report, dated, valued and with statuses
/// the report does not state: a test fixture (not the report), for what
/// needs dates (IATI activities).
const FIXTURE: &str = include_str!("../../import/tests/fixtures/corrections-base.yaml");

async fn ledger(file_name: &str, text: &str) -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let state = AppState::start(store, Limits::default()).await.unwrap();
    let plan = plan(file_name, text).unwrap();
    let summary = apply(&state, &plan, |_, _| {}).await.unwrap();
    assert!(summary.is_complete(), "{summary:?}");
    (dir, state)
}

/// The demo: the report as it is (ops/demo/civ-2023.yaml).
async fn demo() -> (tempfile::TempDir, AppState) {
    ledger(DEMO_FILE_NAME, DEMO).await
}

/// The fixture ledger.
async fn fixture() -> (tempfile::TempDir, AppState) {
    ledger("corrections-base.yaml", FIXTURE).await
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
}

fn query(roadmap: &str, currency: Option<Currency>, lang: Lang) -> ExportQuery {
    ExportQuery {
        roadmap: Some(roadmap.into()),
        currency,
        lang,
        ..ExportQuery::new(today())
    }
}

fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (headers, rows)
}

fn amount(cell: &str) -> Option<Decimal> {
    (!cell.is_empty()).then(|| cell.parse().unwrap())
}

#[tokio::test]
async fn csv_funding_figures_are_the_read_models() {
    let (_dir, state) = demo().await;
    for currency in [None, Some(Currency::EUR)] {
        let q = query("civ-2023", currency, Lang::En);
        let bytes = export::export(
            &state.read(),
            Kind::Funding,
            &q,
            Format::Csv,
            chrono::Utc::now(),
        )
        .unwrap();
        let (headers, rows) = csv_rows(&bytes);
        assert_eq!(headers[0], "Rank");
        assert_eq!(headers[4], "Pledged");
        let f = state
            .read()
            .funding("civ-2023", currency, None, None, today())
            .unwrap();
        assert_eq!(rows.len(), f.priorities.len() + 2);
        let lines = f
            .priorities
            .iter()
            .map(|p| (p.priority_id.as_str(), &p.line))
            .chain([("Unallocated", &f.unallocated), ("Total", &f.total)]);
        for (row, (id, line)) in rows.iter().zip(lines) {
            assert_eq!(row[1], id);
            assert_eq!(amount(&row[3]), line.required.as_ref().map(|m| m.amount));
            assert_eq!(amount(&row[4]), Some(line.pledged.amount));
            assert_eq!(amount(&row[5]), Some(line.committed.amount));
            assert_eq!(amount(&row[6]), Some(line.disbursed.amount));
            assert_eq!(amount(&row[7]), line.gap.as_ref().map(|m| m.amount));
            assert_eq!(amount(&row[8]), line.coverage);
            assert_eq!(row[9], line.unvalued_count.to_string());
            assert_eq!(row[10], f.currency.code());
        }
    }
    // French headers, same figures.
    let q = query("civ-2023", None, Lang::Fr);
    let bytes = export::export(
        &state.read(),
        Kind::Funding,
        &q,
        Format::Csv,
        chrono::Utc::now(),
    )
    .unwrap();
    let (headers, rows) = csv_rows(&bytes);
    assert_eq!(headers[1], "Priorité");
    assert_eq!(rows.last().unwrap()[4], "10000000");
}

#[tokio::test]
async fn every_table_exports_in_every_format() {
    let (_dir, state) = demo().await;
    let q = query("civ-2023", None, Lang::En);
    for kind in [
        Kind::Funding,
        Kind::Pledges,
        Kind::Partnerships,
        Kind::Proposals,
        Kind::Donors,
    ] {
        for format in [Format::Csv, Format::Json, Format::Xlsx] {
            let bytes =
                export::export(&state.read(), kind, &q, format, chrono::Utc::now()).unwrap();
            assert!(!bytes.is_empty(), "{kind} {format:?}");
        }
    }
    let pledges = export::export(
        &state.read(),
        Kind::Pledges,
        &q,
        Format::Json,
        chrono::Utc::now(),
    )
    .unwrap();
    let pledges: serde_json::Value = serde_json::from_slice(&pledges).unwrap();
    let pledges = pledges.as_array().unwrap();
    // One row per contribution of the file, as the read model holds them.
    let contributions = plan(DEMO_FILE_NAME, DEMO)
        .unwrap()
        .steps
        .iter()
        .filter(|s| s.step == "pledge")
        .count();
    assert!(contributions > 1);
    assert_eq!(pledges.len(), contributions);
    assert_eq!(
        pledges.len(),
        state.read().pledges(Some("civ-2023"), None, None).len()
    );
    // The report states no status and values only the kits: unknowns stay
    // unknown (null), and every row cites the report.
    for p in pledges {
        let id = &p["id"];
        assert!(p["status"].is_null(), "{id}: {}", p["status"]);
        assert!(!p["donor"].is_null() || !p["recipient"].is_null(), "{id}");
        assert_eq!(p["sourceDocument"], "civ-2023-report", "{id}");
        assert!(
            p["sourceQuote"].as_str().is_some_and(|q| !q.is_empty()),
            "{id}"
        );
        if p["id"] != "c-stc-kits" {
            assert!(p["amount"].is_null(), "{id}: {}", p["amount"]);
        }
    }
    let kits = pledges.iter().find(|p| p["id"] == "c-stc-kits").unwrap();
    assert_eq!(kits["amount"], "10000000");
    assert_eq!(kits["currency"], "XOF");
    assert_eq!(kits["donor"], "stc-ci");
    // « Appui de l'ONG Save the Children »: to whom, the report does not say.
    assert!(kits["recipient"].is_null(), "{}", kits["recipient"]);
    let motos = pledges.iter().find(|p| p["id"] == "c-ccc-motos").unwrap();
    assert!(motos["donor"].is_null(), "{}", motos["donor"]);
    assert_eq!(motos["pledgedOn"], "2023-08-24");
    assert!(motos["committedOn"].is_null(), "{}", motos["committedOn"]);
}

fn unzip(bytes: &[u8]) -> HashMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut text = String::new();
            file.read_to_string(&mut text).unwrap();
            (file.name().unwrap().to_string(), text)
        })
        .collect()
}

#[tokio::test]
async fn xlsx_is_a_workbook_with_number_cells() {
    let (_dir, state) = demo().await;
    let q = query("civ-2023", None, Lang::Fr);
    let bytes = export::export(
        &state.read(),
        Kind::Funding,
        &q,
        Format::Xlsx,
        chrono::Utc::now(),
    )
    .unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let files = unzip(&bytes);
    assert!(files["xl/workbook.xml"].contains(r#"name="Financement""#));
    // The total pledged is a number cell, formatted in F CFA.
    let sheet = &files["xl/worksheets/sheet1.xml"];
    assert!(sheet.contains("<v>10000000</v>"), "{sheet}");
    assert!(files["xl/styles.xml"].contains("F CFA"));
    assert!(files["xl/styles.xml"].contains("<b/>"));

    let q = query("civ-2023", Some(Currency::EUR), Lang::En);
    let bytes = export::export(
        &state.read(),
        Kind::Donors,
        &q,
        Format::Xlsx,
        chrono::Utc::now(),
    )
    .unwrap();
    let files = unzip(&bytes);
    assert!(files["xl/workbook.xml"].contains(r#"name="Donors""#));
    assert!(files["xl/styles.xml"].contains("#,##0.00 &quot;EUR&quot;"));
}

#[test]
fn money_formats() {
    assert_eq!(export::money_format(Currency::XOF), r##"#,##0 "F CFA""##);
    assert_eq!(export::money_format(Currency::EUR), r##"#,##0.00 "EUR""##);
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, HashMap<String, String>, Vec<u8>) {
    // a transparency portal: anonymous reads allowed
    let options = ServeOptions {
        auth: fundtrail_app::auth::AuthPolicy { public_read: true },
        ..ServeOptions::default()
    };
    let app = router(build_schema(state.clone()), state.clone(), options);
    let response = app
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    (status, headers, body)
}

#[tokio::test]
async fn http_exports_answer_with_the_right_types() {
    let (_dir, state) = demo().await;
    let ct = header::CONTENT_TYPE.as_str();
    let cd = header::CONTENT_DISPOSITION.as_str();

    let (status, headers, body) = get(&state, "/export/funding.csv?roadmap=civ-2023").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[ct], "text/csv; charset=utf-8");
    assert_eq!(
        headers[cd],
        r#"attachment; filename="funding-civ-2023.csv""#
    );
    let (_, rows) = csv_rows(&body);
    assert_eq!(rows.last().unwrap()[4], "10000000");

    let (status, headers, body) = get(
        &state,
        "/export/funding.json?roadmap=civ-2023&currency=EUR&lang=fr",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[ct], "application/json; charset=utf-8");
    let rows: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(rows.as_array().unwrap().last().unwrap()["currency"], "EUR");

    let (status, headers, body) = get(&state, "/export/funding.xlsx?roadmap=civ-2023").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[ct],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(headers[cd].contains("funding-civ-2023.xlsx"));
    assert_eq!(&body[..2], b"PK");

    for (uri, content_type) in [
        ("/export/pledges.csv", "text/csv; charset=utf-8"),
        (
            "/export/partnerships.json",
            "application/json; charset=utf-8",
        ),
        ("/export/proposals.csv?lang=fr", "text/csv; charset=utf-8"),
        (
            "/export/donors.csv?roadmap=civ-2023",
            "text/csv; charset=utf-8",
        ),
    ] {
        let (status, headers, _) = get(&state, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(headers[ct], content_type, "{uri}");
    }
}

#[tokio::test]
async fn http_exports_refuse_bad_input() {
    let (_dir, state) = demo().await;
    for uri in [
        "/export/funding.csv",
        "/export/funding.csv?roadmap=civ-2023&currency=eur",
        "/export/funding.csv?roadmap=civ-2023&currency=XAU",
        "/export/funding.csv?roadmap=civ-2023&asOf=yesterday",
        "/export/funding.csv?roadmap=civ-2023&on=2024-13-01",
        "/export/funding.csv?roadmap=civ-2023&lang=de",
        "/export/funding.csv?roadmap=civ-2023&colour=red",
    ] {
        let (status, headers, body) = get(&state, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(headers["content-type"].starts_with("text/plain"), "{uri}");
        assert!(!body.is_empty(), "{uri}");
    }
    for uri in [
        "/export/funding.csv?roadmap=nowhere",
        "/export/pledges.json?roadmap=nowhere",
        "/export/donors.xlsx?roadmap=nowhere",
        "/export/budgets.csv",
        "/export/funding.pdf?roadmap=civ-2023",
        "/export/funding",
    ] {
        let (status, _, body) = get(&state, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!body.is_empty(), "{uri}");
    }
}

// ---- IATI activity XML (docs/iati.md) ----

#[tokio::test]
async fn http_pledges_xml_is_iati_activity_xml() {
    const REF: &str = "AA-AAA-123456789";
    let uri = format!(
        "/export/pledges.xml?roadmap=civ-2023&lang=fr&reportingOrg=cnltp&reportingOrgRef={REF}"
    );
    // The report dates no commitment and no disbursement: no IATI activity
    // can be made of the demo without inventing a date, and the answer says
    // why, pledge by pledge.
    let (_dir, state) = demo().await;
    let (status, headers, body) = get(&state, &uri).await;
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(headers["content-type"].starts_with("text/plain"));
    assert!(body.contains("no pledge can be published"), "{body}");
    assert!(
        body.contains("c-ccc-motos: status not stated by the source"),
        "{body}"
    );

    // A ledger with a dated pledge (the fixture): one activity.
    let (_dir, state) = fixture().await;
    let (status, headers, body) = get(&state, &uri).await;
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        headers[header::CONTENT_TYPE.as_str()],
        "application/xml; charset=utf-8"
    );
    assert_eq!(
        headers[header::CONTENT_DISPOSITION.as_str()],
        r#"attachment; filename="pledges-civ-2023.xml""#
    );
    assert!(
        body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" generated-datetime=\""),
        "{body}"
    );
    assert!(body.contains(&format!(
        "<iati-identifier>{REF}-c-ccc-motos</iati-identifier>"
    )));
    assert!(body.contains("<iati-activity xml:lang=\"fr\">"));
    assert_eq!(body.matches("<iati-activity ").count(), 1);
}

#[tokio::test]
async fn http_pledges_xml_refusals() {
    const REF: &str = "AA-AAA-123456789";
    let (_dir, state) = demo().await;
    let iati = format!("reportingOrg=cnltp&reportingOrgRef={REF}");
    for (uri, status, message) in [
        (
            "/export/pledges.xml?reportingOrg=cnltp".to_owned(),
            StatusCode::BAD_REQUEST,
            "needs reportingOrgRef",
        ),
        (
            format!("/export/pledges.xml?reportingOrgRef={REF}"),
            StatusCode::BAD_REQUEST,
            "needs reportingOrg",
        ),
        (
            "/export/pledges.xml?reportingOrg=cnltp&reportingOrgRef=a%2Fb".to_owned(),
            StatusCode::BAD_REQUEST,
            "not an IATI organisation identifier",
        ),
        (
            format!("/export/funding.xml?roadmap=civ-2023&{iati}"),
            StatusCode::BAD_REQUEST,
            "made from pledges",
        ),
        (
            format!("/export/pledges.xml?asOf=2024-01-01T00:00:00Z&{iati}"),
            StatusCode::BAD_REQUEST,
            "do not apply",
        ),
        (
            format!("/export/pledges.xml?reportingOrg=nobody&reportingOrgRef={REF}"),
            StatusCode::NOT_FOUND,
            "organisation nobody not found",
        ),
        (
            format!("/export/pledges.xml?roadmap=nowhere&{iati}"),
            StatusCode::NOT_FOUND,
            "roadmap nowhere not found",
        ),
        // The 2024 roadmap has no pledge yet: an IATI file needs an activity.
        (
            format!("/export/pledges.xml?roadmap=civ-2024&{iati}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no pledge can be published",
        ),
    ] {
        let (got, headers, body) = get(&state, &uri).await;
        let body = String::from_utf8(body).unwrap();
        assert_eq!(got, status, "{uri}: {body}");
        assert!(headers["content-type"].starts_with("text/plain"), "{uri}");
        assert!(body.contains(message), "{uri}: {body}");
    }
}
