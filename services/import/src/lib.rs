//! `fundtrail import`: a country's YAML report (see `ops/demo/civ-2023.yaml`
//! for the format, `docs/import.md` for the rules) turned into ledger commands.
//!
//! 1. [`plan`] parses and validates the whole file, reporting every problem
//!    (record id, field, reason), then dry-runs every command against the pure
//!    domain on an empty world, so a file that [`plan`] accepts holds together
//!    on its own. Nothing touches the store.
//! 2. [`changes`] compares every record with what the ledger holds now (the
//!    read models): a record the ledger lacks gets its creating steps, a
//!    record equal to the ledger's gets none, a record that differs gets the
//!    ordinary corrective commands that take the entity from its current
//!    state to the file's. Every step is dry-run, in order, against the
//!    current state. A difference no command can make, or a step the domain
//!    would refuse, refuses the whole file before anything is appended.
//! 3. [`run`] sends the steps through the ledger ([`AppState::execute`]), with
//!    actor `import:<file name>`. [`apply`] is 2 then 3.
//!
//! commandIds: a creating step is `import:<file name>:<record id>:<step>`; a
//! corrective step is `import:<file name>:<record id>:<step>:v<version>:<hash>`
//! with the entity's version it starts from (also sent as `expectedVersion`)
//! and 12 hex digits of the SHA-256 of the command and that version. Both are
//! deterministic: the same file against the same ledger gives the same ids, so
//! a retried or concurrent import of it appends once. Importing a file again
//! once it is in plans no step at all (appends nothing); importing the
//! original after a corrected copy is a correction back, under new ids (the
//! version moved), as is every later swap.
//!
//! Creating steps:
//! - organisations → `registerOrganisation`;
//! - documents → `registerDocument`, with the SHA-256 of the document's text
//!   (`text`, a path relative to the file); every record's `source.quote` must
//!   be in that text (whitespace runs counting as one space), else the file is
//!   refused naming the record;
//! - roadmaps → `createRoadmap` (the file's `country` and `currency`), then
//!   `definePriority` per priority with the file's priority ids, then
//!   `defineNextStep` per next step;
//! - prospects → `recordProspect` (with its `stage`, IDENTIFIED when absent,
//!   `owner`, `expected_amount` and `expected_decision_on`; a stage moves
//!   later through `advanceProspect`, which the importer leaves to the
//!   officers: a file's stage of a prospect the ledger holds is not compared);
//! - actions → `recordAction` (`roadmap`, `title`, `owner`, `due_on`,
//!   `status`, PLANNED when absent, and `about: {kind, id}` naming the next
//!   step, prospect, proposal, partnership or contribution it follows up); a
//!   later status in the file is a `changeActionStatus` correction;
//! - partnerships → `recordPartnership` (in the file's status, or none when
//!   the file states none);
//! - proposals → `submitProposal` (`submittedOn` unknown), then for APPROVED,
//!   REJECTED or WITHDRAWN `decideProposal` on the proposal's `decided_on`
//!   (required for them); DRAFT cannot be imported (no command makes a draft);
//! - contributions → `pledge` (donor and recipient as stated, at least one;
//!   without a status, the pledge records that none is stated), then
//!   `commitPledge` for COMMITTED and DISBURSED,
//!   then `setTranches` for its `tranches` (each `due_on` and `value`, in
//!   the contribution's currency; COMMITTED or DISBURSED with an amount only),
//!   then `recordDisbursement` of the whole amount (or a delivery without
//!   amount when unvalued) for DISBURSED, `linkFunding` for each of its
//!   `funded_by` (`contribution`: one listed before it, `value` in its
//!   currency, optional `reason`; `docs/funding-chains.md`), or
//!   `cancelPledge` for CANCELLED. The
//!   contribution's `date`, when given, dates the pledge, the commitment and
//!   the disbursement; when absent they stay unknown. Without an amount the
//!   pledge is unvalued and carries the `priorities` as `priorityIds`; with an
//!   amount, the whole of it is allocated to the single listed priority, or
//!   left unallocated when none or several are listed. The pledge's roadmap
//!   is the roadmap of its priorities, else the file's first roadmap;
//! - references must name records of the same file.
//!
//! Corrections (a record the ledger holds, that differs from it):
//! - contribution amount or allocations → `revisePledge` (valuing an unvalued
//!   one included; a ledger split over exactly the several priorities a
//!   valued record lists agrees with it); an amount cannot be taken away;
//! - contribution status forward → `commitPledge` and/or `recordDisbursement`
//!   of the rest of the amount (after the revision); CANCELLED →
//!   `cancelPledge`; a status going back, or out of CANCELLED, is refused;
//! - contribution tranches → `setTranches` (with the record's reason when it
//!   replaces tranches the ledger has);
//! - contribution `funded_by` → `linkFunding` for each link the ledger
//!   lacks; a link the ledger has for another amount is refused (unlink it
//!   first); links the ledger has and the file does not list are left;
//! - partnership status → `changePartnershipStatus` (NEGOTIATING → ENDED goes
//!   through SIGNED; `signed_on` dates the signing); other moves are refused;
//! - proposal SUBMITTED → APPROVED, REJECTED or WITHDRAWN → `decideProposal`
//!   (on `decided_on`); a decision is never changed;
//! - every other field (names, titles, kinds, countries, periods, ranks,
//!   parties, themes, natures, donors, recipients, dates, quantities,
//!   descriptions, requested amounts) has no command and is refused.
//!
//! The value date of a revision, a cancellation and a partnership's end is
//! the file's top-level `corrected_on`, else (revision, cancellation) the
//! record's `date`; a revision or a cancellation with neither is refused. Its
//! reason is the record's `reason`, else `import of <file name>: ...` saying
//! what changed. A record missing from the file is left as the ledger has it.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use fundtrail_app::AppState;
use fundtrail_domain::action::{AboutInput, RecordAction};
use fundtrail_domain::document::RegisterDocument;
use fundtrail_domain::enums::*;
use fundtrail_domain::enums::{ActionStatus, ActionSubject};
use fundtrail_domain::next_step::DefineNextStep;
use fundtrail_domain::organisation::RegisterOrganisation;
use fundtrail_domain::partnership::RecordPartnership;
use fundtrail_domain::pledge::{
    AllocationInput, BeneficiariesInput, CancelPledge, CommitPledge, ItemInput, MakePledge,
    QuantityInput, RecordDisbursement,
};
use fundtrail_domain::priority::DefinePriority;
use fundtrail_domain::proposal::{DecideProposal, SubmitProposal};
use fundtrail_domain::prospect::RecordProspect;
use fundtrail_domain::roadmap::CreateRoadmap;
use fundtrail_domain::schedule::{SetTranches, TrancheInput};
use fundtrail_domain::source::{SourceInput, normalise_whitespace, quote_in_text};
use fundtrail_domain::{Currency, Money};
use fundtrail_ledger::{Command, CommandContext, ServiceError};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

