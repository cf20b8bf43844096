//! `vaultcred dev-server put MOUNT/PATH FIELD=VALUE…`: writes a KV v2 secret to a running
//! dev-server through Vault's HTTP API, like `vault kv put`.
//!
//! It finds the server through `--addr`/`VAULT_ADDR` and authenticates with
//! `--token`/`VAULT_TOKEN` (the exports `dev-server` prints). It works against any KV v2 mount
//! that token may write to; the core itself only ever reads.

use std::time::Duration;

use serde_json::{Map, Value, json};
use vaultcred_core::{Scrubber, SecretString};

use crate::cli::PutArgs;
use crate::failure::{EXIT_OK, Failure};
use crate::output;

/// Timeout of each phase of the one request.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Writes the secret and prints `{"path":"MOUNT/PATH","version":N}`.
pub(crate) fn run(args: &PutArgs) -> Result<u8, Failure> {
    let (mount, path) = split_path(&args.path).map_err(Failure::usage)?;
    let data = parse_fields(&args.fields).map_err(Failure::usage)?;
    let addr = args.addr.trim().trim_end_matches('/');
    if !(addr.starts_with("http://") || addr.starts_with("https://")) {
        return Err(Failure::usage(format!(
            "--addr (or VAULT_ADDR) {addr:?} must be an http(s) URL like http://127.0.0.1:8200"
        )));
    }
    let token = SecretString::new(args.token.trim());
    let url = format!("{addr}/v1/{mount}/data/{path}");
    let body = json!({ "data": Value::Object(data) }).to_string();
    let body = zeroize::Zeroizing::new(body);
    let agent = ureq::Agent::config_builder()
        .timeout_connect(Some(TIMEOUT))
        .timeout_recv_response(Some(TIMEOUT))
        .timeout_recv_body(Some(TIMEOUT))
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .new_agent();
    let scrub = |text: &str| Scrubber::new([&token]).scrub(text);
    let mut response = agent
        .post(&url)
        .header("X-Vault-Token", token.expose())
        .content_type("application/json")
        .send(body.as_bytes())
        .map_err(|e| Failure::failed(format!("cannot reach {addr}: {}", scrub(&e.to_string()))))?;
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    let reply: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        let errors = reply
            .get("errors")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        return Err(Failure::failed(format!(
            "{addr} answered {status} to the write of {mount}/{path}: {}",
            scrub(&errors)
        )));
    }
    let version = reply
        .pointer("/data/version")
        .cloned()
        .unwrap_or(Value::Null);
    output::emit(&json!({"path": format!("{mount}/{path}"), "version": version}))?;
    Ok(EXIT_OK)
}

/// Splits `MOUNT/PATH` at its first `/`; every segment must be non-empty, not `.` or `..`, and
/// made of letters, digits and `-_.~` (so nothing needs escaping in the URL).
fn split_path(text: &str) -> Result<(&str, &str), String> {
    let text = text.trim_matches('/');
    let bad = |why: &str| format!("MOUNT/PATH {text:?}: {why} (e.g. secret/org_abc123/my-kind)");
    let (mount, path) = text
        .split_once('/')
        .ok_or_else(|| bad("needs a mount and a path"))?;
    for segment in text.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return Err(bad("has an empty, '.' or '..' segment"));
        }
        if !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
        {
            return Err(bad(
                "may hold only letters, digits and -_.~ between the '/'",
            ));
        }
    }
    Ok((mount, path))
}

/// Parses `FIELD=VALUE` arguments (split at the first `=`); errors name the field, never a value.
fn parse_fields(args: &[String]) -> Result<Map<String, Value>, String> {
    let mut data = Map::new();
    for (n, arg) in args.iter().enumerate() {
        let Some((name, value)) = arg.split_once('=') else {
            return Err(format!(
                "argument {} is not FIELD=VALUE (value not shown)",
                n + 1
            ));
        };
        if name.is_empty() {
            return Err(format!("argument {}: the field name is empty", n + 1));
        }
        if data.insert(name.to_owned(), value.into()).is_some() {
            return Err(format!("field {name:?} is given twice"));
        }
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            split_path("secret/org_abc123/x"),
            Ok(("secret", "org_abc123/x"))
        );
        assert_eq!(split_path("/kv/a/"), Ok(("kv", "a")));
        for bad in [
            "secret",
            "secret//x",
            "secret/../x",
            "secret/a b",
            "secret/a?b",
            "",
        ] {
            assert!(split_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fields_never_echo_values() {
        let ok = parse_fields(&["value=a=b".into(), "x=".into()]).unwrap();
        assert_eq!(ok["value"], "a=b");
        assert_eq!(ok["x"], "");
        let err = parse_fields(&["sk-SECRET".into()]).unwrap_err();
        assert!(!err.contains("sk-SECRET"), "{err}");
        let err = parse_fields(&["v=sk-SECRET".into(), "v=sk-OTHER".into()]).unwrap_err();
        assert!(err.contains("\"v\"") && !err.contains("sk-"), "{err}");
        assert!(parse_fields(&["=x".into()]).is_err());
    }
}
