//! `/pipeline`: each roadmap's donors to approach by stage (what they hope
//! for, what converted), then proposals by status, partnerships by status.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use fundtrail_domain::enums::{PartnershipStatus, ProposalStatus, ProspectStage};
use fundtrail_domain::money::Money;
use fundtrail_domain::prospect::{PipelineSummary, Prospect};
use fundtrail_projections::ReadModel;
use maud::{Markup, html};

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
    let roadmaps = model.roadmaps();
    let body = html! {
        h1 { (l.t("Pipeline", "Portefeuille")) }
        @for r in &roadmaps {
            (donors_to_approach(&ctx, &model, r.id.as_str(), &r.title))
        }
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

/// One roadmap's prospects by stage, with what they hope for (unknown
/// amounts counted apart, never as zero) and what converted.
fn donors_to_approach(ctx: &Ctx, model: &ReadModel, roadmap: &str, title: &str) -> Markup {
    let l = ctx.lang;
    let prospects: Vec<Prospect> = model
        .prospects(Some(roadmap), None)
        .into_iter()
        .map(|p| p.clone())
        .collect();
    if prospects.is_empty() {
        return html! {};
    }
    let summary = PipelineSummary::of(&prospects);
    let anchor = format!("prospects-{}", enc(roadmap));
    html! {
        section aria-labelledby=(anchor) data-testid="prospects" data-roadmap=(roadmap) {
            h2 id=(anchor) { (l.t("Donors to approach", "Bailleurs à approcher")) " — " (title) }
            dl.facts data-testid="pipeline-summary" {
                @for (stage, n) in &summary.by_stage {
                    @if *n > 0 { dt { (l.prospect_stage(*stage)) } dd data-stage=(stage.as_str()) { (n) } }
                }
                dt { (l.t("Hoped for (still on the way)", "Montants espérés (démarches en cours)")) }
                dd data-field="expected" {
                    @if summary.expected.is_empty() { span.muted { (l.t("no amount stated", "aucun montant indiqué")) } }
                    @for (i, (c, a)) in summary.expected.iter().enumerate() {
                        @if i > 0 { " + " } (l.money(Money::new(*a, *c)))
                    }
                    @if summary.expected_unvalued > 0 {
                        " " span.muted data-field="expected-unvalued" {
                            (match l {
                                crate::i18n::Lang::En => format!("+ {} without an amount", summary.expected_unvalued),
                                crate::i18n::Lang::Fr => format!("+ {} sans montant indiqué", summary.expected_unvalued),
                            })
                        }
                    }
                }
                dt { (l.t("Became a pledge", "Devenus une annonce")) } dd data-field="converted" { (summary.converted) }
                dt { (l.t("Conversion rate (of those decided)", "Taux de conversion (parmi les décidés)")) }
                dd data-field="conversion" {
                    @match summary.conversion_rate() {
                        Some(r) => (l.percent(r)),
                        None => span.muted { (l.t("none decided yet", "aucun décidé pour l'instant")) },
                    }
                }
            }
            table {
                caption { (l.t("Donors to approach", "Bailleurs à approcher")) }
                thead { tr {
                    th scope="col" { (l.t("Donor", "Bailleur")) }
                    th scope="col" { (l.t("Stage", "Étape")) }
                    th scope="col" { (l.t("Followed by", "Suivi par")) }
                    th.num scope="col" { (l.t("Hoped for", "Espéré")) }
                    th scope="col" { (l.t("Decision expected", "Décision attendue")) }
                    th scope="col" { (l.t("Became", "Devenu")) }
                    @if ctx.may_record() { th scope="col" { (l.t("Action", "Action")) } }
                } }
                tbody {
                    @for p in prospects.iter().take(MAX_ROWS) {
                        tr id={ "prospect-" (enc(p.id.as_str())) } data-stage=(p.stage.as_str()) {
                            td {
                                @match (&p.organisation_id, &p.name) {
                                    (Some(o), _) => (org_link(model, o.as_str())),
                                    (None, Some(n)) => (n),
                                    (None, None) => span.muted { (l.not_stated()) },
                                }
                            }
                            td { (l.prospect_stage(p.stage)) }
                            td { @match &p.owner { Some(o) => (o), None => span.muted { "—" } } }
                            td.num { (stated_money(l, p.expected_amount)) }
                            td { @match p.expected_decision_on { Some(d) => (l.date(d)), None => span.muted { "—" } } }
                            td {
                                @if let Some(pl) = &p.pledge_id { a href={ "/pledges/" (enc(pl.as_str())) } { (l.t("a pledge", "une annonce")) } }
                                @else if let Some(pr) = &p.proposal_id { a href={ "/proposals/" (enc(pr.as_str())) } { (l.t("a proposal", "une proposition")) } }
                                @else { span.muted { "—" } }
                            }
                            @if ctx.may_record() {
                                td { @if p.stage != ProspectStage::Pledged {
                                    a href={ "/prospects/" (enc(p.id.as_str())) "/advance" } { (l.t("Move on", "Faire avancer")) }
                                } }
                            }
                        }
                    }
                }
            }
        }
    }
}
