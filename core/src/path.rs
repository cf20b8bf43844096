//! Secret paths: validated orgId/kind segments and the `pathTemplate`.
//!
//! The default template is `{mount}/data/{orgId}/{kind}`. A custom template may rearrange the
//! literal segments, but `{orgId}` and `{kind}` must each be a whole segment, appear exactly once,
//! and `{orgId}` must come first. Because orgId and kind are single validated segments (no `/`,
//! `\`, `.`/`..`, `?`, `#`, `%`, whitespace or control characters), no input can steer a read
//! outside the org's own prefix — the part of the path up to and including the orgId segment.

use crate::error::{ConfigProblem, SegmentError};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Longest orgId or kind accepted, in bytes.
pub const MAX_SEGMENT_LEN: usize = 256;

/// Characters percent-encoded in a path segment: everything but RFC 3986 unreserved.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The default `pathTemplate`.
pub const DEFAULT_TEMPLATE: &str = "{mount}/data/{orgId}/{kind}";

/// Checks that `value` is a safe single path segment; `what` names it in the error.
///
/// ```
/// use vaultcred_core::path::validate_segment;
/// assert!(validate_segment("kind", "anthropic-api-key").is_ok());
/// let err = validate_segment("kind", "../other-org/key").unwrap_err();
/// assert_eq!(err.to_string(), r#"invalid kind "../other-org/key": must not contain '/'"#);
/// ```
pub fn validate_segment(what: &'static str, value: &str) -> Result<(), SegmentError> {
    let fail = |problem: &'static str| SegmentError {
        what,
        shown: format!("{:?}", truncate(value, 80)),
        problem,
    };
    if value.is_empty() {
        return Err(fail("must not be empty"));
    }
    if value == "." || value == ".." {
        return Err(fail("must not be '.' or '..'"));
    }
    if value.len() > MAX_SEGMENT_LEN {
        return Err(fail("must be at most 256 bytes"));
    }
    for c in value.chars() {
        let problem = match c {
            '/' => "must not contain '/'",
            '\\' => "must not contain '\\'",
            '?' => "must not contain '?'",
            '#' => "must not contain '#'",
            '%' => "must not contain '%'",
            '{' | '}' => "must not contain '{' or '}'",
            c if c.is_whitespace() => "must not contain whitespace",
            c if c.is_control() => "must not contain control characters",
            c if crate::scrub::is_unsafe(c) => {
                "must not contain Unicode format characters (bidi controls, zero-width characters)"
            }
            _ => continue,
        };
        return Err(fail(problem));
    }
    Ok(())
}

fn truncate(value: &str, max_chars: usize) -> String {
    if value.chars().count() <= max_chars {
        value.to_owned()
    } else {
        let mut s: String = value.chars().take(max_chars).collect();
        s.push('…');
        s
    }
}

/// One part of a parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    Mount,
    OrgId,
    Kind,
}

/// A validated `pathTemplate` (or the default), ready to render paths for an org.
///
/// ```
/// use vaultcred_core::path::PathTemplate;
/// let t = PathTemplate::parse(PathTemplate::DEFAULT).unwrap();
/// assert_eq!(t.render("secret", "org_abc123", "anthropic-api-key").unwrap(),
///            "secret/data/org_abc123/anthropic-api-key");
/// let t = PathTemplate::parse("{mount}/data/tenants/{orgId}/creds/{kind}").unwrap();
/// assert_eq!(t.render("kv", "org 1", "k").unwrap_err().to_string(),
///            r#"invalid orgId "org 1": must not contain whitespace"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathTemplate {
    parts: Vec<Part>,
}

impl PathTemplate {
    /// The default template, `{mount}/data/{orgId}/{kind}`.
    pub const DEFAULT: &'static str = DEFAULT_TEMPLATE;

