//! Every client protocol × every upstream protocol, plain and streamed, over every recorded
//! exchange of the upstream: the client gets a body its protocol's typed layer accepts (a
//! stream its accumulator folds), saying what the upstream said (text and tool calls).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;

/// Runs every recorded exchange of `upstream` through a client of `client`; returns the
/// number checked and the failures.
async fn run(
    setup: &Setup,
    corpus: &std::path::Path,
    client: Client,
    provider: Upstream,
    stream: bool,
) -> (usize, Vec<String>) {
    let http = http();
    let upstream = upstream_for(client, provider);
    let api = if stream {
        upstream.stream_api
    } else {
        upstream.api
    };
    let mut failures = Vec::new();
    let exchanges = recorded(corpus, upstream.dir, api, stream);
    for (stem, exchange) in &exchanges {
        let model = format!("{}/replay:{stem}", upstream.provider);
        let body = request_body(client, &model, stream, false);
        let what = format!("{client:?} ← {}/{api}/{stem} stream={stream}", upstream.dir);
        let response =
            match client_request(&http, &setup.gateway.url, client, &model, stream, &body)
                .send()
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{what}: {e}"));
                    continue;
                }
            };
        let status = response.status();
        let adjustments = response.headers().get("x-aigw-adjustments").cloned();
        let bytes = response.bytes().await.unwrap();
        if status != 200 {
            failures.push(format!(
                "{what}: status {status}: {}",
                String::from_utf8_lossy(&bytes)
            ));
            continue;
        }
        if adjustments.is_none() {
            failures.push(format!("{what}: no x-aigw-adjustments header"));
        }
        let answer = if stream {
            fold_stream(client, &String::from_utf8_lossy(&bytes))
        } else {
            typed_response(client, &bytes)
        };
        let expected = recorded_said(upstream, exchange);
        if let Err(recorded_error) = &expected {
            // The recording ends in an error event: so must the client's stream, in its own
            // protocol (its accumulator reports it).
            match &answer {
                Err(e) if e.contains("reported an error") => {}
                _ => failures.push(format!(
                    "{what}: the upstream stream failed ({recorded_error}), the client got {answer:?}"
                )),
            }
            continue;
        }
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                let text = String::from_utf8_lossy(&bytes);
                failures.push(format!(
                    "{what}: the client cannot read it: {e}\n{}",
                    &text[..text.len().min(600)]
                ));
                continue;
            }
        };
        let got = said(client, &answer);
        let expected = expected.unwrap();
        if got != expected {
            failures.push(format!(
                "{what}: said {got:?}, the upstream said {expected:?}"
            ));
        }
    }
    (exchanges.len(), failures)
}

async fn matrix(client: Client) {
    let Some(corpus) = corpus("matrix") else {
        return;
    };
    let setup = setup(&corpus, "").await;
    let mut all = Vec::new();
    let mut counts = Vec::new();
    for provider in [OPENAI, ANTHROPIC, GEMINI, COMPAT] {
        for stream in [false, true] {
            let (n, failures) = run(&setup, &corpus, client, provider, stream).await;
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
