// The checks of the three fuzz targets, written once.
//
// `include!`d by `fuzz/fuzz_targets/{config,response,path_template}.rs` (run by libFuzzer) and by
// `core/tests/fuzz_corpus.rs` (replays the committed corpus under `cargo test`), so a corpus file
// is judged by exactly the same code in both places. It uses only std, `http`, `serde_json` and
// `vaultcred_core`. Being included, it has no inner attributes; the includers set the lints.
//
// Each function must never panic on any input: a panic here is a finding (a core panic, or a
// broken property asserted below).

use std::time::{Duration, SystemTime};

/// Separates the pieces of one fuzz input (response chunks, path-template strings). 0xFF never
/// occurs in UTF-8 text, so it never cuts a JSON body or a string in two.
pub const FUZZ_SEPARATOR: u8 = 0xff;

/// Marker of the secrets in this harness: the config oracle only judges secret-field values
/// containing it, and the response harness's configured secrets contain it.
pub const FUZZ_CANARY: &str = "CANARY";

/// The fixed Vault origin of the response harness.
pub const FUZZ_ADDR: &str = "https://vault.example.com:8200";
/// The org the response harness resolves for.
pub const FUZZ_ORG: &str = "org_fuzz";
/// The credential kind the response harness resolves.
pub const FUZZ_KIND: &str = "api-key";
/// Token-mode token. Not token-shaped (no `hvs.` prefix), so only the scrubber's list of known
/// secrets can remove it from a message, not its token-shape rule.
pub const FUZZ_TOKEN: &str = "CANARYtoken-4f9c2e7a1b";
/// AppRole roleId (not checked: not a secret, though never printed either).
pub const FUZZ_ROLE_ID: &str = "role-id-59d6d1ca";
/// AppRole secretId.
pub const FUZZ_SECRET_ID: &str = "CANARYsecret-84896a0c";
/// Most steps (polls) one operation may take before the harness calls it a livelock. With the
/// default retry policy an operation needs at most ~21 (login and read, 3 attempts each with
/// backoff sleeps, one re-login after a 403).
pub const FUZZ_MAX_STEPS: usize = 64;

// ---------------------------------------------------------------------------------------------
// Target `config`: `VaultConfig::from_json` on arbitrary bytes.
// ---------------------------------------------------------------------------------------------

/// Never panics; a refused config names at least one problem; no secret-field value (`token`,
/// `secretId`) appears in the error (`Display` and `Debug`) nor in an accepted config's `Debug`
/// and redacted `to_json(false)`.
///
/// The leak oracle is sound: it only judges values that contain [`FUZZ_CANARY`] and are at
/// least 8 bytes long, and only when no other string of the input (any key, any other value at
/// any depth) contains the marker, so the marker cannot reach a message by a legitimate echo (an
/// unknown field's name, an `authMode` or `providerType` value, a template or mount segment).
pub fn config(data: &[u8]) {
    let secrets = config_canaries(data);
    match vaultcred_core::VaultConfig::from_json(data) {
        Ok(config) => {
            let shown = format!("{config:?} {}", config.to_json(false));
            for secret in &secrets {
                assert!(
                    !shown.contains(secret.as_str()),
                    "accepted config shows the secret field value {secret:?}: {shown}"
                );
            }
        }
        Err(err) => {
            assert!(
                !err.problems.is_empty(),
                "a refused config must name at least one problem"
            );
            let shown = format!("{err} {err:?}");
            for secret in &secrets {
                assert!(
                    !shown.contains(secret.as_str()),
                    "config error leaks the secret field value {secret:?}: {shown}"
                );
            }
        }
    }
}

