//! Pledges are kept compact and their domain state rebuilt on demand: it must
//! be exactly the domain's fold of the pledge's own events.
mod common;

use std::collections::BTreeMap;

use common::random::random_ledger;
use fundtrail_domain::aggregate::StreamState;
use fundtrail_domain::events::AnyEvent;
use fundtrail_domain::pledge::{self, Pledge};
use fundtrail_projections::ReadModel;

#[test]
fn rebuilt_pledges_are_the_domains_fold_of_their_events() {
    for seed in [2u64, 9] {
        let l = random_ledger(seed, 1_200);
        let mut folded: BTreeMap<String, StreamState<Pledge>> = BTreeMap::new();
        for (env, e) in &l.log {
            if let AnyEvent::Pledge(p) = e {
                let id = env.stream_id.trim_start_matches("pledge-").to_owned();
                let s = folded.remove(&id).unwrap_or_default();
                folded.insert(id, pledge::evolve(s, p));
            }
        }
        assert!(folded.len() > 100);
        let restored = ReadModel::restore(&l.model.snapshot()).unwrap();
        for m in [&l.model, &restored] {
            for (id, s) in &folded {
                let got = m.pledge(id).expect("pledge listed");
                assert_eq!(got.version, s.version, "{id}");
                assert_eq!(Some(&*got.entity), s.entity.as_ref(), "{id}");
            }
            assert_eq!(m.pledges(None, None, None).len(), folded.len());
        }
    }
}

#[test]
fn a_pledge_with_every_optional_field_is_rebuilt_whole() {
    use common::*;
    use fundtrail_domain::enums::*;
    use fundtrail_domain::ids::*;
    use fundtrail_domain::money::Currency;
    use fundtrail_domain::pledge::*;
    let mut l = Ledger::new();
    l.org("gov", "Gov", None, OrganisationKind::Government);
    l.org("giz", "GIZ", None, OrganisationKind::BilateralAgency);
    l.roadmap("rm", Currency::XOF);
    l.priority("p1", "rm", 1);
    let made = PledgeMade {
        pledge_id: PledgeId::new_unchecked("kit"),
        donor_id: Some(OrganisationId::new_unchecked("giz")),
        recipient_id: Some(OrganisationId::new_unchecked("gov")),
        roadmap_id: RoadmapId::new_unchecked("rm"),
        kind: ContributionKind::InKind,
        amount: None,
        allocations: vec![],
        priority_ids: vec![PriorityId::new_unchecked("p1")],
        pledged_on: Some(date("2023-05-01")),
        proposal_id: Some(ProposalId::new_unchecked("prop")),
        partnership_id: Some(PartnershipId::new_unchecked("part")),
        themes: vec![Theme::Trafficking, Theme::ChildLabour],
        description: Some("Forty laptops".into()),
        items: vec![fundtrail_domain::pledge::Item {
            quantity: 40,
            unit: "laptops".into(),
            description: None,
        }],
        beneficiaries: Vec::new(),
        status_stated: true,
        source: None,
    };
    l.push("pledge-kit", PledgeEvent::from(made.clone()));
    l.commit("kit", None);
    let mut expected = pledge::evolve(StreamState::default(), &PledgeEvent::from(made));
    expected = pledge::evolve(
        expected,
        &PledgeEvent::from(PledgeCommitted {
            pledge_id: PledgeId::new_unchecked("kit"),
            committed_on: None,
        }),
    );
    for m in [&l.model, &ReadModel::restore(&l.model.snapshot()).unwrap()] {
        let got = m.pledge("kit").unwrap();
        assert_eq!(got.version, 2);
        assert_eq!(Some(&*got.entity), expected.entity.as_ref());
    }
}
