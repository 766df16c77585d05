//! The non-generation calls that still go upstream: OpenAI embeddings (OpenAI-compatible
//! upstreams as they are, Gemini through `batchEmbedContents`) and token counting (Anthropic
//! `count_tokens` ↔ Gemini `countTokens`).

use crate::config::ProviderKind;
use crate::convert::{ClientBody, ConvertError, Prepared};
use crate::upstream::Provider;
use aigw_translate::{Loss, LossKind, LossReport, Options, anthropic_gemini as ag};
use aigw_wire::Json;
use bytes::Bytes;
use serde_json::{Map, Value, json};

fn dropped(pointer: &str, reason: &str) -> Loss {
    Loss {
        pointer: pointer.to_owned(),
        kind: LossKind::Dropped,
        reason: reason.to_owned(),
    }
}

fn bytes(value: &Value) -> Bytes {
    Bytes::from(value.to_string())
}

fn with_model(request: &ClientBody<'_>, model: &str) -> Result<Bytes, ConvertError> {
    if request.head.model.as_deref() == Some(model) {
        return Ok(request.raw.clone());
    }
    if let Some(renamed) = request.head.with_model(request.raw, model) {
        return Ok(Bytes::from(renamed));
    }
    let mut value = request.value()?.clone();
    if let Some(o) = value.as_object_mut() {
        o.insert("model".into(), Value::String(model.to_owned()));
    }
    Ok(bytes(&value))
}

/// An OpenAI embeddings request for `provider`.
pub fn prepare_embeddings(
    provider: &Provider,
    model: &str,
    request: &ClientBody<'_>,
) -> Result<Prepared, ConvertError> {
    match provider.kind {
        ProviderKind::Openai | ProviderKind::OpenaiCompat | ProviderKind::Azure => Ok(Prepared {
            body: with_model(request, model)?,
            losses: LossReport::default(),
            passthrough: true,
        }),
        ProviderKind::Gemini => {
            let value = request.value()?;
            let mut losses = LossReport::default();
            let texts: Vec<String> = match value.get("input") {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                _ => {
                    return Err(ConvertError::Unsupported(format!(
                        "{}: Gemini embeds text only (`input` must be a string or an array of strings)",
                        provider.name
                    )));
                }
            };
            let name = format!("models/{model}");
            let dimensions = value.get("dimensions").cloned();
            let requests: Vec<Value> = texts
                .iter()
                .map(|text| {
                    let mut r = json!({"model": name, "content": {"parts": [{"text": text}]}});
                    if let (Some(d), Some(o)) = (&dimensions, r.as_object_mut()) {
                        o.insert("outputDimensionality".into(), d.clone());
                    }
                    r
                })
                .collect();
            if let Some(object) = value.as_object() {
                for key in object.keys() {
                    match key.as_str() {
                        "input" | "model" | "dimensions" => {}
                        "encoding_format" if object[key] == "float" => {}
                        "encoding_format" => losses.0.push(dropped(
                            "/encoding_format",
                            "Gemini returns floats; the embeddings come as a float array",
                        )),
                        other => losses.0.push(dropped(
                            &format!("/{other}"),
                            "Gemini's batchEmbedContents has no such parameter",
                        )),
                    }
                }
            }
            Ok(Prepared {
                body: bytes(&json!({"requests": requests})),
                losses,
                passthrough: false,
            })
        }
        ProviderKind::Anthropic => Err(ConvertError::Unsupported(format!(
            "{}: Anthropic has no embeddings API",
            provider.name
        ))),
    }
}

/// A Gemini `batchEmbedContents` response as an OpenAI embeddings list.
pub fn embeddings_response(body: &[u8], model: &str) -> Result<Bytes, String> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the upstream's embeddings do not parse: {e}"))?;
    let embeddings = value
        .get("embeddings")
        .and_then(Value::as_array)
        .ok_or("the upstream's response has no `embeddings`")?;
    let data: Vec<Value> = embeddings
        .iter()
        .enumerate()
        .map(|(i, e)| {
            json!({"object": "embedding", "index": i, "embedding": e.get("values").cloned().unwrap_or(json!([]))})
        })
        .collect();
    Ok(bytes(&json!({
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": 0, "total_tokens": 0}
    })))
}

