//! The refresh policy, exactly the spec's table, in whole milliseconds since the Unix epoch.
//!
//! | Auth mode     | refreshAt                                   |
//! |---------------|---------------------------------------------|
//! | Token         | resolvedAt + 1h (no upstream TTL)           |
//! | AppRole       | loginTime + 0.8 × login lease_duration      |
//! | Kubernetes    | loginTime + 0.8 × login lease_duration      |
//! | KV read lease | resolvedAt + 0.8 × lease_duration when > 0  |
//!
//! refreshAt is the earliest that applies. A login lease of 0 (a root-like token) never expires
//! by itself; when no rule applies at all (such a token and no KV lease) the token-mode hour is
//! used, so a credential is never cached forever. All arithmetic saturates: a hostile
//! `lease_duration` of `u64::MAX` cannot overflow.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest lease the core believes: 10 years. Vault's own ceiling is its `max_lease_ttl`
/// (32 days by default); a longer `lease_duration` or `ttl` from a server is taken as this, so
/// every refresh time stays a printable date (far from year 9999).
pub const MAX_LEASE_SECS: u64 = 10 * 365 * 24 * 3600;

/// One hour in milliseconds: the token-mode refresh interval.
pub const TOKEN_MODE_REFRESH_MS: u64 = 3_600_000;

/// 0.8 × `lease_secs` seconds, in milliseconds (saturating).
///
/// ```
/// assert_eq!(vaultcred_core::refresh::eighty_percent_ms(3600), 2_880_000);
/// assert_eq!(vaultcred_core::refresh::eighty_percent_ms(u64::MAX), u64::MAX);
/// ```
pub fn eighty_percent_ms(lease_secs: u64) -> u64 {
    lease_secs.saturating_mul(800)
}

/// When a login token must be replaced: loginTime + 0.8 × lease, or `None` if the lease is 0.
pub fn token_deadline_ms(login_at_ms: u64, lease_secs: u64) -> Option<u64> {
    (lease_secs > 0).then(|| login_at_ms.saturating_add(eighty_percent_ms(lease_secs)))
}

/// refreshAt for a credential resolved at `resolved_at_ms`.
///
/// `token_deadline_ms` is the login token's deadline (AppRole/Kubernetes; `None` for token mode
/// or a non-expiring login), `kv_lease_secs` the read's `lease_duration`.
///
/// ```
/// use vaultcred_core::refresh::refresh_at_ms;
/// // Token mode, no KV lease: one hour.
/// assert_eq!(refresh_at_ms(true, 1_000, None, 0), 3_601_000);
/// // AppRole logged in at 0 with a 3600 s lease: 0.8 × 3600 s.
/// assert_eq!(refresh_at_ms(false, 1_000, Some(2_880_000), 0), 2_880_000);
/// // A KV lease of 60 s wins when earlier.
/// assert_eq!(refresh_at_ms(false, 1_000, Some(2_880_000), 60), 49_000);
/// ```
pub fn refresh_at_ms(
    token_mode: bool,
    resolved_at_ms: u64,
    token_deadline_ms: Option<u64>,
    kv_lease_secs: u64,
) -> u64 {
    let mut candidates = [None, None, None];
    if token_mode {
        candidates[0] = Some(resolved_at_ms.saturating_add(TOKEN_MODE_REFRESH_MS));
    }
    candidates[1] = token_deadline_ms;
    if kv_lease_secs > 0 {
        candidates[2] = Some(resolved_at_ms.saturating_add(eighty_percent_ms(kv_lease_secs)));
    }
    candidates
        .into_iter()
        .flatten()
        .min()
        .unwrap_or_else(|| resolved_at_ms.saturating_add(TOKEN_MODE_REFRESH_MS))
}

/// Milliseconds since the Unix epoch (0 for times before it, saturating far in the future).
pub fn to_ms(t: SystemTime) -> u64 {
    // In u64 (no u128 arithmetic: this runs on every cache hit), saturating like `as_millis`
    // clamped to u64.
    t.duration_since(UNIX_EPOCH).map_or(0, |d| {
        d.as_secs()
            .saturating_mul(1000)
            .saturating_add(u64::from(d.subsec_millis()))
    })
}

/// The `SystemTime` of `ms` milliseconds since the epoch (saturating at the largest time the
/// platform can represent).
pub fn from_ms(ms: u64) -> SystemTime {
    let mut d = Duration::from_millis(ms);
    loop {
        if let Some(t) = UNIX_EPOCH.checked_add(d) {
            return t;
        }
        d /= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let h = TOKEN_MODE_REFRESH_MS;
        // Token mode: resolvedAt + 1h.
        assert_eq!(refresh_at_ms(true, 10, None, 0), 10 + h);
        // Token mode with a KV lease of 100 s: 80 s.
        assert_eq!(refresh_at_ms(true, 10, None, 100), 10 + 80_000);
        // Token mode with a KV lease longer than 1.25 h: the hour still wins.
        assert_eq!(refresh_at_ms(true, 10, None, 10_000), 10 + h);
        // AppRole/Kubernetes: the login's 80 %.
        assert_eq!(
            refresh_at_ms(false, 500, token_deadline_ms(0, 20), 0),
            16_000
        );
        // A non-expiring login and no KV lease: the hour fallback.
        assert_eq!(
            refresh_at_ms(false, 500, token_deadline_ms(0, 0), 0),
            500 + h
        );
        // A non-expiring login and a KV lease.
        assert_eq!(refresh_at_ms(false, 500, None, 10), 8_500);
    }

    #[test]
    fn saturates() {
        assert_eq!(refresh_at_ms(true, u64::MAX - 1, None, u64::MAX), u64::MAX);
        assert_eq!(token_deadline_ms(u64::MAX, u64::MAX), Some(u64::MAX));
        assert_eq!(token_deadline_ms(5, 0), None);
    }

    #[test]
    fn time_conversions() {
        let t = UNIX_EPOCH + Duration::from_millis(1_764_398_508_123);
        assert_eq!(to_ms(t), 1_764_398_508_123);
        assert_eq!(from_ms(1_764_398_508_123), t);
        assert_eq!(to_ms(UNIX_EPOCH - Duration::from_secs(1)), 0);
        let far = from_ms(u64::MAX);
        assert!(far > t);
    }
}
