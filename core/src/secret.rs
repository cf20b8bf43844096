//! The secret-holding type (the scrubber that keeps secrets out of messages is in `scrub`).
//!
//! [`SecretString`] wraps tokens, secretIds, JWTs and secret values: its `Debug` and `Display`
//! print `[redacted]`, and its memory is zeroed when it is dropped. [`Scrubber`] removes known
//! secrets and anything shaped like a Vault token or a JWT from text that came from outside
//! (server error bodies, transport error details) before that text may reach a message.

use std::fmt;
use zeroize::Zeroizing;

/// A secret string: a Vault token, an AppRole secretId, a ServiceAccount JWT or a secret value.
///
/// `Debug` and `Display` never show the content, and the buffer is zeroed on drop.
///
/// ```
/// use vaultcred_core::SecretString;
/// let token = SecretString::new("hvs.CAESIexample");
/// assert_eq!(format!("{token:?}"), "SecretString([redacted])");
/// assert_eq!(token.to_string(), "[redacted]");
/// assert_eq!(token.expose(), "hvs.CAESIexample");
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        SecretString(Zeroizing::new(secret.into()))
    }

    /// The secret itself. Call this only where the secret must leave (a header, a reveal).
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Length of the secret in bytes (safe to show: it reveals no content).
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        SecretString(Zeroizing::new(value))
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
    fn secret_string_never_formats_its_content() {
        let s = SecretString::new("canary-1234");
        assert!(!format!("{s:?}").contains("canary"));
        assert!(!format!("{s}").contains("canary"));
        assert!(!format!("{:?}", Some(&s)).contains("canary"));
    }
}
