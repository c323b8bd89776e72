//! The contract's mutations: each runs one command through the command side,
//! waits for the read models to show it, and returns the entity.

use async_graphql::{Context, Object, Result};
use fundtrail_ledger::CommandContext;

use super::errors::{INTERNAL, coded, service_error};
use super::inputs::*;
use super::objects::{
    ExchangeRate, Organisation, Partnership, Pledge, Priority, Proposal, Roadmap, state,
};

/// Who is acting: the authenticated principal once authentication lands
/// (issue #6); until then the server's configured actor.
#[derive(Debug, Clone)]
pub struct Actor(pub String);

pub struct MutationRoot;

/// Runs the input's command; returns the id of the entity it concerns.
async fn run(ctx: &Context<'_>, input: impl CommandInput) -> Result<String> {
    let actor = ctx
        .data_opt::<Actor>()
        .map(|a| a.0.clone())
        .unwrap_or_else(|| "anonymous".into());
    let context = CommandContext {
        actor,
        command_id: input.command_id().map(|c| c.0.clone()),
        expected_version: expected_version(input.expected_version())?,
        correlation_id: None,
    };
    let (id, command) = input.into_command();
    state(ctx)
        .execute(&context, command)
        .await
        .map_err(service_error)?;
    Ok(id)
}

fn shown<T>(found: Option<T>, entity: &str, id: &str) -> Result<T> {
    found.ok_or_else(|| {
        coded(
            INTERNAL,
            format!("{entity} '{id}' was recorded but is not readable yet; query it again"),
        )
    })
}

#[Object(name = "Mutation")]
impl MutationRoot {
    async fn register_organisation(
        &self,
        ctx: &Context<'_>,
        input: RegisterOrganisationInput,
    ) -> Result<Organisation> {
        let id = run(ctx, input).await?;
        shown(
            state(ctx).read().organisation(&id).map(Into::into),
            "organisation",
            &id,
        )
    }

    async fn create_roadmap(
        &self,
        ctx: &Context<'_>,
        input: CreateRoadmapInput,
    ) -> Result<Roadmap> {
        let id = run(ctx, input).await?;
        shown(
            state(ctx).read().roadmap(&id).map(Into::into),
            "roadmap",
            &id,
        )
    }

    async fn define_priority(
        &self,
        ctx: &Context<'_>,
        input: DefinePriorityInput,
    ) -> Result<Priority> {
        let id = run(ctx, input).await?;
        shown(
            state(ctx).read().priority(&id).map(Into::into),
            "priority",
            &id,
        )
    }

    async fn set_funding_requirement(
        &self,
        ctx: &Context<'_>,
        input: SetFundingRequirementInput,
    ) -> Result<Priority> {
        let id = run(ctx, input).await?;
        shown(
            state(ctx).read().priority(&id).map(Into::into),
            "priority",
            &id,
        )
    }

    async fn record_partnership(
        &self,
        ctx: &Context<'_>,
        input: RecordPartnershipInput,
    ) -> Result<Partnership> {
        let id = run(ctx, input).await?;
        shown(
            state(ctx).read().partnership(&id).map(Into::into),
            "partnership",
            &id,
        )
    }

    async fn change_partnership_status(
        &self,
        ctx: &Context<'_>,
        input: ChangePartnershipStatusInput,
    ) -> Result<Partnership> {
        let id = run(ctx, input).await?;
        shown(
            state(ctx).read().partnership(&id).map(Into::into),
            "partnership",
            &id,
        )
    }

    async fn submit_proposal(
        &self,
        ctx: &Context<'_>,
        input: SubmitProposalInput,
    ) -> Result<Proposal> {
        let id = run(ctx, input).await?;
        shown(
            state(ctx).read().proposal(&id).map(Into::into),
            "proposal",
            &id,
        )
    }

    async fn decide_proposal(
        &self,
        ctx: &Context<'_>,
        input: DecideProposalInput,
    ) -> Result<Proposal> {
        let id = run(ctx, input).await?;
        shown(
            state(ctx).read().proposal(&id).map(Into::into),
            "proposal",
            &id,
        )
    }

    async fn pledge(&self, ctx: &Context<'_>, input: PledgeInput) -> Result<Pledge> {
        let id = run(ctx, input).await?;
        shown(state(ctx).read().pledge(&id).map(Into::into), "pledge", &id)
    }

    async fn commit_pledge(&self, ctx: &Context<'_>, input: CommitPledgeInput) -> Result<Pledge> {
        let id = run(ctx, input).await?;
        shown(state(ctx).read().pledge(&id).map(Into::into), "pledge", &id)
    }

    async fn record_disbursement(
        &self,
        ctx: &Context<'_>,
        input: RecordDisbursementInput,
    ) -> Result<Pledge> {
        let id = run(ctx, input).await?;
        shown(state(ctx).read().pledge(&id).map(Into::into), "pledge", &id)
    }

    async fn revise_pledge(&self, ctx: &Context<'_>, input: RevisePledgeInput) -> Result<Pledge> {
        let id = run(ctx, input).await?;
        shown(state(ctx).read().pledge(&id).map(Into::into), "pledge", &id)
    }

    async fn cancel_pledge(&self, ctx: &Context<'_>, input: CancelPledgeInput) -> Result<Pledge> {
        let id = run(ctx, input).await?;
        shown(state(ctx).read().pledge(&id).map(Into::into), "pledge", &id)
    }

    async fn record_exchange_rate(
        &self,
        ctx: &Context<'_>,
        input: RecordExchangeRateInput,
    ) -> Result<ExchangeRate> {
        let (base, quote, valid_from) = (input.base.0, input.quote.0, input.valid_from.0);
        let pair = run(ctx, input).await?;
        let found = state(ctx)
            .read()
            .exchange_rates()
            .into_iter()
            .rfind(|r| r.base == base && r.quote == quote && r.valid_from == valid_from)
            .map(ExchangeRate::from);
        shown(found, "exchange rate", &pair)
    }
}
