//! The HTTP transport: one ureq agent, `http` types in and out, failures mapped onto the core's
//! [`TransportErrorKind`]. No Vault knowledge: the status and body go back to the core untouched.

use http::{Request, Response};
use std::time::{Duration, Instant};
use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use vaultcred_core::{TransportError, TransportErrorKind};
use vaultcred_host::{BuildError, Origin, Setting, Setup, Tls, io_kind, observe};

#[derive(Clone)]
pub(crate) struct Transport {
    agent: ureq::Agent,
    /// The time one call may take (cut to the operation's deadline per call).
    pub(crate) timeout: Duration,
    max_body_bytes: usize,
}

impl Transport {
    pub(crate) fn new(setup: &Setup) -> Result<Self, BuildError> {
        // One budget for the whole call — DNS, connect, TLS, headers, body — set per request
        // (`send`). No proxy: ureq would follow HTTP(S)_PROXY from the environment, sending the
        // token to a host the user never chose.
        let proxy = match &setup.proxy {
            None => None,
            Some(url) => Some(ureq::Proxy::new(url).map_err(|e| BuildError::Invalid {
                setting: Setting::Proxy,
                origin: Origin::Method("proxy"),
                problem: format!("not a proxy URL ({e})"),
            })?),
        };
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(setup.timeout))
            .max_redirects(0) // the core reports redirects; a token never goes to another origin
            .http_status_as_error(false)
            .proxy(proxy)
            .tls_config(tls_config(&setup.tls)?)
            .build();
        let resolver = LiteralFirst(DefaultResolver::default());
        let agent = ureq::Agent::with_parts(config, DefaultConnector::new(), resolver);
        Ok(Transport {
            agent,
            timeout: setup.timeout,
            max_body_bytes: setup.max_body_bytes,
        })
    }

    /// Sends one request within `budget` (the whole call); logs method, path (never headers),
    /// status and latency.
    pub(crate) fn send(
        &self,
        request: Request<Vec<u8>>,
        budget: Duration,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let started = Instant::now();
        let (method, path) = (request.method().clone(), request.uri().path().to_owned());
        let result = self.exchange(request, budget);
        observe::exchange(&method, &path, started, &result);
        result
    }

    fn exchange(
        &self,
        request: Request<Vec<u8>>,
        budget: Duration,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let (parts, body) = request.into_parts();
        let agent = &self.agent;
        let response = if body.is_empty() {
            // No `Content-Length: 0` on a GET.
            let request = agent.configure_request(Request::from_parts(parts, ()));
            agent.run(request.timeout_global(Some(budget)).build())
        } else {
            let request = agent.configure_request(Request::from_parts(parts, body));
            agent.run(request.timeout_global(Some(budget)).build())
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
/// ureq's resolver, but an IP literal is not "resolved" on a thread: with a call timeout set,
/// ureq looks every host up on a freshly spawned thread so that DNS is bounded too — needless
/// for an address that is already one (3.3× a loopback round trip, BENCHMARKS.md F3).
#[derive(Debug)]
struct LiteralFirst(DefaultResolver);

impl Resolver for LiteralFirst {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri
            .host()
            .unwrap_or("")
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = uri.port_u16().or(match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        match (host.parse::<std::net::IpAddr>(), port) {
            (Ok(ip), Some(port)) => {
                let mut addrs = self.empty();
                addrs.push(std::net::SocketAddr::new(ip, port));
                Ok(addrs)
            }
            _ => self.0.resolve(uri, config, timeout),
        }
    }
}

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
