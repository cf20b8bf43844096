//! Platform keys: the AES-256-GCM keys that seal every org's config row, each known by a short
//! public id stored with the rows it sealed, so a rekey can run while the service serves.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use vaultcred_core::envelope::{self, EnvelopeError, EnvelopeKey};
use zeroize::Zeroizing;

/// One platform key and its id (16 hex digits of a SHA-256 over a domain prefix and the key:
/// public, and says nothing usable about the key).
///
/// ```
/// use vaultcred_server::PlatformKey;
/// let key = PlatformKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")?;
/// assert_eq!(key.id().len(), 16);
/// assert_eq!(format!("{key:?}"), format!("PlatformKey({})", key.id()));
/// # Ok::<(), vaultcred_core::envelope::EnvelopeError>(())
/// ```
pub struct PlatformKey {
    key: EnvelopeKey,
    id: String,
}

impl std::fmt::Debug for PlatformKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PlatformKey({})", self.id)
    }
}

impl PlatformKey {
    /// A key file's text: 32 bytes in standard base64 (`openssl rand -base64 32`).
    pub fn from_base64(text: &str) -> Result<PlatformKey, EnvelopeError> {
        let key = EnvelopeKey::from_base64(text)?;
        let bytes = Zeroizing::new(STANDARD.decode(text.trim()).unwrap_or_default());
        let digest = Sha256::new()
            .chain_update(b"vaultcred-key-id\0")
            .chain_update(&*bytes)
            .finalize();
        let id = crate::hex(&digest[..8]);
        Ok(PlatformKey { key, id })
    }

    /// The key's public id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// Why a sealed row could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The row was sealed by a key this service was not given.
    #[error(
        "row sealed with key {0}, which this service does not have (give it as --key-file or --old-key-file)"
    )]
    UnknownKey(String),
    /// The envelope is damaged, or belongs to another org.
    #[error("sealed row does not open: {0}")]
    Envelope(#[from] EnvelopeError),
}

/// The keys of a service: the current one (seals every write) and older ones (still open rows
/// they sealed, during a rekey).
///
/// ```
/// use vaultcred_server::{Keyring, PlatformKey};
/// let old = PlatformKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")?;
/// let new = PlatformKey::from_base64("HxwdHh8QERITFBUWFxgZGhscHR4fAAECAwQFBgcICQo=")?;
/// let before = Keyring::new(old);
/// let (envelope, key_id) = before.seal("org_a", br#"{"authMode":"token"}"#)?;
///
/// let during = Keyring::new(new).with_old(PlatformKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")?);
/// assert_eq!(&during.open("org_a", &envelope, &key_id)?[..], br#"{"authMode":"token"}"#);
/// assert!(during.open("org_b", &envelope, &key_id).is_err()); // bound to its org
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Keyring {
    current: PlatformKey,
    old: Vec<PlatformKey>,
}

/// The system's random source failed (no nonce, so nothing is sealed).
#[derive(Debug, thiserror::Error)]
#[error("no randomness for a nonce: {0}")]
pub struct NoRandomness(String);

impl Keyring {
    /// A keyring that seals and opens with `current`.
    pub fn new(current: PlatformKey) -> Keyring {
        Keyring {
            current,
            old: Vec::new(),
        }
    }

    /// Also opens rows sealed with `old`.
    pub fn with_old(mut self, old: PlatformKey) -> Keyring {
        self.old.push(old);
        self
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> &str {
        self.current.id()
    }

    /// Seals `plaintext` for `org_id` with the current key and a fresh random nonce: the
    /// envelope and the key's id.
    pub fn seal(&self, org_id: &str, plaintext: &[u8]) -> Result<(String, String), NoRandomness> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| NoRandomness(e.to_string()))?;
        let sealed = envelope::encrypt(plaintext, org_id, &self.current.key, nonce);
        Ok((sealed, self.current.id.clone()))
    }

    /// Opens a row of `org_id` sealed by the key `key_id`.
    pub fn open(
        &self,
        org_id: &str,
        sealed: &str,
        key_id: &str,
    ) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        let key = std::iter::once(&self.current)
            .chain(&self.old)
            .find(|k| k.id == key_id)
            .ok_or_else(|| OpenError::UnknownKey(key_id.to_owned()))?;
        Ok(envelope::decrypt(sealed.as_bytes(), org_id, &key.key)?)
    }
}
