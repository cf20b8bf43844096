//! Command-line syntax (clap derive): every subcommand and flag (their help texts: `cli/help.rs`).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::duration::parse_duration;

mod conn;
mod help;
#[cfg(feature = "server")]
mod service;

pub(crate) use conn::ConnArgs;
#[cfg(feature = "server")]
pub(crate) use service::{KeysAction, KeysArgs, RekeyArgs, ScopeArg, ServeArgs};

use help::{
    ABOUT, COMPLETIONS_EXAMPLES, EXAMPLES, HEALTH_EXAMPLES, LONG_ABOUT, OPEN_EXAMPLES,
    RESOLVE_EXAMPLES, SEAL_EXAMPLES, WATCH_EXAMPLES,
};
#[cfg(feature = "dev")]
use help::{DEMO_EXAMPLES, DEV_SERVER_EXAMPLES, PUT_EXAMPLES};

/// `vaultcred`: the command line.
#[derive(Debug, Parser)]
#[command(
    name = "vaultcred",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXAMPLES,
    propagate_version = true
)]
pub(crate) struct Cli {
    /// Show the adapters' log events on stderr (-v debug, -vv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Resolve credentials and print one JSON line per kind.
    #[command(after_help = RESOLVE_EXAMPLES)]
    Resolve(ResolveArgs),
    /// Check that Vault is reachable and the auth credentials are valid.
    #[command(after_help = HEALTH_EXAMPLES)]
    Health(HealthArgs),
    /// Resolve credentials, then re-resolve at each refreshAt and report rotations.
    #[command(after_help = WATCH_EXAMPLES)]
    Watch(WatchArgs),
    /// Seal a Vault config (read on stdin) for an org with a key file.
    #[command(after_help = SEAL_EXAMPLES)]
    Seal(SealArgs),
    /// Open a sealed envelope (read on stdin) and print the config.
    #[command(after_help = OPEN_EXAMPLES)]
    Open(OpenArgs),
    /// Run DevVault, an embedded Vault-compatible dev server, in the foreground.
    #[cfg(feature = "dev")]
    #[command(after_help = DEV_SERVER_EXAMPLES, args_conflicts_with_subcommands = true)]
    DevServer(DevServerArgs),
    /// Walk through everything against an in-process DevVault (needs nothing else).
    #[cfg(feature = "dev")]
    #[command(after_help = DEMO_EXAMPLES)]
    Demo,
    /// Not in this build (it needs the `dev` feature): says so.
    #[cfg(not(feature = "dev"))]
    #[command(name = "dev-server", hide = true)]
    DevServer(WithoutDev),
    /// Not in this build (it needs the `dev` feature): says so.
    #[cfg(not(feature = "dev"))]
    #[command(hide = true)]
    Demo(WithoutDev),
    /// Run the credential backend service (HTTP API over sealed config rows in SQLite or
    /// PostgreSQL); --dev runs it on DevVault and a temporary database.
    #[cfg(feature = "server")]
    #[command(after_help = help::SERVE_EXAMPLES)]
    Serve(ServeArgs),
    /// Create, list or revoke the service's API keys.
    #[cfg(feature = "server")]
    #[command(after_help = help::KEYS_EXAMPLES)]
    Keys(KeysArgs),
    /// Re-seal every config row of the service's database under a new platform key.
    #[cfg(feature = "server")]
    #[command(after_help = help::REKEY_EXAMPLES)]
    Rekey(RekeyArgs),
    /// Not in this build (it needs the `server` feature): says so.
    #[cfg(not(feature = "server"))]
    #[command(hide = true)]
    Serve(WithoutServer),
    /// Not in this build (it needs the `server` feature): says so.
    #[cfg(not(feature = "server"))]
    #[command(hide = true)]
    Keys(WithoutServer),
    /// Not in this build (it needs the `server` feature): says so.
    #[cfg(not(feature = "server"))]
    #[command(hide = true)]
    Rekey(WithoutServer),
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell) on stdout.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
}

/// The arguments of a service subcommand this build does not have, whatever they are.
#[cfg(not(feature = "server"))]
#[derive(Debug, Args)]
pub(crate) struct WithoutServer {
    /// Ignored.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub(crate) rest: Vec<String>,
}

/// The arguments of a subcommand this build does not have, whatever they are.
#[cfg(not(feature = "dev"))]
#[derive(Debug, Args)]
pub(crate) struct WithoutDev {
    /// Ignored.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub(crate) rest: Vec<String>,
}

/// `vaultcred resolve`.
#[derive(Debug, Args)]
pub(crate) struct ResolveArgs {
    /// Connection.
    #[command(flatten)]
    pub(crate) conn: ConnArgs,

    /// Print secret values in full instead of masked.
    #[arg(long)]
    pub(crate) reveal: bool,

    /// Print only this field's value, one line per KIND (implies --reveal; `value` for a
    /// single-value KIND). A KIND without it is an error listing its field names.
    #[arg(long, value_name = "NAME", conflicts_with = "format")]
    pub(crate) field: Option<String>,

