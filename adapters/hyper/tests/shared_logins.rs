//! `Client::share_logins`: two clients (two replicas) sharing one in-memory broker log in once;
//! a failed login releases its claim; shutdown revokes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use vaultcred_devvault::{DevVault, Fault, FaultRule, PathMatch};
use vaultcred_hyper::{
    BrokerFuture, Client, LoginBroker, ObtainedLogin, Reason, RetryPolicy, SharedAnswer,
    SharedToken, VaultConfig,
};

const LOGIN: &str = "/v1/auth/approle/login";
const REVOKE: &str = "/v1/auth/token/revoke-self";

/// What the broker saw, and the token it shares.
#[derive(Default)]
struct Store {
    token: Option<SharedToken>,
    claimed: bool,
    acquired: usize,
    stored: usize,
    abandoned: usize,
}

/// A broker of replicas in one process: one token per (single) org, one claim.
#[derive(Clone, Default)]
struct Memory(Arc<Mutex<Store>>);

impl LoginBroker for Memory {
    fn acquire<'a>(&'a self, _org: &'a str, _until: SystemTime) -> BrokerFuture<'a, SharedAnswer> {
        Box::pin(async move {
            loop {
                {
                    let mut store = self.0.lock().unwrap();
                    store.acquired += 1;
                    if let Some(token) = &store.token {
                        return SharedAnswer::Adopt(token.clone());
                    }
                    if !store.claimed {
                        store.claimed = true;
                        return SharedAnswer::LogIn;
                    }
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    }

    fn obtained(&self, login: ObtainedLogin) -> BrokerFuture<'static, ()> {
        let store = Arc::clone(&self.0);
        Box::pin(async move {
            let mut store = store.lock().unwrap();
            store.token = Some(login.token);
            store.claimed = false;
            store.stored += 1;
        })
    }

    fn abandoned(&self, _org: &str) -> BrokerFuture<'static, ()> {
        let store = Arc::clone(&self.0);
        Box::pin(async move {
            let mut store = store.lock().unwrap();
            store.claimed = false;
            store.abandoned += 1;
        })
    }
}

fn vault() -> (DevVault, VaultConfig) {
    let dev = DevVault::start().unwrap();
    dev.put_policy("org-a", &["secret/data/org_a/*"]);
    for kind in ["a", "b"] {
        dev.kv_put("secret", &format!("org_a/{kind}"), json!({"value": kind}));
    }
    let creds = dev.create_approle("role-a", &["org-a"], Duration::from_secs(3600));
    let config = VaultConfig::approle(&dev.url(), "secret", &creds.role_id, &creds.secret_id);
    (dev, config.unwrap())
}

fn replica(config: &VaultConfig, broker: &Memory) -> Client {
    let client = Client::builder()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    assert!(client.share_logins(Arc::new(broker.clone())));
    assert!(
        !client.share_logins(Arc::new(broker.clone())),
        "once per client"
    );
    client.register("org_a", config.clone()).unwrap();
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_sharing_a_broker_log_in_once() {
    let (dev, config) = vault();
    let broker = Memory::default();
    let (a, b) = (replica(&config, &broker), replica(&config, &broker));
    let (on_a, on_b) = tokio::join!(a.resolve("org_a", "a"), b.resolve("org_a", "b"));
    on_a.unwrap();
    on_b.unwrap();
    assert_eq!(dev.count("POST", LOGIN), 1);
    tokio::time::sleep(Duration::from_millis(50)).await;
    {
        let store = broker.0.lock().unwrap();
        assert_eq!((store.stored, store.abandoned), (1, 0));
        assert!(!store.claimed, "the claim was released by the store");
    }
    // A stops: nothing revoked; B goes on with the shared token.
    a.shutdown();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(dev.count("POST", REVOKE), 0);
    b.invalidate("org_a", "b");
    b.resolve("org_a", "b").await.unwrap();
    assert_eq!(dev.count("POST", LOGIN), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_login_releases_its_claim() {
    let (dev, config) = vault();
    dev.inject(
        FaultRule::new(
            PathMatch::exact(LOGIN),
            Fault::Status {
                status: 400,
                body: br#"{"errors":["invalid role or secret ID"]}"#.to_vec(),
                headers: vec![],
            },
        )
        .times(1),
    );
    let broker = Memory::default();
    let a = replica(&config, &broker);
    let failed = a.resolve("org_a", "a").await.unwrap_err();
    assert_eq!(failed.reason, Reason::AuthFailed, "{failed}");
    tokio::time::sleep(Duration::from_millis(50)).await;
    {
        let store = broker.0.lock().unwrap();
        assert_eq!((store.stored, store.abandoned), (0, 1));
        assert!(!store.claimed, "released, so nobody waits for it to lapse");
    }
    // The next resolve (here or on another replica) claims and logs in at once.
    let b = replica(&config, &broker);
    b.resolve("org_a", "a").await.unwrap();
    assert_eq!(dev.count("POST", LOGIN), 2);
}
