//! Exports officers can read and trust: labels in their language, names
//! beside ids, real dates in spreadsheets, and what is not known never
//! written as zero (« non chiffré », « non précisé » in CSV and XLSX,
//! `null` in JSON).

mod common;

use common::*;
use fundtrail_domain::enums::{ContributionKind, Theme};
use fundtrail_domain::ids::{OrganisationId, PartnershipId, PriorityId};
use fundtrail_domain::partnership::{PartnershipEvent, PartnershipRecorded};
use fundtrail_domain::pledge::{Beneficiaries, Item, PledgeMade};
use fundtrail_domain::streams::EntityKind;
use fundtrail_export::{ExportQuery, Format, Kind, Lang, export};
use serde_json::Value;

/// Goods « 2 motos ; 1 ordinateur » for 189 young people, delivered
/// without a value, and a cash pledge of 400 XOF.
fn ledger() -> Ledger {
    let mut l = Ledger::roadmap();
    l.pledge(PledgeMade {
        kind: ContributionKind::InKind,
        themes: vec![Theme::ChildLabour, Theme::Trafficking],
        priority_ids: vec![PriorityId::new_unchecked("p1")],
        items: vec![
            Item {
                quantity: 2,
                unit: "motos".into(),
                description: None,
            },
            Item {
                quantity: 1,
                unit: "ordinateur".into(),
                description: Some("portable".into()),
            },
        ],
        beneficiaries: vec![Beneficiaries {
            count: 189,
            description: "jeunes formés".into(),
        }],
        source: Some(source("2 motos et 1 ordinateur remis")),
        ..made("goods")
    });
    l.commit("goods", "2024-02-01");
    l.deliver("goods", "2024-03-15");
    l.pledge(valued("cash", 400));
    l
}

fn find<'a>(rows: &'a [Row], id: &str) -> &'a Row {
    rows.iter().find(|r| r.fields[0] == id).unwrap()
}

fn find_json<'a>(rows: &'a [Value], id: &str) -> &'a Value {
    rows.iter().find(|r| r["id"] == id).unwrap()
}

#[test]
fn french_csv_shows_labels_names_items_and_sources() {
    let l = ledger();
    let rows = l.csv(Kind::Pledges, Lang::Fr);
    let goods = find(&rows, "goods");
    assert_eq!(goods.get("Nature"), "En nature");
    assert_eq!(goods.get("Statut"), "Livré");
    assert_eq!(
        goods.get("Thèmes"),
        "Travail des enfants ; Traite des personnes"
    );
    assert_eq!(goods.get("Bailleur"), "donor");
    assert_eq!(goods.get("Nom du bailleur"), "Fondation Kakao (FK)");
    assert_eq!(goods.get("Nom du bénéficiaire"), "Gouvernement");
    assert_eq!(goods.get("Articles"), "2 motos ; 1 ordinateur (portable)");
    assert_eq!(goods.get("Personnes bénéficiaires"), "189 jeunes formés");
    assert_eq!(goods.get("Priorités"), "1. Scolariser les enfants");
    assert_eq!(goods.get("Document source"), "report");
    assert_eq!(goods.get("Titre de la source"), "Rapport 2023");
    assert_eq!(goods.get("Section de la source"), "Q4");
    assert_eq!(
        goods.get("Citation de la source"),
        "2 motos et 1 ordinateur remis"
    );
    assert_eq!(goods.get("Annoncé le"), "2024-01-10");
    let cash = find(&rows, "cash");
    assert_eq!(cash.get("Nature"), "Numéraire");
    assert_eq!(cash.get("Statut"), "Annoncé");
    assert_eq!(cash.get("Montant"), "400");
    assert_eq!(cash.get("Décaissé"), "0");
    // Not committed yet: no date expected, none said to be missing.
    assert_eq!(cash.get("Engagé le"), "");
}

