//! What IATI elements cannot say about a pledge, said in words (English and
//! French) in the activity's `description type="4"`: its status, kind and
//! value, goods and people reached, priorities, dates, links and source.
//!
//! The source: IATI's `document-link` requires a `@url`, and the ledger
//! keeps no address for its documents (only their title, issuer, date and
//! hash), so no `document-link` is written; the document's title, the
//! section and the quoted sentence go into the description instead.

use fundtrail_domain::enums::{ContributionKind, PledgeStatus};
use fundtrail_domain::money::Money;
use fundtrail_domain::pledge::Pledge;
use fundtrail_domain::source::SourceRef;

use super::mapping::Ctx;
use super::model::Narrative;
use crate::labels;

/// English and French sentences written side by side.
#[derive(Default)]
pub(super) struct Said {
    en: Vec<String>,
    fr: Vec<String>,
}

impl Said {
    fn say(&mut self, en: impl Into<String>, fr: impl Into<String>) {
        self.en.push(en.into());
        self.fr.push(fr.into());
    }

    pub(super) fn narratives(&self) -> Vec<Narrative> {
        Narrative::en_fr(self.en.join(" "), self.fr.join(" "))
    }
}

fn amount_text(m: &Money) -> String {
    format!("{} {}", m.amount.normalize(), m.currency.code())
}

/// French "de" before a name: "d'" before a vowel.
pub(super) fn de(name: &str) -> String {
    let elide = name
        .chars()
        .next()
        .is_some_and(|c| "AEIOUYÂÉÈÊÎÔaeiouyâéèêîô".contains(c));
    if elide {
        format!("d’{name}")
    } else {
        format!("de {name}")
    }
}

/// What a kind of contribution is called in a title.
pub(super) fn kind_words(kind: ContributionKind) -> (&'static str, &'static str) {
    match kind {
        ContributionKind::Cash => ("Cash contribution", "Contribution financière"),
        ContributionKind::InKind => ("In-kind contribution", "Contribution en nature"),
        ContributionKind::Technical => ("Technical support", "Appui technique"),
    }
}

impl Ctx<'_> {
    /// The generated description of `p`; `left_out`: some steps lack a date
    /// or an amount and are not transactions.
    pub(super) fn describe(&self, p: &Pledge, left_out: bool) -> Said {
        let mut said = Said::default();
        say_status(&mut said, p);
        say_value(&mut said, p);
        say_goods_and_people(&mut said, p);
        self.say_priorities(&mut said, p);
        say_dates(&mut said, p);
        if left_out {
            said.say(
                "An IATI transaction needs both a date and an amount: the steps above that lack either are described here and not published as transactions.",
                "Une transaction IATI exige une date et un montant : les étapes ci-dessus auxquelles l’un ou l’autre manque sont décrites ici, sans transaction.",
            );
        }
        self.say_links(&mut said, p);
        if let Some(source) = &p.source {
            self.say_source(&mut said, source);
        }
        said
    }

    fn say_priorities(&self, said: &mut Said, p: &Pledge) {
        let priorities: Vec<((String, String), String)> = if p.allocations.is_empty() {
            p.priority_ids
                .iter()
                .map(|id| (self.priority_label(id.as_str()), String::new()))
                .collect()
        } else {
            let currency = p.amount.map(|m| m.currency);
            p.allocations
                .iter()
                .map(|a| {
                    let share = currency.map_or_else(String::new, |c| {
                        format!(" ({} {})", a.amount.normalize(), c.code())
                    });
                    (self.priority_label(a.priority_id.as_str()), share)
                })
                .collect()
        };
        if priorities.is_empty() {
            said.say(
                "Not allocated to a roadmap priority.",
                "Non affectée à une priorité de la feuille de route.",
            );
            return;
        }
        let en: Vec<String> = priorities
            .iter()
            .map(|((en, _), share)| format!("{en}{share}"))
            .collect();
        let fr: Vec<String> = priorities
            .iter()
            .map(|((_, fr), share)| format!("{fr}{share}"))
            .collect();
        said.say(
            format!("Roadmap priorities: {}.", en.join("; ")),
            format!("Priorités de la feuille de route : {}.", fr.join(" ; ")),
        );
    }

    fn say_links(&self, said: &mut Said, p: &Pledge) {
        if let Some(id) = &p.partnership_id {
            match self.model.partnership(id.as_str()) {
                Some(part) => said.say(
                    format!("Under partnership {id}: “{}”.", part.title),
                    format!("Dans le cadre du partenariat {id} : « {} ».", part.title),
                ),
                None => said.say(
                    format!("Under partnership {id}."),
                    format!("Dans le cadre du partenariat {id}."),
                ),
            }
        }
        if let Some(id) = &p.proposal_id {
            said.say(
                format!("Following proposal {id}."),
                format!("À la suite de la proposition {id}."),
            );
        }
    }

    /// « Source : <document title>, <section> : « quote » ».
    fn say_source(&self, said: &mut Said, source: &SourceRef) {
        let id = source.document_id.as_str();
        let title = self
            .model
            .document(id)
            .map_or_else(|| id.to_owned(), |d| d.title.clone());
        let place = match source.section.as_deref() {
            Some(section) => format!("{title}, {section}"),
            None => title,
        };
        let quote = &source.quote;
        said.say(
            format!("Source: {place}: “{quote}”."),
            format!("Source : {place} : « {quote} »."),
        );
    }

    /// A priority named in English and in French: its rank and its title.
    fn priority_label(&self, id: &str) -> (String, String) {
        match self.model.priority(id) {
            Some(p) => (
                format!("#{} “{}”", p.rank, p.title),
                format!("n° {} « {} »", p.rank, p.title),
            ),
            None => (id.to_owned(), id.to_owned()),
        }
    }
}

