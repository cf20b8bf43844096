//! JavaScript values of the API: credentials, health reports, rotation events and the two error
//! shapes, plus their TypeScript declarations.

use crate::drive::{Failure, Health, Problem, Resolved, Rotation, Secret};
use crate::time::iso_8601;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Why a credential could not be resolved (or a health check failed). */
export type Reason =
  | "missing" | "permission_denied" | "auth_failed" | "unreachable" | "timeout" | "sealed"
  | "rate_limited" | "server_error" | "invalid_response" | "invalid_kind" | "jwt_unreadable"
  | "not_configured" | "mount_not_found" | "not_kv_v2" | "host_misuse" | "address_not_allowed";

/** Options of a {@link Client}; every field is optional. */
export interface ClientOptions {
  /** Time allowed for one HTTP call, headers and whole body (default 30000). */
  timeoutMs?: number;
  /** Largest response body accepted (default 1048576); a larger one is `invalid_response`. */
  maxBodyBytes?: number;
  /** Retries after the first attempt (default 2). */
  maxRetries?: number;
  /** Total time of one resolve or health check, all attempts included (default 90000). */
  deadlineMs?: number;
  /** Reads a file (the Kubernetes ServiceAccount JWT, re-read at every login). Without it,
   *  Kubernetes auth fails with `jwt_unreadable`. */
  readFile?: (path: string) => string | Promise<string>;
  /** JWT paths an org config's `jwtPath` may name, besides the kubelet's projected token path
   *  (a path ending in `/` allows every file below it). The file is sent to the config's
   *  Vault, so which files may be is the host's choice, never the config's. */
  allowJwtPaths?: string[];
}

/** A resolved credential: `value` (the primary field) or `multiField` (every field). */
export interface Credential {
  orgId: string;
  kind: string;
  value?: string;
  multiField?: Record<string, string>;
  /** ISO-8601: when it was read from Vault. */
  resolvedAt: string;
  /** ISO-8601: until then, resolves are answered from the cache with no request. */
  refreshAt: string;
  /** The KV v2 version, when Vault gave one. */
  version: number | null;
}

/** Outcome of {@link Client.health}. */
export type Health =
  | { ok: true; latencyMs: number; checks: string[] }
  | { ok: false; latencyMs: number; error: string; reason: Reason; checks: string[] };

/** A credential's value or version changed on refresh. */
export interface RotationEvent {
  orgId: string;
  kind: string;
  oldVersion: number | null;
  newVersion: number | null;
  /** ISO-8601: when the rotation was observed. */
  at: string;
}

/** What {@link Client.resolve} rejects with. The message never holds a token or secret. */
export interface CredentialNotFound extends Error {
  name: "CredentialNotFound";
  reason: Reason;
  orgId: string;
  kind: string;
}

/** What {@link Client.register} throws: every problem of the config, by field. */
export interface ConfigError extends Error {
  name: "ConfigError";
  problems: { field: string; message: string }[];
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `ClientOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "ClientOptions")]
    pub type ClientOptions;
    /// `(event: RotationEvent) => void` in TypeScript.
    #[wasm_bindgen(typescript_type = "(event: RotationEvent) => void")]
    pub type RotationListener;
}

/// Sets `key` on a fresh object (setting a property on a plain object cannot fail).
fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn version(v: Option<u64>) -> JsValue {
    v.map_or(JsValue::NULL, |v| JsValue::from_f64(v as f64))
}

/// `{ orgId, kind, value | multiField, resolvedAt, refreshAt, version }`.
pub(crate) fn credential(c: &Resolved) -> JsValue {
    let out = Object::new();
    set(&out, "orgId", &c.org_id.as_str().into());
    set(&out, "kind", &c.kind.as_str().into());
    match &c.value {
        Secret::Value(v) => set(&out, "value", &v.expose().into()),
        Secret::MultiField(fields) => {
            let map = Object::new();
            for (name, v) in fields {
                set(&map, name, &v.expose().into());
            }
            set(&out, "multiField", &map);
        }
    }
    set(&out, "resolvedAt", &iso_8601(c.resolved_at_ms).into());
    set(&out, "refreshAt", &iso_8601(c.refresh_at_ms).into());
    set(&out, "version", &version(c.version));
    out.into()
}

/// `{ ok: true, latencyMs, checks }` or `{ ok: false, latencyMs, error, reason, checks }`.
pub(crate) fn health(h: &Health) -> JsValue {
    let out = Object::new();
    set(&out, "ok", &h.error.is_none().into());
    set(&out, "latencyMs", &JsValue::from_f64(h.latency_ms as f64));
    if let Some((reason, message)) = &h.error {
        set(&out, "error", &format!("{reason}: {message}").into());
        set(&out, "reason", &(*reason).into());
    }
    let checks = js_sys::Array::new();
    for check in &h.checks {
        checks.push(&JsValue::from_str(check));
    }
    set(&out, "checks", &checks);
    out.into()
}

/// `{ orgId, kind, oldVersion, newVersion, at }`.
pub(crate) fn rotation(e: &Rotation) -> JsValue {
    let out = Object::new();
    set(&out, "orgId", &e.org_id.as_str().into());
    set(&out, "kind", &e.kind.as_str().into());
    set(&out, "oldVersion", &version(e.old_version));
    set(&out, "newVersion", &version(e.new_version));
    set(&out, "at", &iso_8601(e.at_ms).into());
    out.into()
}

/// An `Error` named `CredentialNotFound`, with `reason`, `orgId` and `kind`.
pub(crate) fn not_found(f: &Failure) -> JsValue {
    let error = js_sys::Error::new(&f.message);
    error.set_name("CredentialNotFound");
    set(&error, "reason", &f.reason.into());
    set(&error, "orgId", &f.org_id.as_str().into());
    set(&error, "kind", &f.kind.as_str().into());
    error.into()
}

/// An `Error` named `ConfigError` whose message lists every problem, with `problems`.
pub(crate) fn config_error(problems: &[Problem]) -> JsValue {
    let text = problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect::<Vec<_>>()
        .join("; ");
    let error = js_sys::Error::new(&format!("invalid Vault config: {text}"));
    error.set_name("ConfigError");
    let list = Array::new();
    for p in problems {
        let item = Object::new();
        set(&item, "field", &p.field.as_str().into());
        set(&item, "message", &p.message.as_str().into());
        list.push(&item);
    }
    set(&error, "problems", &list);
    error.into()
}

/// A `TypeError` for a bad argument or option.
pub(crate) fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}
