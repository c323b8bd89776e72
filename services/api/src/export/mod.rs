//! Exports of the read models as tables: funding by priority, pledges,
//! partnerships, proposals and the donor map, in CSV, JSON or XLSX, with
//! column headers in English or French. Used by `GET /export/{table}.{format}`
//! and by `fundtrail export`. Pledges also export as IATI activity XML 2.03
//! ([`iati`], `GET /export/pledges.xml`, `--format iati`).
//!
//! Amounts stay [`Decimal`] all the way to the file: CSV and JSON write them
//! as exact decimal strings; only XLSX cells turn them into `f64` (see
//! [`render`]).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use fundtrail_domain::money::{Currency, Money};
use fundtrail_projections::ReadModel;
use fundtrail_projections::donors::DonorMapQuery;
use fundtrail_projections::funding::{FundingError, FundingLine};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value};

pub mod iati;

/// The language of the column headers and sheet names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
pub enum Kind {
    Funding,
    Pledges,
    Partnerships,
    Proposals,
    Donors,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Funding => "funding",
            Kind::Pledges => "pledges",
            Kind::Partnerships => "partnerships",
            Kind::Proposals => "proposals",
            Kind::Donors => "donors",
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
            other => Err(format!(
                "unknown export {other:?}: use funding, pledges, partnerships, proposals or donors"
            )),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What to export: the roadmap (required for funding, a filter for pledges
/// and donors), the reporting currency, and the point in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportQuery {
    pub roadmap: Option<String>,
    pub currency: Option<Currency>,
    pub as_of: Option<DateTime<Utc>>,
    pub on: Option<NaiveDate>,
    pub lang: Lang,
    /// Dates conversions when `on` is absent.
    pub today: NaiveDate,
    /// IATI only: the id of the publishing organisation in this ledger.
    pub reporting_org: Option<String>,
    /// IATI only: the publisher's IATI organisation identifier.
    pub reporting_org_ref: Option<String>,
}

impl ExportQuery {
    pub fn new(today: NaiveDate) -> Self {
        ExportQuery {
            roadmap: None,
            currency: None,
            as_of: None,
            on: None,
            lang: Lang::En,
            today,
            reporting_org: None,
            reporting_org_ref: None,
        }
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

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(u64),
    /// An amount, formatted with its currency in spreadsheets.
    Money(Decimal, Currency),
    /// A ratio (coverage), shown as a percentage in spreadsheets.
    Ratio(Decimal),
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    fn opt_text(s: Option<impl Into<String>>) -> Cell {
        s.map_or(Cell::Empty, Cell::text)
    }

    fn money(m: &Money) -> Cell {
        Cell::Money(m.amount, m.currency)
    }

    fn opt_money(m: Option<&Money>) -> Cell {
        m.map_or(Cell::Empty, Cell::money)
    }

    fn date(d: Option<NaiveDate>) -> Cell {
        d.map_or(Cell::Empty, |d| Cell::Text(d.to_string()))
    }

    fn list<T: fmt::Display>(items: &[T]) -> Cell {
        Cell::Text(
            items
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    }

    /// As text for CSV (exact decimals, no grouping).
    fn plain(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Money(d, _) | Cell::Ratio(d) => d.normalize().to_string(),
        }
    }

    /// As JSON: amounts are exact decimal strings, as in the API.
    fn json(&self) -> Value {
        match self {
            Cell::Empty => Value::Null,
            Cell::Int(n) => Value::from(*n),
            other => Value::String(other.plain()),
        }
    }
}

/// A column: a stable key (JSON) and its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub key: &'static str,
    pub en: &'static str,
    pub fr: &'static str,
}

const fn col(key: &'static str, en: &'static str, fr: &'static str) -> Column {
    Column { key, en, fr }
}

impl Column {
    pub fn header(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Fr => self.fr,
        }
    }
}

/// A table ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub kind: Kind,
    pub lang: Lang,
    pub columns: &'static [Column],
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn headers(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.header(self.lang)).collect()
    }
}

const FUNDING: &[Column] = &[
    col("rank", "Rank", "Rang"),
    col("priority", "Priority", "Priorité"),
    col("title", "Title", "Intitulé"),
    col("required", "Required", "Besoin"),
    col("pledged", "Pledged", "Annoncé"),
    col("committed", "Committed", "Engagé"),
    col("disbursed", "Disbursed", "Décaissé"),
    col("gap", "Gap", "Écart"),
    col("coverage", "Coverage", "Couverture"),
    col("unvaluedCount", "Unvalued count", "Non chiffrés"),
    col("currency", "Currency", "Devise"),
];

