//! The Gemini client against loopback mock servers (wiremock, and a raw server for broken
//! streams): success, streaming, retries, exhaustion, timeouts, bad bodies, error bodies,
//! mid-stream disconnects, model names, and a canary key that must reach the server's
//! `x-goog-api-key` header and nothing else.

use aigw_gemini::client::{Client, ContentStream};
use aigw_gemini::stream::ResponseAccumulator;
use aigw_http::testing::{
    Ending, StreamServer, assert_hidden, capture_traces, fast_retry, timeouts,
};
use aigw_http::{Error, TimeoutPhase};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CANARY: &str = "AIzaSy-canary-7f3c9e1d-do-not-log";
const GENERATE: &str = "/v1beta/models/gemini-2.0-flash:generateContent";
const STREAM_GENERATE: &str = "/v1beta/models/gemini-2.0-flash:streamGenerateContent";

fn client(base: &str) -> Client {
    Client::builder()
        .base_url(format!("{base}/v1beta"))
        .api_key(CANARY)
        .header("x-goog-api-client", "aigw-test")
        .retry(fast_retry(2))
        .timeouts(timeouts(Duration::from_secs(2), Duration::from_millis(300)))
        .build()
        .expect("client")
}

fn request() -> aigw_gemini::GenerateContentRequest {
    serde_json::from_value(json!({
        "contents": [{"role": "user", "parts": [{"text": "Say hi"}]}],
        "generationConfig": {"temperature": 1.0, "maxOutputTokens": 64}
    }))
    .expect("request")
}

fn response() -> Value {
    json!({
        "candidates": [{
            "content": {"parts": [{"text": "Hi there!"}], "role": "model"},
            "finishReason": "STOP",
            "avgLogprobs": -0.0123,
            "index": 0
        }],
        "usageMetadata": {
            "promptTokenCount": 3, "candidatesTokenCount": 3, "totalTokenCount": 6,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 3}]
        },
        "modelVersion": "gemini-2.0-flash",
        "responseId": "resp-1"
    })
}

/// What Gemini sends with `alt=sse`: `data:` lines, events separated by CRLF pairs, no
/// terminal event; the last chunk has the finish reason and the full usage.
const STREAM: &str = concat!(
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hel\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 3,\"totalTokenCount\": 3},\"modelVersion\": \"gemini-2.0-flash\",\"responseId\": \"r1\"}\r\n\r\n",
    ": keep-alive\r\n\r\n",
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"lo the\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 3,\"totalTokenCount\": 3},\"modelVersion\": \"gemini-2.0-flash\",\"responseId\": \"r1\"}\r\n\r\n",
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"re!\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 3,\"candidatesTokenCount\": 4,\"totalTokenCount\": 7,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 3}]},\"modelVersion\": \"gemini-2.0-flash\",\"responseId\": \"r1\"}\r\n\r\n",
);

fn sse(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_body_string(body)
}

async fn collect(
    stream: ContentStream,
) -> Vec<Result<aigw_gemini::GenerateContentResponse, aigw_gemini::client::Error>> {
    tokio::time::timeout(Duration::from_secs(10), stream.collect())
        .await
        .expect("the stream must end, not hang")
}

/// The URLs the server saw: none may carry the key as a query parameter.
async fn assert_no_key_param(server: &MockServer) {
    let requests = server.received_requests().await.expect("recording");
    assert!(!requests.is_empty());
    for request in requests {
        assert!(
            request.url.query_pairs().all(|(name, _)| name != "key"),
            "{}",
            request.url
        );
        assert!(!request.url.as_str().contains(CANARY), "{}", request.url);
    }
}

#[tokio::test]
async fn generate_content_success_sends_the_key_header_and_types_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GENERATE))
        .and(header("x-goog-api-key", CANARY))
        .and(header("x-goog-api-client", "aigw-test"))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(json!({
            "contents": [{"role": "user", "parts": [{"text": "Say hi"}]}],
            "generationConfig": {"temperature": 1.0}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(response()))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(&server.uri())
        .generate_content("gemini-2.0-flash", &request())
        .await
        .expect("success");
    assert_eq!(serde_json::to_value(&answer).expect("json"), response());
    let requests = server.received_requests().await.expect("recording");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.query(), None, "no query at all");
    assert!(requests[0].headers.get("authorization").is_none());
    assert_no_key_param(&server).await;
}

