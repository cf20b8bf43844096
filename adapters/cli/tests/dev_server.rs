//! `vaultcred dev-server` works as printed: every "Try" line it prints runs (as `sh -c`, after
//! its two exports) with exit 0 and the output it promises; its `label: value` lines hold what
//! they say; its temporary directory is gone after SIGTERM or Ctrl-C; `put` writes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::{DevServer, Out, run, shell, vaultcred};

/// The sample secrets the dev-server starts with (as in `vaultcred demo`).
const SAMPLE_API_KEY: &str = "sk-ant-api03-DEMO-0000000000000000000000000001";
const SAMPLE_JIRA_TOKEN: &str = "ATATT3xFfGF0DEMO000000000000";
/// The value the printed `put` line writes.
const PUT_VALUE: &str = "sk-ant-api03-EXAMPLE-0002";

fn start(extra: &[&str]) -> DevServer {
    let mut cmd = vaultcred();
    cmd.args(["dev-server", "--addr", "127.0.0.1:0"])
        .args(extra);
    DevServer::spawn(cmd)
}

fn json_lines(out: &Out) -> Vec<Value> {
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect()
}

/// Checks what a printed "Try" command printed, by what the command is.
fn check_try(server: &DevServer, line: &str, out: &Out) {
    assert_eq!(
        out.code, 0,
        "{line}\nstdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.get(1).copied() {
        Some("resolve") if line.contains("--format env") => {
            let kinds = words
                .iter()
                .rev()
                .take_while(|w| !w.starts_with('-'))
                .count();
            assert!(out.stdout.lines().count() >= kinds - 1, "{}", out.stdout);
            // `eval` what it printed, as a script would, and read a variable back.
            let script = format!(
                "{}eval \"$({line})\"; printf %s \"$ANTHROPIC_API_KEY\"",
                server.export_prefix()
            );
            let evaluated = run(&mut shell(&script, false), Duration::from_secs(30));
            assert_eq!(evaluated.code, 0, "{}", evaluated.stderr);
            assert!(
                evaluated.stdout.starts_with("sk-ant-api03-"),
                "{}",
                evaluated.stdout
            );
        }
        Some("resolve") if line.contains("--field apiToken") => {
            assert_eq!(out.stdout, format!("{SAMPLE_JIRA_TOKEN}\n"));
        }
        Some("resolve") => {
            let lines = json_lines(out);
            assert!(!lines.is_empty());
            for l in &lines {
                assert!(l.get("error").is_none(), "{l}");
                assert!(l.get("value").or(l.get("multiField")).is_some(), "{l}");
            }
        }
        Some("dev-server") => {
            let lines = json_lines(out);
            assert_eq!(lines[0]["path"], "secret/org_abc123/anthropic-api-key");
            assert!(lines[0]["version"].as_u64().unwrap() >= 1, "{}", lines[0]);
        }
        Some("watch") => {
            let lines = json_lines(out);
            assert_eq!(lines[0]["event"], "resolved", "{}", lines[0]);
        }
        Some("health") => {
            let lines = json_lines(out);
            assert_eq!(
                (lines.len(), &lines[0]["ok"]),
                (1, &Value::Bool(true)),
                "{}",
                out.stdout
            );
        }
        other => panic!("a Try line this test does not know how to check: {other:?} in {line}"),
    }
}

/// Runs every printed "Try" line in order and checks each one.
fn run_every_try(server: &DevServer) {
    assert!(server.tries.len() >= 4, "{:?}", server.tries);
    for line in &server.tries {
        assert!(line.starts_with("vaultcred "), "{line}");
        let out = server.try_line(line);
        check_try(server, line, &out);
        for secret in [
            SAMPLE_API_KEY,
            SAMPLE_JIRA_TOKEN,
            PUT_VALUE,
            server.label("secretId"),
        ] {
            assert!(
                !out.stderr.contains(secret),
                "{line}: a secret on stderr: {}",
                out.stderr
            );
        }
    }
}

#[test]
fn every_try_line_works_as_printed_and_sigterm_removes_the_files() {
    let server = start(&[]);
    let addr = server.label("Address").to_owned();
    assert!(addr.starts_with("http://127.0.0.1:"), "{addr}");
    assert_eq!(
        server.exports,
        [
            ("VAULT_ADDR".to_owned(), addr.clone()),
            (
                "VAULT_TOKEN".to_owned(),
                server.label("Root token").to_owned()
            )
        ]
    );
    // The label lines hold what the config files and the JWT file hold.
    let approle: Value =
        serde_json::from_slice(&std::fs::read(&server.configs[0]).unwrap()).unwrap();
    assert_eq!(approle["roleId"], server.label("roleId"));
    assert_eq!(approle["secretId"], server.label("secretId"));
    assert_eq!(approle["addr"], addr.as_str());
    let k8s: Value = serde_json::from_slice(&std::fs::read(&server.configs[1]).unwrap()).unwrap();
    assert_eq!(k8s["jwtPath"], server.label("JWT file"));
    let jwt = std::fs::read_to_string(server.label("JWT file")).unwrap();
    assert_eq!(jwt.split('.').count(), 3);
    let dir = server.label("Files").to_owned();
    assert!(Path::new(&dir).is_dir());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{dir} is not private");
    }
    assert!(server.configs.iter().all(|c| c.starts_with(&dir)));
    let banner = server.lines.seen.join("\n");
    assert!(
        banner.contains("secret/org_abc123/anthropic-api-key (version 1)"),
        "{banner}"
    );
    assert!(banner.contains("token TTL 1h"), "{banner}");

    run_every_try(&server);

    let (code, stderr) = server.stop("TERM");
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("removed"), "{stderr}");
    assert!(
        !Path::new(&dir).exists(),
        "{dir} is still there after SIGTERM"
    );
}

