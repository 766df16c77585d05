//! The running server: shared state, the router, request recording, start and stop.

use crate::control::{self, Control};
use crate::corpus::Corpus;
use crate::handlers;
use crate::reply::shutdown_signal;
use crate::{Fault, MockConfig, MockError};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The largest request body accepted (and recorded).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// One request the server received, as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path with the query, e.g. `/v1beta/models/m:streamGenerateContent?alt=sse`.
    pub path: String,
    /// Every header in order, names lowercase; values that are not UTF-8 are converted
    /// lossily.
    pub headers: Vec<(String, String)>,
    /// The body bytes exactly as received.
    pub body: Bytes,
}

impl Recorded {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// State shared by every request of one server.
pub(crate) struct Shared {
    pub(crate) corpus: Arc<Corpus>,
    pub(crate) control: Control,
    pub(crate) event_delay: Duration,
    pub(crate) compat: bool,
    fault: Mutex<Option<Fault>>,
    requests: Mutex<Vec<Recorded>>,
    recording: AtomicBool,
    next_request_id: AtomicU64,
    pub(crate) shutdown: watch::Receiver<bool>,
}

impl Shared {
    /// The fault configured for every request.
    pub(crate) fn fault(&self) -> Option<Fault> {
        *self.fault.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A fresh request id, `req_mock_` and 16 hex digits.
    pub(crate) fn recorded(&self) -> Vec<Recorded> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn request_id(&self) -> String {
        let n = self.next_request_id.fetch_add(1, Ordering::Relaxed);
        format!("req_mock_{n:016x}")
    }
}

/// A running mock server on a loopback port. It stops when dropped: it stops accepting
/// connections, and stalled or hanging responses end.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    /// `None` once [`MockServer::shutdown`] took it.
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("corpus", &self.shared.corpus.root())
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Loads the corpus (once per process and directory) and serves on `127.0.0.1:0`.
    pub async fn start(config: MockConfig) -> Result<MockServer, MockError> {
        MockServer::bind(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Loads the corpus (once per process and directory) and serves on `addr`.
    pub async fn bind(config: MockConfig, addr: SocketAddr) -> Result<MockServer, MockError> {
        let root = config.corpus.clone();
        let corpus = tokio::task::spawn_blocking(move || Corpus::shared(&root))
            .await
            .map_err(|e| MockError::Loader(e.to_string()))??;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| MockError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| MockError::Bind { addr, source })?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            corpus,
            control: Control::new(config.latency),
            event_delay: config.event_delay,
            compat: config.compat,
            fault: Mutex::new(config.fault),
            requests: Mutex::new(Vec::new()),
            recording: AtomicBool::new(true),
            next_request_id: AtomicU64::new(1),
            shutdown: shutdown_rx.clone(),
        });
        let app = router(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            // Serving only ends on shutdown; an accept error has nowhere to go.
            // Events go out as written: no Nagle delay between a stream's small writes.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal(shutdown_rx))
                .await;
        });
        Ok(MockServer {
            addr,
            shared,
            shutdown,
            task: Some(task),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash; OpenAI and Anthropic base URLs
    /// are this plus `/v1`, Gemini's plus `/v1beta`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far (while recording was on), in order of arrival.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Turns request recording on (the default) or off; a long benchmark run turns it off so
    /// that memory stays flat.
    pub fn set_recording(&self, on: bool) {
        self.shared.recording.store(on, Ordering::Relaxed);
    }

    /// Changes the fault applied to every request (a request's `x-mock-fault` header still
    /// overrides it).
    pub fn set_fault(&self, fault: Option<Fault>) {
        *self
            .shared
            .fault
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = fault;
    }

    /// Changes the delay before every response head (also `PUT /mock/latency/{ms}`).
    pub fn set_latency(&self, latency: Duration) {
        self.shared.control.set_latency(latency);
    }

    /// Sets (or, with `None`, clears) the fault for requests presenting upstream key `key`
    /// (`Authorization: Bearer`, `x-api-key` or `x-goog-api-key`); it wins over the fault
    /// of every request, a request's `x-mock-fault` header wins over it.
    pub fn set_key_fault(&self, key: &str, fault: Option<Fault>) {
        self.shared.control.set_key_fault(key, fault);
    }

    /// Stops accepting connections, ends stalled and hanging responses, and waits until
    /// the responses in flight are done.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The mock's routes, with every request recorded (while recording is on).
fn router(shared: Arc<Shared>) -> Router {
    use crate::family::Family::{Anthropic, OpenAi};
    use handlers::StreamFlag::{Fixed, FromBody};
    use handlers::replaying as replay;
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/mock/latency/{ms}",
            axum::routing::put(control::put_latency),
        )
        .route(
            "/v1/chat/completions",
            replay(OpenAi, "openai", "chat.completions", FromBody),
        )
        .route(
            "/v1/responses",
            replay(OpenAi, "openai", "responses", FromBody),
        )
        .route(
            "/v1/responses/compact",
            replay(OpenAi, "openai", "responses.compact", Fixed(false)),
        )
        .route(
            "/v1/responses/input_tokens",
            replay(OpenAi, "openai", "responses.input_tokens", Fixed(false)),
        )
        .route(
            "/v1/embeddings",
            replay(OpenAi, "openai", "embeddings", Fixed(false)),
        )
        .route("/v1/models", get(handlers::models))
        .route(
            "/v1/messages",
            replay(Anthropic, "anthropic", "messages", FromBody),
        )
        .route(
            "/v1/messages/count_tokens",
            replay(Anthropic, "anthropic", "count_tokens", Fixed(false)),
        )
        .route("/v1beta/models", get(handlers::gemini_models))
        .route("/v1beta/models/{*rest}", post(handlers::gemini))
        .merge(crate::azure::routes())
        .merge(crate::passthrough::routes())
        .fallback(handlers::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), record))
        .with_state(shared)
}

/// Records the request (body buffered, then handed on unchanged).
async fn record(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    if !shared.recording.load(Ordering::Relaxed) || request.uri().path().starts_with("/mock/") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "aigw-mock: request body unreadable or too large",
        )
            .into_response();
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect();
    shared
        .requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Recorded {
            method: parts.method.as_str().to_owned(),
            path,
            headers,
            body: body.clone(),
        });
    next.run(Request::from_parts(parts, Body::from(body))).await
}
