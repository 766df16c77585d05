//! The Anthropic client against loopback mock servers (wiremock, and a raw server for broken
//! streams): success, streaming, retries, exhaustion, timeouts, bad bodies, error bodies,
//! mid-stream disconnects, and a canary key that must reach the server and nothing else.

use aigw_anthropic::MessageStreamEvent;
use aigw_anthropic::client::{Client, MessageStream};
use aigw_anthropic::stream::MessageAccumulator;
use aigw_http::testing::{
    Ending, StreamServer, assert_hidden, capture_traces, fast_retry, timeouts,
};
use aigw_http::{Error, TimeoutPhase};
use aigw_wire::Json;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CANARY: &str = "sk-ant-canary-7f3c9e1d-do-not-log";

fn client(base: &str) -> Client {
    Client::builder()
        .base_url(format!("{base}/v1"))
        .api_key(CANARY)
        .beta("prompt-caching-2024-07-31")
        .beta("token-efficient-tools-2025-02-19")
        .retry(fast_retry(2))
        .timeouts(timeouts(Duration::from_secs(2), Duration::from_millis(300)))
        .build()
        .expect("client")
}

fn message_request() -> aigw_anthropic::CreateMessageParams {
    Json::from_json_value(&json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 256,
        "messages": [{"role": "user", "content": "Say hi"}],
        "temperature": 1.0
    }))
    .expect("request")
}

fn message() -> Value {
    json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "Hi!"}],
        "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": 10, "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": 0, "output_tokens": 3}
    })
}

const STREAM: &str = concat!(
    "event: message_start\n",
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_s1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n",
    "event: content_block_start\n",
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
    "event: ping\n",
    "data: {\"type\": \"ping\"}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"lo!\"}}\n\n",
    "event: content_block_stop\n",
    "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    "event: message_delta\n",
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":12}}\n\n",
    "event: message_stop\n",
    "data: {\"type\":\"message_stop\"}\n\n",
);

const MESSAGE_STOP: &str = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

fn sse(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_body_string(body)
}

async fn collect(
    stream: MessageStream,
) -> Vec<Result<MessageStreamEvent, aigw_anthropic::client::Error>> {
    tokio::time::timeout(Duration::from_secs(10), stream.collect())
        .await
        .expect("the stream must end, not hang")
}

#[tokio::test]
async fn messages_success_sends_the_body_and_headers_and_types_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", CANARY))
        .and(header("anthropic-version", "2023-06-01"))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(
            json!({"model": "claude-sonnet-4-5", "max_tokens": 256, "temperature": 1.0}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(message()))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(&server.uri())
        .messages(&message_request())
        .await
        .expect("success");
    assert_eq!(Json::to_json_value(&answer).expect("json"), message());
    let received = server.received_requests().await.expect("recorded");
    // Every beta in one comma-joined header (checked on the raw value: wiremock's `header`
    // matcher splits values at commas).
    let betas: Vec<_> = received[0]
        .headers
        .get_all("anthropic-beta")
        .iter()
        .collect();
    assert_eq!(
        betas,
        ["prompt-caching-2024-07-31,token-efficient-tools-2025-02-19"],
        "{:?}",
        received[0].headers
    );
    assert!(
        received[0].headers.get("authorization").is_none(),
        "Anthropic takes the key in x-api-key only"
    );
    let sent: Value = serde_json::from_slice(&received[0].body).expect("json body");
    assert!(sent.get("stream").is_none(), "{sent}");
    // `stream: true` on the plain method is a clear error, not an unparseable stream.
    let mut streaming = Json::to_json_value(&message_request()).expect("json");
    streaming["stream"] = json!(true);
    let err = client(&server.uri())
        .messages(&Json::from_json_value(&streaming).expect("request"))
        .await
        .expect_err("stream flag");
    assert!(err.to_string().contains("use messages_stream"), "{err}");
}

