//! The upstream request of a passthrough: the client's method, path and query on the
//! provider's host, the client's headers minus hop-by-hop ones and its gateway key, the
//! provider's key in their place, the body streamed; sent within the request timeout.

use super::choose::Chosen;
use crate::protocol::{GatewayError, Wire};
use crate::upstream::ANTHROPIC_VERSION;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use std::time::Duration;

/// Request headers never forwarded: hop-by-hop (RFC 9110 § 7.6.1), the host, the client's
/// gateway key in every protocol's place, the gateway's own, and `accept-encoding` (the
/// upstream answers uncompressed, so usage can be read as the bytes pass).
const DROPPED: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "proxy-authenticate",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "authorization",
    "x-api-key",
    "x-goog-api-key",
    "api-key",
    "accept-encoding",
];

/// Response headers never passed back (hop-by-hop).
pub const DROPPED_BACK: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The provider's URL for the client's `path` and `query` (the client's key taken out of a
/// Gemini query).
/// A Gemini path goes in the version of the provider's base URL (`v1beta` by default),
/// whichever the client used: as for generation, the provider's configuration decides.
pub fn url(chosen: &Chosen, wire: Wire, path: &str, query: Option<&str>) -> String {
    let base = chosen.provider.base_url.as_str();
    let (origin, version) = match base.rsplit_once('/') {
        Some((origin, last)) if is_version(last) => (origin, Some(last)),
        _ => (base, None),
    };
    let path = match (wire, version) {
        (Wire::Gemini, Some(version)) => gemini_version(path, version),
        _ => path.to_owned(),
    };
    let query: Vec<&str> = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|pair| !pair.is_empty() && !pair.starts_with("key="))
        .collect();
    if query.is_empty() {
        format!("{origin}{path}")
    } else {
        format!("{origin}{path}?{}", query.join("&"))
    }
}

/// `path` with its version segment (the first, or the second after `upload`) `version`.
fn gemini_version(path: &str, version: &str) -> String {
    let mut segments: Vec<&str> = path.split('/').collect();
    let at = if segments.get(1) == Some(&"upload") {
        2
    } else {
        1
    };
    if segments.get(at).is_some_and(|s| is_version(s)) {
        segments[at] = version;
    }
    segments.join("/")
}

/// `v1`, `v1beta`, `v1alpha`, `v2`, …: the version segment base URLs end with.
fn is_version(segment: &str) -> bool {
    let Some(rest) = segment.strip_prefix('v') else {
        return false;
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && matches!(&rest[digits..], "" | "beta" | "alpha")
}

/// The headers sent upstream.
pub fn headers(
    chosen: &Chosen,
    wire: Wire,
    client: &HeaderMap,
    whole_body: bool,
) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::with_capacity(client.len() + 2);
    for (name, value) in client {
        let n = name.as_str();
        if DROPPED.contains(&n) || n.starts_with("x-aigw-") || (whole_body && n == "content-length")
        {
            continue;
        }
        headers.append(name.clone(), value.clone());
    }
    if let Some(key) = chosen.provider.keys.get(chosen.key) {
        key.auth.apply(&mut headers)?;
    }
    if wire == Wire::Anthropic && !headers.contains_key("anthropic-version") {
        headers.insert(
            HeaderName::from_static("anthropic-version"),
            HeaderValue::from_static(ANTHROPIC_VERSION),
        );
    }
    Ok(headers)
}

/// Sends the request; the response head (the body still to come), or the failure in the
/// client's shape.
pub async fn send(
    http: &reqwest::Client,
    chosen: &Chosen,
    method: Method,
    url: String,
    headers: HeaderMap,
    body: reqwest::Body,
    timeout: Duration,
) -> Result<reqwest::Response, GatewayError> {
    let request = http.request(method, url).headers(headers).body(body).send();
    match tokio::time::timeout(timeout, request).await {
        Err(_) => Err(GatewayError::new(
            StatusCode::GATEWAY_TIMEOUT,
            format!("{} did not answer in time", chosen.provider.name),
        )),
        Ok(Err(e)) => Err(GatewayError::new(
            StatusCode::BAD_GATEWAY,
            format!(
                "{} could not be reached: {}",
                chosen.provider.name,
                chosen.provider.redact(&error_chain(&e))
            ),
        )),
        Ok(Ok(response)) => Ok(response),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemini_paths_take_the_providers_version() {
        assert_eq!(gemini_version("/v1/files", "v1beta"), "/v1beta/files");
        assert_eq!(
            gemini_version("/upload/v1/files", "v1beta"),
            "/upload/v1beta/files"
        );
        assert_eq!(gemini_version("/other/v1/x", "v1beta"), "/other/v1/x");
    }

    #[test]
    fn versions_are_recognized() {
        for v in ["v1", "v1beta", "v1alpha", "v2"] {
            assert!(is_version(v), "{v}");
        }
        for v in ["openai", "v", "vbeta", "v1x", "api"] {
            assert!(!is_version(v), "{v}");
        }
    }
}
