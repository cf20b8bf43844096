//! What goes to stdout: JSON lines for credentials and failures, masking, timestamps.

use std::io::Write as _;
use std::time::SystemTime;

use serde_json::{Map, Value};
use vaultcred_core::{Credential, CredentialNotFound, SecretString, SecretValue};

/// The character that ends every masked value.
pub(crate) const MASK: &str = "…";

/// Masks a secret: its first `min(4, len / 4)` characters (counted in chars) followed by `…`.
///
/// A secret shorter than 8 characters shows at most 1 character, one shorter than 4 shows none,
/// and no secret ever shows more than 4 characters or its length.
pub(crate) fn mask(secret: &str) -> String {
    let len = secret.chars().count();
    let shown = (len / 4).min(4);
    let mut out: String = secret.chars().take(shown).collect();
    out.push_str(MASK);
    out
}

fn show(secret: &SecretString, reveal: bool) -> Value {
    if reveal {
        Value::String(secret.expose().to_owned())
    } else {
        Value::String(mask(secret.expose()))
    }
}

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-29T06:21:48.123Z`.
pub(crate) fn timestamp(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

/// The resolve line of a credential; `event` (for `watch`) goes first when given.
///
/// Keys: `[event,] orgId, kind, value | multiField, resolvedAt, refreshAt[, version]`.
pub(crate) fn credential_line(event: Option<&str>, cred: &Credential, reveal: bool) -> Value {
    let mut m = Map::new();
    if let Some(event) = event {
        m.insert("event".into(), event.into());
    }
    m.insert("orgId".into(), cred.org_id().into());
    m.insert("kind".into(), cred.kind().into());
    match cred.value() {
        SecretValue::Value(value) => {
            m.insert("value".into(), show(value, reveal));
        }
        SecretValue::MultiField(fields) => {
            let fields: Map<String, Value> = fields
                .iter()
                .map(|(k, v)| (k.clone(), show(v, reveal)))
                .collect();
            m.insert("multiField".into(), Value::Object(fields));
        }
    }
    m.insert("resolvedAt".into(), timestamp(cred.resolved_at()).into());
    m.insert("refreshAt".into(), timestamp(cred.refresh_at()).into());
    if let Some(version) = cred.version() {
        m.insert("version".into(), version.into());
    }
    Value::Object(m)
}

/// The failure line of a kind; `event` (for `watch`) goes first when given.
///
/// Keys: `[event,] orgId, kind, error: {reason, message}`. The core's messages are redacted.
pub(crate) fn failure_line(
    event: Option<&str>,
    org: &str,
    kind: &str,
    err: &CredentialNotFound,
) -> Value {
    let mut m = Map::new();
    if let Some(event) = event {
        m.insert("event".into(), event.into());
    }
    m.insert("orgId".into(), org.into());
    m.insert("kind".into(), kind.into());
    let mut e = Map::new();
    e.insert("reason".into(), err.reason.as_str().into());
    e.insert("message".into(), err.message.clone().into());
    m.insert("error".into(), Value::Object(e));
    Value::Object(m)
}

/// Writes one compact JSON line to stdout and flushes it.
pub(crate) fn emit(line: &Value) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, line)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_rule() {
        assert_eq!(mask(""), "…");
        assert_eq!(mask("abc"), "…");
        assert_eq!(mask("abcd"), "a…");
        assert_eq!(mask("abcdefg"), "a…");
        assert_eq!(mask("abcdefgh"), "ab…");
        assert_eq!(mask("sk-ant-api03-EXAMPLE"), "sk-a…");
        assert_eq!(mask("ééééééééé"), "éé…");
    }

    #[test]
    fn timestamps_have_millis() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_795_933_308_123);
        assert_eq!(timestamp(t), "2026-11-29T06:21:48.123Z");
        assert_eq!(
            timestamp(SystemTime::UNIX_EPOCH),
            "1970-01-01T00:00:00.000Z"
        );
    }
}
