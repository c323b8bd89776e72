//! A pledge's facts, encoded compactly (about 15-25 bytes a fact instead of
//! about 100 as structs): they are most of the model's memory at scale.
//!
//! Encoding of one fact (all integers LEB128 varints):
//! - a header byte: the kind (bits 0-2), has a value date (bit 3), has an
//!   amount (bit 4), has a disbursed total (bit 5);
//! - the position: absolute for the first fact, else the distance from the first;
//! - the value date, zigzag days from 2020-01-01, when there is one;
//! - Made: amount?, allocations, priorities; Disbursed: status, amount?,
//!   total?, shares; Revised: status, amount, allocations.
//!
//! Money is (currency index in the model's currency table, decimal); a decimal
//! is a byte of scale (bits 0-4) and sign (bit 7), then its mantissa. Slot
//! lists are counted; `(slot, amount)` lists store slot + 1 (0: none).
//!
//! [`Decoded`] holds one pledge's facts decoded, and is reused from pledge
//! to pledge so queries do not allocate.

use chrono::{Datelike, NaiveDate};
use fundtrail_domain::enums::PledgeStatus;
use fundtrail_domain::money::{Currency, Money};
use rust_decimal::Decimal;

use crate::entities::NONE;

/// One change of a pledge, with its value date (decoded).
#[derive(Debug, Clone)]
pub(crate) struct Fact {
    pub position: u64,
    pub on: Option<NaiveDate>,
    pub change: Change,
}

/// Item lists are ranges of [`Decoded::items`] / [`Decoded::slots`].
#[derive(Debug, Clone)]
pub(crate) enum Change {
    Made {
        amount: Option<Money>,
        allocations: (u32, u32),
        priorities: (u32, u32),
    },
    Committed,
    Disbursed {
        amount: Option<Money>,
        /// The pledge's disbursed total after this one (as recorded).
        total: Option<Money>,
        status: PledgeStatus,
        shares: (u32, u32),
    },
    Revised {
        amount: Money,
        allocations: (u32, u32),
        status: PledgeStatus,
    },
    Cancelled,
}

/// A fact to encode; item lists as slices.
pub(crate) enum NewChange<'a> {
    Made {
        amount: Option<Money>,
        allocations: &'a [(u32, Decimal)],
        priorities: &'a [u32],
    },
    Committed,
    Disbursed {
        amount: Option<Money>,
        total: Option<Money>,
        status: PledgeStatus,
        shares: &'a [(u32, Decimal)],
    },
    Revised {
        amount: Money,
        allocations: &'a [(u32, Decimal)],
        status: PledgeStatus,
    },
    Cancelled,
}

/// Currencies seen by the model, numbered in order of appearance.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Currencies {
    list: Vec<Currency>,
}

impl Currencies {
    fn index(&mut self, c: Currency) -> u64 {
        match self.list.iter().position(|x| *x == c) {
            Some(i) => i as u64,
            None => {
                self.list.push(c);
                (self.list.len() - 1) as u64
            }
        }
    }
    fn get(&self, i: u64) -> Option<Currency> {
        self.list.get(i as usize).copied()
    }
}

const EPOCH_DAYS: i64 = 737_425; // 2020-01-01, days from the common era

fn put_varint(out: &mut Vec<u8>, mut v: u128) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn put_decimal(out: &mut Vec<u8>, d: Decimal) {
    out.push((d.scale() as u8) | if d.is_sign_negative() { 0x80 } else { 0 });
    put_varint(out, d.mantissa().unsigned_abs());
}

fn put_money(out: &mut Vec<u8>, m: Money, cur: &mut Currencies) {
    put_varint(out, u128::from(cur.index(m.currency)));
    put_decimal(out, m.amount);
}

fn put_items(out: &mut Vec<u8>, items: &[(u32, Decimal)]) {
    put_varint(out, items.len() as u128);
    for (slot, a) in items {
        put_varint(
            out,
            if *slot == NONE {
                0
            } else {
                u128::from(*slot) + 1
            },
        );
        put_decimal(out, *a);
    }
}

