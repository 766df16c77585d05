//! The request log: what it names, and what it must never contain.
//!
//! Alone in its test binary: the log is captured with a subscriber set for this test's thread
//! only, and tracing caches whether each log site is enabled per process. When another test's
//! thread reached the gateway's log sites at the same moment, that cache could say "disabled"
//! for this thread's subscriber too (seen once in CI: every gateway line missing).
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "current_thread")]
async fn logs_name_requests_but_never_keys_or_bodies() {
    let Some(corpus) = corpus("logs") else { return };
    // One thread: the gateway's tasks log into this test's subscriber.
    let (logs, _guard) = aigw_http::testing::capture_traces();
    let setup = setup(&corpus, "client_key_env = [\"CLIENT_KEY\"]").await;
    let url = &setup.gateway.url;
    for (client, stream) in [
        (Client::Chat, false),
        (Client::Messages, true),
        (Client::Gemini, false),
    ] {
        let model = "an/replay:0055-test-mid-conversation-system-prompt-inline-system-supported-0";
        let model = if stream {
            "an/replay:simonw-llm-anthropic-0001-test-async-prompt-0"
        } else {
            model
        };
        let mut body = request_body(client, model, stream, false);
        body["metadata_secret_text"] = json!("the-body-must-not-be-logged");
        let response = client_request(&http(), url, client, model, stream, &body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
    }
    // A refused request is logged too.
    let body = request_body(Client::Chat, "nobody/x", false, false);
    let response = client_request(&http(), url, Client::Chat, "nobody/x", false, &body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let text = logs.text();
    assert!(text.contains("api=\"messages\""), "{text}");
    assert!(text.contains("status=200"), "{text}");
    assert!(text.contains("status=404"), "{text}");
    assert!(text.contains("route=\"an/replay:"), "{text}");
    for (name, secret) in UPSTREAM_KEYS {
        assert!(
            !text.contains(secret),
            "{name} leaked into the logs: {text}"
        );
    }
    for body_text in ["Say hello.", "the-body-must-not-be-logged"] {
        assert!(
            !text.contains(body_text),
            "a body leaked into the logs: {text}"
        );
    }
}
