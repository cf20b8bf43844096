//! Request metrics by route: a tower layer put on each route with that route's label, holding
//! the route's metric handles resolved once, so a request costs two clock reads, an atomic add
//! and a histogram observation — no label lookup, no allocation, no boxed future (what
//! `axum::middleware::from_fn` costs).

use crate::metrics::{Metrics, Request as RequestLabels, Route};
use axum::http::{Method, Request, Response, StatusCode};
use pin_project_lite::pin_project;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

/// The metrics of one route, each resolved at its first use (so that a series appears in
/// `/metrics` only once it has counted something) and kept.
struct Handles {
    route: &'static str,
    metrics: Arc<Metrics>,
    latency: OnceLock<Histogram>,
    /// `GET`, `POST`, `DELETE` answered 200: the common case, counted without a lookup.
    ok: [OnceLock<Counter>; 3],
}

impl Handles {
    fn latency(&self) -> &Histogram {
        self.latency.get_or_init(|| {
            let route = Route { route: self.route };
            self.metrics.latency.get_or_create(&route).clone()
        })
    }

    fn ok(&self, index: usize, method: &'static str) -> Option<&Counter> {
        let slot = self.ok.get(index)?;
        Some(slot.get_or_init(|| {
            let labels = RequestLabels {
                route: self.route,
                method,
                status: 200,
            };
            self.metrics.requests.get_or_create(&labels).clone()
        }))
    }
}

/// Counts the requests of the route it is put on, and their latency.
#[derive(Clone)]
pub(crate) struct Track {
    handles: Arc<Handles>,
}

impl Track {
    /// For `route` (a path pattern of the API, or `page`).
    pub(crate) fn new(metrics: &Arc<Metrics>, route: &'static str) -> Track {
        Track {
            handles: Arc::new(Handles {
                route,
                metrics: Arc::clone(metrics),
                latency: OnceLock::new(),
                ok: Default::default(),
            }),
        }
    }
}

impl<S> tower_layer::Layer<S> for Track {
    type Service = Tracked<S>;

    fn layer(&self, inner: S) -> Tracked<S> {
        Tracked {
            inner,
            handles: Arc::clone(&self.handles),
        }
    }
}

/// A route's service with its requests counted.
#[derive(Clone)]
pub(crate) struct Tracked<S> {
    inner: S,
    handles: Arc<Handles>,
}

/// The method label (a known method, or `other`), as an index into [`Handles::ok`] too.
fn method(method: &Method) -> (&'static str, Option<usize>) {
    match *method {
        Method::GET => ("GET", Some(0)),
        Method::POST => ("POST", Some(1)),
        Method::DELETE => ("DELETE", Some(2)),
        _ => ("other", None),
    }
}

impl<S, B, R> tower_service::Service<Request<B>> for Tracked<S>
where
    S: tower_service::Service<Request<B>, Response = Response<R>>,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = Counted<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let method = method(request.method());
        Counted {
            inner: self.inner.call(request),
            handles: Arc::clone(&self.handles),
            method,
            started: Instant::now(),
        }
    }
}

pin_project! {
    /// The route's answer, counted when it is ready.
    pub(crate) struct Counted<F> {
        #[pin]
        inner: F,
        handles: Arc<Handles>,
        method: (&'static str, Option<usize>),
        started: Instant,
    }
}

impl<F, R, E> Future for Counted<F>
where
    F: Future<Output = Result<Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let output = std::task::ready!(this.inner.poll(cx));
        if let Ok(response) = &output {
            let handles = &**this.handles;
            let (method, index) = *this.method;
            match (response.status(), index.and_then(|i| handles.ok(i, method))) {
                (StatusCode::OK, Some(counter)) => {
                    counter.inc();
                }
                (status, _) => {
                    let labels = RequestLabels {
                        route: handles.route,
                        method,
                        status: status.as_u16(),
                    };
                    handles.metrics.requests.get_or_create(&labels).inc();
                }
            }
            handles
                .latency()
                .observe(this.started.elapsed().as_secs_f64());
        }
        Poll::Ready(output)
    }
}
