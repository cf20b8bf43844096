//! Who is calling: the `Authorization: Bearer rsk_live_…` key, checked against the database
//! (only its hash is stored) and remembered for [`AUTH_CACHE_TTL`], so dispatch does not query
//! the database on every request. The org always comes from the key.

use super::State;
use super::error::ApiError;
use crate::keys::{Caller, Scope};
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// How long an accepted key is trusted without asking the database again: a revoked key stops
/// working within this time on every replica.
pub const AUTH_CACHE_TTL: Duration = Duration::from_secs(10);

/// Most keys remembered at once (the cache starts over past this).
const AUTH_CACHE_MAX: usize = 10_000;

/// Accepted keys, by the SHA-256 of the key (never the key itself).
#[derive(Default)]
pub(crate) struct AuthCache(RwLock<HashMap<Digest32, (Arc<Caller>, Instant)>>);

/// The SHA-256 of a presented key.
type Digest32 = [u8; 32];

impl AuthCache {
    fn get(&self, digest: &[u8; 32]) -> Option<Arc<Caller>> {
        let map = self.0.read().unwrap_or_else(PoisonError::into_inner);
        map.get(digest)
            .filter(|(_, at)| at.elapsed() < AUTH_CACHE_TTL)
            .map(|(caller, _)| Arc::clone(caller))
    }

    fn put(&self, digest: [u8; 32], caller: Arc<Caller>) {
        let mut map = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= AUTH_CACHE_MAX {
            map.clear();
        }
        map.insert(digest, (caller, Instant::now()));
    }
}

async fn caller(parts: &Parts, state: &State, scope: Scope) -> Result<Arc<Caller>, ApiError> {
    let presented = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(ApiError::unauthorized)?;
    let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    let caller = match state.auth.get(&digest) {
        Some(caller) => caller,
        None => {
            let found = state
                .db
                .authenticate(presented)
                .await
                .map_err(|e| ApiError::internal("checking the API key", &e))?;
            let caller = Arc::new(found.ok_or_else(ApiError::unauthorized)?);
            state.auth.put(digest, Arc::clone(&caller));
            caller
        }
    };
    if caller.scope != scope {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this needs a key with scope {}", scope.as_str()),
        ));
    }
    Ok(caller)
}

/// A caller with an `admin` key.
pub(crate) struct Admin(pub(crate) Arc<Caller>);

/// A caller with a `dispatch` key.
pub(crate) struct Dispatch(pub(crate) Arc<Caller>);

impl FromRequestParts<Arc<State>> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<State>) -> Result<Self, ApiError> {
        caller(parts, state, Scope::Admin).await.map(Admin)
    }
}

impl FromRequestParts<Arc<State>> for Dispatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<State>) -> Result<Self, ApiError> {
        caller(parts, state, Scope::Dispatch).await.map(Dispatch)
    }
}
