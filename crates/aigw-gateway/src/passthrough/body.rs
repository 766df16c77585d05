//! The request body of a passthrough: within its path class's limit (a declared length over
//! it is 413 before a byte is read; a chunked one is cut when it passes the limit and
//! answered 413), streamed to the upstream as it arrives — except a JSON body that names
//! the model, which is read whole (within the JSON limit) to route by it.

use crate::protocol::GatewayError;
use aigw_wire::operations::{ModelAt, Operation};
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The body as it goes upstream.
pub enum Outgoing {
    /// Read whole (a JSON body naming its model).
    Whole(Bytes),
    /// Streamed as the client sends it; `exceeded` is set if it passed the limit.
    Stream {
        body: Body,
        limit: u64,
        exceeded: Arc<AtomicBool>,
    },
}

/// 413 in the client's shape (the connection closes: the rest of the body is not read).
pub fn too_large(limit: u64) -> GatewayError {
    GatewayError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("request body larger than the gateway's limit of {limit} bytes for this endpoint"),
    )
    .code("request_too_large")
    .closing()
}

/// Checks the declared length and, for a JSON body naming its model, reads it: the body
/// and the model it names.
pub async fn take(
    op: &Operation,
    limit: u64,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Outgoing, Option<String>), GatewayError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    if op.model != ModelAt::Body {
        let exceeded = Arc::new(AtomicBool::new(false));
        return Ok((
            Outgoing::Stream {
                body,
                limit,
                exceeded,
            },
            None,
        ));
    }
    let raw = axum::body::to_bytes(body, usize::try_from(limit).unwrap_or(usize::MAX))
        .await
        .map_err(|e| {
            let length_limit = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if length_limit {
                too_large(limit)
            } else {
                GatewayError::bad_request(format!("cannot read the request body: {e}"))
            }
        })?;
    // Not JSON or no model: sent as it is (the upstream answers for it).
    let model = serde_json::from_slice::<Value>(&raw)
        .ok()
        .and_then(|v| v.get("model")?.as_str().map(str::to_owned))
        .filter(|m| !m.is_empty());
    Ok((Outgoing::Whole(raw), model))
}

/// `raw` with its `model` set to `model` (unchanged bytes when it already is: numbers and
/// key order are kept either way).
pub fn with_model(raw: Bytes, model: &str) -> Bytes {
    let Ok(mut value) = serde_json::from_slice::<Value>(&raw) else {
        return raw;
    };
    let name = |m: &str| m.strip_prefix("models/").unwrap_or(m).to_owned();
    match value.get("model").and_then(Value::as_str) {
        Some(current) if name(current) == name(model) => raw,
        Some(current) => {
            // Gemini writes `models/NAME`: keep the client's form.
            let new = if current.starts_with("models/") && !model.starts_with("models/") {
                format!("models/{model}")
            } else {
                model.to_owned()
            };
            value["model"] = Value::String(new);
            serde_json::to_vec(&value).map_or(raw, Bytes::from)
        }
        None => raw,
    }
}

impl Outgoing {
    /// The reqwest body: bytes, or the client's stream cut at the limit.
    pub fn into_reqwest(self) -> reqwest::Body {
        match self {
            Outgoing::Whole(bytes) => reqwest::Body::from(bytes),
            Outgoing::Stream {
                body,
                limit,
                exceeded,
            } => {
                let mut seen: u64 = 0;
                let stream = body.into_data_stream().map(move |chunk| {
                    let chunk = chunk.map_err(std::io::Error::other)?;
                    seen += chunk.len() as u64;
                    if seen > limit {
                        exceeded.store(true, Ordering::Relaxed);
                        return Err(std::io::Error::other("request body over the limit"));
                    }
                    Ok(chunk)
                });
                reqwest::Body::wrap_stream(stream)
            }
        }
    }

    /// Whether a streamed body passed its limit.
    pub fn exceeded(&self) -> Option<Arc<AtomicBool>> {
        match self {
            Outgoing::Stream { exceeded, .. } => Some(exceeded.clone()),
            Outgoing::Whole(_) => None,
        }
    }
}

/// The client's path with the path model (the variable `name` of `op`) replaced by
/// `model`; `table_path` is the path as the table writes it.
pub fn path_with_model(op: &Operation, path: &str, table_path: &str, model: &str) -> String {
    let ModelAt::Path(name) = op.model else {
        return path.to_owned();
    };
    let var = format!("{{{name}}}");
    let Some(index) = op.path.split('/').position(|s| s.contains(&var)) else {
        return path.to_owned();
    };
    let template = op.path.split('/').nth(index).unwrap_or_default();
    let (prefix, suffix) = template.split_once(&var).unwrap_or_default();
    let offset = path.split('/').count() as isize - table_path.split('/').count() as isize;
    let Ok(at) = usize::try_from(index as isize + offset) else {
        return path.to_owned();
    };
    path.split('/')
        .enumerate()
        .map(|(i, s)| {
            if i == at {
                format!("{prefix}{}{suffix}", aigw_http::segment(model))
            } else {
                s.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aigw_wire::operations::BodyKind;

    #[test]
    fn the_path_model_is_replaced_in_its_segment() {
        let op = Operation {
            method: "POST",
            path: "/v1beta/models/{modelsId}:embedContent",
            streams: false,
            body: BodyKind::Json,
            model: ModelAt::Path("modelsId"),
        };
        assert_eq!(
            path_with_model(
                &op,
                "/v1/models/alias:embedContent",
                "/v1beta/models/alias:embedContent",
                "text-embedding-004"
            ),
            "/v1/models/text-embedding-004:embedContent"
        );
    }

    #[test]
    fn a_body_keeps_its_bytes_when_the_model_is_the_same() {
        let raw = Bytes::from_static(br#"{ "model":"m",  "n":1.0 }"#);
        assert_eq!(with_model(raw.clone(), "m"), raw);
        let raw = Bytes::from_static(br#"{"model":"models/a","n":1.0}"#);
        assert_eq!(
            with_model(raw, "b"),
            Bytes::from_static(br#"{"model":"models/b","n":1.0}"#)
        );
    }
}
