//! Token lifecycle through both adapters against DevVault: denied kinds cost no login, health
//! checks share the org's token, a wrong mount is reported as such, dropped login tokens are
//! revoked (and token-mode tokens never).
#![allow(clippy::unwrap_used, reason = "tests")]

use std::time::{Duration, Instant};
use vaultcred_core::{Reason, VaultConfig};
use vaultcred_devvault::{Fault, FaultRule, PathMatch};
use vaultcred_tests::{Host, Options, World};

const LONG: Duration = Duration::from_secs(3600);

/// Waits up to 3 s for `done`.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn denied_kinds_cost_no_login_and_no_secret_id_use<H: Host>() {
    let w = World::new(LONG);
    // A role that may read only api-key, with a secretId good for 3 logins.
    w.dev
        .put_policy("only-api-key", &["secret/data/org_a/api-key"]);
    let creds = w.dev.create_approle("narrow", &["only-api-key"], LONG);
    let secret_id = w.dev.new_secret_id_with("narrow", 3, None);
    let h = H::build(&Options::default());
    let config = VaultConfig::approle(&w.dev.url(), "secret", &creds.role_id, &secret_id).unwrap();
    h.register("org_a", config);
    for kind in ["jira", "lease", "other", "jira", "lease", "other"] {
        assert_eq!(
            w.reason(h.resolve("org_a", kind)),
            Reason::PermissionDenied,
            "{kind}"
        );
    }
    w.checked(h.resolve("org_a", "api-key")).unwrap();
    assert_eq!(
        w.dev.count("POST", "/v1/auth/approle/login"),
        1,
        "no re-login after a denial"
    );
    // Repeated denials of one kind are remembered: one read each.
    assert_eq!(w.dev.count("GET", "/v1/secret/data/org_a/jira"), 1);
}

fn ten_health_checks_log_in_at_most_once<H: Host>() {
    let w = World::new(LONG);
    let h = H::build(&Options::default());
    h.register("org_a", w.approle_config("org_a"));
    for _ in 0..10 {
        let report = w.checked_health(h.health("org_a"));
        assert!(report.ok, "{report:?}");
        assert_eq!(report.checks, ["auth", "mount", "kv_v2", "read_capability"]);
    }
    w.checked(h.resolve("org_a", "api-key")).unwrap();
    assert_eq!(w.dev.count("POST", "/v1/auth/approle/login"), 1);
}

fn a_wrong_mount_is_mount_not_found<H: Host>() {
    let w = World::new(LONG);
    let h = H::build(&Options::default());
    let root = VaultConfig::token(&w.dev.url(), "nosuchmount", &w.root).unwrap();
    h.register("org_a", root);
    let report = h.health("org_a");
    assert!(!report.ok);
    assert_eq!(
        report.error.as_ref().unwrap().reason,
        Reason::MountNotFound,
        "{report:?}"
    );
    assert_eq!(report.to_json()["reason"], "mount_not_found");
    assert_eq!(
        w.reason(h.resolve("org_a", "api-key")),
        Reason::MountNotFound
    );
}

