//! The scrubber: keeps every secret the provider knows out of every message built from outside
//! text (server error bodies, transport error details).
//!
//! A secret is found in its plain form and in the encodings a server or proxy may echo it in —
//! standard and URL-safe base64 (padded or not), hex, percent-encoding — ignoring ASCII case
//! (except in base64) and line breaks inside it. Anything shaped like a Vault token, a JWT or a
//! long token-character run is redacted whole, even when wrapped over lines, as is the value of
//! an echoed `X-Vault-Token` / `Authorization` header. The result keeps no control character,
//! line or paragraph separator, or Unicode format (bidi) character, and at most 512 characters.

use crate::secret::SecretString;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;

/// The text put in place of anything scrubbed.
pub const REDACTED: &str = "[redacted]";

/// Longest piece of outside text (in characters) kept in a message.
const MAX_OUTSIDE_TEXT: usize = 512;

/// Shortest secret whose encoded forms are searched too (shorter ones only in plain form).
const MIN_ENCODED: usize = 6;

/// A run of this many token characters (letters, digits, `-`, `_`) is redacted whatever it is:
/// a JWT's signature alone, a key, a token of an unknown format.
const LONG_RUN: usize = 48;

/// Removes secrets from text that came from outside before it is put into a message.
///
/// ```
/// use vaultcred_core::{Scrubber, SecretString};
/// let secret = SecretString::new("my-secret-id-123");
/// let scrubber = Scrubber::new([&secret]);
/// let text = scrubber.scrub("bad secret my-secret-id-123 (token hvs.AAAAAAAAAAAAAAAAAAAAAAAA)");
/// assert_eq!(text, "bad secret [redacted] (token [redacted])");
/// // Encoded and wrapped echoes too: base64, hex, upper case, a line break inside.
/// for echo in ["bXktc2VjcmV0LWlkLTEyMw==", "6d792d7365637265742d69642d313233", "MY-SECRET-ID-123", "my-secret\n-id-123"] {
///     assert_eq!(scrubber.scrub(&format!("got {echo}")), "got [redacted]", "{echo}");
/// }
/// ```
#[derive(Default)]
pub struct Scrubber<'a> {
    /// The secrets, as given (empty ones left out).
    secrets: Vec<&'a str>,
    /// Each secret's forms: (form, whether matching ignores ASCII case), longest first. Built
    /// at the first scrub: a scrubber made for an answer that turns out fine costs nothing.
    forms: OnceCell<Vec<(Cow<'a, str>, bool)>>,
}

impl fmt::Debug for Scrubber<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scrubber")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl<'a> Scrubber<'a> {
    /// A scrubber that knows the given secrets (empty ones are ignored).
    pub fn new(secrets: impl IntoIterator<Item = &'a SecretString>) -> Self {
        let secrets = secrets
            .into_iter()
            .map(SecretString::expose)
            .filter(|s| !s.is_empty())
            .collect();
        Scrubber {
            secrets,
            forms: OnceCell::new(),
        }
    }

    /// Adds one more secret to scrub.
    pub fn with(mut self, secret: &'a SecretString) -> Self {
        if !secret.is_empty() {
            self.secrets.push(secret.expose());
            self.forms = OnceCell::new();
        }
        self
    }

    /// Every form of every secret, longest first.
    fn forms(&self) -> &[(Cow<'a, str>, bool)] {
        self.forms.get_or_init(|| {
            let mut forms = Vec::new();
            for secret in &self.secrets {
                add_forms(&mut forms, secret);
            }
            // Longest first, so a form that contains another is replaced whole.
            forms.sort_by_key(|(f, _)| std::cmp::Reverse(f.len()));
            forms.dedup();
            forms
        })
    }

    /// Returns `text` with every known secret (in any of its forms) and every token-shaped,
    /// JWT-shaped or long token-character run replaced by `[redacted]`, control, separator and
    /// format characters turned into spaces, and the length capped.
    pub fn scrub(&self, text: &str) -> String {
        let out = self.redact_known(text);
        let out = redact_header_echoes(&out);
        let out = redact_shapes(&out);
        let mut clean: String = out
            .chars()
            .map(|c| if is_unsafe(c) { ' ' } else { c })
            .collect();
        if clean.chars().count() > MAX_OUTSIDE_TEXT {
            clean = clean.chars().take(MAX_OUTSIDE_TEXT).collect();
            clean.push('…');
        }
        clean
    }

    /// Replaces every known form, matched with line breaks inside ignored.
    fn redact_known(&self, text: &str) -> String {
        if self.secrets.is_empty() {
            return text.to_owned();
        }
        // The text without line breaks, and where each of its bytes was.
        let mut flat = Vec::with_capacity(text.len());
        let mut at = Vec::with_capacity(text.len());
        for (i, b) in text.bytes().enumerate() {
            if b != b'\n' && b != b'\r' {
                flat.push(b);
                at.push(i);
            }
        }
        let folded = flat.to_ascii_lowercase();
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for (form, fold) in self.forms() {
            let (hay, needle) = if *fold {
                (&folded, form.to_ascii_lowercase().into_bytes())
            } else {
                (&flat, form.as_bytes().to_vec())
            };
            let mut from = 0;
            while let Some(pos) = find(&hay[from..], &needle) {
                let start = from + pos;
                let end = start + needle.len();
                let span = (at[start], at[end - 1] + 1);
                if !spans.iter().any(|&(s, e)| span.0 < e && s < span.1) {
                    spans.push(span);
                }
                from = end;
            }
        }
        spans.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        for (start, end) in spans {
            // Spans cover whole matches of UTF-8 forms: their ends are char boundaries.
            if let (Some(before), true) = (text.get(i..start), text.is_char_boundary(end)) {
                out.push_str(before);
                out.push_str(REDACTED);
                i = end;
            }
        }
        out.push_str(text.get(i..).unwrap_or(""));
        out
    }
}

