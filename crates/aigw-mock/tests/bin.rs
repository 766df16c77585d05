//! The `aigw-mock` binary: the listening line, serving, and stopping on SIGTERM.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test]
async fn prints_the_address_serves_and_stops_on_sigterm() {
    let Some(corpus) = corpus() else { return };
    let mut child = Command::new(env!("CARGO_BIN_EXE_aigw-mock"))
        .args(["--listen", "127.0.0.1:0", "--corpus"])
        .arg(&corpus)
        .args(["--latency-ms", "1", "--event-delay-ms", "0"])
        .env_remove("AIGW_CORPUS")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim_end()
        .strip_prefix("aigw-mock listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let health = client().get(format!("{url}/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let chat = post(
        &format!("{url}/v1/chat/completions"),
        r#"{"model":"m"}"#,
        &[],
    )
    .await;
    assert_eq!(chat.status().as_u16(), 200);

    #[cfg(unix)]
    {
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "{status}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "aigw-mock did not stop on SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    #[cfg(not(unix))]
    {
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

#[test]
fn missing_corpus_is_a_clear_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_aigw-mock"))
        .args(["--corpus", "/definitely/not/a/corpus"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/definitely/not/a/corpus"), "{stderr}");
    assert!(stderr.contains("corpus"), "{stderr}");

    let output = Command::new(env!("CARGO_BIN_EXE_aigw-mock"))
        .env_remove("AIGW_CORPUS")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("AIGW_CORPUS"));
}
