//! # vaultcred-server
//!
//! The credential backend service of the spec, as a library and behind `vaultcred serve`: an
//! org admin stores the org's Vault config over HTTP (`POST /api/org/credential-backend`), it
//! is sealed into a row of a real database (SQLite embedded, or PostgreSQL), registered at once,
//! and the platform's dispatch reads the org's credentials (`GET /api/org/credentials/{kind}`)
//! through one async vaultcred client with its cache.
//!
//! | method, path | key scope | answer |
//! |---|---|---|
//! | `POST /api/org/credential-backend` `{"providerType":"vault","config":{…},"keep":[…]}` | admin | the config, redacted, and its `version`; 400 `invalid_config` with every problem; 409 on an `If-Match` conflict |
//! | `GET /api/org/credential-backend` | admin | the redacted config and version, or 404 `not_configured` |
//! | `DELETE /api/org/credential-backend` | admin | 204; unregisters the org (revoking its login token) |
//! | `GET /api/org/credential-backend/audit` | admin | `{"entries":[…]}`: who changed what, when (secrets only as "set"/"changed"/"removed") |
//! | `GET /api/org/credential-backend/options` | admin | `{"orgId","allowedJwtPaths","defaultJwtPath","defaultPathTemplate","secretFields"}`: what the Settings page's form needs (nothing secret) |
//! | `POST /api/org/credential-backend/vault/health`, optional candidate body | admin | `{"ok":true,"latencyMs":N}` or `{"ok":false,"error","reason"}`; 429 with `Retry-After` past 20 a minute |
//! | `GET /api/org/credentials/{kind}` | dispatch | `{"orgId","kind","value"\|"multiField","resolvedAt","refreshAt","version"}`; 404 `missing`/`not_configured`, 504 `timeout`, 502 other upstream reasons |
//! | `GET /api/org/credentials/events` | dispatch | Server-Sent Events: `rotated` `{"orgId","kind","oldVersion","newVersion"}` (never a value), `config-changed` `{"orgId","version"}`; `Last-Event-ID` resumes within the last 1,024 events, else `resync` |
//! | `GET /healthz`, `GET /readyz`, `GET /metrics`, `GET /api/openapi.json` | none | liveness; readiness (the database answers); Prometheus metrics (requests and latency by route, resolves by result, cache hits, Vault calls by kind, health checks, rotations, orgs registered; never labelled by org or secret); the OpenAPI 3.1 document of this API |
//! | `GET /settings/security/credential-backend` (`/` redirects there) | none (the page signs in with an admin key) | the Settings page |
//!
//! The org always comes from the API key (`Authorization: Bearer rsk_live_…`), never from the
//! body or the path. No token, secretId or value is written to the database in clear, and none
//! is in any answer but dispatch's.
//!
//! ## The Settings page
//!
//! [`SETTINGS_PAGE`] is the spec's "Settings → Security → Credential Backend": an org admin
//! pastes an admin key, fills in the Vault config, presses "Test Connection" and "Save", reads
//! the audit trail and the saved config's health, or removes the config. It is one HTML file,
//! one style sheet and one script of plain JavaScript (no framework, no bundler, no npm package
//! at run time), embedded in the binary with `include_bytes!`:
//!
//! - **small**: a form over six endpoints needs no component model; the script is a few hundred
//!   lines that read as what the page does;
//! - **nothing to build**: `cargo build` is the whole build, the files served are the files in
//!   `assets/`, and the page works offline (no CDN, no download at run time);
//! - **CSP-friendly**: every answer carries [`CONTENT_SECURITY_POLICY`] (`script-src 'self'`, no
//!   inline script or style, `form-action 'none'`, `connect-src 'self'`), which a bundle with
//!   injected styles or `eval` would fight; the script builds the DOM with `textContent`, never
//!   from HTML strings;
//! - **testable**: the end-to-end tests (`adapters/server/e2e/`, Debian's Chromium driven by
//!   `playwright-core`) use the page as a person does, by labels, roles and the keyboard.
//!
//! The admin key is kept in the tab's `sessionStorage` only and sent as `Authorization: Bearer`;
//! secret fields are never filled from the service (it never returns them): an empty secret
//! field is sent as `keep`, a typed one replaces the stored value.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use vaultcred_server::{Db, Keyring, PlatformKey, Scope, Service, Settings};
//!
//! let db = Db::connect("sqlite:/var/lib/vaultcred/vaultcred.db").await?;
//! let key = PlatformKey::from_base64(&std::fs::read_to_string("/etc/vaultcred/platform.key")?)?;
//! let (_, admin_key) = db.create_key("org_abc123", Scope::Admin, "settings page").await?;
//! println!("admin key (shown once): {}", *admin_key);
//!
//! let service = Service::new(db, Keyring::new(key), Settings::default())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! service.serve(listener, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

pub mod api;
mod audit;
mod bus;
mod calls;
pub mod config_body;
mod db;
pub mod events;
mod keys;
mod live;
mod logins;
mod metrics;
mod page;
mod rekey;
mod replicas;
mod rows;
mod sealing;
mod service;

pub use api::auth::AUTH_CACHE_TTL;
pub use api::backend::MAX_BODY_BYTES;
pub use api::health::{HEALTH_CHECKS_PER_WINDOW, WINDOW as HEALTH_WINDOW};
pub use api::openapi::DOCUMENT as OPENAPI;
pub use audit::AuditEntry;
pub use calls::VaultCallLayer;
pub use db::{Backend, Db, DbError};
pub use keys::{Caller, KEY_PREFIX, KeyError, KeyInfo, Scope};
pub use live::LiveError;
pub use page::{CONTENT_SECURITY_POLICY, SETTINGS_PAGE};
pub use rekey::{RekeyError, RekeyReport, rekey};
pub use rows::{Change, Row, WriteError};
pub use sealing::{Keyring, NoRandomness, OpenError, PlatformKey};
pub use service::{Service, Settings};

/// Lower-case hex of `bytes` (key ids, digests, ETags, the replica id).
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, b| {
            let _ = write!(text, "{b:02x}");
            text
        })
}

/// Milliseconds since the Unix epoch, by the host's clock.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_two_lower_case_digits_per_byte() {
        assert_eq!(super::hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(super::hex(&[]), "");
    }
}
