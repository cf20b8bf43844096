//! Host misuse is handled one way: an input or poll the operation did not ask for ends it with
//! `host_misuse`, naming what happened; inputs to a finished operation are ignored.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::time::{Duration, SystemTime};
use vaultcred_core::{Next, Reason, Registry, ResolveResult, VaultConfig};

const ORG: &str = "org_abc123";

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_932_000)
}

fn approle_registry() -> Registry {
    let mut registry = Registry::new();
    let config =
        VaultConfig::approle("http://127.0.0.1:8200", "secret", "role-1", "secret-1").unwrap();
    registry.register(ORG, config).unwrap();
    registry
}

fn token_registry() -> Registry {
    let mut registry = Registry::new();
    let config = VaultConfig::token("http://127.0.0.1:8200", "secret", "hvs.TOKEN").unwrap();
    registry.register(ORG, config).unwrap();
    registry
}

fn misuse(next: Next<ResolveResult>) -> String {
    match next {
        Next::Done(Err(e)) => {
            assert_eq!(e.reason, Reason::HostMisuse, "{e}");
            assert_eq!(e.org_id, ORG);
            e.message
        }
        other => panic!("expected a host_misuse failure, got {other:?}"),
    }
}

#[test]
fn a_poll_while_a_response_is_awaited_is_host_misuse() {
    let mut registry = token_registry();
    let mut op = registry.start_resolve(ORG, "k", now());
    assert!(matches!(registry.poll(&mut op, now()), Next::Http(_)));
    let message = misuse(registry.poll(&mut op, now()));
    assert!(
        message.contains("a poll while awaiting the token lookup"),
        "{message}"
    );
    assert!(message.contains("on_response"), "{message}");
    // Finished for good: the same outcome again, and a late answer changes nothing.
    misuse(registry.poll(&mut op, now()));
    let late = http::Response::new(br#"{"data":{"data":{"value":"v"}}}"#.to_vec());
    registry.on_response(&mut op, Ok(late), now());
    misuse(registry.poll(&mut op, now()));
    assert!(registry.cached(ORG, "k", now()).is_none());
}

#[test]
fn a_response_nobody_asked_for_is_host_misuse() {
    let mut registry = token_registry();
    let mut op = registry.start_resolve(ORG, "k", now());
    let answer = http::Response::new(br#"{"data":{"data":{"value":"v"}}}"#.to_vec());
    registry.on_response(&mut op, Ok(answer), now());
    let message = misuse(registry.poll(&mut op, now()));
    assert!(message.contains("a response while ready"), "{message}");
}

#[test]
fn a_file_while_a_response_is_awaited_is_host_misuse() {
    let mut registry = token_registry();
    let mut op = registry.start_resolve(ORG, "k", now());
    assert!(matches!(registry.poll(&mut op, now()), Next::Http(_)));
    registry.on_file(&mut op, Ok(b"jwt".to_vec()), now());
    let message = misuse(registry.poll(&mut op, now()));
    assert!(
        message.contains("a file while awaiting the token lookup"),
        "{message}"
    );
}

#[test]
fn misuse_during_a_login_releases_the_login_for_other_operations() {
    let mut registry = approle_registry();
    let mut first = registry.start_resolve(ORG, "k", now());
    let Next::Http(login) = registry.poll(&mut first, now()) else {
        panic!("expected the login request");
    };
    assert!(login.uri().path().ends_with("/auth/approle/login"));
    // While the login is out, a second operation waits for it.
    let mut second = registry.start_resolve(ORG, "k", now());
    assert!(matches!(
        registry.poll(&mut second, now()),
        Next::WaitForLogin(_)
    ));
    // The host misuses the first: it ends, and its login is released at once.
    misuse(registry.poll(&mut first, now()));
    match registry.poll(&mut second, now()) {
        Next::Http(request) => assert!(request.uri().path().ends_with("/auth/approle/login")),
        other => panic!("the second operation should log in itself, got {other:?}"),
    }
}

#[test]
fn a_health_check_reports_misuse_in_its_own_type() {
    let mut registry = token_registry();
    let mut op = registry.start_health(ORG, now());
    assert!(matches!(registry.poll(&mut op, now()), Next::Http(_)));
    match registry.poll(&mut op, now() + Duration::from_millis(7)) {
        Next::Done(report) => {
            assert!(!report.ok);
            let error = report.error.unwrap();
            assert_eq!(error.reason, Reason::HostMisuse);
            assert_eq!(report.latency_ms, 7);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_cancelled_operation_ignores_later_inputs() {
    let mut registry = token_registry();
    let mut op = registry.start_resolve(ORG, "k", now());
    assert!(matches!(registry.poll(&mut op, now()), Next::Http(_)));
    registry.cancel(&mut op);
    assert!(op.is_done());
    let late = http::Response::new(br#"{"data":{"data":{"value":"v"}}}"#.to_vec());
    registry.on_response(&mut op, Ok(late), now());
    match registry.poll(&mut op, now()) {
        Next::Done(Err(e)) => assert_eq!(e.reason, Reason::Timeout),
        other => panic!("{other:?}"),
    }
}

#[test]
fn next_debug_never_shows_the_login_body_or_the_token() {
    let mut registry = approle_registry();
    let mut op = registry.start_resolve(ORG, "k", now());
    let next = registry.poll(&mut op, now());
    let shown = format!("{next:?}");
    assert_eq!(shown, "Http(POST /v1/auth/approle/login, 43-byte body)");
    assert!(!shown.contains("secret-1"), "{shown}");
}

#[test]
fn a_config_may_name_only_a_jwt_path_the_host_allows() {
    let mut registry = Registry::new();
    let config = |path: &str| {
        VaultConfig::kubernetes("http://127.0.0.1:8200", "secret", "r", Some(path)).unwrap()
    };
    for path in [
        "/etc/vaultcred/seal.key",
        "/var/run/secrets/kubernetes.io/serviceaccount/../../../../etc/passwd",
    ] {
        let err = registry.register(ORG, config(path)).unwrap_err();
        assert!(
            matches!(err, vaultcred_core::RegisterError::JwtPathNotAllowed { .. }),
            "{path}"
        );
        assert!(err.to_string().contains("jwtPath"), "{err}");
    }
    assert!(!registry.is_registered(ORG));
    registry
        .register(
            ORG,
            VaultConfig::kubernetes("http://127.0.0.1:8200", "secret", "r", None).unwrap(),
        )
        .unwrap();
    let options = vaultcred_core::RegistryOptions::default().allow_jwt_path("/run/vault/");
    let mut allowing = Registry::with_options(options);
    allowing.register(ORG, config("/run/vault/token")).unwrap();
    assert!(
        allowing
            .register(ORG, config("/run/vault-other/token"))
            .is_err()
    );
}