/// The keys of a Messages request that `count_tokens` takes.
const COUNT_KEYS: [&str; 7] = [
    "model",
    "messages",
    "system",
    "tools",
    "tool_choice",
    "thinking",
    "mcp_servers",
];

/// A token-counting request (Anthropic `count_tokens` or Gemini `countTokens`, by `client`
/// being Anthropic) for `provider`.
pub fn prepare_count(
    anthropic_client: bool,
    provider: &Provider,
    model: &str,
    request: &ClientBody<'_>,
    opts: &Options,
) -> Result<Prepared, ConvertError> {
    let invalid = |e: String| ConvertError::Invalid(e);
    match (anthropic_client, provider.kind) {
        (true, ProviderKind::Anthropic) => Ok(Prepared {
            body: with_model(request, model)?,
            losses: LossReport::default(),
            passthrough: true,
        }),
        (false, ProviderKind::Gemini) => Ok(Prepared {
            body: request.raw.clone(),
            losses: LossReport::default(),
            passthrough: true,
        }),
        (true, ProviderKind::Gemini) => {
            // count_tokens has no max_tokens; the Messages type requires one.
            let mut request = request.value()?.clone();
            if let Some(o) = request.as_object_mut() {
                o.entry("max_tokens").or_insert(json!(1));
            }
            let request = Json::from_json_value(&request)
                .map_err(|e| invalid(format!("not a valid count_tokens request: {e}")))?;
            let t = ag::messages_to_gemini(&request, opts).map_err(|e| invalid(e.to_string()))?;
            let mut inner = t
                .value
                .to_json_value()
                .map_err(|e| invalid(e.to_string()))?;
            if let Some(o) = inner.as_object_mut() {
                o.shift_remove("generationConfig");
                o.insert("model".into(), Value::String(format!("models/{model}")));
            }
            let losses = LossReport(
                t.losses
                    .0
                    .into_iter()
                    .filter(|l| l.pointer != "/max_tokens")
                    .collect(),
            );
            Ok(Prepared {
                body: bytes(&json!({"generateContentRequest": inner})),
                losses,
                passthrough: false,
            })
        }
        (false, ProviderKind::Anthropic) => {
            let value = request.value()?;
            let inner = value.get("generateContentRequest").unwrap_or(value);
            let request = Json::from_json_value(inner)
                .map_err(|e| invalid(format!("not a valid countTokens request: {e}")))?;
            let t = ag::gemini_to_messages(&request, model, opts)
                .map_err(|e| invalid(e.to_string()))?;
            let full = t
                .value
                .to_json_value()
                .map_err(|e| invalid(e.to_string()))?;
            let mut body = Map::new();
            if let Value::Object(o) = full {
                for (k, v) in o {
                    if COUNT_KEYS.contains(&k.as_str()) {
                        body.insert(k, v);
                    }
                }
            }
            let losses = LossReport(
                t.losses
                    .0
                    .into_iter()
                    .filter(|l| !l.pointer.starts_with("/generationConfig"))
                    .collect(),
            );
            Ok(Prepared {
                body: bytes(&Value::Object(body)),
                losses,
                passthrough: false,
            })
        }
        _ => Err(ConvertError::Unsupported(format!(
            "{}: token counting needs an Anthropic or Gemini upstream",
            provider.name
        ))),
    }
}

/// A translated token count: Gemini `{totalTokens}` ↔ Anthropic `{input_tokens}`.
pub fn count_response(anthropic_client: bool, body: &[u8]) -> Result<Bytes, String> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the upstream's token count does not parse: {e}"))?;
    let (from, to) = if anthropic_client {
        ("totalTokens", "input_tokens")
    } else {
        ("input_tokens", "totalTokens")
    };
    let count = value
        .get(from)
        .cloned()
        .ok_or_else(|| format!("the upstream's token count has no `{from}`"))?;
    Ok(bytes(&json!({ to: count })))
}