#[tokio::test]
async fn stream_generate_content_asks_for_sse_and_folds_into_the_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(STREAM_GENERATE))
        .and(query_param("alt", "sse"))
        .and(header("x-goog-api-key", CANARY))
        .and(body_partial_json(
            json!({"generationConfig": {"maxOutputTokens": 64}}),
        ))
        .respond_with(sse(STREAM))
        .expect(1)
        .mount(&server)
        .await;
    let stream = client(&server.uri())
        .stream_generate_content("models/gemini-2.0-flash", &request())
        .await
        .expect("stream");
    let events = collect(stream).await;
    assert_eq!(events.len(), 3, "3 chunks, the comment skipped: {events:?}");
    let mut accumulator = ResponseAccumulator::default();
    for event in &events {
        accumulator.push(event.as_ref().expect("chunk"));
    }
    let merged = serde_json::to_value(accumulator.finish().expect("response")).expect("json");
    let candidate = &merged["candidates"][0];
    assert_eq!(
        candidate["content"],
        json!({"parts": [{"text": "Hello there!"}], "role": "model"})
    );
    assert_eq!(candidate["finishReason"], "STOP");
    assert_eq!(
        merged["usageMetadata"],
        json!({"promptTokenCount": 3, "candidatesTokenCount": 4, "totalTokenCount": 7,
               "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 3}]})
    );
    assert_eq!(merged["responseId"], "r1");
    let requests = server.received_requests().await.expect("recording");
    assert_eq!(requests[0].url.query(), Some("alt=sse"));
    assert_no_key_param(&server).await;
}

#[tokio::test]
async fn a_chunk_that_is_not_a_response_ends_the_stream_with_an_event_error() {
    let server = MockServer::start().await;
    let first = STREAM
        .split_inclusive("\r\n\r\n")
        .next()
        .expect("one event");
    Mock::given(method("POST"))
        .and(path(STREAM_GENERATE))
        .respond_with(sse(&format!(
            "{first}data: [{{\"not\": \"a chunk\"}}]\r\n\r\n{first}"
        )))
        .mount(&server)
        .await;
    let events = collect(
        client(&server.uri())
            .stream_generate_content("gemini-2.0-flash", &request())
            .await
            .expect("stream"),
    )
    .await;
    assert_eq!(
        events.len(),
        2,
        "nothing is read after the error: {events:?}"
    );
    assert!(events[0].is_ok());
    assert!(
        matches!(
            &events[1],
            Err(Error::Event {
                api: "streamGenerateContent",
                ..
            })
        ),
        "{events:?}"
    );
    // An empty stream (a connection closed cleanly at once) just ends: Gemini has no
    // terminal event to miss.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(sse(""))
        .mount(&server)
        .await;
    let events = collect(
        client(&server.uri())
            .stream_generate_content("gemini-2.0-flash", &request())
            .await
            .expect("stream"),
    )
    .await;
    assert!(events.is_empty(), "{events:?}");
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(response()))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    client(&server.uri())
        .generate_content("gemini-2.0-flash", &request())
        .await
        .expect("second attempt succeeds");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the server's Retry-After was honoured"
    );
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(2));
}

