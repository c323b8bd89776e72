//! Security issue #17: user text in exports. A CSV cell must not be read as a
//! formula by a spreadsheet (findings 4), and user text must never break the
//! IATI file's XML (finding 8).

mod common;

use std::io::Read;

use common::{Ledger, date, now, valued, xof};

use fundtrail_domain::ids::*;
use fundtrail_domain::money::Currency;
use fundtrail_domain::pledge::*;
use fundtrail_domain::priority::{FundingRequirementSet, PriorityDefined, PriorityEvent};
use fundtrail_domain::roadmap::{RoadmapCreated, RoadmapEvent};
use fundtrail_domain::streams::EntityKind;
use fundtrail_export::{ExportQuery, Format, Kind, export};

const EVIL: &str = r#"=HYPERLINK("http://evil.example","x")"#;

/// A cash pledge of `amount` XOF from `donor` to `gov`, all on priority
/// `p1`, pledged on 2024-01-10 only (so IATI leaves it out until committed).
fn pledge(l: &mut Ledger, id: &str, donor: &str, amount: i64, description: &str) {
    l.pledge(PledgeMade {
        donor_id: Some(OrganisationId::new_unchecked(donor)),
        themes: Vec::new(),
        description: Some(description.into()),
        ..valued(id, amount)
    });
}

/// A roadmap `r` whose priority `p1` needs 100 XOF and gets 150, from a donor named [`EVIL`] whose pledge is described as [`EVIL`].
fn ledger() -> Ledger {
    let mut l = Ledger::default();
    l.org("gov", "Government", None);
    l.org("evil", EVIL, None);
    l.push(
        EntityKind::Roadmap,
        "r",
        RoadmapEvent::from(RoadmapCreated {
            roadmap_id: RoadmapId::new_unchecked("r"),
            country: "CIV".into(),
            title: "Roadmap".into(),
            period_start: date("2024-01-01"),
            period_end: date("2024-12-31"),
            currency: Currency::XOF,
            source: None,
        }),
    );
    l.push(
        EntityKind::Priority,
        "p1",
        PriorityEvent::from(PriorityDefined {
            priority_id: PriorityId::new_unchecked("p1"),
            roadmap_id: RoadmapId::new_unchecked("r"),
            rank: 1,
            title: "@SUM(1+1)".into(),
            source: None,
        }),
    );
    l.push(
        EntityKind::Priority,
        "p1",
        PriorityEvent::from(FundingRequirementSet {
            priority_id: PriorityId::new_unchecked("p1"),
            requirement: xof(100),
            reason: None,
        }),
    );
    pledge(&mut l, "c-evil", "evil", 150, EVIL);
    l
}

fn query() -> ExportQuery {
    let mut q = ExportQuery::new(date("2024-06-01"));
    q.roadmap = Some("r".into());
    q
}

fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

fn column(headers: &[String], name: &str) -> usize {
    headers.iter().position(|h| h == name).unwrap()
}

#[test]
fn csv_text_cells_that_start_a_formula_get_an_apostrophe() {
    let l = ledger();
    let csv = |kind| export(&l.model, kind, &query(), Format::Csv, now()).unwrap();

    // The organisation's name in the donor map.
    let bytes = csv(Kind::Donors);
    let text = String::from_utf8(bytes.clone()).unwrap();
    let (headers, rows) = csv_rows(&bytes);
    let name = &rows[0][column(&headers, "Name")];
    assert_eq!(name, &format!("'{EVIL}"), "{text}");
    // The neutralised field is quoted, its quotes doubled.
    assert!(
        text.contains(r#""'=HYPERLINK(""http://evil.example"",""x"")""#),
        "{text}"
    );

    // The pledge's description.
    let bytes = csv(Kind::Pledges);
    let (headers, rows) = csv_rows(&bytes);
    assert_eq!(rows[0][column(&headers, "Description")], format!("'{EVIL}"));
    assert_eq!(rows[0][column(&headers, "Id")], "c-evil");

    // A priority's title; amounts stay numbers (the read models have no
    // negative amounts to show: the render module's tests write one).
    let bytes = csv(Kind::Funding);
    let text = String::from_utf8(bytes.clone()).unwrap();
    let (headers, rows) = csv_rows(&bytes);
    assert_eq!(rows[0][column(&headers, "Title")], "'@SUM(1+1)", "{text}");
    assert_eq!(rows[0][column(&headers, "Required")], "100", "{text}");
    assert_eq!(rows[0][column(&headers, "Pledged")], "150", "{text}");
}

#[test]
fn json_carries_the_text_as_it_was_recorded() {
    let l = ledger();
    let bytes = export(&l.model, Kind::Donors, &query(), Format::Json, now()).unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(rows[0]["name"], EVIL);
    let bytes = export(&l.model, Kind::Pledges, &query(), Format::Json, now()).unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(rows[0]["description"], EVIL);
}

#[test]
fn xlsx_writes_formula_like_text_as_a_string_cell() {
    let mut l = ledger();
    l.org("calc", "=1+1", None);
    pledge(&mut l, "c-calc", "calc", 10, "=1+1");
    let bytes = export(&l.model, Kind::Donors, &query(), Format::Xlsx, now()).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let sheet = read("xl/worksheets/sheet1.xml");
    let strings = read("xl/sharedStrings.xml");
    // No formula anywhere; the names are shared strings, as recorded.
    assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "{sheet}");
    assert!(sheet.contains(r#"t="s""#), "{sheet}");
    assert!(strings.contains("<t>=1+1</t>"), "{strings}");
    assert!(
        strings.contains("<t>=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)</t>")
            || strings.contains(r#"<t>=HYPERLINK("http://evil.example","x")</t>"#),
        "{strings}"
    );
}

/// Reads the whole file as XML 1.0 requires (comments too), failing on the
/// first error.
fn parse_fully(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_comments = true;
    reader.config_mut().check_end_names = true;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!(
                "not well-formed at {}: {e}\n{xml}",
                reader.buffer_position()
            ),
        }
    }
}

#[test]
fn iati_pledges_left_out_with_dashes_in_their_ids_give_a_file_that_parses() {
    // The domain accepts these ids.
    for id in ["a---b", "a-", "a--"] {
        PledgeId::parse("pledgeId", id).unwrap();
    }
    let mut l = ledger();
    l.commit("c-evil", "2024-02-01");
    // Announced only: no activity date, so left out and listed at the top.
    pledge(&mut l, "a---b", "evil", 10, "--><x>");
    pledge(&mut l, "a-", "evil", 10, "-");
    pledge(&mut l, "a--", "evil", 10, "--");
    let mut q = query();
    q.reporting_org = Some("gov".into());
    q.reporting_org_ref = Some("AA-AAA-123456789".into());
    let bytes = export(&l.model, Kind::Pledges, &q, Format::Iati, now()).unwrap();
    let xml = String::from_utf8(bytes).unwrap();
    parse_fully(&xml);
    let comment = &xml[xml.find("<!--").unwrap() + 4..xml.find("-->").unwrap()];
    assert!(!comment.contains("--"), "{comment}");
    assert!(!comment.ends_with('-'), "{comment}");
    assert!(comment.contains("3 of 4 pledge(s)"), "{comment}");
    assert_eq!(xml.matches("<iati-activity ").count(), 1, "{xml}");
}
