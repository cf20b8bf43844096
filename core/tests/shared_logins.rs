//! Shared logins (`RegistryOptions::shared_logins`): before the org's login the host is asked for
//! another replica's token; every token obtained is queued for the host to share; shutdown
//! revokes nothing.
#![allow(clippy::unwrap_used, reason = "tests")]

use http::Response;
use std::time::{Duration, SystemTime};
use vaultcred_core::{
    Next, Reason, Registry, RegistryOptions, ResolveResult, SecretString, SharedAnswer,
    SharedToken, VaultConfig,
};

const ORG: &str = "org_abc123";
const LOGIN: &[u8] =
    br#"{"auth":{"client_token":"hvs.MINE","lease_duration":3600,"renewable":true}}"#;
const READ: &[u8] = br#"{"data":{"data":{"value":"sk-1"},"metadata":{"version":1}}}"#;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_932_000)
}

fn registry(shared: bool) -> Registry {
    let options = RegistryOptions {
        shared_logins: shared,
        ..RegistryOptions::default()
    };
    let mut registry = Registry::with_options(options);
    let config =
        VaultConfig::approle("http://127.0.0.1:8200", "secret", "role-1", "secret-1").unwrap();
    registry.register(ORG, config).unwrap();
    registry
}

fn shared(token: &str, issued_at: SystemTime, lease_secs: u64) -> SharedAnswer {
    SharedAnswer::Adopt(SharedToken {
        token: SecretString::new(token),
        issued_at,
        lease_secs,
        renewable: true,
    })
}

fn ok(body: &[u8]) -> Result<Response<Vec<u8>>, vaultcred_core::TransportError> {
    Ok(Response::new(body.to_vec()))
}

fn status(code: u16, body: &[u8]) -> Result<Response<Vec<u8>>, vaultcred_core::TransportError> {
    let mut response = Response::new(body.to_vec());
    *response.status_mut() = http::StatusCode::from_u16(code).unwrap();
    Ok(response)
}

/// The path of the request the operation sends next, and its token header.
fn request(
    registry: &mut Registry,
    op: &mut vaultcred_core::ResolveOp,
    at: SystemTime,
) -> (String, String) {
    match registry.poll(op, at) {
        Next::Http(r) => (
            r.uri().path().to_owned(),
            r.headers()
                .get("x-vault-token")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default(),
        ),
        other => panic!("expected a request, got {other:?}"),
    }
}

fn value(next: Next<ResolveResult>) -> String {
    match next {
        Next::Done(Ok(c)) => match c.value() {
            vaultcred_core::SecretValue::Value(v) => v.expose().to_owned(),
            other => panic!("{other:?}"),
        },
        other => panic!("expected a credential, got {other:?}"),
    }
}

/// Starts a resolve of `kind`, which asks the host first.
fn asking(registry: &mut Registry, kind: &str) -> vaultcred_core::ResolveOp {
    let mut op = registry.start_resolve(ORG, kind, now());
    assert!(matches!(
        registry.poll(&mut op, now()),
        Next::SharedLogin(_)
    ));
    op
}

/// The host answers "log in here"; the login goes out and is answered with `hvs.MINE`.
fn log_in_here(registry: &mut Registry, op: &mut vaultcred_core::ResolveOp) {
    registry.on_shared_login(op, SharedAnswer::LogIn, now());
    assert_eq!(request(registry, op, now()).0, "/v1/auth/approle/login");
    registry.on_response(op, ok(LOGIN), now());
}

#[test]
fn an_adopted_token_saves_the_login() {
    let mut registry = registry(true);
    let mut op = registry.start_resolve(ORG, "k", now());
    let Next::SharedLogin(until) = registry.poll(&mut op, now()) else {
        panic!("no shared login asked")
    };
    assert_eq!(until, op.deadline().unwrap());
    registry.on_shared_login(&mut op, shared("hvs.THEIRS", now(), 3600), now());
    assert_eq!(
        request(&mut registry, &mut op, now()),
        ("/v1/secret/data/org_abc123/k".into(), "hvs.THEIRS".into())
    );
    registry.on_response(&mut op, ok(READ), now());
    assert_eq!(value(registry.poll(&mut op, now())), "sk-1");
    // refreshAt follows the adopted token's lifetime: issue + 0.8 × 3600 s.
    let cached = registry.cached(ORG, "k", now()).unwrap();
    assert_eq!(cached.refresh_at(), now() + Duration::from_secs(2880));
    assert!(registry.take_logins().is_empty(), "nothing obtained here");
    // The next kind uses the same token without asking again.
    let mut next = registry.start_resolve(ORG, "k2", now());
    assert_eq!(request(&mut registry, &mut next, now()).1, "hvs.THEIRS");
}

#[test]
fn a_login_here_is_queued_for_the_host_once() {
    let mut registry = registry(true);
    let mut op = asking(&mut registry, "k");
    registry.on_shared_login(&mut op, SharedAnswer::LogIn, now());
    assert_eq!(
        request(&mut registry, &mut op, now()).0,
        "/v1/auth/approle/login"
    );
    let answered = now() + Duration::from_millis(40);
    registry.on_response(&mut op, ok(LOGIN), answered);
    let logins = registry.take_logins();
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].org_id, ORG);
    assert_eq!(logins[0].token.token.expose(), "hvs.MINE");
    // The lifetime counts from when the login was sent, as for the registry's own token.
    assert_eq!(logins[0].token.issued_at, now());
    assert_eq!(logins[0].token.lease_secs, 3600);
    assert!(logins[0].token.renewable);
    assert!(!format!("{logins:?}").contains("hvs.MINE"), "Debug redacts");
    assert!(registry.take_logins().is_empty(), "taken once");
    assert_eq!(request(&mut registry, &mut op, answered).1, "hvs.MINE");
}

