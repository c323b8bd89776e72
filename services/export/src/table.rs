//! The read model as tables of typed cells: funding by priority, pledges,
//! partnerships, proposals and the donor map.

use std::fmt;

use chrono::NaiveDate;
use fundtrail_domain::money::{Currency, Money};
use fundtrail_projections::ReadModel;
use fundtrail_projections::donors::DonorMapQuery;
use fundtrail_projections::funding::FundingLine;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::{ExportError, ExportQuery, Kind, Lang};

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
    pub(crate) fn plain(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Money(d, _) | Cell::Ratio(d) => d.normalize().to_string(),
        }
    }

    /// As JSON: amounts are exact decimal strings, as in the API.
    pub(crate) fn json(&self) -> Value {
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

pub(crate) fn known_roadmap(model: &ReadModel, roadmap: Option<&str>) -> Result<(), ExportError> {
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
