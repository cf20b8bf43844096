//! TLS settings of the builder, against a canned HTTPS responder on loopback (DevVault speaks
//! plain HTTP). The certificates in `tests/tls/` are test-only, valid until 2126: `ca.pem` signs
//! `server.pem` (127.0.0.1, localhost) and `client.pem`; `other.key.pem` matches neither.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use vaultcred_ureq::{
    BuildError, Client, ClientBuilder, Origin, Reason, RetryPolicy, SecretValue, Setting,
    VaultConfig,
};

const KV_BODY: &str = r#"{"request_id":"r","lease_id":"","renewable":false,"lease_duration":0,"data":{"data":{"value":"tls-ok"},"metadata":{"created_time":"2024-05-02T09:30:12Z","custom_metadata":null,"deletion_time":"","destroyed":false,"version":1}},"wrap_info":null,"warnings":null,"auth":null,"mount_type":"kv"}"#;

fn file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tls")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(file(name)).unwrap()
}

/// An HTTPS server on 127.0.0.1 answering every request with a KV v2 read; with
/// `require_client_cert`, only clients presenting a certificate signed by the test CA get in.
fn https_server(require_client_cert: bool) -> String {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client_cert {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_file(file("ca.pem")).unwrap())
            .unwrap();
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let chain = CertificateDer::pem_file_iter(file("server.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(file("server.key.pem")).unwrap();
    let config = Arc::new(builder.with_single_cert(chain, key).unwrap());

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { return };
            let config = Arc::clone(&config);
            std::thread::spawn(move || {
                tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => return, // handshake refused, or client gone
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    KV_BODY.len()
                );
                let _ = tls.write_all(head.as_bytes());
                let _ = tls.write_all(KV_BODY.as_bytes());
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    url
}

fn resolve(
    builder: ClientBuilder,
    url: &str,
) -> Result<String, vaultcred_ureq::CredentialNotFound> {
    let client = builder
        .retry(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    client
        .register(
            "org_a",
            VaultConfig::token(url, "secret", "hvs.test").unwrap(),
        )
        .unwrap();
    let credential = client.resolve("org_a", "api-key")?;
    match credential.value() {
        SecretValue::Value(v) => Ok(v.expose().to_owned()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn custom_ca_bundle_is_trusted() {
    let url = https_server(false);
    let builder = Client::builder().ca_bundle_file(file("ca.pem")).unwrap();
    assert_eq!(resolve(builder, &url).unwrap(), "tls-ok");
    assert_eq!(
        resolve(Client::builder().ca_bundle_pem(read("ca.pem")), &url).unwrap(),
        "tls-ok"
    );
}

#[test]
fn default_roots_reject_an_unknown_ca() {
    let url = https_server(false);
    let err = resolve(Client::builder(), &url).unwrap_err();
    assert_eq!(err.reason, Reason::Unreachable, "{err}");
    assert!(err.message.contains("TLS failure"), "{err}");
    // A bundle that does not hold the server's CA is no better.
    let err = resolve(Client::builder().ca_bundle_pem(read("client.pem")), &url).unwrap_err();
    assert!(err.message.contains("TLS failure"), "{err}");
}

#[test]
fn disabling_verification_accepts_any_certificate() {
    let url = https_server(false);
    let builder = Client::builder().danger_disable_tls_verification(true);
    assert_eq!(resolve(builder, &url).unwrap(), "tls-ok");
}

#[test]
fn https_to_a_plain_http_port_is_a_tls_failure() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut tcp in listener.incoming().flatten() {
            let _ = tcp.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let err = resolve(Client::builder(), &url).unwrap_err();
    assert_eq!(err.reason, Reason::Unreachable, "{err}");
    assert!(err.message.contains("TLS failure"), "{err}");
}

#[test]
fn mutual_tls_presents_the_client_certificate() {
    let url = https_server(true);
    let with_ca = || Client::builder().ca_bundle_pem(read("ca.pem"));
    let err = resolve(with_ca(), &url).unwrap_err();
    assert_eq!(err.reason, Reason::Unreachable, "{err}");
    let builder = with_ca().client_cert_pem(read("client.pem"), read("client.key.pem"));
    assert_eq!(resolve(builder, &url).unwrap(), "tls-ok");
}

#[test]
fn bad_tls_material_is_refused_at_build() {
    let missing = file("no-such-ca.pem");
    let err = Client::builder().ca_bundle_file(&missing).unwrap_err();
    assert!(matches!(
        err,
        BuildError::Read {
            setting: Setting::CaBundle,
            ..
        }
    ));
    assert!(err.to_string().contains("no-such-ca.pem"), "{err}");

    let key_as_bundle = file("client.key.pem");
    let err = Client::builder()
        .ca_bundle_file(&key_as_bundle)
        .unwrap()
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("client.key.pem"), "{err}");
    assert!(err.to_string().contains("no PEM certificate"), "{err}");

    let garbage = b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".to_vec();
    let err = Client::builder()
        .ca_bundle_pem(garbage)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            BuildError::Invalid {
                setting: Setting::CaBundle,
                origin: Origin::Method("ca_bundle_pem"),
                ..
            }
        ),
        "{err}"
    );

    let err = Client::builder()
        .client_cert_pem(read("client.pem"), read("other.key.pem"))
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            BuildError::Invalid {
                setting: Setting::ClientCert | Setting::ClientKey,
                ..
            }
        ),
        "{err}"
    );
    let err = Client::builder()
        .client_cert_pem(read("client.pem"), Vec::new())
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            BuildError::Invalid {
                setting: Setting::ClientCert | Setting::ClientKey,
                ..
            }
        ),
        "{err}"
    );
    let err = Client::builder()
        .client_cert_pem(Vec::new(), read("client.key.pem"))
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            BuildError::Invalid {
                setting: Setting::ClientCert | Setting::ClientKey,
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.to_string().contains("PRIVATE KEY"), "{err}");

    Client::builder()
        .ca_bundle_pem(read("ca.pem"))
        .client_cert_pem(read("client.pem"), read("client.key.pem"))
        .build()
        .unwrap();
}

#[test]
fn tls_server_name_is_refused_not_ignored() {
    let err = Client::builder()
        .tls_server_name("localhost")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            BuildError::Unsupported {
                setting: Setting::TlsServerName,
                client: "vaultcred-ureq",
                ..
            }
        ),
        "{err}"
    );
}
