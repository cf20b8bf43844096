//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) and the kept crash reproducers
//! (`fuzz/regressions/<target>/`, if any) through the very checks the fuzz targets run, which
//! live in `fuzz/logic.rs` and are included here. So `cargo test` re-checks every input the
//! fuzzer found interesting, without nightly or cargo-fuzz. See `fuzz/README.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

include!("../../fuzz/logic.rs");

include!("../../fuzz/replay.rs");

/// `fuzz/`, seen from this crate.
fn fuzz_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

#[test]
fn config_corpus() {
    replay(&fuzz_dir(), "config", config);
}

#[test]
fn response_corpus() {
    replay(&fuzz_dir(), "response", response);
}

#[test]
fn path_template_corpus() {
    replay(&fuzz_dir(), "path_template", path_template);
}
