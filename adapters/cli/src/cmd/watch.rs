//! `vaultcred watch`: resolve, then re-resolve at each refreshAt and report rotations.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use vaultcred_core::Credential;
use vaultcred_ureq::Client;

use crate::cli::WatchArgs;
use crate::conn;
use crate::failure::{EXIT_OK, Failure};
use crate::output;

/// Slack added after a refreshAt so the client sees the credential as due.
const MARGIN: Duration = Duration::from_millis(20);
/// Shortest pause between two resolves of one kind (guards against a refreshAt in the past).
const MIN_INTERVAL: Duration = Duration::from_millis(250);
/// First retry delay after a failure; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// Longest retry delay after repeated failures.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// One watched kind.
struct Tracked {
    kind: String,
    /// The last credential seen.
    last: Option<Arc<Credential>>,
    /// Consecutive failures since the last success.
    failures: u32,
    /// When to resolve it next.
    next_at: SystemTime,
}

/// Watches until `--for` elapses (exit 0), or forever.
///
/// With `--every`, no kind waits longer than that between two reads: a wake-up before a
/// credential's refreshAt re-registers the org's config, which drops the client's cached token
/// and credentials, so the reads that follow go to Vault (after a fresh login).
pub(crate) fn run(args: &WatchArgs) -> Result<u8, Failure> {
    let client = conn::connect(&args.conn)?;
    let early = match args.every {
        Some(every) => Some((every, conn::load(&args.conn)?.config)),
        None => None,
    };
    let org = args.conn.org.as_str();
    let deadline = args.for_.map(|d| Instant::now() + d);
    let mut tracked: Vec<Tracked> = args
        .kinds
        .iter()
        .map(|kind| Tracked {
            kind: kind.clone(),
            last: None,
            failures: 0,
            next_at: SystemTime::now(),
        })
        .collect();
    for t in &mut tracked {
        check(&client, org, t, args.reveal)?;
        cap(t, early.as_ref().map(|(every, _)| *every));
    }
    loop {
        let now = SystemTime::now();
        let next = tracked.iter().map(|t| t.next_at).min().unwrap_or(now);
        let wait = next.duration_since(now).unwrap_or(Duration::ZERO) + MARGIN;
        tracing::trace!(target: "vaultcred", wait_ms = wait.as_millis() as u64, "sleeping until the next refreshAt");
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if wait >= left {
                std::thread::sleep(left);
                return Ok(EXIT_OK);
            }
        }
        std::thread::sleep(wait);
        let now = SystemTime::now();
        if let Some((_, config)) = &early {
            let before_refresh = tracked
                .iter()
                .any(|t| t.next_at <= now && t.last.as_ref().is_some_and(|c| c.refresh_at() > now));
            if before_refresh {
                tracing::debug!(target: "vaultcred", org = %org, "--every: reading before refreshAt");
                client
                    .register(org, config.clone())
                    .map_err(|e| Failure::usage(format!("--org: {e}")))?;
            }
        }
        for t in tracked.iter_mut().filter(|t| t.next_at <= now) {
            check(&client, org, t, args.reveal)?;
            cap(t, early.as_ref().map(|(every, _)| *every));
        }
    }
}

/// With `--every`, brings the next read of a kind forward to at most `every` from now.
fn cap(t: &mut Tracked, every: Option<Duration>) {
    if let Some(every) = every {
        t.next_at = t.next_at.min(SystemTime::now() + every.max(MIN_INTERVAL));
    }
}

/// Resolves one kind and prints a line if it is new, rotated, recovered or failed.
fn check(client: &Client, org: &str, t: &mut Tracked, reveal: bool) -> Result<(), Failure> {
    tracing::debug!(target: "vaultcred", org = %org, kind = %t.kind, "resolving");
    match client.resolve(org, &t.kind) {
        Ok(cred) => {
            let event = match &t.last {
                None => Some("resolved"),
                Some(prev) if prev.value() != cred.value() || prev.version() != cred.version() => {
                    Some("rotated")
                }
                Some(_) if t.failures > 0 => Some("resolved"),
                Some(_) => None,
            };
            if let Some(event) = event {
                output::emit(&output::credential_line(Some(event), &cred, reveal))?;
            }
            t.next_at = cred.refresh_at().max(SystemTime::now() + MIN_INTERVAL);
            t.last = Some(cred);
            t.failures = 0;
        }
        Err(err) => {
            output::emit(&output::failure_line(Some("failed"), org, &t.kind, &err))?;
            t.failures = t.failures.saturating_add(1);
            let backoff = FIRST_BACKOFF
                .saturating_mul(1 << (t.failures - 1).min(5))
                .min(MAX_BACKOFF);
            t.next_at = SystemTime::now() + backoff;
        }
    }
    Ok(())
}
