//! What every adapter logs (to `tracing` target `vaultcred`), written once: outcomes of
//! resolves and health checks, rotations, the core's notices, each HTTP exchange, waits. No event
//! ever carries a token or a secret value; server text arrives already scrubbed by the core and
//! is logged as a field, never as a raw line.

use http::{Method, Response};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tracing::{debug, info, warn};
use vaultcred_core::{Credential, CredentialNotFound, HealthReport, Notice, RotationEvent};

/// How long until `at` (zero if it has passed).
pub fn until(at: SystemTime) -> Duration {
    at.duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO)
}

/// The time one call may take: the client's timeout, cut to what is left of the operation's
/// deadline (at least 1 ms; the core fails an operation past its deadline before it sends).
pub fn budget(timeout: Duration, deadline: Option<SystemTime>) -> Duration {
    deadline.map_or(timeout, |d| {
        timeout.min(until(d)).max(Duration::from_millis(1))
    })
}

/// A resolve ended: `info` when it read Vault (`exchanges > 0`), `debug` for a cache hit, `warn`
/// when it failed.
pub fn resolved(
    org_id: &str,
    kind: &str,
    result: &Result<Arc<Credential>, CredentialNotFound>,
    exchanges: u32,
) {
    match result {
        Ok(c) if exchanges > 0 => {
            info!(target: "vaultcred", org = org_id, kind, version = c.version(), "credential resolved");
        }
        Ok(_) => debug!(target: "vaultcred", org = org_id, kind, "credential served from cache"),
        Err(e) => {
            warn!(target: "vaultcred", org = org_id, kind, reason = %e.reason, message = %e.message, "credential not resolved");
        }
    }
}

/// A health check ended.
pub fn health(org_id: &str, report: &HealthReport) {
    debug!(target: "vaultcred", org = org_id, ok = report.ok, latency_ms = report.latency_ms, checks = ?report.checks, "health check");
}

/// A credential rotated.
pub fn rotation(e: &RotationEvent) {
    info!(target: "vaultcred", org = %e.org_id, kind = %e.kind, old_version = ?e.old_version, new_version = ?e.new_version, "credential rotated");
}

/// Something the core asks to be logged once.
pub fn notice(n: &Notice) {
    warn!(target: "vaultcred", org = %n.org_id, message = %n.message, "vault notice");
}

/// One HTTP exchange with Vault ended (method, path, status or error, latency).
pub fn exchange<E: std::fmt::Display>(
    method: &Method,
    path: &str,
    started: Instant,
    result: &Result<Response<Vec<u8>>, E>,
) {
    let latency_ms = started.elapsed().as_millis();
    match result {
        Ok(r) => {
            debug!(target: "vaultcred", %method, path, status = r.status().as_u16(), latency_ms, "vault http exchange");
        }
        Err(e) => {
            debug!(target: "vaultcred", %method, path, error = %e, latency_ms, "vault http exchange failed");
        }
    }
}

/// A retry backoff until `at` starts: how long it is.
pub fn backoff(at: SystemTime) -> Duration {
    let wait = until(at);
    debug!(target: "vaultcred", wait_ms = wait.as_millis(), "retry backoff");
    wait
}

/// An operation waits for another's login, until `at` at most: how long that is.
pub fn waiting(at: SystemTime) -> Duration {
    let wait = until(at);
    debug!(target: "vaultcred", max_wait_ms = wait.as_millis(), "waiting for another operation's login");
    wait
}

/// An operation was abandoned before it finished.
pub fn cancelled() {
    debug!(target: "vaultcred", "operation dropped before it finished; cancelled");
}

/// Token revocations could not be sent (no runtime to send them on).
pub fn revocations_skipped(count: usize) {
    debug!(target: "vaultcred", count, "no runtime: token revocations skipped");
}

/// A token revocation was sent (best effort).
pub fn revoked<E: std::fmt::Display>(result: &Result<Response<Vec<u8>>, E>) {
    match result {
        Ok(r) => debug!(target: "vaultcred", status = r.status().as_u16(), "login token revoked"),
        Err(e) => debug!(target: "vaultcred", error = %e, "login token revocation failed"),
    }
}