fn say_status(said: &mut Said, p: &Pledge) {
    let (en, fr) = match p.stated_status() {
        Some(s) => labels::pledge_status(s, p.kind),
        None => (
            "not stated (the source does not say where the contribution stands; \
             IATI activity-status 1 Pipeline is written because the element is required)",
            "non précisé (la source ne dit pas où en est la contribution ; \
             le statut d’activité IATI 1 « Pipeline » est écrit car l’élément est obligatoire)",
        ),
    };
    said.say(
        format!(
            "Pledge {} of the fundtrail ledger, roadmap {}, status: {}.",
            p.id,
            p.roadmap_id,
            en.to_lowercase()
        ),
        format!(
            "Annonce {} du registre fundtrail, feuille de route {}, statut : {}.",
            p.id,
            p.roadmap_id,
            fr.to_lowercase()
        ),
    );
}

fn say_value(said: &mut Said, p: &Pledge) {
    use ContributionKind as K;
    match (&p.amount, p.kind) {
        (Some(m), K::InKind) => said.say(
            format!("In-kind contribution valued at {}.", amount_text(m)),
            format!("Contribution en nature valorisée à {}.", amount_text(m)),
        ),
        (Some(m), K::Cash) => said.say(
            format!("Cash contribution of {}.", amount_text(m)),
            format!("Contribution financière de {}.", amount_text(m)),
        ),
        (Some(m), K::Technical) => said.say(
            format!(
                "Technical support (trainings, expertise, advocacy) valued at {}.",
                amount_text(m)
            ),
            format!(
                "Appui technique (formations, expertise, plaidoyer) valorisé à {}.",
                amount_text(m)
            ),
        ),
        (None, K::InKind) => said.say(
            "In-kind contribution, not valued.",
            "Contribution en nature, non valorisée.",
        ),
        (None, K::Cash) => said.say(
            "Cash contribution; amount not reported.",
            "Contribution financière ; montant non communiqué.",
        ),
        (None, K::Technical) => said.say(
            "Technical support (trainings, expertise, advocacy), not valued.",
            "Appui technique (formations, expertise, plaidoyer), non valorisé.",
        ),
    }
}

/// Every item (« 2 motos ; 1 ordinateur ») and the people reached.
fn say_goods_and_people(said: &mut Said, p: &Pledge) {
    if !p.items.is_empty() {
        let items: Vec<String> = p
            .items
            .iter()
            .map(|i| match i.description.as_deref() {
                Some(d) if !d.trim().is_empty() => format!("{} {} ({d})", i.quantity, i.unit),
                _ => format!("{} {}", i.quantity, i.unit),
            })
            .collect();
        said.say(
            format!("Items: {}.", items.join("; ")),
            format!("Articles : {}.", items.join(" ; ")),
        );
    }
    if !p.beneficiaries.is_empty() {
        let people: Vec<String> = p
            .beneficiaries
            .iter()
            .map(|b| format!("{} {}", b.count, b.description))
            .collect();
        said.say(
            format!("Beneficiaries: {}.", people.join("; ")),
            format!("Bénéficiaires : {}.", people.join(" ; ")),
        );
    }
}

fn say_dates(said: &mut Said, p: &Pledge) {
    match p.pledged_on {
        Some(d) => said.say(format!("Pledged on {d}."), format!("Annoncée le {d}.")),
        None => said.say(
            "Pledge date not reported.",
            "Date d’annonce non communiquée.",
        ),
    }
    let status = p.stated_status();
    if status.is_some_and(|s| s != PledgeStatus::Pledged) {
        match p.committed_on {
            Some(d) => said.say(format!("Committed on {d}."), format!("Engagée le {d}.")),
            None if status == Some(PledgeStatus::Cancelled) => {}
            None => said.say(
                "Commitment date not reported.",
                "Date d’engagement non communiquée.",
            ),
        }
    }
    for d in &p.disbursements {
        match (d.disbursed_on, &d.amount) {
            (Some(on), Some(m)) => said.say(
                format!("Disbursed on {on}: {}.", amount_text(m)),
                format!("Décaissée le {on} : {}.", amount_text(m)),
            ),
            (Some(on), None) => said.say(
                format!("Delivered on {on} (not valued)."),
                format!("Livrée le {on} (non valorisée)."),
            ),
            (None, Some(m)) => said.say(
                format!("Disbursed ({}), date not reported.", amount_text(m)),
                format!("Décaissée ({}), date non communiquée.", amount_text(m)),
            ),
            (None, None) => said.say(
                "Delivered (not valued), date not reported.",
                "Livrée (non valorisée), date non communiquée.",
            ),
        }
    }
    if let Some(d) = p.cancelled_on {
        said.say(format!("Cancelled on {d}."), format!("Annulée le {d}."));
    }
}
