//! What the request, response and stream translations between Responses and Chat share:
//! usage, finish reason ↔ status, annotations, logprobs, and reasoning items ↔ tagged
//! `aigw_reasoning` entries.

use crate::ctx::{Ctx, object, take, take_array, take_str};
use crate::loss::TranslateError;
use crate::reasoning;
use serde_json::{Map, Value, json};

pub(super) const CHAT: &str = "OpenAI Chat Completions";
pub(super) const RESPONSES: &str = "OpenAI Responses";

/// The `encrypted_content` prefix of a Responses reasoning item that carries reasoning from
/// another provider (an Anthropic thinking block, a Gemini thought signature): the tagged
/// `aigw_reasoning` entry follows as JSON. A Responses client echoes reasoning items back
/// verbatim, so the entry comes back to the gateway, which untags it for its provider; it is
/// never sent to OpenAI (a Responses upstream gets only `openai` entries).
pub(super) const FOREIGN_REASONING: &str = "aigw.reasoning.v1:";

/// `true` when a value is present and is not a zero count (so it carries information).
pub(super) fn nonzero(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(_) => true,
    }
}

/// Reports every field of a usage-details object that holds a non-zero count (or anything
/// but a number) as dropped; zero counts carry no information.
fn rest_nonzero(ctx: &mut Ctx<'_>, pointer: &str, details: Map<String, Value>, reason: &str) {
    for (key, value) in details {
        if nonzero(Some(&value)) {
            ctx.dropped(crate::ctx::ptr(pointer, &key), reason);
        }
    }
}

/// Chat usage → Responses usage.
pub(super) fn usage_to_responses(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    usage: Value,
) -> Result<Value, TranslateError> {
    let mut usage = object(usage, pointer)?;
    let input = take(&mut usage, "prompt_tokens").unwrap_or(json!(0));
    let output = take(&mut usage, "completion_tokens").unwrap_or(json!(0));
    let total = take(&mut usage, "total_tokens")
        .unwrap_or_else(|| json!(input.as_u64().unwrap_or(0) + output.as_u64().unwrap_or(0)));
    let mut cached = json!(0);
    if let Some(details) = take(&mut usage, "prompt_tokens_details") {
        let dp = format!("{pointer}/prompt_tokens_details");
        let mut details = object(details, &dp)?;
        cached = take(&mut details, "cached_tokens").unwrap_or(json!(0));
        rest_nonzero(
            ctx,
            &dp,
            details,
            "Responses input token details count cached tokens only",
        );
    }
    let mut reasoning = json!(0);
    if let Some(details) = take(&mut usage, "completion_tokens_details") {
        let dp = format!("{pointer}/completion_tokens_details");
        let mut details = object(details, &dp)?;
        reasoning = take(&mut details, "reasoning_tokens").unwrap_or(json!(0));
        rest_nonzero(
            ctx,
            &dp,
            details,
            "Responses output token details count reasoning tokens only",
        );
    }
    ctx.rest(pointer, usage);
    Ok(json!({
        "input_tokens": input,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": total
    }))
}

/// Responses usage → Chat usage.
pub(super) fn usage_to_chat(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    usage: Value,
) -> Result<Value, TranslateError> {
    let mut usage = object(usage, pointer)?;
    let input = take(&mut usage, "input_tokens").unwrap_or(json!(0));
    let output = take(&mut usage, "output_tokens").unwrap_or(json!(0));
    let total = take(&mut usage, "total_tokens")
        .unwrap_or_else(|| json!(input.as_u64().unwrap_or(0) + output.as_u64().unwrap_or(0)));
    let mut out =
        json!({"prompt_tokens": input, "completion_tokens": output, "total_tokens": total});
    if let Some(details) = take(&mut usage, "input_tokens_details") {
        let dp = format!("{pointer}/input_tokens_details");
        let mut details = object(details, &dp)?;
        if let Some(cached) = take(&mut details, "cached_tokens") {
            out["prompt_tokens_details"] = json!({"cached_tokens": cached});
        }
        rest_nonzero(
            ctx,
            &dp,
            details,
            "Chat prompt token details have no such count",
        );
    }
    if let Some(details) = take(&mut usage, "output_tokens_details") {
        let dp = format!("{pointer}/output_tokens_details");
        let mut details = object(details, &dp)?;
        if let Some(reasoning) = take(&mut details, "reasoning_tokens") {
            out["completion_tokens_details"] = json!({"reasoning_tokens": reasoning});
        }
        rest_nonzero(
            ctx,
            &dp,
            details,
            "Chat completion token details have no such count",
        );
    }
    ctx.rest(pointer, usage);
    Ok(out)
}

