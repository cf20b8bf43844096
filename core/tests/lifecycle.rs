//! Token lifecycle over recorded exchanges: renew instead of logging in again, stop renewing at
//! the max TTL, log in again when renewal is refused, learn a token-mode token's TTL, and
//! revoke what is dropped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use http::Method;
use vaultcred_core::{Reason, Registry, RegistryOptions, VaultConfig};
use vaultcred_fixtures::recorded::recorded;
use vaultcred_fixtures::{Harness, Replay, START_MS};

const ADDR: &str = "https://vault.example.com:8200";
const ORG: &str = "org_abc123";
const KIND: &str = "anthropic-api-key";
const KV_PATH: &str = "/v1/secret/data/org_abc123/anthropic-api-key";
const LOGIN: &str = "/v1/auth/approle/login";
const RENEW: &str = "/v1/auth/token/renew-self";
const LOOKUP: &str = "/v1/auth/token/lookup-self";
const H: u64 = 3_600_000;

fn fixture(name: &str) -> vaultcred_fixtures::Recorded {
    recorded(name).unwrap()
}

fn approle() -> Registry {
    let mut r = Registry::new();
    let config = VaultConfig::approle(ADDR, "secret", "role-id-1", "canary-secret-id").unwrap();
    r.register(ORG, config).unwrap();
    r
}

fn token() -> Registry {
    let mut r = Registry::new();
    let config = VaultConfig::token(ADDR, "secret", "hvs.CANARYtokenCANARYtoken01").unwrap();
    r.register(ORG, config).unwrap();
    r
}

fn paths(h: &Harness) -> Vec<String> {
    h.replay
        .sent()
        .iter()
        .map(|r| r.uri().path().to_owned())
        .collect()
}

fn reply(status: u16, body: &str) -> vaultcred_fixtures::Reply {
    Ok(http::Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap())
}

#[test]
fn a_renewal_capped_by_the_max_ttl_is_the_last_then_one_login() {
    let replay = Replay::new()
        .recorded(&fixture("approle_login_200"))
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
        // At 80 %: renewed, but only for 585 s (the token's max TTL is near).
        .recorded_at(&fixture("token_renew_self_capped_200"), RENEW)
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
        // At 80 % of the capped lease: not renewed again, a login.
        .recorded(&fixture("approle_login_200"))
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(approle(), replay);
    h.resolve(ORG, KIND).unwrap();
    h.advance(2_880_000);
    let capped = h.resolve(ORG, KIND).unwrap();
    assert_eq!(
        capped.refresh_at_ms(),
        START_MS + 10 + 2_880_000 + 468_000,
        "refreshAt follows the renewed (capped) lease: sent at +2_880_010, 0.8 × 585 s"
    );
    h.advance(468_000);
    h.resolve(ORG, KIND).unwrap();
    assert_eq!(paths(&h), [LOGIN, KV_PATH, RENEW, KV_PATH, LOGIN, KV_PATH]);
    assert!(h.replay.is_finished());
    insta::assert_snapshot!("capped_renewal", h.transcript());
}

