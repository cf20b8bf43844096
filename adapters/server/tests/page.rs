//! The Settings page as the service serves it (its headers, redirect and caching) and the one
//! endpoint made for it, `GET /api/org/credential-backend/options`: a real service on a SQLite
//! file, real HTTP. What the page does in a browser is tested in `adapters/server/e2e/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Running;
use http::{Method, StatusCode};
use serde_json::json;
use vaultcred_server::{CONTENT_SECURITY_POLICY, SETTINGS_PAGE, Scope, Settings};

const OPTIONS: &str = "/api/org/credential-backend/options";
const DEFAULT_JWT: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_tell_the_form_what_the_operator_allows_and_need_an_admin_key() {
    let service = Running::start().await;
    let admin = service.key("org_a", Scope::Admin).await;
    let dispatch = service.key("org_a", Scope::Dispatch).await;

    let answer = service.get(OPTIONS, &admin).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(
        answer.json,
        json!({
            "orgId": "org_a",
            "allowedJwtPaths": [DEFAULT_JWT],
            "defaultJwtPath": DEFAULT_JWT,
            "defaultPathTemplate": vaultcred_core::path::PathTemplate::DEFAULT,
            "secretFields": ["token", "secretId", "wrappedSecretId"],
        })
    );
    assert_eq!(answer.headers["cache-control"], "no-store");

    assert_eq!(
        service.get(OPTIONS, &dispatch).await.status,
        StatusCode::FORBIDDEN
    );
    let none = service.call(Method::GET, OPTIONS, None, &[], "").await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.json["error"]["reason"], "unauthorized");

    // An operator who allows another JWT path: the page then shows the jwtPath field.
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::default().allow_jwt_path("/var/run/secrets/vault/");
    let opened = Running::start_with(dir, settings).await;
    let admin = opened.key("org_b", Scope::Admin).await;
    let answer = opened.get(OPTIONS, &admin).await;
    assert_eq!(answer.json["orgId"], "org_b");
    assert_eq!(
        answer.json["allowedJwtPaths"],
        json!([DEFAULT_JWT, "/var/run/secrets/vault/"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_is_served_embedded_with_a_strict_policy_and_root_redirects_to_it() {
    let service = Running::start().await;

    let root = service.call(Method::GET, "/", None, &[], "").await;
    assert!(root.status.is_redirection(), "{}", root.status);
    assert_eq!(root.headers["location"], SETTINGS_PAGE);

    let page = service
        .call(Method::GET, SETTINGS_PAGE, None, &[], "")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert_eq!(csp, CONTENT_SECURITY_POLICY);
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    assert_eq!(page.headers["x-frame-options"], "DENY");
    for name in [
        "apiKey",
        "addr",
        "namespace",
        "mount",
        "authMode",
        "pathTemplate",
    ] {
        assert!(
            page.text.contains(&format!("name=\"{name}\"")),
            "{name} in the page"
        );
    }
    assert!(page.text.contains("role=\"status\""));

    // Every file the page loads is served from the binary, and revalidates with its ETag.
    for (path, kind) in [
        (
            "/settings/assets/settings.js",
            "text/javascript; charset=utf-8",
        ),
        (
            "/settings/assets/checks.js",
            "text/javascript; charset=utf-8",
        ),
        ("/settings/assets/settings.css", "text/css; charset=utf-8"),
        ("/settings/assets/favicon.svg", "image/svg+xml"),
    ] {
        assert!(
            page.text.contains(path) || path.ends_with("checks.js"),
            "{path}"
        );
        let asset = service.call(Method::GET, path, None, &[], "").await;
        assert_eq!(asset.status, StatusCode::OK, "{path}");
        assert_eq!(asset.headers["content-type"], kind, "{path}");
        assert_eq!(asset.headers["cache-control"], "no-cache", "{path}");
        assert_eq!(
            asset.headers["content-security-policy"],
            CONTENT_SECURITY_POLICY
        );
        let tag = asset.headers["etag"].to_str().unwrap().to_owned();
        let again = service
            .call(Method::GET, path, None, &[("if-none-match", &tag)], "")
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.text.is_empty());
    }
    let js = service
        .call(Method::GET, "/settings/assets/settings.js", None, &[], "")
        .await;
    assert!(js.text.contains("from './checks.js'"));
    assert!(js.text.contains("from './render.js'"));

    let missing = service
        .call(Method::GET, "/settings/assets/nope.js", None, &[], "")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // The page is the only thing served without a key; the API still wants one.
    let api = service
        .call(Method::GET, "/api/org/credential-backend", None, &[], "")
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
}