mod correct;
mod world;

use world::{States, World};

/// The Côte d'Ivoire 2023 report, shipped with the binary for `serve --demo`.
pub const DEMO: &str = include_str!("../../../ops/demo/civ-2023.yaml");
/// The texts the demo file's documents point to (path relative to the file, text).
pub const DEMO_TEXTS: &[(&str, &str)] = &[(
    "sources/cote-divoire-sdg87-report-2023.txt",
    include_str!("../../../ops/demo/sources/cote-divoire-sdg87-report-2023.txt"),
)];

/// Reads the text of a document, by the path the file gives (relative to
/// the file); `Err` says why it cannot be read.
pub type LoadText<'a> = &'a dyn Fn(&str) -> Result<String, String>;

/// A loader for [`plan_with`] that reads a document's text from the path the
/// file gives, relative to the directory of the file at `file` (an absolute
/// path is taken as it is). The text must be UTF-8.
pub fn texts_beside(file: &std::path::Path) -> impl Fn(&str) -> Result<String, String> + use<> {
    let dir = file
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    move |path: &str| {
        let full = dir.join(path);
        std::fs::read_to_string(&full).map_err(|e| format!("{}: {e}", full.display()))
    }
}

/// The demo's texts, for [`plan_with`] (what [`plan`] uses).
pub fn demo_texts(path: &str) -> Result<String, String> {
    DEMO_TEXTS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, t)| (*t).to_owned())
        .ok_or_else(|| format!("no text {path:?} is shipped with fundtrail"))
}
/// The name the demo file is imported under (its commandIds and actor).
pub const DEMO_FILE_NAME: &str = "civ-2023.yaml";

/// One thing wrong with the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The record's id (or its section and index when it has none, or `file`).
    pub record: String,
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.record, self.field, self.reason)
    }
}

/// One command of the import.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub record_id: String,
    /// Creating: `register`, `create`, `define`, `record`, `submit`, `decide`,
    /// `pledge`, `commit`, `disburse`, `cancel`. Correcting: `revise`,
    /// `commit`, `disburse`, `cancel`, `sign`, `end`, `terminate`, `decide`.
    pub step: &'static str,
    pub command: Command,
    pub command_id: String,
    /// The entity's version the step was planned from (corrections only).
    pub expected_version: Option<u64>,
}

/// What a valid file becomes, before it meets a ledger.
#[derive(Debug, Clone)]
pub struct Plan {
    pub file_name: String,
    /// Records read (organisations, roadmaps, priorities, partnerships, proposals, contributions).
    pub records: usize,
    /// The creating steps of every record, in file order (all of them for an empty ledger).
    pub steps: Vec<Step>,
    /// The file's `corrected_on`: the value date of its corrections.
    pub corrected_on: Option<NaiveDate>,
    entries: Vec<Entry>,
    /// Every entity as the file describes it (the creating steps folded).
    desired: States,
}

