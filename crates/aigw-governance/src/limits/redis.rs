//! Counters in Redis, shared by every replica: each decision is one Lua script (one round
//! trip), each settlement another (after the response, off the request's path). A Redis that
//! does not answer within the timeout is an error, never a wait: the limiter applies its
//! `on_store_error` policy. The connection is re-established in the background when Redis
//! comes back (`ConnectionManager`), and scripts are re-loaded if Redis lost them.

use super::{Admission, BudgetScope, Raw, Scope, Which, snapshot};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script};
use std::time::Duration;
use tokio::sync::Mutex;

/// Redis keys of a scope: `aigw:rl:{scope}:r|t|c`.
fn keys(scope: &str) -> [String; 3] {
    [
        format!("aigw:rl:{{{scope}}}:r"),
        format!("aigw:rl:{{{scope}}}:t"),
        format!("aigw:rl:{{{scope}}}:c"),
    ]
}

/// The budget counter of a scope's period (`none`: a key never set).
fn budget_key(scope: &str, period_start: Option<i64>) -> String {
    match period_start {
        Some(start) => format!("aigw:budget:{{{scope}}}:{start}"),
        None => format!("aigw:budget:{{{scope}}}:none"),
    }
}

/// Shared counters.
pub struct RedisCounters {
    client: Client,
    connection: Mutex<Option<ConnectionManager>>,
    admit: Script,
    settle: Script,
    timeout: Duration,
    /// How long an open request holds its concurrency slot at most (a replica that dies
    /// cannot release it).
    lease: Duration,
    shown: String,
}

impl std::fmt::Debug for RedisCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RedisCounters({})", self.shown)
    }
}

impl RedisCounters {
    /// Counters at `url` (`redis://host:port/db`); connects on first use.
    pub fn new(url: &str, timeout: Duration, lease: Duration) -> Result<RedisCounters, String> {
        let shown = crate::store::redact_url(url);
        let client = Client::open(url).map_err(|e| format!("limits.counters {shown}: {e}"))?;
        Ok(RedisCounters {
            client,
            connection: Mutex::new(None),
            admit: Script::new(include_str!("admit.lua")),
            settle: Script::new(include_str!("settle.lua")),
            timeout,
            lease,
            shown,
        })
    }

    /// The URL, password redacted.
    pub fn url(&self) -> &str {
        &self.shown
    }

    async fn connection(&self) -> Result<ConnectionManager, String> {
        let mut slot = self.connection.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout)
            .set_number_of_retries(1)
            .set_max_delay(100);
        let connect = ConnectionManager::new_with_config(self.client.clone(), config);
        let c = tokio::time::timeout(self.timeout, connect)
            .await
            .map_err(|_| format!("no connection to {} in {:?}", self.shown, self.timeout))?
            .map_err(|e| e.to_string())?;
        *slot = Some(c.clone());
        Ok(c)
    }

    /// Checks that Redis answers (for `aigw check` and start-up).
    pub async fn ping(&self) -> Result<(), String> {
        let mut c = self.connection().await?;
        let ping = redis::cmd("PING");
        tokio::time::timeout(self.timeout, ping.query_async::<String>(&mut c))
            .await
            .map_err(|_| "timed out".to_owned())?
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    pub(crate) async fn admit(
        &self,
        scopes: &[&Scope],
        id: &str,
        estimate: u64,
        cost: i64,
    ) -> Result<Raw, String> {
        let mut c = self.connection().await?;
        let mut call = self.admit.prepare_invoke();
        for scope in scopes {
            for key in keys(&scope.name) {
                call.key(key);
            }
            call.key(budget_key(
                &scope.name,
                scope.budget.map(|b| b.period_start),
            ));
        }
        call.arg(id)
            .arg(estimate)
            .arg(self.lease.as_millis() as u64)
            .arg(cost);
        let limit = |v: Option<u64>| v.map_or(-1, |v| v.min(i64::MAX as u64) as i64);
        for scope in scopes {
            let l = &scope.limits;
            call.arg(limit(l.rpm))
                .arg(limit(l.tpm))
                .arg(limit(l.max_concurrency))
                .arg(scope.budget.map_or(-1, |b| b.max));
        }
        let answer: Vec<i64> = tokio::time::timeout(self.timeout, call.invoke_async(&mut c))
            .await
            .map_err(|_| format!("{} did not answer in {:?}", self.shown, self.timeout))?
            .map_err(|e| e.to_string())?;
        let get = |i: usize| answer.get(i).copied().unwrap_or(0);
        let first = &scopes[0].limits;
        let count = |v: i64| v.max(0) as u64;
        let spent = |v: i64| (v >= 0).then_some(v);
        if get(0) == 1 {
            let mut s = snapshot(first, count(get(2)), count(get(3)), get(4), get(5));
            s.budget_spent = spent(get(6));
            Ok(Raw::Admitted {
                bucket: get(1),
                snapshot: s,
            })
        } else if get(0) == 2 {
            Ok(Raw::Unseeded {
                index: get(1).max(0) as usize,
            })
        } else {
            let index = get(1).max(0) as usize;
            let which = match get(2) {
                1 => Which::Requests,
                2 => Which::Tokens,
                3 => Which::Concurrency,
                _ => Which::Budget,
            };
            let limits = &scopes.get(index).unwrap_or(&scopes[0]).limits;
            let mut s = snapshot(limits, count(get(4)), count(get(5)), get(6), get(7));
            s.budget_spent = spent(get(8));
            Ok(Raw::Limited {
                index,
                which,
                retry_after: Duration::from_millis(get(3).max(1) as u64),
                snapshot: s,
            })
        }
    }

    pub(crate) async fn settle(
        &self,
        admission: &Admission,
        delta: i64,
        cost_delta: i64,
    ) -> Result<(), String> {
        let mut c = self.connection().await?;
        let mut call = self.settle.prepare_invoke();
        for (i, scope) in admission.scopes.iter().enumerate() {
            let [_, tokens, open] = keys(scope);
            let period = admission.periods.get(i).copied().flatten();
            call.key(tokens).key(open).key(budget_key(scope, period));
        }
        call.arg(&admission.id)
            .arg(admission.bucket)
            .arg(delta)
            .arg(cost_delta);
        tokio::time::timeout(self.timeout, call.invoke_async::<i64>(&mut c))
            .await
            .map_err(|_| format!("{} did not answer in {:?}", self.shown, self.timeout))?
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Sets a budget's counter for its period to `spent`, unless it exists (another replica
    /// seeded it, or requests are already counted); it expires a day after the period ends.
    pub(crate) async fn seed(
        &self,
        scope: &str,
        budget: BudgetScope,
        spent: i64,
    ) -> Result<(), String> {
        let mut c = self.connection().await?;
        let mut set = redis::cmd("SET");
        set.arg(budget_key(scope, Some(budget.period_start)))
            .arg(spent)
            .arg("NX");
        if let Some(end) = budget.period_end {
            let ttl = (end - crate::manage::now_ms()).max(0) + 86_400_000;
            set.arg("PX").arg(ttl);
        }
        tokio::time::timeout(self.timeout, set.query_async::<Option<String>>(&mut c))
            .await
            .map_err(|_| format!("{} did not answer in {:?}", self.shown, self.timeout))?
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}
