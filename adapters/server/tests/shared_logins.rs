//! Replicas on PostgreSQL share their logins (the `logins` table): N replicas log in once per org
//! and token lifetime, a replica that died mid-login holds the others up no longer than its
//! claim, and a replica's shutdown revokes nothing the others use.
//!
//! Needs a PostgreSQL server: `export VAULTCRED_TEST_POSTGRES=$(bash .ci/postgres.sh)`, then
//! `cargo test -p vaultcred-server --test shared_logins -- --include-ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pg::{fresh_database, pg_dump};
use common::{Running, approle_body};
use http::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use vaultcred_devvault::DevVault;
use vaultcred_server::Scope;

const BACKEND: &str = "/api/org/credential-backend";
const LOGIN: &str = "/v1/auth/approle/login";
const REVOKE: &str = "/v1/auth/token/revoke-self";

/// `org`'s value and read policy on `dev` (one DevVault for many orgs).
fn add_org(dev: &DevVault, org: &str) {
    let policy = format!("{org}-read");
    dev.put_policy(&policy, &[&format!("secret/data/{org}/*")]);
    dev.kv_put(
        "secret",
        &format!("{org}/a"),
        json!({ "value": format!("{org}-a") }),
    );
    dev.kv_put(
        "secret",
        &format!("{org}/b"),
        json!({ "value": format!("{org}-b") }),
    );
}

/// Saves an AppRole config for `org` through `service`; the org's dispatch key.
async fn configure(service: &Running, dev: &DevVault, org: &str) -> String {
    let admin = service.key(org, Scope::Admin).await;
    let (body, _) = approle_body(dev, org, "secret");
    service.save(&admin, &body).await;
    service.key(org, Scope::Dispatch).await
}

async fn value(service: &Running, kind: &str, key: &str) -> String {
    let answer = service
        .get(&format!("/api/org/credentials/{kind}"), key)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json["value"].as_str().unwrap().to_owned()
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: .ci/run starts one and sets VAULTCRED_TEST_POSTGRES"]
async fn a_hundred_cold_orgs_through_two_replicas_log_in_a_hundred_times() {
    const ORGS: usize = 100;
    let url = fresh_database().await;
    let dev = DevVault::start().unwrap();
    let a = Running::start_url(&url).await;
    let b = Running::start_url(&url).await;
    let mut keys = Vec::new();
    for i in 0..ORGS {
        let org = format!("org_{i:03}");
        add_org(&dev, &org);
        keys.push((org.clone(), configure(&a, &dev, &org).await));
    }
    assert_eq!(dev.count("POST", LOGIN), 0, "saving logs in nowhere");
    // Every org, cold on both replicas, asked of both at once.
    let asks = keys.iter().flat_map(|(org, key)| {
        [&a, &b].map(|replica| async move {
            assert_eq!(value(replica, "a", key).await, format!("{org}-a"));
        })
    });
    futures_util::future::join_all(asks).await;
    assert_eq!(dev.count("POST", LOGIN), ORGS, "one login per org");
    // The second kind on both: the tokens are reused, no login.
    for (org, key) in &keys {
        assert_eq!(value(&b, "b", key).await, format!("{org}-b"));
        assert_eq!(value(&a, "b", key).await, format!("{org}-b"));
    }
    assert_eq!(dev.count("POST", LOGIN), ORGS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: .ci/run starts one and sets VAULTCRED_TEST_POSTGRES"]
async fn a_replica_that_died_mid_login_holds_the_others_up_only_until_its_claim_lapses() {
    let url = fresh_database().await;
    let dev = DevVault::start().unwrap();
    add_org(&dev, "org_k");
    let b = Running::start_url(&url).await;
    let key = configure(&b, &dev, "org_k").await;
    // What a replica killed during its login leaves behind: its claim, and no token ever. Each
    // replica's claim lasts one call's timeout; this one lapses in 1.5 s.
    let lapse = 1500;
    b.db.execute_admin(&format!(
        "INSERT INTO logins (org_id, config_version, claimed_by, claim_until_ms) \
         VALUES ('org_k', 1, 'dead-replica', {})",
        now_ms() + lapse
    ))
    .await
    .unwrap();
    let started = Instant::now();
    assert_eq!(value(&b, "a", &key).await, "org_k-a");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1300) && waited < Duration::from_millis(4000),
        "waited {waited:?} for a claim lapsing in {lapse} ms"
    );
    assert_eq!(dev.count("POST", LOGIN), 1, "then logged in, once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: .ci/run starts one and sets VAULTCRED_TEST_POSTGRES"]
async fn a_replica_shutting_down_revokes_nothing_the_others_use() {
    let url = fresh_database().await;
    let dev = DevVault::start().unwrap();
    add_org(&dev, "org_s");
    let a = Running::start_url(&url).await;
    let b = Running::start_url(&url).await;
    let key = configure(&a, &dev, "org_s").await;
    assert_eq!(value(&a, "a", &key).await, "org_s-a");
    assert_eq!(dev.count("POST", LOGIN), 1);
    let token = dev
        .requests()
        .iter()
        .flat_map(|r| r.headers.clone())
        .find(|(name, _)| name == "x-vault-token")
        .map(|(_, value)| value)
        .expect("the read carried the login token");

    // The shared token is sealed in the database, never in clear.
    let dump = pg_dump(&url);
    assert_eq!(logins_rows(&dump).len(), 1, "the shared row: {dump}");
    assert!(
        !dump.contains(&token),
        "the login token in the PostgreSQL dump"
    );

    a.stop().await;
    assert_eq!(
        dev.count("POST", REVOKE),
        0,
        "shutdown revoked a shared token"
    );
    // B reads a kind of its own with the token A obtained: alive, and no new login.
    assert_eq!(value(&b, "b", &key).await, "org_s-b");
    assert_eq!(dev.count("POST", LOGIN), 1);

    // Deleting the config does revoke it, and drops the shared row.
    let admin = b.key("org_s", Scope::Admin).await;
    let deleted = b.call(Method::DELETE, BACKEND, Some(&admin), &[], "").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert!(
        dev.count("POST", REVOKE) >= 1,
        "the deleted config's token is revoked"
    );
    assert!(logins_rows(&pg_dump(&url)).is_empty());
}

/// The data lines of the `logins` table in a `pg_dump --data-only`.
fn logins_rows(dump: &str) -> Vec<&str> {
    dump.lines()
        .skip_while(|l| !l.starts_with("COPY public.logins "))
        .skip(1)
        .take_while(|l| *l != "\\.")
        .collect()
}
