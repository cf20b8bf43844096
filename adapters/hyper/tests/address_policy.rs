//! The address policy at connect time: a public-only client makes no connection to a loopback
//! Vault — named by an IP literal in any form, or by a host name resolving to loopback — and
//! fails with `address_not_allowed`; the operator's allowed range lets the same server through;
//! the default allows everything.
//!
//! DevVault listens on 127.0.0.1 behind a TCP relay that counts the connections it accepts, so
//! "refused" means the server saw nothing, not only that the call failed.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use vaultcred_devvault::DevVault;
use vaultcred_hyper::{
    AddressPolicy, Client, ClientBuilder, Reason, RetryPolicy, SecretValue, VaultConfig,
};

/// DevVault with `org_a/k` = `v-k`, and a token that reads it.
fn vault() -> (DevVault, String) {
    let dev = DevVault::start().unwrap();
    dev.put_policy("org-a", &["secret/data/org_a/*"]);
    dev.kv_put("secret", "org_a/k", json!({"value": "v-k"}));
    let token = dev.create_token(&["org-a"], None);
    (dev, token)
}

/// A relay on `listen` to `upstream` that counts the connections it accepts.
struct Counting {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl Counting {
    async fn start(listen: &str, upstream: SocketAddr) -> std::io::Result<Counting> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Ok(Counting { addr, accepted })
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

fn client(builder: ClientBuilder, addr: &str, token: &str) -> Client {
    let client = builder.build().unwrap();
    let config = VaultConfig::token(addr, "secret", token).unwrap();
    client.register("org_a", config).unwrap();
    client
}

/// Public only, with retries a second or more apart: a retried refusal would show in the time.
fn public_only() -> ClientBuilder {
    let slow_retries = RetryPolicy {
        base: Duration::from_secs(2),
        ..RetryPolicy::default()
    };
    Client::builder()
        .address_policy(AddressPolicy::public_only())
        .retry(slow_retries)
}

async fn resolves(client: &Client) {
    let credential = client.resolve("org_a", "k").await.unwrap();
    match credential.value() {
        SecretValue::Value(v) => assert_eq!(v.expose(), "v-k"),
        other => panic!("expected a value, got {other:?}"),
    }
}

/// Resolves and health-checks `addr` with a public-only client, expecting `address_not_allowed`
/// with `expected` in the message, at once (no retry), and no connection.
async fn refused(relay: &Counting, addr: &str, token: &str, expected: &str) {
    let client = client(public_only(), addr, token);
    let started = Instant::now();
    let err = client.resolve("org_a", "k").await.unwrap_err();
    assert_eq!(err.reason, Reason::AddressNotAllowed, "{addr}: {err}");
    assert_eq!(err.reason.as_str(), "address_not_allowed");
    assert!(err.message.contains(expected), "{addr}: {err}");
    // A refusal is final: the first retry would wait a second or more.
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{addr}: retried?"
    );
    let report = client.health("org_a").await;
    assert!(!report.ok);
    assert_eq!(report.error.unwrap().reason, Reason::AddressNotAllowed);
    assert_eq!(relay.accepted(), 0, "{addr}: the server saw a connection");
}

#[tokio::test]
async fn public_only_refuses_a_loopback_ip_literal_without_connecting() {
    let (dev, token) = vault();
    let relay = Counting::start("127.0.0.1:0", dev.addr()).await.unwrap();
    let port = relay.addr.port();
    let addr = format!("http://127.0.0.1:{port}");
    let expected = "address 127.0.0.1 is not allowed by the address policy (loopback)";
    refused(&relay, &addr, &token, expected).await;
    // An IPv6 socket to the IPv4-mapped form would reach the same listener.
    let mapped = format!("http://[::ffff:127.0.0.1]:{port}");
    let expected = "address ::ffff:127.0.0.1 is not allowed by the address policy (IPv4-mapped 127.0.0.1: loopback)";
    refused(&relay, &mapped, &token, expected).await;
    // Over TLS too: the check is under the TLS layer.
    let https = format!("https://127.0.0.1:{port}");
    refused(&relay, &https, &token, "(loopback)").await;
}

#[tokio::test]
async fn public_only_refuses_a_host_name_resolving_to_loopback_without_connecting() {
    let (dev, token) = vault();
    let relay = Counting::start("127.0.0.1:0", dev.addr()).await.unwrap();
    let port = relay.addr.port();
    let expected = "address 127.0.0.1 is not allowed by the address policy (loopback)";
    refused(
        &relay,
        &format!("http://localhost:{port}"),
        &token,
        expected,
    )
    .await;
    // Not an IP literal to the connector: getaddrinfo turns it into 127.0.0.1, then refused.
    refused(&relay, &format!("http://127.1:{port}"), &token, expected).await;
}

#[tokio::test]
async fn public_only_refuses_the_ipv6_loopback() {
    let (dev, token) = vault();
    // Where the machine has no IPv6 loopback, the refusal is still checked, without a relay.
    let relay = match Counting::start("[::1]:0", dev.addr()).await {
        Ok(relay) => relay,
        Err(_) => Counting::start("127.0.0.1:0", dev.addr()).await.unwrap(),
    };
    let addr = format!("http://[::1]:{}", relay.addr.port());
    let expected = "address ::1 is not allowed by the address policy (loopback)";
    refused(&relay, &addr, &token, expected).await;
}

#[tokio::test]
async fn an_allowed_range_lets_the_same_server_through() {
    let (dev, token) = vault();
    let relay = Counting::start("127.0.0.1:0", dev.addr()).await.unwrap();
    let port = relay.addr.port();
    let policy = AddressPolicy::public_only().allow("127.0.0.1/32").unwrap();
    let builder = || Client::builder().address_policy(policy.clone());

    resolves(&client(
        builder(),
        &format!("http://127.0.0.1:{port}"),
        &token,
    ))
    .await;
    assert_eq!(relay.accepted(), 1);
    // localhost may resolve to ::1 as well: refused, while 127.0.0.1 is tried and allowed.
    resolves(&client(
        builder(),
        &format!("http://localhost:{port}"),
        &token,
    ))
    .await;
    assert_eq!(relay.accepted(), 2);

    // One address outside the range stays refused.
    let narrow = AddressPolicy::public_only().allow("127.0.0.2/32").unwrap();
    let other = client(
        Client::builder().address_policy(narrow),
        &format!("http://127.0.0.1:{port}"),
        &token,
    );
    let err = other.resolve("org_a", "k").await.unwrap_err();
    assert_eq!(err.reason, Reason::AddressNotAllowed, "{err}");
    assert_eq!(relay.accepted(), 2);
}

#[tokio::test]
async fn allow_all_is_the_default_and_connects_to_loopback() {
    let (dev, token) = vault();
    let relay = Counting::start("127.0.0.1:0", dev.addr()).await.unwrap();
    let addr = format!("http://127.0.0.1:{}", relay.addr.port());
    resolves(&client(Client::builder(), &addr, &token)).await;
    let explicit = Client::builder().address_policy(AddressPolicy::allow_all());
    resolves(&client(explicit, &addr, &token)).await;
    assert_eq!(relay.accepted(), 2);
}
