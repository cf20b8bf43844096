//! The registry: one provider per org, and the entry points hosts drive.

use crate::config::VaultConfig;
use crate::credential::{Credential, HealthReport, RotationEvent};
use crate::error::{CredentialNotFound, Reason};
use crate::error::{RegisterError, TransportError};
use crate::events::{Events, Notice, Notices};
use crate::fresh::FreshIndex;
use crate::operation::{
    Ctx, Health, Inner, Input, Next, Operation, Outcome, Resolve, ResolveResult, Run,
};
use crate::path::validate_segment;
use crate::provider::{Hasher, Ids, Provider};
use crate::refresh::to_ms;
use crate::retry::Jitter;
use crate::shared::Pending;
use http::Response;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

mod retire;
mod shared;

pub use crate::options::{DEFAULT_MAX_BODY_BYTES, RegistryOptions};

/// The wrapping token of a config's wrapped secretId, if it has one.
fn wrapping_token(config: &VaultConfig) -> Option<&crate::SecretString> {
    match config.auth() {
        crate::config::Auth::AppRole {
            secret_id: crate::config::AppRoleSecret::Wrapped(token),
            ..
        } => Some(token),
        _ => None,
    }
}

/// Every org's provider, and the entry points a host drives.
///
/// Nothing auto-registers: an org is resolvable only after [`Registry::register`]. Registering an
/// org again replaces its config and drops its cached token and credentials.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use vaultcred_core::{Next, Reason, Registry, VaultConfig};
///
/// let mut registry = Registry::new();
/// let config = VaultConfig::token("http://127.0.0.1:8200", "secret", "hvs.example").unwrap();
/// registry.register("org_abc123", config).unwrap();
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_932_000);
/// let mut op = registry.start_resolve("org_abc123", "anthropic-api-key", now);
/// // Token mode first learns the token's TTL…
/// match registry.poll(&mut op, now) {
///     Next::Http(request) => assert_eq!(request.uri(), "http://127.0.0.1:8200/v1/auth/token/lookup-self"),
///     other => panic!("{other:?}"),
/// }
/// let lookup = br#"{"data":{"ttl":0,"renewable":false}}"#.to_vec();
/// registry.on_response(&mut op, Ok(http::Response::new(lookup)), now);
/// // …then reads.
/// match registry.poll(&mut op, now) {
///     Next::Http(request) => assert_eq!(request.uri(), "http://127.0.0.1:8200/v1/secret/data/org_abc123/anthropic-api-key"),
///     other => panic!("{other:?}"),
/// }
///
/// let mut op = registry.start_resolve("org_unknown", "anthropic-api-key", now);
/// match registry.poll(&mut op, now) {
///     Next::Done(Err(e)) => assert_eq!(e.reason, Reason::NotConfigured),
///     other => panic!("{other:?}"),
/// }
/// ```
pub struct Registry {
    /// Boxed: the table's slots stay small (32 bytes) however large a provider is, so a
    /// lookup among 10,000 orgs walks a table that fits the CPU caches, and an idle org costs
    /// its provider's size, not the table's spare capacity times it.
    pub(crate) orgs: HashMap<String, Box<Provider>, Hasher>,
    /// Every cached credential again, for hosts' lock-free hits; kept in step with each
    /// provider's cache (see [`FreshIndex`]).
    fresh: Arc<FreshIndex>,
    hasher: Hasher,
    pub(crate) options: RegistryOptions,
    pub(crate) jitter: Jitter,
    events: Events,
    notices: Notices,
    revocations: Vec<http::Request<Vec<u8>>>,
    /// Tokens obtained by logins, for the host to share (shared logins only).
    logins: Vec<Pending>,
    ids: Ids,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::with_options(RegistryOptions::default())
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("orgs", &self.orgs.len())
            .field("pending_events", &self.events.len())
            .finish()
    }
}

impl Registry {
    /// An empty registry with default options.
    pub fn new() -> Self {
        Registry::default()
    }