/// The secret-field values of `data` the leak oracle may judge (see [`config`]).
fn config_canaries(data: &[u8]) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return Vec::new();
    };
    let mut secrets = Vec::new();
    let mut others = Vec::new();
    match &value {
        serde_json::Value::Object(top) => {
            for (key, v) in top {
                others.push(key.clone());
                match (key.as_str(), v) {
                    ("token" | "secretId", serde_json::Value::String(s)) => secrets.push(s.clone()),
                    ("config", serde_json::Value::Object(inner)) => {
                        for (k, iv) in inner {
                            others.push(k.clone());
                            match (k.as_str(), iv) {
                                ("token" | "secretId", serde_json::Value::String(s)) => {
                                    secrets.push(s.clone());
                                }
                                _ => collect_strings(iv, &mut others),
                            }
                        }
                    }
                    _ => collect_strings(v, &mut others),
                }
            }
        }
        other => collect_strings(other, &mut others),
    }
    if others.iter().any(|s| s.contains(FUZZ_CANARY)) {
        return Vec::new();
    }
    secrets.retain(|s| s.len() >= 8 && s.contains(FUZZ_CANARY));
    secrets
}

/// Every key and string value in `value`, at any depth.
fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => {
            for item in items {
                collect_strings(item, out);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                collect_strings(v, out);
            }
        }
        serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Target `response`: a whole resolve (or health check) answered by the fuzzer.
// ---------------------------------------------------------------------------------------------

/// Input layout: `flags` byte, then chunks separated by [`FUZZ_SEPARATOR`]; chunk *n* answers
/// the *n*-th request the core sends.
///
/// - `flags` bit 0: AppRole (roleId [`FUZZ_ROLE_ID`], secretId [`FUZZ_SECRET_ID`]) instead of
///   token mode ([`FUZZ_TOKEN`]); bit 1: a health check instead of a resolve; bit 2: no retries
///   (`RetryPolicy::none()`) instead of the default policy; bit 3: a 64-byte body cap instead of
///   the default 1 MiB. The whole byte seeds the backoff jitter.
/// - A chunk of 3 bytes or more is an HTTP response: status `100 + (u16 BE of bytes 0..2) % 500`,
///   headers from byte 2 (bits 6-7: no `Location`, a relative one, one to another origin, one
///   with userinfo; bit 5: `Retry-After: <bits 0-4>` seconds), body from byte 3 on, in which
///   `@T` expands to the token and `@S` to the secretId, so the fuzzer can make Vault echo them.
/// - A shorter chunk, and every request after the last chunk, gets a transport error (kind from
///   the chunk's first byte) whose detail quotes both secrets.
///
/// Checks: no panic; the operation finishes within [`FUZZ_MAX_STEPS`] polls and polling again
/// returns the same outcome; every request goes to the configured origin and to one of the paths
/// the operation may use; an error message contains no configured secret (token, secretId).
pub fn response(data: &[u8]) {
    fuzz_run(
        data,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_932_000),
    );
}

/// What one [`response`] run ended with: a resolve's outcome or a health report.
pub enum FuzzRun {
    /// The input asked for a resolve (flags bit 1 clear); `None` for an empty input.
    Resolve(
        Option<
            Result<std::sync::Arc<vaultcred_core::Credential>, vaultcred_core::CredentialNotFound>,
        >,
    ),
    /// The input asked for a health check (flags bit 1 set).
    Health(vaultcred_core::HealthReport),
}

