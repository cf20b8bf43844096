//! The adapters over loopback, side by side in one criterion group: an uncached resolve through
//! vaultcred-ureq and vaultcred-hyper against a raw ureq GET, a raw hyper-util GET and vaultrs'
//! `kv2::read` of the same URL with the same headers, all answered by the same minimal server
//! with the same 1 KiB recorded KV v2 body; plus the hand-written raw TCP round trip (the
//! floor). Method and results: `BENCHMARKS.md`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use bytes::Bytes;
use criterion::Criterion;
use http_body_util::{BodyExt, Empty};
use std::hint::black_box;
use std::time::{Duration, Instant};
use vaultcred_bench::bodies::{self, KIND, MOUNT, ORG, TOKEN};
use vaultcred_bench::core_drive::token_config;
use vaultcred_bench::report::{self, criterion_dir, human_ns, is_bench_run};
use vaultcred_bench::server::{LoopbackServer, RawConnection, Route};
use vaultcred_core::wire::{REQUEST_HEADER, TOKEN_HEADER, USER_AGENT};

const GROUP: &str = "adapters";

/// `/v1/secret/data/org_abc123/anthropic-api-key`, the path every client reads.
fn kv_path() -> String {
    format!("/v1/{MOUNT}/data/{ORG}/{KIND}")
}

/// Asserts that `run` made exactly one server request per iteration, so a cache hit can never
/// pass for a round trip.
fn checked(server: &LoopbackServer, iters: u64, run: impl FnOnce() -> Duration) -> Duration {
    let before = server.served();
    let elapsed = run();
    let made = server.served() - before;
    assert_eq!(made, iters, "expected one request per iteration");
    elapsed
}

