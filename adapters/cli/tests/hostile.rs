//! Issue 12's attacks, replayed against the built CLI by a hostile HTTP server on loopback
//! (`hostile/server.rs`). Each run must end with a typed error or a refusal (exit 1 or 2, never
//! 101 — a panic), or exit 0 where the attack is harmless, within its time limit, with nothing
//! secret on stdout or stderr and nothing in the server's request log but what it was meant to
//! receive. Attacks whose defence is still being built in the core or the adapters are
//! `#[ignore]`d with what they need.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "hostile/harness.rs"]
mod harness;
#[path = "hostile/server.rs"]
mod server;
mod support;

use std::time::{Duration, Instant, SystemTime};

use serde_json::json;
use server::{Hostile, Reply, Req};
use support::{run, vaultcred};

use harness::*;

#[test]
fn a_resolved_value_and_a_jwt_echoed_by_another_kinds_error_are_scrubbed() {
    let b64 = base64(VALUE_A.as_bytes());
    let hexed = hex(VALUE_A.as_bytes());
    let upper = VALUE_A.to_uppercase();
    let (split_a, split_b) = VALUE_A.split_at(10);
    let echo = format!(
        "upstream failed for {VALUE_A} ({b64}, {hexed}, {upper}, {split_a}\n{split_b}); jwt {JWT}"
    );
    let server = Hostile::vault(move |req: &Req| match req.path.as_str() {
        p if p == kv("a") => Reply::kv_value(VALUE_A, 0),
        _ => Reply::errors(500, &echo),
    });
    let dir = tempfile::tempdir().unwrap();
    let cfg = token_config(dir.path(), &server);
    let (payload, signature) = (
        JWT.split('.').nth(1).unwrap(),
        JWT.split('.').nth(2).unwrap(),
    );
    let secrets = [
        VALUE_A, &b64, &hexed, &upper, split_b, payload, signature, "CANARY",
    ];
    for verbose in [&[][..], &["-v"], &["-vv"]] {
        let out = resolve(&cfg, &[verbose, &["a", "b"]].concat());
        check(&out, 1, &secrets);
        let lines = lines(&out);
        assert_eq!(lines.len(), 2, "{}", out.stdout);
        assert_eq!(lines[0]["value"], "SECR…");
        assert_eq!(
            lines[1]["error"]["reason"], "server_error",
            "{}",
            out.stdout
        );
    }
    // The server was sent the token (its job) and never a value.
    assert!(server.text().contains(TOKEN));
    assert!(!server.text().contains(VALUE_A));
}

#[test]
fn a_newline_and_a_fake_log_line_in_an_error_body_forge_nothing() {
    let json_text = format!("backend down\n{FORGED}\n");
    let html = format!("<html>oops\r\n{FORGED}\r\n</html>").into_bytes();
    let server = Hostile::vault(move |req: &Req| match req.path.as_str() {
        p if p == kv("json") => Reply::errors(500, &json_text),
        p if p == kv("plain") => Reply::Body(502, "text/html", html.clone()),
        _ => Reply::errors(400, &format!("bad request\r\n{FORGED}")),
    });
    let dir = tempfile::tempdir().unwrap();
    let cfg = token_config(dir.path(), &server);
    for verbose in ["-v", "-vv"] {
        let out = resolve(&cfg, &[verbose, "json", "plain", "other"]);
        check(&out, 1, &[]);
        assert_eq!(lines(&out).len(), 3, "{}", out.stdout);
        assert!(out.stderr.contains("DEBUG"), "{}", out.stderr);
        // The scripting outputs print failures as `error:` lines: one line each.
        let raw = resolve(&cfg, &[verbose, "--format", "raw", "json", "plain"]);
        check(&raw, 1, &[]);
        let errors = raw
            .stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .count();
        assert_eq!(errors, 2, "{}", raw.stderr);
    }
}

