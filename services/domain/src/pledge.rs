//! Pledges: a donor's contribution to a roadmap, from announcement to
//! disbursement. Stream `pledge-<id>`.
//!
//! Lifecycle: PLEDGED -(commitPledge)-> COMMITTED -(recordDisbursement)->
//! PARTLY_DISBURSED -> DISBURSED when disbursements reach the amount; CANCELLED
//! from PLEDGED or COMMITTED (never after a disbursement). Decisions taken here
//! beyond the contract:
//! - An *unvalued* pledge (no amount) names its priorities in `priorityIds`;
//!   allocations need an amount. A valued pledge uses allocations only.
//! - A disbursement of an unvalued pledge has no amount and marks it DISBURSED
//!   (delivered); giving an amount there is refused: value the pledge first.
//!   A disbursement of a valued pledge needs an amount.
//! - A quantity is for IN_KIND contributions only; CASH with a quantity is refused.
//! - revisePledge: allowed in every status but CANCELLED. A currency change is
//!   refused (INVALID_STATE) once something was disbursed. Without new
//!   allocations the old ones are kept when they are in the same currency and
//!   add up to the new amount; valuing an unvalued pledge that named exactly one
//!   priority allocates everything to it, several priorities need allocations.
//!   Status after a revision of a committed pledge: DISBURSED when the
//!   disbursements equal the new amount, PARTLY_DISBURSED when some but not all,
//!   else COMMITTED. Valuing a pledge delivered without amount keeps it
//!   DISBURSED (its disbursed money stays unknown, not zero).
//! - Dates: committedOn >= pledgedOn, disbursedOn >= committedOn (or pledgedOn),
//!   revisedOn and cancelledOn >= pledgedOn, each when both are known.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{Footprint, Footprinted};
use crate::aggregate::StreamState;
pub use crate::chain::{FundingLink, FundingLinked, FundingUnlinked, LinkFunding, UnlinkFunding};
use crate::dates;
use crate::enums::{ContributionKind, PledgeStatus, Theme, dedup_set};
use crate::error::DomainError;
use crate::events::{event_enum, impl_domain_event};
use crate::ids::{OrganisationId, PartnershipId, PledgeId, PriorityId, ProposalId, RoadmapId};
use crate::lists;
use crate::money::{Money, Sign, check_amount, check_money, checked_sum, overflow, split_pro_rata};
use crate::partnership::distinct_ids;
use crate::refs::References;
use crate::schedule::{SetTranches, Tranche, TranchesSet};
use crate::source::{self, SourceInput, SourceRef};
use crate::streams::{EntityKind, stream_name};
use crate::text;

/// Largest accepted in-kind count.
pub const MAX_COUNT: i64 = 1_000_000_000_000_000;

/// The stream of pledge `id`: `pledge-<id>`.
pub fn stream_id(id: &PledgeId) -> String {
    stream_name(EntityKind::Pledge, id)
}

// ---- commands ----

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AllocationInput {
    pub priority_id: String,
    /// In the pledge's currency.
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuantityInput {
    pub count: i64,
    pub unit: String,
}

/// One line of an in-kind gift: « 2 motos ».
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemInput {
    pub quantity: i64,
    /// As the source writes it (« motos »).
    pub unit: String,
    pub description: Option<String>,
}

/// People a contribution reaches, where the source counts them: « 189 jeunes ».
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BeneficiariesInput {
    pub count: i64,
    pub description: String,
}

/// `pledge`. `pledged_on` is required by the API for users; the importer may leave it unknown.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MakePledge {
    pub id: String,
    /// `None`: the source does not say who gives (a recipient is then needed).
    pub donor_id: Option<String>,
    /// `None`: the source does not say who receives (a donor is then needed).
    pub recipient_id: Option<String>,
    pub roadmap_id: String,
    pub kind: ContributionKind,
    pub amount: Option<Money>,
    /// The contract's single quantity: one item (IN_KIND only).
    pub quantity: Option<QuantityInput>,
    /// In-kind items (IN_KIND only); not with `quantity`.
    pub items: Vec<ItemInput>,
    pub beneficiaries: Vec<BeneficiariesInput>,
    /// `false`: the source does not state where the contribution stands
    /// (recorded, but neither pledged, committed nor disbursed is said).
    pub status_stated: bool,
    pub source: Option<SourceInput>,
    pub allocations: Vec<AllocationInput>,
    /// Priorities an unvalued pledge is meant for (extension of the contract).
    pub priority_ids: Vec<String>,
    pub pledged_on: Option<NaiveDate>,
    pub proposal_id: Option<String>,
    pub partnership_id: Option<String>,
    pub themes: Vec<Theme>,
    pub description: Option<String>,
}

/// `commitPledge`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitPledge {
    pub pledge_id: String,
    pub committed_on: Option<NaiveDate>,
}

