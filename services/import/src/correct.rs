//! What a file changes in the ledger as it is now: per record, nothing (the
//! ledger already says what the file says), its creating steps (the ledger
//! has no entity of that id), or the ordinary corrective commands that take
//! the entity from its current state to the file's (see the crate's docs for
//! the rules). Every step is dry-run against the current state before anything
//! is appended; a difference no command can make is a [`Problem`].

use std::collections::HashMap;

use chrono::NaiveDate;
use fundtrail_domain::action::ChangeActionStatus;
use fundtrail_domain::enums::{PartnershipStatus, PledgeStatus, ProposalStatus};
use fundtrail_domain::money::Money;
use fundtrail_domain::next_step::ChangeNextStepStatus;
use fundtrail_domain::partnership::{ChangePartnershipStatus, transition_allowed};
use fundtrail_domain::pledge::{
    AllocationInput, Beneficiaries, CancelPledge, CommitPledge, Item, Pledge, Quantity,
    RecordDisbursement, RevisePledge,
};
use fundtrail_domain::proposal::DecideProposal;
use fundtrail_domain::schedule::{SetTranches, TrancheInput};
use fundtrail_domain::source::SourceRef;
use fundtrail_ledger::{Command, fingerprint};
use fundtrail_projections::ReadModel;

use crate::world::World;
use crate::{Changes, Entry, Plan, Problem, RecordKind, Step};

/// How a value is shown in a problem.
trait Show {
    fn show(&self) -> String;
}

impl Show for String {
    fn show(&self) -> String {
        format!("{self:?}")
    }
}

impl Show for u32 {
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Show for Quantity {
    fn show(&self) -> String {
        format!("{} {}", self.count, self.unit)
    }
}

impl<T: Show> Show for Option<T> {
    fn show(&self) -> String {
        self.as_ref()
            .map_or_else(|| "nothing".to_owned(), Show::show)
    }
}

impl Show for Item {
    fn show(&self) -> String {
        format!("{} {}", self.quantity, self.unit)
    }
}

impl Show for Beneficiaries {
    fn show(&self) -> String {
        format!("{} {}", self.count, self.description)
    }
}

impl Show for SourceRef {
    fn show(&self) -> String {
        format!(
            "{} {} {:?}",
            self.document_id,
            self.section.as_deref().unwrap_or("-"),
            self.quote
        )
    }
}

impl Show for fundtrail_domain::action::About {
    fn show(&self) -> String {
        format!("{} {}", self.kind, self.id)
    }
}

impl Show for bool {
    fn show(&self) -> String {
        self.to_string()
    }
}

impl<T: Show> Show for Vec<T> {
    fn show(&self) -> String {
        let items: Vec<String> = self.iter().map(Show::show).collect();
        format!("[{}]", items.join(", "))
    }
}

macro_rules! show_display {
    ($($t:ty),+) => {
        $(impl Show for $t {
            fn show(&self) -> String {
                self.to_string()
            }
        })+
    };
}
show_display!(
    NaiveDate,
    Money,
    fundtrail_domain::Currency,
    fundtrail_domain::enums::OrganisationKind,
    fundtrail_domain::enums::Theme,
    fundtrail_domain::enums::PartnershipNature,
    fundtrail_domain::enums::ContributionKind,
    PartnershipStatus,
    ProposalStatus,
    PledgeStatus,
    fundtrail_domain::ids::OrganisationId,
    fundtrail_domain::ids::RoadmapId,
    fundtrail_domain::ids::PriorityId,
    fundtrail_domain::ids::DocumentId,
    fundtrail_domain::enums::NextStepStatus
);

/// The commandId of a corrective step: the record, the step, the entity's
/// version the step starts from and a short hash of the command and that
/// version. The same file against the same ledger gives the same ids (a
/// concurrent or retried import appends once); the version makes a
/// correction back and forth (A, B, A, B) a new command each time.
fn correction_id(plan: &Plan, record: &str, step: &str, version: u64, command: &Command) -> String {
    let print = fingerprint(command, Some(version));
    let hash = print.strip_prefix("sha256:").unwrap_or(&print);
    format!(
        "import:{}:{record}:{step}:v{version}:{}",
        plan.file_name,
        &hash[..hash.len().min(12)]
    )
}

/// Where a pledge is on the ladder (CANCELLED is apart).
fn rung(s: PledgeStatus) -> u8 {
    match s {
        PledgeStatus::Pledged => 0,
        PledgeStatus::Committed => 1,
        PledgeStatus::PartlyDisbursed => 2,
        PledgeStatus::Disbursed => 3,
        PledgeStatus::Cancelled => 4,
    }
}

/// The step name of a partnership status change.
fn status_step(s: PartnershipStatus) -> &'static str {
    match s {
        PartnershipStatus::Negotiating => "negotiate",
        PartnershipStatus::Signed => "sign",
        PartnershipStatus::Ended => "end",
        PartnershipStatus::Terminated => "terminate",
    }
}