/// Chat `finish_reason` → Responses `status` and `incomplete_details`.
pub(super) fn status_of(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    finish_reason: Option<&str>,
) -> (&'static str, Value) {
    match finish_reason {
        None | Some("stop" | "tool_calls" | "function_call") => ("completed", Value::Null),
        Some("length") => ("incomplete", json!({"reason": "max_output_tokens"})),
        Some("content_filter") => ("incomplete", json!({"reason": "content_filter"})),
        Some(other) => {
            ctx.approximated(
                pointer,
                format!("finish reason {other:?} becomes status incomplete without a reason"),
            );
            ("incomplete", Value::Null)
        }
    }
}

/// Responses `status` and `incomplete_details.reason` → Chat `finish_reason`.
pub(super) fn finish_reason_of(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    status: Option<&str>,
    reason: Option<&str>,
    tool_calls: bool,
) -> Value {
    match (status, reason) {
        (None | Some("completed"), _) if tool_calls => json!("tool_calls"),
        (None | Some("completed"), _) => json!("stop"),
        (Some("incomplete"), Some("max_output_tokens")) => json!("length"),
        (Some("incomplete"), Some("content_filter")) => json!("content_filter"),
        (Some(status @ ("queued" | "in_progress")), _) => {
            ctx.approximated(
                pointer,
                format!("a response still {status} has no finish reason yet"),
            );
            Value::Null
        }
        (Some(status), reason) => {
            let finish = if status == "incomplete" {
                "length"
            } else {
                "stop"
            };
            ctx.approximated(
                pointer,
                format!(
                    "status {status:?} (reason {:?}) becomes finish reason {finish:?}",
                    reason.unwrap_or("none")
                ),
            );
            json!(finish)
        }
    }
}

/// Chat message annotations → Responses `output_text` annotations.
pub(super) fn annotations_to_responses(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    annotations: Vec<Value>,
) -> Vec<Value> {
    let mut out = Vec::new();
    for (k, annotation) in annotations.into_iter().enumerate() {
        let p = format!("{pointer}/{k}");
        let Value::Object(mut annotation) = annotation else {
            ctx.dropped(p, "not an annotation");
            continue;
        };
        match (
            take_str(&mut annotation, "type").as_deref(),
            take(&mut annotation, "url_citation"),
        ) {
            (Some("url_citation"), Some(Value::Object(mut citation))) => {
                let mut item = Map::new();
                item.insert("type".into(), json!("url_citation"));
                for key in ["start_index", "end_index", "title", "url"] {
                    item.insert(key.into(), take(&mut citation, key).unwrap_or(json!("")));
                }
                ctx.rest(&format!("{p}/url_citation"), citation);
                ctx.rest(&p, annotation);
                out.push(Value::Object(item));
            }
            _ => ctx.dropped(
                p,
                "Responses output text annotations take URL citations here",
            ),
        }
    }
    out
}

/// Responses `output_text` annotations → Chat message annotations (URL citations only).
pub(super) fn annotations_to_chat(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    annotations: Vec<Value>,
) -> Vec<Value> {
    let mut out = Vec::new();
    for (k, annotation) in annotations.into_iter().enumerate() {
        let p = format!("{pointer}/{k}");
        let Value::Object(mut annotation) = annotation else {
            ctx.dropped(p, "not an annotation");
            continue;
        };
        match take_str(&mut annotation, "type").as_deref() {
            Some("url_citation") => {
                let mut citation = Map::new();
                for key in ["start_index", "end_index", "title", "url"] {
                    if let Some(value) = take(&mut annotation, key) {
                        citation.insert(key.into(), value);
                    }
                }
                ctx.rest(&p, annotation);
                out.push(json!({"type": "url_citation", "url_citation": citation}));
            }
            other => ctx.dropped(
                p,
                format!(
                    "{} annotations have no Chat equivalent (Chat has URL citations only)",
                    other.unwrap_or("untyped")
                ),
            ),
        }
    }
    out
}

