//! Who may do what, Test Connection, and where secrets never go: a real service on a SQLite
//! file, DevVault as Vault, real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Running, approle_body, vault};
use http::{Method, StatusCode};
use serde_json::json;
use vaultcred_server::Scope;

const BACKEND: &str = "/api/org/credential-backend";
const HEALTH: &str = "/api/org/credential-backend/vault/health";
const DISPATCH: &str = "/api/org/credentials/anthropic-api-key";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_decide_the_org_and_what_it_may_do() {
    let dev = vault("org_a", "v-a");
    let service = Running::start().await;
    let admin_a = service.key("org_a", Scope::Admin).await;
    let dispatch_a = service.key("org_a", Scope::Dispatch).await;
    let dispatch_b = service.key("org_b", Scope::Dispatch).await;
    let (body, _) = approle_body(&dev, "org_a", "secret");
    service.save(&admin_a, &body).await;

    // No key, a made-up key, a malformed key: the same 401.
    let none = service.call(Method::GET, DISPATCH, None, &[], "").await;
    let fake = format!("rsk_live_0123456789ab_{}", "A".repeat(43));
    let unknown = service.get(DISPATCH, &fake).await;
    let junk = service.get(DISPATCH, "junk").await;
    for answer in [&none, &unknown, &junk] {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.headers["www-authenticate"], "Bearer");
        assert_eq!(answer.json, none.json);
    }
    // Scopes.
    assert_eq!(
        service.get(BACKEND, &dispatch_a).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        service.get(DISPATCH, &admin_a).await.status,
        StatusCode::FORBIDDEN
    );
    // Org b's key reads org b (not configured), never org a.
    let other = service.get(DISPATCH, &dispatch_b).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(other.json["error"]["reason"], "not_configured");
    // A revoked key (never used, so not remembered) is refused at once.
    let (info, revoked) = service
        .db
        .create_key("org_a", Scope::Dispatch, "old")
        .await
        .unwrap();
    assert!(service.db.revoke_key(&info.id).await.unwrap());
    assert_eq!(
        service.get(DISPATCH, &revoked).await.status,
        StatusCode::UNAUTHORIZED
    );
    let listed = service.db.list_keys(Some("org_a")).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(
        listed
            .iter()
            .any(|k| k.id == info.id && k.revoked_at.is_some())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_tests_the_saved_config_or_a_candidate_without_touching_the_live_one() {
    let dev = vault("org_a", "v-a");
    let service = Running::start().await;
    let admin = service.key("org_a", Scope::Admin).await;
    let not_yet = service.post(HEALTH, &admin, "").await;
    assert_eq!(not_yet.status, StatusCode::NOT_FOUND);

    let (body, _) = approle_body(&dev, "org_a", "secret");
    // A candidate before anything is saved: "Test Connection".
    let candidate = service.post(HEALTH, &admin, &body).await;
    assert_eq!(candidate.status, StatusCode::OK, "{}", candidate.text);
    assert_eq!(candidate.json["ok"], true, "{}", candidate.text);
    assert!(candidate.json["latencyMs"].is_u64());
    assert_eq!(
        service.get(BACKEND, &admin).await.status,
        StatusCode::NOT_FOUND
    );

    service.save(&admin, &body).await;
    let saved = service.post(HEALTH, &admin, "").await;
    assert_eq!(saved.json["ok"], true, "{}", saved.text);

    // A candidate with a wrong mount, its secretId kept from the saved config.
    let mut wrong: serde_json::Value = serde_json::from_str(&body).unwrap();
    wrong["config"]["mount"] = "nope".into();
    wrong["config"].as_object_mut().unwrap().remove("secretId");
    wrong["keep"] = json!(["secretId"]);
    let failed = service.post(HEALTH, &admin, &wrong.to_string()).await;
    assert_eq!(failed.status, StatusCode::OK);
    assert_eq!(failed.json["ok"], false, "{}", failed.text);
    assert_eq!(failed.json["reason"], "mount_not_found", "{}", failed.text);
    // The live config is untouched.
    assert_eq!(
        service.get(BACKEND, &admin).await.json["config"]["mount"],
        "secret"
    );
    assert_eq!(service.post(HEALTH, &admin, "").await.json["ok"], true);

    // Rate limit: 20 a minute per org (4 used above).
    let mut last = None;
    for _ in 0..20 {
        last = Some(service.post(HEALTH, &admin, "").await);
    }
    let limited = last.unwrap();
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.json["error"]["reason"], "rate_limited");
    let wait: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    let other_org = service.key("org_b", Scope::Admin).await;
    assert_eq!(
        service.post(HEALTH, &other_org, "").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_database_file_or_an_admin_answer() {
    let dev = vault("org_a", "sk-ant-VALUE-CANARY-3");
    let service = Running::start().await;
    let admin = service.key("org_a", Scope::Admin).await;
    let dispatch = service.key("org_a", Scope::Dispatch).await;
    let (body, secret_id) = approle_body(&dev, "org_a", "secret");
    let token = dev.create_token(&["org_a-read"], None);
    let token_body = json!({
        "providerType": "vault",
        "config": { "addr": dev.url(), "mount": "secret", "authMode": "token", "token": token }
    });
    let mut admin_answers = Vec::new();
    admin_answers.push(service.post(BACKEND, &admin, &body).await.text);
    admin_answers.push(service.post(HEALTH, &admin, "").await.text);
    admin_answers.push(
        service
            .post(BACKEND, &admin, &token_body.to_string())
            .await
            .text,
    );
    admin_answers.push(service.get(BACKEND, &admin).await.text);
    admin_answers.push(service.get(&format!("{BACKEND}/audit"), &admin).await.text);
    admin_answers.push(service.post(HEALTH, &admin, &body).await.text);
    assert_eq!(
        service.get(DISPATCH, &dispatch).await.json["value"],
        "sk-ant-VALUE-CANARY-3"
    );
    let dir = service.stop().await;

    let canaries = [
        secret_id.as_str(),
        token.as_str(),
        "sk-ant-VALUE-CANARY-3",
        &admin,
        &dispatch,
    ];
    for answer in &admin_answers {
        for canary in &canaries[..3] {
            assert!(!answer.contains(canary), "{canary} in {answer}");
        }
    }
    let mut files = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for canary in canaries {
            assert!(!text.contains(canary), "{canary} in the database files");
        }
        files += 1;
    }
    assert!(files >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_a_config_cannot_reach_loopback_or_the_metadata_address() {
    let dev = vault("org_a", "v-a");
    let dir = tempfile::tempdir().unwrap();
    let service = Running::start_with(dir, vaultcred_server::Settings::default()).await;
    let admin = service.key("org_a", Scope::Admin).await;
    let dispatch = service.key("org_a", Scope::Dispatch).await;

    // An IP literal the policy refuses is a problem on addr, at save time.
    let metadata = json!({"providerType": "vault", "config": {
        "addr": "http://169.254.169.254", "mount": "secret", "authMode": "token", "token": "hvs.X"}});
    let refused = service.post(BACKEND, &admin, &metadata.to_string()).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.json["error"]["problems"][0]["field"], "addr",
        "{}",
        refused.text
    );
    assert!(refused.text.contains("link-local"), "{}", refused.text);

    // A host name is judged on what it resolves to, when the client connects: nothing reaches
    // DevVault, and the reason says why.
    let (body, _) = approle_body(&dev, "org_a", "secret");
    let by_name = body.replace("127.0.0.1", "localhost");
    let tested = service.post(HEALTH, &admin, &by_name).await;
    assert_eq!(tested.json["ok"], false, "{}", tested.text);
    assert_eq!(
        tested.json["reason"], "address_not_allowed",
        "{}",
        tested.text
    );
    service.save(&admin, &by_name).await;
    let answer = service.get(DISPATCH, &dispatch).await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{}", answer.text);
    assert_eq!(answer.json["error"]["reason"], "address_not_allowed");
    assert!(
        dev.requests().is_empty(),
        "DevVault was reached: {:?}",
        dev.requests().len()
    );
}