#[test]
fn a_bidi_override_in_an_error_body_is_removed() {
    let server = Hostile::vault(|_: &Req| {
        Reply::errors(
            500,
            "denied for \u{202e}yek-ipa-cihporhtna\u{202c} \u{2066}x\u{2069}",
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let cfg = token_config(dir.path(), &server);
    let out = resolve(&cfg, &["-vv", "k"]);
    check(&out, 1, &[]);
    for c in ['\u{202e}', '\u{202c}', '\u{2066}', '\u{2069}'] {
        assert!(!out.stdout.contains(c), "{c:?} on stdout: {}", out.stdout);
        assert!(!out.stderr.contains(c), "{c:?} on stderr: {}", out.stderr);
    }
}

#[test]
fn a_kind_with_a_newline_or_a_bidi_override_forges_no_log_line() {
    let server = Hostile::vault(|_: &Req| Reply::kv_value("never-sent", 0));
    let dir = tempfile::tempdir().unwrap();
    let cfg = token_config(dir.path(), &server);
    let newline = format!("a\n{FORGED}");
    let bidi = "x\u{202e}yek";
    for args in [
        &["-vv"][..],
        &["-v", "--format", "raw"],
        &["-v", "--field", "value"],
    ] {
        let out = resolve(&cfg, &[args, &[newline.as_str(), bidi]].concat());
        check(&out, 1, &[]);
        assert!(out.stderr.contains("invalid_kind"), "{}", out.stderr);
    }
    // Watch logs the kinds it resolves too.
    let mut cmd = vaultcred();
    cmd.args(["watch", "-vv", "--config"]).arg(&cfg);
    cmd.args(["--org", ORG, "--for", "0.5", newline.as_str(), bidi]);
    check(&run(&mut cmd, LIMIT), 0, &[]);
    // The kind with a newline never reached the server. (The core accepts U+202E in a kind and
    // percent-encodes it: it cannot leave the org's prefix, and is escaped wherever it is shown.)
    assert!(!server.text().contains("FORGED"), "{:?}", server.lines());
    assert!(
        server.lines().iter().all(|l| !l.contains("/org_b/a")),
        "{:?}",
        server.lines()
    );
}

#[test]
fn a_login_lease_of_320000000000_seconds_prints_a_refresh_time() {
    let server = approle_vault(320_000_000_000);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &json!({"addr": server.url, "mount": "secret", "authMode": "approle",
                "roleId": "role-1", "secretId": SECRET_ID}),
    );
    let out = resolve(&cfg, &["-vv", "k", "leased"]);
    check(&out, 0, &["value-of-the-kind", "value-of-leased-kind"]);
    for line in lines(&out) {
        let at = |key: &str| {
            let text = line[key].as_str().unwrap();
            assert_eq!(text.len(), 24, "{key}: {text}");
            humantime::parse_rfc3339(text).unwrap()
        };
        let (resolved, refresh) = (at("resolvedAt"), at("refreshAt"));
        assert!(refresh > resolved, "{line}");
        // Capped: no later than the core's 10-year ceiling (plus a day of slack).
        let ten_years = Duration::from_secs(10 * 365 * 86_400 + 3 * 86_400);
        assert!(refresh <= SystemTime::now() + ten_years, "{line}");
    }
    // The server was sent the secretId (its job) in the login, and the login token after it.
    assert!(server.text().contains(SECRET_ID));
}

#[test]
fn a_401_is_auth_failed() {
    let server = Hostile::vault(|_: &Req| Reply::errors(401, "unauthenticated"));
    let dir = tempfile::tempdir().unwrap();
    let cfg = token_config(dir.path(), &server);
    let out = resolve(&cfg, &["-v", "k"]);
    check(&out, 1, &[]);
    assert_eq!(
        lines(&out)[0]["error"]["reason"],
        "auth_failed",
        "{}",
        out.stdout
    );
}

#[test]
fn a_body_that_stalls_after_the_headers_ends_within_the_timeout() {
    let server = Hostile::vault(|_: &Req| {
        let mut head = Reply::head(200, 4096);
        head.extend_from_slice(br#"{"request_id":"r","#);
        Reply::Steps(vec![
            (Duration::ZERO, head),
            (Duration::from_secs(60), Vec::new()),
        ])
    });
    let dir = tempfile::tempdir().unwrap();
    let (out, took) = timed(&token_config(dir.path(), &server));
    check(&out, 1, &[]);
    assert!(
        took < Duration::from_secs(6),
        "took {took:?} with --timeout 2s"
    );
    assert!(
        lines(&out)[0]["error"]["reason"].is_string(),
        "{}",
        out.stdout
    );
}

#[test]
fn a_drip_across_phases_ends_within_one_timeout() {
    // Headers after 1.8 s, then a byte a second: every phase and every read is within 2 s, the
    // call as a whole is not.
    let server = Hostile::vault(|_: &Req| {
        let body = Reply::kv_value("dripped-value", 0);
        let Reply::Body(_, _, body) = body else {
            unreachable!()
        };
        let mut steps = vec![(Duration::from_millis(1800), Reply::head(200, body.len()))];
        steps.extend(body.iter().map(|b| (Duration::from_secs(1), vec![*b])));
        Reply::Steps(steps)
    });
    let dir = tempfile::tempdir().unwrap();
    let (out, took) = timed(&token_config(dir.path(), &server));
    check(&out, 1, &["dripped-value"]);
    assert!(
        took < Duration::from_millis(3500),
        "took {took:?} with --timeout 2s"
    );
}

#[test]
fn a_redirect_to_another_origin_sends_it_nothing() {
    let decoy = Hostile::start(|_: &Req| Reply::kv_value("decoy", 0));
    let location = format!("{}{}", decoy.url, kv("k"));
    let server = Hostile::vault(move |_: &Req| {
        let head = format!(
            "HTTP/1.1 307 X\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        Reply::Steps(vec![(Duration::ZERO, head.into_bytes())])
    });
    let dir = tempfile::tempdir().unwrap();
    let out = resolve(&token_config(dir.path(), &server), &["-vv", "k"]);
    check(&out, 1, &["decoy"]);
    assert_eq!(
        lines(&out)[0]["error"]["reason"],
        "server_error",
        "{}",
        out.stdout
    );
    assert!(decoy.requests().is_empty(), "{:?}", decoy.lines());
}

#[test]
fn proxy_variables_the_user_did_not_choose_get_nothing() {
    let proxy = Hostile::start(|_: &Req| Reply::kv_value("from-the-proxy", 0));
    let server = Hostile::vault(|_: &Req| Reply::kv_value("from-vault", 0));
    let dir = tempfile::tempdir().unwrap();
    let cfg = token_config(dir.path(), &server);
    // An http:// Vault: HTTPS_PROXY and ALL_PROXY are not for it under either documented rule.
    let mut cmd = vaultcred();
    for name in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
        cmd.env(name, &proxy.url);
    }
    cmd.args(["resolve", "--reveal", "--config"])
        .arg(&cfg)
        .args(["--org", ORG, "k"]);
    let out = run(&mut cmd, LIMIT);
    check(&out, 0, &[]);
    assert_eq!(lines(&out)[0]["value"], "from-vault");
    assert!(
        proxy.requests().is_empty(),
        "the proxy got {:?}",
        proxy.lines()
    );
}

#[test]
fn a_config_cannot_send_a_host_file_as_its_jwt() {
    let server = Hostile::start(|_: &Req| Reply::errors(400, "no"));
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("seal.key");
    std::fs::write(&key, "KEYFILE-CANARY-0123456789abcdefghijklmnop\n").unwrap();
    let cfg = config(
        dir.path(),
        &json!({"addr": server.url, "mount": "secret", "authMode": "kubernetes",
                "role": "r", "jwtPath": key}),
    );
    let out = resolve(&cfg, &["-vv", "k"]);
    check(&out, 2, &["KEYFILE-CANARY"]);
    assert!(out.stderr.contains("jwtPath"), "{}", out.stderr);
    assert!(server.requests().is_empty(), "{:?}", server.lines());
}

#[test]
fn a_fifo_as_jwt_file_ends_within_the_timeout() {
    let server = Hostile::start(|_: &Req| Reply::errors(400, "no"));
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("jwt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let cfg = config(
        dir.path(),
        &json!({"addr": server.url, "mount": "secret", "authMode": "kubernetes",
                "role": "r", "jwtPath": fifo}),
    );
    let started = Instant::now();
    let out = resolve(
        &cfg,
        &[
            "--timeout",
            "2s",
            "--allow-jwt-path",
            fifo.to_str().unwrap(),
            "k",
        ],
    );
    assert!(out.code == 1 || out.code == 2, "{}", out.stderr);
    check(&out, out.code, &[]);
    assert!(
        out.stderr.contains("jwtPath") || out.stdout.contains("jwtPath"),
        "{}",
        out.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(server.requests().is_empty(), "{:?}", server.lines());
}

#[test]
fn a_namespace_with_non_ascii_or_bidi_characters_is_refused_before_any_request() {
    refused_config(&json!({"namespace": "tenant\u{202e}x"}));
    refused_config(&json!({"namespace": "équipe"}));
}

#[test]
fn a_percent_encoded_dot_dot_in_addr_is_refused_before_any_request() {
    refused_config(&json!({"addr": "{url}/%2e%2e/other"}));
    refused_config(&json!({"addr": "{url}/a/%2E%2E/other"}));
}
