//! [`Next`]: the one step type a host acts on.

use http::Request;
use std::path::PathBuf;
use std::time::SystemTime;

/// What the host must do next for an operation.
///
/// `Debug` shows a request's method, path and body size only: never its headers (the token)
/// or body (a secretId, a JWT).
#[allow(
    clippy::large_enum_variant,
    reason = "a step is moved to the host at once; boxing the request would cost an allocation per step"
)]
pub enum Next<O> {
    /// Send this request and hand the response (or the transport failure) to `on_response`.
    Http(Request<Vec<u8>>),
    /// Read this file and hand its bytes (or the I/O error) to `on_file`. Used for the Kubernetes
    /// ServiceAccount JWT, re-read at every login because projected tokens rotate.
    ReadFile(PathBuf),
    /// Wait until this time (a retry backoff), then poll again.
    Sleep(SystemTime),
    /// Another operation is logging in for this org. Poll again when any operation of the
    /// registry has handled a response, or at this time at the latest.
    WaitForLogin(SystemTime),
    /// Shared logins only ([`RegistryOptions::shared_logins`](crate::RegistryOptions)): the
    /// operation is about to log in for its org. Ask the store the replicas share for the org's
    /// token (waiting while another replica's claim to log in stands, but not past this time,
    /// the operation's deadline), then hand the answer to
    /// [`Registry::on_shared_login`](crate::Registry::on_shared_login). See [`crate::shared`].
    SharedLogin(SystemTime),
    /// The operation is finished. Polling again returns the same outcome (a clone: an `Arc` for
    /// a credential).
    Done(O),
}

impl<O: std::fmt::Debug> std::fmt::Debug for Next<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Next::Http(r) => write!(
                f,
                "Http({} {}, {}-byte body)",
                r.method(),
                r.uri().path(),
                r.body().len()
            ),
            Next::ReadFile(path) => f.debug_tuple("ReadFile").field(path).finish(),
            Next::Sleep(t) => f.debug_tuple("Sleep").field(t).finish(),
            Next::WaitForLogin(t) => f.debug_tuple("WaitForLogin").field(t).finish(),
            Next::SharedLogin(t) => f.debug_tuple("SharedLogin").field(t).finish(),
            Next::Done(o) => f.debug_tuple("Done").field(o).finish(),
        }
    }
}
