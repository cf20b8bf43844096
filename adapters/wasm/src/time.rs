//! Wall-clock conversions: JavaScript's millisecond timestamps to `SystemTime`, and to the
//! ISO-8601 strings the JavaScript API returns.

use std::time::{Duration, SystemTime};

/// A `Date.now()` reading as a `SystemTime`. A reading that is not a finite, non-negative number
/// (a broken or mocked clock) counts as the epoch, which only makes cached entries look stale.
pub(crate) fn system_time(ms: f64) -> SystemTime {
    let ms = if ms.is_finite() && ms > 0.0 {
        // `as` saturates for floats, and the value is non-negative and finite here.
        ms as u64
    } else {
        0
    };
    SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
}

/// Milliseconds from `now` until `until`, zero when it has passed.
pub(crate) fn ms_until(until: SystemTime, now: SystemTime) -> f64 {
    until
        .duration_since(now)
        .map_or(0.0, |d| d.as_millis() as f64)
}

/// `ms` since the Unix epoch as ISO-8601 UTC with milliseconds, like JavaScript's
/// `Date.prototype.toISOString` (`2026-12-01T12:40:04.123Z`), for years 0000 to 9999.
pub(crate) fn iso_8601(ms: u64) -> String {
    let secs = ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_matches_javascript() {
        // Values checked against `new Date(ms).toISOString()` in Node 20.
        assert_eq!(iso_8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_8601(1_795_932_000_003), "2026-11-29T06:00:00.003Z");
        assert_eq!(iso_8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso_8601(4_107_542_399_999), "2100-02-28T23:59:59.999Z");
        assert_eq!(iso_8601(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn clock_readings_are_clamped() {
        assert_eq!(system_time(f64::NAN), SystemTime::UNIX_EPOCH);
        assert_eq!(system_time(-5.0), SystemTime::UNIX_EPOCH);
        assert_eq!(
            system_time(1_500.9),
            SystemTime::UNIX_EPOCH + Duration::from_millis(1500)
        );
        let t = system_time(10_000.0);
        assert_eq!(ms_until(system_time(12_500.0), t), 2500.0);
        assert_eq!(ms_until(system_time(9_000.0), t), 0.0);
    }
}
