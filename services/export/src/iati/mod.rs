//! IATI activity XML 2.03: one `iati-activity` per pledge, built from the read
//! models ([`build`]) and written by a pure writer ([`write`]) that follows the
//! element order of the 2.03 schema (`iati-activities-schema.xsd`). Used by
//! `GET /export/pledges.xml` and `fundtrail export pledges --format iati`.
//!
//! Nothing is invented: an amount that is not known is not a `value`, a date
//! that is not known is not a `transaction-date` or an `activity-date`. What
//! cannot become an IATI element is said in words in the activity's
//! description, and a pledge with no date at all (IATI requires at least one
//! `activity-date`) is left out of the file and named in a comment at its top.
//! User text never goes into that comment as it is: the ids are in a
//! comment-safe form ([`writer::comment_id`]: plain slugs as they are, any
//! other byte, and a `-` next to another `-` or at an end, percent-encoded),
//! so the file always parses.
//! The mapping and the reasons are in `docs/iati.md`.
//!
//! A party the source does not state is no participating organisation and
//! no provider or receiver (none is invented); a status it does not state is
//! written 1 Pipeline, the least committal code, and said in words
//! ([`activity_status`]); the source document of a pledge is named, with its
//! quote, in the description (the ledger has no URL for a `document-link`).
//!
//! Three parts: [`model`] (the IATI elements fundtrail writes, as plain
//! types), [`mapping`] (the read model's pledges into that model, with
//! `describe` for the generated description) and [`writer`] (the model into
//! XML).

mod describe;
pub mod mapping;
pub mod model;
pub mod writer;

use chrono::{DateTime, Utc};
use fundtrail_projections::ReadModel;

use crate::{ExportError, ExportQuery, Kind};

pub use mapping::{
    activity_status, build, check_org_identifier, dac_sector, org_type, sdg_8_7, sectors,
};
pub use model::*;
pub use writer::write;

