//! The [`AddressPolicy`] at connect time, under the TLS layer.
//!
//! hyper-util's `HttpConnector` connects to an IP-literal host (`127.0.0.1`, `[::1]`) at once
//! and asks its resolver only for names (`HttpConnector::call_async`, `SocketAddrs::try_parse`
//! in hyper-util 0.1). So the policy is applied in three places:
//! - [`Guarded`] refuses a refused literal before anything else;
//! - [`PolicyResolver`] drops, after DNS, every address the policy refuses, so the connector
//!   tries only permitted ones: the addresses checked are the ones connected to, and DNS
//!   rebinding gains nothing;
//! - [`Guarded`] checks the peer of every new connection before it carries a byte, whatever
//!   led to it.

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};
use hyper_util::rt::TokioIo;
use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::net::TcpStream;
use tower_service::Service;
use vaultcred_host::{AddressNotAllowed, AddressPolicy, chain};

type BoxError = Box<dyn StdError + Send + Sync>;
type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

/// How many refused addresses a [`NoAllowedAddress`] message names.
const SHOWN: usize = 4;

/// hyper-util's connector over [`PolicyResolver`], checking IP literals and peers too.
#[derive(Clone)]
pub(crate) struct Guarded {
    http: HttpConnector<PolicyResolver>,
    policy: Arc<AddressPolicy>,
}

impl Guarded {
    /// A connector applying `policy` (an allow-all one checks nothing). Like the connector
    /// `hyper_rustls` builds, it takes `https` URIs too: the TLS layer above checks schemes.
    pub(crate) fn new(policy: AddressPolicy) -> Guarded {
        let policy = Arc::new(policy);
        let mut http = HttpConnector::new_with_resolver(PolicyResolver {
            policy: Arc::clone(&policy),
            gai: GaiResolver::new(),
        });
        http.enforce_http(false);
        Guarded { http, policy }
    }
}

impl Service<http::Uri> for Guarded {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = BoxFuture<TokioIo<TcpStream>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        if self.policy.is_allow_all() {
            let connecting = self.http.call(dst);
            return Box::pin(async move { connecting.await.map_err(Into::into) });
        }
        if let Some(ip) = literal(&dst)
            && let Err(refused) = self.policy.check(ip)
        {
            return Box::pin(std::future::ready(Err(refused.into())));
        }
        let policy = Arc::clone(&self.policy);
        let connecting = self.http.call(dst);
        Box::pin(async move {
            let stream = connecting.await?;
            policy.check(stream.inner().peer_addr()?.ip())?;
            Ok(stream)
        })
    }
}

/// The address `dst`'s host is, if it is an IP literal: what `HttpConnector` connects to
/// without resolving.
fn literal(dst: &http::Uri) -> Option<IpAddr> {
    vaultcred_host::literal_ip(dst)
}

/// The system resolver (`getaddrinfo` on a blocking thread, as hyper-util's default), keeping
/// only the addresses the policy permits.
#[derive(Clone)]
pub(crate) struct PolicyResolver {
    policy: Arc<AddressPolicy>,
    gai: GaiResolver,
}

impl Service<Name> for PolicyResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = BoxError;
    type Future = BoxFuture<std::vec::IntoIter<SocketAddr>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.gai.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let policy = Arc::clone(&self.policy);
        let lookup = self.gai.call(name.clone());
        Box::pin(async move {
            let addrs = lookup.await?.collect();
            Ok(permitted(&policy, name.as_str(), addrs)?.into_iter())
        })
    }
}

/// The addresses of `host` that the policy permits; an error naming the refused ones when it
/// permits none of them.
fn permitted(
    policy: &AddressPolicy,
    host: &str,
    addrs: Vec<SocketAddr>,
) -> Result<Vec<SocketAddr>, NoAllowedAddress> {
    let mut refused = Vec::new();
    let mut allowed = Vec::with_capacity(addrs.len());
    for addr in addrs {
        match policy.check(addr.ip()) {
            Ok(()) => allowed.push(addr),
            Err(e) => refused.push(e),
        }
    }
    if allowed.is_empty() && !refused.is_empty() {
        return Err(NoAllowedAddress {
            host: host.to_owned(),
            refused,
        });
    }
    Ok(allowed)
}

/// A host name whose every address the policy refuses.
#[derive(Debug)]
struct NoAllowedAddress {
    host: String,
    refused: Vec<AddressNotAllowed>,
}

impl fmt::Display for NoAllowedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.host)?;
        for (i, refused) in self.refused.iter().take(SHOWN).enumerate() {
            let sep = if i == 0 { "" } else { "; " };
            write!(f, "{sep}{refused}")?;
        }
        match self.refused.len().checked_sub(SHOWN) {
            Some(more) if more > 0 => write!(f, "; and {more} more"),
            _ => Ok(()),
        }
    }
}

impl StdError for NoAllowedAddress {}

/// What the address policy refused, if that is why `e` happened.
pub(crate) fn refusal(e: &(dyn StdError + 'static)) -> Option<String> {
    chain(e).find_map(|e| {
        e.downcast_ref::<AddressNotAllowed>()
            .map(ToString::to_string)
            .or_else(|| {
                e.downcast_ref::<NoAllowedAddress>()
                    .map(ToString::to_string)
            })
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    fn addrs(ips: &[&str]) -> Vec<SocketAddr> {
        ips.iter()
            .map(|ip| SocketAddr::new(ip.parse().unwrap(), 8200))
            .collect()
    }

    #[test]
    fn literals_are_recognised_as_hyper_util_does() {
        let host = |uri: &str| literal(&uri.parse().unwrap());
        assert_eq!(host("http://127.0.0.1:8200/"), "127.0.0.1".parse().ok());
        assert_eq!(host("https://[::1]:8200/v1"), "::1".parse().ok());
        assert_eq!(
            host("http://[::ffff:127.0.0.1]/"),
            "::ffff:127.0.0.1".parse().ok()
        );
        assert_eq!(host("http://localhost:8200/"), None);
        assert_eq!(host("http://vault.example.com/"), None);
        // Not a literal to std (nor to hyper-util): getaddrinfo resolves it, the resolver judges.
        assert_eq!(host("http://127.1:8200/"), None);
    }

    #[test]
    fn the_resolver_keeps_only_permitted_addresses() {
        let policy = AddressPolicy::public_only();
        let mixed = addrs(&["127.0.0.1", "203.0.114.10", "::1", "2606:4700::1"]);
        let kept = permitted(&policy, "mixed.example", mixed).unwrap();
        assert_eq!(kept, addrs(&["203.0.114.10", "2606:4700::1"]));

        let err = permitted(&policy, "localhost", addrs(&["::1", "127.0.0.1"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "localhost: address ::1 is not allowed by the address policy (loopback); \
             address 127.0.0.1 is not allowed by the address policy (loopback)"
        );
        let boxed: BoxError = Box::new(err);
        assert!(
            refusal(&*boxed)
                .unwrap()
                .starts_with("localhost: address ::1")
        );

        let many = addrs(&[
            "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6",
        ]);
        let err = permitted(&policy, "many", many).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("10.0.0.4 is not allowed by the address policy (private); and 2 more"),
            "{err}"
        );

        // No address at all is left to the connector to report, as without a policy.
        assert_eq!(permitted(&policy, "none", Vec::new()).unwrap(), Vec::new());
        let everything = AddressPolicy::allow_all();
        assert_eq!(
            permitted(&everything, "localhost", addrs(&["127.0.0.1"]))
                .unwrap()
                .len(),
            1
        );
    }
}
