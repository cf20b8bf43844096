//! The secret-holding type (the scrubber that keeps secrets out of messages is in `scrub`).
//!
//! [`SecretString`] wraps tokens, secretIds, JWTs and secret values: a thin newtype over the
//! `secrecy` crate's `SecretString` (zeroed when dropped) whose `Debug` and `Display` print
//! `[redacted]` and whose equality is constant-time.

use secrecy::ExposeSecret as _;
use std::fmt;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroize as _;

/// A secret string: a Vault token, an AppRole secretId, a ServiceAccount JWT or a secret value.
///
/// A thin newtype over [`secrecy::SecretString`], which holds the secret in a `Box<str>` that is
/// zeroed on drop and exposed only through an explicit call. What this type adds to it:
///
/// - `Debug` prints `SecretString([redacted])` and `Display` prints `[redacted]` (secrecy's
///   `Debug` prints its own marker and it has no `Display`; messages and snapshots rely on these);
/// - equality, in constant time for secrets of equal length ([`subtle`]), which rotation
///   detection compares values with (secrecy has none);
/// - [`len`](Self::len) and [`is_empty`](Self::is_empty) without exposing the content, which
///   config validation and [`Scrubber`](crate::Scrubber) use;
/// - construction from a `String` that wipes the `String`'s buffer after copying it out (a
///   plain `String` → `Box<str>` conversion may reallocate and free the old buffer unwiped).
///
/// ```
/// use vaultcred_core::SecretString;
/// let token = SecretString::new("hvs.CAESIexample");
/// assert_eq!(format!("{token:?}"), "SecretString([redacted])");
/// assert_eq!(token.to_string(), "[redacted]");
/// assert_eq!(token.expose(), "hvs.CAESIexample");
/// assert_eq!(token, SecretString::from("hvs.CAESIexample"));
/// ```
#[derive(Clone, Default)]
pub struct SecretString(secrecy::SecretString);

impl SecretString {
    /// Wraps a secret (the `String` given is wiped once copied).
    pub fn new(secret: impl Into<String>) -> Self {
        let mut secret: String = secret.into();
        let boxed: Box<str> = Box::from(secret.as_str());
        secret.zeroize();
        SecretString(secrecy::SecretBox::new(boxed))
    }

    /// The secret itself. Call this only where the secret must leave (a header, a reveal).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }

    /// Length of the secret in bytes (safe to show: it reveals no content).
    pub fn len(&self) -> usize {
        self.expose().len()
    }
}

impl PartialEq for SecretString {
    /// Constant time in the content for secrets of equal length (the length is not hidden).
    fn eq(&self, other: &Self) -> bool {
        self.expose()
            .as_bytes()
            .ct_eq(other.expose().as_bytes())
            .into()
    }
}

impl Eq for SecretString {}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        SecretString::new(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        SecretString::new(value)
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_compares_content() {
        let a = SecretString::new("same-secret");
        assert_eq!(a, SecretString::from("same-secret".to_owned()));
        assert_eq!(a.clone(), a);
        assert_ne!(a, SecretString::new("same-secreT"));
        assert_ne!(a, SecretString::new("same"));
        assert_eq!(SecretString::default(), SecretString::new(""));
        assert_eq!((a.len(), a.is_empty()), (11, false));
    }

    #[test]
    fn secret_string_never_formats_its_content() {
        let s = SecretString::new("canary-1234");
        assert!(!format!("{s:?}").contains("canary"));
        assert!(!format!("{s}").contains("canary"));
        assert!(!format!("{:?}", Some(&s)).contains("canary"));
    }
}