#[tokio::test]
async fn server_errors_are_retried_until_the_policy_gives_up() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("x-goog-request-id", "req_503")
                .set_body_string("upstream busy"),
        )
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .generate_content("gemini-2.0-flash", &request())
        .await
        .expect_err("exhausted");
    match &err {
        Error::Api {
            status,
            attempts,
            body,
            request_id,
            ..
        } => {
            assert_eq!(status.as_u16(), 503);
            assert_eq!(*attempts, 3);
            assert_eq!(body.raw, "upstream busy");
            assert!(body.parsed.is_none(), "not the error shape: raw only");
            assert_eq!(request_id.as_deref(), Some("req_503"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(3));
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(response())
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .api_key(CANARY)
        .retry(fast_retry(2))
        .timeouts(timeouts(Duration::from_millis(200), Duration::from_secs(1)))
        .build()
        .expect("client");
    let err = client
        .generate_content("gemini-2.0-flash", &request())
        .await
        .expect_err("timeout");
    assert!(
        matches!(
            err,
            Error::Timeout {
                phase: TimeoutPhase::Request,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(1));
}

#[tokio::test]
async fn a_malformed_success_body_is_a_decode_error_with_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"candidates\": [{"))
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .generate_content("gemini-2.0-flash", &request())
        .await
        .expect_err("decode");
    assert!(
        matches!(&err, Error::Decode { body, .. } if body.starts_with("{\"candidates\"")),
        "{err:?}"
    );
}

#[tokio::test]
async fn google_error_bodies_are_parsed_and_shown() {
    let server = MockServer::start().await;
    let error = json!({"error": {
        "code": 400,
        "message": "API key not valid. Please pass a valid API key.",
        "status": "INVALID_ARGUMENT",
        "details": [{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": {"service": "generativelanguage.googleapis.com"}
        }]
    }});
    Mock::given(method("POST"))
        .and(path(GENERATE))
        .respond_with(ResponseTemplate::new(400).set_body_json(&error))
        .expect(1)
        .mount(&server)
        .await;
    // Some Google front ends wrap the same body in an array.
    let wrapped = json!([{"error": {"code": 404, "message": "models/gemini-9 is not found for API version v1beta, or is not supported for generateContent.", "status": "NOT_FOUND"}}]);
    Mock::given(method("POST"))
        .and(path("/v1beta/models/gemini-9:generateContent"))
        .respond_with(ResponseTemplate::new(404).set_body_json(&wrapped))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());

    let err = client
        .generate_content("gemini-2.0-flash", &request())
        .await
        .expect_err("400");
    let Error::Api { body, attempts, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*attempts, 1, "a 400 is not retried");
    let parsed = body.parsed.as_ref().expect("typed error body");
    assert_eq!(serde_json::to_value(parsed).expect("json"), error);
    let status = parsed.error.as_ref().expect("error");
    assert_eq!(
        status.status.as_ref().map(String::as_str),
        Some("INVALID_ARGUMENT")
    );
    assert_eq!(
        err.to_string(),
        "gemini generateContent: HTTP 400 Bad Request: API key not valid. Please pass a valid API key."
    );

    let err = client
        .generate_content("gemini-9", &request())
        .await
        .expect_err("404");
    let Error::Api { body, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        serde_json::from_str::<Value>(&body.raw).expect("raw kept"),
        wrapped
    );
    assert_eq!(
        err.to_string(),
        "gemini generateContent: HTTP 404 Not Found: models/gemini-9 is not found for API version v1beta, or is not supported for generateContent."
    );
}

#[tokio::test]
async fn a_stream_cut_mid_way_is_a_typed_error_and_a_stalled_one_times_out() {
    let first = STREAM
        .split_inclusive("\r\n\r\n")
        .next()
        .expect("one event")
        .as_bytes()
        .to_vec();
    for (ending, expect_idle) in [(Ending::Cut, false), (Ending::Stall, true)] {
        let server = StreamServer::start("text/event-stream", vec![first.clone()], ending)
            .await
            .expect("server");
        let stream = client(&server.url())
            .stream_generate_content("gemini-2.0-flash", &request())
            .await
            .expect("headers");
        let events = collect(stream).await;
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(events[0].is_ok(), "{events:?}");
        if expect_idle {
            assert!(
                matches!(
                    events[1],
                    Err(Error::Timeout {
                        phase: TimeoutPhase::Idle,
                        ..
                    })
                ),
                "{events:?}"
            );
        } else {
            assert!(matches!(events[1], Err(Error::Body { .. })), "{events:?}");
        }
    }
}