#[test]
fn a_refused_renewal_means_a_login() {
    for (name, status, body) in [
        (
            "not renewable",
            400,
            r#"{"errors":["lease is not renewable"]}"#,
        ),
        ("revoked", 403, r#"{"errors":["permission denied"]}"#),
    ] {
        let replay = Replay::new()
            .recorded(&fixture("approle_login_200"))
            .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
            .then(Method::POST, RENEW, reply(status, body), name)
            .recorded(&fixture("approle_login_200"))
            .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
        let mut h = Harness::new(approle(), replay);
        h.resolve(ORG, KIND).unwrap();
        h.advance(2_880_000);
        h.resolve(ORG, KIND).unwrap();
        assert_eq!(paths(&h), [LOGIN, KV_PATH, RENEW, LOGIN, KV_PATH], "{name}");
    }
}

#[test]
fn a_renewal_that_fails_for_a_while_is_retried() {
    let replay = Replay::new()
        .recorded(&fixture("approle_login_200"))
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
        .then(
            Method::POST,
            RENEW,
            reply(500, r#"{"errors":["internal error"]}"#),
            "500",
        )
        .recorded_at(&fixture("token_renew_self_200"), RENEW)
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(approle(), replay);
    h.resolve(ORG, KIND).unwrap();
    h.advance(2_880_000);
    h.resolve(ORG, KIND).unwrap();
    assert_eq!(paths(&h), [LOGIN, KV_PATH, RENEW, RENEW, KV_PATH]);
}

#[test]
fn a_renewal_that_keeps_failing_gives_way_to_a_login() {
    // A server without renew-self (RustyVault answers 500 "Logical backend path not supported").
    let unsupported = r#"{"error":"Logical backend path not supported."}"#;
    let mut replay = Replay::new()
        .recorded(&fixture("approle_login_200"))
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    for _ in 0..3 {
        replay = replay.then(Method::POST, RENEW, reply(500, unsupported), "500");
    }
    let replay = replay
        .recorded(&fixture("approle_login_200"))
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(approle(), replay);
    h.resolve(ORG, KIND).unwrap();
    h.advance(2_880_000);
    h.resolve(ORG, KIND).unwrap();
    assert_eq!(
        paths(&h),
        [LOGIN, KV_PATH, RENEW, RENEW, RENEW, LOGIN, KV_PATH]
    );
}

#[test]
fn token_mode_learns_the_ttl_and_renews_a_renewable_token() {
    // lookup-self: ttl 3412 s, renewable (the recorded AppRole-issued service token).
    let replay = Replay::new()
        .fixture("token_lookup_self_200")
        .unwrap()
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
        .recorded_at(&fixture("token_renew_self_200"), RENEW)
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(token(), replay);
    let c = h.resolve(ORG, KIND).unwrap();
    // No later than 80 % of the token's remaining TTL (earlier than the spec's hour).
    assert_eq!(c.refresh_at_ms(), START_MS + 3412 * 800);
    h.advance(3412 * 800);
    let renewed = h.resolve(ORG, KIND).unwrap();
    assert_eq!(paths(&h), [LOOKUP, KV_PATH, RENEW, KV_PATH]);
    // Renewed for 3600 s (sent 10 ms before the read answered): 80 % of that is the bound.
    assert_eq!(
        renewed.refresh_at_ms(),
        renewed.resolved_at_ms() - 10 + 2_880_000
    );
    assert!(renewed.refresh_at_ms() < renewed.resolved_at_ms() + H);
}

#[test]
fn token_mode_without_lookup_permission_falls_back_to_the_hour_and_says_so_once() {
    let forbidden = r#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#;
    let replay = Replay::new()
        .then(Method::GET, LOOKUP, reply(403, forbidden), "403 acl")
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
        .recorded_at(
            &fixture("kv2_read_value_200"),
            "/v1/secret/data/org_abc123/other",
        );
    let mut h = Harness::new(token(), replay);
    let c = h.resolve(ORG, KIND).unwrap();
    assert_eq!(c.refresh_at_ms() - c.resolved_at_ms(), H);
    h.resolve(ORG, "other").unwrap();
    assert!(h.replay.is_finished(), "looked up once");
    let notices: Vec<_> = h.registry.drain_notices().collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].message.contains("TTL is unknown"), "{notices:?}");
    assert!(!notices[0].message.contains("CANARY"));
}

#[test]
fn token_mode_dead_token_is_auth_failed_for_resolve_and_health_alike() {
    let replay = Replay::new()
        .recorded_at(&fixture("permission_denied_403"), LOOKUP)
        .recorded_at(&fixture("invalid_token_403_v117"), LOOKUP);
    let mut h = Harness::new(token(), replay);
    assert_eq!(h.resolve(ORG, KIND).unwrap_err().reason, Reason::AuthFailed);
    let report = h.health(ORG);
    assert_eq!(report.error.unwrap().reason, Reason::AuthFailed);
}