/// `GET /export/pledges.xml` and `fundtrail export pledges --format iati`:
/// builds from the read models as of `generated`, then writes.
pub fn export(
    model: &ReadModel,
    kind: Kind,
    q: &ExportQuery,
    generated: DateTime<Utc>,
) -> Result<Vec<u8>, ExportError> {
    let document = build(model, kind, q, generated)?;
    write(&document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use fundtrail_domain::enums::{OrganisationKind, Theme};
    use fundtrail_domain::money::{Currency, Money};
    use quick_xml::events::Event;
    use rust_decimal::Decimal;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn org(name: &str, reference: Option<&str>) -> Org {
        Org {
            reference: reference.map(str::to_owned),
            org_type: Some("21"),
            name: name.to_owned(),
        }
    }

    fn sample() -> Document {
        let xof = Currency::XOF;
        let value = Money {
            amount: Decimal::from(10_000_000),
            currency: xof,
        };
        Document {
            generated: "2024-06-01T12:00:00Z".parse().unwrap(),
            activities: vec![Activity {
                identifier: "AA-AAA-123456789-c-stc-kits".into(),
                lang: "fr",
                default_currency: Some(xof),
                reporting_org: ReportingOrg {
                    reference: "AA-AAA-123456789".into(),
                    org_type: "10",
                    name: "Comité <National> & \"Traite\"".into(),
                    secondary_reporter: false,
                },
                title: Narrative::en_fr("Kits & food", "Kits & vivres"),
                descriptions: vec![Description {
                    kind: DescriptionType::General,
                    narratives: vec![Narrative::recorded("Vivres <et> kits\u{1} d'hygiène")],
                }],
                participating_orgs: vec![
                    ParticipatingOrg {
                        role: OrgRole::Funding,
                        org: org("Save the Children", None),
                    },
                    ParticipatingOrg {
                        role: OrgRole::Implementing,
                        org: org("CNLTP", Some("AA-AAA-123456789")),
                    },
                ],
                internal_id: Some("c-stc-kits".into()),
                status: ActivityStatus::Finalisation,
                dates: vec![(DateType::ActualStart, date("2023-10-02"))],
                recipient_country: Some("CI"),
                sectors: sectors(&[Theme::ChildLabour, Theme::Trafficking]),
                tags: vec![sdg_8_7()],
                transactions: vec![Transaction {
                    kind: TransactionType::IncomingCommitment,
                    date: date("2023-10-02"),
                    value,
                    value_date: date("2023-10-02"),
                    description: Vec::new(),
                    provider: Some(org("Save the Children", None)),
                    receiver: Some(org("CNLTP", Some("AA-AAA-123456789"))),
                    provider_activity: Some("XM-DAC-41122-c-stc-fund".into()),
                    receiver_activity: None,
                }],
            }],
            omitted: vec![Omitted {
                pledge_id: "c--x-".into(),
                reason: "no date".into(),
            }],
        }
    }

    fn text(doc: &Document) -> String {
        String::from_utf8(write(doc).unwrap()).unwrap()
    }

    /// The element names of the first activity's children, in order.
    fn children(xml: &str) -> Vec<String> {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut depth = 0;
        let mut names = Vec::new();
        loop {
            match reader.read_event().unwrap() {
                Event::Start(e) => {
                    depth += 1;
                    if depth == 3 {
                        names.push(e.name().as_ref().to_owned());
                    }
                }
                Event::Empty(e) if depth == 2 => {
                    names.push(e.name().as_ref().to_owned());
                }
                Event::End(_) => depth -= 1,
                Event::Eof => break,
                _ => {}
            }
        }
        names
    }

    #[test]
    fn elements_come_in_the_schema_order() {
        let xml = text(&sample());
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" generated-datetime=\"2024-06-01T12:00:00Z\">"), "{xml}");
        let names = children(&xml);
        // The 2.03 sequence of iati-activity, restricted to what we write.
        let order = [
            "iati-identifier",
            "reporting-org",
            "title",
            "description",
            "participating-org",
            "other-identifier",
            "activity-status",
            "activity-date",
            "recipient-country",
            "sector",
            "tag",
            "transaction",
        ];
        let positions: Vec<usize> = names
            .iter()
            .map(|n| {
                order
                    .iter()
                    .position(|o| o == n)
                    .unwrap_or_else(|| panic!("{n}"))
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
        assert_eq!(
            names.iter().filter(|n| *n == "participating-org").count(),
            2
        );
        assert_eq!(names.iter().filter(|n| *n == "sector").count(), 2);
        // Inside a transaction: type, date, value, then the organisations.
        let t = &xml[xml.find("<transaction>").unwrap()..xml.find("</transaction>").unwrap()];
        let at = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} in {t}"));
        assert!(
            at("<transaction-type code=\"11\"/>")
                < at("<transaction-date iso-date=\"2023-10-02\"/>")
        );
        assert!(at("<transaction-date") < at("<value "));
        assert!(at("<value ") < at("<provider-org"));
        assert!(at("<provider-org") < at("<receiver-org ref=\"AA-AAA-123456789\""));
        // the funding chain survives: the provider's activity is named
        assert!(
            t.contains("provider-activity-id=\"XM-DAC-41122-c-stc-fund\""),
            "{t}"
        );
        assert!(!t.contains("receiver-activity-id"), "{t}");
    }

    #[test]
    fn every_value_has_a_currency_and_a_value_date() {
        let xml = text(&sample());
        assert!(
            xml.contains(r#"<value currency="XOF" value-date="2023-10-02">10000000</value>"#),
            "{xml}"
        );
        assert_eq!(
            xml.matches("<value ").count(),
            xml.matches(" value-date=\"").count()
        );
        assert!(xml.contains(r#"<sector vocabulary="1" code="16070" percentage="50"/>"#));
        assert!(xml.contains(r#"<sector vocabulary="1" code="15190" percentage="50"/>"#));
        assert!(xml.contains(r#"<tag vocabulary="3" code="8.7">"#));
    }

    #[test]
    fn text_is_escaped_and_cleaned() {
        let xml = text(&sample());
        assert!(
            xml.contains(
                r#"<narrative>Comité &lt;National&gt; &amp; &quot;Traite&quot;</narrative>"#
            ),
            "{xml}"
        );
        assert!(xml.contains(r#"<narrative xml:lang="en">Kits &amp; food</narrative>"#));
        // The control character is dropped: XML 1.0 cannot hold it.
        assert!(
            xml.contains("Vivres &lt;et&gt; kits d&apos;hygiène"),
            "{xml}"
        );
        // A comment never holds "--" nor ends with "-": the ids in it are
        // in their comment-safe form.
        assert!(xml.contains("  - c%2D%2Dx%2D: no date"), "{xml}");
        let comment = &xml[xml.find("<!--").unwrap() + 4..xml.find("-->").unwrap()];
        assert!(!comment.contains("--"), "{comment}");
        // It parses back.
        let mut reader = quick_xml::Reader::from_str(&xml);
        reader.config_mut().check_comments = true;
        while !matches!(reader.read_event().unwrap(), Event::Eof) {}
    }

    #[test]
    fn ids_in_comments_are_plain_slugs_or_percent_encoded() {
        assert_eq!(writer::comment_id("civ-2023-p1.b_c"), "civ-2023-p1.b_c");
        assert_eq!(writer::comment_id("a---b"), "a%2D%2D%2Db");
        assert_eq!(writer::comment_id("a-"), "a%2D");
        assert_eq!(writer::comment_id("-a"), "%2Da");
        assert_eq!(writer::comment_id("a--b"), "a%2D%2Db");
        assert_eq!(writer::comment_id("a-->é%"), "a%2D%2D%3E%C3%A9%25");
        assert_eq!(writer::comment_id(""), "");
    }

    #[test]
    fn an_activity_without_a_date_is_refused() {
        let mut doc = sample();
        doc.activities[0].dates.clear();
        assert!(matches!(write(&doc), Err(ExportError::Write(m)) if m.contains("activity date")));
        let mut doc = sample();
        doc.activities.clear();
        assert!(write(&doc).is_err());
    }

    #[test]
    fn sector_percentages_add_up_to_100() {
        for themes in [
            vec![Theme::ChildLabour],
            vec![Theme::ChildLabour, Theme::ForcedLabour],
            vec![Theme::Trafficking, Theme::ChildLabour, Theme::ModernSlavery],
        ] {
            let s = sectors(&themes);
            let sum: Decimal = s.iter().map(|s| s.percentage).sum();
            assert_eq!(sum, Decimal::ONE_HUNDRED, "{themes:?}");
        }
        assert_eq!(
            sectors(&[Theme::ChildLabour])[0].percentage.to_string(),
            "100"
        );
        assert!(sectors(&[]).is_empty());
    }

    #[test]
    fn an_unstated_status_is_the_least_committal_one() {
        use fundtrail_domain::enums::PledgeStatus;
        assert_eq!(activity_status(None), ActivityStatus::Pipeline);
        assert_eq!(
            activity_status(Some(PledgeStatus::Disbursed)),
            ActivityStatus::Finalisation
        );
        assert_eq!(
            activity_status(Some(PledgeStatus::Cancelled)),
            ActivityStatus::Cancelled
        );
    }

    #[test]
    fn organisation_types() {
        assert_eq!(org_type(OrganisationKind::Government, true), "10");
        assert_eq!(org_type(OrganisationKind::UnAgency, false), "40");
        assert_eq!(org_type(OrganisationKind::NationalNgo, true), "24");
        assert_eq!(org_type(OrganisationKind::NationalNgo, false), "22");
        assert_eq!(org_type(OrganisationKind::PrivateSector, true), "72");
        assert_eq!(org_type(OrganisationKind::PrivateSector, false), "70");
        assert_eq!(org_type(OrganisationKind::WorkersOrganisation, true), "90");
    }

    #[test]
    fn reporting_org_identifiers() {
        assert!(check_org_identifier("XM-DAC-41122").is_ok());
        for bad in ["", "XM DAC", "XM/DAC", "A&B", "a|b", "a?b"] {
            assert!(check_org_identifier(bad).is_err(), "{bad}");
        }
    }
}
