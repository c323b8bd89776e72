//! `fundtrail import`: a country's YAML report (see `ops/demo/civ-2023.yaml`
//! for the format) turned into ledger commands.
//!
//! 1. [`plan`] parses and validates the whole file, reporting every problem
//!    (record id, field, reason), then dry-runs every command against the pure
//!    domain on an empty world, so a file that [`plan`] accepts holds together
//!    on its own. Nothing touches the store.
//! 2. [`apply`] runs the commands through the ledger ([`AppState::execute`]),
//!    with actor `import:<file name>` and commandId
//!    `import:<file name>:<record id>:<step>`: importing the same file again
//!    replays the first results and appends nothing. A step whose commandId
//!    was used before for a different input (the file was corrected) is not
//!    applied and reported as changed.
//!
//! Mapping decisions:
//! - organisations → `registerOrganisation`;
//! - roadmaps → `createRoadmap` (the file's `country` and `currency`), then
//!   `definePriority` per priority with the file's priority ids; `next_steps`
//!   and `prospects` have no command yet and are not imported;
//! - partnerships → `recordPartnership`; proposals → `submitProposal`
//!   (status SUBMITTED only, `submittedOn` unknown);
//! - contributions → `pledge`, then `commitPledge` for COMMITTED and DISBURSED,
//!   then `recordDisbursement` of the whole amount (or a delivery without
//!   amount when unvalued) for DISBURSED. The contribution's `date`, when
//!   given, dates all three; when absent they stay unknown. Without an amount
//!   the pledge is unvalued and carries the `priorities` as `priorityIds`;
//!   with an amount, the whole of it is allocated to the single listed
//!   priority, or left unallocated when none or several are listed. The
//!   pledge's roadmap is the roadmap of its priorities, else the file's
//!   first roadmap;
//! - references must name records of the same file.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use fundtrail_api::AppState;
use fundtrail_domain::enums::*;
use fundtrail_domain::organisation::{OrganisationState, RegisterOrganisation};
use fundtrail_domain::partnership::{PartnershipState, RecordPartnership};
use fundtrail_domain::pledge::{
    AllocationInput, CommitPledge, MakePledge, PledgeState, QuantityInput, RecordDisbursement,
};
use fundtrail_domain::priority::{DefinePriority, PriorityState};
use fundtrail_domain::proposal::{ProposalState, SubmitProposal};
use fundtrail_domain::roadmap::{CreateRoadmap, RoadmapState};
use fundtrail_domain::{Aggregate, AnyEvent, Currency, DomainError, InMemoryReferences, Money};
use fundtrail_ledger::{Command, CommandContext, ServiceError};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The Côte d'Ivoire 2023 report, shipped with the binary for `serve --demo`.
pub const DEMO: &str = include_str!("../../../ops/demo/civ-2023.yaml");
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
    /// `register`, `create`, `define`, `record`, `submit`, `pledge`, `commit`, `disburse`.
    pub step: &'static str,
    pub command: Command,
}

/// What a valid file becomes.
#[derive(Debug, Clone)]
pub struct Plan {
    pub file_name: String,
    /// Records read (organisations, roadmaps, priorities, partnerships, proposals, contributions).
    pub records: usize,
    pub steps: Vec<Step>,
}

impl Plan {
    pub fn actor(&self) -> String {
        format!("import:{}", self.file_name)
    }

    pub fn command_id(&self, step: &Step) -> String {
        format!("import:{}:{}:{}", self.file_name, step.record_id, step.step)
    }
}

// ---- the file, loosely typed so that every problem can be reported ----

#[derive(Deserialize, Default)]
struct RawFile {
    country: Option<String>,
    currency: Option<String>,
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
}

#[derive(Deserialize)]
struct RawOrganisation {
    id: Option<String>,
    acronym: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    country: Option<String>,
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
}

