// The check of the fuzz target `cli_output`: whatever a server answers, at whatever time, the
// CLI's output path prints well-formed lines and never panics.
//
// `include!`d after `logic.rs` by `fuzz/fuzz_targets/cli_output.rs` (which brings in the CLI's
// own `output.rs` and `script.rs` with `#[path]`) and by the CLI's corpus replay test
// (`adapters/cli/src/fuzz_corpus.rs`), so both judge an input with the same code and the very
// functions the binary prints with: `crate::output` and `crate::script`.

/// The CLI's resolve, watch and health lines, and its script formats, of one [`response`] run.
///
/// Input: one byte choosing the clock's start (`byte << 40` ms after the epoch: from 1970 to
/// past the year 10,000, so leases push times beyond what RFC 3339 can print), then a
/// [`response`] input.
///
/// Checks: no panic; every JSON line is one line that parses back; `resolvedAt` and `refreshAt`
/// are 24-character RFC 3339 times (clamped at `9999-12-31T23:59:59.999Z`) in that order; a
/// masked value shows at most 4 characters and never a whole value of 8 characters or more; an
/// `env` line is `NAME='…'` with a shell-safe name; a script error names fields, never values;
/// an error line carries the core's message and reason unchanged.
pub fn cli_output(data: &[u8]) {
    let Some((&when, rest)) = data.split_first() else {
        return;
    };
    let start = SystemTime::UNIX_EPOCH + Duration::from_millis(u64::from(when) << 40);
    match fuzz_run(rest, start) {
        FuzzRun::Resolve(None) => {}
        FuzzRun::Resolve(Some(Ok(credential))) => cli_credential(&credential),
        FuzzRun::Resolve(Some(Err(error))) => {
            let line = crate::output::failure_line(Some("failed"), FUZZ_ORG, FUZZ_KIND, &error);
            let back = cli_one_line(&line);
            assert_eq!(back["error"]["reason"], error.reason.as_str());
            assert_eq!(back["error"]["message"], error.message.as_str());
        }
        FuzzRun::Health(report) => {
            cli_one_line(&report.to_json());
        }
    }
}

/// The checks of a resolved credential's lines (see [`cli_output`]).
fn cli_credential(credential: &vaultcred_core::Credential) {
    let values: Vec<&str> = match credential.value() {
        vaultcred_core::SecretValue::Value(v) => vec![v.expose()],
        vaultcred_core::SecretValue::MultiField(fields) => {
            fields.values().map(|v| v.expose()).collect()
        }
    };
    for (event, reveal) in [(None, false), (Some("rotated"), false), (None, true)] {
        let line = crate::output::credential_line(event, credential, reveal);
        let back = cli_one_line(&line);
        let resolved = cli_timestamp(&back["resolvedAt"]);
        let refresh = cli_timestamp(&back["refreshAt"]);
        assert!(resolved <= refresh, "resolvedAt after refreshAt: {back}");
        let shown: Vec<&serde_json::Value> = match (&back["value"], &back["multiField"]) {
            (serde_json::Value::String(_), serde_json::Value::Null) => vec![&back["value"]],
            (serde_json::Value::Null, serde_json::Value::Object(fields)) => {
                fields.values().collect()
            }
            _ => panic!("a credential line has exactly one of value and multiField: {back}"),
        };
        assert_eq!(shown.len(), values.len(), "{back}");
        if !reveal {
            let text = serde_json::to_string(&line).expect("a JSON value serialises");
            for shown in shown {
                let shown = shown.as_str().expect("a masked value is a string");
                assert!(
                    shown.ends_with('…') && shown.chars().count() <= 5,
                    "{shown:?}"
                );
            }
            // What the line legitimately shows besides the masked values: the other keys and
            // the multiField names. A value that occurs there proves nothing either way.
            let mut others = back.clone();
            if let Some(fields) = others.get_mut("multiField").and_then(|f| f.as_object_mut()) {
                fields
                    .values_mut()
                    .for_each(|v| *v = serde_json::Value::Null);
            }
            others["value"] = serde_json::Value::Null;
            let others = serde_json::to_string(&others).expect("a JSON value serialises");
            for value in values.iter().filter(|v| v.chars().count() >= 8) {
                let escaped = serde_json::to_string(value).expect("a string serialises");
                let escaped = escaped.trim_matches('"');
                if !others.contains(escaped) {
                    assert!(
                        !text.contains(escaped),
                        "a masked line shows {value:?}: {text}"
                    );
                }
            }
        }
    }
    for line in crate::script::env_lines(credential) {
        let (name, quoted) = line.split_once('=').expect("an env line has a '='");
        assert!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
            "not a shell-safe name: {name:?}"
        );
        assert!(
            quoted.starts_with('\'') && quoted.ends_with('\''),
            "{quoted:?}"
        );
    }
    let asked = crate::script::VALUE_FIELD;
    for result in [
        crate::script::field(credential, asked),
        crate::script::raw(credential),
    ] {
        if let Err(message) = result {
            // The message names the kind and the field names; a value that is part of one of
            // those proves nothing.
            let names: Vec<&str> = match credential.value() {
                vaultcred_core::SecretValue::Value(_) => vec![credential.kind(), asked],
                vaultcred_core::SecretValue::MultiField(fields) => fields
                    .keys()
                    .map(String::as_str)
                    .chain([credential.kind(), asked])
                    .collect(),
            };
            let named = |v: &str| names.iter().any(|n| n.contains(v));
            for value in values.iter().filter(|v| v.len() >= 8 && !named(v)) {
                assert!(
                    !message.contains(*value),
                    "an error shows a value: {message}"
                );
            }
        }
    }
}

/// `line` printed as the CLI prints it: one line, which parses back to the same value.
fn cli_one_line(line: &serde_json::Value) -> serde_json::Value {
    let text = serde_json::to_string(line).expect("a JSON value serialises");
    assert!(!text.contains('\n') && !text.contains('\r'), "{text}");
    let back: serde_json::Value = serde_json::from_str(&text).expect("a printed line parses");
    assert_eq!(&back, line);
    back
}

/// A printed time: 24 characters of RFC 3339 UTC with milliseconds, at most year 9999.
fn cli_timestamp(value: &serde_json::Value) -> SystemTime {
    let text = value.as_str().expect("a time is a string");
    assert!(text.len() == 24 && text.ends_with('Z'), "{text:?}");
    humantime::parse_rfc3339(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}
