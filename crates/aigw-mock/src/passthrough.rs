//! The provider endpoints the gateway passes through (files, uploads, batches, images,
//! audio, vector stores; Anthropic's batches and files; Gemini's resumable uploads, cached
//! contents, embeddings), answered with small synthetic bodies in each API's shape, and
//! `GET /mock/requests` (what the mock received: method, path, headers, body length) with
//! `GET /mock/requests/{index}/body` (the body's exact bytes), so that a test in another
//! process can check what arrived upstream.

use crate::server::Shared;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::sync::Arc;

/// The bytes `GET …/files/{id}/content` and `POST /v1/audio/speech` answer with: `len`
/// bytes of a fixed pattern (tests recompute it).
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// The length of [`pattern`] the download endpoints send.
pub const DOWNLOAD_LEN: usize = 300_000;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/mock/requests", get(requests))
        .route("/mock/requests/{index}/body", get(request_body))
        .route("/v1/files", post(file_create))
        .route("/v1/files/{id}/content", get(download))
        .route("/v1/batches", post(openai_batch))
        .route("/v1/batches/{id}", get(openai_batch_get))
        .route("/v1/batches/{id}/cancel", post(openai_batch_cancel))
        .route("/v1/images/generations", post(image))
        .route("/v1/audio/transcriptions", post(transcription))
        .route("/v1/audio/speech", post(speech))
        .route("/v1/vector_stores", post(vector_store))
        .route("/v1/messages/batches", post(anthropic_batch))
        .route("/v1/messages/batches/{id}", get(anthropic_batch_get))
        .route("/v1/messages/batches/{id}/results", get(anthropic_results))
        .route("/upload/v1beta/files", post(gemini_upload))
        .route("/v1beta/cachedContents", post(gemini_cache))
}

fn json(value: Value) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        value.to_string(),
    )
        .into_response()
}

async fn requests(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let from: usize = query
        .as_deref()
        .and_then(|q| q.strip_prefix("from="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let list: Vec<Value> = shared
        .recorded()
        .iter()
        .enumerate()
        .skip(from)
        .map(|(index, r)| {
            json!({"index": index, "method": r.method, "path": r.path,
                   "headers": r.headers, "body_len": r.body.len()})
        })
        .collect();
    json(Value::Array(list))
}

async fn request_body(State(shared): State<Arc<Shared>>, Path(index): Path<usize>) -> Response {
    match shared.recorded().get(index) {
        Some(r) => r.body.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn file_create(headers: HeaderMap, body: Bytes) -> Response {
    if headers.contains_key("anthropic-version") {
        return json(json!({
            "id": "file_mock_1", "type": "file", "filename": "upload.bin",
            "mime_type": "application/octet-stream", "size_bytes": body.len(),
            "created_at": "2026-01-01T00:00:00Z", "downloadable": false
        }));
    }
    json(json!({
        "id": "file-mock-1", "object": "file", "bytes": body.len(), "created_at": 1767225600,
        "filename": "upload.jsonl", "purpose": "batch", "status": "processed"
    }))
}

async fn download() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        )],
        pattern(DOWNLOAD_LEN),
    )
        .into_response()
}

fn batch(id: &str, status: &str) -> Value {
    json!({
        "id": id, "object": "batch", "endpoint": "/v1/chat/completions",
        "input_file_id": "file-mock-1", "completion_window": "24h", "status": status,
        "created_at": 1767225600, "request_counts": {"total": 2, "completed": 0, "failed": 0}
    })
}

async fn openai_batch() -> Response {
    json(batch("batch_mock_1", "validating"))
}

async fn openai_batch_get(Path(id): Path<String>) -> Response {
    json(batch(&id, "in_progress"))
}

async fn openai_batch_cancel(Path(id): Path<String>) -> Response {
    json(batch(&id, "cancelling"))
}

async fn image() -> Response {
    json(json!({
        "created": 1767225600,
        "data": [{"b64_json": "iVBORw0KGgo="}],
        "usage": {"input_tokens": 12, "output_tokens": 272, "total_tokens": 284,
                  "input_tokens_details": {"text_tokens": 12, "image_tokens": 0}}
    }))
}

async fn transcription() -> Response {
    json(json!({"text": "hello from the mock"}))
}