/// `recordDisbursement`: `amount` in the pledge's currency.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordDisbursement {
    pub pledge_id: String,
    pub amount: Option<Decimal>,
    pub disbursed_on: Option<NaiveDate>,
}

/// `revisePledge`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevisePledge {
    pub pledge_id: String,
    pub amount: Money,
    pub allocations: Option<Vec<AllocationInput>>,
    pub revised_on: NaiveDate,
    pub reason: String,
}

/// `cancelPledge`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelPledge {
    pub pledge_id: String,
    pub cancelled_on: NaiveDate,
    pub reason: String,
}

// Commands are short-lived values built once per request: boxing buys nothing here.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PledgeCommand {
    Make(MakePledge),
    Commit(CommitPledge),
    RecordDisbursement(RecordDisbursement),
    Revise(RevisePledge),
    Cancel(CancelPledge),
    SetTranches(SetTranches),
    LinkFunding(LinkFunding),
    UnlinkFunding(UnlinkFunding),
}

macro_rules! into_command {
    ($($t:ident => $v:ident),+) => {
        $(impl From<$t> for PledgeCommand {
            fn from(c: $t) -> Self { PledgeCommand::$v(c) }
        })+
    };
}
into_command!(MakePledge => Make, CommitPledge => Commit, RecordDisbursement => RecordDisbursement, RevisePledge => Revise, CancelPledge => Cancel, SetTranches => SetTranches, LinkFunding => LinkFunding, UnlinkFunding => UnlinkFunding);

impl PledgeCommand {
    pub fn stream_id(&self) -> Result<String, DomainError> {
        let id = match self {
            PledgeCommand::Make(c) => PledgeId::parse("id", &c.id)?,
            PledgeCommand::Commit(c) => PledgeId::parse("pledgeId", &c.pledge_id)?,
            PledgeCommand::RecordDisbursement(c) => PledgeId::parse("pledgeId", &c.pledge_id)?,
            PledgeCommand::Revise(c) => PledgeId::parse("pledgeId", &c.pledge_id)?,
            PledgeCommand::Cancel(c) => PledgeId::parse("pledgeId", &c.pledge_id)?,
            PledgeCommand::SetTranches(c) => PledgeId::parse("pledgeId", &c.pledge_id)?,
            PledgeCommand::LinkFunding(c) => PledgeId::parse("pledgeId", &c.pledge_id)?,
            PledgeCommand::UnlinkFunding(c) => PledgeId::parse("pledgeId", &c.pledge_id)?,
        };
        Ok(stream_id(&id))
    }
}

/// What the command concerns, for the scope check ([`crate::access::authorize`]).
impl Footprinted for PledgeCommand {
    type StreamState = PledgeState;
    fn footprint(&self, state: &PledgeState, refs: &dyn References) -> Footprint {
        match self {
            PledgeCommand::Make(c) => c
                .donor_id
                .iter()
                .chain(c.recipient_id.iter())
                .fold(Footprint::default(), |f, o| f.organisation(o))
                .roadmap(&c.roadmap_id)
                .priorities(c.allocations.iter().map(|a| a.priority_id.as_str()), refs)
                .priorities(c.priority_ids.iter().map(String::as_str), refs)
                // Linking another record needs the scope to reach it too.
                .link(
                    format!("partnership '{}'", opt(&c.partnership_id)),
                    c.partnership_id
                        .as_deref()
                        .and_then(|id| refs.partnership(id.trim())),
                    refs,
                )
                .link(
                    format!("proposal '{}'", opt(&c.proposal_id)),
                    c.proposal_id
                        .as_deref()
                        .and_then(|id| refs.proposal(id.trim())),
                    refs,
                ),
            PledgeCommand::Commit(_)
            | PledgeCommand::RecordDisbursement(_)
            | PledgeCommand::Revise(_)
            | PledgeCommand::Cancel(_)
            | PledgeCommand::SetTranches(_)
            | PledgeCommand::LinkFunding(_)
            | PledgeCommand::UnlinkFunding(_) => {
                let Some(p) = &state.entity else {
                    return Footprint::default();
                };
                let mut f = p
                    .parties()
                    .fold(Footprint::default(), |f, o| f.organisation(o.as_str()))
                    .roadmap(p.roadmap_id.as_str());
                if let PledgeCommand::Revise(r) = self
                    && let Some(allocations) = &r.allocations
                {
                    f = f.priorities(allocations.iter().map(|a| a.priority_id.as_str()), refs);
                }
                // A link reaches the parent too: the scope must cover its
                // roadmap (a link changes what the parent keeps).
                if let PledgeCommand::LinkFunding(LinkFunding {
                    funded_by_pledge_id: parent,
                    ..
                })
                | PledgeCommand::UnlinkFunding(UnlinkFunding {
                    funded_by_pledge_id: parent,
                    ..
                }) = self
                    && let Some(r) = refs.pledge_funding(parent.trim())
                {
                    f = f.roadmap(&r.roadmap_id);
                }
                f
            }
        }
    }
}

