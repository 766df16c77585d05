//! The admin API under `/admin/` (JSON): create a key (its secret answered once), list, show,
//! update, revoke; usage, the latest requests, the balancer's health. Guarded by the admin key (`Authorization: Bearer`, from the environment
//! variable `[admin] key_env`); a virtual key never opens it; without an admin key the API is
//! off (404). Errors are OpenAI-shaped JSON; bad bodies name the field.

use crate::protocol::{GatewayError, Wire, json_response};
use crate::state::State;
use aigw_governance::key::{KeySource, VirtualKey};
use aigw_governance::manage::{KeyUpdate, KeyView, NewKey, created_json, now_ms, parse_json};
use aigw_governance::store::{Store, StoreError};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State as Shared};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::json;
use std::sync::Arc;

type AppState = Shared<Arc<State>>;

/// Largest admin request body.
const MAX_BODY: usize = 64 << 10;

/// The `/admin/…` routes.
pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/admin/keys", post(create).get(list))
        .route("/admin/keys/{id}", get(show).patch(update).delete(revoke))
        .route("/admin/keys/{id}/revoke", post(revoke))
        .route("/admin/usage", get(usage))
        .route("/admin/requests", get(requests))
        .route("/admin/health", get(health))
        .route("/admin/{*rest}", axum::routing::any(unknown))
}

fn error(status: StatusCode, message: impl Into<String>) -> GatewayError {
    GatewayError::new(status, message)
}

/// The admin key check, and the store every admin operation on keys and usage needs.
fn guard<'s>(state: &'s State, headers: &HeaderMap) -> Result<&'s Store, GatewayError> {
    admin_key(state, headers)?;
    state.governance.store.as_ref().ok_or_else(|| {
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "this gateway runs without a key store",
        )
    })
}

/// The admin key check.
fn admin_key(state: &State, headers: &HeaderMap) -> Result<(), GatewayError> {
    let governance = &state.governance;
    if !governance.admin_enabled() {
        return Err(error(
            StatusCode::NOT_FOUND,
            "the admin API is off: set the admin key's environment variable ([admin] key_env, \
             default AIGW_ADMIN_KEY) to turn it on",
        ));
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match presented {
        Some(key) if governance.admin_accepts(key) => {}
        Some(_) => {
            return Err(
                GatewayError::new(StatusCode::UNAUTHORIZED, "invalid admin key")
                    .code("invalid_api_key"),
            );
        }
        None => {
            return Err(GatewayError::new(
                StatusCode::UNAUTHORIZED,
                "missing admin key: send `Authorization: Bearer <admin key>`",
            )
            .code("invalid_api_key"));
        }
    }
    Ok(())
}

fn store_error(e: StoreError) -> GatewayError {
    match e {
        StoreError::NotFound(id) => error(StatusCode::NOT_FOUND, format!("no key with id {id:?}")),
        other => {
            tracing::error!(error = %other, "admin API: the store failed");
            error(StatusCode::SERVICE_UNAVAILABLE, other.to_string())
        }
    }
}

async fn body<T: for<'de> serde::Deserialize<'de>>(body: Body) -> Result<T, GatewayError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("admin request bodies are at most {MAX_BODY} bytes"),
        )
    })?;
    parse_json(&bytes).map_err(|e| error(StatusCode::BAD_REQUEST, e))
}

/// Makes this replica see a change at once (the others within the refresh interval).
async fn refresh(state: &State) {
    if let Err(e) = state.governance.ring.refresh().await {
        tracing::warn!(error = %e, "admin API: cannot refresh the key ring");
    }
}

fn view(key: &VirtualKey) -> serde_json::Value {
    serde_json::to_value(KeyView::of(key, now_ms())).unwrap_or_default()
}

async fn create(Shared(state): AppState, headers: HeaderMap, raw: Body) -> Response {
    let store = match guard(&state, &headers) {
        Ok(store) => store,
        Err(e) => return e.into_response(Wire::Openai),
    };
    let new: NewKey = match body(raw).await {
        Ok(new) => new,
        Err(e) => return e.into_response(Wire::Openai),
    };
    let now = now_ms();
    let (key, secret) = match new.build(now) {
        Ok(built) => built,
        Err(e) => return error(StatusCode::BAD_REQUEST, e).into_response(Wire::Openai),
    };
    if let Err(e) = store.insert(&key).await {
        return store_error(e).into_response(Wire::Openai);
    }
    refresh(&state).await;
    tracing::info!(key_id = %key.id, name = %key.name, "admin API: key created");
    json_response(StatusCode::CREATED, &created_json(&key, &secret, now))
}

