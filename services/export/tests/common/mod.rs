//! A ledger built by folding events into a [`ReadModel`], as the API does,
//! for the export tests.

#![allow(dead_code)]

use std::io::Read;

use chrono::{DateTime, NaiveDate, Utc};
use fundtrail_domain::document::{DocumentEvent, DocumentRegistered};
use fundtrail_domain::enums::{ContributionKind, OrganisationKind, PledgeStatus, Theme};
use fundtrail_domain::events::AnyEvent;
use fundtrail_domain::ids::*;
use fundtrail_domain::money::{Currency, Money};
use fundtrail_domain::organisation::{OrganisationEvent, OrganisationRegistered};
use fundtrail_domain::pledge::*;
use fundtrail_domain::priority::{FundingRequirementSet, PriorityDefined, PriorityEvent};
use fundtrail_domain::roadmap::{RoadmapCreated, RoadmapEvent};
use fundtrail_domain::source::SourceRef;
use fundtrail_domain::streams::{EntityKind, stream_name};
use fundtrail_export::{ExportQuery, Format, Kind, Lang, export};
use fundtrail_projections::{Envelope, ReadModel};
use rust_decimal::Decimal;

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn xof(n: i64) -> Money {
    Money::new(Decimal::from(n), Currency::XOF)
}

pub fn now() -> DateTime<Utc> {
    "2024-06-01T12:00:00Z".parse().unwrap()
}

#[derive(Default)]
pub struct Ledger {
    pub model: ReadModel,
    position: u64,
}

/// A pledge as the tests make it: a cash pledge of roadmap `r` from
/// `donor` to `gov`, stated, pledged on 2024-01-10; change what matters.
pub fn made(id: &str) -> PledgeMade {
    PledgeMade {
        pledge_id: PledgeId::new_unchecked(id),
        donor_id: Some(OrganisationId::new_unchecked("donor")),
        recipient_id: Some(OrganisationId::new_unchecked("gov")),
        roadmap_id: RoadmapId::new_unchecked("r"),
        kind: ContributionKind::Cash,
        amount: None,
        allocations: Vec::new(),
        priority_ids: Vec::new(),
        pledged_on: Some(date("2024-01-10")),
        proposal_id: None,
        partnership_id: None,
        themes: vec![Theme::ChildLabour],
        description: None,
        items: Vec::new(),
        beneficiaries: Vec::new(),
        status_stated: true,
        source: None,
    }
}

/// A cash pledge of `amount` XOF, all on priority `p1`.
pub fn valued(id: &str, amount: i64) -> PledgeMade {
    PledgeMade {
        amount: Some(xof(amount)),
        allocations: vec![Allocation {
            priority_id: PriorityId::new_unchecked("p1"),
            amount: Decimal::from(amount),
        }],
        ..made(id)
    }
}

pub fn source(quote: &str) -> SourceRef {
    SourceRef {
        document_id: DocumentId::new_unchecked("report"),
        section: Some("Q4".into()),
        quote: quote.into(),
    }
}

impl Ledger {
    pub fn push(&mut self, kind: EntityKind, id: &str, e: impl Into<AnyEvent>) {
        self.position += 1;
        let env = Envelope {
            position: self.position,
            recorded_at: now(),
            stream_id: stream_name(kind, id),
            version: 1,
            actor: "alice".into(),
            command_id: None,
        };
        self.model.apply(&env, &e.into());
    }

    pub fn org(&mut self, id: &str, name: &str, acronym: Option<&str>) {
        self.push(
            EntityKind::Organisation,
            id,
            OrganisationEvent::from(OrganisationRegistered {
                organisation_id: OrganisationId::new_unchecked(id),
                name: name.into(),
                acronym: acronym.map(str::to_owned),
                kind: OrganisationKind::Foundation,
                country: "CIV".into(),
                source: None,
            }),
        );
    }

