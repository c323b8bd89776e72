//! The read model as tables of typed cells: funding by priority, pledges,
//! partnerships, proposals and the donor map.
//!
//! Enumerations are words in the table's language (their codes in JSON,
//! see [`Cell::Label`]); organisations and priorities are named beside their
//! ids; what the source does not state, or nobody valued, says so
//! ([`Cell::NotStated`], [`Cell::NotValued`]) instead of looking like zero.

use fundtrail_domain::enums::{PartnershipStatus, PledgeStatus, ProposalStatus};
use fundtrail_domain::ids::{OrganisationId, PriorityId};
use fundtrail_domain::money::Currency;
use fundtrail_domain::partnership::Partnership;
use fundtrail_domain::pledge::{Pledge, Unknown};
use fundtrail_domain::proposal::Proposal;
use fundtrail_domain::source::SourceRef;
use fundtrail_projections::Attribution;
use fundtrail_projections::donors::{DonorMapQuery, DonorSummary};
use fundtrail_projections::funding::FundingLine;
use fundtrail_projections::{ReadModel, RoadmapFunding};

pub use crate::cell::Cell;
use crate::cell::join;
use crate::labels::{self, Labelled};
use crate::{ExportError, ExportQuery, Kind, Lang};

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
    // Yes when contributions without a figure are not in the coverage, which
    // is then a lower bound.
    col(
        "coverageIsMinimum",
        "Coverage is a minimum",
        "Couverture minimale",
    ),
];

/// The source columns, last in every table that has them.
const SOURCE: [Column; 4] = [
    col("sourceDocument", "Source document", "Document source"),
    col("sourceTitle", "Source title", "Titre de la source"),
    col("sourceSection", "Source section", "Section de la source"),
    col("sourceQuote", "Source quote", "Citation de la source"),
];

/// `head` then [`SOURCE`] (`M` is `N + 4`).
const fn with_source<const N: usize, const M: usize>(head: [Column; N]) -> [Column; M] {
    assert!(M == N + SOURCE.len());
    let mut out = [SOURCE[0]; M];
    let mut i = 0;
    while i < M {
        out[i] = if i < N { head[i] } else { SOURCE[i - N] };
        i += 1;
    }
    out
}

const PLEDGES: &[Column] = &with_source::<21, 25>([
    col("id", "Id", "Identifiant"),
    col("donor", "Donor", "Bailleur"),
    col("donorName", "Donor name", "Nom du bailleur"),
    col("recipient", "Recipient", "Bénéficiaire"),
    col("recipientName", "Recipient name", "Nom du bénéficiaire"),
    col("roadmap", "Roadmap", "Feuille de route"),
    col("kind", "Kind", "Nature"),
    col("status", "Status", "Statut"),
    col("amount", "Amount", "Montant"),
    col("currency", "Currency", "Devise"),
    col("items", "Items", "Articles"),
    col("beneficiaries", "Beneficiaries", "Personnes bénéficiaires"),
    col("pledgedOn", "Pledged on", "Annoncé le"),
    col("committedOn", "Committed on", "Engagé le"),
    col("disbursed", "Disbursed", "Décaissé"),
    col("priorities", "Priorities", "Priorités"),
    col("themes", "Themes", "Thèmes"),
    col("description", "Description", "Description"),
    // funding chains (`docs/funding-chains.md`)
    col(
        "fundedBy",
        "Funded by (pledge: amount)",
        "Financée par (annonce : montant)",
    ),
    col("passedOn", "Passed on", "Transmis"),
    col("kept", "Kept (counted)", "Gardé (compté)"),
]);

const PARTNERSHIPS: &[Column] = &with_source::<9, 13>([
    col("id", "Id", "Identifiant"),
    col("title", "Title", "Intitulé"),
    col("parties", "Parties", "Parties"),
    col("partyNames", "Party names", "Noms des parties"),
    col("status", "Status", "Statut"),
    col("themes", "Themes", "Thèmes"),
    col("nature", "Nature", "Nature"),
    col("priorities", "Priorities", "Priorités"),
    col("signedOn", "Signed on", "Signé le"),
]);

