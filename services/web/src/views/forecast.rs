//! The forecast on a priority's page (issue #14): per quarter, what the
//! committed tranches bring beside what was disbursed, as a small bar chart
//! (SVG, drawn here, no script) and the table it is drawn from (the
//! accessible reading of the chart). The figures are
//! `fundtrail_projections::forecast`'s.

use fundtrail_projections::forecast::ForecastLine;
use maud::{Markup, html};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::i18n::Lang;

const BAR: f64 = 14.0;
const GROUP: f64 = 40.0;
const HEIGHT: f64 = 120.0;

/// The chart and its table; a sentence when no tranche and no dated
/// disbursement touch the priority.
pub fn section(l: Lang, line: &ForecastLine) -> Markup {
    let max = line
        .quarters
        .iter()
        .flat_map(|q| [q.expected.amount, q.disbursed.amount])
        .max()
        .unwrap_or(Decimal::ZERO);
    let h = |x: Decimal| -> f64 {
        if max.is_zero() {
            0.0
        } else {
            (x / max).to_f64().unwrap_or(0.0) * HEIGHT
        }
    };
    let width = GROUP * line.quarters.len() as f64 + 10.0;
    html! {
        section aria-labelledby="forecast-h" data-testid="forecast" {
            h2 id="forecast-h" { (l.t("Forecast by quarter", "Prévision par trimestre")) }
            @if line.quarters.is_empty() {
                p.muted { (l.t("No tranche is expected and nothing was disbursed on a stated date.",
                               "Aucune tranche n'est attendue et rien n'a été décaissé à une date précisée.")) }
            } @else {
                p { (l.t("Expected: the committed pledges' tranches, by due date. Disbursed: what was paid, by date.",
                         "Attendu : les tranches des annonces engagées, par échéance. Décaissé : ce qui a été versé, par date.")) }
                svg role="img" aria-labelledby="forecast-h" width=(width) height=(HEIGHT + 24.0)
                    viewBox={ "0 0 " (width) " " (HEIGHT + 24.0) } {
                    @for (i, q) in line.quarters.iter().enumerate() {
                        @let x = 5.0 + GROUP * i as f64;
                        @let e = h(q.expected.amount);
                        @let d = h(q.disbursed.amount);
                        rect.expected x=(x) y=(HEIGHT - e) width=(BAR) height=(e) fill="#4a6fa5" {
                            title { (q.quarter) " — " (l.t("expected", "attendu")) " " (l.money(q.expected)) }
                        }
                        rect.disbursed x=(x + BAR + 2.0) y=(HEIGHT - d) width=(BAR) height=(d) fill="#2e7d32" {
                            title { (q.quarter) " — " (l.t("disbursed", "décaissé")) " " (l.money(q.disbursed)) }
                        }
                        text x=(x) y=(HEIGHT + 16.0) font-size="9" { (q.quarter) }
                    }
                }
                table data-testid="forecast-table" {
                    thead { tr {
                        th scope="col" { (l.t("Quarter", "Trimestre")) }
                        th.num scope="col" { (l.t("Expected", "Attendu")) }
                        th.num scope="col" { (l.t("Disbursed", "Décaissé")) }
                        th.num scope="col" { (l.t("Expected to date", "Attendu cumulé")) }
                        th.num scope="col" { (l.t("Disbursed to date", "Décaissé cumulé")) }
                        th.num scope="col" { (l.t("Coverage of the requirement", "Couverture du besoin")) }
                    } }
                    tbody {
                        @for q in &line.quarters {
                            tr data-quarter=(q.quarter.to_string()) {
                                th scope="row" { (q.quarter) }
                                td.num data-field="expected" { (l.money(q.expected)) }
                                td.num data-field="disbursed" { (l.money(q.disbursed)) }
                                td.num { (l.money(q.expected_to_date)) }
                                td.num { (l.money(q.disbursed_to_date)) }
                                td.num { @match q.coverage { Some(c) => (l.percent(c)), None => em.not-stated { (l.t("no requirement", "pas de besoin fixé")) } } }
                            }
                        }
                    }
                }
            }
            @if !line.disbursed_undated.amount.is_zero() {
                p data-field="disbursed-undated" { (l.t("Disbursed on a date the records do not state (in no quarter): ",
                           "Décaissé à une date que les fiches ne précisent pas (dans aucun trimestre) : ")) (l.money(line.disbursed_undated)) }
            }
            @if line.unvalued_count > 0 {
                p.muted { (line.unvalued_count) " " (l.t("contribution(s) without a value are not in these figures.",
                                                      "contribution(s) non chiffrée(s) ne figurent pas dans ces montants.")) }
            }
        }
    }
}
