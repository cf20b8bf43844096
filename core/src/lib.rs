//! vaultcred-core (work in progress: modules are being added).
#![forbid(unsafe_code)]

pub mod seal;
