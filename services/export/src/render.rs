//! A [`Table`] written as CSV, JSON or XLSX.
//!
//! Amounts stay [`Decimal`] all the way to the file: CSV and JSON write them
//! as exact decimal strings; only XLSX cells turn them into `f64`. Dates are
//! ISO 8601 text in CSV and JSON, date cells (with a date format) in XLSX.
//! Labels ([`Cell::Label`]) and the markers of what is not known
//! ([`Cell::NotStated`], [`Cell::NotValued`]) are words in the table's
//! language in CSV and XLSX (the markers grey and italic there); JSON writes
//! the codes, and `null` for what is not known.
//!
//! CSV and formulas (CSV injection, OWASP): a spreadsheet that opens a CSV
//! file runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or a
//! carriage return, which some strip before looking) as a formula. So a
//! **text** cell (every cell but numbers and dates: names, titles,
//! descriptions, ids, lists, labels) whose first character is one of
//! `= + - @`, tab or carriage return is written with a leading apostrophe
//! `'`, and that field is always quoted (`"'=1+1"`), its own quotes doubled.
//! Number cells ([`Cell::Int`], [`Cell::Money`], [`Cell::Ratio`]) and dates
//! are never prefixed: a negative amount stays `-50`. Only CSV changes: JSON
//! carries the text as recorded, and XLSX writes text as string cells, which
//! spreadsheets never evaluate.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use fundtrail_domain::money::Currency;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook, Worksheet, XlsxError};
use serde_json::{Map, Value};

use crate::table::{Cell, Table};
use crate::{ExportError, Format, Lang};

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
    // Fields are quoted here ([`csv_field`]), so that a neutralised text cell
    // is quoted even when the csv crate would not need to.
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Never)
        .from_writer(Vec::new());
    w.write_record(table.headers().into_iter().map(|h| csv_field(h, false)))
        .map_err(write)?;
    for row in &table.rows {
        w.write_record(
            row.iter()
                .map(|cell| csv_field(&cell.plain(table.lang), cell.is_text())),
        )
        .map_err(write)?;
    }
    w.into_inner()
        .map_err(|e| ExportError::Write(e.to_string()))
}

