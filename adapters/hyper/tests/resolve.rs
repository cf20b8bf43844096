//! Adapter-level tests of `resolve`/`health` against DevVault on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vaultcred_devvault::{DevVault, Fault, FaultRule, PathMatch};
use vaultcred_hyper::{Client, Credential, Reason, RetryPolicy, SecretValue, VaultConfig};

const LOGIN: &str = "/v1/auth/approle/login";

fn value(c: &Credential) -> String {
    match c.value() {
        SecretValue::Value(v) => v.expose().to_owned(),
        other => panic!("expected a primary value, got {other:?}"),
    }
}

/// A DevVault with org_a's policy and `kinds` written as `{"value": "v-<kind>"}`.
fn vault(kinds: &[&str]) -> DevVault {
    let dev = DevVault::start().unwrap();
    dev.put_policy("org-a", &["secret/data/org_a/*"]);
    for kind in kinds {
        dev.kv_put(
            "secret",
            &format!("org_a/{kind}"),
            json!({"value": format!("v-{kind}")}),
        );
    }
    dev
}

fn token_client(dev: &DevVault, client: Client) -> Client {
    let token = dev.create_token(&["org-a"], None);
    client
        .register(
            "org_a",
            VaultConfig::token(&dev.url(), "secret", &token).unwrap(),
        )
        .unwrap();
    client
}

fn approle_client(dev: &DevVault, client: Client) -> Client {
    let creds = dev.create_approle("role-a", &["org-a"], Duration::from_secs(3600));
    let config = VaultConfig::approle(&dev.url(), "secret", &creds.role_id, &creds.secret_id);
    client.register("org_a", config.unwrap()).unwrap();
    client
}

fn no_retry() -> vaultcred_hyper::ClientBuilder {
    Client::builder().retry(RetryPolicy::none())
}

#[test]
fn client_is_shareable_and_futures_are_send() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    fn send<T: Send>(_: &T) {}
    shareable::<Client>();
    let client = Client::new();
    let resolve = client.resolve("org_a", "k");
    send(&resolve);
    let health = client.health("org_a");
    send(&health);
    send(&client.watch("org_a", &["k"]));
}

#[tokio::test]
async fn token_mode_resolves_then_answers_from_cache() {
    let dev = vault(&["anthropic-api-key"]);
    let client = token_client(&dev, Client::new());

    let first = client.resolve("org_a", "anthropic-api-key").await.unwrap();
    assert_eq!(value(&first), "v-anthropic-api-key");
    assert_eq!(first.version(), Some(1));
    assert_eq!(first.org_id(), "org_a");

    let second = client.resolve("org_a", "anthropic-api-key").await.unwrap();
    assert!(
        Arc::ptr_eq(&first, &second),
        "the second resolve must be a cache hit"
    );
    assert_eq!(
        dev.count("GET", "/v1/secret/data/org_a/anthropic-api-key"),
        1
    );

    let missing = client.resolve("org_a", "nope").await.unwrap_err();
    assert_eq!(missing.reason, Reason::Missing);

    let report = client.health("org_a").await;
    assert!(report.ok, "{report:?}");

    assert!(client.unregister("org_a"));
    let gone = client.resolve("org_a", "other").await.unwrap_err();
    assert_eq!(gone.reason, Reason::NotConfigured);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_approle_resolves_share_one_login() {
    let kinds: Vec<String> = (0..8).map(|i| format!("k{i}")).collect();
    let refs: Vec<&str> = kinds.iter().map(String::as_str).collect();
    let dev = vault(&refs);
    // Hold the login long enough for every task to pile up behind it.
    dev.inject(
        FaultRule::new(
            PathMatch::exact(LOGIN),
            Fault::Delay(Duration::from_millis(300)),
        )
        .times(1),
    );
    let client = approle_client(&dev, Client::new());

    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let client = client.clone();
            let kind = format!("k{}", i % 8);
            tokio::spawn(async move { (kind.clone(), client.resolve("org_a", &kind).await) })
        })
        .collect();
    let all = async {
        for task in tasks {
            let (kind, result) = task.await.unwrap();
            assert_eq!(value(&result.unwrap()), format!("v-{kind}"));
        }
    };
    // Waiters are woken when the login lands, not at the 90 s flight deadline.
    tokio::time::timeout(Duration::from_secs(10), all)
        .await
        .expect("every task resolves promptly");
    assert_eq!(dev.count("POST", LOGIN), 1);
    assert!(dev.count_prefix("GET", "/v1/secret/data/org_a/") <= 32);
}