struct Corrector<'p, 'm> {
    plan: &'p Plan,
    /// The plan's creating steps by record id.
    creating: HashMap<&'p str, Vec<&'p Step>>,
    world: World<'m>,
    problems: Vec<Problem>,
    steps: Vec<Step>,
}

/// What `plan` changes in the ledger the read models show; refused whole
/// (every problem listed) when a step would be refused or a difference has no
/// command.
pub(crate) fn changes(model: &ReadModel, plan: &Plan) -> Result<Changes, Vec<Problem>> {
    let mut creating: HashMap<&str, Vec<&Step>> = HashMap::new();
    for step in &plan.steps {
        creating.entry(&step.record_id).or_default().push(step);
    }
    let mut c = Corrector {
        plan,
        creating,
        world: World::over(model),
        problems: Vec::new(),
        steps: Vec::new(),
    };
    let mut added = Vec::new();
    let mut corrected = Vec::new();
    let mut unchanged = Vec::new();
    for entry in &plan.entries {
        let before = c.steps.len();
        if c.exists(entry) {
            c.correct(entry);
            if c.steps.len() > before {
                corrected.push(entry.id.clone());
            } else {
                unchanged.push(entry.id.clone());
            }
        } else {
            c.create(entry);
            added.push(entry.id.clone());
        }
    }
    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    Ok(Changes {
        file_name: plan.file_name.clone(),
        records_read: plan.records,
        steps: c.steps,
        added,
        corrected,
        unchanged,
    })
}

impl Corrector<'_, '_> {
    fn problem(&mut self, record: &str, field: &str, reason: impl Into<String>) {
        self.problems.push(Problem {
            record: record.to_owned(),
            field: field.to_owned(),
            reason: reason.into(),
        });
    }

    fn exists(&mut self, e: &Entry) -> bool {
        let w = &mut self.world;
        match e.kind {
            RecordKind::Organisation => w.organisation(&e.stream).exists(),
            RecordKind::Roadmap => w.roadmap(&e.stream).exists(),
            RecordKind::Priority => w.priority(&e.stream).exists(),
            RecordKind::Partnership => w.partnership(&e.stream).exists(),
            RecordKind::Proposal => w.proposal(&e.stream).exists(),
            RecordKind::Contribution => w.pledge(&e.stream).exists(),
            RecordKind::Document => w.document(&e.stream).exists(),
            RecordKind::NextStep => w.next_step(&e.stream).exists(),
            RecordKind::Prospect => w.prospect(&e.stream).exists(),
            RecordKind::Action => w.action(&e.stream).exists(),
        }
    }

    /// The record's steps from the plan, as for an empty ledger.
    fn create(&mut self, e: &Entry) {
        let steps = self
            .creating
            .get(e.id.as_str())
            .cloned()
            .unwrap_or_default();
        for step in steps {
            if let Err(err) = self.world.run(&step.command) {
                self.problem(&e.id, step.step, err.to_string());
                return;
            }
            self.steps.push(step.clone());
        }
    }