/// [`response`] with the clock starting at `start`; returns what the operation ended with (for
/// the `cli_output` target, which prints it as the CLI does).
pub fn fuzz_run(data: &[u8], start: SystemTime) -> FuzzRun {
    let Some((&flags, rest)) = data.split_first() else {
        return FuzzRun::Resolve(None);
    };
    let approle = flags & 1 != 0;
    let health = flags & 2 != 0;
    let options = vaultcred_core::RegistryOptions {
        retry: if flags & 4 != 0 {
            vaultcred_core::RetryPolicy::none()
        } else {
            vaultcred_core::RetryPolicy::default()
        },
        jitter_seed: u64::from(flags),
        max_body_bytes: if flags & 8 != 0 {
            64
        } else {
            vaultcred_core::registry::DEFAULT_MAX_BODY_BYTES
        },
        ..vaultcred_core::RegistryOptions::default()
    };
    let mut registry = vaultcred_core::Registry::with_options(options);
    let config = if approle {
        vaultcred_core::VaultConfig::approle(FUZZ_ADDR, "secret", FUZZ_ROLE_ID, FUZZ_SECRET_ID)
    } else {
        vaultcred_core::VaultConfig::token(FUZZ_ADDR, "secret", FUZZ_TOKEN)
    };
    let config = config.expect("the harness config is valid");
    registry
        .register(FUZZ_ORG, config)
        .expect("the harness orgId is valid");
    let secrets: &[&str] = if approle {
        &[FUZZ_SECRET_ID]
    } else {
        &[FUZZ_TOKEN]
    };
    // The paths this operation may request.
    let read = format!("{FUZZ_ADDR}/v1/secret/data/{FUZZ_ORG}/{FUZZ_KIND}");
    let login = format!("{FUZZ_ADDR}/v1/auth/approle/login");
    let lookup = format!("{FUZZ_ADDR}/v1/auth/token/lookup-self");
    let renew = format!("{FUZZ_ADDR}/v1/auth/token/renew-self");
    let mounts = format!("{FUZZ_ADDR}/v1/sys/internal/ui/mounts/secret");
    let capabilities = format!("{FUZZ_ADDR}/v1/sys/capabilities-self");
    let probe = format!(
        "{FUZZ_ADDR}/v1/secret/data/{FUZZ_ORG}/{}",
        vaultcred_core::operation::PROBE_KIND
    );
    let token = if approle { &login } else { &lookup };
    let mut allowed: Vec<&str> = vec![token.as_str(), renew.as_str()];
    if health {
        allowed.extend([mounts.as_str(), capabilities.as_str(), probe.as_str()]);
    } else {
        allowed.push(read.as_str());
    }
    let mut chunks = rest.split(|b| *b == FUZZ_SEPARATOR);
    let mut clock = start;
    let (message, run) = if health {
        let op = registry.start_health(FUZZ_ORG, clock);
        let report = drive(&mut registry, op, &mut chunks, &mut clock, &allowed);
        assert_eq!(
            report.ok,
            report.error.is_none(),
            "a health report has an error exactly when it is not ok: {report:?}"
        );
        let message = report
            .error
            .as_ref()
            .map(|e| format!("{} {e:?}", e.message));
        (message, FuzzRun::Health(report))
    } else {
        let op = registry.start_resolve(FUZZ_ORG, FUZZ_KIND, clock);
        let outcome = drive(&mut registry, op, &mut chunks, &mut clock, &allowed);
        let message = match &outcome {
            Ok(credential) => {
                assert_eq!(
                    (credential.org_id(), credential.kind()),
                    (FUZZ_ORG, FUZZ_KIND)
                );
                None
            }
            Err(e) => Some(format!("{e} {e:?}")),
        };
        (message, FuzzRun::Resolve(Some(outcome)))
    };
    if let Some(message) = message {
        for secret in secrets {
            assert!(
                !message.contains(secret),
                "the error message leaks the configured secret {secret:?}: {message}"
            );
        }
    }
    run
}

/// Polls `op` to its end, answering each request with the next chunk.
fn drive<'a, O: vaultcred_core::Outcome + std::fmt::Debug>(
    registry: &mut vaultcred_core::Registry,
    mut op: vaultcred_core::Operation<O>,
    chunks: &mut impl Iterator<Item = &'a [u8]>,
    clock: &mut SystemTime,
    allowed: &[&str],
) -> O {
    for _ in 0..FUZZ_MAX_STEPS {
        match registry.poll(&mut op, *clock) {
            vaultcred_core::Next::Http(request) => {
                let uri = request.uri().to_string();
                assert!(
                    allowed.contains(&uri.as_str()),
                    "request to {uri}, expected one of {allowed:?}"
                );
                let answer = match chunks.next() {
                    Some(chunk) => fuzz_answer(chunk),
                    None => Err(fuzz_transport_error(0)),
                };
                *clock += Duration::from_millis(3);
                registry.on_response(&mut op, answer, *clock);
            }
            vaultcred_core::Next::ReadFile(path) => {
                panic!("no Kubernetes config here, yet the core asked to read {path:?}")
            }
            vaultcred_core::Next::SharedLogin(_) => {
                panic!("shared logins are off here, yet the core asked for a shared token")
            }
            vaultcred_core::Next::Sleep(until) | vaultcred_core::Next::WaitForLogin(until) => {
                *clock = (*clock).max(until);
            }
            vaultcred_core::Next::Done(outcome) => {
                let again = registry.poll(&mut op, *clock);
                match &again {
                    vaultcred_core::Next::Done(o) => assert_eq!(
                        format!("{o:?}"),
                        format!("{outcome:?}"),
                        "polling a finished operation must return the same outcome"
                    ),
                    other => panic!("polling a finished operation returned {other:?}"),
                }
                return outcome;
            }
        }
    }
    panic!("the operation did not finish within {FUZZ_MAX_STEPS} polls");
}

