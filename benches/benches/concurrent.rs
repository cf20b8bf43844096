//! 1,000 concurrent tokio tasks, cold cache, 1,000 AppRole orgs (each its own role and policy),
//! through one vaultcred-hyper client against DevVault: every task resolves its own org's
//! credential (a login, then the KV v2 read). Asserts exactly 1,000 logins and 1,000 reads per
//! round, and reports p50/p99 latency and throughput. Method and results: `BENCHMARKS.md`.
//!
//! A custom `main` (no criterion): each round is one cold start, which criterion's
//! repeated-iteration model does not fit. Under `cargo bench` it runs 5 rounds of 1,000 tasks;
//! under `cargo test` (no `--bench` flag) one round of 20 tasks, as a smoke test. A name filter
//! (`cargo bench -- core`) that does not match `concurrent` skips it.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Barrier;
use vaultcred_bench::percentile;
use vaultcred_bench::report::is_bench_run;
use vaultcred_devvault::DevVault;
use vaultcred_hyper::{Client, SecretValue, VaultConfig};

const NAME: &str = "concurrent/approle_cold_1000";
const KIND: &str = "api-key";
const LOGIN_PATH: &str = "/v1/auth/approle/login";

struct Org {
    id: String,
    role_id: String,
    secret_id: String,
}

struct Round {
    latencies: Vec<Duration>,
    wall: Duration,
}

/// CPU time (user + system) used so far by this process's threads, summed by thread name
/// (Linux `/proc/self/task/*/stat`; empty elsewhere). Shows whether the client's runtime or
/// DevVault's thread is the bottleneck.
fn cpu_by_thread() -> std::collections::BTreeMap<String, Duration> {
    let mut by_name = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return by_name;
    };
    // USER_HZ is 100 on every Linux platform Rust supports.
    let tick = Duration::from_millis(10);
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // "tid (comm) state ... utime stime ...": fields 14 and 15, counted after the ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_owned();
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let ticks: u32 = [11, 12]
            .iter()
            .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u32>().ok()))
            .sum();
        let name = if name.starts_with("devvault") {
            "devvault".to_owned()
        } else {
            name
        };
        *by_name.entry(name).or_insert(Duration::ZERO) += tick * ticks;
    }
    by_name
}

fn setup(dev: &DevVault, n: usize) -> Vec<Org> {
    (0..n)
        .map(|i| {
            let id = format!("org_{i:04}");
            let policy = format!("read-{id}");
            dev.put_policy(&policy, &[&format!("secret/data/{id}/*")]);
            dev.kv_put(
                "secret",
                &format!("{id}/{KIND}"),
                serde_json::json!({"value": format!("sk-{id}")}),
            );
            let creds = dev.create_approle(&format!("role-{id}"), &[&policy], Duration::ZERO);
            Org {
                id,
                role_id: creds.role_id,
                secret_id: creds.secret_id,
            }
        })
        .collect()
}

/// One cold round: a new client (empty cache, no pooled connection), every org registered,
/// then one task per org, all released at once by a barrier.
fn round(rt: &tokio::runtime::Runtime, dev: &DevVault, orgs: &[Org]) -> Round {
    dev.clear_requests();
    let _entered = rt.enter();
    let client = Client::builder().build().expect("client");
    for org in orgs {
        let config = VaultConfig::approle(&dev.url(), "secret", &org.role_id, &org.secret_id)
            .expect("config");
        client.register(&org.id, config).expect("register");
    }
    let barrier = Arc::new(Barrier::new(orgs.len()));
    let cpu_before = cpu_by_thread();
    let (latencies, wall) = rt.block_on(async {
        let tasks: Vec<_> = orgs
            .iter()
            .map(|org| {
                let (client, barrier, id) = (client.clone(), Arc::clone(&barrier), org.id.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    let started = Instant::now();
                    let credential = client.resolve(&id, KIND).await;
                    let done = Instant::now();
                    let credential = credential.unwrap_or_else(|e| panic!("{id}: {e}"));
                    let SecretValue::Value(value) = credential.value() else {
                        panic!("{id}: not a single value");
                    };
                    assert_eq!(value.expose(), format!("sk-{id}"));
                    (started, done)
                })
            })
            .collect();
        let mut spans = Vec::with_capacity(tasks.len());
        for task in tasks {
            spans.push(task.await.expect("task"));
        }
        let first = spans.iter().map(|s| s.0).min().expect("tasks");
        let last = spans.iter().map(|s| s.1).max().expect("tasks");
        let latencies: Vec<Duration> = spans.iter().map(|(s, d)| *d - *s).collect();
        (latencies, last - first)
    });
    let cpu_after = cpu_by_thread();
    let used: Vec<String> = cpu_after
        .iter()
        .filter_map(|(name, after)| {
            let spent = after.saturating_sub(cpu_before.get(name).copied().unwrap_or_default());
            (!spent.is_zero()).then(|| format!("{name} {}", ms(spent)))
        })
        .collect();
    println!("  CPU time by thread during the round: {}", used.join(", "));
    let logins = dev.count("POST", LOGIN_PATH);
    let reads = dev.count_prefix("GET", "/v1/secret/data/");
    assert_eq!(logins, orgs.len(), "exactly one login per org");
    assert_eq!(reads, orgs.len(), "exactly one KV read per org");
    Round { latencies, wall }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn report(label: &str, latencies: &mut [Duration], wall: Duration, tasks: usize) {
    latencies.sort_unstable();
    let p = |q| percentile(latencies, q).map_or_else(|| "n/a".into(), ms);
    println!(
        "{label}: tasks {tasks}, p50 {}, p90 {}, p99 {}, max {}, wall {}, throughput {:.0} resolves/s",
        p(50.0),
        p(90.0),
        p(99.0),
        p(100.0),
        ms(wall),
        tasks as f64 / wall.as_secs_f64()
    );
}

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| NAME.contains(f.as_str())) {
        return;
    }
    let full = is_bench_run();
    let (n, rounds) = if full { (1_000, 5) } else { (20, 1) };

    let dev = DevVault::start().expect("DevVault");
    let orgs = setup(&dev, n);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    println!(
        "{NAME}: {n} AppRole orgs, {n} tasks per round, {rounds} cold rounds, tokio multi-thread runtime ({} workers), DevVault on its own thread",
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    let mut all = Vec::new();
    let mut walls = Vec::new();
    for r in 1..=rounds {
        let Round {
            mut latencies,
            wall,
        } = round(&rt, &dev, &orgs);
        report(&format!("round {r}"), &mut latencies, wall, n);
        println!("round {r}: logins {n} (asserted), KV reads {n} (asserted)");
        all.extend(latencies);
        walls.push(wall);
    }
    let total_wall: Duration = walls.iter().sum();
    report(
        &format!("all {rounds} rounds pooled"),
        &mut all,
        total_wall,
        n * rounds,
    );
    walls.sort_unstable();
    if let Some(median_wall) = percentile(&walls, 50.0) {
        println!(
            "median round: wall {}, throughput {:.0} resolves/s",
            ms(median_wall),
            n as f64 / median_wall.as_secs_f64()
        );
    }
}