fn opt(id: &Option<String>) -> &str {
    id.as_deref().map_or("", str::trim)
}

// ---- events ----

/// A part of a valued pledge meant for one priority, in the pledge's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Allocation {
    pub priority_id: PriorityId,
    pub amount: Decimal,
}

/// The contract's `quantity { count unit }`: a pledge of exactly one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Quantity {
    pub count: u64,
    pub unit: String,
}

/// One line of an in-kind gift, the unit as the source writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub quantity: u64,
    pub unit: String,
    /// Always written (`null` when absent), so binary snapshots can read it back.
    #[serde(default)]
    pub description: Option<String>,
}

/// People a contribution reaches, as the source counts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Beneficiaries {
    pub count: u64,
    pub description: String,
}

fn stated() -> bool {
    true
}

/// The part of a disbursement that goes to one priority (`None`: unallocated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Share {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_id: Option<PriorityId>,
    pub amount: Decimal,
}

/// A pledge was made (status PLEDGED; with `statusStated: false`, a
/// contribution recorded from a source that does not say where it stands).
/// `amount` absent: unvalued, and then `priorityIds` says which priorities it
/// is meant for; `allocations` (valued pledges only) add up exactly to
/// `amount`. `donorId` or `recipientId` absent: not stated (never both).
///
/// v2 (v1 had required `donorId` and `recipientId` and one `quantity`,
/// upcast to one item of `items`) added `items`, `beneficiaries`,
/// `statusStated` and `source`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PledgeMade {
    pub pledge_id: PledgeId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub donor_id: Option<OrganisationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<OrganisationId>,
    pub roadmap_id: RoadmapId,
    pub kind: ContributionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub beneficiaries: Vec<Beneficiaries>,
    #[serde(default = "stated")]
    pub status_stated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
    #[serde(default)]
    pub allocations: Vec<Allocation>,
    #[serde(default)]
    pub priority_ids: Vec<PriorityId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pledged_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal_id: Option<ProposalId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partnership_id: Option<PartnershipId>,
    #[serde(default)]
    pub themes: Vec<Theme>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
impl_domain_event!(PledgeMade, 2);

/// `PledgeMade` v1 -> v2: the one `quantity` becomes one item; the parties,
/// required in v1, are the same JSON; `statusStated` defaults to true.
pub fn pledge_made_v1_to_v2(mut v: serde_json::Value) -> Result<serde_json::Value, String> {
    let obj = v.as_object_mut().ok_or("payload is not an object")?;
    if let Some(q) = obj.remove("quantity")
        && !q.is_null()
    {
        let count = q.get("count").cloned().ok_or("quantity has no count")?;
        let unit = q.get("unit").cloned().ok_or("quantity has no unit")?;
        obj.insert(
            "items".into(),
            serde_json::json!([{ "quantity": count, "unit": unit }]),
        );
    }
    obj.entry("statusStated")
        .or_insert(serde_json::Value::Bool(true));
    Ok(v)
}

/// The pledge became a binding commitment (status COMMITTED).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PledgeCommitted {
    pub pledge_id: PledgeId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub committed_on: Option<NaiveDate>,
}
impl_domain_event!(PledgeCommitted, 1);

/// Money or goods were handed over. `shares` split `amount` over the
/// allocations as decided (they add up exactly); `disbursedTotal` and `status`
/// are the pledge's after this event. Without `amount` (unvalued pledge
/// delivered) there are no shares and no total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DisbursementRecorded {
    pub pledge_id: PledgeId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disbursed_on: Option<NaiveDate>,
    #[serde(default)]
    pub shares: Vec<Share>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disbursed_total: Option<Money>,
    pub status: PledgeStatus,
}
impl_domain_event!(DisbursementRecorded, 1);

/// The pledge's amount (and allocations, complete) are now these; `status` is the one after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PledgeRevised {
    pub pledge_id: PledgeId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_amount: Option<Money>,
    pub amount: Money,
    #[serde(default)]
    pub allocations: Vec<Allocation>,
    pub revised_on: NaiveDate,
    pub reason: String,
    pub status: PledgeStatus,
}
impl_domain_event!(PledgeRevised, 1);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PledgeCancelled {
    pub pledge_id: PledgeId,
    pub cancelled_on: NaiveDate,
    pub reason: String,
}
impl_domain_event!(PledgeCancelled, 1);

event_enum!(PledgeEvent {
    PledgeMade,
    PledgeCommitted,
    DisbursementRecorded,
    PledgeRevised,
    PledgeCancelled,
    TranchesSet,
    FundingLinked,
    FundingUnlinked
});

