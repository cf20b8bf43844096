//! The client's transport settings from the connection flags, each of which falls back to the
//! Vault client's variable (clap's `env`): a bad value is reported under the name the user gave
//! it, the flag or the variable.

use std::time::Duration;

use vaultcred_ureq::{BuildError, ClientBuilder, Origin, RetryPolicy};

use crate::cli::ConnArgs;
use crate::duration::parse_seconds;
use crate::failure::Failure;

/// The builder with every transport flag (or its `VAULT_*` variable) applied.
pub(crate) fn builder(conn: &ConnArgs) -> Result<ClientBuilder, Failure> {
    let bad = |variable: &str, problem: String| {
        Failure::usage(format!("{}: {problem}", conn.source_of(variable)))
    };
    let timeout = parse_timeout(&conn.timeout).map_err(|p| bad("VAULT_CLIENT_TIMEOUT", p))?;
    let mut builder = vaultcred_ureq::Client::builder().timeout(timeout);
    for path in &conn.allow_jwt_path {
        builder = builder.allow_jwt_path(path.as_str());
    }
    if let Some(proxy) = &conn.proxy {
        builder = builder.proxy(proxy.as_str());
    }
    if let Some(text) = &conn.max_retries {
        let max_retries =
            vaultcred_host::parse_retries(text.trim()).map_err(|p| bad("VAULT_MAX_RETRIES", p))?;
        builder = builder.retry(RetryPolicy {
            max_retries,
            ..RetryPolicy::default()
        });
    }
    if let Some(text) = &conn.tls_skip_verify {
        let skip =
            vaultcred_host::parse_bool(text.trim()).map_err(|p| bad("VAULT_SKIP_VERIFY", p))?;
        builder = builder.danger_disable_tls_verification(skip);
    }
    if let Some(name) = &conn.tls_server_name {
        builder = builder.tls_server_name(name.clone());
    }
    let failure = |e: BuildError| failure(conn, &e);
    if let Some(path) = &conn.cacert {
        builder = builder.ca_bundle_file(path).map_err(failure)?;
    } else if let Some(dir) = &conn.capath {
        builder = builder.ca_dir(dir).map_err(failure)?;
    }
    match (&conn.client_cert, &conn.client_key) {
        (None, None) => {}
        (Some(cert), Some(key)) => {
            builder = builder.client_cert_files(cert, key).map_err(failure)?
        }
        (Some(_), None) => {
            let given = conn.source_of("VAULT_CLIENT_CERT");
            return Err(Failure::usage(format!(
                "{given}: a client certificate needs --client-key (or VAULT_CLIENT_KEY)"
            )));
        }
        (None, Some(_)) => {
            let given = conn.source_of("VAULT_CLIENT_KEY");
            return Err(Failure::usage(format!(
                "{given}: a client key needs --client-cert (or VAULT_CLIENT_CERT)"
            )));
        }
    }
    Ok(builder)
}

/// A build error under the name the user gave the value: its flag, or its variable.
pub(crate) fn failure(conn: &ConnArgs, e: &BuildError) -> Failure {
    match (e.origin(), e.setting().variable()) {
        (Origin::Method(_), Some(variable)) => {
            Failure::usage(format!("{}: {}", conn.source_of(variable), e.detail()))
        }
        _ => Failure::usage(format!("cannot build the Vault client: {e}")),
    }
}

/// `--timeout`/`VAULT_CLIENT_TIMEOUT`: seconds (fractions allowed) or a Go duration.
fn parse_timeout(text: &str) -> Result<Duration, String> {
    parse_seconds(text).or_else(|_| vaultcred_host::parse_duration(text.trim()))
}
