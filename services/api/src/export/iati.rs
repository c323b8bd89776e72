//! IATI activity XML 2.03: one `iati-activity` per pledge, built from the read
//! models ([`build`]) and written by a pure writer ([`write`]) that follows the
//! element order of the 2.03 schema (`iati-activities-schema.xsd`). Used by
//! `GET /export/pledges.xml` and `fundtrail export pledges --format iati`.
//!
//! Nothing is invented: an amount that is not known is not a `value`, a date
//! that is not known is not a `transaction-date` or an `activity-date`. What
//! cannot become an IATI element is said in words in the activity's
//! description, and a pledge with no date at all (IATI requires at least one
//! `activity-date`) is left out of the file and named in a comment at its top.
//! The mapping and the reasons are in `docs/iati.md`.

use std::io;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use fundtrail_domain::enums::{ContributionKind, OrganisationKind, PledgeStatus, Theme};
use fundtrail_domain::money::{Currency, Money};
use fundtrail_domain::pledge::Pledge;
use fundtrail_projections::ReadModel;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use rust_decimal::Decimal;

use super::{ExportError, ExportQuery, Kind, Lang};

/// The version of the IATI standard the files follow.
pub const VERSION: &str = "2.03";

/// A text in one language (`lang`), or in the activity's default language
/// (`None`: the ledger's own texts, whose language is the `lang` parameter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Narrative {
    pub text: String,
    pub lang: Option<&'static str>,
}

impl Narrative {
    /// A text recorded in the ledger (the activity's default language).
    pub fn recorded(text: impl Into<String>) -> Self {
        Narrative {
            text: text.into(),
            lang: None,
        }
    }

    /// The same text written by us in English and in French.
    pub fn en_fr(en: impl Into<String>, fr: impl Into<String>) -> Vec<Narrative> {
        vec![
            Narrative {
                text: en.into(),
                lang: Some("en"),
            },
            Narrative {
                text: fr.into(),
                lang: Some("fr"),
            },
        ]
    }
}

/// IATI Organisation Role codelist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgRole {
    Funding,
    Accountable,
    Extending,
    Implementing,
}

impl OrgRole {
    pub fn code(self) -> &'static str {
        match self {
            OrgRole::Funding => "1",
            OrgRole::Accountable => "2",
            OrgRole::Extending => "3",
            OrgRole::Implementing => "4",
        }
    }
}

/// IATI Activity Status codelist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityStatus {
    Pipeline,
    Implementation,
    Finalisation,
    Closed,
    Cancelled,
    Suspended,
}

impl ActivityStatus {
    pub fn code(self) -> &'static str {
        match self {
            ActivityStatus::Pipeline => "1",
            ActivityStatus::Implementation => "2",
            ActivityStatus::Finalisation => "3",
            ActivityStatus::Closed => "4",
            ActivityStatus::Cancelled => "5",
            ActivityStatus::Suspended => "6",
        }
    }
}

/// IATI Activity Date Type codelist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateType {
    PlannedStart,
    ActualStart,
    PlannedEnd,
    ActualEnd,
}

impl DateType {
    pub fn code(self) -> &'static str {
        match self {
            DateType::PlannedStart => "1",
            DateType::ActualStart => "2",
            DateType::PlannedEnd => "3",
            DateType::ActualEnd => "4",
        }
    }
}

/// The IATI Transaction Type codes this export uses (codelist of 2.03).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionType {
    IncomingFunds,
    OutgoingCommitment,
    Disbursement,
    IncomingCommitment,
    OutgoingPledge,
    IncomingPledge,
}

impl TransactionType {
    pub fn code(self) -> &'static str {
        match self {
            TransactionType::IncomingFunds => "1",
            TransactionType::OutgoingCommitment => "2",
            TransactionType::Disbursement => "3",
            TransactionType::IncomingCommitment => "11",
            TransactionType::OutgoingPledge => "12",
            TransactionType::IncomingPledge => "13",
        }
    }
}

/// IATI Description Type codelist (the two used here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescriptionType {
    General,
    Other,
}

impl DescriptionType {
    pub fn code(self) -> &'static str {
        match self {
            DescriptionType::General => "1",
            DescriptionType::Other => "4",
        }
    }
}

/// An organisation as IATI names it: `ref` only when its IATI organisation
/// identifier is known (the ledger keeps none, so only the reporting
/// organisation's, given with the export, is), `type` from its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub reference: Option<String>,
    pub org_type: Option<&'static str>,
    pub name: String,
}

