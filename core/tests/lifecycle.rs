//! Token lifecycle over recorded exchanges: renew instead of logging in again, stop renewing at
//! the max TTL, log in again when renewal is refused, learn a token-mode token's TTL, and
//! revoke what is dropped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use http::Method;
use vaultcred_core::{Reason, Registry, VaultConfig};
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
fn a_renewal_that_fails_for_a_while_is_retried_then_reported() {
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