#[tokio::test]
async fn messages_stream_sets_stream_and_folds_into_the_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", CANARY))
        .and(header("anthropic-version", "2023-06-01"))
        .and(body_partial_json(
            json!({"stream": true, "model": "claude-sonnet-4-5"}),
        ))
        .respond_with(sse(STREAM))
        .expect(1)
        .mount(&server)
        .await;
    let stream = client(&server.uri())
        .messages_stream(&message_request())
        .await
        .expect("stream");
    let events = collect(stream).await;
    assert_eq!(events.len(), 8, "{events:?}");
    assert!(matches!(events[0], Ok(MessageStreamEvent::MessageStart(_))));
    assert!(matches!(events[2], Ok(MessageStreamEvent::Ping(_))));
    assert!(matches!(
        events.last(),
        Some(Ok(MessageStreamEvent::MessageStop(_)))
    ));
    let mut accumulator = MessageAccumulator::default();
    for event in &events {
        accumulator
            .push(event.as_ref().expect("event"))
            .expect("fold");
    }
    assert!(
        accumulator.unfolded().is_empty(),
        "{:?}",
        accumulator.unfolded()
    );
    let message = Json::to_json_value(&accumulator.finish().expect("message")).expect("json");
    assert_eq!(
        message["content"],
        json!([{"type": "text", "text": "Hello!"}])
    );
    assert_eq!(message["stop_reason"], "end_turn");
    assert_eq!(
        message["usage"],
        json!({"input_tokens": 25, "cache_creation_input_tokens": 0,
               "cache_read_input_tokens": 0, "output_tokens": 12})
    );
}

#[tokio::test]
async fn a_stream_that_closes_before_message_stop_is_incomplete() {
    let server = MockServer::start().await;
    let cut = STREAM.replace(MESSAGE_STOP, "");
    assert_ne!(cut, STREAM);
    Mock::given(method("POST"))
        .respond_with(sse(&cut))
        .mount(&server)
        .await;
    let events = collect(
        client(&server.uri())
            .messages_stream(&message_request())
            .await
            .expect("stream"),
    )
    .await;
    assert_eq!(events.len(), 8, "7 events, then the error");
    assert!(events[..7].iter().all(Result::is_ok), "{events:?}");
    assert!(
        matches!(
            events.last(),
            Some(Err(Error::Incomplete {
                expected: "message_stop",
                ..
            }))
        ),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_mid_stream_error_event_ends_the_stream() {
    let server = MockServer::start().await;
    let first = STREAM.split_inclusive("\n\n").next().expect("one event");
    let body = format!(
        "{first}event: error\ndata: {{\"type\":\"error\",\"error\":{{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}}}\n\n{MESSAGE_STOP}"
    );
    Mock::given(method("POST"))
        .respond_with(sse(&body))
        .mount(&server)
        .await;
    let events = collect(
        client(&server.uri())
            .messages_stream(&message_request())
            .await
            .expect("stream"),
    )
    .await;
    assert_eq!(events.len(), 2, "nothing after the error event is read");
    assert!(
        matches!(&events[1], Ok(MessageStreamEvent::Error(e)) if matches!(e.error.as_ref(), Some(aigw_anthropic::ErrorResponseError::OverloadedError(_)))),
        "{events:?}"
    );
    let mut accumulator = MessageAccumulator::default();
    accumulator
        .push(events[0].as_ref().expect("start"))
        .expect("fold");
    assert!(
        accumulator
            .push(events[1].as_ref().expect("error event"))
            .is_err(),
        "the accumulator surfaces the upstream error"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(message()))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    client(&server.uri())
        .messages(&message_request())
        .await
        .expect("second attempt succeeds");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the server's retry-after was honoured"
    );
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(2));
}

