//! `vaultcred watch`: resolve, then re-resolve at each refreshAt and report rotations.

use std::time::{Duration, Instant, SystemTime};

use vaultcred_core::{WatchEvent, Watcher};
use vaultcred_ureq::Client;

use crate::cli::WatchArgs;
use crate::conn;
use crate::failure::{EXIT_OK, Failure};
use crate::output;

/// Watches until `--for` elapses (exit 0), or forever. The core's [`Watcher`] decides when each
/// kind is due (its refreshAt, or a backoff after a failure, or `--every` after the last read)
/// and what each result means. With `--every`, each read first drops the client's cached
/// credential, so it goes to Vault even before refreshAt (the login token is kept).
pub(crate) fn run(args: &WatchArgs) -> Result<u8, Failure> {
    let client = conn::connect(&args.conn)?;
    let org = args.conn.org.as_str();
    let deadline = args.for_.map(|d| Instant::now() + d);
    let kinds: Vec<&str> = args.kinds.iter().map(String::as_str).collect();
    let mut watcher = Watcher::new(org, &kinds, SystemTime::now());
    if let Some(every) = args.every {
        watcher = watcher.every(every);
    }
    loop {
        let now = SystemTime::now();
        let due: Vec<String> = watcher.due(now).map(str::to_owned).collect();
        for kind in &due {
            if args.every.is_some() {
                client.invalidate(org, kind);
            }
            check(&client, &mut watcher, kind, args.reveal)?;
        }
        let now = SystemTime::now();
        let next = watcher.next_due().unwrap_or(now);
        let wait = next.duration_since(now).unwrap_or(Duration::ZERO);
        tracing::trace!(target: "vaultcred", wait_ms = wait.as_millis() as u64, "sleeping until the next kind is due");
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if wait >= left {
                std::thread::sleep(left);
                return Ok(EXIT_OK);
            }
        }
        std::thread::sleep(wait);
    }
}

/// Resolves one kind and prints a line if it is new, rotated, recovered or failed.
fn check(client: &Client, watcher: &mut Watcher, kind: &str, reveal: bool) -> Result<(), Failure> {
    let org = watcher.org_id().to_owned();
    let shown = output::shown_name("kind", kind);
    tracing::debug!(target: "vaultcred", org = %org, kind = %shown, "resolving");
    let result = client.resolve(&org, kind);
    let line = match watcher.on_result(kind, result, SystemTime::now()) {
        Some(WatchEvent::Resolved(c)) => output::credential_line(Some("resolved"), &c, reveal),
        Some(WatchEvent::Rotated { current, .. }) => {
            output::credential_line(Some("rotated"), &current, reveal)
        }
        Some(WatchEvent::Recovered(c)) => output::credential_line(Some("recovered"), &c, reveal),
        Some(WatchEvent::Failed(err)) => output::failure_line(Some("failed"), &org, kind, &err),
        None => return Ok(()),
    };
    output::emit(&line)?;
    Ok(())
}
