//! The hostile-response corpus: what a misbehaving Vault, proxy or network may send, one test
//! each. Every case must end in a typed outcome — never a panic, never an overflow in the
//! refresh arithmetic, never a secret in the message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use http::{Method, Response, StatusCode};
use std::path::PathBuf;
use vaultcred_core::{
    Credential, CredentialNotFound, Reason, Registry, RegistryOptions, RetryPolicy, SecretValue,
    VaultConfig,
};
use vaultcred_fixtures::{Harness, Replay};

const ADDR: &str = "https://vault.example.com:8200";
const ORG: &str = "org_a";
const KIND: &str = "k";
const KV: &str = "/v1/secret/data/org_a/k";
const LOGIN: &str = "/v1/auth/approle/login";
const K8S: &str = "/v1/auth/kubernetes/login";
const TOKEN: &str = "hvs.CANARYcanaryCANARYcanary";
const SECRET_ID: &str = "canary-secret-id-7f3a";
const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJjYW5hcnkiOiJqd3QifQ.Y2FuYXJ5LXNpZw";
const CANARIES: [&str; 4] = [TOKEN, SECRET_ID, JWT, "CANARYcanary"];

enum Mode {
    Token,
    AppRole,
    Kubernetes,
}

fn response(status: u16, body: impl Into<Vec<u8>>) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

/// Resolves once with the given replies (a login reply first in login modes), without retries,
/// and checks that no canary reached the error.
fn run(
    mode: Mode,
    replies: Vec<(Method, &str, Response<Vec<u8>>)>,
) -> Result<std::sync::Arc<Credential>, CredentialNotFound> {
    let options = RegistryOptions {
        retry: RetryPolicy::none(),
        ..RegistryOptions::default()
    }
    .allow_jwt_path("/jwt");
    let mut registry = Registry::with_options(options);
    let config = match mode {
        Mode::Token => VaultConfig::token(ADDR, "secret", TOKEN),
        Mode::AppRole => VaultConfig::approle(ADDR, "secret", "role", SECRET_ID),
        Mode::Kubernetes => VaultConfig::kubernetes(ADDR, "secret", "role", Some("/jwt")),
    }
    .unwrap();
    registry.register(ORG, config).unwrap();
    let mut replay = Replay::new();
    if matches!(mode, Mode::Token) {
        // Token mode first learns the token's lifetime (here: a non-expiring token).
        let lookup = r#"{"data":{"ttl":0,"renewable":false}}"#;
        let lookup = response(200, lookup);
        replay.push(
            Method::GET,
            "/v1/auth/token/lookup-self",
            Ok(lookup),
            "lookup",
        );
    }
    for (method, path, r) in replies {
        replay.push(method, path, Ok(r), "hostile");
    }
    let mut h = Harness::new(registry, replay);
    h.files
        .insert(PathBuf::from("/jwt"), Ok(JWT.as_bytes().to_vec()));
    let result = h.resolve(ORG, KIND);
    assert!(
        h.replay.mismatches().is_empty(),
        "{:?}",
        h.replay.mismatches()
    );
    if let Err(e) = &result {
        let text = format!("{e} {e:?}");
        for canary in CANARIES {
            assert!(!text.contains(canary), "canary {canary} leaked: {text}");
        }
        assert!(
            e.message.chars().count() < 1200,
            "message not capped: {} chars",
            e.message.len()
        );
    }
    result
}

fn read(
    status: u16,
    body: impl Into<Vec<u8>>,
) -> Result<std::sync::Arc<Credential>, CredentialNotFound> {
    run(Mode::Token, vec![(Method::GET, KV, response(status, body))])
}

fn login(body: &str) -> Result<std::sync::Arc<Credential>, CredentialNotFound> {
    run(
        Mode::AppRole,
        vec![
            (Method::POST, LOGIN, response(200, body)),
            (Method::GET, KV, response(200, OK_BODY)),
        ],
    )
}

fn reason(r: Result<std::sync::Arc<Credential>, CredentialNotFound>) -> Reason {
    r.expect_err("expected a failure").reason
}

const OK_BODY: &str = r#"{"request_id":"r","lease_id":"","renewable":false,"lease_duration":0,"data":{"data":{"value":"v"},"metadata":{"version":1}},"wrap_info":null,"warnings":null,"auth":null}"#;

fn with_lease(lease: &str) -> String {
    OK_BODY.replace(
        "\"lease_duration\":0",
        &format!("\"lease_duration\":{lease}"),
    )
}

