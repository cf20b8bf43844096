//! The HTTP API (axum): routes, shared state, and the probes; the Settings page's routes are
//! merged in (`crate::page`).

pub(crate) mod auth;
pub(crate) mod backend;
pub mod dispatch;
pub mod error;
pub(crate) mod events;
pub(crate) mod health;
pub(crate) mod openapi;
pub(crate) mod options;
mod track;

use crate::db::Db;
use crate::live::Live;
use crate::sealing::Keyring;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State as With};
use axum::http::StatusCode;
use axum::routing::{MethodRouter, get, post};
use std::sync::Arc;
use vaultcred_hyper::{BuildError, Client};

/// What every handler shares.
pub(crate) struct State {
    pub(crate) db: Db,
    pub(crate) keys: Arc<Keyring>,
    pub(crate) live: Live,
    pub(crate) auth: auth::AuthCache,
    pub(crate) limiter: health::Limiter,
    pub(crate) bus: Arc<crate::bus::Bus>,
    /// Notified when the service stops (ends the replica listener).
    pub(crate) stop: Arc<tokio::sync::Notify>,
    pub(crate) metrics: Arc<crate::metrics::Metrics>,
    /// Builds a client configured like the live one (for a candidate's health check).
    pub(crate) make_client: Box<dyn Fn() -> Result<Client, BuildError> + Send + Sync>,
    /// The replicas' shared logins (PostgreSQL only).
    pub(crate) logins: Option<Arc<crate::logins::SharedLogins>>,
}

/// A service's state going away stops its replica listener (which holds it only weakly).
impl Drop for State {
    fn drop(&mut self) {
        self.stop.notify_one();
    }
}

const BACKEND: &str = "/api/org/credential-backend";
const AUDIT: &str = "/api/org/credential-backend/audit";
const OPTIONS: &str = "/api/org/credential-backend/options";
const HEALTH: &str = "/api/org/credential-backend/vault/health";
const EVENTS: &str = "/api/org/credentials/events";
const DISPATCH: &str = "/api/org/credentials/{kind}";
const HEALTHZ: &str = "/healthz";
const READYZ: &str = "/readyz";
const METRICS: &str = "/metrics";
const OPENAPI: &str = "/api/openapi.json";

/// Every route of the API: its path and what answers each method there. `/api/openapi.json`
/// documents exactly these paths (a test checks it), and each path is its requests' `route`
/// label in the metrics (the Settings page's routes are labelled `page`).
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<Arc<State>>)> {
    vec![
        (
            BACKEND,
            post(backend::save)
                .get(backend::read)
                .delete(backend::remove),
        ),
        (AUDIT, get(backend::audit)),
        (OPTIONS, get(options::read)),
        (HEALTH, post(health::check)),
        (EVENTS, get(events::stream)),
        (DISPATCH, get(dispatch::resolve)),
        (HEALTHZ, get(healthz)),
        (READYZ, get(readyz)),
        (METRICS, get(metrics)),
        (OPENAPI, get(openapi::document)),
    ]
}

/// The routes of the API and of the Settings page.
pub(crate) fn router(state: Arc<State>) -> Router {
    let metrics = &state.metrics;
    routes()
        .into_iter()
        .fold(Router::new(), |router, (path, methods)| {
            router.route(path, methods.layer(track::Track::new(metrics, path)))
        })
        .merge(crate::page::routes().route_layer(track::Track::new(metrics, "page")))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(backend::MAX_BODY_BYTES))
        .with_state(state)
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: the database answers.
async fn readyz(With(state): With<Arc<State>>) -> Result<&'static str, error::ApiError> {
    state.db.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "not ready: database");
        error::ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "the database does not answer",
        )
    })?;
    Ok("ready\n")
}

/// The OpenMetrics exposition.
async fn metrics(With(state): With<Arc<State>>) -> impl axum::response::IntoResponse {
    let registered = i64::try_from(state.live.len()).unwrap_or(i64::MAX);
    state.metrics.orgs_registered.set(registered);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
}

async fn not_found() -> error::ApiError {
    error::ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}
