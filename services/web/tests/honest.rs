//! The pages say what the sources say and no more, over the Côte d'Ivoire
//! demo: an unknown amount, party or status is said in words (never 0), a
//! coverage that leaves contributions out reads "at least", a priority lists
//! who brings what with the quote behind it, the roadmap its next steps, and
//! the history speaks the reader's language.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{demo, hidden_value};
use fundtrail_domain::Role;
use fundtrail_web::WebOptions;

/// The part of a page from `marker` on (panics when it is missing).
fn from<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in the page"));
    &html[at..]
}

/// The number written just before `at` (digits, separators), and the text before it.
fn figure_before(html: &str, at: usize) -> (&str, &str) {
    let head = &html[..at];
    let start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || matches!(c, ',' | '.' | '\u{202F}' | '\u{A0}'))
        .last()
        .map_or(at, |(i, _)| i);
    (&html[start..at], &html[..start])
}

/// Zero amounts written as such: « 0 F CFA », "XOF 0".
fn bare_zeros(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in html.match_indices("\u{A0}F\u{A0}CFA") {
        let (figure, _) = figure_before(html, at);
        let digits: String = figure.chars().filter(char::is_ascii_digit).collect();
        if !digits.is_empty() && digits.chars().all(|c| c == '0') {
            found.push(html[at.saturating_sub(80)..at + 10].to_owned());
        }
    }
    for (at, m) in html.match_indices("XOF\u{A0}") {
        let tail = &html[at + m.len()..];
        let figure: String = tail
            .chars()
            .take_while(|c| c.is_ascii_digit() || matches!(c, ',' | '.'))
            .collect();
        let digits: String = figure.chars().filter(char::is_ascii_digit).collect();
        if !digits.is_empty() && digits.chars().all(|c| c == '0') {
            found.push(html[at.saturating_sub(80)..at + 10].to_owned());
        }
    }
    found
}

/// Percentages not read as a minimum (« au moins », "at least" just before).
fn bare_percentages(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in html.match_indices('%') {
        let (figure, before) = figure_before(html, at);
        if !figure.chars().any(|c| c.is_ascii_digit()) {
            continue; // not a figure (CSS, URL escapes)
        }
        if !(before.ends_with("au moins ") || before.ends_with("at least ")) {
            found.push(html[at.saturating_sub(60)..at + 1].to_owned());
        }
    }
    found
}

#[tokio::test]
async fn a_pledge_without_a_named_donor_says_so_with_its_items_and_quote() {
    let d = demo(WebOptions::default()).await;
    let cookie = d.sign_in_as(Role::Viewer).await;
    let fr = d.page("/pledges/c-ccc-motos", &cookie, "fr").await;
    let facts = from(&fr, "data-testid=\"pledge-facts\"");
    assert!(
        facts.contains("<dt>Bailleur</dt><dd><em class=\"not-stated\">non précisé</em></dd>"),
        "the donor is not stated"
    );
    assert!(facts.contains("100 motos"), "the items");
    assert!(
        facts.contains("Renforcement des capacités opérationnelles des Agents Vérificateurs du Travail des Enfants (AVTE) en matériel roulant (100 motos)"),
        "the quote"
    );
    assert!(facts.contains("non chiffré"), "the amount is not valued");
    let en = d.page("/pledges/c-ccc-motos", &cookie, "en").await;
    assert!(
        from(&en, "data-testid=\"pledge-facts\"")
            .contains("<dt>Donor</dt><dd><em class=\"not-stated\">not stated</em></dd>")
    );
}

