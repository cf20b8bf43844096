//! `vaultcred dev-server --seed FILE`: the seed file's format and its validation.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};
use vaultcred_core::path::validate_mount;

use crate::failure::Failure;

/// Seed data: mount → secret path → data object.
pub(crate) type Seed = BTreeMap<String, Vec<(String, Map<String, Value>)>>;

/// Reads and validates a seed file: `{"MOUNT": {"PATH": {"FIELD": VALUE, ...}, ...}, ...}`.
pub(crate) fn load_seed(path: &Path) -> Result<Seed, Failure> {
    let shown = path.display();
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::usage(format!("cannot read --seed {shown}: {e}")))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        Failure::usage(format!(
            "--seed {shown}: not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    parse_seed(&value).map_err(|problems| Failure {
        code: crate::failure::EXIT_USAGE,
        lines: problems
            .into_iter()
            .map(|p| format!("--seed {shown}: {p}"))
            .collect(),
    })
}

/// Validates seed JSON; every problem names its location (never a secret value).
fn parse_seed(value: &Value) -> Result<Seed, Vec<String>> {
    const SHAPE: &str = "{\"MOUNT\": {\"PATH\": {\"FIELD\": \"VALUE\"}}}";
    let Some(mounts) = value.as_object() else {
        return Err(vec![format!(
            "must be a JSON object of mounts, like {SHAPE}"
        )]);
    };
    let mut problems = Vec::new();
    let mut seed = Seed::new();
    for (mount, secrets) in mounts {
        if let Err(e) = validate_mount(mount) {
            problems.push(format!("mount {mount:?}: {e}"));
            continue;
        }
        let Some(secrets) = secrets.as_object() else {
            problems.push(format!(
                "mount {mount:?}: must be a JSON object of secret paths, like {SHAPE}"
            ));
            continue;
        };
        let entry = seed.entry(mount.clone()).or_default();
        for (path, data) in secrets {
            let clean = path.trim_matches('/');
            if clean.is_empty()
                || clean
                    .split('/')
                    .any(|s| s.is_empty() || s == "." || s == "..")
            {
                problems.push(format!(
                    "{mount:?} → {path:?}: the path must be non-empty segments separated by '/' \
                     (no '.' or '..')"
                ));
                continue;
            }
            match data.as_object() {
                Some(fields) if !fields.is_empty() => {
                    entry.push((clean.to_owned(), fields.clone()));
                }
                Some(_) => problems.push(format!(
                    "{mount:?} → {path:?}: the secret's data must have at least one field"
                )),
                None => problems.push(format!(
                    "{mount:?} → {path:?}: the secret's data must be a JSON object of fields, \
                     like {{\"value\": \"...\"}}"
                )),
            }
        }
    }
    if problems.is_empty() {
        Ok(seed)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seed_parses() {
        let seed = parse_seed(&json!({
            "secret": {"org_abc123/anthropic-api-key": {"value": "sk"}},
            "kv": {"/a/b/": {"x": "1", "y": "2"}}
        }))
        .unwrap();
        assert_eq!(seed["secret"][0].0, "org_abc123/anthropic-api-key");
        assert_eq!(seed["kv"][0].0, "a/b");
    }

    #[test]
    fn seed_problems_name_the_location_not_the_value() {
        let problems = parse_seed(&json!({
            "secret": {"org/a": "sk-TOP-SECRET", "org/b": {}, "../x": {"v": "1"}},
            "bad/../mount": {},
            "kv": []
        }))
        .unwrap_err();
        let text = problems.join("\n");
        assert!(text.contains("\"org/a\""), "{text}");
        assert!(text.contains("\"org/b\""), "{text}");
        assert!(text.contains("\"../x\""), "{text}");
        assert!(text.contains("bad/../mount"), "{text}");
        assert!(text.contains("mount \"kv\""), "{text}");
        assert!(!text.contains("sk-TOP-SECRET"), "{text}");
        assert!(parse_seed(&json!([1])).is_err());
    }
}
