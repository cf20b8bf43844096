//! Unit tests of `kv`.
use super::*;
use serde_json::json;

fn probe_json(v: Value) -> Option<SecretValue> {
    probe(v.as_object().unwrap())
}

fn primary(v: Value) -> Option<String> {
    match probe_json(v) {
        Some(SecretValue::Value(s)) => Some(s.expose().to_owned()),
        _ => None,
    }
}

#[test]
fn priority_order() {
    assert_eq!(
        primary(json!({"token":"t","apiKey":"a","accessToken":"c","value":"v"})).as_deref(),
        Some("v")
    );
    assert_eq!(
        primary(json!({"token":"t","apiKey":"a","accessToken":"c"})).as_deref(),
        Some("c")
    );
    assert_eq!(
        primary(json!({"token":"t","apiKey":"a"})).as_deref(),
        Some("a")
    );
    assert_eq!(
        primary(json!({"token":"t","other":"o"})).as_deref(),
        Some("t")
    );
}

#[test]
fn scalars_are_stringified_and_non_scalars_skipped() {
    assert_eq!(primary(json!({"value": 42})).as_deref(), Some("42"));
    assert_eq!(primary(json!({"value": 1.5})).as_deref(), Some("1.5"));
    assert_eq!(primary(json!({"value": true})).as_deref(), Some("true"));
    assert_eq!(
        primary(json!({"value": null, "apiKey": "a"})).as_deref(),
        Some("a")
    );
    assert_eq!(
        primary(json!({"value": {"x":1}, "token": "t"})).as_deref(),
        Some("t")
    );
    assert_eq!(
        primary(json!({"value": [1], "accessToken": ""})).as_deref(),
        Some("")
    );
}

