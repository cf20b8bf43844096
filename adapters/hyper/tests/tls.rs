//! TLS: custom roots, mTLS, verification failures and builder errors, through a rustls
//! terminating proxy in front of DevVault. The certificates in `tests/data` were made for these
//! tests only (CA, `localhost`/`127.0.0.1` server, client), valid until 2126.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use vaultcred_devvault::DevVault;
use vaultcred_hyper::{BuildError, Client, Reason, RetryPolicy, SecretValue, Setting, VaultConfig};

const CA: &[u8] = include_bytes!("data/ca.pem");
const SERVER_CERT: &[u8] = include_bytes!("data/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("data/server.key");
const CLIENT_CERT: &[u8] = include_bytes!("data/client.pem");
const CLIENT_KEY: &[u8] = include_bytes!("data/client.key");

/// DevVault behind a TLS proxy; returns the vault, the proxy's address and its handshake count.
async fn tls_vault(require_client_cert: bool) -> (DevVault, SocketAddr, Arc<AtomicUsize>) {
    let dev = DevVault::start().unwrap();
    dev.put_policy("org-a", &["secret/data/org_a/*"]);
    for kind in ["a", "b", "c"] {
        dev.kv_put(
            "secret",
            &format!("org_a/{kind}"),
            json!({"value": format!("v-{kind}")}),
        );
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client_cert {
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(CA).unwrap())
            .unwrap();
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let certs = CertificateDer::pem_slice_iter(SERVER_CERT)
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let config = builder
        .with_single_cert(certs, PrivateKeyDer::from_pem_slice(SERVER_KEY).unwrap())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let backend = dev.addr();
    let handshakes = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&handshakes);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, counter) = (acceptor.clone(), Arc::clone(&counter));
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                if let Ok(mut upstream) = tokio::net::TcpStream::connect(backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
                }
            });
        }
    });
    (dev, addr, handshakes)
}

fn register(client: &Client, dev: &DevVault, addr: SocketAddr) {
    let token = dev.create_token(&["org-a"], None);
    let config = VaultConfig::token(&format!("https://{addr}"), "secret", &token).unwrap();
    client.register("org_a", config).unwrap();
}

