//! The fresh-credential index: what a cache hit needs, readable from many threads at once
//! without the registry.
//!
//! A host drives the [`Registry`](crate::Registry) behind one lock, and a cached resolve used
//! to take that lock too, so cached hits of different orgs on different cores waited for each
//! other. The registry now keeps a [`FreshIndex`] beside its own cache — every credential it
//! stores, replaces or drops is written here in the same step — and a host answers a hit from
//! the index with a shared (read) lock of one shard, the one the key's hash selects among
//! [`SHARDS`]. Hits of different keys rarely meet on a shard, and readers never wait for each
//! other. One hash per hit: it selects the shard and finds the entry.
//!
//! The rule stays the core's: [`FreshIndex::get`] serves a credential only while `now` is
//! before its `refreshAt`, exactly as a resolve would; anything else is a miss, and the host
//! goes through the registry as before.

use crate::credential::Credential;
use crate::provider::Hasher;
use hashbrown::HashTable;
use std::hash::{BuildHasher, Hasher as _};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

/// Number of shards: a power of two, enough that two busy orgs seldom share one.
pub const SHARDS: usize = 64;

/// One indexed credential. A hit reads the slot (hash, refresh time, key), the key's bytes and
/// the credential's reference count: four cache lines, whatever the number of orgs.
struct Entry {
    /// The key's hash, compared first and reused when the table grows.
    hash: u64,
    /// The credential's refreshAt, so a stale entry is a miss without reading the credential;
    /// as a `SystemTime`, so a hit compares it with the host's clock as it is (turning a
    /// `SystemTime` into milliseconds costs more than the rest of the lookup's arithmetic).
    refresh_at: SystemTime,
    /// `orgId`, a newline, `kind`: one allocation, compared in place (a stored orgId and kind
    /// are valid path segments, which never hold a newline, so the split is unambiguous).
    key: Box<str>,
    credential: Arc<Credential>,
}

impl Entry {
    fn is(&self, hash: u64, org_id: &str, kind: &str) -> bool {
        self.hash == hash
            && self.key.len() == org_id.len() + 1 + kind.len()
            && self.key.as_bytes().get(org_id.len()) == Some(&b'\n')
            && self.key.get(..org_id.len()) == Some(org_id)
            && self.key.get(org_id.len() + 1..) == Some(kind)
    }
}

/// `orgId`, a newline, `kind`, in one exact-size allocation (no formatting machinery: this
/// runs on every first store of a kind).
fn key_text(org_id: &str, kind: &str) -> Box<str> {
    let mut key = String::with_capacity(org_id.len() + 1 + kind.len());
    key.push_str(org_id);
    key.push('\n');
    key.push_str(kind);
    key.into_boxed_str()
}

/// One shard, aligned to its own cache lines so readers of neighbouring shards share none.
#[repr(align(128))]
struct Shard(RwLock<HashTable<Entry>>);

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
            .map(|_| Shard(RwLock::new(HashTable::new())))
            .collect();
        FreshIndex { shards, hasher }
    }

    /// The hash of `(org_id, kind)` (0xFF, which UTF-8 never contains, ends the org id, so no
    /// two pairs hash the same bytes) and the shard it selects. The shard comes from bits
    /// 32–37: the table itself uses the low bits for the bucket and the top 7 for its control
    /// bytes, so these leave both intact.
    fn locate(&self, org_id: &str, kind: &str) -> (u64, &RwLock<HashTable<Entry>>) {
        let mut h = self.hasher.build_hasher();
        h.write(org_id.as_bytes());
        h.write_u8(0xff);
        h.write(kind.as_bytes());
        let hash = h.finish();
        let shard = (hash >> 32) as usize % SHARDS;
        (hash, &self.shards[shard].0)
    }

    /// The credential of `kind` for `org_id` if the registry holds it and it is still fresh at
    /// `now` (before its `refreshAt`); `None` otherwise — then resolve through the registry.
    /// Takes one shard's read lock; allocates nothing.
    pub fn get(&self, org_id: &str, kind: &str, now: SystemTime) -> Option<Arc<Credential>> {
        let (hash, shard) = self.locate(org_id, kind);
        let table = shard.read().unwrap_or_else(PoisonError::into_inner);
        table
            .find(hash, |e| e.is(hash, org_id, kind))
            .filter(|e| now < e.refresh_at)
            .map(|e| Arc::clone(&e.credential))
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
        let (org_id, kind) = (credential.org_id.as_str(), credential.kind.as_str());
        let (hash, shard) = self.locate(org_id, kind);
        let mut table = shard.write().unwrap_or_else(PoisonError::into_inner);
        match table.find_mut(hash, |e| e.is(hash, org_id, kind)) {
            Some(entry) => {
                entry.refresh_at = credential.refresh_at();
                entry.credential = Arc::clone(credential);
            }
            None => {
                let entry = Entry {
                    hash,
                    refresh_at: credential.refresh_at(),
                    key: key_text(org_id, kind),
                    credential: Arc::clone(credential),
                };
                table.insert_unique(hash, entry, |e| e.hash);
            }
        }
    }

    /// Drops the credential of `kind` for `org_id`.
    pub(crate) fn remove(&self, org_id: &str, kind: &str) {
        let (hash, shard) = self.locate(org_id, kind);
        let mut table = shard.write().unwrap_or_else(PoisonError::into_inner);
        if let Ok(entry) = table.find_entry(hash, |e| e.is(hash, org_id, kind)) {
            entry.remove();
        }
    }
}

#[cfg(test)]
mod tests;