const PROPOSALS: &[Column] = &with_source::<13, 17>([
    col("id", "Id", "Identifiant"),
    col("applicant", "Applicant", "Demandeur"),
    col("applicantName", "Applicant name", "Nom du demandeur"),
    col("donor", "Donor", "Bailleur"),
    col("donorName", "Donor name", "Nom du bailleur"),
    col("title", "Title", "Intitulé"),
    col("requested", "Requested", "Montant demandé"),
    col("currency", "Currency", "Devise"),
    col("status", "Status", "Statut"),
    col("themes", "Themes", "Thèmes"),
    col("priorities", "Priorities", "Priorités"),
    col("submittedOn", "Submitted on", "Soumis le"),
    col("decidedOn", "Decided on", "Décidé le"),
]);

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
    // the same money attributed to the donors at the roots of funding chains
    col(
        "pledgedOriginalSource",
        "Pledged (original source)",
        "Annoncé (source d'origine)",
    ),
    col(
        "committedOriginalSource",
        "Committed (original source)",
        "Engagé (source d'origine)",
    ),
    col(
        "disbursedOriginalSource",
        "Disbursed (original source)",
        "Décaissé (source d'origine)",
    ),
];

/// One row per expected tranche of a commitment, in order of pledge then due
/// date, as the disbursements recorded up to the export's day cover them
/// (`docs/resource-mobilisation.md`).
const TRANCHES: &[Column] = &[
    col("pledge", "Pledge", "Annonce"),
    col("donor", "Donor", "Bailleur"),
    col("donorName", "Donor name", "Nom du bailleur"),
    col("roadmap", "Roadmap", "Feuille de route"),
    col("dueOn", "Due on", "Échéance"),
    col("amount", "Amount", "Montant"),
    col("covered", "Covered", "Couvert"),
    col("outstanding", "Outstanding", "Reste dû"),
    col("overdue", "Overdue", "En retard"),
    col("currency", "Currency", "Devise"),
];

/// One row per line of the worklist, most urgent first.
const WORKLIST: &[Column] = &[
    col("kind", "Kind of work", "Nature du travail"),
    col("record", "Record", "Fiche"),
    col("title", "Title", "Intitulé"),
    col("dueOn", "Due on", "Échéance"),
    col("daysLate", "Days late", "Jours de retard"),
    col("amount", "Amount", "Montant"),
    col("currency", "Currency", "Devise"),
    col("owner", "Followed by", "Suivi par"),
];

pub(crate) fn known_roadmap(model: &ReadModel, roadmap: Option<&str>) -> Result<(), ExportError> {
    match roadmap {
        Some(r) if model.roadmap(r).is_none() => {
            Err(ExportError::NotFound(format!("roadmap {r} not found")))
        }
        _ => Ok(()),
    }
}

