//! # vaultcred-wasm
//!
//! The WebAssembly adapter of vaultcred: the sans-IO [`vaultcred_core`] compiled to
//! `wasm32-unknown-unknown` and driven by a JavaScript runtime (Node 20+, Deno, edge workers).
//! Every Vault rule — paths, JSON, status codes, retries, refresh times, single-flight logins —
//! stays in the core; no rule is rewritten in JavaScript. This crate only hands the core what it
//! asks for:
//!
//! - **transport**: the runtime's global `fetch`, with `redirect: "manual"` (a 3xx, or a
//!   browser's opaque redirect, goes back to the core, which reports it and never follows it),
//!   a per-call timeout through an `AbortController`, and the body read chunk by chunk and
//!   cancelled past a cap (1 MiB by default);
//! - **clock**: `Date.now()`; **sleeps**: `setTimeout`; **jitter seed**: `crypto.getRandomValues`;
//! - **files**: the Kubernetes ServiceAccount JWT is read through the `readFile` callback of the
//!   client options (`(path) => string | Promise<string>`); without one, Kubernetes auth fails
//!   with `jwt_unreadable`.
//!
//! `adapters/wasm/build.sh` builds the npm package `vaultcred` into `adapters/wasm/pkg/`:
//!
//! ```js
//! import { Client } from "vaultcred";
//! const client = new Client({ timeoutMs: 30000 });
//! client.register("org_abc123", JSON.stringify(config));   // throws a ConfigError listing problems
//! const c = await client.resolve("org_abc123", "anthropic-api-key");
//! // c = { orgId, kind, value | multiField, resolvedAt, refreshAt, version }  (ISO-8601 strings)
//! const h = await client.health("org_abc123");  // { ok: true, latencyMs } | { ok: false, error, reason }
//! client.onRotation(ev => console.log(ev.kind, ev.oldVersion, ev.newVersion));
//! ```
//!
//! A failed resolve rejects with an `Error` whose `name` is `CredentialNotFound`, with `reason`
//! (`"missing"`, `"permission_denied"`, `"timeout"`…), `orgId`, `kind` and a redacted `message`.
//! Secrets reach JavaScript only as the resolved `value`/`multiField`; the login token travels
//! only inside the requests handed to `fetch`. Nothing is written to the console.
//!
//! The client is single-threaded like its runtime: the registry lives in a `RefCell` borrowed
//! only for one step of an operation, never across an `await` or while JavaScript runs, so any
//! number of resolves may be in flight at once and share one login per org.
//!
//! ## Conformance
//!
//! The workspace's conformance suite (`tests/conformance.rs`) runs against the Rust adapters;
//! `adapters/wasm/tests/*.test.mjs` (`node --test`, against `vaultcred dev-server`) runs its
//! scenarios through this package: every auth mode, probing and `multiField`, path templates, no
//! request before `refreshAt`, relogin at the token's deadline, exactly one relogin after a
//! revoked token, a rotation event, single-flight logins, health ok and failing, each failure
//! reason (`missing`, `permission_denied`, `auth_failed`, `invalid_kind`, `timeout`,
//! `unreachable`, `server_error` for a redirect, `invalid_response` over the body cap,
//! `jwt_unreadable`, `not_configured`), the timeout, and canaries never leaking. Time-based
//! scenarios move the host clock (`Date.now`) instead of sleeping. The namespace header is not
//! exercised there: DevVault's namespace requirement is set only from Rust.
//!
//! Expectations that do not apply here:
//!
//! - **TLS settings** (CA bundle, client certificate, disabling verification): the runtime's
//!   `fetch` owns TLS and its trust store (e.g. `NODE_EXTRA_CA_CERTS` in Node); a TLS failure is
//!   still reported as `unreachable`, as in the other adapters.
//! - **Cancellation by dropping a resolve**: a JavaScript promise cannot be cancelled, so every
//!   resolve runs until it finishes or reaches its deadline (`deadlineMs`); a login it performs
//!   is never abandoned half-way.
//! - **Thread safety** (`Send`/`Sync` clients shared across threads): the runtime has one thread.
//! - **`watch` streams** of the async adapter: not offered; callers re-resolve at `refreshAt`.
//! - **Log output** (`tracing`): none; the adapter prints nothing.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(target_arch = "wasm32"),
    allow(
        dead_code,
        reason = "on the native target only the pure helpers and their tests build"
    )
)]

mod failure;
mod settings;
mod time;

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod drive;
#[cfg(target_arch = "wasm32")]
mod fetch;
#[cfg(target_arch = "wasm32")]
mod host;
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod timer;

#[cfg(target_arch = "wasm32")]
pub use client::Client;

#[cfg(test)]
mod reason_type {
    /// The TypeScript `Reason` type (in `js.rs`, built for wasm32 only) names every reason the
    /// core has, so a new reason cannot be missing from the package's typings.
    #[test]
    fn every_reason_of_the_core_is_in_the_typescript_type() {
        let source = include_str!("js.rs");
        let start = source.find("export type Reason").unwrap_or(0);
        let end = source[start..]
            .find(';')
            .map_or(source.len(), |e| start + e);
        let union = &source[start..end];
        for reason in vaultcred_core::Reason::ALL {
            let quoted = format!("\"{}\"", reason.as_str());
            assert!(
                union.contains(&quoted),
                "{quoted} missing from the Reason type"
            );
        }
    }
}
