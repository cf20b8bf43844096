//! Settings the blocking client refuses rather than ignores.
#![allow(clippy::unwrap_used, reason = "tests")]

use vaultcred_host::AddressPolicy;
use vaultcred_ureq::{BuildError, Client, Origin, Setting};

#[test]
fn an_address_policy_is_refused_not_ignored() {
    let policy = AddressPolicy::public_only().allow("10.0.0.0/8").unwrap();
    let err = Client::builder()
        .address_policy(policy)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            BuildError::Unsupported {
                setting: Setting::AddressPolicy,
                origin: Origin::Method("address_policy"),
                client: "vaultcred-ureq",
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "address_policy(): the address policy setting is not supported by vaultcred-ureq"
    );
    // Allow-all is what the client does anyway: taken.
    Client::builder()
        .address_policy(AddressPolicy::allow_all())
        .build()
        .unwrap();
}
