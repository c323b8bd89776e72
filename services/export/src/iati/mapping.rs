//! From the read model's pledges to IATI activities ([`build`]), with the
//! code lists (organisation types, DAC sectors, the SDG tag).

use chrono::{DateTime, NaiveDate, Utc};
use fundtrail_domain::enums::{ContributionKind, OrganisationKind, PledgeStatus, Theme};
use fundtrail_domain::money::Money;
use fundtrail_domain::pledge::Pledge;
use fundtrail_projections::ReadModel;
use rust_decimal::Decimal;

use super::model::*;
use crate::{ExportError, ExportQuery, Kind, Lang};

/// Checks a reporting organisation's IATI identifier: IATI identifiers hold
/// no white space and none of `/ & | ?`.
pub fn check_org_identifier(reference: &str) -> Result<(), ExportError> {
    let bad = reference.is_empty()
        || reference.chars().count() > 200
        || reference
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '&' | '|' | '?'));
    if bad {
        return Err(ExportError::BadRequest(format!(
            "reportingOrgRef {reference:?} is not an IATI organisation identifier \
             (a registration agency prefix and an id, e.g. AA-AAA-123456789; no spaces, '/', '&', '|' or '?')"
        )));
    }
    Ok(())
}

/// The activities of the pledges (of `q.roadmap`, or all), published by the
/// organisation `q.reporting_org` under the IATI identifier `q.reporting_org_ref`.
pub fn build(
    model: &ReadModel,
    kind: Kind,
    q: &ExportQuery,
    generated: DateTime<Utc>,
) -> Result<Document, ExportError> {
    let bad = |m: &str| ExportError::BadRequest(m.to_owned());
    if kind != Kind::Pledges {
        return Err(ExportError::BadRequest(format!(
            "IATI activity XML is made from pledges (one activity per pledge), not from {kind}: \
             ask for /export/pledges.xml or `fundtrail export pledges --format iati`"
        )));
    }
    if q.as_of.is_some() || q.on.is_some() || q.currency.is_some() {
        return Err(bad(
            "the IATI export shows the ledger as it is now, each amount in its own currency: \
             asOf, on and currency do not apply to it",
        ));
    }
    let reporter_id = q.reporting_org.as_deref().ok_or_else(|| {
        bad("the IATI export needs reportingOrg: the id, in this ledger, of the organisation that publishes the file (e.g. cnltp)")
    })?;
    let reference = q.reporting_org_ref.as_deref().ok_or_else(|| {
        bad("the IATI export needs reportingOrgRef: the IATI organisation identifier of the publisher (e.g. AA-AAA-123456789)")
    })?;
    check_org_identifier(reference)?;
    if model.organisation(reporter_id).is_none() {
        return Err(ExportError::NotFound(format!(
            "organisation {reporter_id} not found"
        )));
    }
    crate::table::known_roadmap(model, q.roadmap.as_deref())?;
    let ctx = Ctx {
        model,
        reporter_id,
        reference,
        lang: match q.lang {
            Lang::En => "en",
            Lang::Fr => "fr",
        },
    };
    let mut activities = Vec::new();
    let mut omitted = Vec::new();
    for pledge in model.pledges(q.roadmap.as_deref(), None, None) {
        match ctx.activity(&pledge) {
            Ok(a) => activities.push(a),
            Err(reason) => omitted.push(Omitted {
                pledge_id: pledge.id.to_string(),
                reason,
            }),
        }
    }
    if activities.is_empty() {
        let why = if omitted.is_empty() {
            "there is no pledge".to_owned()
        } else {
            omitted
                .iter()
                .map(|o| format!("{}: {}", o.pledge_id, o.reason))
                .collect::<Vec<_>>()
                .join("; ")
        };
        return Err(ExportError::Unavailable(format!(
            "no pledge can be published as an IATI activity ({why})"
        )));
    }
    Ok(Document {
        generated,
        activities,
        omitted,
    })
}

/// IATI Organisation Type from our organisation kind. `local`: the
/// organisation is in the activity's recipient country, which tells a partner
/// country NGO (24) and private sector in the aid recipient country (72).
pub fn org_type(kind: OrganisationKind, local: bool) -> &'static str {
    use OrganisationKind as K;
    match kind {
        K::Government | K::BilateralAgency => "10",
        K::UnAgency | K::MultilateralBank | K::Intergovernmental => "40",
        K::InternationalNgo => "21",
        K::NationalNgo if local => "24",
        K::NationalNgo => "22",
        K::Foundation => "60",
        K::PrivateSector if local => "72",
        K::PrivateSector => "70",
        K::EmployersOrganisation | K::WorkersOrganisation | K::Other => "90",
    }
}

