//! Messages response ↔ Chat Completions response.

use super::request::{tool_call_to_use, tool_use_to_call};
use crate::ctx::{Ctx, object, take, take_array, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use crate::reasoning;
use aigw_anthropic::Message;
use aigw_openai::CreateChatCompletionResponse;
use serde_json::{Map, Value, json};

const ANTHROPIC: &str = "Anthropic Messages";
const CHAT: &str = "OpenAI Chat Completions";

/// Anthropic `stop_reason` → Chat `finish_reason`.
pub(crate) fn finish_reason(ctx: &mut Ctx<'_>, pointer: &str, stop_reason: Option<&str>) -> Value {
    match stop_reason {
        None => Value::Null,
        Some("end_turn" | "stop_sequence") => json!("stop"),
        Some("max_tokens" | "model_context_window_exceeded") => json!("length"),
        Some("tool_use") => json!("tool_calls"),
        Some("refusal") => json!("content_filter"),
        Some(other) => {
            ctx.approximated(pointer, format!("stop reason {other:?} becomes \"stop\""));
            json!("stop")
        }
    }
}

/// Chat `finish_reason` → Anthropic `stop_reason`.
pub(crate) fn stop_reason(ctx: &mut Ctx<'_>, pointer: &str, finish_reason: Option<&str>) -> Value {
    match finish_reason {
        None => Value::Null,
        Some("stop") => json!("end_turn"),
        Some("length") => json!("max_tokens"),
        Some("tool_calls" | "function_call") => json!("tool_use"),
        Some("content_filter") => json!("refusal"),
        Some(other) => {
            ctx.approximated(pointer, format!("finish reason {other:?} becomes end_turn"));
            json!("end_turn")
        }
    }
}

/// Anthropic usage → Chat usage. Chat's `prompt_tokens` counts cached and cache-written
/// tokens too; the cache-write count itself has no place.
pub(crate) fn usage_to_chat(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    usage: Value,
) -> Result<Value, TranslateError> {
    let mut usage = object(usage, pointer)?;
    let number = |v: Option<Value>| v.and_then(|v| v.as_u64()).unwrap_or(0);
    let input = number(take(&mut usage, "input_tokens"));
    let output = number(take(&mut usage, "output_tokens"));
    let read = number(take(&mut usage, "cache_read_input_tokens"));
    let written = number(take(&mut usage, "cache_creation_input_tokens"));
    if written > 0 {
        ctx.approximated(
            format!("{pointer}/cache_creation_input_tokens"),
            "cache writes are counted in prompt_tokens; Chat has no cache-write count",
        );
    }
    if let Some(Value::Object(detail)) = take(&mut usage, "cache_creation")
        && detail.values().any(|v| v.as_u64().is_some_and(|n| n > 0))
    {
        ctx.dropped(
            format!("{pointer}/cache_creation"),
            "Chat has no per-TTL cache-write counts",
        );
    }
    if let Some(Value::Object(tools)) = take(&mut usage, "server_tool_use")
        && tools.values().any(|v| v.as_u64().is_some_and(|n| n > 0))
    {
        ctx.dropped(
            format!("{pointer}/server_tool_use"),
            "Chat has no server tool counts",
        );
    }
    take(&mut usage, "service_tier");
    ctx.rest(pointer, usage);
    let prompt = input + read + written;
    Ok(json!({
        "prompt_tokens": prompt,
        "completion_tokens": output,
        "total_tokens": prompt + output,
        "prompt_tokens_details": {"cached_tokens": read}
    }))
}

/// Chat usage → Anthropic usage.
pub(crate) fn usage_to_anthropic(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    usage: Value,
) -> Result<Value, TranslateError> {
    let mut usage = object(usage, pointer)?;
    let number = |v: Option<&Value>| v.and_then(Value::as_u64).unwrap_or(0);
    let prompt = number(take(&mut usage, "prompt_tokens").as_ref());
    let completion = number(take(&mut usage, "completion_tokens").as_ref());
    take(&mut usage, "total_tokens");
    let mut cached = 0;
    if let Some(Value::Object(mut details)) = take(&mut usage, "prompt_tokens_details") {
        cached = number(take(&mut details, "cached_tokens").as_ref());
        details.retain(|_, v| v.as_u64() != Some(0));
        ctx.rest(&format!("{pointer}/prompt_tokens_details"), details);
    }
    if let Some(Value::Object(mut details)) = take(&mut usage, "completion_tokens_details") {
        if number(take(&mut details, "reasoning_tokens").as_ref()) > 0 {
            ctx.approximated(
                format!("{pointer}/completion_tokens_details/reasoning_tokens"),
                "reasoning tokens are counted in output_tokens; Anthropic has no separate count",
            );
        }
        details.retain(|_, v| v.as_u64() != Some(0));
        ctx.rest(&format!("{pointer}/completion_tokens_details"), details);
    }
    ctx.rest(pointer, usage);
    Ok(json!({
        "input_tokens": prompt.saturating_sub(cached),
        "output_tokens": completion,
        "cache_read_input_tokens": cached,
        "cache_creation_input_tokens": 0
    }))
}

/// Anthropic content blocks → (Chat text, tool calls, tagged reasoning, annotations).
pub(crate) struct ChatParts {
    pub text: String,
    pub tool_calls: Vec<Value>,
    pub reasoning: Vec<Value>,
    pub annotations: Vec<Value>,
}

pub(crate) fn content_to_chat(
    ctx: &mut Ctx<'_>,
    content: Vec<Value>,
    pointer: &str,
) -> Result<ChatParts, TranslateError> {
    let mut parts = ChatParts {
        text: String::new(),
        tool_calls: Vec::new(),
        reasoning: Vec::new(),
        annotations: Vec::new(),
    };
    for (j, block) in content.into_iter().enumerate() {
        let p = format!("{pointer}/{j}");
        let mut block = object(block, &p)?;
        match take_str(&mut block, "type").as_deref() {
            Some("text") => {
                let text = take_str(&mut block, "text").unwrap_or_default();
                let start = parts.text.chars().count();
                parts.text.push_str(&text);
                let end = parts.text.chars().count();
                for (k, citation) in take_array(&mut block, "citations").into_iter().enumerate() {
                    let cp = format!("{p}/citations/{k}");
                    if citation.get("type").and_then(Value::as_str)
                        == Some("web_search_result_location")
                    {
                        parts.annotations.push(json!({
                            "type": "url_citation",
                            "url_citation": {"url": citation["url"].clone(), "title": citation["title"].clone(), "start_index": start, "end_index": end}
                        }));
                        ctx.approximated(cp, "a web search citation becomes a url_citation over its whole text block (cited_text and encrypted_index dropped)");
                    } else {
                        ctx.dropped(cp, "Chat annotations carry URL citations only");
                    }
                }
            }
            Some("tool_use") => parts.tool_calls.push(tool_use_to_call(&mut block)),
            Some(kind @ ("thinking" | "redacted_thinking")) => {
                // Carried, tagged: only an Anthropic upstream will get it back.
                block.insert("type".into(), json!(kind));
                parts.reasoning.push(reasoning::tag(
                    "anthropic",
                    Value::Object(std::mem::take(&mut block)),
                ));
            }
            other => {
                ctx.dropped(
                    &p,
                    format!(
                        "{} blocks have no Chat equivalent",
                        other.unwrap_or("untyped")
                    ),
                );
                continue;
            }
        }
        ctx.rest(&p, block);
    }
    Ok(parts)
}

/// An Anthropic `Message` as a `chat.completion` (an OpenAI client, an Anthropic upstream).
pub fn message_to_chat_response(
    message: &Message,
    opts: &Options,
) -> Result<Translated<CreateChatCompletionResponse>, TranslateError> {
    let mut src = object(to_json(message)?, "")?;
    let mut ctx = Ctx::new(opts, CHAT);
    take(&mut src, "type");
    take(&mut src, "role");
    let id = take(&mut src, "id").unwrap_or(json!(""));
    let model = take(&mut src, "model").unwrap_or(json!(""));
    let parts = content_to_chat(&mut ctx, take_array(&mut src, "content"), "/content")?;
    let stop = take_str(&mut src, "stop_reason");
    let finish = finish_reason(&mut ctx, "/stop_reason", stop.as_deref());
    if take(&mut src, "stop_sequence").is_some() {
        ctx.dropped(
            "/stop_sequence",
            "Chat does not say which stop sequence matched",
        );
    }
    let mut message = Map::new();
    message.insert("role".into(), json!("assistant"));
    let content = if parts.text.is_empty() && !parts.tool_calls.is_empty() {
        Value::Null
    } else {
        Value::String(parts.text)
    };
    message.insert("content".into(), content);
    message.insert("refusal".into(), Value::Null);
    if !parts.tool_calls.is_empty() {
        message.insert("tool_calls".into(), Value::Array(parts.tool_calls));
    }
    if !parts.annotations.is_empty() {
        message.insert("annotations".into(), Value::Array(parts.annotations));
    }
    if !parts.reasoning.is_empty() {
        message.insert(reasoning::FIELD.into(), Value::Array(parts.reasoning));
    }
    let mut out = json!({
        "id": id,
        "object": "chat.completion",
        "created": opts.created,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": null}]
    });
    if let Some(usage) = take(&mut src, "usage") {
        out["usage"] = usage_to_chat(&mut ctx, "/usage", usage)?;
    }
    ctx.rest("", src);
    ctx.finish(out)
}

/// A `chat.completion` as an Anthropic `Message` (an Anthropic client, an OpenAI upstream).
pub fn chat_response_to_message(
    response: &CreateChatCompletionResponse,
    opts: &Options,
) -> Result<Translated<Message>, TranslateError> {
    let mut src = object(to_json(response)?, "")?;
    let mut ctx = Ctx::new(opts, ANTHROPIC);
    take(&mut src, "object");
    take(&mut src, "created");
    let id = take(&mut src, "id").unwrap_or(json!(""));
    let model = take(&mut src, "model").unwrap_or(json!(""));
    let mut content = Vec::new();
    let mut stop = Value::Null;
    for (i, choice) in take_array(&mut src, "choices").into_iter().enumerate() {
        let p = format!("/choices/{i}");
        if i > 0 {
            ctx.dropped(&p, "Anthropic returns one choice");
            continue;
        }
        let mut choice = object(choice, &p)?;
        take(&mut choice, "index");
        let reason = take_str(&mut choice, "finish_reason");
        stop = stop_reason(&mut ctx, &format!("{p}/finish_reason"), reason.as_deref());
        if take(&mut choice, "logprobs").is_some() {
            ctx.dropped(format!("{p}/logprobs"), "Anthropic has no logprobs");
        }
        let mp = format!("{p}/message");
        let mut message = object(take(&mut choice, "message").unwrap_or(json!({})), &mp)?;
        take(&mut message, "role");
        let (mine, foreign) =
            reasoning::untag(take_array(&mut message, reasoning::FIELD), "anthropic");
        content.extend(mine);
        for (j, from) in foreign {
            ctx.dropped(
                format!("{mp}/{}/{j}", reasoning::FIELD),
                format!("opaque reasoning from {from} is only sent back to {from}"),
            );
        }
        if take(&mut message, "reasoning_content").is_some()
            || take(&mut message, "reasoning").is_some()
        {
            ctx.dropped(
                format!("{mp}/reasoning_content"),
                "Anthropic thinking blocks need a signature this reasoning does not have",
            );
        }
        match take(&mut message, "content") {
            Some(Value::String(text)) if !text.is_empty() => {
                content.push(json!({"type": "text", "text": text}));
            }
            // Content parts (Mistral answers with text and thinking parts).
            Some(Value::Array(parts)) => {
                for (j, part) in parts.into_iter().enumerate() {
                    match part.get("text").and_then(Value::as_str) {
                        Some(text) if part["type"] == "text" => {
                            if !text.is_empty() {
                                content.push(json!({"type": "text", "text": text}));
                            }
                        }
                        _ => ctx.dropped(
                            format!("{mp}/content/{j}"),
                            "only text parts map to Anthropic text blocks",
                        ),
                    }
                }
            }
            Some(Value::String(_) | Value::Null) | None => {}
            Some(other) => ctx.dropped(
                format!("{mp}/content"),
                format!("message content that is {}", crate::ctx::kind(&other)),
            ),
        }
        if let Some(Value::String(refusal)) = take(&mut message, "refusal") {
            ctx.approximated(
                format!("{mp}/refusal"),
                "a refusal becomes text with stop_reason refusal",
            );
            content.push(json!({"type": "text", "text": refusal}));
            stop = json!("refusal");
        }
        for (j, call) in take_array(&mut message, "tool_calls")
            .into_iter()
            .enumerate()
        {
            let cp = format!("{mp}/tool_calls/{j}");
            content.push(tool_call_to_use(&mut ctx, call, &cp)?);
        }
        if let Some(Value::Array(annotations)) = take(&mut message, "annotations")
            && !annotations.is_empty()
        {
            ctx.dropped(
                format!("{mp}/annotations"),
                "Anthropic web search citations need fields URL annotations lack",
            );
        }
        ctx.rest(&mp, message);
        ctx.rest(&p, choice);
    }
    let mut out = json!({
        "id": id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": null,
    });
    out["usage"] = match take(&mut src, "usage") {
        Some(usage) => usage_to_anthropic(&mut ctx, "/usage", usage)?,
        None => {
            ctx.defaulted(
                "/usage",
                "Anthropic messages always carry usage: zero counts sent",
            );
            json!({"input_tokens": 0, "output_tokens": 0})
        }
    };
    ctx.rest("", src);
    ctx.finish(out)
}
