//! The service on PostgreSQL, as replicas share it: nothing in clear in a dump, config changes
//! reach every replica within a second, rotations reach every replica's subscribers.
//!
//! Needs a PostgreSQL server: `export VAULTCRED_TEST_POSTGRES=$(bash .ci/postgres.sh)` starts a
//! throwaway one (as .ci/run does), then
//! `cargo test -p vaultcred-server --test postgres -- --include-ignored`. Each test makes its own
//! database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pg::{fresh_database, listeners, pg_dump};
use common::{Running, approle_body, approle_body_ttl, vault};
use http::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};
use vaultcred_server::{Backend, Scope};

const BACKEND: &str = "/api/org/credential-backend";
const DISPATCH: &str = "/api/org/credentials/anthropic-api-key";
const WAIT: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: .ci/run starts one and sets VAULTCRED_TEST_POSTGRES"]
async fn the_api_on_postgres_keeps_no_secret_in_clear() {
    let url = fresh_database().await;
    let dev = vault("org_a", "sk-ant-PG-CANARY-1");
    let service = Running::start_url(&url).await;
    assert_eq!(service.db.backend(), Backend::Postgres);
    let admin = service.key("org_a", Scope::Admin).await;
    let dispatch = service.key("org_a", Scope::Dispatch).await;
    let (body, secret_id) = approle_body(&dev, "org_a", "secret");
    service.save(&admin, &body).await;
    let credential = service.get(DISPATCH, &dispatch).await;
    assert_eq!(
        credential.json["value"], "sk-ant-PG-CANARY-1",
        "{}",
        credential.text
    );
    let token = dev.create_token(&["org_a-read"], None);
    let token_body = json!({"providerType": "vault", "config": {
        "addr": dev.url(), "mount": "secret", "authMode": "token", "token": token}});
    let saved = service
        .call(
            Method::POST,
            BACKEND,
            Some(&admin),
            &[("if-match", "1")],
            &token_body.to_string(),
        )
        .await;
    assert_eq!(saved.json["version"], 2, "{}", saved.text);
    assert_eq!(
        service.get(&format!("{BACKEND}/audit"), &admin).await.json["entries"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let dump = pg_dump(&url);
    assert!(dump.contains("org_a"), "the dump holds the rows");
    for canary in [
        secret_id.as_str(),
        token.as_str(),
        "sk-ant-PG-CANARY-1",
        admin.as_str(),
        dispatch.as_str(),
    ] {
        assert!(!dump.contains(canary), "{canary} in the PostgreSQL dump");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: .ci/run starts one and sets VAULTCRED_TEST_POSTGRES"]
async fn a_config_change_on_one_replica_reaches_the_other_within_a_second() {
    let url = fresh_database().await;
    let dev = vault("org_a", "v-secret");
    dev.enable_kv2("kv");
    dev.kv_put("kv", "org_a/anthropic-api-key", json!({"value": "v-kv"}));
    let a = Running::start_url(&url).await;
    let b = Running::start_url(&url).await;
    let admin = a.key("org_a", Scope::Admin).await;
    let dispatch = a.key("org_a", Scope::Dispatch).await;
    let mut on_b = b.events(&dispatch, None).await;
    let (body, _) = approle_body(&dev, "org_a", "secret");
    a.save(&admin, &body).await;
    assert_eq!(b.get(DISPATCH, &dispatch).await.json["value"], "v-secret");
    let first = on_b
        .next(WAIT)
        .await
        .expect("config-changed of version 1 on B");
    assert_eq!(first.data, json!({"orgId": "org_a", "version": 1}));

    // B has version 1 registered; A moves the org to the mount `kv`.
    let mut change: serde_json::Value = serde_json::from_str(&body).unwrap();
    change["config"]["mount"] = "kv".into();
    let started = Instant::now();
    assert_eq!(
        a.post(BACKEND, &admin, &change.to_string()).await.json["version"],
        2
    );
    loop {
        let answer = b.get(DISPATCH, &dispatch).await;
        if answer.json["value"] == "v-kv" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "B still serves {}",
            answer.text
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("B took the change after {:?}", started.elapsed());
    let second = on_b
        .next(WAIT)
        .await
        .expect("config-changed of version 2 on B");
    assert_eq!(second.data, json!({"orgId": "org_a", "version": 2}));

    // Removing it on B unregisters it on A.
    let removed = b.call(Method::DELETE, BACKEND, Some(&admin), &[], "").await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let started = Instant::now();
    while a.get(DISPATCH, &dispatch).await.status != StatusCode::NOT_FOUND {
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "A still serves the removed config"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: .ci/run starts one and sets VAULTCRED_TEST_POSTGRES"]
async fn a_rotation_seen_on_one_replica_reaches_subscribers_on_the_other() {
    let url = fresh_database().await;
    let dev = vault("org_a", "v-one");
    let a = Running::start_url(&url).await;
    let b = Running::start_url(&url).await;
    let admin = a.key("org_a", Scope::Admin).await;
    let dispatch = a.key("org_a", Scope::Dispatch).await;
    let mut on_b = b.events(&dispatch, None).await;
    let (body, _) = approle_body_ttl(&dev, "org_a", "secret", Duration::from_secs(2));
    a.save(&admin, &body).await;
    let changed = on_b.next(WAIT).await.expect("config-changed");
    assert_eq!(a.get(DISPATCH, &dispatch).await.json["version"], 1);
    dev.kv_put(
        "secret",
        "org_a/anthropic-api-key",
        json!({"value": "v-two"}),
    );
    tokio::time::sleep(Duration::from_millis(1800)).await;
    assert_eq!(a.get(DISPATCH, &dispatch).await.json["value"], "v-two");
    let rotated = on_b.next(WAIT).await.expect("the rotation seen on A, on B");
    assert_eq!(rotated.event, "rotated");
    assert_eq!(
        rotated.data,
        json!({"orgId": "org_a", "kind": "anthropic-api-key", "oldVersion": 1, "newVersion": 2})
    );
    // The ids are the replicas' shared ones: resuming on A after B's first event replays the
    // rotation.
    let mut on_a = a.events(&dispatch, changed.id.as_deref()).await;
    assert_eq!(on_a.next(WAIT).await.expect("replayed on A"), rotated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: .ci/run starts one and sets VAULTCRED_TEST_POSTGRES"]
async fn a_service_dropped_without_serving_closes_its_replica_listener() {
    let url = fresh_database().await;
    let db = vaultcred_server::Db::connect(&url).await.unwrap();
    let keys = vaultcred_server::Keyring::new(
        vaultcred_server::PlatformKey::from_base64(common::KEY).unwrap(),
    );
    let service =
        vaultcred_server::Service::new(db.clone(), keys, vaultcred_server::Settings::default())
            .unwrap();
    let until = |want: usize| {
        let url = url.clone();
        async move {
            let started = Instant::now();
            while listeners(&url) != want && started.elapsed() < WAIT {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            listeners(&url)
        }
    };
    assert_eq!(until(1).await, 1, "the replica listener");
    // E.g. a router nested in a larger app and dropped: nothing keeps the listener running.
    drop(service);
    assert_eq!(until(0).await, 0, "the listener outlived its service");
    db.close().await;
}