    /// Roadmap `r` with priority `p1` (rank 1, « Scolariser les enfants »,
    /// needs 1000 XOF), organisations `gov` and `donor` (« Fondation Kakao »,
    /// FK) and document `report`.
    pub fn roadmap() -> Self {
        let mut l = Ledger::default();
        l.org("gov", "Gouvernement", None);
        l.org("donor", "Fondation Kakao", Some("FK"));
        l.push(
            EntityKind::Roadmap,
            "r",
            RoadmapEvent::from(RoadmapCreated {
                roadmap_id: RoadmapId::new_unchecked("r"),
                country: "CIV".into(),
                title: "Feuille de route".into(),
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
                title: "Scolariser les enfants".into(),
                source: None,
            }),
        );
        l.push(
            EntityKind::Priority,
            "p1",
            PriorityEvent::from(FundingRequirementSet {
                priority_id: PriorityId::new_unchecked("p1"),
                requirement: xof(1000),
                reason: None,
            }),
        );
        l.push(
            EntityKind::Document,
            "report",
            DocumentEvent::from(DocumentRegistered {
                document_id: DocumentId::new_unchecked("report"),
                title: "Rapport 2023".into(),
                issuer: None,
                issued_on: None,
                language: "fr".into(),
                sha256: "0".repeat(64),
            }),
        );
        l
    }

    pub fn pledge(&mut self, e: PledgeMade) {
        let id = e.pledge_id.to_string();
        self.push(EntityKind::Pledge, &id, PledgeEvent::from(e));
    }

    pub fn commit(&mut self, id: &str, on: &str) {
        self.push(
            EntityKind::Pledge,
            id,
            PledgeEvent::from(PledgeCommitted {
                pledge_id: PledgeId::new_unchecked(id),
                committed_on: Some(date(on)),
            }),
        );
    }

    /// Goods handed over without a value.
    pub fn deliver(&mut self, id: &str, on: &str) {
        self.push(
            EntityKind::Pledge,
            id,
            PledgeEvent::from(DisbursementRecorded {
                pledge_id: PledgeId::new_unchecked(id),
                amount: None,
                disbursed_on: Some(date(on)),
                shares: Vec::new(),
                disbursed_total: None,
                status: PledgeStatus::Disbursed,
            }),
        );
    }

    pub fn export(&self, kind: Kind, lang: Lang, format: Format) -> Vec<u8> {
        let mut q = ExportQuery::new(date("2024-06-01"));
        q.roadmap = Some("r".into());
        q.lang = lang;
        export(&self.model, kind, &q, format, now()).unwrap()
    }

    /// The CSV export as rows of named fields.
    pub fn csv(&self, kind: Kind, lang: Lang) -> Vec<Row> {
        let bytes = self.export(kind, lang, Format::Csv);
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        reader
            .records()
            .map(|r| Row {
                headers: headers.clone(),
                fields: r.unwrap().iter().map(String::from).collect(),
            })
            .collect()
    }

    pub fn json(&self, kind: Kind) -> Vec<serde_json::Value> {
        let bytes = self.export(kind, Lang::En, Format::Json);
        serde_json::from_slice(&bytes).unwrap()
    }

    /// The XLSX export's sheet and shared strings.
    pub fn xlsx(&self, kind: Kind, lang: Lang) -> Workbook {
        let bytes = self.export(kind, lang, Format::Xlsx);
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
        Workbook {
            sheet: read("xl/worksheets/sheet1.xml"),
            strings: read("xl/sharedStrings.xml"),
            styles: read("xl/styles.xml"),
        }
    }
}

/// One CSV record with its headers.
#[derive(Debug)]
pub struct Row {
    headers: Vec<String>,
    pub fields: Vec<String>,
}

impl Row {
    pub fn get(&self, header: &str) -> &str {
        let i = self
            .headers
            .iter()
            .position(|h| h == header)
            .unwrap_or_else(|| panic!("no column {header:?} in {:?}", self.headers));
        &self.fields[i]
    }
}

pub struct Workbook {
    pub sheet: String,
    pub strings: String,
    pub styles: String,
}