/// The publisher of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportingOrg {
    pub reference: String,
    pub org_type: &'static str,
    pub name: String,
    /// True when it reports flows that are not its own (neither donor nor recipient).
    pub secondary_reporter: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipatingOrg {
    pub role: OrgRole,
    pub org: Org,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    pub kind: DescriptionType,
    pub narratives: Vec<Narrative>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sector {
    pub vocabulary: &'static str,
    pub code: &'static str,
    pub percentage: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub vocabulary: &'static str,
    pub code: &'static str,
    pub narratives: Vec<Narrative>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub kind: TransactionType,
    pub date: NaiveDate,
    pub value: Money,
    pub value_date: NaiveDate,
    pub description: Vec<Narrative>,
    pub provider: Option<Org>,
    pub receiver: Option<Org>,
}

/// One `iati-activity`, field by field in the schema's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub identifier: String,
    /// `xml:lang`: the language of the narratives that do not say theirs.
    pub lang: &'static str,
    pub default_currency: Option<Currency>,
    pub reporting_org: ReportingOrg,
    pub title: Vec<Narrative>,
    pub descriptions: Vec<Description>,
    pub participating_orgs: Vec<ParticipatingOrg>,
    /// Our own id, as `other-identifier` of type A1 (reporting organisation's internal id).
    pub internal_id: Option<String>,
    pub status: ActivityStatus,
    pub dates: Vec<(DateType, NaiveDate)>,
    /// ISO 3166-1 alpha-2.
    pub recipient_country: Option<&'static str>,
    pub sectors: Vec<Sector>,
    pub tags: Vec<Tag>,
    pub transactions: Vec<Transaction>,
}

/// A pledge that could not become an activity, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Omitted {
    pub pledge_id: String,
    pub reason: String,
}

/// A whole `iati-activities` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub generated: DateTime<Utc>,
    pub activities: Vec<Activity>,
    pub omitted: Vec<Omitted>,
}

/// `GET /export/pledges.xml` and `fundtrail export pledges --format iati`:
/// builds from the server's read models (read lock held only while
/// building), then writes.
pub fn export(
    state: &crate::AppState,
    kind: Kind,
    q: &ExportQuery,
) -> Result<Vec<u8>, ExportError> {
    let document = build(&state.read(), kind, q, Utc::now())?;
    write(&document)
}

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
    super::known_roadmap(model, q.roadmap.as_deref())?;
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

// ---- the writer ----