#[tokio::test]
async fn a_priority_lists_who_brings_what_with_the_quotes_and_a_coverage_at_least() {
    let d = demo(WebOptions::default()).await;
    let officer = d.sign_in_as(Role::Officer).await;
    let fr = d.page("/priorities/civ-2023-p4", &officer, "fr").await;
    let list = from(&fr, "data-testid=\"contributions\"");
    for kind in ["CASH", "IN_KIND", "TECHNICAL"] {
        assert!(list.contains(&format!("data-kind=\"{kind}\"")), "{kind}");
    }
    let technical = from(list, "data-kind=\"TECHNICAL\"");
    assert!(
        technical.contains("<h3>Appui technique"),
        "technical support"
    );
    assert!(technical.contains("189 jeunes"), "the beneficiaries");
    assert!(
        technical.contains("accompagnement de 189 jeunes à l'installation"),
        "the quote behind it"
    );
    let in_kind = from(list, "data-kind=\"IN_KIND\"");
    assert!(in_kind.contains("2 motos, 1 ordinateur"), "the items");
    assert!(
        bare_percentages(&fr).is_empty(),
        "{:?}",
        bare_percentages(&fr)
    );
    // the helper does see a bare figure
    assert_eq!(bare_percentages("<td>0,0\u{202F}%</td>").len(), 1);
    assert!(bare_percentages("<td>au moins 0,0\u{202F}%</td>").is_empty());

    // a requirement, and the valued gift committed: 10 of 80 million
    d.submit(
        "/priorities/civ-2023-p4/requirement",
        &officer,
        &[("amount", "80000000"), ("currency", "XOF")],
    )
    .await;
    d.submit(
        "/pledges/c-stc-kits/commit",
        &officer,
        &[("committedOn", "2023-09-01")],
    )
    .await;
    let today = chrono::Utc::now().date_naive();
    let f = d
        .state
        .read()
        .funding("civ-2023", None, None, None, today)
        .unwrap();
    let line = &f
        .priorities
        .iter()
        .find(|p| p.priority_id == "civ-2023-p4")
        .unwrap()
        .line;
    assert!(line.is_lower_bound() && line.unvalued_count > 0);
    let unvalued = format!("+ {} contributions non chiffrées", line.unvalued_count);
    for path in ["/priorities/civ-2023-p4", "/?roadmap=civ-2023"] {
        let fr = d.page(path, &officer, "fr").await;
        assert!(fr.contains("au moins 12,5\u{202F}%"), "{path}: at least");
        assert!(fr.contains(&unvalued), "{path}: {unvalued}");
        assert!(
            fr.contains("au plus 70\u{202F}000\u{202F}000\u{A0}F\u{A0}CFA"),
            "{path}: the gap is a maximum"
        );
        assert!(
            bare_percentages(&fr).is_empty(),
            "{path}: {:?}",
            bare_percentages(&fr)
        );
        let en = d.page(path, &officer, "en").await;
        assert!(en.contains("at least 12.5%"), "{path}: at least");
        assert!(
            bare_percentages(&en).is_empty(),
            "{path}: {:?}",
            bare_percentages(&en)
        );
    }
}

#[tokio::test]
async fn no_page_shows_an_unvalued_contribution_as_zero() {
    let d = demo(WebOptions::default()).await;
    let cookie = d.sign_in_as(Role::Viewer).await;
    for path in [
        "/?roadmap=civ-2023",
        "/priorities/civ-2023-p4",
        "/priorities/civ-2023-p1",
        "/pledges/c-ccc-motos",
        "/pledges/c-stc-kits",
        "/pledges/c-stc-youth",
        "/organisations/stc-ci",
        "/organisations/iom",
        "/donors?roadmap=civ-2023",
    ] {
        for lang in ["fr", "en"] {
            let html = d.page(path, &cookie, lang).await;
            let zeros = bare_zeros(&html);
            assert!(zeros.is_empty(), "{path} ({lang}): {zeros:?}");
        }
    }
    // the helper does see a zero
    assert_eq!(bare_zeros("<td>0\u{A0}F\u{A0}CFA</td>").len(), 1);
    assert_eq!(bare_zeros("<td>XOF\u{A0}0</td>").len(), 1);
    assert!(bare_zeros("10\u{202F}000\u{A0}F\u{A0}CFA XOF\u{A0}10,000").is_empty());
}

#[tokio::test]
async fn the_roadmap_page_shows_its_next_steps_and_prospects() {
    let d = demo(WebOptions::default()).await;
    let cookie = d.sign_in_as(Role::Viewer).await;
    let fr = d.page("/roadmaps/civ-2023", &cookie, "fr").await;
    let steps = from(&fr, "data-testid=\"next-steps\"");
    let steps = &steps[..steps.find("</section>").unwrap()];
    for i in 1..=4 {
        assert!(
            steps.contains(&format!("data-step=\"civ-2023-s{i}\"")),
            "step {i}"
        );
    }
    assert_eq!(steps.matches("data-step=").count(), 4, "four next steps");
    assert_eq!(
        steps.matches("data-value=\"NOT_STATED\"").count(),
        4,
        "no status stated"
    );
    assert!(steps.contains("non précisé"));
    assert!(steps.contains("avril 2024"), "the month aimed for");
    assert!(
        steps.contains("Quel est le statut de votre prochaine étape #4"),
        "the quote"
    );
    let prospects = from(&fr, "data-testid=\"prospects\"");
    assert!(
        prospects.contains("href=\"/organisations/afdb\""),
        "an organisation"
    );
    assert!(prospects.contains("les fondations"), "a name only");
    assert!(
        from(&fr, "data-field=\"source\"").contains("Vous êtes invité(e)"),
        "its source"
    );
    let en = d.page("/roadmaps/civ-2023", &cookie, "en").await;
    assert!(from(&en, "data-testid=\"next-steps\"").contains("April 2024"));
}

