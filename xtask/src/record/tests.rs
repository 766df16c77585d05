//! `record` against wiremock on loopback: the file is in the corpus format, carries no key,
//! and passes the conformance harness.

use super::{Recording, record};
use aigw_http::SecretString;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CANARY: &str = "rec-canary-5d1e77";

fn recording(
    provider: &str,
    api: &str,
    request: Option<Value>,
    base: String,
    out: &Path,
) -> Recording {
    Recording {
        provider: provider.to_owned(),
        api: api.to_owned(),
        request,
        model: Some("gemini-2.0-flash".to_owned()),
        base_url: Some(base),
        out: out.to_path_buf(),
        name: Some("Test Case".to_owned()),
    }
}

fn key() -> Option<SecretString> {
    Some(SecretString::from(CANARY))
}

fn read(path: &PathBuf) -> (String, Value) {
    let text = std::fs::read_to_string(path).expect("written");
    assert!(!text.contains(CANARY), "the key is in {}", path.display());
    let value = serde_json::from_str(&text).expect("JSON");
    (text, value)
}

/// The conformance harness accepts everything under `dir`.
fn conforms(dir: &Path, expected: usize) {
    let report = aigw_conformance::run(&aigw_conformance::Options {
        corpus: dir.to_path_buf(),
        provider: None,
        api: None,
    })
    .expect("harness");
    assert_eq!(
        (report.passed(), report.failed(), report.skipped()),
        (expected, 0, 0),
        "{}",
        report.render(true)
    );
}

#[tokio::test]
async fn a_plain_openai_exchange_and_an_error_become_corpus_files() {
    let server = MockServer::start().await;
    let completion = json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": null, "message": {"role": "assistant", "content": "Hi", "refusal": null}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}});
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {CANARY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&completion))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {"message": format!("Incorrect API key provided: {CANARY}"), "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}})))
        .mount(&server)
        .await;
    let out = tempfile::tempdir().expect("tempdir");
    let request = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}], "temperature": 0.5});
    let base = format!("{}/v1", server.uri());
    let first = record(
        &recording(
            "openai",
            "chat.completions",
            Some(request.clone()),
            base.clone(),
            out.path(),
        ),
        key(),
    )
    .await
    .expect("recorded");
    let second = record(
        &recording(
            "openai",
            "chat.completions",
            Some(request.clone()),
            base,
            out.path(),
        ),
        key(),
    )
    .await
    .expect("recorded");
    assert!(
        first.ends_with("openai/chat.completions/0001-test-case.json"),
        "{}",
        first.display()
    );
    assert!(
        second.ends_with("openai/chat.completions/0002-test-case.json"),
        "{}",
        second.display()
    );
    let (_, exchange) = read(&first);
    assert_eq!(exchange["provider"], "openai");
    assert_eq!(exchange["method"], "POST");
    assert_eq!(exchange["path"], "/v1/chat/completions");
    assert_eq!(exchange["stream"], false);
    assert_eq!(exchange["request"], request);
    assert_eq!(exchange["status"], 200);
    assert_eq!(exchange["response"], completion);
    assert_eq!(exchange["sse"], Value::Null);
    let (text, error) = read(&second);
    assert_eq!(error["status"], 401);
    assert_eq!(error["features"], json!(["error"]));
    assert!(text.contains("Incorrect API key provided: [REDACTED]"));
    conforms(out.path(), 2);
}

#[tokio::test]
async fn streams_are_recorded_as_the_raw_event_text() {
    let server = MockServer::start().await;
    let anthropic_sse = concat!(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-x\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n",
        "event: ping\ndata: {\"type\": \"ping\"}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", CANARY))
        .and(header("anthropic-version", "2023-06-01"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_string(anthropic_sse),
        )
        .expect(1)
        .mount(&server)
        .await;
    let gemini_sse = "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 2,\"candidatesTokenCount\": 1,\"totalTokenCount\": 3},\"modelVersion\": \"gemini-2.0-flash\"}\r\n\r\n";
    Mock::given(method("POST"))
        .and(path(
            "/v1beta/models/gemini-2.0-flash:streamGenerateContent",
        ))
        .and(query_param("alt", "sse"))
        .and(header("x-goog-api-key", CANARY))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_string(gemini_sse),
        )
        .expect(1)
        .mount(&server)
        .await;
    let out = tempfile::tempdir().expect("tempdir");
    let messages = json!({"model": "claude-x", "max_tokens": 16, "stream": true, "messages": [{"role": "user", "content": "Hi"}]});
    let file = record(
        &recording(
            "anthropic",
            "messages",
            Some(messages),
            format!("{}/v1", server.uri()),
            out.path(),
        ),
        key(),
    )
    .await
    .expect("recorded");
    let (_, exchange) = read(&file);
    assert_eq!(exchange["stream"], true);
    assert_eq!(exchange["sse"], anthropic_sse);
    assert_eq!(exchange["response"], Value::Null);
    assert_eq!(exchange["features"], json!(["stream"]));
    let generate = json!({"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]});
    let file = record(
        &recording(
            "gemini",
            "streamGenerateContent",
            Some(generate),
            format!("{}/v1beta", server.uri()),
            out.path(),
        ),
        key(),
    )
    .await
    .expect("recorded");
    let (_, exchange) = read(&file);
    assert_eq!(
        exchange["path"],
        "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse"
    );
    assert_eq!(exchange["sse"], gemini_sse, "CRLF kept exactly");
    conforms(out.path(), 2);
}

#[tokio::test]
async fn a_missing_key_names_its_variable_and_local_presets_need_none() {
    let out = tempfile::tempdir().expect("tempdir");
    let request = Some(json!({"model": "m", "messages": []}));
    let err = record(
        &recording(
            "groq",
            "chat.completions",
            request.clone(),
            "http://127.0.0.1:9".to_owned(),
            out.path(),
        ),
        None,
    )
    .await
    .expect_err("no key");
    assert_eq!(
        err.to_string(),
        "GROQ_API_KEY is not set: it should hold the groq API key"
    );
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": []})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let file = record(
        &recording(
            "ollama",
            "models",
            None,
            format!("{}/v1", server.uri()),
            out.path(),
        ),
        None,
    )
    .await
    .expect("recorded");
    let (_, exchange) = read(&file);
    assert_eq!(
        (
            exchange["provider"].as_str(),
            exchange["vendor"].as_str(),
            exchange["method"].as_str()
        ),
        (Some("openai-compat"), Some("ollama"), Some("GET"))
    );
    let received = server.received_requests().await.expect("recorded");
    assert!(received[0].headers.get("authorization").is_none());
}
