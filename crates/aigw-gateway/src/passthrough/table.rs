//! Which protocol a passthrough request speaks, and which of its provider's operations (the
//! tables `cargo xtask regen` generates from the pinned specs) it asks for: none → 404, only
//! with another method → 405 (with `allow`), both in the client's shape.

use crate::protocol::{GatewayError, Wire};
use aigw_wire::operations::Operation;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};

/// The operations of `wire`'s provider.
pub fn operations(wire: Wire) -> &'static [Operation] {
    match wire {
        Wire::Openai => aigw_openai::operations::OPERATIONS,
        Wire::Anthropic => aigw_anthropic::operations::OPERATIONS,
        Wire::Gemini => aigw_gemini::operations::OPERATIONS,
    }
}

/// The protocol of a request the gateway does not serve itself: Gemini by its paths
/// (`/v1beta/…`, `/upload/…`) or key (`x-goog-api-key`, `?key=`), Anthropic by
/// `anthropic-version` or `x-api-key`, else OpenAI.
pub fn wire_of(path: &str, query: Option<&str>, headers: &HeaderMap) -> Wire {
    let gemini_path = ["/v1beta/", "/v1alpha/", "/upload/", "/resumable/"]
        .iter()
        .any(|p| path.starts_with(p));
    let gemini_key = headers.contains_key("x-goog-api-key")
        || query.is_some_and(|q| q.split('&').any(|pair| pair.starts_with("key=")));
    if gemini_path || gemini_key {
        Wire::Gemini
    } else if headers.contains_key("anthropic-version") || headers.contains_key("x-api-key") {
        Wire::Anthropic
    } else {
        Wire::Openai
    }
}

/// The path as the table writes it: Gemini's API answers under `v1` too (google-genai's
/// other version), its table is `v1beta`'s.
pub fn table_path(wire: Wire, path: &str) -> String {
    if wire != Wire::Gemini {
        return path.to_owned();
    }
    for (from, to) in [
        ("/v1/", "/v1beta/"),
        ("/v1alpha/", "/v1beta/"),
        ("/upload/v1/", "/upload/v1beta/"),
        ("/upload/v1alpha/", "/upload/v1beta/"),
        // The resumable protocol's own path takes the same bytes as the simple one.
        ("/resumable/upload/", "/upload/"),
    ] {
        if let Some(rest) = path.strip_prefix(from) {
            return table_path(wire, &format!("{to}{rest}"));
        }
    }
    path.to_owned()
}

/// The operation `method` + `path` asks for. `routed`: the router knows the path (the
/// gateway serves it with another method), so a miss is 405, not 404.
pub fn find(
    wire: Wire,
    method: &Method,
    path: &str,
    routed: bool,
) -> Result<&'static Operation, GatewayError> {
    let path = table_path(wire, path);
    let matching: Vec<&'static Operation> = operations(wire)
        .iter()
        .filter(|op| op.matches(&path).is_some())
        .collect();
    if let Some(op) = matching.iter().find(|op| op.method == method.as_str()) {
        return Ok(op);
    }
    if matching.is_empty() && !routed {
        return Err(GatewayError::new(
            StatusCode::NOT_FOUND,
            format!(
                "no such endpoint: {method} {path} is not in the {} API the gateway serves",
                wire.name()
            ),
        )
        .code("unknown_url"));
    }
    let mut allowed: Vec<&str> = matching.iter().map(|op| op.method).collect();
    allowed.sort_unstable();
    allowed.dedup();
    let mut error = GatewayError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        if allowed.is_empty() {
            format!("method {method} is not allowed on {path}")
        } else {
            format!(
                "method {method} is not allowed on {path} (allowed: {})",
                allowed.join(", ")
            )
        },
    )
    .code("method_not_allowed");
    if let Ok(value) = HeaderValue::from_str(&allowed.join(", "))
        && !allowed.is_empty()
    {
        error.headers_mut().insert(header::ALLOW, value);
    }
    Err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_protocol_comes_from_path_and_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(wire_of("/v1/files", None, &h), Wire::Openai);
        assert_eq!(wire_of("/v1beta/files", None, &h), Wire::Gemini);
        assert_eq!(wire_of("/upload/v1beta/files", None, &h), Wire::Gemini);
        assert_eq!(wire_of("/v1/files", Some("key=k"), &h), Wire::Gemini);
        h.insert("anthropic-version", HeaderValue::from_static("2023-06-01"));
        assert_eq!(wire_of("/v1/files", None, &h), Wire::Anthropic);
    }

    #[test]
    fn every_protocol_has_its_uploads_and_batches() {
        let post = Method::POST;
        assert!(find(Wire::Openai, &post, "/v1/files", false).is_ok());
        assert!(find(Wire::Openai, &post, "/v1/batches/b1/cancel", false).is_ok());
        assert!(find(Wire::Anthropic, &post, "/v1/files", false).is_ok());
        assert!(
            find(
                Wire::Anthropic,
                &Method::GET,
                "/v1/messages/batches/b/results",
                false
            )
            .is_ok()
        );
        assert!(find(Wire::Gemini, &post, "/upload/v1beta/files", false).is_ok());
        assert!(find(Wire::Gemini, &post, "/v1/models/m:embedContent", false).is_ok());
        assert!(find(Wire::Gemini, &post, "/v1beta/cachedContents", false).is_ok());
    }

    #[test]
    fn unknown_paths_are_404_and_other_methods_405() {
        let e = find(Wire::Openai, &Method::GET, "/v1/no/such/thing", false).expect_err("an error");
        assert_eq!(e.status, StatusCode::NOT_FOUND);
        let e = find(Wire::Openai, &Method::PUT, "/v1/files", false).expect_err("an error");
        assert_eq!(e.status, StatusCode::METHOD_NOT_ALLOWED);
        let allow = e
            .headers
            .as_ref()
            .and_then(|h| h.get(header::ALLOW))
            .cloned();
        assert_eq!(allow, Some(HeaderValue::from_static("GET, POST")));
        let e = find(Wire::Anthropic, &Method::GET, "/v1/complete/x", true).expect_err("an error");
        assert_eq!(
            e.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "a path the router knows"
        );
    }
}
