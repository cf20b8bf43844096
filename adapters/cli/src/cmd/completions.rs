//! `vaultcred completions SHELL`: a completion script generated from the clap definition.

use clap::CommandFactory as _;

use crate::cli::{Cli, CompletionsArgs};
use crate::failure::{EXIT_OK, Failure};

/// Prints the completion script for the shell on stdout.
pub(crate) fn run(args: &CompletionsArgs) -> Result<u8, Failure> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "vaultcred", &mut out);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out)?;
    Ok(EXIT_OK)
}
