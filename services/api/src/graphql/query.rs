//! The contract's queries.

use async_graphql::{Context, ID, Object, Result};
use fundtrail_projections::{AuditFilter, DonorMapQuery};

use super::enums::{
    OrganisationKind, PartnershipStatus, PledgeStatus, ProposalStatus, ProspectStage, Theme,
};
use super::errors::{bad_input, funding_error};
use super::funding::{AuditConnection, AuditEdge, DonorSummary, PageInfo, RoadmapFunding};
use super::objects::{
    AuditEntry, ExchangeRate, Organisation, Partnership, Pledge, Proposal, Roadmap,
    find_organisation, find_roadmap, state,
};
use super::provenance::{NextStep, Prospect, SourceDocument};
use super::scalars::{Currency, Date, DateTime};

#[derive(Default)]
pub struct QueryRoot;

#[Object(name = "ContractQuery")]
impl QueryRoot {
    /// Required, pledged, committed and disbursed per priority of a roadmap,
    /// in a reporting currency, as recorded at `asOf` and as happened by `on`.
    async fn funding_by_priority(
        &self,
        ctx: &Context<'_>,
        roadmap_id: ID,
        currency: Option<Currency>,
        as_of: Option<DateTime>,
        on: Option<Date>,
        #[graphql(default_with = "Some(super::chain::Attribution::Direct)")] attribution: Option<
            super::chain::Attribution,
        >,
    ) -> Result<RoadmapFunding> {
        let today = state(ctx).clock().today();
        state(ctx)
            .read()
            .funding_attributed(
                &roadmap_id,
                currency.map(|c| c.0),
                as_of.map(|t| t.0),
                on.map(|d| d.0),
                today,
                attribution.unwrap_or_default().into(),
            )
            .map(RoadmapFunding)
            .map_err(funding_error)
    }

    /// Who funds what: every organisation that pledged, proposed to or
    /// partnered on the roadmap (all roadmaps when absent), largest committed first.
    async fn donor_map(
        &self,
        ctx: &Context<'_>,
        roadmap_id: Option<ID>,
        theme: Option<Theme>,
        kind: Option<OrganisationKind>,
        currency: Option<Currency>,
        #[graphql(default_with = "Some(super::chain::Attribution::Direct)")] attribution: Option<
            super::chain::Attribution,
        >,
    ) -> Result<Vec<DonorSummary>> {
        let query = DonorMapQuery {
            roadmap_id: roadmap_id.map(|r| r.0),
            theme: theme.map(Into::into),
            kind: kind.map(Into::into),
            currency: currency.map(|c| c.0),
            today: state(ctx).clock().today(),
            attribution: attribution.unwrap_or_default().into(),
        };
        let found = state(ctx).read().donor_map(&query).map_err(funding_error)?;
        Ok(found.into_iter().map(DonorSummary).collect())
    }

    async fn organisation(&self, ctx: &Context<'_>, id: ID) -> Option<Organisation> {
        find_organisation(ctx, &id)
    }

