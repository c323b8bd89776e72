//! API tokens, folded from `token-<id>` streams: looked up by hash on every
//! request ([`Tokens::by_hash`]) and listed for admins. Only hashes are here:
//! the tokens themselves are never recorded.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use fundtrail_domain::aggregate::StreamState;
use fundtrail_domain::token::{self, Token, TokenEvent, TokenState};

use crate::Envelope;

/// One token as admins see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TokenView {
    #[serde(with = "crate::snapshot::token_state")]
    pub state: TokenState,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
}

impl TokenView {
    pub fn token(&self) -> Option<&Token> {
        self.state.entity.as_ref()
    }
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Tokens {
    by_id: BTreeMap<String, TokenView>,
    /// `sha256:<hex>` -> token id.
    by_hash: HashMap<String, String>,
}

impl Tokens {
    pub(crate) fn apply(&mut self, envelope: &Envelope, event: &TokenEvent) {
        match event {
            TokenEvent::AccessTokenIssued(e) => {
                let view = TokenView {
                    state: token::evolve(StreamState::default(), event),
                    created_at: envelope.recorded_at,
                    created_by: envelope.actor.clone(),
                    revoked_at: None,
                    revoked_by: None,
                    revoke_reason: None,
                };
                self.by_hash
                    .insert(e.token_hash.clone(), e.token_id.as_str().to_owned());
                self.by_id.insert(e.token_id.as_str().to_owned(), view);
            }
            TokenEvent::AccessTokenRevoked(e) => {
                if let Some(view) = self.by_id.get_mut(e.token_id.as_str()) {
                    view.state = token::evolve(std::mem::take(&mut view.state), event);
                    view.revoked_at = Some(envelope.recorded_at);
                    view.revoked_by = Some(envelope.actor.clone());
                    view.revoke_reason = e.reason.clone();
                }
            }
        }
    }

    /// The token whose hash is `hash` (`sha256:<hex>`).
    pub fn by_hash(&self, hash: &str) -> Option<&Token> {
        self.by_hash
            .get(hash)
            .and_then(|id| self.by_id.get(id))
            .and_then(TokenView::token)
    }

    pub fn get(&self, id: &str) -> Option<&TokenView> {
        self.by_id.get(id)
    }

    /// Every token, by id.
    pub fn all(&self) -> impl Iterator<Item = &TokenView> {
        self.by_id.values()
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}
