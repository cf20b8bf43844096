//! Config envelopes: an org's Vault config encrypted at rest (feature `envelope`, on by
//! default). Not to be confused with Vault's own sealed state, which the core reports as the
//! `sealed` reason.
//!
//! A platform stores each org's Vault config (JSON holding a Vault token or an AppRole
//! `secretId`) encrypted. This module turns plaintext config bytes into a small, versioned JSON
//! envelope and back:
//!
//! ```text
//! {"vaultcredSealed":1,"alg":"AES-256-GCM","nonce":"<base64>","ciphertext":"<base64>"}
//! ```
//!
//! - **Cipher:** AES-256-GCM with a 256-bit [`EnvelopeKey`] and a fresh random 96-bit nonce per seal.
//! - **Binding:** the associated data is `b"vaultcred-seal-v1\0"` followed by the orgId bytes, so
//!   an envelope copied to another org's row fails to [`decrypt`].
//! - **Encoding:** `nonce` and `ciphertext` are standard base64 with padding; `ciphertext` is the
//!   GCM ciphertext followed by its 16-byte tag.
//!
//! The module is pure (sans-IO): it reads no files, no clock and no randomness. The caller
//! (e.g. the `vaultcred seal` command) reads the key file and draws the nonce from a CSPRNG.
//! **Never reuse a nonce with the same key**: GCM loses confidentiality and integrity if you do.
//!
//! Secrets hygiene: key bytes and plaintext never appear in any error, `Debug` or `Display`
//! output; the key is zeroized on drop and [`decrypt`] returns the plaintext in a
//! [`Zeroizing`] buffer.
//!
//! ```
//! use vaultcred_core::envelope::{EnvelopeKey, decrypt, encrypt};
//!
//! let key = EnvelopeKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")?;
//! let nonce = [7u8; 12]; // in real use: 12 fresh random bytes from a CSPRNG
//! let envelope = encrypt(br#"{"authMode":"token","token":"hvs.EXAMPLE"}"#, "org_abc123", &key, nonce);
//!
//! let plain = decrypt(envelope.as_bytes(), "org_abc123", &key)?;
//! assert_eq!(&plain[..], br#"{"authMode":"token","token":"hvs.EXAMPLE"}"#);
//! assert!(decrypt(envelope.as_bytes(), "org_other", &key).is_err());
//! # Ok::<(), vaultcred_core::envelope::EnvelopeError>(())
//! ```

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::{Zeroize, Zeroizing};

/// The envelope format version this build writes and reads.
pub const ENVELOPE_VERSION: u64 = 1;

/// The only algorithm name this build writes and reads.
pub const ALG: &str = "AES-256-GCM";

/// Prefix of the associated data; the orgId bytes follow it.
const AAD_PREFIX: &[u8] = b"vaultcred-seal-v1\0";

/// Key length in bytes (AES-256).
const KEY_LEN: usize = 32;

/// Nonce length in bytes (96 bits, the GCM standard).
const NONCE_LEN: usize = 12;

/// Longest excerpt of an unexpected envelope value quoted in an error.
const EXCERPT_MAX: usize = 40;

/// A 256-bit sealing key. Zeroized on drop; its `Debug` output is redacted.
///
/// ```
/// use vaultcred_core::envelope::EnvelopeKey;
///
/// // As written by `openssl rand -base64 32` (trailing newline included).
/// let key = EnvelopeKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")?;
/// assert_eq!(format!("{key:?}"), "EnvelopeKey([redacted])");
/// # Ok::<(), vaultcred_core::envelope::EnvelopeError>(())
/// ```
pub struct EnvelopeKey([u8; KEY_LEN]);

impl EnvelopeKey {
    /// Parses a key file's text: 32 bytes in standard base64, as `openssl rand -base64 32`
    /// writes it. Surrounding whitespace (such as the trailing newline) is ignored.
    ///
    /// # Errors
    ///
    /// [`EnvelopeError::KeyNotBase64`] if the text is not standard base64, or
    /// [`EnvelopeError::KeyLength`] if it decodes to anything but 32 bytes. Neither error
    /// quotes the text.
    ///
    /// ```
    /// use vaultcred_core::envelope::{EnvelopeError, EnvelopeKey};
    ///
    /// assert!(EnvelopeKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n").is_ok());
    /// // 16 bytes is an AES-128 key, not what we need:
    /// let err = EnvelopeKey::from_base64("AAECAwQFBgcICQoLDA0ODw==").unwrap_err();
    /// assert!(matches!(err, EnvelopeError::KeyLength { got: 16 }));
    /// assert_eq!(err.to_string(), "key must be 32 bytes of base64 (got 16)");
    /// ```
    pub fn from_base64(text: &str) -> Result<EnvelopeKey, EnvelopeError> {
        let decoded = Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| EnvelopeError::KeyNotBase64)?,
        );
        let bytes: [u8; KEY_LEN] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| EnvelopeError::KeyLength { got: decoded.len() })?;
        Ok(EnvelopeKey(bytes))
    }

    /// Wraps 32 raw key bytes. The caller's copy is not wiped; zeroize it if it matters.
    ///
    /// ```
    /// use vaultcred_core::envelope::EnvelopeKey;
    ///
    /// let key = EnvelopeKey::from_bytes([0x42; 32]);
    /// assert_eq!(format!("{key:?}"), "EnvelopeKey([redacted])");
    /// ```
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> EnvelopeKey {
        EnvelopeKey(bytes)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.0))
    }
}

