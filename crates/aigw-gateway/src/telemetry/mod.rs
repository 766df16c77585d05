//! OpenTelemetry traces (`[telemetry]`, off by default): a server span per request and a
//! client span per upstream attempt, with the GenAI semantic conventions' attributes, the
//! losses of the translation as events, the client's `traceparent` continued and each
//! attempt's sent upstream. Exported over OTLP/HTTP (protobuf) by the SDK's batch processor.
//!
//! The pipeline calls this room in four places: [`Telemetry::begin`] when a request
//! arrives (the `Trace` rides in its `Outcome`), [`trace::Trace::attempt`] and
//! [`trace::Trace::attempt_ended`] around each upstream attempt, the answer's facts as
//! they pass, and [`Telemetry::end`] from `pipeline::finish`. With traces off, `begin`
//! returns `None` and nothing else runs.
//!
//! The spans are built when the request ends, from what was recorded, rather than kept open
//! through the SDK's tracer: the SDK chooses span ids itself when a span starts, and an
//! attempt's id must be in the `traceparent` sent upstream before anything else is known;
//! building `SpanData` at the end also keeps the request's path free of span bookkeeping.

mod config;
mod export;
mod facts;
mod spans;
pub mod trace;

pub use config::{Resolved, TelemetryConfig};
pub use export::TraceMetrics;
pub use trace::{Ended, Trace};

use crate::pipeline::Outcome;
use crate::protocol::Api;
use axum::http::HeaderMap;
use opentelemetry::InstrumentationScope;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use std::time::{Duration, SystemTime};

/// Traces: on (an exporter) or off.
#[derive(Debug)]
pub struct Telemetry {
    exporter: Option<export::Exporter>,
    capture_content: bool,
    scope: InstrumentationScope,
    metrics: TraceMetrics,
}

impl Telemetry {
    /// Traces as `settings` say (`None`: off).
    pub fn start(settings: Option<&Resolved>, metrics: TraceMetrics) -> Result<Telemetry, String> {
        let exporter = match settings {
            Some(s) => {
                reqwest::Url::parse(&s.traces_url)
                    .map_err(|e| format!("telemetry.otlp_endpoint {:?}: {e}", s.traces_url))?;
                tracing::info!(url = %s.traces_url, service = %s.service_name, "exporting traces");
                Some(export::Exporter::start(s, metrics.clone())?)
            }
            None => None,
        };
        Ok(Telemetry {
            exporter,
            capture_content: settings.is_some_and(|s| s.capture_content),
            scope: InstrumentationScope::builder("aigw")
                .with_version(env!("CARGO_PKG_VERSION"))
                .build(),
            metrics,
        })
    }

    pub fn enabled(&self) -> bool {
        self.exporter.is_some()
    }

    /// A request of a `client` client arrives with `headers`: its trace (continuing a valid
    /// `traceparent`), or `None` when traces are off.
    pub fn begin(&self, headers: &HeaderMap, client: Api) -> Option<Box<Trace>> {
        self.exporter.as_ref()?;
        let parent = if headers.contains_key("traceparent") {
            let context = TraceContextPropagator::new()
                .extract(&opentelemetry_http::HeaderExtractor(headers));
            let span = context.span();
            let parent = span.span_context();
            parent.is_valid().then(|| parent.clone())
        } else {
            None
        };
        Some(Box::new(Trace::new(parent, client, self.capture_content)))
    }

    /// The request of `outcome` ended: its spans, queued for export (unless its parent
    /// said not to sample).
    pub fn end(&self, outcome: &Outcome) {
        let (Some(exporter), Some(trace)) = (&self.exporter, &outcome.trace) else {
            return;
        };
        if !trace.sampled() {
            return;
        }
        for span in spans::spans(trace, outcome, &self.scope, SystemTime::now()) {
            self.metrics.queued.inc();
            exporter.push(span);
        }
    }

    /// Sends the queued spans now (blocks the calling thread up to the export timeout).
    pub fn flush(&self) {
        if let Some(exporter) = &self.exporter {
            exporter.flush();
        }
    }

    /// Sends the queued spans and stops exporting (blocks up to `timeout`).
    pub fn shutdown(&self, timeout: Duration) {
        if let Some(exporter) = &self.exporter {
            exporter.shutdown(timeout);
        }
    }
}
