//! W9 (issue #8): server time of the web pages at the ledger's size. Each page
//! is fetched one request at a time, `samples` times after a first (cold)
//! request; the server's own figure comes from its `Server-Timing: app;dur=`
//! header (time in the handler, rendering included), the client's is the
//! whole round trip on loopback, signed in with an admin token made for the
//! run. Target: under 100 ms server time at 1M events.

use std::time::{Duration, Instant};

use crate::Result;

/// One page's figures.
pub struct PageTiming {
    pub path: String,
    pub first: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub client_p50: Duration,
    pub bytes: usize,
}

fn server_time(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get("server-timing")?.to_str().ok()?;
    let ms: f64 = value
        .split("dur=")
        .nth(1)?
        .split([';', ','])
        .next()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs_f64(ms / 1000.0))
}

fn enc(s: &str) -> String {
    s.replace('%', "%25")
        .replace('+', "%2B")
        .replace(':', "%3A")
}

/// An admin token for the bench's store, made with `fundtrail token create`
/// while the server is stopped (`store_args`: the server's, less
/// `--snapshot-dir`).
pub async fn create_token(
    binary: &std::path::Path,
    server_args: &[String],
    envs: &[(String, String)],
) -> Result<String> {
    let mut store_args = Vec::new();
    let mut args = server_args.iter();
    while let Some(a) = args.next() {
        if a == "--snapshot-dir" {
            args.next();
        } else {
            store_args.push(a.clone());
        }
    }
    let out = tokio::process::Command::new(binary)
        .args(["token", "create", "--name", "bench-web", "--role", "admin"])
        .args(&store_args)
        .envs(envs.iter().cloned())
        .env("RUST_LOG", "warn")
        .output()
        .await?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find(|w| w.starts_with("ft_"))
        .map(str::to_owned)
        .ok_or_else(|| {
            format!(
                "token create printed no token: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into()
        })
}

/// Signs in at `/login`; the session's `Cookie` header value.
pub async fn sign_in(base: &str, token: &str) -> Result<String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let response = client
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}&next=/"))
        .send()
        .await?;
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or("the sign-in set no session cookie")?;
    Ok(cookie.to_owned())
}

/// The pages an officer opens, for the first roadmap of the ledger.
pub fn pages(roadmap: &str, as_of: &str, on: &str, organisation: &str) -> Vec<String> {
    vec![
        "/audit".to_owned(),
        format!("/new/pledge?roadmap={roadmap}"),
        "/new/partnership".to_owned(),
        "/pledges/pl-0000001".to_owned(),
        "/pledges/pl-0000001/revise".to_owned(),
        format!("/?roadmap={roadmap}"),
        format!("/?roadmap={roadmap}&asOf={}", enc(as_of)),
        format!("/?roadmap={roadmap}&on={on}"),
        format!("/?roadmap={roadmap}&currency=USD"),
        format!("/donors?roadmap={roadmap}"),
        format!("/donors?roadmap={roadmap}&theme=CHILD_LABOUR&kind=FOUNDATION"),
        "/pipeline".to_owned(),
        format!("/organisations/{organisation}"),
        format!("/roadmaps/{roadmap}"),
        format!("/priorities/{roadmap}-p1"),
    ]
}

/// Fetches every page `samples` times (after one cold request), signed in
/// with `cookie`.
pub async fn run(
    base: &str,
    cookie: &str,
    paths: &[String],
    samples: usize,
) -> Result<Vec<PageTiming>> {
    let client = reqwest::Client::new();
    let mut out = Vec::new();
    for path in paths {
        let mut server = Vec::with_capacity(samples);
        let mut client_times = Vec::with_capacity(samples);
        let mut first = Duration::ZERO;
        let mut bytes = 0;
        for i in 0..=samples {
            let started = Instant::now();
            let response = client
                .get(format!("{base}{path}"))
                .header("cookie", cookie)
                .send()
                .await?;
            let status = response.status();
            let took = server_time(&response).ok_or("no Server-Timing header")?;
            let body = response.bytes().await?;
            let round_trip = started.elapsed();
            if !status.is_success() {
                return Err(format!("{path}: HTTP {status}").into());
            }
            if i == 0 {
                first = took;
                bytes = body.len();
            } else {
                server.push(took);
                client_times.push(round_trip);
            }
        }
        server.sort();
        client_times.sort();
        let at = |v: &[Duration], q: f64| {
            v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1]
        };
        out.push(PageTiming {
            path: path.clone(),
            first,
            p50: at(&server, 0.50),
            p99: at(&server, 0.99),
            client_p50: at(&client_times, 0.50),
            bytes,
        });
    }
    Ok(out)
}

pub fn describe(backend: &str, events: usize, t: &PageTiming) -> String {
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let ok = t.p99 <= Duration::from_millis(100) && t.first <= Duration::from_millis(100);
    format!(
        "W9 page {backend:<9} {:<44} server p50 {:>9}  p99 {:>9}  first {:>9}  (round trip p50 {}), {} KiB, {events} events  target < 100 ms {}",
        t.path,
        ms(t.p50),
        ms(t.p99),
        ms(t.first),
        ms(t.client_p50),
        t.bytes / 1024,
        if ok { "OK" } else { "MISSED" }
    )
}
