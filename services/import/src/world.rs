//! The dry run: commands decided by the pure domain, one after the other,
//! against a world of entity states. The world is either empty (the file on
//! its own, see [`crate::plan`]) or seeded, entity by entity as commands reach
//! it, from the read models (the ledger as it is now, see [`crate::changes`]).
//! References see both what the ledger holds and what the dry run added.

use std::collections::HashMap;

use fundtrail_domain::DomainError;
use fundtrail_domain::aggregate::{Aggregate, State};
use fundtrail_domain::events::AnyEvent;
use fundtrail_domain::organisation::OrganisationState;
use fundtrail_domain::partnership::PartnershipState;
use fundtrail_domain::pledge::PledgeState;
use fundtrail_domain::priority::{PriorityEvent, PriorityState};
use fundtrail_domain::proposal::ProposalState;
use fundtrail_domain::refs::{InMemoryReferences, PriorityRef, References, RoadmapRef};
use fundtrail_domain::roadmap::RoadmapState;
use fundtrail_ledger::Command;
use fundtrail_projections::ReadModel;

/// Entity states by stream id.
#[derive(Debug, Clone, Default)]
pub(crate) struct States {
    pub organisations: HashMap<String, OrganisationState>,
    pub roadmaps: HashMap<String, RoadmapState>,
    pub priorities: HashMap<String, PriorityState>,
    pub partnerships: HashMap<String, PartnershipState>,
    pub proposals: HashMap<String, ProposalState>,
    pub pledges: HashMap<String, PledgeState>,
}

/// The ledger's references, plus what the dry run created.
struct Refs<'a> {
    base: Option<&'a ReadModel>,
    added: InMemoryReferences,
    /// Priorities the dry run defined: (roadmap id, priority id, rank).
    priorities: Vec<(String, String, u32)>,
}

impl Refs<'_> {
    fn apply(&mut self, event: &AnyEvent) {
        if let AnyEvent::Priority(PriorityEvent::PriorityDefined(e)) = event {
            self.priorities.push((
                e.roadmap_id.as_str().to_owned(),
                e.priority_id.as_str().to_owned(),
                e.rank,
            ));
        }
        self.added.apply(event);
    }
}

impl References for Refs<'_> {
    fn organisation_exists(&self, id: &str) -> bool {
        self.added.organisation_exists(id)
            || self
                .base
                .is_some_and(|m| <ReadModel as References>::organisation_exists(m, id))
    }

    fn roadmap(&self, id: &str) -> Option<RoadmapRef> {
        let mut r = self.added.roadmap(id).or_else(|| {
            self.base
                .and_then(|m| <ReadModel as References>::roadmap(m, id))
        })?;
        for (roadmap, priority, rank) in &self.priorities {
            if roadmap == id && !r.priorities.iter().any(|(p, _)| p == priority) {
                r.priorities.push((priority.clone(), *rank));
            }
        }
        Some(r)
    }

    fn priority(&self, id: &str) -> Option<PriorityRef> {
        self.added.priority(id).or_else(|| {
            self.base
                .and_then(|m| <ReadModel as References>::priority(m, id))
        })
    }

    fn proposal_exists(&self, id: &str) -> bool {
        self.added.proposal_exists(id)
            || self
                .base
                .is_some_and(|m| <ReadModel as References>::proposal_exists(m, id))
    }

    fn partnership_exists(&self, id: &str) -> bool {
        self.added.partnership_exists(id)
            || self
                .base
                .is_some_and(|m| <ReadModel as References>::partnership_exists(m, id))
    }
}

/// The entity id of a stream id (`pledge-c-stc-kits` -> `c-stc-kits`).
fn entity_id(stream: &str) -> &str {
    stream.split_once('-').map_or(stream, |(_, id)| id)
}

/// The state of `stream` in `map`, seeded by `seed` the first time.
fn slot<'s, T>(
    map: &'s mut HashMap<String, State<T>>,
    stream: &str,
    seed: impl FnOnce() -> State<T>,
) -> &'s mut State<T> {
    map.entry(stream.to_owned()).or_insert_with(seed)
}

