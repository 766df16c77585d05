//! The HTTP surface: routes, client authentication in each protocol's way, body limits, and
//! the small endpoints (`/healthz`, `/metrics`, `/v1/models`).

use crate::dispatch::{self, Inbound, Op, STRICT};
use crate::metrics::RequestLabels;
use crate::protocol::{Api, GatewayError, Wire, json_response};
use crate::state::State;
use crate::stream::Framing;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State as Shared};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use bytes::Bytes;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

type AppState = Shared<Arc<State>>;

/// The gateway's router.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/v1/chat/completions", json_post(CHAT))
        .route("/v1/responses", json_post(RESPONSES))
        .route("/v1/embeddings", json_post(EMBEDDINGS))
        .route("/v1/models", get(models))
        .route("/v1/messages", json_post(MESSAGES))
        .route("/v1/messages/count_tokens", json_post(COUNT_TOKENS))
        .route("/v1beta/models/{*rest}", post(gemini))
        // The Gemini API answers under v1 too (google-genai's default version).
        .route("/v1/models/{*rest}", post(gemini))
        .fallback(not_found)
        .with_state(state)
}

async fn metrics(Shared(state): AppState) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )],
        state.metrics.encode(),
    )
        .into_response()
}

async fn not_found(uri: axum::http::Uri) -> Response {
    let path = uri.path();
    let wire =
        if path.starts_with("/v1beta") || (path.starts_with("/v1/models/") && path.contains(':')) {
            Wire::Gemini
        } else {
            Wire::Openai
        };
    GatewayError::new(StatusCode::NOT_FOUND, format!("no such endpoint: {path}"))
        .closing()
        .into_response(wire)
}

/// The key a client presented, in its protocol's way.
fn presented_key<'a>(
    wire: Wire,
    headers: &'a HeaderMap,
    query: Option<&'a str>,
) -> Option<&'a str> {
    let bearer = || {
        headers
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")
    };
    let named = |name: &str| headers.get(name)?.to_str().ok();
    match wire {
        Wire::Openai => bearer(),
        Wire::Anthropic => named("x-api-key").or_else(bearer),
        Wire::Gemini => named("x-goog-api-key")
            .or_else(|| query?.split('&').find_map(|pair| pair.strip_prefix("key="))),
    }
}

fn authorize(
    state: &State,
    wire: Wire,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<(), GatewayError> {
    if !state.requires_key() {
        return Ok(());
    }
    match presented_key(wire, headers, query) {
        Some(key) if state.key_accepted(key) => Ok(()),
        Some(_) => Err(
            GatewayError::new(StatusCode::UNAUTHORIZED, "invalid gateway key")
                .code("invalid_api_key"),
        ),
        None => Err(GatewayError::new(
            StatusCode::UNAUTHORIZED,
            match wire {
                Wire::Openai => "missing gateway key: send `Authorization: Bearer <key>`",
                Wire::Anthropic => "missing gateway key: send `x-api-key: <key>`",
                Wire::Gemini => "missing gateway key: send `x-goog-api-key: <key>` or `?key=<key>`",
            },
        )
        .code("invalid_api_key")),
    }
}

/// Reads the body within the size limit.
async fn read_body(state: &State, headers: &HeaderMap, body: Body) -> Result<Bytes, GatewayError> {
    let limit = state.limits.max_body_bytes;
    let too_large = || {
        GatewayError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body larger than the gateway's limit of {limit} bytes"),
        )
        .closing()
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let length_limit = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if length_limit {
            too_large()
        } else {
            GatewayError::bad_request(format!("cannot read the request body: {e}"))
        }
    })
}

/// Everything before routing: concurrency, auth, body, JSON.
struct Admitted {
    raw: Bytes,
    value: Value,
    permit: crate::state::Slot,
}

async fn admit(
    state: &Arc<State>,
    wire: Wire,
    headers: &HeaderMap,
    query: Option<&str>,
    body: Body,
) -> Result<Admitted, GatewayError> {
    let permit = state.slot().ok_or_else(|| {
        GatewayError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the gateway is at its limit of {} concurrent requests",
                state.limits.max_concurrency
            ),
        )
        .closing()
    })?;
    authorize(state, wire, headers, query).map_err(GatewayError::closing)?;
    let raw = read_body(state, headers, body).await?;
    let value: Value = serde_json::from_slice(&raw).map_err(|e| {
        GatewayError::bad_request(format!("the request body is not valid JSON: {e}"))
    })?;
    if !value.is_object() {
        return Err(GatewayError::bad_request(
            "the request body must be a JSON object",
        ));
    }
    Ok(Admitted { raw, value, permit })
}

