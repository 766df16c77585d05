//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use aigw_mock::{MockConfig, MockServer};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The corpus from `AIGW_CORPUS`, or `None` after printing the skip notice.
pub fn corpus() -> Option<PathBuf> {
    let corpus = aigw_mock::corpus_dir();
    if corpus.is_none() {
        println!("SKIPPED: AIGW_CORPUS not set");
    }
    corpus
}

/// A server with the default configuration.
pub async fn server(corpus: &Path) -> MockServer {
    MockServer::start(MockConfig::new(corpus)).await.unwrap()
}

/// The file stems of `<provider>/<api>`, sorted.
pub fn stems(corpus: &Path, provider: &str, api: &str) -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(corpus.join(provider).join(api))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.file_stem().unwrap().to_str().unwrap().to_owned())
        .collect();
    stems.sort();
    stems
}

/// The first exchange (by file name) of `<provider>/<api>` satisfying `test`.
pub fn find(
    corpus: &Path,
    provider: &str,
    api: &str,
    test: impl Fn(&Value) -> bool,
) -> (String, Value) {
    stems(corpus, provider, api)
        .into_iter()
        .map(|stem| {
            let exchange = aigw_mock::exchange(corpus, provider, api, &stem).unwrap();
            (stem, exchange)
        })
        .find(|(_, exchange)| test(exchange))
        .unwrap_or_else(|| panic!("no matching exchange in {provider}/{api}"))
}

/// A 200 streamed exchange whose `sse` uses LF line endings and has at least `events`
/// events.
pub fn find_stream(corpus: &Path, provider: &str, api: &str, events: usize) -> (String, Value) {
    find(corpus, provider, api, |e| {
        e["status"] == 200
            && e["sse"]
                .as_str()
                .is_some_and(|s| !s.contains('\r') && split_lf_events(s).len() >= events)
    })
}

/// A 200 non-streamed exchange.
pub fn find_json(corpus: &Path, provider: &str, api: &str) -> (String, Value) {
    find(corpus, provider, api, |e| {
        e["status"] == 200 && e["sse"].is_null()
    })
}

/// LF-only SSE text split after each blank line.
pub fn split_lf_events(sse: &str) -> Vec<String> {
    let mut events: Vec<String> = sse.split_inclusive("\n\n").map(str::to_owned).collect();
    events.retain(|e| !e.is_empty());
    events
}

/// The body the mock sends for a non-streamed exchange.
pub fn recorded_body(exchange: &Value) -> Vec<u8> {
    serde_json::to_vec(&exchange["response"]).unwrap()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// POSTs `body` as JSON with extra headers.
pub async fn post(url: &str, body: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = client()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// The response's header as a string.
pub fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// Whether any object in `value` satisfies `test`.
pub fn any_object(value: &Value, test: &dyn Fn(&serde_json::Map<String, Value>) -> bool) -> bool {
    match value {
        Value::Object(map) => test(map) || map.values().any(|v| any_object(v, test)),
        Value::Array(items) => items.iter().any(|v| any_object(v, test)),
        _ => false,
    }
}
