//! Whatever the ledger's text (ids, names, descriptions), the IATI file is
//! well-formed XML 1.0: comments hold no `--` and do not end with `-`,
//! elements close, attributes parse and no character XML 1.0 forbids
//! appears (security issue #17, finding 8). No fuzz target covers the IATI
//! writer, so this property test does.

use chrono::NaiveDate;
use fundtrail_domain::money::{Currency, Money};
use fundtrail_export::iati::*;
use proptest::prelude::*;
use quick_xml::events::Event;
use rust_decimal::Decimal;

/// Text made of the pieces that break XML when written carelessly, and of
/// any character at all.
fn nasty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("-".to_owned()),
        Just("--".to_owned()),
        Just("---".to_owned()),
        Just("]]>".to_owned()),
        Just("<!--".to_owned()),
        Just("-->".to_owned()),
        Just("<![CDATA[".to_owned()),
        Just("&amp;".to_owned()),
        Just("&".to_owned()),
        Just("<".to_owned()),
        Just("\"'".to_owned()),
        Just("\u{0}\u{1}\u{8}\u{b}\u{1f}\u{7f}\u{fffe}\u{ffff}".to_owned()),
        Just("\r\n\t".to_owned()),
        "[a-z0-9._-]{1,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..10).prop_map(|p| p.concat())
}

fn org(name: String) -> Org {
    Org {
        reference: None,
        org_type: Some("21"),
        name,
    }
}

fn document(
    ids: Vec<String>,
    names: Vec<String>,
    text: String,
    omitted: Vec<(String, String)>,
) -> Document {
    let date = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
    let name = |i: usize| names.get(i).cloned().unwrap_or_default();
    let activities = ids
        .iter()
        .enumerate()
        .map(|(i, id)| Activity {
            identifier: format!("AA-AAA-1-{id}"),
            lang: "en",
            default_currency: Some(Currency::XOF),
            reporting_org: ReportingOrg {
                reference: "AA-AAA-1".into(),
                org_type: "10",
                name: format!("R{}", name(i)),
                secondary_reporter: false,
            },
            title: vec![Narrative::recorded(text.clone())],
            descriptions: vec![Description {
                kind: DescriptionType::General,
                narratives: vec![Narrative::recorded(text.clone())],
            }],
            participating_orgs: vec![ParticipatingOrg {
                role: OrgRole::Funding,
                org: org(name(i + 1)),
            }],
            internal_id: Some(id.clone()),
            status: ActivityStatus::Implementation,
            dates: vec![(DateType::ActualStart, date)],
            recipient_country: Some("CI"),
            sectors: Vec::new(),
            tags: Vec::new(),
            transactions: vec![Transaction {
                kind: TransactionType::IncomingCommitment,
                date,
                value: Money::new(Decimal::from(5), Currency::XOF),
                value_date: date,
                description: vec![Narrative::recorded(text.clone())],
                provider: Some(org(name(i + 2))),
                receiver: Some(Org {
                    reference: Some(id.clone()),
                    org_type: None,
                    name: name(i + 3),
                }),
                // a funding chain's activity ids are user text in attributes
                provider_activity: Some(format!("XM-{id}")),
                receiver_activity: Some(id.clone()),
            }],
        })
        .collect();
    Document {
        generated: "2024-06-01T12:00:00Z".parse().unwrap(),
        activities,
        omitted: omitted
            .into_iter()
            .map(|(pledge_id, reason)| Omitted { pledge_id, reason })
            .collect(),
    }
}

/// Reads the whole file, checking comments, end names and attributes.
fn well_formed(xml: &str) -> Result<(), String> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    if let Some(c) = xml.chars().find(|c| !allowed(*c)) {
        return Err(format!("character {c:?} is not allowed in XML 1.0"));
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_comments = true;
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    loop {
        let at = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                depth += 1;
                for a in e.attributes().with_checks(true) {
                    a.map_err(|e| format!("at {at}: {e}"))?;
                }
            }
            Ok(Event::Empty(e)) => {
                for a in e.attributes().with_checks(true) {
                    a.map_err(|e| format!("at {at}: {e}"))?;
                }
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("at {at}: {e}")),
        }
    }
    if depth != 0 {
        return Err(format!("{depth} element(s) left open"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_iati_file_is_always_well_formed(
        ids in prop::collection::vec(nasty(), 1..3),
        names in prop::collection::vec(nasty(), 0..6),
        text in nasty(),
        omitted in prop::collection::vec((nasty(), nasty()), 0..4),
    ) {
        let doc = document(ids, names, text, omitted);
        let bytes = write(&doc).unwrap();
        let xml = String::from_utf8(bytes).unwrap();
        if let Err(e) = well_formed(&xml) {
            prop_assert!(false, "{e}\n{xml}");
        }
    }
}

#[test]
fn ids_made_of_dashes_are_well_formed() {
    for id in ["a---b", "a-", "-", "--", "---", "a--", "-->", "]]>"] {
        let doc = document(
            vec![id.to_owned()],
            vec![id.to_owned(); 4],
            id.to_owned(),
            vec![(id.to_owned(), "no date".to_owned())],
        );
        let xml = String::from_utf8(write(&doc).unwrap()).unwrap();
        well_formed(&xml).unwrap_or_else(|e| panic!("{id}: {e}\n{xml}"));
    }
}
