//! `vaultcred resolve`: one line per kind, in argument order (JSON, or for scripts a field's
//! value, `env` lines or raw values).

use std::io::Write as _;

use vaultcred_core::{Credential, CredentialNotFound};
use zeroize::Zeroizing;

use crate::cli::{Format, ResolveArgs};
use crate::conn;
use crate::failure::{EXIT_FAILED, EXIT_OK, Failure};
use crate::output;
use crate::script;

/// Resolves every kind through one client (one login) and prints a line for each.
///
/// Returns the exit code: 0 if every kind resolved, 1 if any failed. In the script outputs
/// (`--field`, `--format env|raw`) a failed kind prints nothing on stdout and an `error:` line
/// on stderr.
pub(crate) fn run(args: &ResolveArgs) -> Result<u8, Failure> {
    let client = conn::connect(&args.conn)?;
    let org = &args.conn.org;
    let mut code = EXIT_OK;
    for kind in &args.kinds {
        // The org was validated when it was registered; the kind is shown escaped until the
        // core has validated it, so a kind with a newline cannot forge a log line.
        let shown = output::shown_name("kind", kind);
        tracing::debug!(target: "vaultcred", org = %org, kind = %shown, "resolving");
        let result = client.resolve(org, kind);
        if args.field.is_none() && args.format == Format::Json {
            let line = match result {
                Ok(cred) => output::credential_line(None, &cred, args.reveal),
                Err(err) => {
                    code = EXIT_FAILED;
                    output::failure_line(None, org, kind, &err)
                }
            };
            output::emit(&line)?;
            continue;
        }
        let lines = result
            .map_err(|err| failure_text(kind, &err))
            .and_then(|cred| script_lines(args, &cred));
        match lines {
            Ok(lines) => emit_text(&lines)?,
            Err(message) => {
                code = EXIT_FAILED;
                eprintln!("error: {message}");
            }
        }
    }
    Ok(code)
}

/// The lines `--field`, `--format env` or `--format raw` print for a credential.
fn script_lines(args: &ResolveArgs, cred: &Credential) -> Result<Vec<Zeroizing<String>>, String> {
    let one = |v: &vaultcred_core::SecretString| vec![Zeroizing::new(v.expose().to_owned())];
    if let Some(name) = &args.field {
        return script::field(cred, name).map(one);
    }
    match args.format {
        Format::Env => Ok(script::env_lines(cred)
            .into_iter()
            .map(Zeroizing::new)
            .collect()),
        Format::Raw => script::raw(cred).map(one),
        Format::Json => Ok(vec![Zeroizing::new(
            output::credential_line(None, cred, args.reveal).to_string(),
        )]),
    }
}

/// The stderr text of a failed kind: its reason and the core's (redacted) message; an invalid
/// kind is shown escaped, so it cannot add a line.
fn failure_text(kind: &str, err: &CredentialNotFound) -> String {
    let kind = output::shown_name("kind", kind);
    format!("{kind}: {}: {}", err.reason.as_str(), err.message)
}

/// Writes lines to stdout (the caller's copies are wiped when dropped).
fn emit_text(lines: &[Zeroizing<String>]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for line in lines {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()
}
