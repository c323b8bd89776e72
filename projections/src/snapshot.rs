//! Snapshots of the read model, so a restart does not replay the log from zero.
//!
//! ## Format
//! ```text
//! magic      8 bytes   "FTRMSNAP"
//! version    u32 LE    FORMAT_VERSION (a snapshot of another version is refused)
//! position   u64 LE    the last applied position
//! hash flag  u8        1 when the next 32 bytes are the store's hash of the event
//! hash       32 bytes  at `position` (zeros when unknown), to check the store still has it
//! body len   u64 LE
//! checksum   32 bytes  SHA-256 of the body
//! body       postcard  every read model, without what is rebuilt on restore
//!                      (id indexes, the rate table, the funding cache)
//! ```
//! A snapshot says nothing about which store it came from: the caller checks
//! that the store's event at [`SnapshotInfo::position`] has
//! [`SnapshotInfo::event_hash`] (the hash chain then vouches for every event
//! before it) before trusting it.

use fundtrail_store::hash::EventHash;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::ReadModel;

/// Bumped whenever the body's layout changes; older snapshots are then refused.
pub const FORMAT_VERSION: u32 = 11;

const MAGIC: &[u8; 8] = b"FTRMSNAP";
const HEADER_LEN: usize = 8 + 4 + 8 + 1 + 32 + 8 + 32;

/// Why a snapshot cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SnapshotError {
    #[error("not a read-model snapshot (bad magic)")]
    NotASnapshot,
    #[error("snapshot format {found} is not the supported format {supported}")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("snapshot is truncated: {found} bytes where {expected} were expected")]
    Truncated { expected: u64, found: u64 },
    #[error("snapshot checksum does not match its content")]
    Checksum,
    #[error("snapshot body cannot be decoded: {0}")]
    Decode(String),
    #[error("snapshot cannot be encoded: {0}")]
    Encode(String),
}

/// What a snapshot's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub version: u32,
    /// The last position folded into the snapshot.
    pub position: u64,
    /// The store's hash of the event at `position`, when the model was fed
    /// stored events ([`ReadModel::apply_recorded`]).
    pub event_hash: Option<EventHash>,
    pub body_len: u64,
}

impl SnapshotInfo {
    /// Reads and checks the header only (cheap: no checksum, no decoding).
    pub fn read(bytes: &[u8]) -> Result<SnapshotInfo, SnapshotError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(SnapshotError::NotASnapshot);
        }
        if bytes.len() < HEADER_LEN {
            return Err(SnapshotError::Truncated {
                expected: HEADER_LEN as u64,
                found: bytes.len() as u64,
            });
        }
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap_or_default());
        let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or_default());
        let version = u32_at(8);
        if version != FORMAT_VERSION {
            return Err(SnapshotError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let position = u64_at(12);
        let event_hash = match bytes[20] {
            0 => None,
            _ => EventHash::from_slice(&bytes[21..53]),
        };
        let body_len = u64_at(53);
        Ok(SnapshotInfo {
            version,
            position,
            event_hash,
            body_len,
        })
    }
}

impl ReadModel {
    /// The store's hash of the event at [`position`](Self::position), when
    /// that event came through [`apply_recorded`](Self::apply_recorded).
    pub fn last_event_hash(&self) -> Option<EventHash> {
        self.last_hash.map(EventHash)
    }

    /// Everything the read models know, in the format described in the module doc.
    pub fn snapshot(&self) -> Vec<u8> {
        // Encoding into a Vec fails only for shapes serde cannot express, which
        // the model does not have (a test round-trips every kind of record);
        // should it ever fail, the empty body is refused on restore.
        self.try_snapshot()
            .unwrap_or_else(|_| self.frame(vec![0u8; HEADER_LEN]))
    }

    /// [`snapshot`](Self::snapshot), with the encoding error if any.
    pub fn try_snapshot(&self) -> Result<Vec<u8>, SnapshotError> {
        let out = postcard::to_extend(self, vec![0u8; HEADER_LEN])
            .map_err(|e| SnapshotError::Encode(e.to_string()))?;
        Ok(self.frame(out))
    }

    /// Fills in the header of `out` (header space followed by the body).
    fn frame(&self, mut out: Vec<u8>) -> Vec<u8> {
        let body_len = (out.len() - HEADER_LEN) as u64;
        let checksum: [u8; 32] = Sha256::digest(&out[HEADER_LEN..]).into();
        let header = &mut out[..HEADER_LEN];
        header[..8].copy_from_slice(MAGIC);
        header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        header[12..20].copy_from_slice(&self.position().to_le_bytes());
        match self.last_hash {
            Some(h) => {
                header[20] = 1;
                header[21..53].copy_from_slice(&h);
            }
            None => header[20] = 0,
        }
        header[53..61].copy_from_slice(&body_len.to_le_bytes());
        header[61..93].copy_from_slice(&checksum);
        out
    }

