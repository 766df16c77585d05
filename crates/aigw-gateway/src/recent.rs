//! The latest requests, in memory: what `GET /admin/requests` (and the tests) read, with or
//! without a store.

use aigw_governance::spend::SpendRecord;
use std::collections::VecDeque;
use std::sync::Mutex;

/// The last `capacity` requests.
#[derive(Debug)]
pub struct Recent {
    records: Mutex<VecDeque<SpendRecord>>,
    capacity: usize,
}

impl Recent {
    pub fn new(capacity: usize) -> Recent {
        Recent {
            records: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
            capacity,
        }
    }

    pub fn push(&self, record: SpendRecord) {
        if self.capacity == 0 {
            return;
        }
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if records.len() == self.capacity {
            records.pop_front();
        }
        records.push_back(record);
    }

    /// The latest `n`, newest first.
    pub fn latest(&self, n: usize) -> Vec<SpendRecord> {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records.iter().rev().take(n).cloned().collect()
    }

    /// The one with `request_id`.
    pub fn find(&self, request_id: &str) -> Option<SpendRecord> {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records
            .iter()
            .rev()
            .find(|r| r.request_id == request_id)
            .cloned()
    }
}
