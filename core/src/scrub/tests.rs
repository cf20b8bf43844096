//! Unit tests of the scrubber.
use super::*;

fn scrub_with(secrets: &[&str], text: &str) -> String {
    let owned: Vec<SecretString> = secrets.iter().map(|s| SecretString::new(*s)).collect();
    Scrubber::new(owned.iter()).scrub(text)
}

#[test]
fn scrubs_known_secrets_longest_first() {
    assert_eq!(
        scrub_with(&["abc", "abcdef"], "x abcdef y abc"),
        "x [redacted] y [redacted]"
    );
}

#[test]
fn scrubs_every_encoding_a_server_may_echo() {
    let value = "SECRETVALUE-1111";
    let b64 = STANDARD.encode(value);
    let b64url = URL_SAFE_NO_PAD.encode("??>>SECRETVALUE-1111<<??");
    let hex_upper: String = value.bytes().map(|b| format!("{b:02X}")).collect();
    for echo in [
        value.to_owned(),
        value.to_ascii_lowercase(),
        b64.clone(),
        b64.trim_end_matches('=').to_owned(),
        hex_upper,
        "SECRETVALUE%2D1111".to_owned(),
        "SECRET\nVALUE-1111".to_owned(),
        "SECRETVAL\r\nUE-1111".to_owned(),
    ] {
        let out = scrub_with(&[value], &format!("echo {echo} end"));
        assert_eq!(out, "echo [redacted] end", "{echo:?}");
    }
    let url_secret = "??>>SECRETVALUE-1111<<??";
    assert_eq!(
        scrub_with(&[url_secret], &format!("u {b64url}")),
        "u [redacted]"
    );
}

#[test]
fn short_secrets_are_matched_only_as_written() {
    // A 3-character value is scrubbed, but its base64 ("YWJj") is not searched.
    assert_eq!(scrub_with(&["abc"], "abc YWJj"), "[redacted] YWJj");
}

#[test]
fn scrubs_token_and_jwt_shapes_even_wrapped() {
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
    // A JWT wrapped at a fixed width is one run.
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdCJ9.c2lnbmF0dXJlc2lnbmF0dXJl";
    let wrapped: String = jwt
        .as_bytes()
        .chunks(20)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        s.scrub(&format!("bad jwt {wrapped} end")),
        "bad jwt [redacted] end"
    );
    let token = "hvs.CAESIH2w8tOS6mLkWJ1Z0vbZyb3WqQJzS8hu3pWkk5ZjwqP5";
    assert_eq!(
        s.scrub(&format!("t {}\n{} x", &token[..20], &token[20..])),
        "t [redacted] x"
    );
    // Ordinary words stay.
    assert_eq!(s.scrub("this is s.short"), "this is s.short");
    assert_eq!(s.scrub("permission denied"), "permission denied");
    assert_eq!(
        s.scrub("request 3c9e1f7a-8b62-4d0d-1e59-b2f64a0c7d88 failed"),
        "request 3c9e1f7a-8b62-4d0d-1e59-b2f64a0c7d88 failed"
    );
}

#[test]
fn a_known_jwt_signature_alone_and_long_runs_are_scrubbed() {
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.Y2FuYXJ5LXNpZ25hdHVyZS0xMjM0NTY3OA";
    let out = scrub_with(&[jwt], "sig Y2FuYXJ5LXNpZ25hdHVyZS0xMjM0NTY3OA only");
    assert_eq!(out, "sig [redacted] only");
    let run = "A".repeat(60);
    assert_eq!(
        Scrubber::default().scrub(&format!("k {run} k")),
        "k [redacted] k"
    );
}

#[test]
fn scrubs_echoed_headers() {
    let s = Scrubber::default();
    assert_eq!(
        s.scrub("bad request\nX-Vault-Token: anything-at-all\nHost: v"),
        "bad request X-Vault-Token: [redacted] Host: v"
    );
    assert_eq!(
        s.scrub(r#"{"authorization":"Bearer zzz"}"#),
        r#"{"authorization": [redacted]}"#
    );
}

#[test]
fn no_control_separator_or_format_character_survives() {
    let s = Scrubber::default();
    assert_eq!(s.scrub("a\u{1b}[31mb\r\n"), "a [31mb  ");
    // A forged log line stays on the same line.
    let forged = "oops\n2026-01-01T00:00:00Z  INFO vaultcred: credential resolved org=\"org_b\"";
    assert!(!s.scrub(forged).contains('\n'));
    for c in [
        '\u{202E}', '\u{2066}', '\u{200B}', '\u{2028}', '\u{2029}', '\u{FEFF}', '\t',
    ] {
        let out = s.scrub(&format!("x{c}y"));
        assert_eq!(out, "x y", "{:?}", c);
    }
}

#[test]
fn caps_length_after_scrubbing_and_keeps_multibyte_text() {
    let s = Scrubber::default();
    let out = s.scrub(&"x ".repeat(2000));
    assert_eq!(out.chars().count(), MAX_OUTSIDE_TEXT + 1);
    assert_eq!(s.scrub("é authorization ü"), "é authorization ü");
    assert_eq!(
        scrub_with(&["ümlaut-secret"], "a ümlaut-secret b"),
        "a [redacted] b"
    );
}
