//! `cargo xtask record`: send one request file to a provider and write the exchange in the
//! corpus format (`../shared/corpus/FORMAT.md`) under `fixtures/recorded/`, secrets removed,
//! ready for `cargo xtask conformance --corpus fixtures/recorded`.
//!
//! Uses `aigw-http` (the clients' transport) and the compat presets' table, neither of which
//! builds generated code, so xtask still builds when generated code is broken.

use aigw_http::header::{HeaderName, HeaderValue};
use aigw_http::{Auth, Call, Error, HttpConfig, Method, SecretString, Transport};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub const USAGE: &str = "\
usage: cargo xtask record --provider P --api A --request FILE [--model M] [--base-url URL]
                          [--out DIR] [--name SLUG]
  P: openai | anthropic | gemini | a compat preset (groq, together, vllm, fireworks,
     perplexity, lmstudio, mistral, deepseek, openrouter, ollama)
  A: openai/compat: chat.completions | responses | embeddings | models
     anthropic: messages | count_tokens | models
     gemini: generateContent | streamGenerateContent | countTokens | embedContent | models
  The key comes from OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY or the preset's
  variable; --model is the Gemini model; --out defaults to fixtures/recorded.";

/// What to record.
#[derive(Debug)]
pub struct Recording {
    pub provider: String,
    pub api: String,
    pub request: Option<Value>,
    pub model: Option<String>,
    pub base_url: Option<String>,
    pub out: PathBuf,
    pub name: Option<String>,
}

/// Who the request goes to.
struct Target {
    /// The corpus `provider` (`openai`, `anthropic`, `gemini`, `openai-compat`).
    provider: &'static str,
    vendor: String,
    base_url: String,
    key_var: &'static str,
    key_optional: bool,
}

fn target(provider: &str) -> Result<Target> {
    let fixed = |provider, vendor: &str, base_url: &str, key_var| Target {
        provider,
        vendor: vendor.to_owned(),
        base_url: base_url.to_owned(),
        key_var,
        key_optional: false,
    };
    Ok(match provider {
        "openai" => fixed(
            "openai",
            "openai",
            "https://api.openai.com/v1",
            "OPENAI_API_KEY",
        ),
        "anthropic" => fixed(
            "anthropic",
            "anthropic",
            "https://api.anthropic.com/v1",
            "ANTHROPIC_API_KEY",
        ),
        "gemini" => fixed(
            "gemini",
            "google",
            "https://generativelanguage.googleapis.com/v1beta",
            "GEMINI_API_KEY",
        ),
        other => match aigw_openai_compat::Preset::from_name(other) {
            Some(preset) => {
                let p = preset.provider();
                Target {
                    provider: "openai-compat",
                    vendor: p.name.to_owned(),
                    base_url: p.base_url,
                    key_var: p.key_var,
                    key_optional: p.key_optional,
                }
            }
            None => bail!("unknown provider `{other}`\n{USAGE}"),
        },
    })
}

/// Where a request goes and whether its answer streams.
struct Route {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    streams: bool,
}

/// The route of `api` at `target`.
fn route(
    target: &Target,
    api: &str,
    request: Option<&Value>,
    model: Option<&str>,
) -> Result<Route> {
    let streams = request
        .and_then(|r| r.get("stream"))
        .and_then(Value::as_bool)
        == Some(true);
    let post = |path: &str| {
        Ok(Route {
            method: Method::POST,
            path: path.to_owned(),
            query: Vec::new(),
            streams,
        })
    };
    match (target.provider, api) {
        ("openai" | "openai-compat", "chat.completions") => post("/chat/completions"),
        ("openai" | "openai-compat", "responses") => post("/responses"),
        ("openai" | "openai-compat", "embeddings") => post("/embeddings"),
        ("anthropic", "messages") => post("/messages"),
        ("anthropic", "count_tokens") => post("/messages/count_tokens"),
        (_, "models") => Ok(Route {
            method: Method::GET,
            path: "/models".to_owned(),
            query: Vec::new(),
            streams: false,
        }),
        (
            "gemini",
            "generateContent" | "streamGenerateContent" | "countTokens" | "embedContent",
        ) => {
            let model = model.context("--model is required for Gemini")?;
            let model = model.strip_prefix("models/").unwrap_or(model);
            let streams = api == "streamGenerateContent";
            Ok(Route {
                method: Method::POST,
                path: format!("/models/{}:{api}", aigw_http::segment(model)),
                query: if streams {
                    vec![("alt".to_owned(), "sse".to_owned())]
                } else {
                    Vec::new()
                },
                streams,
            })
        }
        (provider, api) => bail!("{provider} has no api `{api}` here\n{USAGE}"),
    }
}

