//! Operating the gateway: configuration, /healthz, /metrics, /v1/models, embeddings, token
//! counting, the concurrency limit, graceful shutdown, and cancelling the upstream when the
//! client goes away.
#![allow(clippy::unwrap_used)]

use crate::common;

use aigw_gateway::{Config, State};
use aigw_mock::{MockConfig, MockServer};
use common::*;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

#[test]
fn the_example_configuration_is_valid() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../aigw.example.toml");
    let config = Config::load(&path).unwrap();
    let env: HashMap<&str, &str> = [
        ("OPENAI_API_KEY", "a"),
        ("ANTHROPIC_API_KEY", "b"),
        ("GEMINI_API_KEY", "c"),
        ("GROQ_API_KEY", "d"),
        ("OPENAI_EU_KEY_A", "e"),
        ("OPENAI_EU_KEY_B", "f"),
    ]
    .into();
    let state = State::new(&config, |v| env.get(v).map(|s| s.to_string())).unwrap();
    let models: Vec<String> = state.routes.models().into_iter().map(|(m, _)| m).collect();
    assert_eq!(
        models,
        [
            "gpt-4o-mini",
            "claude-sonnet-4-5",
            "sonnet",
            "fast",
            "gpt-4o"
        ]
    );
    // The group's members (each of openai-eu's two keys), then the fallback.
    let mut targets: Vec<String> = state
        .routes
        .resolve("gpt-4o")
        .iter()
        .map(|t| {
            format!(
                "{}/{}#{}",
                t.provider.name, t.model, t.provider.keys[t.key].env
            )
        })
        .collect();
    assert_eq!(
        targets.pop().as_deref(),
        Some("groq/llama-3.3-70b-versatile#GROQ_API_KEY")
    );
    targets.sort();
    assert_eq!(
        targets,
        [
            "openai-eu/gpt-4o#OPENAI_EU_KEY_A",
            "openai-eu/gpt-4o#OPENAI_EU_KEY_B",
            "openai/gpt-4o#OPENAI_API_KEY"
        ]
    );
    let targets: Vec<String> = state
        .routes
        .resolve("sonnet")
        .iter()
        .map(|t| format!("{}/{}", t.provider.name, t.model))
        .collect();
    assert_eq!(targets, ["anthropic/claude-sonnet-4-5", "openai/gpt-4o"]);
    assert_eq!(
        state.routes.resolve("gemini-2.5-pro")[0].model,
        "gemini-2.5-pro"
    );
    assert_eq!(
        state.routes.resolve("groq/llama-3.3-70b")[0].provider.name,
        "groq"
    );
    assert!(state.routes.resolve("unknown-model").is_empty());

    // A missing key is named.
    let error = State::new(&config, |v| (v != "GROQ_API_KEY").then(|| "k".to_owned())).unwrap_err();
    assert!(error.to_string().contains("GROQ_API_KEY"), "{error}");
}

#[test]
fn without_a_file_the_configuration_comes_from_the_provider_keys_in_the_environment() {
    let env: HashMap<&str, &str> = [("ANTHROPIC_API_KEY", "x"), ("GROQ_API_KEY", "y")].into();
    let config = Config::from_env(|v| env.get(v).map(|s| s.to_string()));
    let names: Vec<&String> = config.providers.keys().collect();
    assert_eq!(names, ["anthropic", "groq"]);
    let state = State::new(&config, |v| env.get(v).map(|s| s.to_string())).unwrap();
    assert_eq!(
        state.routes.resolve("claude-haiku-4-5")[0].provider.name,
        "anthropic"
    );
    assert_eq!(state.routes.resolve("groq/qwen3-32b")[0].model, "qwen3-32b");
    assert!(
        state.routes.resolve("gpt-4o").is_empty(),
        "no OpenAI key, no OpenAI route"
    );
}

#[test]
fn configuration_mistakes_are_refused_with_what_is_wrong() {
    let check = |text: &str| match Config::parse(text) {
        Err(e) => e.to_string(),
        Ok(config) => State::new(&config, |_| Some("k".into()))
            .unwrap_err()
            .to_string(),
    };
    assert!(check("[server]\nlisten = \"0.0.0.0:8080\"").contains("loopback"));
    assert!(
        check("[providers.x]\nkind = \"openai\"\n[[routes]]\nmodel = \"m\"\ntargets = [\"y/m\"]")
            .contains("names no configured provider")
    );
    assert!(
        check("[providers.x]\nkind = \"openai-compat\"\npreset = \"nope\"")
            .contains("unknown preset")
    );
    assert!(check("[providers.x]\nkind = \"openai-compat\"\nkey_env = \"K\"").contains("base_url"));
    assert!(check("[providers.x]\nkind = \"cohere\"").contains("unknown variant"));
    assert!(check("[server]\nlisten = \"127.0.0.1:1\"\nport = 3").contains("unknown field"));
    assert!(check("[[routes]]\nmodel = \"m\"\ntargets = []").contains("empty"));
    // Client keys make a non-loopback address acceptable.
    let config =
        Config::parse("[server]\nlisten = \"0.0.0.0:8080\"\nclient_key_env = [\"K\"]").unwrap();
    // Only `K` is set: a lookup answering every name would also answer OTEL_* variables.
    assert!(State::new(&config, |name| (name == "K").then(|| "k".into())).is_ok());
}

