//! Everything a request handler shares: providers, routes, limits, keys and counters,
//! metrics.

use crate::config::{Config, ConfigError};
use crate::metrics::Metrics;
use crate::route::Routes;
use crate::upstream::Provider;
use aigw_governance::Governance;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The limits in force.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_concurrency: usize,
}

/// The gateway's shared state.
#[derive(Debug)]
pub struct State {
    pub routes: Routes,
    pub providers: BTreeMap<String, Arc<Provider>>,
    pub http: reqwest::Client,
    /// Virtual keys and rate limits.
    pub governance: Arc<Governance>,
    pub metrics: Metrics,
    /// Output tokens reserved for a request that sets no maximum.
    pub default_output_tokens: u64,
    /// The price table: built in, overridden by `[pricing] file`.
    pub prices: aigw_governance::cost::PriceTable,
    /// The spend log's writer (with a store).
    pub spend: Option<aigw_governance::spend::SpendLog>,
    /// The latest requests, in memory.
    pub recent: crate::recent::Recent,
    /// Added to the clock budgets' periods are read from (tests move time with it).
    pub clock_offset_ms: std::sync::atomic::AtomicI64,
    /// Budget counters seeded from the spend log, by scope and period.
    pub seeded: std::sync::Mutex<std::collections::HashSet<(String, i64)>>,
    pub limits: Limits,
    pub strict: bool,
    pub concurrency: Arc<Semaphore>,
    /// Traces (`[telemetry]`): on or off.
    pub telemetry: crate::telemetry::Telemetry,
    /// The passthrough's default providers and body limits.
    pub passthrough: crate::passthrough::Settings,
}

impl State {
    /// Checks `config` and builds the state without the key store: keys from the file and
    /// the environment only (tests; `aigw check`). `lookup` reads the environment (provider
    /// keys, client keys, the admin key).
    pub fn new(
        config: &Config,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<State, ConfigError> {
        let metrics = Metrics::new();
        let governance = crate::governance::without_store(config, &lookup, &metrics)?;
        State::build(config, &lookup, governance, metrics, None)
    }

    /// [`State::new`] with the key store of `config.store` (connected and migrated) and a
    /// task that follows its changes.
    pub async fn open(
        config: &Config,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<State, ConfigError> {
        let metrics = Metrics::new();
        let governance = crate::governance::with_store(config, &lookup, &metrics).await?;
        let spend = governance.store.clone().map(|store| {
            let s = &config.store;
            aigw_governance::spend::SpendLog::start(
                store,
                aigw_governance::spend::SpendConfig {
                    queue: s.spend_queue.max(1),
                    batch: s.spend_batch.max(1),
                    flush: Duration::from_millis(s.spend_flush_ms.max(1)),
                },
                metrics.spend.clone(),
            )
        });
        State::build(config, &lookup, governance, metrics, spend)
    }

    fn build(
        config: &Config,
        lookup: &impl Fn(&str) -> Option<String>,
        governance: Governance,
        metrics: Metrics,
        spend: Option<aigw_governance::spend::SpendLog>,
    ) -> Result<State, ConfigError> {
        let invalid = ConfigError::Invalid;
        let mut providers = BTreeMap::new();
        for (name, provider) in &config.providers {
            if name.is_empty() || name.contains('/') {
                return Err(invalid(format!(
                    "provider name {name:?}: must be non-empty and without `/`"
                )));
            }
            let provider = Provider::new(name, provider, lookup).map_err(invalid)?;
            providers.insert(name.clone(), Arc::new(provider));
        }
        let settings = crate::balance::Settings::new(&config.health).map_err(invalid)?;
        let routes = Routes::new(&config.routes, &providers, settings).map_err(invalid)?;
        for member in routes.members() {
            // Every member's state shows from the start (0: closed).
            metrics
                .balance_member_state
                .get_or_create(&crate::balance::labels(member))
                .set(0);
        }
        if !governance.requires_key() && !config.server.listen.ip().is_loopback() {
            return Err(invalid(format!(
                "no client keys configured (server.client_key_env, [[keys]] or the store), so \
                 the gateway only listens on loopback, but server.listen is {}",
                config.server.listen
            )));
        }
        let l = &config.limits;
        if l.max_concurrency == 0 || l.max_body_bytes == 0 {
            return Err(invalid(
                "limits.max_concurrency and limits.max_body_bytes must be positive".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(l.connect_timeout_ms))
            .pool_max_idle_per_host(1024)
            .user_agent(concat!("aigw/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| invalid(format!("cannot build the HTTP client: {e}")))?;
        let prices = crate::governance::prices(config)?;
        let telemetry = crate::telemetry::Telemetry::start(
            config.telemetry.resolve(lookup).as_ref(),
            metrics.traces.clone(),
        )
        .map_err(invalid)?;
        let passthrough =
            crate::passthrough::Settings::new(&config.passthrough, l.max_body_bytes, &providers)
                .map_err(invalid)?;
        Ok(State {
            passthrough,
            prices,
            spend,
            recent: crate::recent::Recent::new(config.server.recent_requests),
            seeded: std::sync::Mutex::default(),
            clock_offset_ms: std::sync::atomic::AtomicI64::new(0),
            routes,
            providers,
            http,
            governance: Arc::new(governance),
            metrics,
            default_output_tokens: l.default_output_tokens,
            limits: Limits {
                max_body_bytes: l.max_body_bytes,
                request_timeout: Duration::from_millis(l.request_timeout_ms),
                idle_timeout: Duration::from_millis(l.idle_timeout_ms),
                max_concurrency: l.max_concurrency,
            },
            strict: config.server.strict,
            concurrency: Arc::new(Semaphore::new(l.max_concurrency)),
            telemetry,
        })
    }

    /// A slot under the concurrency limit, counted in `aigw_in_flight` until dropped (a
    /// stream's at its end); `None` at the limit.
    pub fn slot(&self) -> Option<Slot> {
        let permit = self.concurrency.clone().try_acquire_owned().ok()?;
        self.metrics.in_flight.inc();
        Some(Slot {
            _permit: permit,
            in_flight: self.metrics.in_flight.clone(),
        })
    }

    /// Unix ms by the gateway's clock (budget periods).
    pub fn now_ms(&self) -> i64 {
        aigw_governance::manage::now_ms()
            + self
                .clock_offset_ms
                .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether clients must present a key.
    pub fn requires_key(&self) -> bool {
        self.governance.requires_key()
    }
}

/// A request being handled.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    in_flight: prometheus_client::metrics::gauge::Gauge,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.in_flight.dec();
    }
}
