//! Exports of the read models as tables: funding by priority, pledges,
//! partnerships, proposals and the donor map, in CSV, JSON or XLSX, with
//! column headers in English or French. Used by `GET /export/{table}.{format}`
//! (the API's thin handler) and by `fundtrail export` (the command line's),
//! both through one typed [`ExportQuery`]. Pledges also export as IATI activity XML 2.03
//! ([`iati`], `GET /export/pledges.xml`, `--format iati`).
//!
//! Amounts stay [`Decimal`] all the way to the file: CSV and JSON write them
//! as exact decimal strings; only XLSX cells turn them into `f64` (see
//! [`render`]).
//!
//! - [`query`]: what to export ([`ExportQuery`]), parsed once for every face;
//! - [`table`]: the read model as a [`Table`] of typed [`Cell`]s ([`cell`]);
//! - [`labels`]: enumeration values and "not stated" / "not valued" in
//!   English and in French;
//! - [`render`]: a table as CSV, JSON or XLSX bytes;
//! - [`iati`]: pledges as IATI activity XML (model, mapping, writer).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use fundtrail_projections::ReadModel;
use fundtrail_projections::funding::FundingError;

pub mod cell;
pub mod iati;
pub mod labels;
pub mod query;
pub mod render;
pub mod table;

pub use query::ExportQuery;
pub use render::{money_format, render};
pub use table::{Cell, Column, Table, build};

/// The language of the column headers, sheet names and labels (enumeration
/// values, "not stated", "not valued") in CSV and XLSX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "en" => Ok(Lang::En),
            "fr" => Ok(Lang::Fr),
            other => Err(format!("unknown language {other:?}: use en or fr")),
        }
    }
}

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    Csv,
    Json,
    Xlsx,
    /// IATI activity XML 2.03 (pledges only; see [`iati`]).
    Iati,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Xlsx => "xlsx",
            Format::Iati => "xml",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Iati => "application/xml; charset=utf-8",
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "xlsx" => Ok(Format::Xlsx),
            // The file extension of IATI activity XML.
            "xml" => Ok(Format::Iati),
            other => Err(format!(
                "unknown format {other:?}: use csv, json, xlsx or xml (IATI)"
            )),
        }
    }
}

/// Which table to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Kind {
    Funding,
    Pledges,
    Partnerships,
    Proposals,
    Donors,
    /// The expected tranches of commitments (issue #14), as covered today.
    Tranches,
    /// What to chase today (issue #14, `fundtrail_domain::worklist`).
    Worklist,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Funding => "funding",
            Kind::Pledges => "pledges",
            Kind::Partnerships => "partnerships",
            Kind::Proposals => "proposals",
            Kind::Donors => "donors",
            Kind::Tranches => "tranches",
            Kind::Worklist => "worklist",
        }
    }

    /// The sheet name in the workbook.
    pub fn sheet(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Kind::Funding, Lang::En) => "Funding",
            (Kind::Funding, Lang::Fr) => "Financement",
            (Kind::Pledges, Lang::En) => "Pledges",
            (Kind::Pledges, Lang::Fr) => "Engagements",
            (Kind::Partnerships, Lang::En) => "Partnerships",
            (Kind::Partnerships, Lang::Fr) => "Partenariats",
            (Kind::Proposals, Lang::En) => "Proposals",
            (Kind::Proposals, Lang::Fr) => "Propositions",
            (Kind::Donors, Lang::En) => "Donors",
            (Kind::Donors, Lang::Fr) => "Bailleurs",
            (Kind::Tranches, Lang::En) => "Tranches",
            (Kind::Tranches, Lang::Fr) => "Échéancier",
            (Kind::Worklist, Lang::En) => "To do",
            (Kind::Worklist, Lang::Fr) => "À faire",
        }
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "funding" => Ok(Kind::Funding),
            "pledges" => Ok(Kind::Pledges),
            "partnerships" => Ok(Kind::Partnerships),
            "proposals" => Ok(Kind::Proposals),
            "donors" => Ok(Kind::Donors),
            "tranches" => Ok(Kind::Tranches),
            "worklist" => Ok(Kind::Worklist),
            other => Err(format!(
                "unknown export {other:?}: use funding, pledges, partnerships, proposals, donors, tranches or worklist"
            )),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an export cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// The request is wrong (HTTP 400).
    #[error("{0}")]
    BadRequest(String),
    /// Something named does not exist (HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// The figures cannot be computed (e.g. a missing exchange rate).
    #[error("{0}")]
    Unavailable(String),
    #[error("writing the file failed: {0}")]
    Write(String),
}

impl From<FundingError> for ExportError {
    fn from(e: FundingError) -> Self {
        match e {
            FundingError::RoadmapNotFound(_) => ExportError::NotFound(e.to_string()),
            other => ExportError::Unavailable(other.to_string()),
        }
    }
}

/// Builds and renders in one go from `model` (hold a read lock on a shared
/// model only for this call); `generated` stamps an IATI file.
pub fn export(
    model: &ReadModel,
    kind: Kind,
    q: &ExportQuery,
    format: Format,
    generated: DateTime<Utc>,
) -> Result<Vec<u8>, ExportError> {
    if format == Format::Iati {
        return iati::export(model, kind, q, generated);
    }
    let table = build(model, kind, q)?;
    render(&table, format)
}