impl Plan {
    pub fn actor(&self) -> String {
        format!("import:{}", self.file_name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecordKind {
    Organisation,
    Roadmap,
    Priority,
    Partnership,
    Proposal,
    Contribution,
    Document,
    NextStep,
    Prospect,
    Action,
}

impl RecordKind {
    fn stream_prefix(self) -> &'static str {
        match self {
            RecordKind::Organisation => "organisation",
            RecordKind::Roadmap => "roadmap",
            RecordKind::Priority => "priority",
            RecordKind::Partnership => "partnership",
            RecordKind::Proposal => "proposal",
            RecordKind::Contribution => "pledge",
            RecordKind::Document => "document",
            RecordKind::NextStep => "nextstep",
            RecordKind::Prospect => "prospect",
            RecordKind::Action => "action",
        }
    }
}

/// One record of the file, as corrections need it.
#[derive(Debug, Clone)]
struct Entry {
    id: String,
    kind: RecordKind,
    stream: String,
    /// A contribution's `date`.
    date: Option<NaiveDate>,
    /// The record's `reason` (for corrections).
    reason: Option<String>,
    /// A contribution's `priorities`.
    priorities: Vec<String>,
}

/// What a plan changes in one ledger: the steps to run, and what becomes of
/// each record.
#[derive(Debug, Clone)]
pub struct Changes {
    pub file_name: String,
    pub records_read: usize,
    pub steps: Vec<Step>,
    /// Records the ledger does not hold yet.
    pub added: Vec<String>,
    /// Records the ledger holds otherwise.
    pub corrected: Vec<String>,
    /// Records the ledger holds as the file says.
    pub unchanged: Vec<String>,
}

impl Changes {
    pub fn actor(&self) -> String {
        format!("import:{}", self.file_name)
    }
}

// ---- the file, loosely typed so that every problem can be reported ----

#[derive(Deserialize, Default)]
struct RawFile {
    country: Option<String>,
    currency: Option<String>,
    corrected_on: Option<String>,
    #[serde(default)]
    documents: Vec<RawDocument>,
    #[serde(default)]
    organisations: Vec<RawOrganisation>,
    #[serde(default)]
    roadmaps: Vec<RawRoadmap>,
    #[serde(default)]
    partnerships: Vec<RawPartnership>,
    #[serde(default)]
    proposals: Vec<RawProposal>,
    #[serde(default)]
    contributions: Vec<RawContribution>,
    #[serde(default)]
    prospects: Vec<RawProspect>,
    #[serde(default)]
    actions: Vec<RawAction>,
}

#[derive(Deserialize)]
struct RawAction {
    id: Option<String>,
    roadmap: Option<String>,
    title: Option<String>,
    owner: Option<String>,
    due_on: Option<String>,
    /// PLANNED when absent.
    status: Option<String>,
    about: Option<RawAbout>,
    note: Option<String>,
    source: Option<RawSource>,
    /// Why the ledger's status is corrected to the file's.
    reason: Option<String>,
}

#[derive(Deserialize)]
struct RawAbout {
    /// NEXT_STEP, PROSPECT, PROPOSAL, PARTNERSHIP or PLEDGE (a contribution).
    kind: Option<String>,
    id: Option<String>,
}

#[derive(Deserialize)]
struct RawDocument {
    id: Option<String>,
    title: Option<String>,
    issuer: Option<String>,
    date: Option<String>,
    language: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize)]
struct RawSource {
    document: Option<String>,
    section: Option<String>,
    quote: Option<String>,
}

#[derive(Deserialize)]
struct RawNextStep {
    id: Option<String>,
    rank: Option<i64>,
    title: Option<String>,
    status: Option<String>,
    target_month: Option<String>,
    target: Option<String>,
    source: Option<RawSource>,
}

#[derive(Deserialize)]
struct RawItem {
    quantity: Option<i64>,
    unit: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
struct RawBeneficiaries {
    count: Option<i64>,
    description: Option<String>,
}

#[derive(Deserialize)]
struct RawProspect {
    id: Option<String>,
    organisation: Option<String>,
    name: Option<String>,
    roadmap: Option<String>,
    #[serde(default)]
    priorities: Vec<String>,
    #[serde(default)]
    themes: Vec<String>,
    note: Option<String>,
    source: Option<RawSource>,
    /// IDENTIFIED when absent; PLEDGED cannot be imported (it names a pledge:
    /// advance the prospect there).
    stage: Option<String>,
    owner: Option<String>,
    expected_amount: Option<RawMoney>,
    expected_decision_on: Option<String>,
}

#[derive(Deserialize)]
struct RawOrganisation {
    id: Option<String>,
    acronym: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    country: Option<String>,
    source: Option<RawSource>,
}

#[derive(Deserialize)]
struct RawPeriod {
    start: Option<String>,
    end: Option<String>,
}

#[derive(Deserialize)]
struct RawPriority {
    id: Option<String>,
    rank: Option<i64>,
    title: Option<String>,
    source: Option<RawSource>,
}

#[derive(Deserialize)]
struct RawRoadmap {
    id: Option<String>,
    title: Option<String>,
    period: Option<RawPeriod>,
    #[serde(default)]
    priorities: Vec<RawPriority>,
    #[serde(default)]
    next_steps: Vec<RawNextStep>,
    source: Option<RawSource>,
}

#[derive(Deserialize)]
struct RawPartnership {
    id: Option<String>,
    title: Option<String>,
    #[serde(default)]
    parties: Vec<String>,
    status: Option<String>,
    #[serde(default)]
    themes: Vec<String>,
    #[serde(default)]
    nature: Vec<String>,
    signed_on: Option<String>,
    #[serde(default)]
    priorities: Vec<String>,
    reason: Option<String>,
    source: Option<RawSource>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Text(String),
    Int(i64),
    Float(f64),
}

impl Number {
    fn text(&self) -> String {
        match self {
            Number::Text(s) => s.clone(),
            Number::Int(i) => i.to_string(),
            Number::Float(f) => f.to_string(),
        }
    }
}

#[derive(Deserialize)]
struct RawMoney {
    value: Option<Number>,
    currency: Option<String>,
}

#[derive(Deserialize)]
struct RawQuantity {
    count: Option<i64>,
    unit: Option<String>,
}

#[derive(Deserialize)]
struct RawProposal {
    id: Option<String>,
    applicant: Option<String>,
    donor: Option<String>,
    title: Option<String>,
    status: Option<String>,
    #[serde(default)]
    themes: Vec<String>,
    requested: Option<RawMoney>,
    submitted_on: Option<String>,
    decided_on: Option<String>,
    #[serde(default)]
    priorities: Vec<String>,
    reason: Option<String>,
    source: Option<RawSource>,
}

#[derive(Deserialize)]
struct RawContribution {
    id: Option<String>,
    donor: Option<String>,
    recipient: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    #[serde(default)]
    themes: Vec<String>,
    amount: Option<RawMoney>,
    quantity: Option<RawQuantity>,
    #[serde(default)]
    items: Vec<RawItem>,
    #[serde(default)]
    beneficiaries: Vec<RawBeneficiaries>,
    date: Option<String>,
    #[serde(default)]
    priorities: Vec<String>,
    description: Option<String>,
    reason: Option<String>,
    source: Option<RawSource>,
    /// Expected tranches of a COMMITTED or DISBURSED contribution with an
    /// amount, in its currency.
    #[serde(default)]
    tranches: Vec<RawTranche>,
    /// Contributions of the file, listed before this one, that fund it (a
    /// funding chain: `docs/funding-chains.md`), each for `value` in this
    /// contribution's currency.
    #[serde(default)]
    funded_by: Vec<RawLink>,
}

#[derive(Deserialize)]
struct RawLink {
    contribution: Option<String>,
    value: Option<Number>,
    reason: Option<String>,
}

/// Step names of a contribution's links (a commandId holds its step name).
pub(crate) const LINK_STEPS: [&str; 8] = [
    "link-1", "link-2", "link-3", "link-4", "link-5", "link-6", "link-7", "link-8",
];

#[derive(Deserialize)]
struct RawTranche {
    due_on: Option<String>,
    value: Option<Number>,
}

/// The documents of the file: their normalised texts, to check quotes against.
struct Texts {
    /// (document id, whitespace-normalised text); `None` when it could not be read.
    documents: Vec<(String, Option<String>)>,
}

impl Texts {
    /// Checks a record's source and turns it into the command's: the
    /// document (the file's only one when the source names none), the
    /// section, and a quote that must be in the document's text.
    fn source(
        &self,
        c: &mut Checker,
        record: &str,
        raw: &Option<RawSource>,
    ) -> Option<SourceInput> {
        let raw = raw.as_ref()?;
        let document = match (&raw.document, self.documents.as_slice()) {
            (Some(d), _) => d.trim().to_owned(),
            (None, [(only, _)]) => only.clone(),
            (None, []) => {
                c.problem(
                    record,
                    "source.document",
                    "the file lists no documents to cite",
                );
                return None;
            }
            (None, _) => {
                c.problem(
                    record,
                    "source.document",
                    "missing: the file lists several documents, say which one",
                );
                return None;
            }
        };
        let Some((_, text)) = self.documents.iter().find(|(id, _)| *id == document) else {
            c.problem(
                record,
                "source.document",
                format!("unknown document {document:?}"),
            );
            return None;
        };
        let quote = c.required(record, "source.quote", &raw.quote);
        if let Some(text) = text
            && !quote.is_empty()
            && !quote_in_text(&quote, text)
        {
            let shown: String = normalise_whitespace(&quote).chars().take(80).collect();
            c.problem(
                record,
                "source.quote",
                format!("not in the text of document {document}: \"{shown}\""),
            );
        }
        Some(SourceInput {
            document_id: document,
            section: raw.section.clone(),
            quote,
        })
    }
}

/// Collects problems while records are checked.
struct Checker {
    problems: Vec<Problem>,
    ids: HashSet<String>,
}

impl Checker {
    fn problem(&mut self, record: &str, field: &str, reason: impl Into<String>) {
        self.problems.push(Problem {
            record: record.to_owned(),
            field: field.to_owned(),
            reason: reason.into(),
        });
    }