    /// Rebuilds the read models from [`snapshot`](Self::snapshot)'s bytes.
    pub fn restore(bytes: &[u8]) -> Result<ReadModel, SnapshotError> {
        let info = SnapshotInfo::read(bytes)?;
        let body = &bytes[HEADER_LEN..];
        if body.len() as u64 != info.body_len {
            return Err(SnapshotError::Truncated {
                expected: HEADER_LEN as u64 + info.body_len,
                found: bytes.len() as u64,
            });
        }
        let checksum: [u8; 32] = Sha256::digest(body).into();
        if checksum[..] != bytes[61..93] {
            return Err(SnapshotError::Checksum);
        }
        let mut model: ReadModel =
            postcard::from_bytes(body).map_err(|e| SnapshotError::Decode(e.to_string()))?;
        if model.position() != info.position || model.last_event_hash() != info.event_hash {
            return Err(SnapshotError::Decode(
                "the header and the body disagree on the position".into(),
            ));
        }
        model.rebuild_derived();
        Ok(model)
    }
}

/// Serde helpers for what postcard cannot take as is: `Decimal` deserialises
/// through `deserialize_any` (JSON's way), which postcard does not support, so
/// decimals travel as (mantissa, scale).
pub(crate) mod dec {
    use rust_decimal::Decimal;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        (d.mantissa(), d.scale() as u8).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let (m, scale) = <(i128, u8)>::deserialize(d)?;
        Decimal::try_from_i128_with_scale(m, u32::from(scale)).map_err(D::Error::custom)
    }

    /// A decimal as a value (for containers).
    #[derive(Serialize, Deserialize, Clone, Copy)]
    pub struct D(#[serde(with = "self")] pub Decimal);
}

/// A value written as JSON inside the snapshot: for the few, small records
/// whose domain types carry decimals (a prospect's hoped-for amount, a
/// commitment's tranches) and are not worth a postcard shape of their own.
pub(crate) mod as_json {
    use serde::de::{DeserializeOwned, Error as _};
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        let bytes = serde_json::to_vec(v).map_err(S::Error::custom)?;
        bytes.serialize(s)
    }

    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        d: D,
    ) -> Result<T, D::Error> {
        let bytes = Vec::<u8>::deserialize(d)?;
        serde_json::from_slice(&bytes).map_err(D::Error::custom)
    }
}

pub(crate) mod money {
    use fundtrail_domain::money::{Currency, Money};
    use serde::{Deserialize, Serialize};

    use super::dec::D;

    #[derive(Serialize, Deserialize, Clone, Copy)]
    pub struct M(pub D, pub Currency);

    impl From<Money> for M {
        fn from(m: Money) -> M {
            M(D(m.amount), m.currency)
        }
    }
    impl From<M> for Money {
        fn from(m: M) -> Money {
            Money::new(m.0.0, m.1)
        }
    }
}

