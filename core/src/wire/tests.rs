//! Unit tests of `wire`.
use super::*;

#[test]
fn flattens_multierrors() {
    assert_eq!(
        flatten_errors(&["1 error occurred:\n\t* permission denied\n\n".into()]),
        "permission denied"
    );
    assert_eq!(
        flatten_errors(&[
            "2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n".into()
        ]),
        "permission denied; invalid token"
    );
    assert_eq!(
        flatten_errors(&["invalid role or secret ID".into()]),
        "invalid role or secret ID"
    );
    assert_eq!(flatten_errors(&[]), "");
}

#[test]
fn reads_both_error_shapes() {
    assert_eq!(
        error_strings(br#"{"errors":["a"]}"#),
        Some(vec!["a".to_string()])
    );
    assert_eq!(
        error_strings(br#"{"error":"b"}"#),
        Some(vec!["b".to_string()])
    );
    assert_eq!(error_strings(br#"{"errors":[]}"#), Some(vec![]));
    assert_eq!(error_strings(b"<html>"), None);
}

#[test]
fn lease_rules() {
    let v = |s: &str| serde_json::from_str::<Value>(s).unwrap();
    assert_eq!(lease_secs(Some(&v("3600")), "x"), Ok(3600));
    assert_eq!(lease_secs(None, "x"), Ok(0));
    // Anything past 10 years is taken as 10 years.
    assert_eq!(
        lease_secs(Some(&v("18446744073709551615")), "x"),
        Ok(crate::refresh::MAX_LEASE_SECS)
    );
    assert!(lease_secs(Some(&v("-1")), "x").is_err());
    assert!(lease_secs(Some(&v("1.5")), "x").is_err());
    assert!(lease_secs(Some(&v("\"60\"")), "x").is_err());
}
