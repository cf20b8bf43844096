//! The runtime's timers: `setTimeout` for backoffs and per-request timeouts, and a wake-up list
//! for operations waiting on another operation's login.

use js_sys::{Function, Promise};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The global `setTimeout` (a number in browsers, a `Timeout` object in Node).
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    /// The global `clearTimeout`.
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// A pending `setTimeout`, cleared when dropped (so a finished request or wait leaves no timer
/// behind to keep Node's event loop alive).
pub(crate) struct Timer(JsValue);

impl Timer {
    /// Calls `handler` after `ms` milliseconds.
    pub(crate) fn start(handler: &Function, ms: f64) -> Timer {
        Timer(set_timeout(handler, ms))
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout(&self.0);
    }
}

/// Waits `ms` milliseconds.
pub(crate) async fn sleep(ms: f64) {
    let mut timer = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        timer = Some(Timer::start(&resolve, ms));
    });
    // A timer promise never rejects.
    let _ = JsFuture::from(promise).await;
    drop(timer);
}

/// Wakes operations waiting for progress (`Next::WaitForLogin`) when any operation has handled a
/// response or a file.
#[derive(Default)]
pub(crate) struct Progress {
    waiters: RefCell<Vec<Function>>,
}

impl Progress {
    /// Waits until [`Progress::notify`] is called, or `ms` milliseconds at most.
    pub(crate) async fn wait(&self, ms: f64) {
        let mut timer = None;
        let promise = Promise::new(&mut |resolve, _reject| {
            timer = Some(Timer::start(&resolve, ms));
            self.waiters.borrow_mut().push(resolve);
        });
        let _ = JsFuture::from(promise).await;
        drop(timer);
    }

    /// Wakes every waiter. Resolving a promise runs no JavaScript at once (its reactions are
    /// queued as microtasks), so this never re-enters the caller.
    pub(crate) fn notify(&self) {
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for resolve in waiters {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}
