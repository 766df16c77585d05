//! `[telemetry]`: where traces go, and the environment variables OpenTelemetry defines.

use serde::Deserialize;
use std::time::Duration;

/// `[telemetry]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// The OTLP/HTTP (protobuf) collector, e.g. `http://localhost:4318`: spans go to
    /// `{otlp_endpoint}/v1/traces` (an endpoint already ending in `/v1/traces` is used as
    /// it is). None: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (as it is), else
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` (+ `/v1/traces`); none of them: no traces.
    #[serde(default)]
    pub otlp_endpoint: Option<String>,
    /// The `service.name` of the spans; none: `OTEL_SERVICE_NAME`, else `aigw`.
    #[serde(default)]
    pub service_name: Option<String>,
    /// Opt-in: the client's request body (`aigw.request.body`) and a plain answer's body
    /// (`aigw.response.body`) on the server span. Off by default: spans carry no prompt or
    /// completion content.
    #[serde(default)]
    pub capture_content: bool,
    /// Longest an export of one batch may take (then it fails, counted).
    #[serde(default = "default_timeout")]
    pub export_timeout_ms: u64,
    /// Spans waiting for export at most; more are dropped (counted), never waited for.
    #[serde(default = "default_queue")]
    pub queue_size: usize,
    /// How often the queued spans are sent.
    #[serde(default = "default_delay")]
    pub batch_delay_ms: u64,
}

fn default_timeout() -> u64 {
    5_000
}
fn default_queue() -> usize {
    4096
}
fn default_delay() -> u64 {
    1_000
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            otlp_endpoint: None,
            service_name: None,
            capture_content: false,
            export_timeout_ms: default_timeout(),
            queue_size: default_queue(),
            batch_delay_ms: default_delay(),
        }
    }
}

/// What the exporter is built from: the file's settings, the environment filling the gaps.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// The full URL spans are posted to.
    pub traces_url: String,
    pub service_name: String,
    pub capture_content: bool,
    pub export_timeout: Duration,
    pub queue_size: usize,
    pub batch_delay: Duration,
}

impl TelemetryConfig {
    /// The settings in force, `lookup` reading the environment; `None`: traces are off
    /// (no endpoint anywhere, or `OTEL_SDK_DISABLED=true`).
    pub fn resolve(&self, lookup: &impl Fn(&str) -> Option<String>) -> Option<Resolved> {
        let set = |var: &str| lookup(var).filter(|v| !v.trim().is_empty());
        if set("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
            return None;
        }
        let traces_url = match &self.otlp_endpoint {
            Some(base) => traces_url(base),
            None => match set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
                Some(url) => url.trim().to_owned(),
                None => traces_url(&set("OTEL_EXPORTER_OTLP_ENDPOINT")?),
            },
        };
        Some(Resolved {
            traces_url,
            service_name: self
                .service_name
                .clone()
                .or_else(|| set("OTEL_SERVICE_NAME"))
                .unwrap_or_else(|| "aigw".to_owned()),
            capture_content: self.capture_content,
            export_timeout: Duration::from_millis(self.export_timeout_ms.max(1)),
            queue_size: self.queue_size.max(1),
            batch_delay: Duration::from_millis(self.batch_delay_ms.max(1)),
        })
    }
}

/// A base OTLP endpoint as the traces URL (OTLP/HTTP: `/v1/traces` under the base).
fn traces_url(base: &str) -> String {
    let base = base.trim().trim_end_matches('/');
    if base.ends_with("/v1/traces") {
        base.to_owned()
    } else {
        format!("{base}/v1/traces")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_wins_and_the_environment_fills_the_gaps() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let off = TelemetryConfig::default();
        assert_eq!(off.resolve(&env(&[])), None);
        let r = off
            .resolve(&env(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/"),
                ("OTEL_SERVICE_NAME", "gw-eu"),
            ]))
            .expect("on");
        assert_eq!(r.traces_url, "http://c:4318/v1/traces");
        assert_eq!(r.service_name, "gw-eu");
        let r = off
            .resolve(&env(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:1/custom"),
            ]))
            .expect("on");
        assert_eq!(r.traces_url, "http://t:1/custom");
        let file = TelemetryConfig {
            otlp_endpoint: Some("http://f:4318/v1/traces".into()),
            service_name: Some("file".into()),
            ..TelemetryConfig::default()
        };
        let r = file
            .resolve(&env(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                ("OTEL_SERVICE_NAME", "env"),
            ]))
            .expect("on");
        assert_eq!(
            (r.traces_url.as_str(), r.service_name.as_str()),
            ("http://f:4318/v1/traces", "file")
        );
        assert_eq!(file.resolve(&env(&[("OTEL_SDK_DISABLED", "true")])), None);
    }
}
