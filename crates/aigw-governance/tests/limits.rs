//! Rate limits shared through a real Redis (`AIGW_TEST_REDIS_URL`): exact across replicas
//! (each replica its own `Limiter`, as in separate processes), and what happens when Redis
//! goes away and comes back.

use aigw_governance::key::KeyLimits;
use aigw_governance::limits::{Counters, LimiterMetrics, RedisCounters, Which};
use aigw_governance::testing::{Proxy, redis_url, socket_of};
use aigw_governance::{Limiter, OnStoreError, Refusal, Scope};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn limiter(url: &str, on_error: OnStoreError) -> (Arc<Limiter>, LimiterMetrics) {
    let counters = RedisCounters::new(url, Duration::from_millis(250), Duration::from_secs(60))
        .expect("redis url");
    let metrics = LimiterMetrics::default();
    let limiter = Limiter::new(
        Counters::Redis(Box::new(counters)),
        on_error,
        metrics.clone(),
    );
    (Arc::new(limiter), metrics)
}

/// A scope no other test run counts under.
fn scope(limits: KeyLimits) -> Scope {
    Scope {
        name: aigw_governance::secret::new_id().expect("id"),
        limits,
        budget: None,
    }
}

fn replicas(url: &str) -> Vec<Arc<Limiter>> {
    (0..3)
        .map(|_| limiter(url, OnStoreError::Closed).0)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_admit_exactly_the_requests_per_minute() {
    let Some(url) = redis_url("three_replicas_admit_exactly_the_requests_per_minute") else {
        return;
    };
    let replicas = replicas(&url);
    let scope = scope(KeyLimits {
        rpm: Some(100),
        ..KeyLimits::default()
    });
    let admitted = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for i in 0..600 {
        let limiter = replicas[i % 3].clone();
        let scope = scope.clone();
        let admitted = admitted.clone();
        tasks.push(tokio::spawn(async move {
            match limiter.admit(std::slice::from_ref(&scope), 0, 0).await {
                Ok(a) => {
                    admitted.fetch_add(1, Ordering::SeqCst);
                    limiter.settle(a, Some(0), None).await;
                    None
                }
                Err(Refusal::Limited {
                    which, retry_after, ..
                }) => Some((which, retry_after)),
                Err(other) => panic!("{other:?}"),
            }
        }));
    }
    let mut refused = 0;
    for task in tasks {
        if let Some((which, retry_after)) = task.await.expect("task") {
            refused += 1;
            assert_eq!(which, Which::Requests);
            assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(60));
        }
    }
    assert_eq!(admitted.load(Ordering::SeqCst), 100);
    assert_eq!(refused, 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_admit_exactly_the_tokens_per_minute() {
    let Some(url) = redis_url("three_replicas_admit_exactly_the_tokens_per_minute") else {
        return;
    };
    let replicas = replicas(&url);
    // 1,000 tokens a minute; each request reserves 150 and uses 100: exactly 10 fit.
    let scope = scope(KeyLimits {
        tpm: Some(1_000),
        ..KeyLimits::default()
    });
    let admitted = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for i in 0..120 {
        let limiter = replicas[i % 3].clone();
        let scope = scope.clone();
        let admitted = admitted.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(i as u64 * 5)).await;
            if let Ok(a) = limiter.admit(std::slice::from_ref(&scope), 150, 0).await {
                admitted.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(3)).await;
                limiter.settle(a, Some(100), None).await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    assert_eq!(admitted.load(Ordering::SeqCst), 10);
    let refused = replicas[0].admit(std::slice::from_ref(&scope), 1, 0).await;
    match refused {
        Err(Refusal::Limited {
            which: Which::Tokens,
            snapshot,
            ..
        }) => {
            assert_eq!(snapshot.remaining_tokens, 0);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_hold_the_concurrency_limit() {
    let Some(url) = redis_url("three_replicas_hold_the_concurrency_limit") else {
        return;
    };
    let replicas = replicas(&url);
    let scope = scope(KeyLimits {
        max_concurrency: Some(5),
        ..KeyLimits::default()
    });
    let open = Arc::new(AtomicU64::new(0));
    let peak = Arc::new(AtomicU64::new(0));
    let admitted = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for i in 0..60 {
        let (limiter, scope) = (replicas[i % 3].clone(), scope.clone());
        let (open, peak, admitted) = (open.clone(), peak.clone(), admitted.clone());
        tasks.push(tokio::spawn(async move {
            if let Ok(a) = limiter.admit(std::slice::from_ref(&scope), 0, 0).await {
                admitted.fetch_add(1, Ordering::SeqCst);
                let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(300)).await;
                open.fetch_sub(1, Ordering::SeqCst);
                limiter.settle(a, None, None).await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    assert_eq!(peak.load(Ordering::SeqCst), 5);
    assert_eq!(
        admitted.load(Ordering::SeqCst),
        5,
        "all 60 arrived while 5 were open"
    );
    // All ended: the slots are free again.
    let again = replicas[1].admit(std::slice::from_ref(&scope), 0, 0).await;
    assert!(again.is_ok(), "{again:?}");
}

/// Redis stops answering mid-run: fail-closed refuses at once (never hangs, never
/// unlimited), fail-open serves and counts; when Redis is back, limits hold again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_fails_closed_or_open_then_limits_hold_again() {
    let Some(url) = redis_url("a_redis_outage_fails_closed_or_open") else {
        return;
    };
    let proxy = Proxy::start(socket_of(&url).expect("address"))
        .await
        .expect("proxy");
    let via = proxy.url_for(&url);
    let (closed, closed_metrics) = limiter(&via, OnStoreError::Closed);
    let (open, open_metrics) = limiter(&via, OnStoreError::Open);
    let scope = scope(KeyLimits {
        rpm: Some(3),
        ..KeyLimits::default()
    });
    let scopes = std::slice::from_ref(&scope);
    for _ in 0..3 {
        closed.admit(scopes, 0, 0).await.expect("admitted");
    }
    assert!(matches!(
        closed.admit(scopes, 0, 0).await,
        Err(Refusal::Limited { .. })
    ));

    proxy.down();
    let started = Instant::now();
    let refused = closed.admit(scopes, 0, 0).await;
    assert!(
        matches!(refused, Err(Refusal::Unavailable(_))),
        "{refused:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(closed_metrics.store_errors.get() >= 1);
    for _ in 0..5 {
        open.admit(scopes, 0, 0).await.expect("fail-open serves");
    }
    assert_eq!(open_metrics.failed_open.get(), 5);

    proxy.up();
    let back = Instant::now();
    loop {
        match closed.admit(scopes, 0, 0).await {
            Err(Refusal::Limited { which, .. }) => {
                assert_eq!(which, Which::Requests);
                break;
            }
            Err(Refusal::Unavailable(_)) => {}
            Ok(_) => panic!("admitted over the limit after Redis came back"),
            Err(other) => panic!("{other:?}"),
        }
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "Redis never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(matches!(
        open.admit(scopes, 0, 0).await,
        Err(Refusal::Limited { .. })
    ));
}

/// Two replicas, one budget for exactly 4 requests of a known cost: 4 answers, then the
/// budget refuses (until the period ends); a new period starts from its own seed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_a_budget_exactly() {
    let Some(url) = redis_url("two_replicas_share_a_budget_exactly") else {
        return;
    };
    let replicas = replicas(&url);
    let cost = 2_500_000_000; // $0.0025 a request
    let day = 86_400_000;
    let now = aigw_governance::manage::now_ms();
    let period = |start: i64| {
        Some(aigw_governance::limits::BudgetScope {
            max: 4 * cost,
            period_start: start,
            period_end: Some(start + day),
        })
    };
    let mut scope = scope(KeyLimits::default());
    scope.budget = period(now - now % day);
    let scopes = std::slice::from_ref(&scope);
    // Not seeded yet: the gateway reads the spend log, then seeds.
    assert!(matches!(
        replicas[0].admit(scopes, 0, cost / 2).await,
        Err(Refusal::Unseeded { .. })
    ));
    replicas[0].seed(&scope, 0).await.expect("seed");
    replicas[1]
        .seed(&scope, 999)
        .await
        .expect("a second seed is ignored");
    let mut answered = 0;
    for i in 0..10 {
        // Reserve half the cost, settle the exact cost.
        match replicas[i % 2].admit(scopes, 0, cost / 2).await {
            Ok(a) => {
                answered += 1;
                replicas[i % 2].settle(a, Some(0), Some(cost)).await;
            }
            Err(Refusal::Limited {
                which: Which::Budget,
                retry_after,
                ..
            }) => assert!(retry_after <= Duration::from_millis(day as u64)),
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(answered, 4);
    // The next day: a new counter.
    let mut tomorrow = scope.clone();
    tomorrow.budget = period(now - now % day + day);
    let next = std::slice::from_ref(&tomorrow);
    assert!(matches!(
        replicas[1].admit(next, 0, 1).await,
        Err(Refusal::Unseeded { .. })
    ));
    replicas[1].seed(&tomorrow, 0).await.expect("seed");
    assert!(replicas[0].admit(next, 0, 1).await.is_ok());
}
