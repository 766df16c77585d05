//! One request's trace as the pipeline records it: the context it continues, each upstream
//! attempt (its span id is chosen when it is sent, for the `traceparent` the upstream gets),
//! and what the answer said. The spans are built from it when the request ends
//! (`super::spans`).

use super::facts::Facts;
use crate::config::ProviderKind;
use crate::protocol::Api;
use crate::route::Target;
use axum::http::HeaderMap;
use bytes::Bytes;
use opentelemetry::Context;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};
use std::time::SystemTime;

/// How one attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The target answered (with this status); its span ends with the request.
    Answered(u16),
    /// It failed: `reason` as in `aigw_fallbacks` (`connect`, `timeout`, `status_5xx`, …),
    /// and the upstream's status when it sent one.
    Failed {
        reason: &'static str,
        status: Option<u16>,
        at: SystemTime,
    },
}

/// One upstream attempt.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub span: SpanId,
    pub start: SystemTime,
    /// The configured provider's name.
    pub provider: String,
    /// `gen_ai.provider.name`.
    pub system: String,
    pub model: String,
    /// The API the upstream was called with.
    pub upstream: Api,
    pub address: Option<(String, u16)>,
    pub ended: Option<Ended>,
}

/// One request's trace.
#[derive(Debug)]
pub struct Trace {
    pub trace_id: TraceId,
    pub server_span: SpanId,
    /// The client's span, when it sent a `traceparent`.
    pub parent: Option<SpanId>,
    pub flags: TraceFlags,
    pub state: TraceState,
    pub start: SystemTime,
    pub client: Api,
    pub attempts: Vec<Attempt>,
    pub facts: Facts,
    /// With `capture_content`: the client's request body, a plain answer's body.
    pub capture: bool,
    pub request_body: Option<Bytes>,
    pub response_body: Option<Bytes>,
}

impl Trace {
    /// A trace continuing `parent` (the client's `traceparent`, if valid), or a new one.
    pub fn new(parent: Option<SpanContext>, client: Api, capture: bool) -> Trace {
        let ids = RandomIdGenerator::default();
        let (trace_id, parent, flags, state) = match parent {
            Some(p) => (
                p.trace_id(),
                Some(p.span_id()),
                p.trace_flags(),
                p.trace_state().clone(),
            ),
            None => (
                ids.new_trace_id(),
                None,
                TraceFlags::SAMPLED,
                TraceState::default(),
            ),
        };
        Trace {
            trace_id,
            server_span: ids.new_span_id(),
            parent,
            flags,
            state,
            start: SystemTime::now(),
            client,
            attempts: Vec::new(),
            facts: Facts::default(),
            capture,
            request_body: None,
            response_body: None,
        }
    }

    /// Whether the spans are exported (the client's `traceparent` may say not to).
    pub fn sampled(&self) -> bool {
        self.flags.is_sampled()
    }

    /// An attempt at `target` (called with `upstream`) starts: the `traceparent` (and
    /// `tracestate`) headers naming its span, for the upstream.
    pub fn attempt(&mut self, target: &Target, upstream: Api) -> HeaderMap {
        let span = RandomIdGenerator::default().new_span_id();
        let provider = &target.provider;
        let address = reqwest::Url::parse(&provider.base_url)
            .ok()
            .and_then(|url| Some((url.host_str()?.to_owned(), url.port_or_known_default()?)));
        self.attempts.push(Attempt {
            span,
            start: SystemTime::now(),
            provider: provider.name.clone(),
            system: system(provider.kind, &provider.pricing),
            model: target.model.clone(),
            upstream,
            address,
            ended: None,
        });
        let context = Context::new().with_remote_span_context(SpanContext::new(
            self.trace_id,
            span,
            self.flags,
            true,
            self.state.clone(),
        ));
        let mut headers = HeaderMap::new();
        TraceContextPropagator::new().inject_context(
            &context,
            &mut opentelemetry_http::HeaderInjector(&mut headers),
        );
        headers
    }

    /// The last attempt ended so.
    pub fn attempt_ended(&mut self, ended: Ended) {
        if let Some(attempt) = self.attempts.last_mut() {
            attempt.ended = Some(ended);
        }
    }

    /// The attempt that answered.
    pub fn answered(&self) -> Option<&Attempt> {
        self.attempts
            .iter()
            .rev()
            .find(|a| matches!(a.ended, Some(Ended::Answered(_))))
    }
}

/// `gen_ai.provider.name` for a provider (the semantic conventions' well-known values;
/// otherwise the preset's name).
fn system(kind: ProviderKind, pricing: &str) -> String {
    match kind {
        ProviderKind::Openai => "openai",
        ProviderKind::Anthropic => "anthropic",
        ProviderKind::Gemini => "gcp.gemini",
        ProviderKind::Azure => "azure.ai.openai",
        ProviderKind::OpenaiCompat => match pricing {
            "mistral" => "mistral_ai",
            "groq" => "groq",
            "deepseek" => "deepseek",
            "perplexity" => "perplexity",
            other => other,
        },
    }
    .to_owned()
}
