//! Getting spans out: the SDK's batch processor (a bounded queue and its own thread, so a
//! request only ever pushes onto the queue, and a full queue drops the span rather than
//! waiting), the OTLP/HTTP protobuf exporter, and the counters of what became of each span.

use super::config::Resolved;
use opentelemetry::KeyValue;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SpanData, SpanExporter, SpanProcessor,
};
use prometheus_client::metrics::counter::Counter;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What became of the spans (registered in `crate::metrics`).
#[derive(Clone, Debug, Default)]
pub struct TraceMetrics {
    /// Spans handed to the exporter's queue.
    pub queued: Counter,
    /// Spans the collector accepted.
    pub exported: Counter,
    /// Batches that failed (collector unreachable, refused, timed out).
    pub export_errors: Counter,
    /// Spans in the failed batches.
    pub lost: Counter,
}

/// The batch processor over the OTLP exporter.
pub struct Exporter {
    processor: BatchSpanProcessor,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Exporter")
    }
}

impl Exporter {
    pub fn start(settings: &Resolved, metrics: TraceMetrics) -> Result<Exporter, String> {
        let transport = Transport::new(settings.export_timeout)?;
        let otlp = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_http_client(transport)
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(settings.traces_url.clone())
            .with_timeout(settings.export_timeout)
            .build()
            .map_err(|e| format!("cannot build the OTLP exporter: {e}"))?;
        let exporter = Counting {
            inner: otlp,
            metrics,
            failing: AtomicBool::new(false),
        };
        let config = BatchConfigBuilder::default()
            .with_max_queue_size(settings.queue_size)
            .with_max_export_batch_size(settings.queue_size.min(512))
            .with_scheduled_delay(settings.batch_delay)
            .build();
        let mut processor = BatchSpanProcessor::builder(exporter)
            .with_batch_config(config)
            .build();
        processor.set_resource(
            &Resource::builder_empty()
                .with_attributes([
                    KeyValue::new("service.name", settings.service_name.clone()),
                    KeyValue::new("service.version", env!("CARGO_PKG_VERSION")),
                ])
                .build(),
        );
        Ok(Exporter { processor })
    }

    /// Queues a finished span (never waits: a full queue drops it).
    pub fn push(&self, span: SpanData) {
        self.processor.on_end(span);
    }

    /// Sends what is queued; blocks the calling thread up to the export timeout.
    pub fn flush(&self) {
        let _ = self.processor.force_flush();
    }

    /// Sends what is queued and stops the export thread; blocks up to `timeout`.
    pub fn shutdown(&self, timeout: Duration) {
        let _ = self.processor.shutdown_with_timeout(timeout);
    }
}

/// The OTLP exporter, counting exports and their failures.
#[derive(Debug)]
struct Counting<E> {
    inner: E,
    metrics: TraceMetrics,
    /// Whether the last export failed (the log says when it starts and stops failing).
    failing: AtomicBool,
}

impl<E: SpanExporter> SpanExporter for Counting<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let n = batch.len() as u64;
        let result = self.inner.export(batch).await;
        match &result {
            Ok(()) => {
                self.metrics.exported.inc_by(n);
                if self.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("trace export works again");
                }
            }
            Err(error) => {
                self.metrics.export_errors.inc();
                self.metrics.lost.inc_by(n);
                if !self.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(%error, spans = n, "trace export failed (counted in aigw_trace_export_errors; logged again once it works)");
                }
            }
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// The exporter's HTTP client: the gateway's reqwest (no second HTTP stack in the process)
/// on a small runtime of its own, driven from the batch processor's export thread, which
/// blocks on each export anyway — the gateway's runtime never runs an export.
struct Transport {
    /// Always `Some` until dropped.
    runtime: Option<tokio::runtime::Runtime>,
    client: reqwest::Client,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transport")
    }
}

impl Transport {
    fn new(timeout: Duration) -> Result<Transport, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the trace export runtime: {e}"))?;
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("aigw/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the trace export client: {e}"))?;
        Ok(Transport {
            runtime: Some(runtime),
            client,
        })
    }

    async fn send(
        client: reqwest::Client,
        request: Request<Bytes>,
    ) -> Result<Response<Bytes>, HttpError> {
        let (parts, body) = request.into_parts();
        let response = client
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body)
            .send()
            .await?;
        let mut answer = Response::builder().status(response.status());
        if let Some(headers) = answer.headers_mut() {
            *headers = response.headers().clone();
        }
        let body = response.bytes().await?;
        Ok(answer.body(body)?)
    }
}

impl Drop for Transport {
    /// Wherever it is dropped (a runtime may not be dropped inside another's context).
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[async_trait::async_trait]
impl HttpClient for Transport {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        let send = Self::send(client, request);
        match (&self.runtime, tokio::runtime::Handle::try_current()) {
            (Some(runtime), Err(_)) => runtime.block_on(send),
            // Called from a runtime (not the export thread): the future runs there.
            _ => send.await,
        }
    }
}