/// One chunk as the host's answer (see [`response`] for the layout).
fn fuzz_answer(chunk: &[u8]) -> Result<http::Response<Vec<u8>>, vaultcred_core::TransportError> {
    let [s0, s1, headers, body @ ..] = chunk else {
        return Err(fuzz_transport_error(chunk.first().copied().unwrap_or(0)));
    };
    let status = 100 + u16::from_be_bytes([*s0, *s1]) % 500;
    let mut builder = http::Response::builder()
        .status(status)
        .header("content-type", "application/json");
    // The last variant carries the configured secret as userinfo (finding F1, fixed: the core
    // drops userinfo and scrubs the origin it names).
    let secret_userinfo =
        format!("https://{FUZZ_TOKEN}:{FUZZ_SECRET_ID}@elsewhere.example/v1/sys/leader");
    let location = match headers >> 6 {
        0 => None,
        1 => Some("/v1/sys/leader"),
        2 => Some("https://elsewhere.example:8200/v1/secret/data/org_fuzz/api-key"),
        _ => Some(secret_userinfo.as_str()),
    };
    if let Some(location) = location {
        builder = builder.header("location", location);
    }
    if headers & 0x20 != 0 {
        builder = builder.header("retry-after", (headers & 0x1f).to_string());
    }
    Ok(builder
        .body(fuzz_expand(body))
        .expect("a status in 100..=599 and fixed headers make a valid response"))
}

/// A transport error whose detail quotes both secrets, as a careless transport might.
fn fuzz_transport_error(selector: u8) -> vaultcred_core::TransportError {
    use vaultcred_core::TransportErrorKind as K;
    let kind = match selector % 6 {
        0 => K::Refused,
        1 => K::TimedOut,
        2 => K::Tls,
        3 => K::BodyTooLarge,
        4 => K::Closed,
        _ => K::Other,
    };
    vaultcred_core::TransportError::new(
        kind,
        format!("peer reset after token {FUZZ_TOKEN} secret_id={FUZZ_SECRET_ID}"),
    )
}

