//! Passthrough fidelity, loss reporting and strict mode, fallback, faults midway, limits,
//! authentication and errors — each in every client protocol's own shape.
#![allow(clippy::unwrap_used)]

use crate::common;

use aigw_mock::{Fault, MockConfig, MockServer};
use common::*;
use serde_json::{Value, json};
use std::time::Duration;

const CHAT_PLAIN: &str = "0057-test-document-url-input-1";
const CHAT_STREAM: &str = "0121-test-iter-in-flow-0";
const MESSAGES_STREAM: &str = "simonw-llm-anthropic-0001-test-async-prompt-0";

/// Which protocol an error body is in, by its shape.
fn error_shape(body: &Value) -> Option<Client> {
    if body["type"] == "error"
        && body["error"]["type"].is_string()
        && body["error"]["message"].is_string()
    {
        Some(Client::Messages)
    } else if body["error"]["status"].is_string() && body["error"]["code"].is_number() {
        Some(Client::Gemini)
    } else if body["error"]["message"].is_string() && body["error"]["type"].is_string() {
        Some(Client::Chat)
    } else {
        None
    }
}

/// The error-body protocol of `client` (Responses errors are OpenAI's).
fn wire(client: Client) -> Client {
    if client == Client::Responses {
        Client::Chat
    } else {
        client
    }
}

async fn send(
    gateway: &str,
    client: Client,
    model: &str,
    stream: bool,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, String) {
    let response = client_request(&http(), gateway, client, model, stream, body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

#[tokio::test]
async fn passthrough_forwards_request_and_response_bytes_unmodified() {
    let Some(corpus) = corpus("passthrough") else {
        return;
    };
    let setup = setup(
        &corpus,
        "[[routes]]\nprefix = \"replay:\"\ntargets = [\"oa/*\"]",
    )
    .await;
    // Odd spacing, key order, number forms and an unknown field: all must reach the upstream
    // as sent (the model is the target's own name, so nothing needs changing).
    let body = format!(
        "{{ \"messages\" : [{{\"role\":\"user\",\"content\":\"hi\"}}],\n  \"temperature\": 1.0, \"top_p\": 1e0, \"x_vendor\": {{\"keep\": [1, 2.50]}}, \"model\":\"replay:{CHAT_PLAIN}\" }}"
    );
    let response = http()
        .post(format!("{}/v1/chat/completions", setup.gateway.url))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-aigw-adjustments"], "none");
    assert_eq!(
        response.headers()["x-aigw-route"],
        format!("oa/replay:{CHAT_PLAIN}")
    );
    let got = response.bytes().await.unwrap();
    let sent = setup.mock.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].body,
        body.as_bytes(),
        "the request body changed on the way"
    );
    assert_eq!(
        sent[0].header("authorization"),
        Some("Bearer sk-test-openai-0123456789")
    );
    let recorded = aigw_mock::exchange(&corpus, "openai", "chat.completions", CHAT_PLAIN).unwrap();
    assert_eq!(
        got,
        serde_json::to_vec(&recorded["response"]).unwrap(),
        "the response body changed on the way"
    );

    // A stream: the SSE bytes as the upstream sent them.
    let body = json!({"model": format!("replay:{CHAT_STREAM}"), "messages": [{"role": "user", "content": "hi"}], "stream": true});
    let text = http()
        .post(format!("{}/v1/chat/completions", setup.gateway.url))
        .json(&body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let recorded = aigw_mock::exchange(&corpus, "openai", "chat.completions", CHAT_STREAM).unwrap();
    assert_eq!(text, recorded["sse"].as_str().unwrap());
}

#[tokio::test]
async fn losses_are_reported_in_a_header_and_strict_refuses_them_in_the_clients_format() {
    let Some(corpus) = corpus("strict") else {
        return;
    };
    let setup = setup(&corpus, "").await;
    // logprobs and a seed have no Anthropic equivalent.
    let mut body = request_body(
        Client::Chat,
        "an/replay:0055-test-mid-conversation-system-prompt-inline-system-supported-0",
        false,
        false,
    );
    body["logprobs"] = json!(true);
    body["seed"] = json!(7);
    let (status, headers, _) = send(&setup.gateway.url, Client::Chat, "", false, &body).await;
    assert_eq!(status, 200);
    let header = headers["x-aigw-adjustments"].to_str().unwrap();
    assert!(
        header.contains("dropped") && header.contains("/logprobs") && header.contains("/seed"),
        "{header}"
    );
    assert!(
        header.contains("1 defaulted (/max_completion_tokens)"),
        "{header}"
    );
    // Response losses are told apart from request losses.
    assert!(header.contains("(response)/usage/"), "{header}");

    let before = setup.mock.requests().len();
    let response = client_request(&http(), &setup.gateway.url, Client::Chat, "", false, &body)
        .header("x-aigw-strict", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error_shape(&error), Some(Client::Chat), "{error}");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("strict") && message.contains("/logprobs"),
        "{message}"
    );
    assert_eq!(
        setup.mock.requests().len(),
        before,
        "a refused request must not be sent"
    );

    // Strict from the configuration, for an Anthropic client sending a Chat-only upstream a
    // cache_control it cannot keep: the 400 is Anthropic's shape.
    let strict = Gateway::start(&standard_config(
        &setup.mock.url(),
        &setup.compat.url(),
        "strict = true",
    ))
    .await;
    let mut body = request_body(
        Client::Messages,
        "oa/replay:0057-test-document-url-input-1",
        false,
        false,
    );
    body["messages"][0]["content"] =
        json!([{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}]);
    let (status, _, text) = send(&strict.url, Client::Messages, "", false, &body).await;
    assert_eq!(status, 400, "{text}");
    let error: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(error_shape(&error), Some(Client::Messages), "{error}");
    assert!(text.contains("cache_control"), "{text}");
}

