//! Funding chains in GraphQL (issue #15): `linkFunding`, `unlinkFunding`,
//! `Pledge.fundedBy / funds / kept / passedOn`, `chain`, `channels` and the
//! `attribution` argument. The rules are the domain's
//! (`fundtrail_domain::chain`) and the counting the projections'
//! (`fundtrail_projections::chains`).

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use fundtrail_domain::chain;
use fundtrail_ledger::Command;
use fundtrail_projections::chains::{ChainView, ChannelView, LinkView};

use super::errors::funding_error;
use super::inputs::{CommandInput, command_meta};
use super::mutation::run_and_read;
use super::objects::{Money, Organisation, Pledge, find_organisation, state};
use super::scalars::{Currency, Decimal};

/// Whose money a figure is.
#[derive(Enum, Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Attribution {
    /// Each pledge's counted money goes to its own donor.
    #[default]
    Direct,
    /// Money that came through funding links goes to the donors at the roots
    /// of its chains, pro rata along the links.
    OriginalSource,
}

impl From<Attribution> for fundtrail_projections::Attribution {
    fn from(a: Attribution) -> Self {
        match a {
            Attribution::Direct => Self::Direct,
            Attribution::OriginalSource => Self::OriginalSource,
        }
    }
}

/// The pledge `pledgeId` (the child) is funded by `fundedByPledgeId` for
/// `amount`, in the child's currency. `expectedVersion` is the child's.
#[derive(InputObject, Clone, Debug)]
pub struct LinkFundingInput {
    pub command_id: Option<ID>,
    pub expected_version: Option<i32>,
    pub pledge_id: ID,
    pub funded_by_pledge_id: ID,
    pub amount: Decimal,
    pub reason: Option<String>,
}

impl CommandInput for LinkFundingInput {
    command_meta!(LinkFundingInput, versioned);
    fn into_command(self) -> (String, Command) {
        let id = self.pledge_id.0;
        let command = chain::LinkFunding {
            pledge_id: id.clone(),
            funded_by_pledge_id: self.funded_by_pledge_id.0,
            amount: self.amount.0,
            reason: self.reason,
        };
        (
            id,
            fundtrail_domain::pledge::PledgeCommand::from(command).into(),
        )
    }
}

/// Removes the link from `fundedByPledgeId` to `pledgeId`, saying why.
#[derive(InputObject, Clone, Debug)]
pub struct UnlinkFundingInput {
    pub command_id: Option<ID>,
    pub expected_version: Option<i32>,
    pub pledge_id: ID,
    pub funded_by_pledge_id: ID,
    pub reason: String,
}

impl CommandInput for UnlinkFundingInput {
    command_meta!(UnlinkFundingInput, versioned);
    fn into_command(self) -> (String, Command) {
        let id = self.pledge_id.0;
        let command = chain::UnlinkFunding {
            pledge_id: id.clone(),
            funded_by_pledge_id: self.funded_by_pledge_id.0,
            reason: self.reason,
        };
        (
            id,
            fundtrail_domain::pledge::PledgeCommand::from(command).into(),
        )
    }
}

/// A link: `child` is funded by `parent` for `amount` (the child's currency).
pub struct FundingLink(pub LinkView);

fn pledge(ctx: &Context<'_>, id: &str) -> Result<Pledge> {
    state(ctx)
        .read()
        .pledge(id)
        .map(Pledge::from)
        .ok_or_else(|| {
            super::errors::coded(
                super::errors::INTERNAL,
                format!("pledge '{id}' of a funding link is missing from the read models"),
            )
        })
}

#[Object]
impl FundingLink {
    async fn parent(&self, ctx: &Context<'_>) -> Result<Pledge> {
        pledge(ctx, &self.0.parent_id)
    }
    async fn child(&self, ctx: &Context<'_>) -> Result<Pledge> {
        pledge(ctx, &self.0.child_id)
    }
    /// In the child's currency.
    async fn amount(&self) -> Money {
        self.0.amount.into()
    }
    /// The same money in the parent's currency, as the link converted it
    /// (at the rate in force on the child's `pledgedOn`, rounded once).
    async fn parent_amount(&self) -> Money {
        self.0.parent_amount.into()
    }
    /// The rate used, when the currencies differ.
    async fn rate(&self) -> Option<Decimal> {
        self.0.rate.map(Decimal)
    }
}

/// A pledge's funding chain: the links above it up to the roots and below
/// it down to the leaves (each also reachable as `Pledge.fundedBy` and
/// `Pledge.funds`, for a tree walk).
pub struct Chain(pub ChainView);

