//! Counters in this process (the default): exact for one replica.

use super::{Admission, Raw, Scope, WINDOW_SECS, Which, snapshot};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

/// Amounts per second over the last [`WINDOW_SECS`] seconds.
#[derive(Debug, Default)]
struct Window {
    buckets: VecDeque<(i64, i64)>,
    total: i64,
}

impl Window {
    fn prune(&mut self, now_sec: i64) {
        while let Some(&(sec, amount)) = self.buckets.front() {
            if sec > now_sec - WINDOW_SECS {
                break;
            }
            self.total -= amount;
            self.buckets.pop_front();
        }
    }

    fn total(&self) -> u64 {
        self.total.max(0) as u64
    }

    fn add(&mut self, sec: i64, amount: i64) {
        match self.buckets.back_mut() {
            Some((s, a)) if *s == sec => *a += amount,
            _ => self.buckets.push_back((sec, amount)),
        }
        self.total += amount;
    }

    /// Adds to the bucket of `sec` if it is still in the window.
    fn adjust(&mut self, sec: i64, delta: i64) {
        if let Some((_, a)) = self.buckets.iter_mut().find(|(s, _)| *s == sec) {
            let new = (*a + delta).max(0);
            self.total += new - *a;
            *a = new;
        }
    }

    /// Milliseconds until the total is below `limit`.
    fn wait_ms(&self, limit: u64, now_ms: i64) -> i64 {
        let mut left = self.total;
        for &(sec, amount) in &self.buckets {
            left -= amount;
            if left < limit as i64 {
                return (sec + WINDOW_SECS) * 1000 - now_ms;
            }
        }
        WINDOW_SECS * 1000
    }

    /// Milliseconds until the oldest bucket leaves the window.
    fn reset_ms(&self, now_ms: i64) -> i64 {
        self.buckets
            .front()
            .map_or(0, |(sec, _)| (sec + WINDOW_SECS) * 1000 - now_ms)
    }
}

#[derive(Debug, Default)]
struct ScopeCounts {
    requests: Window,
    tokens: Window,
    open: u64,
    /// Budget spend by period start, pico-USD (only the current period is kept).
    spend: HashMap<i64, i64>,
}

/// Every scope's counts, behind one lock (a decision takes microseconds).
#[derive(Debug, Default)]
pub struct LocalCounters {
    scopes: Mutex<HashMap<String, ScopeCounts>>,
}

impl LocalCounters {
    pub fn new() -> LocalCounters {
        LocalCounters::default()
    }

    pub(crate) fn admit(&self, scopes: &[&Scope], estimate: u64, cost: i64, now_ms: i64) -> Raw {
        let now_sec = now_ms.div_euclid(1000);
        let mut map = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
        for (index, scope) in scopes.iter().enumerate() {
            let counts = map.entry(scope.name.clone()).or_default();
            counts.requests.prune(now_sec);
            counts.tokens.prune(now_sec);
            let l = &scope.limits;
            let spent = match scope.budget {
                Some(b) => match counts.spend.get(&b.period_start) {
                    Some(spent) => Some((*spent, b.max)),
                    None => return Raw::Unseeded { index },
                },
                None => None,
            };
            let refused = if let Some((spent, max)) = spent.filter(|(s, m)| s >= m) {
                let _ = (spent, max);
                Some((Which::Budget, 0))
            } else if l.rpm.is_some_and(|rpm| counts.requests.total() >= rpm) {
                let wait = counts.requests.wait_ms(l.rpm.unwrap_or(0), now_ms);
                Some((Which::Requests, wait))
            } else if l.tpm.is_some_and(|tpm| counts.tokens.total() >= tpm) {
                let wait = counts.tokens.wait_ms(l.tpm.unwrap_or(0), now_ms);
                Some((Which::Tokens, wait))
            } else if l.max_concurrency.is_some_and(|max| counts.open >= max) {
                Some((Which::Concurrency, 1000))
            } else {
                None
            };
            if let Some((which, wait)) = refused {
                let mut snapshot = snapshot(
                    l,
                    counts.requests.total(),
                    counts.tokens.total(),
                    counts.requests.reset_ms(now_ms),
                    counts.tokens.reset_ms(now_ms),
                );
                snapshot.budget_spent = spent.map(|(s, _)| s);
                return Raw::Limited {
                    index,
                    which,
                    retry_after: Duration::from_millis(wait.max(1) as u64),
                    snapshot,
                };
            }
        }
        let mut first = None;
        for scope in scopes {
            let counts = map.entry(scope.name.clone()).or_default();
            counts.requests.add(now_sec, 1);
            counts.tokens.add(now_sec, estimate as i64);
            counts.open += 1;
            let spent = scope.budget.map(|b| {
                let spent = counts.spend.entry(b.period_start).or_insert(0);
                *spent = spent.saturating_add(cost);
                *spent
            });
            if first.is_none() {
                let mut s = snapshot(
                    &scope.limits,
                    counts.requests.total(),
                    counts.tokens.total(),
                    counts.requests.reset_ms(now_ms),
                    counts.tokens.reset_ms(now_ms),
                );
                s.budget_spent = spent;
                first = Some(s);
            }
        }
        Raw::Admitted {
            bucket: now_sec,
            snapshot: first.unwrap_or_default(),
        }
    }

