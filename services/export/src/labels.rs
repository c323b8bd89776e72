//! The words of the exports, in English and in French: the enumerations'
//! values as officers read them (CSV and XLSX; JSON keeps the stable codes),
//! and the markers of what is not known.

use fundtrail_domain::enums::{
    ActionStatus, ContributionKind, NextStepStatus, OrganisationKind, PartnershipNature,
    PartnershipStatus, PledgeStatus, ProposalStatus, ProspectStage, Theme,
};
use fundtrail_domain::worklist::WorkKind;

use crate::Lang;

/// An English and a French label.
pub type Labels = (&'static str, &'static str);

/// The label of `labels` in `lang`.
pub fn pick(lang: Lang, (en, fr): Labels) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Fr => fr,
    }
}

/// A value the source does not state (a party, a status, a date, a nature).
pub const NOT_STATED: Labels = ("not stated", "non précisé");
/// An amount that is not known (never written as zero).
pub const NOT_VALUED: Labels = ("not valued", "non chiffré");
pub const YES: Labels = ("yes", "oui");
pub const NO: Labels = ("no", "non");
/// A pledge given to no priority.
pub const UNALLOCATED: Labels = ("Unallocated", "Non affecté");

/// The separator of a list of words: French puts a space before `;`.
pub fn separator(lang: Lang) -> &'static str {
    pick(lang, ("; ", " ; "))
}

/// An enumeration with a stable code and words for people.
pub trait Labelled: Copy {
    /// The stable code (`CHILD_LABOUR`), as in the API and in JSON.
    fn code(self) -> &'static str;
    fn labels(self) -> Labels;

    fn label(self, lang: Lang) -> &'static str {
        pick(lang, self.labels())
    }
}

macro_rules! labelled {
    ($name:ident { $($variant:ident => ($en:literal, $fr:literal)),+ $(,)? }) => {
        impl Labelled for $name {
            fn code(self) -> &'static str {
                self.as_str()
            }
            fn labels(self) -> Labels {
                match self { $($name::$variant => ($en, $fr)),+ }
            }
        }
    };
}

labelled!(ContributionKind {
    Cash => ("Cash", "Numéraire"),
    InKind => ("In kind", "En nature"),
    Technical => ("Technical support", "Appui technique"),
});

labelled!(Theme {
    ChildLabour => ("Child labour", "Travail des enfants"),
    ForcedLabour => ("Forced labour", "Travail forcé"),
    Trafficking => ("Trafficking in persons", "Traite des personnes"),
    ModernSlavery => ("Modern slavery", "Esclavage moderne"),
});

labelled!(PartnershipStatus {
    Negotiating => ("In negotiation", "En négociation"),
    Signed => ("Signed", "Signé"),
    Ended => ("Ended", "Terminé"),
    Terminated => ("Terminated", "Résilié"),
});

labelled!(PartnershipNature {
    Technical => ("Technical", "Technique"),
    Financial => ("Financial", "Financier"),
    InKind => ("In kind", "En nature"),
    Coordination => ("Coordination", "Coordination"),
});

labelled!(ProposalStatus {
    Draft => ("Draft", "Brouillon"),
    Submitted => ("Submitted", "Soumise"),
    Approved => ("Approved", "Approuvée"),
    Rejected => ("Rejected", "Rejetée"),
    Withdrawn => ("Withdrawn", "Retirée"),
});

labelled!(PledgeStatus {
    Pledged => ("Pledged", "Annoncé"),
    Committed => ("Committed", "Engagé"),
    PartlyDisbursed => ("Partly disbursed", "Partiellement décaissé"),
    Disbursed => ("Disbursed", "Décaissé"),
    Cancelled => ("Cancelled", "Annulé"),
});

labelled!(OrganisationKind {
    Government => ("Government", "Gouvernement"),
    UnAgency => ("UN agency", "Agence des Nations Unies"),
    BilateralAgency => ("Bilateral agency", "Agence bilatérale"),
    MultilateralBank => ("Multilateral bank", "Banque multilatérale"),
    Intergovernmental => ("Intergovernmental organisation", "Organisation intergouvernementale"),
    InternationalNgo => ("International NGO", "ONG internationale"),
    NationalNgo => ("National NGO", "ONG nationale"),
    Foundation => ("Foundation", "Fondation"),
    PrivateSector => ("Private sector", "Secteur privé"),
    EmployersOrganisation => ("Employers' organisation", "Organisation d'employeurs"),
    WorkersOrganisation => ("Workers' organisation", "Organisation de travailleurs"),
    Other => ("Other", "Autre"),
});

