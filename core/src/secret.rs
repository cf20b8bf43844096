//! Secret-holding types and the scrubber that keeps secrets out of every message.
//!
//! [`SecretString`] wraps tokens, secretIds, JWTs and secret values: a thin newtype over the
//! `secrecy` crate's `SecretString` (zeroed when dropped) whose `Debug` and `Display` print
//! `[redacted]` and whose equality is constant-time. [`Scrubber`] removes known
//! secrets and anything shaped like a Vault token or a JWT from text that came from outside
//! (server error bodies, transport error details) before that text may reach a message.

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
///   config validation and [`Scrubber`] use;
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

/// The text put in place of anything scrubbed.
pub const REDACTED: &str = "[redacted]";

/// Longest piece of outside text (in characters) kept in a message.
const MAX_OUTSIDE_TEXT: usize = 512;

/// Removes secrets from text that came from outside before it is put into a message.
///
/// It replaces every occurrence of the secrets it was given, and also anything shaped like a
/// Vault token (`hvs.`, `hvb.`, `hvr.`, `s.`, `b.` followed by a long run of token characters),
/// a JWT (`eyJ…​.…​.…`), or the value of an echoed `X-Vault-Token` / `Authorization` header.
/// Control characters other than newline and tab become spaces, and the text is cut to 512
/// characters.
///
/// ```
/// use vaultcred_core::{Scrubber, SecretString};
/// let secret = SecretString::new("my-secret-id-123");
/// let text = Scrubber::new([&secret]).scrub("bad secret my-secret-id-123 (token hvs.AAAAAAAAAAAAAAAAAAAAAAAA)");
/// assert_eq!(text, "bad secret [redacted] (token [redacted])");
/// ```
#[derive(Default)]
pub struct Scrubber<'a> {
    known: Vec<&'a str>,
}

impl fmt::Debug for Scrubber<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scrubber")
            .field("known", &self.known.len())
            .finish()
    }
}

impl<'a> Scrubber<'a> {
    /// A scrubber that knows the given secrets (empty ones are ignored).
    pub fn new(secrets: impl IntoIterator<Item = &'a SecretString>) -> Self {
        let mut known: Vec<&'a str> = secrets
            .into_iter()
            .map(SecretString::expose)
            .filter(|s| !s.is_empty())
            .collect();
        // Longest first, so a secret that contains another is replaced whole.
        known.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Scrubber { known }
    }

