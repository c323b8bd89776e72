//! The contract's entity types. Each holds an owned copy of what the read
//! models had when it was resolved; related entities are looked up when a
//! client asks for them.

use async_graphql::{ComplexObject, Context, ID, Json, Object, Result, SimpleObject};
use fundtrail_domain::{organisation, partnership, pledge, priority, proposal, roadmap};
use fundtrail_projections::Versioned;
use fundtrail_store::RecordedEvent;

use super::enums::{
    ContributionKind, OrganisationKind, PartnershipNature, PartnershipStatus, PledgeStatus,
    ProposalStatus, Theme, from_domain,
};
use super::errors::{INTERNAL, coded};
use super::provenance::{Beneficiaries, Item, NextStep, Prospect, Source, source_of};
use super::scalars::{Currency, Date, DateTime, Decimal};
use fundtrail_app::AppState;

pub fn state<'a>(ctx: &Context<'a>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

pub(crate) fn version(v: u64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

#[derive(SimpleObject, Clone, Copy, Debug, PartialEq)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

impl From<fundtrail_domain::money::Money> for Money {
    fn from(m: fundtrail_domain::money::Money) -> Self {
        Money {
            amount: Decimal(m.amount),
            currency: Currency(m.currency),
        }
    }
}

/// One event, as auditors read it.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuditEntry {
    /// The event's global position (a string: positions outgrow 32 bits).
    pub position: String,
    pub entity_id: ID,
    /// The stream the event belongs to (`pledge-p1`): says which kind of entity.
    pub stream: String,
    pub version: i32,
    #[graphql(name = "type")]
    pub event_type: String,
    pub schema_version: i32,
    pub recorded_at: DateTime,
    pub actor: String,
    pub command_id: Option<ID>,
    pub data: Json<serde_json::Value>,
    pub hash: String,
}

impl AuditEntry {
    pub fn from_recorded(e: RecordedEvent) -> AuditEntry {
        let entity_id = fundtrail_projections::audit::entity_of_stream(&e.stream_id)
            .map(|(_, id)| id.to_owned())
            .unwrap_or_else(|| e.stream_id.clone());
        let data = serde_json::from_str(&e.payload)
            .unwrap_or(serde_json::Value::String(e.payload.clone()));
        AuditEntry {
            position: e.position.to_string(),
            entity_id: ID(entity_id),
            stream: e.stream_id,
            version: version(e.version),
            event_type: e.event_type,
            schema_version: i32::from(e.schema_version),
            recorded_at: DateTime(e.recorded_at),
            actor: e.metadata.actor,
            // The client's commandId, not the key it is recorded under.
            command_id: e
                .metadata
                .command_id
                .map(|c| ID(fundtrail_ledger::client_command_id(&c).to_owned())),
            data: Json(data),
            hash: e.hash.to_hex(),
        }
    }
}

/// The events of one stream, oldest first.
pub async fn history(ctx: &Context<'_>, stream_id: &str) -> Result<Vec<AuditEntry>> {
    // Consistent with the entity's `version`: what the read models have applied.
    let events = fundtrail_app::reads::history(state(ctx), stream_id)
        .await
        .map_err(|e| super::errors::store_read_error("the history", &e))?;
    Ok(events.into_iter().map(AuditEntry::from_recorded).collect())
}

