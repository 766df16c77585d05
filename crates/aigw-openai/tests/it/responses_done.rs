//! A Responses stream that ends with a Chat-style `data: [DONE]` line, as some
//! OpenAI-compatible vendors send it (`tests/fixtures/responses-stream-done.sse`, written by
//! hand): the line is the end of the stream, not an event and not an error — whether it
//! follows `response.completed` or stands in for it.

use aigw_http::testing::{fast_retry, timeouts};
use aigw_openai::client::Client;
use aigw_openai::stream::{ResponsesAccumulator, is_done, responses_event};
use aigw_wire::Json;
use futures_util::StreamExt;
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FIXTURE: &str = include_str!("../fixtures/responses-stream-done.sse");

/// The fixture without its `response.completed` event: `[DONE]` is the only end it has.
fn without_completed() -> String {
    FIXTURE
        .split_inclusive("\n\n")
        .filter(|event| !event.starts_with("event: response.completed\n"))
        .collect()
}

async fn stream_of(
    body: &str,
) -> Vec<Result<aigw_openai::ResponseStreamEvent, aigw_openai::client::Error>> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/responses"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_string(body),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .api_key("k")
        .retry(fast_retry(0))
        .timeouts(timeouts(Duration::from_secs(2), Duration::from_millis(500)))
        .build()
        .expect("client");
    let request = Json::from_json_value(
        &json!({"model": "vendor-model", "input": "Capital of France?", "stream": true}),
    )
    .expect("request");
    let stream = client.responses_stream(&request).await.expect("stream");
    tokio::time::timeout(Duration::from_secs(10), stream.collect::<Vec<_>>())
        .await
        .expect("the stream ends")
}

#[test]
fn the_fixture_is_responses_events_then_done() {
    let frames = aigw_sse::Decoder::decode_all(FIXTURE.as_bytes(), aigw_sse::Limits::default())
        .expect("SSE");
    let events: Vec<_> = frames
        .iter()
        .filter_map(|f| match f {
            aigw_sse::Frame::Event(e) => Some(e),
            aigw_sse::Frame::Comment(_) => None,
        })
        .collect();
    let (last, rest) = events.split_last().expect("events");
    assert!(is_done(last), "ends with [DONE]");
    assert!(rest.iter().all(|e| !is_done(e)));
    for event in rest {
        responses_event(event).expect("a Responses event");
    }
    // `[DONE]` is not a Responses event: typing it is what a stream must not do.
    assert!(responses_event(last).is_err());
}

#[tokio::test]
async fn done_after_response_completed_ends_the_stream_without_error() {
    let events = stream_of(FIXTURE).await;
    assert_eq!(events.len(), 9, "{events:?}");
    let mut acc = ResponsesAccumulator::default();
    for event in &events {
        acc.push(event.as_ref().expect("no error")).expect("folds");
    }
    let response = Json::to_json_value(&acc.finish().expect("a response")).expect("json");
    assert_eq!(response["status"], "completed");
    assert_eq!(response["output"][0]["content"][0]["text"], "Paris.");
}

/// Without the terminal event, `[DONE]` still ends the stream: noted, not an error, and not
/// an `Incomplete` (the vendor said it was done).
#[tokio::test]
async fn done_in_place_of_response_completed_ends_the_stream_without_error() {
    let body = without_completed();
    assert!(body.ends_with("data: [DONE]\n\n") && !body.contains("response.completed"));
    let events = stream_of(&body).await;
    assert_eq!(events.len(), 8, "{events:?}");
    assert!(events.iter().all(Result::is_ok), "{events:?}");
}
