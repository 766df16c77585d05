//! The spend log: one [`SpendRecord`] per answered request, written to the store by a
//! batched writer off the request's path. The queue is bounded: when it is full a record is
//! counted (`dropped`) and logged, never waited for. A batch the store refuses is kept and
//! retried (up to the queue's size, beyond which the oldest are counted and logged as
//! dropped). `close` writes what is queued at shutdown; after a `kill -9`, what was not yet
//! flushed — at most one batch, or `flush_ms` of traffic — is lost.

mod report;
mod rows;

pub use report::{By, Report, ReportRow, count, report, report_between, spent_since, usd};

use crate::store::Store;
use prometheus_client::metrics::counter::Counter;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

/// One answered request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SpendRecord {
    /// Unix ms of the request's arrival.
    pub time_ms: i64,
    pub request_id: String,
    pub key_id: Option<String>,
    pub team: Option<String>,
    /// The client's API (`chat`, `messages`, …).
    pub api: String,
    /// The model the client asked for.
    pub requested_model: String,
    /// The target that answered (or was tried last).
    pub provider: Option<String>,
    pub model: Option<String>,
    pub status: u16,
    pub latency_ms: i64,
    pub ttfb_ms: Option<i64>,
    /// `reported` or `unknown`.
    pub usage_source: String,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cache_read_tokens: Option<i64>,
    pub cache_write_tokens: Option<i64>,
    pub cache_write_1h_tokens: Option<i64>,
    pub reasoning_tokens: Option<i64>,
    pub audio_input_tokens: Option<i64>,
    pub audio_output_tokens: Option<i64>,
    pub image_input_tokens: Option<i64>,
    /// The upstream's usage object, JSON text.
    pub usage_raw: Option<String>,
    /// Pico-USD; `None`: unknown.
    pub cost_pico: Option<i64>,
    /// The loss summary (`none`, or `2 dropped (/seed, /logprobs)`).
    pub losses: String,
    pub loss_count: i64,
    pub fallbacks: i64,
}

/// The writer's settings.
#[derive(Clone, Copy, Debug)]
pub struct SpendConfig {
    /// Records waiting to be written, at most.
    pub queue: usize,
    /// Rows per INSERT.
    pub batch: usize,
    /// A partial batch is written after this long.
    pub flush: Duration,
}

impl Default for SpendConfig {
    fn default() -> Self {
        SpendConfig {
            queue: 65_536,
            batch: 500,
            flush: Duration::from_millis(200),
        }
    }
}

/// Counters the gateway exports.
#[derive(Clone, Debug, Default)]
pub struct SpendMetrics {
    pub written: Counter,
    /// Records lost: the queue was full, or the store refused them beyond the queue's size.
    pub dropped: Counter,
    pub store_errors: Counter,
}

/// The handle requests write through.
#[derive(Debug)]
pub struct SpendLog {
    tx: mpsc::Sender<Arc<SpendRecord>>,
    closing: Arc<Notify>,
    task: Mutex<Option<JoinHandle<()>>>,
    metrics: SpendMetrics,
    log_throttle: crate::throttle::Throttle,
}

impl SpendLog {
    /// Starts the writer on `store`.
    pub fn start(store: Store, config: SpendConfig, metrics: SpendMetrics) -> SpendLog {
        let (tx, rx) = mpsc::channel(config.queue.max(1));
        let closing = Arc::new(Notify::new());
        let task = tokio::spawn(write_loop(
            store,
            config,
            rx,
            closing.clone(),
            metrics.clone(),
        ));
        SpendLog {
            tx,
            closing,
            task: Mutex::new(Some(task)),
            metrics,
            log_throttle: crate::throttle::Throttle::new(),
        }
    }

    /// Queues `record` (shared, so the caller can keep it too); never waits.
    pub fn record(&self, record: Arc<SpendRecord>) {
        if self.tx.try_send(record).is_err() {
            self.metrics.dropped.inc();
            if self.log_throttle.ready(10_000) {
                tracing::error!(
                    "the spend log's queue is full (the store is slow or down): a request's \
                     record was dropped (counted in aigw_spend_dropped_total; logged once per 10 s)"
                );
            }
        }
    }

    /// Writes everything queued, then stops the writer.
    pub async fn close(&self) {
        self.closing.notify_one();
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

async fn write_loop(
    store: Store,
    config: SpendConfig,
    mut rx: mpsc::Receiver<Arc<SpendRecord>>,
    closing: Arc<Notify>,
    metrics: SpendMetrics,
) {
    let mut pending: Vec<Arc<SpendRecord>> = Vec::with_capacity(config.batch);
    let mut tick = tokio::time::interval(config.flush);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        let closing_now = tokio::select! {
            received = rx.recv() => match received {
                Some(record) => {
                    pending.push(record);
                    // While the store refuses, retry on the tick only.
                    if pending.len() < config.batch || failing {
                        continue;
                    }
                    false
                }
                None => true,
            },
            _ = tick.tick() => false,
            _ = closing.notified() => true,
        };
        if closing_now {
            while let Ok(record) = rx.try_recv() {
                pending.push(record);
            }
        }
        while !pending.is_empty() {
            let n = pending.len().min(config.batch);
            let started = std::time::Instant::now();
            match rows::insert(&store, &pending[..n]).await {
                Ok(()) => {
                    tracing::debug!(
                        rows = n,
                        ms = started.elapsed().as_secs_f64() * 1e3,
                        "spend batch written"
                    );
                    metrics.written.inc_by(n as u64);
                    pending.drain(..n);
                    if failing {
                        failing = false;
                        tracing::info!("the spend log is written again");
                    }
                }
                Err(error) => {
                    metrics.store_errors.inc();
                    if !failing {
                        failing = true;
                        tracing::error!(%error, "cannot write the spend log: keeping the records and retrying");
                    }
                    // Kept for the next try, up to the queue's size.
                    if pending.len() > config.queue {
                        let over = pending.len() - config.queue;
                        pending.drain(..over);
                        metrics.dropped.inc_by(over as u64);
                        tracing::error!(
                            dropped = over,
                            "the spend log's store is down too long: records dropped"
                        );
                    }
                    if closing_now {
                        metrics.dropped.inc_by(pending.len() as u64);
                        tracing::error!(
                            dropped = pending.len(),
                            "shutting down with spend records the store would not take"
                        );
                        pending.clear();
                    }
                    break;
                }
            }
            if !closing_now && pending.len() < config.batch {
                break;
            }
        }
        if closing_now {
            return;
        }
    }
}
