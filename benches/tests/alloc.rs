//! Allocation proofs with a counting global allocator (counters are per thread, so parallel
//! tests do not disturb each other):
//!
//! - a cached resolve (`start_resolve` + `poll` → `Done`, then drop) performs zero heap
//!   allocations and zero frees;
//! - the memory an idle registered org holds, measured as live bytes after registering N orgs
//!   divided by N, for the core registry and both adapters' clients. Run with `--nocapture` to
//!   see the figures (they are quoted in `BENCHMARKS.md`).
#![allow(clippy::unwrap_used)]

use std::future::Future as _;
use std::time::Duration;
use vaultcred_bench::alloc::{self, CountingAlloc, Counts};
use vaultcred_bench::bodies::{self, KIND, MOUNT, ORG};
use vaultcred_bench::core_drive::{
    ADDR, org_name, registry_with_orgs, resolve_cached, resolve_once, start_time, token_config,
};
use vaultcred_bench::server::{LoopbackServer, Route};
use vaultcred_core::{Next, Registry, VaultConfig};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Target: an idle org costs at most this much memory (round two: 1 KiB; round one: 2 KiB).
const MAX_BYTES_PER_IDLE_ORG: f64 = 1024.0;

fn primed_registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register(ORG, token_config(ADDR, bodies::TOKEN))
        .unwrap();
    resolve_once(
        &mut registry,
        ORG,
        KIND,
        start_time(),
        bodies::kv_read_1k().response(),
    );
    registry
}

#[test]
fn the_allocator_counts() {
    let (v, counts) = alloc::measure(|| vec![0u8; 100]);
    assert_eq!(counts.allocations, 1);
    assert_eq!(counts.bytes_allocated, 100);
    let ((), counts) = alloc::measure(|| drop(v));
    assert_eq!(counts.deallocations, 1);
    assert_eq!(counts.bytes_freed, 100);
}

#[test]
fn cached_resolve_allocates_nothing() {
    let mut registry = primed_registry();
    let now = start_time() + Duration::from_secs(1);
    // Once outside the measurement, so nothing lazily initialised is charged to the hit.
    drop(resolve_cached(&mut registry, ORG, KIND, now));

    let ((), counts) = alloc::measure(|| {
        let mut op = registry.start_resolve(ORG, KIND, now);
        match registry.poll(&mut op, now) {
            Next::Done(Ok(credential)) => drop(credential),
            other => panic!("expected a cache hit, got {other:?}"),
        }
        drop(op);
    });
    assert_eq!(
        counts,
        Counts::default(),
        "a cached resolve must not touch the heap"
    );

    // And stays so over many hits, polling the finished operation twice.
    let ((), counts) = alloc::measure(|| {
        for _ in 0..10_000 {
            let mut op = registry.start_resolve(ORG, KIND, now);
            for _ in 0..2 {
                match registry.poll(&mut op, now) {
                    Next::Done(Ok(credential)) => drop(credential),
                    other => panic!("expected a cache hit, got {other:?}"),
                }
            }
        }
    });
    assert_eq!(counts, Counts::default());
}

#[test]
fn cached_lookup_allocates_nothing() {
    // `Registry::cached` is the fast path vaultcred-hyper takes before starting an operation.
    let registry = primed_registry();
    let now = start_time() + Duration::from_secs(1);
    let (hit, counts) = alloc::measure(|| registry.cached(ORG, KIND, now).is_some());
    assert!(hit);
    assert_eq!(counts, Counts::default());
}

#[test]
fn a_fresh_index_hit_allocates_nothing() {
    // `FreshIndex::get` is the path both clients take for a hit.
    let registry = primed_registry();
    let index = registry.fresh_index();
    let now = start_time() + Duration::from_secs(1);
    let (hit, counts) = alloc::measure(|| index.get(ORG, KIND, now).is_some());
    assert!(hit);
    assert_eq!(counts, Counts::default());
}

