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

pub fn pg_dump(url: &str) -> String {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|versions| {
            versions
                .filter_map(Result::ok)
                .map(|v| v.path().join("bin/pg_dump"))
                .find(|p| p.exists())
        })
        .map_or_else(|| "pg_dump".into(), |p| p.display().to_string());
    let out = std::process::Command::new(bin)
        .args(["--data-only", url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Sessions on the database at `url` whose last statement was a `LISTEN` (a replica listener).
pub fn listeners(url: &str) -> usize {
    let out = std::process::Command::new("psql")
        .args([
            url,
            "-tAc",
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}