    /// Parses and validates a template, reporting every problem (field `pathTemplate`).
    pub fn parse(template: &str) -> Result<PathTemplate, Vec<ConfigProblem>> {
        let mut problems = Vec::new();
        let mut problem = |message: String| {
            problems.push(ConfigProblem {
                field: "pathTemplate".into(),
                message,
            })
        };
        let trimmed = template.trim_matches('/');
        if trimmed.is_empty() {
            problem("must not be empty".into());
            return Err(problems);
        }
        let mut parts = Vec::new();
        for segment in trimmed.split('/') {
            let part = match segment {
                "{mount}" => Part::Mount,
                "{orgId}" => Part::OrgId,
                "{kind}" => Part::Kind,
                s if s.contains('{') || s.contains('}') => {
                    let mut reported = false;
                    for name in placeholders(s) {
                        if !matches!(name, "mount" | "orgId" | "kind") {
                            problem(format!(
                                "unknown placeholder {{{name}}} (known: {{mount}}, {{orgId}}, {{kind}})"
                            ));
                            reported = true;
                        }
                    }
                    if !reported {
                        problem(format!(
                            "placeholder in {s:?} must be a whole path segment, like /{{kind}}/"
                        ));
                    }
                    continue;
                }
                s => {
                    if let Err(e) = validate_segment("segment", s) {
                        problem(format!("segment {:?} {}", s, e.problem));
                        continue;
                    }
                    Part::Literal(s.to_owned())
                }
            };
            parts.push(part);
        }
        let count = |p: &Part| parts.iter().filter(|x| *x == p).count();
        for (p, name) in [(Part::OrgId, "{orgId}"), (Part::Kind, "{kind}")] {
            match count(&p) {
                1 => {}
                0 => problem(format!("must contain {name} as a whole segment")),
                _ => problem(format!("must contain {name} exactly once")),
            }
        }
        if count(&Part::Mount) > 1 {
            problem("must contain {mount} at most once".into());
        }
        let org = parts.iter().position(|p| *p == Part::OrgId);
        let kind = parts.iter().position(|p| *p == Part::Kind);
        if let (Some(o), Some(k)) = (org, kind)
            && k < o
        {
            problem("{orgId} must come before {kind}".into());
        }
        if problems.is_empty() {
            Ok(PathTemplate { parts })
        } else {
            Err(problems)
        }
    }

    /// Renders the API path (without `/v1/`), percent-encoding orgId and kind.
    ///
    /// `mount` must already be validated (see [`validate_mount`]).
    pub fn render(&self, mount: &str, org_id: &str, kind: &str) -> Result<String, SegmentError> {
        validate_segment("orgId", org_id)?;
        validate_segment("kind", kind)?;
        Ok(self.render_validated(mount, org_id, kind))
    }

    /// [`PathTemplate::render`] for an orgId and kind already validated (the registry validates
    /// orgIds at registration and an operation validates its kind when it starts).
    pub(crate) fn render_validated(&self, mount: &str, org_id: &str, kind: &str) -> String {
        let mut out = String::with_capacity(64);
        for part in &self.parts {
            if !out.is_empty() {
                out.push('/');
            }
            match part {
                Part::Literal(s) => out.extend(utf8_percent_encode(s, SEGMENT)),
                Part::Mount => out.push_str(mount),
                Part::OrgId => out.extend(utf8_percent_encode(org_id, SEGMENT)),
                Part::Kind => out.extend(utf8_percent_encode(kind, SEGMENT)),
            }
        }
        out
    }

    /// The org's prefix: the rendered path up to and including the orgId segment, with a
    /// trailing `/`. Every path this template renders for the org starts with it.
    pub fn org_prefix(&self, mount: &str, org_id: &str) -> Result<String, SegmentError> {
        validate_segment("orgId", org_id)?;
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.extend(utf8_percent_encode(s, SEGMENT)),
                Part::Mount => out.push_str(mount),
                Part::OrgId => {
                    out.extend(utf8_percent_encode(org_id, SEGMENT));
                    out.push('/');
                    return Ok(out);
                }
                Part::Kind => {}
            }
            out.push('/');
        }
        Ok(out)
    }
}

fn placeholders(segment: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = segment;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                names.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => {
                names.push(after);
                break;
            }
        }
    }
    names
}

