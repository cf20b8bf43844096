//! TLS material: PEM certificates and keys from bytes, files and a CA directory, checked once.

use crate::error::{BuildError, Origin, Setting};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};

/// PEM bytes and where they came from.
#[derive(Clone)]
pub(crate) struct Pem {
    pub(crate) bytes: Vec<u8>,
    pub(crate) setting: Setting,
    pub(crate) origin: Origin,
    /// The file it was read from, if any (named in errors).
    pub(crate) path: Option<PathBuf>,
}

impl Pem {
    pub(crate) fn new(bytes: Vec<u8>, setting: Setting, origin: Origin) -> Self {
        Pem {
            bytes,
            setting,
            origin,
            path: None,
        }
    }

    /// Reads a PEM file now.
    pub(crate) fn read(path: &Path, setting: Setting, origin: Origin) -> Result<Self, BuildError> {
        let bytes = std::fs::read(path).map_err(|source| BuildError::Read {
            setting,
            origin,
            path: path.to_owned(),
            source,
        })?;
        Ok(Pem {
            bytes,
            setting,
            origin,
            path: Some(path.to_owned()),
        })
    }

    /// An [`BuildError::Invalid`] for this input; the problem never quotes the bytes.
    pub(crate) fn error(&self, problem: impl std::fmt::Display) -> BuildError {
        let problem = match &self.path {
            Some(path) => format!("invalid {} {}: {problem}", self.setting, path.display()),
            None => format!("invalid {}: {problem}", self.setting),
        };
        BuildError::Invalid {
            setting: self.setting,
            origin: self.origin,
            problem,
        }
    }

    /// Every certificate; at least one.
    pub(crate) fn certs(&self) -> Result<Vec<CertificateDer<'static>>, BuildError> {
        let certs = CertificateDer::pem_slice_iter(&self.bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(format!("malformed PEM ({e})")))?;
        if certs.is_empty() {
            return Err(self.error("no PEM certificate found"));
        }
        Ok(certs)
    }

    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub(crate) fn key(&self) -> Result<PrivateKeyDer<'static>, BuildError> {
        PrivateKeyDer::from_pem_slice(&self.bytes)
            .map_err(|e| self.error(format!("no usable private key in the PEM ({e})")))
    }
}

/// Every certificate of every file under `dir` (recursively), as the Go client reads
/// `VAULT_CAPATH`: each file must hold at least one PEM certificate, and the directory at least
/// one file.
pub(crate) fn read_ca_dir(
    dir: &Path,
    origin: Origin,
) -> Result<Vec<CertificateDer<'static>>, BuildError> {
    let mut files = Vec::new();
    collect_files(dir, origin, &mut files, 0)?;
    files.sort();
    let mut certs = Vec::new();
    for file in &files {
        certs.extend(Pem::read(file, Setting::CaDir, origin)?.certs()?);
    }
    if certs.is_empty() {
        return Err(BuildError::Invalid {
            setting: Setting::CaDir,
            origin,
            problem: format!("no certificate file in {}", dir.display()),
        });
    }
    Ok(certs)
}

/// Regular files under `dir`; symlinked directories are not followed below depth 8.
fn collect_files(
    dir: &Path,
    origin: Origin,
    out: &mut Vec<PathBuf>,
    depth: u8,
) -> Result<(), BuildError> {
    let unreadable = |path: &Path, source| BuildError::Read {
        setting: Setting::CaDir,
        origin,
        path: path.to_owned(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(|e| unreadable(dir, e))? {
        let path = entry.map_err(|e| unreadable(dir, e))?.path();
        if path.is_dir() {
            if depth < 8 {
                collect_files(&path, origin, out, depth + 1)?;
            }
        } else {
            out.push(path);
        }
    }
    Ok(())
}
