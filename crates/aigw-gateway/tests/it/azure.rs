//! Azure OpenAI as an upstream (`kind = "azure"`): the deployment in the path, the
//! `api-version` query, the key as `api-key`; Chat and Responses passed through for OpenAI
//! clients and translated for Anthropic clients; Azure-shaped client requests; errors; a
//! provider without `api_version` refused by name.
#![allow(clippy::unwrap_used)]

use crate::common;

use aigw_gateway::{Config, State};
use aigw_mock::{Fault, MockServer};
use common::*;
use serde_json::{Value, json};

const CHAT_PLAIN: &str = "0057-test-document-url-input-1";
const CHAT_STREAM: &str = "0121-test-iter-in-flow-0";
const VERSION: &str = "2024-10-21";
const UPSTREAM_KEY: &str = "sk-test-openai-0123456789";
const CLIENT: &str = "aigw-client-key-0123";

fn config(mock: &str) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:0"
client_key_env = ["CLIENT_KEY"]

[providers.az]
kind = "azure"
base_url = "{mock}/"
api_version = "{VERSION}"
key_env = "OA_KEY"

[[routes]]
model = "gpt-az"
targets = ["az/my-deploy"]

[[routes]]
prefix = "replay:"
targets = ["az/*"]
"#
    )
}

async fn start(corpus: &std::path::Path) -> (MockServer, Gateway) {
    let mock = mock(corpus, false).await;
    let gateway = Gateway::start(&config(&mock.url())).await;
    (mock, gateway)
}

/// What Azure must have received: the path (deployment and `api-version`), `api-key` and no
/// `Authorization`.
fn assert_azure_call(mock: &MockServer, path: &str) -> aigw_mock::Recorded {
    let sent = mock.requests();
    let last = sent.last().expect("the mock got no request").clone();
    assert_eq!(last.path, path);
    assert_eq!(last.header("api-key"), Some(UPSTREAM_KEY));
    assert_eq!(last.header("authorization"), None);
    last
}

fn deployment_path(deployment: &str) -> String {
    format!("/openai/deployments/{deployment}/chat/completions?api-version={VERSION}")
}

fn responses_path() -> String {
    format!("/openai/responses?api-version={VERSION}")
}

/// The first recorded OpenAI Responses exchange of the stream form asked.
fn responses_stem(corpus: &std::path::Path, stream: bool) -> (String, Value) {
    recorded(corpus, "openai", "responses", stream)
        .into_iter()
        .next()
        .expect("no recorded OpenAI Responses exchange")
}

