//! KV v2 reads and field probing.
//!
//! The secret lives in `data.data`. The primary scalar is the first present of `value`,
//! `accessToken`, `apiKey`, `token` (strings as they are, numbers and booleans stringified; null,
//! objects and arrays skipped). Without one, every non-null field becomes `multiField`.

use crate::error::Reason;
use crate::scrub::Scrubber;
use crate::secret::SecretString;
use crate::wire::lease_secs;
use serde_json::value::RawValue;
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

/// The fields of `data.data` as the exact JSON text Vault sent, so numbers keep their digits
/// (`99999999999999999999` is not rewritten as `1e+20`).
type RawFields = BTreeMap<String, Box<RawValue>>;

/// [`probe`] over the raw fields: strings unescaped, numbers and booleans exactly as written,
/// objects and arrays as compact JSON.
fn probe_raw(data: &RawFields) -> Option<SecretValue> {
    for field in PRIMARY_FIELDS {
        if let Some(value) = data.get(field).and_then(|raw| raw_scalar(raw)) {
            return Some(SecretValue::Value(SecretString::from(value)));
        }
    }
    let fields: BTreeMap<String, SecretString> = data
        .iter()
        .filter_map(|(k, raw)| {
            let text = match raw.get().as_bytes().first() {
                Some(b'{' | b'[') => serde_json::from_str::<Value>(raw.get()).ok()?.to_string(),
                _ => raw_scalar(raw)?,
            };
            Some((k.clone(), SecretString::from(text)))
        })
        .collect();
    (!fields.is_empty()).then_some(SecretValue::MultiField(fields))
}

fn raw_scalar(raw: &RawValue) -> Option<String> {
    let text = raw.get();
    match text.as_bytes().first()? {
        b'"' => serde_json::from_str::<String>(text).ok(),
        b'n' | b'{' | b'[' => None,
        _ => Some(text.to_owned()),
    }
}

/// `data.data` of a body already known to have that shape, as raw fields.
fn raw_data_fields(body: &[u8]) -> Option<RawFields> {
    #[derive(serde::Deserialize)]
    struct Outer {
        data: Option<Inner>,
    }
    #[derive(serde::Deserialize)]
    struct Inner {
        data: Option<RawFields>,
    }
    serde_json::from_slice::<Outer>(body).ok()?.data?.data
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
    if status == 404
        && let Some(said) = crate::wire::mount_problem(body)
    {
        return Err((Reason::MountNotFound, scrubber.scrub(&said)));
    }
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
    let probed = match raw_data_fields(body) {
        Some(raw) => probe_raw(&raw),
        None => probe(data),
    };
    match probed {
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
    data: Option<RawFields>,
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
    let value = probe_raw(outer.data.as_ref()?)?;
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
mod tests;
