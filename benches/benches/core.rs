//! Benchmarks of the sans-IO core: the cached resolve, the full cycle without transport, and how
//! both scale from 10 to 10,000 registered orgs. Method and results: `BENCHMARKS.md`.

use criterion::{BatchSize, BenchmarkId, Criterion};
use std::hint::black_box;
use std::time::Duration;
use vaultcred_bench::bodies::{self, KIND, ORG};
use vaultcred_bench::core_drive::{
    ADDR, STALE_STEP, approle_logged_in, long_org_name, recorded_response, registry_with,
    registry_with_orgs, renew_once, resolve_cached, resolve_once, start_time, token_config,
};
use vaultcred_bench::report::{self, criterion_dir, is_bench_run};
use vaultcred_core::{Next, Registry, SecretValue};

const ORG_COUNTS: [usize; 3] = [10, 1_000, 10_000];
/// Size of the hot set in the `_hot` scaling benchmarks.
const HOT: usize = 10;

/// Visits `0..n` in a scattered but fixed order (7919 is prime, so coprime with every count
/// used), so consecutive iterations touch unrelated orgs rather than neighbours.
fn scattered(n: usize) -> Vec<usize> {
    (0..n).map(|i| (i * 7919) % n).collect()
}

fn core(c: &mut Criterion) {
    let kv = bodies::kv_read_1k();
    let mut group = c.benchmark_group("core");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));

    // A registry with one token-mode org whose credential is cached.
    let mut registry = Registry::new();
    if let Err(e) = registry.register(ORG, token_config(ADDR, bodies::TOKEN)) {
        panic!("register: {e}");
    }
    let t0 = start_time();
    let credential = resolve_once(&mut registry, ORG, KIND, t0, kv.response());
    assert!(matches!(credential.value(), SecretValue::Value(_)));
    let now = t0 + Duration::from_secs(1); // well before refreshAt (t0 + 1 h)

    // start_resolve + poll → Done(Ok), then the operation and the Arc are dropped.
    group.bench_function("cached_resolve", |b| {
        b.iter(|| {
            let mut op = registry.start_resolve(black_box(ORG), black_box(KIND), black_box(now));
            match registry.poll(&mut op, now) {
                Next::Done(Ok(credential)) => credential,
                other => panic!("expected a cache hit, got {other:?}"),
            }
        });
    });

    // `Registry::cached`, the shortcut vaultcred-hyper takes before starting an operation.
    group.bench_function("cached_lookup", |b| {
        b.iter(|| registry.cached(black_box(ORG), black_box(KIND), black_box(now)));
    });

    // Start (cache stale) → build the GET → hand in the 1 KiB KV v2 response → parse, probe,
    // refresh arithmetic, cache store → Done. The response value is made outside the timing
    // (a transport would hand it in); the clock moves 2 h per iteration so every one misses.
    let mut clock = t0;
    group.bench_function("full_cycle", |b| {
        b.iter_batched(
            || kv.response(),
            |response| {
                clock += STALE_STEP;
                resolve_once(&mut registry, ORG, KIND, clock, response)
            },
            BatchSize::SmallInput,
        );
    });

    // The renewal cycle: an AppRole org whose login token is due (80 % of its 1 h lease gone)
    // → renew-self request → the recorded renewal (1 h again, renewable) → the next request is
    // the read, where the operation is cancelled. The clock moves 2,900 s per iteration: past
    // the renewed token's deadline (2,880 s), before it expires (3,600 s).
    let mut renewing = Registry::new();
    let lease = approle_logged_in(&mut renewing, ORG, KIND, t0);
    let step = lease.mul_f64(0.8) + Duration::from_secs(20);
    let mut clock = t0;
    group.bench_function("renew_cycle", |b| {
        b.iter_batched(
            || recorded_response("token_renew_self_200"),
            |renewal| {
                clock += step;
                renew_once(&mut renewing, ORG, KIND, clock, renewal);
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

fn scaling(c: &mut Criterion) {
    let kv = bodies::kv_read_1k();
    let mut group = c.benchmark_group("core_scaling");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for n in ORG_COUNTS {
        let (mut registry, names) = registry_with_orgs(n);
        let t0 = start_time();
        for name in &names {
            resolve_once(&mut registry, name, KIND, t0, kv.response());
        }
        let now = t0 + Duration::from_secs(1);
        // `all`: every iteration resolves another org, scattered over all `n` (working set = the
        // whole registry). `hot`: the same 10 orgs (spread over the registry) over and over, with
        // `n` registered: the cost of the registry's size alone.
        let all = scattered(n);
        let hot: Vec<usize> = all.iter().copied().take(HOT).collect();
        for (label, order) in [("all", &all), ("hot", &hot)] {
            let mut k = 0usize;
            group.bench_with_input(
                BenchmarkId::new(format!("cached_hit_{label}"), n),
                &n,
                |b, _| {
                    b.iter(|| {
                        k += 1;
                        let org = &names[order[k % order.len()]];
                        resolve_cached(&mut registry, black_box(org), black_box(KIND), now)
                    });
                },
            );
        }
        // The same through the fresh index, the path the clients take for a hit.
        let index = registry.fresh_index();
        for (label, order) in [("all", &all), ("hot", &hot)] {
            let mut k = 0usize;
            group.bench_with_input(
                BenchmarkId::new(format!("index_hit_{label}"), n),
                &n,
                |b, _| {
                    b.iter(|| {
                        k += 1;
                        let org = &names[order[k % order.len()]];
                        index.get(black_box(org), black_box(KIND), now)
                    });
                },
            );
        }
        let mut clock = t0;
        for (label, order) in [("all", &all), ("hot", &hot)] {
            let mut k = 0usize;
            group.bench_with_input(
                BenchmarkId::new(format!("full_cycle_{label}"), n),
                &n,
                |b, _| {
                    b.iter_batched(
                        || kv.response(),
                        |response| {
                            k += 1;
                            clock += STALE_STEP;
                            let org = &names[order[k % order.len()]];
                            resolve_once(&mut registry, org, KIND, clock, response)
                        },
                        BatchSize::SmallInput,
                    );
                },
            );
        }
    }
    // Keys too long to sit inside an index entry (one more cache line per hit), 10,000 orgs.
    let n = ORG_COUNTS[ORG_COUNTS.len() - 1];
    let (mut registry, names) = registry_with((0..n).map(long_org_name).collect());
    let t0 = start_time();
    for name in &names {
        resolve_once(&mut registry, name, KIND, t0, kv.response());
    }
    let now = t0 + Duration::from_secs(1);
    let index = registry.fresh_index();
    let all = scattered(n);
    let hot: Vec<usize> = all.iter().copied().take(HOT).collect();
    for (label, order) in [("all", &all), ("hot", &hot)] {
        let mut k = 0usize;
        group.bench_with_input(
            BenchmarkId::new(format!("index_hit_long_{label}"), n),
            &n,
            |b, _| {
                b.iter(|| {
                    k += 1;
                    let org = &names[order[k % order.len()]];
                    index.get(black_box(org), black_box(KIND), now)
                });
            },
        );
    }
    group.finish();
}

/// The proposal measured by `core_parse/typed_envelope`: read only what the core uses
/// (`lease_duration`, `data.data`, `data.metadata.version`) and skip everything else without
/// building it. Not vaultcred code; it shows what a typed parse would cost.
mod typed {
    use serde::Deserialize;
    use serde_json::{Map, Value};

    #[derive(Deserialize)]
    pub(crate) struct Envelope {
        #[serde(default)]
        pub(crate) lease_duration: u64,
        pub(crate) data: Option<Data>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Data {
        pub(crate) data: Option<Map<String, Value>>,
        pub(crate) metadata: Option<Metadata>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Metadata {
        pub(crate) version: Option<u64>,
    }
}

/// Where the full cycle's time goes (see the callgrind notes in BENCHMARKS.md): the KV v2 body
/// parsed the way the core parses it today (a whole `serde_json::Value` tree, `preserve_order`
/// maps), against a typed envelope that skips unused fields.
fn parse(c: &mut Criterion) {
    let body = bodies::kv_read_1k().body;
    let mut group = c.benchmark_group("core_parse");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    group.bench_function("value_tree", |b| {
        b.iter(|| {
            serde_json::from_slice::<serde_json::Value>(black_box(&body)).map(|v| v.is_object())
        });
    });
    group.bench_function("typed_envelope", |b| {
        b.iter(|| {
            let e: typed::Envelope = serde_json::from_slice(black_box(&body)).ok()?;
            let data = e.data?;
            Some((
                e.lease_duration,
                data.metadata.and_then(|m| m.version),
                data.data.map(|d| d.len()),
            ))
        });
    });
    group.finish();
}

fn summary() {
    println!("\n== vaultcred core: medians of this run ==");
    println!(
        "cached resolve (start_resolve + poll)  {:>12}   target ≤ 100 ns",
        report::show("core", "cached_resolve")
    );
    println!(
        "cached lookup (Registry::cached)       {:>12}",
        report::show("core", "cached_lookup")
    );
    println!(
        "full cycle, 1 KiB KV v2, no transport  {:>12}   target ≤ 5 µs",
        report::show("core", "full_cycle")
    );
    println!(
        "renewal cycle (renew-self), no transport {:>10}   target ≤ 2 µs",
        report::show("core", "renew_cycle")
    );
    println!(
        "1 KiB KV v2 body: Value tree {} vs typed envelope {} (parse experiment)",
        report::show("core_parse", "value_tree"),
        report::show("core_parse", "typed_envelope")
    );
    for what in [
        "cached_hit_all",
        "cached_hit_hot",
        "index_hit_all",
        "index_hit_hot",
        "full_cycle_all",
        "full_cycle_hot",
    ] {
        let line: Vec<String> = ORG_COUNTS
            .iter()
            .map(|n| {
                format!(
                    "{n} orgs {}",
                    report::show("core_scaling", &format!("{what}/{n}"))
                )
            })
            .collect();
        let spread = report::ratio(
            "core_scaling",
            &format!("{what}/10000"),
            &format!("{what}/10"),
        )
        .map_or_else(|| "n/a".to_owned(), |r| format!("{r:.2}"));
        println!("{what:<15} {}   (10,000 ÷ 10 = {spread})", line.join(" | "));
    }
    for what in ["cached_hit", "index_hit", "index_hit_long"] {
        let every_org = report::ratio(
            "core_scaling",
            &format!("{what}_all/10000"),
            &format!("{what}_hot/10000"),
        )
        .map_or_else(|| "n/a".to_owned(), |r| format!("{r:.2}"));
        println!("{what}: 10,000 orgs, every org in turn ÷ hot set = {every_org}   target ≤ 2");
    }
}

fn main() {
    report::start_run();
    let mut c = Criterion::default()
        .output_directory(&criterion_dir())
        .configure_from_args();
    core(&mut c);
    scaling(&mut c);
    parse(&mut c);
    c.final_summary();
    if is_bench_run() {
        summary();
    }
}
