//! `Client::watch` against DevVault on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use std::time::Duration;
use vaultcred_devvault::DevVault;
use vaultcred_hyper::{Client, Reason, RetryPolicy, SecretValue, VaultConfig, WatchEvent};

fn value(event: &WatchEvent) -> String {
    let credential = match event {
        WatchEvent::Resolved(c)
        | WatchEvent::Recovered(c)
        | WatchEvent::Rotated { current: c, .. } => c,
        WatchEvent::Failed(e) => panic!("unexpected failure: {e}"),
    };
    match credential.value() {
        SecretValue::Value(v) => v.expose().to_owned(),
        other => panic!("{other:?}"),
    }
}

async fn next(watch: &mut vaultcred_hyper::Watch) -> WatchEvent {
    tokio::time::timeout(Duration::from_secs(5), watch.next())
        .await
        .expect("an event within 5 s")
        .expect("the stream goes on")
}

#[tokio::test]
async fn watch_yields_resolved_then_rotated() {
    let dev = DevVault::start().unwrap();
    dev.put_policy("org-a", &["secret/data/org_a/*"]);
    let lease = Duration::from_secs(1);
    dev.kv_put_with_lease("secret", "org_a/a", json!({"value": "one"}), lease);
    dev.kv_put("secret", "org_a/b", json!({"value": "stable"}));
    let token = dev.create_token(&["org-a"], None);
    let client = Client::new();
    client
        .register(
            "org_a",
            VaultConfig::token(&dev.url(), "secret", &token).unwrap(),
        )
        .unwrap();

    let mut watch = client.watch("org_a", &["a", "b"]);
    let first = next(&mut watch).await;
    assert!(
        matches!(&first, WatchEvent::Resolved(c) if c.kind() == "a"),
        "{first:?}"
    );
    assert_eq!(value(&first), "one");
    let second = next(&mut watch).await;
    assert!(
        matches!(&second, WatchEvent::Resolved(c) if c.kind() == "b"),
        "{second:?}"
    );

    dev.kv_put_with_lease("secret", "org_a/a", json!({"value": "two"}), lease);
    let rotated = next(&mut watch).await;
    match &rotated {
        WatchEvent::Rotated { previous, current } => {
            assert_eq!((previous.version(), current.version()), (Some(1), Some(2)));
            assert_eq!(current.kind(), "a");
        }
        other => panic!("expected Rotated, got {other:?}"),
    }
    assert_eq!(value(&rotated), "two");
    // Only "a" is due every 0.8 s; "b" (token mode, 1 h) was read once.
    assert_eq!(dev.count("GET", "/v1/secret/data/org_a/b"), 1);
    // An unchanged re-read yields nothing.
    let quiet = tokio::time::timeout(Duration::from_millis(1200), watch.next()).await;
    assert!(quiet.is_err(), "{quiet:?}");
    assert!(dev.count("GET", "/v1/secret/data/org_a/a") >= 3);
}

#[tokio::test]
async fn watch_reports_failures_and_recovers() {
    let dev = DevVault::start().unwrap();
    dev.put_policy("org-a", &["secret/data/org_a/*"]);
    let token = dev.create_token(&["org-a"], None);
    // The retry cap (at least 1 s) is the pause after a failure.
    let client = Client::builder()
        .retry(RetryPolicy {
            max_retries: 0,
            cap: Duration::from_secs(1),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    client
        .register(
            "org_a",
            VaultConfig::token(&dev.url(), "secret", &token).unwrap(),
        )
        .unwrap();

    let mut watch = client.watch("org_a", &["late"]);
    match next(&mut watch).await {
        WatchEvent::Failed(e) => assert_eq!(e.reason, Reason::Missing),
        other => panic!("expected Failed, got {other:?}"),
    }
    dev.kv_put("secret", "org_a/late", json!({"value": "here"}));
    let resolved = next(&mut watch).await;
    assert!(matches!(resolved, WatchEvent::Resolved(_)), "{resolved:?}");
    assert_eq!(value(&resolved), "here");
    assert_eq!(dev.count("GET", "/v1/secret/data/org_a/late"), 2);
}

#[tokio::test]
async fn an_empty_watch_ends() {
    let client = Client::new();
    let mut watch = client.watch("org_a", &[]);
    assert!(watch.next().await.is_none());
}
