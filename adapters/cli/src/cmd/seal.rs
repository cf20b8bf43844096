//! `vaultcred seal` and `vaultcred open`: sealed config envelopes (the crypto is the core's).

use std::io::Read as _;
use std::path::Path;

use vaultcred_core::VaultConfig;
use vaultcred_core::envelope::{self, EnvelopeKey};
use vaultcred_core::path::validate_segment;

use crate::cli::{OpenArgs, SealArgs};
use crate::conn::{self, KEY_ENV};
use crate::failure::{EXIT_OK, Failure};

/// What `open` prints instead of a credential without `--reveal` (as the core's `to_json`).
const REDACTED: &str = "[redacted]";

/// Reads a config on stdin, validates it, and prints it sealed for `--org`.
pub(crate) fn run_seal(args: &SealArgs) -> Result<u8, Failure> {
    validate_org(&args.org)?;
    let key = require_key(args.key_file.as_deref())?;
    let input = read_stdin()?;
    VaultConfig::from_json(&input).map_err(|e| Failure::config(&e))?;
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce)
        .map_err(|e| Failure::failed(format!("cannot draw a random nonce: {e}")))?;
    let envelope = envelope::encrypt(&input, &args.org, &key, nonce);
    println!("{envelope}");
    Ok(EXIT_OK)
}

/// Reads an envelope on stdin, opens it for `--org` and prints the config (token, secretId,
/// wrappedSecretId and roleId shown as `[redacted]` unless `--reveal`).
pub(crate) fn run_open(args: &OpenArgs) -> Result<u8, Failure> {
    validate_org(&args.org)?;
    let key = require_key(args.key_file.as_deref())?;
    let input = read_stdin()?;
    let plain = conn::open_envelope(&input, &args.org, &key)?;
    let config = VaultConfig::from_json(&plain).map_err(|e| Failure::config(&e))?;
    let mut json = config.to_json(args.reveal);
    // The roleId is half of an AppRole login: masked like the secretId unless --reveal.
    if !args.reveal
        && let Some(role_id) = json.get_mut("roleId")
    {
        *role_id = REDACTED.into();
    }
    let text = serde_json::to_string_pretty(&json)
        .map_err(|e| Failure::failed(format!("cannot print the config: {e}")))?;
    println!("{text}");
    Ok(EXIT_OK)
}

fn validate_org(org: &str) -> Result<(), Failure> {
    validate_segment("orgId", org).map_err(|e| Failure::usage(format!("--org: {e}")))
}

fn require_key(key_file: Option<&Path>) -> Result<EnvelopeKey, Failure> {
    conn::load_key(key_file)?
        .ok_or_else(|| Failure::usage(format!("give --key-file FILE or set {KEY_ENV}")))
}

fn read_stdin() -> Result<zeroize::Zeroizing<Vec<u8>>, Failure> {
    let mut input = zeroize::Zeroizing::new(Vec::new());
    std::io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| Failure::usage(format!("cannot read stdin: {e}")))?;
    Ok(input)
}
