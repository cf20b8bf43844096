//! Error types: why a credential could not be resolved, why a config was refused, and how a
//! transport failed.
//!
//! Every message in these types is built from redacted text only (see [`crate::Scrubber`]).

use std::fmt;

/// Machine-readable reason a resolve (or a health check) failed.
///
/// The `as_str` names are the wire names used by the CLI and by hosts (`"permission_denied"`…).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The secret does not exist, was deleted or destroyed, or holds no usable field.
    Missing,
    /// Vault refused the read (ACL denial, or an invalid token in token mode).
    PermissionDenied,
    /// Login failed: bad roleId/secretId, JWT rejected, unknown role, lockout, MFA required.
    AuthFailed,
    /// Vault could not be reached (connection refused, reset, DNS, TLS failure).
    Unreachable,
    /// A request, or the whole resolve, ran out of time.
    Timeout,
    /// Vault is sealed.
    Sealed,
    /// Vault answered 429 (rate limit quota) and retries did not help.
    RateLimited,
    /// Vault answered 5xx, a redirect, or an unexpected status.
    ServerError,
    /// The response could not be understood (malformed JSON, wrong shape, too large).
    InvalidResponse,
    /// The kind is not a valid path segment.
    InvalidKind,
    /// The Kubernetes ServiceAccount JWT could not be read, or is empty.
    JwtUnreadable,
    /// No Vault config is registered for this org.
    NotConfigured,
    /// The KV mount (or the namespace) does not exist: Vault has no handler for the path, or
    /// the mount is not a KV version 2 mount at that path. A misconfiguration, not an absent
    /// secret.
    MountNotFound,
    /// The mount exists but is not KV version 2 (health checks).
    NotKvV2,
    /// The host drove an operation out of order (e.g. polled it while a response was awaited);
    /// a bug in the host, never something Vault said.
    HostMisuse,
    /// The host's address policy refused every address of the config's `addr` (loopback,
    /// private, link-local… outside the ranges the operator allowed): nothing was sent to it.
    /// Not retried.
    AddressNotAllowed,
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: [Reason; 16] = [
        Reason::Missing,
        Reason::PermissionDenied,
        Reason::AuthFailed,
        Reason::Unreachable,
        Reason::Timeout,
        Reason::Sealed,
        Reason::RateLimited,
        Reason::ServerError,
        Reason::InvalidResponse,
        Reason::InvalidKind,
        Reason::JwtUnreadable,
        Reason::NotConfigured,
        Reason::MountNotFound,
        Reason::NotKvV2,
        Reason::HostMisuse,
        Reason::AddressNotAllowed,
    ];

    /// The snake_case wire name, e.g. `"permission_denied"`.
    ///
    /// ```
    /// assert_eq!(vaultcred_core::Reason::AuthFailed.as_str(), "auth_failed");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Missing => "missing",
            Reason::PermissionDenied => "permission_denied",
            Reason::AuthFailed => "auth_failed",
            Reason::Unreachable => "unreachable",
            Reason::Timeout => "timeout",
            Reason::Sealed => "sealed",
            Reason::RateLimited => "rate_limited",
            Reason::ServerError => "server_error",
            Reason::InvalidResponse => "invalid_response",
            Reason::InvalidKind => "invalid_kind",
            Reason::JwtUnreadable => "jwt_unreadable",
            Reason::NotConfigured => "not_configured",
            Reason::MountNotFound => "mount_not_found",
            Reason::NotKvV2 => "not_kv_v2",
            Reason::HostMisuse => "host_misuse",
            Reason::AddressNotAllowed => "address_not_allowed",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one error a caller of `resolve` sees: which credential, why (machine-readable), and a
/// human-readable message that never contains a token, secretId, JWT or secret value.
///
/// ```
/// use vaultcred_core::{CredentialNotFound, Reason};
/// let err = CredentialNotFound::new("org_abc123", "anthropic-api-key", Reason::Missing, "no secret at secret/data/org_abc123/anthropic-api-key");
/// assert_eq!(err.reason, Reason::Missing);
/// assert_eq!(err.to_string(), "credential anthropic-api-key for org org_abc123 not found (missing): no secret at secret/data/org_abc123/anthropic-api-key");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("credential {kind} for org {org_id} not found ({reason}): {message}")]
pub struct CredentialNotFound {
    /// The org asked for.
    pub org_id: String,
    /// The credential kind asked for (empty for a health check).
    pub kind: String,
    /// Why, machine-readable.
    pub reason: Reason,
    /// Why, for a person. Redacted.
    pub message: String,
}