#[tokio::test]
async fn compat_quirks_strip_and_report() {
    let Some(corpus) = corpus("compat") else {
        return;
    };
    let setup = setup(&corpus, "").await;
    // Together takes no parallel_tool_calls and no stream_options.
    let mut body = request_body(
        Client::Chat,
        "co/replay:0126-test-groq-model-web-search-tool-stream-0",
        true,
        true,
    );
    body["parallel_tool_calls"] = json!(false);
    let (status, headers, text) = send(&setup.gateway.url, Client::Chat, "", true, &body).await;
    assert_eq!(status, 200, "{text}");
    let header = headers["x-aigw-adjustments"].to_str().unwrap();
    assert!(
        header.contains("/parallel_tool_calls") && header.contains("/stream_options"),
        "{header}"
    );
    let sent: Value = serde_json::from_slice(&setup.compat.requests()[0].body).unwrap();
    assert!(
        sent.get("parallel_tool_calls").is_none() && sent.get("stream_options").is_none(),
        "{sent}"
    );
    assert_eq!(sent["tools"][0]["function"]["name"], "weather");
}

/// A provider on a port nothing listens on.
async fn dead_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

async fn faulty(corpus: &std::path::Path, fault: Fault) -> MockServer {
    let mut config = MockConfig::new(corpus);
    config.fault = Some(fault);
    MockServer::start(config).await.unwrap()
}

fn chain_config(urls: &[(&str, String)], kind: &str, extra: &str) -> String {
    let mut config = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n\n[limits]\nrequest_timeout_ms = 1500\nidle_timeout_ms = 500\n{extra}\n"
    );
    let mut targets = Vec::new();
    for (name, url) in urls {
        let version = if kind == "gemini" { "v1beta" } else { "v1" };
        let key = match kind {
            "anthropic" => "AN_KEY",
            "gemini" => "GE_KEY",
            _ => "OA_KEY",
        };
        config.push_str(&format!("[providers.{name}]\nkind = \"{kind}\"\nbase_url = \"{url}/{version}\"\nkey_env = \"{key}\"\n\n"));
        targets.push(format!("\"{name}/replay:{{stem}}\""));
    }
    config.push_str(&format!(
        "[[routes]]\nmodel = \"chain\"\ntargets = [{}]\n",
        targets.join(", ")
    ));
    config
}