fn adapters(c: &mut Criterion) {
    let kv = bodies::kv_read_1k();
    let lookup = vaultcred_fixtures::recorded::recorded("token_lookup_self_root_200")
        .expect("recorded lookup-self");
    let server = LoopbackServer::start(vec![
        Route::recorded("GET", &format!("/v1/{MOUNT}/data/"), &kv),
        // A token-mode org asks lookup-self once (a root token: never expires, no renewal).
        Route::recorded("GET", "/v1/auth/token/lookup-self", &lookup),
    ])
    .expect("loopback server");
    let url = format!("{}{}", server.url(), kv_path());
    let headers = [
        (REQUEST_HEADER, "true"),
        ("user-agent", USER_AGENT),
        (TOKEN_HEADER, TOKEN),
    ];
    let config = token_config(&server.url(), TOKEN);

    let mut group = c.benchmark_group(GROUP);
    group
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6));

    // ---- the floor: the same GET written by hand on one kept-alive socket.
    let mut raw = RawConnection::connect(server.addr(), &kv_path(), &headers).expect("connect");
    group.bench_function("floor_raw_tcp", |b| {
        b.iter_custom(|iters| {
            checked(&server, iters, || {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    black_box(raw.round_trip().expect("round trip"));
                    total += t.elapsed();
                }
                total
            })
        });
    });
    drop(raw);

    // ---- blocking: raw ureq vs vaultcred-ureq, with three agents:
    // - `ureq_raw`: a default agent, as a hand-written GET would use (the target's baseline);
    // - `ureq_raw_phase_timeouts`: configured like vaultcred-ureq's agent in this tree
    //   (adapters/ureq/src/transport.rs: 30 s per-phase timeouts, no redirects, statuses not
    //   errors), isolating the adapter's own cost from its agent configuration;
    // - `ureq_raw_global_timeout`: the same with a 30 s `timeout_global` instead, the adapter's
    //   earlier configuration (BENCHMARKS.md, F3: ureq then spawns a thread per request).
    let t30 = Some(Duration::from_secs(30));
    let default_agent = ureq::Agent::new_with_defaults();
    let phase_agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(t30)
        .timeout_send_request(t30)
        .timeout_send_body(t30)
        .timeout_recv_response(t30)
        .timeout_recv_body(t30)
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let global_agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(t30)
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    for (id, agent) in [
        ("ureq_raw", &default_agent),
        ("ureq_raw_phase_timeouts", &phase_agent),
        ("ureq_raw_global_timeout", &global_agent),
    ] {
        group.bench_function(id, |b| {
            b.iter_custom(|iters| {
                checked(&server, iters, || {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let t = Instant::now();
                        let mut request = agent.get(&url);
                        for (name, value) in headers {
                            request = request.header(name, value);
                        }
                        let response = request.call().expect("raw ureq GET");
                        let body = response
                            .into_body()
                            .into_with_config()
                            .limit(1024 * 1024)
                            .read_to_vec()
                            .expect("body");
                        black_box(body);
                        total += t.elapsed();
                    }
                    total
                })
            });
        });
    }

    let ureq_client = vaultcred_ureq::Client::builder().build().expect("client");
    ureq_client.register(ORG, config.clone()).expect("register");
    ureq_client
        .resolve(ORG, KIND)
        .expect("first resolve (with its lookup-self)");
    // Each iteration drops the cached credential first (untimed): the timed resolve is a
    // genuine miss (start, request, round trip, parse, store).
    group.bench_function("ureq_vaultcred", |b| {
        b.iter_custom(|iters| {
            checked(&server, iters, || {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    ureq_client.invalidate(ORG, KIND);
                    let t = Instant::now();
                    black_box(ureq_client.resolve(ORG, KIND).expect("resolve"));
                    total += t.elapsed();
                }
                total
            })
        });
    });
    group.bench_function("ureq_vaultcred_cached", |b| {
        ureq_client.resolve(ORG, KIND).expect("resolve");
        b.iter(|| ureq_client.resolve(black_box(ORG), black_box(KIND)));
    });

    // ---- async: raw hyper-util vs vaultcred-hyper vs vaultrs, on one current-thread runtime.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let _entered = rt.enter();

    let hyper_raw =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http::<Empty<Bytes>>();
    let uri: http::Uri = url.parse().expect("uri");
    group.bench_function("hyper_raw", |b| {
        b.iter_custom(|iters| {
            checked(&server, iters, || {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let t = Instant::now();
                        let mut request = http::Request::get(uri.clone());
                        for (name, value) in headers {
                            request = request.header(name, value);
                        }
                        let request = request.body(Empty::<Bytes>::new()).expect("request");
                        let response = hyper_raw.request(request).await.expect("raw hyper GET");
                        let (parts, body) = response.into_parts();
                        let body = body.collect().await.expect("body").to_bytes();
                        black_box((parts, body.to_vec()));
                        total += t.elapsed();
                    }
                    total
                })
            })
        });
    });

    let hyper_client = vaultcred_hyper::Client::builder().build().expect("client");
    hyper_client
        .register(ORG, config.clone())
        .expect("register");
    rt.block_on(hyper_client.resolve(ORG, KIND))
        .expect("first resolve (with its lookup-self)");
    group.bench_function("hyper_vaultcred", |b| {
        b.iter_custom(|iters| {
            checked(&server, iters, || {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        hyper_client.invalidate(ORG, KIND);
                        let t = Instant::now();
                        black_box(hyper_client.resolve(ORG, KIND).await.expect("resolve"));
                        total += t.elapsed();
                    }
                    total
                })
            })
        });
    });
    group.bench_function("hyper_vaultcred_cached", |b| {
        rt.block_on(hyper_client.resolve(ORG, KIND))
            .expect("resolve");
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    black_box(hyper_client.resolve(black_box(ORG), black_box(KIND)).await)
                        .expect("resolve");
                }
                t.elapsed()
            })
        });
    });

    // vaultrs 0.8 (reqwest, rustls without a built-in provider: ring is installed here).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let vaultrs_client = vaultrs::client::VaultClient::new(
        vaultrs::client::VaultClientSettingsBuilder::default()
            .address(server.url())
            .token(TOKEN)
            .build()
            .expect("vaultrs settings"),
    )
    .expect("vaultrs client");
    group.bench_function("vaultrs", |b| {
        b.iter_custom(|iters| {
            checked(&server, iters, || {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let t = Instant::now();
                        let data: serde_json::Value =
                            vaultrs::kv2::read(&vaultrs_client, MOUNT, &format!("{ORG}/{KIND}"))
                                .await
                                .expect("vaultrs kv2::read");
                        black_box(data);
                        total += t.elapsed();
                    }
                    total
                })
            })
        });
    });
    group.finish();
    drop(server);
}