impl Drop for EnvelopeKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for EnvelopeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnvelopeKey([redacted])")
    }
}

/// Why a key could not be parsed or an envelope could not be opened.
///
/// No variant carries key bytes or plaintext. Variants that quote an envelope value (version,
/// alg) quote at most a short excerpt of it.
///
/// ```
/// use vaultcred_core::envelope::{EnvelopeError, EnvelopeKey, decrypt};
///
/// let key = EnvelopeKey::from_bytes([0x42; 32]);
/// let err = decrypt(br#"{"authMode":"token"}"#, "org_abc123", &key).unwrap_err();
/// assert!(matches!(err, EnvelopeError::NotAnEnvelope { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The key text is not standard base64.
    #[error(
        "key is not valid base64: expected 32 random bytes in standard base64 \
         (as written by `openssl rand -base64 32`)"
    )]
    KeyNotBase64,
    /// The key text is base64 but does not decode to exactly 32 bytes.
    #[error("key must be 32 bytes of base64 (got {got})")]
    KeyLength {
        /// How many bytes the text decoded to.
        got: usize,
    },
    /// The envelope bytes are not JSON.
    #[error("config envelope is not valid JSON")]
    NotJson,
    /// The bytes are JSON but not a config envelope (e.g. a plain config, or a field is missing).
    #[error("not a config envelope: {reason}")]
    NotAnEnvelope {
        /// What is missing or mistyped.
        reason: &'static str,
    },
    /// The envelope's `vaultcredSealed` version is not one this build reads.
    #[error("unsupported config-envelope version {seen} (this build reads version 1)")]
    UnsupportedVersion {
        /// The version value seen, as JSON text (shortened if long).
        seen: String,
    },
    /// The envelope's `alg` is not `AES-256-GCM`.
    #[error("unsupported config-envelope alg {seen} (this build reads \"AES-256-GCM\")")]
    UnsupportedAlg {
        /// The alg value seen, as JSON text (shortened if long).
        seen: String,
    },
    /// A field that must hold standard base64 does not.
    #[error("config envelope field \"{field}\" is not valid standard base64")]
    BadBase64 {
        /// The field name: `nonce` or `ciphertext`.
        field: &'static str,
    },
    /// The nonce does not decode to 12 bytes.
    #[error("config envelope nonce must be 12 bytes (got {got})")]
    NonceLength {
        /// How many bytes the nonce decoded to.
        got: usize,
    },
    /// Authentication failed. AES-GCM cannot tell these causes apart.
    #[error("cannot open config envelope: wrong key, wrong org, or the envelope was altered")]
    OpenFailed,
}

/// Encrypts `plaintext` for `org_id` and returns the compact JSON envelope.
///
/// `nonce` must be 12 fresh random bytes for every call (from a CSPRNG); reusing a nonce with
/// the same key breaks AES-GCM. The output is deterministic in its inputs, which is what makes
/// it testable.
///
/// # Panics
///
/// Only if `plaintext` or `org_id` exceeds AES-GCM's limit of 2^36 bytes (64 GiB).
///
/// ```
/// use vaultcred_core::envelope::{EnvelopeKey, encrypt};
///
/// let key = EnvelopeKey::from_bytes([0x42; 32]);
/// let envelope = encrypt(b"{}", "org_abc123", &key, [0u8; 12]);
/// assert!(envelope.starts_with(r#"{"vaultcredSealed":1,"alg":"AES-256-GCM","nonce":"AAAAAAAAAAAAAAAA","#));
/// ```
pub fn encrypt(
    plaintext: &[u8],
    org_id: &str,
    key: &EnvelopeKey,
    nonce: [u8; NONCE_LEN],
) -> String {
    let aad = associated_data(org_id);
    // The buffer holds plaintext until it is encrypted in place; wipe it whatever happens.
    let mut buffer = Zeroizing::new(Vec::with_capacity(plaintext.len() + 16));
    buffer.extend_from_slice(plaintext);
    if key
        .cipher()
        .encrypt_in_place(Nonce::from_slice(&nonce), &aad, &mut *buffer)
        .is_err()
    {
        panic!("seal: plaintext or orgId exceeds the AES-GCM length limit");
    }
    format!(
        "{{\"vaultcredSealed\":{ENVELOPE_VERSION},\"alg\":\"{ALG}\",\"nonce\":\"{}\",\"ciphertext\":\"{}\"}}",
        STANDARD.encode(nonce),
        STANDARD.encode(&*buffer),
    )
}