/// Builds the table from the read model (hold the read lock only for this).
pub fn build(model: &ReadModel, kind: Kind, q: &ExportQuery) -> Result<Table, ExportError> {
    let ctx = Ctx {
        model,
        lang: q.lang,
    };
    let (columns, rows) = match kind {
        Kind::Funding => (FUNDING, ctx.funding(q)?),
        Kind::Pledges => {
            known_roadmap(model, q.roadmap.as_deref())?;
            let pledges = model.pledges(q.roadmap.as_deref(), None, None);
            (PLEDGES, pledges.iter().map(|p| ctx.pledge(p)).collect())
        }
        Kind::Partnerships => {
            let partnerships = model.partnerships(None, None);
            let rows = partnerships.iter().map(|p| ctx.partnership(p)).collect();
            (PARTNERSHIPS, rows)
        }
        Kind::Proposals => {
            let proposals = model.proposals(None, None, None);
            (
                PROPOSALS,
                proposals.iter().map(|p| ctx.proposal(p)).collect(),
            )
        }
        Kind::Donors => (DONORS, ctx.donors(q)?),
        Kind::Worklist => {
            known_roadmap(model, q.roadmap.as_deref())?;
            let filter = fundtrail_projections::worklist::Filter {
                roadmap: q.roadmap.as_deref(),
                owner: None,
            };
            let rows = model
                .worklist(filter, q.today)
                .iter()
                .map(|w| {
                    vec![
                        Cell::label(w.kind, q.lang),
                        Cell::text(w.record_id.clone()),
                        Cell::text(model.work_title(w)),
                        w.due_on.map_or(Cell::Empty, Cell::Date),
                        w.days_late
                            .filter(|d| *d > 0)
                            .map_or(Cell::Empty, |d| Cell::Int(d as u64)),
                        w.amount
                            .map_or(Cell::Empty, |m| Cell::Money(m.amount, m.currency)),
                        w.amount
                            .map_or(Cell::Empty, |m| Cell::text(m.currency.code())),
                        Cell::opt_text(w.owner.clone()),
                    ]
                })
                .collect();
            (WORKLIST, rows)
        }
        Kind::Tranches => {
            known_roadmap(model, q.roadmap.as_deref())?;
            let pledges = model.pledges(q.roadmap.as_deref(), None, None);
            let rows = pledges
                .iter()
                .flat_map(|p| ctx.tranches(p, q.today))
                .collect();
            (TRANCHES, rows)
        }
    };
    Ok(Table {
        kind,
        lang: q.lang,
        columns,
        rows,
    })
}

/// The model and the language every row of one table is built with.
struct Ctx<'a> {
    model: &'a ReadModel,
    lang: Lang,
}

