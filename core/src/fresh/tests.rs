//! The index answers exactly what the registry's cache would, through every change of it.

use super::*;
use crate::{Next, Reason, Registry, VaultConfig};
use std::time::Duration;

const T0: u64 = 1_795_932_000;

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(T0 + secs)
}

fn token_config() -> VaultConfig {
    VaultConfig::token("http://127.0.0.1:8200", "secret", "hvs.example").unwrap()
}

/// Resolves `kind` of `org` at `now`, answering the read with `read` (status, body) and a
/// lookup-self, if asked, with a token that never expires.
fn resolve(
    registry: &mut Registry,
    org: &str,
    kind: &str,
    now: SystemTime,
    read: (u16, &str),
) -> Result<Arc<Credential>, Reason> {
    let mut op = registry.start_resolve(org, kind, now);
    for _ in 0..8 {
        match registry.poll(&mut op, now) {
            Next::Http(request) => {
                let (status, body) = if request.uri().path().ends_with("lookup-self") {
                    (200, r#"{"data":{"ttl":0,"renewable":false}}"#)
                } else {
                    read
                };
                let response = http::Response::builder()
                    .status(status)
                    .body(body.as_bytes().to_vec())
                    .unwrap();
                registry.on_response(&mut op, Ok(response), now);
            }
            Next::Done(result) => return result.map_err(|e| e.reason),
            other => panic!("{other:?}"),
        }
    }
    panic!("did not finish");
}

fn kv(value: &str, version: u64, lease: u64) -> String {
    format!(
        r#"{{"lease_duration":{lease},"data":{{"data":{{"value":"{value}"}},"metadata":{{"version":{version}}}}}}}"#
    )
}

/// Caches `value` (version 1, no lease) as `kind` of `org`, resolved at `at(0)`.
fn cache(registry: &mut Registry, org: &str, kind: &str, value: &str) -> Arc<Credential> {
    resolve(registry, org, kind, at(0), (200, &kv(value, 1, 0))).unwrap()
}

/// For every (org, kind) of interest, the index agrees with the registry's own view.
fn agree(registry: &Registry, index: &FreshIndex, now: SystemTime) {
    for org in ["org_a", "org_b"] {
        for kind in ["k1", "k2"] {
            let from_index = index.get(org, kind, now);
            let from_registry = registry.cached(org, kind, now);
            assert_eq!(
                from_index.as_ref().map(Arc::as_ptr),
                from_registry.as_ref().map(Arc::as_ptr),
                "{org}/{kind} at {now:?}"
            );
        }
    }
}

#[test]
fn the_index_follows_every_change_of_the_cache() {
    let mut registry = Registry::new();
    let index = registry.fresh_index();
    registry.register("org_a", token_config()).unwrap();
    registry.register("org_b", token_config()).unwrap();
    agree(&registry, &index, at(0));

    // Stored on a read; a second org's stays apart.
    let a1 = resolve(
        &mut registry,
        "org_a",
        "k1",
        at(0),
        (200, &kv("v1-aaaa", 1, 60)),
    )
    .unwrap();
    cache(&mut registry, "org_b", "k1", "v1-bbbb");
    assert!(Arc::ptr_eq(&index.get("org_a", "k1", at(1)).unwrap(), &a1));
    agree(&registry, &index, at(1));
    assert_eq!(index.len(), 2);

    // Stale at refreshAt (80 % of the 60 s lease): not served, though still indexed.
    assert!(index.get("org_a", "k1", a1.refresh_at()).is_none());
    agree(&registry, &index, a1.refresh_at());

    // Replaced by a refresh (a rotation).
    let later = a1.refresh_at();
    let a2 = resolve(
        &mut registry,
        "org_a",
        "k1",
        later,
        (200, &kv("v2-aaaa", 2, 60)),
    )
    .unwrap();
    assert!(Arc::ptr_eq(&index.get("org_a", "k1", later).unwrap(), &a2));
    agree(&registry, &index, later);

    // Dropped when Vault says the secret is gone.
    let gone = a2.refresh_at();
    let missing = resolve(
        &mut registry,
        "org_a",
        "k1",
        gone,
        (404, r#"{"errors":[]}"#),
    );
    assert_eq!(missing.unwrap_err(), Reason::Missing);
    assert!(index.get("org_a", "k1", at(0)).is_none());
    agree(&registry, &index, gone);

    // Dropped by invalidate.
    cache(&mut registry, "org_a", "k2", "v1-kkkk");
    assert!(index.get("org_a", "k2", at(1)).is_some());
    assert!(registry.invalidate("org_a", "k2"));
    assert!(index.get("org_a", "k2", at(1)).is_none());
    agree(&registry, &index, at(1));

    // Dropped, for the whole org, when it is registered again or unregistered; the other
    // org's entries stay.
    cache(&mut registry, "org_a", "k2", "v1-kkkk");
    registry.register("org_a", token_config()).unwrap();
    assert!(index.get("org_a", "k2", at(1)).is_none());
    assert!(index.get("org_b", "k1", at(1)).is_some());
    agree(&registry, &index, at(1));
    registry.unregister("org_b");
    assert!(index.get("org_b", "k1", at(1)).is_none());
    agree(&registry, &index, at(1));
    assert!(index.is_empty());
}

#[test]
fn many_keys_spread_over_the_shards() {
    let index = FreshIndex::new(Hasher::with_seed(7));
    let mut used = std::collections::HashSet::new();
    for i in 0..1000 {
        let org = format!("org_{i}");
        used.insert(std::ptr::from_ref(index.locate(&org, "api-key").1) as usize);
    }
    assert_eq!(used.len(), SHARDS, "1,000 orgs should reach every shard");
    // The org id ends where it ends: moving a character across the boundary changes the hash.
    assert_ne!(index.locate("org_a", "bk").0, index.locate("org_ab", "k").0);
}

#[test]
fn a_key_that_differs_only_in_where_the_org_ends_misses() {
    // ("org_a", "bk") and ("org_ab", "k") are different keys, whatever their bytes joined.
    let mut registry = Registry::new();
    let index = registry.fresh_index();
    registry.register("org_ab", token_config()).unwrap();
    cache(&mut registry, "org_ab", "k", "v1-abab");
    assert!(index.get("org_ab", "k", at(1)).is_some());
    assert!(index.get("org_a", "bk", at(1)).is_none());
}

#[test]
fn keys_inline_and_on_the_heap_are_found_and_told_apart() {
    // Keys of 38 bytes fit in the entry; one more byte goes to the heap. Both kinds of key, and
    // keys that share a long prefix across that boundary, find exactly their own credential,
    // also after the shard's table grows (a resize recomputes each hash from the stored key).
    let mut registry = Registry::new();
    let index = registry.fresh_index();
    let base = "o".repeat(INLINE - 2); // org (36) + "\n" + kind "k" = 38 bytes: inline
    let orgs = [
        base.clone(),
        format!("{base}x"),                  // 39 bytes: heap
        format!("{base}{}", "y".repeat(60)), // far beyond: heap
    ];
    let stored: Vec<Arc<Credential>> = orgs
        .iter()
        .enumerate()
        .map(|(i, org)| {
            registry.register(org, token_config()).unwrap();
            cache(&mut registry, org, "k", &format!("value-{i}-long-enough"))
        })
        .collect();
    assert!(matches!(Key::new(&orgs[0], "k"), Key::Inline { .. }));
    assert!(matches!(Key::new(&orgs[1], "k"), Key::Heap(_)));
    // Grow every shard past its first allocation.
    for i in 0..2000 {
        let org = format!("org_{i}");
        registry.register(&org, token_config()).unwrap();
        cache(&mut registry, &org, "k", &format!("value-of-{i}"));
    }
    for (org, stored) in orgs.iter().zip(&stored) {
        let hit = index.get(org, "k", at(1)).expect("fresh");
        assert!(Arc::ptr_eq(&hit, stored), "{org}");
    }
    assert!(index.get(&format!("{base}xy"), "k", at(1)).is_none());
    assert!(index.get(&base, "kx", at(1)).is_none());
}
