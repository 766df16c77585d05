//! Replaying recorded exchanges: choice by `replay:` model, header and default; JSON and SSE
//! bodies byte-equal to the recording; Gemini routes; request recording.
#![allow(clippy::unwrap_used)]

mod common;

use aigw_mock::{MockConfig, MockServer};
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn replay_model_returns_recorded_json_byte_equal() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    for (provider, api, path) in [
        ("openai", "chat.completions", "/v1/chat/completions"),
        ("openai", "responses", "/v1/responses"),
        ("openai", "embeddings", "/v1/embeddings"),
        ("anthropic", "messages", "/v1/messages"),
        ("anthropic", "count_tokens", "/v1/messages/count_tokens"),
    ] {
        let (stem, exchange) = find_json(&corpus, provider, api);
        let body = json!({"model": format!("replay:{stem}"), "stream": false}).to_string();
        let response = post(&format!("{}{path}", server.url()), &body, &[]).await;
        assert_eq!(response.status().as_u16(), 200, "{provider}/{api}/{stem}");
        assert_eq!(
            header(&response, "content-type").as_deref(),
            Some("application/json")
        );
        assert_eq!(
            header(&response, "x-mock-exchange"),
            Some(format!("{provider}/{api}/{stem}"))
        );
        let request_id = if provider == "anthropic" {
            "request-id"
        } else {
            "x-request-id"
        };
        assert!(header(&response, request_id).unwrap().starts_with("req_"));
        let bytes = response.bytes().await.unwrap();
        assert_eq!(
            bytes.as_ref(),
            recorded_body(&exchange),
            "{provider}/{api}/{stem}"
        );
    }
}

#[tokio::test]
async fn replay_keeps_numbers_and_key_order_exactly() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    // A body with a float written `1.0` and keys out of alphabetical order.
    let (stem, exchange) = find(&corpus, "openai", "responses", |e| {
        e["status"] == 200 && e["response"].to_string().contains("\"temperature\":1.0")
    });
    let body = json!({"model": format!("replay:{stem}")}).to_string();
    let response = post(&format!("{}/v1/responses", server.url()), &body, &[]).await;
    let text = response.text().await.unwrap();
    assert!(text.contains("\"temperature\":1.0"), "{text}");
    assert_eq!(text.as_bytes(), recorded_body(&exchange));
}

#[tokio::test]
async fn replay_stream_equals_recorded_sse() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    for (provider, api, path) in [
        ("openai", "chat.completions", "/v1/chat/completions"),
        ("openai", "responses", "/v1/responses"),
        ("anthropic", "messages", "/v1/messages"),
    ] {
        let (stem, exchange) = find_stream(&corpus, provider, api, 2);
        let body = json!({"model": format!("replay:{stem}"), "stream": true}).to_string();
        let response = post(&format!("{}{path}", server.url()), &body, &[]).await;
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(
            header(&response, "content-type").as_deref(),
            Some("text/event-stream")
        );
        let text = response.text().await.unwrap();
        assert_eq!(
            text,
            exchange["sse"].as_str().unwrap(),
            "{provider}/{api}/{stem}"
        );
    }
}

#[tokio::test]
async fn exchange_header_wins_over_model_and_digit_stems_resolve() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    let (stem, exchange) = find_json(&corpus, "anthropic", "messages");
    let url = format!("{}/v1/messages", server.url());
    let body = json!({"model": "replay:does-not-exist"}).to_string();
    let response = post(&url, &body, &[("x-mock-exchange", &stem)]).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        recorded_body(&exchange)
    );

    // `0001` finds the one file named `0001-*`.
    let digits = stem.split('-').next().unwrap();
    let unique = stems(&corpus, "anthropic", "messages")
        .iter()
        .filter(|s| s.starts_with(&format!("{digits}-")))
        .count()
        == 1;
    if unique {
        let body = json!({"model": format!("replay:{digits}")}).to_string();
        let response = post(&url, &body, &[]).await;
        assert_eq!(
            header(&response, "x-mock-exchange"),
            Some(format!("anthropic/messages/{stem}"))
        );
    }
}

#[tokio::test]
async fn recorded_error_status_is_replayed() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    let (stem, exchange) = find(&corpus, "openai", "chat.completions", |e| {
        e["status"] != 200
    });
    let body = json!({"model": format!("replay:{stem}")}).to_string();
    let response = post(&format!("{}/v1/chat/completions", server.url()), &body, &[]).await;
    assert_eq!(
        response.status().as_u16(),
        exchange["status"].as_u64().unwrap() as u16
    );
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        recorded_body(&exchange)
    );
}

