//! A running service on SQLite and DevVault, and a small HTTP client for its API.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::oneshot;
use vaultcred_devvault::DevVault;
use vaultcred_server::{Db, Keyring, PlatformKey, Scope, Service, Settings};

pub mod pg;

/// Called with each service a test binary starts (e.g. to install its tracing layer).
pub static LAYER_HOOK: std::sync::OnceLock<fn(&Service)> = std::sync::OnceLock::new();

pub const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// One answer: status, headers, body as JSON (`Null` when empty or not JSON) and as text.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub text: String,
}

/// A service listening on loopback, over a SQLite file in a temporary directory.
pub struct Running {
    pub base: String,
    pub db: Db,
    pub db_path: PathBuf,
    pub dir: tempfile::TempDir,
    http: HttpClient<HttpConnector, Full<Bytes>>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// A service that may reach loopback (where DevVault listens).
    pub async fn start() -> Running {
        let dir = tempfile::tempdir().unwrap();
        Running::start_in(dir).await
    }

    /// A service over the database in `dir` (made by an earlier service, or new).
    pub async fn start_in(dir: tempfile::TempDir) -> Running {
        let settings = Settings {
            timeout: Duration::from_secs(5),
            ..Settings::default()
        };
        Running::start_with(dir, settings.allow_addr("127.0.0.0/8").unwrap()).await
    }

    /// A service with `settings` over the database in `dir`.
    pub async fn start_with(dir: tempfile::TempDir, settings: Settings) -> Running {
        let url = format!("sqlite:{}", dir.path().join("vaultcred.db").display());
        Running::start_on(&url, dir, settings).await
    }

    /// A service that may reach loopback, over the database at `url`.
    pub async fn start_url(url: &str) -> Running {
        let settings = Settings {
            timeout: Duration::from_secs(5),
            ..Settings::default()
        };
        let settings = settings.allow_addr("127.0.0.0/8").unwrap();
        Running::start_on(url, tempfile::tempdir().unwrap(), settings).await
    }

    /// A service with `settings` over the database at `url` (`dir`: its scratch directory).
    pub async fn start_on(url: &str, dir: tempfile::TempDir, settings: Settings) -> Running {
        let db_path = dir.path().join("vaultcred.db");
        let db = Db::connect(url).await.unwrap();
        let keys = Keyring::new(PlatformKey::from_base64(KEY).unwrap());
        let service = Service::new(db.clone(), keys, settings).unwrap();
        if let Some(install) = LAYER_HOOK.get() {
            install(&service);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(service.serve(listener, async {
            let _ = stopped.await;
        }));
        Running {
            base,
            db,
            db_path,
            dir,
            http: HttpClient::builder(TokioExecutor::new()).build_http(),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Saves `body` as the org's config with the admin key `admin`; it must answer 200.
    pub async fn save(&self, admin: &str, body: &str) -> Answer {
        let saved = self.post("/api/org/credential-backend", admin, body).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
        saved
    }

    /// Stops the service (draining) and gives back its directory.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.dir, dir)
    }

    pub async fn key(&self, org: &str, scope: Scope) -> String {
        let (_, key) = self.db.create_key(org, scope, "test").await.unwrap();
        key.to_string()
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if !body.is_empty() {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body.to_owned())))
            .unwrap();
        let response = self.http.request(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Answer {
            status: parts.status,
            headers: parts.headers,
            json: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    /// Subscribes to the org's events (`Last-Event-ID: last` if given).
    pub async fn events(&self, key: &str, last: Option<&str>) -> Events {
        let mut request = Request::builder()
            .uri(format!("{}/api/org/credentials/events", self.base))
            .header("authorization", format!("Bearer {key}"));
        if let Some(last) = last {
            request = request.header("last-event-id", last);
        }
        let response = self
            .http
            .request(request.body(Full::new(Bytes::new())).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Events {
            body: response.into_body(),
            buffer: String::new(),
        }
    }

    pub async fn get(&self, path: &str, key: &str) -> Answer {
        self.call(Method::GET, path, Some(key), &[], "").await
    }

    pub async fn post(&self, path: &str, key: &str, body: &str) -> Answer {
        self.call(Method::POST, path, Some(key), &[], body).await
    }
}

/// A DevVault with a value at `secret/{org}/anthropic-api-key` and a policy `{org}-read` that
/// reads the org's paths under the mounts `secret`, `kv` and `nope` (only `secret` exists at
/// first), so a wrong mount is reported as such, not as a denied read.
pub fn vault(org: &str, value: &str) -> DevVault {
    let dev = DevVault::start().unwrap();
    let policy = format!("{org}-read");
    let paths: Vec<String> = ["secret", "kv", "nope"]
        .iter()
        .flat_map(|m| [format!("{m}/data/{org}/*"), format!("{m}/metadata/{org}/*")])
        .collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    dev.put_policy(&policy, &paths);
    dev.kv_put(
        "secret",
        &format!("{org}/anthropic-api-key"),
        serde_json::json!({ "value": value }),
    );
    dev
}

/// An AppRole config body for `org` on `dev` (returns the body and the secretId).
pub fn approle_body(dev: &DevVault, org: &str, mount: &str) -> (String, String) {
    approle_body_ttl(dev, org, mount, Duration::from_secs(3600))
}

/// The same with login tokens of `ttl` (refreshAt = login + 0.8 × ttl).
pub fn approle_body_ttl(dev: &DevVault, org: &str, mount: &str, ttl: Duration) -> (String, String) {
    let creds = dev.create_approle(&format!("{org}-role"), &[&format!("{org}-read")], ttl);
    let body = serde_json::json!({
        "providerType": "vault",
        "config": {
            "addr": dev.url(),
            "mount": mount,
            "authMode": "approle",
            "roleId": creds.role_id,
            "secretId": creds.secret_id,
        }
    });
    (body.to_string(), creds.secret_id)
}

/// One Server-Sent Event: id, event name, data as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Sse {
    pub id: Option<String>,
    pub event: String,
    pub data: Value,
}

/// An open event stream.
pub struct Events {
    body: hyper::body::Incoming,
    buffer: String,
}

impl Events {
    /// The next event (keep-alive comments skipped), or `None` if none comes within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut sse = Sse {
                    id: None,
                    event: "message".into(),
                    data: Value::Null,
                };
                let mut any = false;
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        sse.id = Some(v.trim().to_owned());
                        any = true;
                    } else if let Some(v) = line.strip_prefix("event:") {
                        sse.event = v.trim().to_owned();
                        any = true;
                    } else if let Some(v) = line.strip_prefix("data:") {
                        sse.data = serde_json::from_str(v.trim()).unwrap();
                        any = true;
                    }
                }
                if any {
                    return Some(sse);
                }
                continue;
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame())
                .await
                .ok()??;
            if let Ok(data) = frame.unwrap().into_data() {
                self.buffer.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }
}
