//! The load generator: one request and its checks, an open-loop run at a fixed arrival rate,
//! and the distributions of what came back.
//!
//! Open loop: request `i` is scheduled at `start + i / rate` by a dedicated thread, whatever
//! happened to the earlier ones, and its latency is measured from that scheduled instant. A
//! slow response therefore cannot delay the next requests and hide its own cost (coordinated
//! omission); a generator that falls behind shows up as latency, never as fewer samples.

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The protocol a response is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// OpenAI Chat Completions: a JSON body with `choices`; a stream's last event is
    /// `data: [DONE]`.
    Chat,
    /// Anthropic Messages: a JSON body with `content`; a stream's last event is
    /// `message_stop`.
    Messages,
}

/// One request, sent again and again.
#[derive(Debug)]
pub struct Target {
    pub url: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub stream: bool,
    pub protocol: Protocol,
}

impl Target {
    /// The request for this target on `client`.
    pub fn request(&self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        client
            .post(&self.url)
            .headers(self.headers.clone())
            .body(self.body.clone())
    }

    /// An OpenAI Chat request for `model` to `{base}/v1/chat/completions`, presenting `key`
    /// as `Authorization: Bearer`.
    pub fn chat(base: &str, model: &str, stream: bool, key: &str) -> Target {
        let mut body = serde_json::json!({
            "model": model,
            "messages": [{"role": "user", "content": "Say hi"}],
            "max_tokens": 256,
        });
        if stream {
            body["stream"] = serde_json::Value::Bool(true);
        }
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        let bearer = HeaderValue::from_str(&format!("Bearer {key}"))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer bench"));
        headers.insert("authorization", bearer);
        Target {
            url: format!("{base}/v1/chat/completions"),
            headers,
            body: Bytes::from(body.to_string()),
            stream,
            protocol: Protocol::Chat,
        }
    }

    /// An Anthropic Messages request to `{base}/v1/messages`.
    pub fn messages(base: &str, model: &str, stream: bool) -> Target {
        let mut body = serde_json::json!({
            "model": model,
            "max_tokens": 256,
            "messages": [{"role": "user", "content": "Say hi"}],
        });
        if stream {
            body["stream"] = serde_json::Value::Bool(true);
        }
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("x-api-key", HeaderValue::from_static("bench"));
        headers.insert("anthropic-version", HeaderValue::from_static("2023-06-01"));
        Target {
            url: format!("{base}/v1/messages"),
            headers,
            body: Bytes::from(body.to_string()),
            stream,
            protocol: Protocol::Messages,
        }
    }

    /// Why a complete 200 body is not a valid answer, if it is not.
    pub fn check(&self, body: &[u8]) -> Result<(), String> {
        if self.stream {
            let last = last_event(body);
            let ok = match self.protocol {
                Protocol::Chat => last.as_deref() == Some("data: [DONE]"),
                Protocol::Messages => last.as_deref().is_some_and(|e| e.contains("message_stop")),
            };
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "stream did not end with its terminal event; last event: {:?}",
                    last.unwrap_or_default()
                ))
            }
        } else {
            let needle: &[u8] = match self.protocol {
                Protocol::Chat => b"\"choices\"",
                Protocol::Messages => b"\"content\"",
            };
            if body.windows(needle.len()).any(|w| w == needle) {
                Ok(())
            } else {
                Err(format!(
                    "body without {}: {}",
                    String::from_utf8_lossy(needle),
                    snippet(body)
                ))
            }
        }
    }
}

