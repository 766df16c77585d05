//! The gateway against `aigw-mock` upstreams replaying the corpus: start both, speak each
//! client protocol, and read what came back the way that protocol's SDK would (typed, streams
//! accumulated).
#![allow(dead_code, clippy::unwrap_used)]

use aigw_gateway::{Config, State};
use aigw_mock::{MockConfig, MockServer};
use aigw_wire::Json;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The corpus, or `None` after printing why the test is skipped.
pub fn corpus(test: &str) -> Option<PathBuf> {
    let dir = aigw_mock::corpus_dir();
    if dir.is_none() {
        // Past the test harness's capture, so that CI sees it.
        aigw_governance::testing::skipped(&format!(
            "{test}: AIGW_CORPUS is not set to the recorded corpus"
        ));
    }
    dir
}

/// A client protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    Chat,
    Responses,
    Messages,
    Gemini,
}

pub const CLIENTS: [Client; 4] = [
    Client::Chat,
    Client::Responses,
    Client::Messages,
    Client::Gemini,
];

/// An upstream: the provider name in the standard configuration, and where its recordings
/// are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Upstream {
    pub provider: &'static str,
    /// Corpus provider and API directories, for plain and for streamed exchanges.
    pub dir: &'static str,
    pub api: &'static str,
    pub stream_api: &'static str,
    /// The protocol its bodies are in.
    pub speaks: Client,
}

pub const OPENAI: Upstream = Upstream {
    provider: "oa",
    dir: "openai",
    api: "chat.completions",
    stream_api: "chat.completions",
    speaks: Client::Chat,
};
pub const OPENAI_RESPONSES: Upstream = Upstream {
    provider: "oa",
    dir: "openai",
    api: "responses",
    stream_api: "responses",
    speaks: Client::Responses,
};
pub const ANTHROPIC: Upstream = Upstream {
    provider: "an",
    dir: "anthropic",
    api: "messages",
    stream_api: "messages",
    speaks: Client::Messages,
};
pub const GEMINI: Upstream = Upstream {
    provider: "ge",
    dir: "gemini",
    api: "generateContent",
    stream_api: "streamGenerateContent",
    speaks: Client::Gemini,
};
pub const COMPAT: Upstream = Upstream {
    provider: "co",
    dir: "openai-compat",
    api: "chat.completions",
    stream_api: "chat.completions",
    speaks: Client::Chat,
};

/// The upstream a client of `client` reaches through `provider` (OpenAI serves Responses
/// clients with Responses, everyone else with Chat).
pub fn upstream_for(client: Client, provider: Upstream) -> Upstream {
    if client == Client::Responses && provider.provider == "oa" {
        OPENAI_RESPONSES
    } else {
        provider
    }
}

/// The standard providers, all on one mock: `oa` (openai), `an` (anthropic), `ge` (gemini),
/// `co` (openai-compat, together preset — no Responses API, no stream usage — replaying the
/// compat recordings).
pub fn standard_config(mock: &str, compat_mock: &str, extra: &str) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:0"
{extra}

[providers.oa]
kind = "openai"
base_url = "{mock}/v1"
key_env = "OA_KEY"

[providers.an]
kind = "anthropic"
base_url = "{mock}/v1"
key_env = "AN_KEY"

[providers.ge]
kind = "gemini"
base_url = "{mock}/v1beta"
key_env = "GE_KEY"

[providers.co]
kind = "openai-compat"
preset = "together"
base_url = "{compat_mock}/v1"
key_env = "CO_KEY"
"#
    )
}

pub const UPSTREAM_KEYS: [(&str, &str); 5] = [
    ("OA_KEY", "sk-test-openai-0123456789"),
    ("AN_KEY", "sk-ant-test-0123456789"),
    ("GE_KEY", "AIza-test-0123456789"),
    ("CO_KEY", "gsk-test-0123456789"),
    ("CLIENT_KEY", "aigw-client-key-0123"),
];