/// An entity as GraphQL serves it: the read model's state and version,
/// owned (`$name { version, inner }`), built from a [`Versioned`] lookup.
macro_rules! versioned_object {
    ($(#[$m:meta])* $name:ident, $state:ty) => {
        $(#[$m])*
        #[derive(Clone, Debug)]
        pub struct $name {
            pub version: u64,
            pub inner: $state,
        }

        impl From<Versioned<'_, $state>> for $name {
            fn from(v: Versioned<'_, $state>) -> Self {
                $name {
                    version: v.version,
                    inner: v.entity.clone(),
                }
            }
        }
    };
}
pub(crate) use versioned_object;

// ---- Organisation ----

versioned_object!(Organisation, organisation::Organisation);

pub fn find_organisation(ctx: &Context<'_>, id: &str) -> Option<Organisation> {
    state(ctx).read().organisation(id).map(Organisation::from)
}

#[Object]
impl Organisation {
    async fn id(&self) -> ID {
        ID(self.inner.id.as_str().to_owned())
    }
    async fn name(&self) -> &str {
        &self.inner.name
    }
    async fn acronym(&self) -> Option<&str> {
        self.inner.acronym.as_deref()
    }
    async fn kind(&self) -> OrganisationKind {
        self.inner.kind.into()
    }
    /// ISO 3166-1 alpha-3.
    async fn country(&self) -> &str {
        &self.inner.country
    }
    /// The document and sentence the organisation was recorded from.
    async fn source(&self) -> Option<Source> {
        source_of(&self.inner.source)
    }
    async fn version(&self) -> i32 {
        version(self.version)
    }
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<AuditEntry>> {
        history(ctx, &organisation::stream_id(&self.inner.id)).await
    }
}

// ---- Roadmap and Priority ----

versioned_object!(Roadmap, roadmap::Roadmap);

/// After how many days a roadmap's records are chased on the worklist.
#[derive(async_graphql::SimpleObject)]
pub struct Ageing {
    /// An announcement not committed (AGEING_PLEDGE).
    pub pledge_days: i32,
    /// A submitted proposal not decided (AGEING_PROPOSAL).
    pub proposal_days: i32,
}

pub fn find_roadmap(ctx: &Context<'_>, id: &str) -> Option<Roadmap> {
    state(ctx).read().roadmap(id).map(Roadmap::from)
}

#[Object]
impl Roadmap {
    async fn id(&self) -> ID {
        ID(self.inner.id.as_str().to_owned())
    }
    async fn country(&self) -> &str {
        &self.inner.country
    }
    async fn title(&self) -> &str {
        &self.inner.title
    }
    async fn period_start(&self) -> Date {
        Date(self.inner.period_start)
    }
    async fn period_end(&self) -> Date {
        Date(self.inner.period_end)
    }
    /// The reporting currency.
    async fn currency(&self) -> Currency {
        Currency(self.inner.currency)
    }
    /// The worklist's ageing periods (`setAgeing`; 90 days each until set).
    async fn ageing(&self) -> Ageing {
        Ageing {
            pledge_days: i32::try_from(self.inner.ageing.pledge_days).unwrap_or(i32::MAX),
            proposal_days: i32::try_from(self.inner.ageing.proposal_days).unwrap_or(i32::MAX),
        }
    }
    /// In rank order.
    async fn priorities(&self, ctx: &Context<'_>) -> Vec<Priority> {
        state(ctx)
            .read()
            .roadmap_priorities(self.inner.id.as_str())
            .into_iter()
            .map(Priority::from)
            .collect()
    }
    /// Every action of the roadmap (its next steps' and its records'
    /// follow-ups), by due date.
    async fn actions(&self, ctx: &Context<'_>) -> Vec<super::action::Action> {
        state(ctx)
            .read()
            .actions(&fundtrail_projections::ActionFilter {
                roadmap: Some(self.inner.id.as_str()),
                ..Default::default()
            })
            .into_iter()
            .map(super::action::Action::from)
            .collect()
    }
    /// What the roadmap said would come next, in rank order; each carries
    /// the actions that move it forward (`NextStep.actions`).
    async fn next_steps(&self, ctx: &Context<'_>) -> Vec<NextStep> {
        state(ctx)
            .read()
            .next_steps(self.inner.id.as_str())
            .into_iter()
            .map(NextStep::from)
            .collect()
    }
    /// Donors to approach for this roadmap.
    async fn prospects(&self, ctx: &Context<'_>) -> Vec<Prospect> {
        state(ctx)
            .read()
            .prospects(Some(self.inner.id.as_str()), None)
            .into_iter()
            .map(Prospect::from)
            .collect()
    }
    async fn source(&self) -> Option<Source> {
        source_of(&self.inner.source)
    }
    async fn version(&self) -> i32 {
        version(self.version)
    }
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<AuditEntry>> {
        history(ctx, &roadmap::stream_id(&self.inner.id)).await
    }
}

versioned_object!(Priority, priority::Priority);

pub fn find_priority(ctx: &Context<'_>, id: &str) -> Option<Priority> {
    state(ctx).read().priority(id).map(Priority::from)
}

pub fn priorities(
    ctx: &Context<'_>,
    ids: impl IntoIterator<Item = impl AsRef<str>>,
) -> Vec<Priority> {
    let model = state(ctx).read();
    ids.into_iter()
        .filter_map(|id| model.priority(id.as_ref()).map(Priority::from))
        .collect()
}

fn organisations(
    ctx: &Context<'_>,
    ids: impl IntoIterator<Item = impl AsRef<str>>,
) -> Vec<Organisation> {
    let model = state(ctx).read();
    ids.into_iter()
        .filter_map(|id| model.organisation(id.as_ref()).map(Organisation::from))
        .collect()
}

fn must<T>(found: Option<T>, entity: &'static str, id: &str) -> Result<T> {
    found.ok_or_else(|| {
        tracing::error!(
            entity,
            id,
            "a referenced entity is missing from the read models"
        );
        coded(
            INTERNAL,
            format!("{entity} '{id}' is referenced but missing"),
        )
    })
}

#[Object]
impl Priority {
    async fn id(&self) -> ID {
        ID(self.inner.id.as_str().to_owned())
    }
    async fn rank(&self) -> i32 {
        i32::try_from(self.inner.rank).unwrap_or(i32::MAX)
    }
    async fn title(&self) -> &str {
        &self.inner.title
    }
    async fn source(&self) -> Option<Source> {
        source_of(&self.inner.source)
    }
    async fn roadmap(&self, ctx: &Context<'_>) -> Result<Roadmap> {
        let id = self.inner.roadmap_id.as_str();
        must(find_roadmap(ctx, id), "roadmap", id)
    }
    /// The latest funding requirement (null when none was set).
    async fn requirement(&self) -> Option<Money> {
        self.inner.requirement.map(Money::from)
    }
    async fn version(&self) -> i32 {
        version(self.version)
    }
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<AuditEntry>> {
        history(ctx, &priority::stream_id(&self.inner.id)).await
    }
}

// ---- Partnership ----

versioned_object!(Partnership, partnership::Partnership);

#[Object]
impl Partnership {
    async fn id(&self) -> ID {
        ID(self.inner.id.as_str().to_owned())
    }
    async fn title(&self) -> &str {
        &self.inner.title
    }
    async fn parties(&self, ctx: &Context<'_>) -> Vec<Organisation> {
        organisations(ctx, self.inner.party_ids.iter().map(|p| p.as_str()))
    }
    /// Null when the source does not state it.
    async fn status(&self) -> Option<PartnershipStatus> {
        self.inner.status.map(Into::into)
    }
    async fn source(&self) -> Option<Source> {
        source_of(&self.inner.source)
    }
    async fn themes(&self) -> Vec<Theme> {
        from_domain(&self.inner.themes)
    }
    /// What the partnership brings (the reports often name several natures).
    async fn nature(&self) -> Vec<PartnershipNature> {
        from_domain(&self.inner.nature)
    }
    async fn priorities(&self, ctx: &Context<'_>) -> Vec<Priority> {
        priorities(ctx, self.inner.priority_ids.iter().map(|p| p.as_str()))
    }
    async fn signed_on(&self) -> Option<Date> {
        self.inner.signed_on.map(Date)
    }
    async fn version(&self) -> i32 {
        version(self.version)
    }
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<AuditEntry>> {
        history(ctx, &partnership::stream_id(&self.inner.id)).await
    }
}

// ---- Proposal ----

versioned_object!(Proposal, proposal::Proposal);

#[Object]
impl Proposal {
    async fn id(&self) -> ID {
        ID(self.inner.id.as_str().to_owned())
    }
    async fn source(&self) -> Option<Source> {
        source_of(&self.inner.source)
    }
    async fn title(&self) -> &str {
        &self.inner.title
    }
    async fn applicant(&self, ctx: &Context<'_>) -> Result<Organisation> {
        let id = self.inner.applicant_id.as_str();
        must(find_organisation(ctx, id), "organisation", id)
    }
    async fn donor(&self, ctx: &Context<'_>) -> Result<Organisation> {
        let id = self.inner.donor_id.as_str();
        must(find_organisation(ctx, id), "organisation", id)
    }
    async fn requested(&self) -> Option<Money> {
        self.inner.requested.map(Money::from)
    }
    async fn status(&self) -> ProposalStatus {
        self.inner.status.into()
    }
    async fn themes(&self) -> Vec<Theme> {
        from_domain(&self.inner.themes)
    }
    async fn priorities(&self, ctx: &Context<'_>) -> Vec<Priority> {
        priorities(ctx, self.inner.priority_ids.iter().map(|p| p.as_str()))
    }
    async fn submitted_on(&self) -> Option<Date> {
        self.inner.submitted_on.map(Date)
    }
    async fn decided_on(&self) -> Option<Date> {
        self.inner.decided_on.map(Date)
    }
    async fn version(&self) -> i32 {
        version(self.version)
    }
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<AuditEntry>> {
        history(ctx, &proposal::stream_id(&self.inner.id)).await
    }
}

// ---- Pledge ----

versioned_object!(Pledge, pledge::Pledge);

#[derive(SimpleObject, Clone, Debug)]
pub struct Quantity {
    pub count: u64,
    pub unit: String,
}

#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Allocation {
    #[graphql(skip)]
    pub priority_id: String,
    pub amount: Money,
}

