//! The contract's enumerations, spelled exactly as in the GraphQL schema.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! contract_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

contract_enum!(OrganisationKind {
    Government => "GOVERNMENT",
    UnAgency => "UN_AGENCY",
    BilateralAgency => "BILATERAL_AGENCY",
    MultilateralBank => "MULTILATERAL_BANK",
    Intergovernmental => "INTERGOVERNMENTAL",
    InternationalNgo => "INTERNATIONAL_NGO",
    NationalNgo => "NATIONAL_NGO",
    Foundation => "FOUNDATION",
    PrivateSector => "PRIVATE_SECTOR",
    EmployersOrganisation => "EMPLOYERS_ORGANISATION",
    WorkersOrganisation => "WORKERS_ORGANISATION",
    Other => "OTHER",
});

contract_enum!(Theme {
    ChildLabour => "CHILD_LABOUR",
    ForcedLabour => "FORCED_LABOUR",
    Trafficking => "TRAFFICKING",
    ModernSlavery => "MODERN_SLAVERY",
});

contract_enum!(PartnershipNature {
    Technical => "TECHNICAL",
    Financial => "FINANCIAL",
    InKind => "IN_KIND",
    Coordination => "COORDINATION",
});

contract_enum!(PartnershipStatus {
    Negotiating => "NEGOTIATING",
    Signed => "SIGNED",
    Ended => "ENDED",
    Terminated => "TERMINATED",
});

contract_enum!(ProposalStatus {
    Draft => "DRAFT",
    Submitted => "SUBMITTED",
    Approved => "APPROVED",
    Rejected => "REJECTED",
    Withdrawn => "WITHDRAWN",
});

contract_enum!(
    /// What a contribution gives: money, goods, or technical support
    /// (trainings, expertise, advocacy), which is counted and listed but
    /// never valued unless a value is stated.
    ContributionKind {
        Cash => "CASH",
        InKind => "IN_KIND",
        Technical => "TECHNICAL",
    }
);

contract_enum!(
    /// Where a roadmap's next step stands, in the words of the Alliance 8.7
    /// questionnaire (« Non atteinte, Planifiée, En cours, Atteinte »).
    NextStepStatus {
        NotAchieved => "NOT_ACHIEVED",
        Planned => "PLANNED",
        InProgress => "IN_PROGRESS",
        Achieved => "ACHIEVED",
    }
);

contract_enum!(
    /// Where an action stands (issue #14): PLANNED, IN_PROGRESS, DONE or
    /// DROPPED.
    ActionStatus {
        Planned => "PLANNED",
        InProgress => "IN_PROGRESS",
        Done => "DONE",
        Dropped => "DROPPED",
    }
);

impl ActionStatus {
    /// Still to do: PLANNED or IN_PROGRESS.
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Planned | ActionStatus::InProgress)
    }
}

contract_enum!(
    /// What an action follows up (issue #14).
    ActionSubject {
        NextStep => "NEXT_STEP",
        Prospect => "PROSPECT",
        Proposal => "PROPOSAL",
        Partnership => "PARTNERSHIP",
        Pledge => "PLEDGE",
    }
);

contract_enum!(
    /// Where an approach to a donor stands (issue #14): IDENTIFIED →
    /// CONTACTED → IN_DISCUSSION → PROPOSAL_SUBMITTED → PLEDGED, or DECLINED
    /// or ON_HOLD on the way.
    ProspectStage {
        Identified => "IDENTIFIED",
        Contacted => "CONTACTED",
        InDiscussion => "IN_DISCUSSION",
        ProposalSubmitted => "PROPOSAL_SUBMITTED",
        Pledged => "PLEDGED",
        Declined => "DECLINED",
        OnHold => "ON_HOLD",
    }
);

impl ProspectStage {
    /// Where the stage sits on the way to a pledge (`None`: off the way).
    pub fn rank(self) -> Option<u8> {
        match self {
            ProspectStage::Identified => Some(0),
            ProspectStage::Contacted => Some(1),
            ProspectStage::InDiscussion => Some(2),
            ProspectStage::ProposalSubmitted => Some(3),
            ProspectStage::Pledged => Some(4),
            ProspectStage::Declined | ProspectStage::OnHold => None,
        }
    }
}

contract_enum!(PledgeStatus {
    Pledged => "PLEDGED",
    Committed => "COMMITTED",
    PartlyDisbursed => "PARTLY_DISBURSED",
    Disbursed => "DISBURSED",
    Cancelled => "CANCELLED",
});

contract_enum!(
    /// What a principal may do: `VIEWER` reads; `OFFICER` also records and
    /// corrects facts (within its scope, when it has one); `AUDITOR` reads,
    /// including the full audit trail and the hash-chain check; `ADMIN` may
    /// do everything, including managing principals and tokens.
    Role {
        Viewer => "VIEWER",
        Officer => "OFFICER",
        Auditor => "AUDITOR",
        Admin => "ADMIN",
    }
);

/// Removes repeated values from a set-like list, keeping the first occurrence's order.
pub fn dedup_set<T: PartialEq + Copy>(items: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(i) {
            out.push(*i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_matches_as_str() {
        for k in OrganisationKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for s in PledgeStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(
            serde_json::to_value(Theme::ChildLabour).unwrap(),
            "CHILD_LABOUR"
        );
        assert_eq!(
            serde_json::to_value(PartnershipNature::InKind).unwrap(),
            "IN_KIND"
        );
        assert_eq!(
            serde_json::to_value(ProposalStatus::Withdrawn).unwrap(),
            "WITHDRAWN"
        );
        assert_eq!(
            serde_json::to_value(ContributionKind::InKind).unwrap(),
            "IN_KIND"
        );
        assert_eq!(
            serde_json::to_value(PartnershipStatus::Terminated).unwrap(),
            "TERMINATED"
        );
    }

    #[test]
    fn dedup_keeps_first_order() {
        use PartnershipNature::*;
        assert_eq!(
            dedup_set(&[Technical, Financial, Technical]),
            vec![Technical, Financial]
        );
    }
}