/// A loopback Vault answering lookup-self and the 1 KiB read, for the clients' hit tests.
fn loopback() -> LoopbackServer {
    let lookup = vaultcred_fixtures::recorded::recorded("token_lookup_self_root_200").unwrap();
    LoopbackServer::start(vec![
        Route::recorded("GET", &format!("/v1/{MOUNT}/data/"), &bodies::kv_read_1k()),
        Route::recorded("GET", "/v1/auth/token/lookup-self", &lookup),
    ])
    .unwrap()
}

#[test]
fn a_cached_hit_through_each_client_allocates_nothing() {
    let server = loopback();
    let config = token_config(&server.url(), bodies::TOKEN);

    let ureq = vaultcred_ureq::Client::builder().build().unwrap();
    ureq.register(ORG, config.clone()).unwrap();
    ureq.resolve(ORG, KIND).unwrap();
    drop(ureq.resolve(ORG, KIND).unwrap());
    let ((), counts) = alloc::measure(|| {
        for _ in 0..1000 {
            drop(ureq.resolve(ORG, KIND).unwrap());
        }
    });
    assert_eq!(counts, Counts::default(), "vaultcred-ureq");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let hyper = rt.block_on(async {
        let client = vaultcred_hyper::Client::builder().build().unwrap();
        client.register(ORG, config.clone()).unwrap();
        client.resolve(ORG, KIND).await.unwrap();
        client
    });
    // A hit is ready at its first poll: polled by hand, so no executor's own allocations are
    // charged to it.
    let hit = || {
        let mut future = std::pin::pin!(hyper.resolve(ORG, KIND));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(result) => drop(result.unwrap()),
            std::task::Poll::Pending => panic!("a cached hit must be ready at once"),
        }
    };
    hit();
    let ((), counts) = alloc::measure(|| {
        for _ in 0..1000 {
            hit();
        }
    });
    assert_eq!(counts, Counts::default(), "vaultcred-hyper");
}

#[test]
fn cached_resolve_allocates_nothing_among_10_000_orgs() {
    let (mut registry, names) = registry_with_orgs(10_000);
    let t0 = start_time();
    let kv = bodies::kv_read_1k();
    for name in &names {
        resolve_once(&mut registry, name, KIND, t0, kv.response());
    }
    let now = t0 + Duration::from_secs(1);
    let ((), counts) = alloc::measure(|| {
        for name in &names {
            drop(resolve_cached(&mut registry, name, KIND, now));
        }
    });
    assert_eq!(counts, Counts::default());
}

/// Live bytes per org after `register`ing `n` orgs built by `config(i)` through `register`.
/// The configs (and the org-id strings) are built inside the measurement, since the registry
/// keeps them; temporaries freed on the way are not counted.
fn bytes_per_org(
    n: usize,
    config: impl Fn(usize) -> VaultConfig,
    mut register: impl FnMut(&str, VaultConfig),
) -> f64 {
    let before = alloc::counts();
    for i in 0..n {
        register(&org_name(i), config(i));
    }
    let live = alloc::counts().since(&before);
    live.live_bytes() as f64 / n as f64
}

fn token(i: usize) -> VaultConfig {
    token_config(ADDR, &format!("{}{i:06}", bodies::TOKEN))
}

fn approle(i: usize) -> VaultConfig {
    VaultConfig::approle(
        ADDR,
        "secret",
        &format!("59d6d1ca-47bb-4e7e-a40b-{i:012}"),
        &format!("84896a0c-1347-aa90-a4f6-{i:012}"),
    )
    .unwrap()
}

fn kubernetes(_: usize) -> VaultConfig {
    VaultConfig::kubernetes(ADDR, "secret", "platform-reader", None).unwrap()
}