impl Ctx<'_> {
    fn words(&self, labels: labels::Labels) -> &'static str {
        labels::pick(self.lang, labels)
    }

    fn funding(&self, q: &ExportQuery) -> Result<Vec<Vec<Cell>>, ExportError> {
        let roadmap = q
            .roadmap
            .as_deref()
            .ok_or_else(|| ExportError::BadRequest("the funding export needs a roadmap".into()))?;
        let f = self
            .model
            .funding_shared(roadmap, q.currency, q.as_of, q.on, q.today)?;
        let mut rows = Vec::with_capacity(f.priorities.len() + 2);
        for p in &f.priorities {
            let title = self.model.priority(&p.priority_id).map(|v| v.title.clone());
            let head = [
                Cell::Int(u64::from(p.rank)),
                Cell::text(p.priority_id.clone()),
                Cell::opt_text(title),
            ];
            rows.push(funding_row(head, &p.line, &f));
        }
        let unallocated = Cell::text(self.words(labels::UNALLOCATED));
        let head = [Cell::Empty, unallocated, Cell::Empty];
        rows.push(funding_row(head, &f.unallocated, &f));
        let head = [Cell::Empty, Cell::text("Total"), Cell::Empty];
        rows.push(funding_row(head, &f.total, &f));
        Ok(rows)
    }

    fn pledge(&self, p: &Pledge) -> Vec<Cell> {
        let lang = self.lang;
        let currency = p.amount.as_ref().map(|m| m.currency);
        let status = p.stated_status();
        let committed = matches!(
            status,
            Some(PledgeStatus::Committed | PledgeStatus::PartlyDisbursed | PledgeStatus::Disbursed)
        );
        let status_cell = status.map_or(Cell::NotStated, |s| Cell::Label {
            code: s.code().to_owned(),
            text: labels::pick(lang, labels::pledge_status(s, p.kind)).to_owned(),
        });
        let disbursed = match p.disbursed_money() {
            Ok(m) => Cell::money(&m),
            Err(Unknown::NotStated) => Cell::NotStated,
            Err(Unknown::NotValued) => Cell::NotValued,
        };
        let mut row = vec![
            Cell::text(p.id.as_str()),
            party_id(p.donor_id.as_ref()),
            self.party_name(p.donor_id.as_ref()),
            party_id(p.recipient_id.as_ref()),
            self.party_name(p.recipient_id.as_ref()),
            Cell::text(p.roadmap_id.as_str()),
            Cell::label(p.kind, lang),
            status_cell,
            Cell::valued(p.amount.as_ref()),
            Cell::opt_text(currency.map(Currency::code)),
            self.items(p),
            self.beneficiaries(p),
            // Every pledge was made: a missing date is one the source does not give.
            Cell::date(p.pledged_on, true),
            Cell::date(p.committed_on, committed || status.is_none()),
            disbursed,
            self.pledge_priorities(p),
            Cell::labels(&p.themes, lang),
            Cell::opt_text(p.description.clone()),
        ];
        let links: Vec<String> = self
            .model
            .funded_by(p.id.as_str())
            .iter()
            .map(|l| {
                format!(
                    "{}: {} {}",
                    l.parent_id,
                    l.amount.amount,
                    l.amount.currency.code()
                )
            })
            .collect();
        row.push(Cell::list(&links));
        match self.model.kept(p.id.as_str()) {
            Some((kept, passed)) => {
                row.push(Cell::money(&passed));
                row.push(Cell::money(&kept));
            }
            None => row.extend([Cell::NotValued, Cell::NotValued]),
        }
        row.extend(self.source(p.source.as_ref()));
        row
    }

    fn tranches(&self, p: &Pledge, today: chrono::NaiveDate) -> Vec<Vec<Cell>> {
        let Some(value) = p.amount else {
            return Vec::new();
        };
        let c = value.currency;
        p.schedule_on(today)
            .into_iter()
            .map(|t| {
                vec![
                    Cell::text(p.id.as_str()),
                    party_id(p.donor_id.as_ref()),
                    self.party_name(p.donor_id.as_ref()),
                    Cell::text(p.roadmap_id.as_str()),
                    Cell::Date(t.due_on),
                    Cell::Money(t.amount, c),
                    Cell::Money(t.covered, c),
                    Cell::Money(t.outstanding, c),
                    Cell::Bool(t.overdue),
                    Cell::text(c.code()),
                ]
            })
            .collect()
    }

    fn partnership(&self, p: &Partnership) -> Vec<Cell> {
        let lang = self.lang;
        let names = p.party_ids.iter().map(|id| self.org_name(id.as_str()));
        let signed = p.status != Some(PartnershipStatus::Negotiating);
        let nature = if p.nature.is_empty() {
            Cell::NotStated
        } else {
            Cell::labels(&p.nature, lang)
        };
        let mut row = vec![
            Cell::text(p.id.as_str()),
            Cell::text(p.title.clone()),
            Cell::list(&p.party_ids),
            Cell::text(join(names, labels::separator(lang))),
            p.status.map_or(Cell::NotStated, |s| Cell::label(s, lang)),
            Cell::labels(&p.themes, lang),
            nature,
            self.priorities(&p.priority_ids),
            Cell::date(p.signed_on, signed),
        ];
        row.extend(self.source(p.source.as_ref()));
        row
    }

    fn proposal(&self, p: &Proposal) -> Vec<Cell> {
        let lang = self.lang;
        let decided = matches!(
            p.status,
            ProposalStatus::Approved | ProposalStatus::Rejected | ProposalStatus::Withdrawn
        );
        let submitted = p.status != ProposalStatus::Draft;
        let mut row = vec![
            Cell::text(p.id.as_str()),
            Cell::text(p.applicant_id.as_str()),
            Cell::text(self.org_name(p.applicant_id.as_str())),
            Cell::text(p.donor_id.as_str()),
            Cell::text(self.org_name(p.donor_id.as_str())),
            Cell::text(p.title.clone()),
            Cell::valued(p.requested.as_ref()),
            Cell::opt_text(p.requested.as_ref().map(|m| m.currency.code())),
            Cell::label(p.status, lang),
            Cell::labels(&p.themes, lang),
            self.priorities(&p.priority_ids),
            Cell::date(p.submitted_on, submitted),
            Cell::date(p.decided_on, decided),
        ];
        row.extend(self.source(p.source.as_ref()));
        row
    }

    fn donors(&self, q: &ExportQuery) -> Result<Vec<Vec<Cell>>, ExportError> {
        known_roadmap(self.model, q.roadmap.as_deref())?;
        let query = |attribution| DonorMapQuery {
            attribution,
            roadmap_id: q.roadmap.clone(),
            theme: None,
            kind: None,
            currency: q.currency,
            today: q.today,
        };
        let donors = self.model.donor_map(&query(Attribution::Direct))?;
        let original = self.model.donor_map(&query(Attribution::OriginalSource))?;
        let mut rows: Vec<Vec<Cell>> = donors
            .iter()
            .map(|d| {
                let mut row = self.donor(d);
                row.extend(original_cells(
                    original
                        .iter()
                        .find(|o| o.organisation_id == d.organisation_id),
                    d,
                ));
                row
            })
            .collect();
        // Donors at the roots of chains with no pledge of their own here.
        for o in &original {
            if donors
                .iter()
                .all(|d| d.organisation_id != o.organisation_id)
            {
                let mut row = self.donor(o);
                // what they gave directly here: nothing
                let zero =
                    fundtrail_domain::money::Money::new(Default::default(), o.pledged.currency);
                for cell in &mut row[2..=4] {
                    *cell = Cell::money(&zero);
                }
                row.extend(original_cells(Some(o), o));
                rows.push(row);
            }
        }
        Ok(rows)
    }

    fn donor(&self, d: &DonorSummary) -> Vec<Cell> {
        // A donor whose every contribution is unvalued gave nothing we can
        // put a figure on: not zero.
        let unvalued_only = d.unvalued_count > 0 && d.pledged.amount.is_zero();
        let amount = |m| {
            if unvalued_only {
                Cell::NotValued
            } else {
                Cell::money(m)
            }
        };
        let priorities: Vec<&str> = d.priorities.iter().map(String::as_str).collect();
        vec![
            Cell::text(d.organisation_id.clone()),
            Cell::text(d.name.clone()),
            amount(&d.pledged),
            amount(&d.committed),
            amount(&d.disbursed),
            Cell::text(d.pledged.currency.code()),
            Cell::Int(u64::from(d.unvalued_count)),
            self.priority_cell(&priorities),
            Cell::labels(&d.themes, self.lang),
            Cell::list(&d.partnerships),
            Cell::list(&d.proposals),
        ]
    }

    /// An organisation's name, its acronym in parentheses (its id when it is
    /// not in the ledger).
    fn org_name(&self, id: &str) -> String {
        match self.model.organisation(id) {
            Some(o) => match &o.acronym {
                Some(acronym) => format!("{} ({acronym})", o.name),
                None => o.name.clone(),
            },
            None => id.to_owned(),
        }
    }

    fn party_name(&self, id: Option<&OrganisationId>) -> Cell {
        Cell::stated_text(id.map(|id| self.org_name(id.as_str())))
    }

    /// Priorities: their ids for JSON, "rank. title" for people.
    fn priority_cell(&self, ids: &[&str]) -> Cell {
        let named = ids.iter().map(|id| match self.model.priority(id) {
            Some(p) => format!("{}. {}", p.rank, p.title),
            None => (*id).to_owned(),
        });
        Cell::Label {
            code: ids.join("; "),
            text: join(named, labels::separator(self.lang)),
        }
    }

    fn priorities(&self, ids: &[PriorityId]) -> Cell {
        let ids: Vec<&str> = ids.iter().map(PriorityId::as_str).collect();
        self.priority_cell(&ids)
    }

    /// The priorities a pledge's allocations go to or, unvalued, it names;
    /// "Unallocated" when none.
    fn pledge_priorities(&self, p: &Pledge) -> Cell {
        let ids: Vec<&str> = if p.allocations.is_empty() {
            p.priority_ids.iter().map(PriorityId::as_str).collect()
        } else {
            p.allocations
                .iter()
                .map(|a| a.priority_id.as_str())
                .collect()
        };
        if ids.is_empty() {
            return Cell::Label {
                code: String::new(),
                text: self.words(labels::UNALLOCATED).to_owned(),
            };
        }
        self.priority_cell(&ids)
    }

    /// « 2 motos ; 1 ordinateur (portable) ».
    fn items(&self, p: &Pledge) -> Cell {
        let items = p.items.iter().map(|i| {
            let what = format!("{} {}", i.quantity, i.unit);
            match i.description.as_deref().filter(|d| !d.trim().is_empty()) {
                Some(d) => format!("{what} ({d})"),
                None => what,
            }
        });
        Cell::text(join(items, labels::separator(self.lang)))
    }

    /// « 189 jeunes ».
    fn beneficiaries(&self, p: &Pledge) -> Cell {
        let people = p
            .beneficiaries
            .iter()
            .map(|b| format!("{} {}", b.count, b.description));
        Cell::text(join(people, labels::separator(self.lang)))
    }

    /// Document id, title, section and quote; empty without a source.
    fn source(&self, source: Option<&SourceRef>) -> [Cell; 4] {
        let Some(s) = source else {
            return [Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty];
        };
        let id = s.document_id.as_str();
        let title = self.model.document(id).map(|d| d.title.clone());
        [
            Cell::text(id),
            Cell::opt_text(title),
            Cell::opt_text(s.section.clone()),
            Cell::text(s.quote.clone()),
        ]
    }
}

