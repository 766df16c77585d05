//! The path of every upstream-bound request, in order:
//!
//! 1. [`admit`] — a slot under the concurrency limit;
//! 2. [`auth`] — the key the client presents, in its protocol's way: the [`auth::Caller`];
//! 3. [`admit`] — the body, within the size limit, a JSON object; the model it asks for;
//! 4. route — the model's targets in the order to try them (`crate::route`, ordered by
//!    `crate::balance`: groups, strategies, health);
//! 5. [`forward`] — the targets tried in turn, each admitted by its member's health, sent
//!    by an [`attempt`] (send, classify the failure) and its outcome recorded to the
//!    member, until one answers;
//! 6. [`answer`] — the answer in the client's protocol, plain or streamed;
//! 7. [`finish`] — the request's one [`finish::Outcome`] recorded: at once for a plain
//!    answer, at its end for a stream (however it ends).
//!
//! A refusal at any step is the gateway's own error in the client's shape, recorded by
//! [`finish`] like any other answer.

mod admit;
mod allowed;
mod answer;
mod attempt;
mod auth;
mod cost;
mod estimate;
mod finish;
mod forward;
mod limits;
mod record;

pub(crate) use admit::slot;
pub use answer::{ADJUSTMENTS, RESPONSE, ROUTE, header_text};
pub use auth::authenticate;
pub(crate) use cost::of as cost_of;
pub use finish::{Outcome, Spent, finish};
pub(crate) use limits::{admit_request, headers as limit_headers};

use crate::peek::Head;
use crate::protocol::{Api, GatewayError};
use crate::route::Target;
use crate::state::{Slot, State};
use crate::stream::Framing;
use answer::Answer;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// The request header that turns any loss into a 400.
pub const STRICT: &str = "x-aigw-strict";
/// The response header with the gateway's id of the request (the spend log's `request_id`).
pub const REQUEST_ID: &str = "x-aigw-request-id";
/// The response header with the request's cost in USD (`unknown` without a price or
/// usage); as a request header, `true` asks for the cost in a stream's closing comment.
pub const COST: &str = "x-aigw-cost";

/// What a client asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Generate,
    Embeddings,
    CountTokens,
}

/// What an endpoint serves: the client protocol, the operation, the metrics label.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    pub api: Api,
    pub op: Op,
    pub label: &'static str,
}

/// A request as it arrived at an upstream-bound endpoint.
#[derive(Debug)]
pub struct Incoming {
    pub headers: HeaderMap,
    pub query: Option<String>,
    /// The model (and whether to stream) when the URL gives them (Gemini).
    pub path_model: Option<(String, bool)>,
    /// The model when the URL names it but the body says whether to stream (Azure-style
    /// `/openai/deployments/{deployment}/…`).
    pub deployment: Option<String>,
    pub framing: Framing,
    pub body: Body,
}

/// A client request, read and checked.
#[derive(Debug)]
pub struct Inbound {
    /// The client's protocol (embeddings: Chat; token counting: Messages or Gemini).
    pub api: Api,
    pub op: Op,
    pub headers: HeaderMap,
    pub raw: Bytes,
    /// The members of the body the gateway acts on.
    pub head: Head,
    /// The whole body as a tree, built the first time something needs it (a compat preset,
    /// a model rename, embeddings and token counting): a body forwarded as it came never is.
    value: OnceLock<Result<Value, String>>,
    pub stream: bool,
    pub framing: Framing,
    pub strict: bool,
}

impl Inbound {
    /// The whole body as a `Value` (built once).
    pub fn value(&self) -> Result<&Value, &str> {
        self.value
            .get_or_init(|| {
                serde_json::from_slice(&self.raw)
                    .map_err(|e| format!("the request body is not valid JSON: {e}"))
            })
            .as_ref()
            .map_err(String::as_str)
    }
}

/// Serves one upstream-bound request, start to end.
pub async fn handle(state: Arc<State>, endpoint: Endpoint, incoming: Incoming) -> Response {
    let mut outcome = Outcome::new(endpoint.label, Instant::now());
    outcome.trace = state.telemetry.begin(&incoming.headers, endpoint.api);
    match run(&state, endpoint, incoming, &mut outcome).await {
        Ok((answer, slot)) => respond(&state, outcome, answer, slot),
        Err(error) => {
            let mut response = error.into_response(endpoint.api.wire());
            request_id_header(&outcome, response.headers_mut());
            outcome.answered(response.status(), response.headers());
            finish(&state, outcome);
            response
        }
    }
}