fn summary() {
    let g = GROUP;
    let median = |id: &str| report::median_ns(g, id);
    let line = |label: &str, id: &str, target: &str| {
        println!("{label:<44} {:>10}   {target}", report::show(g, id));
    };
    let ratio = |a: &str, b: &str| {
        report::ratio(g, a, b).map_or_else(|| "n/a".to_owned(), |r| format!("{r:.3}"))
    };
    println!("\n== vaultcred adapters over loopback: medians of this run ==");
    line(
        "floor: raw TCP round trip (hand-written GET)",
        "floor_raw_tcp",
        "",
    );
    line("ureq: raw GET, default agent", "ureq_raw", "");
    line(
        "ureq: raw GET, per-phase timeouts (adapter's config)",
        "ureq_raw_phase_timeouts",
        "",
    );
    line(
        "ureq: raw GET, timeout_global (adapter's old config)",
        "ureq_raw_global_timeout",
        "",
    );
    line(
        "ureq: vaultcred-ureq uncached resolve",
        "ureq_vaultcred",
        "",
    );
    line(
        "ureq: vaultcred-ureq cached resolve",
        "ureq_vaultcred_cached",
        "",
    );
    line("hyper: raw hyper-util GET", "hyper_raw", "");
    line(
        "hyper: vaultcred-hyper uncached resolve",
        "hyper_vaultcred",
        "",
    );
    line(
        "hyper: vaultcred-hyper cached resolve",
        "hyper_vaultcred_cached",
        "",
    );
    line("vaultrs 0.8 kv2::read", "vaultrs", "");
    println!(
        "ratio vaultcred-ureq ÷ raw ureq        {}   target ≤ 1.10",
        ratio("ureq_vaultcred", "ureq_raw")
    );
    println!(
        "ratio vaultcred-ureq ÷ raw ureq, per-phase timeouts (same config) {}",
        ratio("ureq_vaultcred", "ureq_raw_phase_timeouts")
    );
    println!(
        "ratio vaultcred-hyper ÷ raw hyper-util {}   target ≤ 1.10",
        ratio("hyper_vaultcred", "hyper_raw")
    );
    println!(
        "ratio vaultcred-hyper ÷ vaultrs        {}   target ≤ 1.00",
        ratio("hyper_vaultcred", "vaultrs")
    );
    for (a, b) in [
        ("ureq_vaultcred", "ureq_raw"),
        ("ureq_vaultcred", "ureq_raw_phase_timeouts"),
        ("hyper_vaultcred", "hyper_raw"),
    ] {
        if let (Some(x), Some(y)) = (median(a), median(b)) {
            println!("overhead {a} − {b}: {}", human_ns(x - y));
        }
    }
    for id in [
        "ureq_raw",
        "ureq_raw_phase_timeouts",
        "ureq_raw_global_timeout",
        "hyper_raw",
        "ureq_vaultcred",
        "hyper_vaultcred",
        "vaultrs",
    ] {
        println!("{id} ÷ floor: {}", ratio(id, "floor_raw_tcp"));
    }
}

fn main() {
    // Before any thread exists, so the server, tokio and ureq threads inherit it.
    let pinned = vaultcred_bench::affinity::pin_to_one_cpu();
    match pinned {
        Some(cpu) => println!(
            "adapters: every thread pinned to CPU {cpu} (set VAULTCRED_BENCH_NO_PIN=1 to run unpinned)"
        ),
        None => println!("adapters: not pinned; threads float over all CPUs"),
    }
    report::start_run();
    let mut c = Criterion::default()
        .output_directory(&criterion_dir())
        .configure_from_args();
    adapters(&mut c);
    c.final_summary();
    if is_bench_run() {
        summary();
        println!(
            "(pinning: {})",
            pinned.map_or_else(
                || "none".to_owned(),
                |cpu| format!("all threads on CPU {cpu}")
            )
        );
    }
}
