//! `POST /api/org/credential-backend/vault/health`: a real test resolve of the saved config, or
//! of a candidate config in the body (the Settings page's "Test Connection") in a scratch
//! client that is dropped afterwards, never touching the live one. Rate-limited per org.

use super::State;
use super::auth::Admin;
use super::backend::body_error;
use super::error::ApiError;
use crate::config_body::candidate;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State as With;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

/// Health checks allowed per org in each [`WINDOW`].
pub const HEALTH_CHECKS_PER_WINDOW: u32 = 20;

/// The rate limit's window.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Per-org fixed windows of health checks.
#[derive(Default)]
pub(crate) struct Limiter(Mutex<HashMap<String, (Instant, u32)>>);

impl Limiter {
    /// Counts one check of `org_id`; `Err(seconds)` to wait when over the limit.
    pub(crate) fn admit(&self, org_id: &str, now: Instant) -> Result<(), u64> {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let slot = map.entry(org_id.to_owned()).or_insert((now, 0));
        if now.duration_since(slot.0) >= WINDOW {
            *slot = (now, 0);
        }
        if slot.1 >= HEALTH_CHECKS_PER_WINDOW {
            let wait = WINDOW.saturating_sub(now.duration_since(slot.0));
            return Err(wait.as_secs().max(1));
        }
        slot.1 += 1;
        Ok(())
    }
}

/// The health check: `{"ok":true,"latencyMs":N,…}` or `{"ok":false,"error","reason",…}`.
pub(crate) async fn check(
    With(state): With<Arc<State>>,
    Admin(caller): Admin,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = body.map_err(|e| body_error(&e))?;
    let org = caller.org_id.as_str();
    state
        .limiter
        .admit(org, Instant::now())
        .map_err(ApiError::rate_limited)?;
    let stored = state
        .live
        .load(org)
        .await
        .map_err(|e| ApiError::internal("reading the stored config", &e))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        // The saved config, through the live client (its token, its cache).
        if stored.is_none() {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_configured",
                "this org has no credential backend configured; send a candidate config to test one",
            ));
        }
        state
            .live
            .ensure(org)
            .await
            .map_err(|e| ApiError::internal("registering the config", &e))?;
        let report = state.live.client.health(org).await;
        count(&state, &report);
        return Ok(Json(report.to_json()));
    }
    let config = candidate(
        &body,
        stored.as_ref().map(|(_, c)| c),
        &state.live.options,
        &state.live.addresses,
    )
    .map_err(ApiError::invalid_config)?;
    let scratch = (state.make_client)()
        .map_err(|e| ApiError::internal("building a client for the test", &e))?;
    scratch
        .register(org, config)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_config", e.to_string()))?;
    let report = scratch.health(org).await;
    scratch.shutdown();
    count(&state, &report);
    Ok(Json(report.to_json()))
}

fn count(state: &State, report: &vaultcred_core::HealthReport) {
    let result = match &report.error {
        None => "ok",
        Some(e) => e.reason.as_str(),
    };
    let outcome = crate::metrics::Outcome { result };
    state.metrics.health_checks.get_or_create(&outcome).inc();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_per_org_and_per_window() {
        let limiter = Limiter::default();
        let t0 = Instant::now();
        for _ in 0..HEALTH_CHECKS_PER_WINDOW {
            assert_eq!(limiter.admit("org_a", t0), Ok(()));
        }
        assert_eq!(
            limiter.admit("org_a", t0 + Duration::from_secs(15)),
            Err(45)
        );
        assert_eq!(limiter.admit("org_b", t0), Ok(()));
        assert_eq!(limiter.admit("org_a", t0 + WINDOW), Ok(()));
    }
}
