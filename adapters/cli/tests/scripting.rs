//! The scriptable CLI: durations as humantime or seconds (errors name the flag), `--field`,
//! `--format env|raw` (checked by `eval`-ing the output in `sh`), completions, `watch --every`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::BufRead as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Out, run, shell, vaultcred};
use vaultcred_devvault::DevVault;

const ORG: &str = "org_abc123";
const LIMIT: Duration = Duration::from_secs(30);
/// A value with everything a shell could trip on.
const NASTY: &str = "it's $(touch /tmp/vaultcred-pwned) `id` \"q\" \\ $HOME\nline 2 ;|&<>*?";
const TOKEN_VALUE: &str = "ATATT-SCRIPT-CANARY-0123";

/// A DevVault with a single-value kind, a multi-field kind and a nasty value, and a token.
fn vault() -> (DevVault, String) {
    let dev = DevVault::start().unwrap();
    dev.kv_put(
        "secret",
        &format!("{ORG}/api"),
        json!({"value": "sk-script-0001"}),
    );
    dev.kv_put(
        "secret",
        &format!("{ORG}/jira-credentials"),
        json!({"apiToken": TOKEN_VALUE, "email": "bot@example.com", "odd-name.x": NASTY}),
    );
    dev.kv_put("secret", &format!("{ORG}/nasty"), json!({"value": NASTY}));
    dev.put_policy("read", &[&format!("secret/data/{ORG}/*")]);
    let token = dev.create_token(&["read"], None);
    (dev, token)
}

fn resolve(dev: &DevVault, token: &str, args: &[&str]) -> Out {
    run(
        vaultcred()
            .env("VAULT_ADDR", dev.url())
            .env("VAULT_TOKEN", token)
            .args(["resolve", "--org", ORG])
            .args(args),
        LIMIT,
    )
}

fn assert_no_secret_on_stderr(out: &Out) {
    for secret in ["sk-script-0001", TOKEN_VALUE, "$(touch"] {
        assert!(
            !out.stderr.contains(secret),
            "a secret on stderr: {}",
            out.stderr
        );
    }
}

#[test]
fn durations_take_humantime_or_seconds_and_errors_name_the_flag() {
    let (dev, token) = vault();
    for timeout in ["5s", "2m", "1m30s", "500ms", "5", "0.5"] {
        let out = resolve(&dev, &token, &["--timeout", timeout, "api"]);
        assert_eq!(out.code, 0, "--timeout {timeout}: {}", out.stderr);
    }
    for (args, flag) in [
        (
            vec!["resolve", "--org", ORG, "--timeout", "5x", "api"],
            "--timeout",
        ),
        (vec!["health", "--org", ORG, "--timeout", "0"], "--timeout"),
        (vec!["watch", "--org", ORG, "--for", "soon", "api"], "--for"),
        (vec!["watch", "--org", ORG, "--every=-1s", "api"], "--every"),
        (
            vec!["dev-server", "--token-ttl", "1 fortnight"],
            "--token-ttl",
        ),
    ] {
        let out = run(
            vaultcred()
                .env("VAULT_ADDR", dev.url())
                .env("VAULT_TOKEN", &token)
                .args(&args),
            LIMIT,
        );
        assert_eq!(out.code, 2, "{args:?}");
        assert!(out.stderr.contains(flag), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("30s")
                || out.stderr.contains("positive")
                || out.stderr.contains("more than zero"),
            "says what is wrong: {}",
            out.stderr
        );
    }
}

