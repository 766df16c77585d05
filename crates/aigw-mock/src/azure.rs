//! Azure OpenAI's paths, replaying the OpenAI exchanges: `POST
//! /openai/deployments/{deployment}/chat/completions` and `…/embeddings` (the deployment is
//! the model: `replay:<stem>` works there), `POST /openai/responses` (model in the body), each
//! with the `api-version` query and the `api-key` header Azure requires. Without them the
//! answer is Azure's: 404 `Resource not found` without `api-version`, 401 `Access denied` without
//! a key (the body `{"error": {"code": "404", "message": …}}`, as Azure sends it).

use crate::handlers::{StreamFlag, replay_openai};
use crate::reply::Reply;
use crate::server::Shared;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The Azure routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/openai/deployments/{deployment}/chat/completions",
            post(
                |State(shared): State<Arc<Shared>>,
                 Path(deployment): Path<String>,
                 RawQuery(query): RawQuery,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let api = ("chat.completions", StreamFlag::FromBody);
                    serve(&shared, api, query, &headers, &body, Some(&deployment)).await
                },
            ),
        )
        .route(
            "/openai/deployments/{deployment}/embeddings",
            post(
                |State(shared): State<Arc<Shared>>,
                 Path(deployment): Path<String>,
                 RawQuery(query): RawQuery,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let api = ("embeddings", StreamFlag::Fixed(false));
                    serve(&shared, api, query, &headers, &body, Some(&deployment)).await
                },
            ),
        )
        .route(
            "/openai/responses",
            post(
                |State(shared): State<Arc<Shared>>,
                 RawQuery(query): RawQuery,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let api = ("responses", StreamFlag::FromBody);
                    serve(&shared, api, query, &headers, &body, None).await
                },
            ),
        )
}

/// Azure's checks, then the OpenAI replay.
async fn serve(
    shared: &Shared,
    (api, stream): (&str, StreamFlag),
    query: Option<String>,
    headers: &HeaderMap,
    body: &Bytes,
    deployment: Option<&str>,
) -> Response {
    let has_version = query.as_deref().is_some_and(|q| {
        q.split('&').any(|pair| {
            pair.strip_prefix("api-version=")
                .is_some_and(|v| !v.is_empty())
        })
    });
    if !has_version {
        return refusal(shared, 404, "Resource not found");
    }
    let has_key = headers
        .get("api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().is_empty());
    if !has_key {
        return refusal(
            shared,
            401,
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure to \
             provide a valid key for an active subscription and use a correct regional API \
             endpoint for your resource.",
        );
    }
    replay_openai(shared, api, stream, headers, body, deployment).await
}

/// An error in Azure's own shape (`code` the status as a string).
fn refusal(shared: &Shared, status: u16, message: &str) -> Response {
    let body = json!({"error": {"code": status.to_string(), "message": message}});
    Reply::json(status, body.to_string())
        .header("apim-request-id", shared.request_id())
        .into_response(None, Duration::ZERO, shared.shutdown.clone())
}
