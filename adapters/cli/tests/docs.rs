//! Every command the README's `sh` blocks and `vaultcred --help` (each subcommand's
//! "Examples:") print runs against DevVault, as a user would paste it into bash, and its output
//! is checked. A `dev-server` it starts runs the "Try" lines it prints, then gets SIGTERM.
//!
//! The only rewrites: the placeholder address `http://127.0.0.1:8200` and token `hvs.xxx` become
//! the test DevVault's, and a `dev-server` listens on a free port (`--addr 127.0.0.1:0`) instead
//! of the one printed, so parallel tests cannot collide. The files the examples name (cfg.json,
//! org.json, vault.key, key.b64, cfg.sealed.json, org.sealed.json, seed.json) are made first in
//! the working directory; `VAULT_ADDR` and `VAULT_TOKEN` are set as `dev-server` says to.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
#[path = "docs/world.rs"]
mod world;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::{DevServer, Lines, bin, dev_config_body, http, run, stderr_word, vaultcred};
use world::{API_KEY, JIRA_TOKEN, ORG, World};

const LIMIT: Duration = Duration::from_secs(30);

/// A `vaultcred dev-server` that serves (not `dev-server put`).
fn is_server(line: &str) -> bool {
    line.contains("vaultcred dev-server") && !line.contains("dev-server put")
}

/// A command that runs until interrupted, or for longer than a test should wait (`watch`,
/// whose `--for` ending is tested in cli.rs): its first event is checked, then it is killed.
fn runs_forever(line: &str) -> bool {
    is_server(line) || line.contains("vaultcred watch") || line.contains("vaultcred serve")
}

/// A `vaultcred serve` example: it answers /readyz (and, with --dev, the API calls it prints
/// work), then SIGTERM stops it cleanly.
fn check_service(world: &World, example: &str, line: &str) {
    let mut cmd = world.command(&format!("exec {line}"));
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let addr = stderr_word(&mut child, "addr=");
    let (status, _) = http(&addr, "GET", "/readyz", None, "");
    assert_eq!(status, 200, "{example}");
    if line.contains("--dev") {
        let mut lines = Lines::new(child.stdout.take().unwrap());
        let text = lines
            .until(LIMIT, |l| l.contains("Who changed what"))
            .join("\n");
        let key = |label: &str| {
            let line = text
                .lines()
                .find(|l| l.trim_start().starts_with(label))
                .unwrap();
            line.split_whitespace().last().unwrap().to_owned()
        };
        let (admin, dispatch) = (key("admin key"), key("dispatch key"));
        let config = dev_config_body(&text);
        let (status, body) = http(
            &addr,
            "POST",
            "/api/org/credential-backend",
            Some(&admin),
            config,
        );
        assert_eq!(status, 200, "{example}: {body}");
        let path = "/api/org/credentials/anthropic-api-key";
        let (status, body) = http(&addr, "GET", path, Some(&dispatch), "");
        assert_eq!(status, 200, "{example}: {body}");
    }
    support::signal(&child, "TERM");
    assert!(child.wait().unwrap().success(), "{example}");
}

/// The example lines of one `--help` page: the indented lines after `Example:`/`Examples:`.
fn help_examples(args: &[&str]) -> Vec<String> {
    let out = run(vaultcred().args(args).arg("--help"), LIMIT);
    assert_eq!(out.code, 0, "{args:?}");
    let mut lines = Vec::new();
    let mut inside = false;
    for line in out.stdout.lines() {
        if line.starts_with("Example") {
            inside = true;
        } else if inside && line.starts_with("  ") && !line.trim().is_empty() {
            lines.push(line.trim().to_owned());
        } else {
            inside = false;
        }
    }
    assert!(!lines.is_empty(), "no examples in {args:?} --help");
    lines
}

/// The lines of the README's `sh` blocks that run vaultcred (not the cargo set-up commands).
fn readme_commands() -> Vec<String> {
    let readme = include_str!("../../../README.md");
    let mut lines = Vec::new();
    let mut inside = false;
    for line in readme.lines() {
        match (inside, line.trim()) {
            (false, "```sh") => inside = true,
            (true, "```") => inside = false,
            (true, l) if l.contains("vaultcred") && !l.starts_with("cargo ") => {
                lines.push(l.to_owned());
            }
            _ => {}
        }
    }
    lines
}

