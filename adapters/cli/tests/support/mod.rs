//! Helpers shared by the CLI's integration tests that run commands as a user types them: the
//! binary with a clean environment, shells with it on `PATH`, and a spawned `dev-server`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The built binary.
pub(crate) fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_vaultcred")
}

/// `PATH` with the binary's directory first, so `vaultcred …` in a shell line runs it.
pub(crate) fn path_with_bin() -> String {
    let dir = Path::new(bin()).parent().unwrap().display().to_string();
    match std::env::var("PATH") {
        Ok(path) => format!("{dir}:{path}"),
        Err(_) => format!("{dir}:/usr/bin:/bin"),
    }
}

/// The binary with a clean environment (no VAULT_* or VAULTCRED_KEY from the caller).
pub(crate) fn vaultcred() -> Command {
    let mut cmd = Command::new(bin());
    clean_env(&mut cmd);
    cmd
}

/// A shell (`sh -c`, or `bash -c` when `bash` is true) running `line` with the binary on `PATH`
/// and a clean environment.
pub(crate) fn shell(line: &str, bash: bool) -> Command {
    let mut cmd = Command::new(if bash { "bash" } else { "sh" });
    clean_env(&mut cmd);
    cmd.env("PATH", path_with_bin()).arg("-c").arg(line);
    cmd
}

fn clean_env(cmd: &mut Command) {
    cmd.env_clear();
    for name in ["TMPDIR", "HOME", "LANG"] {
        if let Some(value) = std::env::var_os(name) {
            cmd.env(name, value);
        }
    }
    cmd.stdin(Stdio::null());
}

/// What a finished command printed.
#[derive(Debug)]
pub(crate) struct Out {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs a command to completion (at most `limit`; past it the command is killed and the test
/// fails).
pub(crate) fn run(cmd: &mut Command, limit: Duration) -> Out {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?}: {cmd:?}\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Reads lines from a child's stdout on a thread, so a test can wait for one with a deadline.
pub(crate) struct Lines {
    rx: mpsc::Receiver<String>,
    /// Every line read so far.
    pub(crate) seen: Vec<String>,
}

impl Lines {
    /// Starts reading `stdout`.
    pub(crate) fn new(stdout: ChildStdout) -> Lines {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines {
            rx,
            seen: Vec::new(),
        }
    }

    /// Reads until a line satisfies `done`; panics after `limit`.
    pub(crate) fn until(&mut self, limit: Duration, done: impl Fn(&str) -> bool) -> &[String] {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    let hit = done(&line);
                    self.seen.push(line);
                    if hit {
                        return &self.seen;
                    }
                }
                Err(_) => panic!(
                    "no such line within {limit:?}; got:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Reads what is left until the stream closes (the child exited).
    pub(crate) fn rest(&mut self, limit: Duration) -> &[String] {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(mpsc::RecvTimeoutError::Disconnected) => return &self.seen,
                Err(mpsc::RecvTimeoutError::Timeout) => panic!("stdout still open after {limit:?}"),
            }
        }
    }
}

/// Sends a signal (`TERM`, `INT`, …) to a child with the shell's `kill` builtin (no procps
/// needed).
pub(crate) fn signal(child: &Child, name: &str) {
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("kill -{name} {}", child.id()))
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name}");
}

/// A running `vaultcred dev-server` and what it printed up to its "Try" lines.
pub(crate) struct DevServer {
    pub(crate) child: Child,
    pub(crate) lines: Lines,
    /// `label: value` lines (first occurrence of each label; `config` holds every config path).
    pub(crate) labels: BTreeMap<String, String>,
    /// The `export NAME='value'` lines, as (name, value).
    pub(crate) exports: Vec<(String, String)>,
    /// The commands under "Try", without their comments.
    pub(crate) tries: Vec<String>,
    /// The config files it printed (`config:` lines).
    pub(crate) configs: Vec<PathBuf>,
}