#[ComplexObject]
impl Allocation {
    async fn priority(&self, ctx: &Context<'_>) -> Result<Priority> {
        must(
            find_priority(ctx, &self.priority_id),
            "priority",
            &self.priority_id,
        )
    }
}

#[derive(SimpleObject, Clone, Debug)]
pub struct Disbursement {
    /// Null for a delivery whose value was not reported.
    pub amount: Option<Money>,
    /// Null when the report gave no date.
    pub disbursed_on: Option<Date>,
}

#[Object]
impl Pledge {
    async fn id(&self) -> ID {
        ID(self.inner.id.as_str().to_owned())
    }
    /// Null when the source does not say who gives.
    async fn donor(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.inner.donor_id.as_ref() else {
            return Ok(None);
        };
        must(
            find_organisation(ctx, id.as_str()),
            "organisation",
            id.as_str(),
        )
        .map(Some)
    }
    /// Null when the source does not say who receives.
    async fn recipient(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.inner.recipient_id.as_ref() else {
            return Ok(None);
        };
        must(
            find_organisation(ctx, id.as_str()),
            "organisation",
            id.as_str(),
        )
        .map(Some)
    }
    /// In-kind items as the source lists them (« 2 motos », « 1 ordinateur »).
    async fn items(&self) -> Vec<Item> {
        self.inner
            .items
            .iter()
            .map(|i| Item {
                quantity: i.quantity,
                unit: i.unit.clone(),
                description: i.description.clone(),
            })
            .collect()
    }
    /// People reached, where the source counts them (« 189 jeunes »).
    async fn beneficiaries(&self) -> Vec<Beneficiaries> {
        self.inner
            .beneficiaries
            .iter()
            .map(|b| Beneficiaries {
                count: b.count,
                description: b.description.clone(),
            })
            .collect()
    }
    /// The document and sentence the contribution was recorded from.
    async fn source(&self) -> Option<Source> {
        source_of(&self.inner.source)
    }
    async fn roadmap(&self, ctx: &Context<'_>) -> Result<Roadmap> {
        let id = self.inner.roadmap_id.as_str();
        must(find_roadmap(ctx, id), "roadmap", id)
    }
    async fn kind(&self) -> ContributionKind {
        self.inner.kind.into()
    }
    /// Null when the source does not state where the contribution stands.
    async fn status(&self) -> Option<PledgeStatus> {
        self.inner.stated_status().map(Into::into)
    }
    /// Null for an unvalued pledge (its value was not reported).
    async fn amount(&self) -> Option<Money> {
        self.inner.amount.map(Money::from)
    }
    /// True when the pledge has no reported value: it is counted, never summed as zero.
    async fn unvalued(&self) -> bool {
        self.inner.amount.is_none()
    }
    async fn quantity(&self) -> Option<Quantity> {
        self.inner.quantity().map(|q| Quantity {
            count: q.count,
            unit: q.unit.clone(),
        })
    }
    async fn allocations(&self) -> Vec<Allocation> {
        let Some(amount) = self.inner.amount else {
            return Vec::new();
        };
        self.inner
            .allocations
            .iter()
            .map(|a| Allocation {
                priority_id: a.priority_id.as_str().to_owned(),
                amount: Money {
                    amount: Decimal(a.amount),
                    currency: Currency(amount.currency),
                },
            })
            .collect()
    }
    /// Priorities an unvalued pledge is meant for (valued pledges use `allocations`).
    async fn priorities(&self, ctx: &Context<'_>) -> Vec<Priority> {
        priorities(ctx, self.inner.priority_ids.iter().map(|p| p.as_str()))
    }
    async fn pledged_on(&self) -> Option<Date> {
        self.inner.pledged_on.map(Date)
    }
    async fn committed_on(&self) -> Option<Date> {
        self.inner.committed_on.map(Date)
    }
    async fn cancelled_on(&self) -> Option<Date> {
        self.inner.cancelled_on.map(Date)
    }
    /// Sum of the disbursements; null when unknown (an unvalued pledge, or
    /// one whose status the source does not state), never zero in its place.
    async fn disbursed(&self) -> Option<Money> {
        self.inner.disbursed_money().ok().map(Money::from)
    }
    /// The commitment's expected tranches, in order of due date, as the
    /// disbursements recorded up to today cover them.
    async fn tranches(&self, ctx: &Context<'_>) -> Vec<super::schedule::Tranche> {
        super::schedule::tranches(&self.inner, state(ctx).clock().today())
    }
    /// What is overdue today (the uncovered part of tranches due before
    /// today): zero when nothing is; null for an unvalued pledge.
    async fn overdue(&self, ctx: &Context<'_>) -> Option<Money> {
        super::schedule::overdue(&self.inner, state(ctx).clock().today())
    }
    /// The pledges that fund this one (issue #15).
    async fn funded_by(&self, ctx: &Context<'_>) -> Vec<super::chain::FundingLink> {
        super::chain::funded_by(ctx, self.inner.id.as_str())
    }
    /// The pledges this one funds.
    async fn funds(&self, ctx: &Context<'_>) -> Vec<super::chain::FundingLink> {
        super::chain::funds(ctx, self.inner.id.as_str())
    }
    /// What the pledge keeps: its amount less what it passes on (counted as
    /// its own in every figure); null when it has no value.
    async fn kept(&self, ctx: &Context<'_>) -> Option<Money> {
        super::chain::kept(ctx, self.inner.id.as_str()).0
    }
    /// What it passes on to the pledges it funds (in its currency); null when it has no value.
    async fn passed_on(&self, ctx: &Context<'_>) -> Option<Money> {
        super::chain::kept(ctx, self.inner.id.as_str()).1
    }
    async fn disbursements(&self) -> Vec<Disbursement> {
        self.inner
            .disbursements
            .iter()
            .map(|d| Disbursement {
                amount: d.amount.map(Money::from),
                disbursed_on: d.disbursed_on.map(Date),
            })
            .collect()
    }
    async fn themes(&self) -> Vec<Theme> {
        from_domain(&self.inner.themes)
    }
    async fn proposal(&self, ctx: &Context<'_>) -> Option<Proposal> {
        let id = self.inner.proposal_id.as_ref()?;
        state(ctx).read().proposal(id.as_str()).map(Proposal::from)
    }
    async fn partnership(&self, ctx: &Context<'_>) -> Option<Partnership> {
        let id = self.inner.partnership_id.as_ref()?;
        state(ctx)
            .read()
            .partnership(id.as_str())
            .map(Partnership::from)
    }
    async fn description(&self) -> Option<&str> {
        self.inner.description.as_deref()
    }
    async fn version(&self) -> i32 {
        version(self.version)
    }
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<AuditEntry>> {
        history(ctx, &pledge::stream_id(&self.inner.id)).await
    }
}

// ---- ExchangeRate ----

#[derive(SimpleObject, Clone, Debug)]
pub struct ExchangeRate {
    pub base: Currency,
    pub quote: Currency,
    /// 1 base = rate quote.
    pub rate: Decimal,
    pub valid_from: Date,
    pub version: i32,
}

impl From<fundtrail_projections::entities::ExchangeRateView> for ExchangeRate {
    fn from(r: fundtrail_projections::entities::ExchangeRateView) -> Self {
        ExchangeRate {
            base: Currency(r.base),
            quote: Currency(r.quote),
            rate: Decimal(r.rate),
            valid_from: Date(r.valid_from),
            version: version(r.version),
        }
    }
}
