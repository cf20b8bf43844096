//! Replays the committed corpus of the fuzz target `cli_output` (`fuzz/corpus/cli_output/`)
//! through the target's own check (`fuzz/cli_logic.rs`), which prints with this crate's
//! `output` and `script` modules: `cargo test` re-checks every input the fuzzer kept, without
//! nightly or cargo-fuzz. See `fuzz/README.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod logic {
    #![allow(dead_code, unreachable_pub)]
    include!("../../../fuzz/logic.rs");
    include!("../../../fuzz/cli_logic.rs");
}

include!("../../../fuzz/replay.rs");

#[test]
fn cli_output_corpus() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    replay(&fuzz, "cli_output", logic::cli_output);
}