/// The last SSE event of `body` (its field lines joined by `\n`), comment lines ignored.
pub fn last_event(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    text.split("\n\n")
        .map(|event| {
            event
                .lines()
                .filter(|l| !l.is_empty() && !l.starts_with(':'))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|event| !event.is_empty())
        .last()
}

/// The SSE events of `body` (comments and empty blocks not counted).
pub fn count_events(body: &[u8]) -> usize {
    let text = String::from_utf8_lossy(body)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    text.split("\n\n")
        .filter(|event| event.lines().any(|l| !l.is_empty() && !l.starts_with(':')))
        .count()
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// The message of an error and its sources.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// How one request ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// A checked 200 answer; the time to its first body chunk.
    Ok {
        ttfb: Duration,
    },
    /// Any status but 200 (a 401 or 429 from a gateway with keys: its key setup is wrong),
    /// with the start of the body.
    Status(u16, String),
    /// Connecting or sending failed.
    Connect(String),
    /// The body failed midway.
    Body(String),
    /// A 200 body that is not a complete answer (e.g. a stream without its terminal event).
    Incomplete(String),
    Timeout,
}

impl Outcome {
    pub fn kind(&self) -> String {
        match self {
            Outcome::Ok { .. } => "ok".into(),
            Outcome::Status(code, _) => format!("status {code}"),
            Outcome::Connect(_) => "connect".into(),
            Outcome::Body(_) => "body".into(),
            Outcome::Incomplete(_) => "incomplete".into(),
            Outcome::Timeout => "timeout".into(),
        }
    }

    pub fn message(&self) -> String {
        match self {
            Outcome::Ok { .. } => String::new(),
            Outcome::Status(code, body) => format!("status {code}: {body}"),
            Outcome::Connect(e) => format!("connect: {e}"),
            Outcome::Body(e) => format!("body: {e}"),
            Outcome::Incomplete(e) => format!("incomplete: {e}"),
            Outcome::Timeout => "timeout".into(),
        }
    }
}

/// One finished request.
#[derive(Clone, Debug)]
pub struct Sample {
    /// From the scheduled start to the last body byte (or the failure).
    pub latency: Duration,
    pub outcome: Outcome,
}

/// Counters a burst of streams shares: how many are open (first byte seen, not finished).
#[derive(Debug, Default)]
pub struct Progress {
    pub open: AtomicUsize,
    pub peak_open: AtomicUsize,
    pub done: AtomicUsize,
}

/// Sends `target` once; times from `start` (the scheduled instant).
pub async fn send(
    client: &reqwest::Client,
    target: &Target,
    start: Instant,
    timeout: Duration,
    progress: Option<&Progress>,
) -> Sample {
    let mut opened = false;
    let work = async {
        let response = target
            .request(client)
            .send()
            .await
            .map_err(|e| Outcome::Connect(chain(&e)))?;
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            let body = response.bytes().await.unwrap_or_default();
            return Err(Outcome::Status(status.as_u16(), snippet(&body)));
        }
        let mut response = response;
        let mut ttfb = None;
        // A plain body whole; a stream's last 2 KiB (enough for its last event).
        let mut kept: Vec<u8> = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Outcome::Body(chain(&e)))?
        {
            if chunk.is_empty() {
                continue;
            }
            if ttfb.is_none() {
                ttfb = Some(start.elapsed());
                if let Some(p) = progress {
                    opened = true;
                    let now = p.open.fetch_add(1, Ordering::SeqCst) + 1;
                    p.peak_open.fetch_max(now, Ordering::SeqCst);
                }
            }
            kept.extend_from_slice(&chunk);
            if target.stream && kept.len() > 4096 {
                kept.drain(..kept.len() - 2048);
            }
        }
        target.check(&kept).map_err(Outcome::Incomplete)?;
        Ok(ttfb.unwrap_or_else(|| start.elapsed()))
    };
    let outcome = match tokio::time::timeout(timeout, work).await {
        Err(_) => Outcome::Timeout,
        Ok(Err(outcome)) => outcome,
        Ok(Ok(ttfb)) => Outcome::Ok { ttfb },
    };
    let latency = start.elapsed();
    if let Some(p) = progress {
        if opened {
            p.open.fetch_sub(1, Ordering::SeqCst);
        }
        p.done.fetch_add(1, Ordering::SeqCst);
    }
    Sample { latency, outcome }
}

/// A keep-alive pool to loopback, never through a proxy.
pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(usize::MAX)
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
}

/// An open-loop run's parameters.
#[derive(Clone, Copy, Debug)]
pub struct OpenLoop {
    pub rate: f64,
    pub warmup: Duration,
    pub duration: Duration,
    pub timeout: Duration,
}

/// An open-loop run's result: the measured requests (warm-up excluded).
#[derive(Debug)]
pub struct RunResult {
    pub samples: Vec<Sample>,
    /// Requests sent in all, warm-up included.
    pub total_sent: usize,
    /// Warm-up requests that failed, by kind (`status 401`, `timeout`, ...): not measured,
    /// but every request is checked.
    pub warmup_failures: BTreeMap<String, usize>,
    /// The worst delay of a request's start behind its schedule (generator overload).
    pub max_lag: Duration,
    /// Requests started more than 1 ms behind schedule.
    pub late: usize,
}

