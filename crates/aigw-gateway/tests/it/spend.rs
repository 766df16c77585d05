//! Cost and budgets through the gateway, in process: the `x-aigw-cost` of recorded exchanges
//! equals figures computed by hand (cache reads and writes, reasoning), passthrough and
//! translated alike; a stream's cost comment on request; a budget shared by two replicas
//! (Redis counters, PostgreSQL store) lets exactly the requests it pays for through, then
//! answers 429 `budget_exceeded` in the client's shape, and a new period restores it.
#![allow(clippy::unwrap_used)]

use crate::common;

use aigw_governance::testing::{database_url, redis_url};
use common::*;
use serde_json::{Value, json};
use std::time::Duration;

/// Prices for the mock's `replay:*` models, per provider of the standard configuration
/// (USD per million tokens).
const PRICES: &str = r#"
[[price]]
provider = "oa"
model = "replay:*"
since = "2020-01-01"
input = 2.50
output = 10.00
cache_read = 1.25
reasoning = 20.00

[[price]]
provider = "an"
model = "replay:*"
since = "2020-01-01"
input = 3.00
output = 15.00
cache_read = 0.30
cache_write_5m = 3.75
cache_write_1h = 6.00

[[price]]
provider = "ge"
model = "replay:*"
since = "2020-01-01"
input = 1.25
output = 10.00
cache_read = 0.3125

[[price]]
provider = "co"
model = "replay:*"
since = "2020-01-01"
input = 0.59
output = 0.79
"#;

fn priced_config(dir: &std::path::Path, mock: &str, compat: &str, extra: &str) -> String {
    let prices = dir.join("prices.toml");
    std::fs::write(&prices, PRICES).unwrap();
    format!(
        "{}\n[pricing]\nfile = \"{}\"\n",
        standard_config(mock, compat, extra),
        prices.display()
    )
}

