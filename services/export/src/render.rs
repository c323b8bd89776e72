//! A [`Table`] written as CSV, JSON or XLSX.
//!
//! Amounts stay [`Decimal`] all the way to the file: CSV and JSON write them
//! as exact decimal strings; only XLSX cells turn them into `f64`.

use fundtrail_domain::money::Currency;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value};

use crate::table::{Cell, Table};
use crate::{ExportError, Format};

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
