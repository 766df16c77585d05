//! The passthrough of the provider endpoints the gateway does not translate (files,
//! batches, images, …), against `aigw-mock`: the provider's key upstream and the client's
//! bytes unchanged both ways, a body over its class's limit cut and answered 413, the key's
//! model list and request limits applied, and every rejection before a handler — unknown
//! path, wrong method, a path that is not UTF-8 — in the client's own shape.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const CLIENT: &str = "aigw-client-key-0123";
const OA_KEY: &str = "sk-test-openai-0123456789";

fn config(mock: &str, extra: &str) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:0"
client_key_env = ["CLIENT_KEY"]

[providers.oa]
kind = "openai"
base_url = "{mock}/v1"
key_env = "OA_KEY"

[providers.an]
kind = "anthropic"
base_url = "{mock}/v1"
key_env = "AN_KEY"

[providers.ge]
kind = "gemini"
base_url = "{mock}/v1beta"
key_env = "GE_KEY"

[[routes]]
model = "gpt-image-1"
targets = ["oa/gpt-image-1"]

[passthrough]
max_upload_bytes = 1048576
{extra}
"#
    )
}

#[tokio::test]
async fn a_streamed_upload_reaches_the_provider_with_its_key_byte_for_byte() {
    let Some(corpus) = corpus("passthrough upload") else {
        return;
    };
    let mock = mock(&corpus, false).await;
    let gateway = Gateway::start(&config(&mock.url(), "")).await;
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(7_001).map(|c| Ok(c.to_vec())).collect();
    let response = http()
        .post(format!("{}/v1/files", gateway.url))
        .bearer_auth(CLIENT)
        .header("content-type", "multipart/form-data; boundary=b")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-aigw-route"], "oa/-");
    let answer = response.bytes().await.unwrap();
    let got = mock.requests().last().unwrap().clone();
    assert_eq!(got.path, "/v1/files");
    assert_eq!(
        got.header("authorization"),
        Some(&*format!("Bearer {OA_KEY}"))
    );
    assert!(got.headers.iter().all(|(_, v)| !v.contains(CLIENT)));
    assert_eq!(got.body.len(), body.len());
    assert!(got.body == body, "the upstream got other bytes");
    let direct = http()
        .post(format!("{}/v1/files", mock.url()))
        .body(body)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        answer, direct,
        "the client got other bytes than the mock sent"
    );
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_413_before_it_is_read_whole() {
    let Some(corpus) = corpus("passthrough 413") else {
        return;
    };
    let mock = mock(&corpus, false).await;
    let gateway = Gateway::start(&config(&mock.url(), "")).await;
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    // 64 MiB offered in 256 KiB chunks, no length declared; the limit is 1 MiB.
    let stream = futures_util::stream::iter(0..256).map(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
        Ok::<_, std::io::Error>(vec![b'x'; 256 * 1024])
    });
    let response = http()
        .post(format!("{}/v1/files", gateway.url))
        .bearer_auth(CLIENT)
        .header("content-type", "multipart/form-data; boundary=b")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    let pulled = pulled.load(Ordering::Relaxed);
    // The gateway answers as soon as the limit is passed and closes the connection: the
    // client either reads the 413 or sees its send cut; either way it was not read whole.
    if let Ok(response) = response {
        assert_eq!(response.status(), 413);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "request_too_large", "{body}");
    }
    assert!(
        (5..64).contains(&pulled),
        "{pulled} chunks of 256 KiB were read (the limit is 4 of them)"
    );
    let declared = http()
        .post(format!("{}/v1/files", gateway.url))
        .bearer_auth(CLIENT)
        .header("content-length", "2000000")
        .body(vec![0u8; 2_000_000])
        .send()
        .await;
    if let Ok(r) = declared {
        assert_eq!(r.status(), 413);
    }
}

use futures_util::StreamExt;

#[tokio::test]
async fn a_key_limited_to_a_model_keeps_to_it_and_to_its_request_limit() {
    let Some(corpus) = corpus("passthrough key limits") else {
        return;
    };
    let mock = mock(&corpus, false).await;
    let extra = r#"
[[keys]]
name = "images-only"
secret_env = "CLIENT_KEY"
models = ["gpt-image-1"]
limits = { rpm = 2 }
"#;
    let config = config(&mock.url(), "").replace("client_key_env = [\"CLIENT_KEY\"]", "") + extra;
    let gateway = Gateway::start(&config).await;
    let (status, body, _) = send_read(
        http()
            .get(format!("{}/v1/files", gateway.url))
            .bearer_auth(CLIENT),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "model_not_allowed");
    let image = || {
        http()
            .post(format!("{}/v1/images/generations", gateway.url))
            .bearer_auth(CLIENT)
            .json(&serde_json::json!({"model": "gpt-image-1", "prompt": "a square"}))
    };
    for _ in 0..2 {
        let (status, body, headers) = send_read(image()).await;
        assert_eq!(status, 200, "{body}");
        assert!(headers.contains_key("x-ratelimit-remaining-requests"));
    }
    let (status, body, headers) = send_read(image()).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "rate_limit_exceeded");
    assert!(headers.contains_key("retry-after"));
    let sent = mock.requests();
    assert_eq!(sent.len(), 2, "refused requests went upstream");
}