#[test]
fn a_token_past_its_refresh_point_is_not_adopted() {
    let mut registry = registry(true);
    let mut op = asking(&mut registry, "k");
    // Issued 3,000 s ago for 3,600 s: past 80 %.
    let old = now() - Duration::from_secs(3000);
    registry.on_shared_login(&mut op, shared("hvs.OLD", old, 3600), now());
    assert_eq!(
        request(&mut registry, &mut op, now()).0,
        "/v1/auth/approle/login"
    );
}

#[test]
fn the_token_vault_refused_is_not_adopted_again() {
    let mut registry = registry(true);
    let mut op = asking(&mut registry, "k");
    registry.on_shared_login(&mut op, shared("hvs.REVOKED", now(), 3600), now());
    assert_eq!(request(&mut registry, &mut op, now()).1, "hvs.REVOKED");
    registry.on_response(
        &mut op,
        status(403, br#"{"errors":["permission denied"]}"#),
        now(),
    );
    // A new login: the host is asked again, and offers the same (stale) token from its store.
    assert!(matches!(
        registry.poll(&mut op, now()),
        Next::SharedLogin(_)
    ));
    registry.on_shared_login(&mut op, shared("hvs.REVOKED", now(), 3600), now());
    assert_eq!(
        request(&mut registry, &mut op, now()).0,
        "/v1/auth/approle/login"
    );
    registry.on_response(&mut op, ok(LOGIN), now());
    assert_eq!(registry.take_logins().len(), 1, "the new token is shared");
    assert_eq!(request(&mut registry, &mut op, now()).1, "hvs.MINE");
}

#[test]
fn a_retried_login_does_not_ask_again() {
    let mut registry = registry(true);
    let mut op = asking(&mut registry, "k");
    registry.on_shared_login(&mut op, SharedAnswer::LogIn, now());
    assert_eq!(
        request(&mut registry, &mut op, now()).0,
        "/v1/auth/approle/login"
    );
    registry.on_response(&mut op, status(503, b"{}"), now());
    let mut at = now();
    loop {
        match registry.poll(&mut op, at) {
            Next::Sleep(until) => at = until,
            Next::Http(r) => {
                assert_eq!(r.uri().path(), "/v1/auth/approle/login");
                break;
            }
            other => panic!("expected the login's retry, got {other:?}"),
        }
    }
}

#[test]
fn operations_of_the_org_wait_for_the_one_asking() {
    let mut registry = registry(true);
    let mut first = registry.start_resolve(ORG, "a", now());
    let mut second = registry.start_resolve(ORG, "b", now());
    assert!(matches!(
        registry.poll(&mut first, now()),
        Next::SharedLogin(_)
    ));
    assert!(matches!(
        registry.poll(&mut second, now()),
        Next::WaitForLogin(_)
    ));
    registry.on_shared_login(&mut first, shared("hvs.THEIRS", now(), 3600), now());
    assert_eq!(request(&mut registry, &mut second, now()).1, "hvs.THEIRS");
    assert_eq!(request(&mut registry, &mut first, now()).1, "hvs.THEIRS");
}

#[test]
fn without_shared_logins_nobody_is_asked_and_nothing_is_queued() {
    let mut registry = registry(false);
    let mut op = registry.start_resolve(ORG, "k", now());
    assert_eq!(
        request(&mut registry, &mut op, now()).0,
        "/v1/auth/approle/login"
    );
    registry.on_response(&mut op, ok(LOGIN), now());
    assert!(registry.take_logins().is_empty());
}

#[test]
fn an_answer_nobody_asked_for_is_host_misuse() {
    let mut registry = registry(true);
    let mut op = registry.start_resolve(ORG, "k", now());
    registry.on_shared_login(&mut op, SharedAnswer::LogIn, now());
    match registry.poll(&mut op, now()) {
        Next::Done(Err(e)) => {
            assert_eq!(e.reason, Reason::HostMisuse);
            assert!(
                e.message.contains("a shared login answer while ready"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn shutdown_revokes_nothing_but_a_deleted_config_is_revoked() {
    let mut registry = registry(true);
    let mut op = asking(&mut registry, "k");
    log_in_here(&mut registry, &mut op);
    registry.shutdown();
    assert!(
        registry.take_revocations().is_empty(),
        "other replicas use it"
    );
    // The token is forgotten here: the next resolve asks the host again.
    let mut again = registry.start_resolve(ORG, "k2", now());
    assert!(matches!(
        registry.poll(&mut again, now()),
        Next::SharedLogin(_)
    ));
    registry.on_shared_login(&mut again, shared("hvs.MINE", now(), 3600), now());
    request(&mut registry, &mut again, now());
    assert!(registry.unregister(ORG));
    let revocations = registry.take_revocations();
    assert_eq!(revocations.len(), 1, "a deleted config's token is revoked");
    assert_eq!(revocations[0].headers()["x-vault-token"], "hvs.MINE");
}

#[test]
fn a_token_of_a_replaced_config_is_not_handed_out() {
    let mut registry = registry(true);
    let mut op = asking(&mut registry, "k");
    log_in_here(&mut registry, &mut op);
    let config =
        VaultConfig::approle("http://127.0.0.1:8200", "secret", "role-2", "secret-2").unwrap();
    registry.register(ORG, config).unwrap();
    assert!(registry.take_logins().is_empty());
}