    /// Dry-runs one corrective step; false (and a problem on `field`) when refused.
    fn step(&mut self, e: &Entry, step: &'static str, field: &str, command: Command) -> bool {
        match self.world.run(&command) {
            Ok(version) => {
                self.steps.push(Step {
                    record_id: e.id.clone(),
                    step,
                    command_id: correction_id(self.plan, &e.id, step, version, &command),
                    expected_version: Some(version),
                    command,
                });
                true
            }
            Err(err) => {
                self.problem(&e.id, field, err.to_string());
                false
            }
        }
    }

    /// A field no command changes: a problem when the ledger and the file differ.
    fn fixed<T: PartialEq + Show>(&mut self, e: &Entry, field: &str, ledger: &T, file: &T) {
        if ledger != file {
            let what = match e.kind {
                RecordKind::Organisation => "an organisation's",
                RecordKind::Roadmap => "a roadmap's",
                RecordKind::Priority => "a priority's",
                RecordKind::Partnership => "a partnership's",
                RecordKind::Proposal => "a proposal's",
                RecordKind::Contribution => "a contribution's",
                RecordKind::Document => "a document's",
                RecordKind::NextStep => "a next step's",
                RecordKind::Prospect => "a prospect's",
                RecordKind::Action => "an action's",
            };
            self.problem(
                &e.id,
                field,
                format!(
                    "the ledger has {}, the file {}: no command corrects {what} {field}",
                    ledger.show(),
                    file.show()
                ),
            );
        }
    }

    /// The value date of a revision or a cancellation: the file's
    /// `corrected_on`, else the record's `date`.
    fn correction_date(&mut self, e: &Entry, field: &str, what: &str) -> Option<NaiveDate> {
        let on = self.plan.corrected_on.or(e.date);
        if on.is_none() {
            self.problem(
                &e.id,
                field,
                format!(
                    "{what} needs its date: give the file a corrected_on (or the record a date)"
                ),
            );
        }
        on
    }

    fn reason(&self, e: &Entry, what: String) -> String {
        e.reason
            .clone()
            .unwrap_or_else(|| format!("import of {}: {what}", self.plan.file_name))
    }

