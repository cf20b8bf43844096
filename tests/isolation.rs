//! Isolation under load: 1,000 orgs × 5 kinds on DevVault, each org with its own AppRole and a
//! policy limited to its prefix; 64 concurrent tasks resolve random (org, kind) pairs through the
//! async adapter while a chaos thread injects faults (about 5 % 5xx and 1 % dropped connections on
//! reads), revokes orgs' tokens and rotates secrets.
//!
//! It asserts: every returned value is exactly a value written for the org and kind asked for,
//! at the current or the just-rotated version (zero cross-org values); zero panics; every failure
//! has a reason; logins stay within one per org per token lifetime or revocation. It prints the
//! figures (requests, failures by reason, logins).
//!
//! Runs ~15 s by default; set `VAULTCRED_ISOLATION_SECS` for a longer run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vaultcred_core::{Reason, RetryPolicy, SecretValue, VaultConfig};
use vaultcred_devvault::{DevVault, Fault, FaultRule, PathMatch};
use vaultcred_tests::{Host, Hyper, Options};

const ORGS: usize = 1000;
const KINDS: [&str; 5] = [
    "anthropic-api-key",
    "openai-api-key",
    "jira",
    "linear",
    "db",
];
const TASKS: usize = 64;
const TOKEN_TTL: Duration = Duration::from_secs(3);
/// A pair is not rotated again within this time, so a cached value is at most one version old.
const ROTATION_SPACING: Duration = Duration::from_secs(6);

fn org(i: usize) -> String {
    format!("org_{i:04}")
}

fn secret(org: &str, kind: &str, version: u64, salt: u64) -> String {
    format!("{org}/{kind}/v{version}/{salt:016x}")
}

/// Values written per (org, kind): version → value; and the latest version.
#[derive(Default)]
struct Truth {
    values: HashMap<(String, String), BTreeMap<u64, String>>,
}