    /// Output format: json lines (masked unless --reveal), env (`KIND_FIELD='value'` lines for
    /// `eval`) or raw (the bare value); env and raw print values in full.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Json)]
    pub(crate) format: Format,

    /// Credential kinds to resolve (e.g. anthropic-api-key).
    #[arg(value_name = "KIND", required = true)]
    pub(crate) kinds: Vec<String>,
}

/// `vaultcred health`.
#[derive(Debug, Args)]
pub(crate) struct HealthArgs {
    /// Connection.
    #[command(flatten)]
    pub(crate) conn: ConnArgs,
}

/// `vaultcred watch`.
#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// Connection.
    #[command(flatten)]
    pub(crate) conn: ConnArgs,

    /// Print secret values in full instead of masked.
    #[arg(long)]
    pub(crate) reveal: bool,

    /// Stop (exit 0) after this long (e.g. 60s, 5m, or seconds); default: watch until
    /// interrupted.
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) for_: Option<Duration>,

    /// Re-read at least this often (e.g. 30s), even before refreshAt; adds load on Vault
    /// (a read of every KIND each time). Default: only at refreshAt.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) every: Option<Duration>,

    /// Credential kinds to watch.
    #[arg(value_name = "KIND", required = true)]
    pub(crate) kinds: Vec<String>,
}

/// `vaultcred seal`.
#[derive(Debug, Args)]
pub(crate) struct SealArgs {
    /// The org the envelope is bound to.
    #[arg(long, value_name = "ORG")]
    pub(crate) org: String,

    /// Key file: 32 random bytes in base64 (`openssl rand -base64 32`); default: VAULTCRED_KEY.
    #[arg(long, value_name = "FILE")]
    pub(crate) key_file: Option<PathBuf>,
}

/// `vaultcred open`.
#[derive(Debug, Args)]
pub(crate) struct OpenArgs {
    /// The org the envelope was sealed for.
    #[arg(long, value_name = "ORG")]
    pub(crate) org: String,

    /// Key file: 32 random bytes in base64; default: VAULTCRED_KEY.
    #[arg(long, value_name = "FILE")]
    pub(crate) key_file: Option<PathBuf>,

    /// Print the token / secretId / roleId instead of "[redacted]".
    #[arg(long)]
    pub(crate) reveal: bool,
}

/// `vaultcred dev-server`.
#[cfg(feature = "dev")]
#[derive(Debug, Args)]
pub(crate) struct DevServerArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8200")]
    pub(crate) addr: std::net::SocketAddr,

    /// JSON seed file: {"MOUNT": {"PATH": {"FIELD": "VALUE", ...}, ...}, ...}; watched: a secret
    /// that changes in it is written as a new version.
    #[arg(long, value_name = "FILE")]
    pub(crate) seed: Option<PathBuf>,

    /// Root token to use instead of a random one.
    #[arg(long, value_name = "TOKEN")]
    pub(crate) root_token: Option<String>,

    /// Start without the sample secrets of org_abc123 (those `vaultcred demo` uses).
    #[arg(long)]
    pub(crate) empty: bool,

    /// TTL of the tokens the AppRole and Kubernetes logins issue (e.g. 10s to see refreshes).
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    pub(crate) token_ttl: Duration,

    /// Logins the printed AppRole secretId allows (0 = unlimited).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) secret_id_uses: u64,

    /// Write to a running dev-server instead of starting one.
    #[command(subcommand)]
    pub(crate) action: Option<DevServerAction>,
}

/// `vaultcred dev-server <action>`.
#[cfg(feature = "dev")]
#[derive(Debug, Subcommand)]
pub(crate) enum DevServerAction {
    /// Write a secret (a new KV v2 version) to a running dev-server, like `vault kv put`.
    #[command(after_help = PUT_EXAMPLES)]
    Put(PutArgs),
}

/// `vaultcred dev-server put`.
#[cfg(feature = "dev")]
#[derive(Debug, Args)]
pub(crate) struct PutArgs {
    /// The dev-server's address (as printed: `Address:`).
    #[arg(long, value_name = "URL", env = "VAULT_ADDR")]
    pub(crate) addr: String,

    /// A token allowed to write (the printed root token).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "VAULT_TOKEN",
        hide_env_values = true
    )]
    pub(crate) token: String,

    /// Where: the KV v2 mount, then the secret's path (e.g. secret/org_abc123/anthropic-api-key).
    #[arg(value_name = "MOUNT/PATH")]
    pub(crate) path: String,

    /// The secret's fields (the new version holds exactly these).
    #[arg(value_name = "FIELD=VALUE", required = true)]
    pub(crate) fields: Vec<String>,
}

/// `--format` of `vaultcred resolve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// One JSON object per KIND (values masked unless --reveal).
    Json,
    /// `KIND=value` / `KIND_FIELD=value` lines, single-quoted for `eval`.
    Env,
    /// The bare value of each single-value KIND, one per line.
    Raw,
}

/// `vaultcred completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub(crate) shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
