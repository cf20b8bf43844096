//! The transport: the runtime's global `fetch`, with redirects not followed, a timeout through an
//! `AbortController`, and the body read chunk by chunk up to a cap.

use crate::failure::{Phase, classify};
use crate::timer::Timer;
use http::{Request, Response, StatusCode};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use vaultcred_core::{TransportError, TransportErrorKind};
use wasm_bindgen::{JsCast, prelude::*};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, ReadableStreamDefaultReader, RequestInit, RequestRedirect,
};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, looked up at each call (so a host may wrap or replace it).
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(request: &web_sys::Request) -> Result<Promise, JsValue>;
}

/// Sends the core's requests over `fetch`.
pub(crate) struct Transport {
    /// Time allowed for one call, headers and whole body.
    pub(crate) timeout_ms: u32,
    /// Largest body read; past it the stream is cancelled.
    pub(crate) max_body_bytes: usize,
}

impl Transport {
    /// Sends one request. Never follows a redirect: a 3xx comes back as it is, and a browser's
    /// opaque redirect as a bare 307, for the core to report.
    pub(crate) async fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let controller = AbortController::new().map_err(|e| other("AbortController", &e))?;
        let abort: Function = Reflect::get(&controller, &JsValue::from_str("abort"))
            .map_err(|e| other("AbortController", &e))?
            .unchecked_into();
        let _timer = Timer::start(&abort.bind0(&controller), f64::from(self.timeout_ms));
        let signal = controller.signal();
        let request = to_js(request, &signal).map_err(|e| other("building the request", &e))?;
        let response: web_sys::Response = match global_fetch(&request) {
            Ok(promise) => JsFuture::from(promise).await,
            Err(e) => Err(e),
        }
        .map_err(|e| self.failure(Phase::Send, signal.aborted(), &e))?
        .unchecked_into();
        if response.type_() == web_sys::ResponseType::Opaqueredirect {
            let mut bare = Response::new(Vec::new());
            *bare.status_mut() = StatusCode::TEMPORARY_REDIRECT;
            return Ok(bare);
        }
        let mut out = Response::new(Vec::new());
        *out.status_mut() = StatusCode::from_u16(response.status())
            .map_err(|_| TransportError::new(TransportErrorKind::Other, "invalid HTTP status"))?;
        copy_headers(&response.headers(), out.headers_mut());
        *out.body_mut() = self
            .read_body(&response)
            .await
            .map_err(|e| e.unwrap_or_else(|e| self.failure(Phase::Body, signal.aborted(), &e)))?;
        Ok(out)
    }

    /// Reads the body up to the cap. `Err(Ok(_))` is our own verdict (too large), `Err(Err(_))`
    /// a JavaScript failure to classify.
    async fn read_body(
        &self,
        response: &web_sys::Response,
    ) -> Result<Vec<u8>, Result<TransportError, JsValue>> {
        let too_large = || {
            TransportError::new(
                TransportErrorKind::BodyTooLarge,
                format!("over the {}-byte cap, stopped reading", self.max_body_bytes),
            )
        };
        let Some(stream) = response.body() else {
            return Ok(Vec::new());
        };
        let declared = response
            .headers()
            .get("content-length")
            .ok()
            .flatten()
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.max_body_bytes as u64) {
            // Awaited so that a rejected cancel is handled, not left unhandled.
            let _ = JsFuture::from(stream.cancel()).await;
            return Err(Ok(too_large()));
        }
        let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        let mut body = Vec::with_capacity(declared.map_or(0, |n| n as usize));
        loop {
            let chunk = JsFuture::from(reader.read()).await.map_err(Err)?;
            if Reflect::get(&chunk, &JsValue::from_str("done"))
                .map_err(Err)?
                .is_truthy()
            {
                return Ok(body);
            }
            let bytes: Uint8Array = Reflect::get(&chunk, &JsValue::from_str("value"))
                .map_err(Err)?
                .unchecked_into();
            if body.len() + bytes.length() as usize > self.max_body_bytes {
                let _ = JsFuture::from(reader.cancel()).await;
                return Err(Ok(too_large()));
            }
            let start = body.len();
            body.resize(start + bytes.length() as usize, 0);
            bytes.copy_to(&mut body[start..]);
        }
    }

    fn failure(&self, phase: Phase, aborted: bool, error: &JsValue) -> TransportError {
        let code = Reflect::get(error, &JsValue::from_str("cause"))
            .ok()
            .filter(|c| c.is_object())
            .and_then(|c| Reflect::get(&c, &JsValue::from_str("code")).ok())
            .and_then(|c| c.as_string());
        let kind = classify(phase, aborted, code.as_deref());
        let detail = if kind == TransportErrorKind::TimedOut && aborted {
            format!("no complete response within {} ms", self.timeout_ms)
        } else {
            describe(error, code.as_deref())
        };
        TransportError::new(kind, detail)
    }
}

/// The request as a `fetch` `Request`, with `redirect: "manual"` and the abort signal.
fn to_js(
    request: Request<Vec<u8>>,
    signal: &web_sys::AbortSignal,
) -> Result<web_sys::Request, JsValue> {
    let init = RequestInit::new();
    init.set_method(request.method().as_str());
    init.set_redirect(RequestRedirect::Manual);
    init.set_signal(Some(signal));
    let headers = Headers::new()?;
    for (name, value) in request.headers() {
        if let Ok(value) = value.to_str() {
            headers.set(name.as_str(), value)?;
        }
    }
    init.set_headers(&headers);
    if !request.body().is_empty() {
        init.set_body(&Uint8Array::from(request.body().as_slice()));
    }
    web_sys::Request::new_with_str_and_init(&request.uri().to_string(), &init)
}

/// Copies the response headers a runtime exposes; unparsable ones are skipped.
fn copy_headers(from: &Headers, to: &mut http::HeaderMap) {
    let Ok(Some(entries)) = js_sys::try_iter(from) else {
        return;
    };
    for entry in entries.flatten() {
        let pair: js_sys::Array = entry.unchecked_into();
        let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) else {
            continue;
        };
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            to.append(name, value);
        }
    }
}

/// The error's name, message and code (as `fetch` reports them: no headers, no body).
fn describe(error: &JsValue, code: Option<&str>) -> String {
    let text = |key: &str| {
        Reflect::get(error, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let mut out = format!("{}: {}", text("name"), text("message"));
    if let Some(code) = code {
        out.push_str(&format!(" ({code})"));
    }
    out
}

/// A failure before anything was sent. Only the error's name is kept: a message about a refused
/// header may quote the header's value, which can be the token.
fn other(what: &str, error: &JsValue) -> TransportError {
    let name = Reflect::get(error, &JsValue::from_str("name"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "error".into());
    TransportError::new(TransportErrorKind::Other, format!("{what} failed: {name}"))
}
