//! What the JavaScript runtime provides to the drive loop: `fetch`, the clock, timers, the
//! `readFile` callback and the rotation listeners.

use crate::fetch::Transport;
use crate::time;
use crate::timer::{Progress, sleep};
use js_sys::{Function, Promise, Reflect};
use std::cell::RefCell;
use std::time::SystemTime;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The runtime side of a `Client`.
pub(crate) struct Host {
    pub(crate) transport: Transport,
    /// `readFile(path) => string | Promise<string>`, for the Kubernetes JWT.
    pub(crate) read_file: Option<Function>,
    pub(crate) progress: Progress,
    listeners: RefCell<Vec<Function>>,
}

impl Host {
    /// A host over `fetch` with these settings.
    pub(crate) fn new(transport: Transport, read_file: Option<Function>) -> Host {
        Host {
            transport,
            read_file,
            progress: Progress::default(),
            listeners: RefCell::default(),
        }
    }

    /// `Date.now()`.
    pub(crate) fn now(&self) -> SystemTime {
        time::system_time(js_sys::Date::now())
    }

    /// Sleeps until `until` by this host's clock.
    pub(crate) async fn sleep_until(&self, until: SystemTime) {
        sleep(time::ms_until(until, self.now())).await;
    }

    /// Waits for another operation's progress, or until `until`.
    pub(crate) async fn wait_for_progress(&self, until: SystemTime) {
        self.progress.wait(time::ms_until(until, self.now())).await;
    }

    /// Reads a file through the `readFile` callback. Only the error's `code` or `name` is kept
    /// from a failure: its message is the callback's free text.
    pub(crate) async fn read_file(&self, path: &str) -> Result<Vec<u8>, std::io::Error> {
        let Some(callback) = &self.read_file else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no readFile callback was given in the Client options",
            ));
        };
        let returned = callback
            .call1(&JsValue::UNDEFINED, &JsValue::from_str(path))
            .map_err(|e| callback_error(&e))?;
        // `Promise.resolve` accepts a plain string as well as a promise of one.
        let value = JsFuture::from(Promise::resolve(&returned))
            .await
            .map_err(|e| callback_error(&e))?;
        match value.as_string() {
            Some(text) => Ok(text.into_bytes()),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the readFile callback did not return a string",
            )),
        }
    }

    /// Adds a rotation listener.
    pub(crate) fn listen(&self, listener: Function) {
        self.listeners.borrow_mut().push(listener);
    }

    /// Removes a rotation listener (compared with `Object.is`). Returns whether it was there.
    pub(crate) fn unlisten(&self, listener: &JsValue) -> bool {
        let mut listeners = self.listeners.borrow_mut();
        let before = listeners.len();
        listeners.retain(|l| !js_sys::Object::is(l, listener));
        listeners.len() != before
    }

    /// Calls every listener with each event. A listener that throws does not stop the others,
    /// nor the resolve that found the rotation.
    pub(crate) fn publish(&self, events: Vec<JsValue>) {
        if events.is_empty() {
            return;
        }
        // A snapshot: a listener may add or remove listeners.
        let listeners = self.listeners.borrow().clone();
        for event in &events {
            for listener in &listeners {
                let _ = listener.call1(&JsValue::UNDEFINED, event);
            }
        }
    }
}

fn callback_error(error: &JsValue) -> std::io::Error {
    let field = |key: &str| {
        Reflect::get(error, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_string())
    };
    let what = field("code")
        .or_else(|| field("name"))
        .unwrap_or_else(|| "a non-Error value".into());
    std::io::Error::other(format!("the readFile callback failed ({what})"))
}
