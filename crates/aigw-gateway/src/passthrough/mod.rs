//! Every other provider endpoint — files, uploads, batches, images, audio, vector stores;
//! Anthropic's batches and files; Gemini's files, cached contents, batches, embeddings —
//! passed through with the gateway's keys, limits and logs. In order:
//!
//! 1. a slot under the concurrency limit;
//! 2. `table` — the client's protocol and the operation of its provider's published API
//!    (the tables `cargo xtask regen` generates from the pinned specs); none: 404, another
//!    method: 405, in the client's shape;
//! 3. the client's key, checked (`pipeline::authenticate`);
//! 4. `body` — the body within its path class's limit (`[passthrough]`), streamed; a JSON
//!    body naming its model read first;
//! 5. `choose` — the provider: `x-aigw-provider`, the model's route, or the protocol's
//!    default; the key's model list applied;
//! 6. the key's (and the model's route's) request limits;
//! 7. `send` — the request upstream with the provider's key;
//! 8. `reply` — the answer streamed back unchanged, usage read where a JSON answer has
//!    it, the request recorded when its body ends.

mod body;
mod choose;
mod config;
mod reply;
mod send;
mod table;
mod uploads;

pub use config::{PassthroughConfig, Settings};

use crate::pipeline::{self, Outcome, REQUEST_ID, ROUTE, header_text};
use crate::protocol::{GatewayError, Wire};
use crate::state::{Slot, State};
use aigw_wire::operations::ModelAt;
use axum::extract::{Request, State as Shared};
use axum::http::{HeaderMap, HeaderName, request::Parts};
use axum::response::Response;
use std::sync::Arc;
use std::time::Instant;

/// The router's fallback: a path the gateway does not route itself.
pub async fn unrouted(Shared(state): Shared<Arc<State>>, request: Request) -> Response {
    serve(state, request, false).await
}

/// A routed path's fallback for the methods the gateway does not serve on it.
pub async fn other_method(Shared(state): Shared<Arc<State>>, request: Request) -> Response {
    serve(state, request, true).await
}

/// Serves one passthrough request.
pub async fn serve(state: Arc<State>, request: Request, routed: bool) -> Response {
    let mut outcome = Outcome::new("passthrough", Instant::now());
    let (parts, body) = request.into_parts();
    let wire = table::wire_of(parts.uri.path(), parts.uri.query(), &parts.headers);
    match run(&state, wire, &parts, body, routed, &mut outcome).await {
        Ok(ready) => {
            let mut extra = HeaderMap::new();
            if let Some(snapshot) = outcome.admission.as_ref().and_then(|a| a.snapshot) {
                pipeline::limit_headers(&snapshot, &mut extra);
            }
            extra.insert(
                HeaderName::from_static(ROUTE),
                header_text(&ready.ctx.chosen.route()),
            );
            extra.insert(
                HeaderName::from_static(REQUEST_ID),
                header_text(&outcome.request_id),
            );
            reply::reply(state, ready.ctx, ready.upstream, outcome, ready.slot, extra).await
        }
        Err(error) => {
            let mut response = error.into_response(wire);
            response.headers_mut().insert(
                HeaderName::from_static(REQUEST_ID),
                header_text(&outcome.request_id),
            );
            outcome.answered(response.status(), response.headers());
            pipeline::finish(&state, outcome);
            response
        }
    }
}

/// A Gemini upload's bytes, sent to an upload URL the gateway handed out: its grant (the
/// provider it goes on with, and the caller when the request presents no key — an unknown
/// or expired id without a key is 401), and whether the request presents a key.
fn upload_grant(
    state: &State,
    wire: Wire,
    parts: &Parts,
) -> Result<(Option<uploads::Grant>, bool), GatewayError> {
    let query = parts.uri.query();
    let presents_key = parts.headers.contains_key("x-goog-api-key")
        || query.is_some_and(|q| q.split('&').any(|p| p.starts_with("key=")));
    let id = match uploads::upload_id(query) {
        Some(id)
            if wire == Wire::Gemini
                && table::table_path(wire, parts.uri.path()).starts_with("/upload/") =>
        {
            id
        }
        _ => return Ok((None, presents_key)),
    };
    let command = parts
        .headers
        .get("x-goog-upload-command")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let done = command.contains("finalize") || command.contains("cancel");
    match state.passthrough.uploads.take(id, done) {
        Some(grant) => Ok((Some(grant), presents_key)),
        None if presents_key => Ok((None, true)),
        None => Err(GatewayError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "unknown or expired upload id (and no gateway key): start the upload again",
        )
        .code("invalid_api_key")
        .closing()),
    }
}