fn status_byte(s: PledgeStatus) -> u8 {
    PledgeStatus::ALL.iter().position(|x| *x == s).unwrap_or(0) as u8
}

/// Appends one fact to `timeline` (whose first fact, if any, is at `first`).
pub(crate) fn append(
    timeline: &mut Box<[u8]>,
    position: u64,
    on: Option<NaiveDate>,
    change: &NewChange<'_>,
    cur: &mut Currencies,
) {
    let mut out = Vec::with_capacity(timeline.len() + 32);
    out.extend_from_slice(timeline);
    let first = first_position(timeline);
    let (kind, amount, total): (u8, Option<Money>, Option<Money>) = match change {
        NewChange::Made { amount, .. } => (0, *amount, None),
        NewChange::Committed => (1, None, None),
        NewChange::Disbursed { amount, total, .. } => (2, *amount, *total),
        NewChange::Revised { amount, .. } => (3, Some(*amount), None),
        NewChange::Cancelled => (4, None, None),
    };
    let header = kind
        | if on.is_some() { 0x08 } else { 0 }
        | if amount.is_some() { 0x10 } else { 0 }
        | if total.is_some() { 0x20 } else { 0 };
    out.push(header);
    put_varint(
        &mut out,
        u128::from(first.map_or(position, |f| position.saturating_sub(f))),
    );
    if let Some(d) = on {
        let days = i64::from(d.num_days_from_ce()) - EPOCH_DAYS;
        put_varint(&mut out, u128::from(((days << 1) ^ (days >> 63)) as u64));
    }
    match change {
        NewChange::Made {
            allocations,
            priorities,
            ..
        } => {
            if let Some(m) = amount {
                put_money(&mut out, m, cur);
            }
            put_items(&mut out, allocations);
            put_varint(&mut out, priorities.len() as u128);
            for p in *priorities {
                put_varint(&mut out, u128::from(*p));
            }
        }
        NewChange::Disbursed { status, shares, .. } => {
            out.push(status_byte(*status));
            if let Some(m) = amount {
                put_money(&mut out, m, cur);
            }
            if let Some(m) = total {
                put_money(&mut out, m, cur);
            }
            put_items(&mut out, shares);
        }
        NewChange::Revised {
            amount,
            allocations,
            status,
        } => {
            out.push(status_byte(*status));
            put_money(&mut out, *amount, cur);
            put_items(&mut out, allocations);
        }
        NewChange::Committed | NewChange::Cancelled => {}
    }
    *timeline = out.into_boxed_slice();
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }
    fn varint(&mut self) -> Option<u128> {
        let mut v: u128 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift >= 128 {
                return None;
            }
            v |= u128::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
        }
    }
    fn u64(&mut self) -> Option<u64> {
        u64::try_from(self.varint()?).ok()
    }
    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.varint()?).ok()
    }
    fn decimal(&mut self) -> Option<Decimal> {
        let h = self.byte()?;
        let m = i128::try_from(self.varint()?).ok()?;
        let m = if h & 0x80 != 0 { -m } else { m };
        Decimal::try_from_i128_with_scale(m, u32::from(h & 0x1f)).ok()
    }
    fn money(&mut self, cur: &Currencies) -> Option<Money> {
        let c = cur.get(self.u64()?)?;
        Some(Money::new(self.decimal()?, c))
    }
    fn status(&mut self) -> Option<PledgeStatus> {
        PledgeStatus::ALL.get(usize::from(self.byte()?)).copied()
    }
}

/// The position of the first fact (the pledge's creation), if any.
pub(crate) fn first_position(timeline: &[u8]) -> Option<u64> {
    let mut r = Reader {
        bytes: timeline,
        at: 0,
    };
    r.byte()?;
    r.u64()
}