#[test]
fn field_prints_just_that_value_and_a_missing_field_lists_names_only() {
    let (dev, token) = vault();
    let out = resolve(&dev, &token, &["--field", "apiToken", "jira-credentials"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, format!("{TOKEN_VALUE}\n").as_str())
    );
    let out = resolve(&dev, &token, &["--field", "value", "api", "nasty"]);
    assert_eq!(out.stdout, format!("sk-script-0001\n{NASTY}\n"));

    let out = resolve(&dev, &token, &["--field", "password", "jira-credentials"]);
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    assert!(
        out.stderr.contains(
            "jira-credentials has no field \"password\" (its fields: apiToken, email, odd-name.x)"
        ),
        "{}",
        out.stderr
    );
    assert_no_secret_on_stderr(&out);
    let out = resolve(&dev, &token, &["--field", "apiToken", "api"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("its fields: value"), "{}", out.stderr);

    // A kind that is not stored: an error line on stderr, the others still print.
    let out = resolve(&dev, &token, &["--field", "value", "absent", "api"]);
    assert_eq!((out.code, out.stdout.as_str()), (1, "sk-script-0001\n"));
    assert!(out.stderr.contains("absent: missing"), "{}", out.stderr);

    let out = resolve(
        &dev,
        &token,
        &["--field", "value", "--format", "env", "api"],
    );
    assert_eq!(out.code, 2, "--field and --format conflict: {}", out.stderr);
}

#[test]
fn env_format_is_safe_to_eval() {
    let (dev, token) = vault();
    let marker = "/tmp/vaultcred-pwned";
    let _ = std::fs::remove_file(marker);
    let out = resolve(
        &dev,
        &token,
        &["--format", "env", "api", "jira-credentials", "nasty"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let names: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.split_once("='"))
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        [
            "API",
            "JIRA_CREDENTIALS_APITOKEN",
            "JIRA_CREDENTIALS_EMAIL",
            "JIRA_CREDENTIALS_ODD_NAME_X",
            "NASTY"
        ]
    );

    // eval it in sh, then print each variable back with printf: byte for byte the stored values.
    let script = format!(
        "eval \"$(vaultcred resolve --org {ORG} --format env api jira-credentials nasty)\" && \
         printf '%s|%s|%s|%s' \"$API\" \"$JIRA_CREDENTIALS_APITOKEN\" \"$JIRA_CREDENTIALS_ODD_NAME_X\" \"$NASTY\""
    );
    let evaluated = run(
        shell(&script, false)
            .env("VAULT_ADDR", dev.url())
            .env("VAULT_TOKEN", &token),
        LIMIT,
    );
    assert_eq!(evaluated.code, 0, "{}", evaluated.stderr);
    assert_eq!(
        evaluated.stdout,
        format!("sk-script-0001|{TOKEN_VALUE}|{NASTY}|{NASTY}")
    );
    assert!(
        !std::path::Path::new(marker).exists(),
        "eval ran a command from a value"
    );
}

#[test]
fn raw_format_prints_single_values_and_refuses_multi_field() {
    let (dev, token) = vault();
    let out = resolve(&dev, &token, &["--format", "raw", "api"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "sk-script-0001\n"));
    let out = resolve(
        &dev,
        &token,
        &["--format", "raw", "jira-credentials", "api"],
    );
    assert_eq!((out.code, out.stdout.as_str()), (1, "sk-script-0001\n"));
    assert!(out.stderr.contains("--field NAME"), "{}", out.stderr);
    assert!(out.stderr.contains("apiToken, email"), "{}", out.stderr);
    assert_no_secret_on_stderr(&out);
    // json stays the default and stays masked.
    let out = resolve(&dev, &token, &["api"]);
    let line: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(line["value"], "sk-…");
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell_name in ["bash", "zsh", "fish"] {
        let out = run(vaultcred().args(["completions", shell_name]), LIMIT);
        assert_eq!(out.code, 0, "{shell_name}: {}", out.stderr);
        assert!(out.stdout.contains("vaultcred"), "{shell_name}");
        assert!(out.stdout.contains("dev-server"), "{shell_name}");
        assert!(out.stdout.contains("format"), "{shell_name}");
    }
    // bash loads its script and registers the completion.
    let out = run(
        &mut shell(
            "source <(vaultcred completions bash) && complete -p vaultcred",
            true,
        ),
        LIMIT,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("vaultcred"), "{}", out.stdout);
    let out = run(vaultcred().args(["completions", "tcsh"]), LIMIT);
    assert_eq!(out.code, 2);
}

#[test]
fn watch_every_shows_a_rotation_before_refresh_at() {
    let dev = DevVault::start().unwrap();
    dev.kv_put(
        "secret",
        &format!("{ORG}/api"),
        json!({"value": "sk-watch-0001"}),
    );
    dev.put_policy("read", &[&format!("secret/data/{ORG}/*")]);
    let creds = dev.create_approle("app", &["read"], Duration::from_secs(3600));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cfg.json");
    let cfg = json!({"addr": dev.url(), "mount": "secret", "authMode": "approle",
                     "roleId": creds.role_id, "secretId": creds.secret_id});
    std::fs::write(&config, cfg.to_string()).unwrap();

    let started = Instant::now();
    let mut child = vaultcred()
        .args([
            "watch", "--org", ORG, "--every", "500ms", "--for", "6s", "--config",
        ])
        .arg(&config)
        .arg("api")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["event"], "resolved");
    // refreshAt is 48 minutes away (0.8 × 1 h); --every reads again well before that.
    dev.kv_put(
        "secret",
        &format!("{ORG}/api"),
        json!({"value": "sk-watch-0002"}),
    );
    let second: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(second["event"], "rotated", "{second}");
    assert_eq!(second["version"], 2);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let status = child.wait().unwrap();
    assert!(status.success());
    // The documented cost: each early read goes to Vault.
    let reads = dev.count("GET", &format!("/v1/secret/data/{ORG}/api"));
    assert!(reads >= 3, "{reads} reads");
}
