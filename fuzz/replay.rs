// Replays a fuzz target's committed corpus (`fuzz/corpus/<target>/`) and its kept crash
// reproducers (`fuzz/regressions/<target>/`, if any) through that target's check.
//
// `include!`d by the corpus replay tests (`core/tests/fuzz_corpus.rs`,
// `adapters/cli/src/fuzz_corpus.rs`), so `cargo test` re-checks every input the fuzzer found
// interesting, without nightly or cargo-fuzz. Being included, it has no inner attributes.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// The files of `dir`, sorted; `None` if it does not exist.
fn files(dir: &Path) -> Option<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Some(files)
}

/// Runs every corpus file of `target` (the corpus must exist and be non-empty, so this can never
/// silently test nothing) and every kept regression input, then fails naming each input that
/// failed.
fn replay(fuzz: &Path, target: &str, check: fn(&[u8])) {
    let corpus_dir = fuzz.join("corpus").join(target);
    let corpus = files(&corpus_dir)
        .unwrap_or_else(|| panic!("corpus directory {} is missing", corpus_dir.display()));
    assert!(
        !corpus.is_empty(),
        "corpus directory {} is empty",
        corpus_dir.display()
    );
    let regressions = files(&fuzz.join("regressions").join(target)).unwrap_or_default();
    let mut failed = Vec::new();
    for path in corpus.iter().chain(&regressions) {
        let data = std::fs::read(path).expect("readable corpus file");
        if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: {} of {} inputs failed (the panic of each is printed above):\n{}",
        failed.len(),
        corpus.len() + regressions.len(),
        failed.join("\n")
    );
    println!(
        "{target}: {} corpus files and {} regression inputs replayed",
        corpus.len(),
        regressions.len()
    );
}