#[test]
fn dropped_login_tokens_are_revoked_but_token_mode_tokens_never() {
    let replay = Replay::new()
        .recorded(&fixture("approle_login_200"))
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(approle(), replay);
    h.resolve(ORG, KIND).unwrap();
    let used = h.replay.sent()[1].headers()["x-vault-token"].clone();
    // Replacing the config revokes the old login's token.
    let config = VaultConfig::approle(ADDR, "secret", "role-id-2", "other-secret-id").unwrap();
    h.registry.register(ORG, config).unwrap();
    let revocations = h.registry.take_revocations();
    assert_eq!(revocations.len(), 1);
    assert_eq!(revocations[0].method(), Method::POST);
    assert_eq!(revocations[0].uri().path(), "/v1/auth/token/revoke-self");
    assert_eq!(revocations[0].headers()["x-vault-token"], used);
    assert!(revocations[0].headers()["x-vault-token"].is_sensitive());
    // The new config never logged in: nothing to revoke on unregister or shutdown.
    assert!(h.registry.unregister(ORG));
    h.registry.shutdown();
    assert!(h.registry.take_revocations().is_empty());
    // Token mode: the operator's token is never revoked.
    let mut t = Harness::new(
        token(),
        Replay::new()
            .fixture("token_lookup_self_root_200")
            .unwrap()
            .recorded_at(&fixture("kv2_read_value_200"), KV_PATH),
    );
    t.resolve(ORG, KIND).unwrap();
    t.registry.shutdown();
    assert!(t.registry.unregister(ORG));
    assert!(t.registry.take_revocations().is_empty());
}

#[test]
fn shutdown_revokes_every_login_token() {
    let replay = Replay::new()
        .recorded(&fixture("approle_login_200"))
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
        .recorded(&fixture("approle_login_200"))
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(approle(), replay);
    h.resolve(ORG, KIND).unwrap();
    h.registry.shutdown();
    assert_eq!(h.registry.take_revocations().len(), 1);
    // The org stays registered: after the credential's refresh time the next resolve logs in
    // again.
    h.advance(2_880_000);
    h.resolve(ORG, KIND).unwrap();
    assert!(h.replay.is_finished());
}

const LOOKUP_WRAP: &str = "/v1/sys/wrapping/lookup";
const UNWRAP: &str = "/v1/sys/wrapping/unwrap";
const WRAPPING: &str = "hvs.CAESIB6yq5nF1n9yWz3b1XjJ3o2s0kL4m8u7QvRt2pAcD9eFGh4KHGh2cy5";

fn wrapped(auth_mount: Option<&str>) -> Registry {
    let mut r = Registry::new();
    let mut config = VaultConfig::approle_wrapped(ADDR, "secret", "role-id-1", WRAPPING).unwrap();
    if let Some(m) = auth_mount {
        config = config.with_auth_mount(m).unwrap();
    }
    r.register(ORG, config).unwrap();
    r
}

fn created_at(path: &str) -> vaultcred_fixtures::Reply {
    reply(
        200,
        &format!(
            r#"{{"data":{{"creation_path":"{path}","creation_time":"2026-11-29T06:00:00Z","creation_ttl":120}}}}"#
        ),
    )
}

#[test]
fn a_wrapped_secret_id_is_looked_up_unwrapped_once_and_logged_in_with() {
    let replay = Replay::new()
        .then(
            Method::POST,
            LOOKUP_WRAP,
            created_at("auth/approle/role/my-app/secret-id"),
            "lookup",
        )
        .recorded(&fixture("unwrap_secret_id_200"))
        .recorded(&fixture("approle_login_200"))
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
        // Much later: a new login (not renewable here) reuses the unwrapped secretId.
        .recorded(&fixture("approle_login_200"))
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(wrapped(None), replay);
    h.resolve(ORG, KIND).unwrap();
    let sent = h.replay.sent();
    assert_eq!(paths(&h)[..4], [LOOKUP_WRAP, UNWRAP, LOGIN, KV_PATH]);
    // The lookup carries the wrapping token in its body only; the unwrap as the client token only.
    assert!(sent[0].headers().get("x-vault-token").is_none());
    assert_eq!(sent[1].headers()["x-vault-token"], WRAPPING);
    assert!(sent[1].body().is_empty());
    let login: serde_json::Value = serde_json::from_slice(sent[2].body()).unwrap();
    assert_eq!(login["secret_id"], "841771dc-11c9-bbc7-bcac-6a3945a69cd9");
    // Re-registering the same config keeps the unwrapped secretId (the token is used up).
    h.registry
        .register(
            ORG,
            VaultConfig::approle_wrapped(ADDR, "secret", "role-id-1", WRAPPING).unwrap(),
        )
        .unwrap();
    h.resolve(ORG, KIND).unwrap();
    assert_eq!(paths(&h)[4..], [LOGIN, KV_PATH]);
    insta::assert_snapshot!("wrapped_secret_id", h.transcript());
}

