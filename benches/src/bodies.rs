//! The Vault answers the benchmarks use, all derived from `vaultcred_fixtures::recorded`.

use serde_json::{Value, json};
use vaultcred_fixtures::Recorded;
use vaultcred_fixtures::recorded::recorded;

/// The org every single-org benchmark resolves for.
pub const ORG: &str = "org_abc123";
/// The credential kind every single-kind benchmark resolves.
pub const KIND: &str = "anthropic-api-key";
/// The KV v2 mount.
pub const MOUNT: &str = "secret";
/// The static Vault token of token-mode benchmarks (the loopback server accepts any token).
pub const TOKEN: &str = "hvs.CAESIBenchmarkTokenNotARealOne0123456789abcdefGh4KHGh2cy5";
/// Size of the KV v2 read body the benchmarks parse.
pub const KV_BODY_LEN: usize = 1024;

fn fixture(name: &str) -> Recorded {
    match recorded(name) {
        Ok(r) => r,
        Err(e) => panic!("recorded fixture {name}: {e}"),
    }
}

/// `kv2_read_value_200` (the `{mount}/data/{orgId}/{kind}` read with a single `value` field,
/// version 1) with its `data.metadata.custom_metadata` filled in so the body, trailing newline
/// included, is exactly [`KV_BODY_LEN`] bytes. Key order and compact form stay Vault's.
///
/// ```
/// let r = vaultcred_bench::bodies::kv_read_1k();
/// assert_eq!(r.body.len(), 1024);
/// assert_eq!(r.status, 200);
/// ```
pub fn kv_read_1k() -> Recorded {
    let base = fixture("kv2_read_value_200");
    let Some(mut envelope) = base.json_body() else {
        panic!("kv2_read_value_200 is not JSON");
    };
    let render = |envelope: &Value| {
        let mut text = envelope.to_string();
        text.push('\n');
        text
    };
    let set_meta = |envelope: &mut Value, note: &str| {
        envelope["data"]["metadata"]["custom_metadata"] = json!({
            "owner": "platform-credentials",
            "team": "billing-integrations",
            "rotation": "every-90-days",
            "provider": "anthropic",
            "environment": "production",
            "ticket": "SEC-20417",
            "note": note,
        });
    };
    set_meta(&mut envelope, "");
    let unpadded = render(&envelope).len();
    assert!(
        unpadded <= KV_BODY_LEN,
        "the base KV body is already {unpadded} bytes"
    );
    let note = "x".repeat(KV_BODY_LEN - unpadded);
    set_meta(&mut envelope, &note);
    let body = render(&envelope);
    assert_eq!(body.len(), KV_BODY_LEN);
    base.with_body(body)
}

/// `approle_login_200`: a service token with a 3600 s lease.
pub fn approle_login() -> Recorded {
    fixture("approle_login_200")
}
