//! The blocking adapter (`vaultcred-ureq`) against DevVault over loopback: adapter-level behaviour (single-flight across threads, connection reuse, timeouts, redirects, body caps, rotations, logging). Kept in the workspace test crate so the adapter itself has no async dev-dependencies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};
use vaultcred_devvault::{DevVault, Fault, FaultRule, PathMatch};
use vaultcred_ureq::{Client, Credential, Reason, RetryPolicy, SecretValue, VaultConfig};

fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
const _: fn() = assert_send_sync_clone::<Client>;

fn value(c: &Credential) -> String {
    match c.value() {
        SecretValue::Value(v) => v.expose().to_owned(),
        other => panic!("expected one value, got {other:?}"),
    }
}

/// DevVault with `org_a`'s secrets readable by policy `org-a`.
fn vault() -> DevVault {
    let dev = DevVault::start().unwrap();
    dev.put_policy("org-a", &["secret/data/org_a/*"]);
    dev
}

fn token_client(dev: &DevVault, builder: vaultcred_ureq::ClientBuilder) -> Client {
    let client = builder.build().unwrap();
    let token = dev.create_token(&["org-a"], None);
    client
        .register(
            "org_a",
            VaultConfig::token(&dev.url(), "secret", &token).unwrap(),
        )
        .unwrap();
    client
}

fn no_retry() -> vaultcred_ureq::ClientBuilder {
    Client::builder().retry(RetryPolicy::none()).jitter_seed(1)
}

#[test]
fn token_mode_resolves_and_caches() {
    let dev = vault();
    dev.kv_put("secret", "org_a/api-key", json!({"value": "sk-123"}));
    let client = token_client(&dev, Client::builder());

    let first = client.resolve("org_a", "api-key").unwrap();
    assert_eq!(value(&first), "sk-123");
    assert_eq!(first.version(), Some(1));
    let again = client.resolve("org_a", "api-key").unwrap();
    assert!(
        Arc::ptr_eq(&first, &again),
        "second resolve must come from the cache"
    );
    assert_eq!(dev.count("GET", "/v1/secret/data/org_a/api-key"), 1);

    let missing = client.resolve("org_a", "nope").unwrap_err();
    assert_eq!(missing.reason, Reason::Missing);
    assert_eq!(
        client.resolve("org_zz", "api-key").unwrap_err().reason,
        Reason::NotConfigured
    );
}

#[test]
fn approle_concurrent_resolves_share_one_login() {
    let dev = vault();
    let creds = dev.create_approle("svc", &["org-a"], Duration::from_secs(3600));
    for i in 0..8 {
        dev.kv_put(
            "secret",
            &format!("org_a/kind-{i}"),
            json!({"value": format!("v{i}")}),
        );
    }
    let client = Client::new();
    let config =
        VaultConfig::approle(&dev.url(), "secret", &creds.role_id, &creds.secret_id).unwrap();
    client.register("org_a", config).unwrap();

    let started = Instant::now();
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let (client, barrier) = (client.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                value(&client.resolve("org_a", &format!("kind-{i}")).unwrap())
            })
        })
        .collect();
    let values: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();

    assert_eq!(values, (0..8).map(|i| format!("v{i}")).collect::<Vec<_>>());
    // Waiters are woken by the login's response, not by their 90 s wait limit.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(dev.count("POST", "/v1/auth/approle/login"), 1);
    for i in 0..8 {
        assert_eq!(
            dev.count("GET", &format!("/v1/secret/data/org_a/kind-{i}")),
            1
        );
    }
}

/// A loopback TCP forwarder to `target` that counts the connections it accepts.
fn counting_forwarder(target: std::net::SocketAddr) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    std::thread::spawn(move || {
        for inbound in listener.incoming() {
            let Ok(inbound) = inbound else { return };
            counter.fetch_add(1, Ordering::SeqCst);
            let outbound = TcpStream::connect(target).unwrap();
            for (mut from, mut to) in [
                (inbound.try_clone().unwrap(), outbound.try_clone().unwrap()),
                (outbound, inbound),
            ] {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            }
        }
    });
    (url, accepted)
}