/// The body with `@T` expanded to the token and `@S` to the secretId.
fn fuzz_expand(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        match (body[i], body.get(i + 1)) {
            (b'@', Some(b'T')) => {
                out.extend_from_slice(FUZZ_TOKEN.as_bytes());
                i += 2;
            }
            (b'@', Some(b'S')) => {
                out.extend_from_slice(FUZZ_SECRET_ID.as_bytes());
                i += 2;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Target `path_template`: `PathTemplate::parse`, `render`, `org_prefix`, `validate_segment`,
// `validate_mount`.
// ---------------------------------------------------------------------------------------------

/// Input: `template`, `mount`, `orgId`, `kind` separated by [`FUZZ_SEPARATOR`] (each decoded as
/// lossy UTF-8; missing pieces are empty).
///
/// Checks: no panic; whatever `validate_segment` accepts is a safe single segment (non-empty, at
/// most 256 bytes, not `.`/`..`, none of `/ \ ? # % { }`, no whitespace or control character);
/// whatever `validate_mount` accepts is a clean relative path; a refused template names at least
/// one problem, all on field `pathTemplate`; `render` fails exactly when `validate_segment`
/// refuses the orgId or the kind, and a rendered path starts with `org_prefix(mount, orgId)`,
/// consists only of RFC 3986 unreserved characters, `%XX` escapes and `/`, and has no empty,
/// `.` or `..` segment even after percent-decoding (so no `..`, `?`, `#` or whitespace).
pub fn path_template(data: &[u8]) {
    let mut pieces = data
        .split(|b| *b == FUZZ_SEPARATOR)
        .map(|p| String::from_utf8_lossy(p).into_owned());
    let template = pieces.next().unwrap_or_default();
    let mount = pieces.next().unwrap_or_default();
    let org = pieces.next().unwrap_or_default();
    let kind = pieces.next().unwrap_or_default();
    for s in [&template, &mount, &org, &kind] {
        check_segment_rule(s);
    }
    let mount = match vaultcred_core::path::validate_mount(&mount) {
        Ok(m) => {
            assert!(
                !m.starts_with('/') && !m.ends_with('/'),
                "validate_mount kept a leading or trailing '/': {m:?}"
            );
            check_clean_path(&m, "validate_mount");
            m
        }
        Err(_) => "secret".to_owned(),
    };
    let template = match vaultcred_core::path::PathTemplate::parse(&template) {
        Ok(t) => t,
        Err(problems) => {
            assert!(!problems.is_empty(), "a refused template names no problem");
            assert!(
                problems.iter().all(|p| p.field == "pathTemplate"),
                "template problems must be on field pathTemplate: {problems:?}"
            );
            return;
        }
    };
    let org_ok = vaultcred_core::path::validate_segment("orgId", &org).is_ok();
    let kind_ok = vaultcred_core::path::validate_segment("kind", &kind).is_ok();
    match template.render(&mount, &org, &kind) {
        Ok(path) => {
            assert!(
                org_ok && kind_ok,
                "render accepted an orgId {org:?} or kind {kind:?} that validate_segment refuses"
            );
            let prefix = template
                .org_prefix(&mount, &org)
                .expect("org_prefix must accept the orgId render accepted");
            assert!(
                path.starts_with(&prefix),
                "rendered path {path:?} is outside the org prefix {prefix:?}"
            );
            assert!(
                !path.starts_with('/') && !path.ends_with('/'),
                "rendered path {path:?} has a leading or trailing '/'"
            );
            check_clean_path(&path, "render");
        }
        Err(e) => {
            assert!(
                !(org_ok && kind_ok),
                "render refused valid segments (orgId {org:?}, kind {kind:?}): {e}"
            );
        }
    }
}

/// `validate_segment` accepting `s` implies the documented segment rules.
fn check_segment_rule(s: &str) {
    if vaultcred_core::path::validate_segment("kind", s).is_err() {
        return;
    }
    assert!(!s.is_empty(), "validate_segment accepted an empty segment");
    assert!(
        s.len() <= vaultcred_core::path::MAX_SEGMENT_LEN,
        "validate_segment accepted {} bytes",
        s.len()
    );
    assert!(s != "." && s != "..", "validate_segment accepted {s:?}");
    assert!(
        !s.chars()
            .any(|c| matches!(c, '/' | '\\' | '?' | '#' | '%' | '{' | '}')
                || c.is_whitespace()
                || c.is_control()),
        "validate_segment accepted {s:?}, which has a forbidden character"
    );
}

/// A rendered (or mount) path: unreserved characters, `%XX` and `/` only, and no empty, `.` or
/// `..` segment, before or after percent-decoding.
fn check_clean_path(path: &str, what: &str) {
    assert!(
        path.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '%' | '/')),
        "{what} produced characters outside unreserved/%XX/'/': {path:?}"
    );
    for segment in path.split('/') {
        let decoded = fuzz_percent_decode(segment)
            .unwrap_or_else(|| panic!("{what} produced a malformed %-escape in {path:?}"));
        assert!(
            !decoded.is_empty() && decoded != b"." && decoded != b"..",
            "{what} produced an empty, '.' or '..' segment {segment:?} in {path:?}"
        );
        assert!(
            !decoded.iter().any(|b| matches!(b, b'/' | b'\\')),
            "{what} produced segment {segment:?} that decodes to a separator, in {path:?}"
        );
    }
}

/// Percent-decodes `s`; `None` for a `%` not followed by two hex digits.
fn fuzz_percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}