fn party_id(id: Option<&OrganisationId>) -> Cell {
    Cell::stated_text(id.map(OrganisationId::as_str))
}

/// A funding line after its rank, priority and title. Its coverage is a
/// minimum when contributions without a figure (or, with `on`, without a
/// value date) are left out of it.
/// The original-source figures of a donor (`o`; zero when the attribution
/// gives it nothing), unvalued as in the direct columns of `d`.
fn original_cells(o: Option<&DonorSummary>, d: &DonorSummary) -> [Cell; 3] {
    let unvalued_only = d.unvalued_count > 0 && d.pledged.amount.is_zero();
    let zero = fundtrail_domain::money::Money::new(Default::default(), d.pledged.currency);
    let cell = |m: Option<&fundtrail_domain::money::Money>| {
        if unvalued_only && m.is_none_or(|m| m.amount.is_zero()) {
            Cell::NotValued
        } else {
            Cell::money(m.unwrap_or(&zero))
        }
    };
    [
        cell(o.map(|o| &o.pledged)),
        cell(o.map(|o| &o.committed)),
        cell(o.map(|o| &o.disbursed)),
    ]
}

fn funding_row(head: [Cell; 3], line: &FundingLine, f: &RoadmapFunding) -> Vec<Cell> {
    let partial = line.is_lower_bound();
    let mut row = Vec::from(head);
    row.extend([
        Cell::opt_money(line.required.as_ref()),
        Cell::money(&line.pledged),
        Cell::money(&line.committed),
        Cell::money(&line.disbursed),
        Cell::opt_money(line.gap.as_ref()),
        line.coverage.map_or(Cell::Empty, Cell::Ratio),
        Cell::Int(u64::from(line.unvalued_count)),
        Cell::text(f.currency.code()),
        line.coverage.map_or(Cell::Empty, |_| Cell::Bool(partial)),
    ]);
    row
}
