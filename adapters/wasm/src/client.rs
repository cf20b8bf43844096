//! The `Client` class JavaScript sees.

use crate::drive::Core;
use crate::fetch::Transport;
use crate::host::Host;
use crate::js::{self, ClientOptions, RotationListener};
use crate::settings::{RawOptions, Settings};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use std::rc::Rc;
use wasm_bindgen::{JsCast, prelude::*};
use wasm_bindgen_futures::future_to_promise;

#[wasm_bindgen]
extern "C" {
    /// The global `crypto.getRandomValues` (Web Crypto; global in Node 20, Deno and workers).
    #[wasm_bindgen(catch, js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buffer: &Uint8Array) -> Result<JsValue, JsValue>;
}

/// Resolves per-organisation credentials from HashiCorp Vault.
///
/// One client per process is enough: it keeps every org's login token and cached credentials,
/// and any number of `resolve` calls may be in flight at once (they share one login per org).
#[wasm_bindgen]
pub struct Client {
    inner: Rc<Inner>,
}

struct Inner {
    core: Core,
    host: Host,
}

#[wasm_bindgen]
impl Client {
    /// A client. Throws a `TypeError` for an option of the wrong type or out of range, and an
    /// `Error` if the runtime has no `crypto.getRandomValues`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<ClientOptions>) -> Result<Client, JsValue> {
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        let raw = RawOptions {
            timeout_ms: number(&options, "timeoutMs")?,
            max_body_bytes: number(&options, "maxBodyBytes")?,
            max_retries: number(&options, "maxRetries")?,
            deadline_ms: number(&options, "deadlineMs")?,
        };
        let settings = Settings::from_raw(raw).map_err(|e| js::type_error(&e.to_string()))?;
        let read_file = match option(&options, "readFile")? {
            None => None,
            Some(f) => Some(f.dyn_into::<Function>().map_err(|_| {
                js::type_error(
                    "option readFile must be a function (path) => string | Promise<string>",
                )
            })?),
        };
        let allowed_jwt_paths = match option(&options, "allowJwtPaths")? {
            None => Vec::new(),
            Some(list) => js_sys::Array::from(&list)
                .iter()
                .map(|p| p.as_string())
                .collect::<Option<Vec<String>>>()
                .filter(|_| js_sys::Array::is_array(&list))
                .ok_or_else(|| {
                    js::type_error("option allowJwtPaths must be an array of strings")
                })?,
        };
        let transport = Transport {
            timeout_ms: settings.timeout_ms,
            max_body_bytes: settings.max_body_bytes,
        };
        Ok(Client {
            inner: Rc::new(Inner {
                core: Core::new(&settings, random_seed()?, allowed_jwt_paths),
                host: Host::new(transport, read_file),
            }),
        })
    }

    /// Registers (or replaces) an org's Vault config, given as a JSON string (or an object).
    /// Replacing drops the org's token and cached credentials. Throws a `ConfigError` listing
    /// every problem; it never quotes a secret field's value.
    pub fn register(
        &self,
        #[wasm_bindgen(js_name = orgId)] org_id: &str,
        #[wasm_bindgen(unchecked_param_type = "string | object")] config: JsValue,
    ) -> Result<(), JsValue> {
        let json = match config.as_string() {
            Some(text) => text,
            None if config.is_object() => js_sys::JSON::stringify(&config)
                .map(String::from)
                .map_err(|_| js::type_error("config cannot be turned into JSON"))?,
            None => return Err(js::type_error("config must be a JSON string or an object")),
        };
        self.inner
            .core
            .register(org_id, &json)
            .map_err(|problems| js::config_error(&problems))
    }

    /// Removes an org. Returns whether it was registered.
    pub fn unregister(&self, #[wasm_bindgen(js_name = orgId)] org_id: &str) -> bool {
        self.inner.core.unregister(org_id)
    }

    /// Resolves credential `kind` of `orgId`: from the cache until its `refreshAt`, else from
    /// Vault. Rejects with a `CredentialNotFound` error (`reason`, redacted `message`).
    #[wasm_bindgen(unchecked_return_type = "Promise<Credential>")]
    pub fn resolve(
        &self,
        #[wasm_bindgen(js_name = orgId)] org_id: String,
        kind: String,
    ) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            match inner.core.resolve(&inner.host, &org_id, &kind).await {
                Ok(credential) => Ok(js::credential(&credential)),
                Err(failure) => Err(js::not_found(&failure)),
            }
        })
    }

    /// Checks that Vault is reachable and the org's credentials valid (a login, or a token
    /// lookup in token mode). Never rejects: a failure is `{ ok: false, error, reason }`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Health>")]
    pub fn health(&self, #[wasm_bindgen(js_name = orgId)] org_id: String) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(
            async move { Ok(js::health(&inner.core.health(&inner.host, &org_id).await)) },
        )
    }

    /// Calls `listener` with every rotation (a kind's value or version changed on refresh)
    /// found by this client's resolves. A listener that throws does not disturb the others.
    #[wasm_bindgen(js_name = onRotation)]
    pub fn on_rotation(&self, listener: RotationListener) -> Result<(), JsValue> {
        let listener = JsValue::from(listener)
            .dyn_into::<Function>()
            .map_err(|_| js::type_error("onRotation expects a function"))?;
        self.inner.host.listen(listener);
        Ok(())
    }

    /// Removes a listener added with `onRotation`. Returns whether it was there.
    #[wasm_bindgen(js_name = offRotation)]
    pub fn off_rotation(&self, listener: RotationListener) -> bool {
        self.inner.host.unlisten(&listener.into())
    }
}

/// An option, `None` when absent (`undefined` or `null`).
fn option(options: &JsValue, key: &str) -> Result<Option<JsValue>, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    if !options.is_object() {
        return Err(js::type_error("Client options must be an object"));
    }
    let value = Reflect::get(options, &JsValue::from_str(key))?;
    Ok((!value.is_undefined() && !value.is_null()).then_some(value))
}

fn number(options: &JsValue, key: &str) -> Result<Option<f64>, JsValue> {
    match option(options, key)? {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| js::type_error(&format!("option {key} must be a number"))),
    }
}

/// 64 random bits from `crypto.getRandomValues`, for the backoff jitter and the hash seed.
fn random_seed() -> Result<u64, JsValue> {
    let buffer = Uint8Array::new_with_length(8);
    get_random_values(&buffer).map_err(|_| {
        JsValue::from(js_sys::Error::new(
            "vaultcred needs crypto.getRandomValues (Web Crypto), which this runtime lacks",
        ))
    })?;
    let mut bytes = [0u8; 8];
    buffer.copy_to(&mut bytes);
    Ok(u64::from_le_bytes(bytes))
}
