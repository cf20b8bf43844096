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
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const KEY_B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const ORG: &str = "org_abc123";
    const PLAINTEXT: &[u8] = br#"{"addr":"https://vault.example.com:8200","mount":"secret","authMode":"token","token":"hvs.EXAMPLE"}"#;
    const NONCE: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

    /// Computed independently with Python `cryptography` (AESGCM), key bytes 0..=31,
    /// nonce bytes 0..=11, aad b"vaultcred-seal-v1\0org_abc123".
    const KNOWN_ENVELOPE: &str = r#"{"vaultcredSealed":1,"alg":"AES-256-GCM","nonce":"AAECAwQFBgcICQoL","ciphertext":"PCC3f6GX4CGvKeP/wZpCQqyg5kGcD3EZQAaI9XEMLtFufZTEnfEiuliGEoL96Vwa1HsT6Dmkxq4duwh4bZedo59Yo1jp81IOdzHETMOteodT76dATEE7Ho7T25Q5venBjtok48ipu527pDoPKyzQ1G2byQ=="}"#;

    fn key() -> EnvelopeKey {
        EnvelopeKey::from_base64(KEY_B64).unwrap()
    }

    fn envelope_with(field: &str, value: serde_json::Value) -> Vec<u8> {
        let mut json: serde_json::Value = serde_json::from_str(KNOWN_ENVELOPE).unwrap();
        json[field] = value;
        serde_json::to_vec(&json).unwrap()
    }

    fn envelope_without(field: &str) -> Vec<u8> {
        let mut json: serde_json::Value = serde_json::from_str(KNOWN_ENVELOPE).unwrap();
        json.as_object_mut().unwrap().remove(field);
        serde_json::to_vec(&json).unwrap()
    }

    #[test]
    fn known_answer_vector() {
        assert_eq!(encrypt(PLAINTEXT, ORG, &key(), NONCE), KNOWN_ENVELOPE);
        assert_eq!(
            &decrypt(KNOWN_ENVELOPE.as_bytes(), ORG, &key()).unwrap()[..],
            PLAINTEXT
        );
    }

    #[test]
    fn round_trip() {
        for plaintext in [&b""[..], b"x", PLAINTEXT, &[0xff; 1000][..]] {
            let envelope = encrypt(plaintext, ORG, &key(), [9; 12]);
            assert_eq!(
                &decrypt(envelope.as_bytes(), ORG, &key()).unwrap()[..],
                plaintext
            );
        }
    }

    #[test]
    fn envelope_is_compact_json_with_fields_in_order() {
        let envelope = encrypt(PLAINTEXT, ORG, &key(), NONCE);
        assert!(envelope.starts_with(r#"{"vaultcredSealed":1,"alg":"AES-256-GCM","nonce":""#));
        let json: serde_json::Value = serde_json::from_str(&envelope).unwrap();
        assert!(is_envelope(&json));
        let ciphertext = STANDARD
            .decode(json["ciphertext"].as_str().unwrap())
            .unwrap();
        assert_eq!(ciphertext.len(), PLAINTEXT.len() + 16, "ciphertext || tag");
    }

    #[test]
    fn another_org_fails() {
        let envelope = encrypt(PLAINTEXT, ORG, &key(), NONCE);
        for org in ["org_abc124", "org_abc12", "org_abc1234", "", "ORG_ABC123"] {
            assert_eq!(
                decrypt(envelope.as_bytes(), org, &key()),
                Err(EnvelopeError::OpenFailed),
                "{org}"
            );
        }
    }

    #[test]
    fn another_key_fails() {
        let envelope = encrypt(PLAINTEXT, ORG, &key(), NONCE);
        let mut other = [0u8; 32];
        other[31] = 1;
        assert_eq!(
            decrypt(envelope.as_bytes(), ORG, &EnvelopeKey::from_bytes(other)),
            Err(EnvelopeError::OpenFailed)
        );
    }

    #[test]
    fn flipped_bits_fail() {
        for field in ["nonce", "ciphertext"] {
            let json: serde_json::Value = serde_json::from_str(KNOWN_ENVELOPE).unwrap();
            let bytes = STANDARD.decode(json[field].as_str().unwrap()).unwrap();
            for index in [0, bytes.len() / 2, bytes.len() - 1] {
                for bit in [0, 7] {
                    let mut altered = bytes.clone();
                    altered[index] ^= 1 << bit;
                    let envelope = envelope_with(field, STANDARD.encode(&altered).into());
                    assert_eq!(
                        decrypt(&envelope, ORG, &key()),
                        Err(EnvelopeError::OpenFailed),
                        "{field}[{index}] bit {bit}"
                    );
                }
            }
        }
    }

    #[test]
    fn truncated_ciphertext_fails() {
        for len in [0, 15, 16] {
            let envelope = envelope_with("ciphertext", STANDARD.encode(vec![0u8; len]).into());
            assert_eq!(
                decrypt(&envelope, ORG, &key()),
                Err(EnvelopeError::OpenFailed)
            );
        }
    }

    #[test]
    fn different_nonces_give_different_envelopes() {
        let a = encrypt(PLAINTEXT, ORG, &key(), [1; 12]);
        let b = encrypt(PLAINTEXT, ORG, &key(), [2; 12]);
        assert_ne!(a, b);
        let ciphertext = |e: &str| {
            let json: serde_json::Value = serde_json::from_str(e).unwrap();
            json["ciphertext"].as_str().unwrap().to_owned()
        };
        assert_ne!(ciphertext(&a), ciphertext(&b));
    }

    #[test]
    fn malformed_envelopes() {
        let k = key();
        assert_eq!(decrypt(b"not json", ORG, &k), Err(EnvelopeError::NotJson));
        assert_eq!(decrypt(b"", ORG, &k), Err(EnvelopeError::NotJson));
        assert!(matches!(
            decrypt(b"[1,2]", ORG, &k),
            Err(EnvelopeError::NotAnEnvelope { .. })
        ));
        assert!(matches!(
            decrypt(PLAINTEXT, ORG, &k),
            Err(EnvelopeError::NotAnEnvelope { .. })
        ));
        assert!(matches!(
            decrypt(&envelope_without("vaultcredSealed"), ORG, &k),
            Err(EnvelopeError::NotAnEnvelope { .. })
        ));
        assert!(matches!(
            decrypt(&envelope_without("alg"), ORG, &k),
            Err(EnvelopeError::NotAnEnvelope { .. })
        ));
        assert_eq!(
            decrypt(&envelope_without("nonce"), ORG, &k),
            Err(EnvelopeError::NotAnEnvelope {
                reason: "no \"nonce\" field"
            })
        );
        assert_eq!(
            decrypt(&envelope_without("ciphertext"), ORG, &k),
            Err(EnvelopeError::NotAnEnvelope {
                reason: "no \"ciphertext\" field"
            })
        );

        let err = decrypt(&envelope_with("vaultcredSealed", 2.into()), ORG, &k).unwrap_err();
        assert_eq!(
            err,
            EnvelopeError::UnsupportedVersion {
                seen: "2".to_owned()
            }
        );
        assert_eq!(
            err.to_string(),
            "unsupported config-envelope version 2 (this build reads version 1)"
        );
        assert!(matches!(
            decrypt(&envelope_with("vaultcredSealed", "1".into()), ORG, &k),
            Err(EnvelopeError::UnsupportedVersion { .. })
        ));

        let err = decrypt(&envelope_with("alg", "AES-128-GCM".into()), ORG, &k).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unsupported config-envelope alg \"AES-128-GCM\" (this build reads \"AES-256-GCM\")"
        );
        let long = "A".repeat(500);
        let err = decrypt(&envelope_with("alg", long.clone().into()), ORG, &k).unwrap_err();
        assert!(err.to_string().len() < 200, "excerpt is bounded");

        assert_eq!(
            decrypt(&envelope_with("nonce", "not base64!".into()), ORG, &k),
            Err(EnvelopeError::BadBase64 { field: "nonce" })
        );
        assert_eq!(
            decrypt(&envelope_with("nonce", 5.into()), ORG, &k),
            Err(EnvelopeError::BadBase64 { field: "nonce" })
        );
        assert_eq!(
            decrypt(&envelope_with("ciphertext", "%%%".into()), ORG, &k),
            Err(EnvelopeError::BadBase64 {
                field: "ciphertext"
            })
        );
        let err = decrypt(
            &envelope_with("nonce", STANDARD.encode([0u8; 16]).into()),
            ORG,
            &k,
        )
        .unwrap_err();
        assert_eq!(err, EnvelopeError::NonceLength { got: 16 });
        assert_eq!(
            err.to_string(),
            "config envelope nonce must be 12 bytes (got 16)"
        );
    }

    #[test]
    fn key_parsing() {
        // openssl rand -base64 32 output, with its newline; also CRLF and spaces.
        for text in [
            format!("{KEY_B64}\n"),
            format!("{KEY_B64}\r\n"),
            format!("  {KEY_B64}  "),
        ] {
            let parsed = EnvelopeKey::from_base64(&text).unwrap();
            assert_eq!(parsed.0, key().0);
        }
        let err = EnvelopeKey::from_base64("AAECAwQFBgcICQoLDA0ODw==\n").unwrap_err();
        assert_eq!(err, EnvelopeError::KeyLength { got: 16 });
        assert_eq!(err.to_string(), "key must be 32 bytes of base64 (got 16)");
        assert_eq!(
            EnvelopeKey::from_base64(&STANDARD.encode([1u8; 48])).unwrap_err(),
            EnvelopeError::KeyLength { got: 48 }
        );
        assert_eq!(
            EnvelopeKey::from_base64("").unwrap_err(),
            EnvelopeError::KeyLength { got: 0 }
        );
        for bad in [
            "not base64 at all!",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            "-_8=",
        ] {
            let err = EnvelopeKey::from_base64(bad).unwrap_err();
            assert_eq!(err, EnvelopeError::KeyNotBase64, "{bad}");
            assert!(err.to_string().contains("32"), "says what was expected");
        }
    }

    #[test]
    fn secrets_never_appear_in_debug_or_display() {
        let k = key();
        let debug = format!("{k:?}");
        assert_eq!(debug, "EnvelopeKey([redacted])");
        assert!(!debug.contains(KEY_B64));

        let plaintext_text = std::str::from_utf8(PLAINTEXT).unwrap();
        let mut errors = vec![
            EnvelopeKey::from_base64("AAECAwQFBgcICQoLDA0ODw==").unwrap_err(),
            EnvelopeKey::from_base64(&format!("{KEY_B64}!")).unwrap_err(),
            decrypt(PLAINTEXT, ORG, &k).unwrap_err(),
            decrypt(KNOWN_ENVELOPE.as_bytes(), "org_other", &k).unwrap_err(),
            decrypt(&envelope_with("alg", plaintext_text.into()), ORG, &k).unwrap_err(),
            decrypt(
                &envelope_with("vaultcredSealed", plaintext_text.into()),
                ORG,
                &k,
            )
            .unwrap_err(),
        ];
        errors.push(decrypt(b"{\"token\":\"hvs.EXAMPLE\"", ORG, &k).unwrap_err());
        for err in &errors {
            for shown in [err.to_string(), format!("{err:?}")] {
                assert!(!shown.contains(KEY_B64), "{shown}");
                assert!(!shown.contains("hvs.EXAMPLE"), "{shown}");
                assert!(!shown.contains(plaintext_text), "{shown}");
            }
        }
    }
}