#[test]
fn a_wrapping_token_made_for_something_else_is_refused_and_not_unwrapped() {
    for path in [
        "sys/wrapping/wrap",
        "auth/approle/role/my-app/role-id",
        "auth/other/role/x/secret-id",
    ] {
        let replay = Replay::new().then(Method::POST, LOOKUP_WRAP, created_at(path), "lookup");
        let mut h = Harness::new(wrapped(None), replay);
        let e = h.resolve(ORG, KIND).unwrap_err();
        assert_eq!(e.reason, Reason::AuthFailed, "{path}");
        assert!(e.message.contains("tampered"), "{}", e.message);
        assert_eq!(paths(&h), [LOOKUP_WRAP], "no unwrap for {path}");
    }
}

#[test]
fn a_used_up_wrapping_token_says_what_to_do_and_an_unwrap_is_never_retried() {
    let invalid = fixture("unwrap_invalid_400");
    let replay = Replay::new().recorded_at(&invalid, LOOKUP_WRAP);
    let mut h = Harness::new(wrapped(None), replay);
    let e = h.resolve(ORG, KIND).unwrap_err();
    assert_eq!(e.reason, Reason::AuthFailed);
    assert!(e.message.contains("deliver a new one"), "{}", e.message);
    assert!(e.message.contains("someone else"), "{}", e.message);
    // An unwrap that fails in transit is not retried, even with retries left.
    let replay = Replay::new()
        .then(
            Method::POST,
            LOOKUP_WRAP,
            created_at("auth/approle/role/my-app/secret-id"),
            "lookup",
        )
        .then(
            Method::POST,
            UNWRAP,
            reply(502, r#"{"errors":["bad gateway"]}"#),
            "502",
        );
    let mut h = Harness::new(wrapped(None), replay);
    let e = h.resolve(ORG, KIND).unwrap_err();
    assert!(e.message.contains("not retried"), "{}", e.message);
    assert_eq!(paths(&h), [LOOKUP_WRAP, UNWRAP]);
    assert!(!format!("{e:?}").contains(WRAPPING));
}

#[test]
fn a_custom_auth_mount_is_where_logins_and_creation_paths_are() {
    let replay = Replay::new()
        .then(
            Method::POST,
            LOOKUP_WRAP,
            created_at("auth/approle-eu/role/my-app/secret-id"),
            "lookup",
        )
        .recorded(&fixture("unwrap_secret_id_200"))
        .recorded_at(&fixture("approle_login_200"), "/v1/auth/approle-eu/login")
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(wrapped(Some("approle-eu")), replay);
    h.resolve(ORG, KIND).unwrap();
    assert!(h.replay.is_finished());
    let mut k = Registry::with_options(RegistryOptions::default().allow_jwt_path("/jwt"));
    let config = VaultConfig::kubernetes(ADDR, "secret", "r", Some("/jwt"))
        .unwrap()
        .with_auth_mount("kubernetes/cluster-2")
        .unwrap();
    k.register(ORG, config).unwrap();
    let replay = Replay::new()
        .recorded_at(
            &fixture("kubernetes_login_200"),
            "/v1/auth/kubernetes/cluster-2/login",
        )
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(k, replay);
    h.files.insert(
        std::path::PathBuf::from("/jwt"),
        Ok(b"eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln".to_vec()),
    );
    h.resolve(ORG, KIND).unwrap();
    assert!(h.replay.is_finished());
}
