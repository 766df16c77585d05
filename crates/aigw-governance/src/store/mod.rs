//! The store: virtual keys (and, later, the spend log) in SQLite — embedded, the default —
//! or PostgreSQL for a fleet of replicas. One code path for both: sqlx's `Any` driver and
//! portable SQL; the schema is migrated at connect.

mod migrations;
mod rows;

use crate::key::VirtualKey;
use crate::manage::KeyChanges;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

/// Why the store cannot do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store URL {0:?} is not supported: use sqlite://FILE or postgres://…")]
    Unsupported(String),
    #[error("cannot open the store {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot migrate the store {url}: {source}")]
    Migrate {
        url: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error("no key with id {0:?}")]
    NotFound(String),
    #[error("the store failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("the store holds a malformed row for key {id:?}: {message}")]
    Malformed { id: String, message: String },
}

/// Which database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to the store.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The URL without a password, for messages.
    shown: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.shown)
    }
}

/// `url` with any password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl Store {
    /// Opens (an SQLite file is created on first use, in WAL mode) and migrates the store.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        install_default_drivers();
        let shown = redact_url(url);
        let (backend, url) = if url.starts_with("sqlite:") {
            let url = if url.contains("mode=") {
                url.to_owned()
            } else if url.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(StoreError::Unsupported(shown));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(2))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL with `synchronous = NORMAL`: a committed write survives the
                        // process being killed (not a power cut), at a fraction of the
                        // fsyncs.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 5000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|source| StoreError::Connect {
                url: shown.clone(),
                source,
            })?;
        let migrator = migrations::migrator()
            .await
            .map_err(|source| StoreError::Migrate {
                url: shown.clone(),
                source,
            })?;
        migrator
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                url: shown.clone(),
                source,
            })?;
        Ok(Store {
            pool,
            backend,
            shown,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool (for the spend log's queries).
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The URL, password redacted.
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// Adds a new key.
    pub async fn insert(&self, key: &VirtualKey) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let version = rows::bump_version(&mut tx).await?;
        rows::insert(&mut tx, key, version).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Applies `changes` to key `id`; the key as it is now.
    pub async fn update(
        &self,
        id: &str,
        changes: &KeyChanges,
        now: i64,
    ) -> Result<VirtualKey, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Write first: an SQLite transaction that read before writing could not be retried
        // by the busy timeout.
        let version = rows::bump_version(&mut tx).await?;
        let mut key = rows::get(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        changes.apply(&mut key);
        key.updated_at = now;
        rows::replace(&mut tx, &key, version).await?;
        tx.commit().await?;
        Ok(key)
    }

    /// Revokes key `id` (from `now`; a key revoked earlier keeps its time).
    pub async fn revoke(&self, id: &str, now: i64) -> Result<VirtualKey, StoreError> {
        let mut tx = self.pool.begin().await?;
        let version = rows::bump_version(&mut tx).await?;
        let mut key = rows::get(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        if key.revoked_at.is_none() {
            key.revoked_at = Some(now);
            key.updated_at = now;
            rows::replace(&mut tx, &key, version).await?;
        }
        tx.commit().await?;
        Ok(key)
    }

    pub async fn get(&self, id: &str) -> Result<Option<VirtualKey>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        rows::get(&mut conn, id).await
    }

    /// Every key, oldest first.
    pub async fn list(&self) -> Result<Vec<VirtualKey>, StoreError> {
        rows::select(&self.pool, "ORDER BY created_at, id", None).await
    }

    /// The key whose secret hashes to `hash`.
    pub async fn by_hash(&self, hash: &str) -> Result<Option<VirtualKey>, StoreError> {
        Ok(rows::select(
            &self.pool,
            "WHERE secret_hash = $1",
            Some(Param::Text(hash)),
        )
        .await?
        .pop())
    }

    /// The keys written after `version`, and the newest version among them (or `version`).
    pub async fn changed_since(&self, version: i64) -> Result<(Vec<VirtualKey>, i64), StoreError> {
        let rows = rows::select_versioned(&self.pool, version).await?;
        let newest = rows.iter().map(|(_, v)| *v).max().unwrap_or(version);
        Ok((rows.into_iter().map(|(k, _)| k).collect(), newest))
    }

    /// Deletes everything (tests only).
    #[doc(hidden)]
    pub async fn clear(&self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM aigw_keys")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// A query parameter for [`rows::select`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum Param<'a> {
    Text(&'a str),
}
