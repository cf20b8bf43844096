//! The HTTP transport, built from the shared [`Setup`]: hyper's pooled client over rustls, over
//! a connector applying the address policy ([`Guarded`]).

use crate::guard::{Guarded, refusal};
use crate::{Client, Shared};
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::{FixedServerNameResolver, HttpsConnector};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::error::Error as StdError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, broadcast};
use vaultcred_core::{Registry, TransportError, TransportErrorKind};
use vaultcred_host::{
    BuildError, Connect, Setup, chain, describe, io_kind, is_tls, observe, timed_out,
};

impl Connect for Client {
    const CLIENT: &'static str = "vaultcred-hyper";
    const UNSUPPORTED: &'static [vaultcred_host::Setting] = &[vaultcred_host::Setting::Proxy];

    fn connect(setup: Setup) -> Result<Client, BuildError> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(setup.tls.rustls_config()?)
            .https_or_http();
        let tcp = Guarded::new(setup.address_policy.clone());
        let https = match &setup.tls.server_name {
            Some(name) => https
                .with_server_name_resolver(FixedServerNameResolver::new(name.clone()))
                .enable_http1()
                .wrap_connector(tcp),
            None => https.enable_http1().wrap_connector(tcp),
        };
        // Redirects are never followed: hyper's client does not, and must not here.
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build(https);
        let (events, _) = broadcast::channel(256);
        let registry = Registry::with_options(setup.registry_options());
        Ok(Client {
            shared: Arc::new(Shared {
                fresh: registry.fresh_index(),
                registry: Mutex::new(registry),
                progress: Notify::new(),
                events,
                transport: Transport {
                    http,
                    timeout: setup.timeout,
                    max_body_bytes: setup.max_body_bytes,
                },
                runtime: tokio::runtime::Handle::try_current().ok(),
                broker: std::sync::OnceLock::new(),
            }),
        })
    }
}

/// Sends the core's requests: one pooled keep-alive client, a timeout and a body cap per call.
#[derive(Clone)]
pub(crate) struct Transport {
    http: hyper_util::client::legacy::Client<HttpsConnector<Guarded>, Full<Bytes>>,
    pub(crate) timeout: Duration,
    max_body_bytes: usize,
}

impl Transport {
    /// Sends one request within `budget` (the whole call).
    pub(crate) async fn send(
        &self,
        request: Request<Vec<u8>>,
        budget: Duration,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let started = Instant::now();
        let (method, path) = (request.method().clone(), request.uri().path().to_owned());
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| failure(&e, e.is_connect(), TransportErrorKind::Other))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, self.max_body_bytes)
                .collect()
                .await
                .map_err(|e| match e.downcast_ref::<LengthLimitError>() {
                    Some(_) => TransportError::new(
                        TransportErrorKind::BodyTooLarge,
                        format!("over the {}-byte cap, stopped reading", self.max_body_bytes),
                    ),
                    None => failure(&*e, false, TransportErrorKind::Closed),
                })?;
            Ok(Response::from_parts(parts, body.to_bytes().to_vec()))
        };
        let result = tokio::time::timeout(budget, exchange)
            .await
            .unwrap_or_else(|_| Err(timed_out(budget)));
        observe::exchange(&method, &path, started, &result);
        result
    }
}

/// Classifies a failed exchange: an address the policy refused, a TLS failure anywhere in the
/// chain, a connection that could not be made (`connect`), one closed early, or `otherwise`.
fn failure(
    e: &(dyn StdError + 'static),
    connect: bool,
    otherwise: TransportErrorKind,
) -> TransportError {
    use TransportErrorKind as K;
    if let Some(refused) = refusal(e) {
        return TransportError::new(K::AddressNotAllowed, refused);
    }
    let closed = |e: &(dyn StdError + 'static)| {
        e.downcast_ref::<hyper::Error>()
            .is_some_and(|h| h.is_incomplete_message() || h.is_closed() || h.is_canceled())
            || e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io_kind(io) == K::Closed)
    };
    let kind = match () {
        () if is_tls(e) => K::Tls,
        () if connect => K::Refused,
        () if chain(e).any(closed) => K::Closed,
        () => otherwise,
    };
    TransportError::new(kind, describe(e))
}