async fn list(Shared(state): AppState, headers: HeaderMap) -> Response {
    let store = match guard(&state, &headers) {
        Ok(store) => store,
        Err(e) => return e.into_response(Wire::Openai),
    };
    match store.list().await {
        Ok(keys) => {
            let mut data: Vec<serde_json::Value> = state
                .governance
                .ring
                .config_keys()
                .iter()
                .map(|k| view(k))
                .collect();
            data.extend(keys.iter().map(view));
            json_response(StatusCode::OK, &json!({"object": "list", "data": data}))
        }
        Err(e) => store_error(e).into_response(Wire::Openai),
    }
}

async fn show(Shared(state): AppState, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let store = match guard(&state, &headers) {
        Ok(store) => store,
        Err(e) => return e.into_response(Wire::Openai),
    };
    if let Some(key) = state.governance.ring.config_key(&id) {
        return json_response(StatusCode::OK, &view(&key));
    }
    match store.get(&id).await {
        Ok(Some(key)) => json_response(StatusCode::OK, &view(&key)),
        Ok(None) => store_error(StoreError::NotFound(id)).into_response(Wire::Openai),
        Err(e) => store_error(e).into_response(Wire::Openai),
    }
}

fn config_key_refused(state: &State, id: &str) -> Option<Response> {
    let key = state.governance.ring.config_key(id)?;
    debug_assert_eq!(key.source, KeySource::Config);
    Some(
        error(
            StatusCode::CONFLICT,
            format!("key {id:?} is defined in the configuration file: change it there"),
        )
        .into_response(Wire::Openai),
    )
}

async fn update(
    Shared(state): AppState,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: Body,
) -> Response {
    let store = match guard(&state, &headers) {
        Ok(store) => store,
        Err(e) => return e.into_response(Wire::Openai),
    };
    if let Some(refused) = config_key_refused(&state, &id) {
        return refused;
    }
    let changes: KeyUpdate = match body(raw).await {
        Ok(changes) => changes,
        Err(e) => return e.into_response(Wire::Openai),
    };
    let now = now_ms();
    let changes = match changes.validate(now) {
        Ok(changes) => changes,
        Err(e) => return error(StatusCode::BAD_REQUEST, e).into_response(Wire::Openai),
    };
    match store.update(&id, &changes, now).await {
        Ok(key) => {
            refresh(&state).await;
            tracing::info!(key_id = %key.id, "admin API: key updated");
            json_response(StatusCode::OK, &view(&key))
        }
        Err(e) => store_error(e).into_response(Wire::Openai),
    }
}

async fn revoke(Shared(state): AppState, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let store = match guard(&state, &headers) {
        Ok(store) => store,
        Err(e) => return e.into_response(Wire::Openai),
    };
    if let Some(refused) = config_key_refused(&state, &id) {
        return refused;
    }
    match store.revoke(&id, now_ms()).await {
        Ok(key) => {
            refresh(&state).await;
            tracing::info!(key_id = %key.id, "admin API: key revoked");
            json_response(StatusCode::OK, &view(&key))
        }
        Err(e) => store_error(e).into_response(Wire::Openai),
    }
}

async fn unknown(Shared(state): AppState, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    if let Err(e) = guard(&state, &headers) {
        return e.into_response(Wire::Openai);
    }
    error(
        StatusCode::NOT_FOUND,
        format!("no such admin endpoint: {}", uri.path()),
    )
    .into_response(Wire::Openai)
}

/// `?key=&since=&by=` of `GET /admin/usage`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct UsageQuery {
    key: Option<String>,
    /// RFC 3339, or a duration back from now (`7d`); default: 30 days.
    since: Option<String>,
    /// RFC 3339 (exclusive), or a duration back from now; default: no end.
    until: Option<String>,
    #[serde(default)]
    by: aigw_governance::spend::By,
}

/// The start of a report: RFC 3339, or a duration back from now (`24h`, `7d`).
pub fn parse_since(since: Option<&str>, now: i64) -> Result<i64, String> {
    let Some(text) = since else {
        return Ok(now - 30 * 86_400_000);
    };
    if let Ok(d) = humantime::parse_duration(text) {
        return Ok(now - d.as_millis() as i64);
    }
    aigw_governance::manage::parse_time("since", text)
        .map_err(|_| format!("since: {text:?} is neither an RFC 3339 time nor a duration like 7d"))
}

/// `GET /admin/usage?by=&key=&since=&until=`: requests, tokens by kind and cost from the spend
/// log, grouped by key, model or day (the same JSON as `aigw usage --json`).
async fn usage(
    Shared(state): AppState,
    headers: HeaderMap,
    query: Result<axum::extract::Query<UsageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let store = match guard(&state, &headers) {
        Ok(store) => store,
        Err(e) => return e.into_response(Wire::Openai),
    };
    let query = match query {
        Ok(axum::extract::Query(q)) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()).into_response(Wire::Openai),
    };
    let since = match parse_since(query.since.as_deref(), now_ms()) {
        Ok(since) => since,
        Err(e) => return error(StatusCode::BAD_REQUEST, e).into_response(Wire::Openai),
    };
    let until = match query.until.as_deref() {
        None | Some("") => None,
        Some(text) => match parse_since(Some(text), now_ms()) {
            Ok(until) => Some(until),
            Err(e) => {
                let e = e.replacen("since", "until", 1);
                return error(StatusCode::BAD_REQUEST, e).into_response(Wire::Openai);
            }
        },
    };
    let key = query.key.as_deref().filter(|k| !k.is_empty());
    match aigw_governance::spend::report_between(store, query.by, key, since, until).await {
        Ok(report) => json_response(
            StatusCode::OK,
            &serde_json::to_value(report).unwrap_or_default(),
        ),
        Err(e) => store_error(e).into_response(Wire::Openai),
    }
}

