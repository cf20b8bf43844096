//! Transcript tests: the core driven over recorded Vault exchanges with a simulated clock. Each
//! test snapshots the whole sequence of requests, responses and results (tokens redacted) and
//! also asserts the facts that matter, so a behaviour change fails twice: once in the snapshot
//! and once in a plain assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use http::{Method, StatusCode};
use std::path::PathBuf;
use vaultcred_core::{
    Reason, Registry, RegistryOptions, RetryPolicy, SecretValue, TransportError,
    TransportErrorKind, VaultConfig,
};
use vaultcred_fixtures::recorded::recorded;
use vaultcred_fixtures::{Harness, Interleave, Polled, Replay, START_MS};

const ADDR: &str = "https://vault.example.com:8200";
const ORG: &str = "org_abc123";
const KIND: &str = "anthropic-api-key";
const KV_PATH: &str = "/v1/secret/data/org_abc123/anthropic-api-key";
const JIRA_PATH: &str = "/v1/secret/data/org_abc123/jira-credentials";
const LOGIN: &str = "/v1/auth/approle/login";
const K8S_LOGIN: &str = "/v1/auth/kubernetes/login";
const H: u64 = 3_600_000;

/// Token mode first asks `lookup-self` (here the recorded root token: it never expires, so no
/// renewal and the spec's hourly refresh).
fn looked_up(replay: Replay) -> Replay {
    replay.preceded_by("token_lookup_self_root_200").unwrap()
}

fn token_registry() -> Registry {
    let mut r = Registry::new();
    r.register(
        ORG,
        VaultConfig::token(ADDR, "secret", "hvs.CANARYtokenCANARYtoken01").unwrap(),
    )
    .unwrap();
    r
}

fn approle_registry(options: RegistryOptions) -> Registry {
    let mut r = Registry::with_options(options);
    r.register(
        ORG,
        VaultConfig::approle(ADDR, "secret", "role-id-1", "canary-secret-id").unwrap(),
    )
    .unwrap();
    r
}

fn fixture(name: &str) -> vaultcred_fixtures::Recorded {
    recorded(name).unwrap()
}

fn value_of(c: &vaultcred_core::Credential) -> String {
    match c.value() {
        SecretValue::Value(v) => v.expose().to_owned(),
        SecretValue::MultiField(_) => panic!("expected a value"),
    }
}

fn finish(h: &Harness, name: &str) {
    assert!(
        h.replay.is_finished(),
        "script not consumed: {:?}, {} left",
        h.replay.mismatches(),
        h.replay.remaining()
    );
    insta::assert_snapshot!(name, h.transcript());
}

#[test]
fn token_mode_reads_caches_for_an_hour_then_rereads() {
    let replay = Replay::new()
        .fixture("kv2_read_value_200")
        .unwrap()
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(token_registry(), looked_up(replay));
    let first = h.resolve(ORG, KIND).unwrap();
    assert_eq!(value_of(&first), "sk-ant-api03-EXAMPLE");
    assert_eq!(first.version(), Some(1));
    assert_eq!(first.refresh_at_ms() - first.resolved_at_ms(), H);
    // Before refreshAt: answered from the cache, no request.
    h.advance(H - 10);
    let cached = h.resolve(ORG, KIND).unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &cached));
    // After refreshAt: read again.
    h.advance(20);
    let again = h.resolve(ORG, KIND).unwrap();
    // The lookup (first) took 5 ms: the first read resolved at +10.
    assert_eq!(again.resolved_at_ms(), START_MS + H + 25);
    assert_eq!(h.replay.sent().len(), 3, "one lookup-self, then two reads");
    assert_eq!(
        h.replay.sent()[0].uri().path(),
        "/v1/auth/token/lookup-self"
    );
    let sent = &h.replay.sent()[1];
    assert_eq!(sent.headers()["x-vault-request"], "true");
    assert_eq!(
        sent.headers()["x-vault-token"],
        "hvs.CANARYtokenCANARYtoken01"
    );
    assert!(sent.headers()["x-vault-token"].is_sensitive());
    assert!(sent.headers().get("x-vault-namespace").is_none());
    finish(&h, "token_mode");
}

