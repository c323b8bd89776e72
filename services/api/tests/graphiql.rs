//! `/graphiql` (security issue #17, finding 11): served with a strict
//! content-security policy, loading only this origin's files (no CDN, no
//! inline script), each of which answers with its media type and a year of
//! `immutable` caching; anything else under `/graphiql/assets/` is a 404.
//! (In a browser: `tests/browser/run.mjs` opens the page and fails on any
//! console error or CSP violation.)

use std::io::Read;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use fundtrail_api::{ServeOptions, build_schema, router};
use fundtrail_app::{AppState, Limits};
use fundtrail_store::EventStore;
use fundtrail_store_sqlite::SqliteStore;
use sha2::{Digest, Sha256};
use tower::ServiceExt;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// sha256 of `package/graphiql.min.js` in graphiql-3.8.3.tgz
/// (`services/api/assets/graphiql/README.md`).
const GRAPHIQL_JS_SHA256: &str = "22faab94067b695e5f7959619fbe686ebcc8955002a0c97d986bcbba4ad4bc2c";

async fn app() -> (tempfile::TempDir, Router) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let state = AppState::start(store, Limits::default()).await.unwrap();
    let router = router(build_schema(state.clone()), state, ServeOptions::default());
    (dir, router)
}

async fn get(
    router: &Router,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    (status, headers, body)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

/// Every `<tag ...>` in `html` (lowercase tag name), with what follows it.
fn tags<'a>(html: &'a str, tag: &str) -> Vec<(&'a str, &'a str)> {
    let lower = html.to_ascii_lowercase();
    let open = format!("<{tag}");
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find(&open) {
        let start = from + at;
        let end = start + lower[start..].find('>').expect("a tag ends");
        found.push((&html[start..=end], &html[end + 1..]));
        from = end + 1;
    }
    found
}

/// The value of `name="..."` in a tag, if any.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let lower = tag.to_ascii_lowercase();
    let key = format!(" {name}=");
    let at = lower.find(&key)? + key.len();
    let rest = &tag[at..];
    let quote = rest.chars().next()?;
    if quote == '"' || quote == '\'' {
        rest[1..].split(quote).next()
    } else {
        rest.split([' ', '>']).next()
    }
}

fn is_local(url: &str) -> bool {
    url.starts_with('/') && !url.starts_with("//")
}

#[tokio::test]
async fn graphiql_loads_only_its_own_assets_under_a_strict_policy() {
    let (_dir, router) = app().await;
    let (status, headers, body) = get(&router, "/graphiql", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-security-policy"), CSP);
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(header(&headers, "referrer-policy"), "no-referrer");
    assert!(header(&headers, "content-type").starts_with("text/html"));
    let html = String::from_utf8(body).unwrap();
    assert!(!html.contains("unpkg"), "{html}");

    let mut assets = Vec::new();
    let scripts = tags(&html, "script");
    assert!(!scripts.is_empty(), "{html}");
    for (tag, after) in scripts {
        let src = attribute(tag, "src").unwrap_or_else(|| panic!("an inline script: {tag}"));
        assert!(is_local(src), "a script from elsewhere: {tag}");
        let inside = &after[..after.to_ascii_lowercase().find("</script>").unwrap()];
        assert!(
            inside.trim().is_empty(),
            "a script with a body: {tag}{inside}"
        );
        assets.push((src.to_owned(), "text/javascript"));
    }
    for (tag, _) in tags(&html, "link") {
        let href = attribute(tag, "href").unwrap_or_default();
        assert!(is_local(href), "a link to elsewhere: {tag}");
        if attribute(tag, "rel") == Some("stylesheet") {
            assets.push((href.to_owned(), "text/css"));
        }
    }
    assert!(assets.iter().any(|(_, t)| *t == "text/css"), "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );

    for (path, media) in &assets {
        let (status, headers, body) = get(&router, path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            header(&headers, "content-type").starts_with(media),
            "{path}: {headers:?}"
        );
        assert_eq!(
            header(&headers, "cache-control"),
            "public, max-age=31536000, immutable",
            "{path}"
        );
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        assert_eq!(header(&headers, "content-encoding"), "", "{path}");
        assert!(!body.is_empty(), "{path}");
        // Asked again with its ETag: 304.
        let etag = header(&headers, "etag").to_owned();
        assert!(etag.starts_with('"'), "{path}: {headers:?}");
        let (status, _, _) = get(&router, path, &[("if-none-match", &etag)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}");
    }
}

/// graphiql.min.js is compiled in gzipped (3.4 MiB as published): sent as
/// is to clients that take gzip, decompressed for the others, and either way
/// it is the npm registry's file byte for byte.
#[tokio::test]
async fn graphiql_js_is_the_published_file_gzipped_or_not() {
    let (_dir, router) = app().await;
    let (_, _, html) = get(&router, "/graphiql", &[]).await;
    let html = String::from_utf8(html).unwrap();
    let path = tags(&html, "script")
        .into_iter()
        .filter_map(|(tag, _)| attribute(tag, "src"))
        .find(|src| src.contains("/graphiql.min."))
        .expect("the page loads graphiql.min.js")
        .to_owned();

    let (status, headers, plain) = get(&router, &path, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "vary"), "accept-encoding");
    assert_eq!(hex::encode(Sha256::digest(&plain)), GRAPHIQL_JS_SHA256);

    let (status, headers, gzipped) =
        get(&router, &path, &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-encoding"), "gzip");
    assert!(header(&headers, "content-type").starts_with("text/javascript"));
    assert!(gzipped.len() < 1024 * 1024);
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gzipped[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain);
}

#[tokio::test]
async fn unknown_graphiql_assets_are_not_found() {
    let (_dir, router) = app().await;
    for path in [
        "/graphiql/assets/nope.js",
        // The name without its content hash.
        "/graphiql/assets/graphiql.min.js",
        "/graphiql/assets/graphiql.min.js.gz",
        "/graphiql/assets/README.md",
        "/graphiql/assets/..%2FCargo.toml",
        "/graphiql/assets/",
    ] {
        let (status, _, _) = get(&router, path, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}