fn strict(state: &State, headers: &HeaderMap) -> bool {
    state.strict
        || headers
            .get(STRICT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Counts and logs an answered request.
fn done(
    state: &State,
    label: &'static str,
    model: &str,
    started: Instant,
    response: Response,
) -> Response {
    let status = response.status().as_u16();
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels { api: label, status })
        .inc();
    let route = response
        .headers()
        .get(dispatch::ROUTE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info!(
        api = label,
        model,
        route,
        status,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// What an endpoint serves: the client protocol, the operation, the metrics label.
#[derive(Clone, Copy, Debug)]
struct Endpoint {
    api: Api,
    op: Op,
    label: &'static str,
}

const CHAT: Endpoint = Endpoint {
    api: Api::Chat,
    op: Op::Generate,
    label: "chat",
};
const RESPONSES: Endpoint = Endpoint {
    api: Api::Responses,
    op: Op::Generate,
    label: "responses",
};
const EMBEDDINGS: Endpoint = Endpoint {
    api: Api::Chat,
    op: Op::Embeddings,
    label: "embeddings",
};
const MESSAGES: Endpoint = Endpoint {
    api: Api::Messages,
    op: Op::Generate,
    label: "messages",
};
const COUNT_TOKENS: Endpoint = Endpoint {
    api: Api::Messages,
    op: Op::CountTokens,
    label: "count_tokens",
};
const GEMINI: Endpoint = Endpoint {
    api: Api::Gemini,
    op: Op::Generate,
    label: "gemini",
};
const GEMINI_COUNT: Endpoint = Endpoint {
    api: Api::Gemini,
    op: Op::CountTokens,
    label: "gemini_count_tokens",
};

/// A JSON `POST` endpoint whose model is in the body.
fn json_post(endpoint: Endpoint) -> MethodRouter<Arc<State>> {
    post(
        move |Shared(state): AppState, headers: HeaderMap, body: Body| {
            handle(state, endpoint, headers, None, None, Framing::Sse, body)
        },
    )
}

/// The common path of every upstream-bound request. `path_model`: the model (and whether to
/// stream) when the URL gives them (Gemini).
async fn handle(
    state: Arc<State>,
    Endpoint { api, op, label }: Endpoint,
    headers: HeaderMap,
    query: Option<String>,
    path_model: Option<(String, bool)>,
    framing: Framing,
    body: Body,
) -> Response {
    let started = Instant::now();
    let wire = api.wire();
    let result = async {
        let admitted = admit(&state, wire, &headers, query.as_deref(), body).await?;
        let (model, stream) = match &path_model {
            Some((model, stream)) => (model.clone(), *stream),
            None => {
                let model = admitted
                    .value
                    .get("model")
                    .and_then(Value::as_str)
                    .filter(|m| !m.is_empty())
                    .ok_or_else(|| GatewayError::bad_request("the request has no `model`"))?
                    .to_owned();
                let stream = op == Op::Generate
                    && admitted.value.get("stream").and_then(Value::as_bool) == Some(true);
                (model, stream)
            }
        };
        let targets = state.routes.resolve(&model);
        if targets.is_empty() {
            return Err(GatewayError::new(
                StatusCode::NOT_FOUND,
                format!("the gateway has no route for model {model:?}"),
            )
            .code("model_not_found"));
        }
        let inbound = Inbound {
            api,
            op,
            strict: strict(&state, &headers),
            headers,
            raw: admitted.raw,
            value: admitted.value,
            stream,
            framing,
            started,
            permit: Some(admitted.permit),
        };
        Ok((
            model,
            dispatch::generate(state.clone(), inbound, targets).await,
        ))
    }
    .await;
    match result {
        Ok((model, response)) => done(&state, label, &model, started, response),
        Err(error) => done(&state, label, "-", started, error.into_response(wire)),
    }
}

/// `/v1beta/models/{model}:{action}`.
async fn gemini(
    Shared(state): AppState,
    Path(rest): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let sse = query
        .as_deref()
        .is_some_and(|q| q.split('&').any(|pair| pair == "alt=sse"));
    let Some((model, action)) = rest.rsplit_once(':') else {
        return GatewayError::new(
            StatusCode::NOT_FOUND,
            format!("no such endpoint: models/{rest} (expected models/{{model}}:{{action}})"),
        )
        .closing()
        .into_response(Wire::Gemini);
    };
    let model = model.to_owned();
    let framing = if sse {
        Framing::Sse
    } else {
        Framing::JsonArray
    };
    let (endpoint, stream) = match action {
        "generateContent" => (GEMINI, false),
        "streamGenerateContent" => (GEMINI, true),
        "countTokens" => (GEMINI_COUNT, false),
        other => {
            return GatewayError::new(
                StatusCode::NOT_FOUND,
                format!("the gateway does not serve models/{{model}}:{other}"),
            )
            .closing()
            .into_response(Wire::Gemini);
        }
    };
    let path_model = Some((model, stream));
    handle(state, endpoint, headers, query, path_model, framing, body).await
}

/// The configured model names: OpenAI's list shape, or Anthropic's when the client sends
/// `anthropic-version`.
async fn models(
    Shared(state): AppState,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let started = Instant::now();
    let anthropic = headers.contains_key("anthropic-version");
    let wire = if anthropic {
        Wire::Anthropic
    } else {
        Wire::Openai
    };
    if let Err(e) = authorize(&state, wire, &headers, query.as_deref()) {
        return done(&state, "models", "-", started, e.into_response(wire));
    }
    let models = state.routes.models();
    let body = if anthropic {
        let data: Vec<Value> = models
            .iter()
            .map(|(id, _)| json!({"type": "model", "id": id, "display_name": id, "created_at": "1970-01-01T00:00:00Z"}))
            .collect();
        json!({
            "data": data,
            "has_more": false,
            "first_id": models.first().map(|m| m.0.clone()),
            "last_id": models.last().map(|m| m.0.clone()),
        })
    } else {
        let data: Vec<Value> = models
            .iter()
            .map(
                |(id, owner)| json!({"id": id, "object": "model", "created": 0, "owned_by": owner}),
            )
            .collect();
        json!({"object": "list", "data": data})
    };
    done(
        &state,
        "models",
        "-",
        started,
        json_response(StatusCode::OK, &body),
    )
}