/// A running gateway.
pub struct Gateway {
    pub url: String,
    pub state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Gateway {
    pub async fn start(config: &str) -> Gateway {
        Gateway::start_with(config, Duration::from_secs(5)).await
    }

    pub async fn start_with(config: &str, grace: Duration) -> Gateway {
        let config = Config::parse(config).unwrap();
        let env: HashMap<&str, &str> = UPSTREAM_KEYS.into_iter().collect();
        let state =
            Arc::new(State::new(&config, |var| env.get(var).map(|v| v.to_string())).unwrap());
        Gateway::serve(state, grace).await
    }

    /// A gateway with its key store (`State::open`); `env` adds to [`UPSTREAM_KEYS`].
    pub async fn open(config: &str, env: &[(&str, &str)]) -> Gateway {
        let config = Config::parse(config).unwrap();
        let mut vars: HashMap<&str, &str> = UPSTREAM_KEYS.into_iter().collect();
        vars.extend(env.iter().copied());
        let state = State::open(&config, |var| vars.get(var).map(|v| v.to_string()))
            .await
            .unwrap();
        Gateway::serve(Arc::new(state), Duration::from_secs(5)).await
    }

    /// A gateway on `state`.
    pub async fn start_state(state: Arc<State>) -> Gateway {
        Gateway::serve(state, Duration::from_secs(5)).await
    }

    async fn serve(state: Arc<State>, grace: Duration) -> Gateway {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(aigw_gateway::serve(
            listener,
            state.clone(),
            async move {
                let _ = stopped.await;
            },
            grace,
        ));
        Gateway {
            url,
            state,
            stop: Some(stop),
            task,
        }
    }

    /// Sends the shutdown signal.
    pub fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A mock on the corpus; `compat` replays the openai-compat recordings.
pub async fn mock(corpus: &std::path::Path, compat: bool) -> MockServer {
    let mut config = MockConfig::new(corpus);
    config.compat = compat;
    MockServer::start(config).await.unwrap()
}

/// Both mocks and a gateway with the standard providers.
pub struct Setup {
    pub mock: MockServer,
    pub compat: MockServer,
    pub gateway: Gateway,
}

pub async fn setup(corpus: &std::path::Path, extra: &str) -> Setup {
    let mock = mock(corpus, false).await;
    let compat = mock_compat(corpus).await;
    let gateway = Gateway::start(&standard_config(&mock.url(), &compat.url(), extra)).await;
    Setup {
        mock,
        compat,
        gateway,
    }
}

async fn mock_compat(corpus: &std::path::Path) -> MockServer {
    mock(corpus, true).await
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// The gateway's `/metrics` text.
pub async fn metrics_text(gateway: &str) -> String {
    http()
        .get(format!("{gateway}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Sends `request`: the status, the body as JSON (`null` if it is not), the headers.
pub async fn send_read(
    request: reqwest::RequestBuilder,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, headers)
}

/// Sends `request` and reads its answer as JSON.
pub async fn json_answer(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// A minimal request of `client`'s protocol for `model`, with a tool when `tools`.
pub fn request_body(client: Client, model: &str, stream: bool, tools: bool) -> Value {
    let schema =
        json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
    let mut body = match client {
        Client::Chat => {
            json!({"model": model, "messages": [{"role": "user", "content": "Say hello."}]})
        }
        Client::Responses => json!({"model": model, "input": "Say hello."}),
        Client::Messages => {
            json!({"model": model, "max_tokens": 256, "messages": [{"role": "user", "content": "Say hello."}]})
        }
        Client::Gemini => {
            json!({"contents": [{"role": "user", "parts": [{"text": "Say hello."}]}]})
        }
    };
    let o = body.as_object_mut().unwrap();
    if tools {
        let tools = match client {
            Client::Chat => {
                json!([{"type": "function", "function": {"name": "weather", "description": "Weather", "parameters": schema}}])
            }
            Client::Responses => {
                json!([{"type": "function", "name": "weather", "description": "Weather", "parameters": schema}])
            }
            Client::Messages => {
                json!([{"name": "weather", "description": "Weather", "input_schema": schema}])
            }
            Client::Gemini => {
                json!([{"functionDeclarations": [{"name": "weather", "description": "Weather", "parameters": schema}]}])
            }
        };
        o.insert("tools".into(), tools);
    }
    if stream && client != Client::Gemini {
        o.insert("stream".into(), json!(true));
        if client == Client::Chat {
            o.insert("stream_options".into(), json!({"include_usage": true}));
        }
    }
    body
}

/// Sends `body` as `client` would, to `model`.
pub fn client_request(
    http: &reqwest::Client,
    gateway: &str,
    client: Client,
    model: &str,
    stream: bool,
    body: &Value,
) -> reqwest::RequestBuilder {
    let key = "aigw-client-key-0123";
    match client {
        Client::Chat => http
            .post(format!("{gateway}/v1/chat/completions"))
            .bearer_auth(key),
        Client::Responses => http
            .post(format!("{gateway}/v1/responses"))
            .bearer_auth(key),
        Client::Messages => http
            .post(format!("{gateway}/v1/messages"))
            .header("x-api-key", key)
            .header("anthropic-version", "2023-06-01"),
        Client::Gemini => {
            let action = if stream {
                "streamGenerateContent?alt=sse"
            } else {
                "generateContent"
            };
            http.post(format!("{gateway}/v1beta/models/{model}:{action}"))
                .header("x-goog-api-key", key)
        }
    }
    .header("content-type", "application/json")
    .body(body.to_string())
}

/// Folds an SSE body of `protocol` into the object its non-streaming API returns, with the
/// provider crate's typed events and accumulator (as an SDK would).
pub fn fold_stream(protocol: Client, sse: &str) -> Result<Value, String> {
    let frames = aigw_sse::Decoder::decode_all(sse.as_bytes(), aigw_sse::Limits::default())
        .map_err(|e| e.to_string())?;
    let events = frames.into_iter().filter_map(|f| match f {
        aigw_sse::Frame::Event(e) => Some(e),
        aigw_sse::Frame::Comment(_) => None,
    });
    let e = |e: &dyn std::fmt::Display| e.to_string();
    match protocol {
        Client::Chat => {
            let mut acc = aigw_openai::stream::ChatAccumulator::default();
            for event in events {
                let event =
                    aigw_openai::stream::ChatStreamEvent::from_sse(&event).map_err(|x| e(&x))?;
                acc.push(&event).map_err(|x| e(&x))?;
            }
            Json::to_json_value(&acc.finish().map_err(|x| e(&x))?).map_err(|x| e(&x))
        }
        Client::Responses => {
            let mut acc = aigw_openai::stream::ResponsesAccumulator::default();
            for event in events {
                let event = aigw_openai::stream::responses_event(&event).map_err(|x| e(&x))?;
                acc.push(&event).map_err(|x| e(&x))?;
            }
            Json::to_json_value(&acc.finish().map_err(|x| e(&x))?).map_err(|x| e(&x))
        }
        Client::Messages => {
            let mut acc = aigw_anthropic::stream::MessageAccumulator::default();
            for event in events {
                let event = aigw_anthropic::stream::message_event(&event).map_err(|x| e(&x))?;
                acc.push(&event).map_err(|x| e(&x))?;
            }
            Json::to_json_value(&acc.finish().map_err(|x| e(&x))?).map_err(|x| e(&x))
        }
        Client::Gemini => {
            let mut acc = aigw_gemini::stream::ResponseAccumulator::default();
            for event in events {
                // Gemini reports a failure midway as a chunk that is an error body.
                let value: Value = serde_json::from_str(&event.data).map_err(|x| e(&x))?;
                if let Some(error) = value.get("error") {
                    return Err(format!("the stream reported an error: {error}"));
                }
                let chunk = aigw_gemini::stream::chunk(&event).map_err(|x| e(&x))?;
                acc.push(&chunk);
            }
            Json::to_json_value(&acc.finish().map_err(|x| e(&x))?).map_err(|x| e(&x))
        }
    }
}

/// Checks a plain body parses as `protocol`'s typed response (as an SDK would).
pub fn typed_response(protocol: Client, body: &[u8]) -> Result<Value, String> {
    let e = |e: serde_json::Error| e.to_string();
    match protocol {
        Client::Chat => Json::to_json_value(
            &serde_json::from_slice::<aigw_openai::CreateChatCompletionResponse>(body)
                .map_err(e)?,
        )
        .map_err(e),
        Client::Responses => {
            Json::to_json_value(&serde_json::from_slice::<aigw_openai::Response>(body).map_err(e)?)
                .map_err(e)
        }
        Client::Messages => Json::to_json_value(
            &serde_json::from_slice::<aigw_anthropic::Message>(body).map_err(e)?,
        )
        .map_err(e),
        Client::Gemini => Json::to_json_value(
            &serde_json::from_slice::<aigw_gemini::GenerateContentResponse>(body).map_err(e)?,
        )
        .map_err(e),
    }
}

/// What an answer says, protocol-independent: its visible text and its tool calls (name,
/// arguments as JSON). Reasoning is left out (it crosses protocols only where it can).
#[derive(Clone, Debug, PartialEq)]
pub struct Said {
    pub text: String,
    pub calls: Vec<(String, Value)>,
}

fn args(value: Option<&Value>) -> Value {
    match value {
        Some(Value::String(s)) if s.trim().is_empty() => json!({}),
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
        Some(Value::Null) | None => json!({}),
        Some(v) => v.clone(),
    }
}

pub fn said(protocol: Client, answer: &Value) -> Said {
    let mut text = String::new();
    let mut calls = Vec::new();
    let empty = Vec::new();
    match protocol {
        Client::Chat => {
            let message = &answer["choices"][0]["message"];
            match &message["content"] {
                Value::String(t) => text.push_str(t),
                // Some compatible providers (Mistral) answer with content parts.
                Value::Array(parts) => {
                    for part in parts.iter().filter(|p| p["type"] == "text") {
                        text.push_str(part["text"].as_str().unwrap_or(""));
                    }
                }
                _ => {}
            }
            for call in message["tool_calls"].as_array().unwrap_or(&empty) {
                let f = &call["function"];
                calls.push((
                    f["name"].as_str().unwrap_or("").to_owned(),
                    args(f.get("arguments")),
                ));
            }
        }
        Client::Responses => {
            for item in answer["output"].as_array().unwrap_or(&empty) {
                match item["type"].as_str() {
                    Some("message") => {
                        for part in item["content"].as_array().unwrap_or(&empty) {
                            if part["type"] == "output_text" {
                                text.push_str(part["text"].as_str().unwrap_or(""));
                            }
                        }
                    }
                    Some("function_call") => calls.push((
                        item["name"].as_str().unwrap_or("").to_owned(),
                        args(item.get("arguments")),
                    )),
                    _ => {}
                }
            }
        }
        Client::Messages => {
            for block in answer["content"].as_array().unwrap_or(&empty) {
                match block["type"].as_str() {
                    Some("text") => text.push_str(block["text"].as_str().unwrap_or("")),
                    Some("tool_use") => calls.push((
                        block["name"].as_str().unwrap_or("").to_owned(),
                        args(block.get("input")),
                    )),
                    _ => {}
                }
            }
        }
        Client::Gemini => {
            for part in answer["candidates"][0]["content"]["parts"]
                .as_array()
                .unwrap_or(&empty)
            {
                if part["thought"] == true {
                    continue;
                }
                if let Some(t) = part["text"].as_str() {
                    text.push_str(t);
                }
                if let Some(call) = part.get("functionCall") {
                    calls.push((
                        call["name"].as_str().unwrap_or("").to_owned(),
                        args(call.get("args")),
                    ));
                }
            }
        }
    }
    Said { text, calls }
}

/// The recorded exchanges of an upstream API usable for a success test: status 200, of the
/// stream form asked (Gemini streams: event streams only), by file stem.
pub fn recorded(
    corpus: &std::path::Path,
    dir: &str,
    api: &str,
    stream: bool,
) -> Vec<(String, Value)> {
    let path = corpus.join(dir).join(api);
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&path) else {
        return out;
    };
    let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    for file in files {
        let Some(stem) = file.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(exchange) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if exchange["status"] != 200 || exchange["stream"] != stream {
            continue;
        }
        if stream && !exchange["sse"].is_string() {
            continue;
        }
        out.push((stem.to_owned(), exchange));
    }
    out
}

/// What a recorded exchange's answer says; `Err` for a stream that ends in an error event.
pub fn recorded_said(upstream: Upstream, exchange: &Value) -> Result<Said, String> {
    let answer = match exchange["sse"].as_str() {
        Some(sse) => fold_stream(upstream.speaks, sse)?,
        None => exchange["response"].clone(),
    };
    Ok(said(upstream.speaks, &answer))
}