    /// The record's id (required, unique in the file); a stand-in label when absent.
    fn id(&mut self, section: &str, index: usize, id: &Option<String>) -> String {
        match id.as_deref().map(str::trim) {
            Some(id) if !id.is_empty() => {
                if !self.ids.insert(id.to_owned()) {
                    self.problem(id, "id", "duplicate id in the file");
                }
                id.to_owned()
            }
            _ => {
                let label = format!("{section}[{index}]");
                self.problem(&label, "id", "missing");
                label
            }
        }
    }

    fn required(&mut self, record: &str, field: &str, value: &Option<String>) -> String {
        match value {
            Some(v) if !v.trim().is_empty() => v.clone(),
            _ => {
                self.problem(record, field, "missing");
                String::new()
            }
        }
    }

    fn enumeration<T: DeserializeOwned>(
        &mut self,
        record: &str,
        field: &str,
        value: &str,
    ) -> Option<T> {
        match serde_json::from_value(serde_json::Value::String(value.to_owned())) {
            Ok(v) => Some(v),
            Err(_) => {
                self.problem(record, field, format!("unknown value {value:?}"));
                None
            }
        }
    }

    fn required_enum<T: DeserializeOwned>(
        &mut self,
        record: &str,
        field: &str,
        value: &Option<String>,
    ) -> Option<T> {
        match value {
            Some(v) => self.enumeration(record, field, v),
            None => {
                self.problem(record, field, "missing");
                None
            }
        }
    }

    fn list<T: DeserializeOwned>(
        &mut self,
        record: &str,
        field: &str,
        values: &[String],
    ) -> Vec<T> {
        values
            .iter()
            .filter_map(|v| self.enumeration(record, field, v))
            .collect()
    }

    fn date(&mut self, record: &str, field: &str, value: &Option<String>) -> Option<NaiveDate> {
        let v = value.as_deref()?;
        match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.problem(record, field, format!("{v:?} is not a date (YYYY-MM-DD)"));
                None
            }
        }
    }

    fn currency(&mut self, record: &str, field: &str, value: &Option<String>) -> Option<Currency> {
        match value {
            Some(c) => match c.parse::<Currency>() {
                Ok(c) => Some(c),
                Err(_) => {
                    self.problem(record, field, format!("{c:?} is not an ISO 4217 currency"));
                    None
                }
            },
            None => {
                self.problem(record, field, "missing");
                None
            }
        }
    }

    fn money(&mut self, record: &str, field: &str, raw: &RawMoney) -> Option<Money> {
        let currency = self.currency(record, &format!("{field}.currency"), &raw.currency);
        let value = match &raw.value {
            None => {
                self.problem(record, &format!("{field}.value"), "missing");
                None
            }
            Some(n) => {
                let text = n.text();
                match text.trim().parse::<Decimal>() {
                    Ok(d) if d > Decimal::ZERO => Some(d),
                    Ok(_) => {
                        self.problem(
                            record,
                            &format!("{field}.value"),
                            format!("{text} is not a positive amount"),
                        );
                        None
                    }
                    Err(_) => {
                        self.problem(
                            record,
                            &format!("{field}.value"),
                            format!("{text:?} is not a decimal number"),
                        );
                        None
                    }
                }
            }
        };
        Some(Money::new(value?, currency?))
    }
}

/// Collects the creating steps and the records.
struct Steps<'f> {
    file_name: &'f str,
    steps: Vec<Step>,
    entries: Vec<Entry>,
}

impl Steps<'_> {
    fn push(&mut self, record_id: &str, step: &'static str, command: Command) {
        self.steps.push(Step {
            record_id: record_id.to_owned(),
            step,
            command_id: format!("import:{}:{record_id}:{step}", self.file_name),
            expected_version: None,
            command,
        });
    }

    fn entry(
        &mut self,
        id: &str,
        kind: RecordKind,
        date: Option<NaiveDate>,
        reason: Option<&String>,
    ) -> &mut Entry {
        self.entries.push(Entry {
            id: id.to_owned(),
            kind,
            stream: format!("{}-{id}", kind.stream_prefix()),
            date,
            reason: reason.filter(|r| !r.trim().is_empty()).cloned(),
            priorities: Vec::new(),
        });
        let last = self.entries.len() - 1;
        &mut self.entries[last]
    }
}

/// Parses and validates `text`; every problem is reported, none is fatal
/// before the whole file has been looked at (except YAML that cannot be read).
///
/// The documents' texts are looked up among the demo's ([`DEMO_TEXTS`]); a
/// file on disk goes through [`plan_with`] and a loader of its own.
pub fn plan(file_name: &str, text: &str) -> Result<Plan, Vec<Problem>> {
    plan_with(file_name, text, &demo_texts)
}

