//! The Settings page end to end in a real browser: `node --test` runs
//! `adapters/server/e2e/settings.test.mjs`, which starts this crate's `vaultcred serve --dev`
//! and drives Debian's headless Chromium with `playwright-core`. Ignored by default (it needs
//! `/usr/bin/chromium` and `npm ci` in that folder); `.ci/run` installs both and runs it with
//! `--include-ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Longer than the suite takes on a loaded 2-core machine (about 10 s alone).
const LIMIT: Duration = Duration::from_secs(600);

#[test]
#[ignore = "needs chromium and `npm ci` in adapters/server/e2e; .ci/run runs it"]
fn the_settings_page_works_in_headless_chromium() {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/e2e");
    assert!(
        e2e.join("node_modules/playwright-core").is_dir(),
        "run `npm ci` in {} first",
        e2e.display()
    );
    // The node runner's output goes straight to this test's stdout and stderr (not captured),
    // so a failing step is shown with its screenshot folder and its assertion.
    let mut child = Command::new("node")
        .args([
            "--test",
            "--test-concurrency=1",
            "--test-timeout=120000",
            "settings.test.mjs",
        ])
        .current_dir(&e2e)
        .env("VAULTCRED_BIN", env!("CARGO_BIN_EXE_vaultcred"))
        .spawn()
        .expect("node (Node.js 20) on PATH");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > LIMIT {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("the browser tests still ran after {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "node --test failed: {status}");
}