#[test]
fn approle_logs_in_once_shares_the_token_across_kinds_and_renews_at_80_percent() {
    let login = fixture("approle_login_200"); // lease_duration 3600, renewable
    let replay = Replay::new()
        .recorded(&login)
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
        .recorded_at(&fixture("kv2_read_multifield_200"), JIRA_PATH)
        .recorded(&fixture("token_renew_self_200"))
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(approle_registry(RegistryOptions::default()), replay);
    let a = h.resolve(ORG, KIND).unwrap();
    // refreshAt = loginTime + 0.8 × 3600 s; the login was sent at +0 ms (answered at +5 ms).
    assert_eq!(a.refresh_at_ms(), START_MS + 2_880_000);
    let j = h.resolve(ORG, "jira-credentials").unwrap();
    let SecretValue::MultiField(fields) = j.value() else {
        panic!("multiField expected")
    };
    assert_eq!(
        fields.keys().map(String::as_str).collect::<Vec<_>>(),
        ["apiToken", "email", "site"]
    );
    assert_eq!(
        j.refresh_at_ms(),
        START_MS + 2_880_000,
        "same login, same deadline"
    );
    h.advance(2_880_000);
    let b = h.resolve(ORG, KIND).unwrap();
    // Renewed (not a new login), sent at +2_880_015 for another 3600 s.
    assert_eq!(b.refresh_at_ms(), START_MS + 2_880_015 + 2_880_000);
    let logins = h
        .replay
        .sent()
        .iter()
        .filter(|r| r.uri().path() == LOGIN)
        .count();
    assert_eq!(logins, 1);
    let renewal = &h.replay.sent()[3];
    assert_eq!(renewal.uri().path(), "/v1/auth/token/renew-self");
    assert_eq!(renewal.body(), br#"{"increment":"3600s"}"#);
    assert_eq!(
        renewal.headers()["x-vault-token"],
        h.replay.sent()[1].headers()["x-vault-token"]
    );
    let body: serde_json::Value = serde_json::from_slice(h.replay.sent()[0].body()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"role_id": "role-id-1", "secret_id": "canary-secret-id"})
    );
    assert!(h.replay.sent()[0].headers().get("x-vault-token").is_none());
    finish(&h, "approle");
}

