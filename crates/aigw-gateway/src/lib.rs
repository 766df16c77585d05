//! `aigw`, the gateway server: OpenAI (`/v1/chat/completions`, `/v1/responses`,
//! `/v1/embeddings`, `/v1/models`), Anthropic (`/v1/messages`, `/v1/messages/count_tokens`)
//! and Gemini (`/v1beta/models/{model}:generateContent`, `:streamGenerateContent`,
//! `:countTokens`) inbound, each with its own auth convention and error shape; model routes
//! with ordered fallback; same-protocol passthrough of bodies and SSE bytes; translation by
//! `aigw-translate` otherwise, with every loss reported in `x-aigw-adjustments` (or refused
//! with `x-aigw-strict: true`); Prometheus metrics; graceful shutdown.

pub mod admin;
mod azure;
mod balance;
pub mod config;
mod convert;
mod extra;
mod governance;
pub mod metrics;
pub mod passthrough;
mod peek;
mod pipeline;
mod protocol;
pub mod recent;
mod route;
mod server;
pub mod state;
mod stream;
pub mod telemetry;
mod ui;
mod upstream;
mod usage;

pub use config::{Config, ConfigError};
pub use pipeline::{ADJUSTMENTS, ROUTE, STRICT};
pub use server::router;
pub use state::State;

/// The configuration's store URL, password redacted (for messages).
pub fn store_url(config: &Config) -> String {
    aigw_governance::store::redact_url(&config.store.url)
}

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Serves `state` on `listener` until `shutdown` resolves; then stops accepting, lets open
/// requests and streams finish for up to `grace`, and returns.
pub async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (signal_tx, signal_rx) = tokio::sync::watch::channel(false);
    let app = router(state.clone());
    // Stream events go out as written: no Nagle delay between small writes.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
    });
    // `into_make_service`: a `Router` served directly is re-built for every connection
    // (`with_state` collects its route maps again, ~3 KiB held per open connection); the
    // make-service hands each connection a clone of the same one.
    let server =
        axum::serve(listener, app.into_make_service()).with_graceful_shutdown(async move {
            shutdown.await;
            let _ = signal_tx.send(true);
        });
    let mut server = std::pin::pin!(server.into_future());
    let mut signalled = signal_rx.clone();
    let ended = tokio::select! {
        result = &mut server => Some(result),
        _ = signalled.wait_for(|s| *s) => None,
    };
    if let Some(result) = ended {
        flush(&state).await;
        return result;
    }
    tracing::info!(
        grace_secs = grace.as_secs(),
        "shutting down: letting open requests finish"
    );
    let result = match tokio::time::timeout(grace, server).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!("grace period over: closing the requests still open");
            Ok(())
        }
    };
    flush(&state).await;
    result
}

/// Writes the spend log's queued records before the process ends.
async fn flush(state: &State) {
    if let Some(log) = &state.spend {
        log.close().await;
        tracing::info!("spend log flushed");
    }
    if state.telemetry.enabled() {
        // Blocks until the queued spans are sent or the timeout passes.
        let shutdown = || state.telemetry.shutdown(Duration::from_secs(5));
        match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
            Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(shutdown),
            _ => shutdown(),
        }
    }
}