#[test]
fn multifield_when_no_primary() {
    let Some(SecretValue::MultiField(m)) =
        probe_json(json!({"site":"s","email":"e","n":3,"nested":{"a":1},"gone":null,"value":null}))
    else {
        panic!("expected multiField");
    };
    let keys: Vec<_> = m.keys().map(String::as_str).collect();
    assert_eq!(keys, ["email", "n", "nested", "site"]);
    assert_eq!(m["n"].expose(), "3");
    assert_eq!(m["nested"].expose(), r#"{"a":1}"#);
    assert!(probe_json(json!({})).is_none());
    assert!(probe_json(json!({"a": null})).is_none());
}

#[test]
fn debug_shows_field_names_only() {
    let v = probe_json(json!({"user":"canary-u","pass":"canary-p"})).unwrap();
    let d = format!("{v:?}");
    assert_eq!(
        d,
        r#"MultiField({"pass": "[redacted]", "user": "[redacted]"})"#
    );
}

#[test]
fn read_shapes() {
    let s = Scrubber::default();
    let ok = br#"{"lease_duration":0,"data":{"data":{"value":"v"},"metadata":{"version":7}}}"#;
    let r = parse_read(200, ok, "p", &s).unwrap();
    assert_eq!((r.version, r.lease_secs), (Some(7), 0));
    for (status, body, reason) in [
        (
            200,
            &br#"{"data":{"data":null,"metadata":{"version":1}}}"#[..],
            Reason::Missing,
        ),
        (
            200,
            br#"{"data":{"data":{},"metadata":{"version":1}}}"#,
            Reason::Missing,
        ),
        (200, br#"{"data":null}"#, Reason::Missing),
        (204, b"", Reason::Missing),
        (404, br#"{"errors":[]}"#, Reason::Missing),
        (404, b"<html>", Reason::Missing),
        (
            200,
            br#"{"data":{"data":[1],"metadata":{}}}"#,
            Reason::InvalidResponse,
        ),
        (
            200,
            br#"{"data":{"data":"x","metadata":{}}}"#,
            Reason::InvalidResponse,
        ),
        (
            200,
            br#"{"data":{"password":"p"}}"#,
            Reason::InvalidResponse,
        ),
        (
            200,
            br#"{"lease_duration":-1,"data":{"data":{"value":"v"}}}"#,
            Reason::InvalidResponse,
        ),
        (200, br#"{"errors":["boom"]}"#, Reason::InvalidResponse),
        (200, br#"{"data":{"#, Reason::InvalidResponse),
        (200, b"[]", Reason::InvalidResponse),
    ] {
        let err = parse_read(status, body, "p", &s).unwrap_err();
        assert_eq!(err.0, reason, "{}", String::from_utf8_lossy(body));
    }
}

#[test]
fn the_fast_path_agrees_with_the_full_path() {
    let s = Scrubber::default();
    let bodies = [
        r#"{"request_id":"x","lease_id":"","renewable":false,"lease_duration":0,"data":{"data":{"value":"v"},"metadata":{"created_time":"t","custom_metadata":{"a":"b"},"deletion_time":"","destroyed":false,"version":3}},"wrap_info":null,"warnings":["w"],"auth":null,"mount_type":"kv"}"#,
        r#"{"lease_duration":600,"data":{"data":{"site":"s","email":"e","n":1}}}"#,
        r#"{"data":{"data":{"token":7},"metadata":null}}"#,
        r#"{"lease_duration":null,"data":{"data":{"apiKey":"k"},"metadata":{"version":null}}}"#,
        r#"{"data":{"data":{"value":"a","value":"b"}}}"#,
        r#"{"data":{"data":{"value":null}}}"#,
        r#"{"data":{"data":{"value":"v"},"metadata":"odd"}}"#,
        r#"{"data":{"data":{"value":"v"},"metadata":{"version":-1}}}"#,
        r#"{"lease_duration":-5,"data":{"data":{"value":"v"}}}"#,
        r#"{"data":{"data":{"value":"v"}},"data":{"data":{"value":"w"}}}"#,
        r#"{"errors":["x"],"data":{"data":{"value":"v"}}}"#,
    ];
    for body in bodies {
        let slow = parse_slow(200, body.as_bytes(), "p", &s);
        match parse_fast(body.as_bytes()) {
            Some(fast) => {
                let slow = slow.unwrap_or_else(|e| panic!("{body}: fast ok, slow {e:?}"));
                assert_eq!(
                    (fast.value, fast.version, fast.lease_secs),
                    (slow.value, slow.version, slow.lease_secs),
                    "{body}"
                );
            }
            None => {
                // Declined: the full path decides, and parse_read returns exactly that.
                assert_eq!(
                    parse_read(200, body.as_bytes(), "p", &s).map(|r| (
                        r.value,
                        r.version,
                        r.lease_secs
                    )),
                    slow.map(|r| (r.value, r.version, r.lease_secs)),
                    "{body}"
                );
            }
        }
    }
    assert!(
        parse_fast(bodies[0].as_bytes()).is_some(),
        "the common shape takes the fast path"
    );
}

#[test]
fn explains_deleted_and_destroyed() {
    let s = Scrubber::default();
    let deleted = br#"{"data":{"data":null,"metadata":{"deletion_time":"2024-05-03T11:02:47Z","destroyed":false,"version":3}}}"#;
    assert_eq!(
        parse_read(404, deleted, "secret/data/a/b", &s)
            .unwrap_err()
            .1,
        "version 3 of the secret at secret/data/a/b was deleted"
    );
    let destroyed =
        br#"{"data":{"data":null,"metadata":{"deletion_time":"","destroyed":true,"version":2}}}"#;
    assert_eq!(
        parse_read(404, destroyed, "p", &s).unwrap_err().1,
        "version 2 of the secret at p was destroyed"
    );
}

#[test]
fn numbers_come_out_as_the_exact_text_vault_sent() {
    let body = br#"{"data":{"data":{"value":99999999999999999999},"metadata":{"version":1}}}"#;
    let read = parse_read(200, body, "p", &Scrubber::new(Vec::new())).unwrap();
    match read.value {
        SecretValue::Value(v) => assert_eq!(v.expose(), "99999999999999999999"),
        other => panic!("{other:?}"),
    }
    let body = br#"{"data":{"data":{"port":5432,"ratio":1.50,"big":1e400}}}"#;
    let read = parse_read(200, body, "p", &Scrubber::new(Vec::new())).unwrap();
    let SecretValue::MultiField(fields) = read.value else {
        panic!("multiField expected");
    };
    let shown: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.expose()))
        .collect();
    assert_eq!(
        shown,
        [("big", "1e400"), ("port", "5432"), ("ratio", "1.50")]
    );
}
