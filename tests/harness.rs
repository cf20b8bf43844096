//! The harness behind the workspace-level tests: one [`Host`] trait with an implementation per
//! adapter, so every scenario is written once and run against both, and a [`World`] — a DevVault
//! seeded with orgs, roles, policies and canary credentials — whose every outcome is checked for
//! leaked secrets (errors, `Debug` output and every `tracing` log line).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use vaultcred_core::{
    HealthReport, Reason, ResolveResult, RetryPolicy, RotationEvent, VaultConfig,
};
use vaultcred_devvault::DevVault;

/// Settings each host is built with.
#[derive(Clone, Debug)]
pub struct Options {
    /// Per-call timeout.
    pub timeout: Duration,
    /// Body cap.
    pub max_body_bytes: usize,
    /// Retry policy (short waits so fault tests run fast).
    pub retry: RetryPolicy,
    /// JWT paths configs may name (World's JWT files are in the temporary directory).
    pub allowed_jwt_paths: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(5),
            max_body_bytes: 1024 * 1024,
            retry: RetryPolicy {
                max_retries: 2,
                base: Duration::from_millis(20),
                cap: Duration::from_millis(100),
                retry_after_cap: Duration::from_millis(200),
                deadline: Duration::from_secs(20),
            },
            allowed_jwt_paths: vec![format!("{}/", std::env::temp_dir().display())],
        }
    }
}

/// A host built on one adapter, seen through one blocking interface.
pub trait Host: Send + Sync + Sized {
    /// The adapter's name, for messages.
    const NAME: &'static str;
    /// Builds a client.
    fn build(options: &Options) -> Self;
    /// Registers an org.
    fn register(&self, org: &str, config: VaultConfig);
    /// Resolves one kind.
    fn resolve(&self, org: &str, kind: &str) -> ResolveResult;
    /// Runs a health check.
    fn health(&self, org: &str) -> HealthReport;
    /// Resolves every (org, kind) concurrently (threads or tasks), results in input order.
    fn resolve_all(&self, jobs: &[(String, String)]) -> Vec<ResolveResult>;
    /// The next rotation event, if one arrives in time.
    fn next_rotation(&self, within: Duration) -> Option<RotationEvent>;
    /// Unregisters an org (its login token is revoked in the background).
    fn unregister(&self, org: &str) -> bool;
    /// Revokes every org's login token (in the background).
    fn shutdown(&self);
}

