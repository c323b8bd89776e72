//! `fundtrail verify`: walk the ledger's hash chain and report the first
//! break (reads only: runs beside a server).

use crate::Failure;
use crate::config::Settings;

pub(crate) async fn verify(settings: &Settings) -> Result<(), Failure> {
    let reader = fundtrail_app::open::open_reader(&settings.location()).await?;
    let report = fundtrail_store::verify::verify_chain(reader.as_ref()).await?;
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    match report.first_break {
        None => Ok(()),
        Some(b) => Err(Failure::Broken(format!(
            "position {} ({:?})",
            b.position, b.problem
        ))),
    }
}
