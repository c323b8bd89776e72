//! From the read model's pledges to IATI activities ([`build`]), with the
//! code lists (organisation types, DAC sectors, the SDG tag).

use chrono::{DateTime, NaiveDate, Utc};
use fundtrail_domain::enums::{ContributionKind, OrganisationKind, PledgeStatus, Theme};
use fundtrail_domain::ids::OrganisationId;
use fundtrail_domain::money::Money;
use fundtrail_domain::pledge::Pledge;
use fundtrail_projections::ReadModel;
use rust_decimal::Decimal;

use super::describe;
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
pub(super) struct Ctx<'a> {
    pub(super) model: &'a ReadModel,
    reporter_id: &'a str,
    reference: &'a str,
    lang: &'static str,
}

/// A pledge's donor or recipient as IATI names it, and as a title names it
/// (its acronym when it has one).
struct Party {
    org: Org,
    label: String,
    is_reporter: bool,
}

/// The transaction types of a flow seen by the publisher.
struct FlowTypes {
    pledge: TransactionType,
    commitment: TransactionType,
    disbursement: TransactionType,
}

impl FlowTypes {
    /// Incoming when the publisher receives from someone else, else outgoing
    /// (the publisher gives, or reports others' flows).
    fn seen_by_publisher(incoming: bool) -> Self {
        if incoming {
            FlowTypes {
                pledge: TransactionType::IncomingPledge,
                commitment: TransactionType::IncomingCommitment,
                disbursement: TransactionType::IncomingFunds,
            }
        } else {
            FlowTypes {
                pledge: TransactionType::OutgoingPledge,
                commitment: TransactionType::OutgoingCommitment,
                disbursement: TransactionType::Disbursement,
            }
        }
    }
}

/// The IATI activity status of a pledge's stated status.
///
/// `activity-status` is required by the 2.03 schema (`minOccurs="1"`), so it
/// cannot be left out when the source does not state where a contribution
/// stands. 1 Pipeline/identification is then the least committal code (it
/// claims no start, no spending, no end), and the description says in words
/// that the status is not stated. (Such a pledge has no commitment,
/// disbursement or cancellation, hence no activity date, so today it is left
/// out of the file before its status is ever written.)
pub fn activity_status(status: Option<PledgeStatus>) -> ActivityStatus {
    match status {
        None | Some(PledgeStatus::Pledged) => ActivityStatus::Pipeline,
        Some(PledgeStatus::Committed | PledgeStatus::PartlyDisbursed) => {
            ActivityStatus::Implementation
        }
        Some(PledgeStatus::Disbursed) => ActivityStatus::Finalisation,
        Some(PledgeStatus::Cancelled) => ActivityStatus::Cancelled,
    }
}

/// The activity dates of a pledge: a start is the commitment or the first
/// disbursement; an end is the last disbursement of a fully disbursed
/// pledge, or the cancellation. The pledge's own date starts nothing. Err:
/// why there is none (IATI requires one).
fn activity_dates(p: &Pledge) -> Result<Vec<(DateType, NaiveDate)>, String> {
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
    let dates: Vec<_> = [(DateType::ActualStart, start), (DateType::ActualEnd, end)]
        .into_iter()
        .filter_map(|(kind, d)| d.map(|d| (kind, d)))
        .collect();
    if !dates.is_empty() {
        return Ok(dates);
    }
    Err(match p.stated_status() {
        None => "status not stated by the source; no date known for a commitment, \
                 disbursement or cancellation (IATI requires an activity-date)"
            .to_owned(),
        Some(PledgeStatus::Pledged) => {
            "announced only, and IATI's activity dates are starts and ends, not announcements \
             (an activity-date is required)"
                .to_owned()
        }
        Some(_) => "no date known for its commitment, disbursement or cancellation \
                    (IATI requires an activity-date)"
            .to_owned(),
    })
}

/// The title: "Cash contribution from CEMOI to ASA-CI", saying which party
/// the source does not state.
fn title(kind: ContributionKind, donor: Option<&str>, recipient: Option<&str>) -> Vec<Narrative> {
    let (en, fr) = describe::kind_words(kind);
    match (donor, recipient) {
        (Some(d), Some(r)) => Narrative::en_fr(
            format!("{en} from {d} to {r}"),
            format!("{fr} {} à {r}", describe::de(d)),
        ),
        (None, Some(r)) => Narrative::en_fr(
            format!("{en} to {r} (donor not stated)"),
            format!("{fr} à {r} (bailleur non précisé)"),
        ),
        (Some(d), None) => Narrative::en_fr(
            format!("{en} from {d} (recipient not stated)"),
            format!("{fr} {} (bénéficiaire non précisé)", describe::de(d)),
        ),
        (None, None) => Narrative::en_fr(en, fr),
    }
}

/// What an in-kind or technical transaction's value is.
fn transaction_note(kind: ContributionKind) -> Vec<Narrative> {
    match kind {
        ContributionKind::Cash => Vec::new(),
        ContributionKind::InKind => Narrative::en_fr(
            "In kind (goods or services), valued",
            "En nature (biens ou services), valorisé",
        ),
        ContributionKind::Technical => Narrative::en_fr(
            "Technical support (services), valued",
            "Appui technique (services), valorisé",
        ),
    }
}

