//! KV v2 reads and field probing.
//!
//! The secret lives in `data.data`. The primary scalar is the first present of `value`,
//! `accessToken`, `apiKey`, `token` (strings as they are, numbers and booleans stringified; null,
//! objects and arrays skipped). Without one, every non-null field becomes `multiField`.

use crate::error::Reason;
use crate::secret::{Scrubber, SecretString};
use crate::wire::lease_secs;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// Field names probed for the primary scalar, in priority order.
pub const PRIMARY_FIELDS: [&str; 4] = ["value", "accessToken", "apiKey", "token"];

/// What a secret holds: one primary value, or several named fields.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretValue {
    /// The primary scalar (from `value`, `accessToken`, `apiKey` or `token`).
    Value(SecretString),
    /// Every field, when no primary field exists.
    MultiField(BTreeMap<String, SecretString>),
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretValue::Value(_) => f.write_str("Value([redacted])"),
            SecretValue::MultiField(fields) => {
                f.write_str("MultiField(")?;
                f.debug_map()
                    .entries(fields.keys().map(|k| (k, "[redacted]")))
                    .finish()?;
                f.write_str(")")
            }
        }
    }
}

/// Picks the primary field of a `data.data` object, or gathers every field.
///
/// Returns `None` when nothing usable is there (empty object, or only nulls).
///
/// ```
/// use vaultcred_core::kv::{probe, SecretValue};
/// let data = serde_json::json!({"apiKey": "k-1", "token": "t-1"});
/// match probe(data.as_object().unwrap()) {
///     Some(SecretValue::Value(v)) => assert_eq!(v.expose(), "k-1"),
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn probe(data: &Map<String, Value>) -> Option<SecretValue> {
    for field in PRIMARY_FIELDS {
        if let Some(value) = data.get(field).and_then(scalar) {
            return Some(SecretValue::Value(SecretString::from(value)));
        }
    }
    let fields: BTreeMap<String, SecretString> = data
        .iter()
        .filter_map(|(k, v)| {
            let text = match v {
                Value::Null => return None,
                Value::Object(_) | Value::Array(_) => v.to_string(),
                other => scalar(other)?,
            };
            Some((k.clone(), SecretString::from(text)))
        })
        .collect();
    (!fields.is_empty()).then_some(SecretValue::MultiField(fields))
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Object(_) | Value::Array(_) => None,
    }
}

/// A successful KV v2 read.
#[derive(Debug)]
pub(crate) struct KvRead {
    pub value: SecretValue,
    pub version: Option<u64>,
    pub lease_secs: u64,
}

/// Parses the body of a KV v2 read answered 200 or 404.
///
/// `Err((reason, message))` for missing and malformed secrets. The message names the path (not a
/// secret) and never includes values.
pub(crate) fn parse_read(
    status: u16,
    body: &[u8],
    path: &str,
    scrubber: &Scrubber<'_>,
) -> Result<KvRead, (Reason, String)> {
    if status == 204 || (status == 200 && body.iter().all(u8::is_ascii_whitespace)) {
        return Err((
            Reason::Missing,
            format!("Vault returned no secret at {path} (empty answer)"),
        ));
    }
    if status == 200
        && let Some(read) = parse_fast(body)
    {
        return Ok(read);
    }
    parse_slow(status, body, path, scrubber)
}

/// The full path: parses the body into a `Value` and explains every shape precisely.
fn parse_slow(
    status: u16,
    body: &[u8],
    path: &str,
    scrubber: &Scrubber<'_>,
) -> Result<KvRead, (Reason, String)> {
    let invalid = |what: &str| {
        (
            Reason::InvalidResponse,
            format!("unreadable KV v2 response for {path}: {what}"),
        )
    };
    let envelope: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) if status == 404 => {
            return Err((Reason::Missing, format!("no secret at {path}")));
        }
        Err(e) => return Err(invalid(&json_problem(&e))),
    };
    let Some(envelope) = envelope.as_object() else {
        return Err(invalid("the body is not a JSON object"));
    };
    if status == 404 {
        return Err((Reason::Missing, missing_message(envelope, path, scrubber)));
    }
    if let Some(errors) = crate::wire::error_array(envelope)
        && !envelope.contains_key("data")
    {
        let said = crate::wire::flatten_errors(&errors);
        return Err(invalid(&format!(
            "a success status carrying errors: {}",
            scrubber.scrub(&said)
        )));
    }
    let lease =
        lease_secs(envelope.get("lease_duration"), "lease_duration").map_err(|m| invalid(&m))?;
    let outer = match envelope.get("data") {
        Some(Value::Object(outer)) => outer,
        None | Some(Value::Null) => {
            return Err((Reason::Missing, format!("Vault returned no data at {path}")));
        }
        Some(_) => return Err(invalid("\"data\" is not an object")),
    };
    let version = match outer.get("metadata") {
        Some(Value::Object(meta)) => match meta.get("version") {
            Some(Value::Number(n)) => Some(
                n.as_u64()
                    .ok_or_else(|| invalid("metadata.version is not a whole number"))?,
            ),
            None | Some(Value::Null) => None,
            Some(_) => return Err(invalid("metadata.version is not a number")),
        },
        _ => None,
    };
    let data = match outer.get("data") {
        Some(Value::Object(data)) => data,
        None if !outer.contains_key("metadata") => {
            return Err(invalid(
                "no \"data.data\" object; is the mount KV version 1? vaultcred reads KV v2",
            ));
        }
        None | Some(Value::Null) => {
            return Err((
                Reason::Missing,
                format!("the secret at {path} holds no data"),
            ));
        }
        Some(_) => return Err(invalid("\"data.data\" is not an object")),
    };
    match probe(data) {
        Some(value) => Ok(KvRead {
            value,
            version,
            lease_secs: lease,
        }),
        None => Err((
            Reason::Missing,
            format!("the secret at {path} has no non-null fields"),
        )),
    }
}

