//! Classifying transport failures from `std::io` and error chains, for both adapters.

use std::error::Error as StdError;
use std::io;
use vaultcred_core::TransportErrorKind;

/// The failure of an exchange that did not complete within `limit`.
pub fn timed_out(limit: std::time::Duration) -> vaultcred_core::TransportError {
    let detail = format!("no complete response within {} ms", limit.as_millis());
    vaultcred_core::TransportError::new(TransportErrorKind::TimedOut, detail)
}

/// The kind of an I/O failure (a TLS failure hidden inside is `Tls`).
pub fn io_kind(e: &io::Error) -> TransportErrorKind {
    use TransportErrorKind as K;
    // rustls reports handshake and certificate failures as `InvalidData` wrapping its error.
    if e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
        return K::Tls;
    }
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => K::TimedOut,
        io::ErrorKind::ConnectionRefused
        | io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::NetworkDown
        | io::ErrorKind::AddrNotAvailable => K::Refused,
        io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::NotConnected => K::Closed,
        // std reports a failed DNS lookup with an uncategorised kind and this text.
        _ if e.to_string().contains("failed to lookup address") => K::Refused,
        _ => K::Other,
    }
}

/// An error and its sources, looking inside `io::Error`s that wrap another error.
pub fn chain<'a>(
    e: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(e), |e| {
        match e.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => (*e).source(),
        }
    })
}

/// Whether a TLS error is anywhere in the chain.
pub fn is_tls(e: &(dyn StdError + 'static)) -> bool {
    chain(e).any(|e| e.is::<rustls::Error>())
}

/// The error and its sources as one line, `a: b: c`.
pub fn describe(e: &(dyn StdError + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_to_kinds() {
        use TransportErrorKind as K;
        for (kind, expected) in [
            (io::ErrorKind::TimedOut, K::TimedOut),
            (io::ErrorKind::ConnectionRefused, K::Refused),
            (io::ErrorKind::ConnectionReset, K::Closed),
            (io::ErrorKind::UnexpectedEof, K::Closed),
            (io::ErrorKind::PermissionDenied, K::Other),
        ] {
            assert_eq!(io_kind(&io::Error::from(kind)), expected, "{kind:?}");
        }
        let tls = io::Error::other(rustls::Error::DecryptError);
        assert_eq!(io_kind(&tls), K::Tls);
        assert!(is_tls(&tls));
        assert_eq!(describe(&tls), "cannot decrypt peer's message");
    }
}