/// A read-model entity as the domain's state (none: the default, empty state).
fn seeded<T: Clone>(v: Option<fundtrail_projections::Versioned<'_, T>>) -> State<T> {
    v.map_or_else(State::default, |v| State {
        version: v.version,
        entity: Some(T::clone(&v)),
    })
}

/// Decides `command` against `state` and folds the events into the state and
/// the references; answers the entity's version before the command.
fn decide_fold<A: Aggregate>(
    state: &mut A,
    refs: &mut Refs<'_>,
    command: &A::Command,
) -> Result<u64, DomainError>
where
    A::Event: Clone + Into<AnyEvent>,
{
    let before = state.version();
    for event in state.decide(command, refs)? {
        state.apply(&event);
        refs.apply(&event.into());
    }
    Ok(before)
}

pub(crate) struct World<'a> {
    refs: Refs<'a>,
    states: States,
}

macro_rules! current {
    ($(#[$m:meta])* $name:ident, $field:ident, $state:ty, $lookup:ident) => {
        $(#[$m])*
        pub fn $name(&mut self, stream: &str) -> &$state {
            let base = self.refs.base;
            slot(&mut self.states.$field, stream, || {
                seeded(base.and_then(|m| m.$lookup(entity_id(stream))))
            })
        }
    };
}

impl<'a> World<'a> {
    /// Nothing exists.
    pub fn empty() -> World<'static> {
        World {
            refs: Refs {
                base: None,
                added: InMemoryReferences::new(),
                priorities: Vec::new(),
            },
            states: States::default(),
        }
    }

    /// What the read models hold.
    pub fn over(model: &'a ReadModel) -> World<'a> {
        World {
            refs: Refs {
                base: Some(model),
                added: InMemoryReferences::new(),
                priorities: Vec::new(),
            },
            states: States::default(),
        }
    }

    pub fn into_states(self) -> States {
        self.states
    }

    current!(organisation, organisations, OrganisationState, organisation);
    current!(roadmap, roadmaps, RoadmapState, roadmap);
    current!(priority, priorities, PriorityState, priority);
    current!(partnership, partnerships, PartnershipState, partnership);
    current!(proposal, proposals, ProposalState, proposal);
    current!(pledge, pledges, PledgeState, pledge);

    /// Runs `command` against the current state of its entity (seeded from
    /// the read models the first time): answers the entity's version before
    /// it, or the domain's refusal (and then nothing changed).
    pub fn run(&mut self, command: &Command) -> Result<u64, DomainError> {
        let stream = command.stream_id()?;
        let base = self.refs.base;
        let id = entity_id(&stream);
        let (states, refs) = (&mut self.states, &mut self.refs);
        match command {
            Command::Organisation(c) => decide_fold(
                slot(&mut states.organisations, &stream, || {
                    seeded(base.and_then(|m| m.organisation(id)))
                }),
                refs,
                c,
            ),
            Command::Roadmap(c) => decide_fold(
                slot(&mut states.roadmaps, &stream, || {
                    seeded(base.and_then(|m| m.roadmap(id)))
                }),
                refs,
                c,
            ),
            Command::Priority(c) => decide_fold(
                slot(&mut states.priorities, &stream, || {
                    seeded(base.and_then(|m| m.priority(id)))
                }),
                refs,
                c,
            ),
            Command::Partnership(c) => decide_fold(
                slot(&mut states.partnerships, &stream, || {
                    seeded(base.and_then(|m| m.partnership(id)))
                }),
                refs,
                c,
            ),
            Command::Proposal(c) => decide_fold(
                slot(&mut states.proposals, &stream, || {
                    seeded(base.and_then(|m| m.proposal(id)))
                }),
                refs,
                c,
            ),
            Command::Pledge(c) => decide_fold(
                slot(&mut states.pledges, &stream, || {
                    seeded(base.and_then(|m| m.pledge(id)))
                }),
                refs,
                c,
            ),
            // The importer records no rates and issues no tokens.
            Command::ExchangeRate(_) | Command::Token(_) => Ok(0),
        }
    }
}
