//! `vaultcred dev-server`: DevVault in the foreground, like `vault server -dev`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value};
use vaultcred_core::path::validate_mount;
use vaultcred_devvault::{DevVault, DevVaultOptions};

use crate::cli::DevServerArgs;
use crate::cmd::devsetup;
use crate::failure::{EXIT_FAILED, Failure};

/// The policy granting read on every seeded mount.
const POLICY: &str = "vaultcred-read";
/// The AppRole and Kubernetes role name.
const ROLE: &str = "vaultcred";
/// The mount DevVault has at start.
const DEFAULT_MOUNT: &str = "secret";
/// TTL of tokens issued by the AppRole and Kubernetes roles.
const ROLE_TTL: Duration = Duration::from_secs(3600);

/// Seed data: mount → secret path → data object.
type Seed = BTreeMap<String, Vec<(String, Map<String, Value>)>>;

/// Starts DevVault, seeds it, prints how to use it, and blocks until the process is killed.
pub(crate) fn run(args: &DevServerArgs) -> Result<u8, Failure> {
    let seed = match &args.seed {
        Some(path) => load_seed(path)?,
        None => Seed::new(),
    };
    let dev = DevVault::start_with(DevVaultOptions {
        addr: Some(args.addr),
        root_token: args.root_token.clone(),
        ..DevVaultOptions::default()
    })
    .map_err(|e| Failure {
        code: EXIT_FAILED,
        lines: vec![e.to_string()],
    })?;

    let mut mounts: Vec<&str> = vec![DEFAULT_MOUNT];
    mounts.extend(
        seed.keys()
            .map(String::as_str)
            .filter(|m| *m != DEFAULT_MOUNT),
    );
    let mut seeded = Vec::new();
    for (mount, secrets) in &seed {
        for (path, data) in secrets {
            let version = dev.kv_put(mount, path, Value::Object(data.clone()));
            seeded.push(format!("{mount}/{path} (version {version})"));
        }
    }
    let globs = mounts
        .iter()
        .map(|m| devsetup::data_glob(m))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::usage)?;
    let globs: Vec<&str> = globs.iter().map(String::as_str).collect();
    dev.put_policy(POLICY, &globs);
    let approle = dev.create_approle(ROLE, &[POLICY], ROLE_TTL);
    dev.create_k8s_role(ROLE, &[POLICY], ROLE_TTL);

    let dir = devsetup::keep_temp_dir("vaultcred-dev-")?;
    let jwt = devsetup::fake_service_account_jwt("default", ROLE)?;
    let jwt_path = dir.join("token");
    devsetup::write_private(&jwt_path, jwt.as_bytes())?;
    dev.register_jwt(ROLE, &jwt);

    let url = dev.url();
    let approle_config = serde_json::json!({
        "addr": url, "mount": DEFAULT_MOUNT, "authMode": "approle",
        "roleId": approle.role_id, "secretId": approle.secret_id,
    });
    let k8s_config = serde_json::json!({
        "addr": url, "mount": DEFAULT_MOUNT, "authMode": "kubernetes",
        "role": ROLE, "jwtPath": jwt_path.to_string_lossy(),
    });
    let approle_path = dir.join("approle.json");
    let k8s_path = dir.join("kubernetes.json");
    devsetup::write_private(&approle_path, pretty(&approle_config).as_bytes())?;
    devsetup::write_private(&k8s_path, pretty(&k8s_config).as_bytes())?;

    let root = dev.root_token();
    let mut text = String::new();
    text.push_str(&format!(
        "DevVault (vaultcred dev-server) is running in the foreground. Nothing is persisted; \
         Ctrl-C stops it.\n\n\
         Address:    {url}\n\
         Root token: {root}\n\n\
         Token mode (vaultcred without --config, or the vault CLI):\n\
         \x20   export VAULT_ADDR='{url}'\n\
         \x20   export VAULT_TOKEN='{root}'\n\n\
         AppRole (role \"{ROLE}\", policy \"{POLICY}\", token TTL {ttl} s):\n\
         \x20   roleId:   {role_id}\n\
         \x20   secretId: {secret_id}\n\
         \x20   config:   {approle_path}\n\n\
         Kubernetes (role \"{ROLE}\", policy \"{POLICY}\", token TTL {ttl} s):\n\
         \x20   JWT file: {jwt_path}\n\
         \x20   role:     {ROLE}\n\
         \x20   config:   {k8s_path}\n\n",
        ttl = ROLE_TTL.as_secs(),
        role_id = approle.role_id,
        secret_id = approle.secret_id,
        approle_path = approle_path.display(),
        jwt_path = jwt_path.display(),
        k8s_path = k8s_path.display(),
    ));
    if seeded.is_empty() {
        text.push_str(
            "No secrets yet (use --seed FILE, or `vault kv put` with the exports above).\n\n",
        );
    } else {
        text.push_str("Seeded secrets:\n");
        for line in &seeded {
            text.push_str(&format!("    {line}\n"));
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "Try:\n\
         \x20   vaultcred resolve --org org_abc123 anthropic-api-key          # with the exports above\n\
         \x20   vaultcred resolve --config {} --org org_abc123 anthropic-api-key\n\
         \x20   vaultcred health --config {} --org org_abc123\n",
        approle_path.display(),
        k8s_path.display()
    ));
    print!("{text}");
    std::io::Write::flush(&mut std::io::stdout())?;

    // Serve until the process is interrupted (Ctrl-C ends it).
    loop {
        std::thread::park();
    }
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads and validates a seed file: `{"MOUNT": {"PATH": {"FIELD": VALUE, ...}, ...}, ...}`.
fn load_seed(path: &Path) -> Result<Seed, Failure> {
    let shown = path.display();
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::usage(format!("cannot read --seed {shown}: {e}")))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        Failure::usage(format!(
            "--seed {shown}: not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    parse_seed(&value).map_err(|problems| Failure {
        code: crate::failure::EXIT_USAGE,
        lines: problems
            .into_iter()
            .map(|p| format!("--seed {shown}: {p}"))
            .collect(),
    })
}

