//! The conformance suite: one set of scenarios, written once, run against both adapters
//! (`vaultcred-ureq` and `vaultcred-hyper`) over loopback to DevVault.
//!
//! Every outcome is checked for canary secrets (tokens, secretIds, JWTs, secret values) in its
//! error text and `Debug` output, and every captured `tracing` line is checked when a scenario's
//! world is dropped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::time::{Duration, Instant};
use vaultcred_core::{Reason, RetryPolicy, SecretValue, VaultConfig};
use vaultcred_devvault::{Fault, FaultRule, PathMatch};
use vaultcred_tests::{Host, Options, World};

const LONG: Duration = Duration::from_secs(3600);

fn value(r: &vaultcred_core::Credential) -> String {
    match r.value() {
        SecretValue::Value(v) => v.expose().to_owned(),
        SecretValue::MultiField(m) => panic!("expected a value, got fields {:?}", m.keys()),
    }
}

fn all_auth_modes<H: Host>() {
    let w = World::new(LONG);
    let h = H::build(&Options::default());
    h.register("org_a", w.token_config("org_a"));
    h.register("org_b", w.approle_config("org_b"));
    let a = w.checked(h.resolve("org_a", "api-key")).unwrap();
    assert!(value(&a).starts_with("sk-CANARY-org_a-value"));
    let b = w.checked(h.resolve("org_b", "api-key")).unwrap();
    assert!(value(&b).starts_with("sk-CANARY-org_b-value"));
    assert_eq!(b.version(), Some(1));
    // Kubernetes, replacing org_a's registration.
    h.register("org_a", w.k8s_config("org_a"));
    let k = w.checked(h.resolve("org_a", "api-key")).unwrap();
    assert_eq!(value(&k), value(&a));
    let login = w
        .dev
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/auth/kubernetes/login")
        .unwrap();
    let body = login.body_json().unwrap();
    assert_eq!(body["role"], "k8s-org_a");
    assert!(!body["jwt"].as_str().unwrap().ends_with('\n'));
}

fn probing_and_multifield<H: Host>() {
    let w = World::new(LONG);
    let h = H::build(&Options::default());
    h.register("org_a", w.token_config("org_a"));
    let j = w.checked(h.resolve("org_a", "jira")).unwrap();
    let SecretValue::MultiField(fields) = j.value() else {
        panic!("multiField expected")
    };
    assert_eq!(
        fields.keys().map(String::as_str).collect::<Vec<_>>(),
        ["apiToken", "email", "site"]
    );
    assert_eq!(fields["site"].expose(), "example.atlassian.net");
    let l = w.checked(h.resolve("org_a", "lease")).unwrap();
    assert!(
        value(&l).starts_with("CANARY-lease-org_a"),
        "token field is the primary scalar"
    );
}

fn namespace_and_path_template<H: Host>() {
    let w = World::new(LONG);
    w.dev.require_namespace(Some("team-a/"));
    w.dev.put_policy("tenants", &["secret/data/tenants/*"]);
    w.dev.kv_put(
        "secret",
        "tenants/org_a/db",
        serde_json::json!({"password": "CANARY-db"}),
    );
    let token = w.dev.create_token(&["tenants"], None);
    let h = H::build(&Options::default());
    let config = VaultConfig::token(&w.dev.url(), "secret", &token)
        .unwrap()
        .with_namespace("team-a/")
        .unwrap()
        .with_path_template("{mount}/data/tenants/{orgId}/{kind}")
        .unwrap();
    h.register("org_a", config);
    let c = w.checked(h.resolve("org_a", "db")).unwrap();
    assert_eq!(c.version(), Some(1));
    let read = w
        .dev
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path == "/v1/secret/data/tenants/org_a/db")
        .unwrap();
    assert_eq!(read.header("x-vault-namespace"), Some("team-a/"));
    // Without the namespace the server answers as Vault does for an unknown route: a
    // misconfiguration (mount_not_found), not an absent secret.
    h.register(
        "org_b",
        VaultConfig::token(&w.dev.url(), "secret", &token).unwrap(),
    );
    assert_eq!(w.reason(h.resolve("org_b", "db")), Reason::MountNotFound);
}

fn no_request_before_refresh_at<H: Host>() {
    let w = World::new(LONG);
    let h = H::build(&Options::default());
    h.register("org_a", w.approle_config("org_a"));
    let first = w.checked(h.resolve("org_a", "api-key")).unwrap();
    let before = w.dev.requests().len();
    for _ in 0..20 {
        let again = w.checked(h.resolve("org_a", "api-key")).unwrap();
        assert_eq!(again.resolved_at(), first.resolved_at());
    }
    assert_eq!(w.dev.requests().len(), before, "cache hits made requests");
}