// ---- state ----

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disbursement {
    pub amount: Option<Money>,
    pub disbursed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pledge {
    pub id: PledgeId,
    pub donor_id: Option<OrganisationId>,
    pub recipient_id: Option<OrganisationId>,
    pub roadmap_id: RoadmapId,
    pub kind: ContributionKind,
    /// The lifecycle status; shown as not stated while `status_stated` is false.
    pub status: PledgeStatus,
    /// Whether anyone stated where the contribution stands (a command that
    /// commits, disburses or cancels states it).
    pub status_stated: bool,
    pub amount: Option<Money>,
    pub items: Vec<Item>,
    pub beneficiaries: Vec<Beneficiaries>,
    pub source: Option<SourceRef>,
    pub allocations: Vec<Allocation>,
    pub priority_ids: Vec<PriorityId>,
    pub pledged_on: Option<NaiveDate>,
    pub committed_on: Option<NaiveDate>,
    /// Sum of the disbursed amounts, in the pledge's currency (zero for unvalued pledges).
    pub disbursed: Decimal,
    pub disbursements: Vec<Disbursement>,
    pub proposal_id: Option<ProposalId>,
    pub partnership_id: Option<PartnershipId>,
    pub themes: Vec<Theme>,
    pub description: Option<String>,
    pub cancelled_on: Option<NaiveDate>,
    /// The commitment's expected tranches, in order of due date
    /// ([`crate::schedule`]).
    pub tranches: Vec<Tranche>,
    /// The pledges that fund this one ([`crate::chain`]), in link order.
    pub funded_by: Vec<FundingLink>,
}

impl Pledge {
    /// The status as stated: `None` while the source has not said it.
    pub fn stated_status(&self) -> Option<PledgeStatus> {
        self.status_stated.then_some(self.status)
    }

    /// The contract's `quantity`: the gift's one item, if it has exactly one.
    pub fn quantity(&self) -> Option<Quantity> {
        match self.items.as_slice() {
            [only] => Some(Quantity {
                count: only.quantity,
                unit: only.unit.clone(),
            }),
            _ => None,
        }
    }

    /// What was disbursed, as far as the ledger knows: unknown while nobody
    /// has said where the contribution stands (was anything handed over?) or
    /// while it has no value. Every face shows this, never a zero in its place.
    pub fn disbursed_money(&self) -> Result<Money, Unknown> {
        if !self.status_stated {
            return Err(Unknown::NotStated);
        }
        match self.amount {
            None => Err(Unknown::NotValued),
            Some(a) => Ok(Money::new(self.disbursed, a.currency)),
        }
    }

    /// The organisations the pledge names (donor, recipient), stated ones only.
    pub fn parties(&self) -> impl Iterator<Item = &OrganisationId> {
        self.donor_id.iter().chain(self.recipient_id.iter())
    }
}

/// Why a figure is not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// The source does not state it.
    NotStated,
    /// Nobody has given a value.
    NotValued,
}

pub type PledgeState = StreamState<Pledge>;

pub fn evolve(mut state: PledgeState, event: &PledgeEvent) -> PledgeState {
    state.version += 1;
    if let PledgeEvent::PledgeMade(e) = event {
        state.entity = Some(Pledge {
            id: e.pledge_id.clone(),
            donor_id: e.donor_id.clone(),
            recipient_id: e.recipient_id.clone(),
            roadmap_id: e.roadmap_id.clone(),
            kind: e.kind,
            status: PledgeStatus::Pledged,
            status_stated: e.status_stated,
            amount: e.amount,
            items: e.items.clone(),
            beneficiaries: e.beneficiaries.clone(),
            source: e.source.clone(),
            allocations: e.allocations.clone(),
            priority_ids: e.priority_ids.clone(),
            pledged_on: e.pledged_on,
            committed_on: None,
            disbursed: Decimal::ZERO,
            disbursements: Vec::new(),
            proposal_id: e.proposal_id.clone(),
            partnership_id: e.partnership_id.clone(),
            themes: e.themes.clone(),
            description: e.description.clone(),
            cancelled_on: None,
            tranches: Vec::new(),
            funded_by: Vec::new(),
        });
        return state;
    }
    let Some(p) = state.entity.as_mut() else {
        return state;
    };
    match event {
        PledgeEvent::PledgeMade(_) => {}
        PledgeEvent::PledgeCommitted(e) => {
            p.status = PledgeStatus::Committed;
            p.status_stated = true;
            p.committed_on = e.committed_on;
        }
        PledgeEvent::DisbursementRecorded(e) => {
            p.status = e.status;
            p.status_stated = true;
            if let Some(t) = e.disbursed_total {
                p.disbursed = t.amount;
            }
            p.disbursements.push(Disbursement {
                amount: e.amount,
                disbursed_on: e.disbursed_on,
            });
        }
        PledgeEvent::PledgeRevised(e) => {
            p.amount = Some(e.amount);
            p.allocations = e.allocations.clone();
            p.status = e.status;
            // DISBURSED means delivered in full: a gift delivered before its
            // value was known is, once valued, disbursed for its whole value.
            if e.status == PledgeStatus::Disbursed {
                p.disbursed = e.amount.amount;
            }
        }
        PledgeEvent::PledgeCancelled(e) => {
            p.status = PledgeStatus::Cancelled;
            p.status_stated = true;
            p.cancelled_on = Some(e.cancelled_on);
        }
        PledgeEvent::TranchesSet(e) => p.tranches = e.tranches.clone(),
        PledgeEvent::FundingLinked(_) | PledgeEvent::FundingUnlinked(_) => {
            crate::chain::evolve(p, event)
        }
    }
    state
}

