//! Answers to read-only queries, kept while the read models stay at the same
//! position. Every query answer is a function of the query text, its
//! variables, the read models' position (and the day, for conversions dated
//! "today"), so an identical query at the same position gets the same bytes
//! without executing again: the dashboard that many officers open at once
//! costs one execution per change of the ledger. Any new event empties it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub query: String,
    pub operation: Option<String>,
    pub variables: String,
    /// The answer's media type: bodies differ only in headers, but keep them apart.
    pub media: &'static str,
    /// Who asked ([`fundtrail_app::auth::Caller::cache_key`]): `me` and the audit
    /// trail differ by principal.
    pub caller: String,
}

struct Inner {
    position: u64,
    day: Option<NaiveDate>,
    entries: HashMap<Key, Arc<[u8]>>,
    bytes: usize,
}

pub struct ResponseCache {
    inner: Mutex<Inner>,
    max_entries: usize,
    max_bytes: usize,
}

impl ResponseCache {
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        ResponseCache {
            inner: Mutex::new(Inner {
                position: 0,
                day: None,
                entries: HashMap::new(),
                bytes: 0,
            }),
            max_entries,
            max_bytes,
        }
    }

    fn at(inner: &mut Inner, position: u64, day: NaiveDate) -> &mut Inner {
        if inner.position != position || inner.day != Some(day) {
            inner.position = position;
            inner.day = Some(day);
            inner.entries.clear();
            inner.bytes = 0;
        }
        inner
    }

    pub fn get(&self, position: u64, day: NaiveDate, key: &Key) -> Option<Arc<[u8]>> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        Self::at(&mut inner, position, day)
            .entries
            .get(key)
            .cloned()
    }

    /// Keeps an answer computed entirely at `position`.
    pub fn put(&self, position: u64, day: NaiveDate, key: Key, body: Arc<[u8]>) {
        if body.len() > self.max_bytes / 4 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let inner = Self::at(&mut inner, position, day);
        if inner.entries.len() >= self.max_entries || inner.bytes + body.len() > self.max_bytes {
            inner.entries.clear();
            inner.bytes = 0;
        }
        inner.bytes += body.len();
        inner.entries.insert(key, body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(q: &str) -> Key {
        Key {
            query: q.into(),
            operation: None,
            variables: "{}".into(),
            media: "application/json",
            caller: String::new(),
        }
    }

    #[test]
    fn an_answer_lives_only_as_long_as_its_position_and_day() {
        let cache = ResponseCache::new(10, 1 << 20);
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        cache.put(5, day, key("{ a }"), Arc::from(&b"A"[..]));
        assert_eq!(cache.get(5, day, &key("{ a }")).as_deref(), Some(&b"A"[..]));
        assert!(cache.get(5, day, &key("{ b }")).is_none());
        assert!(
            cache.get(6, day, &key("{ a }")).is_none(),
            "a new event empties the cache"
        );
        assert!(
            cache.get(5, day, &key("{ a }")).is_none(),
            "and it does not come back"
        );
        cache.put(6, day, key("{ a }"), Arc::from(&b"A"[..]));
        assert!(
            cache
                .get(6, day.succ_opt().unwrap(), &key("{ a }"))
                .is_none(),
            "a new day empties it"
        );
    }

    #[test]
    fn the_cache_stays_within_its_bounds() {
        let cache = ResponseCache::new(2, 1 << 20);
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        for q in ["{ a }", "{ b }", "{ c }"] {
            cache.put(1, day, key(q), Arc::from(&b"x"[..]));
        }
        assert!(cache.get(1, day, &key("{ a }")).is_none());
        assert!(cache.get(1, day, &key("{ c }")).is_some());
    }
}
