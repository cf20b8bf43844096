//! The Settings page (Settings → Security → Credential Backend): one HTML page, its three script
//! modules (state and wiring, the mirrored checks, the views of answers), its style sheet and its
//! icon, embedded in the binary and served with a strict
//! Content-Security-Policy. The page talks only to this service's API, with the admin key the
//! user pastes in.

use axum::Router;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// Where the Settings page is served; `/` redirects here.
pub const SETTINGS_PAGE: &str = "/settings/security/credential-backend";

/// The Content-Security-Policy of every page answer: nothing but this origin's own files, no
/// inline script or style, no form submission by the browser (the script sends every request),
/// no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// One embedded file.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: [Asset; 6] = [
    Asset {
        path: SETTINGS_PAGE,
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../assets/settings.html"),
    },
    Asset {
        path: "/settings/assets/settings.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/settings.js"),
    },
    Asset {
        path: "/settings/assets/checks.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/checks.js"),
    },
    Asset {
        path: "/settings/assets/render.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/render.js"),
    },
    Asset {
        path: "/settings/assets/settings.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../assets/settings.css"),
    },
    Asset {
        path: "/settings/assets/favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../assets/favicon.svg"),
    },
];

/// Each asset's strong ETag (a SHA-256 prefix of its bytes), in the order of [`ASSETS`].
static ETAGS: LazyLock<Vec<HeaderValue>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| {
            let digest = Sha256::digest(asset.body);
            let hex = crate::hex(&digest[..12]);
            HeaderValue::from_str(&format!("\"{hex}\""))
                .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
        })
        .collect()
});

/// The page's routes (no state needed): the page, its assets, and `/` → the page.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let mut router = Router::new().route("/", get(|| async { Redirect::to(SETTINGS_PAGE) }));
    for (index, asset) in ASSETS.iter().enumerate() {
        router = router.route(
            asset.path,
            get(move |headers: HeaderMap| async move { answer(index, &headers) }),
        );
    }
    router
}

/// The headers every page answer carries.
fn hardened(response: &mut Response) {
    let headers = response.headers_mut();
    let fixed: [(HeaderName, &'static str); 6] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        // Revalidated on every use (a 304 is cheap): a new binary's page is never mixed with
        // an old cached script.
        (header::CACHE_CONTROL, "no-cache"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

fn answer(index: usize, request: &HeaderMap) -> Response {
    let asset = &ASSETS[index];
    let etag = ETAGS.get(index).cloned();
    let fresh = etag.as_ref().is_some_and(|tag| {
        request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim().as_bytes() == tag.as_bytes()))
    });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            )],
            asset.body,
        )
            .into_response()
    };
    if let Some(tag) = etag {
        response.headers_mut().insert(header::ETAG, tag);
    }
    hardened(&mut response);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(asset: &Asset) -> &'static str {
        std::str::from_utf8(asset.body).unwrap_or("")
    }

    fn scripts() -> impl Iterator<Item = &'static Asset> {
        ASSETS
            .iter()
            .filter(|a| a.content_type.starts_with("text/javascript"))
    }

    #[test]
    fn the_page_has_no_inline_script_or_style_and_loads_only_its_own_files() {
        let html = text(&ASSETS[0]);
        assert_eq!(ASSETS[0].path, SETTINGS_PAGE);
        let tag = "<script type=\"module\" src=\"/settings/assets/settings.js\"></script>";
        assert!(html.contains(tag));
        assert_eq!(html.matches("<script").count(), 1, "one script, a file");
        for inline in [
            "<style",
            " style=",
            "onclick=",
            "onload=",
            "onsubmit=",
            "javascript:",
        ] {
            assert!(!html.contains(inline), "{inline} in settings.html");
        }
        for asset in &ASSETS {
            for line in text(asset).lines() {
                for outside in ["http://", "https://", "//cdn"] {
                    // The only absolute URLs: examples shown to the user, the SVG namespace.
                    assert!(
                        !line.contains(outside)
                            || line.contains("example")
                            || line.contains("w3.org"),
                        "{}: {line}",
                        asset.path
                    );
                }
            }
        }
    }

    #[test]
    fn the_scripts_never_write_html_from_strings_or_keep_the_key_past_the_tab() {
        assert_eq!(scripts().count(), 3);
        for script in scripts() {
            let js = text(script);
            for sink in [
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "eval(",
                "localStorage",
            ] {
                assert!(!js.contains(sink), "{sink} in {}", script.path);
            }
        }
        let main = text(&ASSETS[1]);
        assert!(main.contains("sessionStorage.setItem"));
    }

    #[test]
    fn every_asset_has_an_etag() {
        assert_eq!(ETAGS.len(), ASSETS.len());
        assert!(ETAGS.iter().all(|t| t.len() == 26));
    }
}