fn dropped_login_tokens_are_revoked_but_token_mode_tokens_never<H: Host>() {
    let w = World::new(LONG);
    let h = H::build(&Options::default());
    let revocations = || w.dev.count("POST", "/v1/auth/token/revoke-self");
    let last_token = |org: &str| {
        w.dev
            .requests()
            .into_iter()
            .rev()
            .find(|r| r.path.starts_with(&format!("/v1/secret/data/{org}/")))
            .and_then(|r| r.header("x-vault-token").map(str::to_owned))
            .unwrap()
    };
    // Unregistering an AppRole org revokes its login token.
    h.register("org_a", w.approle_config("org_a"));
    w.checked(h.resolve("org_a", "api-key")).unwrap();
    let token = last_token("org_a");
    assert!(h.unregister("org_a"));
    eventually("the revocation", || revocations() == 1);
    assert!(!w.dev.is_token_valid(&token));
    // Replacing a config revokes the old login's token.
    h.register("org_b", w.approle_config("org_b"));
    w.checked(h.resolve("org_b", "api-key")).unwrap();
    let token = last_token("org_b");
    h.register("org_b", w.k8s_config("org_b"));
    eventually("the revocation", || revocations() == 2);
    assert!(!w.dev.is_token_valid(&token));
    // Shutdown revokes every login token, never a token-mode token.
    h.register("org_a", w.token_config("org_a"));
    w.checked(h.resolve("org_a", "api-key")).unwrap();
    w.checked(h.resolve("org_b", "api-key")).unwrap();
    let k8s_token = last_token("org_b");
    h.shutdown();
    eventually("the revocation", || revocations() == 3);
    assert!(!w.dev.is_token_valid(&k8s_token));
    assert!(
        w.dev.is_token_valid(&last_token("org_a")),
        "token mode: the operator's token"
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(revocations(), 3);
}

fn a_revoked_token_is_replaced_once_in_either_vault_error_shape<H: Host>() {
    for newer in [false, true] {
        let w = World::new(LONG);
        w.dev.set_invalid_token_errors(newer);
        let h = H::build(&Options::default());
        h.register("org_a", w.approle_config("org_a"));
        w.checked(h.resolve("org_a", "api-key")).unwrap();
        let token = w
            .dev
            .requests()
            .into_iter()
            .rev()
            .find_map(|r| r.header("x-vault-token").map(str::to_owned))
            .unwrap();
        assert!(w.dev.revoke_token(&token));
        w.checked(h.resolve("org_a", "jira")).unwrap();
        assert_eq!(
            w.dev.count("POST", "/v1/auth/approle/login"),
            2,
            "1.17 shape: {newer}"
        );
        // Token mode: a dead token is auth_failed for resolve and health alike.
        h.register(
            "org_b",
            VaultConfig::token(&w.dev.url(), "secret", "hvs.DEADdeadDEADdeadDEAD00").unwrap(),
        );
        assert_eq!(w.reason(h.resolve("org_b", "api-key")), Reason::AuthFailed);
        let report = h.health("org_b");
        assert_eq!(report.error.unwrap().reason, Reason::AuthFailed);
    }
}

fn a_rate_limited_login_is_retried_honouring_retry_after<H: Host>() {
    let w = World::new(LONG);
    let quota = br#"{"errors":["request path \"auth/approle/login\": rate limit quota exceeded"]}"#;
    w.dev.inject(
        FaultRule::new(
            PathMatch::exact("/v1/auth/approle/login"),
            Fault::Status {
                status: 429,
                body: quota.to_vec(),
                headers: vec![("Retry-After".into(), "1".into())],
            },
        )
        .times(1),
    );
    let h = H::build(&Options::default());
    h.register("org_a", w.approle_config("org_a"));
    w.checked(h.resolve("org_a", "api-key")).unwrap();
    assert_eq!(
        w.dev.count("POST", "/v1/auth/approle/login"),
        2,
        "refused once, then in"
    );
}

/// The roleId of an org's AppRole role in `w`.
fn role_id(w: &World, org: &str) -> String {
    let text = std::fs::read_to_string(w.dir.join(format!("{org}.approle"))).unwrap();
    text.lines().next().unwrap().to_owned()
}

fn a_wrapped_secret_id_is_looked_up_unwrapped_once_and_logged_in_with<H: Host>() {
    let mut w = World::new(LONG);
    let wrapping = w
        .dev
        .wrapped_secret_id("role-org_a", Duration::from_secs(120));
    w.canaries.push(wrapping.clone());
    let config =
        VaultConfig::approle_wrapped(&w.dev.url(), "secret", &role_id(&w, "org_a"), &wrapping)
            .unwrap();
    let h = H::build(&Options::default());
    h.register("org_a", config.clone());
    w.checked(h.resolve("org_a", "api-key")).unwrap();
    assert_eq!(w.dev.count("POST", "/v1/sys/wrapping/lookup"), 1);
    assert_eq!(w.dev.count("POST", "/v1/sys/wrapping/unwrap"), 1);
    assert_eq!(w.dev.count("POST", "/v1/auth/approle/login"), 1);
    // Another host given the same (now used) wrapping token: auth_failed, saying what to do.
    let other = H::build(&Options::default());
    other.register("org_a", config);
    let e = other.resolve("org_a", "api-key").unwrap_err();
    assert_eq!(e.reason, Reason::AuthFailed);
    assert!(e.message.contains("deliver a new one"), "{}", e.message);
    assert!(!e.message.contains(&wrapping));
}

fn a_tampered_wrapping_token_is_refused_and_not_unwrapped<H: Host>() {
    let mut w = World::new(LONG);
    let data = serde_json::json!({"secret_id": "planted-secret-id"});
    let wrapping = w
        .dev
        .wrap_data("sys/wrapping/wrap", data, Duration::from_secs(120));
    w.canaries.push(wrapping.clone());
    let config =
        VaultConfig::approle_wrapped(&w.dev.url(), "secret", &role_id(&w, "org_a"), &wrapping)
            .unwrap();
    let h = H::build(&Options::default());
    h.register("org_a", config);
    let e = h.resolve("org_a", "api-key").unwrap_err();
    assert_eq!(e.reason, Reason::AuthFailed);
    assert!(e.message.contains("tampered"), "{}", e.message);
    assert_eq!(w.dev.count("POST", "/v1/sys/wrapping/unwrap"), 0);
    assert!(
        w.dev.is_token_valid(&wrapping),
        "the lookup does not use the token up"
    );
}

vaultcred_tests::conformance!(
    a_rate_limited_login_is_retried_honouring_retry_after,
    a_revoked_token_is_replaced_once_in_either_vault_error_shape,
    a_wrapped_secret_id_is_looked_up_unwrapped_once_and_logged_in_with,
    a_tampered_wrapping_token_is_refused_and_not_unwrapped,
    denied_kinds_cost_no_login_and_no_secret_id_use,
    ten_health_checks_log_in_at_most_once,
    a_wrong_mount_is_mount_not_found,
    dropped_login_tokens_are_revoked_but_token_mode_tokens_never,
);
