//! Registry-wide settings.

use crate::retry::RetryPolicy;

/// Default cap on a response body the core accepts (1 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Registry-wide settings.
#[derive(Clone, Debug)]
pub struct RegistryOptions {
    /// How failed requests are retried, and the per-operation deadline.
    pub retry: RetryPolicy,
    /// Seed of the backoff jitter stream and of the registry's hash maps (hand in something
    /// random in production).
    pub jitter_seed: u64,
    /// Largest response body accepted; larger ones are `invalid_response`.
    pub max_body_bytes: usize,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            retry: RetryPolicy::default(),
            jitter_seed: 0x5eed,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}