#[test]
fn kubernetes_rereads_the_jwt_at_every_login() {
    let mut r = Registry::with_options(RegistryOptions::default().allow_jwt_path("/jwt"));
    r.register(
        ORG,
        VaultConfig::kubernetes(ADDR, "secret", "rensei-platform", Some("/jwt")).unwrap(),
    )
    .unwrap();
    // Lease 2764800; made not renewable so the deadline brings a new login.
    let login = fixture("kubernetes_login_200");
    let login = login.clone().with_body(
        login
            .body_str()
            .unwrap()
            .replace("\"renewable\":true", "\"renewable\":false"),
    );
    let replay = Replay::new()
        .recorded(&login)
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
        .recorded(&login)
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(r, replay);
    h.files.insert(
        PathBuf::from("/jwt"),
        Ok(b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmaXJzdCJ9.c2ln\n".to_vec()),
    );
    let a = h.resolve(ORG, KIND).unwrap();
    assert_eq!(a.refresh_at_ms(), START_MS + 2_764_800 * 800);
    let body: serde_json::Value = serde_json::from_slice(h.replay.sent()[0].body()).unwrap();
    assert_eq!(body["role"], "rensei-platform");
    assert_eq!(
        body["jwt"], "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmaXJzdCJ9.c2ln",
        "trailing newline trimmed"
    );
    // The projected token rotates; the next login must use the new one.
    h.files.insert(
        PathBuf::from("/jwt"),
        Ok(b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNvbmQifQ.c2ln".to_vec()),
    );
    h.advance(2_764_800 * 800);
    h.resolve(ORG, KIND).unwrap();
    let body: serde_json::Value = serde_json::from_slice(h.replay.sent()[2].body()).unwrap();
    assert_eq!(
        body["jwt"],
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNvbmQifQ.c2ln"
    );
    finish(&h, "kubernetes");
}

#[test]
fn kubernetes_jwt_unreadable() {
    let mut r = Registry::new();
    r.register(
        ORG,
        VaultConfig::kubernetes(ADDR, "secret", "role", None).unwrap(),
    )
    .unwrap();
    let mut h = Harness::new(r, Replay::new());
    let e = h.resolve(ORG, KIND).unwrap_err();
    assert_eq!(e.reason, Reason::JwtUnreadable);
    assert!(
        e.message
            .contains("/var/run/secrets/kubernetes.io/serviceaccount/token"),
        "{}",
        e.message
    );
    h.files.insert(
        PathBuf::from(vaultcred_core::config::DEFAULT_JWT_PATH),
        Ok(b" \n".to_vec()),
    );
    let e = h.resolve(ORG, KIND).unwrap_err();
    assert_eq!(e.reason, Reason::JwtUnreadable);
    assert!(e.message.ends_with("is empty"));
    finish(&h, "kubernetes_jwt_unreadable");
}

#[test]
fn a_403_with_a_cached_token_relogs_in_exactly_once() {
    let login = fixture("approle_login_200");
    let login2 = login.clone().with_body(
        login
            .body_str()
            .unwrap()
            .replace("hvs.CAESIH2w8tOS6m", "hvs.CAESIH2w8tOS6x"),
    );
    let replay = Replay::new()
        .recorded(&login)
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
        // Later the token was revoked: 403, one re-login, one retry (with the new token) that succeeds.
        .recorded_at(&fixture("permission_denied_403"), JIRA_PATH)
        .recorded(&login2)
        .recorded_at(&fixture("kv2_read_multifield_200"), JIRA_PATH)
        // An ACL denial with the (cached) token: final at once, no re-login, token kept.
        .recorded_at(
            &fixture("acl_denied_403"),
            "/v1/secret/data/org_abc123/other",
        )
        .recorded_at(
            &fixture("kv2_read_value_200"),
            "/v1/secret/data/org_abc123/third",
        );
    let mut h = Harness::new(approle_registry(RegistryOptions::default()), replay);
    h.resolve(ORG, KIND).unwrap();
    h.resolve(ORG, "jira-credentials").unwrap();
    let tokens: Vec<_> = h
        .replay
        .sent()
        .iter()
        .filter_map(|r| r.headers().get("x-vault-token").cloned())
        .collect();
    assert_eq!(tokens.len(), 3);
    assert_eq!(
        tokens[0], tokens[1],
        "the cached token was used for the second kind"
    );
    assert_ne!(tokens[1], tokens[2], "the retry used the new token");
    let e = h.resolve(ORG, "other").unwrap_err();
    assert_eq!(e.reason, Reason::PermissionDenied);
    assert!(e.message.contains("permission denied"), "{}", e.message);
    assert!(
        !e.message.contains("1 error occurred"),
        "multierror flattened: {}",
        e.message
    );
    // Remembered for a short time: no request, no login (no secretId use) for a hot loop.
    for _ in 0..3 {
        let again = h.resolve(ORG, "other").unwrap_err();
        assert_eq!(again.reason, Reason::PermissionDenied);
    }
    // The cached token still serves other kinds.
    h.resolve(ORG, "third").unwrap();
    let logins = h
        .replay
        .sent()
        .iter()
        .filter(|r| r.uri().path() == LOGIN)
        .count();
    assert_eq!(
        logins, 2,
        "the first login and the one after the revoked token"
    );
    assert!(h.replay.is_finished());
    finish(&h, "relogin_on_403");
}

#[test]
fn token_mode_403_tells_a_refused_token_from_an_acl_denial() {
    let replay = Replay::new()
        .recorded_at(&fixture("permission_denied_403"), KV_PATH)
        .recorded_at(&fixture("invalid_token_403_v117"), KV_PATH)
        .recorded_at(&fixture("acl_denied_403"), KV_PATH);
    let mut h = Harness::new(token_registry(), looked_up(replay));
    // Vault < 1.17 and 1.17+ shapes of a dead token: auth_failed, as health says.
    for _ in 0..2 {
        let e = h.resolve(ORG, KIND).unwrap_err();
        assert_eq!(e.reason, Reason::AuthFailed, "{e}");
    }
    let e = h.resolve(ORG, KIND).unwrap_err();
    assert_eq!(e.reason, Reason::PermissionDenied, "{e}");
    assert!(h.replay.is_finished(), "no retry");
    finish(&h, "token_403");
}

#[test]
fn a_wrong_mount_is_mount_not_found_not_missing() {
    for (name, said) in [
        (
            "kv2_invalid_path_404",
            "Invalid path for a versioned K/V secrets engine",
        ),
        ("no_handler_404", "no handler for route"),
    ] {
        let replay = Replay::new()
            .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
            .recorded_at(&fixture(name), JIRA_PATH);
        let mut h = Harness::new(token_registry(), looked_up(replay));
        h.resolve(ORG, KIND).unwrap();
        let e = h.resolve(ORG, "jira-credentials").unwrap_err();
        assert_eq!(e.reason, Reason::MountNotFound, "{name}");
        assert!(
            e.message.starts_with("mount \"secret\" not found"),
            "{name}: {}",
            e.message
        );
        assert!(e.message.contains(said), "{name}: {}", e.message);
        // The other kind's credential is still cached.
        assert!(h.registry.cached(ORG, KIND, h.now()).is_some(), "{name}");
    }
}

#[test]
fn missing_in_every_shape_vault_sends() {
    for (name, expect) in [
        (
            "kv2_read_missing_404",
            "no secret at secret/data/org_abc123/anthropic-api-key",
        ),
        (
            "kv2_read_soft_deleted_404",
            "version 3 of the secret at secret/data/org_abc123/anthropic-api-key was deleted",
        ),
        (
            "kv2_read_destroyed_404",
            "version 2 of the secret at secret/data/org_abc123/anthropic-api-key was destroyed",
        ),
        (
            "kv2_read_empty_data_200",
            "the secret at secret/data/org_abc123/anthropic-api-key has no non-null fields",
        ),
    ] {
        let mut h = Harness::new(
            token_registry(),
            looked_up(Replay::new().recorded_at(&fixture(name), KV_PATH)),
        );
        let e = h.resolve(ORG, KIND).unwrap_err();
        assert_eq!(e.reason, Reason::Missing, "{name}");
        assert!(e.message.starts_with(expect), "{name}: {}", e.message);
        assert!(h.replay.is_finished());
    }
}

#[test]
fn a_missing_secret_evicts_the_cache() {
    let replay = Replay::new()
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
        .recorded_at(&fixture("kv2_read_soft_deleted_404"), KV_PATH)
        .recorded_at(&fixture("kv2_read_missing_404"), KV_PATH);
    let mut h = Harness::new(token_registry(), looked_up(replay));
    h.resolve(ORG, KIND).unwrap();
    h.advance(H);
    assert_eq!(h.resolve(ORG, KIND).unwrap_err().reason, Reason::Missing);
    // Not served from a stale cache afterwards: it asks Vault again.
    assert_eq!(h.resolve(ORG, KIND).unwrap_err().reason, Reason::Missing);
    assert!(h.replay.is_finished());
}

#[test]
fn kv_lease_sets_an_earlier_refresh() {
    let mut h = Harness::new(
        token_registry(),
        looked_up(Replay::new().recorded_at(&fixture("kv2_read_lease_200"), KV_PATH)),
    );
    let c = h.resolve(ORG, KIND).unwrap();
    // lease_duration 600 → 0.8 × 600 s = 480 s, earlier than the token-mode hour.
    assert_eq!(c.refresh_at_ms() - c.resolved_at_ms(), 480_000);
    assert!(h.replay.is_finished());
}

#[test]
fn rotation_emits_an_event_with_old_and_new_versions() {
    let v1 = fixture("kv2_read_value_200");
    let v2 = v1.clone().with_body(
        v1.body_str()
            .unwrap()
            .replace("sk-ant-api03-EXAMPLE", "sk-ant-api03-ROTATED")
            .replace("\"version\":1", "\"version\":2"),
    );
    let replay = Replay::new()
        .recorded_at(&v1, KV_PATH)
        .recorded_at(&v1, KV_PATH)
        .recorded_at(&v2, KV_PATH);
    let mut h = Harness::new(token_registry(), looked_up(replay));
    h.resolve(ORG, KIND).unwrap();
    h.advance(H);
    h.resolve(ORG, KIND).unwrap();
    assert_eq!(
        h.registry.drain_events().count(),
        0,
        "unchanged secret: no event"
    );
    h.advance(H);
    let c = h.resolve(ORG, KIND).unwrap();
    assert_eq!(value_of(&c), "sk-ant-api03-ROTATED");
    assert!(
        h.transcript()
            .contains("! rotated org_abc123/anthropic-api-key Some(1) -> Some(2)")
    );
    finish(&h, "rotation");
}

#[test]
fn retries_5xx_and_honours_retry_after_then_gives_up() {
    let ok = fixture("kv2_read_value_200");
    let replay = Replay::new()
        .recorded_at(&fixture("internal_error_500"), KV_PATH)
        .recorded_at(&fixture("rate_limited_429"), KV_PATH)
        .recorded_at(&ok, KV_PATH)
        .recorded_at(
            &fixture("upstream_rate_limited_502"),
            "/v1/secret/data/org_abc123/b",
        )
        .recorded_at(
            &fixture("index_not_present_412"),
            "/v1/secret/data/org_abc123/b",
        )
        .recorded_at(
            &fixture("no_active_instance_503"),
            "/v1/secret/data/org_abc123/b",
        );
    let mut h = Harness::new(token_registry(), looked_up(replay));
    let t0 = h.now_ms;
    h.resolve(ORG, KIND).unwrap();
    // 500 → backoff in [125, 250] ms; 429 → Retry-After: 7 s honoured.
    let elapsed = h.now_ms - t0;
    assert!(
        (15 + 125 + 7000..=15 + 250 + 7000).contains(&elapsed),
        "{elapsed}"
    );
    let e = h.resolve(ORG, "b").unwrap_err();
    assert_eq!(e.reason, Reason::ServerError);
    assert!(
        e.message.contains("no active Vault instance found"),
        "{}",
        e.message
    );
    finish(&h, "retries");
}

#[test]
fn sealed_fails_fast() {
    let mut h = Harness::new(
        token_registry(),
        looked_up(Replay::new().recorded_at(&fixture("sealed_503"), KV_PATH)),
    );
    let e = h.resolve(ORG, KIND).unwrap_err();
    assert_eq!(e.reason, Reason::Sealed);
    assert!(h.replay.is_finished(), "no retry on sealed");
}

#[test]
fn rate_limited_after_retries_run_out() {
    let rl = fixture("rate_limited_429");
    let replay = Replay::new()
        .recorded_at(&rl, KV_PATH)
        .recorded_at(&rl, KV_PATH)
        .recorded_at(&rl, KV_PATH);
    let mut h = Harness::new(token_registry(), looked_up(replay));
    let e = h.resolve(ORG, KIND).unwrap_err();
    assert_eq!(e.reason, Reason::RateLimited);
    assert!(h.replay.is_finished(), "3 attempts: 1 + max_retries 2");
}

#[test]
fn transport_failures_map_to_reasons() {
    let cases = [
        (TransportErrorKind::Refused, Reason::Unreachable, 3),
        (TransportErrorKind::Closed, Reason::Unreachable, 3),
        (TransportErrorKind::TimedOut, Reason::Timeout, 3),
        (TransportErrorKind::Tls, Reason::Unreachable, 1),
        (TransportErrorKind::BodyTooLarge, Reason::InvalidResponse, 1),
        (
            TransportErrorKind::AddressNotAllowed,
            Reason::AddressNotAllowed,
            1,
        ),
    ];
    for (kind, reason, attempts) in cases {
        let mut replay = Replay::new();
        for _ in 0..attempts {
            replay.push(
                Method::GET,
                KV_PATH,
                Err(TransportError::new(
                    kind,
                    "detail with hvs.CANARYtokenCANARYtoken01",
                )),
                "fault",
            );
        }
        let mut h = Harness::new(token_registry(), looked_up(replay));
        let e = h.resolve(ORG, KIND).unwrap_err();
        assert_eq!(e.reason, reason, "{kind:?}");
        assert!(!e.message.contains("CANARY"), "{}", e.message);
        assert!(
            h.replay.is_finished(),
            "{kind:?}: expected {attempts} attempts"
        );
    }
}

#[test]
fn the_deadline_bounds_all_attempts() {
    let options = RegistryOptions {
        retry: RetryPolicy {
            max_retries: 10,
            deadline: std::time::Duration::from_secs(1),
            ..RetryPolicy::default()
        },
        ..RegistryOptions::default()
    };
    let mut r = Registry::with_options(options);
    r.register(ORG, VaultConfig::token(ADDR, "secret", "t0ken").unwrap())
        .unwrap();
    let mut replay = Replay::new();
    for _ in 0..11 {
        replay.push(
            Method::GET,
            KV_PATH,
            Ok(fixture("internal_error_500").response()),
            "500",
        );
    }
    let mut h = Harness::new(r, looked_up(replay));
    h.latency_ms = 300;
    let t0 = h.now_ms;
    let e = h.resolve(ORG, KIND).unwrap_err();
    assert!(
        h.now_ms - t0 <= 1000 + 300,
        "stopped within the deadline: {}",
        h.now_ms - t0
    );
    assert!(h.replay.remaining() > 0, "did not use every retry");
    assert_eq!(e.reason, Reason::ServerError, "{}", e.message);
}

#[test]
fn login_failures_are_auth_failed_and_never_show_the_secret_id() {
    for name in [
        "approle_login_invalid_400",
        "approle_login_lockout_403",
        "approle_login_no_mount_403",
        "approle_login_missing_role_id_400",
    ] {
        let body = fixture(name);
        // A proxy echoing the secretId back must not leak it either.
        let echoed = body.clone().with_body(
            body.body_str()
                .unwrap()
                .replace("\"]", " (secret_id=canary-secret-id)\"]"),
        );
        let mut h = Harness::new(
            approle_registry(RegistryOptions::default()),
            Replay::new().recorded_at(&echoed, LOGIN),
        );
        let e = h.resolve(ORG, KIND).unwrap_err();
        assert_eq!(e.reason, Reason::AuthFailed, "{name}");
        let text = format!("{e} {e:?}");
        assert!(!text.contains("canary-secret-id"), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
        assert!(h.replay.is_finished());
    }
}

#[test]
fn logins_retry_like_reads_honouring_retry_after() {
    // Two failures (the default policy allows two retries): a rate-limit quota on the login
    // path with Retry-After: 7, then an Enterprise replication lag (412).
    let replay = Replay::new()
        .then(
            Method::POST,
            LOGIN,
            Ok(fixture("rate_limited_429").response()),
            "rate_limited_429",
        )
        .then(
            Method::POST,
            LOGIN,
            Ok(fixture("index_not_present_412").response()),
            "index_not_present_412",
        )
        .recorded(&fixture("approle_login_200"))
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(approle_registry(RegistryOptions::default()), replay);
    let c = h.resolve(ORG, KIND).unwrap();
    assert!(h.replay.is_finished());
    // The token's lifetime counts from when the login that got it was sent, not answered.
    assert_eq!(h.replay.sent().len(), 4);
    assert!(c.refresh_at_ms() < c.resolved_at_ms() + 2_880_000);
    assert!(
        h.transcript().contains("… sleep 7000 ms"),
        "Retry-After honoured:\n{}",
        h.transcript()
    );
    finish(&h, "login_retries");
}

#[test]
fn kubernetes_login_refusals() {
    for (name, reason) in [
        ("kubernetes_login_denied_403", Reason::AuthFailed),
        ("kubernetes_login_invalid_role_400", Reason::AuthFailed),
        ("kubernetes_login_sa_not_authorized_403", Reason::AuthFailed),
    ] {
        let mut r = Registry::with_options(RegistryOptions::default().allow_jwt_path("/jwt"));
        r.register(
            ORG,
            VaultConfig::kubernetes(ADDR, "secret", "dev-role", Some("/jwt")).unwrap(),
        )
        .unwrap();
        let mut h = Harness::new(r, Replay::new().recorded_at(&fixture(name), K8S_LOGIN));
        h.files.insert(
            PathBuf::from("/jwt"),
            Ok(b"eyJhbGciOiJSUzI1NiJ9.eyJjYW5hcnkiOjF9.c2lnbmF0dXJl".to_vec()),
        );
        let e = h.resolve(ORG, KIND).unwrap_err();
        assert_eq!(e.reason, reason, "{name}");
        assert!(!e.message.contains("eyJjYW5hcnkiOjF9"), "{}", e.message);
    }
}

#[test]
fn redirects_are_not_followed() {
    let mut h = Harness::new(
        token_registry(),
        looked_up(Replay::new().recorded_at(&fixture("standby_redirect_307"), KV_PATH)),
    );
    let e = h.resolve(ORG, KIND).unwrap_err();
    assert_eq!(e.reason, Reason::ServerError);
    assert!(e.message.contains("redirect"), "{}", e.message);
    assert_eq!(
        h.replay.sent().len(),
        2,
        "the lookup and the read, not the redirect"
    );
}

#[test]
fn namespace_and_path_template_shape_the_request() {
    let mut r = Registry::new();
    let config = VaultConfig::token(ADDR, "kv/platform", "t0ken")
        .unwrap()
        .with_namespace("team-a/")
        .unwrap()
        .with_path_template("{mount}/data/tenants/{orgId}/{kind}")
        .unwrap();
    r.register(ORG, config).unwrap();
    let path = "/v1/kv/platform/data/tenants/org_abc123/anthropic-api-key";
    let mut h = Harness::new(
        r,
        looked_up(Replay::new().recorded_at(&fixture("kv2_read_value_200"), path)),
    );
    h.resolve(ORG, KIND).unwrap();
    assert_eq!(h.replay.sent()[0].headers()["x-vault-namespace"], "team-a/");
    assert_eq!(h.replay.sent()[1].headers()["x-vault-namespace"], "team-a/");
    finish(&h, "namespace_template");
}

#[test]
fn invalid_kinds_never_reach_vault() {
    let mut h = Harness::new(token_registry(), looked_up(Replay::new()));
    for kind in [
        "",
        "..",
        "../org_other/key",
        "a/b",
        "a%2f",
        "a?x",
        "a#x",
        "a b",
        "a\\b",
        "a\nb",
    ] {
        let e = h.resolve(ORG, kind).unwrap_err();
        assert_eq!(e.reason, Reason::InvalidKind, "{kind:?}");
    }
    assert!(h.replay.sent().is_empty());
}

#[test]
fn unconfigured_orgs_and_reregistration() {
    // A new config is a new token: looked up again.
    let replay = Replay::new()
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
        .fixture("token_lookup_self_root_200")
        .unwrap()
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(token_registry(), looked_up(replay));
    let e = h.resolve("org_nobody", KIND).unwrap_err();
    assert_eq!(e.reason, Reason::NotConfigured);
    assert_eq!(
        e.message,
        "no Vault config is registered for org \"org_nobody\""
    );
    h.resolve(ORG, KIND).unwrap();
    // Registering again drops the cache: the next resolve reads again, with the new token.
    h.registry
        .register(
            ORG,
            VaultConfig::token(ADDR, "secret", "hvs.SECONDtokenSECONDtoken02").unwrap(),
        )
        .unwrap();
    h.resolve(ORG, KIND).unwrap();
    assert_eq!(
        h.replay.sent()[3].headers()["x-vault-token"],
        "hvs.SECONDtokenSECONDtoken02"
    );
    assert!(h.replay.is_finished());
    assert!(
        h.registry
            .register("bad/org", VaultConfig::token(ADDR, "s", "t").unwrap())
            .is_err()
    );
}

const MOUNTS: &str = "/v1/sys/internal/ui/mounts/secret";
const CAPS: &str = "/v1/sys/capabilities-self";
const PROBE: &str = "/v1/secret/data/org_abc123/vaultcred-health-probe";

fn json(status: u16, body: &str) -> vaultcred_fixtures::Reply {
    Ok(http::Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap())
}

fn caps(list: &str) -> vaultcred_fixtures::Reply {
    let path = "secret/data/org_abc123/vaultcred-health-probe";
    json(
        200,
        &format!(
            r#"{{"capabilities":{list},"{path}":{list},"data":{{"capabilities":{list},"{path}":{list}}}}}"#
        ),
    )
}

#[test]
fn health_is_a_test_resolve_with_no_side_effects() {
    let forbidden = r#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#;
    let replay = Replay::new()
        // 1. All checks pass: lookup-self (first use of the token), mount, capabilities.
        .recorded_at(&fixture("sys_internal_ui_mounts_kv2_200"), MOUNTS)
        .then(
            Method::POST,
            CAPS,
            caps(r#"["read","list"]"#),
            "capabilities read",
        )
        // 2. The mount endpoint is forbidden (no such mount looks the same): the capability
        // check passes, so a probe read must show the mount exists — it does not.
        .then(
            Method::GET,
            MOUNTS,
            json(403, r#"{"errors":["permission denied"]}"#),
            "403",
        )
        .then(Method::POST, CAPS, caps(r#"["read"]"#), "capabilities read")
        .recorded_at(&fixture("no_handler_404"), PROBE)
        // 3. A KV version 1 mount.
        .then(
            Method::GET,
            MOUNTS,
            json(200, r#"{"data":{"type":"kv","options":{"version":"1"}}}"#),
            "kv v1",
        )
        // 4. The policy cannot read the org's path.
        .recorded_at(&fixture("sys_internal_ui_mounts_kv2_200"), MOUNTS)
        .then(Method::POST, CAPS, caps(r#"["deny"]"#), "capabilities deny")
        // 5. No default policy: both check endpoints forbidden; the probe read stands in.
        .then(Method::GET, MOUNTS, json(403, forbidden), "403 acl")
        .then(Method::POST, CAPS, json(403, forbidden), "403 acl")
        .recorded_at(&fixture("kv2_read_missing_404"), PROBE);
    let mut h = Harness::new(token_registry(), looked_up(replay));
    let ok = h.health(ORG);
    assert_eq!(
        ok.to_json(),
        serde_json::json!({"ok": true, "latencyMs": 15, "checks": ["auth", "mount", "kv_v2", "read_capability"]})
    );
    let wrong_mount = h.health(ORG);
    assert_eq!(
        wrong_mount.error.as_ref().unwrap().reason,
        Reason::MountNotFound
    );
    assert_eq!(wrong_mount.to_json()["reason"], "mount_not_found");
    let v1 = h.health(ORG);
    assert_eq!(v1.error.as_ref().unwrap().reason, Reason::NotKvV2);
    assert!(
        v1.error.as_ref().unwrap().message.contains("KV version 1"),
        "{v1:?}"
    );
    let denied = h.health(ORG);
    assert_eq!(
        denied.error.as_ref().unwrap().reason,
        Reason::PermissionDenied
    );
    let degraded = h.health(ORG);
    assert!(degraded.ok, "{degraded:?}");
    assert_eq!(degraded.checks, ["auth", "probe_read"]);
    assert!(h.replay.is_finished());
    let unconfigured = h.health("org_nobody");
    assert_eq!(unconfigured.error.unwrap().reason, Reason::NotConfigured);
    finish(&h, "health");
}

#[test]
fn ten_health_checks_of_an_approle_org_log_in_once_and_share_the_token_with_resolves() {
    let mut replay = Replay::new().recorded(&fixture("approle_login_200"));
    for _ in 0..10 {
        replay = replay
            .recorded_at(&fixture("sys_internal_ui_mounts_kv2_200"), MOUNTS)
            .then(Method::POST, CAPS, caps(r#"["read"]"#), "capabilities read");
    }
    let replay = replay.recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(approle_registry(RegistryOptions::default()), replay);
    for _ in 0..10 {
        assert!(h.health(ORG).ok);
    }
    h.resolve(ORG, KIND).unwrap();
    let logins = h
        .replay
        .sent()
        .iter()
        .filter(|r| r.uri().path() == LOGIN)
        .count();
    assert_eq!(logins, 1, "no secretId spent by health checks");
    assert!(h.replay.is_finished());
}

#[test]
fn concurrent_resolves_of_one_org_share_one_login() {
    let replay = Replay::new()
        .recorded(&fixture("approle_login_200"))
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
        .recorded_at(
            &fixture("kv2_read_value_200"),
            "/v1/secret/data/org_abc123/jira-credentials",
        )
        .recorded_at(
            &fixture("kv2_read_value_200"),
            "/v1/secret/data/org_abc123/third",
        );
    let mut run = Interleave::new(approle_registry(RegistryOptions::default()), replay);
    run.start_resolve("a", ORG, KIND);
    run.start_resolve("b", ORG, "jira-credentials");
    run.start_resolve("c", ORG, "third");
    assert_eq!(run.poll("a"), Polled::Http(format!("POST {LOGIN}")));
    assert!(matches!(run.poll("b"), Polled::WaitForLogin(_)));
    assert!(matches!(run.poll("c"), Polled::WaitForLogin(_)));
    run.answer("a");
    for label in ["a", "b", "c"] {
        match run.poll(label) {
            Polled::Http(path) => assert!(path.starts_with("GET /v1/secret/data/org_abc123/")),
            other => panic!("{label}: {other:?}"),
        }
    }
    run.run_all();
    for label in ["a", "b", "c"] {
        run.resolved(label).unwrap();
    }
    assert!(
        run.harness.replay.is_finished(),
        "one login for three resolves"
    );
    insta::assert_snapshot!("interleaved_single_flight", run.harness.transcript());
}

#[test]
fn a_failed_login_is_reported_to_its_waiters_without_each_trying_again() {
    let replay = Replay::new().recorded(&fixture("approle_login_invalid_400"));
    let mut run = Interleave::new(approle_registry(RegistryOptions::default()), replay);
    run.start_resolve("a", ORG, KIND);
    run.start_resolve("b", ORG, "jira-credentials");
    assert!(matches!(run.poll("a"), Polled::Http(_)));
    assert!(matches!(run.poll("b"), Polled::WaitForLogin(_)));
    run.answer("a");
    run.run_all();
    for label in ["a", "b"] {
        assert_eq!(run.resolved(label).unwrap_err().reason, Reason::AuthFailed);
    }
    assert!(run.harness.replay.is_finished(), "one login attempt");
}

#[test]
fn a_cancelled_login_is_taken_over_at_once_by_a_waiter() {
    let replay = Replay::new()
        .recorded(&fixture("approle_login_200"))
        .recorded_at(
            &fixture("kv2_read_value_200"),
            "/v1/secret/data/org_abc123/jira-credentials",
        );
    let mut run = Interleave::new(approle_registry(RegistryOptions::default()), replay);
    run.start_resolve("a", ORG, KIND);
    run.start_resolve("b", ORG, "jira-credentials");
    assert!(matches!(run.poll("a"), Polled::Http(_)));
    assert!(matches!(run.poll("b"), Polled::WaitForLogin(_)));
    run.cancel("a");
    assert_eq!(run.poll("b"), Polled::Http(format!("POST {LOGIN}")));
    run.run_all();
    assert_eq!(run.resolved("a").unwrap_err().reason, Reason::Timeout);
    run.resolved("b").unwrap();
    assert!(run.harness.replay.is_finished());
}

#[test]
fn a_login_with_lease_zero_never_expires_by_itself() {
    let login = fixture("approle_login_200");
    let root_like = login.clone().with_body(
        login
            .body_str()
            .unwrap()
            .replace("\"lease_duration\":3600", "\"lease_duration\":0"),
    );
    let replay = Replay::new()
        .recorded(&root_like)
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH)
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut h = Harness::new(approle_registry(RegistryOptions::default()), replay);
    let c = h.resolve(ORG, KIND).unwrap();
    assert_eq!(
        c.refresh_at_ms() - c.resolved_at_ms(),
        H,
        "no TTL signal: the hour fallback"
    );
    h.advance(100 * H);
    h.resolve(ORG, KIND).unwrap();
    assert!(h.replay.is_finished(), "re-read without a new login");
}

#[test]
fn hostile_200s_are_invalid_responses() {
    let ok = fixture("kv2_read_value_200");
    for body in [
        "<html><body>502 Bad Gateway</body></html>",
        "{\"data\":{\"data\":",
        "{\"lease_duration\":1e309,\"data\":{\"data\":{\"value\":\"x\"}}}",
        "{\"lease_duration\":\"600\",\"data\":{\"data\":{\"value\":\"x\"}}}",
        "{\"errors\":[\"hvs.CANARYtokenCANARYtoken01 is bad\"]}",
    ] {
        let mut h = Harness::new(
            token_registry(),
            looked_up(Replay::new().recorded_at(&ok.clone().with_body(body), KV_PATH)),
        );
        let e = h.resolve(ORG, KIND).unwrap_err();
        assert_eq!(e.reason, Reason::InvalidResponse, "{body}");
        assert!(!e.message.contains("CANARY"), "{}", e.message);
    }
    let mut h = Harness::new(
        token_registry(),
        looked_up(Replay::new().recorded_at(
            &ok.clone().with_status(StatusCode::NO_CONTENT).with_body(""),
            KV_PATH,
        )),
    );
    assert_eq!(h.resolve(ORG, KIND).unwrap_err().reason, Reason::Missing);
}

#[test]
fn refresh_is_bounded_by_the_token_the_read_used_even_if_it_was_replaced_meanwhile() {
    let login = fixture("approle_login_200"); // lease 3600 s
    let forever = login.clone().with_body(
        login
            .body_str()
            .unwrap()
            .replace("\"lease_duration\":3600", "\"lease_duration\":0"),
    );
    let replay = Replay::new()
        .recorded(&login)
        .recorded_at(&fixture("permission_denied_403"), JIRA_PATH)
        .recorded(&forever)
        .recorded_at(&fixture("kv2_read_multifield_200"), JIRA_PATH)
        .recorded_at(&fixture("kv2_read_value_200"), KV_PATH);
    let mut run = Interleave::new(approle_registry(RegistryOptions::default()), replay);
    run.harness.latency_ms = 0;
    run.start_resolve("read", ORG, KIND);
    assert!(matches!(run.poll("read"), Polled::Http(_)));
    run.answer("read");
    assert!(
        matches!(run.poll("read"), Polled::Http(_)),
        "the read is out"
    );
    // Meanwhile another kind finds the token revoked, logs in again and gets a non-expiring
    // token.
    run.start_resolve("other", ORG, "jira-credentials");
    for _ in 0..3 {
        assert!(matches!(run.poll("other"), Polled::Http(_)));
        run.answer("other");
    }
    assert_eq!(run.poll("other"), Polled::Done);
    assert_eq!(
        run.resolved("other").unwrap().refresh_at_ms(),
        START_MS + 3_600_000
    );
    // Now the read made with the first token answers: its refresh is that token's 0.8 × 3600 s.
    run.answer("read");
    assert_eq!(run.poll("read"), Polled::Done);
    let c = run.resolved("read").unwrap();
    assert_eq!(c.refresh_at_ms(), START_MS + 2_880_000);
}