    fn correct(&mut self, e: &Entry) {
        let desired = &self.plan.desired;
        match e.kind {
            RecordKind::Organisation => {
                let Some(d) = desired
                    .organisations
                    .get(&e.stream)
                    .and_then(|s| s.entity.clone())
                else {
                    return;
                };
                let Some(c) = self.world.organisation(&e.stream).entity.clone() else {
                    return;
                };
                self.fixed(e, "name", &c.name, &d.name);
                self.fixed(e, "acronym", &c.acronym, &d.acronym);
                self.fixed(e, "kind", &c.kind, &d.kind);
                self.fixed(e, "country", &c.country, &d.country);
                self.fixed(e, "source", &c.source, &d.source);
            }
            RecordKind::Roadmap => {
                let Some(d) = desired
                    .roadmaps
                    .get(&e.stream)
                    .and_then(|s| s.entity.clone())
                else {
                    return;
                };
                let Some(c) = self.world.roadmap(&e.stream).entity.clone() else {
                    return;
                };
                self.fixed(e, "title", &c.title, &d.title);
                self.fixed(e, "period.start", &c.period_start, &d.period_start);
                self.fixed(e, "period.end", &c.period_end, &d.period_end);
                self.fixed(e, "country", &c.country, &d.country);
                self.fixed(e, "currency", &c.currency, &d.currency);
                self.fixed(e, "source", &c.source, &d.source);
            }
            RecordKind::Priority => {
                let Some(d) = desired
                    .priorities
                    .get(&e.stream)
                    .and_then(|s| s.entity.clone())
                else {
                    return;
                };
                let Some(c) = self.world.priority(&e.stream).entity.clone() else {
                    return;
                };
                self.fixed(e, "roadmap", &c.roadmap_id, &d.roadmap_id);
                self.fixed(e, "rank", &c.rank, &d.rank);
                self.fixed(e, "title", &c.title, &d.title);
                self.fixed(e, "source", &c.source, &d.source);
            }
            RecordKind::Partnership => self.partnership(e),
            RecordKind::Proposal => self.proposal(e),
            RecordKind::Contribution => self.contribution(e),
            RecordKind::Document => {
                let Some(d) = desired
                    .documents
                    .get(&e.stream)
                    .and_then(|s| s.entity.clone())
                else {
                    return;
                };
                let Some(c) = self.world.document(&e.stream).entity.clone() else {
                    return;
                };
                self.fixed(e, "title", &c.title, &d.title);
                self.fixed(e, "issuer", &c.issuer, &d.issuer);
                self.fixed(e, "date", &c.issued_on, &d.issued_on);
                self.fixed(e, "language", &c.language, &d.language);
                self.fixed(e, "text (SHA-256)", &c.sha256, &d.sha256);
            }
            RecordKind::NextStep => {
                let Some(d) = desired
                    .next_steps
                    .get(&e.stream)
                    .and_then(|s| s.entity.clone())
                else {
                    return;
                };
                let Some(c) = self.world.next_step(&e.stream).entity.clone() else {
                    return;
                };
                self.fixed(
                    e,
                    "roadmap",
                    &c.roadmap_id.to_string(),
                    &d.roadmap_id.to_string(),
                );
                self.fixed(e, "rank", &c.rank, &d.rank);
                self.fixed(e, "title", &c.title, &d.title);
                self.fixed(e, "target_month", &c.target_month, &d.target_month);
                self.fixed(e, "target", &c.target, &d.target);
                self.fixed(e, "source", &c.source, &d.source);
                match (c.status, d.status) {
                    (_, Some(status)) if c.status != Some(status) => {
                        let reason = self.reason(e, format!("status stated: {status}"));
                        let command = ChangeNextStepStatus {
                            next_step_id: e.id.clone(),
                            status,
                            on: self.plan.corrected_on,
                            reason: Some(reason),
                            source: None,
                        };
                        self.step(e, "status", "status", Command::NextStep(command.into()));
                    }
                    (Some(had), None) => self.problem(
                        &e.id,
                        "status",
                        format!(
                            "the ledger has {had}, the file none: a stated status is not taken back"
                        ),
                    ),
                    _ => {}
                }
            }
            RecordKind::Prospect => {
                let Some(d) = desired
                    .prospects
                    .get(&e.stream)
                    .and_then(|s| s.entity.clone())
                else {
                    return;
                };
                let Some(c) = self.world.prospect(&e.stream).entity.clone() else {
                    return;
                };
                self.fixed(
                    e,
                    "roadmap",
                    &c.roadmap_id.to_string(),
                    &d.roadmap_id.to_string(),
                );
                self.fixed(e, "organisation", &c.organisation_id, &d.organisation_id);
                self.fixed(e, "name", &c.name, &d.name);
                self.fixed(e, "priorities", &c.priority_ids, &d.priority_ids);
                self.fixed(e, "themes", &c.themes, &d.themes);
                self.fixed(e, "source", &c.source, &d.source);
            }
            RecordKind::Action => self.action(e),
        }
    }

