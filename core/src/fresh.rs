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

/// Key bytes kept inside the entry itself; longer keys go to the heap.
const INLINE: usize = 38;

/// `orgId`, a newline, `kind`. Kept inside the entry when it fits in [`INLINE`] bytes (any
/// org id and kind of usual length), so a hit compares it on the cache lines it already reads
/// for the hash and the refresh time; a longer key is one exact-size heap allocation.
enum Key {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl Key {
    /// The key of `(org_id, kind)`. A stored orgId and kind are valid path segments, which never
    /// hold a newline, so the split is unambiguous.
    fn new(org_id: &str, kind: &str) -> Key {
        let len = org_id.len() + 1 + kind.len();
        let mut bytes = [0u8; INLINE];
        match (u8::try_from(len), bytes.get_mut(..len)) {
            (Ok(short), Some(slot)) => {
                let (org, rest) = slot.split_at_mut(org_id.len());
                org.copy_from_slice(org_id.as_bytes());
                if let Some((newline, kind_slot)) = rest.split_first_mut() {
                    *newline = b'\n';
                    kind_slot.copy_from_slice(kind.as_bytes());
                }
                Key::Inline { len: short, bytes }
            }
            _ => {
                let mut heap = Vec::with_capacity(len);
                heap.extend_from_slice(org_id.as_bytes());
                heap.push(b'\n');
                heap.extend_from_slice(kind.as_bytes());
                Key::Heap(heap.into_boxed_slice())
            }
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Key::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            Key::Heap(bytes) => bytes,
        }
    }

    fn is(&self, org_id: &str, kind: &str) -> bool {
        let key = self.bytes();
        key.len() == org_id.len() + 1 + kind.len()
            && key.get(org_id.len()) == Some(&b'\n')
            && key.get(..org_id.len()) == Some(org_id.as_bytes())
            && key.get(org_id.len() + 1..) == Some(kind.as_bytes())
    }
}

/// One indexed credential in one aligned cache line (refresh time, pointer, key inline), so a
/// hit reads that line and the credential's reference count, whatever the number of orgs. The
/// hash is not kept: the table's control bytes already filter by 7 of its bits, and a resize
/// recomputes it from the key.
#[repr(align(64))]
struct Entry {
    /// The credential's refreshAt, so a stale entry is a miss without reading the credential;
    /// as a `SystemTime`, so a hit compares it with the host's clock as it is (turning a
    /// `SystemTime` into milliseconds costs more than the rest of the lookup's arithmetic).
    refresh_at: SystemTime,
    credential: Arc<Credential>,
    key: Key,
}

const _: () = assert!(std::mem::size_of::<Entry>() == 64);

impl Entry {
    fn is(&self, org_id: &str, kind: &str) -> bool {
        self.key.is(org_id, kind)
    }
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

    /// The hash of `(org_id, kind)`: 0xFF, which UTF-8 never contains, ends the org id, so no
    /// two pairs hash the same bytes.
    fn hash(&self, org_id: &[u8], kind: &[u8]) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(org_id);
        h.write_u8(0xff);
        h.write(kind);
        h.finish()
    }

    /// The hash of a stored entry, for the table's resize (the key's first newline ends the
    /// org id).
    fn rehash(&self, entry: &Entry) -> u64 {
        let key = entry.key.bytes();
        let split = key.iter().position(|&b| b == b'\n').unwrap_or(key.len());
        let (org_id, kind) = key.split_at(split);
        self.hash(org_id, kind.get(1..).unwrap_or_default())
    }

    /// The hash of `(org_id, kind)` and the shard it selects. The shard comes from bits 32–37:
    /// the table itself uses the low bits for the bucket and the top 7 for its control bytes,
    /// so these leave both intact.
    fn locate(&self, org_id: &str, kind: &str) -> (u64, &RwLock<HashTable<Entry>>) {
        let hash = self.hash(org_id.as_bytes(), kind.as_bytes());
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
            .find(hash, |e| e.is(org_id, kind))
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
        match table.find_mut(hash, |e| e.is(org_id, kind)) {
            Some(entry) => {
                entry.refresh_at = credential.refresh_at();
                entry.credential = Arc::clone(credential);
            }
            None => {
                let entry = Entry {
                    refresh_at: credential.refresh_at(),
                    key: Key::new(org_id, kind),
                    credential: Arc::clone(credential),
                };
                table.insert_unique(hash, entry, |e| self.rehash(e));
            }
        }
    }

    /// Drops the credential of `kind` for `org_id`.
    pub(crate) fn remove(&self, org_id: &str, kind: &str) {
        let (hash, shard) = self.locate(org_id, kind);
        let mut table = shard.write().unwrap_or_else(PoisonError::into_inner);
        if let Ok(entry) = table.find_entry(hash, |e| e.is(org_id, kind)) {
            entry.remove();
        }
    }
}

#[cfg(test)]
mod tests;
