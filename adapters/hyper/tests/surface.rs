//! What the async client shows and refuses: `Debug` of the client and its builder never shows
//! key material or a config's secrets; a proxy is refused (the adapter uses none, and never one
//! from the environment).
#![allow(clippy::unwrap_used, reason = "tests")]

use vaultcred_hyper::{BuildError, Client, ClientBuilder, Setting, VaultConfig};

#[test]
fn debug_of_the_client_and_its_builder_shows_no_secret() {
    let builder: ClientBuilder =
        Client::builder().client_cert_pem(b"CHAIN".to_vec(), b"PRIVATE-KEYBYTES".to_vec());
    let shown = format!("{builder:?}");
    assert!(!shown.contains("PRIVATE-KEYBYTES"), "{shown}");
    let client = Client::new();
    let config = VaultConfig::approle(
        "http://127.0.0.1:8200",
        "secret",
        "ROLE-ID-CANARY",
        "SECRET-ID-CANARY",
    )
    .unwrap();
    client.register("org_a", config).unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains("CANARY"), "{shown}");
    assert_eq!(shown, "Client { orgs: 1, .. }");
}

#[test]
fn a_proxy_is_refused_not_ignored() {
    let err = Client::builder()
        .proxy("http://proxy.example:3128")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            BuildError::Unsupported {
                setting: Setting::Proxy,
                client: "vaultcred-hyper",
                ..
            }
        ),
        "{err}"
    );
}