/// One pledge's facts, decoded.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    pub facts: Vec<Fact>,
    pub items: Vec<(u32, Decimal)>,
    pub slots: Vec<u32>,
}

impl Decoded {
    /// Decodes `timeline`, replacing what was here. A damaged timeline (it
    /// never is: the model wrote it) stops the decoding where it breaks.
    pub(crate) fn decode(&mut self, timeline: &[u8], cur: &Currencies) -> &Self {
        self.facts.clear();
        self.items.clear();
        self.slots.clear();
        let mut r = Reader {
            bytes: timeline,
            at: 0,
        };
        let mut first: Option<u64> = None;
        while r.at < timeline.len() {
            if self.decode_one(&mut r, cur, &mut first).is_none() {
                break;
            }
        }
        self
    }

    fn items(&mut self, r: &mut Reader<'_>) -> Option<(u32, u32)> {
        let n = r.u32()?;
        let start = self.items.len() as u32;
        for _ in 0..n {
            let s = r.u32()?;
            let a = r.decimal()?;
            self.items.push((if s == 0 { NONE } else { s - 1 }, a));
        }
        Some((start, self.items.len() as u32))
    }

    fn decode_one(
        &mut self,
        r: &mut Reader<'_>,
        cur: &Currencies,
        first: &mut Option<u64>,
    ) -> Option<()> {
        let h = r.byte()?;
        let raw = r.u64()?;
        let position = match *first {
            None => {
                *first = Some(raw);
                raw
            }
            Some(f) => f + raw,
        };
        let on = if h & 0x08 != 0 {
            let z = r.u64()?;
            let days = ((z >> 1) as i64) ^ -((z & 1) as i64);
            NaiveDate::from_num_days_from_ce_opt(i32::try_from(days + EPOCH_DAYS).ok()?)
        } else {
            None
        };
        let has_amount = h & 0x10 != 0;
        let has_total = h & 0x20 != 0;
        let change = match h & 0x07 {
            0 => {
                let amount = if has_amount {
                    Some(r.money(cur)?)
                } else {
                    None
                };
                let allocations = self.items(r)?;
                let n = r.u32()?;
                let start = self.slots.len() as u32;
                for _ in 0..n {
                    let s = r.u32()?;
                    self.slots.push(s);
                }
                Change::Made {
                    amount,
                    allocations,
                    priorities: (start, self.slots.len() as u32),
                }
            }
            1 => Change::Committed,
            2 => {
                let status = r.status()?;
                let amount = if has_amount {
                    Some(r.money(cur)?)
                } else {
                    None
                };
                let total = if has_total { Some(r.money(cur)?) } else { None };
                let shares = self.items(r)?;
                Change::Disbursed {
                    amount,
                    total,
                    status,
                    shares,
                }
            }
            3 => {
                let status = r.status()?;
                let amount = r.money(cur)?;
                let allocations = self.items(r)?;
                Change::Revised {
                    amount,
                    allocations,
                    status,
                }
            }
            4 => Change::Cancelled,
            _ => return None,
        };
        self.facts.push(Fact {
            position,
            on,
            change,
        });
        Some(())
    }

    pub(crate) fn items_of(&self, range: (u32, u32)) -> &[(u32, Decimal)] {
        &self.items[range.0 as usize..range.1 as usize]
    }

    pub(crate) fn slots_of(&self, range: (u32, u32)) -> &[u32] {
        &self.slots[range.0 as usize..range.1 as usize]
    }
}

/// Serialises a timeline as one byte string (postcard copies it whole).
pub(crate) mod bytes {
    use serde::de::{Error, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(b)
    }

    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Box<[u8]>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("bytes")
        }
        fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Box<[u8]>, E> {
            Ok(v.into())
        }
        fn visit_byte_buf<E: Error>(self, v: Vec<u8>) -> Result<Box<[u8]>, E> {
            Ok(v.into_boxed_slice())
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Box<[u8]>, D::Error> {
        d.deserialize_bytes(V)
    }
}