fn auth(
    target: &Target,
    key: Option<SecretString>,
) -> Result<(Auth, Vec<(HeaderName, HeaderValue)>)> {
    let Some(key) = key else {
        if target.key_optional {
            return Ok((Auth::None, Vec::new()));
        }
        bail!(
            "{} is not set: it should hold the {} API key",
            target.key_var,
            target.vendor
        );
    };
    Ok(match target.provider {
        "anthropic" => (
            Auth::Header {
                name: HeaderName::from_static("x-api-key"),
                key,
            },
            vec![(
                HeaderName::from_static("anthropic-version"),
                HeaderValue::from_static("2023-06-01"),
            )],
        ),
        "gemini" => (
            Auth::Header {
                name: HeaderName::from_static("x-goog-api-key"),
                key,
            },
            Vec::new(),
        ),
        _ => (Auth::Bearer(key), Vec::new()),
    })
}

/// The corpus `features` that can be read off the exchange.
fn features(request: Option<&Value>, status: u16, streams: bool) -> Vec<&'static str> {
    let mut features = Vec::new();
    let text = request.map(Value::to_string).unwrap_or_default();
    if request.and_then(|r| r.get("tools")).is_some() {
        features.push("tools");
    }
    if [
        "\"image_url\"",
        "\"image\"",
        "\"inline_data\"",
        "\"inlineData\"",
        "\"input_image\"",
    ]
    .iter()
    .any(|m| text.contains(m))
    {
        features.push("vision");
    }
    if text.contains("\"cache_control\"") {
        features.push("cache_control");
    }
    if ["\"thinking\"", "\"reasoning\"", "\"thinkingConfig\""]
        .iter()
        .any(|m| text.contains(m))
    {
        features.push("thinking");
    }
    if streams {
        features.push("stream");
    }
    if !(200..300).contains(&status) {
        features.push("error");
    }
    features
}

/// `text` with every occurrence of `secret` replaced.
fn scrub(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(secret) if !secret.is_empty() => text.replace(secret, "[REDACTED]"),
        _ => text.to_owned(),
    }
}

