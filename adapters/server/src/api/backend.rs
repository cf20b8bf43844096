//! `/api/org/credential-backend`: the org's Vault config — save (create or replace, with
//! `If-Match`), read (redacted), delete, and its audit trail.

use super::State;
use super::auth::Admin;
use super::error::ApiError;
use crate::config_body::{candidate, changes, redacted};
use crate::rows::{Change, WriteError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State as With};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;
use vaultcred_core::VaultConfig;
use zeroize::Zeroizing;

/// Largest request body accepted (64 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A body that could not be read: 413 past [`MAX_BODY_BYTES`], else 400.
pub(crate) fn body_error(rejection: &BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is over {MAX_BODY_BYTES} bytes"),
        )
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the body could not be read",
        )
    }
}

/// `If-Match: 3` or `If-Match: "3"`: the version the writer last saw.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "If-Match must be a config version, e.g. If-Match: \"3\"",
            )
        })
}

fn conflict(current: Option<i64>) -> ApiError {
    let now = current.map_or_else(|| "no config".to_owned(), |v| format!("version {v}"));
    ApiError::new(
        StatusCode::CONFLICT,
        "conflict",
        format!("the config changed meanwhile (now {now}); reload it and try again"),
    )
}

fn answer(status: StatusCode, version: i64, config: &VaultConfig) -> Response {
    let mut body = redacted(config);
    body["version"] = version.into();
    let mut response = (status, Json(body)).into_response();
    let headers = response.headers_mut();
    if let Ok(tag) = HeaderValue::from_str(&format!("\"{version}\"")) {
        headers.insert(header::ETAG, tag);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn stored(state: &State, org_id: &str) -> Result<Option<(i64, VaultConfig)>, ApiError> {
    state
        .live
        .load(org_id)
        .await
        .map_err(|e| ApiError::internal("reading the stored config", &e))
}

/// `POST`: validates, seals and stores the config, then registers it at once.
pub(crate) async fn save(
    With(state): With<Arc<State>>,
    Admin(caller): Admin,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| body_error(&e))?;
    let expected = if_match(&headers)?;
    let org = caller.org_id.as_str();
    let current = stored(&state, org).await?;
    if let Some(expected) = expected
        && current.as_ref().map(|(v, _)| *v) != Some(expected)
    {
        return Err(conflict(current.map(|(v, _)| v)));
    }
    let (current_version, current_config) = match current {
        Some((v, c)) => (Some(v), Some(c)),
        None => (None, None),
    };
    let config = candidate(
        &body,
        current_config.as_ref(),
        &state.live.options,
        &state.live.addresses,
    )
    .map_err(ApiError::invalid_config)?;
    let changed = changes(current_config.as_ref(), Some(&config)).to_string();
    let plain = Zeroizing::new(config.to_json(true).to_string());
    let (envelope, key_id) = state
        .keys
        .seal(org, plain.as_bytes())
        .map_err(|e| ApiError::internal("sealing the config", &e))?;
    let action = if current_version.is_some() {
        "update"
    } else {
        "create"
    };
    let change = Change {
        action,
        changes: &changed,
    };
    let version = state
        .db
        .save_row(
            org,
            &envelope,
            &key_id,
            &caller.key_id,
            current_version,
            &change,
        )
        .await
        .map_err(|e| match e {
            WriteError::Conflict { current } => conflict(current),
            WriteError::Sql(e) => ApiError::internal("storing the config", &e),
        })?;
    state
        .live
        .apply(org, version, config.clone())
        .map_err(|e| ApiError::internal("registering the config", &e))?;
    state.bus.config_changed(org, Some(version)).await;
    tracing::info!(org_id = org, version, action, actor = %caller.key_id, "credential backend saved");
    Ok(answer(StatusCode::OK, version, &config))
}

/// `GET`: the stored config, redacted, and its version.
pub(crate) async fn read(
    With(state): With<Arc<State>>,
    Admin(caller): Admin,
) -> Result<Response, ApiError> {
    match stored(&state, &caller.org_id).await? {
        Some((version, config)) => Ok(answer(StatusCode::OK, version, &config)),
        None => Err(not_configured()),
    }
}

fn not_configured() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_configured",
        "this org has no credential backend configured",
    )
}

/// `DELETE`: removes the config and unregisters the org (revoking its login token).
pub(crate) async fn remove(
    With(state): With<Arc<State>>,
    Admin(caller): Admin,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let expected = if_match(&headers)?;
    let org = caller.org_id.as_str();
    let current = stored(&state, org).await?;
    let Some((_, config)) = current else {
        return Err(not_configured());
    };
    let changed = changes(Some(&config), None).to_string();
    let change = Change {
        action: "delete",
        changes: &changed,
    };
    let deleted = state
        .db
        .delete_row(org, &caller.key_id, expected, &change)
        .await
        .map_err(|e| match e {
            WriteError::Conflict { current } => conflict(current),
            WriteError::Sql(e) => ApiError::internal("deleting the config", &e),
        })?;
    let Some(version) = deleted else {
        state.live.forget(org, None);
        return Err(not_configured());
    };
    state.live.forget(org, Some(version));
    state.bus.config_changed(org, None).await;
    tracing::info!(org_id = org, actor = %caller.key_id, "credential backend deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// `?limit=N` of the audit trail (1 to 1,000; default 100).
#[derive(serde::Deserialize)]
pub(crate) struct AuditQuery {
    limit: Option<i64>,
}

/// `GET …/audit`: the org's config changes, newest first.
pub(crate) async fn audit(
    With(state): With<Arc<State>>,
    Admin(caller): Admin,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let limit = match query.map(|Query(q)| q.limit.unwrap_or(100)) {
        Ok(limit @ 1..=1000) => limit,
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "limit must be a number from 1 to 1000",
            ));
        }
    };
    let entries = state
        .db
        .audit(&caller.org_id, limit)
        .await
        .map_err(|e| ApiError::internal("reading the audit trail", &e))?;
    Ok(Json(json!({ "entries": entries })))
}
