//! The HTTP transport, built from the shared [`Setup`]: hyper's pooled client over rustls.

use crate::{Client, Shared};
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::{FixedServerNameResolver, HttpsConnector};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::error::Error as StdError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, broadcast};
use vaultcred_core::{Registry, TransportError, TransportErrorKind};
use vaultcred_host::{BuildError, Connect, Setup};

impl Connect for Client {
    const CLIENT: &'static str = "vaultcred-hyper";

    fn connect(setup: Setup) -> Result<Client, BuildError> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(setup.tls.rustls_config()?)
            .https_or_http();
        let https = match &setup.tls.server_name {
            Some(name) => https
                .with_server_name_resolver(FixedServerNameResolver::new(name.clone()))
                .enable_http1()
                .build(),
            None => https.enable_http1().build(),
        };
        // Redirects are never followed: hyper's client does not, and must not here.
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build(https);
        let (events, _) = broadcast::channel(256);
        Ok(Client {
            shared: Arc::new(Shared {
                registry: Mutex::new(Registry::with_options(setup.registry_options())),
                progress: Notify::new(),
                events,
                transport: Transport {
                    http,
                    timeout: setup.timeout,
                    max_body_bytes: setup.max_body_bytes,
                },
            }),
        })
    }
}

/// Sends the core's requests: one pooled keep-alive client, a timeout and a body cap per call.
pub(crate) struct Transport {
    http: hyper_util::client::legacy::Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    max_body_bytes: usize,
}

impl Transport {
    pub(crate) async fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let started = Instant::now();
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| send_error(&e))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, self.max_body_bytes)
                .collect()
                .await
                .map_err(|e| body_error(&*e, self.max_body_bytes))?;
            Ok(Response::from_parts(parts, body.to_bytes().to_vec()))
        };
        let result = tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(TransportError::new(
                    TransportErrorKind::TimedOut,
                    format!(
                        "no complete response within {} ms",
                        self.timeout.as_millis()
                    ),
                ))
            });
        let latency_ms = started.elapsed().as_millis();
        match &result {
            Ok(r) => {
                tracing::debug!(target: "vaultcred", %method, path, status = r.status().as_u16(), latency_ms, "vault http exchange")
            }
            Err(e) => {
                tracing::debug!(target: "vaultcred", %method, path, error = %e, latency_ms, "vault http exchange failed")
            }
        }
        result
    }
}

/// The error and its sources, looking inside `io::Error`s (whose `source()` skips the error
/// they wrap, and which hyper-rustls wraps twice around a rustls error).
fn chain<'a>(
    e: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(e), |e| {
        match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => (*e).source(),
        }
    })
}

/// Display of the error and of its sources (none carries request headers).
fn describe(e: &(dyn StdError + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn is_closed(e: &(dyn StdError + 'static)) -> bool {
    use std::io::ErrorKind::*;
    chain(e).any(|e| {
        e.downcast_ref::<hyper::Error>()
            .is_some_and(|h| h.is_incomplete_message() || h.is_closed() || h.is_canceled())
            || e.downcast_ref::<std::io::Error>().is_some_and(|io| {
                matches!(
                    io.kind(),
                    ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
                )
            })
    })
}

fn send_error(e: &hyper_util::client::legacy::Error) -> TransportError {
    let kind = if chain(e).any(|e| e.is::<rustls::Error>()) {
        TransportErrorKind::Tls
    } else if e.is_connect() {
        TransportErrorKind::Refused
    } else if is_closed(e) {
        TransportErrorKind::Closed
    } else {
        TransportErrorKind::Other
    };
    TransportError::new(kind, describe(e))
}

fn body_error(e: &(dyn StdError + Send + Sync + 'static), max: usize) -> TransportError {
    if e.is::<LengthLimitError>() {
        let detail = format!("over the {max}-byte cap, stopped reading");
        return TransportError::new(TransportErrorKind::BodyTooLarge, detail);
    }
    let kind = if chain(e).any(|e| e.is::<rustls::Error>()) {
        TransportErrorKind::Tls
    } else {
        // A body that stops arriving means the connection broke.
        TransportErrorKind::Closed
    };
    TransportError::new(kind, describe(e))
}
