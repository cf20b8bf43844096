//! The registry's side of shared logins ([`crate::shared`]): the host's answers in, the tokens
//! obtained out.

use super::Registry;
use crate::operation::{Inner, Input, Operation, Outcome};
use crate::refresh::to_ms;
use crate::shared::{ObtainedLogin, SharedAnswer};
use std::time::SystemTime;

#[allow(unused_imports, reason = "doc links")]
use crate::{Next, RegistryOptions};

impl Registry {
    /// Turns shared logins on ([`RegistryOptions::shared_logins`]), for a host that learns of
    /// the replicas' shared store after building the registry. Operations already waiting on a
    /// login of their own finish it unshared.
    pub fn share_logins(&mut self) {
        self.options.shared_logins = true;
    }

    /// Hands the host's answer to the [`Next::SharedLogin`] the operation asked (shared logins,
    /// see [`crate::shared`]).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use vaultcred_core::{Next, Registry, RegistryOptions, SecretString, SharedAnswer, SharedToken, VaultConfig};
    ///
    /// let options = RegistryOptions { shared_logins: true, ..RegistryOptions::default() };
    /// let mut registry = Registry::with_options(options);
    /// let config = VaultConfig::approle("https://vault.example.com:8200", "secret", "r", "s")?;
    /// registry.register("org_a", config)?;
    /// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_932_000);
    /// let mut op = registry.start_resolve("org_a", "k", now);
    /// assert!(matches!(registry.poll(&mut op, now), Next::SharedLogin(_)));
    /// // Another replica logged in a minute ago, for an hour: use its token, no login here.
    /// let shared = SharedToken {
    ///     token: SecretString::new("hvs.SHARED"),
    ///     issued_at: now - Duration::from_secs(60),
    ///     lease_secs: 3600,
    ///     renewable: true,
    /// };
    /// registry.on_shared_login(&mut op, SharedAnswer::Adopt(shared), now);
    /// let Next::Http(read) = registry.poll(&mut op, now) else { unreachable!() };
    /// assert_eq!(read.uri().path(), "/v1/secret/data/org_a/k");
    /// assert_eq!(read.headers()["x-vault-token"], "hvs.SHARED");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on_shared_login<O: Outcome>(
        &mut self,
        op: &mut Operation<O>,
        answer: SharedAnswer,
        now: SystemTime,
    ) {
        if let Inner::Running(run) = &mut op.inner {
            let org = self.lookup(&run.org_id);
            run.input(org, Input::Shared(answer), to_ms(now));
        }
    }

    /// Takes the tokens this registry's logins obtained since the last call, for the host to
    /// put in the replicas' shared store (shared logins only; otherwise always empty). Tokens of
    /// a config replaced or removed since are left out.
    pub fn take_logins(&mut self) -> Vec<ObtainedLogin> {
        if self.logins.is_empty() {
            return Vec::new();
        }
        let orgs = &self.orgs;
        std::mem::take(&mut self.logins)
            .into_iter()
            .filter(|p| {
                orgs.get(&p.login.org_id)
                    .is_some_and(|o| o.generation == p.generation)
            })
            .map(|p| p.login)
            .collect()
    }
}
