//! Server-Sent Events: config changes and rotations reach the org's subscribers (only theirs),
//! and a subscriber that reconnects with Last-Event-ID gets what it missed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Running, approle_body_ttl, vault};
use http::StatusCode;
use serde_json::json;
use std::time::Duration;
use vaultcred_server::Scope;

const BACKEND: &str = "/api/org/credential-backend";
const DISPATCH: &str = "/api/org/credentials/anthropic-api-key";
const WAIT: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_get_their_orgs_config_changes_and_rotations() {
    let dev = vault("org_a", "v-one");
    let service = Running::start().await;
    let admin = service.key("org_a", Scope::Admin).await;
    let dispatch = service.key("org_a", Scope::Dispatch).await;
    let other = service.key("org_b", Scope::Dispatch).await;
    let mut events = service.events(&dispatch, None).await;
    let mut others = service.events(&other, None).await;
    assert_eq!(
        service
            .call(
                http::Method::GET,
                "/api/org/credentials/events",
                None,
                &[],
                ""
            )
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Login tokens of 2 s: refreshAt = login + 1.6 s, so a rotation shows within the test.
    let (body, _) = approle_body_ttl(&dev, "org_a", "secret", Duration::from_secs(2));
    service.save(&admin, &body).await;
    let changed = events.next(WAIT).await.expect("config-changed");
    assert_eq!(changed.event, "config-changed");
    assert_eq!(changed.data, json!({"orgId": "org_a", "version": 1}));
    assert_eq!(changed.id.as_deref(), Some("1"));

    assert_eq!(service.get(DISPATCH, &dispatch).await.json["version"], 1);
    dev.kv_put(
        "secret",
        "org_a/anthropic-api-key",
        json!({"value": "v-two"}),
    );
    tokio::time::sleep(Duration::from_millis(1800)).await;
    let after = service.get(DISPATCH, &dispatch).await;
    assert_eq!(after.json["value"], "v-two", "{}", after.text);
    let rotated = events.next(WAIT).await.expect("rotated");
    assert_eq!(rotated.event, "rotated");
    assert_eq!(
        rotated.data,
        json!({"orgId": "org_a", "kind": "anthropic-api-key", "oldVersion": 1, "newVersion": 2})
    );
    assert!(!rotated.data.to_string().contains("v-two"));
    assert!(
        others.next(Duration::from_millis(300)).await.is_none(),
        "org_b saw org_a's events"
    );

    // Reconnecting after event 1 replays the rotation; after the last, nothing.
    let mut again = service.events(&dispatch, Some("1")).await;
    let replayed = again.next(WAIT).await.expect("replayed");
    assert_eq!(replayed, rotated);
    let last = rotated.id.clone().unwrap();
    let mut current = service.events(&dispatch, Some(&last)).await;
    assert!(current.next(Duration::from_millis(300)).await.is_none());

    // Removing the config is an event too.
    let removed = service
        .call(http::Method::DELETE, BACKEND, Some(&admin), &[], "")
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let gone = current.next(WAIT).await.expect("config-changed on delete");
    assert_eq!(gone.data, json!({"orgId": "org_a", "version": null}));
}