    /// `search`: part of the name or acronym, ignoring case and accents.
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        kind: Option<OrganisationKind>,
        search: Option<String>,
    ) -> Vec<Organisation> {
        let model = state(ctx).read();
        let mut found: Vec<Organisation> = model
            .organisations(kind.map(Into::into), search.as_deref())
            .into_iter()
            .map(Organisation::from)
            .collect();
        found.sort_by(|a, b| a.inner.name.cmp(&b.inner.name));
        found
    }

    async fn roadmap(&self, ctx: &Context<'_>, id: ID) -> Option<Roadmap> {
        find_roadmap(ctx, &id)
    }

    /// The source documents records cite.
    async fn documents(&self, ctx: &Context<'_>) -> Vec<SourceDocument> {
        state(ctx)
            .read()
            .documents()
            .into_iter()
            .map(SourceDocument::from)
            .collect()
    }

    async fn document(&self, ctx: &Context<'_>, id: ID) -> Option<SourceDocument> {
        state(ctx).read().document(&id).map(SourceDocument::from)
    }

    /// Donors to approach, of one roadmap, at one stage and/or about one
    /// organisation.
    async fn prospects(
        &self,
        ctx: &Context<'_>,
        roadmap_id: Option<ID>,
        stage: Option<ProspectStage>,
        organisation_id: Option<ID>,
    ) -> Vec<Prospect> {
        let stage: Option<fundtrail_domain::enums::ProspectStage> = stage.map(Into::into);
        state(ctx)
            .read()
            .prospects(
                roadmap_id.as_ref().map(|i| i.as_str()),
                organisation_id.as_ref().map(|i| i.as_str()),
            )
            .into_iter()
            .filter(|p| stage.is_none_or(|s| p.stage == s))
            .map(Prospect::from)
            .collect()
    }

    /// What to chase today (« À faire », issue #14), most urgent first: of
    /// one roadmap (or all), and only what `principal` follows when given;
    /// of one `kind` when given; `first` lines (all when absent) after
    /// skipping `offset` (`worklistCounts` says how many there are).
    #[allow(clippy::too_many_arguments)]
    async fn worklist(
        &self,
        ctx: &Context<'_>,
        roadmap_id: Option<ID>,
        principal: Option<String>,
        kind: Option<super::worklist::WorkKind>,
        first: Option<i32>,
        offset: Option<i32>,
    ) -> Result<Vec<super::worklist::WorkItem>> {
        super::worklist::query(
            ctx,
            roadmap_id.as_ref().map(|r| r.as_str()),
            principal.as_deref(),
            kind,
            first,
            offset,
        )
    }

    /// How many worklist lines of each kind (every kind, zero included): the
    /// dashboard's counts.
    async fn worklist_counts(
        &self,
        ctx: &Context<'_>,
        roadmap_id: Option<ID>,
        principal: Option<String>,
    ) -> Vec<super::worklist::WorkCount> {
        super::worklist::counts(
            ctx,
            roadmap_id.as_ref().map(|r| r.as_str()),
            principal.as_deref(),
        )
    }

    async fn prospect(&self, ctx: &Context<'_>, id: ID) -> Option<Prospect> {
        state(ctx).read().prospect(&id).map(Prospect::from)
    }

    async fn next_step(&self, ctx: &Context<'_>, id: ID) -> Option<NextStep> {
        state(ctx).read().next_step(&id).map(NextStep::from)
    }

    async fn roadmaps(&self, ctx: &Context<'_>) -> Vec<Roadmap> {
        state(ctx)
            .read()
            .roadmaps()
            .into_iter()
            .map(Roadmap::from)
            .collect()
    }

    async fn pledge(&self, ctx: &Context<'_>, id: ID) -> Option<Pledge> {
        state(ctx).read().pledge(&id).map(Pledge::from)
    }

    async fn pledges(
        &self,
        ctx: &Context<'_>,
        roadmap_id: Option<ID>,
        donor_id: Option<ID>,
        status: Option<PledgeStatus>,
    ) -> Vec<Pledge> {
        state(ctx)
            .read()
            .pledges(
                roadmap_id.as_ref().map(|i| i.as_str()),
                donor_id.as_ref().map(|i| i.as_str()),
                status.map(Into::into),
            )
            .into_iter()
            .map(Pledge::from)
            .collect()
    }

    async fn partnership(&self, ctx: &Context<'_>, id: ID) -> Option<Partnership> {
        state(ctx).read().partnership(&id).map(Partnership::from)
    }

    async fn partnerships(
        &self,
        ctx: &Context<'_>,
        status: Option<PartnershipStatus>,
        party_id: Option<ID>,
    ) -> Vec<Partnership> {
        state(ctx)
            .read()
            .partnerships(
                status.map(Into::into),
                party_id.as_ref().map(|i| i.as_str()),
            )
            .into_iter()
            .map(Partnership::from)
            .collect()
    }

    async fn proposal(&self, ctx: &Context<'_>, id: ID) -> Option<Proposal> {
        state(ctx).read().proposal(&id).map(Proposal::from)
    }

    async fn proposals(
        &self,
        ctx: &Context<'_>,
        status: Option<ProposalStatus>,
        donor_id: Option<ID>,
        applicant_id: Option<ID>,
    ) -> Vec<Proposal> {
        state(ctx)
            .read()
            .proposals(
                status.map(Into::into),
                donor_id.as_ref().map(|i| i.as_str()),
                applicant_id.as_ref().map(|i| i.as_str()),
            )
            .into_iter()
            .map(Proposal::from)
            .collect()
    }

    /// Every recorded exchange rate (XOF/EUR is fixed by the peg and not listed).
    async fn exchange_rates(&self, ctx: &Context<'_>) -> Vec<ExchangeRate> {
        state(ctx)
            .read()
            .exchange_rates()
            .into_iter()
            .map(ExchangeRate::from)
            .collect()
    }

    /// Every event in store order, filtered; `after` is a cursor from a previous page.
    #[allow(clippy::too_many_arguments)]
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        entity_id: Option<ID>,
        actor: Option<String>,
        from: Option<DateTime>,
        to: Option<DateTime>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditConnection> {
        super::access::require_auditor(ctx, "the audit trail")?;
        let app = state(ctx);
        let max = app.limits().max_page;
        let first = super::errors::page_size(first, max)?;
        let after = after
            .map(|a| {
                a.parse::<u64>()
                    .map_err(|_| bad_input("after", "is not a cursor of this connection"))
            })
            .transpose()?;
        let filter = AuditFilter {
            entity_id: entity_id.map(|e| e.0),
            actor,
            from: from.map(|t| t.0),
            to: to.map(|t| t.0),
        };
        let page = app.read().audit_positions(&filter, after, first);
        let events = fundtrail_app::reads::events_at(app.store().as_ref(), &page.positions)
            .await
            .map_err(|e| super::errors::store_read_error("the audit trail", &e))?;
        let edges: Vec<AuditEdge> = events
            .into_iter()
            .map(|e| AuditEdge {
                cursor: e.position.to_string(),
                node: AuditEntry::from_recorded(e),
            })
            .collect();
        Ok(AuditConnection {
            total_count: i32::try_from(page.total_count).unwrap_or(i32::MAX),
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
        })
    }
}