fn token_expiry_renews_then_relogs_at_max_ttl<H: Host>() {
    // Token TTL 2 s (renewed at 80 %), max TTL 5 s: renewals, then one login when the max TTL
    // leaves nothing to renew.
    let w = World::new(Duration::from_secs(2));
    w.dev
        .set_approle_token_max_ttl("role-org_a", Duration::from_secs(5));
    let h = H::build(&Options::default());
    h.register("org_a", w.approle_config("org_a"));
    let a = w.checked(h.resolve("org_a", "api-key")).unwrap();
    let lifetime = a.refresh_at().duration_since(a.resolved_at()).unwrap();
    assert!(lifetime <= Duration::from_millis(1600), "{lifetime:?}");
    let start = std::time::Instant::now();
    // Renewals near 1.6 s, 3.2 s and 4.8 s (the last one capped by the max TTL), then a login
    // at 80 % of what that one granted; the new token is not due again before 6.5 s.
    while start.elapsed() < Duration::from_millis(6500) {
        std::thread::sleep(Duration::from_millis(100));
        w.checked(h.resolve("org_a", "api-key")).unwrap();
    }
    let renewals = w.dev.count("POST", "/v1/auth/token/renew-self");
    let logins = w.dev.count("POST", "/v1/auth/approle/login");
    assert!(
        renewals >= 2,
        "renewed, not logged in again: {renewals} renewals"
    );
    assert_eq!(
        logins, 2,
        "the first login and one at the max TTL ({renewals} renewals)"
    );
}

fn revoked_token_triggers_exactly_one_relogin<H: Host>() {
    let w = World::new(LONG);
    let h = H::build(&Options::default());
    h.register("org_a", w.approle_config("org_a"));
    // `lease` has a 1 s KV lease: its refreshAt comes long before the token's deadline.
    w.checked(h.resolve("org_a", "lease")).unwrap();
    let token = w.last_token_on("/v1/secret/data/org_a/lease").unwrap();
    assert!(w.dev.revoke_token(&token));
    std::thread::sleep(Duration::from_millis(850));
    w.checked(h.resolve("org_a", "lease")).unwrap();
    assert_eq!(w.dev.count("POST", "/v1/auth/approle/login"), 2);
    assert_eq!(
        w.dev.count("GET", "/v1/secret/data/org_a/lease"),
        3,
        "read, denied read, retried read"
    );
    assert_ne!(
        w.last_token_on("/v1/secret/data/org_a/lease").unwrap(),
        token
    );
}

fn rotation_event_after_a_secret_changes<H: Host>() {
    let w = World::new(LONG);
    let h = H::build(&Options::default());
    h.register("org_a", w.token_config("org_a"));
    let first = w.checked(h.resolve("org_a", "lease")).unwrap();
    w.dev.kv_put_with_lease(
        "secret",
        "org_a/lease",
        serde_json::json!({"token": "CANARY-rotated"}),
        Duration::from_secs(1),
    );
    assert!(
        h.next_rotation(Duration::from_millis(50)).is_none(),
        "no event before a refresh"
    );
    std::thread::sleep(Duration::from_millis(850));
    let second = w.checked(h.resolve("org_a", "lease")).unwrap();
    assert_eq!(value(&second), "CANARY-rotated");
    let event = h
        .next_rotation(Duration::from_secs(2))
        .expect("rotation event");
    assert_eq!(
        (event.org_id.as_str(), event.kind.as_str()),
        ("org_a", "lease")
    );
    assert_eq!(
        (event.old_version, event.new_version),
        (first.version(), Some(2))
    );
}

fn single_flight_login<H: Host>() {
    let w = World::new(LONG);
    for i in 0..16 {
        w.dev.kv_put(
            "secret",
            &format!("org_a/k{i}"),
            serde_json::json!({"value": format!("v{i}")}),
        );
    }
    let h = H::build(&Options::default());
    h.register("org_a", w.approle_config("org_a"));
    let jobs: Vec<(String, String)> = (0..16)
        .map(|i| ("org_a".to_owned(), format!("k{i}")))
        .collect();
    let results = h.resolve_all(&jobs);
    for (i, r) in results.into_iter().enumerate() {
        assert_eq!(value(&w.checked(r).unwrap()), format!("v{i}"));
    }
    assert_eq!(w.dev.count("POST", "/v1/auth/approle/login"), 1);
}