#[test]
fn english_csv_uses_english_labels() {
    let rows = ledger().csv(Kind::Pledges, Lang::En);
    let goods = find(&rows, "goods");
    assert_eq!(goods.get("Kind"), "In kind");
    assert_eq!(goods.get("Status"), "Delivered");
    assert_eq!(goods.get("Themes"), "Child labour; Trafficking in persons");
}

#[test]
fn json_keeps_the_codes_and_the_ids() {
    let rows = ledger().json(Kind::Pledges);
    let goods = find_json(&rows, "goods");
    assert_eq!(goods["kind"], "IN_KIND");
    assert_eq!(goods["status"], "DISBURSED");
    assert_eq!(goods["themes"], "CHILD_LABOUR; TRAFFICKING");
    assert_eq!(goods["priorities"], "p1");
    assert_eq!(goods["donor"], "donor");
    assert_eq!(goods["donorName"], "Fondation Kakao (FK)");
    assert_eq!(goods["pledgedOn"], "2024-01-10");
}

#[test]
fn an_unvalued_pledge_is_not_valued_never_zero() {
    let l = ledger();
    for lang in [Lang::Fr, Lang::En] {
        let marker = match lang {
            Lang::Fr => "non chiffré",
            Lang::En => "not valued",
        };
        let rows = l.csv(Kind::Pledges, lang);
        let goods = find(&rows, "goods");
        assert_eq!(goods.fields[8], marker, "amount");
        assert_eq!(goods.fields[14], marker, "disbursed");
        assert!(!goods.fields.iter().any(|f| f == "0"), "{goods:?}");
    }
    let rows = l.json(Kind::Pledges);
    let goods = find_json(&rows, "goods");
    assert_eq!(goods["amount"], Value::Null);
    assert_eq!(goods["disbursed"], Value::Null);
    assert_eq!(goods["currency"], Value::Null);
}

#[test]
fn a_party_or_status_the_source_does_not_state_is_not_stated() {
    let mut l = Ledger::roadmap();
    l.pledge(PledgeMade {
        donor_id: None,
        status_stated: false,
        pledged_on: None,
        ..made("anonymous")
    });
    let rows = l.csv(Kind::Pledges, Lang::Fr);
    let row = find(&rows, "anonymous");
    for column in [
        "Bailleur",
        "Nom du bailleur",
        "Statut",
        "Annoncé le",
        "Décaissé",
    ] {
        assert_eq!(row.get(column), "non précisé", "{column}");
    }
    assert_eq!(row.get("Montant"), "non chiffré");
    assert_eq!(row.get("Bénéficiaire"), "gov");
    let rows = l.csv(Kind::Pledges, Lang::En);
    assert_eq!(find(&rows, "anonymous").get("Donor"), "not stated");
    let rows = l.json(Kind::Pledges);
    let row = find_json(&rows, "anonymous");
    for key in [
        "donor",
        "donorName",
        "status",
        "pledgedOn",
        "amount",
        "disbursed",
    ] {
        assert_eq!(row[key], Value::Null, "{key}");
    }
    assert_eq!(row["recipient"], "gov");
}

#[test]
fn a_donor_with_unvalued_contributions_only_is_not_valued() {
    let mut l = Ledger::roadmap();
    l.pledge(PledgeMade {
        priority_ids: vec![PriorityId::new_unchecked("p1")],
        ..made("goods")
    });
    let rows = l.csv(Kind::Donors, Lang::Fr);
    let donor = find(&rows, "donor");
    for column in ["Annoncé", "Engagé", "Décaissé"] {
        assert_eq!(donor.get(column), "non chiffré", "{column}");
    }
    assert_eq!(donor.get("Non chiffrés"), "1");
    assert_eq!(donor.get("Priorités"), "1. Scolariser les enfants");
    assert_eq!(l.json(Kind::Donors)[0]["pledged"], Value::Null);
}

