//! The OpenAI client against loopback mock servers (wiremock, and a raw server for broken
//! streams): success, streaming, retries, exhaustion, timeouts, bad bodies, error bodies,
//! mid-stream disconnects, and a canary key that must reach the server and nothing else.

use aigw_http::testing::{
    Ending, StreamServer, assert_hidden, capture_traces, fast_retry, timeouts,
};
use aigw_http::{Error, TimeoutPhase};
use aigw_openai::client::{ChatStream, Client};
use aigw_openai::stream::{ChatAccumulator, ChatStreamEvent};
use aigw_wire::Json;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CANARY: &str = "sk-canary-7f3c9e1d-do-not-log";

fn client(base: &str) -> Client {
    Client::builder()
        .base_url(format!("{base}/v1"))
        .api_key(CANARY)
        .organization("org-1")
        .retry(fast_retry(2))
        .timeouts(timeouts(Duration::from_secs(2), Duration::from_millis(300)))
        .build()
        .expect("client")
}

fn chat_request() -> aigw_openai::CreateChatCompletionRequest {
    Json::from_json_value(&json!({
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Say hi"}],
        "temperature": 1.0
    }))
    .expect("request")
}

fn completion() -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": null,
                     "message": {"role": "assistant", "content": "Hi!", "refusal": null}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    })
}

const STREAM: &str = concat!(
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n",
    ": keep-alive\n\n",
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n",
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}\n\n",
    "data: [DONE]\n\n",
);

fn sse(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_body_string(body)
}

async fn collect(stream: ChatStream) -> Vec<Result<ChatStreamEvent, aigw_openai::client::Error>> {
    tokio::time::timeout(Duration::from_secs(10), stream.collect())
        .await
        .expect("the stream must end, not hang")
}

#[tokio::test]
async fn chat_success_sends_the_body_and_headers_and_types_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {CANARY}").as_str()))
        .and(header("openai-organization", "org-1"))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(
            json!({"model": "gpt-4o-mini", "temperature": 1.0}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(&server.uri())
        .chat(&chat_request())
        .await
        .expect("success");
    assert_eq!(Json::to_json_value(&answer).expect("json"), completion());
    // `stream: true` on the plain method is a clear error, not an unparseable stream.
    let mut streaming = Json::to_json_value(&chat_request()).expect("json");
    streaming["stream"] = json!(true);
    let err = client(&server.uri())
        .chat(&Json::from_json_value(&streaming).expect("request"))
        .await
        .expect_err("stream flag");
    assert!(err.to_string().contains("use chat_stream"), "{err}");
}

#[tokio::test]
async fn chat_stream_asks_for_usage_and_folds_into_the_completion() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_partial_json(
            json!({"stream": true, "stream_options": {"include_usage": true}}),
        ))
        .respond_with(sse(STREAM))
        .expect(1)
        .mount(&server)
        .await;
    let stream = client(&server.uri())
        .chat_stream(&chat_request())
        .await
        .expect("stream");
    let events = collect(stream).await;
    assert_eq!(events.len(), 4, "3 chunks + [DONE], the comment skipped");
    assert!(matches!(events.last(), Some(Ok(ChatStreamEvent::Done))));
    let mut accumulator = ChatAccumulator::default();
    for event in &events {
        accumulator
            .push(event.as_ref().expect("event"))
            .expect("fold");
    }
    let completion = Json::to_json_value(&accumulator.finish().expect("completion")).expect("json");
    assert_eq!(completion["choices"][0]["message"]["content"], "Hello");
    assert_eq!(completion["usage"]["total_tokens"], 5);
}