const PLEDGES: &[Column] = &[
    col("id", "Id", "Identifiant"),
    col("donor", "Donor", "Bailleur"),
    col("recipient", "Recipient", "Bénéficiaire"),
    col("roadmap", "Roadmap", "Feuille de route"),
    col("kind", "Kind", "Nature"),
    col("status", "Status", "Statut"),
    col("amount", "Amount", "Montant"),
    col("currency", "Currency", "Devise"),
    col("quantity", "Quantity", "Quantité"),
    col("pledgedOn", "Pledged on", "Annoncé le"),
    col("committedOn", "Committed on", "Engagé le"),
    col("disbursed", "Disbursed", "Décaissé"),
    col("description", "Description", "Description"),
];

const PARTNERSHIPS: &[Column] = &[
    col("id", "Id", "Identifiant"),
    col("title", "Title", "Intitulé"),
    col("parties", "Parties", "Parties"),
    col("status", "Status", "Statut"),
    col("themes", "Themes", "Thèmes"),
    col("nature", "Nature", "Nature"),
    col("priorities", "Priorities", "Priorités"),
    col("signedOn", "Signed on", "Signé le"),
];

const PROPOSALS: &[Column] = &[
    col("id", "Id", "Identifiant"),
    col("applicant", "Applicant", "Demandeur"),
    col("donor", "Donor", "Bailleur"),
    col("title", "Title", "Intitulé"),
    col("requested", "Requested", "Montant demandé"),
    col("currency", "Currency", "Devise"),
    col("status", "Status", "Statut"),
    col("themes", "Themes", "Thèmes"),
    col("priorities", "Priorities", "Priorités"),
    col("submittedOn", "Submitted on", "Soumis le"),
    col("decidedOn", "Decided on", "Décidé le"),
];

const DONORS: &[Column] = &[
    col("organisation", "Organisation", "Organisation"),
    col("name", "Name", "Nom"),
    col("pledged", "Pledged", "Annoncé"),
    col("committed", "Committed", "Engagé"),
    col("disbursed", "Disbursed", "Décaissé"),
    col("currency", "Currency", "Devise"),
    col("unvaluedCount", "Unvalued count", "Non chiffrés"),
    col("priorities", "Priorities", "Priorités"),
    col("themes", "Themes", "Thèmes"),
    col("partnerships", "Partnerships", "Partenariats"),
    col("proposals", "Proposals", "Propositions"),
];

fn known_roadmap(model: &ReadModel, roadmap: Option<&str>) -> Result<(), ExportError> {
    match roadmap {
        Some(r) if model.roadmap(r).is_none() => {
            Err(ExportError::NotFound(format!("roadmap {r} not found")))
        }
        _ => Ok(()),
    }
}

fn funding_row(
    rank: Cell,
    priority: Cell,
    title: Cell,
    line: &FundingLine,
    c: Currency,
) -> Vec<Cell> {
    vec![
        rank,
        priority,
        title,
        Cell::opt_money(line.required.as_ref()),
        Cell::money(&line.pledged),
        Cell::money(&line.committed),
        Cell::money(&line.disbursed),
        Cell::opt_money(line.gap.as_ref()),
        line.coverage.map_or(Cell::Empty, Cell::Ratio),
        Cell::Int(u64::from(line.unvalued_count)),
        Cell::text(c.code()),
    ]
}

