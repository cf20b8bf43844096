//! One budget per HTTP call, in both adapters: a server that drips its answer (headers late, then
//! a byte now and then, every read well within the timeout) ends the call at its timeout, and an
//! operation's deadline cuts a call's budget when it is the nearer end. The server is the CLI's
//! hostile loopback server (`adapters/cli/tests/hostile/server.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

#[path = "../adapters/cli/tests/hostile/server.rs"]
mod server;

use server::{Hostile, Reply, Req};
use std::time::{Duration, Instant};
use vaultcred_core::{Reason, RetryPolicy, VaultConfig};
use vaultcred_tests::{Host, Options};

/// A token-mode Vault whose KV read answers with its head after `head_after`, then one body
/// byte every `every`: no single read waits longer than the larger of the two.
fn dripping(head_after: Duration, every: Duration) -> Hostile {
    Hostile::vault(move |_: &Req| {
        let Reply::Body(_, _, body) = Reply::kv_value("dripped-value", 0) else {
            unreachable!("kv_value is a Body")
        };
        let mut steps = vec![(head_after, Reply::head(200, body.len()))];
        steps.extend(body.iter().map(|b| (every, vec![*b])));
        Reply::Steps(steps)
    })
}

/// Resolves once against `server` with `options`; the reason and how long it took.
fn resolve_timed<H: Host>(server: &Hostile, options: &Options) -> (Reason, Duration) {
    let host = H::build(options);
    host.register(
        "org_a",
        VaultConfig::token(&server.url, "secret", "hvs.budget-test-token").unwrap(),
    );
    let t0 = Instant::now();
    let result = host.resolve("org_a", "api-key");
    let took = t0.elapsed();
    match result {
        Ok(c) => panic!("{}: a dripped answer resolved: {c:?}", H::NAME),
        Err(e) => (e.reason, took),
    }
}

fn a_drip_across_phases_ends_at_the_call_timeout<H: Host>() {
    // Headers after 600 ms, then a byte every 300 ms: each phase is within 1 s, the call is not.
    let server = dripping(Duration::from_millis(600), Duration::from_millis(300));
    let options = Options {
        timeout: Duration::from_secs(1),
        retry: RetryPolicy::none(),
        ..Options::default()
    };
    let (reason, took) = resolve_timed::<H>(&server, &options);
    assert_eq!(reason, Reason::Timeout, "{}", H::NAME);
    assert!(
        took < Duration::from_millis(1800),
        "{}: took {took:?} with a 1 s timeout",
        H::NAME
    );
    assert!(took >= Duration::from_millis(900), "{}: {took:?}", H::NAME);
}

fn the_operation_deadline_cuts_the_call_budget<H: Host>() {
    // A 30 s call timeout, but the operation may take 1 s in all: the drip is cut at the deadline.
    let server = dripping(Duration::from_millis(300), Duration::from_millis(300));
    let options = Options {
        timeout: Duration::from_secs(30),
        retry: RetryPolicy {
            deadline: Duration::from_secs(1),
            ..RetryPolicy::none()
        },
        ..Options::default()
    };
    let (reason, took) = resolve_timed::<H>(&server, &options);
    assert_eq!(reason, Reason::Timeout, "{}", H::NAME);
    assert!(
        took < Duration::from_millis(1800),
        "{}: took {took:?} with a 1 s operation deadline",
        H::NAME
    );
}

vaultcred_tests::conformance!(
    a_drip_across_phases_ends_at_the_call_timeout,
    the_operation_deadline_cuts_the_call_budget,
);