// ---- decision ----

/// Checks allocations of `total` (in `currency`) over priorities of `roadmap_id`.
fn check_allocations(
    inputs: &[AllocationInput],
    total: Money,
    roadmap_id: &RoadmapId,
    refs: &dyn References,
) -> Result<Vec<Allocation>, DomainError> {
    let ids = distinct_ids(
        "allocations",
        &inputs
            .iter()
            .map(|a| a.priority_id.clone())
            .collect::<Vec<_>>(),
        |f, r| PriorityId::parse(&format!("{f}.priorityId"), r),
    )?;
    let mut out = Vec::with_capacity(inputs.len());
    for (i, (input, priority_id)) in inputs.iter().zip(ids).enumerate() {
        let amount = check_amount(
            &format!("allocations[{i}].amount"),
            input.amount,
            total.currency,
            Sign::Positive,
        )?;
        belongs_to_roadmap(
            &format!("allocations[{i}].priorityId"),
            &priority_id,
            roadmap_id,
            refs,
        )?;
        out.push(Allocation {
            priority_id,
            amount,
        });
    }
    let sum = checked_sum("allocations", out.iter().map(|a| a.amount))?;
    if sum != total.amount {
        return Err(DomainError::bad_input(
            "allocations",
            format!(
                "amounts add up to {sum} {c} but the pledge is {} {c}",
                total.amount,
                c = total.currency
            ),
        ));
    }
    Ok(out)
}

fn belongs_to_roadmap(
    field: &str,
    id: &PriorityId,
    roadmap_id: &RoadmapId,
    refs: &dyn References,
) -> Result<(), DomainError> {
    let p = refs
        .priority(id.as_str())
        .ok_or_else(|| DomainError::not_found(PriorityId::ENTITY, id.as_str(), field))?;
    if p.roadmap_id != roadmap_id.as_str() {
        return Err(DomainError::bad_input(
            field,
            format!(
                "priority {id} belongs to roadmap {}, not to the pledge's roadmap {roadmap_id}",
                p.roadmap_id
            ),
        ));
    }
    Ok(())
}

pub(crate) fn invalid(p: &Pledge, message: String) -> DomainError {
    DomainError::invalid_state(message, p.status.as_str())
}

fn not_cancelled(p: &Pledge) -> Result<(), DomainError> {
    if p.status == PledgeStatus::Cancelled {
        return Err(invalid(
            p,
            format!("pledge {} is cancelled and can no longer change", p.id),
        ));
    }
    Ok(())
}

pub(crate) fn existing<'a>(
    state: &'a PledgeState,
    raw_id: &str,
) -> Result<(PledgeId, &'a Pledge), DomainError> {
    let id = PledgeId::parse("pledgeId", raw_id)?;
    match state.entity.as_ref() {
        Some(p) => Ok((id, p)),
        None => Err(DomainError::not_found(
            PledgeId::ENTITY,
            id.as_str(),
            "pledgeId",
        )),
    }
}

