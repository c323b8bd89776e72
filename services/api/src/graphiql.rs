//! `GET /graphiql` and `GET /graphiql/assets/{file}`: GraphiQL served from
//! the binary, never from a CDN, under a content-security policy that lets
//! the page run only this origin's scripts (security issue #17, finding 11:
//! people paste admin tokens on this page, and officers are often offline).
//!
//! The vendored files and where they come from: `assets/graphiql/README.md`.
//! Asset URLs carry a hash of their content (`react.production.min.<hash>.js`),
//! so they are cached for a year as `immutable` and an update is a new URL.

use std::sync::LazyLock;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The policy of `/graphiql`. Each source is there because GraphiQL needs it:
///
/// - `script-src 'self'`: React, ReactDOM, GraphiQL and `graphiql-init.js`,
///   all from `/graphiql/assets/`; no inline script, no `eval`.
/// - `style-src 'self' 'unsafe-inline'`: `graphiql.min.css` and our page's
///   style are files, but GraphiQL's components (Radix UI, CodeMirror) add
///   `<style>` elements and `style` attributes at run time. Styles cannot run
///   code.
/// - `img-src 'self' data:`, `font-src 'self' data:`: `graphiql.min.css`
///   embeds its fonts and images as `data:` URLs.
/// - `connect-src 'self'`: `fetch('/graphql')`, and the subscriptions'
///   websocket, whose URL `graphiql-init.js` builds from the page's own host
///   (`ws[s]://<host>/graphql/ws`): CSP Level 3 lets `'self'` match the
///   same host over `ws:`/`wss:` (Chromium and Firefox do; a browser that
///   does not refuses only subscriptions, never queries).
/// - `base-uri`, `form-action`, `frame-ancestors` `'none'`: no `<base>`, no
///   form posts, and the page cannot be framed (clickjacking).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// A file as it is compiled in.
enum Stored {
    Plain(&'static [u8]),
    /// `gzip -9 -n` of the file (a file over 1 MiB; see the README).
    Gzip(&'static [u8]),
}

/// Name (as the page's template spells it), media type, bytes.
const FILES: &[(&str, &str, Stored)] = &[
    (
        "react.production.min.js",
        JAVASCRIPT,
        Stored::Plain(include_bytes!("../assets/graphiql/react.production.min.js")),
    ),
    (
        "react-dom.production.min.js",
        JAVASCRIPT,
        Stored::Plain(include_bytes!(
            "../assets/graphiql/react-dom.production.min.js"
        )),
    ),
    (
        "graphiql.min.js",
        JAVASCRIPT,
        Stored::Gzip(include_bytes!("../assets/graphiql/graphiql.min.js.gz")),
    ),
    (
        "graphiql.min.css",
        CSS,
        Stored::Plain(include_bytes!("../assets/graphiql/graphiql.min.css")),
    ),
    (
        "graphiql-init.js",
        JAVASCRIPT,
        Stored::Plain(include_bytes!("graphiql-init.js")),
    ),
    (
        "graphiql-page.css",
        CSS,
        Stored::Plain(include_bytes!("graphiql-page.css")),
    ),
];

/// A served asset.
struct Asset {
    /// The template's name, e.g. `graphiql.min.js`.
    name: &'static str,
    /// The URL's last segment, e.g. `graphiql.min.0123456789abcdef.js`.
    served_as: String,
    content_type: &'static str,
    identity: Bytes,
    gzip: Option<Bytes>,
    /// Of the identity bytes; `-gzip` appended for the gzip encoding.
    hash: String,
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(name, content_type, stored)| {
            let (identity, gzip) = match stored {
                Stored::Plain(bytes) => (Bytes::from_static(bytes), None),
                Stored::Gzip(bytes) => {
                    let mut plain = Vec::new();
                    std::io::Read::read_to_end(
                        &mut flate2::read::GzDecoder::new(&bytes[..]),
                        &mut plain,
                    )
                    .expect("a vendored GraphiQL asset is valid gzip");
                    (Bytes::from(plain), Some(Bytes::from_static(bytes)))
                }
            };
            let hash = hex::encode(&Sha256::digest(&identity)[..8]);
            let served_as = match name.rsplit_once('.') {
                Some((stem, extension)) => format!("{stem}.{hash}.{extension}"),
                None => format!("{name}.{hash}"),
            };
            Asset {
                name,
                served_as,
                content_type,
                identity,
                gzip,
                hash,
            }
        })
        .collect()
});

/// The page, `{{name}}` in the template replaced by the asset's URL.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    let mut page = include_str!("graphiql.html").to_owned();
    for asset in ASSETS.iter() {
        page = page.replace(
            &format!("{{{{{}}}}}", asset.name),
            &format!("/graphiql/assets/{}", asset.served_as),
        );
    }
    assert!(
        !page.contains("{{"),
        "graphiql.html names an asset that is not compiled in"
    );
    page
});

/// `GET /graphiql`.
pub async fn page() -> Response {
    let mut response = PAGE.as_str().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // The page names hashed assets: asked again after an update.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `GET /graphiql/assets/{file}`: 404 for anything not compiled in.
pub async fn asset(Path(file): Path<String>, request: HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.served_as == file) else {
        let mut response = (StatusCode::NOT_FOUND, "no such GraphiQL asset\n").into_response();
        response.headers_mut().insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        return response;
    };
    let gzip = asset
        .gzip
        .as_ref()
        .filter(|_| accepts_gzip(&request))
        .cloned();
    let etag = match gzip {
        Some(_) => format!("\"{}-gzip\"", asset.hash),
        None => format!("\"{}\"", asset.hash),
    };
    let fresh = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*");
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let encoded = gzip.is_some();
        let mut response = gzip
            .unwrap_or_else(|| asset.identity.clone())
            .into_response();
        if encoded {
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        response
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    if asset.gzip.is_some() {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Whether `Accept-Encoding` takes gzip (`gzip` or `*`, with a q above 0).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn gzip_is_sent_only_when_accepted() {
        assert!(accepts_gzip(&accept("gzip, deflate, br, zstd")));
        assert!(accepts_gzip(&accept("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&accept("*")));
        assert!(!accepts_gzip(&accept("gzip;q=0")));
        assert!(!accepts_gzip(&accept("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn the_page_names_every_asset_by_its_hash() {
        for asset in ASSETS.iter() {
            assert!(PAGE.contains(&format!("/graphiql/assets/{}", asset.served_as)));
        }
    }
}