/// Validates a KV mount path (may be nested, like `kv/team-a`) and returns it without leading or
/// trailing slashes, percent-encoded.
///
/// ```
/// use vaultcred_core::path::validate_mount;
/// assert_eq!(validate_mount("/secret/").unwrap(), "secret");
/// assert!(validate_mount("secret/../sys").is_err());
/// ```
pub fn validate_mount(mount: &str) -> Result<String, String> {
    let trimmed = mount.trim_matches('/');
    if trimmed.is_empty() {
        return Err("must not be empty".into());
    }
    let mut out = String::new();
    for segment in trimmed.split('/') {
        if let Err(e) = validate_segment("mount", segment) {
            return Err(format!("segment {:?} {}", truncate(segment, 40), e.problem));
        }
        if !out.is_empty() {
            out.push('/');
        }
        out.extend(utf8_percent_encode(segment, SEGMENT));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_every_unsafe_segment() {
        let bad = [
            ("", "must not be empty"),
            (".", "must not be '.' or '..'"),
            ("..", "must not be '.' or '..'"),
            ("a/b", "must not contain '/'"),
            ("a\\b", "must not contain '\\'"),
            ("a?b", "must not contain '?'"),
            ("a#b", "must not contain '#'"),
            ("a%2fb", "must not contain '%'"),
            ("a b", "must not contain whitespace"),
            ("a\tb", "must not contain whitespace"),
            ("a\u{0}b", "must not contain control characters"),
            ("a\u{7f}b", "must not contain control characters"),
            ("a\u{2028}b", "must not contain whitespace"),
            ("{kind}", "must not contain '{' or '}'"),
            (
                "key\u{202E}txt",
                "must not contain Unicode format characters (bidi controls, zero-width characters)",
            ),
            (
                "a\u{200B}b",
                "must not contain Unicode format characters (bidi controls, zero-width characters)",
            ),
        ];
        for (value, problem) in bad {
            let err = validate_segment("kind", value).expect_err(value);
            assert_eq!(err.problem, problem, "{value:?}");
        }
        assert!(validate_segment("kind", &"k".repeat(257)).is_err());
        assert!(validate_segment("kind", &"k".repeat(256)).is_ok());
    }

    #[test]
    fn accepts_ordinary_and_unicode_segments() {
        for ok in [
            "org_abc123",
            "anthropic-api-key",
            "a.b",
            "...",
            "é",
            "a:b@c",
        ] {
            assert!(validate_segment("kind", ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn renders_default_and_encodes() {
        let t = PathTemplate::parse(DEFAULT_TEMPLATE).unwrap();
        assert_eq!(t.render("secret", "o", "k").unwrap(), "secret/data/o/k");
        assert_eq!(
            t.render("kv/team", "o", "é:x").unwrap(),
            "kv/team/data/o/%C3%A9%3Ax"
        );
        assert_eq!(t.org_prefix("secret", "o").unwrap(), "secret/data/o/");
    }

    #[test]
    fn every_rendered_path_stays_under_the_org_prefix() {
        let t = PathTemplate::parse("{mount}/data/tenants/{orgId}/creds/{kind}").unwrap();
        let prefix = t.org_prefix("kv", "org_a").unwrap();
        assert_eq!(prefix, "kv/data/tenants/org_a/");
        for kind in ["x", "..x", "x..", "~", "a.b.c", "ü"] {
            assert!(t.render("kv", "org_a", kind).unwrap().starts_with(&prefix));
        }
        for kind in ["..", "../org_b/x", "x/../../org_b"] {
            assert!(t.render("kv", "org_a", kind).is_err());
        }
    }

    #[test]
    fn template_problems_are_all_reported() {
        let problems = PathTemplate::parse("{mount}/{secret}/{kind}/{orgId}-x").unwrap_err();
        let messages: Vec<_> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unknown placeholder {secret} (known: {mount}, {orgId}, {kind})",
                "placeholder in \"{orgId}-x\" must be a whole path segment, like /{kind}/",
                "must contain {orgId} as a whole segment",
            ]
        );
        assert!(problems.iter().all(|p| p.field == "pathTemplate"));
        let problems = PathTemplate::parse("{kind}/{orgId}").unwrap_err();
        assert_eq!(problems[0].message, "{orgId} must come before {kind}");
        let problems = PathTemplate::parse("{mount}/../{orgId}/{kind}").unwrap_err();
        assert_eq!(
            problems[0].message,
            "segment \"..\" must not be '.' or '..'"
        );
        let problems = PathTemplate::parse("{orgId}/{kind}/{kind}").unwrap_err();
        assert_eq!(problems[0].message, "must contain {kind} exactly once");
        assert!(PathTemplate::parse("").is_err());
    }
}