/// OECD DAC 5-digit purpose code of a theme (sector vocabulary 1).
pub fn dac_sector(theme: Theme) -> &'static str {
    match theme {
        // Labour rights: "child labour, forced labour" in the DAC's own words.
        Theme::ChildLabour | Theme::ForcedLabour | Theme::ModernSlavery => "16070",
        // Facilitation of orderly, safe, regular and responsible migration and
        // mobility: "preventing and combating trafficking in human beings".
        Theme::Trafficking => "15190",
    }
}

/// The DAC sectors of the themes, 100 % split equally (the ledger does not
/// say how a contribution divides between themes), in two decimals with the
/// rounding remainder on the first, so they add up to exactly 100.
pub fn sectors(themes: &[Theme]) -> Vec<Sector> {
    let mut codes: Vec<&'static str> = Vec::new();
    for t in themes {
        let code = dac_sector(*t);
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.is_empty() {
        return Vec::new();
    }
    let hundred = Decimal::ONE_HUNDRED;
    let share = (hundred / Decimal::from(codes.len())).round_dp(2);
    let first = hundred - share * Decimal::from(codes.len() - 1);
    codes
        .iter()
        .enumerate()
        .map(|(i, code)| Sector {
            vocabulary: "1",
            code,
            percentage: if i == 0 { first } else { share }.normalize(),
        })
        .collect()
}

/// SDG target 8.7 (tag vocabulary 3, UN SDG Targets), with the target's text
/// from the IATI UNSDG-Targets codelist.
pub fn sdg_8_7() -> Tag {
    Tag {
        vocabulary: "3",
        code: "8.7",
        narratives: Narrative::en_fr(
            "Take immediate and effective measures to eradicate forced labour, end modern slavery and human trafficking and secure the prohibition and elimination of the worst forms of child labour, including recruitment and use of child soldiers, and by 2025 end child labour in all its forms",
            "Prendre des mesures immédiates et efficaces pour supprimer le travail forcé, mettre fin à l’esclavage moderne et à la traite d’êtres humains, interdire et éliminer les pires formes de travail des enfants, y compris le recrutement et l’utilisation d’enfants soldats, et, d’ici à 2025, mettre fin au travail des enfants sous toutes ses formes",
        ),
    }
}

/// What every activity of one export shares.
struct Ctx<'a> {
    model: &'a ReadModel,
    reporter_id: &'a str,
    reference: &'a str,
    lang: &'static str,
}

/// English and French sentences written side by side.
#[derive(Default)]
struct Said {
    en: Vec<String>,
    fr: Vec<String>,
}

impl Said {
    fn say(&mut self, en: impl Into<String>, fr: impl Into<String>) {
        self.en.push(en.into());
        self.fr.push(fr.into());
    }

    fn narratives(&self) -> Vec<Narrative> {
        Narrative::en_fr(self.en.join(" "), self.fr.join(" "))
    }
}

fn amount_text(m: &Money) -> String {
    format!("{} {}", m.amount.normalize(), m.currency.code())
}

