//! The keys a gateway accepts, in memory: the configuration's keys plus the store's, found by
//! the SHA-256 of the presented secret. A background task reads the rows changed since the
//! last version it saw (every `refresh`, 250 ms by default), so a key revoked on one replica
//! is refused by every replica within about that time. A secret not in memory is looked up
//! in the store once (a key created a moment ago on another replica works at once).
//!
//! When the store is unreachable, the keys in memory keep being served for `stale_after`
//! (60 s by default); after that every store key is refused with "unavailable" (503) until
//! the store answers again. Configuration keys never depend on the store.

use crate::key::{KeySource, Unusable, VirtualKey};
use crate::manage::now_ms;
use crate::secret;
use crate::store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

/// What a presented secret turned out to be.
#[derive(Clone, Debug)]
pub enum Lookup {
    Key(Arc<VirtualKey>),
    Unusable(Arc<VirtualKey>, Unusable),
    Unknown,
    /// The store cannot be reached and what memory holds is too old to trust.
    Unavailable(String),
}

/// The accepted keys.
#[derive(Debug)]
pub struct KeyRing {
    by_hash: RwLock<HashMap<String, Arc<VirtualKey>>>,
    store: Option<Store>,
    version: AtomicI64,
    /// Unix ms of the last successful read of the store.
    last_ok: AtomicI64,
    stale_after: Duration,
    /// Whether any key was ever configured or stored: then every request needs one.
    any: AtomicBool,
    /// Whether the last refresh failed (to log the change once, not every time).
    failing: AtomicBool,
}

impl KeyRing {
    /// The configuration's keys and everything in the store.
    pub async fn load(
        statics: Vec<VirtualKey>,
        store: Option<Store>,
        stale_after: Duration,
    ) -> Result<KeyRing, StoreError> {
        let any = !statics.is_empty();
        let ring = KeyRing {
            by_hash: RwLock::new(
                statics
                    .into_iter()
                    .map(|k| (k.secret_hash.clone(), Arc::new(k)))
                    .collect(),
            ),
            store,
            version: AtomicI64::new(0),
            last_ok: AtomicI64::new(now_ms()),
            stale_after,
            any: AtomicBool::new(any),
            failing: AtomicBool::new(false),
        };
        ring.refresh().await?;
        Ok(ring)
    }

    /// A ring of the configuration's keys alone, with no store.
    pub fn without_store(statics: Vec<VirtualKey>) -> KeyRing {
        KeyRing {
            any: AtomicBool::new(!statics.is_empty()),
            by_hash: RwLock::new(
                statics
                    .into_iter()
                    .map(|k| (k.secret_hash.clone(), Arc::new(k)))
                    .collect(),
            ),
            store: None,
            version: AtomicI64::new(0),
            last_ok: AtomicI64::new(now_ms()),
            stale_after: Duration::MAX,
            failing: AtomicBool::new(false),
        }
    }

    /// The configuration's keys, by id.
    pub fn config_keys(&self) -> Vec<Arc<VirtualKey>> {
        let map = self.by_hash.read().unwrap_or_else(|e| e.into_inner());
        let mut keys: Vec<_> = map
            .values()
            .filter(|k| k.source == KeySource::Config)
            .cloned()
            .collect();
        keys.sort_by(|a, b| a.id.cmp(&b.id));
        keys
    }

    /// The configuration's key `id`.
    pub fn config_key(&self, id: &str) -> Option<Arc<VirtualKey>> {
        self.config_keys().into_iter().find(|k| k.id == id)
    }

    /// Whether clients must present a key.
    pub fn requires_key(&self) -> bool {
        self.any.load(Ordering::Relaxed)
    }

    /// Reads the rows changed since the last refresh.
    pub async fn refresh(&self) -> Result<usize, StoreError> {
        let Some(store) = &self.store else {
            return Ok(0);
        };
        let since = self.version.load(Ordering::Acquire);
        let (keys, newest) = store.changed_since(since).await?;
        let n = keys.len();
        if n > 0 {
            self.any.store(true, Ordering::Relaxed);
            let mut map = self.by_hash.write().unwrap_or_else(|e| e.into_inner());
            for key in keys {
                map.insert(key.secret_hash.clone(), Arc::new(key));
            }
        }
        self.version.store(newest, Ordering::Release);
        self.last_ok.store(now_ms(), Ordering::Relaxed);
        Ok(n)
    }

    /// Refreshes every `every` until the ring is dropped.
    pub fn spawn_refresher(self: &Arc<Self>, every: Duration) {
        let weak: Weak<KeyRing> = Arc::downgrade(self);
        if self.store.is_none() {
            return;
        }
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(ring) = weak.upgrade() else { return };
                let result =
                    tokio::time::timeout(every.max(Duration::from_secs(2)), ring.refresh())
                        .await
                        .unwrap_or_else(|_| Err(StoreError::Query(sqlx::Error::PoolTimedOut)));
                match result {
                    Ok(_) => {
                        if ring.failing.swap(false, Ordering::Relaxed) {
                            tracing::info!("the key store answers again");
                        }
                    }
                    Err(error) => {
                        if !ring.failing.swap(true, Ordering::Relaxed) {
                            tracing::error!(
                                %error,
                                stale_after_secs = ring.stale_after.as_secs(),
                                "cannot read the key store: serving the keys in memory until \
                                 they are stale_after old, then refusing store keys (503)"
                            );
                        }
                    }
                }
            }
        });
    }

    fn fresh(&self, now: i64) -> bool {
        now - self.last_ok.load(Ordering::Relaxed)
            <= i64::try_from(self.stale_after.as_millis()).unwrap_or(i64::MAX)
    }

    /// The key whose secret is `presented`.
    pub async fn lookup(&self, presented: &str) -> Lookup {
        let hash = secret::hash(presented);
        let now = now_ms();
        let known = self
            .by_hash
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&hash)
            .cloned();
        let key = match known {
            Some(key) if key.source == KeySource::Config => key,
            Some(_) | None if self.store.is_some() && !self.fresh(now) => {
                return Lookup::Unavailable(format!(
                    "the key store has not answered for over {} s",
                    self.stale_after.as_secs()
                ));
            }
            Some(key) => key,
            None => match self.fetch(&hash).await {
                Ok(Some(key)) => key,
                Ok(None) => return Lookup::Unknown,
                Err(e) => return Lookup::Unavailable(format!("cannot read the key store: {e}")),
            },
        };
        match key.usable_at(now) {
            Ok(()) => Lookup::Key(key),
            Err(why) => Lookup::Unusable(key, why),
        }
    }

    /// A key not in memory, from the store.
    async fn fetch(&self, hash: &str) -> Result<Option<Arc<VirtualKey>>, StoreError> {
        let Some(store) = &self.store else {
            return Ok(None);
        };
        let found = tokio::time::timeout(Duration::from_secs(2), store.by_hash(hash))
            .await
            .map_err(|_| StoreError::Query(sqlx::Error::PoolTimedOut))??;
        Ok(found.map(|key| {
            let key = Arc::new(key);
            self.any.store(true, Ordering::Relaxed);
            self.by_hash
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(hash.to_owned(), key.clone());
            key
        }))
    }
}