/// Stops a scheduler thread when the run is dropped (ctrl-c, error).
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Sends `target` at `cfg.rate` per second for `warmup + duration`, on a fixed schedule.
pub async fn open_loop(
    client: reqwest::Client,
    target: Arc<Target>,
    cfg: OpenLoop,
) -> anyhow::Result<RunResult> {
    let handle = tokio::runtime::Handle::current();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(bool, Sample)>();
    let total = ((cfg.warmup + cfg.duration).as_secs_f64() * cfg.rate).round() as u64;
    let warm = (cfg.warmup.as_secs_f64() * cfg.rate).round() as u64;
    let stop = Arc::new(AtomicBool::new(false));
    let _guard = StopOnDrop(stop.clone());
    let rate = cfg.rate;
    let timeout = cfg.timeout;
    // A thread of its own: `std::thread::sleep` is far finer than tokio's 1 ms timer wheel.
    let scheduler = tokio::task::spawn_blocking(move || {
        let start = Instant::now() + Duration::from_millis(10);
        let mut max_lag = Duration::ZERO;
        let mut late = 0usize;
        let mut sent = 0usize;
        for i in 0..total {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let at = start + Duration::from_secs_f64(i as f64 / rate);
            let now = Instant::now();
            if at > now {
                std::thread::sleep(at - now);
            }
            let lag = Instant::now().saturating_duration_since(at);
            let measured = i >= warm;
            if measured {
                max_lag = max_lag.max(lag);
                if lag > Duration::from_millis(1) {
                    late += 1;
                }
            }
            let client = client.clone();
            let target = target.clone();
            let tx = tx.clone();
            handle.spawn(async move {
                let sample = send(&client, &target, at, timeout, None).await;
                let _ = tx.send((measured, sample));
            });
            sent += 1;
        }
        (sent, max_lag, late)
    });
    let (total_sent, max_lag, late) = scheduler.await?;
    let mut samples = Vec::with_capacity(total_sent);
    let mut warmup_failures = BTreeMap::new();
    while let Some((measured, sample)) = rx.recv().await {
        if measured {
            samples.push(sample);
        } else if !matches!(sample.outcome, Outcome::Ok { .. }) {
            *warmup_failures.entry(sample.outcome.kind()).or_default() += 1;
        }
    }
    Ok(RunResult {
        samples,
        total_sent,
        warmup_failures,
        max_lag,
        late,
    })
}

/// Sorted durations in microseconds.
#[derive(Clone, Debug, Default)]
pub struct Dist(Vec<u64>);

impl Dist {
    pub fn new(mut values: Vec<u64>) -> Dist {
        values.sort_unstable();
        Dist(values)
    }

    /// Nearest-rank percentile (`p` in percent), µs.
    pub fn pct(&self, p: f64) -> Option<u64> {
        if self.0.is_empty() {
            return None;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil().max(1.0) as usize;
        self.0.get(rank.min(self.0.len()) - 1).copied()
    }

    pub fn max(&self) -> Option<u64> {
        self.0.last().copied()
    }
}

/// What a run's samples add up to.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub sent: usize,
    pub errors: usize,
    /// Errors by kind (`status 503`, `timeout`, ...).
    pub error_kinds: BTreeMap<String, usize>,
    /// Up to three distinct error messages.
    pub error_examples: Vec<String>,
    /// Successful requests: scheduled start to last byte.
    pub latency: Dist,
    /// Successful requests: scheduled start to first body chunk.
    pub ttfb: Dist,
}

impl Summary {
    pub fn of(samples: &[Sample]) -> Summary {
        let mut summary = Summary {
            sent: samples.len(),
            ..Summary::default()
        };
        let mut latency = Vec::with_capacity(samples.len());
        let mut ttfb = Vec::with_capacity(samples.len());
        for sample in samples {
            match &sample.outcome {
                Outcome::Ok { ttfb: first } => {
                    latency.push(sample.latency.as_micros() as u64);
                    ttfb.push(first.as_micros() as u64);
                }
                other => {
                    summary.errors += 1;
                    *summary.error_kinds.entry(other.kind()).or_default() += 1;
                    let message = other.message();
                    if summary.error_examples.len() < 3
                        && !summary.error_examples.contains(&message)
                    {
                        summary.error_examples.push(message);
                    }
                }
            }
        }
        summary.latency = Dist::new(latency);
        summary.ttfb = Dist::new(ttfb);
        summary
    }
}
