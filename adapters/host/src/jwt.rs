//! Reading the Kubernetes ServiceAccount JWT the core asks for, defensively: a regular file
//! only (no FIFO that would hang, no device that never ends, no directory), at most
//! [`MAX_JWT_BYTES`], and not through a symlink leading out of its own directory (the kubelet's
//! projected token is a symlink inside its directory, which is fine).

use std::fs;
use std::io::{self, Read};
use std::path::Path;

/// The largest JWT file read (a ServiceAccount token is about 1 KiB).
pub const MAX_JWT_BYTES: u64 = 64 * 1024;

/// Reads the JWT at `path` (blocking: call it off an async runtime's worker threads).
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("vaultcred-jwt-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("token");
/// std::fs::write(&path, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln\n")?;
/// assert_eq!(vaultcred_host::read_jwt(&path)?, b"eyJhbGciOiJSUzI1NiJ9.e30.c2ln\n");
/// assert!(vaultcred_host::read_jwt(&dir).is_err(), "a directory is refused");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn read_jwt(path: &Path) -> io::Result<Vec<u8>> {
    let refuse = |why: &str| io::Error::new(io::ErrorKind::InvalidInput, why.to_owned());
    // Where a symlink leads must stay inside the file's own directory.
    let real = fs::canonicalize(path)?;
    let dir = path
        .parent()
        .map(fs::canonicalize)
        .transpose()?
        .ok_or_else(|| refuse("the JWT path has no directory"))?;
    if !real.starts_with(&dir) {
        return Err(refuse(
            "the JWT path is a link leading out of its directory",
        ));
    }
    // Checked before opening: opening a FIFO would block until a writer comes.
    if !fs::metadata(&real)?.is_file() {
        return Err(refuse("the JWT path is not a regular file"));
    }
    let file = fs::File::open(&real)?;
    if !file.metadata()?.is_file() {
        return Err(refuse("the JWT path is not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_JWT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_JWT_BYTES {
        return Err(refuse("the JWT file is larger than 64 KiB"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_small_regular_file_in_its_directory() {
        let base = std::env::temp_dir().join(format!("vaultcred-jwt-{}", std::process::id()));
        let dir = base.join("sa");
        fs::create_dir_all(&dir).unwrap();
        // Too large.
        let big = dir.join("big");
        fs::write(&big, vec![b'a'; 70 * 1024]).unwrap();
        assert!(read_jwt(&big).is_err());
        // A device that never ends.
        assert!(read_jwt(Path::new("/dev/zero")).is_err());
        // A symlink out of the directory (to a secret elsewhere) …
        let secret = base.join("seal.key");
        fs::write(&secret, "key").unwrap();
        let out = dir.join("token");
        std::os::unix::fs::symlink(&secret, &out).unwrap();
        assert!(read_jwt(&out).is_err());
        // … but one inside it, as the kubelet makes, is fine.
        let data = dir.join("..data");
        fs::create_dir_all(&data).unwrap();
        fs::write(data.join("token"), "jwt").unwrap();
        let inside = dir.join("token-link");
        std::os::unix::fs::symlink(data.join("token"), &inside).unwrap();
        assert_eq!(read_jwt(&inside).unwrap(), b"jwt");
        fs::remove_dir_all(&base).unwrap();
    }
}