#[tokio::test]
async fn a_stream_that_closes_before_done_is_incomplete() {
    let server = MockServer::start().await;
    let cut = STREAM.replace("data: [DONE]\n\n", "");
    Mock::given(method("POST"))
        .respond_with(sse(&cut))
        .mount(&server)
        .await;
    let events = collect(
        client(&server.uri())
            .chat_stream(&chat_request())
            .await
            .expect("stream"),
    )
    .await;
    assert_eq!(events.len(), 4);
    assert!(
        matches!(
            events.last(),
            Some(Err(Error::Incomplete {
                expected: "data: [DONE]",
                ..
            }))
        ),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after-ms", "150")
                .set_body_json(json!({"error": {"message": "slow down", "type": "rate_limit"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    client(&server.uri())
        .chat(&chat_request())
        .await
        .expect("second attempt succeeds");
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "the server's retry-after-ms was honoured"
    );
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(2));
}

#[tokio::test]
async fn server_errors_are_retried_until_the_policy_gives_up() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("x-request-id", "req_503")
                .set_body_string("upstream busy"),
        )
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .chat(&chat_request())
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
                .set_body_json(completion())
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
    let err = client.chat(&chat_request()).await.expect_err("timeout");
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
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"id\": \"chatcmpl-1\", "))
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .chat(&chat_request())
        .await
        .expect_err("decode");
    assert!(
        matches!(&err, Error::Decode { body, .. } if body.starts_with("{\"id\"")),
        "{err:?}"
    );
}

