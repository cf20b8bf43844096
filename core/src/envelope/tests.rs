//! Unit tests of `envelope`.
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