    /// An empty registry with the given options.
    pub fn with_options(options: RegistryOptions) -> Self {
        // The hash seed is derived from the host's seed, not equal to it (the jitter stream
        // must not reveal it).
        let hasher = Hasher::with_seed(options.jitter_seed.rotate_left(17) ^ 0x6a09_e667_f3bc_c909);
        Registry {
            orgs: HashMap::with_hasher(hasher.clone()),
            fresh: Arc::new(FreshIndex::new(hasher.clone())),
            hasher,
            jitter: Jitter::new(options.jitter_seed),
            options,
            events: Events::default(),
            notices: Notices::default(),
            revocations: Vec::new(),
            logins: Vec::new(),
            ids: Ids::default(),
        }
    }

    /// The options in force.
    pub fn options(&self) -> &RegistryOptions {
        &self.options
    }

    /// The one place an operation's org is looked up: its context for one step, or `None` if
    /// the org is not registered.
    fn lookup(&mut self, org_id: &str) -> Option<Ctx<'_>> {
        let Registry {
            orgs,
            fresh,
            options,
            jitter,
            events,
            notices,
            ids,
            logins,
            ..
        } = self;
        orgs.get_mut(org_id).map(|org| Ctx {
            org,
            fresh,
            retry: &options.retry,
            max_body: options.max_body_bytes,
            jitter,
            events,
            notices,
            ids,
            shared: options.shared_logins,
            logins,
        })
    }

    /// Registers (or replaces) an org's config. Replacing drops the org's token and cache;
    /// operations in progress for it restart against the new config.
    ///
    /// The replaced config's login token is queued for revocation
    /// ([`Registry::take_revocations`]).
    pub fn register(&mut self, org_id: &str, config: VaultConfig) -> Result<(), RegisterError> {
        validate_segment("orgId", org_id)?;
        if let crate::config::Auth::Kubernetes { jwt_path, .. } = config.auth()
            && !self.options.jwt_path_allowed(jwt_path)
        {
            return Err(RegisterError::JwtPathNotAllowed {
                path: jwt_path.clone(),
                allowed: self.options.allowed_jwt_paths.clone(),
            });
        }
        let generation = self.ids.next();
        let mut provider = Box::new(Provider::new(config, generation, self.hasher.clone()));
        // The same wrapped secretId again (a reload of the same config row): its wrapping
        // token is used up, the secretId unwrapped from it is carried over.
        if let Some(old) = self.orgs.get(org_id)
            && wrapping_token(&old.config) == wrapping_token(&provider.config)
        {
            provider.unwrapped_secret_id = old.unwrapped_secret_id.clone();
        }
        let old = self.orgs.insert(org_id.to_owned(), provider);
        if let Some(old) = old {
            self.retire(org_id, old);
        }
        Ok(())
    }

    /// Removes an org. Returns whether it was registered. Its login token is queued for
    /// revocation ([`Registry::take_revocations`]).
    pub fn unregister(&mut self, org_id: &str) -> bool {
        match self.orgs.remove(org_id) {
            Some(old) => {
                self.retire(org_id, old);
                true
            }
            None => false,
        }
    }

    /// Drops the cached credential of `kind` for `org_id` (and a remembered denial of it), so
    /// the next resolve reads Vault; the org's token is kept. Returns whether a credential was
    /// cached. For a host that learns of a rotation out of band.
    pub fn invalidate(&mut self, org_id: &str, kind: &str) -> bool {
        let Some(provider) = self.orgs.get_mut(org_id) else {
            return false;
        };
        provider.denied.remove(kind);
        self.fresh.remove(org_id, kind);
        provider.cache.remove(kind).is_some()
    }

    /// Whether an org is registered.
    pub fn is_registered(&self, org_id: &str) -> bool {
        self.orgs.contains_key(org_id)
    }

    /// Number of registered orgs.
    pub fn len(&self) -> usize {
        self.orgs.len()
    }

    /// Whether no org is registered.
    pub fn is_empty(&self) -> bool {
        self.orgs.is_empty()
    }

    /// An org's config.
    pub fn config(&self, org_id: &str) -> Option<&VaultConfig> {
        self.orgs.get(org_id).map(|p| &p.config)
    }

    /// The index of fresh cached credentials, shared: a host keeps it and answers cache hits
    /// from it ([`FreshIndex::get`]) without holding the registry, on any thread. The registry
    /// keeps it in step with its cache in every step that changes the cache.
    pub fn fresh_index(&self) -> Arc<FreshIndex> {
        Arc::clone(&self.fresh)
    }

    /// The cached credential if it is still fresh at `now` (no request needed).
    pub fn cached(&self, org_id: &str, kind: &str, now: SystemTime) -> Option<Arc<Credential>> {
        let now = to_ms(now);
        self.orgs
            .get(org_id)?
            .cache
            .get(kind)
            .filter(|c| now < c.refresh_at_ms)
            .cloned()
    }

    /// Starts resolving `kind` for `org_id`. A fresh cached credential finishes the operation at
    /// once without allocating; otherwise poll it with [`Registry::poll`].
    pub fn start_resolve(
        &mut self,
        org_id: &str,
        kind: &str,
        now: SystemTime,
    ) -> Operation<ResolveResult> {
        let now_ms = to_ms(now);
        let Some(provider) = self.orgs.get(org_id) else {
            let message = format!("no Vault config is registered for org {org_id:?}");
            return Operation::done(Err(CredentialNotFound::new(
                org_id,
                kind,
                Reason::NotConfigured,
                message,
            )));
        };
        if let Some(hit) = provider.cache.get(kind)
            && now_ms < hit.refresh_at_ms
        {
            return Operation::done(Ok(Arc::clone(hit)));
        }
        let budget = self.options.retry.deadline_ms();
        let run = Run::new(
            Resolve::new(kind),
            org_id,
            provider.generation,
            now_ms,
            budget,
        );
        Operation::running(run)
    }

    /// Starts a health check for `org_id`, a test resolve: the org's token as a resolve gets it,
    /// then the mount and read-permission checks ([`HealthReport::checks`]). The latency is
    /// measured between `now` here and the `now` of the last step.
    pub fn start_health(&mut self, org_id: &str, now: SystemTime) -> Operation<HealthReport> {
        let now_ms = to_ms(now);
        let generation = self.orgs.get(org_id).map_or(0, |p| p.generation);
        let budget = self.options.retry.deadline_ms();
        Operation::running(Run::new(
            Health::new(now_ms),
            org_id,
            generation,
            now_ms,
            budget,
        ))
    }

    /// Advances an operation: what must the host do next?
    pub fn poll<O: Outcome>(&mut self, op: &mut Operation<O>, now: SystemTime) -> Next<O> {
        match &mut op.inner {
            Inner::Done(outcome) => Next::Done(outcome.clone()),
            Inner::Running(run) => {
                let org = self.lookup(&run.org_id);
                run.poll(org, to_ms(now))
            }
        }
    }

    /// Hands the answer to the request the last [`Next::Http`] asked for.
    pub fn on_response<O: Outcome>(
        &mut self,
        op: &mut Operation<O>,
        response: Result<Response<Vec<u8>>, TransportError>,
        now: SystemTime,
    ) {
        if let Inner::Running(run) = &mut op.inner {
            let org = self.lookup(&run.org_id);
            run.input(org, Input::Response(response), to_ms(now));
        }
    }

    /// Hands the contents of the file the last [`Next::ReadFile`] asked for.
    pub fn on_file<O: Outcome>(
        &mut self,
        op: &mut Operation<O>,
        contents: Result<Vec<u8>, std::io::Error>,
        now: SystemTime,
    ) {
        if let Inner::Running(run) = &mut op.inner {
            let org = self.lookup(&run.org_id);
            run.input(org, Input::File(contents), to_ms(now));
        }
    }

    /// Abandons an operation (e.g. its future was dropped), releasing any login it was doing so
    /// others need not wait for it. It finishes with `timeout`.
    pub fn cancel<O: Outcome>(&mut self, op: &mut Operation<O>) {
        if let Inner::Running(run) = &mut op.inner {
            let org = self.lookup(&run.org_id);
            run.cancel(org);
        }
    }

    /// Takes every pending rotation event, oldest first.
    pub fn drain_events(&mut self) -> impl Iterator<Item = RotationEvent> + '_ {
        self.events.drain()
    }

    /// Takes every pending notice (things to log once, e.g. a token whose TTL cannot be
    /// learnt), oldest first.
    pub fn drain_notices(&mut self) -> impl Iterator<Item = Notice> + '_ {
        self.notices.drain()
    }

    /// How many rotation events were dropped because nobody drained them.
    pub fn dropped_events(&self) -> u64 {
        self.events.dropped()
    }
}