fn with_data(data: &str) -> String {
    OK_BODY.replace(r#"{"value":"v"}"#, data)
}

fn login_body(auth: &str) -> String {
    format!(
        r#"{{"request_id":"r","lease_id":"","renewable":false,"lease_duration":0,"data":null,"wrap_info":null,"warnings":null,"auth":{auth}}}"#
    )
}

macro_rules! hostile {
    ($($name:ident => $body:expr;)*) => { $( #[test] fn $name() { $body } )* };
}

hostile! {
    truncated_json => assert_eq!(reason(read(200, &OK_BODY[..40])), Reason::InvalidResponse);
    truncated_inside_a_string => assert_eq!(reason(read(200, &OK_BODY[..OK_BODY.find("\"v\"").unwrap() + 2])), Reason::InvalidResponse);
    html_page_on_200 => assert_eq!(reason(read(200, "<!DOCTYPE html><html><body>Login required</body></html>")), Reason::InvalidResponse);
    html_page_on_502 => {
        let e = read(502, "<html><head><title>502 Bad Gateway</title></head></html>").unwrap_err();
        assert_eq!(e.reason, Reason::ServerError);
        assert!(e.message.contains("HTML page"), "{}", e.message);
    };
    non_utf8_on_200 => assert_eq!(reason(read(200, vec![0xff, 0xfe, 0x7b, 0x80, 0x00])), Reason::InvalidResponse);
    non_utf8_on_500 => {
        let e = read(500, vec![0xc3, 0x28, 0xa0, 0xa1]).unwrap_err();
        assert_eq!(e.reason, Reason::ServerError);
        assert!(e.message.contains("not UTF-8"), "{}", e.message);
    };
    non_utf8_on_404_is_missing => assert_eq!(reason(read(404, vec![0xff; 8])), Reason::Missing);
    body_over_the_cap => assert_eq!(reason(read(200, vec![b' '; 1024 * 1024 + 1])), Reason::InvalidResponse);
    nested_ten_thousand_deep => {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let e = read(200, with_data(&format!(r#"{{"value":{deep}}}"#))).unwrap_err();
        assert_eq!(e.reason, Reason::InvalidResponse);
        assert!(e.message.contains("nested too deeply"), "{}", e.message);
    };
    nested_ten_thousand_deep_error_body => assert_eq!(reason(read(500, "[".repeat(10_000))), Reason::ServerError);
    lease_negative => assert_eq!(reason(read(200, with_lease("-1"))), Reason::InvalidResponse);
    lease_fractional => assert_eq!(reason(read(200, with_lease("1.5"))), Reason::InvalidResponse);
    lease_string => assert_eq!(reason(read(200, with_lease("\"600\""))), Reason::InvalidResponse);
    lease_1e309 => assert_eq!(reason(read(200, with_lease("1e309"))), Reason::InvalidResponse);
    lease_u64_max_saturates => {
        let c = read(200, with_lease(&u64::MAX.to_string())).unwrap();
        // Token mode: the hour wins over an absurd lease; nothing overflowed.
        assert_eq!(c.refresh_at_ms() - c.resolved_at_ms(), 3_600_000);
    };
    lease_above_u64 => assert_eq!(reason(read(200, with_lease("18446744073709551616"))), Reason::InvalidResponse);
    data_data_array => assert_eq!(reason(read(200, with_data("[\"v\"]"))), Reason::InvalidResponse);
    data_data_string => assert_eq!(reason(read(200, with_data("\"v\""))), Reason::InvalidResponse);
    data_data_number => assert_eq!(reason(read(200, with_data("7"))), Reason::InvalidResponse);
    data_data_null => assert_eq!(reason(read(200, with_data("null"))), Reason::Missing);
    data_not_an_object => assert_eq!(reason(read(200, r#"{"data":"x"}"#)), Reason::InvalidResponse);
    duplicate_keys_last_wins => {
        let c = read(200, with_data(r#"{"value":"first","value":"second"}"#)).unwrap();
        let SecretValue::Value(v) = c.value() else { panic!() };
        assert_eq!(v.expose(), "second");
    };
    metadata_version_negative => assert_eq!(reason(read(200, OK_BODY.replace("\"version\":1", "\"version\":-1"))), Reason::InvalidResponse);
    metadata_version_string => assert_eq!(reason(read(200, OK_BODY.replace("\"version\":1", "\"version\":\"1\""))), Reason::InvalidResponse);
    errors_on_200 => {
        let e = read(200, format!(r#"{{"errors":["token {TOKEN} is invalid"]}}"#)).unwrap_err();
        assert_eq!(e.reason, Reason::InvalidResponse);
    };
    empty_errors_on_200 => assert_eq!(reason(read(200, r#"{"errors":[]}"#)), Reason::InvalidResponse);
    no_content_on_read => assert_eq!(reason(read(204, "")), Reason::Missing);
    empty_body_on_200 => assert_eq!(reason(read(200, "")), Reason::Missing);
    json_null_body => assert_eq!(reason(read(200, "null")), Reason::InvalidResponse);
    json_array_body => assert_eq!(reason(read(200, "[]")), Reason::InvalidResponse);
    json_string_body => assert_eq!(reason(read(200, "\"data\"")), Reason::InvalidResponse);
    byte_order_mark => assert_eq!(reason(read(200, format!("\u{feff}{OK_BODY}"))), Reason::InvalidResponse);
    wrong_content_type_still_parsed => {
        let mut r = response(200, OK_BODY);
        r.headers_mut().insert("content-type", "text/plain".parse().unwrap());
        assert!(run(Mode::Token, vec![(Method::GET, KV, r)]).is_ok());
    };
    huge_warnings_array => {
        let warnings = vec!["\"w\""; 100_000].join(",");
        let body = OK_BODY.replace("\"warnings\":null", &format!("\"warnings\":[{warnings}]"));
        assert!(body.len() < 1024 * 1024);
        assert!(read(200, body).is_ok());
    };
    unexpected_status_418 => assert_eq!(reason(read(418, "{}")), Reason::ServerError);
    redirect_301 => assert_eq!(reason(read(301, "")), Reason::ServerError);
    token_echoed_in_403 => {
        let e = read(403, format!(r#"{{"errors":["permission denied for token {TOKEN}"]}}"#)).unwrap_err();
        assert_eq!(e.reason, Reason::PermissionDenied);
        assert!(e.message.contains("[redacted]"), "{}", e.message);
    };
    token_header_echoed_in_html_500 => {
        let e = read(500, format!("X-Vault-Token: {TOKEN}\nHost: vault")).unwrap_err();
        assert!(e.message.contains("[redacted]"), "{}", e.message);
    };
    token_like_string_of_another_token => {
        let e = read(400, r#"{"errors":["bad token hvs.SOMEOTHERtokenSOMEOTHERtok"]}"#).unwrap_err();
        assert!(!e.message.contains("SOMEOTHER"), "{}", e.message);
    };
    error_text_one_megabyte => {
        let long = "x".repeat(1_000_000);
        let e = read(500, format!(r#"{{"errors":["{long}"]}}"#)).unwrap_err();
        assert!(e.message.len() < 1200);
    };
    ansi_escapes_neutralised => {
        let e = read(500, "{\"errors\":[\"\\u001b[31mred\\u001b[0m\\r\\u0007\"]}").unwrap_err();
        assert!(!e.message.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{:?}", e.message);
    };
    thousand_multierrors => {
        let items: String = (0..1000).map(|i| format!("\\t* error {i}\\n")).collect();
        let e = read(500, format!(r#"{{"errors":["1000 errors occurred:\n{items}\n"]}}"#)).unwrap_err();
        assert!(e.message.contains("error 0; error 1"), "{}", e.message);
    };
    errors_array_of_objects => assert_eq!(reason(read(503, r#"{"errors":[{"code":1},null,7]}"#)), Reason::ServerError);
    login_without_auth_block => assert_eq!(reason(login(r#"{"request_id":"r","data":null}"#)), Reason::InvalidResponse);
    login_auth_null => assert_eq!(reason(login(&login_body("null"))), Reason::InvalidResponse);
    login_empty_client_token => assert_eq!(reason(login(&login_body(r#"{"client_token":"","lease_duration":60}"#))), Reason::InvalidResponse);
    login_client_token_number => assert_eq!(reason(login(&login_body(r#"{"client_token":7}"#))), Reason::InvalidResponse);
    login_client_token_header_injection => assert_eq!(reason(login(&login_body("{\"client_token\":\"hvs.a\\r\\nX-Evil: 1\"}"))), Reason::InvalidResponse);
    login_lease_negative => assert_eq!(reason(login(&login_body(r#"{"client_token":"hvs.a","lease_duration":-5}"#))), Reason::InvalidResponse);
    login_lease_u64_max_is_capped => {
        let c = login(&login_body(&format!(r#"{{"client_token":"hvs.a","lease_duration":{}}}"#, u64::MAX))).unwrap();
        // Capped at the documented 10 years: 0.8 × 10 years after the login was sent.
        let cap = vaultcred_core::refresh::MAX_LEASE_SECS * 800;
        assert_eq!(c.refresh_at_ms(), vaultcred_fixtures::START_MS + cap);
        // Far from year 9999 (253402300799999 ms), where formatting a date fails.
        assert!(c.refresh_at_ms() < 253_402_300_799_999);
    };
    login_lease_3e11_seconds_is_capped => {
        let c = login(&login_body(r#"{"client_token":"hvs.a","lease_duration":320000000000}"#)).unwrap();
        assert!(c.refresh_at_ms() < 253_402_300_799_999);
    };
    unauthenticated_401_is_auth_failed => {
        let e = read(401, r#"{"errors":["missing client token"]}"#).unwrap_err();
        assert_eq!(e.reason, Reason::AuthFailed, "{e}");
    };
    login_mfa_required => assert_eq!(reason(login(&login_body(r#"{"client_token":"","mfa_requirement":{"mfa_request_id":"x"}}"#))), Reason::AuthFailed);
    login_errors_on_200 => assert_eq!(reason(login(r#"{"errors":["denied"]}"#)), Reason::AuthFailed);
    secret_id_echoed_in_login_error => {
        let e = run(Mode::AppRole, vec![(Method::POST, LOGIN, response(400, format!(r#"{{"errors":["invalid secret_id {SECRET_ID}"]}}"#)))]).unwrap_err();
        assert_eq!(e.reason, Reason::AuthFailed);
    };
    jwt_echoed_in_kubernetes_error => {
        let e = run(Mode::Kubernetes, vec![(Method::POST, K8S, response(403, format!(r#"{{"errors":["jwt {JWT} rejected"]}}"#)))]).unwrap_err();
        assert_eq!(e.reason, Reason::AuthFailed);
    };
    login_html_on_200 => assert_eq!(reason(login("<html>sso</html>")), Reason::InvalidResponse);
    // Found while writing the fuzz harness: a redirect's Location with the token as userinfo.
    redirect_location_with_token_userinfo => {
        let mut r = response(307, "");
        r.headers_mut().insert("location", format!("https://{TOKEN}@evil.example:8443/v1/x").parse().unwrap());
        let e = run(Mode::Token, vec![(Method::GET, KV, r)]).unwrap_err();
        assert_eq!(e.reason, Reason::ServerError);
        assert!(e.message.contains("https://evil.example:8443"), "{}", e.message);
    };
    // Found while writing the fuzz harness: a secret straddling a length cut made before
    // scrubbing left its first half in the message.
    secret_straddling_the_length_cap => {
        for pad in [180, 190, 200, 500, 505, 510] {
            let e = read(500, format!("{}{TOKEN} and more", "x".repeat(pad))).unwrap_err();
            assert!(!e.message.contains(&TOKEN[..10]), "pad {pad}: {}", e.message);
        }
    };
}

#[test]
fn the_corpus_has_at_least_forty_cases() {
    let source = include_str!("hostile.rs");
    let start = source.find("hostile! {").unwrap();
    let cases = source[start..]
        .lines()
        .filter(|l| l.contains(" => "))
        .count();
    assert!(cases >= 40, "only {cases} cases");
}

#[test]
fn status_code_sweep_never_panics_and_always_has_a_reason() {
    for status in 100u16..=599 {
        let Ok(code) = StatusCode::from_u16(status) else {
            continue;
        };
        for body in [
            &b""[..],
            b"{}",
            b"{\"errors\":[\"x\"]}",
            b"\xff",
            OK_BODY.as_bytes(),
        ] {
            let r = read(code.as_u16(), body.to_vec());
            if let Err(e) = r {
                assert!(!e.message.is_empty());
            }
        }
    }
}

/// Issue 12 item 5: kind `a` resolves to a value; kind `b`'s server error echoes it — in plain
/// and encoded forms — and the value never reaches `b`'s error.
#[test]
fn a_resolved_value_echoed_by_another_kinds_error_is_scrubbed() {
    use base64::Engine as _;
    let value = "SECRETVALUE-1111";
    let b64 = base64::engine::general_purpose::STANDARD.encode(value);
    let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
    for echo in [
        value.to_owned(),
        b64,
        hex,
        value.to_lowercase(),
        "SECRET\nVALUE-1111".into(),
    ] {
        let options = RegistryOptions {
            retry: RetryPolicy::none(),
            ..RegistryOptions::default()
        };
        let mut registry = Registry::with_options(options);
        let config = VaultConfig::token(ADDR, "secret", TOKEN).unwrap();
        registry.register(ORG, config).unwrap();
        let lookup = response(200, r#"{"data":{"ttl":0}}"#);
        let a = response(
            200,
            format!(r#"{{"data":{{"data":{{"value":"{value}"}}}}}}"#),
        );
        let b = response(500, format!(r#"{{"errors":["cannot read b: {echo}"]}}"#));
        let replay = Replay::new()
            .then(
                Method::GET,
                "/v1/auth/token/lookup-self",
                Ok(lookup),
                "lookup",
            )
            .then(Method::GET, "/v1/secret/data/org_a/a", Ok(a), "a")
            .then(Method::GET, "/v1/secret/data/org_a/b", Ok(b), "b");
        let mut h = Harness::new(registry, replay);
        h.resolve(ORG, "a").unwrap();
        let e = h.resolve(ORG, "b").unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.to_lowercase().contains("secretvalue"),
            "{echo:?}: {shown}"
        );
        assert!(!shown.contains("5345435245"), "{echo:?}: {shown}");
        assert!(shown.contains("[redacted]"), "{echo:?}: {shown}");
    }
}