#[tokio::test]
async fn fallback_on_connect_error_timeout_429_and_5xx_in_order() {
    let Some(corpus) = corpus("fallback") else {
        return;
    };
    let hang = faulty(&corpus, Fault::Hang).await;
    let limited = faulty(&corpus, Fault::Status(429)).await;
    let failing = faulty(&corpus, Fault::Status(503)).await;
    let good = mock(&corpus, false).await;
    let urls = [
        ("dead", dead_url().await),
        ("hang", hang.url()),
        ("limited", limited.url()),
        ("failing", failing.url()),
        ("good", good.url()),
    ];
    let config = chain_config(&urls, "openai", "").replace("{stem}", CHAT_PLAIN);
    let gateway = Gateway::start(&config).await;
    for client in [Client::Chat, Client::Messages, Client::Gemini] {
        let body = request_body(client, "chain", false, false);
        let (status, headers, text) = send(&gateway.url, client, "chain", false, &body).await;
        assert_eq!(status, 200, "{client:?}: {text}");
        assert_eq!(headers["x-aigw-route"], format!("good/replay:{CHAT_PLAIN}"));
        typed_response(client, text.as_bytes()).unwrap();
    }
    assert_eq!(limited.requests().len(), 3);
    assert_eq!(failing.requests().len(), 3);
    assert_eq!(good.requests().len(), 3);
    let metrics = gateway.state.metrics.encode();
    for (provider, reason) in [
        ("dead", "connect"),
        ("hang", "timeout"),
        ("limited", "status_429"),
        ("failing", "status_5xx"),
    ] {
        let line = format!("aigw_fallbacks_total{{provider=\"{provider}\",reason=\"{reason}\"}} 3");
        assert!(metrics.contains(&line), "no {line} in\n{metrics}");
    }

    // Everything fails: the last upstream error, in the client's shape and status.
    let config = chain_config(&urls[..4], "openai", "").replace("{stem}", CHAT_PLAIN);
    let gateway = Gateway::start(&config).await;
    let body = request_body(Client::Messages, "chain", false, false);
    let (status, _, text) = send(&gateway.url, Client::Messages, "chain", false, &body).await;
    assert_eq!(status, 503, "{text}");
    let error: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(error_shape(&error), Some(Client::Messages), "{error}");
    assert_eq!(error["error"]["type"], "overloaded_error");
    // The last target's failure is no fallback: there was nothing left to try.
    let metrics = gateway.state.metrics.encode();
    assert!(
        metrics.contains("aigw_fallbacks_total{provider=\"limited\",reason=\"status_429\"} 1"),
        "{metrics}"
    );
    assert!(
        !metrics.contains("aigw_fallbacks_total{provider=\"failing\""),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_client_error_is_not_retried_elsewhere_and_keeps_its_meaning() {
    let Some(corpus) = corpus("client error") else {
        return;
    };
    let bad = faulty(&corpus, Fault::Status(400)).await;
    let good = mock(&corpus, false).await;
    let config = chain_config(&[("bad", bad.url()), ("good", good.url())], "anthropic", "")
        .replace("{stem}", MESSAGES_STREAM);
    let gateway = Gateway::start(&config).await;
    for client in CLIENTS {
        let body = request_body(client, "chain", false, false);
        let (status, _, text) = send(&gateway.url, client, "chain", false, &body).await;
        assert_eq!(status, 400, "{client:?}: {text}");
        let error: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            error_shape(&error),
            Some(wire(client)),
            "{client:?}: {error}"
        );
    }
    assert_eq!(good.requests().len(), 0, "a 400 must not fall back");
}

#[tokio::test]
async fn an_upstream_failing_midway_ends_each_clients_stream_with_its_error_event() {
    let Some(corpus) = corpus("midway") else {
        return;
    };
    for fault in [Fault::Cut(2), Fault::Stall(2)] {
        let broken = faulty(&corpus, fault).await;
        let good = mock(&corpus, false).await;
        let config = chain_config(
            &[("broken", broken.url()), ("good", good.url())],
            "anthropic",
            "",
        )
        .replace("{stem}", MESSAGES_STREAM);
        let gateway = Gateway::start(&config).await;
        for client in CLIENTS {
            let body = request_body(client, "chain", true, false);
            let started = std::time::Instant::now();
            let (status, _, text) = send(&gateway.url, client, "chain", true, &body).await;
            assert_eq!(status, 200, "{fault:?} {client:?}: {text}");
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{fault:?} {client:?} hung"
            );
            let frames =
                aigw_sse::Decoder::decode_all(text.as_bytes(), aigw_sse::Limits::default())
                    .unwrap();
            let Some(aigw_sse::Frame::Event(last)) = frames.last() else {
                panic!("{client:?}: no events in {text}")
            };
            let data: Value = serde_json::from_str(&last.data).unwrap();
            match client {
                Client::Chat | Client::Gemini => {
                    assert_eq!(last.event, None);
                    assert!(error_shape(&data).is_some(), "{client:?}: {data}");
                }
                Client::Responses => {
                    assert_eq!(last.event.as_deref(), Some("error"));
                    assert_eq!(data["type"], "error");
                    assert!(
                        data["message"].is_string() && data["sequence_number"].is_number(),
                        "{data}"
                    );
                }
                Client::Messages => {
                    assert_eq!(last.event.as_deref(), Some("error"));
                    assert_eq!(error_shape(&data), Some(Client::Messages), "{data}");
                }
            }
            // The client's accumulator sees an error, not a truncated success.
            assert!(fold_stream(client, &text).is_err(), "{client:?}: {text}");
        }
        // The stream had started: no fallback after the first byte.
        assert_eq!(good.requests().len(), 0, "{fault:?}");
    }
}