#[test]
fn sequential_calls_reuse_one_connection() {
    let dev = vault();
    for kind in ["a", "b", "c"] {
        dev.kv_put("secret", &format!("org_a/{kind}"), json!({"value": kind}));
    }
    let (url, accepted) = counting_forwarder(dev.addr());
    let client = Client::new();
    let token = dev.create_token(&["org-a"], None);
    client
        .register("org_a", VaultConfig::token(&url, "secret", &token).unwrap())
        .unwrap();

    for kind in ["a", "b", "c"] {
        assert_eq!(value(&client.resolve("org_a", kind).unwrap()), kind);
    }
    assert!(client.health("org_a").ok);
    assert_eq!(dev.count_prefix("GET", "/v1/secret/data/org_a/"), 3);
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "keep-alive connection not reused"
    );
}

#[test]
fn slow_vault_times_out_per_call() {
    let dev = vault();
    dev.kv_put("secret", "org_a/slow", json!({"value": "late"}));
    dev.inject(FaultRule::new(
        PathMatch::exact("/v1/secret/data/org_a/slow"),
        Fault::Delay(Duration::from_secs(2)),
    ));
    let client = token_client(&dev, no_retry().timeout(Duration::from_millis(300)));

    let started = Instant::now();
    let err = client.resolve("org_a", "slow").unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.reason, Reason::Timeout, "{err}");
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(600), "{elapsed:?}");
}

#[test]
fn closed_port_is_unreachable() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = no_retry().build().unwrap();
    let config =
        VaultConfig::token(&format!("http://127.0.0.1:{port}"), "secret", "hvs.x").unwrap();
    client.register("org_a", config).unwrap();

    let err = client.resolve("org_a", "api-key").unwrap_err();
    assert_eq!(err.reason, Reason::Unreachable, "{err}");
    assert!(err.message.contains("connection refused"), "{err}");
    let health = client.health("org_a");
    assert!(!health.ok);
    assert_eq!(health.error.unwrap().reason, Reason::Unreachable);
}

#[test]
fn unknown_host_is_unreachable() {
    let client = no_retry().timeout(Duration::from_secs(5)).build().unwrap();
    let config =
        VaultConfig::token("http://vaultcred-test.invalid:8200", "secret", "hvs.x").unwrap();
    client.register("org_a", config).unwrap();

    let err = client.resolve("org_a", "api-key").unwrap_err();
    assert_eq!(err.reason, Reason::Unreachable, "{err}");
    assert!(
        err.message.contains("connection refused"),
        "DNS failure not classed as refused: {err}"
    );
}

#[test]
fn dropped_connection_is_unreachable() {
    let dev = vault();
    dev.kv_put("secret", "org_a/api-key", json!({"value": "x"}));
    dev.inject(FaultRule::new(
        PathMatch::prefix("/v1/secret/"),
        Fault::DropConnection,
    ));
    let client = token_client(&dev, no_retry());

    let err = client.resolve("org_a", "api-key").unwrap_err();
    assert_eq!(err.reason, Reason::Unreachable, "{err}");
    assert!(err.message.contains("connection closed"), "{err}");
}

#[test]
fn redirect_is_reported_not_followed() {
    let dev = vault();
    dev.kv_put("secret", "org_a/api-key", json!({"value": "x"}));
    dev.inject(FaultRule::new(
        PathMatch::prefix("/v1/secret/"),
        Fault::RedirectTo(dev.decoy_url()),
    ));
    let client = token_client(&dev, Client::builder());

    let err = client.resolve("org_a", "api-key").unwrap_err();
    assert_eq!(err.reason, Reason::ServerError, "{err}");
    assert!(err.message.contains("redirect"), "{err}");
    assert_eq!(dev.count("GET", "/v1/secret/data/org_a/api-key"), 1);
    assert!(
        dev.decoy_requests().is_empty(),
        "the token went to another origin"
    );
}

#[test]
fn body_over_the_cap_is_invalid_response() {
    let dev = vault();
    dev.kv_put("secret", "org_a/big", json!({"value": "x".repeat(4096)}));
    dev.kv_put("secret", "org_a/small", json!({"value": "ok"}));
    let client = token_client(&dev, no_retry().max_body_bytes(1024));

    let err = client.resolve("org_a", "big").unwrap_err();
    assert_eq!(err.reason, Reason::InvalidResponse, "{err}");
    assert!(err.message.contains("too large"), "{err}");
    assert_eq!(value(&client.resolve("org_a", "small").unwrap()), "ok");
}