/// Runs each scenario (a function generic over [`Host`]) as one test per adapter, in modules
/// `ureq` and `hyper`.
#[macro_export]
macro_rules! conformance {
    ($($scenario:ident),* $(,)?) => {
        mod ureq {
            $( #[test] fn $scenario() { super::$scenario::<vaultcred_tests::Ureq>() } )*
        }
        mod hyper {
            $( #[test] fn $scenario() { super::$scenario::<vaultcred_tests::Hyper>() } )*
        }
    };
}

/// The blocking adapter.
pub struct Ureq {
    client: vaultcred_ureq::Client,
    events: Mutex<std::sync::mpsc::Receiver<RotationEvent>>,
}

impl Host for Ureq {
    const NAME: &'static str = "ureq";
    fn build(o: &Options) -> Self {
        let mut builder = vaultcred_ureq::Client::builder()
            .timeout(o.timeout)
            .max_body_bytes(o.max_body_bytes)
            .retry(o.retry.clone());
        for path in &o.allowed_jwt_paths {
            builder = builder.allow_jwt_path(path.as_str());
        }
        let client = builder.build().unwrap();
        let events = Mutex::new(client.subscribe());
        Ureq { client, events }
    }
    fn register(&self, org: &str, config: VaultConfig) {
        self.client.register(org, config).unwrap();
    }
    fn resolve(&self, org: &str, kind: &str) -> ResolveResult {
        self.client.resolve(org, kind)
    }
    fn health(&self, org: &str) -> HealthReport {
        self.client.health(org)
    }
    fn resolve_all(&self, jobs: &[(String, String)]) -> Vec<ResolveResult> {
        std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .iter()
                .map(|(org, kind)| s.spawn(move || self.client.resolve(org, kind)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    }
    fn next_rotation(&self, within: Duration) -> Option<RotationEvent> {
        self.events.lock().unwrap().recv_timeout(within).ok()
    }
    fn unregister(&self, org: &str) -> bool {
        self.client.unregister(org)
    }
    fn shutdown(&self) {
        self.client.shutdown();
    }
}

/// The async adapter, driven on its own multi-threaded runtime.
pub struct Hyper {
    rt: tokio::runtime::Runtime,
    client: vaultcred_hyper::Client,
    events: Mutex<tokio::sync::broadcast::Receiver<RotationEvent>>,
}

impl Hyper {
    /// The runtime the client runs on (for tests that drive many tasks themselves).
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.rt
    }

    /// The async client itself.
    pub fn client(&self) -> &vaultcred_hyper::Client {
        &self.client
    }
}

impl Host for Hyper {
    const NAME: &'static str = "hyper";
    fn build(o: &Options) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let client = {
            let _guard = rt.enter();
            let mut builder = vaultcred_hyper::Client::builder()
                .timeout(o.timeout)
                .max_body_bytes(o.max_body_bytes)
                .retry(o.retry.clone());
            for path in &o.allowed_jwt_paths {
                builder = builder.allow_jwt_path(path.as_str());
            }
            builder.build().unwrap()
        };
        let events = Mutex::new(client.subscribe());
        Hyper { rt, client, events }
    }
    fn register(&self, org: &str, config: VaultConfig) {
        self.client.register(org, config).unwrap();
    }
    fn resolve(&self, org: &str, kind: &str) -> ResolveResult {
        self.rt.block_on(self.client.resolve(org, kind))
    }
    fn health(&self, org: &str) -> HealthReport {
        self.rt.block_on(self.client.health(org))
    }
    fn resolve_all(&self, jobs: &[(String, String)]) -> Vec<ResolveResult> {
        self.rt.block_on(async {
            let handles: Vec<_> = jobs
                .iter()
                .map(|(org, kind)| {
                    let client = self.client.clone();
                    let (org, kind) = (org.clone(), kind.clone());
                    tokio::spawn(async move { client.resolve(&org, &kind).await })
                })
                .collect();
            let mut out = Vec::new();
            for h in handles {
                out.push(h.await.unwrap());
            }
            out
        })
    }
    fn next_rotation(&self, within: Duration) -> Option<RotationEvent> {
        let mut rx = self.events.lock().unwrap();
        self.rt
            .block_on(async { tokio::time::timeout(within, rx.recv()).await.ok()?.ok() })
    }
    fn unregister(&self, org: &str) -> bool {
        // Outside the runtime on purpose: the client sends the revocation on the runtime it
        // was built in.
        self.client.unregister(org)
    }
    fn shutdown(&self) {
        self.client.shutdown();
    }
}

/// Every tracing line emitted in this test process (adapters log under target `vaultcred`).
fn log_sink() -> &'static Mutex<Vec<u8>> {
    static SINK: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    SINK.get_or_init(|| Mutex::new(Vec::new()))
}

struct SinkWriter;
impl Write for SinkWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        log_sink()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs (once) a global subscriber capturing every event at TRACE level into the sink.
pub fn capture_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(|| SinkWriter)
            .with_ansi(false)
            .try_init();
    });
}

/// The captured log text so far.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&log_sink().lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

/// The orgs every world has.
pub const ORGS: [&str; 2] = ["org_a", "org_b"];

/// A DevVault seeded for the conformance suite, with canary credentials and secret values.
///
/// Every outcome passed through [`World::checked`] is checked for canaries, and on drop the
/// captured logs are too.
pub struct World {
    /// The server.
    pub dev: DevVault,
    /// Temporary directory (JWT files).
    pub dir: PathBuf,
    /// Secrets that must never show up in errors, Debug output or logs.
    pub canaries: Vec<String>,
    /// A root-policy token.
    pub root: String,
}

