//! The dry run: commands decided by the pure domain, one after the other,
//! against a world of entity states. The world is either empty (the file on
//! its own, see [`crate::plan`]) or seeded, entity by entity as commands reach
//! it, from the read models (the ledger as it is now, see [`crate::changes`]).
//! References see both what the ledger holds and what the dry run added.

use std::any::Any;
use std::collections::HashMap;

use fundtrail_domain::DomainError;
use fundtrail_domain::action::ActionState;
use fundtrail_domain::aggregate::{Aggregate, StreamState};
use fundtrail_domain::document::DocumentState;
use fundtrail_domain::events::AnyEvent;
use fundtrail_domain::next_step::NextStepState;
use fundtrail_domain::organisation::OrganisationState;
use fundtrail_domain::partnership::PartnershipState;
use fundtrail_domain::pledge::PledgeState;
use fundtrail_domain::priority::{PriorityEvent, PriorityState};
use fundtrail_domain::proposal::ProposalState;
use fundtrail_domain::prospect::ProspectState;
use fundtrail_domain::refs::{InMemoryReferences, PriorityRef, RecordRef, References, RoadmapRef};
use fundtrail_domain::roadmap::RoadmapState;
use fundtrail_domain::streams::{EntityKind, entity_of_stream};
use fundtrail_ledger::{Command, CommandVisitor};
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
    pub documents: HashMap<String, DocumentState>,
    pub next_steps: HashMap<String, NextStepState>,
    pub prospects: HashMap<String, ProspectState>,
    pub actions: HashMap<String, ActionState>,
}

impl States {
    /// The state of `stream`, an entity of kind `A::KIND`, seeded from `base`
    /// the first time; `None` for the kinds the importer does not keep (it
    /// records no rates and issues no tokens).
    fn state_mut<A: Aggregate>(
        &mut self,
        base: Option<&ReadModel>,
        stream: &str,
    ) -> Option<&mut A> {
        let id = entity_id(stream);
        let state: &mut dyn Any = match A::KIND {
            EntityKind::Organisation => slot(&mut self.organisations, stream, || {
                seeded(base.and_then(|m| m.organisation(id)))
            }),
            EntityKind::Roadmap => slot(&mut self.roadmaps, stream, || {
                seeded(base.and_then(|m| m.roadmap(id)))
            }),
            EntityKind::Priority => slot(&mut self.priorities, stream, || {
                seeded(base.and_then(|m| m.priority(id)))
            }),
            EntityKind::Partnership => slot(&mut self.partnerships, stream, || {
                seeded(base.and_then(|m| m.partnership(id)))
            }),
            EntityKind::Proposal => slot(&mut self.proposals, stream, || {
                seeded(base.and_then(|m| m.proposal(id)))
            }),
            EntityKind::Pledge => slot(&mut self.pledges, stream, || {
                seeded(base.and_then(|m| m.pledge(id)))
            }),
            EntityKind::Document => slot(&mut self.documents, stream, || {
                seeded(base.and_then(|m| m.document(id)))
            }),
            EntityKind::NextStep => slot(&mut self.next_steps, stream, || {
                seeded(base.and_then(|m| m.next_step(id)))
            }),
            EntityKind::Prospect => slot(&mut self.prospects, stream, || {
                seeded(base.and_then(|m| m.prospect(id)))
            }),
            EntityKind::Action => slot(&mut self.actions, stream, || {
                seeded(base.and_then(|m| m.action(id)))
            }),
            EntityKind::ExchangeRate | EntityKind::Token => return None,
        };
        Some(
            state
                .downcast_mut::<A>()
                .expect("the states of an entity kind are its Aggregate's"),
        )
    }
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

    fn proposal(&self, id: &str) -> Option<RecordRef> {
        self.added.proposal(id).or_else(|| {
            self.base
                .and_then(|m| <ReadModel as References>::proposal(m, id))
        })
    }

    fn partnership(&self, id: &str) -> Option<RecordRef> {
        self.added.partnership(id).or_else(|| {
            self.base
                .and_then(|m| <ReadModel as References>::partnership(m, id))
        })
    }

