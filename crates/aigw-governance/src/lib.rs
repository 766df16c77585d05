//! aigw's production controls, without HTTP: virtual keys (`key`, `secret`, `manage`), the
//! store they live in (`store`: SQLite or PostgreSQL), the in-memory key ring every request
//! is checked against (`ring`), and rate limits (`limits`: in-process or Redis counters).
//! The gateway calls [`Governance::authenticate`] before routing and the limiter around the
//! upstream call; `aigw keys` and the admin API use [`manage`] and [`store::Store`].

pub mod budget;
pub mod config;
pub mod cost;
pub mod key;
pub mod limits;
pub mod manage;
pub mod ring;
pub mod secret;
pub mod spend;
pub mod store;
pub mod throttle;

use key::{Unusable, VirtualKey};
use ring::{KeyRing, Lookup};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use subtle::ConstantTimeEq;

pub use limits::{Admission, Limiter, OnStoreError, Refusal, Scope, Snapshot};
pub use store::Store;

/// Who is calling.
#[derive(Clone, Debug)]
pub enum Caller {
    /// No key needed (no key configured or stored; loopback only).
    Anonymous,
    Key(Arc<VirtualKey>),
}

impl Caller {
    /// The key's id, or `-`.
    pub fn id(&self) -> &str {
        match self {
            Caller::Anonymous => "-",
            Caller::Key(k) => &k.id,
        }
    }

    pub fn key(&self) -> Option<&VirtualKey> {
        match self {
            Caller::Anonymous => None,
            Caller::Key(k) => Some(k),
        }
    }
}

/// Why a caller is turned away before anything else happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denied {
    /// No key presented (and one is needed).
    Missing,
    /// Not a key of this gateway.
    Unknown,
    Revoked,
    Expired,
    /// The key store is unreachable beyond its grace time (503).
    Unavailable(String),
}

/// Keys and limits, as one gateway uses them.
#[derive(Debug)]
pub struct Governance {
    pub ring: Arc<KeyRing>,
    pub limiter: Limiter,
    pub store: Option<Store>,
    admin_hash: Option<[u8; 32]>,
}

impl Governance {
    pub fn new(
        ring: Arc<KeyRing>,
        limiter: Limiter,
        store: Option<Store>,
        admin: Option<SecretString>,
    ) -> Governance {
        let admin_hash = admin.map(|s| {
            let mut out = [0u8; 32];
            let digest = secret::hash(s.expose_secret());
            // hex → bytes; a hex string of a SHA-256 always decodes.
            let _ = hex::decode_to_slice(digest, &mut out);
            out
        });
        Governance {
            ring,
            limiter,
            store,
            admin_hash,
        }
    }

    /// Whether clients must present a key.
    pub fn requires_key(&self) -> bool {
        self.ring.requires_key()
    }

    /// Whether the admin API is on.
    pub fn admin_enabled(&self) -> bool {
        self.admin_hash.is_some()
    }

    /// Whether `presented` is the admin key (compared in constant time).
    pub fn admin_accepts(&self, presented: &str) -> bool {
        let Some(expected) = &self.admin_hash else {
            return false;
        };
        let mut got = [0u8; 32];
        let _ = hex::decode_to_slice(secret::hash(presented), &mut got);
        got.ct_eq(expected).into()
    }

    /// Who presented `presented`.
    pub async fn authenticate(&self, presented: Option<&str>) -> Result<Caller, Denied> {
        let Some(presented) = presented else {
            return if self.requires_key() {
                Err(Denied::Missing)
            } else {
                Ok(Caller::Anonymous)
            };
        };
        if !self.requires_key() {
            // Open gateway: a key sent anyway (the SDKs always send one) is not checked.
            return Ok(Caller::Anonymous);
        }
        match self.ring.lookup(presented).await {
            Lookup::Key(key) => Ok(Caller::Key(key)),
            Lookup::Unusable(_, Unusable::Revoked) => Err(Denied::Revoked),
            Lookup::Unusable(_, Unusable::Expired) => Err(Denied::Expired),
            Lookup::Unknown => Err(Denied::Unknown),
            Lookup::Unavailable(why) => Err(Denied::Unavailable(why)),
        }
    }
}

#[cfg(feature = "testing")]
pub mod testing;
