//! Virtual keys and rate limits through the gateway, in process: each client protocol
//! presents its key its own way; unknown, revoked, expired keys get 401, a model outside the
//! key's list 403, a limit 429 with `retry-after` — each in the client's shape; the admin
//! API; the `x-ratelimit-*` headers; a Redis outage, failing closed and open.
#![allow(clippy::unwrap_used)]

use crate::common;

use aigw_governance::testing::{Proxy, redis_url, socket_of};
use common::*;
use serde_json::{Value, json};
use std::time::Duration;

const ADMIN: &str = "admin-secret-0123456789";

/// `client`'s request for `model`, presenting `key` its protocol's way.
fn keyed(gateway: &str, client: Client, model: &str, key: &str) -> reqwest::RequestBuilder {
    let http = http();
    let body = request_body(client, model, false, false);
    match client {
        Client::Chat => http
            .post(format!("{gateway}/v1/chat/completions"))
            .bearer_auth(key),
        Client::Responses => http
            .post(format!("{gateway}/v1/responses"))
            .bearer_auth(key),
        Client::Messages => http
            .post(format!("{gateway}/v1/messages"))
            .header("x-api-key", key)
            .header("anthropic-version", "2023-06-01"),
        // `?key=`, the other Gemini way (x-goog-api-key is used by the rest of the suite).
        Client::Gemini => http.post(format!(
            "{gateway}/v1beta/models/{model}:generateContent?key={key}"
        )),
    }
    .header("content-type", "application/json")
    .body(body.to_string())
}

use common::send_read as send;