#[tokio::test]
async fn openai_chat_client_passes_through_to_the_deployment_plain_and_streamed() {
    let Some(corpus) = corpus("azure chat") else {
        return;
    };
    let (mock, gateway) = start(&corpus).await;

    // Plain: request and response bytes unchanged (the model is the deployment already).
    let body = format!(
        "{{ \"messages\" : [{{\"role\":\"user\",\"content\":\"hi\"}}], \"top_p\": 1e0, \"model\":\"replay:{CHAT_PLAIN}\" }}"
    );
    let response = http()
        .post(format!("{}/v1/chat/completions", gateway.url))
        .bearer_auth(CLIENT)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["x-aigw-route"],
        format!("az/replay:{CHAT_PLAIN}")
    );
    let got = response.bytes().await.unwrap();
    let sent = assert_azure_call(&mock, &deployment_path(&format!("replay:{CHAT_PLAIN}")));
    assert_eq!(sent.body, body.as_bytes(), "the request body changed");
    let recorded = aigw_mock::exchange(&corpus, "openai", "chat.completions", CHAT_PLAIN).unwrap();
    assert_eq!(got, serde_json::to_vec(&recorded["response"]).unwrap());

    // Streamed: the SSE bytes as Azure sent them.
    let body = json!({"model": format!("replay:{CHAT_STREAM}"), "messages": [{"role": "user", "content": "hi"}], "stream": true});
    let text = http()
        .post(format!("{}/v1/chat/completions", gateway.url))
        .bearer_auth(CLIENT)
        .json(&body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_azure_call(&mock, &deployment_path(&format!("replay:{CHAT_STREAM}")));
    let recorded = aigw_mock::exchange(&corpus, "openai", "chat.completions", CHAT_STREAM).unwrap();
    assert_eq!(text, recorded["sse"].as_str().unwrap());

    // A route to a named deployment: its name in the path and as the body's model.
    for stream in [false, true] {
        let body = request_body(Client::Chat, "gpt-az", stream, false);
        let response = client_request(&http(), &gateway.url, Client::Chat, "gpt-az", stream, &body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        let answer = if stream {
            fold_stream(Client::Chat, &text).unwrap()
        } else {
            typed_response(Client::Chat, text.as_bytes()).unwrap()
        };
        assert!(!said(Client::Chat, &answer).text.is_empty(), "{answer}");
        let sent = assert_azure_call(&mock, &deployment_path("my-deploy"));
        let sent: Value = serde_json::from_slice(&sent.body).unwrap();
        assert_eq!(sent["model"], "my-deploy");
    }
}

#[tokio::test]
async fn openai_responses_client_passes_through_to_azure_responses_plain_and_streamed() {
    let Some(corpus) = corpus("azure responses") else {
        return;
    };
    let (mock, gateway) = start(&corpus).await;
    for stream in [false, true] {
        let (stem, exchange) = responses_stem(&corpus, stream);
        let model = format!("replay:{stem}");
        let body = request_body(Client::Responses, &model, stream, false);
        let response = client_request(
            &http(),
            &gateway.url,
            Client::Responses,
            &model,
            stream,
            &body,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(response.status(), 200, "{stem}");
        let text = response.text().await.unwrap();
        let sent = assert_azure_call(&mock, &responses_path());
        assert_eq!(sent.body, body.to_string().as_bytes());
        if stream {
            assert_eq!(text, exchange["sse"].as_str().unwrap());
        } else {
            assert_eq!(
                text.as_bytes(),
                serde_json::to_vec(&exchange["response"]).unwrap()
            );
        }
    }
    // The deployment goes in the body's `model` (Azure's Responses path has none).
    let body = request_body(Client::Responses, "gpt-az", false, false);
    let response = client_request(
        &http(),
        &gateway.url,
        Client::Responses,
        "gpt-az",
        false,
        &body,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let sent = assert_azure_call(&mock, &responses_path());
    let sent: Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(sent["model"], "my-deploy");
}

#[tokio::test]
async fn embeddings_go_to_the_deployment() {
    let Some(corpus) = corpus("azure embeddings") else {
        return;
    };
    let (mock, gateway) = start(&corpus).await;
    let (status, answer, _) = send_read(
        http()
            .post(format!("{}/v1/embeddings", gateway.url))
            .bearer_auth(CLIENT)
            .json(&json!({"model": "gpt-az", "input": "hello"})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["object"], "list");
    assert_azure_call(
        &mock,
        &format!("/openai/deployments/my-deploy/embeddings?api-version={VERSION}"),
    );
}

#[tokio::test]
async fn an_anthropic_client_is_translated_onto_the_azure_deployment() {
    let Some(corpus) = corpus("azure anthropic") else {
        return;
    };
    let (mock, gateway) = start(&corpus).await;
    for (stem, stream) in [(CHAT_PLAIN, false), (CHAT_STREAM, true)] {
        let model = format!("replay:{stem}");
        let body = request_body(Client::Messages, &model, stream, false);
        let response = client_request(
            &http(),
            &gateway.url,
            Client::Messages,
            &model,
            stream,
            &body,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(response.status(), 200, "{stem}");
        let text = response.text().await.unwrap();
        let answer = if stream {
            fold_stream(Client::Messages, &text).unwrap()
        } else {
            typed_response(Client::Messages, text.as_bytes()).unwrap()
        };
        let sent = assert_azure_call(&mock, &deployment_path(&model));
        let sent: Value = serde_json::from_slice(&sent.body).unwrap();
        assert_eq!(sent["model"], model.as_str());
        assert!(sent["messages"].is_array(), "not a Chat request: {sent}");
        let exchange = aigw_mock::exchange(&corpus, "openai", "chat.completions", stem).unwrap();
        assert_eq!(
            said(Client::Messages, &answer),
            recorded_said(OPENAI, &exchange).unwrap(),
            "{stem}"
        );
    }
}

#[tokio::test]
async fn azure_shaped_client_requests_are_served_with_the_deployment_as_the_model() {
    let Some(corpus) = corpus("azure clients") else {
        return;
    };
    let (mock, gateway) = start(&corpus).await;
    let chat = format!(
        "{}/openai/deployments/gpt-az/chat/completions?api-version=2025-01-01-preview",
        gateway.url
    );
    for stream in [false, true] {
        // Azure clients need not send `model`: the path names the deployment.
        let mut body = request_body(Client::Chat, "ignored", stream, false);
        body.as_object_mut().unwrap().remove("model");
        let response = http()
            .post(&chat)
            .header("api-key", CLIENT)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["x-aigw-route"], "az/my-deploy");
        let text = response.text().await.unwrap();
        let answer = if stream {
            fold_stream(Client::Chat, &text).unwrap()
        } else {
            typed_response(Client::Chat, text.as_bytes()).unwrap()
        };
        assert!(!said(Client::Chat, &answer).text.is_empty());
        assert_azure_call(&mock, &deployment_path("my-deploy"));
    }
    for path in [
        "/openai/responses?api-version=preview",
        "/openai/v1/responses",
    ] {
        let body = request_body(Client::Responses, "gpt-az", false, false);
        let (status, answer, _) = send_read(
            http()
                .post(format!("{}{path}", gateway.url))
                .header("api-key", CLIENT)
                .json(&body),
        )
        .await;
        assert_eq!(status, 200, "{path}: {answer}");
        assert_eq!(answer["object"], "response");
        assert_azure_call(&mock, &responses_path());
    }
    // A wrong key: 401 in OpenAI's (= Azure's) shape.
    let (status, error, _) = send_read(
        http()
            .post(&chat)
            .header("api-key", "wrong")
            .json(&request_body(Client::Chat, "gpt-az", false, false)),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(error["error"]["code"], "invalid_api_key");
}

#[tokio::test]
async fn azure_errors_are_handled_like_openais() {
    let Some(corpus) = corpus("azure errors") else {
        return;
    };
    let (mock, gateway) = start(&corpus).await;

    // The mock answers as Azure does without `api-version` or `api-key`.
    let direct = format!("{}/openai/deployments/d/chat/completions", mock.url());
    let body = request_body(Client::Chat, "d", false, false);
    let (status, error, _) =
        send_read(http().post(&direct).header("api-key", "k").json(&body)).await;
    assert_eq!(
        (status, error["error"]["code"].clone()),
        (404, json!("404"))
    );
    let with_version = format!("{direct}?api-version={VERSION}");
    let (status, _, _) = send_read(
        http()
            .post(&with_version)
            .bearer_auth(UPSTREAM_KEY)
            .json(&body),
    )
    .await;
    assert_eq!(status, 401, "Azure takes its key as `api-key`");

    // An upstream 429: the OpenAI client gets it as it came, the Anthropic client in its
    // own shape.
    mock.set_fault(Some(Fault::Status(429)));
    for client in [Client::Chat, Client::Responses, Client::Messages] {
        let body = request_body(client, "gpt-az", false, false);
        let (status, error, _) = send_read(client_request(
            &http(),
            &gateway.url,
            client,
            "gpt-az",
            false,
            &body,
        ))
        .await;
        assert_eq!(status, 429, "{client:?}: {error}");
        match client {
            Client::Messages => assert_eq!(error["error"]["type"], "rate_limit_error"),
            _ => assert_eq!(error["error"]["code"], "rate_limit_exceeded"),
        }
    }
}

#[test]
fn an_azure_provider_without_api_version_is_refused_by_name() {
    let env = |var: &str| (var == "AZ_KEY").then(|| "k".to_owned());
    let build = |provider: &str| {
        let text = format!(
            "[providers.east]\n{provider}\nkey_env = \"AZ_KEY\"\n\n[[routes]]\nmodel = \"m\"\ntargets = [\"east/d\"]\n"
        );
        State::new(&Config::parse(&text).unwrap(), env).map(|_| ())
    };
    let base = "kind = \"azure\"\nbase_url = \"https://east.openai.azure.com\"";
    assert!(build(&format!("{base}\napi_version = \"{VERSION}\"")).is_ok());
    for (provider, says) in [
        (base.to_owned(), "api_version"),
        (format!("{base}\napi_version = \"\""), "api_version"),
        (format!("{base}\napi_version = \"a b&c\""), "api_version"),
        (
            format!("kind = \"azure\"\napi_version = \"{VERSION}\""),
            "base_url",
        ),
        (
            format!("kind = \"openai\"\napi_version = \"{VERSION}\""),
            "only for kind = \"azure\"",
        ),
    ] {
        let error = build(&provider).err().unwrap().to_string();
        assert!(
            error.contains("provider east") && error.contains(says),
            "{provider}: {error}"
        );
    }

    // `aigw check` says the same and fails.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("azure.toml");
    let store = format!("sqlite://{}", dir.path().join("keys.db").display());
    std::fs::write(
        &path,
        format!("[store]\nurl = \"{store}\"\n\n[providers.east]\n{base}\nkey_env = \"AZ_KEY\"\n"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aigw"))
        .args(["check", "--config"])
        .arg(&path)
        .env("AZ_KEY", "k")
        .env_remove("AIGW_CONFIG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("provider east") && stderr.contains("api_version"),
        "{stderr}"
    );
}