/// Validates seed JSON; every problem names its location (never a secret value).
fn parse_seed(value: &Value) -> Result<Seed, Vec<String>> {
    const SHAPE: &str = "{\"MOUNT\": {\"PATH\": {\"FIELD\": \"VALUE\"}}}";
    let Some(mounts) = value.as_object() else {
        return Err(vec![format!(
            "must be a JSON object of mounts, like {SHAPE}"
        )]);
    };
    let mut problems = Vec::new();
    let mut seed = Seed::new();
    for (mount, secrets) in mounts {
        if let Err(e) = validate_mount(mount) {
            problems.push(format!("mount {mount:?}: {e}"));
            continue;
        }
        let Some(secrets) = secrets.as_object() else {
            problems.push(format!(
                "mount {mount:?}: must be a JSON object of secret paths, like {SHAPE}"
            ));
            continue;
        };
        let entry = seed.entry(mount.clone()).or_default();
        for (path, data) in secrets {
            let clean = path.trim_matches('/');
            if clean.is_empty()
                || clean
                    .split('/')
                    .any(|s| s.is_empty() || s == "." || s == "..")
            {
                problems.push(format!(
                    "{mount:?} → {path:?}: the path must be non-empty segments separated by '/' \
                     (no '.' or '..')"
                ));
                continue;
            }
            match data.as_object() {
                Some(fields) if !fields.is_empty() => {
                    entry.push((clean.to_owned(), fields.clone()));
                }
                Some(_) => problems.push(format!(
                    "{mount:?} → {path:?}: the secret's data must have at least one field"
                )),
                None => problems.push(format!(
                    "{mount:?} → {path:?}: the secret's data must be a JSON object of fields, \
                     like {{\"value\": \"...\"}}"
                )),
            }
        }
    }
    if problems.is_empty() {
        Ok(seed)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seed_parses() {
        let seed = parse_seed(&json!({
            "secret": {"org_abc123/anthropic-api-key": {"value": "sk"}},
            "kv": {"/a/b/": {"x": "1", "y": "2"}}
        }))
        .unwrap();
        assert_eq!(seed["secret"][0].0, "org_abc123/anthropic-api-key");
        assert_eq!(seed["kv"][0].0, "a/b");
    }

    #[test]
    fn seed_problems_name_the_location_not_the_value() {
        let problems = parse_seed(&json!({
            "secret": {"org/a": "sk-TOP-SECRET", "org/b": {}, "../x": {"v": "1"}},
            "bad/../mount": {},
            "kv": []
        }))
        .unwrap_err();
        let text = problems.join("\n");
        assert!(text.contains("\"org/a\""), "{text}");
        assert!(text.contains("\"org/b\""), "{text}");
        assert!(text.contains("\"../x\""), "{text}");
        assert!(text.contains("bad/../mount"), "{text}");
        assert!(text.contains("mount \"kv\""), "{text}");
        assert!(!text.contains("sk-TOP-SECRET"), "{text}");
        assert!(parse_seed(&json!([1])).is_err());
    }
}
