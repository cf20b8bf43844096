//! Times as the spec's JSON shows them: RFC 3339 UTC with milliseconds, clamped to what RFC 3339
//! can write.

use std::time::{Duration, SystemTime};

/// The latest time [`rfc3339`] writes, `9999-12-31T23:59:59.999Z`, in milliseconds since the
/// epoch: RFC 3339 has four-digit years.
pub const LATEST_RFC3339_MS: u64 = 253_402_300_799_999;

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-29T06:21:48.123Z`. Never panics and never
/// writes more than four year digits: a later time is written as `9999-12-31T23:59:59.999Z`, a
/// time before the epoch as `1970-01-01T00:00:00.000Z` (the core caps leases at 10 years, but
/// whatever a server sends, the output stays well-formed).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use vaultcred_core::time::rfc3339;
/// let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_932_000_123);
/// assert_eq!(rfc3339(at), "2026-11-29T06:00:00.123Z");
/// let far = SystemTime::UNIX_EPOCH + Duration::from_secs(400_000_000_000);
/// assert_eq!(rfc3339(far), "9999-12-31T23:59:59.999Z");
/// ```
pub fn rfc3339(at: SystemTime) -> String {
    Rfc3339(at).to_string()
}

/// [`rfc3339`] as a `Display`, to write the time where it goes (a JSON serializer's
/// `collect_str`, a log line) without building a `String`.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use vaultcred_core::time::Rfc3339;
/// let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_932_000_123);
/// assert_eq!(format!("refreshAt={}", Rfc3339(at)), "refreshAt=2026-11-29T06:00:00.123Z");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rfc3339(pub SystemTime);

impl std::fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let latest = SystemTime::UNIX_EPOCH + Duration::from_millis(LATEST_RFC3339_MS);
        let at = self.0.clamp(SystemTime::UNIX_EPOCH, latest);
        std::fmt::Display::fmt(&humantime::format_rfc3339_millis(at), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_past_year_9999_and_before_1970_are_clamped() {
        let far = SystemTime::UNIX_EPOCH + Duration::from_secs(400_000_000_000);
        assert_eq!(rfc3339(far), "9999-12-31T23:59:59.999Z");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let before = SystemTime::UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(rfc3339(before), "1970-01-01T00:00:00.000Z");
    }
}
