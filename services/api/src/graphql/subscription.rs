//! `fundingChanged`: the new figures after every event that changes them;
//! `alerts`: what falls overdue or due (see `super::alerts`).

use async_graphql::{Context, ID, Result, Subscription};
use futures::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use super::errors::{funding_error, not_found};
use super::funding::RoadmapFunding;
use super::objects::state;
use super::scalars::Currency;

pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Alerts as they are raised (issue #14): a line to chase that came on
    /// a roadmap's worklist (a tranche overdue, an announcement or proposal
    /// ageing, a next step, decision or action due), once each; of one
    /// roadmap, or of all.
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        roadmap_id: Option<ID>,
    ) -> Result<impl Stream<Item = super::alerts::Alert> + use<>> {
        super::alerts::subscribe(ctx, roadmap_id)
    }

    /// Pushes `fundingByPriority(roadmapId, currency)` after every event that
    /// changes that roadmap's funding.
    async fn funding_changed(
        &self,
        ctx: &Context<'_>,
        roadmap_id: ID,
        currency: Option<Currency>,
    ) -> Result<impl Stream<Item = Result<RoadmapFunding>> + use<>> {
        let app = state(ctx).clone();
        if app.read().roadmap(&roadmap_id).is_none() {
            return Err(not_found("roadmap", &roadmap_id));
        }
        let roadmap_id = roadmap_id.0;
        let currency = currency.map(|c| c.0);
        let changes = BroadcastStream::new(app.funding_changes());
        Ok(changes.filter_map(move |change| {
            let concerned = match &change {
                Ok(change) => change.roadmaps.contains(&roadmap_id),
                // Missed some changes: send the current figures anyway.
                Err(BroadcastStreamRecvError::Lagged(_)) => true,
            };
            let answer = concerned.then(|| {
                app.read()
                    .funding_shared(&roadmap_id, currency, None, None, app.clock().today())
                    .map(RoadmapFunding)
                    .map_err(funding_error)
            });
            async move { answer }
        }))
    }
}
