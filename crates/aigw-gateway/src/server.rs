//! The HTTP surface: the routes, each upstream-bound endpoint handed to `pipeline::handle`,
//! and the small endpoints (`/healthz`, `/metrics`, `/v1/models`).

use crate::passthrough;
use crate::pipeline::{self, Endpoint, Incoming, Op, Outcome};
use crate::protocol::{Api, GatewayError, Wire, json_response};
use crate::state::State;
use crate::stream::Framing;
use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, Request, State as Shared};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

type AppState = Shared<Arc<State>>;

/// The gateway's router.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route(
            "/healthz",
            get(|| async { "ok\n" }).fallback(passthrough::other_method),
        )
        .route("/metrics", get(metrics).fallback(passthrough::other_method))
        .route("/v1/chat/completions", json_post(CHAT))
        .route("/v1/responses", json_post(RESPONSES))
        .route("/v1/embeddings", json_post(EMBEDDINGS))
        .route(
            "/v1/models",
            get(models).fallback(passthrough::other_method),
        )
        .route("/v1/messages", json_post(MESSAGES))
        .route("/v1/messages/count_tokens", json_post(COUNT_TOKENS))
        .route("/v1beta/models/{*rest}", gemini_routes())
        // The Gemini API answers under v1 too (google-genai's default version).
        .route("/v1/models/{*rest}", gemini_routes())
        .merge(crate::admin::routes())
        .merge(crate::ui::routes())
        .merge(crate::azure::routes())
        // Every other path of the providers' published APIs, or 404 in the client's shape.
        .fallback(passthrough::unrouted)
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

pub(crate) const CHAT: Endpoint = Endpoint {
    api: Api::Chat,
    op: Op::Generate,
    label: "chat",
};
pub(crate) const RESPONSES: Endpoint = Endpoint {
    api: Api::Responses,
    op: Op::Generate,
    label: "responses",
};
pub(crate) const EMBEDDINGS: Endpoint = Endpoint {
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
pub(crate) fn json_post(endpoint: Endpoint) -> MethodRouter<Arc<State>> {
    post(
        move |Shared(state): AppState, headers: HeaderMap, body: Body| {
            let incoming = Incoming {
                headers,
                query: None,
                path_model: None,
                deployment: None,
                framing: Framing::Sse,
                body,
            };
            pipeline::handle(state, endpoint, incoming)
        },
    )
    .fallback(passthrough::other_method)
}

fn gemini_routes() -> MethodRouter<Arc<State>> {
    post(gemini).fallback(passthrough::other_method)
}

/// `/v1beta/models/{model}:{action}`: generation and token counting served here, every
/// other action (`embedContent`, `batchGenerateContent`, …) passed through. The path is read
/// from the URI (not axum's `Path`, whose rejection is plain text): one that is not UTF-8
/// once decoded is 400 in Gemini's shape.
async fn gemini(Shared(state): AppState, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let raw = parts.uri.path();
    let rest = raw
        .strip_prefix("/v1beta/models/")
        .or_else(|| raw.strip_prefix("/v1/models/"))
        .unwrap_or(raw);
    let rest = match percent_encoding::percent_decode_str(rest).decode_utf8() {
        Ok(rest) => rest.into_owned(),
        Err(_) => {
            return GatewayError::bad_request(format!(
                "the path {raw} is not valid UTF-8 once percent-decoded"
            ))
            .closing()
            .into_response(Wire::Gemini);
        }
    };
    let query = parts.uri.query().map(str::to_owned);
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
        _ => {
            return passthrough::serve(state, Request::from_parts(parts, body), true).await;
        }
    };
    let incoming = Incoming {
        headers: parts.headers,
        query,
        path_model: Some((model, stream)),
        deployment: None,
        framing,
        body,
    };
    pipeline::handle(state, endpoint, incoming).await
}

/// The configured model names: OpenAI's list shape, or Anthropic's when the client sends
/// `anthropic-version`.
async fn models(
    Shared(state): AppState,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let mut outcome = Outcome::new("models", Instant::now());
    let anthropic = headers.contains_key("anthropic-version");
    let wire = if anthropic {
        Wire::Anthropic
    } else {
        Wire::Openai
    };
    let response = match pipeline::authenticate(&state, wire, &headers, query.as_deref()).await {
        Ok(caller) => {
            let response = models_list(&state, &caller, anthropic);
            outcome.caller = Some(caller);
            response
        }
        Err(e) => e.into_response(wire),
    };
    outcome.answered(response.status(), response.headers());
    pipeline::finish(&state, outcome);
    response
}

/// The model list in OpenAI's shape, or Anthropic's.
/// The model names the caller may use (a key's allow-list leaves out routes none of whose
/// targets it may use).
fn models_list(state: &State, caller: &aigw_governance::Caller, anthropic: bool) -> Response {
    let mut models = state.routes.models();
    if let Some(key) = caller.key().filter(|k| !k.models.is_empty()) {
        models.retain(|(name, _)| {
            state
                .routes
                .candidates(name)
                .iter()
                .any(|(provider, model)| key.allows(name, &format!("{provider}/{model}")))
        });
    }
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
    json_response(StatusCode::OK, &body)
}
