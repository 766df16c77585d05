//! The key store on SQLite (a temporary file) and PostgreSQL (`AIGW_TEST_DATABASE_URL`): the
//! same code path, the same answers; secrets never stored; replicas see revocations.

use aigw_governance::key::KeySource;
use aigw_governance::manage::{KeyUpdate, NewKey, now_ms, parse_json};
use aigw_governance::ring::{KeyRing, Lookup};
use aigw_governance::store::Store;
use aigw_governance::testing::{Proxy, database_url, socket_of};
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn sqlite() -> (tempfile::TempDir, Store, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("aigw.db").display());
    let store = Store::connect(&url).await.expect("sqlite store");
    (dir, store, url)
}

async fn postgres(test: &str) -> Option<Store> {
    let url = database_url(test)?;
    let store = Store::connect(&url).await.expect("postgres store");
    Some(store)
}

fn new_key(body: &str) -> (aigw_governance::key::VirtualKey, secrecy::SecretString) {
    parse_json::<NewKey>(body.as_bytes())
        .expect("body")
        .build(now_ms())
        .expect("key")
}

/// Create, find, change, revoke: the same on both backends.
async fn lifecycle(store: &Store) -> String {
    let (key, secret) = new_key(
        r#"{"name":"team-a","models":["gpt-4o*"],"limits":{"rpm":5,"tpm":1000},
            "metadata":{"team":"a","user":"u1","tags":["x","y"]}}"#,
    );
    store.insert(&key).await.expect("insert");
    let found = store
        .by_hash(&aigw_governance::secret::hash(secret.expose_secret()))
        .await
        .expect("by hash")
        .expect("found");
    assert_eq!(found, key);
    assert_eq!(store.get(&key.id).await.expect("get"), Some(key.clone()));
    assert!(store.list().await.expect("list").contains(&key));

    let (_, v0) = store.changed_since(0).await.expect("changes");
    let update: KeyUpdate =
        parse_json(br#"{"limits":{"rpm":7},"expires_in":"1h"}"#).expect("update");
    let changed = store
        .update(
            &key.id,
            &update.validate(now_ms()).expect("valid"),
            now_ms(),
        )
        .await
        .expect("update");
    assert_eq!(changed.limits.rpm, Some(7));
    assert_eq!(changed.limits.tpm, None, "limits are replaced as a whole");
    assert!(changed.expires_at.is_some());
    let (rows, v1) = store.changed_since(v0).await.expect("changes");
    assert!(v1 > v0);
    assert_eq!(rows, vec![changed.clone()]);

    let revoked = store.revoke(&key.id, now_ms()).await.expect("revoke");
    assert!(revoked.revoked_at.is_some());
    let again = store
        .revoke(&key.id, now_ms() + 5)
        .await
        .expect("revoke again");
    assert_eq!(
        again.revoked_at, revoked.revoked_at,
        "the first revocation time stays"
    );
    assert!(matches!(
        store.revoke("key_missing", 0).await,
        Err(aigw_governance::store::StoreError::NotFound(_))
    ));
    assert_eq!(revoked.source, KeySource::Store);
    secret.expose_secret().to_owned()
}

#[tokio::test]
async fn sqlite_store_round_trips_keys_and_never_holds_a_secret() {
    let (dir, store, url) = sqlite().await;
    let secret = lifecycle(&store).await;
    // Reopening migrates nothing twice and finds the same keys.
    drop(store);
    let store = Store::connect(&url).await.expect("reopen");
    assert_eq!(store.list().await.expect("list").len(), 1);
    drop(store);
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.path()).expect("dir") {
        bytes.extend(std::fs::read(entry.expect("entry").path()).expect("read"));
    }
    assert!(!bytes.is_empty());
    let canary = secret.as_bytes();
    assert!(
        !bytes.windows(canary.len()).any(|w| w == canary),
        "the secret is in the SQLite files"
    );
    let tail = &canary[canary.len() - 24..];
    assert!(!bytes.windows(tail.len()).any(|w| w == tail));
}

#[tokio::test]
async fn postgres_store_round_trips_keys_and_never_holds_a_secret() {
    let Some(store) = postgres("postgres_store_round_trips_keys").await else {
        return;
    };
    let secret = lifecycle(&store).await;
    // Every column of every row as text: the secret is in none.
    let url = std::env::var("AIGW_TEST_DATABASE_URL").unwrap_or_default();
    let pool = sqlx::postgres::PgPool::connect(&url).await.expect("pg");
    let dump: Vec<(String,)> = sqlx::query_as("SELECT t::text FROM aigw_keys t")
        .fetch_all(&pool)
        .await
        .expect("dump");
    assert!(!dump.is_empty());
    assert!(dump.iter().all(|(row,)| !row.contains(&secret[8..])));
}

