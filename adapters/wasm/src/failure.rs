//! How a failed `fetch` becomes the core's transport error kind.
//!
//! Runtimes report network failures differently: Node's fetch (undici) rejects with
//! `TypeError: fetch failed` whose `cause.code` is an errno or undici code; Deno and Workers
//! reject with a bare `TypeError`; an `AbortController` abort rejects with an `AbortError`.

use vaultcred_core::TransportErrorKind;

/// Where the exchange was when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Before the status and headers arrived.
    Send,
    /// While reading the body.
    Body,
}

/// The kind of a fetch failure, from whether our timeout aborted it and from the error's code
/// (Node's `cause.code`), if any.
pub(crate) fn classify(phase: Phase, aborted: bool, code: Option<&str>) -> TransportErrorKind {
    use TransportErrorKind::*;
    if aborted {
        return TimedOut;
    }
    match code {
        Some(
            "ECONNREFUSED" | "ENOTFOUND" | "EAI_AGAIN" | "EHOSTUNREACH" | "ENETUNREACH"
            | "EADDRNOTAVAIL",
        ) => Refused,
        Some(
            "ETIMEDOUT"
            | "UND_ERR_CONNECT_TIMEOUT"
            | "UND_ERR_HEADERS_TIMEOUT"
            | "UND_ERR_BODY_TIMEOUT",
        ) => TimedOut,
        Some("ECONNRESET" | "EPIPE" | "ECONNABORTED" | "UND_ERR_SOCKET" | "UND_ERR_CLOSED") => {
            Closed
        }
        Some(code) if is_tls(code) => Tls,
        // A network error with no code: the spec's "network error", before or during the body.
        _ => match phase {
            Phase::Send => Refused,
            Phase::Body => Closed,
        },
    }
}

/// Node's TLS and certificate error codes.
fn is_tls(code: &str) -> bool {
    code.starts_with("ERR_TLS_")
        || code.starts_with("ERR_SSL_")
        || code.starts_with("CERT_")
        || code.contains("CERT")
        || code.starts_with("UNABLE_TO_")
        || code == "HOSTNAME_MISMATCH"
}

#[cfg(test)]
mod tests {
    use super::*;
    use TransportErrorKind::*;

    #[test]
    fn our_abort_is_a_timeout_whatever_the_code() {
        assert_eq!(classify(Phase::Send, true, None), TimedOut);
        assert_eq!(classify(Phase::Body, true, Some("ECONNRESET")), TimedOut);
    }

    #[test]
    fn node_codes() {
        assert_eq!(classify(Phase::Send, false, Some("ECONNREFUSED")), Refused);
        assert_eq!(classify(Phase::Send, false, Some("ENOTFOUND")), Refused);
        assert_eq!(classify(Phase::Send, false, Some("UND_ERR_SOCKET")), Closed);
        assert_eq!(classify(Phase::Body, false, Some("ECONNRESET")), Closed);
        assert_eq!(
            classify(Phase::Send, false, Some("UND_ERR_HEADERS_TIMEOUT")),
            TimedOut
        );
        assert_eq!(
            classify(Phase::Send, false, Some("DEPTH_ZERO_SELF_SIGNED_CERT")),
            Tls
        );
        assert_eq!(
            classify(Phase::Send, false, Some("UNABLE_TO_VERIFY_LEAF_SIGNATURE")),
            Tls
        );
        assert_eq!(
            classify(Phase::Send, false, Some("ERR_TLS_CERT_ALTNAME_INVALID")),
            Tls
        );
    }

    #[test]
    fn bare_network_errors_depend_on_the_phase() {
        assert_eq!(classify(Phase::Send, false, None), Refused);
        assert_eq!(classify(Phase::Body, false, None), Closed);
        assert_eq!(classify(Phase::Send, false, Some("SOMETHING_NEW")), Refused);
    }
}
