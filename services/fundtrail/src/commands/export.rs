//! `fundtrail export TABLE --format F`: a table (or IATI XML) of the
//! ledger, from read models folded from a read-only view of the store, so it
//! runs while a server holds the same embedded store; its figures are the
//! server's (the same log, the same fold, the same tables as `GET /export/...`).

use std::path::PathBuf;

use fundtrail_app::reads::fold_log;
use fundtrail_app::{SnapshotConfig, input, snapshots};
use fundtrail_export::{ExportError, ExportQuery, Format, Kind, Lang};
use fundtrail_projections::ReadModel;

use crate::Failure;
use crate::config::Settings;

/// What the command line asks for: the table, what of it, and where to.
#[derive(clap::Args)]
pub(crate) struct Request {
    /// The table.
    #[arg(value_enum)]
    pub table: Kind,
    /// The roadmap (required for funding; a filter for pledges and donors).
    #[arg(long)]
    pub roadmap: Option<String>,
    /// Reporting currency [default: the roadmap's].
    #[arg(long)]
    pub currency: Option<String>,
    /// The ledger as it was at this instant (RFC 3339), or at the end of
    /// this day (YYYY-MM-DD, UTC), as the web pages read it.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Convert at the rates in force on this date (YYYY-MM-DD).
    #[arg(long)]
    pub on: Option<String>,
    #[arg(long, value_enum)]
    pub format: Format,
    /// Language of the column headers; for iati, the language the
    /// ledger's own texts are written in.
    #[arg(long, value_enum, default_value = "en")]
    pub lang: Lang,
    /// iati: the id of the publishing organisation in this ledger.
    #[arg(long)]
    pub reporting_org: Option<String>,
    /// iati: the publisher's IATI organisation identifier (e.g. AA-AAA-123456789).
    #[arg(long)]
    pub reporting_org_ref: Option<String>,
    /// The file to write (required for xlsx).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl Request {
    /// The typed query, checked by the same rules as `GET /export/...`'s.
    fn query(&self, today: chrono::NaiveDate) -> Result<ExportQuery, ExportError> {
        let bad = ExportError::BadRequest;
        let mut q = ExportQuery::new(today);
        q.roadmap = self.roadmap.clone();
        q.currency = self
            .currency
            .as_deref()
            .map(|c| input::parse_currency("currency", c).map_err(|e| bad(e.to_string())))
            .transpose()?;
        q.as_of = self
            .as_of
            .as_deref()
            .map(|t| input::parse_as_of(t).map_err(|e| bad(format!("asOf: {e}"))))
            .transpose()?;
        q.on = self
            .on
            .as_deref()
            .map(|d| input::parse_date(d.trim()).map_err(|e| bad(format!("on: {e}"))))
            .transpose()?;
        q.lang = self.lang;
        q.reporting_org = self.reporting_org.clone();
        q.reporting_org_ref = self.reporting_org_ref.clone();
        Ok(q)
    }
}

pub(crate) async fn export(settings: &Settings, request: Request) -> Result<(), Failure> {
    if request.format == Format::Xlsx && request.out.is_none() {
        return Err(ExportError::BadRequest("xlsx needs --out FILE".into()).into());
    }
    let now = chrono::Utc::now();
    let query = request.query(now.date_naive())?;
    let model = read_models(settings).await?;
    let bytes = fundtrail_export::export(&model, request.table, &query, request.format, now)?;
    match request.out {
        Some(path) => std::fs::write(path, bytes)?,
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes)?;
            stdout.flush()?;
        }
    }
    Ok(())
}

/// The read models of the whole log, read without taking the store's lock:
/// from the newest usable snapshot (the server's, if any) and the events
/// after it.
async fn read_models(settings: &Settings) -> Result<ReadModel, Failure> {
    let reader = fundtrail_app::open::open_reader(&settings.location()).await?;
    let head = reader.head().await?.position;
    let config = SnapshotConfig::new(settings.snapshots_at());
    let start = snapshots::load(reader.as_ref(), &config)
        .await
        .filter(|m| m.position() <= head)
        .unwrap_or_default();
    Ok(fold_log(reader.as_ref(), start, head, |_, _| {})
        .await?
        .model)
}
