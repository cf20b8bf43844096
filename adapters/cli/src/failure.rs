//! Errors that end a command before (or instead of) its normal output.

use std::process::ExitCode;

use vaultcred_core::ConfigError;

/// Exit code: every credential resolved / the check passed.
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code: a credential or the health check failed.
pub(crate) const EXIT_FAILED: u8 = 1;
/// Exit code: usage or config error.
pub(crate) const EXIT_USAGE: u8 = 2;

/// A command failed: the lines to print on stderr (each prefixed with `error: `) and the exit
/// code. Lines never contain a token, secretId, JWT, key or secret value.
#[derive(Debug)]
pub(crate) struct Failure {
    /// Exit code.
    pub(crate) code: u8,
    /// Messages, one per stderr line.
    pub(crate) lines: Vec<String>,
}

impl Failure {
    /// A usage or config error (exit 2) with one message.
    pub(crate) fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: EXIT_USAGE,
            lines: vec![message.into()],
        }
    }

    /// A runtime failure (exit 1) with one message.
    pub(crate) fn failed(message: impl Into<String>) -> Failure {
        Failure {
            code: EXIT_FAILED,
            lines: vec![message.into()],
        }
    }

    /// An invalid config (exit 2): one `invalid config: <field>: <message>` line per problem.
    pub(crate) fn config(err: &ConfigError) -> Failure {
        Failure {
            code: EXIT_USAGE,
            lines: err
                .problems
                .iter()
                .map(|p| format!("invalid config: {}: {}", p.field, p.message))
                .collect(),
        }
    }

    /// Prints the lines to stderr and returns the exit code.
    pub(crate) fn report(self) -> ExitCode {
        for line in &self.lines {
            eprintln!("error: {line}");
        }
        ExitCode::from(self.code)
    }
}

impl From<std::io::Error> for Failure {
    /// Writing to stdout failed (e.g. a closed pipe).
    fn from(err: std::io::Error) -> Failure {
        Failure::failed(format!("cannot write output: {err}"))
    }
}
