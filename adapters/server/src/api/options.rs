//! `GET /api/org/credential-backend/options`: what the operator decided that an org admin's form
//! must know (which JWT paths a Kubernetes config may name, the default path template), and the
//! org the key acts for. Nothing secret: the Settings page reads it at sign-in.

use super::State;
use super::auth::Admin;
use crate::config_body::SECRET_FIELDS;
use axum::Json;
use axum::extract::State as With;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;
use vaultcred_core::config::DEFAULT_JWT_PATH;
use vaultcred_core::path::PathTemplate;

/// `{"orgId","allowedJwtPaths","defaultJwtPath","defaultPathTemplate","secretFields"}`.
pub(crate) async fn read(With(state): With<Arc<State>>, Admin(caller): Admin) -> Response {
    let body = json!({
        "orgId": caller.org_id,
        "allowedJwtPaths": state.live.options.allowed_jwt_paths,
        "defaultJwtPath": DEFAULT_JWT_PATH,
        "defaultPathTemplate": PathTemplate::DEFAULT,
        "secretFields": SECRET_FIELDS,
    });
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
