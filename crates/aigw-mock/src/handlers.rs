//! The endpoints: what each one replays, and the steps every request goes through (fault,
//! latency, exchange choice, response).

use crate::corpus::{Entry, Payload};
use crate::family::Family;
use crate::fault::FAULT_HEADER;
use crate::reply::{Reply, shutdown_signal};
use crate::server::Shared;
use crate::{Fault, synth};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

/// Request header naming the exchange to replay by file stem.
pub const EXCHANGE_HEADER: &str = "x-mock-exchange";
/// Request header choosing the corpus provider of OpenAI-style endpoints: `openai` or
/// `openai-compat`.
pub const PROVIDER_HEADER: &str = "x-mock-provider";
/// Model prefix naming the exchange to replay: model `replay:0012-tool-call` replays
/// `0012-tool-call.json`.
pub const REPLAY_PREFIX: &str = "replay:";

/// Whether a request asks for a stream.
#[derive(Clone, Copy, Debug)]
pub(crate) enum StreamFlag {
    /// From the body's `"stream": true`.
    FromBody,
    /// Fixed by the endpoint.
    Fixed(bool),
}

/// What one endpoint replays.
#[derive(Debug)]
struct Endpoint {
    family: Family,
    /// The corpus provider directory (`openai` is switched to `openai-compat` on request).
    provider: &'static str,
    /// The corpus API directory.
    api: String,
    stream: StreamFlag,
    /// Whether the request has a JSON body to read.
    has_body: bool,
    /// The body to send when the corpus has no such directory.
    synthetic: Option<fn() -> Value>,
}

impl Endpoint {
    fn new(family: Family, provider: &'static str, api: &str, stream: StreamFlag) -> Self {
        Endpoint {
            family,
            provider,
            api: api.to_owned(),
            stream,
            has_body: true,
            synthetic: None,
        }
    }
}

/// The body fields that choose the exchange; everything else is skipped unread.
#[derive(Default, Deserialize)]
struct Probe {
    #[serde(default)]
    model: Option<Value>,
    #[serde(default)]
    stream: Option<Value>,
    #[serde(default)]
    tools: Option<Value>,
}

impl Probe {
    /// Reads a JSON object body; `Err` is the message for a 400.
    fn read(body: &[u8]) -> Result<Probe, String> {
        // A derived struct would also accept a JSON array.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err("aigw-mock: request body is not a JSON object".to_owned());
        }
        serde_json::from_slice(body)
            .map_err(|e| format!("aigw-mock: request body is not valid JSON: {e}"))
    }
}

/// A `POST` endpoint that replays `provider`/`api` (chat completions, responses, embeddings,
/// messages, count_tokens).
pub(crate) fn replaying(
    family: Family,
    provider: &'static str,
    api: &'static str,
    stream: StreamFlag,
) -> MethodRouter<Arc<Shared>> {
    post(
        move |State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes| async move {
            let ep = Endpoint::new(family, provider, api, stream);
            serve(&shared, ep, &headers, &body, None).await
        },
    )
}

/// Replays `openai`/`api` for an endpoint outside `/v1` (Azure's), the model from the path
/// when it has one.
pub(crate) async fn replay_openai(
    shared: &Shared,
    api: &str,
    stream: StreamFlag,
    headers: &HeaderMap,
    body: &Bytes,
    path_model: Option<&str>,
) -> Response {
    let ep = Endpoint::new(Family::OpenAi, "openai", api, stream);
    serve(shared, ep, headers, body, path_model).await
}

/// `GET /v1/models`: OpenAI's list (recorded if the corpus has one, else synthesized), or
/// Anthropic's (synthesized) when the request carries `anthropic-version`.
pub(crate) async fn models(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let mut ep = if headers.contains_key("anthropic-version") {
        let mut ep = Endpoint::new(
            Family::Anthropic,
            "anthropic",
            "models",
            StreamFlag::Fixed(false),
        );
        ep.synthetic = Some(synth::anthropic_models);
        ep
    } else {
        let mut ep = Endpoint::new(Family::OpenAi, "openai", "models", StreamFlag::Fixed(false));
        ep.synthetic = Some(synth::openai_models);
        ep
    };
    ep.has_body = false;
    serve(&shared, ep, &headers, &Bytes::new(), None).await
}