#[test]
fn memory_per_idle_org_core_registry() {
    let mut lines = Vec::new();
    for (mode, config) in [
        ("token", token as fn(usize) -> VaultConfig),
        ("approle", approle),
        ("kubernetes", kubernetes),
    ] {
        for n in [10, 1_000, 10_000] {
            let mut registry = Registry::new();
            let per_org = bytes_per_org(n, config, |org, c| registry.register(org, c).unwrap());
            assert_eq!(registry.len(), n);
            lines.push(format!(
                "core Registry, {mode:<10} {n:>6} idle orgs: {per_org:>7.0} B/org"
            ));
            if n == 10_000 {
                assert!(
                    per_org <= MAX_BYTES_PER_IDLE_ORG,
                    "{mode}: {per_org:.0} B per idle org at {n} orgs (target ≤ 2 KiB)"
                );
            }
        }
    }
    println!("{}", lines.join("\n"));
}

#[test]
fn memory_per_idle_org_ureq_client() {
    let client = vaultcred_ureq::Client::builder().build().unwrap();
    let n = 10_000;
    let per_org = bytes_per_org(n, token, |org, c| client.register(org, c).unwrap());
    println!("vaultcred-ureq Client, token {n} idle orgs: {per_org:.0} B/org");
    assert!(per_org <= MAX_BYTES_PER_IDLE_ORG, "{per_org:.0} B per org");
}

#[test]
fn memory_per_idle_org_hyper_client() {
    let client = vaultcred_hyper::Client::builder().build().unwrap();
    let n = 10_000;
    let per_org = bytes_per_org(n, token, |org, c| client.register(org, c).unwrap());
    println!("vaultcred-hyper Client, token {n} idle orgs: {per_org:.0} B/org");
    assert!(per_org <= MAX_BYTES_PER_IDLE_ORG, "{per_org:.0} B per org");
}

/// Where the full cycle's allocations come from (figures quoted in `BENCHMARKS.md`): the whole
/// cycle, the `serde_json::Value` parse of the 1 KiB body the core performs today, and a typed
/// envelope that reads only what the core uses (the proposal measured in `core_parse`).
#[test]
fn full_cycle_allocation_profile() {
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(default)]
        lease_duration: u64,
        data: Option<Data>,
    }
    #[derive(serde::Deserialize)]
    struct Data {
        data: Option<serde_json::Map<String, serde_json::Value>>,
        metadata: Option<Metadata>,
    }
    #[derive(serde::Deserialize)]
    struct Metadata {
        version: Option<u64>,
    }

    let mut registry = primed_registry();
    let kv = bodies::kv_read_1k();
    let later = start_time() + Duration::from_secs(2 * 3600);
    let response = kv.response();
    let (credential, cycle) =
        alloc::measure(|| resolve_once(&mut registry, ORG, KIND, later, response));
    drop(credential);

    let (value, value_parse) =
        alloc::measure(|| serde_json::from_slice::<serde_json::Value>(&kv.body).unwrap());
    let ((), value_drop) = alloc::measure(|| drop(value));
    let (typed, typed_parse) =
        alloc::measure(|| serde_json::from_slice::<Envelope>(&kv.body).unwrap());
    let data = typed.data.unwrap();
    assert_eq!(data.metadata.and_then(|m| m.version), Some(1));
    assert_eq!(typed.lease_duration, 0);
    assert!(data.data.unwrap().contains_key("value"));

    println!(
        "full cycle (1 KiB KV v2, no transport): {} allocations, {} frees, {} bytes allocated",
        cycle.allocations, cycle.deallocations, cycle.bytes_allocated
    );
    println!(
        "  of which a serde_json::Value parse of the body: {} allocations, {} bytes ({} frees to drop it)",
        value_parse.allocations, value_parse.bytes_allocated, value_drop.deallocations
    );
    println!(
        "  a typed envelope instead: {} allocations, {} bytes",
        typed_parse.allocations, typed_parse.bytes_allocated
    );
    assert!(typed_parse.allocations < value_parse.allocations);
}