fn decide_make(
    state: &PledgeState,
    c: &MakePledge,
    refs: &dyn References,
) -> Result<Vec<PledgeEvent>, DomainError> {
    let id = PledgeId::parse("id", &c.id)?;
    if state.exists() {
        return Err(DomainError::already_exists(PledgeId::ENTITY, id.as_str()));
    }
    lists::bounded("allocations", &c.allocations)?;
    lists::bounded("priorityIds", &c.priority_ids)?;
    lists::bounded("themes", &c.themes)?;
    lists::bounded("items", &c.items)?;
    lists::bounded("beneficiaries", &c.beneficiaries)?;
    let donor_id = optional_org("donorId", c.donor_id.as_deref())?;
    let recipient_id = optional_org("recipientId", c.recipient_id.as_deref())?;
    if donor_id.is_none() && recipient_id.is_none() {
        return Err(DomainError::bad_input(
            "donorId",
            "a contribution names its donor, its recipient or both",
        ));
    }
    let roadmap_id = RoadmapId::parse("roadmapId", &c.roadmap_id)?;
    let proposal_id = c
        .proposal_id
        .as_deref()
        .map(|r| ProposalId::parse("proposalId", r))
        .transpose()?;
    let partnership_id = c
        .partnership_id
        .as_deref()
        .map(|r| PartnershipId::parse("partnershipId", r))
        .transpose()?;
    let amount = c
        .amount
        .map(|m| check_money("amount", m, Sign::Positive))
        .transpose()?;
    let items = check_items(c)?;
    let beneficiaries = c
        .beneficiaries
        .iter()
        .enumerate()
        .map(|(i, b)| {
            Ok(Beneficiaries {
                count: count(&format!("beneficiaries[{i}].count"), b.count)?,
                description: text::description(
                    &format!("beneficiaries[{i}].description"),
                    &b.description,
                )?,
            })
        })
        .collect::<Result<Vec<_>, DomainError>>()?;
    let source = source::check("source", c.source.as_ref(), refs)?;
    let pledged_on = dates::optional_in_range("pledgedOn", c.pledged_on)?;
    let description = text::optional_description("description", c.description.as_deref())?;
    if amount.is_none() && !c.allocations.is_empty() {
        return Err(DomainError::bad_input(
            "allocations",
            "an unvalued pledge (no amount) cannot have allocations: name its priorities in priorityIds",
        ));
    }
    if amount.is_some() && !c.priority_ids.is_empty() {
        return Err(DomainError::bad_input(
            "priorityIds",
            "priorityIds is for unvalued pledges: split a valued pledge with allocations",
        ));
    }
    let priority_ids = distinct_ids("priorityIds", &c.priority_ids, PriorityId::parse)?;

    // references
    for (field, org) in [("donorId", &donor_id), ("recipientId", &recipient_id)] {
        let Some(org) = org else { continue };
        if !refs.organisation_exists(org.as_str()) {
            return Err(DomainError::not_found(
                OrganisationId::ENTITY,
                org.as_str(),
                field,
            ));
        }
    }
    if refs.roadmap(roadmap_id.as_str()).is_none() {
        return Err(DomainError::not_found(
            RoadmapId::ENTITY,
            roadmap_id.as_str(),
            "roadmapId",
        ));
    }
    if let Some(p) = &proposal_id
        && !refs.proposal_exists(p.as_str())
    {
        return Err(DomainError::not_found(
            ProposalId::ENTITY,
            p.as_str(),
            "proposalId",
        ));
    }
    if let Some(p) = &partnership_id
        && !refs.partnership_exists(p.as_str())
    {
        return Err(DomainError::not_found(
            PartnershipId::ENTITY,
            p.as_str(),
            "partnershipId",
        ));
    }
    for (i, p) in priority_ids.iter().enumerate() {
        belongs_to_roadmap(&format!("priorityIds[{i}]"), p, &roadmap_id, refs)?;
    }
    let allocations = match amount {
        Some(total) if !c.allocations.is_empty() => {
            check_allocations(&c.allocations, total, &roadmap_id, refs)?
        }
        _ => Vec::new(),
    };
    Ok(vec![
        PledgeMade {
            pledge_id: id,
            donor_id,
            recipient_id,
            roadmap_id,
            kind: c.kind,
            amount,
            items,
            beneficiaries,
            status_stated: c.status_stated,
            source,
            allocations,
            priority_ids,
            pledged_on,
            proposal_id,
            partnership_id,
            themes: dedup_set(&c.themes),
            description,
        }
        .into(),
    ])
}

fn optional_org(field: &str, raw: Option<&str>) -> Result<Option<OrganisationId>, DomainError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(r) => OrganisationId::parse(field, r).map(Some),
    }
}

fn count(field: &str, n: i64) -> Result<u64, DomainError> {
    if (1..=MAX_COUNT).contains(&n) {
        Ok(n as u64)
    } else {
        Err(DomainError::bad_input(
            field,
            format!("{n} is not a count: use a whole number from 1 to 10^18"),
        ))
    }
}

/// The items of an in-kind gift, from `quantity` (one item) or `items`.
fn check_items(c: &MakePledge) -> Result<Vec<Item>, DomainError> {
    if c.quantity.is_none() && c.items.is_empty() {
        return Ok(Vec::new());
    }
    let field = if c.quantity.is_some() {
        "quantity"
    } else {
        "items"
    };
    if c.kind != ContributionKind::InKind {
        return Err(DomainError::bad_input(
            field,
            format!(
                "a {} contribution has no items: quantities and items are for IN_KIND",
                c.kind
            ),
        ));
    }
    if let Some(q) = &c.quantity {
        if !c.items.is_empty() {
            return Err(DomainError::bad_input(
                "quantity",
                "give either one quantity or a list of items, not both",
            ));
        }
        return Ok(vec![Item {
            quantity: count("quantity.count", q.count)?,
            unit: text::unit("quantity.unit", &q.unit)?,
            description: None,
        }]);
    }
    c.items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            Ok(Item {
                quantity: count(&format!("items[{i}].quantity"), it.quantity)?,
                unit: text::unit(&format!("items[{i}].unit"), &it.unit)?,
                description: text::optional_description(
                    &format!("items[{i}].description"),
                    it.description.as_deref(),
                )?,
            })
        })
        .collect()
}