#[Object]
impl Chain {
    async fn pledge(&self, ctx: &Context<'_>) -> Result<Pledge> {
        pledge(ctx, &self.0.pledge_id)
    }
    /// Links above the pledge, nearest first.
    async fn up(&self) -> Vec<FundingLink> {
        self.0.up.iter().cloned().map(FundingLink).collect()
    }
    /// Links below the pledge, nearest first.
    async fn down(&self) -> Vec<FundingLink> {
        self.0.down.iter().cloned().map(FundingLink).collect()
    }
    /// Where the money comes from: pledges above with no parent (the pledge itself when it has none).
    async fn roots(&self, ctx: &Context<'_>) -> Result<Vec<Pledge>> {
        self.0.roots.iter().map(|id| pledge(ctx, id)).collect()
    }
    /// Where the money lands: pledges below that fund nothing (the pledge itself when it funds nothing).
    async fn leaves(&self, ctx: &Context<'_>) -> Result<Vec<Pledge>> {
        self.0.leaves.iter().map(|id| pledge(ctx, id)).collect()
    }
}

/// An intermediary of a roadmap: an organisation whose pledges pass money
/// on, with what came in through links, went out and stayed (the reporting currency).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Channel {
    #[graphql(skip)]
    pub organisation_id: String,
    /// Null when none of its pledges has a value (unknown, not zero).
    pub received: Option<Money>,
    pub passed_on: Option<Money>,
    pub kept: Option<Money>,
    /// Its pledges of the roadmap that pass money on.
    pub pledges: i32,
    /// Of those, pledges without a value (unknown, never summed as zero).
    pub unvalued_count: i32,
}

#[async_graphql::ComplexObject]
impl Channel {
    async fn organisation(&self, ctx: &Context<'_>) -> Option<Organisation> {
        find_organisation(ctx, &self.organisation_id)
    }
}

impl From<ChannelView> for Channel {
    fn from(c: ChannelView) -> Self {
        Channel {
            organisation_id: c.organisation_id,
            received: c.received.map(Into::into),
            passed_on: c.passed_on.map(Into::into),
            kept: c.kept.map(Into::into),
            pledges: i32::try_from(c.pledges).unwrap_or(i32::MAX),
            unvalued_count: i32::try_from(c.unvalued_count).unwrap_or(i32::MAX),
        }
    }
}

#[derive(Default)]
pub struct ChainQuery;

#[Object]
impl ChainQuery {
    /// The funding chain of one pledge.
    async fn chain(&self, ctx: &Context<'_>, pledge_id: ID) -> Result<Chain> {
        state(ctx)
            .read()
            .chain(&pledge_id)
            .map(Chain)
            .ok_or_else(|| {
                super::errors::coded(
                    "NOT_FOUND",
                    format!("pledgeId: pledge '{}' does not exist", pledge_id.0),
                )
            })
    }

    /// The roadmap's intermediaries, largest `received` first.
    async fn channels(
        &self,
        ctx: &Context<'_>,
        roadmap_id: ID,
        currency: Option<Currency>,
    ) -> Result<Vec<Channel>> {
        let today = state(ctx).clock().today();
        let found = state(ctx)
            .read()
            .channels(&roadmap_id, currency.map(|c| c.0), today)
            .map_err(funding_error)?;
        Ok(found.into_iter().map(Channel::from).collect())
    }
}

#[derive(Default)]
pub struct ChainMutation;

#[Object]
impl ChainMutation {
    /// Records that a pledge is funded by another; returns the child.
    async fn link_funding(&self, ctx: &Context<'_>, input: LinkFundingInput) -> Result<Pledge> {
        run_and_read(ctx, input, "pledge", |m, id| m.pledge(id).map(Into::into)).await
    }

    /// Removes a funding link; returns the child.
    async fn unlink_funding(&self, ctx: &Context<'_>, input: UnlinkFundingInput) -> Result<Pledge> {
        run_and_read(ctx, input, "pledge", |m, id| m.pledge(id).map(Into::into)).await
    }
}

/// `Pledge.fundedBy`.
pub fn funded_by(ctx: &Context<'_>, id: &str) -> Vec<FundingLink> {
    state(ctx)
        .read()
        .funded_by(id)
        .into_iter()
        .map(FundingLink)
        .collect()
}

/// `Pledge.funds`.
pub fn funds(ctx: &Context<'_>, id: &str) -> Vec<FundingLink> {
    state(ctx)
        .read()
        .funds(id)
        .into_iter()
        .map(FundingLink)
        .collect()
}

/// `Pledge.kept` and `Pledge.passedOn` (null for an unvalued pledge).
pub fn kept(ctx: &Context<'_>, id: &str) -> (Option<Money>, Option<Money>) {
    match state(ctx).read().kept(id) {
        Some((k, p)) => (Some(k.into()), Some(p.into())),
        None => (None, None),
    }
}