/// [`plan`], reading the documents' texts with `load`.
pub fn plan_with(file_name: &str, text: &str, load: LoadText<'_>) -> Result<Plan, Vec<Problem>> {
    let raw: RawFile = serde_norway::from_str(text).map_err(|e| {
        vec![Problem {
            record: "file".into(),
            field: "-".into(),
            reason: format!("not a valid report: {e}"),
        }]
    })?;
    let mut c = Checker {
        problems: Vec::new(),
        ids: HashSet::new(),
    };
    let mut out = Steps {
        file_name,
        steps: Vec::new(),
        entries: Vec::new(),
    };
    let mut records = 0;

    let country = c.required("file", "country", &raw.country);
    let currency = c.currency("file", "currency", &raw.currency);
    let corrected_on = c.date("file", "corrected_on", &raw.corrected_on);

    let mut texts = Texts {
        documents: Vec::new(),
    };
    for (i, d) in raw.documents.iter().enumerate() {
        records += 1;
        let id = c.id("documents", i, &d.id);
        let title = c.required(&id, "title", &d.title);
        let language = c.required(&id, "language", &d.language);
        let issued_on = c.date(&id, "date", &d.date);
        let path = c.required(&id, "text", &d.text);
        let text = if path.is_empty() {
            None
        } else {
            match load(path.trim()) {
                Ok(t) => Some(t),
                Err(e) => {
                    c.problem(&id, "text", format!("cannot read {path:?}: {e}"));
                    None
                }
            }
        };
        out.entry(&id, RecordKind::Document, None, None);
        if let Some(t) = &text {
            let command = RegisterDocument {
                id: id.clone(),
                title,
                issuer: d.issuer.clone(),
                issued_on,
                language,
                sha256: hex::encode(Sha256::digest(t.as_bytes())),
            };
            out.push(&id, "register", Command::Document(command.into()));
        }
        texts
            .documents
            .push((id, text.map(|t| normalise_whitespace(&t))));
    }

    // Known ids, so references to later records are found too.
    let organisations: HashSet<&str> = raw
        .organisations
        .iter()
        .filter_map(|o| o.id.as_deref())
        .collect();
    let mut priority_roadmap: HashMap<&str, &str> = HashMap::new();
    for r in &raw.roadmaps {
        for p in &r.priorities {
            if let (Some(pid), Some(rid)) = (p.id.as_deref(), r.id.as_deref()) {
                priority_roadmap.insert(pid, rid);
            }
        }
    }
    let known_org = |c: &mut Checker, record: &str, field: &str, id: &str| {
        if !organisations.contains(id) {
            c.problem(record, field, format!("unknown organisation {id:?}"));
        }
    };
    let known_priorities = |c: &mut Checker, record: &str, ids: &[String]| {
        for p in ids {
            if !priority_roadmap.contains_key(p.as_str()) {
                c.problem(record, "priorities", format!("unknown priority {p:?}"));
            }
        }
    };

    for (i, o) in raw.organisations.iter().enumerate() {
        records += 1;
        let id = c.id("organisations", i, &o.id);
        let name = c.required(&id, "name", &o.name);
        let kind = c.required_enum::<OrganisationKind>(&id, "kind", &o.kind);
        let org_country = c.required(&id, "country", &o.country);
        let source = texts.source(&mut c, &id, &o.source);
        out.entry(&id, RecordKind::Organisation, None, None);
        if let Some(kind) = kind {
            let command = RegisterOrganisation {
                id: id.clone(),
                name,
                acronym: o.acronym.clone(),
                kind,
                country: org_country,
                source,
            };
            out.push(&id, "register", Command::Organisation(command.into()));
        }
    }

    for (i, r) in raw.roadmaps.iter().enumerate() {
        records += 1;
        let id = c.id("roadmaps", i, &r.id);
        let title = c.required(&id, "title", &r.title);
        let (start, end) = match &r.period {
            Some(p) => {
                let start = c.date(&id, "period.start", &p.start);
                let end = c.date(&id, "period.end", &p.end);
                if p.start.is_none() {
                    c.problem(&id, "period.start", "missing");
                }
                if p.end.is_none() {
                    c.problem(&id, "period.end", "missing");
                }
                (start, end)
            }
            None => {
                c.problem(&id, "period", "missing");
                (None, None)
            }
        };
        let source = texts.source(&mut c, &id, &r.source);
        out.entry(&id, RecordKind::Roadmap, None, None);
        if let (Some(period_start), Some(period_end), Some(currency)) = (start, end, currency) {
            let command = CreateRoadmap {
                id: id.clone(),
                country: country.clone(),
                title,
                period_start,
                period_end,
                currency,
                source,
            };
            out.push(&id, "create", Command::Roadmap(command.into()));
        }
        for (j, p) in r.priorities.iter().enumerate() {
            records += 1;
            let pid = c.id(&format!("{id}.priorities"), j, &p.id);
            let title = c.required(&pid, "title", &p.title);
            let source = texts.source(&mut c, &pid, &p.source);
            out.entry(&pid, RecordKind::Priority, None, None);
            let Some(rank) = p.rank else {
                c.problem(&pid, "rank", "missing");
                continue;
            };
            let command = DefinePriority {
                id: pid.clone(),
                roadmap_id: id.clone(),
                rank,
                title,
                source,
            };
            out.push(&pid, "define", Command::Priority(command.into()));
        }
        for (j, n) in r.next_steps.iter().enumerate() {
            records += 1;
            let sid = c.id(&format!("{id}.next_steps"), j, &n.id);
            let title = c.required(&sid, "title", &n.title);
            let status = n
                .status
                .as_deref()
                .and_then(|v| c.enumeration::<NextStepStatus>(&sid, "status", v));
            let source = texts.source(&mut c, &sid, &n.source);
            out.entry(&sid, RecordKind::NextStep, None, None);
            let Some(rank) = n.rank else {
                c.problem(&sid, "rank", "missing");
                continue;
            };
            let command = DefineNextStep {
                id: sid.clone(),
                roadmap_id: id.clone(),
                rank,
                title,
                status,
                target_month: n.target_month.clone(),
                target: n.target.clone(),
                source,
            };
            out.push(&sid, "define", Command::NextStep(command.into()));
        }
    }

    for (i, p) in raw.partnerships.iter().enumerate() {
        records += 1;
        let id = c.id("partnerships", i, &p.id);
        let title = c.required(&id, "title", &p.title);
        for party in &p.parties {
            known_org(&mut c, &id, "parties", party);
        }
        known_priorities(&mut c, &id, &p.priorities);
        // absent: the file does not state it (and nothing guesses it)
        let status: Result<Option<PartnershipStatus>, ()> = match p.status.as_deref() {
            None => Ok(None),
            Some(v) => c.enumeration(&id, "status", v).map(Some).ok_or(()),
        };
        let themes = c.list::<Theme>(&id, "themes", &p.themes);
        let nature = c.list::<PartnershipNature>(&id, "nature", &p.nature);
        let signed_on = c.date(&id, "signed_on", &p.signed_on);
        let source = texts.source(&mut c, &id, &p.source);
        out.entry(&id, RecordKind::Partnership, None, p.reason.as_ref());
        if let Ok(status) = status {
            let command = RecordPartnership {
                id: id.clone(),
                party_ids: p.parties.clone(),
                title,
                themes,
                nature,
                priority_ids: p.priorities.clone(),
                status,
                signed_on,
                source,
            };
            out.push(&id, "record", Command::Partnership(command.into()));
        }
    }

    for (i, p) in raw.proposals.iter().enumerate() {
        records += 1;
        let id = c.id("proposals", i, &p.id);
        let applicant = c.required(&id, "applicant", &p.applicant);
        let donor = c.required(&id, "donor", &p.donor);
        if !applicant.is_empty() {
            known_org(&mut c, &id, "applicant", &applicant);
        }
        if !donor.is_empty() {
            known_org(&mut c, &id, "donor", &donor);
        }
        let title = c.required(&id, "title", &p.title);
        let status = c.required_enum::<ProposalStatus>(&id, "status", &p.status);
        let decided_on = c.date(&id, "decided_on", &p.decided_on);
        let decision = match status {
            Some(ProposalStatus::Draft) => {
                c.problem(
                    &id,
                    "status",
                    "DRAFT cannot be imported (no command makes a draft): use SUBMITTED",
                );
                None
            }
            Some(ProposalStatus::Submitted) => {
                if p.decided_on.is_some() {
                    c.problem(
                        &id,
                        "decided_on",
                        "a SUBMITTED proposal is not decided yet: no decided_on",
                    );
                }
                None
            }
            Some(decided) => {
                if p.decided_on.is_none() {
                    c.problem(
                        &id,
                        "decided_on",
                        format!("missing: a proposal {decided} needs the date of its decision"),
                    );
                }
                decided_on.map(|on| (decided, on))
            }
            None => None,
        };
        let themes = c.list::<Theme>(&id, "themes", &p.themes);
        known_priorities(&mut c, &id, &p.priorities);
        let requested = p
            .requested
            .as_ref()
            .and_then(|m| c.money(&id, "requested", m));
        let submitted_on = c.date(&id, "submitted_on", &p.submitted_on);
        let source = texts.source(&mut c, &id, &p.source);
        out.entry(&id, RecordKind::Proposal, None, p.reason.as_ref());
        let command = SubmitProposal {
            id: id.clone(),
            applicant_id: applicant,
            donor_id: donor,
            title,
            requested,
            themes,
            priority_ids: p.priorities.clone(),
            submitted_on,
            source,
        };
        out.push(&id, "submit", Command::Proposal(command.into()));
        if let Some((status, decided_on)) = decision {
            let command = DecideProposal {
                proposal_id: id.clone(),
                status,
                decided_on,
                reason: p.reason.clone().filter(|r| !r.trim().is_empty()),
            };
            out.push(&id, "decide", Command::Proposal(command.into()));
        }
    }

    let first_roadmap = raw.roadmaps.first().and_then(|r| r.id.clone());
    let mut contributions_before: HashSet<String> = HashSet::new();
    for (i, k) in raw.contributions.iter().enumerate() {
        records += 1;
        let id = c.id("contributions", i, &k.id);
        let links = link_inputs(&mut c, &id, &k.funded_by, &contributions_before);
        contributions_before.insert(id.clone());
        // absent: not stated (the domain wants one of the two)
        let donor = k.donor.clone().filter(|d| !d.trim().is_empty());
        let recipient = k.recipient.clone().filter(|r| !r.trim().is_empty());
        if donor.is_none() && recipient.is_none() {
            c.problem(
                &id,
                "donor",
                "missing: a contribution names its donor, its recipient or both",
            );
        }
        if let Some(d) = &donor {
            known_org(&mut c, &id, "donor", d);
        }
        if let Some(r) = &recipient {
            known_org(&mut c, &id, "recipient", r);
        }
        known_priorities(&mut c, &id, &k.priorities);
        let kind = c.required_enum::<ContributionKind>(&id, "kind", &k.kind);
        let status = k
            .status
            .as_deref()
            .map(|v| c.enumeration::<PledgeStatus>(&id, "status", v));
        let status_stated = status.is_some();
        let status = status.unwrap_or(Some(PledgeStatus::Pledged));
        if let Some(s) = status
            && s == PledgeStatus::PartlyDisbursed
        {
            c.problem(
                &id,
                "status",
                format!("{s} is not PLEDGED, COMMITTED, DISBURSED or CANCELLED"),
            );
        }
        let themes = c.list::<Theme>(&id, "themes", &k.themes);
        let amount = k.amount.as_ref().and_then(|m| c.money(&id, "amount", m));
        let quantity = k.quantity.as_ref().and_then(|q| match (q.count, &q.unit) {
            (Some(count), Some(unit)) => Some(QuantityInput {
                count,
                unit: unit.clone(),
            }),
            _ => {
                c.problem(&id, "quantity", "needs both count and unit");
                None
            }
        });
        let items: Vec<ItemInput> = k
            .items
            .iter()
            .enumerate()
            .filter_map(|(j, it)| match (it.quantity, &it.unit) {
                (Some(quantity), Some(unit)) => Some(ItemInput {
                    quantity,
                    unit: unit.clone(),
                    description: it.description.clone(),
                }),
                _ => {
                    c.problem(&id, &format!("items[{j}]"), "needs both quantity and unit");
                    None
                }
            })
            .collect();
        let beneficiaries: Vec<BeneficiariesInput> = k
            .beneficiaries
            .iter()
            .enumerate()
            .filter_map(|(j, b)| match (b.count, &b.description) {
                (Some(count), Some(description)) => Some(BeneficiariesInput {
                    count,
                    description: description.clone(),
                }),
                _ => {
                    c.problem(
                        &id,
                        &format!("beneficiaries[{j}]"),
                        "needs both count and description",
                    );
                    None
                }
            })
            .collect();
        let source = texts.source(&mut c, &id, &k.source);
        let date = c.date(&id, "date", &k.date);
        // A cancellation is dated like a correction.
        let cancelled_on = corrected_on.or(date);
        if status == Some(PledgeStatus::Cancelled) && cancelled_on.is_none() {
            c.problem(
                &id,
                "status",
                "CANCELLED needs the date of the cancellation: give the file a corrected_on (or the contribution a date)",
            );
        }
        let roadmaps: Vec<&str> = {
            let mut r: Vec<&str> = k
                .priorities
                .iter()
                .filter_map(|p| priority_roadmap.get(p.as_str()).copied())
                .collect();
            r.dedup();
            r
        };
        let roadmap_id = match roadmaps.as_slice() {
            [one] => (*one).to_owned(),
            [] => match &first_roadmap {
                Some(r) => r.clone(),
                None => {
                    c.problem(&id, "priorities", "the file has no roadmap to pledge to");
                    String::new()
                }
            },
            _ => {
                c.problem(&id, "priorities", "priorities of several roadmaps");
                String::new()
            }
        };
        let (allocations, priority_ids) = match (&amount, k.priorities.as_slice()) {
            (None, _) => (vec![], k.priorities.clone()),
            (Some(m), [one]) => (
                vec![AllocationInput {
                    priority_id: one.clone(),
                    amount: m.amount,
                }],
                vec![],
            ),
            (Some(_), _) => (vec![], vec![]),
        };
        out.entry(&id, RecordKind::Contribution, date, k.reason.as_ref())
            .priorities = k.priorities.clone();
        let (Some(kind), Some(status)) = (kind, status) else {
            continue;
        };
        let tranches = tranche_inputs(&mut c, &id, &k.tranches);
        if !tranches.is_empty()
            && (amount.is_none()
                || !matches!(status, PledgeStatus::Committed | PledgeStatus::Disbursed))
        {
            c.problem(
                &id,
                "tranches",
                "expected tranches need a COMMITTED or DISBURSED contribution with an amount",
            );
        }
        let disbursed = amount.as_ref().map(|m| m.amount);
        let command = MakePledge {
            id: id.clone(),
            donor_id: donor,
            recipient_id: recipient,
            roadmap_id,
            kind,
            amount,
            quantity,
            allocations,
            priority_ids,
            pledged_on: date,
            proposal_id: None,
            partnership_id: None,
            themes,
            description: k.description.clone(),
            items,
            beneficiaries,
            status_stated,
            source,
        };
        out.push(&id, "pledge", Command::Pledge(command.into()));
        if matches!(status, PledgeStatus::Committed | PledgeStatus::Disbursed) {
            let command = CommitPledge {
                pledge_id: id.clone(),
                committed_on: date,
            };
            out.push(&id, "commit", Command::Pledge(command.into()));
        }
        if !tranches.is_empty() {
            let command = SetTranches {
                pledge_id: id.clone(),
                tranches,
                reason: None,
            };
            out.push(&id, "tranches", Command::Pledge(command.into()));
        }
        if status == PledgeStatus::Disbursed {
            let command = RecordDisbursement {
                pledge_id: id.clone(),
                amount: disbursed,
                disbursed_on: date,
            };
            out.push(&id, "disburse", Command::Pledge(command.into()));
        }
        for (&step, link) in LINK_STEPS.iter().zip(links) {
            out.push(&id, step, Command::Pledge(link.into()));
        }
        if status == PledgeStatus::Cancelled
            && let Some(cancelled_on) = cancelled_on
        {
            let reason = k
                .reason
                .clone()
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| format!("import of {file_name}: cancelled"));
            let command = CancelPledge {
                pledge_id: id.clone(),
                cancelled_on,
                reason,
            };
            out.push(&id, "cancel", Command::Pledge(command.into()));
        }
    }

    for (i, p) in raw.prospects.iter().enumerate() {
        records += 1;
        let id = c.id("prospects", i, &p.id);
        if let Some(o) = &p.organisation {
            known_org(&mut c, &id, "organisation", o);
        }
        known_priorities(&mut c, &id, &p.priorities);
        let roadmap = c.required(&id, "roadmap", &p.roadmap);
        let themes = c.list::<Theme>(&id, "themes", &p.themes);
        let source = texts.source(&mut c, &id, &p.source);
        let stage = p
            .stage
            .as_deref()
            .and_then(|v| c.enumeration::<ProspectStage>(&id, "stage", v));
        let expected_amount = p
            .expected_amount
            .as_ref()
            .and_then(|m| c.money(&id, "expected_amount", m));
        let expected_decision_on = c.date(&id, "expected_decision_on", &p.expected_decision_on);
        out.entry(&id, RecordKind::Prospect, None, None);
        let command = RecordProspect {
            id: id.clone(),
            roadmap_id: roadmap,
            organisation_id: p.organisation.clone(),
            name: p.name.clone(),
            priority_ids: p.priorities.clone(),
            themes,
            note: p.note.clone(),
            source,
            stage,
            owner: p.owner.clone(),
            expected_amount,
            expected_decision_on,
        };
        out.push(&id, "record", Command::Prospect(command.into()));
    }

    for (i, a) in raw.actions.iter().enumerate() {
        records += 1;
        let id = c.id("actions", i, &a.id);
        let roadmap = c.required(&id, "roadmap", &a.roadmap);
        let title = c.required(&id, "title", &a.title);
        let due_on = c.date(&id, "due_on", &a.due_on);
        let status = a
            .status
            .as_deref()
            .and_then(|v| c.enumeration::<ActionStatus>(&id, "status", v));
        let about = a.about.as_ref().and_then(|about| {
            let kind = c.required(&id, "about.kind", &about.kind);
            let target = c.required(&id, "about.id", &about.id);
            let kind = c.enumeration::<ActionSubject>(&id, "about.kind", &kind)?;
            Some(AboutInput { kind, id: target })
        });
        let source = texts.source(&mut c, &id, &a.source);
        out.entry(&id, RecordKind::Action, None, a.reason.as_ref());
        let command = RecordAction {
            id: id.clone(),
            roadmap_id: roadmap,
            title,
            owner: a.owner.clone(),
            due_on,
            status,
            about,
            note: a.note.clone(),
            source,
        };
        out.push(&id, "record", Command::Action(command.into()));
    }

    let mut desired = World::empty();
    if c.problems.is_empty() {
        // Every step against the pure domain, on an empty world: catches what
        // only the domain's rules know (ids, texts, periods, allocations...).
        for s in &out.steps {
            if let Err(e) = desired.run(&s.command) {
                c.problem(&s.record_id, s.step, e.to_string());
            }
        }
    }
    if c.problems.is_empty() {
        Ok(Plan {
            file_name: file_name.to_owned(),
            records,
            steps: out.steps,
            corrected_on,
            entries: out.entries,
            desired: desired.into_states(),
        })
    } else {
        Err(c.problems)
    }
}