impl DevServer {
    /// Spawns `sh -c LINE` (which must start the dev-server with `exec`) or the binary with
    /// `args`, and reads its banner.
    pub(crate) fn spawn(mut cmd: Command) -> DevServer {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn dev-server");
        let mut lines = Lines::new(child.stdout.take().unwrap());
        let mut in_try = false;
        let mut labels = BTreeMap::new();
        let mut exports = Vec::new();
        let mut tries = Vec::new();
        let mut configs = Vec::new();
        let banner = lines
            .until(Duration::from_secs(30), |l| l.contains("vaultcred health"))
            .to_vec();
        for line in &banner {
            let text = line.trim();
            if text.starts_with("Try") {
                in_try = true;
                continue;
            }
            if in_try {
                if !text.is_empty() {
                    let command = text.split("   #").next().unwrap().trim();
                    tries.push(command.to_owned());
                }
                continue;
            }
            if let Some(rest) = text.strip_prefix("export ") {
                let (name, value) = rest.split_once('=').unwrap();
                exports.push((name.to_owned(), value.trim_matches('\'').to_owned()));
                continue;
            }
            if let Some((label, value)) = text.split_once(':') {
                let value = value.trim();
                if label == "config" {
                    configs.push(PathBuf::from(value));
                }
                if !label.contains(' ') || ["Root token", "JWT file"].contains(&label) {
                    labels.entry(label.to_owned()).or_insert(value.to_owned());
                }
            }
        }
        DevServer {
            child,
            lines,
            labels,
            exports,
            tries,
            configs,
        }
    }

    /// The value of a `label: value` line.
    pub(crate) fn label(&self, label: &str) -> &str {
        self.labels
            .get(label)
            .unwrap_or_else(|| panic!("no {label:?} in {:?}", self.labels))
    }

    /// The exports as one shell prefix: `export A='x'; export B='y'; `.
    pub(crate) fn export_prefix(&self) -> String {
        self.exports
            .iter()
            .map(|(n, v)| format!("export {n}='{v}'; "))
            .collect()
    }

    /// Runs one "Try" line as printed, in `sh`, after the exports.
    pub(crate) fn try_line(&self, line: &str) -> Out {
        run(
            &mut shell(&format!("{}{line}", self.export_prefix()), false),
            Duration::from_secs(30),
        )
    }

    /// Sends `signal` and waits for the exit; returns the exit code and stderr.
    pub(crate) fn stop(mut self, name: &str) -> (i32, String) {
        signal(&self.child, name);
        let status = self.child.wait().unwrap();
        let mut stderr = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            std::io::Read::read_to_string(&mut err, &mut stderr).unwrap();
        }
        (status.code().unwrap_or(-1), stderr)
    }
}

impl Drop for DevServer {
    /// SIGTERM first, so the server removes its temporary directory; SIGKILL if it lingers.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            signal(&self.child, "TERM");
            let deadline = Instant::now() + Duration::from_secs(5);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on a fresh connection: the status and the body.
pub(crate) fn http(
    addr: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let auth = key.map_or_else(String::new, |k| format!("authorization: Bearer {k}\r\n"));
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\n{auth}content-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.split(' ').nth(1).unwrap().parse().unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Reads a child's stderr on a thread until `prefix` starts a word of a line; returns the rest
/// of that word.
pub(crate) fn stderr_word(child: &mut Child, prefix: &str) -> String {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let prefix = prefix.to_owned();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(word) = line.split(' ').find_map(|w| w.strip_prefix(&prefix)) {
                let _ = tx.send(word.to_owned());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the line on stderr")
}

/// A key file with `text`, readable by its owner only.
pub(crate) fn key_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// The `--db` URL of a SQLite file in `dir`.
pub(crate) fn db_url(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("vaultcred.db").display())
}

/// A new API key of `org` with `scope` (`admin`, `dispatch`) in the database at `db`, made by
/// `vaultcred keys create` (which must succeed).
pub(crate) fn create_key(db: &str, org: &str, scope: &str) -> String {
    let created = run(
        vaultcred().args(["keys", "create", "--db", db, "--org", org, "--scope", scope]),
        Duration::from_secs(30),
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    created.stdout.trim().to_owned()
}

/// The config body of the curl line `serve --dev` prints (between `-d '` and `'`).
pub(crate) fn dev_config_body(text: &str) -> &str {
    text.split("-d '")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("serve --dev prints a curl line with a -d body")
}
