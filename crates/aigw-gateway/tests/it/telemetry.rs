//! Traces: an in-process OTLP/HTTP collector (protobuf decoded with `opentelemetry-proto`)
//! receives the spans of a translated, streamed request that fell back once; a collector that
//! is down changes nothing for the requests and is counted.
#![allow(clippy::unwrap_used)]

use crate::common;

use aigw_mock::{Fault, MockConfig, MockServer};
use axum::body::Bytes;
use common::*;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MESSAGES_STREAM: &str = "simonw-llm-anthropic-0001-test-async-prompt-0";

/// A span received, with its resource's attributes.
type Received = (Vec<KeyValue>, Span);

/// A collector on loopback: every span it received.
#[derive(Clone, Default)]
struct Collector {
    spans: Arc<Mutex<Vec<Received>>>,
}

impl Collector {
    async fn start(&self) -> String {
        let spans = self.spans.clone();
        let app = axum::Router::new().route(
            "/v1/traces",
            axum::routing::post(move |body: Bytes| {
                let spans = spans.clone();
                async move {
                    let request = ExportTraceServiceRequest::decode(body).unwrap();
                    let mut spans = spans.lock().unwrap();
                    for resource in request.resource_spans {
                        let attributes =
                            resource.resource.map(|r| r.attributes).unwrap_or_default();
                        for scope in resource.scope_spans {
                            for span in scope.spans {
                                spans.push((attributes.clone(), span));
                            }
                        }
                    }
                    (
                        [("content-type", "application/x-protobuf")],
                        ExportTraceServiceResponse::default().encode_to_vec(),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }

    /// The spans, once `n` have arrived (within 20 s).
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let spans = self.spans.lock().unwrap().clone();
            if spans.len() >= n || Instant::now() > until {
                return spans;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn attr<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v: &AnyValue| v.value.as_ref())
}

fn text(attributes: &[KeyValue], key: &str) -> String {
    match attr(attributes, key) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        other => panic!("{key}: {other:?}"),
    }
}

fn int(attributes: &[KeyValue], key: &str) -> i64 {
    match attr(attributes, key) {
        Some(any_value::Value::IntValue(n)) => *n,
        other => panic!("{key}: {other:?}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The recording's token counts as the gateway normalizes Anthropic usage: input with the
/// cache reads and writes, output; `message_start`'s usage overlaid by `message_delta`'s.
fn recorded_tokens(exchange: &Value) -> (i64, i64) {
    let mut usage = serde_json::Map::new();
    for line in exchange["sse"].as_str().unwrap().lines() {
        let Some(data) = line.strip_prefix("data: ") else {
            continue;
        };
        let event: Value = serde_json::from_str(data).unwrap();
        let found = event
            .pointer("/message/usage")
            .or_else(|| event.get("usage"));
        if let Some(Value::Object(found)) = found {
            for (k, v) in found {
                usage.insert(k.clone(), v.clone());
            }
        }
    }
    let n = |k: &str| usage.get(k).and_then(Value::as_i64).unwrap_or(0);
    (
        n("input_tokens") + n("cache_read_input_tokens") + n("cache_creation_input_tokens"),
        n("output_tokens"),
    )
}

fn config(failing: &str, good: &str, telemetry: &str) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:0"

[telemetry]
{telemetry}
batch_delay_ms = 20
export_timeout_ms = 1000

[providers.failing]
kind = "anthropic"
base_url = "{failing}/v1"
key_env = "AN_KEY"

[providers.good]
kind = "anthropic"
base_url = "{good}/v1"
key_env = "AN_KEY"

[[routes]]
model = "chain"
targets = ["failing/replay:{MESSAGES_STREAM}", "good/replay:{MESSAGES_STREAM}"]
"#
    )
}

async fn upstreams(corpus: &std::path::Path) -> (MockServer, MockServer) {
    let mut failing = MockConfig::new(corpus);
    failing.fault = Some(Fault::Status(503));
    (
        MockServer::start(failing).await.unwrap(),
        mock(corpus, false).await,
    )
}

/// A Chat client streams through two Anthropic targets, the first failing: the collector
/// gets the server span (the client's `traceparent` its parent) and two client spans, with
/// the GenAI attributes and the recording's token counts, and each loss as an event; the
/// upstream that answered got the `traceparent` of its attempt's span.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_translated_stream_with_a_fallback_is_traced() {
    let Some(corpus) = corpus("telemetry") else {
        return;
    };
    let exchange: Value = serde_json::from_str(
        &std::fs::read_to_string(
            corpus
                .join("anthropic/messages")
                .join(format!("{MESSAGES_STREAM}.json")),
        )
        .unwrap(),
    )
    .unwrap();
    let (input_tokens, output_tokens) = recorded_tokens(&exchange);
    assert!(input_tokens > 0 && output_tokens > 0);

    let collector = Collector::default();
    let endpoint = collector.start().await;
    let (failing, good) = upstreams(&corpus).await;
    let gateway = Gateway::start(&config(
        &failing.url(),
        &good.url(),
        &format!("otlp_endpoint = \"{endpoint}\"\nservice_name = \"aigw-test\""),
    ))
    .await;

    let client_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let client_span = "00f067aa0ba902b7";
    let mut body = request_body(Client::Chat, "chain", true, false);
    // Anthropic has no `seed`: a loss of the request's translation.
    body["seed"] = json!(7);
    let response = http()
        .post(format!("{}/v1/chat/completions", gateway.url))
        .header("traceparent", format!("00-{client_trace}-{client_span}-01"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let adjustments = response.headers()["x-aigw-adjustments"]
        .to_str()
        .unwrap()
        .to_owned();
    let sse = response.text().await.unwrap();
    assert!(sse.ends_with("data: [DONE]\n\n"), "{sse}");
    assert!(adjustments.contains("/seed"), "{adjustments}");

    let spans = collector.wait_for(3).await;
    assert_eq!(spans.len(), 3, "{spans:#?}");
    for (resource, _) in &spans {
        assert_eq!(text(resource, "service.name"), "aigw-test");
    }
    let server: Vec<&Span> = spans
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.kind == SpanKind::Server as i32)
        .collect();
    let clients: Vec<&Span> = spans
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.kind == SpanKind::Client as i32)
        .collect();
    assert_eq!((server.len(), clients.len()), (1, 2), "{spans:#?}");
    let server = server[0];
    println!("{}", dump(server));
    for span in &clients {
        println!("{}", dump(span));
    }

    // The client's trace continued.
    assert_eq!(hex(&server.trace_id), client_trace);
    assert_eq!(hex(&server.parent_span_id), client_span);
    assert_eq!(server.name, "chat chain");
    let a = &server.attributes;
    assert_eq!(text(a, "gen_ai.operation.name"), "chat");
    assert_eq!(text(a, "gen_ai.request.model"), "chain");
    assert_eq!(text(a, "gen_ai.provider.name"), "anthropic");
    assert_eq!(
        text(a, "aigw.route"),
        format!("good/replay:{MESSAGES_STREAM}")
    );
    assert_eq!(int(a, "gen_ai.usage.input_tokens"), input_tokens);
    assert_eq!(int(a, "gen_ai.usage.output_tokens"), output_tokens);
    assert_eq!(int(a, "aigw.fallbacks"), 1);
    assert_eq!(int(a, "http.response.status_code"), 200);
    let recorded_model = exchange["sse"]
        .as_str()
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .find_map(|e| {
            e.pointer("/message/model")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap();
    assert_eq!(text(a, "gen_ai.response.model"), recorded_model);
    match attr(a, "gen_ai.response.finish_reasons") {
        Some(any_value::Value::ArrayValue(list)) => assert!(!list.values.is_empty()),
        other => panic!("finish reasons: {other:?}"),
    }
    assert!(matches!(
        attr(a, "gen_ai.server.time_to_first_token"),
        Some(any_value::Value::DoubleValue(s)) if *s > 0.0
    ));
    // Each loss an event, counted in `aigw.losses`; no content by default.
    let losses: Vec<(String, String)> = server
        .events
        .iter()
        .filter(|e| e.name == "aigw.loss")
        .map(|e| {
            (
                text(&e.attributes, "aigw.loss.pointer"),
                text(&e.attributes, "aigw.loss.kind"),
            )
        })
        .collect();
    assert_eq!(int(a, "aigw.losses"), losses.len() as i64);
    assert!(
        losses.contains(&("/seed".to_owned(), "dropped".to_owned())),
        "{losses:?}"
    );
    assert!(attr(a, "aigw.request.body").is_none());

    // Two attempts, in order, children of the server span: the failed one, the answered one.
    let mut clients = clients;
    clients.sort_by_key(|s| s.start_time_unix_nano);
    let (failed, answered) = (clients[0], clients[1]);
    for span in [failed, answered] {
        assert_eq!(span.trace_id, server.trace_id);
        assert_eq!(span.parent_span_id, server.span_id);
        assert_eq!(text(&span.attributes, "gen_ai.provider.name"), "anthropic");
        assert_eq!(
            text(&span.attributes, "gen_ai.request.model"),
            format!("replay:{MESSAGES_STREAM}")
        );
    }
    assert_eq!(text(&failed.attributes, "aigw.provider"), "failing");
    assert_eq!(text(&failed.attributes, "error.type"), "status_5xx");
    assert_eq!(int(&failed.attributes, "http.response.status_code"), 503);
    assert!(failed.end_time_unix_nano <= answered.start_time_unix_nano);
    assert_eq!(text(&answered.attributes, "aigw.provider"), "good");
    assert_eq!(int(&answered.attributes, "http.response.status_code"), 200);
    assert_eq!(
        int(&answered.attributes, "gen_ai.usage.output_tokens"),
        output_tokens
    );

    // Each upstream got its own attempt's `traceparent`.
    let sent = |mock: &MockServer| {
        let requests = mock.requests();
        assert_eq!(requests.len(), 1);
        requests[0]
            .headers
            .iter()
            .find(|(n, _)| n == "traceparent")
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(
        sent(&good),
        format!("00-{client_trace}-{}-01", hex(&answered.span_id))
    );
    assert_eq!(
        sent(&failing),
        format!("00-{client_trace}-{}-01", hex(&failed.span_id))
    );
    let metrics = gateway.state.metrics.encode();
    assert!(
        metrics.contains("aigw_trace_spans_exported_total 3"),
        "{metrics}"
    );
}

/// A compact dump of a span: kind, name, ids, attributes, events.
fn dump(span: &Span) -> String {
    let value = |v: &Option<AnyValue>| match v.as_ref().and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => format!("{s:?}"),
        Some(any_value::Value::IntValue(n)) => n.to_string(),
        Some(any_value::Value::DoubleValue(n)) => format!("{n:.6}"),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::ArrayValue(a)) => format!(
            "{:?}",
            a.values
                .iter()
                .filter_map(|v| match &v.value {
                    Some(any_value::Value::StringValue(s)) => Some(s.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>()
        ),
        other => format!("{other:?}"),
    };
    let attributes: Vec<String> = span
        .attributes
        .iter()
        .map(|kv| format!("{}={}", kv.key, value(&kv.value)))
        .collect();
    let mut out = format!(
        "{} {:?} trace={} span={} parent={} {:.1}ms\n  {}",
        if span.kind == SpanKind::Server as i32 {
            "SERVER"
        } else {
            "CLIENT"
        },
        span.name,
        hex(&span.trace_id),
        hex(&span.span_id),
        hex(&span.parent_span_id),
        (span.end_time_unix_nano - span.start_time_unix_nano) as f64 / 1e6,
        attributes.join("\n  ")
    );
    for event in &span.events {
        let attributes: Vec<String> = event
            .attributes
            .iter()
            .map(|kv| format!("{}={}", kv.key, value(&kv.value)))
            .collect();
        out.push_str(&format!(
            "\n  event {} {}",
            event.name,
            attributes.join(" ")
        ));
    }
    if let Some(status) = &span.status
        && status.code != 0
    {
        out.push_str(&format!("\n  status {} {:?}", status.code, status.message));
    }
    out
}

/// A collector nothing listens on: every request answers as without traces, none waits for
/// an export, and the failed exports are counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_that_is_down_changes_nothing_for_requests() {
    let Some(corpus) = corpus("telemetry") else {
        return;
    };
    let dead = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        url
    };
    let (failing, good) = upstreams(&corpus).await;
    let gateway = Gateway::start(&config(
        &failing.url(),
        &good.url(),
        &format!("otlp_endpoint = \"{dead}\""),
    ))
    .await;
    for _ in 0..20 {
        let body = request_body(Client::Chat, "chain", true, false);
        let request = http()
            .post(format!("{}/v1/chat/completions", gateway.url))
            .json(&body)
            .timeout(Duration::from_secs(10));
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        assert!(!text.contains("\"error\""), "{text}");
        // Spans pile up between requests: exports fail meanwhile.
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let until = Instant::now() + Duration::from_secs(20);
    let metrics = loop {
        let metrics = gateway.state.metrics.encode();
        let errors = metrics
            .lines()
            .find_map(|l| l.strip_prefix("aigw_trace_export_errors_total "))
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        if errors > 0 || Instant::now() > until {
            break metrics;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        !metrics.contains("aigw_trace_export_errors_total 0"),
        "{metrics}"
    );
    // At least a server and a client span per request (the failing target's breaker opens
    // along the way: fewer attempts after that).
    let queued = metrics
        .lines()
        .find_map(|l| l.strip_prefix("aigw_trace_spans_total "))
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    assert!(queued >= 40, "{metrics}");
    assert!(
        metrics.contains("aigw_trace_spans_exported_total 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("aigw_requests_total{api=\"chat\",status=\"200\"} 20"),
        "{metrics}"
    );
}

/// `capture_content = true`: the client's request body is on the server span.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_is_on_the_span_only_when_asked_for() {
    let Some(corpus) = corpus("telemetry") else {
        return;
    };
    let collector = Collector::default();
    let endpoint = collector.start().await;
    let (failing, good) = upstreams(&corpus).await;
    let gateway = Gateway::start(&config(
        &failing.url(),
        &good.url(),
        &format!("otlp_endpoint = \"{endpoint}\"\ncapture_content = true"),
    ))
    .await;
    let body = request_body(Client::Chat, "chain", true, false);
    let response = http()
        .post(format!("{}/v1/chat/completions", gateway.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap();
    let spans = collector.wait_for(3).await;
    let server = spans
        .iter()
        .map(|(_, s)| s)
        .find(|s| s.kind == SpanKind::Server as i32)
        .unwrap();
    let captured: Value =
        serde_json::from_str(&text(&server.attributes, "aigw.request.body")).unwrap();
    assert_eq!(captured, body);
    // No `traceparent` from the client: a new trace, no parent.
    assert!(server.parent_span_id.is_empty());
}