/// Two replicas on one store: a key revoked through one is refused by the other within a
/// second (measured), and a key created on one works on the other at once.
async fn replicas_agree(store_a: Store, store_b: Store) -> Duration {
    let refresh = Duration::from_millis(250);
    let a = Arc::new(
        KeyRing::load(vec![], Some(store_a.clone()), Duration::from_secs(60))
            .await
            .expect("ring a"),
    );
    let b = Arc::new(
        KeyRing::load(vec![], Some(store_b), Duration::from_secs(60))
            .await
            .expect("ring b"),
    );
    a.spawn_refresher(refresh);
    b.spawn_refresher(refresh);
    let (key, secret) = new_key(r#"{"name":"replicated"}"#);
    store_a.insert(&key).await.expect("insert");
    assert!(matches!(
        b.lookup(secret.expose_secret()).await,
        Lookup::Key(_)
    ));
    assert!(b.requires_key());
    store_a.revoke(&key.id, now_ms()).await.expect("revoke");
    let revoked = Instant::now();
    loop {
        match b.lookup(secret.expose_secret()).await {
            Lookup::Unusable(..) => break,
            Lookup::Key(_) => {}
            other => panic!("{other:?}"),
        }
        assert!(
            revoked.elapsed() < Duration::from_secs(2),
            "still accepted after 2 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let delay = revoked.elapsed();
    assert!(delay < Duration::from_secs(1), "revocation took {delay:?}");
    assert!(matches!(
        a.lookup("sk-aigw-not-a-key").await,
        Lookup::Unknown
    ));
    delay
}

#[tokio::test]
async fn sqlite_replicas_see_a_revocation_within_a_second() {
    let (_dir, store, url) = sqlite().await;
    let other = Store::connect(&url).await.expect("second connection");
    let delay = replicas_agree(store, other).await;
    eprintln!("revocation seen by the other replica after {delay:?}");
}

#[tokio::test]
async fn postgres_replicas_see_a_revocation_within_a_second() {
    let Some(a) = postgres("postgres_replicas_see_a_revocation").await else {
        return;
    };
    let b = postgres("postgres_replicas_see_a_revocation")
        .await
        .expect("b");
    let delay = replicas_agree(a, b).await;
    eprintln!("revocation seen by the other replica after {delay:?}");
}

/// PostgreSQL stops answering: the keys in memory are served for `stale_after`, then store
/// keys are refused as unavailable; when it answers again, so does the ring — no restart.
#[tokio::test]
async fn a_store_outage_serves_from_memory_then_refuses_then_recovers() {
    let Some(url) = database_url("a_store_outage_serves_from_memory") else {
        return;
    };
    let proxy = Proxy::start(socket_of(&url).expect("address"))
        .await
        .expect("proxy");
    let store = Store::connect(&proxy.url_for(&url))
        .await
        .expect("store via proxy");
    let (key, secret) = new_key(r#"{"name":"outage"}"#);
    store.insert(&key).await.expect("insert");
    let ring = Arc::new(
        KeyRing::load(vec![], Some(store), Duration::from_secs(1))
            .await
            .expect("ring"),
    );
    ring.spawn_refresher(Duration::from_millis(100));
    assert!(matches!(
        ring.lookup(secret.expose_secret()).await,
        Lookup::Key(_)
    ));
    proxy.down();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        matches!(ring.lookup(secret.expose_secret()).await, Lookup::Key(_)),
        "served from memory within stale_after"
    );
    let unknown = tokio::time::timeout(Duration::from_secs(5), ring.lookup("sk-aigw-unknown"))
        .await
        .expect("a lookup never hangs");
    assert!(matches!(unknown, Lookup::Unavailable(_)), "{unknown:?}");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let stale = ring.lookup(secret.expose_secret()).await;
    assert!(matches!(stale, Lookup::Unavailable(_)), "{stale:?}");
    proxy.up();
    let back = Instant::now();
    loop {
        if let Lookup::Key(_) = ring.lookup(secret.expose_secret()).await {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(10), "never recovered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
