//! `vaultcred`: the command-line tool of the vaultcred Vault credential client.
//!
//! It resolves per-organisation credentials from HashiCorp Vault KV v2 through the blocking
//! `vaultcred-ureq` client (all Vault knowledge lives in `vaultcred-core`), checks the connection,
//! watches for rotations, seals configs at rest, and runs DevVault (`dev-server`, `demo`).
//!
//! Output contract (stdout): one compact JSON object per line; secret values masked unless
//! `--reveal` (first `min(4, len/4)` characters followed by `…`). Errors go to stderr as
//! `error: ...` lines and never contain a token, secretId, JWT, key or secret value.
//! Exit codes: 0 success, 1 a credential or check failed, 2 usage or config error.
#![forbid(unsafe_code)]
// The flags' doc comments are clap's --help texts, written for a terminal: `"[redacted]"` there
// is what the user sees, not an intra-doc link.
#![allow(rustdoc::broken_intra_doc_links)]

mod cli;
mod cmd;
mod conn;
mod duration;
mod failure;
#[cfg(test)]
mod fuzz_corpus;
mod output;
mod script;
mod transport;

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = parse();
    // `serve` sets up logging itself, once its service (and metrics layer) exists.
    if !is_serve(&cli.command) {
        init_logging(cli.verbose, false, None);
    }
    let result = match &cli.command {
        Command::Resolve(args) => cmd::resolve::run(args),
        Command::Health(args) => cmd::health::run(args),
        Command::Watch(args) => cmd::watch::run(args),
        Command::Seal(args) => cmd::seal::run_seal(args),
        Command::Open(args) => cmd::seal::run_open(args),
        #[cfg(feature = "dev")]
        Command::DevServer(args) => cmd::dev_server::run(args),
        #[cfg(feature = "dev")]
        Command::Demo => cmd::demo::run(),
        #[cfg(feature = "server")]
        Command::Serve(args) => cmd::serve::run(args, cli.verbose),
        #[cfg(feature = "server")]
        Command::Keys(args) => cmd::serve::run_keys(args),
        #[cfg(feature = "server")]
        Command::Rekey(args) => cmd::serve::run_rekey(args),
        #[cfg(not(feature = "server"))]
        Command::Serve(_) | Command::Keys(_) | Command::Rekey(_) => Err(failure::Failure::usage(
            "serve, keys and rekey are not in this build of vaultcred: it was built without the \
             `server` feature; install with default features to get them",
        )),
        Command::Completions(args) => cmd::completions::run(args),
        #[cfg(not(feature = "dev"))]
        Command::DevServer(_) | Command::Demo(_) => Err(failure::Failure::usage(
            "dev-server and demo are not in this build of vaultcred: it was built without the \
             `dev` feature (DevVault); install with default features to get them",
        )),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => failure.report(),
    }
}

#[cfg(feature = "server")]
fn is_serve(command: &Command) -> bool {
    matches!(command, Command::Serve(_))
}

#[cfg(not(feature = "server"))]
fn is_serve(_: &Command) -> bool {
    false
}

/// Parses the command line, noting which connection values came from `VAULT_*` variables (so
/// errors name what the user set: the flag or the variable).
fn parse() -> Cli {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Some((_, sub)) = matches.subcommand() {
        match &mut cli.command {
            Command::Resolve(args) => args.conn.note_sources(sub),
            Command::Health(args) => args.conn.note_sources(sub),
            Command::Watch(args) => args.conn.note_sources(sub),
            _ => {}
        }
    }
    cli
}

/// `-v`: debug events of the `vaultcred*` targets (the CLI and the adapters) on stderr;
/// `-vv`: trace. Without `-v` nothing is logged, but for `serve` (info). `extra` is one more
/// layer, unfiltered (the service's metrics layer); a second call does nothing.
pub(crate) fn init_logging(
    verbose: u8,
    service: bool,
    extra: Option<Box<dyn tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync>>,
) {
    use tracing_subscriber::prelude::*;

    let level = match verbose {
        // A service logs what it does (startup, config changes, failures) by default.
        0 if service => tracing::Level::INFO,
        0 => return,
        1 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let filter = tracing_subscriber::filter::Targets::new().with_target("vaultcred", level);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(true);
    let _ = tracing_subscriber::registry()
        .with(extra)
        .with(layer.with_filter(filter))
        .try_init();
}