#[tokio::test]
async fn body_limit_malformed_json_unknown_model_and_auth_answer_in_the_clients_format() {
    let Some(corpus) = corpus("limits") else {
        return;
    };
    let setup = setup(
        &corpus,
        "client_key_env = [\"CLIENT_KEY\"]\n[limits]\nmax_body_bytes = 2000",
    )
    .await;
    let gateway = &setup.gateway.url;
    for client in CLIENTS {
        let model = format!("oa/replay:{CHAT_PLAIN}");
        // Too large.
        let mut body = request_body(client, &model, false, false);
        body["padding"] = json!("x".repeat(3000));
        let (status, _, text) = send(gateway, client, &model, false, &body).await;
        assert_eq!(status, 413, "{client:?}: {text}");
        assert_eq!(
            error_shape(&serde_json::from_str(&text).unwrap()),
            Some(wire(client)),
            "{text}"
        );
        // Not JSON.
        let response = client_request(&http(), gateway, client, &model, false, &json!(null))
            .body("{\"model\": oops")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let text = response.text().await.unwrap();
        assert!(text.contains("not valid JSON"), "{text}");
        assert_eq!(
            error_shape(&serde_json::from_str(&text).unwrap()),
            Some(wire(client)),
            "{text}"
        );
        // No route.
        let body = request_body(client, "nobody/knows", false, false);
        let (status, _, text) = send(gateway, client, "nobody/knows", false, &body).await;
        assert_eq!(status, 404, "{client:?}: {text}");
        assert_eq!(
            error_shape(&serde_json::from_str(&text).unwrap()),
            Some(wire(client)),
            "{text}"
        );
        // No key, a wrong key.
        let body = request_body(client, &model, false, false);
        for key in [None, Some("wrong")] {
            let mut request = http().post(match client {
                Client::Chat => format!("{gateway}/v1/chat/completions"),
                Client::Responses => format!("{gateway}/v1/responses"),
                Client::Messages => format!("{gateway}/v1/messages"),
                Client::Gemini => format!("{gateway}/v1beta/models/{model}:generateContent"),
            });
            if let Some(key) = key {
                request = match client {
                    Client::Messages => request.header("x-api-key", key),
                    Client::Gemini => request.header("x-goog-api-key", key),
                    _ => request.bearer_auth(key),
                };
            }
            let response = request.json(&body).send().await.unwrap();
            assert_eq!(response.status(), 401, "{client:?} {key:?}");
            let error: Value = response.json().await.unwrap();
            assert_eq!(error_shape(&error), Some(wire(client)), "{error}");
        }
    }
    // Gemini's `?key=` works too.
    let body = request_body(Client::Gemini, "", false, false);
    let response = http()
        .post(format!("{gateway}/v1beta/models/oa/replay:{CHAT_PLAIN}:generateContent?key=aigw-client-key-0123"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        setup.mock.requests().len(),
        1,
        "only the authorized request went upstream"
    );
}

#[tokio::test]
async fn upstream_errors_reach_each_client_in_its_own_shape_with_a_fitting_status() {
    let Some(corpus) = corpus("errors") else {
        return;
    };
    for (kind, status, expected) in [
        ("openai", 429, 429),
        ("anthropic", 529, 503),
        ("gemini", 401, 401),
    ] {
        let upstream = faulty(&corpus, Fault::Status(status)).await;
        let config =
            chain_config(&[("only", upstream.url())], kind, "").replace("{stem}", CHAT_PLAIN);
        let gateway = Gateway::start(&config).await;
        for client in CLIENTS {
            let body = request_body(client, "chain", false, false);
            let (got, _, text) = send(&gateway.url, client, "chain", false, &body).await;
            let same = matches!(
                (kind, client),
                ("openai", Client::Chat | Client::Responses)
                    | ("anthropic", Client::Messages)
                    | ("gemini", Client::Gemini)
            );
            assert_eq!(
                got,
                if same { status } else { expected },
                "{kind} {status} → {client:?}: {text}"
            );
            let error: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                error_shape(&error),
                Some(wire(client)),
                "{kind} → {client:?}: {error}"
            );
        }
    }
}