/// What a client protocol's error body looks like.
fn shape_of(body: &Value) -> &'static str {
    if body["type"] == "error" && body["error"]["type"].is_string() {
        "anthropic"
    } else if body["error"]["status"].is_string() && body["error"]["code"].is_number() {
        "gemini"
    } else if body["error"]["message"].is_string() && body["error"].get("type").is_some() {
        "openai"
    } else {
        "none"
    }
}

#[tokio::test]
async fn every_rejection_before_a_handler_is_in_the_clients_shape() {
    let Some(corpus) = corpus("passthrough rejections") else {
        return;
    };
    let mock = mock(&corpus, false).await;
    let gateway = Gateway::start(&config(&mock.url(), "")).await;
    let anthropic = [("x-api-key", CLIENT), ("anthropic-version", "2023-06-01")];
    let gemini = [("x-goog-api-key", CLIENT)];
    let openai_auth = format!("Bearer {CLIENT}");
    let openai = [("authorization", openai_auth.as_str())];
    /// Method, path, headers, the status and error shape expected.
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        ("GET", "/v1/no/such/endpoint", &openai, 404, "openai"),
        ("PUT", "/v1/files", &openai, 405, "openai"),
        ("GET", "/v1/chat/completions/a/b/c", &openai, 404, "openai"),
        ("PATCH", "/v1/chat/completions", &openai, 405, "openai"),
        ("DELETE", "/v1/embeddings", &openai, 405, "openai"),
        ("POST", "/v1/models", &openai, 405, "openai"),
        ("PUT", "/healthz", &openai, 405, "openai"),
        (
            "GET",
            "/openai/deployments/d/chat/completions",
            &openai,
            405,
            "openai",
        ),
        (
            "POST",
            "/openai/deployments/%FF%FE/chat/completions",
            &openai,
            400,
            "openai",
        ),
        ("GET", "/v1/nothing", &anthropic, 404, "anthropic"),
        ("DELETE", "/v1/messages", &anthropic, 405, "anthropic"),
        ("PUT", "/v1/messages/batches", &anthropic, 405, "anthropic"),
        ("GET", "/v1beta/nothing/here", &gemini, 404, "gemini"),
        (
            "POST",
            "/v1beta/models/%FF%FE:generateContent",
            &gemini,
            400,
            "gemini",
        ),
        (
            "POST",
            "/v1/models/%C3%28:embedContent",
            &gemini,
            400,
            "gemini",
        ),
        (
            "PUT",
            "/v1beta/models/m:generateContent",
            &gemini,
            405,
            "gemini",
        ),
        ("POST", "/v1beta/models/no-action", &gemini, 404, "gemini"),
        ("GET", "/upload/v1beta/files", &gemini, 405, "gemini"),
        // Upload bytes without a key, for an upload the gateway never started.
        (
            "POST",
            "/upload/v1beta/files?upload_id=never-handed-out",
            &[],
            401,
            "gemini",
        ),
    ];
    for (method, path, headers, status, shape) in cases {
        let mut request = http().request(method.parse().unwrap(), format!("{}{path}", gateway.url));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let got = response.status().as_u16();
        let text = response.text().await.unwrap();
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}: {got} not JSON: {text:?}"));
        assert_eq!(got, status, "{method} {path}: {body}");
        assert_eq!(shape_of(&body), shape, "{method} {path}: {body}");
    }
    assert!(
        mock.requests().is_empty(),
        "a rejected request went upstream"
    );
}

/// Random bad requests (a fixed seed): whatever the method, path and key, the answer is
/// a JSON error body in some client's shape, never axum's plain text or an empty 405.
#[tokio::test]
async fn random_bad_requests_get_json_errors() {
    let Some(corpus) = corpus("passthrough random requests") else {
        return;
    };
    let mock = mock(&corpus, false).await;
    let gateway = Gateway::start(&config(&mock.url(), "")).await;
    const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    const SEGMENTS: &[&str] = &[
        "v1",
        "v1beta",
        "upload",
        "models",
        "files",
        "batches",
        "openai",
        "deployments",
        "messages",
        "%FF",
        "%C3%28",
        "..",
        "",
        "x:embedContent",
        "m:generateContent",
        "chat",
        "completions",
        "responses",
        "%2F",
        "a%00b",
        "cachedContents",
        "healthz",
    ];
    let openai_auth = format!("Bearer {CLIENT}");
    let keys: [&[(&str, &str)]; 4] = [
        &[],
        &[("authorization", openai_auth.as_str())],
        &[("x-api-key", CLIENT), ("anthropic-version", "2023-06-01")],
        &[("x-goog-api-key", CLIENT)],
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut errors = 0;
    for _ in 0..300 {
        let method = METHODS[next(METHODS.len())];
        let depth = 1 + next(5);
        let path: Vec<&str> = (0..depth).map(|_| SEGMENTS[next(SEGMENTS.len())]).collect();
        let path = format!("/{}", path.join("/"));
        if path == "/healthz" {
            continue;
        }
        let mut request = http().request(method.parse().unwrap(), format!("{}{path}", gateway.url));
        for (name, value) in keys[next(keys.len())] {
            request = request.header(*name, *value);
        }
        let response = request.body("{not json").send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        if status < 400 {
            continue; // a request the mock answered (e.g. a file listing)
        }
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}: {status} not JSON: {text:?}"));
        assert_ne!(shape_of(&body), "none", "{method} {path}: {status} {body}");
        errors += 1;
    }
    assert!(
        errors > 250,
        "only {errors} of 300 random requests were refused"
    );
}
