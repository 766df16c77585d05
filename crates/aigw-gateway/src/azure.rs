//! Azure OpenAI's paths on the client side, so that Azure clients (the SDKs' `AzureOpenAI`
//! with the gateway as `azure_endpoint` and a gateway key as `api_key`) are served like OpenAI
//! clients: `/openai/deployments/{deployment}/chat/completions` and `…/embeddings` (the
//! deployment is the model asked for), `/openai/responses` (model in the body), and Azure's
//! v1 API `/openai/v1/{chat/completions,responses,embeddings}`. The `api-version` query is
//! accepted and not needed (the gateway speaks one protocol whatever the version); the key
//! comes as `api-key` (or `Authorization: Bearer`). Answers and errors are OpenAI's, which
//! are Azure's. Upstream Azure providers are `upstream.rs`'s.

use crate::pipeline::{self, Endpoint, Incoming};
use crate::protocol::{GatewayError, Wire};
use crate::server::{CHAT, EMBEDDINGS, RESPONSES, json_post};
use crate::state::State;
use crate::stream::Framing;
use axum::Router;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State as Shared};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use std::sync::Arc;

/// The Azure-shaped routes.
pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route(
            "/openai/deployments/{deployment}/chat/completions",
            post(|state, path, headers, body| deployment(CHAT, state, path, headers, body))
                .fallback(crate::passthrough::other_method),
        )
        .route(
            "/openai/deployments/{deployment}/embeddings",
            post(|state, path, headers, body| deployment(EMBEDDINGS, state, path, headers, body))
                .fallback(crate::passthrough::other_method),
        )
        .route("/openai/responses", json_post(RESPONSES))
        .route("/openai/v1/chat/completions", json_post(CHAT))
        .route("/openai/v1/responses", json_post(RESPONSES))
        .route("/openai/v1/embeddings", json_post(EMBEDDINGS))
}

/// A request for the deployment in its path: that is the model (whatever the body's
/// `model` says); the body says whether to stream.
async fn deployment(
    endpoint: Endpoint,
    Shared(state): Shared<Arc<State>>,
    deployment: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // axum's rejection (a deployment that is not UTF-8 once decoded) is plain text.
    let Ok(Path(deployment)) = deployment else {
        return GatewayError::bad_request("the deployment in the path is not valid UTF-8")
            .closing()
            .into_response(Wire::Openai);
    };
    let incoming = Incoming {
        headers,
        query: None,
        path_model: None,
        deployment: Some(deployment),
        framing: Framing::Sse,
        body,
    };
    pipeline::handle(state, endpoint, incoming).await
}