#[tokio::test]
async fn error_bodies_are_parsed_into_the_spec_type_with_the_request_id() {
    let server = MockServer::start().await;
    let body = json!({"error": {"message": "Invalid model 'gpt-9'", "type": "invalid_request_error", "param": "model", "code": "model_not_found"}});
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("x-request-id", "req_42")
                .set_body_json(&body),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .chat(&chat_request())
        .await
        .expect_err("404");
    let Error::Api {
        body: error_body, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    let parsed = error_body.parsed.as_ref().expect("typed error body");
    assert_eq!(serde_json::to_value(parsed).expect("json"), body);
    assert_eq!(err.request_id(), Some("req_42"));
    assert_eq!(
        err.to_string(),
        "openai chat.completions: HTTP 404 Not Found (request id req_42): Invalid model 'gpt-9'"
    );
}

#[tokio::test]
async fn a_stream_cut_mid_way_is_a_typed_error_and_a_stalled_one_times_out() {
    let first = STREAM
        .split_inclusive("\n\n")
        .next()
        .expect("one event")
        .as_bytes()
        .to_vec();
    for (ending, expect_idle) in [(Ending::Cut, false), (Ending::Stall, true)] {
        let server = StreamServer::start("text/event-stream", vec![first.clone()], ending)
            .await
            .expect("server");
        let stream = client(&server.url())
            .chat_stream(&chat_request())
            .await
            .expect("headers");
        let events = collect(stream).await;
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(matches!(events[0], Ok(ChatStreamEvent::Chunk(_))));
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
async fn responses_retrieve_cancel_embeddings_models_and_raw() {
    let server = MockServer::start().await;
    let response = json!({"id": "resp_1", "object": "response", "created_at": 1, "status": "cancelled", "model": "gpt-4o", "output": [], "tools": [], "parallel_tool_calls": true, "tool_choice": "auto", "error": null, "incomplete_details": null, "instructions": null, "metadata": {}, "temperature": null, "top_p": null});
    Mock::given(method("GET"))
        .and(path("/v1/responses/resp_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&response))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/responses/resp_1/cancel"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&response))
        .expect(1)
        .mount(&server)
        .await;
    let embeddings = json!({"object": "list", "model": "text-embedding-3-small", "data": [{"object": "embedding", "index": 0, "embedding": [0.5, -1.25e-3]}], "usage": {"prompt_tokens": 1, "total_tokens": 1}});
    Mock::given(method("POST"))
        .and(path("/v1/embeddings"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&embeddings))
        .expect(1)
        .mount(&server)
        .await;
    let models = json!({"object": "list", "data": [{"id": "gpt-4o", "object": "model", "created": 1, "owned_by": "openai"}]});
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&models))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models/ft:gpt-4o:acme::x%2Fy"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&models["data"][0]))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server.uri());
    assert_eq!(
        Json::to_json_value(&client.retrieve_response("resp_1").await.expect("retrieve"))
            .expect("json"),
        response
    );
    assert_eq!(
        Json::to_json_value(&client.cancel_response("resp_1").await.expect("cancel"))
            .expect("json"),
        response
    );
    let request = serde_json::from_value(json!({"model": "text-embedding-3-small", "input": "hi"}))
        .expect("request");
    assert_eq!(
        serde_json::to_value(client.embeddings(&request).await.expect("embeddings")).expect("json"),
        embeddings
    );
    assert_eq!(
        serde_json::to_value(client.models().await.expect("models")).expect("json"),
        models
    );
    assert_eq!(
        serde_json::to_value(client.model("ft:gpt-4o:acme::x/y").await.expect("model"))
            .expect("json"),
        models["data"][0]
    );
    let raw = client
        .raw(aigw_http::Method::GET, "/models", None)
        .await
        .expect("raw");
    assert_eq!(
        serde_json::from_slice::<Value>(&raw.body).expect("json"),
        models
    );
}

#[tokio::test]
async fn responses_stream_ends_at_the_terminal_event() {
    let server = MockServer::start().await;
    let body = concat!(
        "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1,\"status\":\"in_progress\",\"model\":\"gpt-4o\",\"output\":[]}}\n\n",
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":1,\"item_id\":\"m1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\",\"logprobs\":[]}\n\n",
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":2,\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1,\"status\":\"completed\",\"model\":\"gpt-4o\",\"output\":[]}}\n\n",
        "event: response.extra\ndata: {\"type\":\"never.read\"}\n\n",
    );
    Mock::given(method("POST"))
        .and(path("/v1/responses"))
        .and(body_partial_json(json!({"stream": true})))
        .respond_with(sse(body))
        .expect(1)
        .mount(&server)
        .await;
    let request =
        Json::from_json_value(&json!({"model": "gpt-4o", "input": "Say hi"})).expect("request");
    let stream = client(&server.uri())
        .responses_stream(&request)
        .await
        .expect("stream");
    let events: Vec<_> = tokio::time::timeout(Duration::from_secs(10), stream.collect::<Vec<_>>())
        .await
        .expect("ends");
    assert_eq!(events.len(), 3, "nothing after response.completed is read");
    assert!(events.iter().all(Result::is_ok), "{events:?}");
}

#[tokio::test]
async fn the_canary_key_reaches_the_server_header_and_nothing_else() {
    let (traces, _guard) = capture_traces();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {CANARY}").as_str()))
        .and(body_partial_json(json!({"stream": true})))
        .respond_with(sse(STREAM))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {CANARY}").as_str()))
        .respond_with(
            // A provider that echoes the rejected key back.
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": {"message": format!("Incorrect API key provided: {CANARY}"), "type": "invalid_request_error"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let stream = client.chat_stream(&chat_request()).await.expect("stream");
    let stream_debug = format!("{stream:?}");
    let events = collect(stream).await;
    let unauthorized = client.chat(&chat_request()).await.expect_err("401");
    let timeout = Client::builder()
        .base_url("http://127.0.0.1:9/v1")
        .api_key(CANARY)
        .retry(fast_retry(0))
        .build()
        .expect("client")
        .chat(&chat_request())
        .await
        .expect_err("nothing listens on port 9");
    assert!(
        unauthorized
            .to_string()
            .contains("Incorrect API key provided: [REDACTED]"),
        "{unauthorized}"
    );
    assert_hidden(
        CANARY,
        &[
            ("client Debug", format!("{client:?}")),
            ("stream Debug", stream_debug),
            ("events", format!("{events:?}")),
            ("error Display", unauthorized.to_string()),
            ("error Debug", format!("{unauthorized:?}")),
            ("connect error Display", timeout.to_string()),
            ("connect error Debug", format!("{timeout:?}")),
            ("traces", traces.text()),
        ],
    );
    let logged = traces.text();
    assert!(
        logged.contains("aigw.request")
            && logged.contains("provider=\"openai\"")
            && logged.contains("status=401"),
        "{logged}"
    );
}
