//! Every client protocol × every upstream protocol, plain and streamed (paced like a real
//! upstream), over every recorded exchange of the upstream, 16 requests at a time: the client
//! gets a body its protocol's typed layer accepts (a stream its accumulator folds), saying
//! what the upstream said (text and tool calls).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;

/// One recorded exchange through a client of `client`; `Err` says what went wrong.
async fn check(
    http: &reqwest::Client,
    gateway: &str,
    client: Client,
    upstream: Upstream,
    stream: bool,
    stem: &str,
    exchange: &serde_json::Value,
) -> Result<(), String> {
    let model = format!("{}/replay:{stem}", upstream.provider);
    let body = request_body(client, &model, stream, false);
    let response = client_request(http, gateway, client, &model, stream, &body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let adjustments = response.headers().get("x-aigw-adjustments").cloned();
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!(
            "status {status}: {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    if adjustments.is_none() {
        return Err("no x-aigw-adjustments header".into());
    }
    let answer = if stream {
        fold_stream(client, &String::from_utf8_lossy(&bytes))
    } else {
        typed_response(client, &bytes)
    };
    let expected = match recorded_said(upstream, exchange) {
        Ok(expected) => expected,
        // The recording ends in an error event: so must the client's stream, in its own
        // protocol (its accumulator reports it).
        Err(recorded_error) => {
            return match &answer {
                Err(e) if e.contains("reported an error") => Ok(()),
                _ => Err(format!(
                    "the upstream stream failed ({recorded_error}), the client got {answer:?}"
                )),
            };
        }
    };
    let answer = answer.map_err(|e| {
        let text = String::from_utf8_lossy(&bytes);
        format!(
            "the client cannot read it: {e}\n{}",
            &text[..text.len().min(600)]
        )
    })?;
    let got = said(client, &answer);
    if got != expected {
        return Err(format!("said {got:?}, the upstream said {expected:?}"));
    }
    Ok(())
}

/// Runs every recorded exchange of `upstream` through a client of `client`, 16 at a time;
/// returns the number checked and the failures.
async fn run(
    gateway: &str,
    corpus: &std::path::Path,
    client: Client,
    provider: Upstream,
    stream: bool,
) -> (usize, Vec<String>) {
    use futures_util::StreamExt;
    let http = http();
    let upstream = upstream_for(client, provider);
    let api = if stream {
        upstream.stream_api
    } else {
        upstream.api
    };
    let exchanges = recorded(corpus, upstream.dir, api, stream);
    let failures: Vec<String> = futures_util::stream::iter(&exchanges)
        .map(|(stem, exchange)| {
            let http = &http;
            async move {
                check(http, gateway, client, upstream, stream, stem, exchange)
                    .await
                    .err()
                    .map(|e| {
                        format!(
                            "{client:?} ← {}/{api}/{stem} stream={stream}: {e}",
                            upstream.dir
                        )
                    })
            }
        })
        .buffer_unordered(16)
        .filter_map(|failure| async move { failure })
        .collect()
        .await;
    (exchanges.len(), failures)
}

async fn matrix(client: Client) {
    let Some(corpus) = corpus("matrix") else {
        return;
    };
    let setup = setup(&corpus, "").await;
    // Streams arrive paced, an event per millisecond, as upstreams send them.
    let paced = {
        let mut config = aigw_mock::MockConfig::new(&corpus);
        config.event_delay = std::time::Duration::from_millis(1);
        let mock = aigw_mock::MockServer::start(config.clone()).await.unwrap();
        config.compat = true;
        let compat = aigw_mock::MockServer::start(config).await.unwrap();
        let gateway = Gateway::start(&standard_config(&mock.url(), &compat.url(), "")).await;
        (mock, compat, gateway)
    };
    let mut all = Vec::new();
    let mut counts = Vec::new();
    for provider in [OPENAI, ANTHROPIC, GEMINI, COMPAT] {
        for stream in [false, true] {
            let gateway = if stream {
                &paced.2.url
            } else {
                &setup.gateway.url
            };
            let (n, failures) = run(gateway, &corpus, client, provider, stream).await;
            counts.push(format!(
                "{}{}: {n}",
                provider.provider,
                if stream { " stream" } else { "" }
            ));
            assert!(
                n > 0,
                "{client:?}: no recorded exchanges for {} stream={stream}",
                provider.dir
            );
            all.extend(failures);
        }
    }
    println!("{client:?} client: {}", counts.join(", "));
    assert!(
        all.is_empty(),
        "{} failures:\n{}",
        all.len(),
        all.iter().take(15).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_client_against_every_upstream() {
    matrix(Client::Chat).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_client_against_every_upstream() {
    matrix(Client::Responses).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_client_against_every_upstream() {
    matrix(Client::Messages).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gemini_client_against_every_upstream() {
    matrix(Client::Gemini).await;
}
