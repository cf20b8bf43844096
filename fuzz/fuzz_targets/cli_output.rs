//! Fuzz target `cli_output`: the CLI's own `output.rs` and `script.rs` printing what a run of the
//! `response` harness ended with, at clocks from 1970 to past the year 10,000. The checks live in
//! `fuzz/cli_logic.rs`, shared with the CLI's corpus replay test
//! (`adapters/cli/src/fuzz_corpus.rs`).
#![no_main]

#[allow(dead_code)]
#[path = "../../adapters/cli/src/output.rs"]
mod output;
#[allow(dead_code)]
#[path = "../../adapters/cli/src/script.rs"]
mod script;

mod logic {
    #![allow(dead_code)]
    include!("../logic.rs");
    include!("../cli_logic.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    logic::cli_output(data);
});
