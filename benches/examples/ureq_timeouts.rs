//! Evidence for a finding of `BENCHMARKS.md`: what ureq's timeout settings cost per request.
//!
//! With `timeout_global` (or `timeout_per_call`) set, ureq's `DefaultResolver` resolves the host
//! on a freshly spawned thread for every request — also for an IP literal, and also when a
//! pooled connection is reused — so that it can abandon a slow lookup. Fixed per-phase timeouts
//! (connect, send, receive) do not. This runs N keep-alive GETs of the 1 KiB KV v2 body against
//! the loopback server for each agent configuration, plus the hand-written floor:
//!
//! ```text
//! cargo run --release -p vaultcred-bench --example ureq_timeouts -- 10000
//! ```
//!
//! Add `strace -f -c` to count the `clone3` calls (one per request with a global timeout).
#![allow(clippy::expect_used)]

use std::time::{Duration, Instant};
use vaultcred_bench::bodies::{self, KIND, MOUNT, ORG, TOKEN};
use vaultcred_bench::server::{LoopbackServer, RawConnection, Route};
use vaultcred_core::wire::TOKEN_HEADER;

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5_000);
    let server = LoopbackServer::start(vec![Route::recorded(
        "GET",
        "/v1/secret/data/",
        &bodies::kv_read_1k(),
    )])
    .expect("server");
    let path = format!("/v1/{MOUNT}/data/{ORG}/{KIND}");
    let url = format!("{}{path}", server.url());
    let t30 = Some(Duration::from_secs(30));

    let mut raw =
        RawConnection::connect(server.addr(), &path, &[(TOKEN_HEADER, TOKEN)]).expect("connect");
    let started = Instant::now();
    for _ in 0..n {
        raw.round_trip().expect("round trip");
    }
    println!(
        "{:<44} {:>9.1} µs/request",
        "floor (hand-written GET)",
        started.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    );
    drop(raw);

    let configs: [(
        &str,
        ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
    ); 4] = [
        ("default agent (no timeout)", ureq::Agent::config_builder()),
        (
            "timeout_global(30 s) [vaultcred-ureq before]",
            ureq::Agent::config_builder().timeout_global(t30),
        ),
        (
            "timeout_per_call(30 s)",
            ureq::Agent::config_builder().timeout_per_call(t30),
        ),
        (
            "per-phase timeouts, 30 s [vaultcred-ureq now]",
            ureq::Agent::config_builder()
                .timeout_connect(t30)
                .timeout_send_request(t30)
                .timeout_send_body(t30)
                .timeout_recv_response(t30)
                .timeout_recv_body(t30),
        ),
    ];
    for (label, config) in configs {
        let agent: ureq::Agent = config.build().into();
        let before = server.connections();
        let started = Instant::now();
        for _ in 0..n {
            let body = agent
                .get(&url)
                .header(TOKEN_HEADER, TOKEN)
                .call()
                .expect("GET")
                .into_body()
                .read_to_vec()
                .expect("body");
            std::hint::black_box(body);
        }
        println!(
            "{label:<44} {:>9.1} µs/request ({} connection(s))",
            started.elapsed().as_secs_f64() * 1e6 / f64::from(n),
            server.connections() - before
        );
    }
}
