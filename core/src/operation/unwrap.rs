//! A response-wrapped secretId (`wrappedSecretId`): before the first login the wrapping token
//! is looked up (`sys/wrapping/lookup`, which does not use it up) and must have been created
//! for an AppRole secret-id (`auth/{authMount}/role/<role>/secret-id`, as Vault Agent checks);
//! then it is unwrapped once (`sys/wrapping/unwrap`, never retried: a wrapping token is
//! single-use) and the secretId is kept in memory only.

use super::request::checked;
use super::task::Task;
use super::{Ctx, Next, Phase, Resume, Run};
use crate::auth::{unwrap_request, wrapping_lookup_request};
use crate::config::{AppRoleSecret, Auth};
use crate::error::{Reason, TransportError};
use crate::secret::SecretString;
use crate::wire::{Call, classify_status, error_strings, retry_after_secs};
use http::Response;
use serde_json::Value;

/// Why a wrapping token was refused, for the operator.
const USED_UP: &str = "the wrappedSecretId's wrapping token is not valid: already unwrapped, \
    expired or revoked; deliver a new one (an unexpected \"already used\" can mean someone else \
    unwrapped it)";

/// Whether Vault says the wrapping token is not (or no longer) valid.
fn invalid_wrapping_token(body: &[u8]) -> bool {
    error_strings(body).is_some_and(|errors| {
        errors
            .iter()
            .any(|e| e.contains("wrapping token is not valid"))
    })
}

/// Whether `path` is an AppRole secret-id's creation path on `auth_mount`.
fn is_secret_id_path(path: &str, auth_mount: &str) -> bool {
    path.strip_prefix("auth/")
        .and_then(|p| p.strip_prefix(auth_mount))
        .and_then(|p| p.strip_prefix("/role/"))
        .and_then(|p| p.strip_suffix("/secret-id"))
        .is_some_and(|role| !role.is_empty() && !role.contains('/'))
}

impl<T: Task> Run<T> {
    /// Sends the lookup of the wrapping token.
    pub(super) fn send_wrap_lookup(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: Option<u64>,
    ) -> Next<T::Output> {
        let config = &ctx.org.config;
        let request = wrapping_token(&config.auth).map(|t| wrapping_lookup_request(config, t));
        let phase = Phase::AwaitWrapLookup { flight };
        self.send(ctx, now_ms, flight, request, phase)
            .unwrap_or_else(|| self.send_login(ctx, now_ms, flight, None))
    }

