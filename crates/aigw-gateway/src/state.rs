//! Everything a request handler shares: providers, routes, limits, client keys, metrics.

use crate::config::{Config, ConfigError};
use crate::metrics::Metrics;
use crate::route::Routes;
use crate::upstream::Provider;
use aigw_http::{ExposeSecret, SecretString};
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
    client_keys: Vec<SecretString>,
    pub metrics: Metrics,
    pub limits: Limits,
    pub strict: bool,
    pub concurrency: Arc<Semaphore>,
}

impl State {
    /// Checks `config` and builds the state; `lookup` reads the environment (provider keys,
    /// client keys).
    pub fn new(
        config: &Config,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<State, ConfigError> {
        let invalid = ConfigError::Invalid;
        let mut providers = BTreeMap::new();
        for (name, provider) in &config.providers {
            if name.is_empty() || name.contains('/') {
                return Err(invalid(format!(
                    "provider name {name:?}: must be non-empty and without `/`"
                )));
            }
            let provider = Provider::new(name, provider, &lookup).map_err(invalid)?;
            providers.insert(name.clone(), Arc::new(provider));
        }
        let routes = Routes::new(&config.routes, &providers).map_err(invalid)?;
        let mut client_keys = Vec::new();
        for var in &config.server.client_key_env {
            match lookup(var).filter(|v| !v.trim().is_empty()) {
                Some(key) => client_keys.push(SecretString::from(key)),
                None => {
                    return Err(invalid(format!(
                        "server.client_key_env: environment variable {var} is not set (or empty)"
                    )));
                }
            }
        }
        if client_keys.is_empty() && !config.server.listen.ip().is_loopback() {
            return Err(invalid(format!(
                "no client keys configured (server.client_key_env), so the gateway only listens \
                 on loopback, but server.listen is {}",
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
        Ok(State {
            routes,
            providers,
            http,
            client_keys,
            metrics: Metrics::new(),
            limits: Limits {
                max_body_bytes: l.max_body_bytes,
                request_timeout: Duration::from_millis(l.request_timeout_ms),
                idle_timeout: Duration::from_millis(l.idle_timeout_ms),
                max_concurrency: l.max_concurrency,
            },
            strict: config.server.strict,
            concurrency: Arc::new(Semaphore::new(l.max_concurrency)),
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

    /// Whether clients must present a key.
    pub fn requires_key(&self) -> bool {
        !self.client_keys.is_empty()
    }

    /// Whether `presented` is one of the client keys (compared in constant time per key).
    pub fn key_accepted(&self, presented: &str) -> bool {
        let mut accepted = false;
        for key in &self.client_keys {
            accepted |= constant_time_eq(key.expose_secret().as_bytes(), presented.as_bytes());
        }
        accepted
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

/// Byte equality whose time does not depend on where the first difference is. Hand-written:
/// eight lines, not worth a dependency.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
