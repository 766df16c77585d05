//! Changing a running mock: its latency (also over HTTP, `PUT /mock/latency/{ms}`, for a
//! mock in another process), and faults by the upstream key a request presents — so that
//! one mock plays a provider whose keys behave differently.

use crate::Fault;
use crate::server::Shared;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// What can be changed while the mock runs.
#[derive(Debug, Default)]
pub(crate) struct Control {
    /// Microseconds before the response head.
    latency_us: AtomicU64,
    /// Faults by the key presented.
    by_key: Mutex<HashMap<String, Fault>>,
}

impl Control {
    pub(crate) fn new(latency: Duration) -> Control {
        let control = Control::default();
        control.set_latency(latency);
        control
    }

    pub(crate) fn latency(&self) -> Duration {
        Duration::from_micros(self.latency_us.load(Ordering::Relaxed))
    }

    pub(crate) fn set_latency(&self, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency_us.store(us, Ordering::Relaxed);
    }

    pub(crate) fn set_key_fault(&self, key: &str, fault: Option<Fault>) {
        let mut by_key = self.by_key.lock().unwrap_or_else(PoisonError::into_inner);
        match fault {
            Some(fault) => by_key.insert(key.to_owned(), fault),
            None => by_key.remove(key),
        };
    }

    /// The fault for the key `headers` present (`Authorization: Bearer`, `x-api-key`,
    /// `x-goog-api-key`), if one is set.
    pub(crate) fn key_fault(&self, headers: &HeaderMap) -> Option<Fault> {
        let by_key = self.by_key.lock().unwrap_or_else(PoisonError::into_inner);
        if by_key.is_empty() {
            return None;
        }
        by_key.get(presented_key(headers)?).copied()
    }
}

/// The upstream key a request presents.
pub(crate) fn presented_key(headers: &HeaderMap) -> Option<&str> {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    value("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| value("x-api-key"))
        .or_else(|| value("x-goog-api-key"))
}

/// `PUT /mock/latency/{ms}`.
pub(crate) async fn put_latency(
    State(shared): State<Arc<Shared>>,
    Path(ms): Path<u64>,
) -> StatusCode {
    shared.control.set_latency(Duration::from_millis(ms));
    StatusCode::NO_CONTENT
}