static WORLD_COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl World {
    /// Starts DevVault and seeds `org_a` and `org_b`: per org a read policy on its prefix, a
    /// token, an AppRole (token TTL `ttl`), a Kubernetes role with a registered JWT, and secrets
    /// `api-key` (`{"value": canary}`), `jira` (multiField) and `lease` (a 1 s KV lease).
    pub fn new(ttl: Duration) -> World {
        capture_logs();
        let dev = DevVault::start().unwrap();
        let n = WORLD_COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("vaultcred-conformance-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let root = dev.root_token();
        let mut world = World {
            dev,
            dir,
            canaries: vec![root.clone()],
            root,
        };
        for org in ORGS {
            world
                .dev
                .put_policy(&format!("read-{org}"), &[&format!("secret/data/{org}/*")]);
            let value = format!("sk-CANARY-{org}-value-{n}");
            world.dev.kv_put(
                "secret",
                &format!("{org}/api-key"),
                serde_json::json!({"value": value}),
            );
            world.dev.kv_put(
                "secret",
                &format!("{org}/jira"),
                serde_json::json!({"site": "example.atlassian.net", "email": "bot@example.com", "apiToken": format!("CANARY-jira-{org}-{n}")}),
            );
            world.dev.kv_put_with_lease(
                "secret",
                &format!("{org}/lease"),
                serde_json::json!({"token": format!("CANARY-lease-{org}-{n}")}),
                Duration::from_secs(1),
            );
            let token = world.dev.create_token(&[&format!("read-{org}")], None);
            let creds =
                world
                    .dev
                    .create_approle(&format!("role-{org}"), &[&format!("read-{org}")], ttl);
            world
                .dev
                .create_k8s_role(&format!("k8s-{org}"), &[&format!("read-{org}")], ttl);
            let jwt =
                format!("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJDQU5BUlkte29yZ30ifQ.CANARY-{org}-{n}");
            world.dev.register_jwt(&format!("k8s-{org}"), &jwt);
            std::fs::write(world.dir.join(format!("{org}.jwt")), format!("{jwt}\n")).unwrap();
            world.canaries.extend([
                value,
                format!("CANARY-jira-{org}-{n}"),
                format!("CANARY-lease-{org}-{n}"),
                token.clone(),
                creds.secret_id.clone(),
                jwt,
            ]);
            std::fs::write(world.dir.join(format!("{org}.token")), token).unwrap();
            std::fs::write(
                world.dir.join(format!("{org}.approle")),
                format!("{}\n{}", creds.role_id, creds.secret_id),
            )
            .unwrap();
        }
        world
    }

    /// Token-mode config for an org (its own read-only token).
    pub fn token_config(&self, org: &str) -> VaultConfig {
        let token = std::fs::read_to_string(self.dir.join(format!("{org}.token"))).unwrap();
        VaultConfig::token(&self.dev.url(), "secret", &token).unwrap()
    }

    /// AppRole config for an org.
    pub fn approle_config(&self, org: &str) -> VaultConfig {
        let text = std::fs::read_to_string(self.dir.join(format!("{org}.approle"))).unwrap();
        let (role_id, secret_id) = text.split_once('\n').unwrap();
        VaultConfig::approle(&self.dev.url(), "secret", role_id, secret_id).unwrap()
    }

    /// Kubernetes config for an org (JWT file in the temp dir).
    pub fn k8s_config(&self, org: &str) -> VaultConfig {
        let path = self.dir.join(format!("{org}.jwt"));
        VaultConfig::kubernetes(
            &self.dev.url(),
            "secret",
            &format!("k8s-{org}"),
            Some(path.to_str().unwrap()),
        )
        .unwrap()
    }

    /// Fails if any canary appears in `text`.
    pub fn assert_clean(&self, what: &str, text: &str) {
        for canary in &self.canaries {
            assert!(
                !text.contains(canary.as_str()),
                "{what} leaked a canary secret: {text}"
            );
        }
    }

    /// Checks a resolve outcome: its Display and Debug (error) or Debug (credential) must hold no
    /// canary. Returns it unchanged.
    pub fn checked(&self, r: ResolveResult) -> ResolveResult {
        match &r {
            Ok(c) => self.assert_clean("credential Debug", &format!("{c:?}")),
            Err(e) => self.assert_clean("error", &format!("{e} {e:?}")),
        }
        r
    }

    /// The reason of a failed resolve (checked for canaries).
    pub fn reason(&self, r: ResolveResult) -> Reason {
        match self.checked(r) {
            Ok(c) => panic!("expected a failure, got {c:?}"),
            Err(e) => e.reason,
        }
    }

    /// Checks a health report for canaries.
    pub fn checked_health(&self, h: HealthReport) -> HealthReport {
        self.assert_clean("health report", &format!("{h:?} {}", h.to_json()));
        h
    }

    /// The token DevVault saw on the last read of `path`.
    pub fn last_token_on(&self, path: &str) -> Option<String> {
        self.dev
            .requests()
            .iter()
            .rev()
            .find(|r| r.path == path)
            .and_then(|r| r.header("x-vault-token").map(str::to_owned))
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let logs = captured_logs();
        if !std::thread::panicking() {
            self.assert_clean("log line", &logs);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The README's Rust examples, compiled as doctests so they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