async fn cost_of(gateway: &Gateway, client: Client, model: &str) -> (String, Option<i64>) {
    let body = request_body(client, model, false, false);
    let response = client_request(&http(), &gateway.url, client, model, false, &body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{model}");
    let header = response.headers()["x-aigw-cost"]
        .to_str()
        .unwrap()
        .to_owned();
    let id = response.headers()["x-aigw-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let _ = response.bytes().await.unwrap();
    let record = gateway.state.recent.find(&id).unwrap();
    (header, record.cost_pico)
}

#[tokio::test]
async fn costs_equal_figures_computed_by_hand() {
    let Some(corpus) = corpus("costs_equal_figures_computed_by_hand") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let compat = mock(&corpus, true).await;
    let mock = mock(&corpus, false).await;
    let gateway = Gateway::start(&priced_config(dir.path(), &mock.url(), &compat.url(), "")).await;
    let cases: [(Client, &str, &str, i64); 6] = [
        // OpenAI, prompt cache: 8 uncached × $2.50 + 4,012 cached × $1.25 + 4 out × $10
        // = $0.000020 + $0.005015 + $0.000040 = $0.005075.
        (Client::Chat, "oa/replay:0108", "0.005075", 5_075_000_000),
        // OpenAI, reasoning: 126 in × $2.50 + 21 out × $10 + 64 reasoning × $20
        // = $0.000315 + $0.000210 + $0.001280 = $0.001805.
        (
            Client::Chat,
            "oa/replay:0001-test-mixed-content-ordering-openai-chat-0",
            "0.001805",
            1_805_000_000,
        ),
        // Anthropic, cache read and 5-minute write: 6 in × $3 + 574 written × $3.75 +
        // 20,443 read × $0.30 + 489 out × $15 = $0.000018 + $0.0021525 + $0.0061329 +
        // $0.007335 = $0.0156384.
        (
            Client::Messages,
            "an/replay:0244",
            "0.015638",
            15_638_400_000,
        ),
        // The same recording to a Chat client (translated): the same usage, the same cost.
        (Client::Chat, "an/replay:0244", "0.015638", 15_638_400_000),
        // Gemini, cached content and thoughts: 8 uncached × $1.25 + 3,512 cached × $0.3125 +
        // 2 out × $10 + 42 thoughts × $10 = $0.00001 + $0.0010975 + $0.00002 + $0.00042 =
        // $0.0015475.
        (Client::Gemini, "ge/replay:0015", "0.001548", 1_547_500_000),
        // An OpenAI-compatible provider: 1,515 in × $0.59 + 28 out × $0.79 = $0.00089385 +
        // $0.00002212 = $0.00091597.
        (
            Client::Chat,
            "co/replay:0003-test-mixed-content-ordering-groq-1",
            "0.000916",
            915_970_000,
        ),
    ];
    for (client, model, header, pico) in cases {
        let (got_header, got_pico) = cost_of(&gateway, client, model).await;
        assert_eq!(
            (got_header.as_str(), got_pico),
            (header, Some(pico)),
            "{client:?} {model}"
        );
    }
    // No price: unknown, never 0.
    let unpriced = Gateway::start(&standard_config(&mock.url(), &compat.url(), "")).await;
    let (header, pico) = cost_of(&unpriced, Client::Chat, "oa/replay:0108").await;
    assert_eq!((header.as_str(), pico), ("unknown", None));
    let metrics = metrics_text(&unpriced.url).await;
    assert!(
        metrics
            .contains("aigw_cost_unknown_total{key=\"-\",provider=\"oa\",model=\"replay:0108\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_stream_s_cost_comes_in_a_closing_comment_when_asked() {
    let Some(corpus) = corpus("a_stream_s_cost_comes_in_a_closing_comment") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mock = mock(&corpus, false).await;
    let gateway = Gateway::start(&priced_config(dir.path(), &mock.url(), &mock.url(), "")).await;
    let model = "an/replay:0080-test-anthropic-code-execution-tool-stream-0";
    for asked in [false, true] {
        let body = request_body(Client::Messages, model, true, false);
        let mut request =
            client_request(&http(), &gateway.url, Client::Messages, model, true, &body);
        if asked {
            request = request.header("x-aigw-cost", "true");
        }
        let response = request.send().await.unwrap();
        let id = response.headers()["x-aigw-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let text = response.text().await.unwrap();
        let record = gateway.state.recent.find(&id).unwrap();
        let cost = aigw_governance::spend::usd(record.cost_pico.unwrap());
        let comment = format!(": x-aigw-cost {cost}\n\n");
        assert_eq!(
            text.ends_with(&comment),
            asked,
            "{asked}: {}",
            &text[text.len().saturating_sub(200)..]
        );
        assert!(record.cost_pico.unwrap() > 0);
    }
}

/// Two replicas, one PostgreSQL, one Redis: a key whose daily budget pays for exactly 4
/// requests gets 4 answers across both, then 429 `budget_exceeded` in each client's shape;
/// the next day (the gateways' clock moved) it answers again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_shared_by_two_replicas_pays_for_exactly_its_requests() {
    let test = "a_budget_shared_by_two_replicas";
    let Some(corpus) = corpus(test) else { return };
    let Some(pg) = database_url(test) else { return };
    let Some(redis) = redis_url(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let mock = mock(&corpus, false).await;
    let extra = format!(
        "[store]\nurl = \"{pg}\"\nkey_refresh_ms = 100\nspend_flush_ms = 50\n[limits]\ncounters = \"{redis}\"\n"
    );
    let config = priced_config(dir.path(), &mock.url(), &mock.url(), &extra);
    let admin = [("AIGW_ADMIN_KEY", "budget-admin")];
    let a = Gateway::open(&config, &admin).await;
    let b = Gateway::open(&config, &admin).await;
    // $0.005075 a request (see costs_equal_figures_computed_by_hand): 4 are $0.0203.
    let created: Value = http()
        .post(format!("{}/admin/keys", a.url))
        .bearer_auth("budget-admin")
        .json(&json!({"name": "budgeted", "budget": {"max_usd": "0.0203", "period": "daily", "soft_usd": "0.01"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert_eq!(created["budget"]["max_usd"], "0.020300", "{created}");
    let send = |url: String, client: Client| {
        let secret = secret.clone();
        async move {
            let model = "oa/replay:0108";
            let mut body = request_body(client, model, false, false);
            body["max_tokens"] = json!(8);
            let request = match client {
                Client::Messages => http()
                    .post(format!("{url}/v1/messages"))
                    .header("x-api-key", &secret)
                    .header("anthropic-version", "2023-06-01"),
                _ => http()
                    .post(format!("{url}/v1/chat/completions"))
                    .bearer_auth(&secret),
            };
            let response = request.json(&body).send().await.unwrap();
            let status = response.status().as_u16();
            let retry = response.headers().get("retry-after").cloned();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
                retry,
            )
        }
    };
    let mut answered = 0;
    for i in 0..8 {
        let url = if i % 2 == 0 {
            a.url.clone()
        } else {
            b.url.clone()
        };
        let (status, body, retry) = send(url, Client::Chat).await;
        match status {
            200 => answered += 1,
            429 => {
                assert_eq!(body["error"]["type"], "budget_exceeded", "{body}");
                assert!(
                    body["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("budget of $0.020300 (daily)")
                );
                let retry: u64 = retry.unwrap().to_str().unwrap().parse().unwrap();
                assert!((1..=86_400).contains(&retry));
            }
            other => panic!("{other}: {body}"),
        }
        // Let the exact cost settle (a round trip after the answer) before the next request.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("FIGURE budget for 4 requests over 2 replicas: {answered} of 8 answered, the rest 429 budget_exceeded\n").as_bytes(),
    );
    assert_eq!(answered, 4);
    // Anthropic's shape too.
    let (status, body, _) = send(b.url.clone(), Client::Messages).await;
    assert_eq!(status, 429);
    assert_eq!(
        (body["type"].as_str(), body["error"]["type"].as_str()),
        (Some("error"), Some("budget_exceeded"))
    );
    // The soft threshold ($0.01) was passed: counted.
    let metrics = metrics_text(&a.url).await;
    assert!(
        metrics.contains("aigw_budget_soft_exceeded_total"),
        "{metrics}"
    );
    // A day later on both replicas' clocks: a new period.
    for g in [&a, &b] {
        g.state
            .clock_offset_ms
            .store(86_400_000, std::sync::atomic::Ordering::Relaxed);
    }
    let (status, body, _) = send(a.url.clone(), Client::Chat).await;
    assert_eq!(status, 200, "{body}");
    // The spend log holds every answered request (written in the background).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let id = created["id"].as_str().unwrap();
    let usage: Value = http()
        .get(format!("{}/admin/usage?key={id}&since=1h", a.url))
        .bearer_auth("budget-admin")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = &usage["rows"][0];
    assert_eq!(row["group"], id, "{usage}");
    assert_eq!(row["requests"], 4 + 4 + 1 + 1, "{usage}");
    assert_eq!(row["cost_usd"], "0.025375", "{usage}");
}