/// Sends the request and writes the exchange; returns the file written.
pub async fn record(recording: &Recording, key: Option<SecretString>) -> Result<PathBuf> {
    let target = target(&recording.provider)?;
    let Route {
        method,
        path,
        query,
        streams,
    } = route(
        &target,
        &recording.api,
        recording.request.as_ref(),
        recording.model.as_deref(),
    )?;
    if method == Method::POST && recording.request.is_none() {
        bail!(
            "{} {} needs --request FILE",
            recording.provider,
            recording.api
        );
    }
    let secret = key
        .as_ref()
        .map(|k| aigw_http::ExposeSecret::expose_secret(k).to_owned());
    let (auth, headers) = auth(&target, key)?;
    let mut config = HttpConfig::new(
        recording
            .base_url
            .clone()
            .unwrap_or(target.base_url.clone()),
    );
    // Record exactly one exchange: no retries.
    config.retry.max_retries = 0;
    let transport = Transport::new("record", config).context("building the HTTP client")?;
    let mut call = Call::new("record", method.clone(), path.clone());
    call.query = query.clone();
    call.auth = auth;
    for (name, value) in headers {
        call.headers.insert(name, value);
    }
    if let Some(request) = &recording.request {
        call.body = Some(serde_json::to_vec(request)?.into());
    }
    let (status, body) = match transport.send::<Value>(&call).await {
        Ok(response) => (response.status.as_u16(), response.body.to_vec()),
        Err(Error::Api { status, body, .. }) => (status.as_u16(), body.raw.into_bytes()),
        Err(e) => return Err(anyhow::Error::new(e).context("sending the request")),
    };
    let text = scrub(&String::from_utf8_lossy(&body), secret.as_deref());
    let ok = (200..300).contains(&status);
    let (response, sse) = if streams && ok {
        (Value::Null, Value::String(text))
    } else {
        let parsed: Value = serde_json::from_str(&text)
            .with_context(|| format!("HTTP {status}: the body is not JSON: {text:.200}"))?;
        (parsed, Value::Null)
    };
    let request = match &recording.request {
        Some(request) => {
            serde_json::from_str(&scrub(&serde_json::to_string(request)?, secret.as_deref()))?
        }
        None => Value::Null,
    };
    let query_text = if query.is_empty() {
        String::new()
    } else {
        format!(
            "?{}",
            query
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        )
    };
    let exchange = json!({
        "provider": target.provider,
        "vendor": target.vendor,
        "api": recording.api,
        "method": method.as_str(),
        "path": format!("{}{path}{query_text}", url_path(&target.base_url)),
        "stream": streams,
        "request": request,
        "status": status,
        "response": response,
        "sse": sse,
        "source": {"kind": "recorded", "tool": "cargo xtask record", "license": "MIT"},
        "features": features(recording.request.as_ref(), status, streams),
    });
    write_exchange(
        &recording.out,
        &target,
        &recording.api,
        recording.name.as_deref(),
        &exchange,
    )
}

/// The path part of a base URL (`/v1`, `/openai/v1`, `/v1beta`).
fn url_path(base_url: &str) -> &str {
    let rest = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    rest.find('/')
        .map_or("", |i| rest[i..].trim_end_matches('/'))
}

/// Writes `dir/<provider>/<api>/<NNNN>-<slug>.json` (next free number), atomically.
fn write_exchange(
    dir: &Path,
    target: &Target,
    api: &str,
    name: Option<&str>,
    exchange: &Value,
) -> Result<PathBuf> {
    let folder = dir.join(target.provider).join(api);
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    let next = std::fs::read_dir(&folder)?
        .filter_map(|e| e.ok()?.file_name().to_str()?.get(..4)?.parse::<u32>().ok())
        .max()
        .map_or(1, |n| n + 1);
    let slug: String = name
        .unwrap_or(&target.vendor)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let path = folder.join(format!("{next:04}-{slug}.json"));
    let temporary = folder.join(format!(".{next:04}-{slug}.json.tmp"));
    let mut text = serde_json::to_string_pretty(exchange)?;
    text.push('\n');
    std::fs::write(&temporary, text).with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, &path)
        .with_context(|| format!("renaming to {}", path.display()))?;
    Ok(path)
}

/// Parses `cargo xtask record` arguments.
pub fn parse(args: &[String], root: &Path) -> Result<Recording> {
    let mut recording = Recording {
        provider: String::new(),
        api: String::new(),
        request: None,
        model: None,
        base_url: None,
        out: root.join("fixtures/recorded"),
        name: None,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--provider" => recording.provider = value()?.clone(),
            "--api" => recording.api = value()?.clone(),
            "--request" => {
                let path = value()?;
                let text =
                    std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
                recording.request = Some(
                    serde_json::from_str(&text).with_context(|| format!("{path} is not JSON"))?,
                );
            }
            "--model" => recording.model = Some(value()?.clone()),
            "--base-url" => recording.base_url = Some(value()?.clone()),
            "--out" => recording.out = PathBuf::from(value()?),
            "--name" => recording.name = Some(value()?.clone()),
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    if recording.provider.is_empty() || recording.api.is_empty() {
        bail!("--provider and --api are required\n{USAGE}");
    }
    Ok(recording)
}

/// `cargo xtask record ...`: the key from the provider's environment variable.
pub fn run(args: &[String], root: &Path) -> Result<()> {
    let recording = parse(args, root)?;
    let target = target(&recording.provider)?;
    let key = aigw_http::key_from_env(target.key_var).ok();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let path = runtime.block_on(record(&recording, key))?;
    println!("wrote {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests;