    /// An action's facts are fixed; its status moves by `changeActionStatus`.
    fn action(&mut self, e: &Entry) {
        let Some(d) = self
            .plan
            .desired
            .actions
            .get(&e.stream)
            .and_then(|s| s.entity.clone())
        else {
            return;
        };
        let Some(c) = self.world.action(&e.stream).entity.clone() else {
            return;
        };
        self.fixed(
            e,
            "roadmap",
            &c.roadmap_id.to_string(),
            &d.roadmap_id.to_string(),
        );
        self.fixed(e, "title", &c.title, &d.title);
        self.fixed(e, "owner", &c.owner, &d.owner);
        self.fixed(e, "due_on", &c.due_on, &d.due_on);
        self.fixed(e, "about", &c.about, &d.about);
        self.fixed(e, "source", &c.source, &d.source);
        if c.status != d.status {
            let reason = self.reason(e, format!("status: {}", d.status));
            let command = ChangeActionStatus {
                action_id: e.id.clone(),
                status: d.status,
                on: self.plan.corrected_on,
                reason: Some(reason),
            };
            self.step(e, "status", "status", Command::Action(command.into()));
        }
    }

    fn partnership(&mut self, e: &Entry) {
        let Some(d) = self
            .plan
            .desired
            .partnerships
            .get(&e.stream)
            .and_then(|s| s.entity.clone())
        else {
            return;
        };
        let Some(c) = self.world.partnership(&e.stream).entity.clone() else {
            return;
        };
        let before = self.problems.len();
        self.fixed(e, "title", &c.title, &d.title);
        self.fixed(e, "parties", &c.party_ids, &d.party_ids);
        self.fixed(e, "themes", &c.themes, &d.themes);
        self.fixed(e, "nature", &c.nature, &d.nature);
        self.fixed(e, "priorities", &c.priority_ids, &d.priority_ids);
        self.fixed(e, "source", &c.source, &d.source);
        if c.status == d.status {
            self.fixed(e, "signed_on", &c.signed_on, &d.signed_on);
            return;
        }
        use PartnershipStatus::*;
        let Some(wanted) = d.status else {
            self.problem(
                &e.id,
                "status",
                format!(
                    "the ledger has {}, the file none: a stated status is not taken back",
                    c.status.show()
                ),
            );
            return;
        };
        let path: &[PartnershipStatus] = if transition_allowed(c.status, wanted) {
            &[wanted]
        } else if (c.status, wanted) == (Some(Negotiating), Ended) {
            &[Signed, Ended]
        } else {
            self.problem(
                &e.id,
                "status",
                format!(
                    "the ledger has {}, the file {}: a partnership goes NEGOTIATING -> SIGNED -> ENDED, or to TERMINATED before it ends, never back",
                    c.status.show(), wanted
                ),
            );
            return;
        };
        if !path.contains(&Signed) {
            self.fixed(e, "signed_on", &c.signed_on, &d.signed_on);
        }
        if self.problems.len() > before {
            return;
        }
        let mut from = c.status.show();
        for &to in path {
            let on = if to == Signed {
                d.signed_on
            } else {
                self.plan.corrected_on
            };
            let reason = self.reason(e, format!("status corrected from {from} to {to}"));
            let command = ChangePartnershipStatus {
                partnership_id: e.id.clone(),
                status: to,
                on,
                reason: Some(reason),
            };
            if !self.step(
                e,
                status_step(to),
                "status",
                Command::Partnership(command.into()),
            ) {
                return;
            }
            from = to.to_string();
        }
    }

    fn proposal(&mut self, e: &Entry) {
        let Some(d) = self
            .plan
            .desired
            .proposals
            .get(&e.stream)
            .and_then(|s| s.entity.clone())
        else {
            return;
        };
        let Some(c) = self.world.proposal(&e.stream).entity.clone() else {
            return;
        };
        let before = self.problems.len();
        self.fixed(e, "applicant", &c.applicant_id, &d.applicant_id);
        self.fixed(e, "donor", &c.donor_id, &d.donor_id);
        self.fixed(e, "title", &c.title, &d.title);
        self.fixed(e, "requested", &c.requested, &d.requested);
        self.fixed(e, "themes", &c.themes, &d.themes);
        use ProposalStatus::*;
        let decided = |s: ProposalStatus| matches!(s, Approved | Rejected | Withdrawn);
        if c.status == d.status {
            self.fixed(e, "decided_on", &c.decided_on, &d.decided_on);
            return;
        }
        if !(matches!(c.status, Draft | Submitted) && decided(d.status)) {
            self.problem(
                &e.id,
                "status",
                format!(
                    "the ledger has {}, the file {}: a proposal is decided once, and a decision is not undone",
                    c.status, d.status
                ),
            );
            return;
        }
        let Some(decided_on) = d.decided_on else {
            return;
        };
        if self.problems.len() > before {
            return;
        }
        let reason = self.reason(
            e,
            format!("status corrected from {} to {}", c.status, d.status),
        );
        let command = DecideProposal {
            proposal_id: e.id.clone(),
            status: d.status,
            decided_on,
            reason: Some(reason),
        };
        self.step(e, "decide", "status", Command::Proposal(command.into()));
    }

