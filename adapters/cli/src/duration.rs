//! Durations on the command line: humantime (`30s`, `2m`, `1h 30m`, `500ms`) or plain seconds
//! (`5`, `0.5`), the same for every flag that takes one.

use std::time::Duration;

/// Longest duration any flag accepts.
const MAX: Duration = Duration::from_secs(365 * 24 * 3600);

/// What a duration flag accepts, for help texts and errors.
pub(crate) const ACCEPTED: &str = "a duration like 30s, 2m, 1h30m or 500ms, or plain seconds";

/// Parses a positive duration of at most a year: humantime (`30s`, `2m`, `1h 30m`, `500ms`) or a
/// number of seconds (fractions allowed).
///
/// clap puts the flag's name in front of the message (`invalid value '5x' for '--timeout
/// <DURATION>': …`), so the message itself only says what is wrong with the text.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let duration = match trimmed.parse::<f64>() {
        Ok(secs) if !secs.is_finite() => return Err(format!("{text:?} is not {ACCEPTED}")),
        Ok(secs) if secs <= 0.0 => return Err(format!("{text:?} must be positive")),
        Ok(secs) if secs > MAX.as_secs_f64() => {
            return Err(format!("{text:?} is more than a year"));
        }
        Ok(secs) => Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())?,
        Err(_) => humantime::parse_duration(trimmed)
            .map_err(|e| format!("{text:?} is not {ACCEPTED} ({e})"))?,
    };
    if duration.is_zero() {
        return Err(format!("{text:?} must be positive"));
    }
    if duration > MAX {
        return Err(format!("{text:?} is more than a year"));
    }
    Ok(duration)
}

/// A duration as humantime text (`1h`, `2s`, `1m 30s`), as the flags accept it back.
#[cfg(feature = "dev")]
pub(crate) fn show(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

/// Parses a positive number of seconds (fractions allowed, at most one year).
pub(crate) fn parse_seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !secs.is_finite() || secs <= 0.0 {
        return Err(format!("{text:?} must be a positive number of seconds"));
    }
    if secs > 365.0 * 24.0 * 3600.0 {
        return Err(format!("{text:?} is more than a year"));
    }
    Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_seconds_and_humantime() {
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration(" 30s "), Ok(Duration::from_secs(30)));
    }

    #[test]
    fn refusals_say_why() {
        for bad in [
            "0", "0s", "-1", "nan", "inf", "five", "5x", "", "400d", "31536001",
        ] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{bad}: {err}");
        }
        assert!(parse_duration("five").unwrap_err().contains("30s"));
    }

    #[test]
    #[cfg(feature = "dev")]
    fn shown_durations_parse_back() {
        for d in [
            Duration::from_secs(3600),
            Duration::from_secs(90),
            Duration::from_millis(1500),
        ] {
            assert_eq!(parse_duration(&show(d)), Ok(d), "{}", show(d));
        }
    }

    #[test]
    fn seconds_parse() {
        assert_eq!(parse_seconds("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_seconds("0.5"), Ok(Duration::from_millis(500)));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("nan").is_err());
        assert!(parse_seconds("five").is_err());
    }
}