    /// The lookup answered: unwrap if the token was made for a secret-id, refuse otherwise.
    pub(super) fn on_wrap_lookup(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: Option<u64>,
        response: Result<Response<Vec<u8>>, TransportError>,
    ) {
        let response = match checked(ctx, None, "wrapping token lookup", response) {
            Ok(r) => r,
            Err(f) => {
                self.last_failure = Some((f.reason, f.message.clone()));
                let then = Resume::Login { flight };
                if !f.retryable || self.retry(ctx, now_ms, None, then).is_err() {
                    self.fail_login(ctx, flight, now_ms, f.reason, f.message);
                }
                return;
            }
        };
        let body = response.body();
        if response.status() != http::StatusCode::OK {
            if invalid_wrapping_token(body) {
                return self.fail_login(ctx, flight, now_ms, Reason::AuthFailed, USED_UP.into());
            }
            let f = classify_status(Call::Login, &response, &ctx.org.scrubber(None));
            let (retry_after, then) = (retry_after_secs(&response), Resume::Login { flight });
            if !f.retryable || self.retry(ctx, now_ms, retry_after, then).is_err() {
                self.fail_login(ctx, flight, now_ms, f.reason, f.message);
            }
            return;
        }
        let path = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| Some(v.get("data")?.get("creation_path")?.as_str()?.to_owned()));
        let auth_mount = match &ctx.org.config.auth {
            Auth::AppRole { auth_mount, .. } => auth_mount.clone(),
            _ => String::new(),
        };
        match path {
            Some(path) if is_secret_id_path(&path, &auth_mount) => {
                self.phase = Phase::Ready(Resume::Unwrap { flight });
            }
            Some(path) => {
                let scrubbed = ctx.org.scrubber(None).scrub(&path);
                let message = format!(
                    "refused the wrappedSecretId: its wrapping token was created at \
                     {scrubbed:?}, not at auth/{auth_mount}/role/<role>/secret-id; it may have \
                     been tampered with, so it was not unwrapped"
                );
                self.fail_login(ctx, flight, now_ms, Reason::AuthFailed, message);
            }
            None => {
                let message = "unreadable wrapping token lookup: no data.creation_path".into();
                self.fail_login(ctx, flight, now_ms, Reason::InvalidResponse, message);
            }
        }
    }

    /// Sends the unwrap (once).
    pub(super) fn send_unwrap(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: Option<u64>,
    ) -> Next<T::Output> {
        let config = &ctx.org.config;
        let request = wrapping_token(&config.auth).map(|t| unwrap_request(config, t));
        let phase = Phase::AwaitUnwrap { flight };
        self.send(ctx, now_ms, flight, request, phase)
            .unwrap_or_else(|| self.send_login(ctx, now_ms, flight, None))
    }

    /// The unwrap answered: keep the secretId and log in, or fail (never retried).
    pub(super) fn on_unwrap(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: Option<u64>,
        response: Result<Response<Vec<u8>>, TransportError>,
    ) {
        let not_retried = |message: String| {
            format!(
                "{message}; the unwrap is not retried (a wrapping token is single-use): if the \
                 next attempt says the token is not valid, deliver a new wrappedSecretId"
            )
        };
        let response = match checked(ctx, None, "unwrap", response) {
            Ok(r) => r,
            Err(f) => {
                return self.fail_login(ctx, flight, now_ms, f.reason, not_retried(f.message));
            }
        };
        let body = response.body();
        if response.status() != http::StatusCode::OK {
            if invalid_wrapping_token(body) {
                return self.fail_login(ctx, flight, now_ms, Reason::AuthFailed, USED_UP.into());
            }
            let f = classify_status(Call::Login, &response, &ctx.org.scrubber(None));
            return self.fail_login(ctx, flight, now_ms, f.reason, not_retried(f.message));
        }
        let secret_id = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
            let s = v.get("data")?.get("secret_id")?.as_str()?;
            (!s.is_empty()).then(|| SecretString::new(s))
        });
        match secret_id {
            Some(secret_id) => {
                ctx.org.unwrapped_secret_id = Some(secret_id);
                self.phase = Phase::Ready(Resume::Login { flight });
            }
            None => {
                let message = "the unwrapped response holds no data.secret_id".to_owned();
                self.fail_login(ctx, flight, now_ms, Reason::InvalidResponse, message);
            }
        }
    }
}

/// The config's wrapping token, if its secretId is wrapped.
fn wrapping_token(auth: &Auth) -> Option<&SecretString> {
    match auth {
        Auth::AppRole {
            secret_id: AppRoleSecret::Wrapped(token),
            ..
        } => Some(token),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::is_secret_id_path;

    #[test]
    fn only_a_secret_id_creation_path_on_the_auth_mount_passes() {
        assert!(is_secret_id_path(
            "auth/approle/role/my-app/secret-id",
            "approle"
        ));
        assert!(is_secret_id_path(
            "auth/approle/eu/role/app/secret-id",
            "approle/eu"
        ));
        for bad in [
            "auth/approle/role/my-app/role-id",
            "auth/other/role/my-app/secret-id",
            "auth/approle/role//secret-id",
            "auth/approle/role/a/b/secret-id",
            "sys/wrapping/wrap",
            "secret/data/x",
        ] {
            assert!(!is_secret_id_path(bad, "approle"), "{bad}");
        }
    }
}
