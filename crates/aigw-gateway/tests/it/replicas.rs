//! The `aigw` binary as a user runs it, several processes at once: rate limits exact across
//! three replicas sharing Redis (requests, tokens, concurrency) and on one replica with
//! in-process counters; a key revoked on one replica refused by another (shared PostgreSQL)
//! within a second, measured; `aigw keys` and `aigw check`; no secret in any log.
#![allow(clippy::unwrap_used)]

use crate::common;

use aigw_governance::testing::{database_url, redis_url};
use aigw_mock::{MockConfig, MockServer};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_aigw");
const ADMIN: &str = "admin-key-for-the-replica-tests";

/// A running `aigw serve`.
struct Replica {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A configuration file in `dir` with the store, counters and the mock's OpenAI provider.
fn write_config(dir: &std::path::Path, store: &str, counters: &str, mock: &str) -> String {
    let path = dir.join("aigw.toml");
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"

[store]
url = "{store}"
key_refresh_ms = 100

[limits]
counters = "{counters}"

[providers.oa]
kind = "openai"
base_url = "{mock}/v1"
key_env = "OA_KEY"

[[routes]]
model = "gpt-4o-mini"
targets = ["oa/gpt-4o-mini"]
"#
    );
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// `aigw <sub> --config <config>` with the test environment.
fn command(sub: &str, config: &str) -> Command {
    let mut c = Command::new(BIN);
    c.arg(sub);
    c.env("OA_KEY", "sk-upstream-key-0123456789")
        .env("AIGW_ADMIN_KEY", ADMIN)
        .env(
            "AIGW_LOG",
            "debug,hyper=info,h2=info,reqwest=info,rustls=info",
        )
        .env_remove("AIGW_CONFIG")
        .env_remove("RUST_BACKTRACE")
        .arg("--config")
        .arg(config);
    c
}

fn replica(config: &str) -> Replica {
    let mut child = command("serve", config)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let mut stderr = child.stderr.take().unwrap();
    let sink = log.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("aigw listening on ")
        .unwrap_or_else(|| panic!("no listening line: {line:?}; log: {}", log.lock().unwrap()))
        .to_owned();
    Replica { child, url, log }
}

/// `aigw keys …` on the store of `config`; its JSON output.
fn keys(config: &str, args: &[&str]) -> Value {
    let out = command("keys", config)
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "aigw keys {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A Chat request. Its `max_tokens` makes the token reservation (input estimate + max output)
/// at least what the mock's recording reports using (922 tokens, most of them a prompt far
/// longer than this one): a reservation below the real use lets a request in while another is
/// in flight at the limit's edge, and the tpm test counts exactly.
fn chat(url: &str, key: &str) -> reqwest::RequestBuilder {
    common::http()
        .post(format!("{url}/v1/chat/completions"))
        .bearer_auth(key)
        .json(&json!({"model": "gpt-4o-mini", "max_tokens": 2000,
                      "messages": [{"role": "user", "content": "Say hello."}]}))
}

/// Sends `n` requests spread evenly over `over`, round-robin over `replicas`; the status and
/// `retry-after` of each.
async fn spread(
    replicas: &[&Replica],
    key: &str,
    n: usize,
    over: Duration,
) -> Vec<(u16, Option<u64>)> {
    let mut tick = tokio::time::interval(over / n as u32);
    let mut tasks = Vec::new();
    for i in 0..n {
        tick.tick().await;
        let request = chat(&replicas[i % replicas.len()].url, key);
        tasks.push(tokio::spawn(async move {
            let response = request.send().await.unwrap();
            let retry = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse().ok());
            (response.status().as_u16(), retry)
        }));
    }
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

fn count(results: &[(u16, Option<u64>)], status: u16) -> usize {
    results.iter().filter(|(s, _)| *s == status).count()
}

/// Every refusal is a 429 with a `retry-after` within the window.
fn refusals_say_when(results: &[(u16, Option<u64>)]) {
    for (status, retry) in results {
        if *status != 200 {
            assert_eq!(*status, 429);
            assert!(retry.is_some_and(|r| (1..=60).contains(&r)), "{retry:?}");
        }
    }
}

/// No secret in any log line of any replica.
fn no_secret_logged(replicas: &[&Replica], secrets: &[&str]) {
    for r in replicas {
        let log = r.log.lock().unwrap();
        assert!(log.contains("aigw listening"), "the log was captured");
        for secret in secrets {
            assert!(!log.contains(&secret[8..]), "a secret is in the log");
        }
    }
}

/// Writes a measured figure where CI's log shows it.
fn figure(text: &str) {
    let _ = writeln!(std::io::stderr(), "FIGURE {text}");
}

struct Fleet {
    _dir: tempfile::TempDir,
    _mock: MockServer,
    config: String,
}

async fn fleet(test: &str, counters: Option<&str>, latency: Duration) -> Option<Fleet> {
    let corpus = common::corpus(test)?;
    let dir = tempfile::tempdir().unwrap();
    let store = match database_url(test) {
        Some(url) if counters.is_some() => url,
        Some(_) | None if counters.is_none() => {
            format!("sqlite://{}", dir.path().join("aigw.db").display())
        }
        _ => return None,
    };
    let mut config = MockConfig::new(corpus);
    config.latency = latency;
    let mock = MockServer::start(config).await.unwrap();
    let config = write_config(
        dir.path(),
        &store,
        counters.unwrap_or("memory"),
        &mock.url(),
    );
    Some(Fleet {
        _dir: dir,
        _mock: mock,
        config,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_sharing_redis_let_exactly_the_requests_per_minute_through() {
    let test = "three_replicas_sharing_redis_let_exactly_the_requests_per_minute_through";
    let Some(redis) = redis_url(test) else { return };
    let Some(f) = fleet(test, Some(&redis), Duration::ZERO).await else {
        return;
    };
    let created = keys(&f.config, &["create", "--name", "rpm-100", "--rpm", "100"]);
    let secret = created["secret"].as_str().unwrap();
    let (a, b, c) = (replica(&f.config), replica(&f.config), replica(&f.config));
    let results = spread(&[&a, &b, &c], secret, 600, Duration::from_secs(10)).await;
    let ok = count(&results, 200);
    figure(&format!(
        "3 replicas, shared Redis, rpm 100: 600 requests in 10 s -> {ok} answered, {} refused 429",
        count(&results, 429)
    ));
    assert_eq!(ok, 100);
    assert_eq!(count(&results, 429), 500);
    refusals_say_when(&results);
    no_secret_logged(&[&a, &b, &c], &[secret]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_sharing_redis_let_exactly_the_tokens_per_minute_through() {
    let test = "three_replicas_sharing_redis_let_exactly_the_tokens_per_minute_through";
    let Some(redis) = redis_url(test) else { return };
    let Some(f) = fleet(test, Some(&redis), Duration::ZERO).await else {
        return;
    };
    let (a, b, c) = (replica(&f.config), replica(&f.config), replica(&f.config));
    // What one request uses (the mock replays the same recording every time).
    let probe = keys(&f.config, &["create", "--name", "probe"]);
    let answer: Value = chat(&a.url, probe["secret"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let used = answer["usage"]["prompt_tokens"].as_u64().unwrap()
        + answer["usage"]["completion_tokens"].as_u64().unwrap();
    let tpm = (10 * used).to_string();
    let created = keys(&f.config, &["create", "--name", "tpm", "--tpm", &tpm]);
    let secret = created["secret"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let results = spread(&[&a, &b, &c], secret, 600, Duration::from_secs(10)).await;
    let ok = count(&results, 200);
    figure(&format!(
        "3 replicas, shared Redis, tpm {tpm} ({used} tokens a request): 600 requests in 10 s -> \
         {ok} answered, {} refused 429",
        count(&results, 429)
    ));
    assert_eq!(ok, 10);
    refusals_say_when(&results);
    no_secret_logged(&[&a, &b, &c], &[secret]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_sharing_redis_hold_the_concurrency_limit() {
    let test = "three_replicas_sharing_redis_hold_the_concurrency_limit";
    let Some(redis) = redis_url(test) else { return };
    let Some(f) = fleet(test, Some(&redis), Duration::from_millis(1500)).await else {
        return;
    };
    let created = keys(
        &f.config,
        &["create", "--name", "c5", "--max-concurrency", "5"],
    );
    let secret = created["secret"].as_str().unwrap();
    let replicas = [replica(&f.config), replica(&f.config), replica(&f.config)];
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let request = chat(&replicas[i % 3].url, secret);
            tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == 200).count();
    figure(&format!(
        "3 replicas, shared Redis, max_concurrency 5: 30 requests at once (1.5 s each) -> {ok} \
         answered, {} refused 429",
        statuses.iter().filter(|s| **s == 429).count()
    ));
    assert_eq!(ok, 5);
    assert!(statuses.iter().all(|s| *s == 200 || *s == 429));
    // All ended: the slots are back.
    assert_eq!(
        chat(&replicas[2].url, secret)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_replica_with_in_process_counters_lets_exactly_the_requests_per_minute_through() {
    let test = "one_replica_with_in_process_counters";
    let Some(f) = fleet(test, None, Duration::ZERO).await else {
        return;
    };
    let created = keys(&f.config, &["create", "--name", "solo", "--rpm", "100"]);
    let secret = created["secret"].as_str().unwrap();
    let solo = replica(&f.config);
    let results = spread(&[&solo], secret, 600, Duration::from_secs(10)).await;
    let ok = count(&results, 200);
    figure(&format!(
        "1 replica, in-process counters, rpm 100: 600 requests in 10 s -> {ok} answered"
    ));
    assert_eq!(ok, 100);
    assert_eq!(count(&results, 429), 500);
    refusals_say_when(&results);
    no_secret_logged(&[&solo], &[secret]);
}

/// Two replicas on one PostgreSQL: a key created through A's admin API works on B at once; revoked through A, B refuses it within a second (measured).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_revoked_on_one_replica_is_refused_by_another_within_a_second() {
    let test = "a_key_revoked_on_one_replica_is_refused_by_another";
    let Some(pg) = database_url(test) else { return };
    let Some(corpus) = common::corpus(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mock = MockServer::start(MockConfig::new(corpus)).await.unwrap();
    let config = write_config(dir.path(), &pg, "memory", &mock.url());
    let (a, b) = (replica(&config), replica(&config));
    let http = common::http();
    let created: Value = http
        .post(format!("{}/admin/keys", a.url))
        .bearer_auth(ADMIN)
        .json(&json!({"name": "revoked-soon"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(chat(&b.url, secret).send().await.unwrap().status(), 200);
    let revoke = http
        .post(format!("{}/admin/keys/{id}/revoke", a.url))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 200);
    let revoked = Instant::now();
    loop {
        let status = chat(&b.url, secret).send().await.unwrap().status().as_u16();
        if status == 401 {
            break;
        }
        assert_eq!(status, 200);
        assert!(
            revoked.elapsed() < Duration::from_secs(3),
            "still accepted after 3 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let delay = revoked.elapsed();
    figure(&format!(
        "revoked on replica A, refused by replica B after {} ms (key_refresh_ms = 100)",
        delay.as_millis()
    ));
    assert!(delay < Duration::from_secs(1), "{delay:?}");
    assert_eq!(chat(&a.url, secret).send().await.unwrap().status(), 401);
    no_secret_logged(&[&a, &b], &[secret]);
}

/// `aigw check` names what is wrong: an unsupported store URL, a `[[keys]]` entry whose
/// secret is missing, a limit of zero, a counters URL that is not Redis, a budget period
/// typo, a price file with a negative or a missing price.
#[test]
fn aigw_check_names_a_bad_store_or_key_entry() {
    let dir = tempfile::tempdir().unwrap();
    let base = |extra: &str| {
        let path = dir.path().join("bad.toml");
        std::fs::write(
            &path,
            format!("[server]\nlisten = \"127.0.0.1:0\"\n{extra}"),
        )
        .unwrap();
        let out = command("check", &path.display().to_string())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let sqlite = format!("sqlite://{}", dir.path().join("ok.db").display());
    let negative = dir.path().join("negative.toml");
    std::fs::write(
        &negative,
        "[[price]]\nprovider = \"oa\"\nmodel = \"m\"\nsince = \"2026-01-01\"\ninput = -1.0\noutput = 2.0\n",
    )
    .unwrap();
    let negative = negative.display();
    let missing = dir.path().join("missing.toml");
    std::fs::write(
        &missing,
        "[[price]]\nprovider = \"oa\"\nmodel = \"m\"\nsince = \"2026-01-01\"\ninput = 1.0\n",
    )
    .unwrap();
    let missing = missing.display();
    let cases = [
        ("[store]\nurl = \"mysql://x\"\n".to_owned(), "[store] url"),
        (
            format!(
                "[store]\nurl = \"{sqlite}\"\n[[keys]]\nname = \"ci\"\nsecret_env = \"NOT_SET_ANYWHERE\"\n"
            ),
            "keys[0] (\"ci\"): environment variable NOT_SET_ANYWHERE",
        ),
        (
            format!(
                "[store]\nurl = \"{sqlite}\"\n[[keys]]\nname = \"z\"\nsecret_env = \"OA_KEY\"\nlimits = {{ rpm = 0 }}\n"
            ),
            "limits.rpm: must be at least 1",
        ),
        (
            format!("[store]\nurl = \"{sqlite}\"\n[limits]\ncounters = \"memcached://x\"\n"),
            "limits.counters",
        ),
        (
            format!("[store]\nurl = \"{sqlite}\"\n[limits]\non_store_error = \"maybe\"\n"),
            "on_store_error",
        ),
        (
            format!(
                "[store]\nurl = \"{sqlite}\"\n[[keys]]\nname = \"b\"\nsecret_env = \"OA_KEY\"\n\
                 budget = {{ max_usd = \"5\", period = \"dayly\" }}\n"
            ),
            "keys[0] (\"b\"): budget.period: \"dayly\" is not one of daily, weekly, monthly, total",
        ),
        (
            format!("[store]\nurl = \"{sqlite}\"\n[pricing]\nfile = \"{negative}\"\n"),
            "price[0] (oa/m): input: must not be negative",
        ),
        (
            format!("[store]\nurl = \"{sqlite}\"\n[pricing]\nfile = \"{missing}\"\n"),
            "output",
        ),
    ];
    for (extra, says) in cases {
        let (ok, stderr) = base(&extra);
        assert!(!ok, "{extra}");
        assert!(stderr.contains(says), "{extra}\n{stderr}");
    }
    let (ok, stderr) = base(&format!("[store]\nurl = \"{sqlite}\"\n"));
    assert!(ok, "{stderr}");
}

/// Rows in the spend log of the SQLite store at `url`, through `aigw usage --json`.
fn spend_rows(config: &str) -> i64 {
    let out = command("usage", config)
        .args(["--since", "1h", "--by", "day", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["requests"].as_i64().unwrap())
        .sum()
}

/// Sends requests, 32 at a time, until `stop`; the number answered 200.
async fn load(url: String, key: String, stop: Arc<std::sync::atomic::AtomicBool>) -> usize {
    use futures_util::StreamExt;
    let answered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = answered.clone();
    futures_util::stream::iter(0..)
        .take_while(|_| {
            let go = !stop.load(std::sync::atomic::Ordering::Relaxed);
            async move { go }
        })
        .for_each_concurrent(32, |_| {
            let (url, key, counter) = (url.clone(), key.clone(), counter.clone());
            async move {
                if let Ok(r) = chat(&url, &key).send().await
                    && r.status() == 200
                    && r.bytes().await.is_ok()
                {
                    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        })
        .await;
    answered.load(std::sync::atomic::Ordering::Relaxed)
}

/// The spend log holds a row for every answered request after a graceful stop, and after a
/// `kill -9` loses at most one batch (what was not yet flushed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spend_log_holds_every_request_and_a_kill_loses_at_most_a_batch() {
    let test = "the_spend_log_holds_every_request";
    let Some(f) = fleet(test, None, Duration::ZERO).await else {
        return;
    };
    let created = keys(&f.config, &["create", "--name", "spender"]);
    let key = created["secret"].as_str().unwrap().to_owned();

    // Graceful: SIGTERM after 3 s of load; every answered request has its row.
    let g = replica(&f.config);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let running = tokio::spawn(load(g.url.clone(), key.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let answered = running.await.unwrap();
    let pid = g.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut g = g;
    let exited = g.child.wait().unwrap();
    assert!(exited.success(), "{exited:?}");
    assert!(g.log.lock().unwrap().contains("spend log flushed"));
    let rows = spend_rows(&f.config);
    figure(&format!(
        "spend log, graceful stop: {answered} requests answered, {rows} rows written"
    ));
    assert!(answered > 100);
    assert_eq!(rows as usize, answered);

    // kill -9 in the middle of the load.
    let before = rows as usize;
    let g = replica(&f.config);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let running = tokio::spawn(load(g.url.clone(), key.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = g.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-KILL", &pid])
            .status()
            .unwrap()
            .success()
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let answered = running.await.unwrap();
    for line in g
        .log
        .lock()
        .unwrap()
        .lines()
        .filter(|l| l.contains("spend batch"))
    {
        eprintln!("{line}");
    }
    drop(g);
    let rows = spend_rows(&f.config) as usize - before;
    let lost = answered.saturating_sub(rows);
    figure(&format!(
        "spend log, kill -9 under load: {answered} requests answered, {rows} rows written, \
         {lost} lost (batch 500, flush every 200 ms)"
    ));
    assert!(answered > 100);
    assert!(lost <= 500, "{lost} rows lost");
}
