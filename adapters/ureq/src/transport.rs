//! The HTTP transport: one ureq agent, `http` types in and out, failures mapped onto the core's
//! [`TransportErrorKind`]. No Vault knowledge: the status and body go back to the core untouched.

use http::{Request, Response};
use std::time::Instant;
use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};
use vaultcred_core::{TransportError, TransportErrorKind};
use vaultcred_host::{BuildError, Origin, Setting, Setup, Tls, io_kind, observe};

#[derive(Clone)]
pub(crate) struct Transport {
    agent: ureq::Agent,
    max_body_bytes: usize,
}

impl Transport {
    pub(crate) fn new(setup: &Setup) -> Result<Self, BuildError> {
        // Per-phase timeouts rather than `timeout_global`: with a global (or per-call) timeout,
        // ureq 3 resolves every request on a freshly spawned thread, even an IP literal on a
        // pooled connection — 3.3× the cost of the round trip on loopback (BENCHMARKS.md, F3).
        // Each phase gets the whole timeout; the core's per-operation deadline bounds the total.
        let phase = Some(setup.timeout);
        let config = ureq::Agent::config_builder()
            .timeout_connect(phase)
            .timeout_send_request(phase)
            .timeout_send_body(phase)
            .timeout_recv_response(phase)
            .timeout_recv_body(phase)
            .max_redirects(0) // the core reports redirects; a token never goes to another origin
            .http_status_as_error(false)
            .tls_config(tls_config(&setup.tls)?)
            .build();
        Ok(Transport {
            agent: config.new_agent(),
            max_body_bytes: setup.max_body_bytes,
        })
    }

    /// Sends one request; logs method, path (never headers), status and latency.
    pub(crate) fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let started = Instant::now();
        let (method, path) = (request.method().clone(), request.uri().path().to_owned());
        let result = self.exchange(request);
        observe::exchange(&method, &path, started, &result);
        result
    }

    fn exchange(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let (parts, body) = request.into_parts();
        let response = if body.is_empty() {
            self.agent.run(Request::from_parts(parts, ())) // no `Content-Length: 0` on a GET
        } else {
            self.agent.run(Request::from_parts(parts, body))
        }
        .map_err(classify)?;
        let (parts, body) = response.into_parts();
        let limit = u64::try_from(self.max_body_bytes).unwrap_or(u64::MAX);
        // ureq reads one byte past `limit` to tell "exactly the cap" from "over it".
        let bytes = body
            .into_with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(classify)?;
        Ok(Response::from_parts(parts, bytes))
    }
}

/// ureq's TLS settings from the checked ones (the server name is refused before this).
fn tls_config(tls: &Tls) -> Result<TlsConfig, BuildError> {
    let certs =
        |chain: &[rustls::pki_types::CertificateDer<'static>]| -> Vec<Certificate<'static>> {
            chain
                .iter()
                .map(|c| Certificate::from_der(c).to_owned())
                .collect()
        };
    let mut config = TlsConfig::builder().disable_verification(!tls.verify);
    if let Some(roots) = &tls.roots {
        config = config.root_certs(RootCerts::new_with_certs(&certs(roots)));
    }
    if let Some(auth) = &tls.client_auth {
        // Already loaded by rustls in vaultcred-host; ureq would panic on a key it cannot load.
        let key = PrivateKey::from_pem(&auth.key_pem).map_err(|e| BuildError::Invalid {
            setting: Setting::ClientKey,
            origin: Origin::Method("build"),
            problem: format!("ureq cannot load the client key ({e})"),
        })?;
        config = config.client_cert(Some(ClientCert::new_with_certs(&certs(&auth.chain), key)));
    }
    Ok(config.build())
}

/// Maps a ureq error to the core's kinds. The detail is ureq's own text, which names no header.
pub(crate) fn classify(error: ureq::Error) -> TransportError {
    use TransportErrorKind as K;
    let kind = match &error {
        ureq::Error::Timeout(_) => K::TimedOut,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => K::Refused,
        ureq::Error::Tls(_)
        | ureq::Error::Pem(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::TlsRequired => K::Tls,
        ureq::Error::BodyExceedsLimit(_) => K::BodyTooLarge,
        ureq::Error::Io(e) => io_kind(e),
        _ => K::Other,
    };
    TransportError::new(kind, error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn io_errors_map_to_kinds() {
        let k = |e: io::Error| classify(ureq::Error::Io(e)).kind;
        assert_eq!(
            k(io::ErrorKind::ConnectionRefused.into()),
            TransportErrorKind::Refused
        );
        assert_eq!(
            k(io::ErrorKind::UnexpectedEof.into()),
            TransportErrorKind::Closed
        );
        assert_eq!(
            k(io::ErrorKind::ConnectionReset.into()),
            TransportErrorKind::Closed
        );
        assert_eq!(
            k(io::ErrorKind::TimedOut.into()),
            TransportErrorKind::TimedOut
        );
        let tls = io::Error::new(io::ErrorKind::InvalidData, rustls::Error::DecryptError);
        assert_eq!(k(tls), TransportErrorKind::Tls);
        let dns =
            io::Error::other("failed to lookup address information: Name or service not known");
        assert_eq!(k(dns), TransportErrorKind::Refused);
        assert_eq!(
            k(io::ErrorKind::InvalidData.into()),
            TransportErrorKind::Other
        );
    }

    #[test]
    fn ureq_errors_map_to_kinds() {
        let timeout = classify(ureq::Error::Timeout(ureq::Timeout::Global));
        assert_eq!(timeout.kind, TransportErrorKind::TimedOut);
        assert_eq!(
            classify(ureq::Error::HostNotFound).kind,
            TransportErrorKind::Refused
        );
        assert_eq!(
            classify(ureq::Error::BodyExceedsLimit(5)).kind,
            TransportErrorKind::BodyTooLarge
        );
        assert_eq!(
            classify(ureq::Error::Tls("bad cert")).kind,
            TransportErrorKind::Tls
        );
        assert_eq!(
            classify(ureq::Error::BadUri("x".into())).kind,
            TransportErrorKind::Other
        );
    }
}