/// Why an import appended nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// The file does not fit the ledger as it is (every problem listed).
    #[error("{} problem(s), nothing imported", .0.len())]
    Refused(Vec<Problem>),
    #[error(transparent)]
    Ledger(#[from] ServiceError),
}

impl From<fundtrail_store::StoreError> for ImportError {
    fn from(e: fundtrail_store::StoreError) -> Self {
        ImportError::Ledger(ServiceError::Store(e))
    }
}

/// What `plan` changes in the ledger of `state`, planned and dry-run in full
/// against its current state (see the crate's docs). Waits first for the read
/// models to show everything the store holds.
pub async fn changes(state: &AppState, plan: &Plan) -> Result<Changes, ImportError> {
    let head = state.store().head().await?.position;
    while state.applied() < head {
        state.wait_for(head).await;
    }
    let model = state.read();
    correct::changes(&model, plan).map_err(ImportError::Refused)
}

/// What happened to one step.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Appended,
    /// The same command was run before (same commandId, same input): nothing appended.
    Unchanged,
    /// The ledger refused it (another writer changed the entity since the
    /// plan, say).
    Refused(String),
}

/// The expected tranches of contribution `id` (each `due_on` and `value`).
/// A contribution's `funded_by`: each names a contribution listed before it
/// (so that it exists when the link is made) and a positive value.
fn link_inputs(
    c: &mut Checker,
    id: &str,
    raw: &[RawLink],
    before: &HashSet<String>,
) -> Vec<fundtrail_domain::chain::LinkFunding> {
    if raw.len() > LINK_STEPS.len() {
        c.problem(
            id,
            "funded_by",
            format!(
                "at most {} funding contributions per contribution",
                LINK_STEPS.len()
            ),
        );
        return Vec::new();
    }
    raw.iter()
        .enumerate()
        .filter_map(|(j, l)| {
            let field = format!("funded_by[{j}]");
            let parent = match l.contribution.as_deref().map(str::trim) {
                None | Some("") => {
                    c.problem(id, &format!("{field}.contribution"), "missing");
                    None
                }
                Some(p) if !before.contains(p) => {
                    c.problem(
                        id,
                        &format!("{field}.contribution"),
                        format!("{p:?} is not a contribution listed before this one in the file"),
                    );
                    None
                }
                Some(p) => Some(p.to_owned()),
            };
            let amount = positive_value(c, id, &field, l.value.as_ref());
            Some(fundtrail_domain::chain::LinkFunding {
                pledge_id: id.to_owned(),
                funded_by_pledge_id: parent?,
                amount: amount?,
                reason: l.reason.clone(),
            })
        })
        .collect()
}