#[test]
fn coverage_with_unvalued_contributions_is_a_minimum() {
    // Coverage is committed / required.
    let mut l = ledger();
    l.commit("cash", "2024-02-01");
    let rows = l.csv(Kind::Funding, Lang::Fr);
    assert_eq!(rows[0].get("Couverture"), "0.4");
    assert_eq!(rows[0].get("Couverture minimale"), "oui");
    let json = l.json(Kind::Funding);
    assert_eq!(json[0]["coverageIsMinimum"], Value::Bool(true));
    // Without the unvalued goods the coverage is exact.
    l = Ledger::roadmap();
    l.pledge(valued("cash", 400));
    l.commit("cash", "2024-02-01");
    let rows = l.csv(Kind::Funding, Lang::En);
    assert_eq!(rows[0].get("Coverage is a minimum"), "no");
}

#[test]
fn partnerships_name_their_parties_and_say_a_missing_status() {
    let mut l = Ledger::roadmap();
    l.push(
        EntityKind::Partnership,
        "pa",
        PartnershipEvent::from(PartnershipRecorded {
            partnership_id: PartnershipId::new_unchecked("pa"),
            party_ids: vec![
                OrganisationId::new_unchecked("gov"),
                OrganisationId::new_unchecked("donor"),
            ],
            title: "Accord".into(),
            themes: vec![Theme::ForcedLabour],
            nature: Vec::new(),
            priority_ids: Vec::new(),
            status: None,
            signed_on: None,
            source: Some(source("un accord a été conclu")),
        }),
    );
    let rows = l.csv(Kind::Partnerships, Lang::Fr);
    let pa = &rows[0];
    assert_eq!(
        pa.get("Noms des parties"),
        "Gouvernement ; Fondation Kakao (FK)"
    );
    assert_eq!(pa.get("Statut"), "non précisé");
    assert_eq!(pa.get("Nature"), "non précisé");
    assert_eq!(pa.get("Thèmes"), "Travail forcé");
    assert_eq!(pa.get("Citation de la source"), "un accord a été conclu");
    assert_eq!(l.json(Kind::Partnerships)[0]["status"], Value::Null);
}

#[test]
fn xlsx_has_french_labels_and_real_date_cells() {
    let l = ledger();
    let book = l.xlsx(Kind::Pledges, Lang::Fr);
    for label in [
        "Travail des enfants ; Traite des personnes",
        "En nature",
        "Livré",
        "non chiffré",
    ] {
        assert!(book.strings.contains(label), "{label}: {}", book.strings);
    }
    // Row 2 is the goods; column M (the 13th) is « Annoncé le »: 2024-01-10
    // is Excel day 45301, a number cell with a date format, not text.
    let pledged_on = cell(&book.sheet, "M2");
    assert!(!pledged_on.contains("t=\"s\""), "{pledged_on}");
    assert!(pledged_on.contains("<v>45301</v>"), "{pledged_on}");
    let style = attribute(pledged_on, "s").parse::<usize>().unwrap();
    assert_eq!(number_format(&book.styles, style), "dd/mm/yyyy");
    // English: ISO-like.
    let book = l.xlsx(Kind::Pledges, Lang::En);
    let pledged_on = cell(&book.sheet, "M2");
    let style = attribute(pledged_on, "s").parse::<usize>().unwrap();
    assert_eq!(number_format(&book.styles, style), "yyyy-mm-dd");
    // Amounts stay numbers: the cash pledge's 400 (row 3, column I).
    assert!(cell(&book.sheet, "I3").contains("<v>400</v>"));
}

/// The `<c r="AT" ...>...</c>` element of a sheet.
fn cell<'a>(sheet: &'a str, at: &str) -> &'a str {
    let start = sheet
        .find(&format!("<c r=\"{at}\""))
        .unwrap_or_else(|| panic!("no cell {at} in {sheet}"));
    let end = start + sheet[start..].find("</c>").unwrap() + 4;
    &sheet[start..end]
}

fn attribute<'a>(element: &'a str, name: &str) -> &'a str {
    let key = format!(" {name}=\"");
    let start = element.find(&key).unwrap() + key.len();
    &element[start..start + element[start..].find('"').unwrap()]
}