/// Whether a spreadsheet could take text starting so for a formula.
fn starts_a_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// One CSV field: quoted (its quotes doubled) when it holds a comma, a quote
/// or a line break, as the csv crate would; a `text` cell that could start a
/// formula gets a leading `'` and is always quoted (see the module doc).
fn csv_field(value: &str, text: bool) -> String {
    let neutralise = text && starts_a_formula(value);
    let prefix = if neutralise { "'" } else { "" };
    if neutralise || value.contains([',', '"', '\r', '\n']) {
        format!("\"{prefix}{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
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

/// The cell formats of one workbook.
struct Styles {
    bold: XFormat,
    percent: XFormat,
    date: XFormat,
    /// "not stated", "not valued": grey italic text.
    unknown: XFormat,
    money: HashMap<Currency, XFormat>,
}

impl Styles {
    fn new(lang: Lang) -> Self {
        let date = match lang {
            Lang::En => "yyyy-mm-dd",
            Lang::Fr => "dd/mm/yyyy",
        };
        Styles {
            bold: XFormat::new().set_bold(),
            percent: XFormat::new().set_num_format("0.00%"),
            date: XFormat::new().set_num_format(date),
            unknown: XFormat::new().set_italic().set_font_color(0x80_80_80),
            money: HashMap::new(),
        }
    }

    fn money(&mut self, currency: Currency) -> &XFormat {
        self.money
            .entry(currency)
            .or_insert_with(|| XFormat::new().set_num_format(money_format(currency)))
    }
}

fn xlsx_bytes(table: &Table) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(table.kind.sheet(table.lang))
        .map_err(xlsx_error)?;
    let mut styles = Styles::new(table.lang);
    for (c, header) in table.headers().iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *header, &styles.bold)
            .map_err(xlsx_error)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let at = ((r + 1) as u32, c as u16);
            xlsx_cell(sheet, at, cell, table.lang, &mut styles).map_err(xlsx_error)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    sheet.autofit();
    workbook.save_to_buffer().map_err(xlsx_error)
}

fn xlsx_error(e: XlsxError) -> ExportError {
    ExportError::Write(e.to_string())
}

/// One cell: numbers as numbers, dates as dates, the rest as string cells.
fn xlsx_cell(
    sheet: &mut Worksheet,
    (r, c): (u32, u16),
    cell: &Cell,
    lang: Lang,
    styles: &mut Styles,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {}
        Cell::Int(n) => {
            sheet.write_number(r, c, *n as f64)?;
        }
        // Excel stores every number as an IEEE double, so the exact
        // Decimal becomes an f64 here, at the spreadsheet boundary
        // only (CSV and JSON keep the exact decimal text).
        Cell::Money(amount, currency) => {
            let value = amount.to_f64().unwrap_or(f64::NAN);
            sheet.write_number_with_format(r, c, value, styles.money(*currency))?;
        }
        Cell::Ratio(ratio) => {
            let value = ratio.to_f64().unwrap_or(f64::NAN);
            sheet.write_number_with_format(r, c, value, &styles.percent)?;
        }
        Cell::Date(d) => match excel_date(*d) {
            Some(date) => {
                sheet.write_date_with_format(r, c, &date, &styles.date)?;
            }
            // Outside Excel's calendar (before 1900): the ISO text.
            None => {
                sheet.write_string(r, c, d.to_string())?;
            }
        },
        Cell::NotStated | Cell::NotValued => {
            sheet.write_string_with_format(r, c, cell.plain(lang), &styles.unknown)?;
        }
        Cell::Text(_) | Cell::Label { .. } | Cell::Bool(_) => {
            sheet.write_string(r, c, cell.plain(lang))?;
        }
    }
    Ok(())
}

/// The date in Excel's calendar (years 1900 to 9999), if it is in it.
fn excel_date(d: NaiveDate) -> Option<ExcelDateTime> {
    let year = u16::try_from(d.year()).ok()?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kind, Lang};
    use rust_decimal::Decimal;

    #[test]
    fn csv_text_that_could_start_a_formula_gets_an_apostrophe_and_quotes() {
        const COLUMNS: &[crate::Column] = &[crate::Column {
            key: "a",
            en: "A",
            fr: "A",
        }; 2];
        let text = |s: &str| vec![Cell::Text(s.into()), Cell::Empty];
        let table = Table {
            kind: Kind::Pledges,
            lang: Lang::En,
            columns: COLUMNS,
            rows: vec![
                text("=1+1"),
                text("+1"),
                text("-1"),
                text("@SUM(A1)"),
                text("\t=1"),
                text("\r=1"),
                text("a=1, \"b\""),
                text("2024-01-02"),
                vec![Cell::Money(Decimal::from(-50), Currency::XOF), Cell::Int(3)],
                vec![Cell::Ratio(Decimal::new(-5, 1)), Cell::Empty],
            ],
        };
        let csv = String::from_utf8(render(&table, Format::Csv).unwrap()).unwrap();
        assert_eq!(
            csv,
            "A,A\n\
             \"'=1+1\",\n\
             \"'+1\",\n\
             \"'-1\",\n\
             \"'@SUM(A1)\",\n\
             \"'\t=1\",\n\
             \"'\r=1\",\n\
             \"a=1, \"\"b\"\"\",\n\
             2024-01-02,\n\
             -50,3\n\
             -0.5,\n"
        );
        // It reads back as the text with its apostrophe.
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let first: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
        assert_eq!(first[0], "'=1+1");
        assert_eq!(first[5], "'\r=1");
        assert_eq!(first[6], "a=1, \"b\"");
    }

    #[test]
    fn json_keeps_the_text_as_it_is() {
        assert_eq!(Cell::Text("=1+1".into()).json(), Value::from("=1+1"));
    }
}
