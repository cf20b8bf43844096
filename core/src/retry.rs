//! The retry policy, as data. The core computes waits; the host sleeps.
//!
//! - Idempotent reads and token lookups are retried on connection errors and timeouts, on 5xx
//!   except 501, on 412 (index not yet replicated) and on 429, honouring `Retry-After` (capped).
//! - Logins are retried only on connection errors and 5xx.
//! - A sealed Vault (503 "Vault is sealed") fails fast.
//! - Backoff is exponential with jitter: retry *n* waits a random time in
//!   `[d/2, d]` where `d = min(base × 2^(n-1), cap)`. The jitter stream is seeded by the host.
//! - A per-operation deadline bounds the total time of all attempts: a wait that would end past
//!   it is not taken, and no request is sent after it.

use std::time::Duration;

/// How failed requests are retried.
///
/// ```
/// use std::time::Duration;
/// use vaultcred_core::RetryPolicy;
/// let p = RetryPolicy::default();
/// assert_eq!(p.max_retries, 2);
/// assert_eq!(p.base, Duration::from_millis(250));
/// let none = RetryPolicy::none();
/// assert_eq!(none.max_retries, 0);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2, so at most 3 attempts).
    pub max_retries: u32,
    /// First backoff (default 250 ms).
    pub base: Duration,
    /// Largest backoff (default 5 s).
    pub cap: Duration,
    /// Largest `Retry-After` honoured (default 30 s); longer ones are cut to this.
    pub retry_after_cap: Duration,
    /// Total time allowed for one resolve or health check, all attempts included (default 90 s).
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(5),
            retry_after_cap: Duration::from_secs(30),
            deadline: Duration::from_secs(90),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries (the deadline still applies).
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1-based), in milliseconds, given a jitter draw.
    pub(crate) fn backoff_ms(&self, retry: u32, jitter: &mut Jitter) -> u64 {
        let base = u64::try_from(self.base.as_millis()).unwrap_or(u64::MAX);
        let cap = u64::try_from(self.cap.as_millis()).unwrap_or(u64::MAX);
        let exp = base
            .saturating_mul(
                1u64.checked_shl(retry.saturating_sub(1))
                    .unwrap_or(u64::MAX),
            )
            .min(cap);
        let half = exp / 2;
        half + jitter.below(exp - half + 1)
    }

    /// The wait honouring a `Retry-After` of `secs`, capped.
    pub(crate) fn retry_after_ms(&self, secs: u64) -> u64 {
        let cap = u64::try_from(self.retry_after_cap.as_millis()).unwrap_or(u64::MAX);
        secs.saturating_mul(1000).min(cap)
    }

    pub(crate) fn deadline_ms(&self) -> u64 {
        u64::try_from(self.deadline.as_millis()).unwrap_or(u64::MAX)
    }
}

/// A small deterministic random stream (SplitMix64) for backoff jitter, seeded by the host.
#[derive(Clone, Debug)]
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn new(seed: u64) -> Self {
        Jitter(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_within_jitter_bounds_and_caps() {
        let p = RetryPolicy::default();
        let mut j = Jitter::new(7);
        for _ in 0..200 {
            let b1 = p.backoff_ms(1, &mut j);
            assert!((125..=250).contains(&b1), "{b1}");
            let b2 = p.backoff_ms(2, &mut j);
            assert!((250..=500).contains(&b2), "{b2}");
            let b10 = p.backoff_ms(10, &mut j);
            assert!((2500..=5000).contains(&b10), "{b10}");
            let b99 = p.backoff_ms(99, &mut j);
            assert!((2500..=5000).contains(&b99), "{b99}");
        }
    }

    #[test]
    fn jitter_is_deterministic_per_seed() {
        let p = RetryPolicy::default();
        let a: Vec<u64> = {
            let mut j = Jitter::new(42);
            (1..5).map(|n| p.backoff_ms(n, &mut j)).collect()
        };
        let b: Vec<u64> = {
            let mut j = Jitter::new(42);
            (1..5).map(|n| p.backoff_ms(n, &mut j)).collect()
        };
        let c: Vec<u64> = {
            let mut j = Jitter::new(43);
            (1..5).map(|n| p.backoff_ms(n, &mut j)).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn retry_after_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.retry_after_ms(7), 7000);
        assert_eq!(p.retry_after_ms(3600), 30_000);
        assert_eq!(p.retry_after_ms(u64::MAX), 30_000);
    }
}