/// `GET /admin/requests?limit=N&key=&model=&status=&losses=`: the latest requests this replica
/// answered, newest first (status, route, latency, time to first byte, usage, cost, losses, and
/// `loss_list`: each lost field's pointer, kind and reason), from memory. Filters: `key` (key id),
/// `model` (requested or answering model), `status` (`200` or a class like `4xx`), `losses`
/// (`true`: only requests that lost something; `false`: only those that did not).
async fn requests(
    Shared(state): AppState,
    headers: HeaderMap,
    query: Result<axum::extract::Query<RequestsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Err(e) = guard(&state, &headers) {
        return e.into_response(Wire::Openai);
    }
    let query = match query {
        Ok(axum::extract::Query(q)) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()).into_response(Wire::Openai),
    };
    if let Some(status) = query.status.as_deref()
        && status_matches(status, 200).is_none()
    {
        return error(
            StatusCode::BAD_REQUEST,
            format!("status: {status:?} is neither a status code nor a class like 4xx"),
        )
        .into_response(Wire::Openai);
    }
    let limit = query.limit.unwrap_or(100);
    let data: Vec<serde_json::Value> = state
        .recent
        .latest_matching(limit, |r| query.keeps(r))
        .into_iter()
        .map(|(r, losses)| {
            let mut v = serde_json::to_value(&r).unwrap_or_default();
            v["cost_usd"] = r
                .cost_pico
                .map(aigw_governance::spend::usd)
                .map_or(serde_json::Value::Null, Into::into);
            v["loss_list"] = serde_json::to_value(&losses).unwrap_or_default();
            v
        })
        .collect();
    json_response(StatusCode::OK, &json!({"object": "list", "data": data}))
}

/// The filters of `GET /admin/requests`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestsQuery {
    limit: Option<usize>,
    key: Option<String>,
    model: Option<String>,
    status: Option<String>,
    losses: Option<bool>,
}

impl RequestsQuery {
    fn keeps(&self, r: &aigw_governance::spend::SpendRecord) -> bool {
        if let Some(key) = nonempty(&self.key)
            && r.key_id.as_deref() != Some(key)
        {
            return false;
        }
        if let Some(model) = nonempty(&self.model) {
            let answered = match (&r.provider, &r.model) {
                (Some(p), Some(m)) => format!("{p}/{m}"),
                _ => String::new(),
            };
            let same = r.requested_model == model
                || r.model.as_deref() == Some(model)
                || answered == model;
            if !same {
                return false;
            }
        }
        if let Some(status) = nonempty(&self.status)
            && status_matches(status, r.status) != Some(true)
        {
            return false;
        }
        match self.losses {
            Some(wanted) => (r.loss_count > 0) == wanted,
            None => true,
        }
    }
}

fn nonempty(filter: &Option<String>) -> Option<&str> {
    filter.as_deref().filter(|s| !s.is_empty())
}

/// Whether `status` (`429`, or a class `4xx`) matches `code`; `None`: not a status filter.
fn status_matches(filter: &str, code: u16) -> Option<bool> {
    let filter = filter.trim();
    if let Ok(exact) = filter.parse::<u16>() {
        return Some(exact == code);
    }
    let class = filter.strip_suffix("xx").or(filter.strip_suffix("XX"))?;
    let class: u16 = class.parse().ok().filter(|c| (1..=5).contains(c))?;
    Some(code / 100 == class)
}

/// `GET /admin/health`: each route's groups, their strategy, and each member's breaker,
/// key status, latency estimate, requests in flight and recent error rate — this replica's.
async fn health(Shared(state): AppState, headers: HeaderMap) -> Response {
    if let Err(e) = admin_key(&state, &headers) {
        return e.into_response(Wire::Openai);
    }
    json_response(StatusCode::OK, &state.routes.health())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_filters_take_codes_and_classes() {
        assert_eq!(status_matches("429", 429), Some(true));
        assert_eq!(status_matches("4xx", 401), Some(true));
        assert_eq!(status_matches("2xx", 401), Some(false));
        assert_eq!(status_matches("9xx", 401), None);
        assert_eq!(status_matches("ok", 200), None);
    }
}