#[derive(Deserialize)]
struct RawRoadmap {
    id: Option<String>,
    title: Option<String>,
    period: Option<RawPeriod>,
    #[serde(default)]
    priorities: Vec<RawPriority>,
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
    date: Option<String>,
    #[serde(default)]
    priorities: Vec<String>,
    description: Option<String>,
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
                    Ok(d) => Some(d),
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

/// Parses and validates `text`; every problem is reported, none is fatal
/// before the whole file has been looked at (except YAML that cannot be read).
pub fn plan(file_name: &str, text: &str) -> Result<Plan, Vec<Problem>> {
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
    let mut steps = Vec::new();
    let mut records = 0;

    let country = c.required("file", "country", &raw.country);
    let currency = c.currency("file", "currency", &raw.currency);

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
        if let Some(kind) = kind {
            steps.push(Step {
                record_id: id.clone(),
                step: "register",
                command: Command::Organisation(
                    RegisterOrganisation {
                        id,
                        name,
                        acronym: o.acronym.clone(),
                        kind,
                        country: org_country,
                    }
                    .into(),
                ),
            });
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
        if let (Some(period_start), Some(period_end), Some(currency)) = (start, end, currency) {
            steps.push(Step {
                record_id: id.clone(),
                step: "create",
                command: Command::Roadmap(
                    CreateRoadmap {
                        id: id.clone(),
                        country: country.clone(),
                        title,
                        period_start,
                        period_end,
                        currency,
                    }
                    .into(),
                ),
            });
        }
        for (j, p) in r.priorities.iter().enumerate() {
            records += 1;
            let pid = c.id(&format!("{id}.priorities"), j, &p.id);
            let title = c.required(&pid, "title", &p.title);
            let Some(rank) = p.rank else {
                c.problem(&pid, "rank", "missing");
                continue;
            };
            steps.push(Step {
                record_id: pid.clone(),
                step: "define",
                command: Command::Priority(
                    DefinePriority {
                        id: pid,
                        roadmap_id: id.clone(),
                        rank,
                        title,
                    }
                    .into(),
                ),
            });
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
        let status = c.required_enum::<PartnershipStatus>(&id, "status", &p.status);
        let themes = c.list::<Theme>(&id, "themes", &p.themes);
        let nature = c.list::<PartnershipNature>(&id, "nature", &p.nature);
        let signed_on = c.date(&id, "signed_on", &p.signed_on);
        if let Some(status) = status {
            steps.push(Step {
                record_id: id.clone(),
                step: "record",
                command: Command::Partnership(
                    RecordPartnership {
                        id,
                        party_ids: p.parties.clone(),
                        title,
                        themes,
                        nature,
                        priority_ids: p.priorities.clone(),
                        status,
                        signed_on,
                    }
                    .into(),
                ),
            });
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
        if let Some(s) = status
            && s != ProposalStatus::Submitted
        {
            c.problem(
                &id,
                "status",
                format!("{s} cannot be imported yet (only SUBMITTED: a decision needs its date)"),
            );
        }
        let themes = c.list::<Theme>(&id, "themes", &p.themes);
        let requested = p
            .requested
            .as_ref()
            .and_then(|m| c.money(&id, "requested", m));
        steps.push(Step {
            record_id: id.clone(),
            step: "submit",
            command: Command::Proposal(
                SubmitProposal {
                    id,
                    applicant_id: applicant,
                    donor_id: donor,
                    title,
                    requested,
                    themes,
                    priority_ids: vec![],
                    submitted_on: None,
                }
                .into(),
            ),
        });
    }

    let first_roadmap = raw.roadmaps.first().and_then(|r| r.id.clone());
    for (i, k) in raw.contributions.iter().enumerate() {
        records += 1;
        let id = c.id("contributions", i, &k.id);
        let donor = c.required(&id, "donor", &k.donor);
        let recipient = c.required(&id, "recipient", &k.recipient);
        if !donor.is_empty() {
            known_org(&mut c, &id, "donor", &donor);
        }
        if !recipient.is_empty() {
            known_org(&mut c, &id, "recipient", &recipient);
        }
        known_priorities(&mut c, &id, &k.priorities);
        let kind = c.required_enum::<ContributionKind>(&id, "kind", &k.kind);
        let status = c.required_enum::<PledgeStatus>(&id, "status", &k.status);
        if let Some(s) = status
            && !matches!(
                s,
                PledgeStatus::Pledged | PledgeStatus::Committed | PledgeStatus::Disbursed
            )
        {
            c.problem(
                &id,
                "status",
                format!("{s} is not PLEDGED, COMMITTED or DISBURSED"),
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
        let date = c.date(&id, "date", &k.date);
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
        let (Some(kind), Some(status)) = (kind, status) else {
            continue;
        };
        let disbursed = amount.as_ref().map(|m| m.amount);
        steps.push(Step {
            record_id: id.clone(),
            step: "pledge",
            command: Command::Pledge(
                MakePledge {
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
                }
                .into(),
            ),
        });
        if matches!(status, PledgeStatus::Committed | PledgeStatus::Disbursed) {
            steps.push(Step {
                record_id: id.clone(),
                step: "commit",
                command: Command::Pledge(
                    CommitPledge {
                        pledge_id: id.clone(),
                        committed_on: date,
                    }
                    .into(),
                ),
            });
        }
        if status == PledgeStatus::Disbursed {
            steps.push(Step {
                record_id: id.clone(),
                step: "disburse",
                command: Command::Pledge(
                    RecordDisbursement {
                        pledge_id: id,
                        amount: disbursed,
                        disbursed_on: date,
                    }
                    .into(),
                ),
            });
        }
    }

    if c.problems.is_empty() {
        dry_run(&steps, &mut c.problems);
    }
    if c.problems.is_empty() {
        Ok(Plan {
            file_name: file_name.to_owned(),
            records,
            steps,
        })
    } else {
        Err(c.problems)
    }
}

/// Every step against the pure domain, on an empty world: catches what only
/// the domain's rules know (ids, texts, periods, allocations...).
fn dry_run(steps: &[Step], problems: &mut Vec<Problem>) {
    #[derive(Default)]
    struct World {
        refs: InMemoryReferences,
        organisations: HashMap<String, OrganisationState>,
        roadmaps: HashMap<String, RoadmapState>,
        priorities: HashMap<String, PriorityState>,
        partnerships: HashMap<String, PartnershipState>,
        proposals: HashMap<String, ProposalState>,
        pledges: HashMap<String, PledgeState>,
    }
    fn run<A: Aggregate>(
        states: &mut HashMap<String, A>,
        refs: &mut InMemoryReferences,
        stream: String,
        command: &A::Command,
    ) -> Result<(), DomainError>
    where
        A::Event: Clone + Into<AnyEvent>,
    {
        let state = states.entry(stream).or_default();
        let events = state.decide(command, refs)?;
        for e in events {
            state.apply(&e);
            refs.apply(&e.into());
        }
        Ok(())
    }
    let mut w = World::default();
    for s in steps {
        let result = s.command.stream_id().and_then(|stream| match &s.command {
            Command::Organisation(c) => run(&mut w.organisations, &mut w.refs, stream, c),
            Command::Roadmap(c) => run(&mut w.roadmaps, &mut w.refs, stream, c),
            Command::Priority(c) => run(&mut w.priorities, &mut w.refs, stream, c),
            Command::Partnership(c) => run(&mut w.partnerships, &mut w.refs, stream, c),
            Command::Proposal(c) => run(&mut w.proposals, &mut w.refs, stream, c),
            Command::Pledge(c) => run(&mut w.pledges, &mut w.refs, stream, c),
            Command::ExchangeRate(_) => Ok(()),
        });
        if let Err(e) = result {
            problems.push(Problem {
                record: s.record_id.clone(),
                field: s.step.to_owned(),
                reason: e.to_string(),
            });
        }
    }
}

/// What happened to one step.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Appended,
    /// The same step was imported before: nothing appended.
    Unchanged,
    /// The record changed since the last import: not applied.
    Changed,
    /// The ledger refused it (e.g. an entity of the same id made elsewhere).
    Refused(String),
}

/// The end of an import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub records_read: usize,
    pub commands: usize,
    pub events_appended: u64,
    /// Records every step of which had been imported before.
    pub records_unchanged: usize,
    /// `record:step` changed since the last import, not applied.
    pub changed: Vec<String>,
    /// `record:step: reason` the ledger refused.
    pub refused: Vec<String>,
}

impl Summary {
    pub fn is_complete(&self) -> bool {
        self.changed.is_empty() && self.refused.is_empty()
    }
}

/// Runs the plan's steps through the ledger, in order; `progress` hears of each.
/// Waits first for the read models to catch up with the store (the domain's
/// reference checks read them).
pub async fn apply(
    state: &AppState,
    plan: &Plan,
    mut progress: impl FnMut(&Step, &Outcome),
) -> Result<Summary, ServiceError> {
    while !state.is_ready() {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let head_before = state.store().head().await?.position;
    let actor = plan.actor();
    let mut summary = Summary {
        records_read: plan.records,
        commands: plan.steps.len(),
        ..Default::default()
    };
    let mut touched: HashSet<&str> = HashSet::new();
    let mut records: Vec<&str> = Vec::new();
    for step in &plan.steps {
        if !records.contains(&step.record_id.as_str()) {
            records.push(&step.record_id);
        }
        let context = CommandContext {
            actor: actor.clone(),
            command_id: Some(plan.command_id(step)),
            ..Default::default()
        };
        let outcome = match state.execute(&context, step.command.clone()).await {
            Ok(e) if e.replayed => Outcome::Unchanged,
            Ok(_) => Outcome::Appended,
            Err(ServiceError::IdempotencyConflict { .. }) => Outcome::Changed,
            Err(e @ (ServiceError::Store(_) | ServiceError::Corrupt { .. })) => return Err(e),
            Err(e) => Outcome::Refused(e.to_string()),
        };
        match &outcome {
            Outcome::Unchanged => {}
            Outcome::Appended => {
                touched.insert(&step.record_id);
            }
            Outcome::Changed => {
                touched.insert(&step.record_id);
                summary
                    .changed
                    .push(format!("{}:{}", step.record_id, step.step));
            }
            Outcome::Refused(reason) => {
                touched.insert(&step.record_id);
                summary
                    .refused
                    .push(format!("{}:{}: {reason}", step.record_id, step.step));
            }
        }
        progress(step, &outcome);
    }
    summary.records_unchanged = records.iter().filter(|r| !touched.contains(*r)).count();
    summary.events_appended = state.store().head().await?.position - head_before;
    Ok(summary)
}