/// Admission, authentication, routing and the targets: the answer, and the slot the request
/// holds until it is over.
async fn run(
    state: &Arc<State>,
    Endpoint { api, op, .. }: Endpoint,
    incoming: Incoming,
    outcome: &mut Outcome,
) -> Result<(Answer, Slot), GatewayError> {
    let Incoming {
        headers,
        query,
        path_model,
        deployment,
        framing,
        body,
    } = incoming;
    let slot = admit::slot(state)?;
    let caller = authenticate(state, api.wire(), &headers, query.as_deref())
        .await
        .map_err(GatewayError::closing)?;
    outcome.caller = Some(caller.clone());
    let body = admit::json_body(state, &headers, body).await?;
    let (model, stream) = match (path_model, deployment) {
        (Some(requested), _) => requested,
        (None, Some(deployment)) => (deployment, asks_stream(op, &body.head)),
        (None, None) => requested(op, &body.head)?,
    };
    outcome.model.clone_from(&model);
    let targets = allowed::allowed(&caller, &model, route(state, &model)?)?;
    if let Some(trace) = outcome.trace.as_mut().filter(|t| t.capture) {
        trace.request_body = Some(body.raw.clone());
    }
    let inbound = Inbound {
        api,
        op,
        strict: strict(state, &headers),
        headers,
        raw: body.raw,
        head: body.head,
        value: OnceLock::new(),
        stream,
        framing,
    };
    outcome.admission = Some(limits::admit(state, &caller, &model, &inbound, &targets).await?);
    let answer = forward::forward(state, &inbound, targets, outcome).await;
    Ok((answer, slot))
}

/// The model a body asks for, and whether it asks for a stream.
fn requested(op: Op, head: &Head) -> Result<(String, bool), GatewayError> {
    let model = head
        .model
        .clone()
        .filter(|m| !m.is_empty())
        .ok_or_else(|| GatewayError::bad_request("the request has no `model`"))?;
    Ok((model, asks_stream(op, head)))
}

/// Whether a body asks for a stream.
fn asks_stream(op: Op, head: &Head) -> bool {
    op == Op::Generate && head.stream == Some(true)
}

/// The targets for `model`, in the order to try them (no route: 404; every member out with
/// `when_all_open = "fail"`: 503).
fn route(state: &State, model: &str) -> Result<Vec<Target>, GatewayError> {
    let Some(targets) = state.routes.plan(model) else {
        return Err(GatewayError::new(
            StatusCode::NOT_FOUND,
            format!("the gateway has no route for model {model:?}"),
        )
        .code("model_not_found"));
    };
    if targets.is_empty() {
        return Err(GatewayError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "every upstream for model {model:?} is out of rotation (circuit breaker open or \
                 key cooling down); try again shortly"
            ),
        )
        .code("upstreams_unavailable"));
    }
    Ok(targets)
}

/// Whether any loss is refused: the configuration's `strict`, or the request's header.
fn strict(state: &State, headers: &HeaderMap) -> bool {
    state.strict
        || headers
            .get(STRICT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// The client's response. A plain answer ends the request now; a stream ends it when the
/// stream ends, fails or is dropped, and holds the slot until then.
fn respond(state: &State, mut outcome: Outcome, answer: Answer, slot: Slot) -> Response {
    let snapshot = outcome.admission.as_ref().and_then(|a| a.snapshot);
    match answer {
        Answer::Plain(mut response) => {
            drop(slot);
            if let Some(snapshot) = &snapshot {
                limits::headers(snapshot, response.headers_mut());
            }
            request_id_header(&outcome, response.headers_mut());
            outcome.answered(response.status(), response.headers());
            finish(state, outcome);
            response
        }
        Answer::Stream(mut head, stream) => {
            if let Some(snapshot) = &snapshot {
                limits::headers(snapshot, &mut head.headers);
            }
            request_id_header(&outcome, &mut head.headers);
            outcome.answered(head.status, &head.headers);
            let body = Body::from_stream((*stream).ends_with(outcome, slot));
            Response::from_parts(head, body)
        }
    }
}

fn request_id_header(outcome: &Outcome, headers: &mut HeaderMap) {
    headers.insert(
        axum::http::HeaderName::from_static(REQUEST_ID),
        header_text(&outcome.request_id),
    );
}
