//! Every error answer of the API: a status and `{"error":{"reason","message"[,"problems"]}}`.
//! Messages never hold a secret: they come from the core (scrubbed) or are written here.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use vaultcred_core::ConfigProblem;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    reason: &'static str,
    message: String,
    problems: Vec<ConfigProblem>,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An answer with `status`, a machine-readable `reason` and a message for a person.
    pub fn new(status: StatusCode, reason: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            reason,
            message: message.into(),
            problems: Vec::new(),
            retry_after: None,
        }
    }

    /// 400 `invalid_config` listing every problem by field.
    pub fn invalid_config(problems: Vec<ConfigProblem>) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_config",
            format!("the config has {} problem(s)", problems.len()),
        );
        e.problems = problems;
        e
    }

    /// 401: no key, or not a live one. The same answer whatever the key names.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid API key is required: Authorization: Bearer rsk_live_…",
        )
    }

    /// 429 with `Retry-After: seconds`.
    pub fn rate_limited(seconds: u64) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many health checks for this org; retry in {seconds} s"),
        );
        e.retry_after = Some(seconds);
        e
    }

    /// 500 for a failure of this service (database, keys); the detail goes to the log only.
    pub fn internal(what: &str, detail: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(what, %detail, "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("{what} failed; see the service's log"),
        )
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "reason": self.reason, "message": self.message });
        if !self.problems.is_empty() {
            error["problems"] = self
                .problems
                .iter()
                .map(|p| json!({ "field": p.field, "message": p.message }))
                .collect();
        }
        let mut response = (self.status, axum::Json(json!({ "error": error }))).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
