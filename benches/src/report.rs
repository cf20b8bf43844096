//! Reading criterion's results back, to print medians and ratios measured in the same run.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::SystemTime;

static RUN_STARTED: OnceLock<SystemTime> = OnceLock::new();

/// Marks the start of this run: from then on [`median_ns`] ignores results criterion wrote
/// before it, so a summary never mixes in a benchmark that this invocation filtered out.
pub fn start_run() {
    let _ = RUN_STARTED.set(SystemTime::now());
}

/// Where criterion writes its results: `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`,
/// else the workspace's `target/criterion`. The benches pass it to criterion explicitly, so
/// both always agree.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/criterion"))
}

/// Whether the binary runs as `cargo bench` (criterion's `--bench` flag), not as a smoke test
/// under `cargo test`.
pub fn is_bench_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The median (ns per iteration) criterion estimated for `group/id` in this run's `new`
/// results, if it ran in this run (see [`start_run`]).
pub fn median_ns(group: &str, id: &str) -> Option<f64> {
    let path = criterion_dir()
        .join(group)
        .join(id)
        .join("new")
        .join("estimates.json");
    if let Some(started) = RUN_STARTED.get() {
        let written = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
        if written < *started {
            return None;
        }
    }
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// A duration in ns, printed with a unit that keeps 3-4 significant digits.
pub fn human_ns(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.1} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{:.2} ms", ns / 1_000_000.0)
    }
}

/// The median of `group/id` for a summary line, or `n/a`.
pub fn show(group: &str, id: &str) -> String {
    median_ns(group, id).map_or_else(|| "n/a".to_owned(), human_ns)
}

/// `group/a` ÷ `group/b`, both medians of this run.
pub fn ratio(group: &str, a: &str, b: &str) -> Option<f64> {
    Some(median_ns(group, a)? / median_ns(group, b)?)
}
