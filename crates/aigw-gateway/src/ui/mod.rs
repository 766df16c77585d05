//! The dashboard at `/ui`: keys, spend, requests (with their losses) and health, as static
//! HTML/CSS/JS embedded in the binary (no Node toolchain, no CDN: it works offline). Its only
//! backend is the admin API under `/admin/`. Guarded by the admin key like `/admin/`: presented
//! as `Authorization: Bearer` or as the `aigw_admin` cookie the login page sets (a browser
//! cannot send a header when it navigates); without it `/ui` answers 401 with the login page.

mod assets;

use crate::state::State;
use axum::Router;
use axum::extract::{Path, State as Shared};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;

type AppState = Shared<Arc<State>>;

/// The cookie the login page sets (path `/ui`, `SameSite=Strict`).
const COOKIE: &str = "aigw_admin";

/// The `/ui` routes.
pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/ui", get(index))
        .route("/ui/", get(index))
        .route("/ui/{file}", get(asset))
}

/// Why the guard refused a request.
enum Refused {
    /// No admin key is configured: the dashboard is off, like the admin API.
    Off,
    /// No admin key, or a wrong one, was presented.
    Unauthorized,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::Off => (
                StatusCode::NOT_FOUND,
                "the dashboard is off: set the admin key's environment variable ([admin] \
                 key_env, default AIGW_ADMIN_KEY) to turn it on\n",
            )
                .into_response(),
            Refused::Unauthorized => page(StatusCode::UNAUTHORIZED, assets::LOGIN_HTML),
        }
    }
}

/// Whether the request carries the admin key.
fn guard(state: &State, headers: &HeaderMap) -> Result<(), Refused> {
    let governance = &state.governance;
    if !governance.admin_enabled() {
        return Err(Refused::Off);
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let presented = bearer.or_else(|| cookie(headers, COOKIE));
    match presented {
        Some(key) if governance.admin_accepts(&key) => Ok(()),
        _ => Err(Refused::Unauthorized),
    }
}

/// The value of cookie `name`, percent-decoded.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| {
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned()
            })
        })
}

fn page(status: StatusCode, html: &'static str) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        html,
    )
        .into_response()
}

async fn index(Shared(state): AppState, headers: HeaderMap) -> Response {
    match guard(&state, &headers) {
        Ok(()) => page(StatusCode::OK, assets::INDEX_HTML),
        Err(refused) => refused.into_response(),
    }
}

async fn asset(Shared(state): AppState, Path(file): Path<String>, headers: HeaderMap) -> Response {
    if let Err(refused) = guard(&state, &headers) {
        return refused.into_response();
    }
    match assets::find(&file) {
        Some((content_type, body)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file\n").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_found_among_others_and_decoded() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; aigw_admin=k%3Dx%20y; b=2"),
        );
        assert_eq!(cookie(&headers, COOKIE).as_deref(), Some("k=x y"));
        assert_eq!(cookie(&headers, "nope"), None);
    }

    #[test]
    fn every_asset_the_page_loads_is_embedded() {
        for file in ["app.css", "app.js", "chart.js"] {
            assert!(
                assets::INDEX_HTML.contains(&format!("/ui/{file}")),
                "{file}"
            );
            assert!(assets::find(file).is_some(), "{file}");
        }
        assert!(assets::find("../Cargo.toml").is_none());
    }
}
