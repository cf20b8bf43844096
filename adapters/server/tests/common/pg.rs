//! A PostgreSQL database of its own for each test, on the server `VAULTCRED_TEST_POSTGRES` names
//! (`.ci/postgres.sh` starts a throwaway one), and `pg_dump` of it.

use vaultcred_server::Db;

const NEEDS: &str = "needs PostgreSQL: .ci/run starts one and sets VAULTCRED_TEST_POSTGRES";

/// A fresh database on the test server; its URL.
pub async fn fresh_database() -> String {
    let admin = std::env::var("VAULTCRED_TEST_POSTGRES")
        .unwrap_or_else(|_| panic!("VAULTCRED_TEST_POSTGRES is not set ({NEEDS})"));
    let db = Db::connect(&admin).await.unwrap();
    let mut id = [0u8; 6];
    getrandom::fill(&mut id).unwrap();
    let name: String = std::iter::once("t_".to_owned())
        .chain(id.iter().map(|b| format!("{b:02x}")))
        .collect();
    db.execute_admin(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    db.close().await;
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// A PostgreSQL client program (`pg_dump`, `psql`): the server's own version's if installed
/// side by side, else the one on the `PATH`.
fn program(name: &str) -> String {
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|versions| {
            versions
                .filter_map(Result::ok)
                .map(|v| v.path().join("bin").join(name))
                .find(|p| p.exists())
        })
        .map_or_else(|| name.to_owned(), |p| p.display().to_string())
}

/// Runs a PostgreSQL client program; its standard output (it must succeed).
fn run(name: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program(name))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `pg_dump --data-only` of the database at `url`.
pub fn pg_dump(url: &str) -> String {
    run("pg_dump", &["--data-only", url])
}

/// Sessions on the database at `url` whose last statement was a `LISTEN` (a replica listener).
pub fn listeners(url: &str) -> usize {
    let query = "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND query ILIKE 'LISTEN%'";
    run("psql", &[url, "-tAc", query]).trim().parse().unwrap()
}