/// The well-formed success envelope, reading only what the core uses; serde skips every other
/// field (request_id, timestamps, custom_metadata, warnings…) without building it.
#[derive(serde::Deserialize)]
struct FastEnvelope {
    #[serde(default)]
    lease_duration: Option<u64>,
    #[serde(default)]
    data: Option<FastOuter>,
    #[serde(default)]
    errors: Option<serde::de::IgnoredAny>,
}

#[derive(serde::Deserialize)]
struct FastOuter {
    #[serde(default)]
    data: Option<Map<String, Value>>,
    #[serde(default)]
    metadata: Option<FastMetadata>,
}

#[derive(serde::Deserialize)]
struct FastMetadata {
    #[serde(default)]
    version: Option<u64>,
}

/// The hot path: a 200 whose envelope has the expected shape and a usable `data.data`. Anything
/// else (a type mismatch, a duplicate key, an `errors` member, no usable field) returns `None`
/// and the full `Value`-based path below produces the precise outcome and message, so both
/// paths always agree.
fn parse_fast(body: &[u8]) -> Option<KvRead> {
    let envelope: FastEnvelope = serde_json::from_slice(body).ok()?;
    if envelope.errors.is_some() {
        return None;
    }
    let outer = envelope.data?;
    let value = probe(outer.data.as_ref()?)?;
    Some(KvRead {
        value,
        version: outer.metadata.and_then(|m| m.version),
        lease_secs: envelope.lease_duration.unwrap_or(0),
    })
}

fn json_problem(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Eof => "truncated JSON".into(),
        _ if e.to_string().contains("recursion limit") => "JSON nested too deeply".into(),
        _ if e.to_string().contains("number out of range") => "a number out of range".into(),
        _ => format!("malformed JSON at line {}, column {}", e.line(), e.column()),
    }
}

/// Explains a 404: deleted, destroyed, invalid path, or simply not there.
fn missing_message(envelope: &Map<String, Value>, path: &str, scrubber: &Scrubber<'_>) -> String {
    let meta = envelope
        .get("data")
        .and_then(Value::as_object)
        .and_then(|d| d.get("metadata"))
        .and_then(Value::as_object);
    if let Some(meta) = meta {
        let version = meta
            .get("version")
            .and_then(Value::as_u64)
            .map_or_else(String::new, |v| format!(" {v}"));
        if meta.get("destroyed").and_then(Value::as_bool) == Some(true) {
            return format!("version{version} of the secret at {path} was destroyed");
        }
        if meta
            .get("deletion_time")
            .and_then(Value::as_str)
            .is_some_and(|t| !t.is_empty())
        {
            return format!("version{version} of the secret at {path} was deleted");
        }
    }
    if let Some(Value::Array(warnings)) = envelope.get("warnings")
        && let Some(first) = warnings.first().and_then(Value::as_str)
    {
        return format!(
            "no secret at {path}: Vault warns: {}",
            scrubber.scrub(first)
        );
    }
    if let Some(Value::Array(errors)) = envelope.get("errors")
        && let Some(first) = errors.first().and_then(Value::as_str)
    {
        return format!("no secret at {path}: {}", scrubber.scrub(first));
    }
    format!("no secret at {path}")
}

#[cfg(test)]
mod tests {
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
        let Some(SecretValue::MultiField(m)) = probe_json(
            json!({"site":"s","email":"e","n":3,"nested":{"a":1},"gone":null,"value":null}),
        ) else {
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
        let destroyed = br#"{"data":{"data":null,"metadata":{"deletion_time":"","destroyed":true,"version":2}}}"#;
        assert_eq!(
            parse_read(404, destroyed, "p", &s).unwrap_err().1,
            "version 2 of the secret at p was destroyed"
        );
    }
}
