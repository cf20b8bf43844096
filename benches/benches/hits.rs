//! Cached hits through each client's public `resolve`, from one thread and from two threads on
//! two different orgs at once, so the figures show whether hits of different orgs wait for each
//! other. Method and results: `BENCHMARKS.md` ("Cached hits across threads").
//!
//! Each sample starts one thread per org (pinned to its own CPU when the machine has that
//! many), lines them up at a barrier, and times `iters` hits in each; the sample's time is the
//! slowest thread's. So `…_2_threads` is the time of one hit while another thread hits too, and
//! the throughput of two threads over one is `2 × t(1 thread) ÷ t(2 threads)`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use criterion::Criterion;
use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};
use vaultcred_bench::bodies::{self, KIND, MOUNT, TOKEN};
use vaultcred_bench::core_drive::token_config;
use vaultcred_bench::report::{self, criterion_dir, is_bench_run};
use vaultcred_bench::server::{LoopbackServer, Route};

const GROUP: &str = "hits";
/// The two orgs the threads resolve, one each.
const ORGS: [&str; 2] = ["org_hits_a", "org_hits_b"];

/// Runs `hit(org, iters)` on one thread per org at once; the slowest thread's time.
fn across_threads(
    orgs: &[&str],
    iters: u64,
    hit: impl Fn(&str, u64) -> Duration + Sync,
) -> Duration {
    let barrier = Barrier::new(orgs.len());
    std::thread::scope(|s| {
        let threads: Vec<_> = orgs
            .iter()
            .enumerate()
            .map(|(i, org)| {
                let (barrier, hit) = (&barrier, &hit);
                s.spawn(move || {
                    vaultcred_bench::affinity::pin_to_nth_cpu(i);
                    barrier.wait();
                    hit(org, iters)
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("hit thread"))
            .max()
            .unwrap_or_default()
    })
}

fn hits(c: &mut Criterion) {
    let lookup = vaultcred_fixtures::recorded::recorded("token_lookup_self_root_200")
        .expect("recorded lookup-self");
    let server = LoopbackServer::start(vec![
        Route::recorded("GET", &format!("/v1/{MOUNT}/data/"), &bodies::kv_read_1k()),
        Route::recorded("GET", "/v1/auth/token/lookup-self", &lookup),
    ])
    .expect("loopback server");
    let config = token_config(&server.url(), TOKEN);

    let mut group = c.benchmark_group(GROUP);
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));

    let ureq = vaultcred_ureq::Client::builder().build().expect("client");
    for org in ORGS {
        ureq.register(org, config.clone()).expect("register");
        ureq.resolve(org, KIND).expect("first resolve");
    }
    let ureq_hits = |org: &str, iters: u64| {
        let t = Instant::now();
        for _ in 0..iters {
            black_box(ureq.resolve(black_box(org), black_box(KIND)).expect("hit"));
        }
        t.elapsed()
    };
    for (id, orgs) in [("ureq_1_thread", &ORGS[..1]), ("ureq_2_threads", &ORGS[..])] {
        group.bench_function(id, |b| {
            b.iter_custom(|iters| across_threads(orgs, iters, ureq_hits));
        });
    }

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let hyper = rt.block_on(async {
        let client = vaultcred_hyper::Client::builder().build().expect("client");
        for org in ORGS {
            client.register(org, config.clone()).expect("register");
            client.resolve(org, KIND).await.expect("first resolve");
        }
        client
    });
    // Each thread drives its hits on its own current-thread runtime, built before the timing.
    let hyper_hits = |org: &str, iters: u64| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let t = Instant::now();
            for _ in 0..iters {
                let hit = hyper.resolve(black_box(org), black_box(KIND)).await;
                black_box(hit.expect("hit"));
            }
            t.elapsed()
        })
    };
    for (id, orgs) in [
        ("hyper_1_thread", &ORGS[..1]),
        ("hyper_2_threads", &ORGS[..]),
    ] {
        group.bench_function(id, |b| {
            b.iter_custom(|iters| across_threads(orgs, iters, hyper_hits));
        });
    }
    group.finish();
    drop(rt);
}

fn summary() {
    println!("\n== cached hits through the clients: medians of this run ==");
    for client in ["ureq", "hyper"] {
        let one = format!("{client}_1_thread");
        let two = format!("{client}_2_threads");
        println!(
            "{client}: one thread {}   two threads on two orgs {} each",
            report::show(GROUP, &one),
            report::show(GROUP, &two)
        );
        if let (Some(t1), Some(t2)) = (
            report::median_ns(GROUP, &one),
            report::median_ns(GROUP, &two),
        ) {
            println!(
                "{client}: throughput of 2 threads ÷ 1 thread = {:.2}   target ≥ 1.7",
                2.0 * t1 / t2
            );
        }
    }
}

fn main() {
    report::start_run();
    let mut c = Criterion::default()
        .output_directory(&criterion_dir())
        .configure_from_args();
    hits(&mut c);
    c.final_summary();
    if is_bench_run() {
        summary();
    }
}