/// French "de" before a name: "d'" before a vowel.
fn de(name: &str) -> String {
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

impl Ctx<'_> {
    fn org(&self, id: &str, country: Option<&str>) -> (Org, String) {
        match self.model.organisation(id) {
            Some(o) => {
                let local = country.is_some_and(|c| c == o.country);
                let label = o.acronym.clone().unwrap_or_else(|| o.name.clone());
                (
                    Org {
                        reference: (id == self.reporter_id).then(|| self.reference.to_owned()),
                        org_type: Some(org_type(o.kind, local)),
                        name: o.name.clone(),
                    },
                    label,
                )
            }
            None => (
                Org {
                    reference: None,
                    org_type: None,
                    name: id.to_owned(),
                },
                id.to_owned(),
            ),
        }
    }

    /// The pledge as an activity, or why it cannot be one.
    fn activity(&self, p: &Pledge) -> Result<Activity, String> {
        let roadmap = self.model.roadmap(p.roadmap_id.as_str());
        let country3 = roadmap.as_ref().map(|r| r.country.clone());
        let recipient_country = country3
            .as_deref()
            .and_then(|c| isocountry::CountryCode::for_alpha3(c).ok())
            .map(|c| c.alpha2());

        // Dates: a start is the commitment or the first disbursement; an end
        // is the last disbursement of a fully disbursed pledge, or the
        // cancellation. The pledge's own date starts nothing.
        let disbursed_on: Vec<NaiveDate> = p
            .disbursements
            .iter()
            .filter_map(|d| d.disbursed_on)
            .collect();
        let start = p
            .committed_on
            .into_iter()
            .chain(disbursed_on.iter().copied())
            .min();
        let all_dated = disbursed_on.len() == p.disbursements.len();
        let end = match p.status {
            PledgeStatus::Disbursed if all_dated => disbursed_on.iter().copied().max(),
            PledgeStatus::Cancelled => p.cancelled_on,
            _ => None,
        };
        let mut dates = Vec::new();
        if let Some(d) = start {
            dates.push((DateType::ActualStart, d));
        }
        if let Some(d) = end {
            dates.push((DateType::ActualEnd, d));
        }
        if dates.is_empty() {
            return Err(if p.status == PledgeStatus::Pledged {
                "announced only, and IATI's activity dates are starts and ends, not announcements \
                 (an activity-date is required)"
                    .to_owned()
            } else {
                "no date known for its commitment, disbursement or cancellation \
                 (IATI requires an activity-date)"
                    .to_owned()
            });
        }

        let status = match p.status {
            PledgeStatus::Pledged => ActivityStatus::Pipeline,
            PledgeStatus::Committed | PledgeStatus::PartlyDisbursed => {
                ActivityStatus::Implementation
            }
            PledgeStatus::Disbursed => ActivityStatus::Finalisation,
            PledgeStatus::Cancelled => ActivityStatus::Cancelled,
        };

        let (donor, donor_label) = self.org(p.donor_id.as_str(), country3.as_deref());
        let (recipient, recipient_label) = self.org(p.recipient_id.as_str(), country3.as_deref());
        let (reporter, _) = self.org(self.reporter_id, country3.as_deref());
        let incoming =
            p.recipient_id.as_str() == self.reporter_id && p.donor_id.as_str() != self.reporter_id;
        let secondary =
            p.recipient_id.as_str() != self.reporter_id && p.donor_id.as_str() != self.reporter_id;
        let (pledge_type, commitment_type, disbursement_type) = if incoming {
            (
                TransactionType::IncomingPledge,
                TransactionType::IncomingCommitment,
                TransactionType::IncomingFunds,
            )
        } else {
            (
                TransactionType::OutgoingPledge,
                TransactionType::OutgoingCommitment,
                TransactionType::Disbursement,
            )
        };

        let in_kind = p.kind == ContributionKind::InKind;
        let (kind_en, kind_fr) = if in_kind {
            ("In-kind contribution", "Contribution en nature")
        } else {
            ("Cash contribution", "Contribution financière")
        };
        let title = Narrative::en_fr(
            format!("{kind_en} from {donor_label} to {recipient_label}"),
            format!("{kind_fr} {} à {recipient_label}", de(&donor_label)),
        );

        // Transactions: only what has both a date and an amount.
        let transaction_note = if in_kind {
            Narrative::en_fr(
                "In kind (goods or services), valued",
                "En nature (biens ou services), valorisé",
            )
        } else {
            Vec::new()
        };
        let transaction =
            |kind, date: NaiveDate, value: Money, description: Vec<Narrative>| Transaction {
                kind,
                date,
                value,
                value_date: date,
                description,
                provider: Some(donor.clone()),
                receiver: Some(recipient.clone()),
            };
        let mut transactions = Vec::new();
        let mut reversible = Vec::new();
        let mut left_out = false;
        if let Some(m) = p.amount {
            match p.pledged_on {
                Some(d) => {
                    transactions.push(transaction(pledge_type, d, m, transaction_note.clone()));
                    reversible.push(pledge_type);
                }
                None => left_out = true,
            }
            match p.committed_on {
                Some(d) => {
                    transactions.push(transaction(commitment_type, d, m, transaction_note.clone()));
                    reversible.push(commitment_type);
                }
                // A cancelled pledge may never have been committed.
                None => {
                    left_out |= matches!(
                        p.status,
                        PledgeStatus::Committed
                            | PledgeStatus::PartlyDisbursed
                            | PledgeStatus::Disbursed
                    )
                }
            }
        } else {
            left_out = true;
        }
        for d in &p.disbursements {
            match (d.amount, d.disbursed_on) {
                (Some(m), Some(date)) => transactions.push(transaction(
                    disbursement_type,
                    date,
                    m,
                    transaction_note.clone(),
                )),
                _ => left_out = true,
            }
        }
        if let (PledgeStatus::Cancelled, Some(on), Some(m)) = (p.status, p.cancelled_on, p.amount) {
            for kind in reversible {
                let reversal = Money {
                    amount: -m.amount,
                    currency: m.currency,
                };
                transactions.push(transaction(
                    kind,
                    on,
                    reversal,
                    Narrative::en_fr(
                        format!("Reversal: the pledge was cancelled on {on}"),
                        format!("Contre-passation : l’annonce a été annulée le {on}"),
                    ),
                ));
            }
        }

        // What IATI elements cannot say, in words.
        let mut said = Said::default();
        said.say(
            format!(
                "Pledge {} of the fundtrail ledger, roadmap {}, status {}.",
                p.id, p.roadmap_id, p.status
            ),
            format!(
                "Annonce {} du registre fundtrail, feuille de route {}, statut {}.",
                p.id, p.roadmap_id, p.status
            ),
        );
        match (&p.amount, in_kind) {
            (Some(m), true) => said.say(
                format!("In-kind contribution valued at {}.", amount_text(m)),
                format!("Contribution en nature valorisée à {}.", amount_text(m)),
            ),
            (Some(m), false) => said.say(
                format!("Cash contribution of {}.", amount_text(m)),
                format!("Contribution financière de {}.", amount_text(m)),
            ),
            (None, true) => said.say(
                "In-kind contribution, not valued.",
                "Contribution en nature, non valorisée.",
            ),
            (None, false) => said.say(
                "Cash contribution; amount not reported.",
                "Contribution financière ; montant non communiqué.",
            ),
        }
        if let Some(q) = &p.quantity {
            said.say(
                format!("Quantity: {} {}.", q.count, q.unit),
                format!("Quantité : {} {}.", q.count, q.unit),
            );
        }
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
        } else {
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
        match p.pledged_on {
            Some(d) => said.say(format!("Pledged on {d}."), format!("Annoncée le {d}.")),
            None => said.say(
                "Pledge date not reported.",
                "Date d’annonce non communiquée.",
            ),
        }
        if p.status != PledgeStatus::Pledged {
            match p.committed_on {
                Some(d) => said.say(format!("Committed on {d}."), format!("Engagée le {d}.")),
                None if p.status == PledgeStatus::Cancelled => {}
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
        if left_out {
            said.say(
                "An IATI transaction needs both a date and an amount: the steps above that lack either are described here and not published as transactions.",
                "Une transaction IATI exige une date et un montant : les étapes ci-dessus auxquelles l’un ou l’autre manque sont décrites ici, sans transaction.",
            );
        }
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

        let mut descriptions = Vec::new();
        if let Some(text) = p.description.as_deref().filter(|t| !t.trim().is_empty()) {
            descriptions.push(Description {
                kind: DescriptionType::General,
                narratives: vec![Narrative::recorded(text)],
            });
        }
        descriptions.push(Description {
            kind: DescriptionType::Other,
            narratives: said.narratives(),
        });

        Ok(Activity {
            identifier: format!("{}-{}", self.reference, p.id),
            lang: self.lang,
            default_currency: p.amount.map(|m| m.currency),
            reporting_org: ReportingOrg {
                reference: self.reference.to_owned(),
                org_type: reporter.org_type.unwrap_or("90"),
                name: reporter.name,
                secondary_reporter: secondary,
            },
            title,
            descriptions,
            participating_orgs: vec![
                ParticipatingOrg {
                    role: OrgRole::Funding,
                    org: donor.clone(),
                },
                ParticipatingOrg {
                    role: OrgRole::Implementing,
                    org: recipient.clone(),
                },
            ],
            internal_id: Some(p.id.to_string()),
            status,
            dates,
            recipient_country,
            sectors: sectors(&p.themes),
            tags: vec![sdg_8_7()],
            transactions,
        })
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
