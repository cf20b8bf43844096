//! What becomes of a login token when its org's config is replaced or removed, or the host
//! shuts down: its `revoke-self` is queued for the host to send.

use super::Registry;
use crate::provider::Provider;

impl Registry {
    /// Queues the `revoke-self` of a dropped provider's login token. Tokens of token mode are
    /// the operator's, never revoked. Also drops the provider's credentials from the fresh
    /// index: exactly its cached kinds, since the index mirrors each provider's cache.
    pub(super) fn retire(&mut self, org_id: &str, provider: Box<Provider>) {
        for kind in provider.cache.keys() {
            self.fresh.remove(org_id, kind);
        }
        if matches!(provider.config.auth, crate::config::Auth::Token { .. }) {
            return;
        }
        if let Some(token) = provider.token {
            let request = crate::auth::revoke_self_request(&provider.config, &token.token);
            self.revocations.push(request);
        }
    }

    /// Queues the revocation of every org's login token and forgets the tokens, for a host
    /// shutting down; the orgs stay registered (a later resolve logs in again). Then send
    /// [`Registry::take_revocations`]. With shared logins the tokens are only forgotten: other
    /// replicas may be using them.
    pub fn shutdown(&mut self) {
        if self.options.shared_logins {
            for provider in self.orgs.values_mut() {
                provider.token = None;
            }
            return;
        }
        let mut requests = Vec::new();
        for provider in self.orgs.values_mut() {
            if matches!(provider.config.auth, crate::config::Auth::Token { .. }) {
                continue;
            }
            if let Some(token) = provider.token.take() {
                requests.push(crate::auth::revoke_self_request(
                    &provider.config,
                    &token.token,
                ));
            }
        }
        self.revocations.extend(requests);
    }

    /// Takes the `revoke-self` requests queued by [`Registry::register`] (a replaced config),
    /// [`Registry::unregister`] and [`Registry::shutdown`]. Send each once, best effort, off the
    /// path of any resolve; the answer does not matter (a token that is already gone is fine).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use vaultcred_core::{Next, Registry, VaultConfig};
    ///
    /// let mut registry = Registry::new();
    /// let config = VaultConfig::approle("https://vault.example.com:8200", "secret", "r", "s")?;
    /// registry.register("org_a", config)?;
    /// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_932_000);
    /// let mut op = registry.start_resolve("org_a", "k", now);
    /// let Next::Http(_login) = registry.poll(&mut op, now) else { unreachable!() };
    /// let answer = br#"{"auth":{"client_token":"hvs.EXAMPLE","lease_duration":3600,"renewable":true}}"#;
    /// registry.on_response(&mut op, Ok(http::Response::new(answer.to_vec())), now);
    ///
    /// assert!(registry.unregister("org_a"));
    /// let revocations = registry.take_revocations();
    /// assert_eq!(revocations.len(), 1);
    /// assert_eq!(revocations[0].uri().path(), "/v1/auth/token/revoke-self");
    /// assert_eq!(revocations[0].headers()["x-vault-token"], "hvs.EXAMPLE");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn take_revocations(&mut self) -> Vec<http::Request<Vec<u8>>> {
        std::mem::take(&mut self.revocations)
    }
}