/// The error's message and type as the client's SDK would read them.
fn error_of(client: Client, body: &Value) -> (String, String) {
    let (message, kind) = match client {
        Client::Chat | Client::Responses => ("/error/message", "/error/type"),
        Client::Messages => ("/error/message", "/error/type"),
        Client::Gemini => ("/error/message", "/error/status"),
    };
    if client == Client::Messages {
        assert_eq!(body["type"], "error", "{body}");
    }
    let s = |p: &str| {
        body.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    (s(message), s(kind))
}

fn config(mock: &str, compat: &str, extra: &str) -> String {
    format!(
        "{}\n[[routes]]\nmodel = \"allowed\"\ntargets = [\"oa/gpt-4o-mini\"]\n\
         [[routes]]\nmodel = \"other\"\ntargets = [\"an/claude-sonnet-4-5\"]\n",
        standard_config(mock, compat, extra)
    )
}

#[tokio::test]
async fn keys_from_the_file_work_in_every_protocol_and_refusals_are_in_its_shape() {
    let Some(corpus) = corpus("keys_from_the_file_work_in_every_protocol") else {
        return;
    };
    let compat = mock(&corpus, true).await;
    let mock = mock(&corpus, false).await;
    let extra = "[limits]\ncounters = \"memory\"\n";
    let file = format!(
        "{}\n[[keys]]\nname = \"team-a\"\nsecret_env = \"TEAM_A\"\nmodels = [\"allowed\"]\n\
         [[keys]]\nname = \"old\"\nsecret_env = \"OLD\"\nexpires_at = \"2020-01-01T00:00:00Z\"\n",
        config(&mock.url(), &compat.url(), extra)
    );
    let config = aigw_gateway::Config::parse(&file).unwrap();
    let env: std::collections::HashMap<&str, &str> = UPSTREAM_KEYS
        .into_iter()
        .chain([
            ("TEAM_A", "sk-aigw-team-a-secret"),
            ("OLD", "sk-aigw-old-secret"),
        ])
        .collect();
    let state = aigw_gateway::State::new(&config, |v| env.get(v).map(|s| s.to_string())).unwrap();
    assert!(state.requires_key());
    let gateway = Gateway::start_state(std::sync::Arc::new(state)).await;
    let url = &gateway.url;
    // The model list shows what the key may use.
    let (status, list, _) = send(
        http()
            .get(format!("{url}/v1/models"))
            .bearer_auth("sk-aigw-team-a-secret"),
    )
    .await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert_eq!(ids, ["allowed"], "{list}");
    for client in CLIENTS {
        let (status, body, _) = send(keyed(url, client, "allowed", "sk-aigw-team-a-secret")).await;
        assert_eq!(status, 200, "{client:?} {body}");

        let (status, body, _) = send(keyed(url, client, "other", "sk-aigw-team-a-secret")).await;
        assert_eq!(status, 403, "{client:?} {body}");
        let (message, _) = error_of(client, &body);
        assert!(message.contains("may not use model \"other\""), "{message}");

        let (status, body, _) = send(keyed(url, client, "allowed", "sk-aigw-nope")).await;
        assert_eq!(status, 401, "{client:?} {body}");
        assert_eq!(error_of(client, &body).0, "invalid gateway key");

        let (status, body, _) = send(keyed(url, client, "allowed", "sk-aigw-old-secret")).await;
        assert_eq!(status, 401, "{client:?} {body}");
        assert_eq!(error_of(client, &body).0, "this gateway key has expired");
    }
}

#[tokio::test]
async fn the_admin_api_creates_lists_updates_and_revokes_keys() {
    let Some(corpus) = corpus("the_admin_api_creates_lists_updates_and_revokes_keys") else {
        return;
    };
    let compat = mock(&corpus, true).await;
    let mock = mock(&corpus, false).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("aigw.db");
    let extra = format!(
        "[store]\nurl = \"sqlite://{}\"\nkey_refresh_ms = 50\n",
        db.display()
    );
    let gateway = Gateway::open(
        &config(&mock.url(), &compat.url(), &extra),
        &[("AIGW_ADMIN_KEY", ADMIN)],
    )
    .await;
    let url = &gateway.url;
    let http = http();
    let admin = |method: reqwest::Method, path: &str| {
        http.request(method, format!("{url}/admin{path}"))
            .bearer_auth(ADMIN)
    };
    // No key in the store yet: the gateway is open (loopback).
    let (status, _, _) = send(keyed(url, Client::Chat, "allowed", "anything")).await;
    assert_eq!(status, 200);

    // Guarded: no key, a wrong key.
    let (status, body, _) = send(http.get(format!("{url}/admin/keys"))).await;
    assert_eq!(status, 401, "{body}");
    let (status, _, _) = send(http.get(format!("{url}/admin/keys")).bearer_auth("nope")).await;
    assert_eq!(status, 401);

    // Bad bodies name the field.
    for (body, says) in [
        ("{not json", "not valid JSON"),
        (r#"{"name":"x","colour":1}"#, "unknown field `colour`"),
        (r#"{"name":"x","limits":{"rpm":-1}}"#, "limits.rpm"),
        (r#"{"name":"x","limits":{"tpm":0}}"#, "limits.tpm"),
        (r#"{"name":"x","expires_at":"tomorrow"}"#, "expires_at"),
        (r#"{"name":"x","models":["a*b"]}"#, "models[0]"),
    ] {
        let (status, answer, _) = send(admin(reqwest::Method::POST, "/keys").body(body)).await;
        assert_eq!(status, 400, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(says), "{body}: {message}");
    }

    // Create: the secret once.
    let (status, created, _) =
        send(admin(reqwest::Method::POST, "/keys").body(
            r#"{"name":"ci","models":["allowed"],"limits":{"rpm":50},"metadata":{"team":"t"}}"#,
        ))
        .await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("sk-aigw-") && secret.len() >= 8 + 64);
    assert_eq!(created["status"], "active");

    // Now keys are needed, and this one works (a virtual key does not open the admin API).
    let (status, _, _) = send(keyed(url, Client::Chat, "allowed", "anything")).await;
    assert_eq!(status, 401);
    let (status, _, headers) = send(keyed(url, Client::Messages, "allowed", &secret)).await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-ratelimit-limit-requests"], "50");
    assert_eq!(headers["x-ratelimit-remaining-requests"], "49");
    let (status, _, _) = send(http.get(format!("{url}/admin/keys")).bearer_auth(&secret)).await;
    assert_eq!(status, 401);

    // List and show never show the secret.
    let (status, list, _) = send(admin(reqwest::Method::GET, "/keys")).await;
    assert_eq!(status, 200);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&secret));
    let (status, shown, _) = send(admin(reqwest::Method::GET, &format!("/keys/{id}"))).await;
    assert_eq!((status, shown["name"].as_str()), (200, Some("ci")));
    let (status, _, _) = send(admin(reqwest::Method::GET, "/keys/key_nope")).await;
    assert_eq!(status, 404);

    // Update: another allow-list.
    let (status, updated, _) =
        send(admin(reqwest::Method::PATCH, &format!("/keys/{id}")).body(r#"{"models":["other"]}"#))
            .await;
    assert_eq!(status, 200, "{updated}");
    let (status, _, _) = send(keyed(url, Client::Chat, "allowed", &secret)).await;
    assert_eq!(status, 403);
    let (status, body, _) = send(
        admin(reqwest::Method::PATCH, &format!("/keys/{id}")).body(r#"{"limits":{"rpm":"x"}}"#),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("limits.rpm")
    );

    // Expire it: 401; then revoke it: 401, in each protocol's shape.
    let past = r#"{"expires_at":"2020-01-01T00:00:00Z"}"#;
    let (status, _, _) =
        send(admin(reqwest::Method::PATCH, &format!("/keys/{id}")).body(past)).await;
    assert_eq!(status, 200);
    let (status, body, _) = send(keyed(url, Client::Gemini, "other", &secret)).await;
    assert_eq!(status, 401);
    assert_eq!(
        error_of(Client::Gemini, &body).0,
        "this gateway key has expired"
    );
    let clear = r#"{"expires_at":null}"#;
    send(admin(reqwest::Method::PATCH, &format!("/keys/{id}")).body(clear)).await;
    let (status, _, _) = send(keyed(url, Client::Chat, "other", &secret)).await;
    assert_eq!(status, 200);
    let (status, revoked, _) =
        send(admin(reqwest::Method::POST, &format!("/keys/{id}/revoke"))).await;
    assert_eq!((status, revoked["status"].as_str()), (200, Some("revoked")));
    for client in CLIENTS {
        let (status, body, _) = send(keyed(url, client, "other", &secret)).await;
        assert_eq!(status, 401, "{client:?}");
        assert_eq!(
            error_of(client, &body).0,
            "this gateway key has been revoked"
        );
    }

    // The SQLite file never held the secret.
    drop(gateway);
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    assert!(!bytes.windows(32).any(|w| w == &secret.as_bytes()[8..40]));
}

#[tokio::test]
async fn the_admin_api_is_off_without_an_admin_key() {
    let Some(corpus) = corpus("the_admin_api_is_off_without_an_admin_key") else {
        return;
    };
    let mock = mock(&corpus, false).await;
    let gateway = Gateway::start(&config(&mock.url(), &mock.url(), "")).await;
    let (status, body, _) = send(http().get(format!("{}/admin/keys", gateway.url))).await;
    assert_eq!(status, 404);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("AIGW_ADMIN_KEY")
    );
}

/// A key with 3 requests a minute: 3 answers counting down `x-ratelimit-remaining-requests`,
/// then 429 in the client's shape with `retry-after`; the route's own limit too.
#[tokio::test]
async fn limits_answer_429_in_the_client_s_shape_with_retry_after() {
    let Some(corpus) = corpus("limits_answer_429_in_the_client_s_shape") else {
        return;
    };
    let mock = mock(&corpus, false).await;
    let file = format!(
        "{}\n[[keys]]\nname = \"small\"\nsecret_env = \"SMALL\"\nlimits = {{ rpm = 3, tpm = 100000 }}\n\
         [[keys]]\nname = \"big\"\nsecret_env = \"BIG\"\n\
         [[routes]]\nmodel = \"scarce\"\ntargets = [\"oa/gpt-4o-mini\"]\nlimits = {{ rpm = 2 }}\n",
        config(&mock.url(), &mock.url(), "")
    );
    let config = aigw_gateway::Config::parse(&file).unwrap();
    let env: std::collections::HashMap<&str, &str> = UPSTREAM_KEYS
        .into_iter()
        .chain([("SMALL", "sk-aigw-small"), ("BIG", "sk-aigw-big")])
        .collect();
    let state = aigw_gateway::State::new(&config, |v| env.get(v).map(|s| s.to_string())).unwrap();
    let gateway = Gateway::start_state(std::sync::Arc::new(state)).await;
    let url = &gateway.url;
    for remaining in ["2", "1", "0"] {
        let (status, body, h) = send(keyed(url, Client::Chat, "allowed", "sk-aigw-small")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(h["x-ratelimit-remaining-requests"], remaining);
        assert_eq!(h["x-ratelimit-limit-tokens"], "100000");
        let tokens: u64 = h["x-ratelimit-remaining-tokens"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(tokens < 100_000);
    }
    for client in CLIENTS {
        let (status, body, h) = send(keyed(url, client, "allowed", "sk-aigw-small")).await;
        assert_eq!(status, 429, "{client:?} {body}");
        let retry: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        assert_eq!(h["x-ratelimit-remaining-requests"], "0");
        let (message, kind) = error_of(client, &body);
        assert!(
            message.contains("rate limit of 3 requests per minute"),
            "{message}"
        );
        let expected = match client {
            Client::Chat | Client::Responses => "rate_limit_error",
            Client::Messages => "rate_limit_error",
            Client::Gemini => "RESOURCE_EXHAUSTED",
        };
        assert_eq!(kind, expected, "{client:?} {body}");
    }
    // The route's limit holds whoever calls.
    for _ in 0..2 {
        let (status, _, _) = send(keyed(url, Client::Chat, "scarce", "sk-aigw-big")).await;
        assert_eq!(status, 200);
    }
    let (status, body, _) = send(keyed(url, Client::Chat, "scarce", "sk-aigw-big")).await;
    assert_eq!(status, 429);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("route scarce")
    );
    let metrics = metrics_text(url).await;
    assert!(
        metrics.contains("aigw_rate_limited_total{limit=\"requests\"} 5"),
        "{metrics}"
    );
}

/// Redis goes away: `closed` answers 503 in the client's shape, `open` serves and counts;
/// Redis back: limits hold again without a restart.
#[tokio::test]
async fn a_redis_outage_is_503_when_closed_and_served_when_open() {
    let Some(corpus) = corpus("a_redis_outage_is_503_when_closed") else {
        return;
    };
    let Some(redis) = redis_url("a_redis_outage_is_503_when_closed") else {
        return;
    };
    let proxy = Proxy::start(socket_of(&redis).unwrap()).await.unwrap();
    let via = proxy.url_for(&redis);
    let mock = mock(&corpus, false).await;
    // Counters in the shared Redis outlive the test: a new key id each run.
    let run = aigw_governance::secret::new_id().unwrap();
    let start = |policy: &'static str, name: &'static str| {
        let file = format!(
            "{}\n[[keys]]\nid = \"{name}-{run}\"\nname = \"{name}\"\nsecret_env = \"K\"\nlimits = {{ rpm = 2 }}\n",
            config(
                &mock.url(),
                &mock.url(),
                &format!("[limits]\ncounters = \"{via}\"\non_store_error = \"{policy}\"\n"),
            )
        );
        let config = aigw_gateway::Config::parse(&file).unwrap();
        let env: std::collections::HashMap<&str, String> = UPSTREAM_KEYS
            .into_iter()
            .map(|(k, v)| (k, v.to_owned()))
            .chain([(
                "K",
                format!(
                    "sk-aigw-{policy}-{}",
                    aigw_governance::secret::new_id().unwrap()
                ),
            )])
            .collect();
        let key = env["K"].clone();
        let state = aigw_gateway::State::new(&config, |v| env.get(v).cloned()).unwrap();
        (state, key)
    };
    let (closed, closed_key) = start("closed", "c");
    let (open, open_key) = start("open", "o");
    let closed = Gateway::start_state(std::sync::Arc::new(closed)).await;
    let open = Gateway::start_state(std::sync::Arc::new(open)).await;
    for _ in 0..2 {
        assert_eq!(
            send(keyed(&closed.url, Client::Messages, "allowed", &closed_key))
                .await
                .0,
            200
        );
    }
    assert_eq!(
        send(keyed(&closed.url, Client::Messages, "allowed", &closed_key))
            .await
            .0,
        429
    );

    proxy.down();
    let (status, body, _) =
        send(keyed(&closed.url, Client::Messages, "allowed", &closed_key)).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["type"], "overloaded_error", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("rate-limit store")
    );
    for _ in 0..4 {
        let (status, body, _) = send(keyed(&open.url, Client::Gemini, "allowed", &open_key)).await;
        assert_eq!(status, 200, "{body}");
    }
    let metrics = metrics_text(&open.url).await;
    assert!(
        metrics.contains("aigw_limiter_failed_open_total 4"),
        "{metrics}"
    );

    proxy.up();
    let back = std::time::Instant::now();
    loop {
        let (status, _, _) = send(keyed(&closed.url, Client::Chat, "allowed", &closed_key)).await;
        if status == 429 {
            break;
        }
        assert_eq!(status, 503, "never admitted over the limit");
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "Redis never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = json!({});
}
