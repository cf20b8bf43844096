//! The connection flags of `resolve`, `health` and `watch`: a config file or the `VAULT_*`
//! environment variables.

use std::path::PathBuf;

use clap::Args;

/// How to reach Vault: a config file or the `VAULT_*` environment variables.
#[derive(Debug, Args)]
pub(crate) struct ConnArgs {
    /// The org whose credentials to use (e.g. org_abc123).
    #[arg(long, value_name = "ORG")]
    pub(crate) org: String,

    /// Vault config JSON: bare config, API payload, or sealed envelope.
    /// Without it, --address, VAULT_TOKEN and --namespace configure token mode.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Key file (32 bytes in base64) to open a sealed --config; default: the VAULTCRED_KEY
    /// environment variable (the base64 key itself).
    #[arg(long, value_name = "FILE", requires = "config")]
    pub(crate) key_file: Option<PathBuf>,

    /// With a key (--key-file or VAULTCRED_KEY), also accept a plain, unsealed --config
    /// (refused by default: a key means the config is expected sealed).
    #[arg(long, requires = "config")]
    pub(crate) allow_plain: bool,

    /// KV v2 mount when configured from VAULT_* variables.
    #[arg(
        long,
        value_name = "MOUNT",
        default_value = "secret",
        conflicts_with = "config"
    )]
    pub(crate) mount: String,

    /// Vault address for token mode without --config (the token comes from VAULT_TOKEN, never
    /// from a flag: other users can read a command line).
    #[arg(long, value_name = "URL", env = "VAULT_ADDR")]
    pub(crate) address: Option<String>,

    /// Vault Enterprise namespace for token mode without --config.
    #[arg(long, value_name = "NAMESPACE", env = "VAULT_NAMESPACE")]
    pub(crate) namespace: Option<String>,

    /// Timeout of each HTTP request: seconds (30) or a duration (30s, 2m, 1m30s).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30",
        env = "VAULT_CLIENT_TIMEOUT"
    )]
    pub(crate) timeout: String,

    /// Send requests through this HTTP(S) proxy (http://host:port). Without it no proxy is
    /// used: HTTP_PROXY, HTTPS_PROXY and ALL_PROXY are never read.
    #[arg(long, value_name = "URL")]
    pub(crate) proxy: Option<String>,

    /// A Kubernetes JWT file an org config may name as its jwtPath (repeatable; a path ending
    /// in / allows the files below it). The kubelet's projected token path is always allowed;
    /// the file is sent to the config's Vault, so any other is the operator's choice.
    #[arg(long = "allow-jwt-path", value_name = "PATH")]
    pub(crate) allow_jwt_path: Vec<String>,

    /// Retries of a failed request after the first attempt (default 2).
    #[arg(long, value_name = "N", env = "VAULT_MAX_RETRIES")]
    pub(crate) max_retries: Option<String>,

    /// PEM CA bundle to trust for https Vault addresses.
    #[arg(long, value_name = "FILE", env = "VAULT_CACERT")]
    pub(crate) cacert: Option<PathBuf>,

    /// Directory of PEM CA certificates to trust (--cacert wins over it).
    #[arg(long, value_name = "DIR", env = "VAULT_CAPATH")]
    pub(crate) capath: Option<PathBuf>,

    /// PEM client certificate for mTLS (with --client-key).
    #[arg(long, value_name = "FILE", env = "VAULT_CLIENT_CERT")]
    pub(crate) client_cert: Option<PathBuf>,

    /// PEM private key of the client certificate.
    #[arg(long, value_name = "FILE", env = "VAULT_CLIENT_KEY")]
    pub(crate) client_key: Option<PathBuf>,

    /// DANGEROUS: do not verify Vault's certificate (true/false, 1/0, t/f).
    #[arg(
        long,
        value_name = "BOOL",
        env = "VAULT_SKIP_VERIFY",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    pub(crate) tls_skip_verify: Option<String>,

    /// Name to verify Vault's certificate against instead of the address's host (refused by
    /// this CLI's TLS stack: it cannot check another name).
    #[arg(long, value_name = "NAME", env = "VAULT_TLS_SERVER_NAME")]
    pub(crate) tls_server_name: Option<String>,

    /// Which of the values above came from their environment variable (set after parsing).
    #[arg(skip)]
    pub(crate) from_env: Vec<&'static str>,
}

impl ConnArgs {
    /// The argument ids whose value may come from a Vault variable, with their flag and variable.
    pub(crate) const ENV_ARGS: [(&'static str, &'static str, &'static str); 10] = [
        ("address", "--address", "VAULT_ADDR"),
        ("namespace", "--namespace", "VAULT_NAMESPACE"),
        ("timeout", "--timeout", "VAULT_CLIENT_TIMEOUT"),
        ("max_retries", "--max-retries", "VAULT_MAX_RETRIES"),
        ("cacert", "--cacert", "VAULT_CACERT"),
        ("capath", "--capath", "VAULT_CAPATH"),
        ("client_cert", "--client-cert", "VAULT_CLIENT_CERT"),
        ("client_key", "--client-key", "VAULT_CLIENT_KEY"),
        ("tls_skip_verify", "--tls-skip-verify", "VAULT_SKIP_VERIFY"),
        (
            "tls_server_name",
            "--tls-server-name",
            "VAULT_TLS_SERVER_NAME",
        ),
    ];

    /// Records which values came from the environment, from the subcommand's matches.
    pub(crate) fn note_sources(&mut self, matches: &clap::ArgMatches) {
        self.from_env = Self::ENV_ARGS
            .iter()
            .filter(|(id, _, _)| {
                matches.value_source(id) == Some(clap::parser::ValueSource::EnvVariable)
            })
            .map(|(_, _, var)| *var)
            .collect();
    }

    /// How to name the value of `variable` in a message: the variable if it came from the
    /// environment, else its flag.
    pub(crate) fn source_of(&self, variable: &str) -> &'static str {
        Self::ENV_ARGS
            .iter()
            .find(|(_, _, var)| *var == variable)
            .map_or("", |(_, flag, var)| {
                if self.from_env.contains(var) {
                    var
                } else {
                    flag
                }
            })
    }
}
