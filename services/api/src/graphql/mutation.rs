//! The contract's mutations: each runs one command through the command side,
//! waits for the read models to show it, and returns the entity.

use async_graphql::{Context, Object, Result};
use fundtrail_ledger::CommandContext;

use super::errors::{INTERNAL, coded, service_error};
use super::inputs::*;
use super::objects::{
    ExchangeRate, Organisation, Partnership, Pledge, Priority, Proposal, Roadmap, state,
};
use super::provenance::{NextStep, Prospect, SourceDocument};

#[derive(Default)]
pub struct MutationRoot;

/// Runs the input's command; returns the id of the entity it concerns.
async fn run(ctx: &Context<'_>, input: impl CommandInput) -> Result<String> {
    let context = CommandContext {
        principal: super::access::principal(ctx)?.clone(),
        command_id: command_id(input.command_id())?,
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

/// Runs the input's command, then reads back the entity it concerns.
pub(crate) async fn run_and_read<T>(
    ctx: &Context<'_>,
    input: impl CommandInput,
    entity: &str,
    read: impl FnOnce(&fundtrail_projections::ReadModel, &str) -> Option<T>,
) -> Result<T> {
    let id = run(ctx, input).await?;
    let found = read(&state(ctx).read(), &id);
    shown(found, entity, &id)
}

#[Object(name = "ContractMutation")]
impl MutationRoot {
    async fn register_organisation(
        &self,
        ctx: &Context<'_>,
        input: RegisterOrganisationInput,
    ) -> Result<Organisation> {
        run_and_read(ctx, input, "organisation", |m, id| {
            m.organisation(id).map(Into::into)
        })
        .await
    }

    async fn create_roadmap(
        &self,
        ctx: &Context<'_>,
        input: CreateRoadmapInput,
    ) -> Result<Roadmap> {
        run_and_read(ctx, input, "roadmap", |m, id| m.roadmap(id).map(Into::into)).await
    }

    /// After how many days the roadmap's announcements not committed and
    /// proposals not decided come on the worklist (issue #14).
    async fn set_ageing(&self, ctx: &Context<'_>, input: SetAgeingInput) -> Result<Roadmap> {
        run_and_read(ctx, input, "roadmap", |m, id| m.roadmap(id).map(Into::into)).await
    }

    async fn define_priority(
        &self,
        ctx: &Context<'_>,
        input: DefinePriorityInput,
    ) -> Result<Priority> {
        run_and_read(ctx, input, "priority", |m, id| {
            m.priority(id).map(Into::into)
        })
        .await
    }

    async fn set_funding_requirement(
        &self,
        ctx: &Context<'_>,
        input: SetFundingRequirementInput,
    ) -> Result<Priority> {
        run_and_read(ctx, input, "priority", |m, id| {
            m.priority(id).map(Into::into)
        })
        .await
    }

    async fn record_partnership(
        &self,
        ctx: &Context<'_>,
        input: RecordPartnershipInput,
    ) -> Result<Partnership> {
        run_and_read(ctx, input, "partnership", |m, id| {
            m.partnership(id).map(Into::into)
        })
        .await
    }

    async fn change_partnership_status(
        &self,
        ctx: &Context<'_>,
        input: ChangePartnershipStatusInput,
    ) -> Result<Partnership> {
        run_and_read(ctx, input, "partnership", |m, id| {
            m.partnership(id).map(Into::into)
        })
        .await
    }

    async fn submit_proposal(
        &self,
        ctx: &Context<'_>,
        input: SubmitProposalInput,
    ) -> Result<Proposal> {
        run_and_read(ctx, input, "proposal", |m, id| {
            m.proposal(id).map(Into::into)
        })
        .await
    }

    async fn decide_proposal(
        &self,
        ctx: &Context<'_>,
        input: DecideProposalInput,
    ) -> Result<Proposal> {
        run_and_read(ctx, input, "proposal", |m, id| {
            m.proposal(id).map(Into::into)
        })
        .await
    }

    /// A source document records may cite (with the SHA-256 of its text).
    async fn register_document(
        &self,
        ctx: &Context<'_>,
        input: RegisterDocumentInput,
    ) -> Result<SourceDocument> {
        run_and_read(ctx, input, "document", |m, id| {
            m.document(id).map(Into::into)
        })
        .await
    }

    async fn define_next_step(
        &self,
        ctx: &Context<'_>,
        input: DefineNextStepInput,
    ) -> Result<NextStep> {
        run_and_read(ctx, input, "next step", |m, id| {
            m.next_step(id).map(Into::into)
        })
        .await
    }

    async fn change_next_step_status(
        &self,
        ctx: &Context<'_>,
        input: ChangeNextStepStatusInput,
    ) -> Result<NextStep> {
        run_and_read(ctx, input, "next step", |m, id| {
            m.next_step(id).map(Into::into)
        })
        .await
    }

    /// Moves a prospect to another stage, with why (issue #14).
    async fn advance_prospect(
        &self,
        ctx: &Context<'_>,
        input: super::inputs::AdvanceProspectInput,
    ) -> Result<Prospect> {
        run_and_read(ctx, input, "prospect", |m, id| {
            m.prospect(id).map(Into::into)
        })
        .await
    }

    async fn record_prospect(
        &self,
        ctx: &Context<'_>,
        input: RecordProspectInput,
    ) -> Result<Prospect> {
        run_and_read(ctx, input, "prospect", |m, id| {
            m.prospect(id).map(Into::into)
        })
        .await
    }

    async fn pledge(&self, ctx: &Context<'_>, input: PledgeInput) -> Result<Pledge> {
        run_and_read(ctx, input, "pledge", |m, id| m.pledge(id).map(Into::into)).await
    }

    async fn commit_pledge(&self, ctx: &Context<'_>, input: CommitPledgeInput) -> Result<Pledge> {
        run_and_read(ctx, input, "pledge", |m, id| m.pledge(id).map(Into::into)).await
    }

    async fn record_disbursement(
        &self,
        ctx: &Context<'_>,
        input: RecordDisbursementInput,
    ) -> Result<Pledge> {
        run_and_read(ctx, input, "pledge", |m, id| m.pledge(id).map(Into::into)).await
    }

    async fn revise_pledge(&self, ctx: &Context<'_>, input: RevisePledgeInput) -> Result<Pledge> {
        run_and_read(ctx, input, "pledge", |m, id| m.pledge(id).map(Into::into)).await
    }

    async fn cancel_pledge(&self, ctx: &Context<'_>, input: CancelPledgeInput) -> Result<Pledge> {
        run_and_read(ctx, input, "pledge", |m, id| m.pledge(id).map(Into::into)).await
    }

    /// Sets a commitment's expected tranches (issue #14: schedules).
    async fn set_tranches(
        &self,
        ctx: &Context<'_>,
        input: super::schedule::SetTranchesInput,
    ) -> Result<Pledge> {
        run_and_read(ctx, input, "pledge", |m, id| m.pledge(id).map(Into::into)).await
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
