//! `GET /api/org/credentials/{kind}`: the platform's dispatch — the org's credential of `kind`,
//! from the cache while fresh, else from Vault.

use super::State;
use super::auth::Dispatch;
use super::error::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State as With};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use std::sync::Arc;
use std::time::SystemTime;
use vaultcred_core::time::Rfc3339;
use vaultcred_core::{Credential, CredentialNotFound, Reason, SecretValue};

/// The dispatch answer: `{"orgId","kind","value"|"multiField","resolvedAt","refreshAt","version"}`,
/// serialized straight from the credential (no intermediate JSON tree).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Answer<'a> {
    org_id: &'a str,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    multi_field: Option<std::collections::BTreeMap<&'a str, &'a str>>,
    #[serde(serialize_with = "time")]
    resolved_at: SystemTime,
    #[serde(serialize_with = "time")]
    refresh_at: SystemTime,
    version: Option<u64>,
}

/// A time as RFC 3339, written straight into the answer.
fn time<S: serde::Serializer>(at: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&Rfc3339(*at))
}

/// Room for a dispatch answer with a value of a few hundred bytes, so that serialising it
/// rarely grows the buffer.
const ANSWER_CAPACITY: usize = 512;

fn body(credential: &Credential) -> Answer<'_> {
    let (value, multi_field) = match credential.value() {
        SecretValue::Value(v) => (Some(v.expose()), None),
        SecretValue::MultiField(fields) => (
            None,
            Some(
                fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.expose()))
                    .collect(),
            ),
        ),
    };
    Answer {
        org_id: credential.org_id(),
        kind: credential.kind(),
        value,
        multi_field,
        resolved_at: credential.resolved_at(),
        refresh_at: credential.refresh_at(),
        version: credential.version(),
    }
}

/// The status of a failed resolve: 404 `missing`/`not_configured`, 400 `invalid_kind`, 504
/// `timeout`, 502 for every other upstream reason.
pub(crate) fn status_of(reason: Reason) -> StatusCode {
    match reason {
        Reason::Missing | Reason::NotConfigured => StatusCode::NOT_FOUND,
        Reason::InvalidKind => StatusCode::BAD_REQUEST,
        Reason::Timeout => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::BAD_GATEWAY,
    }
}

fn failure(e: &CredentialNotFound) -> ApiError {
    ApiError::new(status_of(e.reason), e.reason.as_str(), e.message.clone())
}

fn count(state: &State, result: Result<(), Reason>, cached: bool) {
    match result {
        Ok(()) => {
            state.metrics.resolved_ok();
        }
        Err(reason) => {
            let outcome = crate::metrics::Outcome {
                result: reason.as_str(),
            };
            state.metrics.resolves.get_or_create(&outcome).inc();
        }
    }
    if cached {
        state.metrics.cache_hits.inc();
    }
}

/// Resolves the caller's org's credential `kind`.
pub(crate) async fn resolve(
    With(state): With<Arc<State>>,
    Dispatch(caller): Dispatch,
    Path(kind): Path<String>,
) -> Result<Response, ApiError> {
    let org = caller.org_id.as_str();
    let started = SystemTime::now();
    let configured = state
        .live
        .ensure(org)
        .await
        .map_err(|e| ApiError::internal("registering the config", &e))?;
    if !configured {
        count(&state, Err(Reason::NotConfigured), false);
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            Reason::NotConfigured.as_str(),
            "this org has no credential backend configured",
        ));
    }
    let resolved = state.live.client.resolve(org, &kind).await;
    let credential = match resolved {
        Ok(credential) => {
            // A credential resolved before this request came from the cache.
            count(&state, Ok(()), credential.resolved_at() < started);
            credential
        }
        Err(e) => {
            count(&state, Err(e.reason), false);
            return Err(failure(&e));
        }
    };
    // What `Json` does, with a buffer sized for the answer and handed to the body without a
    // copy (an exact-size buffer becomes `Bytes` without another allocation).
    let mut buffer = Vec::with_capacity(ANSWER_CAPACITY);
    serde_json::to_writer(&mut buffer, &body(&credential))
        .map_err(|e| ApiError::internal("writing the answer", &e))?;
    let mut response = Response::new(Body::from(Bytes::from(buffer.into_boxed_slice())));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_reason() {
        assert_eq!(status_of(Reason::Missing), StatusCode::NOT_FOUND);
        assert_eq!(status_of(Reason::NotConfigured), StatusCode::NOT_FOUND);
        assert_eq!(status_of(Reason::Timeout), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(status_of(Reason::PermissionDenied), StatusCode::BAD_GATEWAY);
        assert_eq!(status_of(Reason::Unreachable), StatusCode::BAD_GATEWAY);
        assert_eq!(status_of(Reason::InvalidKind), StatusCode::BAD_REQUEST);
    }
}