/// A Chat `aigw_reasoning` entry as a Responses reasoning item: OpenAI's own item verbatim,
/// another provider's entry wrapped (see [`FOREIGN_REASONING`]).
pub(super) fn entry_to_item(entry: Value, id: String) -> Value {
    if entry.get("provider").and_then(Value::as_str) == Some("openai")
        && let Some(block @ Value::Object(_)) = entry.get("block")
    {
        return block.clone();
    }
    json!({
        "type": "reasoning",
        "id": id,
        "summary": [],
        "encrypted_content": format!("{FOREIGN_REASONING}{entry}")
    })
}

/// The tagged `aigw_reasoning` entry of a Responses reasoning item (input or output), or
/// `None` for an item with plain reasoning text and nothing opaque (which becomes Chat
/// `reasoning_content`). Another provider's wrapped entry comes back as that entry; OpenAI's
/// encrypted reasoning, or a stored item referred to by id, is tagged `openai` whole.
pub(super) fn reasoning_entry(item: &Map<String, Value>) -> Option<Value> {
    let encrypted = item.get("encrypted_content").and_then(Value::as_str);
    if let Some(wrapped) = encrypted.and_then(|c| c.strip_prefix(FOREIGN_REASONING))
        && let Ok(entry @ Value::Object(_)) = serde_json::from_str::<Value>(wrapped)
    {
        return Some(entry);
    }
    let plain = encrypted.is_none()
        && item
            .get("content")
            .and_then(Value::as_array)
            .is_some_and(|parts| !parts.is_empty());
    if plain {
        None
    } else {
        Some(reasoning::tag("openai", Value::Object(item.clone())))
    }
}

/// The readable reasoning text of a Responses reasoning item (summary parts, then content
/// parts), as Chat `reasoning_content` pieces.
pub(super) fn reasoning_texts(item: &Map<String, Value>) -> Vec<String> {
    let mut texts = Vec::new();
    for field in ["summary", "content"] {
        for part in item
            .get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(text) = part.get("text").and_then(Value::as_str)
                && !text.is_empty()
            {
                texts.push(text.to_owned());
            }
        }
    }
    texts
}

/// The separator between reasoning pieces (summary parts, items) in Chat `reasoning_content`.
pub(super) const REASONING_SEPARATOR: &str = "\n\n";

/// The `content` token list of Chat logprobs (the shape of Responses `output_text.logprobs`);
/// a non-empty `refusal` list is reported.
pub(super) fn chat_logprobs(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    logprobs: Value,
) -> Result<Vec<Value>, TranslateError> {
    let mut logprobs = object(logprobs, pointer)?;
    let content = take_array(&mut logprobs, "content");
    if let Some(Value::Array(refusal)) = take(&mut logprobs, "refusal")
        && !refusal.is_empty()
    {
        ctx.dropped(
            format!("{pointer}/refusal"),
            "Responses has logprobs for output text only",
        );
    }
    ctx.rest(pointer, logprobs);
    Ok(content)
}

/// Responses moderation results (`{"input": result, "output": result}`) → Chat's
/// (`{"input": {"type": "moderation_results", "model", "results": [result]}, …}`).
pub(super) fn moderation_to_chat(moderation: Value) -> Value {
    let Value::Object(mut moderation) = moderation else {
        return moderation;
    };
    for (_, result) in moderation.iter_mut() {
        if result.get("type").and_then(Value::as_str) == Some("moderation_result") {
            let model = result.get("model").cloned().unwrap_or(Value::Null);
            *result =
                json!({"type": "moderation_results", "model": model, "results": [result.take()]});
        }
    }
    Value::Object(moderation)
}

/// Chat moderation results → Responses' (one result per side: further ones are reported).
pub(super) fn moderation_to_responses(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    moderation: Value,
) -> Value {
    let Value::Object(mut moderation) = moderation else {
        return moderation;
    };
    for (side, results) in moderation.iter_mut() {
        if results.get("type").and_then(Value::as_str) != Some("moderation_results") {
            continue;
        }
        let mut list = match results.get_mut("results").map(Value::take) {
            Some(Value::Array(list)) => list,
            _ => Vec::new(),
        };
        if list.len() > 1 {
            ctx.dropped(
                format!("{pointer}/{side}/results/1"),
                "Responses has one moderation result per side",
            );
        }
        *results = if list.is_empty() {
            Value::Null
        } else {
            list.swap_remove(0)
        };
    }
    Value::Object(moderation)
}