labelled!(ProspectStage {
    Identified => ("Identified", "Identifié"),
    Contacted => ("Contacted", "Contacté"),
    InDiscussion => ("In discussion", "En discussion"),
    ProposalSubmitted => ("Proposal submitted", "Proposition soumise"),
    Pledged => ("Pledged", "Annonce obtenue"),
    Declined => ("Declined", "Refus"),
    OnHold => ("On hold", "En attente"),
});

labelled!(WorkKind {
    OverdueTranche => ("Overdue tranches", "Tranches en retard"),
    AgeingPledge => ("Announcements not committed after 90 days", "Annonces non engagées après 90 jours"),
    AgeingProposal => ("Proposals without a decision after 90 days", "Propositions sans décision après 90 jours"),
    NextStepDue => ("Next steps due", "Prochaines étapes à échéance"),
    DecisionDue => ("Donor decisions due", "Décisions de bailleurs attendues"),
    ActionDue => ("Actions due", "Actions à échéance"),
    UnvaluedContribution => ("Contributions without a value", "Contributions non chiffrées"),
    UnknownDate => ("Contributions without a date", "Contributions non datées"),
    NoRequirement => ("Priorities without a funding requirement", "Priorités sans besoin de financement"),
});

labelled!(ActionStatus {
    Planned => ("Planned", "Planifiée"),
    InProgress => ("In progress", "En cours"),
    Done => ("Done", "Faite"),
    Dropped => ("Dropped", "Abandonnée"),
});

labelled!(NextStepStatus {
    NotAchieved => ("Not achieved", "Non atteinte"),
    Planned => ("Planned", "Planifiée"),
    InProgress => ("In progress", "En cours"),
    Achieved => ("Achieved", "Atteinte"),
});

/// A pledge's status in the words of its kind: goods and technical support
/// are delivered, not disbursed.
pub fn pledge_status(status: PledgeStatus, kind: ContributionKind) -> Labels {
    use ContributionKind as K;
    use PledgeStatus as S;
    match (status, kind) {
        (S::PartlyDisbursed, K::InKind) => ("Partly delivered", "Partiellement livré"),
        (S::Disbursed, K::InKind) => ("Delivered", "Livré"),
        (S::PartlyDisbursed, K::Technical) => ("Partly delivered", "Partiellement réalisé"),
        (S::Disbursed, K::Technical) => ("Delivered", "Réalisé"),
        (status, _) => status.labels(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value has an English and a French label, no label is the code,
    /// and no two values share a label in one language.
    fn all_labelled<T: Labelled>(values: &[T]) {
        for lang in [Lang::En, Lang::Fr] {
            let mut seen = Vec::new();
            for v in values {
                let label = v.label(lang);
                assert!(!label.trim().is_empty(), "{} {lang:?}", v.code());
                assert_ne!(label, v.code(), "{lang:?}");
                assert!(!seen.contains(&label), "{label} twice in {lang:?}");
                seen.push(label);
            }
        }
    }

    #[test]
    fn organisation_kinds_and_next_step_statuses_have_both_labels() {
        all_labelled(OrganisationKind::ALL);
        all_labelled(NextStepStatus::ALL);
        all_labelled(ProspectStage::ALL);
        all_labelled(fundtrail_domain::worklist::WorkKind::ALL);
        assert_eq!(NextStepStatus::InProgress.label(Lang::Fr), "En cours");
    }

    #[test]
    fn contribution_kinds_have_both_labels() {
        all_labelled(ContributionKind::ALL);
        assert_eq!(ContributionKind::InKind.label(Lang::Fr), "En nature");
        assert_eq!(
            ContributionKind::Technical.label(Lang::Fr),
            "Appui technique"
        );
    }

    #[test]
    fn themes_have_both_labels() {
        all_labelled(Theme::ALL);
        assert_eq!(Theme::ChildLabour.label(Lang::Fr), "Travail des enfants");
    }

    #[test]
    fn partnership_statuses_have_both_labels() {
        all_labelled(PartnershipStatus::ALL);
    }

    #[test]
    fn partnership_natures_have_both_labels() {
        all_labelled(PartnershipNature::ALL);
    }

    #[test]
    fn proposal_statuses_have_both_labels() {
        all_labelled(ProposalStatus::ALL);
    }

    #[test]
    fn pledge_statuses_have_both_labels_for_every_kind() {
        all_labelled(PledgeStatus::ALL);
        for kind in ContributionKind::ALL {
            for status in PledgeStatus::ALL {
                let (en, fr) = pledge_status(*status, *kind);
                assert!(!en.is_empty() && !fr.is_empty(), "{status} {kind}");
            }
        }
        let delivered = pledge_status(PledgeStatus::Disbursed, ContributionKind::InKind);
        assert_eq!(delivered, ("Delivered", "Livré"));
        let paid = pledge_status(PledgeStatus::Disbursed, ContributionKind::Cash);
        assert_eq!(paid, ("Disbursed", "Décaissé"));
    }
}
