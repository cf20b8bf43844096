//! The service's subcommands: `serve`, `keys` and `rekey` (their help texts: `help.rs`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use crate::duration::parse_duration;

/// `vaultcred serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,

    /// Database: sqlite:PATH (embedded, created if missing) or postgres://USER@HOST/DB. The
    /// schema is created or migrated on start.
    #[arg(long, value_name = "URL", required_unless_present = "dev")]
    pub(crate) db: Option<String>,

    /// Platform key file (32 bytes in base64, `openssl rand -base64 32`): seals every org's
    /// config row; default: the VAULTCRED_KEY environment variable.
    #[arg(long, value_name = "FILE")]
    pub(crate) key_file: Option<PathBuf>,

    /// A previous platform key, still accepted to open the rows it sealed while `vaultcred
    /// rekey` runs (repeatable).
    #[arg(long, value_name = "FILE")]
    pub(crate) old_key_file: Vec<PathBuf>,

    /// A JWT file (or directory, ending in /) a tenant's Kubernetes config may name as
    /// jwtPath, besides the kubelet's ServiceAccount token (repeatable).
    #[arg(long, value_name = "PATH")]
    pub(crate) allow_jwt_path: Vec<String>,

    /// An address range (CIDR, e.g. 10.20.0.0/16 or 127.0.0.1/32) a tenant's Vault addr may
    /// reach besides public addresses (repeatable). Loopback, private, link-local (cloud
    /// metadata) and the other special ranges are refused otherwise.
    #[arg(long, value_name = "CIDR")]
    pub(crate) allow_addr: Vec<String>,

    /// Time allowed for each HTTP call to Vault: seconds (30) or a duration (30s, 2m).
    #[arg(long, value_name = "DURATION", default_value = "30", value_parser = parse_duration)]
    pub(crate) timeout: Duration,

    /// Start DevVault and the service on a temporary SQLite file with a fresh key, and print
    /// an admin key, a dispatch key and ready-to-paste curl commands.
    #[arg(long, conflicts_with_all = ["db", "key_file", "old_key_file"])]
    pub(crate) dev: bool,
}

/// `vaultcred keys`.
#[derive(Debug, Args)]
pub(crate) struct KeysArgs {
    /// What to do with the service's API keys.
    #[command(subcommand)]
    pub(crate) action: KeysAction,
}

/// What an API key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ScopeArg {
    /// Configure the org's credential backend.
    Admin,
    /// Read the org's credentials and events.
    Dispatch,
}

/// The `keys` actions.
#[derive(Debug, Subcommand)]
pub(crate) enum KeysAction {
    /// Make a key and print it once, on stdout (only its hash is stored).
    Create {
        /// The service's database (sqlite:PATH or postgres://…).
        #[arg(long, value_name = "URL")]
        db: String,
        /// The org the key acts for.
        #[arg(long, value_name = "ORG")]
        org: String,
        /// What it may do.
        #[arg(long, value_enum)]
        scope: ScopeArg,
        /// A name to tell keys apart.
        #[arg(long, value_name = "NAME", default_value = "")]
        name: String,
    },
    /// List keys as JSON lines (never a secret).
    List {
        /// The service's database.
        #[arg(long, value_name = "URL")]
        db: String,
        /// Only this org's keys.
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
    },
    /// Revoke a key by its id (it stops working within 10 s on every replica).
    Revoke {
        /// The service's database.
        #[arg(long, value_name = "URL")]
        db: String,
        /// The key's id (`keys list` shows it; it is also the part after rsk_live_).
        id: String,
    },
}

/// `vaultcred rekey`.
#[derive(Debug, Args)]
pub(crate) struct RekeyArgs {
    /// The service's database.
    #[arg(long, value_name = "URL")]
    pub(crate) db: String,

    /// The platform key the rows are sealed with now.
    #[arg(long, value_name = "FILE")]
    pub(crate) key_file: PathBuf,

    /// The new platform key: every row is re-sealed with it.
    #[arg(long, value_name = "FILE")]
    pub(crate) new_key_file: PathBuf,
}
