//! RustyVault interop (being written).
