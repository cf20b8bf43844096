//! The states an operation waits in, each with the data valid there, and where it resumes.

use crate::secret::SecretString;

/// The token a request was made with: which login token (none in token mode) and until when it
/// was valid, which bounds the refresh time of what it read.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Used {
    pub token_id: Option<u64>,
    pub deadline_ms: Option<u64>,
}

/// Where an operation goes on from when the host polls it.
pub(crate) enum Resume {
    /// The operation's first step (also after the org was registered again).
    Begin,
    /// Find a login token: the org's, another operation's login, or a login of its own.
    AcquireToken,
    /// Start a login (re-reading the JWT first in Kubernetes mode), owning `flight` if any.
    Login { flight: Option<u64> },
    /// Send the login with the JWT just read.
    SendLogin {
        flight: Option<u64>,
        jwt: SecretString,
    },
    /// Unwrap the config's wrapped secretId (its lookup passed), owning `flight` if any.
    Unwrap { flight: Option<u64> },
    /// Renew the org's token (`renew-self`), owning `flight`.
    Renew { flight: u64 },
    /// Learn the token's lifetime (`lookup-self`, token mode), owning `flight`.
    Lookup { flight: u64 },
    /// Send the operation's request with the org's token.
    Request,
}

/// The states an operation waits in, each with the data valid there.
pub(crate) enum Phase<O> {
    /// Waiting for the host's next poll, which takes the step `Resume` names.
    Ready(Resume),
    /// Another operation performs login `flight` for this org.
    WaitLogin { flight: u64 },
    /// The host asks the replicas' shared store for the org's token (shared logins), for
    /// login `flight`.
    AwaitShared { flight: u64 },
    /// The host reads the Kubernetes JWT.
    AwaitJwt { flight: Option<u64> },
    /// The login request is out.
    AwaitLogin {
        flight: Option<u64>,
        jwt: Option<SecretString>,
        /// When the login was sent: the token's lifetime counts from here.
        sent_ms: u64,
    },
    /// The lookup of the wrapped secretId's wrapping token is out.
    AwaitWrapLookup { flight: Option<u64> },
    /// The unwrap of the wrapped secretId is out.
    AwaitUnwrap { flight: Option<u64> },
    /// The `renew-self` of the org's token is out.
    AwaitRenew { flight: u64, sent_ms: u64 },
    /// The `lookup-self` of the org's token is out (token mode).
    AwaitLookup { flight: u64, sent_ms: u64 },
    /// The operation's request is out, made with `used`.
    AwaitAnswer { used: Used },
    /// A retry backoff: resume at `until_ms`.
    Backoff { until_ms: u64, then: Resume },
    /// Finished.
    Done(O),
}

impl<O> Phase<O> {
    pub(super) fn name(&self) -> &'static str {
        match self {
            Phase::Ready(_) => "ready",
            Phase::WaitLogin { .. } => "waiting for another login",
            Phase::AwaitShared { .. } => "awaiting the shared login answer",
            Phase::AwaitJwt { .. } => "awaiting the JWT file",
            Phase::AwaitLogin { .. } => "awaiting the login answer",
            Phase::AwaitWrapLookup { .. } => "awaiting the wrapping token lookup",
            Phase::AwaitUnwrap { .. } => "awaiting the unwrap",
            Phase::AwaitRenew { .. } => "awaiting the token renewal",
            Phase::AwaitLookup { .. } => "awaiting the token lookup",
            Phase::AwaitAnswer { .. } => "awaiting the answer",
            Phase::Backoff { .. } => "backing off",
            Phase::Done(_) => "done",
        }
    }

    /// The login, renewal or lookup this operation performs for its org, if any (released when
    /// it ends).
    pub(super) fn flight(&self) -> Option<u64> {
        match self {
            Phase::AwaitJwt { flight }
            | Phase::AwaitLogin { flight, .. }
            | Phase::AwaitWrapLookup { flight }
            | Phase::AwaitUnwrap { flight } => *flight,
            Phase::AwaitRenew { flight, .. }
            | Phase::AwaitLookup { flight, .. }
            | Phase::AwaitShared { flight } => Some(*flight),
            Phase::Ready(resume) | Phase::Backoff { then: resume, .. } => resume.flight(),
            _ => None,
        }
    }
}

impl Resume {
    fn flight(&self) -> Option<u64> {
        match self {
            Resume::Login { flight }
            | Resume::SendLogin { flight, .. }
            | Resume::Unwrap { flight } => *flight,
            Resume::Renew { flight } | Resume::Lookup { flight } => Some(*flight),
            _ => None,
        }
    }
}
