//! Sign-in sessions: a random session id in an `HttpOnly; SameSite=Strict`
//! cookie; the server keeps, for each id, the SHA-256 of the token it was
//! opened with (never the token) and a form key (`_csrf`). Every request
//! looks the token up again in the read models, so a revoked or expired
//! token ends its sessions at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, header};
use fundtrail_app::AppState;
use fundtrail_domain::access::{self, Principal};
use rand::RngCore;

pub const SESSION_COOKIE: &str = "ft_session";
/// A session unused this long is closed.
pub const IDLE: Duration = Duration::from_secs(12 * 3600);
/// Most sessions kept at once. When full, a new sign-in is refused until
/// sessions expire or close: one principal never pushes out another's.
pub const MAX_SESSIONS: usize = 10_000;
/// Most sessions one token keeps open; its own oldest goes first.
pub const MAX_SESSIONS_PER_TOKEN: usize = 20;
/// A one-time sign-in link (demo) is valid this long.
const ONCE_VALID: Duration = Duration::from_secs(24 * 3600);

/// A value of the request's `Cookie` header.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// 32 random bytes in hex.
pub fn random_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[derive(Debug, Clone)]
struct Session {
    token_hash: String,
    csrf: String,
    last_seen: Instant,
}

/// Who is signed in, for one request.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub principal: Principal,
    /// The form key every POST must carry.
    pub csrf: String,
    pub session_id: String,
}

pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
    /// At most this many sessions in all ([`MAX_SESSIONS`]).
    max_total: usize,
    /// At most this many per token ([`MAX_SESSIONS_PER_TOKEN`]).
    max_per_token: usize,
    /// One-time sign-in keys → (token hash, created).
    once: Mutex<HashMap<String, (String, Instant)>>,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions::with_limits(MAX_SESSIONS, MAX_SESSIONS_PER_TOKEN)
    }
}

impl Sessions {
    /// Sessions bounded by other limits than the defaults (tests).
    pub fn with_limits(max_total: usize, max_per_token: usize) -> Self {
        Sessions {
            open: Mutex::default(),
            max_total,
            max_per_token,
            once: Mutex::default(),
        }
    }

    /// Opens a session for a token already checked; returns its id, or
    /// `None` when the server holds [`MAX_SESSIONS`] already. A token with
    /// [`MAX_SESSIONS_PER_TOKEN`] open loses its own oldest; nobody else's
    /// session is ever closed to make room.
    pub fn open(&self, token_hash: String) -> Option<String> {
        let id = random_key();
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        open.retain(|_, s| now.duration_since(s.last_seen) < IDLE);
        let own: Vec<(&String, Instant)> = open
            .iter()
            .filter(|(_, s)| s.token_hash == token_hash)
            .map(|(k, s)| (k, s.last_seen))
            .collect();
        if own.len() >= self.max_per_token {
            let oldest = own
                .iter()
                .min_by_key(|(_, seen)| *seen)
                .map(|(k, _)| (*k).clone());
            if let Some(oldest) = oldest {
                open.remove(&oldest);
            }
        } else if open.len() >= self.max_total {
            return None;
        }
        open.insert(
            id.clone(),
            Session {
                token_hash,
                csrf: random_key(),
                last_seen: now,
            },
        );
        Some(id)
    }

    pub fn close(&self, id: &str) {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }

    /// The principal of the request's session, if it is open and its token
    /// still valid today.
    pub fn signed_in(&self, app: &AppState, headers: &HeaderMap) -> Option<SignedIn> {
        let id = cookie(headers, SESSION_COOKIE)?;
        let (token_hash, csrf) = {
            let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            let s = open.get_mut(id)?;
            let now = Instant::now();
            if now.duration_since(s.last_seen) >= IDLE {
                open.remove(id);
                return None;
            }
            s.last_seen = now;
            (s.token_hash.clone(), s.csrf.clone())
        };
        let today = app.clock().today();
        let principal = app
            .read()
            .tokens()
            .by_hash(&token_hash)?
            .authenticate(today)
            .ok()?;
        Some(SignedIn {
            principal,
            csrf,
            session_id: id.to_owned(),
        })
    }

    /// A key that opens one session for `token` once (the demo's link).
    pub fn one_time_key(&self, token: &str) -> String {
        let key = random_key();
        self.once
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone(), (access::token_hash(token), Instant::now()));
        key
    }

    /// Uses up a one-time key: the token hash it stands for.
    pub fn redeem(&self, key: &str) -> Option<String> {
        let mut once = self.once.lock().unwrap_or_else(|p| p.into_inner());
        let (hash, created) = once.remove(key)?;
        (created.elapsed() < ONCE_VALID).then_some(hash)
    }
}

/// `Set-Cookie` for a session id (empty and expired: signs out).
pub fn session_cookie(id: Option<&str>, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value = match id {
        Some(id) => format!(
            "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            IDLE.as_secs()
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Behind a TLS proxy that says so, cookies are `Secure`.
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; ft_session=abc ; ft_lang=fr"),
        );
        assert_eq!(cookie(&h, "ft_session"), Some("abc"));
        assert_eq!(cookie(&h, "ft_lang"), Some("fr"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn one_time_keys_work_once() {
        let s = Sessions::default();
        let key = s.one_time_key("ft_secret");
        assert_eq!(s.redeem(&key), Some(access::token_hash("ft_secret")));
        assert_eq!(s.redeem(&key), None);
        assert_eq!(s.redeem("nope"), None);
    }

    #[test]
    fn the_cookie_is_http_only_and_strict() {
        let v = session_cookie(Some("id1"), false);
        let v = v.to_str().unwrap();
        assert!(
            v.contains("HttpOnly") && v.contains("SameSite=Strict"),
            "{v}"
        );
        assert!(!v.contains("Secure"));
        assert!(
            session_cookie(None, true)
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
    }
}

#[cfg(test)]
mod bounds {
    use super::*;

    #[test]
    fn a_full_server_refuses_new_sessions_instead_of_closing_others() {
        let sessions = Sessions::with_limits(100, 5);
        let victims: Vec<String> = (0..100)
            .map(|i| sessions.open(format!("token-{}", i % 25)).unwrap())
            .collect();
        assert_eq!(sessions.open("attacker".into()), None, "full: refused");
        let open = sessions.open.lock().unwrap();
        assert!(
            victims.iter().all(|id| open.contains_key(id)),
            "no one was signed out"
        );
    }

    #[test]
    fn a_token_keeps_at_most_its_own_quota_of_sessions() {
        let sessions = Sessions::with_limits(100, MAX_SESSIONS_PER_TOKEN);
        let other = sessions.open("other".into()).unwrap();
        let first = sessions.open("mine".into()).unwrap();
        for _ in 0..MAX_SESSIONS_PER_TOKEN {
            std::thread::sleep(Duration::from_micros(50));
            sessions.open("mine".into()).unwrap();
        }
        let open = sessions.open.lock().unwrap();
        let mine = open.values().filter(|s| s.token_hash == "mine").count();
        assert_eq!(mine, MAX_SESSIONS_PER_TOKEN);
        assert!(!open.contains_key(&first), "its own oldest went");
        assert!(open.contains_key(&other), "another's stayed");
    }
}
