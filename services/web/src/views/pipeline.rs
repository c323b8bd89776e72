//! `/pipeline`: proposals by status, partnerships by status.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use fundtrail_domain::enums::{PartnershipStatus, ProposalStatus};
use maud::html;

use super::{org_link, stated_money};
use crate::layout::{self, Nav};
use crate::{Ctx, Web, enc};

/// Most rows listed under one status.
const MAX_ROWS: usize = 100;

pub async fn page(State(web): State<Web>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = Ctx::new(&web, &headers, &uri);
    if let Err(r) = ctx.require_reader() {
        return r;
    }
    let l = ctx.lang;
    let model = web.app.read();
    let proposals = model.proposals(None, None, None);
    let partnerships = model.partnerships(None, None);
    let body = html! {
        h1 { (l.t("Pipeline", "Portefeuille")) }
        p.muted { (l.t("Proposals are requests: no money is promised until a pledge is made.",
                       "Les propositions sont des demandes : aucun argent n'est promis tant qu'aucune annonce n'est faite.")) }
        h2 id="proposals" { (l.t("Proposals by status", "Propositions par statut")) }
        @for status in ProposalStatus::ALL {
            @let these: Vec<_> = proposals.iter().filter(|p| p.status == *status).collect();
            section aria-labelledby={ "ps-" (status.as_str()) } data-status=(status.as_str()) {
                h3 id={ "ps-" (status.as_str()) } { (l.proposal_status(*status)) " " span.badge data-testid="count" { (these.len()) } }
                @if !these.is_empty() {
                    table {
                        thead { tr {
                            th scope="col" { (l.t("Proposal", "Proposition")) }
                            th scope="col" { (l.t("Applicant", "Demandeur")) }
                            th scope="col" { (l.t("Donor", "Bailleur")) }
                            th.num scope="col" { (l.t("Requested", "Demandé")) }
                            th scope="col" { (l.t("Submitted on", "Soumise le")) }
                        } }
                        tbody {
                            @for p in these.iter().take(MAX_ROWS) {
                                tr {
                                    td { a href={ "/proposals/" (enc(p.id.as_str())) } { (p.title) } }
                                    td { (org_link(&model, p.applicant_id.as_str())) }
                                    td { (org_link(&model, p.donor_id.as_str())) }
                                    td.num { (stated_money(l, p.requested)) }
                                    td { (l.opt_date(p.submitted_on)) }
                                }
                            }
                        }
                    }
                    @if these.len() > MAX_ROWS { p.muted { (l.t("Only the first ones are listed.", "Seules les premières sont listées.")) } }
                }
            }
        }
        h2 id="partnerships" { (l.t("Partnerships by status", "Partenariats par statut")) }
        @for status in PartnershipStatus::ALL.iter().copied().map(Some).chain(std::iter::once(None)) {
            @let these: Vec<_> = partnerships.iter().filter(|p| p.status == status).collect();
            @let key = status.map_or("NOT_STATED", |s| s.as_str());
            // « statut non précisé » only when some partnership has none
            @if status.is_some() || !these.is_empty() {
            section aria-labelledby={ "pa-" (key) } data-status=(key) {
                h3 id={ "pa-" (key) } {
                    @match status {
                        Some(s) => (l.partnership_status(s)),
                        None => (l.t("Status not stated", "Statut non précisé")),
                    }
                    " " span.badge data-testid="count" { (these.len()) }
                }
                @if !these.is_empty() {
                    table {
                        thead { tr {
                            th scope="col" { (l.t("Partnership", "Partenariat")) }
                            th scope="col" { (l.t("Parties", "Parties")) }
                            th scope="col" { (l.t("Themes", "Thèmes")) }
                            th scope="col" { (l.t("Signed on", "Signé le")) }
                        } }
                        tbody {
                            @for p in these.iter().take(MAX_ROWS) {
                                tr {
                                    td { a href={ "/partnerships/" (enc(p.id.as_str())) } { (p.title) } }
                                    td { @for (i, o) in p.party_ids.iter().enumerate() { @if i > 0 { ", " } (org_link(&model, o.as_str())) } }
                                    td {
                                        @if p.themes.is_empty() { span.muted { (l.not_stated()) } } @else { (l.themes(&p.themes)) }
                                    }
                                    td { @match p.signed_on { Some(d) => (l.date(d)), None => span.muted { (l.not_stated()) } } }
                                }
                            }
                        }
                    }
                    @if these.len() > MAX_ROWS { p.muted { (l.t("Only the first ones are listed.", "Seuls les premiers sont listés.")) } }
                }
            }
            }
        }
    };
    drop(model);
    layout::page(&ctx, l.t("Pipeline", "Portefeuille"), Nav::Pipeline, body)
}