/// `GET /v1beta/models` (synthesized).
pub(crate) async fn gemini_models(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    let mut ep = Endpoint::new(Family::Gemini, "gemini", "models", StreamFlag::Fixed(false));
    ep.synthetic = Some(synth::gemini_models);
    ep.has_body = false;
    serve(&shared, ep, &headers, &Bytes::new(), None).await
}

/// `POST /v1beta/models/{model}:{action}`: `generateContent`, `streamGenerateContent`
/// (an event stream with `?alt=sse`, else the JSON array form), `countTokens`,
/// `batchEmbedContents`, ... — any action the corpus has a `gemini/<action>` directory for.
pub(crate) async fn gemini(
    State(shared): State<Arc<Shared>>,
    Path(rest): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((model, action)) = rest.rsplit_once(':') else {
        let message = format!("aigw-mock: expected /v1beta/models/MODEL:ACTION, got {rest:?}");
        return finish(
            &shared,
            Family::Gemini,
            Reply::error(Family::Gemini, 404, &message),
            None,
        );
    };
    if action == "embedContent" {
        return crate::passthrough::gemini_embed();
    }
    let sse = query
        .as_deref()
        .is_some_and(|q| q.split('&').any(|pair| pair == "alt=sse"));
    let stream = action == "streamGenerateContent" && sse;
    let ep = Endpoint::new(Family::Gemini, "gemini", action, StreamFlag::Fixed(stream));
    serve(&shared, ep, &headers, &body, Some(model)).await
}

/// Any other route: 404 in the OpenAI shape (Gemini's under `/v1beta`).
pub(crate) async fn not_found(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
) -> Response {
    let family = if uri.path().starts_with("/v1beta") {
        Family::Gemini
    } else {
        Family::OpenAi
    };
    let message = format!("aigw-mock: no route for {method} {}", uri.path());
    finish(&shared, family, Reply::error(family, 404, &message), None)
}

/// The steps of every replaying endpoint: fault (header or configured), latency, then the
/// injected status or the chosen exchange.
async fn serve(
    shared: &Shared,
    ep: Endpoint,
    headers: &HeaderMap,
    body: &Bytes,
    path_model: Option<&str>,
) -> Response {
    let family = ep.family;
    let fault = match headers.get(FAULT_HEADER) {
        None => shared.control.key_fault(headers).or_else(|| shared.fault()),
        Some(value) => match value
            .to_str()
            .map_err(|_| ())
            .and_then(|v| Fault::parse_override(v).map_err(|_| ()))
        {
            Ok(fault) => fault,
            Err(()) => {
                let message = format!(
                    "aigw-mock: invalid {FAULT_HEADER} {value:?}: expected status:CODE, retry-after:N, cut:N, stall:N, hang or none"
                );
                return finish(shared, family, Reply::error(family, 400, &message), None);
            }
        },
    };
    let latency = shared.control.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Some(Fault::Hang) => {
            shutdown_signal(shared.shutdown.clone()).await;
            let message = "aigw-mock: server shut down while hanging (fault hang)";
            finish(shared, family, Reply::error(family, 503, message), None)
        }
        Some(Fault::Status(code)) => {
            let message = format!("aigw-mock: injected fault status:{code}");
            finish(shared, family, Reply::error(family, code, &message), None)
        }
        Some(Fault::RetryAfter(secs)) => {
            let message = format!("aigw-mock: injected fault retry-after:{secs}");
            let reply = Reply::error(family, 429, &message).retry_after(secs);
            finish(shared, family, reply, None)
        }
        _ => match choose(shared, &ep, headers, body, path_model) {
            Ok(reply) => finish(shared, family, reply, fault),
            Err(reply) => finish(shared, family, reply, None),
        },
    }
}

