//! `dev-server --seed FILE` keeps watching the file: when it changes, every secret whose data
//! changed (or that is new) is written as a new version. Secrets removed from the file stay.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;
use vaultcred_devvault::DevVault;

use crate::cmd::dev_seed::{Seed, load_seed};

/// What the file looked like when last read: modification time and length.
type Stamp = Option<(SystemTime, u64)>;

/// A seed file being watched (polled by the server's wait loop).
pub(crate) struct SeedWatch {
    path: PathBuf,
    stamp: Stamp,
    last: Seed,
}

impl SeedWatch {
    /// Starts watching `path`, whose content `seed` has been written already.
    pub(crate) fn new(path: &Path, seed: Seed) -> SeedWatch {
        SeedWatch {
            path: path.to_owned(),
            stamp: stamp(path),
            last: seed,
        }
    }

    /// The seed as last read.
    pub(crate) fn seed(&self) -> &Seed {
        &self.last
    }

    /// If the file changed, reads it again and writes each new or changed secret. Returns the
    /// lines to print: `MOUNT/PATH (version N)` for each write (on stdout), or the problems
    /// (for stderr; the server keeps the previous seed). Never a value.
    pub(crate) fn poll(&mut self, dev: &DevVault) -> Result<Vec<String>, Vec<String>> {
        let now = stamp(&self.path);
        if now == self.stamp {
            return Ok(Vec::new());
        }
        self.stamp = now;
        let seed = load_seed(&self.path).map_err(|failure| failure.lines)?;
        let mut written = Vec::new();
        for (mount, secrets) in &seed {
            for (path, data) in secrets {
                let before = self
                    .last
                    .get(mount)
                    .and_then(|list| list.iter().find(|(p, _)| p == path))
                    .map(|(_, d)| d);
                if before != Some(data) {
                    let version = dev.kv_put(mount, path, Value::Object(data.clone()));
                    written.push(format!("{mount}/{path} (version {version})"));
                }
            }
        }
        self.last = seed;
        Ok(written)
    }
}

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}
