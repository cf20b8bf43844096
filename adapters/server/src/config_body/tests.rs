#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn options() -> RegistryOptions {
    RegistryOptions::default()
}

fn public() -> AddressPolicy {
    AddressPolicy::public_only()
}

fn approle() -> VaultConfig {
    VaultConfig::approle(
        "https://vault.example.com",
        "secret",
        "role-1",
        "SID-CANARY-1",
    )
    .unwrap()
}

fn fields(problems: &[ConfigProblem]) -> Vec<&str> {
    problems.iter().map(|p| p.field.as_str()).collect()
}

#[test]
fn every_problem_is_listed_at_once() {
    let body =
        br#"{"providerType":"aws","config":{"addr":"ftp://x","authMode":"approle"},"extra":1}"#;
    let problems = candidate(body, None, &options(), &public()).unwrap_err();
    let fields = fields(&problems);
    assert!(fields.contains(&"providerType"), "{problems:?}");
    assert!(fields.contains(&"addr"), "{problems:?}");
    assert!(fields.contains(&"roleId"), "{problems:?}");
    assert!(
        problems.iter().any(|p| p.message.contains("\"extra\"")),
        "{problems:?}"
    );
}

#[test]
fn bodies_that_are_not_objects_are_one_problem() {
    for body in [&b"not json"[..], b"[]", b"\"vault\"", b""] {
        let problems = candidate(body, None, &options(), &public()).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
    }
    let problems = candidate(
        br#"{"providerType":"vault","config":[]}"#,
        None,
        &options(),
        &public(),
    )
    .unwrap_err();
    assert_eq!(fields(&problems)[0], "config");
}

#[test]
fn keep_takes_the_stored_secret_only_in_the_same_mode() {
    let stored = approle();
    let body = br#"{"providerType":"vault","config":{"addr":"https://vault.example.com","mount":"kv2","authMode":"approle","roleId":"role-1"},"keep":["secretId"]}"#;
    let config = candidate(body, Some(&stored), &options(), &public()).unwrap();
    assert_eq!(config.to_json(true)["secretId"], "SID-CANARY-1");
    assert_eq!(config.mount(), "kv2");

    // Another auth mode: nothing to keep.
    let token = VaultConfig::token("https://vault.example.com", "secret", "hvs.X").unwrap();
    let problems = candidate(body, Some(&token), &options(), &public()).unwrap_err();
    assert_eq!(fields(&problems), ["secretId"]);
    // Nothing stored.
    assert_eq!(
        fields(&candidate(body, None, &options(), &public()).unwrap_err()),
        ["secretId"]
    );
    // Kept and given.
    let both = br#"{"providerType":"vault","config":{"addr":"https://vault.example.com","mount":"kv2","authMode":"approle","roleId":"role-1","secretId":"s2"},"keep":["secretId"]}"#;
    assert_eq!(
        fields(&candidate(both, Some(&stored), &options(), &public()).unwrap_err()),
        ["secretId"]
    );
    // Only secret fields may be kept.
    let addr = br#"{"providerType":"vault","config":{"addr":"https://vault.example.com","mount":"kv2","authMode":"approle","roleId":"role-1","secretId":"s2"},"keep":["addr"]}"#;
    assert_eq!(
        fields(&candidate(addr, Some(&stored), &options(), &public()).unwrap_err()),
        ["keep"]
    );
}

#[test]
fn a_jwt_path_the_operator_did_not_allow_is_refused() {
    let body = br#"{"providerType":"vault","config":{"addr":"https://vault.example.com","mount":"secret","authMode":"kubernetes","role":"r","jwtPath":"/etc/vaultcred/platform.key"}}"#;
    let problems = candidate(body, None, &options(), &public()).unwrap_err();
    assert_eq!(fields(&problems), ["jwtPath"]);
    let allowed = options().allow_jwt_path("/etc/vaultcred/platform.key");
    assert!(candidate(body, None, &allowed, &public()).is_ok());
}

#[test]
fn the_redacted_view_and_the_changes_never_hold_a_secret() {
    let old = approle();
    let new =
        VaultConfig::approle("https://vault.example.com", "kv2", "role-1", "SID-CANARY-2").unwrap();
    let shown = redacted(&old).to_string();
    assert!(!shown.contains("SID-CANARY"), "{shown}");
    assert!(shown.contains(r#""secretsSet":["secretId"]"#), "{shown}");

    let changed = changes(Some(&old), Some(&new));
    let text = changed.to_string();
    assert!(!text.contains("SID-CANARY"), "{text}");
    assert_eq!(
        changed,
        json!([
            {"field": "mount", "from": "secret", "to": "kv2"},
            {"field": "secretId", "secret": "changed"},
        ])
    );
    let created = changes(None, Some(&old));
    assert!(
        created
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == &json!({"field": "secretId", "secret": "set"}))
    );
    assert!(!created.to_string().contains("SID-CANARY"));
    let deleted = changes(Some(&old), None);
    assert!(
        deleted
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == &json!({"field": "secretId", "secret": "removed"}))
    );
}

#[test]
fn an_addr_that_is_a_refused_ip_is_a_problem_on_addr() {
    for addr in [
        "http://169.254.169.254",
        "http://127.0.0.1:8200",
        "https://10.0.0.5",
        "http://[::1]:8200",
        "http://[::ffff:192.168.1.1]",
    ] {
        let body = json!({"providerType": "vault", "config": {"addr": addr, "mount": "secret", "authMode": "token", "token": "hvs.X"}});
        let problems =
            candidate(body.to_string().as_bytes(), None, &options(), &public()).unwrap_err();
        assert_eq!(fields(&problems), ["addr"], "{addr}");
        assert!(problems[0].message.contains("--allow-addr"), "{problems:?}");
    }
    // Allowed ranges, public addresses and host names (checked at connect time) pass.
    let allowed = public().allow("10.0.0.0/8").unwrap();
    let body = json!({"providerType": "vault", "config": {"addr": "https://10.0.0.5", "mount": "secret", "authMode": "token", "token": "hvs.X"}});
    assert!(candidate(body.to_string().as_bytes(), None, &options(), &allowed).is_ok());
    for addr in ["https://vault.example.com", "https://203.0.114.10"] {
        let body = json!({"providerType": "vault", "config": {"addr": addr, "mount": "secret", "authMode": "token", "token": "hvs.X"}});
        assert!(
            candidate(body.to_string().as_bytes(), None, &options(), &public()).is_ok(),
            "{addr}"
        );
    }
}
