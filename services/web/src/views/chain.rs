//! A pledge's funding chain on its page (issue #15): the links to the
//! pledges funding it and funded by it, what it keeps and passes on, and a
//! diagram of the whole chain (roots on the left, where the money lands on
//! the right). Rules: `docs/funding-chains.md`.

use std::collections::HashMap;

use fundtrail_projections::ReadModel;
use fundtrail_projections::chains::{ChainView, LinkView};
use maud::{Markup, html};

use crate::enc;
use crate::i18n::Lang;

const BOX_W: i32 = 210;
const BOX_H: i32 = 52;
const GAP_X: i32 = 90;
const GAP_Y: i32 = 18;
/// Longest donor name written in a box.
const NAME_CHARS: usize = 30;

fn short(s: &str) -> String {
    if s.chars().count() <= NAME_CHARS {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(NAME_CHARS - 1).collect();
        t.push('…');
        t
    }
}

/// The donor's acronym or name, for a box.
fn donor_of(model: &ReadModel, l: Lang, pledge_id: &str) -> String {
    model
        .pledge(pledge_id)
        .and_then(|p| p.donor_id.clone())
        .and_then(|d| model.organisation(d.as_str()))
        .map_or_else(
            || l.not_stated().to_owned(),
            |o| o.acronym.clone().unwrap_or_else(|| o.name.clone()),
        )
}

fn link_line(model: &ReadModel, l: Lang, link: &LinkView, other: &str) -> Markup {
    html! {
        li {
            a href={ "/pledges/" (enc(other)) } { (donor_of(model, l, other)) " — " (other) }
            " : " (l.money(link.amount))
            @if link.parent_amount != link.amount {
                " (" (l.money(link.parent_amount)) ")"
            }
        }
    }
}

/// The facts of the pledge's chain (nothing when it is in none).
pub fn facts(model: &ReadModel, l: Lang, id: &str) -> Markup {
    let funded_by = model.funded_by(id);
    let funds = model.funds(id);
    if funded_by.is_empty() && funds.is_empty() {
        return html! {};
    }
    let kept = model.kept(id);
    html! {
        @if !funded_by.is_empty() {
            dt { (l.t("Funded by", "Financée par")) }
            dd data-field="funded-by" { ul { @for link in &funded_by { (link_line(model, l, link, &link.parent_id)) } } }
        }
        @if !funds.is_empty() {
            dt { (l.t("Funds", "Finance")) }
            dd data-field="funds" { ul { @for link in &funds { (link_line(model, l, link, &link.child_id)) } } }
        }
        @if let Some((k, passed)) = kept {
            dt { (l.t("Passes on", "Transmet")) } dd data-field="passed-on" data-amount=(passed.amount) { (l.money(passed)) }
            dt { (l.t("Keeps (counted as its own)", "Garde (comptée comme la sienne)")) } dd data-field="kept" data-amount=(k.amount) { (l.money(k)) }
        }
    }
}

/// Columns of the diagram: each pledge's distance from `view.pledge_id`
/// (parents to the left, children to the right), each pledge once.
fn levels(view: &ChainView) -> Vec<(String, i32)> {
    let mut level: HashMap<&str, i32> = HashMap::new();
    let mut order: Vec<&str> = vec![view.pledge_id.as_str()];
    level.insert(view.pledge_id.as_str(), 0);
    // `up` and `down` are breadth first from the pledge: a link's near end is placed before it
    for link in &view.up {
        let at = level.get(link.child_id.as_str()).copied().unwrap_or(0) - 1;
        if !level.contains_key(link.parent_id.as_str()) {
            level.insert(link.parent_id.as_str(), at);
            order.push(link.parent_id.as_str());
        }
    }
    for link in &view.down {
        let at = level.get(link.parent_id.as_str()).copied().unwrap_or(0) + 1;
        if !level.contains_key(link.child_id.as_str()) {
            level.insert(link.child_id.as_str(), at);
            order.push(link.child_id.as_str());
        }
    }
    order
        .into_iter()
        .map(|id| (id.to_owned(), level[id]))
        .collect()
}

/// The chain as an SVG diagram (nothing when the pledge is in no chain).
pub fn diagram(model: &ReadModel, l: Lang, id: &str) -> Markup {
    let Some(view) = model.chain(id) else {
        return html! {};
    };
    if view.up.is_empty() && view.down.is_empty() {
        return html! {};
    }
    let nodes = levels(&view);
    let min = nodes.iter().map(|(_, lv)| *lv).min().unwrap_or(0);
    let mut rows: HashMap<i32, i32> = HashMap::new();
    let mut at: HashMap<&str, (i32, i32)> = HashMap::new();
    for (pid, lv) in &nodes {
        let row = rows.entry(*lv).or_insert(0);
        let x = 10 + (lv - min) * (BOX_W + GAP_X);
        let y = 10 + *row * (BOX_H + GAP_Y);
        *row += 1;
        at.insert(pid.as_str(), (x, y));
    }
    let width = 20
        + (nodes.iter().map(|(_, lv)| lv - min).max().unwrap_or(0) + 1) * (BOX_W + GAP_X)
        - GAP_X;
    let height = 20 + rows.values().copied().max().unwrap_or(1) * (BOX_H + GAP_Y) - GAP_Y;
    let links: Vec<&LinkView> = view.up.iter().chain(view.down.iter()).collect();
    let label = l.t(
        "Funding chain: who passes money to whom",
        "Chaîne de financement : qui transmet l'argent à qui",
    );
    html! {
        figure.chain data-testid="chain" {
            svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(label)
                viewBox={ "0 0 " (width) " " (height) } width=(width) height=(height) {
                title { (label) }
                @for link in &links {
                    @if let (Some((px, py)), Some((cx, cy))) = (at.get(link.parent_id.as_str()), at.get(link.child_id.as_str())) {
                        @let (x1, y1, x2, y2) = (px + BOX_W, py + BOX_H / 2, *cx, cy + BOX_H / 2);
                        line x1=(x1) y1=(y1) x2=(x2) y2=(y2) stroke="#555" stroke-width="1.5" {}
                        text x=((x1 + x2) / 2) y=((y1 + y2) / 2 - 4) text-anchor="middle" font-size="11" { (l.money(link.amount)) }
                    }
                }
                @for (pid, _) in &nodes {
                    @let (x, y) = at[pid.as_str()];
                    @let amount = model.pledge(pid).map(|p| crate::views::money_opt(l, p.amount)).unwrap_or_default();
                    a href={ "/pledges/" (enc(pid)) } {
                        rect x=(x) y=(y) width=(BOX_W) height=(BOX_H) rx="6"
                            fill=(if pid == id { "#fff4d6" } else { "#f4f6f8" }) stroke=(if pid == id { "#b7791f" } else { "#8895a7" }) {}
                        text x=(x + 8) y=(y + 20) font-size="13" font-weight="bold" { (short(&donor_of(model, l, pid))) }
                        text x=(x + 8) y=(y + 39) font-size="12" { (amount) }
                    }
                }
            }
            figcaption {
                (l.t("Each box is a pledge (its donor and amount); each line a link, with the amount it carries. Money is counted once, where it lands.",
                     "Chaque case est une annonce (son bailleur et son montant) ; chaque trait un lien, avec le montant qu'il transmet. L'argent n'est compté qu'une fois, là où il arrive."))
            }
        }
    }
}