/// Writes the file. Elements come in the order of the 2.03 schema's
/// sequences; every `value` has its `currency` and `value-date`. Refuses an
/// activity that the schema would refuse for a missing required element.
pub fn write(doc: &Document) -> Result<Vec<u8>, ExportError> {
    if doc.activities.is_empty() {
        return Err(ExportError::Unavailable(
            "an IATI file needs at least one activity".into(),
        ));
    }
    for a in &doc.activities {
        let missing = if a.title.is_empty() {
            Some("a title")
        } else if a.descriptions.is_empty()
            || a.descriptions.iter().any(|d| d.narratives.is_empty())
        {
            Some("a description")
        } else if a.participating_orgs.is_empty() {
            Some("a participating organisation")
        } else if a.dates.is_empty() {
            Some("an activity date")
        } else if a.reporting_org.name.trim().is_empty() {
            Some("a reporting organisation name")
        } else {
            None
        };
        if let Some(what) = missing {
            return Err(ExportError::Write(format!(
                "activity {} has no {what}, which IATI requires",
                a.identifier
            )));
        }
    }
    let mut x = Xml(Writer::new_with_indent(Vec::new(), b' ', 2));
    document(&mut x, doc).map_err(|e| ExportError::Write(e.to_string()))?;
    let mut bytes = x.0.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

fn document(x: &mut Xml, doc: &Document) -> io::Result<()> {
    x.0.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let generated = doc.generated.to_rfc3339_opts(SecondsFormat::Secs, true);
    x.start(
        "iati-activities",
        &[("version", VERSION), ("generated-datetime", &generated)],
    )?;
    if !doc.omitted.is_empty() {
        let mut text = format!(
            "\n  fundtrail: {} of {} pledge(s) not published as activities:\n",
            doc.omitted.len(),
            doc.omitted.len() + doc.activities.len()
        );
        for o in &doc.omitted {
            text.push_str(&format!("  - {}: {}\n", o.pledge_id, o.reason));
        }
        text.push_str("  ");
        x.comment(&text)?;
    }
    for a in &doc.activities {
        activity(x, a)?;
    }
    x.end("iati-activities")
}

fn activity(x: &mut Xml, a: &Activity) -> io::Result<()> {
    let currency = a.default_currency.map(Currency::code);
    let mut attrs = vec![("xml:lang", a.lang)];
    if let Some(c) = currency {
        attrs.push(("default-currency", c));
    }
    x.start("iati-activity", &attrs)?;
    x.leaf("iati-identifier", &[], &a.identifier)?;

    let r = &a.reporting_org;
    x.start(
        "reporting-org",
        &[
            ("ref", r.reference.as_str()),
            ("type", r.org_type),
            (
                "secondary-reporter",
                if r.secondary_reporter { "1" } else { "0" },
            ),
        ],
    )?;
    x.narratives(&[Narrative::recorded(r.name.clone())])?;
    x.end("reporting-org")?;

    x.text_element("title", &[], &a.title)?;
    for d in &a.descriptions {
        x.text_element("description", &[("type", d.kind.code())], &d.narratives)?;
    }
    for p in &a.participating_orgs {
        let mut attrs = org_attrs(&p.org);
        attrs.push(("role", p.role.code()));
        x.text_element(
            "participating-org",
            &attrs,
            &[Narrative::recorded(p.org.name.clone())],
        )?;
    }
    if let Some(id) = &a.internal_id {
        x.empty("other-identifier", &[("ref", id), ("type", "A1")])?;
    }
    x.empty("activity-status", &[("code", a.status.code())])?;
    for (kind, date) in &a.dates {
        let date = date.to_string();
        x.empty(
            "activity-date",
            &[("type", kind.code()), ("iso-date", &date)],
        )?;
    }
    if let Some(code) = a.recipient_country {
        x.empty("recipient-country", &[("code", code)])?;
    }
    for s in &a.sectors {
        let percentage = s.percentage.to_string();
        x.empty(
            "sector",
            &[
                ("vocabulary", s.vocabulary),
                ("code", s.code),
                ("percentage", &percentage),
            ],
        )?;
    }
    for t in &a.tags {
        x.text_element(
            "tag",
            &[("vocabulary", t.vocabulary), ("code", t.code)],
            &t.narratives,
        )?;
    }
    for t in &a.transactions {
        transaction(x, t)?;
    }
    x.end("iati-activity")
}

fn org_attrs(org: &Org) -> Vec<(&str, &str)> {
    let mut attrs = Vec::new();
    if let Some(r) = &org.reference {
        attrs.push(("ref", r.as_str()));
    }
    if let Some(t) = org.org_type {
        attrs.push(("type", t));
    }
    attrs
}

fn transaction(x: &mut Xml, t: &Transaction) -> io::Result<()> {
    x.start("transaction", &[])?;
    x.empty("transaction-type", &[("code", t.kind.code())])?;
    let date = t.date.to_string();
    x.empty("transaction-date", &[("iso-date", &date)])?;
    let value_date = t.value_date.to_string();
    x.leaf(
        "value",
        &[
            ("currency", t.value.currency.code()),
            ("value-date", &value_date),
        ],
        &t.value.amount.normalize().to_string(),
    )?;
    if !t.description.is_empty() {
        x.text_element("description", &[], &t.description)?;
    }
    for (name, org) in [("provider-org", &t.provider), ("receiver-org", &t.receiver)] {
        if let Some(org) = org {
            x.text_element(
                name,
                &org_attrs(org),
                &[Narrative::recorded(org.name.clone())],
            )?;
        }
    }
    x.end("transaction")
}

/// Drops the characters XML 1.0 does not allow (control characters other
/// than tab and line breaks, U+FFFE, U+FFFF); quick-xml escapes the rest.
fn xml_text(s: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    if s.chars().all(allowed) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.chars().filter(|c| allowed(*c)).collect())
    }
}

struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn tag<'a>(name: &'a str, attrs: &[(&'a str, &'a str)]) -> BytesStart<'a> {
        let mut start = BytesStart::new(name);
        for (key, value) in attrs {
            start.push_attribute((*key, xml_text(value).as_ref()));
        }
        start
    }

    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.0.write_event(Event::Start(Self::tag(name, attrs)))
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.0.write_event(Event::Empty(Self::tag(name, attrs)))
    }

    fn end(&mut self, name: &str) -> io::Result<()> {
        self.0.write_event(Event::End(BytesEnd::new(name)))
    }

    /// `<name attrs>text</name>`, the text escaped.
    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
        self.start(name, attrs)?;
        self.0
            .write_event(Event::Text(BytesText::new(xml_text(text).as_ref())))?;
        self.end(name)
    }

    fn narratives(&mut self, narratives: &[Narrative]) -> io::Result<()> {
        for n in narratives {
            match n.lang {
                Some(lang) => self.leaf("narrative", &[("xml:lang", lang)], &n.text)?,
                None => self.leaf("narrative", &[], &n.text)?,
            }
        }
        Ok(())
    }

    /// An element holding narratives only.
    fn text_element(
        &mut self,
        name: &str,
        attrs: &[(&str, &str)],
        narratives: &[Narrative],
    ) -> io::Result<()> {
        self.start(name, attrs)?;
        self.narratives(narratives)?;
        self.end(name)
    }

    /// A comment: `--` may not occur in one, nor a final `-`.
    fn comment(&mut self, text: &str) -> io::Result<()> {
        let mut text = xml_text(text).replace("--", "- -");
        if text.ends_with('-') {
            text.push(' ');
        }
        self.0
            .write_event(Event::Comment(BytesText::from_escaped(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn org(name: &str, reference: Option<&str>) -> Org {
        Org {
            reference: reference.map(str::to_owned),
            org_type: Some("21"),
            name: name.to_owned(),
        }
    }

    fn sample() -> Document {
        let xof = Currency::XOF;
        let value = Money {
            amount: Decimal::from(10_000_000),
            currency: xof,
        };
        Document {
            generated: "2024-06-01T12:00:00Z".parse().unwrap(),
            activities: vec![Activity {
                identifier: "AA-AAA-123456789-c-stc-kits".into(),
                lang: "fr",
                default_currency: Some(xof),
                reporting_org: ReportingOrg {
                    reference: "AA-AAA-123456789".into(),
                    org_type: "10",
                    name: "Comité <National> & \"Traite\"".into(),
                    secondary_reporter: false,
                },
                title: Narrative::en_fr("Kits & food", "Kits & vivres"),
                descriptions: vec![Description {
                    kind: DescriptionType::General,
                    narratives: vec![Narrative::recorded("Vivres <et> kits\u{1} d'hygiène")],
                }],
                participating_orgs: vec![
                    ParticipatingOrg {
                        role: OrgRole::Funding,
                        org: org("Save the Children", None),
                    },
                    ParticipatingOrg {
                        role: OrgRole::Implementing,
                        org: org("CNLTP", Some("AA-AAA-123456789")),
                    },
                ],
                internal_id: Some("c-stc-kits".into()),
                status: ActivityStatus::Finalisation,
                dates: vec![(DateType::ActualStart, date("2023-10-02"))],
                recipient_country: Some("CI"),
                sectors: sectors(&[Theme::ChildLabour, Theme::Trafficking]),
                tags: vec![sdg_8_7()],
                transactions: vec![Transaction {
                    kind: TransactionType::IncomingCommitment,
                    date: date("2023-10-02"),
                    value,
                    value_date: date("2023-10-02"),
                    description: Vec::new(),
                    provider: Some(org("Save the Children", None)),
                    receiver: Some(org("CNLTP", Some("AA-AAA-123456789"))),
                }],
            }],
            omitted: vec![Omitted {
                pledge_id: "c--x-".into(),
                reason: "no date".into(),
            }],
        }
    }

    fn text(doc: &Document) -> String {
        String::from_utf8(write(doc).unwrap()).unwrap()
    }

    /// The element names of the first activity's children, in order.
    fn children(xml: &str) -> Vec<String> {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut depth = 0;
        let mut names = Vec::new();
        loop {
            match reader.read_event().unwrap() {
                Event::Start(e) => {
                    depth += 1;
                    if depth == 3 {
                        names.push(e.name().as_ref().to_owned());
                    }
                }
                Event::Empty(e) if depth == 2 => {
                    names.push(e.name().as_ref().to_owned());
                }
                Event::End(_) => depth -= 1,
                Event::Eof => break,
                _ => {}
            }
        }
        names
    }

    #[test]
    fn elements_come_in_the_schema_order() {
        let xml = text(&sample());
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" generated-datetime=\"2024-06-01T12:00:00Z\">"), "{xml}");
        let names = children(&xml);
        // The 2.03 sequence of iati-activity, restricted to what we write.
        let order = [
            "iati-identifier",
            "reporting-org",
            "title",
            "description",
            "participating-org",
            "other-identifier",
            "activity-status",
            "activity-date",
            "recipient-country",
            "sector",
            "tag",
            "transaction",
        ];
        let positions: Vec<usize> = names
            .iter()
            .map(|n| {
                order
                    .iter()
                    .position(|o| o == n)
                    .unwrap_or_else(|| panic!("{n}"))
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
        assert_eq!(
            names.iter().filter(|n| *n == "participating-org").count(),
            2
        );
        assert_eq!(names.iter().filter(|n| *n == "sector").count(), 2);
        // Inside a transaction: type, date, value, then the organisations.
        let t = &xml[xml.find("<transaction>").unwrap()..xml.find("</transaction>").unwrap()];
        let at = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} in {t}"));
        assert!(
            at("<transaction-type code=\"11\"/>")
                < at("<transaction-date iso-date=\"2023-10-02\"/>")
        );
        assert!(at("<transaction-date") < at("<value "));
        assert!(at("<value ") < at("<provider-org"));
        assert!(at("<provider-org") < at("<receiver-org ref=\"AA-AAA-123456789\""));
    }

    #[test]
    fn every_value_has_a_currency_and_a_value_date() {
        let xml = text(&sample());
        assert!(
            xml.contains(r#"<value currency="XOF" value-date="2023-10-02">10000000</value>"#),
            "{xml}"
        );
        assert_eq!(
            xml.matches("<value ").count(),
            xml.matches(" value-date=\"").count()
        );
        assert!(xml.contains(r#"<sector vocabulary="1" code="16070" percentage="50"/>"#));
        assert!(xml.contains(r#"<sector vocabulary="1" code="15190" percentage="50"/>"#));
        assert!(xml.contains(r#"<tag vocabulary="3" code="8.7">"#));
    }

    #[test]
    fn text_is_escaped_and_cleaned() {
        let xml = text(&sample());
        assert!(
            xml.contains(
                r#"<narrative>Comité &lt;National&gt; &amp; &quot;Traite&quot;</narrative>"#
            ),
            "{xml}"
        );
        assert!(xml.contains(r#"<narrative xml:lang="en">Kits &amp; food</narrative>"#));
        // The control character is dropped: XML 1.0 cannot hold it.
        assert!(
            xml.contains("Vivres &lt;et&gt; kits d&apos;hygiène"),
            "{xml}"
        );
        // A comment never holds "--" nor ends with "-".
        assert!(xml.contains("- c- -x-: no date"), "{xml}");
        let comment = &xml[xml.find("<!--").unwrap() + 4..xml.find("-->").unwrap()];
        assert!(!comment.contains("--"), "{comment}");
        // It parses back.
        let mut reader = quick_xml::Reader::from_str(&xml);
        while !matches!(reader.read_event().unwrap(), Event::Eof) {}
    }

    #[test]
    fn an_activity_without_a_date_is_refused() {
        let mut doc = sample();
        doc.activities[0].dates.clear();
        assert!(matches!(write(&doc), Err(ExportError::Write(m)) if m.contains("activity date")));
        let mut doc = sample();
        doc.activities.clear();
        assert!(write(&doc).is_err());
    }

    #[test]
    fn sector_percentages_add_up_to_100() {
        for themes in [
            vec![Theme::ChildLabour],
            vec![Theme::ChildLabour, Theme::ForcedLabour],
            vec![Theme::Trafficking, Theme::ChildLabour, Theme::ModernSlavery],
        ] {
            let s = sectors(&themes);
            let sum: Decimal = s.iter().map(|s| s.percentage).sum();
            assert_eq!(sum, Decimal::ONE_HUNDRED, "{themes:?}");
        }
        assert_eq!(
            sectors(&[Theme::ChildLabour])[0].percentage.to_string(),
            "100"
        );
        assert!(sectors(&[]).is_empty());
    }

    #[test]
    fn organisation_types() {
        assert_eq!(org_type(OrganisationKind::Government, true), "10");
        assert_eq!(org_type(OrganisationKind::UnAgency, false), "40");
        assert_eq!(org_type(OrganisationKind::NationalNgo, true), "24");
        assert_eq!(org_type(OrganisationKind::NationalNgo, false), "22");
        assert_eq!(org_type(OrganisationKind::PrivateSector, true), "72");
        assert_eq!(org_type(OrganisationKind::PrivateSector, false), "70");
        assert_eq!(org_type(OrganisationKind::WorkersOrganisation, true), "90");
    }

    #[test]
    fn reporting_org_identifiers() {
        assert!(check_org_identifier("XM-DAC-41122").is_ok());
        for bad in ["", "XM DAC", "XM/DAC", "A&B", "a|b", "a?b"] {
            assert!(check_org_identifier(bad).is_err(), "{bad}");
        }
    }
}