/// The transactions of a pledge: only the steps with both a date and an
/// amount; `true` with them when a step was left out for lack of either.
fn transactions(
    p: &Pledge,
    types: &FlowTypes,
    provider: Option<&Org>,
    receiver: Option<&Org>,
    chain: (Option<String>, Option<String>),
) -> (Vec<Transaction>, bool) {
    let note = transaction_note(p.kind);
    let transaction =
        |kind, date: NaiveDate, value: Money, description: Vec<Narrative>| Transaction {
            kind,
            date,
            value,
            value_date: date,
            description,
            provider: provider.cloned(),
            receiver: receiver.cloned(),
            provider_activity: chain.0.clone(),
            receiver_activity: chain.1.clone(),
        };
    let mut out = Vec::new();
    let mut reversible = Vec::new();
    let mut left_out = false;
    if let Some(m) = p.amount {
        match p.pledged_on {
            Some(d) => {
                out.push(transaction(types.pledge, d, m, note.clone()));
                reversible.push(types.pledge);
            }
            None => left_out = true,
        }
        match p.committed_on {
            Some(d) => {
                out.push(transaction(types.commitment, d, m, note.clone()));
                reversible.push(types.commitment);
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
            (Some(m), Some(date)) => {
                out.push(transaction(types.disbursement, date, m, note.clone()))
            }
            _ => left_out = true,
        }
    }
    if let (PledgeStatus::Cancelled, Some(on), Some(m)) = (p.status, p.cancelled_on, p.amount) {
        for kind in reversible {
            let reversal = Money {
                amount: -m.amount,
                currency: m.currency,
            };
            out.push(transaction(
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
    (out, left_out)
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

    /// A stated party; `None` where the source does not state it (no
    /// organisation is invented for it).
    fn party(&self, id: Option<&OrganisationId>, country: Option<&str>) -> Option<Party> {
        let id = id?.as_str();
        let (org, label) = self.org(id, country);
        Some(Party {
            org,
            label,
            is_reporter: id == self.reporter_id,
        })
    }

    /// The pledge as an activity, or why it cannot be one.
    fn activity(&self, p: &Pledge) -> Result<Activity, String> {
        let roadmap = self.model.roadmap(p.roadmap_id.as_str());
        let country3 = roadmap.as_ref().map(|r| r.country.clone());
        let recipient_country = country3
            .as_deref()
            .and_then(|c| isocountry::CountryCode::for_alpha3(c).ok())
            .map(|c| c.alpha2());
        let dates = activity_dates(p)?;

        let donor = self.party(p.donor_id.as_ref(), country3.as_deref());
        let recipient = self.party(p.recipient_id.as_ref(), country3.as_deref());
        let participating_orgs: Vec<ParticipatingOrg> = [
            (OrgRole::Funding, &donor),
            (OrgRole::Implementing, &recipient),
        ]
        .into_iter()
        .filter_map(|(role, party)| {
            party.as_ref().map(|party| ParticipatingOrg {
                role,
                org: party.org.clone(),
            })
        })
        .collect();
        if participating_orgs.is_empty() {
            return Err("neither its donor nor its recipient is stated \
                        (IATI requires a participating-org)"
                .to_owned());
        }
        let (reporter, _) = self.org(self.reporter_id, country3.as_deref());
        let gives = donor.as_ref().is_some_and(|d| d.is_reporter);
        let receives = recipient.as_ref().is_some_and(|r| r.is_reporter);
        let types = FlowTypes::seen_by_publisher(receives && !gives);
        // A funding chain (`docs/funding-chains.md`): the activity of the
        // (first) pledge funding this one, and of the (first) one it funds.
        let activity = |pledge: &str| format!("{}-{pledge}", self.reference);
        let chain = (
            self.model
                .funded_by(p.id.as_str())
                .first()
                .map(|l| activity(&l.parent_id)),
            self.model
                .funds(p.id.as_str())
                .first()
                .map(|l| activity(&l.child_id)),
        );
        let (transactions, left_out) = transactions(
            p,
            &types,
            donor.as_ref().map(|d| &d.org),
            recipient.as_ref().map(|r| &r.org),
            chain,
        );

        let mut descriptions = Vec::new();
        if let Some(text) = p.description.as_deref().filter(|t| !t.trim().is_empty()) {
            descriptions.push(Description {
                kind: DescriptionType::General,
                narratives: vec![Narrative::recorded(text)],
            });
        }
        descriptions.push(Description {
            kind: DescriptionType::Other,
            narratives: self.describe(p, left_out).narratives(),
        });

        Ok(Activity {
            identifier: format!("{}-{}", self.reference, p.id),
            lang: self.lang,
            default_currency: p.amount.map(|m| m.currency),
            reporting_org: ReportingOrg {
                reference: self.reference.to_owned(),
                org_type: reporter.org_type.unwrap_or("90"),
                name: reporter.name,
                secondary_reporter: !gives && !receives,
            },
            title: title(
                p.kind,
                donor.as_ref().map(|d| d.label.as_str()),
                recipient.as_ref().map(|r| r.label.as_str()),
            ),
            descriptions,
            participating_orgs,
            internal_id: Some(p.id.to_string()),
            status: activity_status(p.stated_status()),
            dates,
            recipient_country,
            sectors: sectors(&p.themes),
            tags: vec![sdg_8_7()],
            transactions,
        })
    }
}