/// Runs one example and checks what it printed, by what it is.
fn check(world: &World, example: &str) {
    let line = world.rewrite(example);
    if is_server(&line) {
        let mut cmd = world.command(&format!("exec {line}"));
        cmd.env_remove("VAULT_ADDR").env_remove("VAULT_TOKEN");
        let server = DevServer::spawn(cmd);
        assert!(server.tries.len() >= 4, "{example}: {:?}", server.tries);
        for try_line in &server.tries {
            let out = server.try_line(try_line);
            assert_eq!(
                out.code, 0,
                "{example} → {try_line}: {}{}",
                out.stdout, out.stderr
            );
            assert!(!out.stdout.is_empty(), "{example} → {try_line}");
        }
        let dir = server.label("Files").to_owned();
        let (code, stderr) = server.stop("TERM");
        assert_eq!(code, 0, "{example}: {stderr}");
        assert!(!Path::new(&dir).exists(), "{example}: {dir} left behind");
        return;
    }
    if line.contains("vaultcred serve") {
        check_service(world, example, &line);
        return;
    }
    if runs_forever(&line) {
        let mut cmd = world.command(&format!("exec {line}"));
        cmd.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let mut lines = Lines::new(child.stdout.take().unwrap());
        let first = lines.until(LIMIT, |l| l.contains("\"event\""))[0].clone();
        let first: Value = serde_json::from_str(&first).unwrap();
        assert_eq!(first["event"], "resolved", "{example}");
        child.kill().unwrap();
        child.wait().unwrap();
        return;
    }
    // Lines that set variables: show them afterwards.
    let shown = if line.starts_with("eval ") || line.starts_with("export ") {
        format!("{line} && set")
    } else if line.starts_with("source <(") {
        format!("{line} && complete -p vaultcred")
    } else {
        line.clone()
    };
    let out = world.bash(&shown);
    assert_eq!(
        out.code, 0,
        "{example}\nstdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    for secret in [API_KEY, JIRA_TOKEN, world.secret_id.as_str()] {
        assert!(!out.stderr.contains(secret), "{example}: secret on stderr");
    }
    let sub = line
        .split_whitespace()
        .skip_while(|w| !w.ends_with("vaultcred"))
        .nth(1)
        .unwrap_or_else(|| panic!("no subcommand in {line}"));
    let json = || -> Vec<Value> {
        out.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{example}: {l}: {e}")))
            .collect()
    };
    let target = line
        .rsplit_once('>')
        .map(|(_, f)| match f.trim().strip_prefix("~/") {
            Some(in_home) => world.path("home").join(in_home),
            None => world.path(f.trim()),
        });
    match sub {
        _ if line.starts_with("eval ") => {
            assert!(
                out.stdout
                    .contains(&format!("JIRA_CREDENTIALS_APITOKEN={JIRA_TOKEN}"))
            );
        }
        _ if line.starts_with("export ") => {
            // The README's `dev-server put` may have written a new version by now.
            assert!(
                out.stdout
                    .lines()
                    .any(|l| l.starts_with("ANTHROPIC_API_KEY=sk-ant-")),
                "{example}"
            );
        }
        _ if line.starts_with("source ") => assert!(out.stdout.contains("vaultcred")),
        "resolve" if line.contains("--field apiToken") => {
            assert_eq!(out.stdout, format!("{JIRA_TOKEN}\n"), "{example}");
        }
        "resolve" => {
            let lines = json();
            assert!(!lines.is_empty(), "{example}");
            for l in lines {
                assert_eq!(l["orgId"], ORG, "{example}");
                assert!(l.get("error").is_none(), "{example}: {l}");
            }
        }
        "health" => assert_eq!(json()[0]["ok"], true, "{example}"),
        "keys" if line.contains("keys create") => {
            assert!(
                out.stdout.starts_with("rsk_live_"),
                "{example}: {}",
                out.stdout
            );
        }
        "keys" if line.contains("keys list") => {
            assert!(json().iter().all(|k| k["orgId"] == ORG), "{example}");
        }
        "keys" => assert!(out.stderr.contains("revoked key"), "{example}"),
        "rekey" => assert!(json()[0]["keyId"].is_string(), "{example}"),
        "demo" => assert!(out.stdout.contains("Rotation event"), "{example}"),
        "dev-server" => assert!(json()[0]["version"].as_u64().unwrap() >= 2, "{example}"),
        "seal" | "open" | "completions" => {
            let written = match &target {
                Some(path) => std::fs::read_to_string(path).unwrap(),
                None => out.stdout.clone(),
            };
            let expected = match sub {
                "seal" => "vaultcredSealed",
                "open" => "authMode",
                _ => "vaultcred",
            };
            assert!(written.contains(expected), "{example}: {written}");
        }
        other => panic!("{example}: no check for `{other}`"),
    }
}

#[test]
fn every_command_the_readme_and_help_print_runs() {
    assert!(Path::new(bin()).exists());
    let world = World::new();
    let readme = readme_commands();
    assert!(readme.len() >= 10, "{readme:?}");
    let mut help = Vec::new();
    for args in [
        &[][..],
        &["resolve"],
        &["health"],
        &["watch"],
        &["seal"],
        &["open"],
        &["dev-server"],
        &["dev-server", "put"],
        &["demo"],
        &["completions"],
        &["serve"],
        &["keys"],
        &["rekey"],
    ] {
        help.extend(help_examples(args));
    }
    assert!(help.len() >= 25, "{help:?}");
    for example in readme.iter().chain(&help) {
        check(&world, example);
    }
    println!(
        "ran {} README commands and {} --help examples",
        readme.len(),
        help.len()
    );
}