#[tokio::test]
async fn an_upstream_key_echoed_in_an_error_never_reaches_the_client() {
    // A raw upstream that answers 401 quoting the Authorization header it got.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 65536];
            let n = socket.read(&mut buf).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).to_string();
            let auth = request
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
                .unwrap_or("")
                .to_owned();
            let body = json!({"error": {"message": format!("bad key, you sent {auth}"), "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}).to_string();
            let head = format!(
                "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
        }
    });
    let gateway =
        Gateway::start(&chain_config(&[("echo", url)], "openai", "").replace("{stem}", "x")).await;
    for client in CLIENTS {
        let body = request_body(client, "chain", false, false);
        let (status, _, text) = send(&gateway.url, client, "chain", false, &body).await;
        assert_eq!(status, 401);
        assert!(
            !text.contains("sk-test-openai-0123456789"),
            "{client:?}: {text}"
        );
        assert!(text.contains("[REDACTED]"), "{client:?}: {text}");
    }
}

#[tokio::test]
async fn gemini_v1_paths_request_ids_in_the_clients_header_and_no_comment_lines() {
    let Some(corpus) = corpus("details") else {
        return;
    };
    let setup = setup(&corpus, "client_key_env = [\"CLIENT_KEY\"]").await;
    let url = &setup.gateway.url;
    // google-genai's default API version is v1: the same endpoints answer there.
    let model = format!("oa/replay:{CHAT_PLAIN}");
    let response = http()
        .post(format!("{url}/v1/models/{model}:generateContent"))
        .header("x-goog-api-key", "aigw-client-key-0123")
        .json(&request_body(Client::Gemini, &model, false, false))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    typed_response(Client::Gemini, &response.bytes().await.unwrap()).unwrap();
    // The upstream's request id, under the name the client's SDK reads.
    let model = "an/replay:0055-test-mid-conversation-system-prompt-inline-system-supported-0";
    let body = request_body(Client::Chat, model, false, false);
    let (_, headers, _) = send(url, Client::Chat, model, false, &body).await;
    assert!(
        headers["x-request-id"]
            .to_str()
            .unwrap()
            .starts_with("req_mock_"),
        "{headers:?}"
    );
    let model = format!("oa/replay:{CHAT_PLAIN}");
    let body = request_body(Client::Messages, &model, false, false);
    let (_, headers, _) = send(url, Client::Messages, &model, false, &body).await;
    assert!(
        headers["request-id"]
            .to_str()
            .unwrap()
            .starts_with("req_mock_"),
        "{headers:?}"
    );
    // A translated stream is events only: a comment line breaks clients that read every
    // line as data (google-genai).
    let model = format!("oa/replay:{CHAT_STREAM}");
    let body = request_body(Client::Gemini, &model, true, false);
    let (_, _, text) = send(url, Client::Gemini, &model, true, &body).await;
    assert!(
        text.lines()
            .all(|l| l.is_empty() || l.starts_with("data: ")),
        "{text}"
    );
    // Refused before the body was read: the connection closes, and the answer says so.
    let response = http()
        .post(format!("{url}/v1/chat/completions"))
        .json(&request_body(Client::Chat, &model, false, false))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["connection"], "close");
}

