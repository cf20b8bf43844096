//! The Go client's variables through [`Options::with_env`]: each variable's meaning, the
//! precedence (explicit call > environment > default), and errors naming the variable. The
//! environment is a map handed in, so no test touches the process environment.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;
use vaultcred_host::{
    BuildError, Builder, Connect, DEFAULT_TIMEOUT, Options, Origin, RetryPolicy, Setting, Setup,
};

fn tls(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tls")
        .join(name);
    path.to_str().unwrap().to_owned()
}

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.get(name).map(OsString::from)
}

fn setup(vars: &[(&str, &str)]) -> Result<Setup, BuildError> {
    Options::default().with_env(env(vars))?.setup()
}

fn invalid(vars: &[(&str, &str)]) -> (Setting, Origin, String) {
    match Options::default()
        .with_env(env(vars))
        .and_then(Builder::setup)
    {
        Err(BuildError::Invalid {
            setting,
            origin,
            problem,
        }) => (setting, origin, problem),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn no_variables_means_the_defaults() {
    let s = setup(&[]).unwrap();
    assert_eq!(s.timeout, DEFAULT_TIMEOUT);
    assert_eq!(s.retry, RetryPolicy::default());
    assert!(s.tls.verify && s.tls.roots.is_none() && s.tls.client_auth.is_none());
    assert!(s.tls.server_name.is_none());
}

#[test]
fn empty_variables_count_as_unset() {
    let s = setup(&[("VAULT_CLIENT_TIMEOUT", ""), ("VAULT_CACERT", "")]).unwrap();
    assert_eq!(s.timeout, DEFAULT_TIMEOUT);
    assert!(s.tls.roots.is_none());
}

#[test]
fn client_timeout_is_seconds_or_a_go_duration() {
    for (text, want) in [
        ("60", Duration::from_secs(60)),
        ("90s", Duration::from_secs(90)),
        ("2m", Duration::from_secs(120)),
        ("1m30s", Duration::from_secs(90)),
        ("1.5h", Duration::from_secs(5400)),
        ("500ms", Duration::from_millis(500)),
        ("1d", Duration::from_secs(86400)),
    ] {
        let s = setup(&[("VAULT_CLIENT_TIMEOUT", text)]).unwrap();
        assert_eq!(s.timeout, want, "{text}");
    }
    for bad in ["abc", "5x", "-5s", "0", "1.5", "s"] {
        let (setting, origin, problem) = invalid(&[("VAULT_CLIENT_TIMEOUT", bad)]);
        assert_eq!(setting, Setting::Timeout, "{bad}");
        assert_eq!(origin, Origin::Env("VAULT_CLIENT_TIMEOUT"));
        assert!(problem.contains(bad), "{problem}");
    }
}

#[test]
fn max_retries_sets_the_retry_count() {
    let s = setup(&[("VAULT_MAX_RETRIES", "5")]).unwrap();
    assert_eq!(s.retry.max_retries, 5);
    assert_eq!(s.retry.base, RetryPolicy::default().base);
    assert_eq!(
        setup(&[("VAULT_MAX_RETRIES", "0")])
            .unwrap()
            .retry
            .max_retries,
        0
    );
    let (setting, origin, _) = invalid(&[("VAULT_MAX_RETRIES", "-1")]);
    assert_eq!(
        (setting, origin),
        (Setting::Retry, Origin::Env("VAULT_MAX_RETRIES"))
    );
}

#[test]
fn skip_verify_is_a_go_boolean() {
    for yes in ["1", "t", "T", "true", "TRUE", "True"] {
        assert!(
            !setup(&[("VAULT_SKIP_VERIFY", yes)]).unwrap().tls.verify,
            "{yes}"
        );
    }
    for no in ["0", "f", "false", "FALSE"] {
        assert!(
            setup(&[("VAULT_SKIP_VERIFY", no)]).unwrap().tls.verify,
            "{no}"
        );
    }
    let err = Options::default()
        .with_env(env(&[("VAULT_SKIP_VERIFY", "yes")]))
        .unwrap_err();
    assert!(err.to_string().starts_with("VAULT_SKIP_VERIFY: "), "{err}");
}

#[test]
fn tls_server_name_is_checked() {
    let s = setup(&[("VAULT_TLS_SERVER_NAME", "vault.internal")]).unwrap();
    assert_eq!(
        s.tls.server_name.map(|n| n.to_str().into_owned()),
        Some("vault.internal".to_owned())
    );
    let (setting, origin, _) = invalid(&[("VAULT_TLS_SERVER_NAME", "not a name")]);
    assert_eq!(
        (setting, origin),
        (Setting::TlsServerName, Origin::Env("VAULT_TLS_SERVER_NAME"))
    );
}

#[test]
fn cacert_is_read_and_wins_over_capath() {
    let s = setup(&[("VAULT_CACERT", &tls("ca.pem"))]).unwrap();
    assert_eq!(s.tls.roots.map(|r| r.len()), Some(1));

    // A directory holding only other files than certificates is refused…
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(tls("ca.pem"), dir.path().join("ca.pem")).unwrap();
    let dir_path = dir.path().to_str().unwrap();
    let s = setup(&[("VAULT_CAPATH", dir_path)]).unwrap();
    assert_eq!(s.tls.roots.map(|r| r.len()), Some(1));

    // …and VAULT_CACERT wins (VAULT_CAPATH is then not even read).
    let s = setup(&[
        ("VAULT_CACERT", &tls("ca.pem")),
        ("VAULT_CAPATH", "/nonexistent"),
    ])
    .unwrap();
    assert_eq!(s.tls.roots.map(|r| r.len()), Some(1));

    std::fs::copy(tls("client.key.pem"), dir.path().join("key.pem")).unwrap();
    let (setting, origin, problem) = invalid(&[("VAULT_CAPATH", dir_path)]);
    assert_eq!(
        (setting, origin),
        (Setting::CaDir, Origin::Env("VAULT_CAPATH"))
    );
    assert!(problem.contains("key.pem"), "{problem}");
}

#[test]
fn bad_cacert_names_the_variable() {
    let err = Options::default()
        .with_env(env(&[("VAULT_CACERT", "/nonexistent/ca.pem")]))
        .unwrap_err();
    assert!(matches!(
        err,
        BuildError::Read {
            setting: Setting::CaBundle,
            origin: Origin::Env("VAULT_CACERT"),
            ..
        }
    ));
    assert!(
        err.to_string()
            .starts_with("VAULT_CACERT: cannot read /nonexistent/ca.pem"),
        "{err}"
    );

    let (_, origin, problem) = invalid(&[("VAULT_CACERT", &tls("client.key.pem"))]);
    assert_eq!(origin, Origin::Env("VAULT_CACERT"));
    assert!(problem.contains("no PEM certificate"), "{problem}");
}

#[test]
fn client_cert_and_key_come_as_a_pair() {
    let both = [
        ("VAULT_CLIENT_CERT", tls("client.pem")),
        ("VAULT_CLIENT_KEY", tls("client.key.pem")),
    ];
    let both: Vec<(&str, &str)> = both.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let s = setup(&both).unwrap();
    assert_eq!(s.tls.client_auth.map(|a| a.chain.len()), Some(1));

    let (setting, origin, problem) = invalid(&both[..1]);
    assert_eq!(
        (setting, origin),
        (Setting::ClientKey, Origin::Env("VAULT_CLIENT_CERT"))
    );
    assert!(problem.contains("VAULT_CLIENT_KEY is not set"), "{problem}");
    let (setting, _, _) = invalid(&both[1..]);
    assert_eq!(setting, Setting::ClientCert);

    let other = tls("other.key.pem");
    let (setting, origin, problem) = invalid(&[
        ("VAULT_CLIENT_CERT", both[0].1),
        ("VAULT_CLIENT_KEY", &other),
    ]);
    assert_eq!(
        (setting, origin),
        (Setting::ClientKey, Origin::Env("VAULT_CLIENT_KEY"))
    );
    assert!(!problem.contains("PRIVATE KEY"), "{problem}");
}

#[test]
fn explicit_calls_win_over_the_environment_in_any_order() {
    let vars = [
        ("VAULT_CLIENT_TIMEOUT", "90"),
        ("VAULT_MAX_RETRIES", "7"),
        ("VAULT_SKIP_VERIFY", "true"),
        ("VAULT_CACERT", "/nonexistent/ca.pem"),
        ("VAULT_TLS_SERVER_NAME", "from-env.internal"),
    ];
    let explicit = || {
        Options::default()
            .timeout(Duration::from_secs(3))
            .retry(RetryPolicy::none())
            .danger_disable_tls_verification(false)
            .ca_bundle_file(tls("ca.pem"))
            .unwrap()
            .tls_server_name("explicit.internal")
    };
    let s = explicit().with_env(env(&vars)).unwrap().setup().unwrap();
    assert_eq!(s.timeout, Duration::from_secs(3));
    assert_eq!(s.retry.max_retries, 0);
    assert!(s.tls.verify);
    assert_eq!(s.tls.server_name.unwrap().to_str(), "explicit.internal");

    // Environment first, then calls: the calls still win.
    let vars = &vars[..3];
    let s = Options::default()
        .with_env(env(vars))
        .unwrap()
        .timeout(Duration::from_secs(3))
        .danger_disable_tls_verification(false)
        .setup()
        .unwrap();
    assert_eq!(s.timeout, Duration::from_secs(3));
    assert_eq!(s.retry.max_retries, 7); // not set explicitly: the environment's
    assert!(s.tls.verify);
}

struct NoServerName;

impl Connect for NoServerName {
    const CLIENT: &'static str = "test-client";
    const UNSUPPORTED: &'static [Setting] = &[Setting::TlsServerName];
    fn connect(_: Setup) -> Result<Self, BuildError> {
        Ok(NoServerName)
    }
}

#[test]
fn an_unsupported_setting_is_refused_naming_its_variable() {
    let err = Builder::<NoServerName>::default()
        .with_env(env(&[("VAULT_TLS_SERVER_NAME", "vault.internal")]))
        .unwrap()
        .build()
        .err()
        .unwrap();
    assert!(matches!(
        err,
        BuildError::Unsupported {
            setting: Setting::TlsServerName,
            origin: Origin::Env("VAULT_TLS_SERVER_NAME"),
            client: "test-client"
        }
    ));
    assert_eq!(
        err.to_string(),
        "VAULT_TLS_SERVER_NAME: the TLS server name setting is not supported by test-client"
    );
    assert!(Builder::<NoServerName>::default().build().is_ok());
}

#[test]
fn debug_shows_no_key_material() {
    let b = Options::default().client_cert_pem(b"CHAIN".to_vec(), b"KEYBYTES".to_vec());
    let shown = format!("{b:?}");
    assert!(
        !shown.contains("KEYBYTES") && !shown.contains("75, 69, 89"),
        "{shown}"
    );
    let s = Options::default()
        .client_cert_files(tls("client.pem"), tls("client.key.pem"))
        .unwrap()
        .setup()
        .unwrap();
    assert!(!format!("{s:?}").contains("PRIVATE"), "{s:?}");
}