#[tokio::test]
async fn the_history_names_the_fields_in_the_readers_language() {
    let d = demo(WebOptions::default()).await;
    let cookie = d.sign_in_as(Role::Viewer).await;
    let fr = d.page("/pledges/c-stc-kits", &cookie, "fr").await;
    let history = from(&fr, "data-testid=\"history\"");
    assert!(
        history.contains("Annonce enregistrée"),
        "the event in words"
    );
    assert!(history.contains(">Bailleur</dt>"), "donorId in words");
    assert!(history.contains(">Montant</dt>"), "amount in words");
    assert!(
        history.contains("10\u{202F}000\u{202F}000\u{A0}F\u{A0}CFA"),
        "money in words"
    );
    assert!(!history.contains(">donorId</dt>"), "not the data's name");
    assert!(!history.contains(">PledgeMade<"), "not the event's type");
    let en = d.page("/pledges/c-stc-kits", &cookie, "en").await;
    let history = from(&en, "data-testid=\"history\"");
    assert!(history.contains(">Donor</dt>"));
    assert!(!history.contains(">donorId</dt>"));
}

#[tokio::test]
async fn record_pages_show_their_source() {
    let d = demo(WebOptions::default()).await;
    let cookie = d.sign_in_as(Role::Viewer).await;
    for (path, quote) in [
        (
            "/organisations/stc-ci",
            "Vulgarisation par Save the Children",
        ),
        (
            "/priorities/civ-2023-p2",
            "Suivi, collecte de données, partage de connaissances",
        ),
        (
            "/partnerships/pa-cnltp-stc",
            "La signature d&#39;accords de partenariat",
        ),
        (
            "/proposals/pr-irc-bc",
            "IRC a soumis des propositions à Barry Callebaut",
        ),
    ] {
        let html = d.page(path, &cookie, "fr").await;
        let source = from(&html, "data-field=\"source\"");
        assert!(
            source.contains(quote) || source.contains(&quote.replace("&#39;", "'")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_french_filters_use_plain_words() {
    let d = demo(WebOptions::default()).await;
    let cookie = d.sign_in_as(Role::Viewer).await;
    let fr = d.page("/?roadmap=civ-2023", &cookie, "fr").await;
    assert!(!fr.contains("position du registre"));
    assert!(fr.contains("numéro dans le registre"));
    assert!(fr.contains("À la date du"));
    assert!(
        !fr.contains("(on)") && !fr.contains("(asOf)"),
        "no parameter names in the text"
    );
}

/// An officer typing in a report's statement can leave the donor unstated
/// and cite the sentence: the pledge page then says so and shows the quote;
/// a quote without its document is refused beside the field.
#[tokio::test]
async fn the_pledge_form_takes_an_unstated_donor_and_a_source() {
    let d = demo(WebOptions::default()).await;
    let officer = d.sign_in_as(Role::Officer).await;
    let form = "/new/pledge?roadmap=civ-2023";
    let quote = "Acquisition par le CNLTP d'un serveur pour la base des données sur la traite des personnes";
    d.submit(
        form,
        &officer,
        &[
            ("roadmapId", "civ-2023"),
            ("recipientId", "cnltp"),
            ("kind", "IN_KIND"),
            ("pledgedOn", "2023-09-01"),
            ("currency", "XOF"),
            ("quantity.count", "1"),
            ("quantity.unit", "serveur"),
            ("sourceDocument", "civ-2023-report"),
            ("sourceSection", "Q2"),
            ("sourceQuote", quote),
        ],
    )
    .await;
    let id = {
        let model = d.state.read();
        let made = model
            .pledges(None, None, None)
            .into_iter()
            .find(|p| p.source.as_ref().is_some_and(|s| s.quote == quote))
            .expect("the pledge with its source");
        assert_eq!(made.donor_id, None, "no donor stated");
        assert_eq!(made.source.as_ref().unwrap().section.as_deref(), Some("Q2"));
        made.id.to_string()
    };
    let page = d.page(&format!("/pledges/{id}"), &officer, "fr").await;
    assert!(page.contains("non précisé"), "the donor in words");
    assert!(page.contains(quote), "the quote");

    // A quote without its document: refused beside the field, nothing recorded.
    let before = d.state.read().pledges(None, None, None).len();
    let html = d.page(form, &officer, "fr").await;
    let mut fields: Vec<(String, String)> = ["_csrf", "commandId"]
        .into_iter()
        .filter_map(|k| hidden_value(&html, k).map(|v| (k.to_owned(), v)))
        .collect();
    for (k, v) in [
        ("roadmapId", "civ-2023"),
        ("recipientId", "cnltp"),
        ("kind", "CASH"),
        ("pledgedOn", "2023-09-01"),
        ("currency", "XOF"),
        ("sourceQuote", quote),
    ] {
        fields.push((k.to_owned(), v.to_owned()));
    }
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let (status, _, answer) = d
        .send(
            Request::post("/new/pledge")
                .header(header::COOKIE, officer.as_str())
                .header(header::ACCEPT_LANGUAGE, "fr")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(answer.contains("Choisissez le document d'où vient la citation."));
    assert_eq!(d.state.read().pledges(None, None, None).len(), before);
}