fn value(
    result: Result<Arc<vaultcred_hyper::Credential>, vaultcred_hyper::CredentialNotFound>,
) -> String {
    match result.unwrap().value() {
        SecretValue::Value(v) => v.expose().to_owned(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_custom_ca_is_trusted_and_connections_are_reused() {
    let (dev, addr, handshakes) = tls_vault(false).await;
    let client = Client::builder()
        .ca_bundle_pem(CA.to_vec())
        .build()
        .unwrap();
    register(&client, &dev, addr);

    for kind in ["a", "b", "c"] {
        assert_eq!(
            value(client.resolve("org_a", kind).await),
            format!("v-{kind}")
        );
    }
    assert_eq!(dev.count_prefix("GET", "/v1/secret/data/org_a/"), 3);
    assert_eq!(
        handshakes.load(Ordering::SeqCst),
        1,
        "keep-alive must reuse the connection"
    );
}

#[tokio::test]
async fn the_ca_bundle_can_come_from_a_file() {
    let (dev, addr, _) = tls_vault(false).await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ca.pem");
    let client = Client::builder()
        .ca_bundle_file(path)
        .unwrap()
        .build()
        .unwrap();
    register(&client, &dev, addr);
    assert_eq!(value(client.resolve("org_a", "a").await), "v-a");
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_unless_verification_is_disabled() {
    let (dev, addr, _) = tls_vault(false).await;
    // Default webpki roots do not know the test CA; TLS failures are not retried.
    let strict = Client::builder()
        .retry(RetryPolicy::default())
        .build()
        .unwrap();
    register(&strict, &dev, addr);
    let err = strict.resolve("org_a", "a").await.unwrap_err();
    assert_eq!(err.reason, Reason::Unreachable, "{err}");
    assert!(err.message.contains("TLS failure"), "{err}");
    assert_eq!(dev.count_prefix("GET", "/v1/"), 0);

    let lax = Client::builder()
        .danger_disable_tls_verification(true)
        .build()
        .unwrap();
    register(&lax, &dev, addr);
    assert_eq!(value(lax.resolve("org_a", "a").await), "v-a");
}

#[tokio::test]
async fn the_tls_server_name_replaces_the_host_in_verification() {
    let (dev, addr, _) = tls_vault(false).await;
    // The certificate names localhost and 127.0.0.1; Vault is reached at 127.0.0.1.
    let named = |name: &str| {
        Client::builder()
            .ca_bundle_pem(CA.to_vec())
            .retry(RetryPolicy::none())
            .tls_server_name(name)
            .build()
            .unwrap()
    };
    let right = named("localhost");
    register(&right, &dev, addr);
    assert_eq!(value(right.resolve("org_a", "a").await), "v-a");

    let wrong = named("vault.example.com");
    register(&wrong, &dev, addr);
    let err = wrong.resolve("org_a", "a").await.unwrap_err();
    assert_eq!(err.reason, Reason::Unreachable, "{err}");
    assert!(err.message.contains("TLS failure"), "{err}");
}

#[tokio::test]
async fn https_to_a_plain_http_port_is_a_tls_failure() {
    let dev = DevVault::start().unwrap();
    let client = Client::builder()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let config = VaultConfig::token(&format!("https://{}", dev.addr()), "secret", "hvs.x").unwrap();
    client.register("org_a", config).unwrap();
    let err = client.resolve("org_a", "a").await.unwrap_err();
    assert_eq!(err.reason, Reason::Unreachable, "{err}");
    assert!(err.message.contains("TLS failure"), "{err}");
}

#[tokio::test]
async fn mutual_tls_presents_the_client_certificate() {
    let (dev, addr, _) = tls_vault(true).await;
    let anonymous = Client::builder()
        .ca_bundle_pem(CA.to_vec())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    register(&anonymous, &dev, addr);
    let err = anonymous.resolve("org_a", "a").await.unwrap_err();
    assert_eq!(err.reason, Reason::Unreachable, "{err}");
    assert!(err.message.contains("TLS failure"), "{err}");

    let with_cert = Client::builder()
        .ca_bundle_pem(CA.to_vec())
        .client_cert_pem(CLIENT_CERT.to_vec(), CLIENT_KEY.to_vec())
        .build()
        .unwrap();
    register(&with_cert, &dev, addr);
    assert_eq!(value(with_cert.resolve("org_a", "a").await), "v-a");
}

#[test]
fn builder_errors_name_their_input() {
    let missing = Client::builder()
        .ca_bundle_file("/nonexistent/vault-ca.pem")
        .unwrap_err();
    assert!(
        matches!(
            missing,
            BuildError::Read {
                setting: Setting::CaBundle,
                ..
            }
        ),
        "{missing:?}"
    );
    assert!(
        missing.to_string().contains("/nonexistent/vault-ca.pem"),
        "{missing}"
    );

    let not_pem = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let err = Client::builder()
        .ca_bundle_file(not_pem)
        .unwrap()
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::Invalid { .. }), "{err:?}");
    assert!(err.to_string().contains(not_pem), "{err}");

    let err = Client::builder()
        .ca_bundle_pem(b"garbage".to_vec())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("CA bundle"), "{err}");

    let err = Client::builder()
        .client_cert_pem(CLIENT_CERT.to_vec(), b"not a key".to_vec())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("client key"), "{err}");
    assert!(!err.to_string().contains("not a key"), "{err}");

    let err = Client::builder()
        .client_cert_pem(CLIENT_CERT.to_vec(), SERVER_KEY.to_vec())
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            BuildError::Invalid {
                setting: Setting::ClientKey,
                ..
            }
        ),
        "{err:?}"
    );
}