fn health_ok_and_failing<H: Host>() {
    let w = World::new(LONG);
    let h = H::build(&Options::default());
    h.register("org_a", w.token_config("org_a"));
    h.register("org_b", w.approle_config("org_b"));
    assert!(w.checked_health(h.health("org_a")).ok);
    assert!(w.checked_health(h.health("org_b")).ok);
    h.register(
        "org_a",
        VaultConfig::token(&w.dev.url(), "secret", "hvs.CANARYbogusTOKENbogus00").unwrap(),
    );
    h.register(
        "org_b",
        VaultConfig::approle(&w.dev.url(), "secret", "nope", "CANARY-bad-secret-id").unwrap(),
    );
    let mut w = w;
    w.canaries.extend([
        "hvs.CANARYbogusTOKENbogus00".to_owned(),
        "CANARY-bad-secret-id".to_owned(),
    ]);
    for org in ["org_a", "org_b"] {
        let r = w.checked_health(h.health(org));
        assert!(!r.ok);
        assert_eq!(r.error.unwrap().reason, Reason::AuthFailed);
    }
    h.register(
        "org_b",
        VaultConfig::approle(&w.dev.url(), "secret", "nope", "CANARY-bad-secret-id").unwrap(),
    );
    assert_eq!(w.reason(h.resolve("org_b", "api-key")), Reason::AuthFailed);
}

fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

fn fault(w: &World, path: &str, f: Fault) {
    w.dev.inject(FaultRule::new(PathMatch::exact(path), f));
}

fn each_failure_reason<H: Host>() {
    let w = World::new(LONG);
    let h = H::build(&Options::default());
    h.register("org_a", w.token_config("org_a"));
    assert_eq!(
        w.reason(h.resolve("org_a", "nothing-here")),
        Reason::Missing
    );
    assert_eq!(
        w.reason(h.resolve("org_a", "../org_b/api-key")),
        Reason::InvalidKind
    );
    // org_a's token may not read org_b's prefix, even through a template trick.
    h.register(
        "org_x",
        VaultConfig::token(
            &w.dev.url(),
            "secret",
            &std::fs::read_to_string(w.dir.join("org_a.token")).unwrap(),
        )
        .unwrap(),
    );
    assert_eq!(
        w.reason(h.resolve("org_x", "api-key")),
        Reason::PermissionDenied
    );
    let p = "/v1/secret/data/org_a/api-key";
    fault(&w, p, Fault::Sealed);
    assert_eq!(w.reason(h.resolve("org_a", "api-key")), Reason::Sealed);
    w.dev.clear_faults();
    fault(
        &w,
        p,
        Fault::RateLimited {
            retry_after_secs: 0,
        },
    );
    assert_eq!(w.reason(h.resolve("org_a", "api-key")), Reason::RateLimited);
    w.dev.clear_faults();
    fault(
        &w,
        p,
        Fault::Status {
            status: 500,
            body: b"{\"errors\":[\"1 error occurred:\\n\\t* internal error\\n\\n\"]}\n".to_vec(),
            headers: vec![],
        },
    );
    assert_eq!(w.reason(h.resolve("org_a", "api-key")), Reason::ServerError);
    w.dev.clear_faults();
    fault(&w, p, Fault::MalformedBody);
    assert_eq!(
        w.reason(h.resolve("org_a", "api-key")),
        Reason::InvalidResponse
    );
    w.dev.clear_faults();
    fault(&w, p, Fault::DropConnection);
    assert_eq!(w.reason(h.resolve("org_a", "api-key")), Reason::Unreachable);
    w.dev.clear_faults();
    fault(&w, p, Fault::RedirectTo(w.dev.decoy_url()));
    assert_eq!(w.reason(h.resolve("org_a", "api-key")), Reason::ServerError);
    assert!(
        w.dev.decoy_requests().is_empty(),
        "a request reached another origin"
    );
    w.dev.clear_faults();
    // A transient 500 is retried to success.
    w.dev.inject(
        FaultRule::new(
            PathMatch::exact(p),
            Fault::Status {
                status: 502,
                body: b"bad gateway".to_vec(),
                headers: vec![],
            },
        )
        .times(1),
    );
    assert!(w.checked(h.resolve("org_a", "api-key")).is_ok());
    // Auth failures, JWT problems, unreachable.
    h.register(
        "org_b",
        VaultConfig::approle(&w.dev.url(), "secret", "nope", "nope").unwrap(),
    );
    assert_eq!(w.reason(h.resolve("org_b", "api-key")), Reason::AuthFailed);
    h.register(
        "org_b",
        VaultConfig::kubernetes(
            &w.dev.url(),
            "secret",
            "k8s-org_b",
            Some(&format!(
                "{}/vaultcred-nonexistent/jwt",
                std::env::temp_dir().display()
            )),
        )
        .unwrap(),
    );
    assert_eq!(
        w.reason(h.resolve("org_b", "api-key")),
        Reason::JwtUnreadable
    );
    h.register(
        "org_b",
        VaultConfig::token(&closed_port(), "secret", "t").unwrap(),
    );
    assert_eq!(w.reason(h.resolve("org_b", "api-key")), Reason::Unreachable);
    assert_eq!(
        w.reason(h.resolve("org_nobody", "api-key")),
        Reason::NotConfigured
    );
    // A body over the cap.
    let small = H::build(&Options {
        max_body_bytes: 64,
        ..Options::default()
    });
    small.register("org_a", w.token_config("org_a"));
    assert_eq!(
        w.reason(small.resolve("org_a", "api-key")),
        Reason::InvalidResponse
    );
}

