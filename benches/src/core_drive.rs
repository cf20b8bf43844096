//! Driving `vaultcred-core` operations against in-memory responses (no transport).

use http::Response;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use vaultcred_core::{Credential, Next, Registry, VaultConfig};

use crate::bodies::{MOUNT, TOKEN};

/// The simulated clock's start (2026-11-29), as in the core's own examples.
pub fn start_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_932_000)
}

/// Token-mode refresh interval plus a margin: advancing the clock by this makes every cached
/// credential stale (refreshAt = resolvedAt + 1 h in token mode).
pub const STALE_STEP: Duration = Duration::from_secs(2 * 3600);

/// Base URL of the simulated Vault (never contacted: the core does no I/O).
pub const ADDR: &str = "https://vault.example.com:8200";

/// The name of org number `i` (fixed width, so every org id has the same length).
pub fn org_name(i: usize) -> String {
    format!("org_{i:06}")
}

/// A long name for org number `i`, shaped like the ids identity providers issue (`org_` and
/// 27 characters): with the bench's kind, a fresh-index key of 50 bytes, past the 38 the index
/// keeps inside its entries.
pub fn long_org_name(i: usize) -> String {
    format!("org_2Nf{i:06}Xb3kLq9TzR8vWm4pHc2")
}

/// A token-mode config for `addr`, with `token`.
pub fn token_config(addr: &str, token: &str) -> VaultConfig {
    match VaultConfig::token(addr, MOUNT, token) {
        Ok(c) => c,
        Err(e) => panic!("token config: {e}"),
    }
}

/// A registry with `n` token-mode orgs ([`org_name`]`(0..n)`), each with its own token.
pub fn registry_with_orgs(n: usize) -> (Registry, Vec<String>) {
    registry_with((0..n).map(org_name).collect())
}

/// A registry with one token-mode org per name, each with its own token.
pub fn registry_with(names: Vec<String>) -> (Registry, Vec<String>) {
    let mut registry = Registry::new();
    for (i, name) in names.iter().enumerate() {
        let config = token_config(ADDR, &format!("{TOKEN}{i:06}"));
        if let Err(e) = registry.register(name, config) {
            panic!("register {name}: {e}");
        }
    }
    (registry, names)
}

/// `lookup-self` of a non-expiring token: what a token-mode org asks once, before its first read.
const LOOKUP: &[u8] = br#"{"data":{"ttl":0,"renewable":false}}"#;

/// Resolves `kind` of `org` at `now`, answering the read the core asks for with `response` (and,
/// on a token-mode org's first resolve, its `lookup-self` with a non-expiring token). Panics
/// unless the operation then succeeds.
pub fn resolve_once(
    registry: &mut Registry,
    org: &str,
    kind: &str,
    now: SystemTime,
    response: Response<Vec<u8>>,
) -> Arc<Credential> {
    let mut op = registry.start_resolve(org, kind, now);
    let mut request = match registry.poll(&mut op, now) {
        Next::Http(request) => request,
        other => panic!("expected an HTTP request, got {other:?}"),
    };
    if request.uri().path().ends_with("/auth/token/lookup-self") {
        registry.on_response(&mut op, Ok(Response::new(LOOKUP.to_vec())), now);
        request = match registry.poll(&mut op, now) {
            Next::Http(request) => request,
            other => panic!("expected the read, got {other:?}"),
        };
    }
    std::hint::black_box(request);
    registry.on_response(&mut op, Ok(response), now);
    match registry.poll(&mut op, now) {
        Next::Done(Ok(credential)) => credential,
        other => panic!("expected a credential, got {other:?}"),
    }
}

/// Resolves from the cache: start + one poll, which must be `Done(Ok)` at once.
#[inline]
pub fn resolve_cached(
    registry: &mut Registry,
    org: &str,
    kind: &str,
    now: SystemTime,
) -> Arc<Credential> {
    let mut op = registry.start_resolve(org, kind, now);
    match registry.poll(&mut op, now) {
        Next::Done(Ok(credential)) => credential,
        other => panic!("expected a cached credential, got {other:?}"),
    }
}

/// An AppRole org logged in at `now` with the recorded login (a renewable token, 1 h lease),
/// whose `kind` is cached from the recorded 1 KiB read; returns the token's lease.
pub fn approle_logged_in(
    registry: &mut Registry,
    org: &str,
    kind: &str,
    now: SystemTime,
) -> Duration {
    let config = match VaultConfig::approle(ADDR, MOUNT, "role-id-bench", "secret-id-bench") {
        Ok(c) => c,
        Err(e) => panic!("approle config: {e}"),
    };
    if let Err(e) = registry.register(org, config) {
        panic!("register {org}: {e}");
    }
    let login = recorded_response("approle_login_200");
    let mut op = registry.start_resolve(org, kind, now);
    for answer in [login, crate::bodies::kv_read_1k().response()] {
        match registry.poll(&mut op, now) {
            Next::Http(_) => registry.on_response(&mut op, Ok(answer), now),
            other => panic!("expected a request, got {other:?}"),
        }
    }
    match registry.poll(&mut op, now) {
        Next::Done(Ok(_)) => Duration::from_secs(3600),
        other => panic!("expected a credential, got {other:?}"),
    }
}

/// The response of recorded exchange `name`.
pub fn recorded_response(name: &str) -> Response<Vec<u8>> {
    match vaultcred_fixtures::recorded::recorded(name) {
        Ok(r) => r.response(),
        Err(e) => panic!("recorded fixture {name}: {e}"),
    }
}

/// One renewal cycle: a resolve at `now` (the cached credential stale, the login token due)
/// asks `renew-self`, gets `renewal`, and then asks for the read — where the operation is
/// cancelled, so the cycle is the renewal alone. Panics if the core asks for anything else.
pub fn renew_once(
    registry: &mut Registry,
    org: &str,
    kind: &str,
    now: SystemTime,
    renewal: Response<Vec<u8>>,
) {
    let mut op = registry.start_resolve(org, kind, now);
    match registry.poll(&mut op, now) {
        Next::Http(request) if request.uri().path().ends_with("/auth/token/renew-self") => {
            std::hint::black_box(request);
        }
        other => panic!("expected renew-self, got {other:?}"),
    }
    registry.on_response(&mut op, Ok(renewal), now);
    match registry.poll(&mut op, now) {
        Next::Http(request) if request.uri().path().contains("/data/") => {
            std::hint::black_box(request);
        }
        other => panic!("expected the read after the renewal, got {other:?}"),
    }
    registry.cancel(&mut op);
}
