//! The dashboard's chart, as SVG drawn on the server: one bar per priority
//! with the requirement as an outline, committed filled and disbursed inside
//! it; pledges (announcements, not money) in a separate hatched bar under it;
//! gap and coverage written beside. Patterns and outlines keep it readable
//! in black and white when printed.

use maud::{Markup, PreEscaped, html};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use fundtrail_domain::money::Currency;

use crate::i18n::Lang;

/// One priority's figures in the reporting currency.
#[derive(Debug, Clone)]
pub struct Row {
    pub label: String,
    pub required: Option<Decimal>,
    pub pledged: Decimal,
    pub committed: Decimal,
    pub disbursed: Decimal,
    pub gap: Option<Decimal>,
    pub coverage: Option<Decimal>,
    pub unvalued: u32,
    /// Contributions left out for their unknown date (with `on`).
    pub undated: u32,
}

impl Row {
    /// The figures leave contributions out: committed and disbursed are
    /// minimums, the coverage « au moins », the gap « au plus ».
    pub fn is_lower_bound(&self) -> bool {
        self.unvalued > 0 || self.undated > 0
    }
}

const WIDTH: f64 = 960.0;
const BAR_X: f64 = 260.0;
const BAR_W: f64 = 430.0;
const TEXT_X: f64 = 705.0;
const ROW_H: f64 = 64.0;
const TOP: f64 = 8.0;

fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        return label.to_owned();
    }
    let mut s: String = label.chars().take(max - 1).collect();
    s.push('…');
    s
}

pub fn render(lang: Lang, currency: Currency, title: &str, rows: &[Row]) -> Markup {
    let l = lang;
    let max = rows
        .iter()
        .flat_map(|r| [r.required.unwrap_or_default(), r.pledged, r.committed])
        .max()
        .unwrap_or_default();
    let scale = |v: Decimal| -> f64 {
        if max.is_zero() {
            return 0.0;
        }
        let w = (v / max).to_f64().unwrap_or(0.0) * BAR_W;
        if v > Decimal::ZERO { w.max(1.5) } else { 0.0 }
    };
    let height = TOP * 2.0 + ROW_H * rows.len().max(1) as f64;
    let desc = l.t(
        "For each priority: the requirement as an outlined bar, the committed amount filled inside it, the disbursed amount as a dark bar within the committed one; the pledged amount (announcements, not yet money) as a hatched bar below; gap and coverage beside.",
        "Pour chaque priorité : le besoin en barre contour, le montant engagé en barre pleine, le montant décaissé en barre foncée à l'intérieur ; le montant annoncé (promesses, pas encore de l'argent) en barre hachurée dessous ; écart et couverture à droite.",
    );
    let money = |v: Decimal| l.amount(v, currency);
    // a figure that may leave contributions out: « non chiffré » for zero,
    // else « au moins … »
    let min = |v: Decimal, lower: bool| {
        if !lower {
            money(v)
        } else if v.is_zero() {
            l.not_valued().to_owned()
        } else {
            l.at_least(&money(v))
        }
    };
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img"
            viewBox={ "0 0 " (WIDTH) " " (height) } width=(WIDTH) height=(height)
            aria-labelledby="chart-title chart-desc" data-testid="funding-chart" {
            title id="chart-title" { (title) }
            desc id="chart-desc" { (desc) }
            defs {
                pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)" {
                    rect width="6" height="6" fill="#ffffff" {}
                    line x1="0" y1="0" x2="0" y2="6" stroke="#8a4b00" stroke-width="3" {}
                }
            }
            @for (i, r) in rows.iter().enumerate() {
                @let y = TOP + ROW_H * i as f64;
                @let lower = r.is_lower_bound();
                g data-row=(i) {
                    title {
                        (r.label) " — "
                        (l.t("required", "besoin")) " " (r.required.map_or_else(|| l.t("not set", "non fixé").to_owned(), money)) "; "
                        (l.t("committed", "engagé")) " " (min(r.committed, lower)) "; "
                        (l.t("disbursed", "décaissé")) " " (min(r.disbursed, lower)) "; "
                        (l.t("pledged", "annoncé")) " " (min(r.pledged, r.unvalued > 0 && r.pledged.is_zero()))
                        @if r.unvalued > 0 { " " (l.unvalued_contributions(r.unvalued)) }
                    }
                    text x="0" y=(y + 20.0) font-size="14" fill="#1a1a1a" { (short(&r.label, 34)) }
                    @if r.unvalued > 0 {
                        text x="0" y=(y + 38.0) font-size="12" fill="#4d4d4d" {
                            (l.unvalued_contributions(r.unvalued))
                        }
                    }
                    // the axis of the bar
                    line x1=(BAR_X) y1=(y + 2.0) x2=(BAR_X) y2=(y + 50.0) stroke="#767676" stroke-width="1" {}
                    @if let Some(req) = r.required {
                        rect x=(BAR_X) y=(y + 6.0) width=(scale(req)) height="24" fill="#ffffff" stroke="#333333" stroke-width="2" {}
                    }
                    rect x=(BAR_X) y=(y + 9.0) width=(scale(r.committed)) height="18" fill="#1f5fa8" {}
                    rect x=(BAR_X) y=(y + 13.0) width=(scale(r.disbursed)) height="10" fill="#0a6b3d" stroke="#ffffff" stroke-width="1" {}
                    rect x=(BAR_X) y=(y + 36.0) width=(scale(r.pledged)) height="12" fill="url(#hatch)" stroke="#8a4b00" stroke-width="1" {}
                    text x=(TEXT_X) y=(y + 18.0) font-size="13" fill="#1a1a1a" {
                        (l.t("Coverage: ", "Couverture : "))
                        (r.coverage.map_or_else(|| "—".to_owned(), |c| if lower { l.at_least(&l.percent(c)) } else { l.percent(c) }))
                    }
                    text x=(TEXT_X) y=(y + 36.0) font-size="13" fill="#1a1a1a" {
                        (l.t("Gap: ", "Écart : "))
                        (r.gap.map_or_else(|| l.t("no requirement", "besoin non fixé").to_owned(), |g| if lower { l.at_most(&money(g)) } else { money(g) }))
                    }
                    text x=(TEXT_X) y=(y + 53.0) font-size="12" fill="#4d4d4d" {
                        (l.t("Pledged: ", "Annoncé : ")) (min(r.pledged, r.unvalued > 0 && r.pledged.is_zero()))
                    }
                }
            }
        }
        (legend(l))
    }
}

fn legend(l: Lang) -> Markup {
    html! {
        ul.legend aria-label=(l.t("Legend", "Légende")) {
            li { span.swatch.sw-required aria-hidden="true" {} (l.t("Required", "Besoin")) }
            li { span.swatch.sw-committed aria-hidden="true" {} (l.t("Committed", "Engagé")) }
            li { span.swatch.sw-disbursed aria-hidden="true" {} (l.t("Disbursed", "Décaissé")) }
            li { span.swatch.sw-pledged aria-hidden="true" {} (l.t("Pledged (announced, shown apart)", "Annoncé (promesses, à part)")) }
        }
        (PreEscaped(""))
    }
}
