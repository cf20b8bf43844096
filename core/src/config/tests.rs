//! Unit tests of `config`.
use super::*;

fn fields(err: &ConfigError) -> Vec<&str> {
    err.problems.iter().map(|p| p.field.as_str()).collect()
}

#[test]
fn accepts_each_mode() {
    let t = VaultConfig::from_json(
        br#"{"addr":"https://v:8200/","mount":"/secret/","authMode":"token","token":"hvs.x"}"#,
    )
    .unwrap();
    assert_eq!(t.addr(), "https://v:8200");
    assert_eq!(t.origin(), "https://v:8200");
    assert_eq!(t.mount(), "secret");
    let k = VaultConfig::from_json(
        br#"{"addr":"http://v","mount":"kv/team","authMode":"kubernetes","role":"r"}"#,
    )
    .unwrap();
    assert_eq!(
        k.auth(),
        &Auth::Kubernetes {
            role: "r".into(),
            jwt_path: DEFAULT_JWT_PATH.into(),
            auth_mount: "kubernetes".into(),
        }
    );
    let a = VaultConfig::from_json(br#"{"addr":"https://vault.example.com:8200/prefix","namespace":"team-a/","mount":"secret","authMode":"approle","roleId":"r","secretId":"s","pathTemplate":"{mount}/data/{orgId}/{kind}"}"#).unwrap();
    assert_eq!(a.addr(), "https://vault.example.com:8200/prefix");
    assert_eq!(a.origin(), "https://vault.example.com:8200");
    assert_eq!(a.namespace(), Some("team-a/"));
}

#[test]
fn reports_every_problem_at_once_in_field_order() {
    let err = VaultConfig::from_json(
        br#"{"addr":"ftp://x","mount":"","authMode":"approle","pathTemplate":"{mount}/{nope}/{kind}","colour":"blue"}"#,
    )
    .unwrap_err();
    assert_eq!(
        fields(&err),
        [
            "addr",
            "mount",
            "roleId",
            "secretId",
            "pathTemplate",
            "pathTemplate",
            "colour"
        ]
    );
    let text = err.to_string();
    assert!(text.contains("addr: must be an http(s) URL"), "{text}");
    assert!(text.contains("unknown placeholder {nope}"), "{text}");
    assert!(text.contains("colour: unknown field"), "{text}");
}

#[test]
fn missing_everything() {
    let err = VaultConfig::from_json(b"{}").unwrap_err();
    assert_eq!(fields(&err), ["addr", "mount", "authMode"]);
    let err = VaultConfig::from_json(br#"{"addr":"http://v","mount":"s","authMode":"tokn"}"#)
        .unwrap_err();
    assert_eq!(
        err.problems[0].message,
        "unknown mode \"tokn\": use \"token\", \"approle\" or \"kubernetes\""
    );
    let err = VaultConfig::from_json(br#"{"addr":"http://v","mount":"s","authMode":"kubernetes"}"#)
        .unwrap_err();
    assert_eq!(fields(&err), ["role"]);
}

#[test]
fn wrong_types_and_bad_json() {
    let err =
        VaultConfig::from_json(br#"{"addr":5,"mount":true,"authMode":"token","token":["x"]}"#)
            .unwrap_err();
    assert_eq!(fields(&err), ["addr", "mount", "token"]);
    assert!(err.problems.iter().all(|p| p.message == "must be a string"));
    let err = VaultConfig::from_json(b"{\"addr\":").unwrap_err();
    assert_eq!(fields(&err), ["config"]);
    assert!(err.to_string().contains("not valid JSON"));
    let err = VaultConfig::from_json(b"[1]").unwrap_err();
    assert_eq!(err.problems[0].message, "must be a JSON object");
}

#[test]
fn addr_rules() {
    for (addr, ok) in [
        ("https://vault.example.com:8200", true),
        ("http://127.0.0.1:8200", true),
        ("https://[::1]:8200", true),
        ("vault.example.com:8200", false),
        ("https://user:pw@vault:8200", false),
        ("https://vault:8200/?x=1", false),
        ("https://vault:8200/#f", false),
        ("unix:///tmp/vault.sock", false),
        ("https://", false),
        ("https://v/a/../b", false),
    ] {
        let json =
            serde_json::json!({"addr": addr, "mount": "s", "authMode": "token", "token": "t"});
        assert_eq!(VaultConfig::from_value(&json).is_ok(), ok, "{addr}");
    }
}

#[test]
fn api_payload_form() {
    let err = VaultConfig::from_json(br#"{"providerType":"aws","config":{"addr":"http://v","mount":"s","authMode":"token","token":"t"},"x":1}"#).unwrap_err();
    assert_eq!(fields(&err), ["providerType", "x"]);
    let err = VaultConfig::from_json(br#"{"providerType":"vault"}"#).unwrap_err();
    assert_eq!(fields(&err), ["config"]);
    let err = VaultConfig::from_json(br#"{"vaultcredSealed":1}"#).unwrap_err();
    assert!(err.to_string().contains("sealed envelope"));
}

#[test]
fn secrets_never_appear_in_errors_or_debug() {
    let json = br#"{"addr":"http://v","mount":"s","authMode":"approle","roleId":"canary-role","secretId":"canary secret\u0001"}"#;
    let err = VaultConfig::from_json(json).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("canary"));
    let ok = VaultConfig::from_json(br#"{"addr":"http://v","mount":"s","authMode":"approle","roleId":"canary-role","secretId":"canary-secret"}"#).unwrap();
    assert!(!format!("{ok:?}").contains("canary"));
    assert_eq!(ok.to_json(false)["secretId"], "[redacted]");
    assert_eq!(ok.to_json(true)["secretId"], "canary-secret");
    let t = VaultConfig::from_json(
        br#"{"addr":"http://v","mount":"s","authMode":"token","token":"canary-tok"}"#,
    )
    .unwrap();
    assert!(!format!("{t:?}").contains("canary"));
}

#[test]
fn namespace_rules() {
    let base = |ns: &str| serde_json::json!({"addr":"http://v","mount":"s","authMode":"token","token":"t","namespace":ns});
    assert!(VaultConfig::from_value(&base("team-a/child")).is_ok());
    assert!(VaultConfig::from_value(&base("")).is_err());
    assert!(VaultConfig::from_value(&base("a b")).is_err());
    assert!(VaultConfig::from_value(&base("a/../b")).is_err());
}

#[test]
fn encoded_dot_segments_and_non_ascii_namespaces_are_refused() {
    for addr in [
        "https://v:8200/a/%2e%2e/b",
        "https://v:8200/%2E%2E",
        "https://v:8200/a/%2e",
        "https://v:8200/a%2f..%2fb",
    ] {
        let err = VaultConfig::token(addr, "secret", "hvs.x").unwrap_err();
        assert_eq!(fields(&err), ["addr"], "{addr}");
    }
    let err = VaultConfig::token("https://v", "secret", "hvs.x")
        .unwrap()
        .with_namespace("équipe/")
        .unwrap_err();
    assert_eq!(err.problems[0].message, "must be printable ASCII");
}
