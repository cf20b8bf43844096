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

/// RFC 3339 UTC with milliseconds, clamped to four-digit years: the core's
/// [`vaultcred_core::time::rfc3339`], the format of every time the CLI prints.
pub(crate) fn timestamp(at: SystemTime) -> String {
    vaultcred_core::time::rfc3339(at)
}

/// A user-given name (a kind, an org) as it may appear in a log event or an `error:` line: as
/// given when it is a valid path segment with nothing to escape, else quoted and escaped like
/// Rust's `Debug` (`"a\nb"`, `"x\u{202e}"`), so it can never start a line of its own or reorder
/// the text around it (U+202E).
pub(crate) fn shown_name<'a>(what: &'static str, name: &'a str) -> std::borrow::Cow<'a, str> {
    let plain = vaultcred_core::path::validate_segment(what, name).is_ok()
        && name.escape_debug().eq(name.chars());
    if plain {
        std::borrow::Cow::Borrowed(name)
    } else {
        std::borrow::Cow::Owned(format!("{name:?}"))
    }
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
    use std::time::Duration;

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

    /// Every millisecond value a credential's time can hold prints as a 24-character RFC 3339
    /// time that parses back, clamped to year 9999: no panic, no five-digit year.
    #[test]
    fn any_millisecond_value_prints_a_valid_clamped_timestamp() {
        let max = "9999-12-31T23:59:59.999Z";
        let mut values = vec![
            0,
            1,
            1_795_933_308_123,
            vaultcred_core::time::LATEST_RFC3339_MS - 1,
            vaultcred_core::time::LATEST_RFC3339_MS,
            vaultcred_core::time::LATEST_RFC3339_MS + 1,
            320_000_000_000 * 1000 + 1_795_933_308_123,
            u64::MAX / 2,
            u64::MAX - 1,
            u64::MAX,
        ];
        // And a spread over the whole u64 range (a fixed LCG: reproducible).
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2000 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            values.push(x >> (x % 64));
        }
        for ms in values {
            let Some(at) = SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(ms)) else {
                continue;
            };
            let text = timestamp(at);
            assert_eq!(text.len(), 24, "{ms}: {text}");
            assert!(text.ends_with('Z'), "{ms}: {text}");
            let back = humantime::parse_rfc3339(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            if ms >= vaultcred_core::time::LATEST_RFC3339_MS {
                assert_eq!(text, max, "{ms}");
            } else {
                assert_eq!(
                    back,
                    SystemTime::UNIX_EPOCH + Duration::from_millis(ms),
                    "{ms}"
                );
            }
        }
        let before = SystemTime::UNIX_EPOCH.checked_sub(Duration::from_secs(86_400));
        if let Some(before) = before {
            assert_eq!(timestamp(before), "1970-01-01T00:00:00.000Z");
        }
    }

    #[test]
    fn invalid_names_are_escaped_valid_ones_shown_as_given() {
        assert_eq!(shown_name("kind", "anthropic-api-key"), "anthropic-api-key");
        assert_eq!(
            shown_name("kind", "a\n2026-12-01T00:00:00Z INFO forged"),
            "\"a\\n2026-12-01T00:00:00Z INFO forged\""
        );
        assert_eq!(shown_name("kind", "x\u{202e}y"), "\"x\\u{202e}y\"");
    }
}