fn decide_commit(state: &PledgeState, c: &CommitPledge) -> Result<Vec<PledgeEvent>, DomainError> {
    let (id, p) = existing(state, &c.pledge_id)?;
    not_cancelled(p)?;
    if p.status != PledgeStatus::Pledged {
        return Err(invalid(p, format!("pledge {id} is already committed")));
    }
    let committed_on = dates::optional_in_range("committedOn", c.committed_on)?;
    dates::not_before("committedOn", committed_on, "pledgedOn", p.pledged_on)?;
    Ok(vec![
        PledgeCommitted {
            pledge_id: id,
            committed_on,
        }
        .into(),
    ])
}

fn decide_disbursement(
    state: &PledgeState,
    c: &RecordDisbursement,
) -> Result<Vec<PledgeEvent>, DomainError> {
    let (id, p) = existing(state, &c.pledge_id)?;
    not_cancelled(p)?;
    match p.status {
        PledgeStatus::Pledged => {
            return Err(invalid(
                p,
                format!("pledge {id} is not committed yet: commit it before disbursing"),
            ));
        }
        PledgeStatus::Disbursed => {
            return Err(invalid(
                p,
                format!("pledge {id} is already fully disbursed"),
            ));
        }
        _ => {}
    }
    let disbursed_on = dates::optional_in_range("disbursedOn", c.disbursed_on)?;
    if p.committed_on.is_some() {
        dates::not_before("disbursedOn", disbursed_on, "committedOn", p.committed_on)?;
    } else {
        dates::not_before("disbursedOn", disbursed_on, "pledgedOn", p.pledged_on)?;
    }
    let Some(total) = p.amount else {
        if let Some(a) = c.amount {
            return Err(DomainError::bad_input(
                "amount",
                format!(
                    "pledge {id} has no amount, so a disbursement of {a} has no currency: value the pledge with revisePledge first, or omit the amount to mark it delivered"
                ),
            ));
        }
        return Ok(vec![
            DisbursementRecorded {
                pledge_id: id,
                amount: None,
                disbursed_on,
                shares: Vec::new(),
                disbursed_total: None,
                status: PledgeStatus::Disbursed,
            }
            .into(),
        ]);
    };
    let currency = total.currency;
    let Some(raw) = c.amount else {
        return Err(DomainError::bad_input(
            "amount",
            format!("pledge {id} is valued: say how much was disbursed, in {currency}"),
        ));
    };
    let amount = check_amount("amount", raw, currency, Sign::Positive)?;
    let remaining = total
        .amount
        .checked_sub(p.disbursed)
        .ok_or_else(|| overflow("amount"))?;
    if amount > remaining {
        return Err(invalid(
            p,
            format!(
                "disbursing {amount} {currency} would exceed the pledge: {remaining} {currency} of {} {currency} remain",
                total.amount
            ),
        ));
    }
    let shares = if p.allocations.is_empty() {
        vec![Share {
            priority_id: None,
            amount,
        }]
    } else {
        let weights: Vec<Decimal> = p.allocations.iter().map(|a| a.amount).collect();
        split_pro_rata("amount", amount, &weights, currency)?
            .into_iter()
            .zip(&p.allocations)
            .map(|(s, a)| Share {
                priority_id: Some(a.priority_id.clone()),
                amount: s,
            })
            .collect()
    };
    let new_total = p
        .disbursed
        .checked_add(amount)
        .ok_or_else(|| overflow("amount"))?;
    let status = if new_total == total.amount {
        PledgeStatus::Disbursed
    } else {
        PledgeStatus::PartlyDisbursed
    };
    Ok(vec![
        DisbursementRecorded {
            pledge_id: id,
            amount: Some(Money::new(amount, currency)),
            disbursed_on,
            shares,
            disbursed_total: Some(Money::new(new_total, currency)),
            status,
        }
        .into(),
    ])
}