    /// Adds one more secret to scrub.
    pub fn with(mut self, secret: &'a SecretString) -> Self {
        if !secret.is_empty() {
            self.known.push(secret.expose());
            self.known.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
        self
    }

    /// Returns `text` with every known secret and every token-shaped or JWT-shaped run replaced
    /// by `[redacted]`, control characters neutralised and the length capped.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.known {
            if out.contains(secret) {
                out = out.replace(secret, REDACTED);
            }
        }
        let out = redact_header_echoes(&out);
        let out = redact_shapes(&out);
        let mut clean: String = out
            .chars()
            .map(|c| {
                if c.is_control() && c != '\n' && c != '\t' {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        if clean.chars().count() > MAX_OUTSIDE_TEXT {
            clean = clean.chars().take(MAX_OUTSIDE_TEXT).collect();
            clean.push('…');
        }
        clean
    }
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Replaces the value after `X-Vault-Token:` / `Authorization:` (any case) up to the end of line.
fn redact_header_echoes(text: &str) -> String {
    const NAMES: [&str; 3] = ["x-vault-token", "authorization", "x-vault-wrap-token"];
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let hit = NAMES.iter().find_map(|name| {
            if lower[i..].starts_with(name) {
                let after = i + name.len();
                let rest = &text[after..];
                let trimmed = rest.trim_start_matches([' ', '"', '\'']);
                let sep = trimmed.chars().next();
                if matches!(sep, Some(':') | Some('=')) {
                    Some(after + (rest.len() - trimmed.len()) + 1)
                } else {
                    None
                }
            } else {
                None
            }
        });
        match hit {
            Some(value_start) => {
                out.push_str(&text[i..value_start]);
                out.push(' ');
                out.push_str(REDACTED);
                let end = text[value_start..]
                    .find(['\n', '\r', ',', '}', ';'])
                    .map_or(text.len(), |p| value_start + p);
                i = end;
            }
            None => {
                let ch = text[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[i..i + ch]);
                i += ch;
            }
        }
    }
    out
}

/// Replaces token-shaped and JWT-shaped runs.
fn redact_shapes(text: &str) -> String {
    const PREFIXES: [(&str, usize); 5] = [
        ("hvs.", 20),
        ("hvb.", 20),
        ("hvr.", 20),
        ("s.", 24),
        ("b.", 24),
    ];
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let at_word_start = i == 0 || !is_token_char(bytes[i - 1] as char) && bytes[i - 1] != b'.';
        if at_word_start {
            // Vault token shapes.
            let mut replaced = false;
            for (prefix, min_len) in PREFIXES {
                if text[i..].starts_with(prefix) {
                    let body = &text[i + prefix.len()..];
                    let run = body.find(|c: char| !is_token_char(c)).unwrap_or(body.len());
                    if run >= min_len {
                        out.push_str(REDACTED);
                        i += prefix.len() + run;
                        replaced = true;
                        break;
                    }
                }
            }
            if replaced {
                continue;
            }
            // JWT shape: eyJ<b64url>.<b64url>.<b64url>
            if text[i..].starts_with("eyJ") {
                let run = text[i..]
                    .find(|c: char| !(is_token_char(c) || c == '.'))
                    .unwrap_or(text.len() - i);
                let candidate = &text[i..i + run];
                if candidate.matches('.').count() >= 1 && candidate.len() >= 16 {
                    out.push_str(REDACTED);
                    i += run;
                    continue;
                }
            }
        }
        let ch = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + ch]);
        i += ch;
    }
    out
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
    fn scrubs_known_secrets_longest_first() {
        let a = SecretString::new("abc");
        let b = SecretString::new("abcdef");
        let out = Scrubber::new([&a, &b]).scrub("x abcdef y abc");
        assert_eq!(out, "x [redacted] y [redacted]");
    }

    #[test]
    fn scrubs_token_and_jwt_shapes() {
        let s = Scrubber::default();
        assert_eq!(
            s.scrub("token hvs.CAESIH2w8tOS6mLkWJ1Z0vbZyb3WqQJz end"),
            "token [redacted] end"
        );
        assert_eq!(
            s.scrub("old s.abcdefghijklmnopqrstuvwx."),
            "old [redacted]."
        );
        assert_eq!(
            s.scrub("jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln!"),
            "jwt [redacted]!"
        );
        // Ordinary words that merely start like a prefix stay.
        assert_eq!(s.scrub("this is s.short"), "this is s.short");
        assert_eq!(s.scrub("permission denied"), "permission denied");
    }

    #[test]
    fn scrubs_echoed_headers() {
        let s = Scrubber::default();
        assert_eq!(
            s.scrub("bad request\nX-Vault-Token: anything-at-all\nHost: v"),
            "bad request\nX-Vault-Token: [redacted]\nHost: v"
        );
        assert_eq!(
            s.scrub(r#"{"authorization":"Bearer zzz"}"#),
            r#"{"authorization": [redacted]}"#
        );
    }

    #[test]
    fn neutralises_control_characters_and_caps_length() {
        let s = Scrubber::default();
        assert_eq!(s.scrub("a\u{1b}[31mb\r\n"), "a [31mb \n");
        let long = "x".repeat(2000);
        let out = s.scrub(&long);
        assert_eq!(out.chars().count(), MAX_OUTSIDE_TEXT + 1);
    }

    #[test]
    fn multibyte_text_is_kept_intact() {
        let s = Scrubber::default();
        assert_eq!(s.scrub("é authorization ü"), "é authorization ü");
    }
}