async fn speech() -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("audio/mpeg"))],
        pattern(DOWNLOAD_LEN),
    )
        .into_response()
}

async fn vector_store(body: Bytes) -> Response {
    let name = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("name").cloned())
        .unwrap_or(Value::Null);
    json(json!({
        "id": "vs_mock_1", "object": "vector_store", "created_at": 1767225600, "name": name,
        "usage_bytes": 0, "status": "completed",
        "file_counts": {"in_progress": 0, "completed": 0, "failed": 0, "cancelled": 0, "total": 0}
    }))
}

fn message_batch(headers: &HeaderMap, id: &str, status: &str) -> Value {
    // Anthropic's `results_url` is absolute, on the API's host: the mock's own.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    json!({
        "id": id, "type": "message_batch", "processing_status": status,
        "request_counts": {"processing": 0, "succeeded": 2, "errored": 0, "canceled": 0, "expired": 0},
        "ended_at": null, "created_at": "2026-01-01T00:00:00Z", "expires_at": "2026-01-02T00:00:00Z",
        "archived_at": null, "cancel_initiated_at": null,
        "results_url": if status == "ended" { Value::String(format!("http://{host}/v1/messages/batches/{id}/results")) } else { Value::Null }
    })
}

async fn anthropic_batch(headers: HeaderMap) -> Response {
    json(message_batch(&headers, "msgbatch_mock_1", "in_progress"))
}

async fn anthropic_batch_get(headers: HeaderMap, Path(id): Path<String>) -> Response {
    json(message_batch(&headers, &id, "ended"))
}

async fn anthropic_results(Path(id): Path<String>) -> Response {
    let line = |custom_id: &str, text: &str| {
        json!({"custom_id": custom_id, "result": {"type": "succeeded", "message": {
            "id": format!("msg_{custom_id}"), "type": "message", "role": "assistant",
            "model": "claude-sonnet-4-5", "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": {"input_tokens": 5, "output_tokens": 3}}}})
        .to_string()
    };
    let body = format!(
        "{}\n{}\n",
        line(&format!("{id}-a"), "first"),
        line(&format!("{id}-b"), "second")
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-jsonl"),
        )],
        body,
    )
        .into_response()
}

/// Gemini's resumable upload: `start` answers with the URL to send the bytes to (on the
/// mock's host); `upload, finalize` there answers with the file.
async fn gemini_upload(headers: HeaderMap, RawQuery(query): RawQuery, body: Bytes) -> Response {
    let command = headers
        .get("x-goog-upload-command")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    if command.contains("start") {
        let url = format!(
            "http://{host}/upload/v1beta/files?upload_id=mock-upload-1&upload_protocol=resumable"
        );
        let mut response = json(json!({}));
        let h = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&url) {
            h.insert("x-goog-upload-url", v);
        }
        h.insert("x-goog-upload-status", HeaderValue::from_static("active"));
        return response;
    }
    let finalize = command.contains("finalize");
    let mut response = json(json!({"file": {
        "name": "files/mock-1", "mimeType": "text/plain", "sizeBytes": body.len().to_string(),
        "createTime": "2026-01-01T00:00:00Z", "updateTime": "2026-01-01T00:00:00Z",
        "uri": format!("http://{host}/v1beta/files/mock-1"), "state": "ACTIVE", "source": "UPLOADED",
        "aigwMockQuery": query
    }}));
    response.headers_mut().insert(
        "x-goog-upload-status",
        HeaderValue::from_static(if finalize { "final" } else { "active" }),
    );
    response
}

async fn gemini_cache(body: Bytes) -> Response {
    let model = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("model").cloned())
        .unwrap_or(Value::Null);
    json(json!({
        "name": "cachedContents/mock-1", "model": model, "displayName": "mock",
        "createTime": "2026-01-01T00:00:00Z", "updateTime": "2026-01-01T00:00:00Z",
        "expireTime": "2026-01-01T01:00:00Z", "usageMetadata": {"totalTokenCount": 1234}
    }))
}

/// `models/{model}:embedContent` (the corpus has none recorded).
pub(crate) fn gemini_embed() -> Response {
    json(json!({"embedding": {"values": [0.25, -0.5, 0.125]}}))
}
