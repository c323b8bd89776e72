//! What to export, parsed once: the HTTP handler reads it from the query
//! string ([`ExportQuery::from_params`]), the command line from typed
//! arguments; both end in the same [`ExportQuery`].

use chrono::{DateTime, NaiveDate, Utc};
use fundtrail_domain::money::Currency;

use crate::{ExportError, Lang};

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

    /// Parses the parameters of `GET /export/...` (`roadmap`, `currency`,
    /// `asOf`, `on`, `lang`, and for IATI `reportingOrg`, `reportingOrgRef`);
    /// anything else is refused.
    pub fn from_params(
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
                    let d = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|e| {
                        bad(format!("on {value:?} is not a date (YYYY-MM-DD): {e}"))
                    })?;
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
}
