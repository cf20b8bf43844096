//! The core stays sans-IO: its source makes none of the calls that do I/O, read a clock, spawn,
//! or draw randomness, and its normal dependencies are the allowed pure crates only.

const FORBIDDEN: [&str; 14] = [
    "std::fs",
    "std::net",
    "std::thread",
    "std::process",
    "std::io::stdin",
    "std::env",
    "SystemTime::now",
    "Instant::now",
    "tokio",
    "async fn",
    ".await",
    "getrandom",
    "OsRng",
    "thread_rng",
];

#[test]
fn core_source_has_no_io_calls() {
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a core source directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().and_then(|e| e.to_str()) == Some("rs") {
                files.push(path);
            }
        }
    }
    let mut checked = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).expect("source file");
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue; // documentation may name what the core never does
            }
            for word in FORBIDDEN {
                assert!(
                    !code.contains(word),
                    "{}:{}: `{word}` in the sans-IO core: {line}",
                    path.display(),
                    n + 1
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} source files found");
}

#[test]
fn core_depends_only_on_pure_crates() {
    let manifest = include_str!("../Cargo.toml");
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("a [dependencies] table");
    let names: Vec<&str> = deps
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split(['=', '.']).next())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    let allowed = [
        "http",
        "serde",
        "serde_json",
        "thiserror",
        "percent-encoding",
        "zeroize",
        "base64",
        "aes-gcm",
        "foldhash",
        "hashbrown",
        "secrecy",
        "subtle",
        // RFC 3339 formatting of times (`time::rfc3339`): pure, no I/O.
        "humantime",
    ];
    for name in &names {
        assert!(
            allowed.contains(name),
            "core dependency `{name}` is not on the pure-crate list"
        );
    }
    assert!(names.contains(&"http"), "{names:?}");
}