fn timeout_within_twice_the_timeout<H: Host>() {
    let w = World::new(LONG);
    let timeout = Duration::from_millis(300);
    let h = H::build(&Options {
        timeout,
        retry: RetryPolicy::none(),
        ..Options::default()
    });
    h.register("org_a", w.token_config("org_a"));
    fault(
        &w,
        "/v1/secret/data/org_a/api-key",
        Fault::Delay(Duration::from_secs(3)),
    );
    let t0 = Instant::now();
    let reason = w.reason(h.resolve("org_a", "api-key"));
    let took = t0.elapsed();
    assert_eq!(reason, Reason::Timeout);
    assert!(took < 2 * timeout, "took {took:?}");
}

fn canaries_never_leak<H: Host>() {
    // Wrong canary credentials in every mode, a server that echoes them back, and a proxy that
    // echoes the token header: no canary may reach an error, a Debug or a log line.
    let mut w = World::new(LONG);
    let token = "hvs.CANARYcanaryCANARYcanaryC";
    let secret_id = "CANARY-secret-id-0000";
    w.canaries.extend([token.to_owned(), secret_id.to_owned()]);
    let h = H::build(&Options::default());
    h.register(
        "org_a",
        VaultConfig::token(&w.dev.url(), "secret", token).unwrap(),
    );
    h.register(
        "org_b",
        VaultConfig::approle(&w.dev.url(), "secret", "role", secret_id).unwrap(),
    );
    w.checked(h.resolve("org_a", "api-key")).unwrap_err();
    w.checked(h.resolve("org_b", "api-key")).unwrap_err();
    w.checked_health(h.health("org_a"));
    w.checked_health(h.health("org_b"));
    let echo = format!("{{\"errors\":[\"denied: X-Vault-Token: {token} secret_id={secret_id}\"]}}");
    fault(
        &w,
        "/v1/secret/data/org_a/api-key",
        Fault::Status {
            status: 500,
            body: echo.clone().into_bytes(),
            headers: vec![],
        },
    );
    fault(
        &w,
        "/v1/auth/approle/login",
        Fault::Status {
            status: 400,
            body: echo.into_bytes(),
            headers: vec![],
        },
    );
    w.checked(h.resolve("org_a", "api-key")).unwrap_err();
    w.checked(h.resolve("org_b", "api-key")).unwrap_err();
    // A successful resolve's Debug holds no value either.
    w.dev.clear_faults();
    h.register("org_a", w.approle_config("org_a"));
    let ok = w.checked(h.resolve("org_a", "api-key")).unwrap();
    w.assert_clean("Debug", &format!("{ok:?} {:?}", ok.value()));
    // The log capture is live (so the check on drop means something).
    let logs = vaultcred_tests::captured_logs();
    assert!(
        logs.contains("org_a") && logs.contains("api-key"),
        "no adapter log lines were captured"
    );
}

vaultcred_tests::conformance!(
    all_auth_modes,
    probing_and_multifield,
    namespace_and_path_template,
    no_request_before_refresh_at,
    token_expiry_renews_then_relogs_at_max_ttl,
    revoked_token_triggers_exactly_one_relogin,
    rotation_event_after_a_secret_changes,
    single_flight_login,
    health_ok_and_failing,
    each_failure_reason,
    timeout_within_twice_the_timeout,
    canaries_never_leak,
);
