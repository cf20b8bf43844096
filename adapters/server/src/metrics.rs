//! Prometheus metrics (OpenMetrics text at `GET /metrics`): HTTP requests and their latency by
//! route, resolves by result, cache hits, Vault calls by kind (login, renewal, read…), health
//! checks and rotations. Labels are routes, methods, statuses and reasons — never an org, a
//! kind, a path with an org in it, or anything secret.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicI64;

/// `route` (the matched pattern, e.g. `/api/org/credentials/{kind}`), `method`, `status`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Request {
    pub(crate) route: &'static str,
    pub(crate) method: &'static str,
    pub(crate) status: u16,
}

/// `route`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Route {
    pub(crate) route: &'static str,
}

/// `result`: `ok` or a reason (`missing`, `timeout`, …).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Outcome {
    pub(crate) result: &'static str,
}

/// `call` (`login`, `renew`, `lookup`, `revoke`, `read`, `other`) and `outcome` (`answered`:
/// Vault answered, whatever the status; `failed`: no answer — refused, timed out, TLS…).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct VaultCall {
    pub(crate) call: &'static str,
    pub(crate) outcome: &'static str,
}

fn latency_histogram() -> Histogram {
    // 100 µs … ~26 s.
    Histogram::new(exponential_buckets(0.0001, 4.0, 10))
}

/// Every metric of a service.
pub(crate) struct Metrics {
    registry: Registry,
    pub(crate) requests: Family<Request, Counter>,
    pub(crate) latency: Family<Route, Histogram, fn() -> Histogram>,
    pub(crate) resolves: Family<Outcome, Counter>,
    /// `resolves{result="ok"}`, resolved at first use and kept: the dispatch's hot path counts
    /// without a lookup.
    resolves_ok: std::sync::OnceLock<Counter>,
    pub(crate) cache_hits: Counter,
    pub(crate) health_checks: Family<Outcome, Counter>,
    pub(crate) vault_calls: Family<VaultCall, Counter>,
    pub(crate) rotations: Counter,
    pub(crate) orgs_registered: Gauge<i64, AtomicI64>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("vaultcred");
        let requests = Family::<Request, Counter>::default();
        let latency = Family::<Route, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let resolves = Family::<Outcome, Counter>::default();
        let cache_hits = Counter::default();
        let health_checks = Family::<Outcome, Counter>::default();
        let vault_calls = Family::<VaultCall, Counter>::default();
        let rotations = Counter::default();
        let orgs_registered = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            latency.clone(),
        );
        registry.register(
            "resolves",
            "Dispatch resolves, by result (ok or the reason)",
            resolves.clone(),
        );
        registry.register(
            "cache_hits",
            "Dispatch resolves answered from the cache",
            cache_hits.clone(),
        );
        registry.register(
            "health_checks",
            "Health checks, by result (ok or the reason)",
            health_checks.clone(),
        );
        registry.register(
            "vault_calls",
            "HTTP calls to Vault, by call and outcome",
            vault_calls.clone(),
        );
        registry.register(
            "rotations",
            "Credential rotations detected",
            rotations.clone(),
        );
        registry.register(
            "orgs_registered",
            "Orgs registered in the live client",
            orgs_registered.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            resolves,
            resolves_ok: std::sync::OnceLock::new(),
            cache_hits,
            health_checks,
            vault_calls,
            rotations,
            orgs_registered,
        }
    }
}

impl Metrics {
    /// Counts a resolve that succeeded.
    pub(crate) fn resolved_ok(&self) {
        self.resolves_ok
            .get_or_init(|| {
                self.resolves
                    .get_or_create(&Outcome { result: "ok" })
                    .clone()
            })
            .inc();
    }

    /// The OpenMetrics text exposition.
    pub(crate) fn encode(&self) -> String {
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }

    /// Counts one Vault call, from its path (`/v1/auth/approle/login`, …): what the call does is
    /// the core's to say ([`vaultcred_core::call::Call`]).
    pub(crate) fn vault_call(&self, path: &str, ok: bool) {
        let call = vaultcred_core::call::Call::of(path).as_str();
        let outcome = if ok { "answered" } else { "failed" };
        self.vault_calls
            .get_or_create(&VaultCall { call, outcome })
            .inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_calls_are_told_apart_by_path_and_never_labelled_by_it() {
        let metrics = Metrics::default();
        metrics.vault_call("/v1/auth/approle/login", true);
        metrics.vault_call("/v1/auth/token/renew-self", true);
        metrics.vault_call("/v1/secret/data/org_secret_name/kind", false);
        let text = metrics.encode();
        assert!(
            text.contains(r#"vaultcred_vault_calls_total{call="login",outcome="answered"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"vaultcred_vault_calls_total{call="renew",outcome="answered"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"vaultcred_vault_calls_total{call="read",outcome="failed"} 1"#),
            "{text}"
        );
        assert!(!text.contains("org_secret_name"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}