fn decide_revise(
    state: &PledgeState,
    c: &RevisePledge,
    refs: &dyn References,
) -> Result<Vec<PledgeEvent>, DomainError> {
    let (id, p) = existing(state, &c.pledge_id)?;
    not_cancelled(p)?;
    if let Some(inputs) = &c.allocations {
        lists::bounded("allocations", inputs)?;
    }
    let amount = check_money("amount", c.amount, Sign::Positive)?;
    let revised_on = dates::in_range("revisedOn", c.revised_on)?;
    dates::not_before("revisedOn", Some(revised_on), "pledgedOn", p.pledged_on)?;
    let reason = text::description("reason", &c.reason)?;
    crate::schedule::check_revision(p, amount.currency, amount.amount)?;
    crate::chain::check_revision(p, amount, refs)?;
    let delivered_unvalued = p.amount.is_none() && p.status == PledgeStatus::Disbursed;
    if p.disbursed > Decimal::ZERO {
        let old = p.amount.map_or(amount.currency, |m| m.currency);
        if old != amount.currency {
            return Err(invalid(
                p,
                format!(
                    "pledge {id} has disbursements in {old}: its currency cannot change to {}",
                    amount.currency
                ),
            ));
        }
        if amount.amount < p.disbursed {
            return Err(invalid(
                p,
                format!(
                    "revising to {amount} is below the {} {old} already disbursed",
                    p.disbursed
                ),
            ));
        }
    }
    let allocations = match &c.allocations {
        Some(inputs) if inputs.is_empty() => Vec::new(),
        Some(inputs) => check_allocations(inputs, amount, &p.roadmap_id, refs)?,
        None => match p.amount {
            Some(old) => {
                let old_sum = checked_sum("allocations", p.allocations.iter().map(|a| a.amount))?;
                if p.allocations.is_empty()
                    || (old.currency == amount.currency && old_sum == amount.amount)
                {
                    p.allocations.clone()
                } else {
                    return Err(DomainError::bad_input(
                        "allocations",
                        format!(
                            "the current allocations add up to {old_sum} {}, not the new amount {amount}: send allocations for the new amount",
                            old.currency
                        ),
                    ));
                }
            }
            None => match p.priority_ids.as_slice() {
                [] => Vec::new(),
                [only] => vec![Allocation {
                    priority_id: only.clone(),
                    amount: amount.amount,
                }],
                several => {
                    return Err(DomainError::bad_input(
                        "allocations",
                        format!(
                            "the pledge names {} priorities: send allocations to split {amount} over them",
                            several.len()
                        ),
                    ));
                }
            },
        },
    };
    let status = match p.status {
        PledgeStatus::Pledged => PledgeStatus::Pledged,
        _ if delivered_unvalued => PledgeStatus::Disbursed,
        _ if p.disbursed.is_zero() => PledgeStatus::Committed,
        _ if p.disbursed == amount.amount => PledgeStatus::Disbursed,
        _ => PledgeStatus::PartlyDisbursed,
    };
    Ok(vec![
        PledgeRevised {
            pledge_id: id,
            previous_amount: p.amount,
            amount,
            allocations,
            revised_on,
            reason,
            status,
        }
        .into(),
    ])
}

fn decide_cancel(
    state: &PledgeState,
    c: &CancelPledge,
    refs: &dyn References,
) -> Result<Vec<PledgeEvent>, DomainError> {
    let (id, p) = existing(state, &c.pledge_id)?;
    if p.status == PledgeStatus::Cancelled {
        return Err(invalid(p, format!("pledge {id} is already cancelled")));
    }
    crate::chain::check_cancel(p, refs)?;
    if !p.disbursements.is_empty() {
        return Err(invalid(
            p,
            format!("pledge {id} has disbursements and cannot be cancelled: revise it instead"),
        ));
    }
    let cancelled_on = dates::in_range("cancelledOn", c.cancelled_on)?;
    dates::not_before("cancelledOn", Some(cancelled_on), "pledgedOn", p.pledged_on)?;
    let reason = text::description("reason", &c.reason)?;
    Ok(vec![
        PledgeCancelled {
            pledge_id: id,
            cancelled_on,
            reason,
        }
        .into(),
    ])
}

pub fn decide(
    state: &PledgeState,
    command: &PledgeCommand,
    refs: &dyn References,
) -> Result<Vec<PledgeEvent>, DomainError> {
    match command {
        PledgeCommand::Make(c) => decide_make(state, c, refs),
        PledgeCommand::Commit(c) => decide_commit(state, c),
        PledgeCommand::RecordDisbursement(c) => decide_disbursement(state, c),
        PledgeCommand::Revise(c) => decide_revise(state, c, refs),
        PledgeCommand::Cancel(c) => decide_cancel(state, c, refs),
        PledgeCommand::SetTranches(c) => crate::schedule::decide_set_tranches(state, c),
        PledgeCommand::LinkFunding(c) => crate::chain::decide_link(state, c, refs),
        PledgeCommand::UnlinkFunding(c) => crate::chain::decide_unlink(state, c),
    }
}

crate::aggregate::entity_aggregate!(Pledge, PledgeState, PledgeCommand, PledgeEvent);
