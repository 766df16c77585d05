//! The latest requests, in memory: what `GET /admin/requests` (and the tests) read, with or
//! without a store — each with its losses in full (pointer, kind, reason), which the spend log
//! keeps only as a summary.

use aigw_governance::spend::SpendRecord;
use aigw_translate::LossReport;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// The last `capacity` requests.
#[derive(Debug)]
pub struct Recent {
    records: Mutex<VecDeque<(Arc<SpendRecord>, LossReport)>>,
    capacity: usize,
}

impl Recent {
    pub fn new(capacity: usize) -> Recent {
        Recent {
            records: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
            capacity,
        }
    }

    pub fn push(&self, record: Arc<SpendRecord>, losses: LossReport) {
        if self.capacity == 0 {
            return;
        }
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if records.len() == self.capacity {
            records.pop_front();
        }
        records.push_back((record, losses));
    }

    /// The latest `n`, newest first.
    pub fn latest(&self, n: usize) -> Vec<SpendRecord> {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records
            .iter()
            .rev()
            .take(n)
            .map(|(r, _)| SpendRecord::clone(r))
            .collect()
    }

    /// The latest `n` that `keep` accepts, newest first, with their losses.
    pub fn latest_matching(
        &self,
        n: usize,
        keep: impl Fn(&SpendRecord) -> bool,
    ) -> Vec<(SpendRecord, LossReport)> {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records
            .iter()
            .rev()
            .filter(|(r, _)| keep(r))
            .take(n)
            .map(|(r, losses)| (SpendRecord::clone(r), losses.clone()))
            .collect()
    }

    /// The one with `request_id`.
    pub fn find(&self, request_id: &str) -> Option<SpendRecord> {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records
            .iter()
            .rev()
            .find(|(r, _)| r.request_id == request_id)
            .map(|(r, _)| SpendRecord::clone(r))
    }
}