    fn current_pledge(&mut self, e: &Entry) -> Option<Pledge> {
        self.world.pledge(&e.stream).entity.clone()
    }

    fn contribution(&mut self, e: &Entry) {
        let Some(d) = self
            .plan
            .desired
            .pledges
            .get(&e.stream)
            .and_then(|s| s.entity.clone())
        else {
            return;
        };
        let Some(c) = self.current_pledge(e) else {
            return;
        };
        let before = self.problems.len();
        self.fixed(e, "donor", &c.donor_id, &d.donor_id);
        self.fixed(e, "recipient", &c.recipient_id, &d.recipient_id);
        self.fixed(e, "kind", &c.kind, &d.kind);
        self.fixed(e, "themes", &c.themes, &d.themes);
        self.fixed(e, "items", &c.items, &d.items);
        self.fixed(e, "beneficiaries", &c.beneficiaries, &d.beneficiaries);
        self.fixed(e, "source", &c.source, &d.source);
        self.fixed(e, "date", &c.pledged_on, &d.pledged_on);
        self.fixed(e, "description", &c.description, &d.description);
        self.fixed(e, "priorities", &c.roadmap_id, &d.roadmap_id);
        match (&c.amount, &d.amount) {
            (Some(had), None) => self.problem(
                &e.id,
                "amount",
                format!(
                    "the ledger has {had}, the file no amount: an amount cannot be taken away (give it, or cancel the contribution)"
                ),
            ),
            // Unvalued: its priorities are all it says about where it goes.
            (None, None) => self.fixed(e, "priorities", &c.priority_ids, &d.priority_ids),
            // Valued: the allocations say it, and a revision changes them.
            _ => {}
        }
        if self.problems.len() > before {
            return;
        }

        // The amount (and its allocations): a revision. A valued contribution
        // listing several priorities is unallocated in a fresh import; the
        // ledger's split over exactly those priorities says no less.
        let split_over_listed = d.allocations.is_empty()
            && e.priorities.len() > 1
            && c.allocations.len() == e.priorities.len()
            && c.allocations
                .iter()
                .all(|a| e.priorities.iter().any(|p| p == a.priority_id.as_str()));
        let same_allocations = c.allocations == d.allocations || split_over_listed;
        if let Some(amount) = d.amount
            && (c.amount != d.amount || !same_allocations)
        {
            let Some(revised_on) = self.correction_date(e, "amount", "a revision") else {
                return;
            };
            let what = if c.amount == d.amount {
                format!("allocations of {amount} corrected")
            } else {
                match c.amount {
                    Some(old) => format!("amount corrected from {old} to {amount}"),
                    None => format!("amount {amount} given (was unknown)"),
                }
            };
            let command = RevisePledge {
                pledge_id: e.id.clone(),
                amount,
                allocations: Some(
                    d.allocations
                        .iter()
                        .map(|a| AllocationInput {
                            priority_id: a.priority_id.as_str().to_owned(),
                            amount: a.amount,
                        })
                        .collect(),
                ),
                revised_on,
                reason: self.reason(e, what),
            };
            if !self.step(e, "revise", "amount", Command::Pledge(command.into())) {
                return;
            }
        }

        self.contribution_status(e, &d);
        // The schedule, once the status allows one.
        let Some(c) = self.current_pledge(e) else {
            return;
        };
        if c.tranches != d.tranches {
            let what = if d.tranches.is_empty() {
                "tranches cleared".to_owned()
            } else {
                format!("{} expected tranche(s) set", d.tranches.len())
            };
            let reason = (!c.tranches.is_empty()).then(|| self.reason(e, what));
            let command = SetTranches {
                pledge_id: e.id.clone(),
                tranches: d
                    .tranches
                    .iter()
                    .map(|t| TrancheInput {
                        due_on: t.due_on,
                        amount: t.amount,
                    })
                    .collect(),
                reason,
            };
            self.step(e, "tranches", "tranches", Command::Pledge(command.into()));
        }
        // Funding links the file lists and the ledger lacks.
        for (k, link) in d.funded_by.iter().enumerate() {
            let Some(c) = self.current_pledge(e) else {
                return;
            };
            match c.funded_by.iter().find(|l| l.parent == link.parent) {
                Some(had) if had.amount == link.amount => {}
                Some(had) => self.problem(
                    &e.id,
                    &format!("funded_by[{k}].value"),
                    format!(
                        "the ledger links {} for {}, the file for {}: unlink it in the ledger first",
                        link.parent, had.amount, link.amount
                    ),
                ),
                None => {
                    let command = fundtrail_domain::chain::LinkFunding {
                        pledge_id: e.id.clone(),
                        funded_by_pledge_id: link.parent.as_str().to_owned(),
                        amount: link.amount.amount,
                        reason: None,
                    };
                    let step = crate::LINK_STEPS[k.min(crate::LINK_STEPS.len() - 1)];
                    self.step(
                        e,
                        step,
                        &format!("funded_by[{k}]"),
                        Command::Pledge(command.into()),
                    );
                }
            }
        }
    }

