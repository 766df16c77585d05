//! Faults (status, cut, stall, hang), latency and pacing.
#![allow(clippy::unwrap_used)]

mod common;

use aigw_mock::{Fault, MockConfig, MockServer};
use common::*;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// How long "nothing more arrives" is watched for.
const QUIET: Duration = Duration::from_millis(400);

#[tokio::test]
async fn status_fault_uses_each_provider_error_shape() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    let base = server.url();

    let response = post(
        &format!("{base}/v1/chat/completions"),
        "{}",
        &[("x-mock-fault", "status:429")],
    )
    .await;
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(header(&response, "retry-after").as_deref(), Some("0"));
    assert!(header(&response, "x-request-id").is_some());
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    let error = body["error"].as_object().unwrap();
    for key in ["message", "type", "param", "code"] {
        assert!(error.contains_key(key), "{body}");
    }

    let response = post(
        &format!("{base}/v1/messages"),
        "{}",
        &[("x-mock-fault", "status:529")],
    )
    .await;
    assert_eq!(response.status().as_u16(), 529);
    assert!(header(&response, "retry-after").is_none());
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "overloaded_error");
    assert!(body["error"]["message"].is_string());

    let response = post(
        &format!("{base}/v1beta/models/gemini-2.5-flash:generateContent"),
        "{}",
        &[("x-mock-fault", "status:503")],
    )
    .await;
    assert_eq!(response.status().as_u16(), 503);
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], 503);
    assert_eq!(body["error"]["status"], "UNAVAILABLE");
    assert!(body["error"]["message"].is_string());

    let response = post(
        &format!("{base}/v1/messages"),
        "{}",
        &[("x-mock-fault", "sometimes")],
    )
    .await;
    assert_eq!(response.status().as_u16(), 400);
}

#[tokio::test]
async fn configured_fault_changes_at_runtime_and_header_overrides() {
    let Some(corpus) = corpus() else { return };
    let mut config = MockConfig::new(&corpus);
    config.fault = Some(Fault::Status(500));
    let server = MockServer::start(config).await.unwrap();
    let url = format!("{}/v1/chat/completions", server.url());
    let body = r#"{"model": "gpt-4o", "messages": []}"#;

    assert_eq!(post(&url, body, &[]).await.status().as_u16(), 500);
    let cleared = post(&url, body, &[("x-mock-fault", "none")]).await;
    assert_eq!(cleared.status().as_u16(), 200);

    server.set_fault(Some(Fault::Status(401)));
    assert_eq!(post(&url, body, &[]).await.status().as_u16(), 401);
    server.set_fault(None);
    assert_eq!(post(&url, body, &[]).await.status().as_u16(), 200);
}

/// Reads a streamed body until it ends, errors, or stays quiet for [`QUIET`]: the bytes
/// received, and how it ended.
async fn read_body(response: reqwest::Response) -> (Vec<u8>, &'static str) {
    let mut stream = response.bytes_stream();
    let mut received = Vec::new();
    loop {
        match tokio::time::timeout(QUIET, stream.next()).await {
            Err(_) => return (received, "quiet"),
            Ok(None) => return (received, "end"),
            Ok(Some(Err(_))) => return (received, "error"),
            Ok(Some(Ok(chunk))) => received.extend_from_slice(&chunk),
        }
    }
}

#[tokio::test]
async fn cut_sends_n_events_then_a_body_error() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    let (stem, exchange) = find_stream(&corpus, "openai", "chat.completions", 4);
    let events = split_lf_events(exchange["sse"].as_str().unwrap());
    let body = json!({"model": format!("replay:{stem}"), "stream": true}).to_string();
    let url = format!("{}/v1/chat/completions", server.url());

    let response = post(&url, &body, &[("x-mock-fault", "cut:2")]).await;
    assert_eq!(response.status().as_u16(), 200);
    let (received, ending) = read_body(response).await;
    assert_eq!(ending, "error");
    assert_eq!(String::from_utf8(received).unwrap(), events[..2].concat());

    // A JSON body is cut after N bytes.
    let (stem, exchange) = find_json(&corpus, "openai", "chat.completions");
    let body = json!({"model": format!("replay:{stem}")}).to_string();
    let response = post(&url, &body, &[("x-mock-fault", "cut:10")]).await;
    let (received, ending) = read_body(response).await;
    assert_eq!(ending, "error");
    assert_eq!(received, recorded_body(&exchange)[..10]);
}

#[tokio::test]
async fn stall_sends_n_events_then_nothing() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    let (stem, exchange) = find_stream(&corpus, "anthropic", "messages", 3);
    let events = split_lf_events(exchange["sse"].as_str().unwrap());
    let body = json!({"model": format!("replay:{stem}"), "stream": true}).to_string();

    let response = post(
        &format!("{}/v1/messages", server.url()),
        &body,
        &[("x-mock-fault", "stall:1")],
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let (received, ending) = read_body(response).await;
    assert_eq!(ending, "quiet");
    assert_eq!(String::from_utf8(received).unwrap(), events[0]);
}

#[tokio::test]
async fn hang_never_sends_headers() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    let url = format!("{}/v1/chat/completions", server.url());
    let request = client()
        .post(&url)
        .header("x-mock-fault", "hang")
        .body("{}")
        .send();
    assert!(tokio::time::timeout(QUIET, request).await.is_err());
    // The request was received all the same.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn latency_delays_the_response() {
    let Some(corpus) = corpus() else { return };
    let mut config = MockConfig::new(&corpus);
    config.latency = Duration::from_millis(200);
    let server = MockServer::start(config).await.unwrap();
    let started = Instant::now();
    let response = post(
        &format!("{}/v1/messages", server.url()),
        r#"{"model": "claude"}"#,
        &[],
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn event_delay_paces_the_stream() {
    let Some(corpus) = corpus() else { return };
    let (stem, exchange) = find_stream(&corpus, "openai", "responses", 4);
    let events = split_lf_events(exchange["sse"].as_str().unwrap());
    let mut config = MockConfig::new(&corpus);
    config.event_delay = Duration::from_millis(20);
    let server = MockServer::start(config).await.unwrap();
    let body = json!({"model": format!("replay:{stem}"), "stream": true}).to_string();
    let started = Instant::now();
    let response = post(&format!("{}/v1/responses", server.url()), &body, &[]).await;
    let text = response.text().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(text, events.concat());
    let minimum = Duration::from_millis(20) * (events.len() as u32 - 1);
    assert!(elapsed >= minimum, "{elapsed:?} < {minimum:?}");
}

#[tokio::test]
async fn dropping_the_server_ends_a_stalled_stream() {
    let Some(corpus) = corpus() else { return };
    let server = server(&corpus).await;
    let (stem, _) = find_stream(&corpus, "anthropic", "messages", 2);
    let body = json!({"model": format!("replay:{stem}"), "stream": true}).to_string();
    let response = post(
        &format!("{}/v1/messages", server.url()),
        &body,
        &[("x-mock-fault", "stall:0")],
    )
    .await;
    drop(server);
    let (received, ending) = read_body(response).await;
    assert!(received.is_empty());
    assert_eq!(ending, "error");
}