#[tokio::test]
async fn unknown_exchange_and_bad_json_are_clear_errors() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    let url = format!("{}/v1/chat/completions", server.url());

    let response = post(&url, r#"{"model": "replay:9999-nope"}"#, &[]).await;
    assert_eq!(response.status().as_u16(), 404);
    let error: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("openai/chat.completions/9999-nope"),
        "{message}"
    );

    let response = post(&url, "{not json", &[]).await;
    assert_eq!(response.status().as_u16(), 400);
    let error: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert!(error["error"]["message"].as_str().unwrap().contains("JSON"));

    let anthropic = post(&format!("{}/v1/messages", server.url()), "[1,2]", &[]).await;
    assert_eq!(anthropic.status().as_u16(), 400);
    let error: Value = serde_json::from_slice(&anthropic.bytes().await.unwrap()).unwrap();
    assert_eq!(error["type"], "error");
    assert_eq!(error["error"]["type"], "invalid_request_error");

    let response = post(&format!("{}/v1/nowhere", server.url()), "{}", &[]).await;
    assert_eq!(response.status().as_u16(), 404);
}

/// Whether a body (JSON or SSE text) of `api` holds a tool call.
fn has_tool_call(api: &str, body: &str) -> bool {
    let values: Vec<Value> = match serde_json::from_str(body) {
        Ok(value) => vec![value],
        Err(_) => body
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str(d.trim()).ok())
            .collect(),
    };
    assert!(!values.is_empty(), "no JSON in {body}");
    values.iter().any(|v| {
        any_object(v, &|m| match api {
            "chat" => m
                .get("tool_calls")
                .and_then(Value::as_array)
                .is_some_and(|c| !c.is_empty()),
            "responses" => m.get("type") == Some(&json!("function_call")),
            "messages" => m.get("type") == Some(&json!("tool_use")),
            _ => m.contains_key("functionCall"),
        })
    })
}

#[tokio::test]
async fn default_choice_follows_tools() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    let base = server.url();
    let gemini_tools = json!([{"functionDeclarations": [{"name": "f"}]}]);
    let openai_tools = json!([{"type": "function", "function": {"name": "f"}}]);
    for (api, path, tools) in [
        ("chat", "/v1/chat/completions".to_owned(), &openai_tools),
        ("responses", "/v1/responses".to_owned(), &openai_tools),
        ("messages", "/v1/messages".to_owned(), &openai_tools),
        (
            "gemini",
            "/v1beta/models/gemini-2.5-flash:generateContent".to_owned(),
            &gemini_tools,
        ),
        (
            "gemini",
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse".to_owned(),
            &gemini_tools,
        ),
    ] {
        for stream in [false, true] {
            if api == "gemini" && stream {
                continue; // the stream form is chosen by the route
            }
            let url = format!("{base}{path}");
            let with = json!({"model": "any", "stream": stream, "tools": tools}).to_string();
            let response = post(&url, &with, &[]).await;
            assert_eq!(response.status().as_u16(), 200, "{path} stream={stream}");
            let is_sse = header(&response, "content-type").as_deref() == Some("text/event-stream");
            assert_eq!(is_sse, stream || path.contains("alt=sse"), "{path}");
            let text = response.text().await.unwrap();
            assert!(
                has_tool_call(api, &text),
                "{path} stream={stream} with tools: {text:.300}"
            );

            let without = json!({"model": "any", "stream": stream, "tools": []}).to_string();
            let text = post(&url, &without, &[]).await.text().await.unwrap();
            assert!(
                !has_tool_call(api, &text),
                "{path} stream={stream} without tools: {text:.300}"
            );
        }
    }
}