/// `(position, money)` lists (requirements).
pub(crate) mod positioned_money {
    use fundtrail_domain::money::Money;
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};

    use super::money::M;

    pub fn serialize<S: Serializer>(v: &[(u64, Money)], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for (p, m) in v {
            seq.serialize_element(&(p, M::from(*m)))?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(u64, Money)>, D::Error> {
        Ok(Vec::<(u64, M)>::deserialize(d)?
            .into_iter()
            .map(|(p, m)| (p, m.into()))
            .collect())
    }
}

/// The recorded exchange rates with their positions.
pub(crate) mod rate_log {
    use chrono::NaiveDate;
    use fundtrail_domain::exchange_rate::ExchangeRateRecorded;
    use fundtrail_domain::money::Currency;
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::dec::D;

    #[derive(Serialize, Deserialize)]
    struct R(u64, Currency, Currency, D, NaiveDate, Option<D>);

    pub fn serialize<S: Serializer>(
        v: &[(u64, ExchangeRateRecorded)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for (p, e) in v {
            seq.serialize_element(&R(
                *p,
                e.base,
                e.quote,
                D(e.rate),
                e.valid_from,
                e.supersedes.map(D),
            ))?;
        }
        seq.end()
    }

    pub fn deserialize<'de, De: Deserializer<'de>>(
        d: De,
    ) -> Result<Vec<(u64, ExchangeRateRecorded)>, De::Error> {
        Ok(Vec::<R>::deserialize(d)?
            .into_iter()
            .map(|r| {
                (
                    r.0,
                    ExchangeRateRecorded {
                        base: r.1,
                        quote: r.2,
                        rate: r.3.0,
                        valid_from: r.4,
                        supersedes: r.5.map(|x| x.0),
                    },
                )
            })
            .collect())
    }
}

/// `StreamState<Priority>` (its requirement is money).
pub(crate) mod priority_state {
    use fundtrail_domain::aggregate::StreamState;
    use fundtrail_domain::ids::{PriorityId, RoadmapId};
    use fundtrail_domain::priority::Priority;
    use fundtrail_domain::source::SourceRef;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::money::M;

    #[derive(Serialize, Deserialize)]
    struct P(
        PriorityId,
        RoadmapId,
        u32,
        String,
        Option<M>,
        Option<SourceRef>,
    );

    pub fn serialize<S: Serializer>(st: &StreamState<Priority>, s: S) -> Result<S::Ok, S::Error> {
        let p = st.entity.as_ref().map(|p| {
            P(
                p.id.clone(),
                p.roadmap_id.clone(),
                p.rank,
                p.title.clone(),
                p.requirement.map(M::from),
                p.source.clone(),
            )
        });
        (st.version, p).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<StreamState<Priority>, D::Error> {
        let (version, p) = <(u64, Option<P>)>::deserialize(d)?;
        Ok(StreamState {
            version,
            entity: p.map(|p| Priority {
                id: p.0,
                roadmap_id: p.1,
                rank: p.2,
                title: p.3,
                requirement: p.4.map(Into::into),
                source: p.5,
            }),
        })
    }
}

/// `StreamState<Proposal>` (its requested amount is money).
pub(crate) mod proposal_state {
    use chrono::NaiveDate;
    use fundtrail_domain::aggregate::StreamState;
    use fundtrail_domain::enums::{ProposalStatus, Theme};
    use fundtrail_domain::ids::{OrganisationId, PriorityId, ProposalId};
    use fundtrail_domain::proposal::Proposal;
    use fundtrail_domain::source::SourceRef;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::money::M;

    #[derive(Serialize, Deserialize)]
    struct P {
        id: ProposalId,
        applicant_id: OrganisationId,
        donor_id: OrganisationId,
        title: String,
        requested: Option<M>,
        status: ProposalStatus,
        themes: Vec<Theme>,
        priority_ids: Vec<PriorityId>,
        submitted_on: Option<NaiveDate>,
        decided_on: Option<NaiveDate>,
        source: Option<SourceRef>,
    }

    pub fn serialize<S: Serializer>(st: &StreamState<Proposal>, s: S) -> Result<S::Ok, S::Error> {
        let p = st.entity.as_ref().map(|p| P {
            id: p.id.clone(),
            applicant_id: p.applicant_id.clone(),
            donor_id: p.donor_id.clone(),
            title: p.title.clone(),
            requested: p.requested.map(M::from),
            status: p.status,
            themes: p.themes.clone(),
            priority_ids: p.priority_ids.clone(),
            submitted_on: p.submitted_on,
            decided_on: p.decided_on,
            source: p.source.clone(),
        });
        (st.version, p).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<StreamState<Proposal>, D::Error> {
        let (version, p) = <(u64, Option<P>)>::deserialize(d)?;
        Ok(StreamState {
            version,
            entity: p.map(|p| Proposal {
                id: p.id,
                applicant_id: p.applicant_id,
                donor_id: p.donor_id,
                title: p.title,
                requested: p.requested.map(Into::into),
                status: p.status,
                themes: p.themes,
                priority_ids: p.priority_ids,
                submitted_on: p.submitted_on,
                decided_on: p.decided_on,
                source: p.source,
            }),
        })
    }
}

/// `StreamState<Token>`: its scope skips empty lists in JSON (event
/// payloads), which postcard cannot read back (a snapshot with an unscoped
/// token failed with "Hit the end of buffer", issue #16); here every field
/// is written.
pub(crate) mod token_state {
    use chrono::NaiveDate;
    use fundtrail_domain::access::Scope;
    use fundtrail_domain::enums::Role;
    use fundtrail_domain::ids::{OrganisationId, RoadmapId, TokenId};
    use fundtrail_domain::token::{Token, TokenState};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct T(
        TokenId,
        String,
        Role,
        Vec<RoadmapId>,
        Vec<OrganisationId>,
        Option<NaiveDate>,
        String,
        bool,
    );

    pub fn serialize<S: Serializer>(st: &TokenState, s: S) -> Result<S::Ok, S::Error> {
        let t = st.entity.as_ref().map(|t| {
            T(
                t.token_id.clone(),
                t.principal.clone(),
                t.role,
                t.scope.roadmaps.clone(),
                t.scope.organisations.clone(),
                t.expires_on,
                t.token_hash.clone(),
                t.revoked,
            )
        });
        (st.version, t).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TokenState, D::Error> {
        let (version, t) = <(u64, Option<T>)>::deserialize(d)?;
        Ok(TokenState {
            version,
            entity: t.map(|t| Token {
                token_id: t.0,
                principal: t.1,
                role: t.2,
                scope: Scope {
                    roadmaps: t.3,
                    organisations: t.4,
                },
                expires_on: t.5,
                token_hash: t.6,
                revoked: t.7,
            }),
        })
    }
}
