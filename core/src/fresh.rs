//! The fresh-credential index: what a cache hit needs, readable from many threads at once
//! without the registry.
//!
//! A host drives the [`Registry`](crate::Registry) behind one lock, and a cached resolve used
//! to take that lock too, so cached hits of different orgs on different cores waited for each
//! other. The registry now keeps a [`FreshIndex`] beside its own cache — every credential it
//! stores, replaces or drops is written here in the same step — and a host answers a hit from
//! the index with a shared (read) lock of one shard: the org's, one of [`SHARDS`]. Hits of
//! different orgs rarely meet on a shard, and readers never wait for each other.
//!
//! The rule stays the core's: [`FreshIndex::get`] serves a credential only while `now` is
//! before its `refreshAt`, exactly as a resolve would; anything else is a miss, and the host
//! goes through the registry as before.

use crate::credential::Credential;
use crate::provider::Hasher;
use crate::refresh::to_ms;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher as _};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

/// Number of shards: a power of two, enough that two busy orgs seldom share one.
pub const SHARDS: usize = 64;

/// An `(orgId, kind)` key, owned.
struct Key {
    org: Box<str>,
    kind: Box<str>,
}

/// A key seen as a pair of strings, so a lookup borrows `(&str, &str)` without allocating.
trait Pair {
    fn org(&self) -> &str;
    fn kind(&self) -> &str;
}

impl Pair for Key {
    fn org(&self) -> &str {
        &self.org
    }
    fn kind(&self) -> &str {
        &self.kind
    }
}

impl Pair for (&str, &str) {
    fn org(&self) -> &str {
        self.0
    }
    fn kind(&self) -> &str {
        self.1
    }
}

impl<'a> Borrow<dyn Pair + 'a> for Key {
    fn borrow(&self) -> &(dyn Pair + 'a) {
        self
    }
}

impl Hash for dyn Pair + '_ {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.org().hash(state);
        self.kind().hash(state);
    }
}

impl PartialEq for dyn Pair + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.org() == other.org() && self.kind() == other.kind()
    }
}

impl Eq for dyn Pair + '_ {}

// `Key` hashes and compares exactly as its `dyn Pair` view, as `Borrow` requires.
impl Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self as &dyn Pair).hash(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        (self as &dyn Pair) == (other as &dyn Pair)
    }
}

impl Eq for Key {}

/// One shard, aligned to its own cache lines so readers of neighbouring shards share none.
#[repr(align(128))]
struct Shard(RwLock<HashMap<Key, Arc<Credential>, Hasher>>);

/// The credentials a host may serve without the registry, shared by the registry (which
/// writes it) and the host (which reads it). Get it with
/// [`Registry::fresh_index`](crate::Registry::fresh_index).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use vaultcred_core::{Next, Registry, VaultConfig};
///
/// let mut registry = Registry::new();
/// let index = registry.fresh_index();
/// let config = VaultConfig::token("http://127.0.0.1:8200", "secret", "hvs.example")?;
/// registry.register("org_a", config)?;
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_932_000);
/// assert!(index.get("org_a", "api-key", now).is_none());
///
/// // A resolve through the registry (lookup-self, then the read) fills the index.
/// let mut op = registry.start_resolve("org_a", "api-key", now);
/// let answers: [&[u8]; 2] = [
///     br#"{"data":{"ttl":0,"renewable":false}}"#,
///     br#"{"data":{"data":{"value":"sk-1"},"metadata":{"version":1}}}"#,
/// ];
/// for answer in answers {
///     let Next::Http(_) = registry.poll(&mut op, now) else { unreachable!() };
///     registry.on_response(&mut op, Ok(http::Response::new(answer.to_vec())), now);
/// }
/// let Next::Done(Ok(resolved)) = registry.poll(&mut op, now) else { unreachable!() };
///
/// // Another thread may now answer the hit without the registry…
/// let hit = index.get("org_a", "api-key", now).expect("fresh");
/// assert_eq!(hit.value(), resolved.value());
/// // …until refreshAt, and never after the org is unregistered.
/// assert!(index.get("org_a", "api-key", resolved.refresh_at()).is_none());
/// registry.unregister("org_a");
/// assert!(index.get("org_a", "api-key", now).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct FreshIndex {
    shards: Box<[Shard]>,
    hasher: Hasher,
}

impl std::fmt::Debug for FreshIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FreshIndex")
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

impl FreshIndex {
    /// An empty index whose maps use `hasher` (the registry's, seeded by the host).
    pub(crate) fn new(hasher: Hasher) -> Self {
        let shards = (0..SHARDS)
            .map(|_| Shard(RwLock::new(HashMap::with_hasher(hasher.clone()))))
            .collect();
        FreshIndex { shards, hasher }
    }

    /// The shard of `org_id`: all of an org's credentials live in one shard.
    fn shard(&self, org_id: &str) -> &RwLock<HashMap<Key, Arc<Credential>, Hasher>> {
        let mut h = self.hasher.build_hasher();
        h.write(org_id.as_bytes());
        // The high bits: foldhash mixes them best.
        let i = (h.finish() >> 58) as usize % SHARDS;
        &self.shards[i].0
    }

    /// The credential of `kind` for `org_id` if the registry holds it and it is still fresh at
    /// `now` (before its `refreshAt`); `None` otherwise — then resolve through the registry.
    /// Takes one shard's read lock; allocates nothing.
    pub fn get(&self, org_id: &str, kind: &str, now: SystemTime) -> Option<Arc<Credential>> {
        let now_ms = to_ms(now);
        let map = self
            .shard(org_id)
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        map.get(&(org_id, kind) as &dyn Pair)
            .filter(|c| now_ms < c.refresh_at_ms)
            .cloned()
    }

    /// Number of credentials indexed (fresh or not), for tests and metrics.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.0.read().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stores (or replaces) `credential` under its org and kind.
    pub(crate) fn store(&self, credential: &Arc<Credential>) {
        let key = Key {
            org: credential.org_id.as_str().into(),
            kind: credential.kind.as_str().into(),
        };
        self.shard(&credential.org_id)
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, Arc::clone(credential));
    }

    /// Drops the credential of `kind` for `org_id`.
    pub(crate) fn remove(&self, org_id: &str, kind: &str) {
        self.shard(org_id)
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&(org_id, kind) as &dyn Pair);
    }

    /// Drops every credential of `org_id` (registered again, or unregistered).
    pub(crate) fn remove_org(&self, org_id: &str) {
        self.shard(org_id)
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|key, _| &*key.org != org_id);
    }
}

#[cfg(test)]
mod tests;