#[tokio::test]
async fn healthz_metrics_and_models() {
    let Some(corpus) = corpus("metrics") else {
        return;
    };
    let setup = setup(&corpus, "[[routes]]\nmodel = \"house\"\naliases = [\"home\"]\ntargets = [\"an/replay:0055-test-mid-conversation-system-prompt-inline-system-supported-0\"]").await;
    let url = &setup.gateway.url;
    assert_eq!(
        http()
            .get(format!("{url}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    for stream in [false, true] {
        let body = request_body(Client::Chat, "house", stream, false);
        let model = if stream {
            "an/replay:simonw-llm-anthropic-0001-test-async-prompt-0"
        } else {
            "home"
        };
        let mut body = body;
        body["model"] = json!(model);
        let response = client_request(&http(), url, Client::Chat, model, stream, &body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
    }
    let metrics = http()
        .get(format!("{url}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "aigw_requests_total{api=\"chat\",status=\"200\"} 2",
        "aigw_upstream_latency_seconds_count{provider=\"an\"} 2",
        "aigw_time_to_first_byte_seconds_count{api=\"chat\"} 2",
        "aigw_tokens_total{provider=\"an\",direction=\"in\"}",
        "aigw_tokens_total{provider=\"an\",direction=\"out\"}",
        "aigw_losses_total{api=\"chat\",kind=\"defaulted\"}",
        // Both requests, the stream included, are over.
        "aigw_in_flight 0",
        "# EOF",
    ] {
        assert!(metrics.contains(needle), "no {needle} in\n{metrics}");
    }

    let list: Value = json_answer(http().get(format!("{url}/v1/models"))).await;
    assert_eq!(list["object"], "list");
    let ids: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["house", "home"]);
    assert_eq!(list["data"][0]["owned_by"], "an");
    let list: Value = json_answer(
        http()
            .get(format!("{url}/v1/models"))
            .header("anthropic-version", "2023-06-01"),
    )
    .await;
    assert_eq!(list["data"][1]["type"], "model");
    assert_eq!(list["has_more"], false);
    assert_eq!(list["last_id"], "home");
}

#[tokio::test]
async fn embeddings_and_token_counts_across_protocols() {
    let Some(corpus) = corpus("embeddings") else {
        return;
    };
    let setup = setup(&corpus, "").await;
    let url = &setup.gateway.url;
    // OpenAI embeddings, passed through.
    let stem = "0001-testopenai-test-documents-0";
    let body = json!({"model": format!("oa/replay:{stem}"), "input": "hello"});
    let got: Value = json_answer(http().post(format!("{url}/v1/embeddings")).json(&body)).await;
    let recorded = aigw_mock::exchange(&corpus, "openai", "embeddings", stem).unwrap();
    assert_eq!(got, recorded["response"]);
    // Gemini batchEmbedContents, as an OpenAI list.
    let stem = "0001-testgoogle-test-documents-0";
    let recorded = aigw_mock::exchange(&corpus, "gemini", "batchEmbedContents", stem).unwrap();
    let body = json!({"model": format!("ge/replay:{stem}"), "input": ["a", "b"], "user": "u"});
    let response = http()
        .post(format!("{url}/v1/embeddings"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["x-aigw-adjustments"]
            .to_str()
            .unwrap()
            .contains("/user")
    );
    let got: Value = response.json().await.unwrap();
    let expected: Vec<Value> = recorded["response"]["embeddings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["values"].clone())
        .collect();
    let vectors: Vec<Value> = got["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["embedding"].clone())
        .collect();
    assert_eq!(vectors, expected);
    assert_eq!(got["data"][1]["index"], 1);
    let sent: Value = serde_json::from_slice(&setup.mock.requests().last().unwrap().body).unwrap();
    assert_eq!(sent["requests"][1]["content"]["parts"][0]["text"], "b");
    // Anthropic has none: a clear 400 in OpenAI's shape.
    let body = json!({"model": "an/claude", "input": "x"});
    let response = http()
        .post(format!("{url}/v1/embeddings"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("no embeddings API"));

    // Anthropic count_tokens: passthrough, and through Gemini's countTokens.
    let messages = json!([{"role": "user", "content": "hello"}]);
    for (model, dir, api, stem, field) in [
        (
            "an",
            "anthropic",
            "count_tokens",
            "0005-test-anthropic-count-tokens-with-native-tools-0",
            "input_tokens",
        ),
        (
            "ge",
            "gemini",
            "countTokens",
            "0002-testgoogle-test-count-tokens-0",
            "totalTokens",
        ),
    ] {
        let recorded = aigw_mock::exchange(&corpus, dir, api, stem).unwrap();
        let body = json!({"model": format!("{model}/replay:{stem}"), "messages": messages});
        let got: Value = json_answer(
            http()
                .post(format!("{url}/v1/messages/count_tokens"))
                .header("anthropic-version", "2023-06-01")
                .json(&body),
        )
        .await;
        assert_eq!(
            got["input_tokens"], recorded["response"][field],
            "{model}: {got}"
        );
    }
    // Gemini countTokens through Anthropic.
    let stem = "0005-test-anthropic-count-tokens-with-native-tools-0";
    let recorded = aigw_mock::exchange(&corpus, "anthropic", "count_tokens", stem).unwrap();
    let body = json!({"contents": [{"role": "user", "parts": [{"text": "hello"}]}]});
    let got: Value = json_answer(
        http()
            .post(format!("{url}/v1beta/models/an/replay:{stem}:countTokens"))
            .json(&body),
    )
    .await;
    assert_eq!(got["totalTokens"], recorded["response"]["input_tokens"]);
    let sent: Value = serde_json::from_slice(&setup.mock.requests().last().unwrap().body).unwrap();
    assert_eq!(sent["messages"][0]["content"], "hello", "{sent}");
    assert!(sent.get("max_tokens").is_none(), "{sent}");
}

/// A slow mock: `delay` between stream events.
async fn slow(corpus: &std::path::Path, delay: Duration) -> MockServer {
    let mut config = MockConfig::new(corpus);
    config.event_delay = delay;
    MockServer::start(config).await.unwrap()
}

const SLOW_STREAM: &str = "simonw-llm-anthropic-0001-test-async-prompt-0";

#[tokio::test]
async fn shutdown_lets_open_streams_finish_and_refuses_new_requests() {
    let Some(corpus) = corpus("shutdown") else {
        return;
    };
    let upstream = slow(&corpus, Duration::from_millis(40)).await;
    let mut gateway = Gateway::start(&standard_config(&upstream.url(), &upstream.url(), "")).await;
    let model = format!("an/replay:{SLOW_STREAM}");
    let body = request_body(Client::Messages, &model, true, false);
    let response = client_request(&http(), &gateway.url, Client::Messages, &model, true, &body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    gateway.shutdown();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // New connections are no longer accepted…
    let refused = http().get(format!("{}/healthz", gateway.url)).send().await;
    assert!(refused.is_err(), "accepted a request after shutdown");
    // …but the open stream runs to its end.
    let text = response.text().await.unwrap();
    assert!(text.contains("event: message_stop"), "{text}");
    fold_stream(Client::Messages, &text).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(5), &mut gateway.task).await;
    assert!(
        matches!(result, Ok(Ok(Ok(())))),
        "the server did not stop: {result:?}"
    );
}

#[tokio::test]
async fn a_client_going_away_cancels_the_upstream_request() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A raw upstream streaming an event every 20 ms until a write fails.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<usize>();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 65536];
        let _ = socket.read(&mut buf).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        let mut sent = 0;
        loop {
            let event = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":null}]}\n\n";
            let chunk = format!("{:x}\r\n{event}\r\n", event.len());
            if socket.write_all(chunk.as_bytes()).await.is_err() || socket.flush().await.is_err() {
                break;
            }
            sent += 1;
            if sent > 500 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = closed_tx.send(sent);
    });
    let gateway = Gateway::start(&format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[providers.up]\nkind = \"openai\"\nbase_url = \"{url}/v1\"\nkey_env = \"OA_KEY\"\n"
    ))
    .await;
    let body = request_body(Client::Chat, "up/m", true, false);
    let mut response = client_request(&http(), &gateway.url, Client::Chat, "up/m", true, &body)
        .send()
        .await
        .unwrap();
    assert!(response.chunk().await.unwrap().is_some());
    drop(response);
    let sent = tokio::time::timeout(Duration::from_secs(5), closed_rx)
        .await
        .expect("the upstream connection was not closed after the client left")
        .unwrap();
    assert!(
        sent < 500,
        "the upstream streamed to the end: {sent} events"
    );
}

#[tokio::test]
async fn requests_beyond_the_concurrency_limit_get_503_in_the_clients_format() {
    let Some(corpus) = corpus("concurrency") else {
        return;
    };
    let upstream = slow(&corpus, Duration::from_millis(50)).await;
    let gateway = Gateway::start(&standard_config(
        &upstream.url(),
        &upstream.url(),
        "[limits]\nmax_concurrency = 1",
    ))
    .await;
    let model = format!("an/replay:{SLOW_STREAM}");
    let body = request_body(Client::Messages, &model, true, false);
    let open = client_request(&http(), &gateway.url, Client::Messages, &model, true, &body)
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 200);
    let model = "an/replay:0055-test-mid-conversation-system-prompt-inline-system-supported-0";
    let body = request_body(Client::Gemini, model, false, false);
    let refused = client_request(&http(), &gateway.url, Client::Gemini, model, false, &body)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["status"], "UNAVAILABLE", "{error}");
    // The slot is free again once the stream ended.
    open.text().await.unwrap();
    let again = client_request(&http(), &gateway.url, Client::Gemini, model, false, &body)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
}