/// A secret's forms: plain (any ASCII case) and, when long enough, base64 (both alphabets,
/// padded or not), hex, percent-encoded, and a JWT's parts.
fn add_forms<'a>(forms: &mut Vec<(Cow<'a, str>, bool)>, secret: &'a str) {
    forms.push((Cow::Borrowed(secret), true));
    if secret.len() < MIN_ENCODED {
        return;
    }
    let bytes = secret.as_bytes();
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        forms.push((Cow::Owned(engine.encode(bytes)), false));
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    forms.push((Cow::Owned(hex), true));
    let encoded = percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    if encoded != secret {
        forms.push((Cow::Owned(encoded), true));
    }
    // A JWT's parts alone (its signature is often quoted without the rest).
    if secret.starts_with("eyJ") {
        for part in secret.split('.').filter(|p| p.len() >= 16) {
            forms.push((Cow::Borrowed(part), false));
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Control characters, line and paragraph separators, and Unicode format characters (bidi
/// embeddings and isolates, zero-width characters, the BOM…): never kept in a message.
pub(crate) fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
            | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{070F}' | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
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
            let after = i + name.len();
            let rest = text.get(after..)?;
            lower[i..].starts_with(name).then_some(())?;
            let trimmed = rest.trim_start_matches([' ', '"', '\'']);
            matches!(trimmed.chars().next(), Some(':' | '='))
                .then(|| after + (rest.len() - trimmed.len()) + 1)
        });
        match hit {
            Some(value_start) => {
                out.push_str(&text[i..value_start]);
                out.push(' ');
                out.push_str(REDACTED);
                i = text[value_start..]
                    .find(['\n', '\r', ',', '}', ';'])
                    .map_or(text.len(), |p| value_start + p);
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

/// The length of the run of token characters (and dots, with `dots`) at the start of `text`,
/// continuing over a line break that splits the run (a value wrapped at a fixed width).
fn run_len(text: &str, dots: bool) -> usize {
    let ok = |c: char| is_token_char(c) || (dots && c == '.');
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if ok(c) {
            i += 1;
            continue;
        }
        let brk = match (bytes.get(i), bytes.get(i + 1)) {
            (Some(b'\r'), Some(b'\n')) => 2,
            (Some(b'\n'), _) => 1,
            _ => 0,
        };
        if brk > 0 && i > 0 && bytes.get(i + brk).is_some_and(|&b| ok(b as char)) {
            i += brk;
            continue;
        }
        break;
    }
    i
}

/// Replaces token-shaped, JWT-shaped and long token-character runs.
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
            let rest = &text[i..];
            let token = PREFIXES.iter().find_map(|(prefix, min)| {
                let body = rest.strip_prefix(prefix)?;
                let run = run_len(body, false);
                (run >= *min).then_some(prefix.len() + run)
            });
            let jwt = rest
                .starts_with("eyJ")
                .then(|| run_len(rest, true))
                .filter(|&run| run >= 16 && rest[..run].contains('.'));
            let long = Some(run_len(rest, false)).filter(|&run| run >= LONG_RUN);
            if let Some(run) = token.or(jwt).or(long) {
                out.push_str(REDACTED);
                i += run;
                continue;
            }
        }
        let ch = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + ch]);
        i += ch;
    }
    out
}

#[cfg(test)]
mod tests;