#[test]
fn rotation_reaches_subscribers() {
    let dev = vault();
    let lease = Duration::from_secs(1);
    dev.kv_put_with_lease("secret", "org_a/db", json!({"value": "pw-1"}), lease);
    let client = token_client(&dev, Client::builder());
    let early = client.subscribe();
    let gone = client.subscribe();
    drop(gone);

    assert_eq!(value(&client.resolve("org_a", "db").unwrap()), "pw-1");
    let late = client.subscribe();
    assert_eq!(
        dev.kv_put_with_lease("secret", "org_a/db", json!({"value": "pw-2"}), lease),
        2
    );
    // Cached until 0.8 × the 1 s lease.
    assert_eq!(client.resolve("org_a", "db").unwrap().version(), Some(1));
    assert!(early.try_recv().is_err());

    std::thread::sleep(Duration::from_millis(850));
    let fresh = client.resolve("org_a", "db").unwrap();
    assert_eq!((value(&fresh).as_str(), fresh.version()), ("pw-2", Some(2)));
    for rx in [&early, &late] {
        let event = rx.recv_timeout(Duration::from_secs(1)).unwrap();
        assert_eq!(
            (event.org_id.as_str(), event.kind.as_str()),
            ("org_a", "db")
        );
        assert_eq!((event.old_version, event.new_version), (Some(1), Some(2)));
        assert!(rx.try_recv().is_err(), "one rotation, one event");
    }
}

#[test]
fn kubernetes_reads_the_jwt_file() {
    let dev = vault();
    dev.kv_put("secret", "org_a/api-key", json!({"value": "k8s-ok"}));
    dev.create_k8s_role("svc", &["org-a"], Duration::from_secs(3600));
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl";
    dev.register_jwt("svc", jwt);
    let path = std::env::temp_dir().join(format!("vaultcred-ureq-jwt-{}", std::process::id()));
    std::fs::write(&path, format!("{jwt}\n")).unwrap();

    let client = Client::builder()
        .allow_jwt_path(format!("{}/", std::env::temp_dir().display()))
        .build()
        .unwrap();
    let config = VaultConfig::kubernetes(&dev.url(), "secret", "svc", path.to_str()).unwrap();
    client.register("org_a", config).unwrap();
    let missing = path.with_extension("missing");
    let config = VaultConfig::kubernetes(&dev.url(), "secret", "svc", missing.to_str()).unwrap();
    client.register("org_b", config).unwrap();

    let resolved = client.resolve("org_a", "api-key");
    std::fs::remove_file(&path).unwrap();
    assert_eq!(value(&resolved.unwrap()), "k8s-ok");
    assert_eq!(dev.count("POST", "/v1/auth/kubernetes/login"), 1);
    assert_eq!(
        client.resolve("org_b", "api-key").unwrap_err().reason,
        Reason::JwtUnreadable
    );
}

#[test]
fn health_and_unregister() {
    let dev = vault();
    let client = token_client(&dev, Client::builder());
    let report = client.health("org_a");
    assert!(report.ok, "{report:?}");
    assert_eq!(dev.count("GET", "/v1/auth/token/lookup-self"), 1);

    assert!(client.unregister("org_a"));
    assert!(!client.unregister("org_a"));
    assert_eq!(
        client.health("org_a").error.unwrap().reason,
        Reason::NotConfigured
    );
    assert!(
        client
            .register(
                "../evil",
                VaultConfig::token(&dev.url(), "secret", "t").unwrap()
            )
            .is_err()
    );
}