#[test]
fn empty_server_try_lines_work_and_ctrl_c_removes_the_files() {
    let server = start(&["--empty"]);
    let banner = server.lines.seen.join("\n");
    assert!(banner.contains("No secrets yet"), "{banner}");
    assert!(
        server.tries[0].starts_with("vaultcred dev-server put"),
        "{:?}",
        server.tries
    );
    // Nothing stored before the put: the token-mode read of the sample kind is `missing`.
    let before = server.try_line("vaultcred resolve --org org_abc123 anthropic-api-key");
    assert_eq!(before.code, 1);
    assert_eq!(json_lines(&before)[0]["error"]["reason"], "missing");

    run_every_try(&server);

    let dir = server.label("Files").to_owned();
    let (code, stderr) = server.stop("INT");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !Path::new(&dir).exists(),
        "{dir} is still there after Ctrl-C"
    );
}

#[test]
fn token_ttl_and_secret_id_uses_shape_the_printed_credentials() {
    let server = start(&["--token-ttl", "2s", "--secret-id-uses", "1"]);
    let banner = server.lines.seen.join("\n");
    assert!(
        banner.contains("token TTL 2s, secretId good for 1 login(s)"),
        "{banner}"
    );
    let config = server.configs[0].display().to_string();
    let line = format!("vaultcred resolve --config {config} --org org_abc123 anthropic-api-key");

    let first = server.try_line(&line);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let cred = &json_lines(&first)[0];
    let at = |key: &str| humantime::parse_rfc3339(cred[key].as_str().unwrap()).unwrap();
    let lifetime = at("refreshAt").duration_since(at("resolvedAt")).unwrap();
    assert!(
        lifetime <= Duration::from_secs(2),
        "0.8 × 2 s TTL, got {lifetime:?}"
    );

    // The secretId allowed one login: a second process cannot log in.
    let second = server.try_line(&line);
    assert_eq!(second.code, 1, "{}", second.stdout);
    assert!(json_lines(&second)[0]["error"].is_object());
    assert!(!second.stderr.contains(server.label("secretId")));
}

#[test]
fn put_refuses_bad_input_without_echoing_secrets() {
    let server = start(&["--empty"]);
    let addr = server.label("Address").to_owned();
    let root = server.label("Root token").to_owned();

    let wrong_token = "hvs.WRONGTOKEN0000000000000000";
    let out = run(
        vaultcred()
            .env("VAULT_ADDR", &addr)
            .env("VAULT_TOKEN", wrong_token)
            .args([
                "dev-server",
                "put",
                "secret/org_abc123/x",
                "value=sk-PUT-CANARY",
            ]),
        Duration::from_secs(30),
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("403"), "{}", out.stderr);
    assert!(!out.stderr.contains(wrong_token) && !out.stderr.contains("sk-PUT-CANARY"));

    for (args, needle) in [
        (vec!["secret", "value=x"], "mount and a path"),
        (vec!["secret/../x", "value=x"], "'..'"),
        (vec!["secret/x", "sk-NOT-A-PAIR"], "FIELD=VALUE"),
    ] {
        let out = run(
            vaultcred()
                .env("VAULT_ADDR", &addr)
                .env("VAULT_TOKEN", &root)
                .args(["dev-server", "put"])
                .args(&args),
            Duration::from_secs(30),
        );
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("sk-NOT-A-PAIR"));
    }
    // Without VAULT_ADDR / --addr, clap names the flag and the variable.
    let out = run(
        vaultcred().args(["dev-server", "put", "secret/x", "value=1"]),
        Duration::from_secs(30),
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--addr"), "{}", out.stderr);

    // A put through flags lands as a new version the token-mode resolve then sees.
    let out = run(
        vaultcred().args([
            "dev-server",
            "put",
            "--addr",
            &addr,
            "--token",
            &root,
            "secret/org_abc123/k",
            "user=u",
            "password=it's",
        ]),
        Duration::from_secs(30),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout.trim(),
        r#"{"path":"secret/org_abc123/k","version":1}"#
    );
    let out = run(
        vaultcred()
            .env("VAULT_ADDR", &addr)
            .env("VAULT_TOKEN", &root)
            .args(["resolve", "--org", "org_abc123", "--field", "password", "k"]),
        Duration::from_secs(30),
    );
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "it's\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn seed_file_changes_become_new_versions() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    let write = |value: &str| {
        let json = serde_json::json!({"kv": {"org_abc123/db": {"password": value}}});
        std::fs::write(&seed, json.to_string()).unwrap();
    };
    write("pw-0001");
    let mut cmd = vaultcred();
    cmd.args(["dev-server", "--empty", "--addr", "127.0.0.1:0", "--seed"])
        .arg(&seed);
    let mut server = DevServer::spawn(cmd);
    let read = |server: &DevServer| {
        server.try_line("vaultcred resolve --org org_abc123 --mount kv --field password db")
    };
    assert_eq!(read(&server).stdout, "pw-0001\n");

    write("pw-0002-longer");
    server.lines.until(Duration::from_secs(10), |l| {
        l.starts_with("seed: wrote kv/org_abc123/db (version 2)")
    });
    assert_eq!(read(&server).stdout, "pw-0002-longer\n");

    // A broken edit is reported (never with a value) and the previous data stays.
    std::fs::write(&seed, r#"{"kv": {"org_abc123/db": "pw-BROKEN"}}"#).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(read(&server).stdout, "pw-0002-longer\n");
    let (code, stderr) = server.stop("TERM");
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("keeping the previous seed"), "{stderr}");
    assert!(!stderr.contains("pw-"), "{stderr}");
}
