//! `GET /metrics`: what the service did, counted — never by org, kind or secret.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{LAYER_HOOK, Running, approle_body, vault};
use http::StatusCode;
use tracing_subscriber::prelude::*;
use vaultcred_server::{Scope, Service};

fn install(service: &Service) {
    let subscriber = tracing_subscriber::registry().with(service.tracing_layer());
    tracing::subscriber::set_global_default(subscriber).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_resolves_hits_and_vault_calls() {
    LAYER_HOOK.set(install).unwrap();
    let dev = vault("org_secretive", "sk-METRICS-CANARY");
    let service = Running::start().await;
    let admin = service.key("org_secretive", Scope::Admin).await;
    let dispatch = service.key("org_secretive", Scope::Dispatch).await;
    let (body, secret_id) = approle_body(&dev, "org_secretive", "secret");
    service.save(&admin, &body).await;
    let path = "/api/org/credentials/anthropic-api-key";
    for _ in 0..2 {
        assert_eq!(service.get(path, &dispatch).await.status, StatusCode::OK);
    }
    assert_eq!(
        service
            .get("/api/org/credentials/absent-kind", &dispatch)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let health = service
        .post("/api/org/credential-backend/vault/health", &admin, "")
        .await;
    assert_eq!(health.json["ok"], true);
    let page = service
        .call(
            http::Method::GET,
            "/settings/security/credential-backend",
            None,
            &[],
            "",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let wrong_method = service
        .call(http::Method::PUT, "/healthz", None, &[], "")
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);

    let metrics = service
        .call(http::Method::GET, "/metrics", None, &[], "")
        .await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = metrics.text;
    for line in [
        r#"vaultcred_resolves_total{result="ok"} 2"#,
        r#"vaultcred_resolves_total{result="missing"} 1"#,
        "vaultcred_cache_hits_total 1",
        r#"vaultcred_health_checks_total{result="ok"} 1"#,
        r#"vaultcred_vault_calls_total{call="login",outcome="answered"} 1"#,
        r#"vaultcred_http_requests_total{route="/api/org/credentials/{kind}",method="GET",status="200"} 2"#,
        r#"vaultcred_http_requests_total{route="/api/org/credential-backend",method="POST",status="200"} 1"#,
        r#"vaultcred_http_requests_total{route="/api/org/credentials/{kind}",method="GET",status="404"} 1"#,
        r#"vaultcred_http_requests_total{route="page",method="GET",status="200"} 1"#,
        r#"vaultcred_http_requests_total{route="/healthz",method="other",status="405"} 1"#,
        r#"vaultcred_http_request_duration_seconds_count{route="/api/org/credentials/{kind}"} 3"#,
        "vaultcred_orgs_registered 1",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    // A series appears once it has counted something: no route or method never asked.
    assert!(!text.contains(r#"route="/readyz""#), "{text}");
    assert!(!text.contains(r#"method="DELETE""#), "{text}");
    for secret in [
        "org_secretive",
        "anthropic-api-key",
        "absent-kind",
        "sk-METRICS-CANARY",
        secret_id.as_str(),
        admin.as_str(),
    ] {
        assert!(!text.contains(secret), "{secret} in the metrics");
    }
}
