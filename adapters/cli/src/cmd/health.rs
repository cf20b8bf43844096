//! `vaultcred health`: `{"ok":true,"latencyMs":N}` or `{"ok":false,"error":"..."}`.

use crate::cli::HealthArgs;
use crate::conn;
use crate::failure::{EXIT_FAILED, EXIT_OK, Failure};
use crate::output;

/// Checks reachability and the auth credentials; exit 0 when ok, 1 otherwise.
pub(crate) fn run(args: &HealthArgs) -> Result<u8, Failure> {
    let client = conn::connect(&args.conn)?;
    let report = client.health(&args.conn.org);
    output::emit(&report.to_json())?;
    Ok(if report.ok { EXIT_OK } else { EXIT_FAILED })
}