impl Truth {
    fn latest(&self, org: &str, kind: &str) -> u64 {
        self.values[&(org.to_owned(), kind.to_owned())]
            .keys()
            .next_back()
            .copied()
            .unwrap()
    }
}

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn isolation_under_load() {
    let secs: u64 = std::env::var("VAULTCRED_ISOLATION_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let run_for = Duration::from_secs(secs);
    let dev = Arc::new(DevVault::start().unwrap());
    let truth = Arc::new(Mutex::new(Truth::default()));
    let mut role_to_org: HashMap<String, String> = HashMap::new();

    let host = Hyper::build(&Options {
        timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: 2,
            base: Duration::from_millis(10),
            cap: Duration::from_millis(50),
            retry_after_cap: Duration::from_millis(100),
            deadline: Duration::from_secs(20),
        },
        ..Options::default()
    });
    let (rt, client) = (host.runtime(), host.client());

    // Setup: per org a policy on its prefix, an AppRole, five secrets.
    let setup = Instant::now();
    {
        let mut t = truth.lock().unwrap();
        for i in 0..ORGS {
            let o = org(i);
            dev.put_policy(&format!("p-{o}"), &[&format!("secret/data/{o}/*")]);
            let creds = dev.create_approle(&format!("r-{o}"), &[&format!("p-{o}")], TOKEN_TTL);
            role_to_org.insert(creds.role_id.clone(), o.clone());
            client
                .register(
                    &o,
                    VaultConfig::approle(&dev.url(), "secret", &creds.role_id, &creds.secret_id)
                        .unwrap(),
                )
                .unwrap();
            for kind in KINDS {
                let value = secret(&o, kind, 1, i as u64);
                let v = dev.kv_put(
                    "secret",
                    &format!("{o}/{kind}"),
                    serde_json::json!({"value": value}),
                );
                t.values
                    .entry((o.clone(), kind.to_owned()))
                    .or_default()
                    .insert(v, value);
            }
        }
    }
    dev.clear_requests();
    let setup_took = setup.elapsed();

    // Chaos: faults on reads at ~5 % 5xx and ~1 % dropped connections (calibrated on the read
    // count), token revocations and secret rotations.
    let stop = Arc::new(AtomicBool::new(false));
    let revocations: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let tally: Arc<Mutex<Vec<vaultcred_devvault::RecordedRequest>>> = Arc::default();
    let chaos = {
        let (dev, truth, stop, revocations, tally) = (
            dev.clone(),
            truth.clone(),
            stop.clone(),
            revocations.clone(),
            tally.clone(),
        );
        std::thread::spawn(move || {
            let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
            let mut last_rotation: HashMap<(String, String), Instant> = HashMap::new();
            let mut tokens_by_org: HashMap<String, String> = HashMap::new();
            let (mut reads, mut injected_5xx, mut injected_drop) = (0u64, 0u64, 0u64);
            let mut tick = 0u64;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20));
                tick += 1;
                let batch = dev.take_requests();
                for r in &batch {
                    if r.path.starts_with("/v1/secret/data/") {
                        reads += 1;
                        if let (Some(tok), Some(o)) =
                            (r.header("x-vault-token"), r.path.split('/').nth(4))
                        {
                            tokens_by_org.insert(o.to_owned(), tok.to_owned());
                        }
                    }
                }
                tally.lock().unwrap().extend(batch);
                let read_prefix = || PathMatch::prefix("/v1/secret/data/");
                while injected_5xx * 20 < reads {
                    let status = [500u16, 502, 503][rng.below(3)];
                    dev.inject(FaultRule::new(read_prefix(), Fault::Status { status, body: b"{\"errors\":[\"1 error occurred:\\n\\t* internal error\\n\\n\"]}\n".to_vec(), headers: vec![] }).times(1));
                    injected_5xx += 1;
                }
                while injected_drop * 100 < reads {
                    dev.inject(FaultRule::new(read_prefix(), Fault::DropConnection).times(1));
                    injected_drop += 1;
                }
                // Every 200 ms: revoke one org's current token; rotate a few secrets.
                if tick.is_multiple_of(10) && !tokens_by_org.is_empty() {
                    let orgs: Vec<&String> = tokens_by_org.keys().collect();
                    let o = orgs[rng.below(orgs.len())].clone();
                    if let Some(tok) = tokens_by_org.remove(&o)
                        && dev.revoke_token(&tok)
                    {
                        *revocations.lock().unwrap().entry(o).or_default() += 1;
                    }
                }
                if tick.is_multiple_of(2) {
                    for _ in 0..5 {
                        let o = org(rng.below(ORGS));
                        let kind = KINDS[rng.below(KINDS.len())];
                        let key = (o.clone(), kind.to_owned());
                        if last_rotation
                            .get(&key)
                            .is_some_and(|t| t.elapsed() < ROTATION_SPACING)
                        {
                            continue;
                        }
                        let mut t = truth.lock().unwrap();
                        let next = t.latest(&o, kind) + 1;
                        let value = secret(&o, kind, next, rng.next());
                        // Record the truth before Vault has it, so a reader never sees a value
                        // the oracle does not know.
                        t.values.get_mut(&key).unwrap().insert(next, value.clone());
                        let written = dev.kv_put(
                            "secret",
                            &format!("{o}/{kind}"),
                            serde_json::json!({"value": value}),
                        );
                        assert_eq!(written, next);
                        last_rotation.insert(key, Instant::now());
                    }
                }
            }
            tally.lock().unwrap().extend(dev.take_requests());
            (reads, injected_5xx, injected_drop)
        })
    };

    // Load: 64 tasks resolving random pairs until the time is up.
    let resolves = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let outcomes = rt.block_on(async {
        let mut handles = Vec::new();
        for t in 0..TASKS {
            let (client, truth, resolves) = (client.clone(), truth.clone(), resolves.clone());
            handles.push(tokio::spawn(async move {
                let mut rng = XorShift(0x1234_5678 + t as u64 * 7919);
                let mut failures: BTreeMap<&'static str, u64> = BTreeMap::new();
                let mut stale = 0u64;
                while started.elapsed() < run_for {
                    let o = org(rng.below(ORGS));
                    let kind = KINDS[rng.below(KINDS.len())];
                    let result = client.resolve(&o, kind).await;
                    resolves.fetch_add(1, Ordering::Relaxed);
                    match result {
                        Ok(c) => {
                            assert_eq!((c.org_id(), c.kind()), (o.as_str(), kind));
                            let SecretValue::Value(v) = c.value() else { panic!("not a value") };
                            let version = c.version().expect("KV v2 gives a version");
                            let t = truth.lock().unwrap();
                            let written = &t.values[&(o.clone(), kind.to_owned())];
                            assert_eq!(
                                written.get(&version).map(String::as_str),
                                Some(v.expose()),
                                "{o}/{kind} returned a value never written there (cross-org or corrupted)"
                            );
                            let latest = t.latest(&o, kind);
                            assert!(version + 1 >= latest, "{o}/{kind}: version {version} is more than one rotation behind {latest}");
                            if version < latest {
                                stale += 1;
                            }
                        }
                        Err(e) => {
                            assert_eq!((e.org_id.as_str(), e.kind.as_str()), (o.as_str(), kind));
                            assert!(!e.message.is_empty());
                            assert!(
                                matches!(e.reason, Reason::ServerError | Reason::Unreachable | Reason::Timeout | Reason::PermissionDenied | Reason::AuthFailed),
                                "unexpected failure reason {}: {}",
                                e.reason,
                                e.message
                            );
                            *failures.entry(e.reason.as_str()).or_default() += 1;
                        }
                    }
                }
                (failures, stale)
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.push(h.await.expect("a resolve task panicked"));
        }
        all
    });
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (reads, injected_5xx, injected_drop) = chaos.join().expect("the chaos thread panicked");

    // Tally.
    let mut failures: BTreeMap<&str, u64> = BTreeMap::new();
    let mut stale = 0;
    for (f, s) in outcomes {
        for (k, v) in f {
            *failures.entry(k).or_default() += v;
        }
        stale += s;
    }
    let requests = tally.lock().unwrap();
    let mut logins: HashMap<String, u64> = HashMap::new();
    for r in requests
        .iter()
        .filter(|r| r.path == "/v1/auth/approle/login")
    {
        let role_id = r.body_json().unwrap()["role_id"]
            .as_str()
            .unwrap()
            .to_owned();
        *logins.entry(role_to_org[&role_id].clone()).or_default() += 1;
    }
    let revocations = revocations.lock().unwrap();
    let lifetimes = elapsed.as_millis() as u64 / (TOKEN_TTL.as_millis() as u64 * 8 / 10) + 1;
    for (o, n) in &logins {
        let allowed = lifetimes + revocations.get(o).copied().unwrap_or(0);
        assert!(
            *n <= allowed,
            "{o}: {n} logins, allowed {allowed} ({lifetimes} token lifetimes + revocations)"
        );
    }
    let total_logins: u64 = logins.values().sum();
    let total = resolves.load(Ordering::Relaxed);
    let failed: u64 = failures.values().sum();
    println!(
        "isolation: setup {setup_took:.1?}; {total} resolves in {elapsed:.1?} ({:.0}/s) by {TASKS} tasks over {ORGS} orgs × {} kinds",
        total as f64 / elapsed.as_secs_f64(),
        KINDS.len()
    );
    println!(
        "  requests to Vault: {} ({reads} reads, {total_logins} logins over {} orgs); injected {injected_5xx} 5xx + {injected_drop} dropped connections; {} revocations",
        requests.len(),
        logins.len(),
        revocations.values().sum::<u64>()
    );
    println!(
        "  failures: {failed} {failures:?}; answers one rotation behind (cached): {stale}; cross-org values: 0"
    );
    assert!(total > 1000, "too little load to mean anything: {total}");
    assert!(
        injected_5xx > 0 && injected_drop > 0 && !revocations.is_empty(),
        "chaos did not happen"
    );
    assert!(
        failed * 20 < total,
        "more than 5 % of resolves failed: {failed}/{total}"
    );
}
