//! The compatible-provider client against wiremock: what reaches the server is the fitted
//! body, the adjustments come back with the response, strict mode sends nothing.

use aigw_http::testing::{assert_hidden, fast_retry};
use aigw_openai_compat::{Action, CompatClient, CompatError, Preset};
use aigw_wire::Json;
use futures_util::StreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CANARY: &str = "compat-canary-31e0a9";

fn request() -> aigw_openai::CreateChatCompletionRequest {
    Json::from_json_value(&json!({
        "model": "mistral-small-latest",
        "messages": [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        "max_completion_tokens": 64,
        "logprobs": true
    }))
    .expect("request")
}

fn completion() -> Value {
    json!({"id": "c", "object": "chat.completion", "created": 1, "model": "mistral-small-latest",
           "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hello"}}],
           "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}})
}

fn client(preset: Preset, server: &MockServer, strict: bool) -> CompatClient {
    CompatClient::builder(preset.provider())
        .base_url(server.uri())
        .key(CANARY)
        .strict(strict)
        .retry(fast_retry(0))
        .build()
        .expect("client")
}

#[tokio::test]
async fn mistral_receives_the_fitted_body_and_the_caller_gets_the_adjustments() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat/completions"))
        .and(header("authorization", format!("Bearer {CANARY}").as_str()))
        .and(body_json(json!({
            "model": "mistral-small-latest",
            "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
            "max_tokens": 64
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(Preset::Mistral, &server, false);
    let answer = client.chat(&request()).await.expect("chat");
    assert_eq!(
        Json::to_json_value(&answer.value).expect("json"),
        completion()
    );
    let report: Vec<(String, Action)> = answer
        .adjustments
        .iter()
        .map(|a| (a.pointer.clone(), a.action.clone()))
        .collect();
    assert_eq!(
        report,
        [
            (
                "/max_completion_tokens".to_owned(),
                Action::Renamed {
                    to: "max_tokens".to_owned()
                }
            ),
            ("/logprobs".to_owned(), Action::Stripped),
            (
                "/messages/0/role".to_owned(),
                Action::Mapped {
                    to: json!("system")
                }
            ),
        ]
    );
    assert_eq!(
        answer.adjustments.to_string(),
        "renamed /max_completion_tokens to max_tokens (mistral calls this parameter max_tokens); \
         stripped /logprobs (mistral does not return logprobs); \
         mapped /messages/0/role to \"system\" (mistral has no developer role; system carries the same instructions)"
    );
    assert_hidden(
        CANARY,
        &[
            ("client Debug", format!("{client:?}")),
            ("adjustments", format!("{:?}", answer.adjustments)),
        ],
    );
}

#[tokio::test]
async fn strict_mode_refuses_losses_and_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .expect(0)
        .mount(&server)
        .await;
    let err = client(Preset::Mistral, &server, true)
        .chat(&request())
        .await
        .expect_err("strict");
    let CompatError::Strict { adjustments, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(adjustments.losses().count(), 1);
    assert_eq!(
        err.to_string(),
        "mistral: strict mode refuses a request that would lose: stripped /logprobs (mistral does not return logprobs)"
    );
    // Renames and same-meaning mappings are not losses: without logprobs, strict sends.
    let mut lossless = Json::to_json_value(&request()).expect("json");
    lossless.as_object_mut().expect("object").remove("logprobs");
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion()))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(Preset::Mistral, &server, true)
        .chat(&Json::from_json_value(&lossless).expect("request"))
        .await
        .expect("lossless request is sent");
    assert_eq!(answer.adjustments.0.len(), 2);
}

#[tokio::test]
async fn streams_ask_for_usage_only_where_the_provider_takes_stream_options() {
    let sse = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    for (preset, wants_usage) in [(Preset::Mistral, false), (Preset::Groq, true)] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "text/event-stream")
                    .set_body_string(sse),
            )
            .expect(1)
            .mount(&server)
            .await;
        let stream = client(preset, &server, false)
            .chat_stream(&request())
            .await
            .expect("stream");
        let events: Vec<_> = stream.value.collect().await;
        assert_eq!(events.len(), 2, "{events:?}");
        let received: Vec<Request> = server.received_requests().await.expect("recorded");
        let body: Value = serde_json::from_slice(&received[0].body).expect("json");
        assert_eq!(body["stream"], true);
        assert_eq!(
            body.get("stream_options").is_some(),
            wants_usage,
            "{preset:?}: {body}"
        );
        assert!(
            stream
                .adjustments
                .iter()
                .all(|a| a.pointer != "/stream_options"),
            "the client's own stream_options is not reported"
        );
    }
}

#[tokio::test]
async fn missing_capabilities_are_errors_before_anything_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(Preset::Mistral, &server, false);
    let request = Json::from_json_value(&json!({"model": "m", "input": "hi"})).expect("request");
    let err = client
        .responses(&request)
        .await
        .expect_err("no responses API");
    assert_eq!(
        err.to_string(),
        "mistral does not support the Responses API"
    );
    let mut provider = Preset::Perplexity.provider();
    provider.quirks.supports_streaming = false;
    let no_stream = CompatClient::builder(provider)
        .base_url(server.uri())
        .key(CANARY)
        .build()
        .expect("client");
    let err = no_stream
        .chat_stream(&self::request())
        .await
        .expect_err("no streaming");
    assert!(
        matches!(
            err,
            CompatError::Unsupported {
                feature: "streaming",
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn local_servers_need_no_key_and_remote_ones_name_their_variable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/models"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": []})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let ollama = CompatClient::builder(Preset::Ollama.provider())
        .base_url(server.uri())
        .build()
        .expect("no key needed");
    ollama.models().await.expect("models");
    let received = server.received_requests().await.expect("recorded");
    assert!(received[0].headers.get("authorization").is_none());
    let err = CompatClient::builder(Preset::Groq.provider())
        .build()
        .expect_err("key required");
    assert_eq!(
        err.to_string(),
        "groq: environment variable GROQ_API_KEY is not set (or empty): it should hold the API key"
    );
}
