//! The config's life through the API (save, change, conflict, delete, restart, rekey): a real
//! service on a SQLite file, DevVault as Vault, real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Running, approle_body, vault};
use http::{Method, StatusCode};
use serde_json::json;
use vaultcred_server::Scope;

const BACKEND: &str = "/api/org/credential-backend";
const DISPATCH: &str = "/api/org/credentials/anthropic-api-key";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_configures_approle_and_dispatch_reads_the_credential() {
    let dev = vault("org_a", "sk-ant-VALUE-CANARY-1");
    let service = Running::start().await;
    let admin = service.key("org_a", Scope::Admin).await;
    let dispatch = service.key("org_a", Scope::Dispatch).await;
    let (body, secret_id) = approle_body(&dev, "org_a", "secret");

    let saved = service.post(BACKEND, &admin, &body).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(saved.json["version"], 1);
    assert_eq!(saved.json["config"]["authMode"], "approle");
    assert_eq!(saved.json["secretsSet"], json!(["secretId"]));
    assert_eq!(saved.headers["etag"], "\"1\"");
    assert!(!saved.text.contains(&secret_id));

    let read = service.get(BACKEND, &admin).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json, saved.json);

    let credential = service.get(DISPATCH, &dispatch).await;
    assert_eq!(credential.status, StatusCode::OK, "{}", credential.text);
    assert_eq!(credential.json["orgId"], "org_a");
    assert_eq!(credential.json["kind"], "anthropic-api-key");
    assert_eq!(credential.json["value"], "sk-ant-VALUE-CANARY-1");
    assert_eq!(credential.json["version"], 1);
    assert!(
        credential.json["resolvedAt"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert!(
        credential.json["refreshAt"].as_str().unwrap()
            > credential.json["resolvedAt"].as_str().unwrap()
    );

    // Change only the mount, keeping the stored secretId: the form never sends it back.
    dev.enable_kv2("kv");
    let mut change: serde_json::Value = serde_json::from_str(&body).unwrap();
    change["config"]["mount"] = "kv".into();
    change["config"].as_object_mut().unwrap().remove("secretId");
    change["keep"] = json!(["secretId"]);
    let changed = service
        .call(
            Method::POST,
            BACKEND,
            Some(&admin),
            &[("if-match", "\"1\"")],
            &change.to_string(),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.json["version"], 2);
    assert_eq!(changed.json["config"]["mount"], "kv");
    // The live client took the change at once: the secret is not under `kv` yet.
    let gone = service.get(DISPATCH, &dispatch).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);
    assert_eq!(gone.json["error"]["reason"], "missing");
    dev.kv_put(
        "kv",
        "org_a/anthropic-api-key",
        json!({ "value": "sk-ant-VALUE-CANARY-2" }),
    );
    let moved = service.get(DISPATCH, &dispatch).await;
    assert_eq!(
        moved.json["value"], "sk-ant-VALUE-CANARY-2",
        "{}",
        moved.text
    );

    let audit = service.get(&format!("{BACKEND}/audit"), &admin).await;
    let entries = audit.json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["action"], "update");
    assert_eq!(
        entries[0]["changes"],
        json!([{"field": "mount", "from": "secret", "to": "kv"}])
    );
    assert_eq!(entries[1]["action"], "create");
    let one = service
        .get(&format!("{BACKEND}/audit?limit=1"), &admin)
        .await;
    assert_eq!(one.json["entries"].as_array().unwrap().len(), 1);
    for bad in ["0", "1001", "x"] {
        let answer = service
            .get(&format!("{BACKEND}/audit?limit={bad}"), &admin)
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "limit={bad}");
    }
    assert!(!audit.text.contains(&secret_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_configs_list_every_problem_and_store_nothing() {
    let service = Running::start().await;
    let admin = service.key("org_a", Scope::Admin).await;
    let body = json!({
        "providerType": "vault",
        "config": { "addr": "ftp://vault", "mount": "", "authMode": "approle", "jwtPath": "/etc/shadow" }
    });
    let answer = service.post(BACKEND, &admin, &body.to_string()).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(answer.json["error"]["reason"], "invalid_config");
    let fields: Vec<&str> = answer.json["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    for field in ["addr", "mount", "roleId"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    assert_eq!(
        service.get(BACKEND, &admin).await.status,
        StatusCode::NOT_FOUND
    );

    let kubernetes = json!({
        "providerType": "vault",
        "config": { "addr": "https://vault.example.com", "mount": "secret", "authMode": "kubernetes",
                    "role": "r", "jwtPath": "/etc/vaultcred/platform.key" }
    });
    let answer = service.post(BACKEND, &admin, &kubernetes.to_string()).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.json["error"]["problems"][0]["field"], "jwtPath");

    let huge = format!(
        "{{\"providerType\":\"vault\",\"config\":{{\"addr\":\"{}\"}}}}",
        "a".repeat(70_000)
    );
    let answer = service.post(BACKEND, &admin, &huge).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.json["error"]["reason"], "body_too_large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn if_match_guards_against_a_concurrent_change() {
    let dev = vault("org_a", "v");
    let service = Running::start().await;
    let admin = service.key("org_a", Scope::Admin).await;
    let (body, _) = approle_body(&dev, "org_a", "secret");
    let stale = service
        .call(
            Method::POST,
            BACKEND,
            Some(&admin),
            &[("if-match", "\"1\"")],
            &body,
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::CONFLICT,
        "nothing stored yet: {}",
        stale.text
    );
    service.save(&admin, &body).await;
    assert_eq!(
        service.post(BACKEND, &admin, &body).await.json["version"],
        2
    );
    let stale = service
        .call(
            Method::POST,
            BACKEND,
            Some(&admin),
            &[("if-match", "\"1\"")],
            &body,
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.json["error"]["reason"], "conflict");
    let delete = service
        .call(
            Method::DELETE,
            BACKEND,
            Some(&admin),
            &[("if-match", "1")],
            "",
        )
        .await;
    assert_eq!(delete.status, StatusCode::CONFLICT);
    assert_eq!(service.get(BACKEND, &admin).await.json["version"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_unregisters_the_org() {
    let dev = vault("org_a", "v-a");
    let service = Running::start().await;
    let admin = service.key("org_a", Scope::Admin).await;
    let dispatch = service.key("org_a", Scope::Dispatch).await;
    let (body, _) = approle_body(&dev, "org_a", "secret");
    service.save(&admin, &body).await;
    assert_eq!(
        service.get(DISPATCH, &dispatch).await.status,
        StatusCode::OK
    );

    let deleted = service
        .call(Method::DELETE, BACKEND, Some(&admin), &[], "")
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let after = service.get(DISPATCH, &dispatch).await;
    assert_eq!(after.status, StatusCode::NOT_FOUND);
    assert_eq!(after.json["error"]["reason"], "not_configured");
    assert_eq!(
        service.get(BACKEND, &admin).await.status,
        StatusCode::NOT_FOUND
    );
    let again = service
        .call(Method::DELETE, BACKEND, Some(&admin), &[], "")
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let audit = service.get(&format!("{BACKEND}/audit"), &admin).await;
    assert_eq!(audit.json["entries"][0]["action"], "delete");

    // Saved again, the config does not start over at version 1: an If-Match from before the
    // delete cannot match it.
    let again = service.post(BACKEND, &admin, &body).await;
    assert_eq!(again.json["version"], 2, "{}", again.text);
    let stale = service
        .call(
            Method::POST,
            BACKEND,
            Some(&admin),
            &[("if-match", "1")],
            &body,
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_service_registers_orgs_on_first_use() {
    let dev = vault("org_a", "v-lazy");
    let service = Running::start().await;
    let admin = service.key("org_a", Scope::Admin).await;
    let dispatch = service.key("org_a", Scope::Dispatch).await;
    let (body, _) = approle_body(&dev, "org_a", "secret");
    service.save(&admin, &body).await;
    let dir = service.stop().await;

    let again = Running::start_in(dir).await;
    assert_eq!(again.get("/readyz", &dispatch).await.status, StatusCode::OK);
    let credential = again.get(DISPATCH, &dispatch).await;
    assert_eq!(credential.status, StatusCode::OK, "{}", credential.text);
    assert_eq!(credential.json["value"], "v-lazy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rekey_reseals_every_row_and_a_service_with_both_keys_serves_throughout() {
    use vaultcred_server::{Keyring, PlatformKey, rekey};
    const NEW: &str = "HxwdHh8QERITFBUWFxgZGhscHR4fAAECAwQFBgcICQo=";
    let dev = vault("org_a", "v-rekey");
    let service = Running::start().await;
    let admin = service.key("org_a", Scope::Admin).await;
    let dispatch = service.key("org_a", Scope::Dispatch).await;
    let (body, _) = approle_body(&dev, "org_a", "secret");
    service.save(&admin, &body).await;
    let before = service.db.load_row("org_a").await.unwrap().unwrap();

    let old = || PlatformKey::from_base64(common::KEY).unwrap();
    let new = || PlatformKey::from_base64(NEW).unwrap();
    // Without the old key, nothing opens and nothing changes.
    let err = rekey(&service.db, &Keyring::new(new())).await.unwrap_err();
    assert!(err.to_string().contains("org_a"), "{err}");
    assert_eq!(service.db.load_row("org_a").await.unwrap().unwrap(), before);

    let keys = Keyring::new(new()).with_old(old());
    let report = rekey(&service.db, &keys).await.unwrap();
    assert_eq!((report.resealed, report.already), (1, 0));
    let after = service.db.load_row("org_a").await.unwrap().unwrap();
    assert_eq!(after.version, before.version);
    assert_ne!(after.key_id, before.key_id);
    assert_eq!(after.key_id, keys.current_id());
    assert_eq!(rekey(&service.db, &keys).await.unwrap().already, 1);
    // The row opens with the new key only, still bound to its org.
    assert!(
        Keyring::new(new())
            .open("org_a", &after.envelope, &after.key_id)
            .is_ok()
    );
    assert!(
        Keyring::new(old())
            .open("org_a", &after.envelope, &after.key_id)
            .is_err()
    );
    assert!(
        Keyring::new(new())
            .open("org_b", &after.envelope, &after.key_id)
            .is_err()
    );
    // The running service (old key only) keeps serving what it registered.
    assert_eq!(
        service.get(DISPATCH, &dispatch).await.json["value"],
        "v-rekey"
    );
}