/// `<field>.value`: a positive decimal (a tranche's, a link's).
fn positive_value(
    c: &mut Checker,
    id: &str,
    field: &str,
    value: Option<&Number>,
) -> Option<Decimal> {
    let Some(n) = value else {
        c.problem(id, &format!("{field}.value"), "missing");
        return None;
    };
    match n.text().trim().parse::<Decimal>() {
        Ok(d) if d > Decimal::ZERO => Some(d),
        _ => {
            c.problem(
                id,
                &format!("{field}.value"),
                format!("{} is not a positive amount", n.text()),
            );
            None
        }
    }
}

fn tranche_inputs(c: &mut Checker, id: &str, raw: &[RawTranche]) -> Vec<TrancheInput> {
    raw.iter()
        .enumerate()
        .filter_map(|(j, t)| {
            let field = format!("tranches[{j}]");
            let due_on = match &t.due_on {
                None => {
                    c.problem(id, &format!("{field}.due_on"), "missing");
                    None
                }
                some => c.date(id, &format!("{field}.due_on"), some),
            };
            let amount = positive_value(c, id, &field, t.value.as_ref());
            Some(TrancheInput {
                due_on: due_on?,
                amount: amount?,
            })
        })
        .collect()
}

/// The end of an import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub records_read: usize,
    /// Steps run.
    pub commands: usize,
    pub events_appended: u64,
    /// Records the ledger did not hold, now recorded.
    pub records_added: usize,
    /// Records the ledger held otherwise, now corrected.
    pub records_corrected: usize,
    /// Records the ledger already held as the file says.
    pub records_unchanged: usize,
    /// `record:step: reason` the ledger refused.
    pub refused: Vec<String>,
}