/// Adds the request-id header and sends.
fn finish(shared: &Shared, family: Family, mut reply: Reply, fault: Option<Fault>) -> Response {
    if let Some(name) = family.request_id_header() {
        reply = reply.header(name, shared.request_id());
    }
    reply.into_response(fault, shared.event_delay, shared.shutdown.clone())
}

/// The reply for a request: the exchange named by `x-mock-exchange` or a `replay:` model,
/// else the default one; `Err` is an error reply (bad request, unknown exchange).
fn choose(
    shared: &Shared,
    ep: &Endpoint,
    headers: &HeaderMap,
    body: &Bytes,
    path_model: Option<&str>,
) -> Result<Reply, Reply> {
    let family = ep.family;
    let error = |status, message: String| Reply::error(family, status, &message);

    let probe = if ep.has_body {
        Probe::read(body).map_err(|message| error(400, message))?
    } else {
        Probe::default()
    };
    let model = path_model.or_else(|| probe.model.as_ref().and_then(Value::as_str));
    let stream = match ep.stream {
        StreamFlag::FromBody => probe.stream.as_ref().and_then(Value::as_bool) == Some(true),
        StreamFlag::Fixed(stream) => stream,
    };
    let tools = probe
        .tools
        .as_ref()
        .and_then(Value::as_array)
        .is_some_and(|tools| !tools.is_empty());

    let provider = provider(shared, ep, headers).map_err(|message| error(400, message))?;
    let api = ep.api.as_str();
    let stem = match headers.get(EXCHANGE_HEADER) {
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| error(400, format!("aigw-mock: {EXCHANGE_HEADER} is not ASCII")))?,
        ),
        None => model.and_then(|m| m.strip_prefix(REPLAY_PREFIX)),
    };

    let Some(dir) = shared.corpus.dir(provider, api) else {
        if let Some(synthetic) = ep.synthetic {
            return Ok(Reply::json(200, synthetic().to_string()));
        }
        return Err(error(
            404,
            format!("aigw-mock: the corpus has no recorded exchanges for {provider}/{api}"),
        ));
    };
    let entry = match stem {
        Some(stem) => dir.by_stem(stem).ok_or_else(|| {
            let root = shared.corpus.root().display();
            error(
                404,
                format!("aigw-mock: no recorded exchange {provider}/{api}/{stem} in {root}"),
            )
        })?,
        None => dir.default_for(stream, tools).ok_or_else(|| {
            error(
                404,
                format!(
                    "aigw-mock: no default exchange for {provider}/{api} (stream: {stream}, tools: {tools})"
                ),
            )
        })?,
    };
    Ok(replay(entry).header(EXCHANGE_HEADER, format!("{provider}/{api}/{}", entry.stem)))
}

/// The corpus provider for an endpoint: `openai-compat` instead of `openai` when the server
/// is configured with `compat` or the request says `x-mock-provider: openai-compat`, and the
/// corpus has that API for `openai-compat`.
fn provider(shared: &Shared, ep: &Endpoint, headers: &HeaderMap) -> Result<&'static str, String> {
    if ep.family != Family::OpenAi {
        return Ok(ep.provider);
    }
    let compat = match headers.get(PROVIDER_HEADER).map(|v| v.to_str()) {
        None => shared.compat,
        Some(Ok("openai-compat")) => true,
        Some(Ok("openai")) => false,
        Some(_) => {
            return Err(format!(
                "aigw-mock: {PROVIDER_HEADER} must be openai or openai-compat"
            ));
        }
    };
    let has_compat = shared.corpus.dir("openai-compat", &ep.api).is_some();
    Ok(if compat && has_compat {
        "openai-compat"
    } else {
        ep.provider
    })
}

/// The recorded status and body of an exchange.
fn replay(entry: &Entry) -> Reply {
    match &entry.payload {
        Payload::Json(body) => Reply::json(entry.status, body.clone()),
        Payload::Sse(events) => Reply::sse(entry.status, events.clone()),
    }
}