#[tokio::test]
async fn count_tokens_embeddings_models_and_raw() {
    let server = MockServer::start().await;
    let tokens =
        json!({"totalTokens": 31, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 31}]});
    Mock::given(method("POST"))
        .and(path("/v1beta/models/gemini-2.0-flash:countTokens"))
        .and(header("x-goog-api-key", CANARY))
        .and(body_partial_json(
            json!({"contents": [{"parts": [{"text": "How many tokens?"}]}]}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(&tokens))
        .expect(1)
        .mount(&server)
        .await;
    let embedding = json!({"embedding": {"values": [0.013168517, -0.00871193, -1.25e-3]}});
    Mock::given(method("POST"))
        .and(path("/v1beta/models/text-embedding-004:embedContent"))
        .and(header("x-goog-api-key", CANARY))
        .and(body_partial_json(
            json!({"model": "models/text-embedding-004", "content": {"parts": [{"text": "hi"}]}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(&embedding))
        .expect(1)
        .mount(&server)
        .await;
    let batch = json!({"embeddings": [{"values": [0.5]}, {"values": [-0.25]}]});
    Mock::given(method("POST"))
        .and(path("/v1beta/models/text-embedding-004:batchEmbedContents"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&batch))
        .expect(1)
        .mount(&server)
        .await;
    let model = json!({
        "name": "models/gemini-2.0-flash", "version": "2.0", "displayName": "Gemini 2.0 Flash",
        "description": "Gemini 2.0 Flash", "inputTokenLimit": 1048576, "outputTokenLimit": 8192,
        "supportedGenerationMethods": ["generateContent", "countTokens"],
        "temperature": 1, "topP": 0.95, "topK": 40, "maxTemperature": 2
    });
    let page = json!({"models": [model], "nextPageToken": "Cg9nZW1pbmk"});
    Mock::given(method("GET"))
        .and(path("/v1beta/models"))
        .and(query_param("pageToken", "Cg9nZW1pbmk"))
        .and(query_param("pageSize", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"models": []})))
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1beta/models"))
        .and(header("x-goog-api-key", CANARY))
        .respond_with(ResponseTemplate::new(200).set_body_json(&page))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1beta/models/gemini-2.0-flash"))
        .and(header("x-goog-api-key", CANARY))
        .respond_with(ResponseTemplate::new(200).set_body_json(&model))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(STREAM_GENERATE))
        .and(query_param("alt", "sse"))
        .respond_with(sse(STREAM))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server.uri());
    let count = serde_json::from_value(
        json!({"contents": [{"role": "user", "parts": [{"text": "How many tokens?"}]}]}),
    )
    .expect("request");
    assert_eq!(
        serde_json::to_value(
            client
                .count_tokens("gemini-2.0-flash", &count)
                .await
                .expect("count")
        )
        .expect("json"),
        tokens
    );
    let embed = serde_json::from_value(
        json!({"model": "models/text-embedding-004", "content": {"parts": [{"text": "hi"}]}}),
    )
    .expect("request");
    assert_eq!(
        serde_json::to_value(
            client
                .embed_content("models/text-embedding-004", &embed)
                .await
                .expect("embed")
        )
        .expect("json"),
        embedding
    );
    let embed_batch = serde_json::from_value(json!({"requests": [
        {"model": "models/text-embedding-004", "content": {"parts": [{"text": "a"}]}},
        {"model": "models/text-embedding-004", "content": {"parts": [{"text": "b"}]}}
    ]}))
    .expect("request");
    assert_eq!(
        serde_json::to_value(
            client
                .batch_embed_contents("text-embedding-004", &embed_batch)
                .await
                .expect("batch")
        )
        .expect("json"),
        batch
    );
    let listed = client.models().await.expect("models");
    assert_eq!(serde_json::to_value(&listed).expect("json"), page);
    let next = client
        .models_page(Some(1), listed.next_page_token.as_ref().map(String::as_str))
        .await
        .expect("next page");
    assert_eq!(
        serde_json::to_value(&next).expect("json"),
        json!({"models": []})
    );
    for name in ["gemini-2.0-flash", "models/gemini-2.0-flash"] {
        assert_eq!(
            serde_json::to_value(client.model(name).await.expect("model")).expect("json"),
            model
        );
    }
    let raw = client
        .raw(aigw_http::Method::GET, "/models", None)
        .await
        .expect("raw");
    assert_eq!(
        serde_json::from_slice::<Value>(&raw.body).expect("json"),
        page
    );
    let frames = client
        .raw_stream(
            "/models/gemini-2.0-flash:streamGenerateContent",
            &serde_json::to_value(request()).expect("json"),
        )
        .await
        .expect("raw stream");
    let frames: Vec<_> = tokio::time::timeout(Duration::from_secs(10), frames.collect::<Vec<_>>())
        .await
        .expect("ends");
    assert_eq!(frames.len(), 4, "3 events and the comment: {frames:?}");
    assert_no_key_param(&server).await;
}

