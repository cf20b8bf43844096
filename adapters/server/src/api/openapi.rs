//! `GET /api/openapi.json`: the OpenAPI 3.1 document of this API (`assets/openapi.json`),
//! embedded in the binary. CI fuzzes the running service from it (schemathesis).

use axum::http::header;
use axum::response::IntoResponse;

/// The document, as served.
pub const DOCUMENT: &str = include_str!("../../assets/openapi.json");

/// Serves [`DOCUMENT`].
pub(crate) async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_document_describes_exactly_the_routes() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap_or_default();
        assert_eq!(doc["openapi"], "3.1.0");
        let documented: BTreeSet<&str> = doc["paths"]
            .as_object()
            .map(|paths| paths.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let routed: BTreeSet<&str> = super::super::routes().iter().map(|(p, _)| *p).collect();
        assert_eq!(documented, routed);
        // Every schema reference resolves.
        let text = DOCUMENT;
        for reference in text.split("\"$ref\": \"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap_or_default();
            assert!(doc["components"]["schemas"].get(name).is_some(), "{name}");
        }
    }
}
