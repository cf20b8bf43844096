//! `vaultcred dev-server`: DevVault in the foreground, like `vault server -dev`.
//!
//! It starts with the sample secrets of `demo` (unless `--empty`) plus any `--seed` file, prints
//! its credentials as stable `label: value` lines (`Address:`, `Root token:`, `roleId:`,
//! `secretId:`, `JWT file:`, `config:`) followed by "Try:" commands that work as printed, and
//! serves until Ctrl-C, SIGTERM or SIGHUP, then removes its temporary directory (config files
//! and the JWT). `dev-server put` writes to a running one.

use std::path::Path;
use std::sync::mpsc;

use serde_json::Value;
use vaultcred_devvault::{DevVault, DevVaultOptions};

use crate::cli::{DevServerAction, DevServerArgs};
use crate::cmd::dev_seed::{Seed, load_seed};
use crate::cmd::dev_seed_watch::SeedWatch;
use crate::cmd::{dev_put, devsetup};
use crate::duration;
use crate::failure::{EXIT_FAILED, EXIT_OK, Failure};

/// The policy granting read on every seeded mount.
const POLICY: &str = "vaultcred-read";
/// The AppRole and Kubernetes role name.
const ROLE: &str = "vaultcred";
/// The mount DevVault has at start.
const DEFAULT_MOUNT: &str = "secret";
/// How often a `--seed` file is checked for changes.
const SEED_POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// Runs `dev-server put`, or starts DevVault, prints how to use it and serves until a signal.
pub(crate) fn run(args: &DevServerArgs) -> Result<u8, Failure> {
    if let Some(DevServerAction::Put(put)) = &args.action {
        return dev_put::run(put);
    }
    let seed = match &args.seed {
        Some(path) => load_seed(path)?,
        None => Seed::new(),
    };
    // The handler goes in first, so no signal can leave the temporary directory behind.
    let (stop_tx, stop_rx) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .map_err(|e| Failure::failed(format!("cannot install the signal handler: {e}")))?;

    let dev = DevVault::start_with(DevVaultOptions {
        addr: Some(args.addr),
        root_token: args.root_token.clone(),
        ..DevVaultOptions::default()
    })
    .map_err(|e| Failure {
        code: EXIT_FAILED,
        lines: vec![e.to_string()],
    })?;

    let mut seeded = Vec::new();
    if !args.empty {
        for (kind, data) in devsetup::sample_secrets() {
            let path = format!("{}/{kind}", devsetup::SAMPLE_ORG);
            let version = dev.kv_put(devsetup::SAMPLE_MOUNT, &path, data);
            seeded.push(format!(
                "{}/{path} (version {version})",
                devsetup::SAMPLE_MOUNT
            ));
        }
    }
    for (mount, secrets) in &seed {
        for (path, data) in secrets {
            let version = dev.kv_put(mount, path, Value::Object(data.clone()));
            seeded.push(format!("{mount}/{path} (version {version})"));
        }
    }
    grant(&dev, &seed).map_err(Failure::usage)?;
    let mut approle = dev.create_approle(ROLE, &[POLICY], args.token_ttl);
    if args.secret_id_uses > 0 {
        approle.secret_id = dev.new_secret_id_with(ROLE, args.secret_id_uses, None);
    }
    dev.create_k8s_role(ROLE, &[POLICY], args.token_ttl);

    let mut builder = tempfile::Builder::new();
    builder.prefix("vaultcred-dev-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    let dir = builder
        .tempdir()
        .map_err(|e| Failure::failed(format!("cannot create a temporary directory: {e}")))?;
    let jwt = devsetup::fake_service_account_jwt("default", ROLE)?;
    let jwt_path = dir.path().join("token");
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
    let approle_path = dir.path().join("approle.json");
    let k8s_path = dir.path().join("kubernetes.json");
    devsetup::write_private(&approle_path, pretty(&approle_config).as_bytes())?;
    devsetup::write_private(&k8s_path, pretty(&k8s_config).as_bytes())?;

    let ttl = duration::show(args.token_ttl);
    let uses = match args.secret_id_uses {
        0 => String::new(),
        n => format!(", secretId good for {n} login(s)"),
    };
    let root = dev.root_token();
    let mut text = format!(
        "DevVault (vaultcred dev-server) is running in the foreground. Nothing is persisted; \
         Ctrl-C stops it and removes its files.\n\n\
         Address:    {url}\n\
         Root token: {root}\n\
         Files:      {dir}\n\n\
         Token mode (vaultcred without --config, and `vaultcred dev-server put`):\n\
         \x20   export VAULT_ADDR='{url}'\n\
         \x20   export VAULT_TOKEN='{root}'\n\n\
         AppRole (role \"{ROLE}\", policy \"{POLICY}\", token TTL {ttl}{uses}):\n\
         \x20   roleId:   {role_id}\n\
         \x20   secretId: {secret_id}\n\
         \x20   config:   {approle_path}\n\n\
         Kubernetes (role \"{ROLE}\", policy \"{POLICY}\", token TTL {ttl}):\n\
         \x20   JWT file: {jwt_path}\n\
         \x20   role:     {ROLE}\n\
         \x20   config:   {k8s_path}\n\n",
        dir = dir.path().display(),
        role_id = approle.role_id,
        secret_id = approle.secret_id,
        approle_path = approle_path.display(),
        jwt_path = jwt_path.display(),
        k8s_path = k8s_path.display(),
    );
    if seeded.is_empty() {
        text.push_str("No secrets yet: add one with `vaultcred dev-server put` (below).\n\n");
    } else {
        text.push_str("Secrets:\n");
        for line in &seeded {
            text.push_str(&format!("    {line}\n"));
        }
        text.push('\n');
    }
    text.push_str("In another shell, after the two exports above,\nTry:\n");
    for line in try_lines(args.empty, &approle_path, &k8s_path, &jwt_path) {
        text.push_str(&format!("    {line}\n"));
    }
    print!("{text}");
    std::io::Write::flush(&mut std::io::stdout())?;

    // Serve until Ctrl-C, SIGTERM or SIGHUP (applying --seed changes meanwhile); then stop and
    // remove the files.
    let mut watch = args.seed.as_deref().map(|path| SeedWatch::new(path, seed));
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop_rx.recv_timeout(SEED_POLL) {
        let Some(watch) = &mut watch else { continue };
        match watch.poll(&dev) {
            Ok(written) => {
                for line in written {
                    println!("seed: wrote {line}");
                }
                if let Err(e) = grant(&dev, watch.seed()) {
                    eprintln!("error: --seed: {e}");
                }
            }
            Err(problems) => {
                for line in problems {
                    eprintln!("error: {line} (keeping the previous seed)");
                }
            }
        }
    }
    dev.shutdown();
    let shown = dir.path().display().to_string();
    dir.close()
        .map_err(|e| Failure::failed(format!("cannot remove {shown}: {e}")))?;
    eprintln!("dev-server stopped; removed {shown}");
    Ok(EXIT_OK)
}

/// Grants the roles' policy read on `secret` and on every mount of the seed.
fn grant(dev: &DevVault, seed: &Seed) -> Result<(), String> {
    let mut mounts: Vec<&str> = vec![DEFAULT_MOUNT];
    mounts.extend(
        seed.keys()
            .map(String::as_str)
            .filter(|m| *m != DEFAULT_MOUNT),
    );
    let globs = mounts
        .iter()
        .map(|m| devsetup::data_glob(m))
        .collect::<Result<Vec<_>, _>>()?;
    let globs: Vec<&str> = globs.iter().map(String::as_str).collect();
    dev.put_policy(POLICY, &globs);
    Ok(())
}

/// The "Try:" commands, in an order in which each one works (a test runs them all).
fn try_lines(empty: bool, approle: &Path, k8s: &Path, jwt: &Path) -> Vec<String> {
    let org = devsetup::SAMPLE_ORG;
    let (approle, k8s, jwt) = (shell_word(approle), shell_word(k8s), shell_word(jwt));
    let put = format!(
        "vaultcred dev-server put {}/{org}/anthropic-api-key value=sk-ant-api03-EXAMPLE-0002",
        devsetup::SAMPLE_MOUNT
    );
    let mut lines = Vec::new();
    if empty {
        lines.push(put.clone());
        lines.push(format!("vaultcred resolve --org {org} anthropic-api-key"));
        lines.push(format!(
            "vaultcred resolve --config {approle} --org {org} --format env anthropic-api-key"
        ));
    } else {
        lines.push(format!(
            "vaultcred resolve --org {org} anthropic-api-key jira-credentials"
        ));
        lines.push(format!(
            "vaultcred resolve --org {org} --field apiToken jira-credentials"
        ));
        lines.push(format!("{put}   # a new version"));
        lines.push(format!(
            "vaultcred resolve --config {approle} --org {org} --format env anthropic-api-key jira-credentials"
        ));
        lines.push(format!(
            "vaultcred watch --config {approle} --org {org} --every 1s --for 3s anthropic-api-key"
        ));
    }
    lines.push(format!(
        "vaultcred health --config {k8s} --allow-jwt-path {jwt} --org {org}"
    ));
    lines
}

/// A path as one shell word: as it is when it holds only `[A-Za-z0-9/._-]`, else single-quoted.
fn shell_word(path: &Path) -> String {
    let text = path.to_string_lossy();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        text.into_owned()
    } else {
        crate::script::shell_quote(&text)
    }
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
