//! The watcher over real resolves: what each result means and when each kind is due.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::sync::Arc;
use std::time::{Duration, SystemTime};
use vaultcred_core::{Credential, Next, Reason, Registry, VaultConfig, WatchEvent, Watcher};

const ORG: &str = "org_abc123";

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_932_000)
}

/// Resolves `kind` in token mode (refreshAt = resolvedAt + 1 h) with Vault answering `status`
/// and `body`.
fn resolve(
    registry: &mut Registry,
    kind: &str,
    status: u16,
    body: &str,
    now: SystemTime,
) -> Result<Arc<Credential>, vaultcred_core::CredentialNotFound> {
    let mut op = registry.start_resolve(ORG, kind, now);
    loop {
        match registry.poll(&mut op, now) {
            Next::Http(_) => {
                let mut response = http::Response::new(body.as_bytes().to_vec());
                *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
                registry.on_response(&mut op, Ok(response), now);
            }
            Next::Done(result) => return result,
            other => panic!("{other:?}"),
        }
    }
}

fn kv(value: &str, version: u64) -> String {
    format!(r#"{{"data":{{"data":{{"value":"{value}"}},"metadata":{{"version":{version}}}}}}}"#)
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    let config = VaultConfig::token("http://127.0.0.1:8200", "secret", "hvs.T").unwrap();
    registry.register(ORG, config).unwrap();
    registry
}

#[test]
fn resolved_unchanged_rotated_failed_recovered() {
    let mut registry = registry();
    let mut watcher = Watcher::new(ORG, &["k"], t0());
    let hour = Duration::from_secs(3600);

    let first = resolve(&mut registry, "k", 200, &kv("v1", 1), t0());
    assert!(matches!(
        watcher.on_result("k", first, t0()),
        Some(WatchEvent::Resolved(_))
    ));
    assert_eq!(watcher.next_due(), Some(t0() + hour), "due at refreshAt");
    assert_eq!(
        watcher.due(t0() + hour - Duration::from_millis(1)).count(),
        0
    );

    let t1 = t0() + hour;
    let same = resolve(&mut registry, "k", 200, &kv("v1", 1), t1);
    assert!(
        watcher.on_result("k", same, t1).is_none(),
        "unchanged: nothing new"
    );

    let t2 = t1 + hour;
    let rotated = resolve(&mut registry, "k", 200, &kv("v2", 2), t2);
    match watcher.on_result("k", rotated, t2) {
        Some(WatchEvent::Rotated { previous, current }) => {
            assert_eq!((previous.version(), current.version()), (Some(1), Some(2)));
        }
        other => panic!("{other:?}"),
    }

    let t3 = t2 + hour;
    for (n, pause) in [(1, 1), (2, 2), (3, 4)] {
        let at = t3 + Duration::from_secs(n * 100);
        let failed = resolve(&mut registry, "k", 404, r#"{"errors":[]}"#, at);
        match watcher.on_result("k", failed, at) {
            Some(WatchEvent::Failed(e)) => assert_eq!(e.reason, Reason::Missing),
            other => panic!("{other:?}"),
        }
        assert_eq!(watcher.next_due(), Some(at + Duration::from_secs(pause)));
    }
    let t4 = t3 + Duration::from_secs(1000);
    let back = resolve(&mut registry, "k", 200, &kv("v2", 2), t4);
    assert!(matches!(
        watcher.on_result("k", back, t4),
        Some(WatchEvent::Recovered(_))
    ));
}

#[test]
fn every_makes_a_kind_due_before_its_refresh_time() {
    let mut registry = registry();
    let mut watcher = Watcher::new(ORG, &["k"], t0()).every(Duration::from_secs(5));
    let first = resolve(&mut registry, "k", 200, &kv("v1", 1), t0());
    watcher.on_result("k", first, t0());
    assert_eq!(watcher.next_due(), Some(t0() + Duration::from_secs(5)));
    // Never more often than the minimum interval.
    let mut fast = Watcher::new(ORG, &["k"], t0()).every(Duration::ZERO);
    let cached = registry.cached(ORG, "k", t0()).unwrap();
    fast.on_result("k", Ok(cached), t0());
    assert_eq!(fast.next_due(), Some(t0() + Duration::from_millis(250)));
}

#[test]
fn a_refresh_time_in_the_past_waits_the_minimum_interval() {
    let mut registry = registry();
    let mut watcher = Watcher::new(ORG, &["k"], t0());
    let first = resolve(&mut registry, "k", 200, &kv("v1", 1), t0());
    let late = t0() + Duration::from_secs(7200);
    watcher.on_result("k", first, late);
    assert_eq!(watcher.next_due(), Some(late + Duration::from_millis(250)));
    assert!(
        watcher
            .on_result(
                "unknown",
                Ok(registry.cached(ORG, "k", t0()).unwrap()),
                late
            )
            .is_none()
    );
}