/// Builds the table from the read model (hold the read lock only for this).
pub fn build(model: &ReadModel, kind: Kind, q: &ExportQuery) -> Result<Table, ExportError> {
    let roadmap = q.roadmap.as_deref();
    let (columns, rows) = match kind {
        Kind::Funding => {
            let roadmap = roadmap.ok_or_else(|| {
                ExportError::BadRequest("the funding export needs a roadmap".into())
            })?;
            let f = model.funding_shared(roadmap, q.currency, q.as_of, q.on, q.today)?;
            let c = f.currency;
            let mut rows = Vec::with_capacity(f.priorities.len() + 2);
            for p in &f.priorities {
                let title = model.priority(&p.priority_id).map(|v| v.title.clone());
                rows.push(funding_row(
                    Cell::Int(u64::from(p.rank)),
                    Cell::text(p.priority_id.clone()),
                    Cell::opt_text(title),
                    &p.line,
                    c,
                ));
            }
            let (unallocated, total) = match q.lang {
                Lang::En => ("Unallocated", "Total"),
                Lang::Fr => ("Non affecté", "Total"),
            };
            rows.push(funding_row(
                Cell::Empty,
                Cell::text(unallocated),
                Cell::Empty,
                &f.unallocated,
                c,
            ));
            rows.push(funding_row(
                Cell::Empty,
                Cell::text(total),
                Cell::Empty,
                &f.total,
                c,
            ));
            (FUNDING, rows)
        }
        Kind::Pledges => {
            known_roadmap(model, roadmap)?;
            let rows = model
                .pledges(roadmap, None, None)
                .iter()
                .map(|p| {
                    let currency = p.amount.as_ref().map(|m| m.currency);
                    vec![
                        Cell::text(p.id.as_str()),
                        Cell::text(p.donor_id.as_str()),
                        Cell::text(p.recipient_id.as_str()),
                        Cell::text(p.roadmap_id.as_str()),
                        Cell::text(p.kind.as_str()),
                        Cell::text(p.status.as_str()),
                        Cell::opt_money(p.amount.as_ref()),
                        Cell::opt_text(currency.map(Currency::code)),
                        Cell::opt_text(
                            p.quantity
                                .as_ref()
                                .map(|q| format!("{} {}", q.count, q.unit)),
                        ),
                        Cell::date(p.pledged_on),
                        Cell::date(p.committed_on),
                        match currency {
                            Some(c) => Cell::Money(p.disbursed, c),
                            None => Cell::Empty,
                        },
                        Cell::opt_text(p.description.clone()),
                    ]
                })
                .collect();
            (PLEDGES, rows)
        }
        Kind::Partnerships => {
            let rows = model
                .partnerships(None, None)
                .iter()
                .map(|p| {
                    vec![
                        Cell::text(p.id.as_str()),
                        Cell::text(p.title.clone()),
                        Cell::list(&p.party_ids),
                        Cell::text(p.status.as_str()),
                        Cell::list(&p.themes),
                        Cell::list(&p.nature),
                        Cell::list(&p.priority_ids),
                        Cell::date(p.signed_on),
                    ]
                })
                .collect();
            (PARTNERSHIPS, rows)
        }
        Kind::Proposals => {
            let rows = model
                .proposals(None, None, None)
                .iter()
                .map(|p| {
                    vec![
                        Cell::text(p.id.as_str()),
                        Cell::text(p.applicant_id.as_str()),
                        Cell::text(p.donor_id.as_str()),
                        Cell::text(p.title.clone()),
                        Cell::opt_money(p.requested.as_ref()),
                        Cell::opt_text(p.requested.as_ref().map(|m| m.currency.code())),
                        Cell::text(p.status.as_str()),
                        Cell::list(&p.themes),
                        Cell::list(&p.priority_ids),
                        Cell::date(p.submitted_on),
                        Cell::date(p.decided_on),
                    ]
                })
                .collect();
            (PROPOSALS, rows)
        }
        Kind::Donors => {
            known_roadmap(model, roadmap)?;
            let donors = model.donor_map(&DonorMapQuery {
                roadmap_id: q.roadmap.clone(),
                theme: None,
                kind: None,
                currency: q.currency,
                today: q.today,
            })?;
            let rows = donors
                .iter()
                .map(|d| {
                    vec![
                        Cell::text(d.organisation_id.clone()),
                        Cell::text(d.name.clone()),
                        Cell::money(&d.pledged),
                        Cell::money(&d.committed),
                        Cell::money(&d.disbursed),
                        Cell::text(d.pledged.currency.code()),
                        Cell::Int(u64::from(d.unvalued_count)),
                        Cell::list(&d.priorities),
                        Cell::list(&d.themes),
                        Cell::list(&d.partnerships),
                        Cell::list(&d.proposals),
                    ]
                })
                .collect();
            (DONORS, rows)
        }
    };
    Ok(Table {
        kind,
        lang: q.lang,
        columns,
        rows,
    })
}

/// Writes the table in the format.
pub fn render(table: &Table, format: Format) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::Csv => csv_bytes(table),
        Format::Json => json_bytes(table),
        Format::Xlsx => xlsx_bytes(table),
        Format::Iati => Err(ExportError::BadRequest(
            "IATI XML is made from the ledger, not from a table: use export()".into(),
        )),
    }
}

