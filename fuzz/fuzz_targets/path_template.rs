//! Fuzz target `path_template`: the checks live in `fuzz/logic.rs`, shared with the corpus replay test
//! (`core/tests/fuzz_corpus.rs`).
#![no_main]

mod logic {
    #![allow(dead_code)]
    include!("../logic.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    logic::path_template(data);
});