    pub(crate) fn settle(&self, admission: &Admission, delta: i64, cost_delta: i64) {
        let mut map = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
        for (i, name) in admission.scopes.iter().enumerate() {
            if let Some(counts) = map.get_mut(name) {
                counts.tokens.adjust(admission.bucket, delta);
                counts.open = counts.open.saturating_sub(1);
                if let Some(Some(period)) = admission.periods.get(i)
                    && let Some(spent) = counts.spend.get_mut(period)
                {
                    *spent = (*spent + cost_delta).max(0);
                }
            }
        }
    }

    /// Starts a budget's counter for the period from `period_start` (and forgets earlier
    /// periods), unless it is there already.
    pub(crate) fn seed(&self, scope: &str, period_start: i64, spent: i64) {
        let mut map = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
        let counts = map.entry(scope.to_owned()).or_default();
        counts.spend.retain(|start, _| *start >= period_start);
        counts.spend.entry(period_start).or_insert(spent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::KeyLimits;

    fn scope(rpm: Option<u64>, tpm: Option<u64>, conc: Option<u64>) -> Scope {
        Scope {
            name: "key:k".into(),
            limits: KeyLimits {
                rpm,
                tpm,
                max_concurrency: conc,
            },
            budget: None,
        }
    }

    fn admission(raw: &Raw, reserved: u64) -> Admission {
        let Raw::Admitted { bucket, .. } = raw else {
            panic!("refused: {raw:?}")
        };
        Admission {
            id: "r".into(),
            scopes: vec!["key:k".into()],
            bucket: *bucket,
            reserved,
            cost_reserved: 0,
            periods: vec![None],
            snapshot: None,
        }
    }

    #[test]
    fn requests_are_counted_over_a_rolling_minute() {
        let c = LocalCounters::new();
        let s = scope(Some(3), None, None);
        let t0 = 1_000_000_000;
        for i in 0..3 {
            let raw = c.admit(&[&s], 0, 0, t0 + i * 10_000);
            assert!(matches!(raw, Raw::Admitted { .. }), "{i}: {raw:?}");
        }
        // The 4th, 30 s in: refused until the first leaves the window (60 s after t0).
        match c.admit(&[&s], 0, 0, t0 + 30_000) {
            Raw::Limited {
                which: Which::Requests,
                retry_after,
                snapshot,
                ..
            } => {
                assert_eq!(retry_after, Duration::from_millis(30_000));
                assert_eq!(snapshot.remaining_requests, 0);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            c.admit(&[&s], 0, 0, t0 + 59_999),
            Raw::Limited { .. }
        ));
        assert!(matches!(
            c.admit(&[&s], 0, 0, t0 + 60_000),
            Raw::Admitted { .. }
        ));
    }

    #[test]
    fn tokens_are_reserved_then_settled_to_the_usage() {
        let c = LocalCounters::new();
        let s = scope(None, Some(100), None);
        let t0 = 5_000_000;
        let first = c.admit(&[&s], 80, 0, t0);
        let Raw::Admitted { snapshot, .. } = &first else {
            panic!()
        };
        assert_eq!(snapshot.remaining_tokens, 20);
        c.settle(&admission(&first, 80), 30 - 80, 0);
        // 30 used: admitted (below the limit), reserving 80 more.
        let second = c.admit(&[&s], 80, 0, t0 + 1);
        assert!(matches!(second, Raw::Admitted { .. }));
        // 110 counted now: refused.
        assert!(matches!(
            c.admit(&[&s], 80, 0, t0 + 2),
            Raw::Limited {
                which: Which::Tokens,
                ..
            }
        ));
        c.settle(&admission(&second, 80), 50 - 80, 0);
        // 80 used: admitted again.
        assert!(matches!(c.admit(&[&s], 1, 0, t0 + 3), Raw::Admitted { .. }));
    }

    #[test]
    fn concurrency_is_released_when_a_request_ends() {
        let c = LocalCounters::new();
        let s = scope(None, None, Some(2));
        let a = c.admit(&[&s], 0, 0, 0);
        let _b = c.admit(&[&s], 0, 0, 0);
        assert!(matches!(
            c.admit(&[&s], 0, 0, 0),
            Raw::Limited {
                which: Which::Concurrency,
                ..
            }
        ));
        c.settle(&admission(&a, 0), 0, 0);
        assert!(matches!(c.admit(&[&s], 0, 0, 0), Raw::Admitted { .. }));
    }

    #[test]
    fn every_scope_must_admit_and_only_then_any_counts() {
        let c = LocalCounters::new();
        let key = scope(Some(10), None, None);
        let route = Scope {
            name: "route:r".into(),
            limits: KeyLimits {
                rpm: Some(1),
                ..KeyLimits::default()
            },
            budget: None,
        };
        assert!(matches!(
            c.admit(&[&key, &route], 0, 0, 0),
            Raw::Admitted { .. }
        ));
        assert!(matches!(
            c.admit(&[&key, &route], 0, 0, 0),
            Raw::Limited { index: 1, .. }
        ));
        // The refused request was not counted against the key.
        let Raw::Admitted { snapshot, .. } = c.admit(&[&key], 0, 0, 0) else {
            panic!()
        };
        assert_eq!(snapshot.remaining_requests, 8);
    }

    #[test]
    fn a_budget_admits_while_spend_is_below_it_and_needs_a_seed() {
        let c = LocalCounters::new();
        let s = Scope {
            name: "key:b".into(),
            limits: KeyLimits::default(),
            budget: Some(crate::limits::BudgetScope {
                max: 300,
                period_start: 0,
                period_end: Some(86_400_000),
            }),
        };
        assert_eq!(c.admit(&[&s], 0, 100, 10), Raw::Unseeded { index: 0 });
        c.seed("key:b", 0, 100);
        let first = c.admit(&[&s], 0, 100, 10);
        let Raw::Admitted { snapshot, bucket } = &first else {
            panic!("{first:?}")
        };
        assert_eq!(snapshot.budget_spent, Some(200));
        let mut a = admission(&first, 0);
        a.scopes = vec!["key:b".into()];
        a.cost_reserved = 100;
        a.periods = vec![Some(0)];
        let _ = bucket;
        // Exact cost 200: spend 300 — at the budget, refused.
        c.settle(&a, 0, 200 - 100);
        assert!(matches!(
            c.admit(&[&s], 0, 1, 11),
            Raw::Limited {
                which: Which::Budget,
                ..
            }
        ));
        // The next period starts from its own seed.
        let next = Scope {
            budget: Some(crate::limits::BudgetScope {
                max: 300,
                period_start: 86_400_000,
                period_end: Some(2 * 86_400_000),
            }),
            ..s.clone()
        };
        assert_eq!(
            c.admit(&[&next], 0, 1, 86_400_001),
            Raw::Unseeded { index: 0 }
        );
        c.seed("key:b", 86_400_000, 0);
        assert!(matches!(
            c.admit(&[&next], 0, 1, 86_400_002),
            Raw::Admitted { .. }
        ));
    }
}