impl Summary {
    pub fn is_complete(&self) -> bool {
        self.refused.is_empty()
    }
}

/// Runs the steps through the ledger, in order; `progress` hears of each.
pub async fn run(
    state: &AppState,
    changes: &Changes,
    mut progress: impl FnMut(&Step, &Outcome),
) -> Result<Summary, ServiceError> {
    let actor = changes.actor();
    let mut summary = Summary {
        records_read: changes.records_read,
        commands: changes.steps.len(),
        ..Default::default()
    };
    let mut appended: HashSet<&str> = HashSet::new();
    let mut refused: HashSet<&str> = HashSet::new();
    for step in &changes.steps {
        let context = CommandContext {
            command_id: Some(step.command_id.clone()),
            expected_version: step.expected_version,
            ..CommandContext::by(actor.clone())
        };
        let outcome = match state.execute(&context, step.command.clone()).await {
            Ok(e) if e.replayed => Outcome::Unchanged,
            Ok(e) => {
                summary.events_appended += e.last_position + 1 - e.first_position;
                Outcome::Appended
            }
            Err(e @ (ServiceError::Store(_) | ServiceError::Corrupt { .. })) => return Err(e),
            Err(e) => Outcome::Refused(e.to_string()),
        };
        match &outcome {
            Outcome::Unchanged => {}
            Outcome::Appended => {
                appended.insert(&step.record_id);
            }
            Outcome::Refused(reason) => {
                refused.insert(&step.record_id);
                summary
                    .refused
                    .push(format!("{}:{}: {reason}", step.record_id, step.step));
            }
        }
        progress(step, &outcome);
    }
    let done = |r: &&String| appended.contains(r.as_str()) && !refused.contains(r.as_str());
    summary.records_added = changes.added.iter().filter(done).count();
    summary.records_corrected = changes.corrected.iter().filter(done).count();
    // Unchanged: nothing to do, or every step had been run before.
    let untouched = |r: &&String| !appended.contains(r.as_str()) && !refused.contains(r.as_str());
    summary.records_unchanged = changes.unchanged.len()
        + changes.added.iter().filter(untouched).count()
        + changes.corrected.iter().filter(untouched).count();
    Ok(summary)
}

/// [`changes`] then [`run`]: nothing is appended unless the whole file fits.
pub async fn apply(
    state: &AppState,
    plan: &Plan,
    progress: impl FnMut(&Step, &Outcome),
) -> Result<Summary, ImportError> {
    let changes = changes(state, plan).await?;
    Ok(run(state, &changes, progress).await?)
}