/// The number format of cell style `index` (the `index`th `xf` of `cellXfs`).
fn number_format(styles: &str, index: usize) -> String {
    let xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    let xf = xfs.split("<xf ").nth(index + 1).unwrap();
    let id = attribute(&format!(" {xf}"), "numFmtId").to_owned();
    let key = format!("<numFmt numFmtId=\"{id}\" formatCode=\"");
    let start = styles
        .find(&key)
        .unwrap_or_else(|| panic!("{key} in {styles}"))
        + key.len();
    styles[start..start + styles[start..].find('"').unwrap()].to_owned()
}

#[test]
fn iati_invents_no_donor_and_lists_items_technical_support_and_source() {
    let mut l = Ledger::roadmap();
    l.pledge(PledgeMade {
        donor_id: None,
        kind: ContributionKind::InKind,
        items: vec![
            Item {
                quantity: 2,
                unit: "motos".into(),
                description: None,
            },
            Item {
                quantity: 1,
                unit: "ordinateur".into(),
                description: None,
            },
        ],
        source: Some(source("2 motos et 1 ordinateur remis")),
        ..made("goods")
    });
    l.commit("goods", "2024-02-01");
    l.pledge(PledgeMade {
        kind: ContributionKind::Technical,
        ..made("training")
    });
    l.commit("training", "2024-02-02");
    let mut q = ExportQuery::new(date("2024-06-01"));
    q.reporting_org = Some("gov".into());
    q.reporting_org_ref = Some("AA-AAA-123456789".into());
    let doc = fundtrail_export::iati::build(&l.model, Kind::Pledges, &q, now()).unwrap();
    let goods = doc
        .activities
        .iter()
        .find(|a| a.identifier.ends_with("-goods"));
    let goods = goods.unwrap();
    assert_eq!(goods.participating_orgs.len(), 1);
    assert_eq!(goods.participating_orgs[0].org.name, "Gouvernement");
    assert!(goods.transactions.iter().all(|t| t.provider.is_none()));
    let xml = String::from_utf8(export(&l.model, Kind::Pledges, &q, Format::Iati, now()).unwrap())
        .unwrap();
    let goods = &xml[xml.find("-goods</iati-identifier>").unwrap()..];
    let goods = &goods[..goods.find("</iati-activity>").unwrap()];
    assert!(!goods.contains("role=\"1\""), "{goods}");
    assert!(!goods.contains("<provider-org"), "{goods}");
    assert!(goods.contains("(bailleur non précisé)"), "{goods}");
    assert!(
        goods.contains("Articles : 2 motos ; 1 ordinateur."),
        "{goods}"
    );
    assert!(
        goods.contains("Source : Rapport 2023, Q4 : « 2 motos et 1 ordinateur remis »."),
        "{goods}"
    );
    assert!(
        xml.contains("Technical support from FK to Gouvernement"),
        "{xml}"
    );
    assert!(
        xml.contains("Appui technique de FK à Gouvernement"),
        "{xml}"
    );
}

#[test]
fn iati_says_why_a_pledge_whose_status_is_not_stated_is_left_out() {
    let mut l = Ledger::roadmap();
    l.pledge(valued("cash", 400));
    l.commit("cash", "2024-02-01");
    l.pledge(PledgeMade {
        status_stated: false,
        ..made("unsaid")
    });
    let mut q = ExportQuery::new(date("2024-06-01"));
    q.reporting_org = Some("gov".into());
    q.reporting_org_ref = Some("AA-AAA-123456789".into());
    let doc = fundtrail_export::iati::build(&l.model, Kind::Pledges, &q, now()).unwrap();
    let unsaid = doc
        .omitted
        .iter()
        .find(|o| o.pledge_id == "unsaid")
        .unwrap();
    assert!(unsaid.reason.contains("status not stated"), "{unsaid:?}");
    assert!(!unsaid.reason.contains("announced"), "{unsaid:?}");
}