fn csv_bytes(table: &Table) -> Result<Vec<u8>, ExportError> {
    let write = |e: csv::Error| ExportError::Write(e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(table.headers()).map_err(write)?;
    for row in &table.rows {
        w.write_record(row.iter().map(Cell::plain)).map_err(write)?;
    }
    w.into_inner()
        .map_err(|e| ExportError::Write(e.to_string()))
}

fn json_bytes(table: &Table) -> Result<Vec<u8>, ExportError> {
    let rows: Vec<Value> = table
        .rows
        .iter()
        .map(|row| {
            let object: Map<String, Value> = table
                .columns
                .iter()
                .zip(row)
                .map(|(c, cell)| (c.key.to_owned(), cell.json()))
                .collect();
            Value::Object(object)
        })
        .collect();
    serde_json::to_vec_pretty(&rows).map_err(|e| ExportError::Write(e.to_string()))
}

/// The number format of an amount in `currency`: XOF without decimals and
/// `F CFA`, other currencies with their minor unit and their code.
pub fn money_format(currency: Currency) -> String {
    if currency == Currency::XOF {
        return r##"#,##0 "F CFA""##.to_owned();
    }
    let decimals = currency.minor_units();
    let fraction = if decimals == 0 {
        String::new()
    } else {
        format!(".{}", "0".repeat(decimals as usize))
    };
    format!(r##"#,##0{fraction} "{}""##, currency.code())
}

fn xlsx_bytes(table: &Table) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format as XFormat, Workbook, XlsxError};
    let write = |e: XlsxError| ExportError::Write(e.to_string());
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(table.kind.sheet(table.lang))
        .map_err(write)?;
    let bold = XFormat::new().set_bold();
    let percent = XFormat::new().set_num_format("0.00%");
    for (c, header) in table.headers().iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *header, &bold)
            .map_err(write)?;
    }
    let mut formats = std::collections::HashMap::new();
    for (r, row) in table.rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    sheet.write_string(r, c, s).map_err(write)?;
                }
                Cell::Int(n) => {
                    sheet.write_number(r, c, *n as f64).map_err(write)?;
                }
                // Excel stores every number as an IEEE double, so the exact
                // Decimal becomes an f64 here, at the spreadsheet boundary
                // only (CSV and JSON keep the exact decimal text).
                Cell::Money(amount, currency) => {
                    let format = formats
                        .entry(*currency)
                        .or_insert_with(|| XFormat::new().set_num_format(money_format(*currency)));
                    let value = amount.to_f64().unwrap_or(f64::NAN);
                    sheet
                        .write_number_with_format(r, c, value, &*format)
                        .map_err(write)?;
                }
                Cell::Ratio(ratio) => {
                    let value = ratio.to_f64().unwrap_or(f64::NAN);
                    sheet
                        .write_number_with_format(r, c, value, &percent)
                        .map_err(write)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(write)?;
    sheet.autofit();
    workbook.save_to_buffer().map_err(write)
}

/// Builds and renders in one go from the server's read models (the read
/// lock is held only while building the table).
pub fn export(
    state: &crate::AppState,
    kind: Kind,
    q: &ExportQuery,
    format: Format,
) -> Result<Vec<u8>, ExportError> {
    if format == Format::Iati {
        return iati::export(state, kind, q);
    }
    let table = build(&state.read(), kind, q)?;
    render(&table, format)
}

/// Parses the parameters of `GET /export/...` (`roadmap`, `currency`,
/// `asOf`, `on`, `lang`, and for IATI `reportingOrg`, `reportingOrgRef`);
/// anything else is refused.
pub fn query_from(
    params: &std::collections::HashMap<String, String>,
    today: NaiveDate,
) -> Result<ExportQuery, ExportError> {
    let bad = ExportError::BadRequest;
    let mut q = ExportQuery::new(today);
    for (key, value) in params {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key.as_str() {
            "roadmap" => q.roadmap = Some(value.to_owned()),
            "currency" => q.currency = Some(value.parse().map_err(bad)?),
            "asOf" => {
                let t = DateTime::parse_from_rfc3339(value).map_err(|e| {
                    bad(format!(
                        "asOf {value:?} is not an RFC 3339 date-time (e.g. 2024-01-31T00:00:00Z): {e}"
                    ))
                })?;
                q.as_of = Some(t.with_timezone(&Utc));
            }
            "on" => {
                let d = NaiveDate::parse_from_str(value, "%Y-%m-%d")
                    .map_err(|e| bad(format!("on {value:?} is not a date (YYYY-MM-DD): {e}")))?;
                q.on = Some(d);
            }
            "lang" => q.lang = value.parse().map_err(bad)?,
            "reportingOrg" => q.reporting_org = Some(value.to_owned()),
            "reportingOrgRef" => q.reporting_org_ref = Some(value.to_owned()),
            other => {
                return Err(bad(format!(
                    "unknown parameter {other:?}: use roadmap, currency, asOf, on or lang \
                     (and reportingOrg, reportingOrgRef for IATI)"
                )));
            }
        }
    }
    Ok(q)
}
