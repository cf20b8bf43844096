//! The `Client` options, validated: numbers from JavaScript checked into the ranges the core and
//! the transport accept.

/// Default time allowed for one HTTP call (30 s), as in the other adapters.
pub(crate) const DEFAULT_TIMEOUT_MS: u32 = 30_000;
/// Default cap on a response body (1 MiB), as in the other adapters.
pub(crate) const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// The largest timeout `setTimeout` honours (2^31 - 1 ms); a larger one fires at once.
const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// A `Client` option that is not a number in its range.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("option {field} {problem}")]
pub(crate) struct OptionError {
    /// The option's name, e.g. `timeoutMs`.
    pub(crate) field: &'static str,
    /// What is wrong.
    pub(crate) problem: String,
}

/// The numeric options of a `Client`, each `None` when not given.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct RawOptions {
    pub(crate) timeout_ms: Option<f64>,
    pub(crate) max_body_bytes: Option<f64>,
    pub(crate) max_retries: Option<f64>,
    pub(crate) deadline_ms: Option<f64>,
}

/// Validated options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Time allowed for one HTTP call, headers and whole body.
    pub(crate) timeout_ms: u32,
    /// Largest response body accepted.
    pub(crate) max_body_bytes: usize,
    /// Retries after the first attempt; `None` keeps the core's default.
    pub(crate) max_retries: Option<u32>,
    /// Total time of one resolve or health check; `None` keeps the core's default.
    pub(crate) deadline_ms: Option<u32>,
}

impl Settings {
    /// Checks every option; the first bad one is reported.
    pub(crate) fn from_raw(raw: RawOptions) -> Result<Settings, OptionError> {
        let timeout_ms = whole("timeoutMs", raw.timeout_ms, 1.0, MAX_TIMER_MS)?
            .map_or(DEFAULT_TIMEOUT_MS, |v| v as u32);
        let max_body_bytes = whole("maxBodyBytes", raw.max_body_bytes, 1.0, 1_073_741_824.0)?
            .map_or(DEFAULT_MAX_BODY_BYTES, |v| v as usize);
        let max_retries = whole("maxRetries", raw.max_retries, 0.0, 100.0)?.map(|v| v as u32);
        let deadline_ms =
            whole("deadlineMs", raw.deadline_ms, 1.0, MAX_TIMER_MS)?.map(|v| v as u32);
        Ok(Settings {
            timeout_ms,
            max_body_bytes,
            max_retries,
            deadline_ms,
        })
    }
}

/// `value` if it is a whole number in `min..=max` (so the `as` casts above are exact).
fn whole(
    field: &'static str,
    value: Option<f64>,
    min: f64,
    max: f64,
) -> Result<Option<f64>, OptionError> {
    match value {
        None => Ok(None),
        Some(v) if v.is_finite() && v.fract() == 0.0 && (min..=max).contains(&v) => Ok(Some(v)),
        Some(_) => Err(OptionError {
            field,
            problem: format!("must be a whole number from {min} to {max}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_nothing_is_given() {
        let s = Settings::from_raw(RawOptions::default()).unwrap();
        assert_eq!(s.timeout_ms, 30_000);
        assert_eq!(s.max_body_bytes, 1024 * 1024);
        assert_eq!((s.max_retries, s.deadline_ms), (None, None));
    }

    #[test]
    fn values_are_taken_when_in_range() {
        let s = Settings::from_raw(RawOptions {
            timeout_ms: Some(250.0),
            max_body_bytes: Some(4096.0),
            max_retries: Some(0.0),
            deadline_ms: Some(2000.0),
        })
        .unwrap();
        assert_eq!(
            s,
            Settings {
                timeout_ms: 250,
                max_body_bytes: 4096,
                max_retries: Some(0),
                deadline_ms: Some(2000)
            }
        );
    }

    #[test]
    fn out_of_range_or_fractional_values_are_refused() {
        for (raw, field) in [
            (
                RawOptions {
                    timeout_ms: Some(0.0),
                    ..RawOptions::default()
                },
                "timeoutMs",
            ),
            (
                RawOptions {
                    timeout_ms: Some(f64::NAN),
                    ..RawOptions::default()
                },
                "timeoutMs",
            ),
            (
                RawOptions {
                    timeout_ms: Some(3e9),
                    ..RawOptions::default()
                },
                "timeoutMs",
            ),
            (
                RawOptions {
                    max_body_bytes: Some(1.5),
                    ..RawOptions::default()
                },
                "maxBodyBytes",
            ),
            (
                RawOptions {
                    max_retries: Some(-1.0),
                    ..RawOptions::default()
                },
                "maxRetries",
            ),
            (
                RawOptions {
                    deadline_ms: Some(f64::INFINITY),
                    ..RawOptions::default()
                },
                "deadlineMs",
            ),
        ] {
            let err = Settings::from_raw(raw).unwrap_err();
            assert_eq!(err.field, field);
            assert!(
                err.to_string()
                    .starts_with(&format!("option {field} must be")),
                "{err}"
            );
        }
    }
}