impl CredentialNotFound {
    /// Builds the error. The message must already be redacted.
    pub fn new(
        org_id: impl Into<String>,
        kind: impl Into<String>,
        reason: Reason,
        message: impl Into<String>,
    ) -> Self {
        CredentialNotFound {
            org_id: org_id.into(),
            kind: kind.into(),
            reason,
            message: message.into(),
        }
    }
}

/// One problem found in a Vault config, naming the field it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The camelCase field name (`addr`, `authMode`, `secretId`…), or `config` for the whole.
    pub field: String,
    /// What is wrong. Never contains the value of a secret field.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A Vault config was refused. Lists every problem at once.
///
/// ```
/// use vaultcred_core::VaultConfig;
/// let err = VaultConfig::from_json(br#"{"addr":"ftp://x","mount":"","authMode":"token"}"#).unwrap_err();
/// let fields: Vec<&str> = err.problems.iter().map(|p| p.field.as_str()).collect();
/// assert_eq!(fields, ["addr", "mount", "token"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid Vault config: {}", join_problems(.problems))]
pub struct ConfigError {
    /// Every problem found, in field order.
    pub problems: Vec<ConfigProblem>,
}

impl ConfigError {
    /// A config error with a single problem.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            problems: vec![ConfigProblem {
                field: field.into(),
                message: message.into(),
            }],
        }
    }
}

fn join_problems(problems: &[ConfigProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// How a transport failed to deliver a request or its response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection was refused or could not be established (including DNS failures).
    Refused,
    /// The request or response did not complete within the timeout.
    TimedOut,
    /// TLS handshake or certificate verification failed.
    Tls,
    /// The response body exceeded the configured cap.
    BodyTooLarge,
    /// The connection was closed or reset before the whole response arrived.
    Closed,
    /// Anything else (a malformed HTTP response, an I/O error).
    Other,
    /// The host's address policy refused every address the request could go to: nothing was
    /// sent.
    AddressNotAllowed,
}

/// A transport failure handed back to the core instead of a response.
///
/// The detail is free text from the transport; the core scrubs it before it reaches a message.
///
/// ```
/// use vaultcred_core::{TransportError, TransportErrorKind};
/// let e = TransportError::new(TransportErrorKind::Refused, "connection refused (os error 111)");
/// assert_eq!(e.to_string(), "connection refused: connection refused (os error 111)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", kind_text(*.kind))]
pub struct TransportError {
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// Free text from the transport.
    pub detail: String,
}

impl TransportError {
    /// Builds a transport error.
    pub fn new(kind: TransportErrorKind, detail: impl Into<String>) -> Self {
        TransportError {
            kind,
            detail: detail.into(),
        }
    }
}

fn kind_text(kind: TransportErrorKind) -> &'static str {
    match kind {
        TransportErrorKind::Refused => "connection refused",
        TransportErrorKind::TimedOut => "timed out",
        TransportErrorKind::Tls => "TLS failure",
        TransportErrorKind::BodyTooLarge => "response body too large",
        TransportErrorKind::Closed => "connection closed",
        TransportErrorKind::Other => "transport error",
        TransportErrorKind::AddressNotAllowed => "address not allowed",
    }
}

/// An orgId or kind that is not a safe single path segment.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {shown}: {problem}")]
pub struct SegmentError {
    /// `"orgId"` or `"kind"`.
    pub what: &'static str,
    /// The value, quoted and escaped (orgIds and kinds are not secrets).
    pub shown: String,
    /// What is wrong with it.
    pub problem: &'static str,
}

/// An org could not be registered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// The orgId is not a valid path segment.
    #[error(transparent)]
    InvalidOrgId(#[from] SegmentError),
    /// The config's `jwtPath` is not one the host allows (see
    /// [`RegistryOptions::allowed_jwt_paths`](crate::RegistryOptions::allowed_jwt_paths)).
    #[error(
        "jwtPath {path:?} is not allowed by this host (allowed: {allowed:?}); the operator allows \
         JWT files, e.g. with --allow-jwt-path or ClientBuilder::allow_jwt_path"
    )]
    JwtPathNotAllowed {
        /// The path the config named.
        path: String,
        /// The paths the host allows.
        allowed: Vec<String>,
    },
}
