//! The database: one sqlx `Any` pool over SQLite (embedded, the default) or PostgreSQL (for
//! replicas), and the schema, created or migrated on connect.

use futures_core::future::BoxFuture;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::{AnyPool, Executor as _};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

/// Which database a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (`sqlite:PATH`): one service, nothing else to run.
    Sqlite,
    /// PostgreSQL (`postgres://…`): any number of replicas share the rows.
    Postgres,
}

/// A database the service could not open or migrate. The URL's password, if any, is never part
/// of the message.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL is neither `sqlite:PATH` nor `postgres://…`.
    #[error("--db must be sqlite:PATH or postgres://…, not {0:?}")]
    Url(String),
    /// Connecting or a query failed.
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    /// The system's random source failed.
    #[error("no randomness for the replica id: {0}")]
    Random(String),
    /// The schema could not be brought up to date.
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// The service's database: a connection pool and its backend.
///
/// ```
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// use vaultcred_server::{Backend, Db};
/// let dir = tempfile::tempdir()?;
/// let url = format!("sqlite:{}", dir.path().join("vaultcred.db").display());
/// let db = Db::connect(&url).await?; // creates the file and the schema
/// assert_eq!(db.backend(), Backend::Sqlite);
/// db.ping().await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// The PostgreSQL URL, for the replica listener (may hold a password: never shown).
    postgres_url: Option<Arc<str>>,
    /// This process's id among the replicas sharing the database (random).
    replica: Arc<str>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .field("replica", &self.replica)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Opens `url` (`sqlite:PATH`, created if missing, or `postgres://…`) and migrates the schema.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        install_default_drivers();
        let (backend, url) = if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() || path.contains('?') {
                return Err(DbError::Url(url.to_owned()));
            }
            (Backend::Sqlite, format!("sqlite://{path}?mode=rwc"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(DbError::Url(redact_url(url)));
        };
        let options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(5))
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            });
        let options = match backend {
            // WAL: readers never wait for the writer; a busy writer waits up to 5 s.
            Backend::Sqlite => options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;")
                        .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options,
        };
        let pool = options.connect(&url).await?;
        let migrator = Migrator::new(Embedded(backend)).await?;
        migrator.run(&pool).await?;
        let mut id = [0u8; 8];
        getrandom::fill(&mut id).map_err(|e| DbError::Random(e.to_string()))?;
        Ok(Db {
            pool,
            backend,
            postgres_url: (backend == Backend::Postgres).then(|| Arc::from(url.as_str())),
            replica: crate::hex(&id).into(),
        })
    }

    /// The PostgreSQL URL (for `LISTEN`), if this is PostgreSQL.
    pub(crate) fn postgres_url(&self) -> Option<&str> {
        self.postgres_url.as_deref()
    }

    /// This process's random id among the replicas (to skip its own notifications).
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// The pool, for the stores.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// One round trip (`SELECT 1`): what readiness reports.
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Runs one statement outside a transaction (e.g. `CREATE DATABASE` for a test's own
    /// database). Not for tenant input.
    pub async fn execute_admin(&self, statement: &str) -> Result<(), DbError> {
        sqlx::raw_sql(statement).execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool, waiting for connections in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `url` with any password (`user:secret@`) replaced, for messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// `pg_notify(channel, payload)` on PostgreSQL: every replica listening on `channel` hears
/// `payload` (at commit when `executor` is a transaction).
pub(crate) async fn pg_notify<'c>(
    executor: impl sqlx::Executor<'c, Database = sqlx::Any>,
    channel: &str,
    payload: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel)
        .bind(payload.to_string())
        .execute(executor)
        .await?;
    Ok(())
}

/// The schema, compiled in: one migration list per backend (their SQL differs in how the audit
/// table numbers its rows, and in event ids: a sequence shared by the replicas on PostgreSQL);
/// a migration written once for both lies directly in `migrations/`.
#[derive(Debug)]
struct Embedded(Backend);

const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "event ids",
        include_str!("../migrations/sqlite/0002_event_ids.sql"),
        include_str!("../migrations/postgres/0002_event_ids.sql"),
    ),
    // The same SQL on both backends (the table is used on PostgreSQL only).
    (
        3,
        "shared logins",
        include_str!("../migrations/0003_logins.sql"),
        include_str!("../migrations/0003_logins.sql"),
    ),
];

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move {
            Ok(MIGRATIONS
                .iter()
                .map(|&(version, description, sqlite, postgres)| {
                    let sql = match self.0 {
                        Backend::Sqlite => sqlite,
                        Backend::Postgres => postgres,
                    };
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_a_bad_url_is_not_shown() {
        assert_eq!(
            redact_url("mysql://app:s3cret@db:3306/x"),
            "mysql://…@db:3306/x"
        );
        assert_eq!(redact_url("file.db"), "file.db");
    }

    #[tokio::test]
    async fn urls_other_than_sqlite_and_postgres_are_refused() {
        for url in [
            "mysql://app:s3cret@db/x",
            "sqlite:",
            "file.db",
            "sqlite:x.db?mode=ro",
        ] {
            let err = Db::connect(url).await.unwrap_err();
            assert!(matches!(err, DbError::Url(_)), "{url}: {err}");
            assert!(!err.to_string().contains("s3cret"), "{err}");
        }
    }
}
