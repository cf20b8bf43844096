//! Unit tests of `parse`.
use super::*;
use serde_json::json;

fn fields(value: Value) -> Vec<String> {
    let err = from_value(&value)
        .err()
        .map(|e| e.problems)
        .unwrap_or_default();
    err.into_iter().map(|p| p.field).collect()
}

#[test]
fn unknown_fields_come_last_in_document_order_and_null_is_absent() {
    let v = json!({"zeta": 1, "addr": null, "alpha": 2, "mount": "s", "authMode": "token",
                   "token": "t", "auth_mode": "x"});
    assert_eq!(fields(v), ["addr", "zeta", "alpha", "auth_mode"]);
}

#[test]
fn payload_null_is_a_wrong_value_not_an_absent_one() {
    let err = from_value(&json!({"providerType": null, "config": null})).unwrap_err();
    let messages: Vec<&str> = err.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        ["must be the string \"vault\"", "must be a JSON object"]
    );
}