/// The upstream's response head, and what the reply needs.
struct Ready {
    ctx: reply::Context,
    upstream: reqwest::Response,
    slot: Slot,
}

async fn run(
    state: &Arc<State>,
    wire: Wire,
    parts: &Parts,
    body: axum::body::Body,
    routed: bool,
    outcome: &mut Outcome,
) -> Result<Ready, GatewayError> {
    let slot = pipeline::slot(state)?;
    let path = parts.uri.path();
    let op = table::find(wire, &parts.method, path, routed).map_err(GatewayError::closing)?;
    let query = parts.uri.query();
    let (granted, presents_key) = upload_grant(state, wire, parts)?;
    let caller = match &granted {
        Some(grant) if !presents_key => grant.caller.clone(),
        _ => pipeline::authenticate(state, wire, &parts.headers, query)
            .await
            .map_err(GatewayError::closing)?,
    };
    outcome.caller = Some(caller.clone());
    let limit = state.passthrough.limit(op.body);
    let (outgoing, body_model) = body::take(op, limit, &parts.headers, body).await?;
    let table_path = table::table_path(wire, path);
    let requested = match op.model {
        ModelAt::Path(_) => op.path_model(&table_path).map(str::to_owned),
        _ => body_model,
    };
    // Gemini names models `models/NAME` in bodies; routes name them `NAME`.
    let requested = requested.map(|m| m.strip_prefix("models/").map_or(m.clone(), str::to_owned));
    if let Some(model) = &requested {
        outcome.model.clone_from(model);
    }
    let chosen = match granted {
        Some(grant) => choose::Chosen {
            provider: state
                .providers
                .get(&grant.provider)
                .cloned()
                .ok_or_else(|| {
                    GatewayError::new(
                        axum::http::StatusCode::NOT_FOUND,
                        "the provider of this upload is gone",
                    )
                })?,
            key: grant.key,
            model: None,
        },
        None => choose::choose(state, wire, &parts.headers, &caller, requested.as_deref())?,
    };
    outcome.admission = Some(pipeline::admit_request(state, &caller, requested.as_deref()).await?);
    let (upstream_path, outgoing) = match &chosen.model {
        Some(model) => (
            body::path_with_model(op, path, &table_path, model),
            match outgoing {
                body::Outgoing::Whole(raw) => body::Outgoing::Whole(body::with_model(raw, model)),
                other => other,
            },
        ),
        None => (path.to_owned(), outgoing),
    };
    let whole = matches!(outgoing, body::Outgoing::Whole(_));
    let headers = send::headers(&chosen, wire, &parts.headers, whole)
        .map_err(|e| GatewayError::new(axum::http::StatusCode::BAD_GATEWAY, e))?;
    let url = send::url(&chosen, wire, &upstream_path, query);
    let exceeded = outgoing.exceeded();
    let sent = send::send(
        &state.http,
        &chosen,
        parts.method.clone(),
        url,
        headers,
        outgoing.into_reqwest(),
        state.limits.request_timeout,
    )
    .await;
    if exceeded.is_some_and(|e| e.load(std::sync::atomic::Ordering::Relaxed)) {
        return Err(body::too_large(limit));
    }
    let upstream = sent?;
    let public_origin = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|host| {
            let scheme = parts
                .headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("http");
            format!("{scheme}://{host}")
        });
    Ok(Ready {
        ctx: reply::Context {
            caller,
            wire,
            chosen,
            streams: op.streams,
            public_origin,
        },
        upstream,
        slot,
    })
}
