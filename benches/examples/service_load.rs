//! The credential backend service under a load generator, and the limit it is compared with.
//!
//! ```sh
//! cargo run --release -p vaultcred-bench --example service_load -- 10000       # the service
//! cargo run --release -p vaultcred-bench --example service_load -- --limit     # the limit
//! wrk -t2 -c32 -d10s -H "authorization: Bearer $KEY" $URL
//! ```
//!
//! The service: DevVault, a temporary SQLite database with N configured orgs (token mode, sealed
//! rows), a dispatch key for `org_00000`; it prints the startup time (database open and migrate,
//! service built, listening) and the resident memory with N orgs configured, warms the cache
//! for `org_00000`, and prints the URL and key for `wrk`. The limit: a minimal hyper server
//! answering every request with a fixed body of the same size as the dispatch answer.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use bytes::Bytes;
use http_body_util::Full;
use std::convert::Infallible;
use std::time::{Duration, Instant};
use vaultcred_devvault::DevVault;
use vaultcred_server::{Db, Keyring, PlatformKey, Scope, Service, Settings};

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const KIND: &str = "anthropic-api-key";
/// The dispatch answer's shape, for the limit's fixed body.
const BODY: &str = r#"{"orgId":"org_00000","kind":"anthropic-api-key","value":"sk-ant-api03-LOAD-0000000000000000000000000001","resolvedAt":"2026-12-01T12:00:00.000Z","refreshAt":"2026-12-01T13:00:00.000Z","version":1}"#;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

async fn limit() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!(
        "URL=http://{}/api/org/credentials/{KIND}",
        listener.local_addr().unwrap()
    );
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(|_req| async {
                let mut response =
                    hyper::Response::new(Full::new(Bytes::from_static(BODY.as_bytes())));
                response
                    .headers_mut()
                    .insert("content-type", "application/json".parse().unwrap());
                Ok::<_, Infallible>(response)
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}

async fn service(orgs: usize) {
    let dev = DevVault::start().unwrap();
    dev.put_policy("read-all", &["secret/data/*"]);
    let token = dev.create_token(&["read-all"], None);
    dev.kv_put(
        "secret",
        &format!("org_00000/{KIND}"),
        serde_json::json!({"value": "sk-ant-api03-LOAD-0000000000000000000000000001"}),
    );
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("load.db").display());
    {
        let db = Db::connect(&url).await.unwrap();
        let keys = Keyring::new(PlatformKey::from_base64(KEY).unwrap());
        let started = Instant::now();
        for i in 0..orgs {
            let org = format!("org_{i:05}");
            let config = serde_json::json!({"addr": dev.url(), "mount": "secret", "authMode": "token", "token": token});
            let (envelope, key_id) = keys.seal(&org, config.to_string().as_bytes()).unwrap();
            let change = vaultcred_server::Change {
                action: "create",
                changes: "[]",
            };
            db.save_row(&org, &envelope, &key_id, "load", None, &change)
                .await
                .unwrap();
        }
        eprintln!(
            "wrote {orgs} sealed configs in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        db.close().await;
    }
    let rss_before = rss_kib();
    let started = Instant::now();
    let db = Db::connect(&url).await.unwrap();
    let (_, key) = db
        .create_key("org_00000", Scope::Dispatch, "load")
        .await
        .unwrap();
    let keys = Keyring::new(PlatformKey::from_base64(KEY).unwrap());
    let settings = Settings::default().allow_addr("127.0.0.1/32").unwrap();
    let service = Service::new(db, keys, settings).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let startup = started.elapsed();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(service.serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    }));
    tokio::time::sleep(Duration::from_millis(200)).await;
    println!(
        "startup with {orgs} orgs configured: {:.1} ms (open + migrate the database, build the service, listen); resident memory {} KiB (+{} KiB)",
        startup.as_secs_f64() * 1000.0,
        rss_kib(),
        rss_kib().saturating_sub(rss_before)
    );
    // Warm the cache of org_00000 with one request.
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let request = hyper::Request::get(format!("http://{addr}/api/org/credentials/{KIND}"))
        .header("authorization", format!("Bearer {}", *key))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let status = client.request(request).await.unwrap().status();
    assert_eq!(status, 200);
    println!("URL=http://{addr}/api/org/credentials/{KIND}");
    println!("KEY={}", *key);
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "10000".into());
    if arg == "--limit" {
        limit().await;
    } else {
        service(arg.parse().expect("a number of orgs, or --limit")).await;
    }
}