#[tokio::test]
async fn gemini_routes_replay_by_path_model() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    let base = format!("{}/v1beta/models", server.url());

    let (stem, exchange) = find_json(&corpus, "gemini", "generateContent");
    let response = post(&format!("{base}/replay:{stem}:generateContent"), "{}", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        recorded_body(&exchange)
    );

    // Percent-encoded colon in the model, as some clients send it.
    let response = post(
        &format!("{base}/replay%3A{stem}:generateContent"),
        "{}",
        &[],
    )
    .await;
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        recorded_body(&exchange)
    );

    let (stem, exchange) = find(&corpus, "gemini", "streamGenerateContent", |e| {
        e["sse"].is_string()
    });
    let url = format!("{base}/replay:{stem}:streamGenerateContent?alt=sse");
    let response = post(&url, "{}", &[]).await;
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("text/event-stream")
    );
    assert_eq!(
        response.text().await.unwrap(),
        exchange["sse"].as_str().unwrap()
    );

    // Without alt=sse the default is the JSON array form.
    let url = format!("{base}/gemini-2.5-flash:streamGenerateContent");
    let response = post(&url, r#"{"contents": []}"#, &[]).await;
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("application/json")
    );
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert!(body.is_array(), "{body}");

    let (stem, exchange) = find_json(&corpus, "gemini", "countTokens");
    let response = post(&format!("{base}/replay:{stem}:countTokens"), "{}", &[]).await;
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        recorded_body(&exchange)
    );

    let response = post(&format!("{base}/no-action-here"), "{}", &[]).await;
    assert_eq!(response.status().as_u16(), 404);
    let error: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(error["error"]["status"], "NOT_FOUND");
}

#[tokio::test]
async fn compat_switches_the_chat_corpus() {
    let Some(corpus) = corpus() else { return };
    let (stem, exchange) = find_json(&corpus, "openai-compat", "chat.completions");
    let body = json!({"model": format!("replay:{stem}")}).to_string();

    let server = server(&corpus).await;
    let url = format!("{}/v1/chat/completions", server.url());
    let response = post(&url, &body, &[("x-mock-provider", "openai-compat")]).await;
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        recorded_body(&exchange)
    );
    let response = post(&url, &body, &[]).await;
    let served = header(&response, "x-mock-exchange");
    // Without compat the stem is looked up among the `openai` exchanges.
    assert!(served.is_none() || served.is_some_and(|s| s.starts_with("openai/")));

    let mut config = MockConfig::new(&corpus);
    config.compat = true;
    let compat = MockServer::start(config).await.unwrap();
    let url = format!("{}/v1/chat/completions", compat.url());
    let response = post(&url, &body, &[]).await;
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        recorded_body(&exchange)
    );
}

#[tokio::test]
async fn models_list_in_openai_shape() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    let response = client()
        .get(format!("{}/v1/models", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body["object"], "list");
    assert!(!body["data"].as_array().unwrap().is_empty());
    assert!(body["data"][0]["id"].is_string());

    let health = client()
        .get(format!("{}/healthz", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test]
async fn requests_are_recorded_exactly() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    // Odd spacing and key order: the recording must keep the bytes, not a re-serialization.
    let body = "{ \"stream\" : false,\n  \"model\":\"gpt-4o\", \"messages\":[] , \"x\": 1.0 }";
    post(
        &format!("{}/v1/chat/completions?trace=1", server.url()),
        body,
        &[("x-test", "one")],
    )
    .await;
    let gemini = format!(
        "{}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        server.url()
    );
    post(&gemini, "{}", &[]).await.bytes().await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/v1/chat/completions?trace=1");
    assert_eq!(requests[0].body.as_ref(), body.as_bytes());
    assert_eq!(requests[0].header("X-Test"), Some("one"));
    assert!(
        requests[0]
            .headers
            .contains(&("x-test".to_owned(), "one".to_owned()))
    );
    assert_eq!(
        requests[1].path,
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    );
    server.clear_requests();
    assert!(server.requests().is_empty());

    server.set_recording(false);
    post(&gemini, "{}", &[]).await.bytes().await.unwrap();
    assert!(server.requests().is_empty());
    server.set_recording(true);
    post(&gemini, "{}", &[]).await.bytes().await.unwrap();
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn exchange_reads_the_stored_file() {
    let Some(corpus) = corpus() else { return };
    let stem = &stems(&corpus, "anthropic", "messages")[0];
    let exchange = aigw_mock::exchange(&corpus, "anthropic", "messages", stem).unwrap();
    assert_eq!(exchange["provider"], "anthropic");
    assert!(aigw_mock::exchange(&corpus, "anthropic", "messages", "nope").is_err());
    let digits = stem.split('-').next().unwrap();
    let by_digits = aigw_mock::exchange(&corpus, "anthropic", "messages", digits).unwrap();
    assert_eq!(by_digits, exchange);
    assert!(aigw_mock::exchange(&corpus, "anthropic", "..", "x").is_err());
    let missing = MockServer::start(MockConfig::new(corpus.join("no-such-dir"))).await;
    let error = missing.unwrap_err().to_string();
    assert!(error.contains("no-such-dir"), "{error}");
}
