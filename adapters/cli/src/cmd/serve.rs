//! `vaultcred serve`, `vaultcred keys` and `vaultcred rekey`: the credential backend service
//! (`vaultcred-server`) and its operator's tools.

use std::net::SocketAddr;
use std::path::Path;

use vaultcred_server::{Db, Keyring, PlatformKey, Scope, Service, Settings, rekey};

use crate::cli::{KeysAction, KeysArgs, RekeyArgs, ScopeArg, ServeArgs};
use crate::conn::{self, KEY_ENV};
use crate::failure::{EXIT_FAILED, EXIT_OK, Failure};

/// A runtime for the service (all cores).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))
}

/// A platform key from `file` (else VAULTCRED_KEY when `file` is `None`).
fn platform_key(file: Option<&Path>) -> Result<PlatformKey, Failure> {
    let (text, origin) = conn::key_text(file)?
        .ok_or_else(|| Failure::usage(format!("give --key-file FILE or set {KEY_ENV}")))?;
    PlatformKey::from_base64(&text).map_err(|e| Failure::usage(format!("{origin}: {e}")))
}

async fn connect(url: &str) -> Result<Db, Failure> {
    Db::connect(url)
        .await
        .map_err(|e| Failure::failed(format!("--db: {e}")))
}

/// Runs the service until SIGINT or SIGTERM (`verbose`: the `-v` count, for its log).
pub(crate) fn run(args: &ServeArgs, verbose: u8) -> Result<u8, Failure> {
    if args.dev {
        return dev(args, verbose);
    }
    let url = args
        .db
        .as_deref()
        .ok_or_else(|| Failure::usage("give --db sqlite:PATH or --db postgres://…"))?;
    let mut keys = Keyring::new(platform_key(args.key_file.as_deref())?);
    for old in &args.old_key_file {
        keys = keys.with_old(platform_key(Some(old))?);
    }
    let settings = settings(args)?;
    runtime()?.block_on(async {
        let db = connect(url).await?;
        serve(db, keys, settings, args.listen, verbose, |_| {}).await
    })
}

#[cfg(feature = "dev")]
fn dev(args: &ServeArgs, verbose: u8) -> Result<u8, Failure> {
    super::serve_dev::run(args, verbose)
}

#[cfg(not(feature = "dev"))]
fn dev(_: &ServeArgs, _: u8) -> Result<u8, Failure> {
    Err(Failure::usage(
        "serve --dev is not in this build of vaultcred: it was built without the `dev` feature \
         (DevVault)",
    ))
}

/// The operator's settings from the flags.
pub(crate) fn settings(args: &ServeArgs) -> Result<Settings, Failure> {
    let mut settings = Settings {
        timeout: args.timeout,
        ..Settings::default()
    };
    for path in &args.allow_jwt_path {
        settings = settings.allow_jwt_path(path.clone());
    }
    for cidr in &args.allow_addr {
        settings = settings
            .allow_addr(cidr)
            .map_err(|e| Failure::usage(format!("--allow-addr: {e}")))?;
    }
    Ok(settings)
}

/// Serves `db` on `listen` until SIGINT or SIGTERM, logging at `verbose`; `ready` gets the
/// bound address first.
pub(crate) async fn serve(
    db: Db,
    keys: Keyring,
    settings: Settings,
    listen: SocketAddr,
    verbose: u8,
    ready: impl FnOnce(SocketAddr),
) -> Result<u8, Failure> {
    let backend = db.backend();
    let service = Service::new(db, keys, settings)
        .map_err(|e| Failure::failed(format!("cannot build the Vault client: {e}")))?;
    crate::init_logging(verbose, true, Some(Box::new(service.tracing_layer())));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Failure::failed(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::failed(format!("cannot listen on {listen}: {e}")))?;
    ready(addr);
    tracing::info!(target: "vaultcred::serve", %addr, ?backend, "listening");
    service
        .serve(listener, stop_signal())
        .await
        .map_err(|e| Failure::failed(format!("the service stopped: {e}")))?;
    tracing::info!(target: "vaultcred::serve", "stopped");
    Ok(EXIT_OK)
}

/// Completes at SIGINT (Ctrl-C) or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `keys create|list|revoke`.
pub(crate) fn run_keys(args: &KeysArgs) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        match &args.action {
            KeysAction::Create {
                db,
                org,
                scope,
                name,
            } => {
                let scope = match scope {
                    ScopeArg::Admin => Scope::Admin,
                    ScopeArg::Dispatch => Scope::Dispatch,
                };
                let db = connect(db).await?;
                let (info, key) = db
                    .create_key(org, scope, name)
                    .await
                    .map_err(|e| Failure::usage(format!("cannot create the key: {e}")))?;
                println!("{}", *key);
                eprintln!(
                    "created {} key {} for org {org}: it is shown only this once",
                    scope.as_str(),
                    info.id
                );
                Ok(EXIT_OK)
            }
            KeysAction::List { db, org } => {
                let db = connect(db).await?;
                let keys = db
                    .list_keys(org.as_deref())
                    .await
                    .map_err(|e| Failure::failed(format!("cannot list the keys: {e}")))?;
                for key in keys {
                    let line = serde_json::to_string(&key)
                        .map_err(|e| Failure::failed(format!("cannot print a key: {e}")))?;
                    println!("{line}");
                }
                Ok(EXIT_OK)
            }
            KeysAction::Revoke { db, id } => {
                let db = connect(db).await?;
                let revoked = db
                    .revoke_key(id)
                    .await
                    .map_err(|e| Failure::failed(format!("cannot revoke the key: {e}")))?;
                if revoked {
                    eprintln!("revoked key {id}: it stops working within 10 s on every replica");
                    Ok(EXIT_OK)
                } else {
                    Err(Failure {
                        code: EXIT_FAILED,
                        lines: vec![format!("no live key with id {id:?}")],
                    })
                }
            }
        }
    })
}

/// `rekey`: every row re-sealed with the new key.
pub(crate) fn run_rekey(args: &RekeyArgs) -> Result<u8, Failure> {
    let keys = Keyring::new(platform_key(Some(&args.new_key_file))?)
        .with_old(platform_key(Some(&args.key_file))?);
    runtime()?.block_on(async {
        let db = connect(&args.db).await?;
        let report = rekey(&db, &keys)
            .await
            .map_err(|e| Failure::failed(format!("rekey stopped: {e}")))?;
        println!(
            "{}",
            serde_json::json!({
                "keyId": keys.current_id(),
                "resealed": report.resealed,
                "alreadySealedWithIt": report.already,
                "changedMeanwhile": report.retried,
            })
        );
        Ok(EXIT_OK)
    })
}
