//! The gateway's keys and limits, built from its configuration: the keys of
//! `server.client_key_env` and `[[keys]]`, the key store of `[store]`, the counters of
//! `[limits] counters`, the admin key of `[admin] key_env`. The request path uses them in
//! `pipeline::{auth, allowed, limits}`; the admin API in `admin`.

use crate::config::{Config, ConfigError};
use crate::metrics::Metrics;
use aigw_governance::config::env_key;
use aigw_governance::cost::PriceTable;
use aigw_governance::key::VirtualKey;
use aigw_governance::limits::{Counters, LocalCounters, RedisCounters};
use aigw_governance::ring::KeyRing;
use aigw_governance::{Governance, Limiter, Store};
use secrecy::SecretString;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Keys from the file and the environment only.
pub fn without_store(
    config: &Config,
    lookup: Lookup<'_>,
    metrics: &Metrics,
) -> Result<Governance, ConfigError> {
    let ring = KeyRing::without_store(statics(config, lookup)?);
    Ok(Governance::new(
        Arc::new(ring),
        limiter(config, metrics)?,
        None,
        admin(config, lookup),
    ))
}

/// Keys from the file, the environment and the store (opened, migrated, followed).
pub async fn with_store(
    config: &Config,
    lookup: Lookup<'_>,
    metrics: &Metrics,
) -> Result<Governance, ConfigError> {
    let statics = statics(config, lookup)?;
    let limiter = limiter(config, metrics)?;
    let s = &config.store;
    let store = Store::connect(&s.url)
        .await
        .map_err(|e| ConfigError::Invalid(format!("[store] url: {e}")))?;
    let ring = KeyRing::load(
        statics,
        Some(store.clone()),
        Duration::from_secs(s.stale_after_secs),
    )
    .await
    .map_err(|e| ConfigError::Invalid(format!("[store] {}: {e}", store.url())))?;
    let ring = Arc::new(ring);
    ring.spawn_refresher(Duration::from_millis(s.key_refresh_ms.max(10)));
    Ok(Governance::new(
        ring,
        limiter,
        Some(store),
        admin(config, lookup),
    ))
}

/// The keys of `server.client_key_env` and `[[keys]]`; errors name the entry.
fn statics(config: &Config, lookup: Lookup<'_>) -> Result<Vec<VirtualKey>, ConfigError> {
    let invalid = ConfigError::Invalid;
    let mut keys = Vec::new();
    for var in &config.server.client_key_env {
        match lookup(var).filter(|v| !v.trim().is_empty()) {
            Some(secret) => keys.push(env_key(var, &SecretString::from(secret))),
            None => {
                return Err(invalid(format!(
                    "server.client_key_env: environment variable {var} is not set (or empty)"
                )));
            }
        }
    }
    for (i, key) in config.keys.iter().enumerate() {
        keys.push(key.build(i, lookup).map_err(invalid)?);
    }
    let mut ids = BTreeSet::new();
    let mut hashes = BTreeSet::new();
    for key in &keys {
        if !ids.insert(key.id.as_str()) {
            return Err(invalid(format!("keys: two keys have the id {:?}", key.id)));
        }
        if !hashes.insert(key.secret_hash.as_str()) {
            return Err(invalid(format!(
                "keys: key {:?} has the same secret as another key",
                key.id
            )));
        }
    }
    Ok(keys)
}

fn limiter(config: &Config, metrics: &Metrics) -> Result<Limiter, ConfigError> {
    let l = &config.limits;
    let counters = match l.counters.as_str() {
        "memory" => Counters::Local(LocalCounters::new()),
        url if url.starts_with("redis://") || url.starts_with("rediss://") => {
            Counters::Redis(Box::new(
                RedisCounters::new(
                    url,
                    Duration::from_millis(l.counters_timeout_ms.max(1)),
                    Duration::from_secs(l.concurrency_lease_secs.max(1)),
                )
                .map_err(ConfigError::Invalid)?,
            ))
        }
        other => {
            return Err(ConfigError::Invalid(format!(
                "limits.counters: {:?} is neither \"memory\" nor a redis:// URL",
                aigw_governance::store::redact_url(other)
            )));
        }
    };
    Ok(Limiter::new(
        counters,
        l.on_store_error,
        metrics.limiter.clone(),
    ))
}

/// The built-in price table, with `[pricing] file`'s entries over it; errors name the entry.
pub fn prices(config: &Config) -> Result<PriceTable, ConfigError> {
    let builtin = PriceTable::builtin();
    let Some(path) = &config.pricing.file else {
        return Ok(builtin);
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Invalid(format!("[pricing] file {path}: {e}")))?;
    let overrides = PriceTable::parse(&text)
        .map_err(|e| ConfigError::Invalid(format!("[pricing] file {path}: {e}")))?;
    Ok(builtin.with_overrides(overrides))
}

fn admin(config: &Config, lookup: Lookup<'_>) -> Option<SecretString> {
    lookup(&config.admin.key_env)
        .filter(|k| !k.trim().is_empty())
        .map(SecretString::from)
}