    /// Moves the contribution's status forward to the file's (see the crate's doc).
    fn contribution_status(&mut self, e: &Entry, d: &Pledge) {
        // From where the revision left it.
        let Some(c) = self.current_pledge(e) else {
            return;
        };
        if c.status == d.status {
            return;
        }
        if c.status == PledgeStatus::Cancelled {
            self.problem(
                &e.id,
                "status",
                format!(
                    "the ledger has CANCELLED, the file {}: a cancellation is final",
                    d.status
                ),
            );
            return;
        }
        if d.status == PledgeStatus::Cancelled {
            let Some(cancelled_on) = self.correction_date(e, "status", "a cancellation") else {
                return;
            };
            let reason = self.reason(e, format!("cancelled (was {})", c.status));
            let command = CancelPledge {
                pledge_id: e.id.clone(),
                cancelled_on,
                reason,
            };
            self.step(e, "cancel", "status", Command::Pledge(command.into()));
            return;
        }
        if rung(d.status) < rung(c.status) {
            self.problem(
                &e.id,
                "status",
                format!(
                    "the ledger has {}, the file {}: a status only moves forward (PLEDGED -> COMMITTED -> DISBURSED); no command takes back a commitment or a disbursement",
                    c.status, d.status
                ),
            );
            return;
        }
        if c.status == PledgeStatus::Pledged {
            let command = CommitPledge {
                pledge_id: e.id.clone(),
                committed_on: e.date,
            };
            if !self.step(e, "commit", "status", Command::Pledge(command.into())) {
                return;
            }
        }
        if d.status == PledgeStatus::Disbursed {
            // The rest of the amount (all of it for a pledge never disbursed).
            let amount = d.amount.map(|m| m.amount - c.disbursed);
            let command = RecordDisbursement {
                pledge_id: e.id.clone(),
                amount,
                disbursed_on: e.date,
            };
            self.step(e, "disburse", "status", Command::Pledge(command.into()));
        }
    }
}