#[tokio::test]
async fn dropped_resolve_releases_its_login() {
    let dev = vault(&["a"]);
    dev.inject(
        FaultRule::new(
            PathMatch::exact(LOGIN),
            Fault::Delay(Duration::from_secs(20)),
        )
        .times(1),
    );
    let client = approle_client(&dev, Client::new());

    let first =
        tokio::time::timeout(Duration::from_millis(300), client.resolve("org_a", "a")).await;
    assert!(
        first.is_err(),
        "the first resolve should still be stuck in its login"
    );

    let started = Instant::now();
    let second = tokio::time::timeout(Duration::from_secs(10), client.resolve("org_a", "a"))
        .await
        .expect("the next resolve must not wait for the abandoned login");
    assert_eq!(value(&second.unwrap()), "v-a");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(dev.count("POST", LOGIN), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiter_takes_over_when_the_login_owner_is_dropped() {
    let dev = vault(&["a", "b"]);
    dev.inject(
        FaultRule::new(
            PathMatch::exact(LOGIN),
            Fault::Delay(Duration::from_secs(20)),
        )
        .times(1),
    );
    let client = approle_client(&dev, Client::new());

    let owner = tokio::spawn({
        let client = client.clone();
        async move { client.resolve("org_a", "a").await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let waiter = tokio::spawn({
        let client = client.clone();
        async move { client.resolve("org_a", "b").await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !waiter.is_finished(),
        "the waiter should wait for the owner's login"
    );

    let started = Instant::now();
    owner.abort();
    let result = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("the waiter must be woken when the owner is dropped")
        .unwrap();
    assert_eq!(value(&result.unwrap()), "v-b");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(dev.count("POST", LOGIN), 2);
}

#[tokio::test]
async fn a_slow_vault_times_out() {
    let dev = vault(&["a"]);
    dev.inject(FaultRule::new(
        PathMatch::prefix("/v1/secret/"),
        Fault::Delay(Duration::from_secs(2)),
    ));
    let client = token_client(
        &dev,
        no_retry()
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap(),
    );

    let started = Instant::now();
    let err = client.resolve("org_a", "a").await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.reason, Reason::Timeout, "{err}");
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(600), "{elapsed:?}");
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = no_retry().build().unwrap();
    let config = VaultConfig::token(&format!("http://127.0.0.1:{port}"), "secret", "hvs.x");
    client.register("org_a", config.unwrap()).unwrap();

    let err = client.resolve("org_a", "a").await.unwrap_err();
    assert_eq!(err.reason, Reason::Unreachable, "{err}");
    assert!(err.message.contains("connection refused"), "{err}");
    let report = client.health("org_a").await;
    assert!(!report.ok);
    assert_eq!(report.error.unwrap().reason, Reason::Unreachable);
}

#[tokio::test]
async fn a_connection_dropped_mid_body_is_unreachable() {
    let dev = vault(&["a"]);
    dev.inject(FaultRule::new(
        PathMatch::prefix("/v1/secret/"),
        Fault::DropConnection,
    ));
    let client = token_client(&dev, no_retry().build().unwrap());

    let err = client.resolve("org_a", "a").await.unwrap_err();
    assert_eq!(err.reason, Reason::Unreachable, "{err}");
    assert!(err.message.contains("connection closed"), "{err}");
}

#[tokio::test]
async fn transient_failures_are_retried() {
    let dev = vault(&["a"]);
    dev.inject(FaultRule::new(PathMatch::prefix("/v1/secret/"), Fault::DropConnection).times(1));
    let client = token_client(
        &dev,
        Client::builder()
            .retry(RetryPolicy {
                base: Duration::from_millis(20),
                ..RetryPolicy::default()
            })
            .jitter_seed(7)
            .build()
            .unwrap(),
    );

    assert_eq!(value(&client.resolve("org_a", "a").await.unwrap()), "v-a");
    assert_eq!(dev.count("GET", "/v1/secret/data/org_a/a"), 2);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let dev = vault(&["a"]);
    dev.inject(FaultRule::new(
        PathMatch::prefix("/v1/secret/"),
        Fault::RedirectTo(dev.decoy_url()),
    ));
    let client = token_client(&dev, Client::new());

    let err = client.resolve("org_a", "a").await.unwrap_err();
    assert_eq!(err.reason, Reason::ServerError, "{err}");
    assert!(err.message.contains("redirect"), "{err}");
    assert_eq!(dev.count("GET", "/v1/secret/data/org_a/a"), 1);
    assert!(
        dev.decoy_requests().is_empty(),
        "{:?}",
        dev.decoy_requests()
    );
}

#[tokio::test]
async fn an_oversized_body_is_an_invalid_response() {
    let dev = vault(&["small"]);
    dev.kv_put("secret", "org_a/big", json!({"value": "x".repeat(4096)}));
    let client = token_client(&dev, no_retry().max_body_bytes(2048).build().unwrap());

    let err = client.resolve("org_a", "big").await.unwrap_err();
    assert_eq!(err.reason, Reason::InvalidResponse, "{err}");
    // The adapter stops reading at the cap (the core's own check would say "bytes, over").
    assert!(err.message.contains("stopped reading"), "{err}");
    // Under the cap, the same client reads fine.
    assert_eq!(
        value(&client.resolve("org_a", "small").await.unwrap()),
        "v-small"
    );
}

#[tokio::test]
async fn rotation_events_reach_subscribers() {
    let dev = DevVault::start().unwrap();
    dev.put_policy("org-a", &["secret/data/org_a/*"]);
    dev.kv_put_with_lease(
        "secret",
        "org_a/a",
        json!({"value": "one"}),
        Duration::from_secs(1),
    );
    let client = token_client(&dev, Client::new());
    let mut events = client.subscribe();

    assert_eq!(value(&client.resolve("org_a", "a").await.unwrap()), "one");
    dev.kv_put("secret", "org_a/a", json!({"value": "two"}));
    tokio::time::sleep(Duration::from_millis(900)).await;
    let rotated = client.resolve("org_a", "a").await.unwrap();
    assert_eq!(value(&rotated), "two");

    let event = events.try_recv().expect("a rotation event");
    assert_eq!((event.org_id.as_str(), event.kind.as_str()), ("org_a", "a"));
    assert_eq!((event.old_version, event.new_version), (Some(1), Some(2)));
}

#[tokio::test]
async fn unregister_wakes_a_task_waiting_for_the_login() {
    let dev = vault(&["a"]);
    // The first task's login hangs for 5 s; the second waits for it.
    dev.inject(
        FaultRule::new(
            PathMatch::exact(LOGIN),
            Fault::Delay(Duration::from_secs(5)),
        )
        .times(1),
    );
    let client = approle_client(&dev, no_retry().build().unwrap());
    let first = tokio::spawn({
        let client = client.clone();
        async move { client.resolve("org_a", "a").await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let waiter = tokio::spawn({
        let client = client.clone();
        async move { client.resolve("org_a", "a").await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    assert!(client.unregister("org_a"));
    let result = tokio::time::timeout(Duration::from_secs(3), waiter)
        .await
        .expect("the waiter is woken by unregister, not by the login landing")
        .unwrap();
    assert!(result.is_err(), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    first.abort();
}
