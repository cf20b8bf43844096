//! Output for scripts: `resolve --field NAME`, `--format env` and `--format raw`.
//!
//! Unlike the JSON lines, these print values in full (a masked value is of no use to a script);
//! they never print anything but the values asked for, and their errors name fields, never
//! values.

use vaultcred_core::{Credential, SecretString, SecretValue};

/// The field name that selects a single-value credential's value with `--field`.
pub(crate) const VALUE_FIELD: &str = "value";

/// The value of field `name` of a credential, or an error listing the field names it has.
///
/// A single-value credential (Vault's `value`, `accessToken`, `apiKey` or `token`) answers to
/// `value`; a multi-field credential answers to each of its field names.
pub(crate) fn field<'c>(cred: &'c Credential, name: &str) -> Result<&'c SecretString, String> {
    let missing = |names: Vec<&str>| {
        format!(
            "{} has no field {name:?} (its fields: {})",
            cred.kind(),
            names.join(", ")
        )
    };
    match cred.value() {
        SecretValue::Value(value) if name == VALUE_FIELD => Ok(value),
        SecretValue::Value(_) => Err(missing(vec![VALUE_FIELD])),
        SecretValue::MultiField(fields) => fields
            .get(name)
            .ok_or_else(|| missing(fields.keys().map(String::as_str).collect())),
    }
}

/// `KIND=value` (a single value) or `KIND_FIELD=value` lines (a multi-field credential), with
/// names upper-cased (every character other than an ASCII letter or digit becomes `_`) and
/// values single-quoted, so that `eval "$(vaultcred resolve --format env …)"` sets exactly
/// these variables whatever the values hold.
pub(crate) fn env_lines(cred: &Credential) -> Vec<String> {
    match cred.value() {
        SecretValue::Value(value) => vec![env_line(&[cred.kind()], value)],
        SecretValue::MultiField(fields) => fields
            .iter()
            .map(|(name, value)| env_line(&[cred.kind(), name], value))
            .collect(),
    }
}

fn env_line(parts: &[&str], value: &SecretString) -> String {
    format!("{}={}", env_name(parts), shell_quote(value.expose()))
}

/// A shell variable name: the parts joined by `_`, upper-cased, every character other than an
/// ASCII letter or digit replaced by `_`, and a leading digit prefixed with `_`.
pub(crate) fn env_name(parts: &[&str]) -> String {
    let mut name: String = parts
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// `text` in single quotes for a POSIX shell: each `'` becomes `'\''`; nothing else is special
/// inside single quotes.
pub(crate) fn shell_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// The raw value of a single-value credential, or an error naming its fields.
pub(crate) fn raw(cred: &Credential) -> Result<&SecretString, String> {
    match cred.value() {
        SecretValue::Value(value) => Ok(value),
        SecretValue::MultiField(fields) => Err(format!(
            "{} has several fields ({}): pick one with --field NAME, or use --format env or json",
            cred.kind(),
            fields
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names() {
        assert_eq!(env_name(&["anthropic-api-key"]), "ANTHROPIC_API_KEY");
        assert_eq!(
            env_name(&["jira-credentials", "apiToken"]),
            "JIRA_CREDENTIALS_APITOKEN"
        );
        assert_eq!(env_name(&["a.b c", "é"]), "A_B_C__");
        assert_eq!(env_name(&["1password"]), "_1PASSWORD");
        assert_eq!(env_name(&[""]), "_");
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("plain"), "'plain'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("$(x) `y` \"z\"\n"), "'$(x) `y` \"z\"\n'");
    }
}