/// A raw upstream answering once with `sse` in chunks of 1 to 7 bytes; with `cut`, the
/// connection drops after that many bytes (mid-event).
async fn rechunking_upstream(sse: String, cut: Option<usize>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 65536];
        let _ = socket.read(&mut buf).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        let bytes = sse.as_bytes();
        let end = cut.unwrap_or(bytes.len());
        let (mut at, mut size) = (0, 1);
        while at < end {
            let piece = &bytes[at..(at + size).min(end)];
            let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
            chunk.extend_from_slice(piece);
            chunk.extend_from_slice(b"\r\n");
            socket.write_all(&chunk).await.unwrap();
            socket.flush().await.unwrap();
            at += piece.len();
            size = size % 7 + 1;
            if at % 5 == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        if cut.is_none() {
            socket.write_all(b"0\r\n\r\n").await.unwrap();
        }
        // Dropping the socket without the last chunk is a cut.
    });
    url
}

#[tokio::test]
async fn passthrough_streams_survive_any_rechunking_and_a_cut_never_leaves_half_an_event() {
    let Some(corpus) = corpus("rechunk") else {
        return;
    };
    let recorded = aigw_mock::exchange(&corpus, "openai", "chat.completions", CHAT_STREAM).unwrap();
    let sse = recorded["sse"].as_str().unwrap().to_owned();
    let start = |url: String| async move {
        Gateway::start(&format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[providers.up]\nkind = \"openai\"\nbase_url = \"{url}/v1\"\nkey_env = \"OA_KEY\"\n"
        ))
        .await
    };
    let body = request_body(Client::Chat, "up/m", true, false);
    let gateway = start(rechunking_upstream(sse.clone(), None).await).await;
    let (status, _, text) = send(&gateway.url, Client::Chat, "up/m", true, &body).await;
    assert_eq!(status, 200);
    assert_eq!(text, sse, "the bytes changed on the way");

    // Bytes after the last event (a comment line without its line end) still go through.
    let trailing = format!("{sse}: bye");
    let gateway = start(rechunking_upstream(trailing.clone(), None).await).await;
    let (_, _, text) = send(&gateway.url, Client::Chat, "up/m", true, &body).await;
    assert_eq!(text, trailing);

    // Cut in the middle of the third event: the client gets the first two events whole,
    // then the protocol's error event — never a fragment.
    let third = sse.match_indices("\n\n").nth(1).unwrap().0 + 2;
    let cut = third + 20;
    let gateway = start(rechunking_upstream(sse.clone(), Some(cut)).await).await;
    let (status, _, text) = send(&gateway.url, Client::Chat, "up/m", true, &body).await;
    assert_eq!(status, 200);
    assert!(text.starts_with(&sse[..third]), "{text}");
    let rest = &text[third..];
    assert!(rest.starts_with("data: {\"error\""), "{rest}");
    assert!(rest.ends_with("\n\n"), "{rest}");
    assert_eq!(rest.matches("\n\n").count(), 1, "{rest}");
}
