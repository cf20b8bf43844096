//! `vaultcred resolve`: one JSON line per kind, in argument order.

use crate::cli::ResolveArgs;
use crate::conn;
use crate::failure::{EXIT_FAILED, EXIT_OK, Failure};
use crate::output;

/// Resolves every kind through one client (one login) and prints a line for each.
///
/// Returns the exit code: 0 if every kind resolved, 1 if any failed.
pub(crate) fn run(args: &ResolveArgs) -> Result<u8, Failure> {
    let client = conn::connect(&args.conn)?;
    let org = &args.conn.org;
    let mut code = EXIT_OK;
    for kind in &args.kinds {
        tracing::debug!(target: "vaultcred", org = %org, kind = %kind, "resolving");
        let line = match client.resolve(org, kind) {
            Ok(cred) => output::credential_line(None, &cred, args.reveal),
            Err(err) => {
                code = EXIT_FAILED;
                output::failure_line(None, org, kind, &err)
            }
        };
        output::emit(&line)?;
    }
    Ok(code)
}