/// Records every `tracing` event of the current thread as text.
struct Capture(Arc<Mutex<String>>);

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Text<'a>(&'a mut String);
        impl tracing::field::Visit for Text<'_> {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.push_str(&format!(" {}={value:?}", field.name()));
            }
        }
        let mut out = self.0.lock().unwrap();
        out.push_str(&format!(
            "\n{} {}:",
            event.metadata().level(),
            event.metadata().target()
        ));
        event.record(&mut Text(&mut out));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn tracing_events_carry_no_secrets() {
    let dev = vault();
    let creds = dev.create_approle("svc", &["org-a"], Duration::from_secs(3600));
    dev.kv_put(
        "secret",
        "org_a/api-key",
        json!({"value": "sk-very-secret"}),
    );
    let client = Client::new();
    let config =
        VaultConfig::approle(&dev.url(), "secret", &creds.role_id, &creds.secret_id).unwrap();
    client.register("org_a", config).unwrap();

    let log = Arc::new(Mutex::new(String::new()));
    tracing::subscriber::with_default(Capture(Arc::clone(&log)), || {
        client.resolve("org_a", "api-key").unwrap();
        client.resolve("org_a", "nope").unwrap_err();
    });
    let log = log.lock().unwrap().clone();
    assert!(
        log.contains("path=\"/v1/auth/approle/login\"") && log.contains("status=200"),
        "{log}"
    );
    assert!(
        log.contains("INFO vaultcred:") && log.contains("version=1"),
        "{log}"
    );
    assert!(
        log.contains("WARN vaultcred:") && log.contains("reason=missing"),
        "{log}"
    );
    let login = dev
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/auth/approle/login")
        .unwrap();
    let token = dev
        .requests()
        .into_iter()
        .find_map(|r| r.header("x-vault-token").map(str::to_owned))
        .unwrap();
    assert!(!login.body.is_empty());
    for secret in [token.as_str(), &creds.secret_id, "sk-very-secret"] {
        assert!(!log.contains(secret), "{secret} leaked into {log}");
    }
}

#[test]
fn endless_body_is_cut_at_the_cap() {
    // Claims a 1 GB body and streams it: the adapter must stop reading past the cap, not wait
    // for the whole body (or the timeout).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(mut tcp) = tcp else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = std::io::Read::read(&mut tcp, &mut buf);
                let head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n";
                let _ = std::io::Write::write_all(&mut tcp, head);
                while std::io::Write::write_all(&mut tcp, &[b'x'; 4096]).is_ok() {
                    std::thread::sleep(Duration::from_millis(5));
                }
            });
        }
    });
    let client = no_retry()
        .timeout(Duration::from_secs(5))
        .max_body_bytes(64 * 1024)
        .build()
        .unwrap();
    client
        .register(
            "org_a",
            VaultConfig::token(&url, "secret", "hvs.x").unwrap(),
        )
        .unwrap();

    let started = Instant::now();
    let err = client.resolve("org_a", "api-key").unwrap_err();
    assert_eq!(err.reason, Reason::InvalidResponse, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn unregister_wakes_a_thread_waiting_for_the_login() {
    let dev = vault();
    dev.kv_put("secret", "org_a/a", json!({"value": "v-a"}));
    // The first thread's login hangs for 3 s; the second waits for it.
    dev.inject(
        FaultRule::new(
            PathMatch::exact("/v1/auth/approle/login"),
            Fault::Delay(Duration::from_secs(3)),
        )
        .times(1),
    );
    let creds = dev.create_approle("svc", &["org-a"], Duration::from_secs(3600));
    let config = VaultConfig::approle(&dev.url(), "secret", &creds.role_id, &creds.secret_id);
    let client = no_retry().build().unwrap();
    client.register("org_a", config.unwrap()).unwrap();
    let first = std::thread::spawn({
        let client = client.clone();
        move || client.resolve("org_a", "a").map(drop)
    });
    std::thread::sleep(Duration::from_millis(200));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn({
        let client = client.clone();
        move || tx.send(client.resolve("org_a", "a").map(drop))
    });
    std::thread::sleep(Duration::from_millis(200));
    assert!(client.unregister("org_a"));
    let result = rx
        .recv_timeout(Duration::from_secs(2))
        .expect("the waiter is woken by unregister, not by the login landing");
    assert!(result.is_err(), "{result:?}");
    drop(first.join());
}

#[test]
fn a_proxy_is_used_only_when_chosen() {
    // The proxy the user chose receives the request: ureq opens a tunnel (`CONNECT
    // vault.invalid:8200`), writing the head in pieces, so read it up to its blank line.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let mut head = Vec::new();
        let mut chunk = [0u8; 512];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match std::io::Read::read(&mut socket, &mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&chunk[..n]),
            }
        }
        String::from_utf8_lossy(&head).into_owned()
    });
    let client = Client::builder()
        .proxy(proxy)
        .timeout(Duration::from_secs(2))
        .retry(vaultcred_core::RetryPolicy::none())
        .build()
        .unwrap();
    let config =
        VaultConfig::token("http://vault.invalid:8200", "secret", "hvs.PROXYtest").unwrap();
    client.register("org_a", config).unwrap();
    let _ = client.resolve("org_a", "k");
    let head = seen.join().unwrap();
    assert!(head.contains("vault.invalid:8200"), "{head}");
}