    fn document_exists(&self, id: &str) -> bool {
        self.added.document_exists(id)
            || self
                .base
                .is_some_and(|m| <ReadModel as References>::document_exists(m, id))
    }

    fn pledge_exists(&self, id: &str) -> bool {
        self.added.pledge_exists(id)
            || self
                .base
                .is_some_and(|m| <ReadModel as References>::pledge_exists(m, id))
    }

    fn next_step_roadmap(&self, id: &str) -> Option<String> {
        self.added.next_step_roadmap(id).or_else(|| {
            self.base
                .and_then(|m| <ReadModel as References>::next_step_roadmap(m, id))
        })
    }

    fn prospect_roadmap(&self, id: &str) -> Option<String> {
        self.added.prospect_roadmap(id).or_else(|| {
            self.base
                .and_then(|m| <ReadModel as References>::prospect_roadmap(m, id))
        })
    }

    fn pledge_funding(&self, id: &str) -> Option<fundtrail_domain::refs::PledgeFundingRef> {
        self.added.pledge_funding(id).or_else(|| {
            self.base
                .and_then(|m| <ReadModel as References>::pledge_funding(m, id))
        })
    }

    fn rate(
        &self,
        from: fundtrail_domain::Currency,
        to: fundtrail_domain::Currency,
        on: chrono::NaiveDate,
    ) -> Option<rust_decimal::Decimal> {
        self.added.rate(from, to, on).or_else(|| {
            self.base
                .and_then(|m| <ReadModel as References>::rate(m, from, to, on))
        })
    }
}

/// The entity id of a stream id (`pledge-c-stc-kits` -> `c-stc-kits`).
fn entity_id(stream: &str) -> &str {
    entity_of_stream(stream).map_or(stream, |(_, id)| id)
}

/// The state of `stream` in `map`, seeded by `seed` the first time.
fn slot<'s, T>(
    map: &'s mut HashMap<String, StreamState<T>>,
    stream: &str,
    seed: impl FnOnce() -> StreamState<T>,
) -> &'s mut StreamState<T> {
    map.entry(stream.to_owned()).or_insert_with(seed)
}

/// A read-model entity as the domain's state (none: the default, empty state).
fn seeded<T: Clone>(v: Option<fundtrail_projections::Versioned<'_, T>>) -> StreamState<T> {
    v.map_or_else(StreamState::default, |v| StreamState {
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

/// Runs one command in the world, once [`Command::accept`] has told which
/// entity it is for.
struct Decide<'w, 'a> {
    world: &'w mut World<'a>,
    stream: &'w str,
}

impl CommandVisitor<'_> for Decide<'_, '_> {
    type Output = Result<u64, DomainError>;

    fn visit<A: Aggregate>(self, command: &A::Command) -> Self::Output {
        let World { refs, states } = self.world;
        match states.state_mut::<A>(refs.base, self.stream) {
            Some(state) => decide_fold(state, refs, command),
            None => Ok(0),
        }
    }
}

macro_rules! current {
    ($(#[$m:meta])* $name:ident, $state:ty) => {
        $(#[$m])*
        pub fn $name(&mut self, stream: &str) -> &$state {
            self.states
                .state_mut::<$state>(self.refs.base, stream)
                .expect("the importer keeps the states of this kind")
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

    current!(organisation, OrganisationState);
    current!(roadmap, RoadmapState);
    current!(priority, PriorityState);
    current!(partnership, PartnershipState);
    current!(proposal, ProposalState);
    current!(pledge, PledgeState);
    current!(document, DocumentState);
    current!(next_step, NextStepState);
    current!(prospect, ProspectState);
    current!(action, ActionState);

    /// Runs `command` against the current state of its entity (seeded from
    /// the read models the first time): answers the entity's version before
    /// it, or the domain's refusal (and then nothing changed).
    pub fn run(&mut self, command: &Command) -> Result<u64, DomainError> {
        let stream = command.stream_id()?;
        command.accept(Decide {
            world: self,
            stream: &stream,
        })
    }
}
