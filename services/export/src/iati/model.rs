//! The IATI activity XML elements fundtrail writes, as plain types.

use chrono::{DateTime, NaiveDate, Utc};
use fundtrail_domain::money::{Currency, Money};
use rust_decimal::Decimal;

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
    /// `provider-org/@provider-activity-id`: the activity of the pledge that
    /// funds this one (a funding chain, `docs/funding-chains.md`).
    pub provider_activity: Option<String>,
    /// `receiver-org/@receiver-activity-id`: the activity of the pledge this
    /// one funds.
    pub receiver_activity: Option<String>,
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
