//! The HTTP API (axum): routes, shared state, and the probes; the Settings page's routes are
//! merged in (`crate::page`).

pub(crate) mod auth;
pub(crate) mod backend;
pub mod dispatch;
pub mod error;
pub(crate) mod health;
pub(crate) mod options;

use crate::db::Db;
use crate::live::Live;
use crate::sealing::Keyring;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State as With};
use axum::http::StatusCode;
use axum::routing::{get, post};
use std::sync::Arc;
use vaultcred_hyper::{BuildError, Client};

/// What every handler shares.
pub(crate) struct State {
    pub(crate) db: Db,
    pub(crate) keys: Arc<Keyring>,
    pub(crate) live: Live,
    pub(crate) auth: auth::AuthCache,
    pub(crate) limiter: health::Limiter,
    /// Builds a client configured like the live one (for a candidate's health check).
    pub(crate) make_client: Box<dyn Fn() -> Result<Client, BuildError> + Send + Sync>,
}

/// The routes of the API.
pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new()
        .route(
            "/api/org/credential-backend",
            post(backend::save)
                .get(backend::read)
                .delete(backend::remove),
        )
        .route("/api/org/credential-backend/audit", get(backend::audit))
        .route("/api/org/credential-backend/options", get(options::read))
        .route(
            "/api/org/credential-backend/vault/health",
            post(health::check),
        )
        .route("/api/org/credentials/{kind}", get(dispatch::resolve))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(crate::page::routes())
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

async fn not_found() -> error::ApiError {
    error::ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}