#[tokio::test]
async fn overloaded_529s_are_retried_until_the_policy_gives_up() {
    let server = MockServer::start().await;
    let overloaded =
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(529)
                .insert_header("request-id", "req_529")
                .set_body_string(overloaded),
        )
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .messages(&message_request())
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
            assert_eq!(status.as_u16(), 529);
            assert_eq!(*attempts, 3);
            assert_eq!(body.raw, overloaded);
            assert!(
                matches!(
                    body.parsed.as_ref().and_then(|p| p.error.as_ref()),
                    Some(aigw_anthropic::ErrorResponseError::OverloadedError(_))
                ),
                "{body:?}"
            );
            assert_eq!(request_id.as_deref(), Some("req_529"));
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
                .set_body_json(message())
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
        .messages(&message_request())
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
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"id\": \"msg_1\", "))
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .messages(&message_request())
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
    let body = json!({"type": "error", "error": {"type": "not_found_error", "message": "model: claude-9"}, "request_id": "req_011CX"});
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("request-id", "req_011CX")
                .set_body_json(&body),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .messages(&message_request())
        .await
        .expect_err("404");
    let Error::Api {
        body: error_body, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    let parsed = error_body.parsed.as_ref().expect("typed error body");
    assert!(
        matches!(
            parsed.error.as_ref(),
            Some(aigw_anthropic::ErrorResponseError::NotFoundError(_))
        ),
        "{parsed:?}"
    );
    assert_eq!(serde_json::to_value(parsed).expect("json"), body);
    assert_eq!(err.request_id(), Some("req_011CX"));
    assert_eq!(
        err.to_string(),
        "anthropic messages: HTTP 404 Not Found (request id req_011CX): model: claude-9"
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
            .messages_stream(&message_request())
            .await
            .expect("headers");
        let events = collect(stream).await;
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(matches!(events[0], Ok(MessageStreamEvent::MessageStart(_))));
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
async fn count_tokens_models_model_and_raw() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages/count_tokens"))
        .and(header("x-api-key", CANARY))
        .and(header("anthropic-version", "2023-06-01"))
        .and(body_partial_json(
            json!({"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Say hi"}]}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"input_tokens": 14})))
        .expect(1)
        .mount(&server)
        .await;
    let model = json!({"type": "model", "id": "claude-sonnet-4-5-20250929", "display_name": "Claude Sonnet 4.5", "created_at": "2025-09-29T00:00:00Z", "max_input_tokens": 200000, "max_tokens": 64000});
    let models = json!({"data": [model], "has_more": false, "first_id": "claude-sonnet-4-5-20250929", "last_id": "claude-sonnet-4-5-20250929"});
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("x-api-key", CANARY))
        .respond_with(ResponseTemplate::new(200).set_body_json(&models))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models/acme%2Fclaude-sonnet-4-5:ft%201"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&model))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server.uri());
    let request = serde_json::from_value(
        json!({"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Say hi"}]}),
    )
    .expect("request");
    assert_eq!(
        serde_json::to_value(client.count_tokens(&request).await.expect("count")).expect("json"),
        json!({"input_tokens": 14})
    );
    assert_eq!(
        serde_json::to_value(client.models().await.expect("models")).expect("json"),
        models
    );
    assert_eq!(
        serde_json::to_value(
            client
                .model("acme/claude-sonnet-4-5:ft 1")
                .await
                .expect("model")
        )
        .expect("json"),
        model
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
async fn the_canary_key_reaches_the_server_header_and_nothing_else() {
    let (traces, _guard) = capture_traces();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", CANARY))
        .and(body_partial_json(json!({"stream": true})))
        .respond_with(sse(STREAM))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", CANARY))
        .respond_with(
            // A server that echoes the rejected key back.
            ResponseTemplate::new(401).set_body_json(json!({"type": "error", "error": {"type": "authentication_error", "message": format!("invalid x-api-key: {CANARY}")}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let stream = client
        .messages_stream(&message_request())
        .await
        .expect("stream");
    let stream_debug = format!("{stream:?}");
    let events = collect(stream).await;
    let unauthorized = client.messages(&message_request()).await.expect_err("401");
    let unreachable = Client::builder()
        .base_url("http://127.0.0.1:9/v1")
        .api_key(CANARY)
        .retry(fast_retry(0))
        .build()
        .expect("client")
        .messages(&message_request())
        .await
        .expect_err("nothing listens on port 9");
    assert!(
        unauthorized
            .to_string()
            .contains("invalid x-api-key: [REDACTED]"),
        "{unauthorized}"
    );
    // The key went to the server, in `x-api-key` and nowhere else.
    let received = server.received_requests().await.expect("recorded");
    assert_eq!(received.len(), 2);
    for request in &received {
        let mut carriers = Vec::new();
        for (name, value) in &request.headers {
            if String::from_utf8_lossy(value.as_bytes()).contains(CANARY) {
                carriers.push(name.as_str().to_owned());
            }
        }
        assert_eq!(carriers, ["x-api-key"], "{:?}", request.headers);
        assert_hidden(
            CANARY,
            &[
                ("URL", request.url.to_string()),
                ("body", String::from_utf8_lossy(&request.body).into_owned()),
            ],
        );
    }
    assert_hidden(
        CANARY,
        &[
            ("client Debug", format!("{client:?}")),
            ("stream Debug", stream_debug),
            ("events", format!("{events:?}")),
            ("error Display", unauthorized.to_string()),
            ("error Debug", format!("{unauthorized:?}")),
            ("connect error Display", unreachable.to_string()),
            ("connect error Debug", format!("{unreachable:?}")),
            ("traces", traces.text()),
        ],
    );
    let logged = traces.text();
    assert!(
        logged.contains("aigw.request")
            && logged.contains("provider=\"anthropic\"")
            && logged.contains("status=401"),
        "{logged}"
    );
}
