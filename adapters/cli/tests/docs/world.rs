//! The world the README and `--help` examples run in (see `docs.rs`): a DevVault with the
//! sample org's secrets, a working directory with the files the examples name, and the rewrites
//! that make an example runnable here.

use crate::support::{Out, path_with_bin, run};
use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;
use vaultcred_devvault::DevVault;

pub(crate) const ORG: &str = "org_abc123";
pub(crate) const API_KEY: &str = "sk-ant-api03-DOCS-0000000000000000000000000001";
pub(crate) const JIRA_TOKEN: &str = "ATATT3xDOCS000000000000000000";
const LIMIT: Duration = Duration::from_secs(30);

/// The working directory, the server and the environment the examples run in.
pub(crate) struct World {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) dev: DevVault,
    pub(crate) secret_id: String,
}

impl World {
    pub(crate) fn new() -> World {
        let dev = DevVault::start().unwrap();
        dev.kv_put(
            "secret",
            &format!("{ORG}/anthropic-api-key"),
            json!({"value": API_KEY}),
        );
        dev.kv_put(
            "secret",
            &format!("{ORG}/jira-credentials"),
            json!({"site": "myorg.atlassian.net", "email": "bot@example.com", "apiToken": JIRA_TOKEN}),
        );
        dev.put_policy("org-read", &[&format!("secret/data/{ORG}/*")]);
        let creds = dev.create_approle("docs", &["org-read"], Duration::from_secs(3600));
        let dir = tempfile::tempdir().unwrap();
        let config = json!({"addr": dev.url(), "mount": "secret", "authMode": "approle",
                            "roleId": creds.role_id, "secretId": creds.secret_id});
        for name in ["cfg.json", "org.json"] {
            std::fs::write(dir.path().join(name), config.to_string()).unwrap();
        }
        use base64::Engine as _;
        let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        for name in ["vault.key", "key.b64", "platform.key"] {
            std::fs::write(dir.path().join(name), format!("{key}\n")).unwrap();
        }
        let new_key = base64::engine::general_purpose::STANDARD.encode([8u8; 32]);
        std::fs::write(dir.path().join("new.key"), format!("{new_key}\n")).unwrap();
        #[cfg(unix)]
        for name in ["platform.key", "new.key"] {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::Permissions::from_mode(0o600);
            std::fs::set_permissions(dir.path().join(name), mode).unwrap();
        }
        std::fs::write(
            dir.path().join("seed.json"),
            json!({"secret": {"org_abc123/linear-oauth": {"accessToken": "lin-seeded"}}})
                .to_string(),
        )
        .unwrap();
        for dirs in ["home/.zfunc", "home/.config/fish/completions"] {
            std::fs::create_dir_all(dir.path().join(dirs)).unwrap();
        }
        let world = World {
            dir,
            dev,
            secret_id: creds.secret_id,
        };
        for (plain, sealed) in [
            ("cfg.json", "cfg.sealed.json"),
            ("org.json", "org.sealed.json"),
        ] {
            let out = world.bash(&format!(
                "vaultcred seal --org {ORG} --key-file vault.key < {plain} > {sealed}"
            ));
            assert_eq!(out.code, 0, "{}", out.stderr);
        }
        world
    }

    pub(crate) fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// `bash -c LINE` in the working directory with the dev-server's exports.
    pub(crate) fn command(&self, line: &str) -> Command {
        let mut cmd = Command::new("bash");
        cmd.env_clear()
            .env("PATH", path_with_bin())
            .env("HOME", self.path("home"))
            .env("VAULT_ADDR", self.dev.url())
            .env("VAULT_TOKEN", self.dev.root_token())
            .current_dir(self.dir.path())
            .stdin(std::process::Stdio::null())
            .arg("-c")
            .arg(line);
        cmd
    }

    pub(crate) fn bash(&self, line: &str) -> Out {
        run(&mut self.command(line), LIMIT)
    }

    /// The example as it runs here (see the module docs for the rewrites).
    pub(crate) fn rewrite(&self, line: &str) -> String {
        // A trailing `# comment` goes (so a check can be appended to the command).
        let line = line.split(" #").next().unwrap_or(line).trim_end();
        let mut line = line
            .replace("http://127.0.0.1:8200", &self.dev.url())
            .replace("hvs.xxx", &self.dev.root_token());
        if line.contains("vaultcred serve") {
            let words: Vec<&str> = line.split_whitespace().collect();
            let mut kept = Vec::new();
            let mut skip = false;
            for w in words {
                if std::mem::take(&mut skip) {
                    continue;
                }
                if w == "--listen" {
                    skip = true;
                    continue;
                }
                kept.push(w);
            }
            line = format!("{} --listen 127.0.0.1:0", kept.join(" "));
        }
        if line.contains("keys revoke") {
            let listed = self.bash("vaultcred keys list --db sqlite:vaultcred.db");
            let first: Value = serde_json::from_str(listed.stdout.lines().next().unwrap()).unwrap();
            line = line.replace("3f9a0c1b22de", first["id"].as_str().unwrap());
        }
        if crate::is_server(&line) {
            line = line
                .replace("--addr 127.0.0.1:8200", "")
                .replace("--addr 127.0.0.1:8300", "");
            line = format!("{} --addr 127.0.0.1:0", line.trim_end());
        }
        line
    }
}