/// Decrypts an envelope made by [`encrypt`] for the same `org_id` and key.
///
/// # Errors
///
/// [`EnvelopeError::NotJson`], [`EnvelopeError::NotAnEnvelope`], [`EnvelopeError::UnsupportedVersion`],
/// [`EnvelopeError::UnsupportedAlg`], [`EnvelopeError::BadBase64`] or [`EnvelopeError::NonceLength`] for a
/// malformed envelope; [`EnvelopeError::OpenFailed`] when authentication fails (wrong key, wrong
/// org, or altered envelope — AES-GCM cannot tell which).
///
/// ```
/// use vaultcred_core::envelope::{EnvelopeError, EnvelopeKey, decrypt, encrypt};
///
/// let key = EnvelopeKey::from_bytes([0x42; 32]);
/// let envelope = encrypt(b"secret config", "org_abc123", &key, [1u8; 12]);
/// assert_eq!(&decrypt(envelope.as_bytes(), "org_abc123", &key)?[..], b"secret config");
///
/// let other = EnvelopeKey::from_bytes([0x43; 32]);
/// assert_eq!(decrypt(envelope.as_bytes(), "org_abc123", &other), Err(EnvelopeError::OpenFailed));
/// # Ok::<(), EnvelopeError>(())
/// ```
pub fn decrypt(
    envelope: &[u8],
    org_id: &str,
    key: &EnvelopeKey,
) -> Result<Zeroizing<Vec<u8>>, EnvelopeError> {
    let json: serde_json::Value =
        serde_json::from_slice(envelope).map_err(|_| EnvelopeError::NotJson)?;
    let object = json.as_object().ok_or(EnvelopeError::NotAnEnvelope {
        reason: "expected a JSON object",
    })?;
    let version = object
        .get("vaultcredSealed")
        .ok_or(EnvelopeError::NotAnEnvelope {
            reason: "no \"vaultcredSealed\" field",
        })?;
    if version.as_u64() != Some(ENVELOPE_VERSION) {
        return Err(EnvelopeError::UnsupportedVersion {
            seen: excerpt(version),
        });
    }
    let alg = object.get("alg").ok_or(EnvelopeError::NotAnEnvelope {
        reason: "no \"alg\" field",
    })?;
    if alg.as_str() != Some(ALG) {
        return Err(EnvelopeError::UnsupportedAlg { seen: excerpt(alg) });
    }
    let nonce = base64_field(object, "nonce")?;
    let nonce: [u8; NONCE_LEN] = nonce
        .as_slice()
        .try_into()
        .map_err(|_| EnvelopeError::NonceLength { got: nonce.len() })?;
    // Decrypted in place: on success the buffer becomes the plaintext, and it is wiped on drop.
    let mut buffer = Zeroizing::new(base64_field(object, "ciphertext")?);
    key.cipher()
        .decrypt_in_place(
            Nonce::from_slice(&nonce),
            &associated_data(org_id),
            &mut *buffer,
        )
        .map_err(|_| EnvelopeError::OpenFailed)?;
    Ok(buffer)
}

/// Whether a parsed config is a config envelope (has the `vaultcredSealed` key) rather than
/// a plain config. It does not check the envelope is well formed; [`decrypt`] does.
///
/// ```
/// use serde_json::json;
/// use vaultcred_core::envelope::is_envelope;
///
/// assert!(is_envelope(&json!({"vaultcredSealed": 1, "alg": "AES-256-GCM"})));
/// assert!(!is_envelope(&json!({"addr": "https://vault.example.com:8200"})));
/// assert!(!is_envelope(&json!("vaultcredSealed")));
/// ```
pub fn is_envelope(json: &serde_json::Value) -> bool {
    json.get("vaultcredSealed").is_some()
}

fn associated_data(org_id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_PREFIX.len() + org_id.len());
    aad.extend_from_slice(AAD_PREFIX);
    aad.extend_from_slice(org_id.as_bytes());
    aad
}

fn base64_field(
    object: &serde_json::Map<String, serde_json::Value>,
    field: &'static str,
) -> Result<Vec<u8>, EnvelopeError> {
    let text = match object.get(field) {
        None => {
            return Err(EnvelopeError::NotAnEnvelope {
                reason: if field == "nonce" {
                    "no \"nonce\" field"
                } else {
                    "no \"ciphertext\" field"
                },
            });
        }
        Some(value) => value.as_str().ok_or(EnvelopeError::BadBase64 { field })?,
    };
    STANDARD
        .decode(text)
        .map_err(|_| EnvelopeError::BadBase64 { field })
}

/// A short JSON rendering of an unexpected value, for error messages.
fn excerpt(value: &serde_json::Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(EXCERPT_MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests;
