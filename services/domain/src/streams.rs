//! Stream names: the one place that spells them. Every entity lives in its
//! own stream, named by its kind's prefix and its id: `organisation-giz`,
//! `pledge-p1`, `rate-EUR-USD`, `token-t1`.

use std::fmt;

/// The kind of entity a stream holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Organisation,
    Roadmap,
    Priority,
    Partnership,
    Proposal,
    Pledge,
    /// Entity id `<BASE>-<QUOTE>` (stream `rate-<BASE>-<QUOTE>`).
    ExchangeRate,
    /// An API token (stream `token-<id>`).
    Token,
    /// A source document (stream `document-<id>`).
    Document,
    /// A roadmap's next step (stream `nextstep-<id>`).
    NextStep,
    /// A donor to approach (stream `prospect-<id>`).
    Prospect,
    /// A follow-up with an owner and a due date (stream `action-<id>`).
    Action,
}

impl EntityKind {
    pub const ALL: [EntityKind; 12] = [
        EntityKind::Organisation,
        EntityKind::Roadmap,
        EntityKind::Priority,
        EntityKind::Partnership,
        EntityKind::Proposal,
        EntityKind::Pledge,
        EntityKind::ExchangeRate,
        EntityKind::Token,
        EntityKind::Document,
        EntityKind::NextStep,
        EntityKind::Prospect,
        EntityKind::Action,
    ];

    /// What the names of this kind's streams start with, e.g. `pledge-`.
    pub const fn prefix(self) -> &'static str {
        match self {
            EntityKind::Organisation => "organisation-",
            EntityKind::Roadmap => "roadmap-",
            EntityKind::Priority => "priority-",
            EntityKind::Partnership => "partnership-",
            EntityKind::Proposal => "proposal-",
            EntityKind::Pledge => "pledge-",
            EntityKind::ExchangeRate => "rate-",
            EntityKind::Token => "token-",
            EntityKind::Document => "document-",
            EntityKind::NextStep => "nextstep-",
            EntityKind::Prospect => "prospect-",
            EntityKind::Action => "action-",
        }
    }
}

/// The stream of entity `id` of `kind`: (Pledge, `p1`) -> `pledge-p1`.
pub fn stream_name(kind: EntityKind, id: impl fmt::Display) -> String {
    format!("{}{id}", kind.prefix())
}

/// The entity a stream holds, the inverse of [`stream_name`]:
/// `pledge-p1` -> (Pledge, `p1`), `rate-EUR-USD` -> (ExchangeRate, `EUR-USD`);
/// `None` for a name no entity's stream has.
pub fn entity_of_stream(stream: &str) -> Option<(EntityKind, &str)> {
    EntityKind::ALL.into_iter().find_map(|kind| {
        stream
            .strip_prefix(kind.prefix())
            .filter(|id| !id.is_empty())
            .map(|id| (kind, id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for kind in EntityKind::ALL {
            let name = stream_name(kind, "a-1");
            assert_eq!(entity_of_stream(&name), Some((kind, "a-1")));
        }
        assert_eq!(stream_name(EntityKind::Pledge, "p1"), "pledge-p1");
        assert_eq!(
            entity_of_stream("rate-EUR-USD"),
            Some((EntityKind::ExchangeRate, "EUR-USD"))
        );
        assert_eq!(entity_of_stream("pledge-"), None);
        assert_eq!(entity_of_stream("nothing-x"), None);
    }
}