#[tokio::test]
async fn model_names_are_normalized_escaped_and_checked() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GENERATE))
        .respond_with(ResponseTemplate::new(200).set_body_json(response()))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1beta/tunedModels/my-tuned-model:generateContent"))
        .respond_with(ResponseTemplate::new(200).set_body_json(response()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1beta/models/odd%20name%3F%23:generateContent"))
        .respond_with(ResponseTemplate::new(200).set_body_json(response()))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    for name in [
        "gemini-2.0-flash",
        "models/gemini-2.0-flash",
        "tunedModels/my-tuned-model",
        "odd name?#",
    ] {
        client
            .generate_content(name, &request())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for bad in [
        "",
        "models/",
        "tunedModels/",
        "google/gemini-2.0-flash",
        "models/gemini/2.0",
        "publishers/google/models/gemini-2.0-flash",
        "..",
        "models/..",
        "gemini-2.0-flash:countTokens",
    ] {
        let err = client
            .generate_content(bad, &request())
            .await
            .expect_err(bad);
        assert!(
            matches!(&err, Error::Request { api: "generateContent", reason, .. } if reason.contains("invalid model name")),
            "{bad:?}: {err:?}"
        );
        let err = client.model(bad).await.expect_err(bad);
        assert!(matches!(err, Error::Request { .. }), "{bad:?}: {err:?}");
    }
    assert_eq!(
        server.received_requests().await.map(|r| r.len()),
        Some(4),
        "nothing sent for refused names"
    );
}

#[tokio::test]
async fn the_canary_key_reaches_the_server_header_and_nothing_else() {
    let (traces, _guard) = capture_traces();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(STREAM_GENERATE))
        .and(header("x-goog-api-key", CANARY))
        .respond_with(sse(STREAM))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GENERATE))
        .and(header("x-goog-api-key", CANARY))
        .respond_with(
            // A server that echoes the rejected key back.
            ResponseTemplate::new(400).set_body_json(json!({"error": {
                "code": 400,
                "message": format!("API key not valid: {CANARY}. Please pass a valid API key."),
                "status": "INVALID_ARGUMENT"
            }})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1beta/models"))
        .and(header("x-goog-api-key", CANARY))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("{{\"echo\": \"{CANARY}")))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let stream = client
        .stream_generate_content("gemini-2.0-flash", &request())
        .await
        .expect("stream");
    let stream_debug = format!("{stream:?}");
    let events = collect(stream).await;
    assert_eq!(events.len(), 3);
    let rejected = client
        .generate_content("gemini-2.0-flash", &request())
        .await
        .expect_err("400");
    let undecodable = client.models().await.expect_err("decode");
    let unreachable = Client::builder()
        .base_url("http://127.0.0.1:9/v1beta")
        .api_key(CANARY)
        .retry(fast_retry(0))
        .build()
        .expect("client")
        .generate_content("gemini-2.0-flash", &request())
        .await
        .expect_err("nothing listens on port 9");
    assert_eq!(
        rejected.to_string(),
        "gemini generateContent: HTTP 400 Bad Request: API key not valid: [REDACTED]. Please pass a valid API key."
    );
    assert!(
        matches!(&undecodable, Error::Decode { body, .. } if body.contains("[REDACTED]")),
        "{undecodable:?}"
    );
    let urls: Vec<String> = server
        .received_requests()
        .await
        .expect("recording")
        .iter()
        .map(|r| r.url.to_string())
        .collect();
    assert_eq!(urls.len(), 3);
    assert_no_key_param(&server).await;
    assert_hidden(
        CANARY,
        &[
            ("URLs", urls.join(" ")),
            ("client Debug", format!("{client:?}")),
            ("stream Debug", stream_debug),
            ("events", format!("{events:?}")),
            ("error Display", rejected.to_string()),
            ("error Debug", format!("{rejected:?}")),
            ("decode error Display", undecodable.to_string()),
            ("decode error Debug", format!("{undecodable:?}")),
            ("connect error Display", unreachable.to_string()),
            ("connect error Debug", format!("{unreachable:?}")),
            ("traces", traces.text()),
        ],
    );
    let logged = traces.text();
    assert!(
        logged.contains("aigw.request")
            && logged.contains("provider=\"gemini\"")
            && logged.contains("model=\"gemini-2.0-flash\"")
            && logged.contains("status=400"),
        "{logged}"
    );
}
