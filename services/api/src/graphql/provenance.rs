//! Where records come from (source documents and the sentences cited), and
//! the roadmap records a report adds: next steps and prospects.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use fundtrail_domain::{document, next_step, prospect, source};
use fundtrail_projections::Versioned;

use super::enums::{NextStepStatus, ProspectStage, Theme, from_domain};
use super::objects::{
    AuditEntry, Money, Organisation, Pledge, Priority, Proposal, Roadmap, find_organisation,
    find_roadmap, history, priorities, state, version, versioned_object,
};
use super::scalars::Date;

versioned_object!(
    /// A document records cite: a report, an agreement.
    SourceDocument,
    document::Document
);

#[Object]
impl SourceDocument {
    async fn id(&self) -> ID {
        ID(self.inner.id.as_str().to_owned())
    }
    async fn title(&self) -> &str {
        &self.inner.title
    }
    /// Null when the document does not say who issued it.
    async fn issuer(&self) -> Option<&str> {
        self.inner.issuer.as_deref()
    }
    /// Null when the document states no date.
    async fn issued_on(&self) -> Option<Date> {
        self.inner.issued_on.map(Date)
    }
    /// ISO 639-1.
    async fn language(&self) -> &str {
        &self.inner.language
    }
    /// SHA-256 of the text the quotes were checked against.
    async fn sha256(&self) -> &str {
        &self.inner.sha256
    }
    async fn version(&self) -> i32 {
        version(self.version)
    }
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<AuditEntry>> {
        history(ctx, &document::stream_id(&self.inner.id)).await
    }
}

/// The sentence of a document a record rests on.
#[derive(Clone, Debug)]
pub struct Source(pub source::SourceRef);

#[Object]
impl Source {
    async fn document(&self, ctx: &Context<'_>) -> Option<SourceDocument> {
        state(ctx)
            .read()
            .document(self.0.document_id.as_str())
            .map(SourceDocument::from)
    }
    /// The part of the document (`Q4`), when given.
    async fn section(&self) -> Option<&str> {
        self.0.section.as_deref()
    }
    /// Verbatim (whitespace runs made one space).
    async fn quote(&self) -> &str {
        &self.0.quote
    }
}

pub fn source_of(s: &Option<source::SourceRef>) -> Option<Source> {
    s.clone().map(Source)
}

versioned_object!(
    /// What a roadmap said it would do next (« prochaines étapes »).
    NextStep,
    next_step::NextStep
);

#[Object]
impl NextStep {
    async fn id(&self) -> ID {
        ID(self.inner.id.as_str().to_owned())
    }
    async fn rank(&self) -> i32 {
        i32::try_from(self.inner.rank).unwrap_or(i32::MAX)
    }
    async fn title(&self) -> &str {
        &self.inner.title
    }
    /// Null while nobody has stated it.
    async fn status(&self) -> Option<NextStepStatus> {
        self.inner.status.map(Into::into)
    }
    /// `YYYY-MM`: the month the step is meant to be reached by.
    async fn target_month(&self) -> Option<&str> {
        self.inner.target_month.as_deref()
    }
    async fn target(&self) -> Option<&str> {
        self.inner.target.as_deref()
    }
    async fn roadmap(&self, ctx: &Context<'_>) -> Option<Roadmap> {
        find_roadmap(ctx, self.inner.roadmap_id.as_str())
    }
    async fn source(&self) -> Option<Source> {
        source_of(&self.inner.source)
    }
    async fn version(&self) -> i32 {
        version(self.version)
    }
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<AuditEntry>> {
        history(ctx, &next_step::stream_id(&self.inner.id)).await
    }
    /// The actions that carry this next step forward, by due date.
    async fn actions(&self, ctx: &Context<'_>) -> Vec<super::action::Action> {
        super::action::about(
            ctx,
            fundtrail_domain::enums::ActionSubject::NextStep,
            self.inner.id.as_str(),
        )
    }
}

versioned_object!(
    /// A donor the country means to approach, before any proposal.
    Prospect,
    prospect::Prospect
);

#[Object]
impl Prospect {
    async fn id(&self) -> ID {
        ID(self.inner.id.as_str().to_owned())
    }
    /// Null when the source names no organisation (see `name`).
    async fn organisation(&self, ctx: &Context<'_>) -> Option<Organisation> {
        let id = self.inner.organisation_id.as_ref()?;
        find_organisation(ctx, id.as_str())
    }
    /// Whom to approach, in the source's words, when it names no organisation.
    async fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }
    async fn roadmap(&self, ctx: &Context<'_>) -> Option<Roadmap> {
        find_roadmap(ctx, self.inner.roadmap_id.as_str())
    }
    async fn priorities(&self, ctx: &Context<'_>) -> Vec<Priority> {
        priorities(ctx, self.inner.priority_ids.iter().map(|p| p.as_str()))
    }
    async fn themes(&self) -> Vec<Theme> {
        from_domain(&self.inner.themes)
    }
    async fn note(&self) -> Option<&str> {
        self.inner.note.as_deref()
    }
    async fn source(&self) -> Option<Source> {
        source_of(&self.inner.source)
    }
    /// Where the approach stands.
    async fn stage(&self) -> ProspectStage {
        self.inner.stage.into()
    }
    /// Who follows it (a principal's name).
    async fn owner(&self) -> Option<&str> {
        self.inner.owner.as_deref()
    }
    /// What is hoped for; null when nobody said (never zero).
    async fn expected_amount(&self) -> Option<Money> {
        self.inner.expected_amount.map(Money::from)
    }
    async fn expected_decision_on(&self) -> Option<Date> {
        self.inner.expected_decision_on.map(Date)
    }
    /// The proposal it became, when named.
    async fn proposal(&self, ctx: &Context<'_>) -> Option<Proposal> {
        let id = self.inner.proposal_id.as_ref()?;
        state(ctx).read().proposal(id.as_str()).map(Proposal::from)
    }
    /// The pledge it became (stage PLEDGED).
    async fn pledge(&self, ctx: &Context<'_>) -> Option<Pledge> {
        let id = self.inner.pledge_id.as_ref()?;
        state(ctx).read().pledge(id.as_str()).map(Pledge::from)
    }
    /// Its moves from stage to stage, oldest first.
    async fn moves(&self) -> Vec<StageMove> {
        self.inner
            .moves
            .iter()
            .map(|m| StageMove {
                from: m.from.into(),
                to: m.to.into(),
                on: m.on.map(Date),
                reason: m.reason.clone(),
            })
            .collect()
    }
    async fn version(&self) -> i32 {
        version(self.version)
    }
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<AuditEntry>> {
        history(ctx, &prospect::stream_id(&self.inner.id)).await
    }
    /// The follow-ups of this approach, by due date.
    async fn actions(&self, ctx: &Context<'_>) -> Vec<super::action::Action> {
        super::action::about(
            ctx,
            fundtrail_domain::enums::ActionSubject::Prospect,
            self.inner.id.as_str(),
        )
    }
}

/// One move of a prospect's stage (who moved it is in its `history`).
#[derive(SimpleObject, Clone, Debug)]
pub struct StageMove {
    pub from: ProspectStage,
    pub to: ProspectStage,
    pub on: Option<Date>,
    pub reason: String,
}

/// One line of an in-kind gift.
#[derive(SimpleObject, Clone, Debug)]
pub struct Item {
    pub quantity: u64,
    /// As the source writes it (« motos »).
    pub unit: String,
    pub description: Option<String>,
}

/// People a contribution reaches, as the source counts them.
#[derive(SimpleObject, Clone, Debug)]
pub struct Beneficiaries {
    pub count: u64,
    pub description: String,
}
