//! A Messages request as a Chat Completions request.

use crate::ctx::{Ctx, object, take, take_array, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use aigw_anthropic::CreateMessageParams;
use aigw_openai::CreateChatCompletionRequest;
use serde_json::{Map, Value, json};

const CHAT: &str = "OpenAI Chat Completions";

/// An Anthropic `tool_use` block (its `type` already taken) as a Chat tool call.
pub(in crate::chat_anthropic) fn tool_use_to_call(block: &mut Map<String, Value>) -> Value {
    let input = take(block, "input").unwrap_or(json!({}));
    json!({
        "id": take(block, "id").unwrap_or(json!("")),
        "type": "function",
        "function": {"name": take(block, "name").unwrap_or(json!("")), "arguments": input.to_string()}
    })
}

/// Reports an Anthropic `cache_control` breakpoint, which Chat cannot carry.
fn drop_cache_control(ctx: &mut Ctx<'_>, block: &mut Map<String, Value>, pointer: &str) {
    if take(block, "cache_control").is_some() {
        ctx.dropped(
            format!("{pointer}/cache_control"),
            "OpenAI caches prompts automatically; cache breakpoints have no equivalent",
        );
    }
}

/// Anthropic content blocks of a user turn: tool results (as Chat `tool` messages, which
/// must come right after the assistant's calls) and everything else as one user message.
fn user_turn(
    ctx: &mut Ctx<'_>,
    content: Value,
    pointer: &str,
    out: &mut Vec<Value>,
) -> Result<(), TranslateError> {
    let blocks = match content {
        Value::String(text) => {
            out.push(json!({"role": "user", "content": text}));
            return Ok(());
        }
        Value::Array(blocks) => blocks,
        other => {
            ctx.dropped(
                pointer,
                format!("content that is {}", crate::ctx::kind(&other)),
            );
            return Ok(());
        }
    };
    let mut parts = Vec::new();
    for (j, block) in blocks.into_iter().enumerate() {
        let p = format!("{pointer}/{j}");
        let mut block = object(block, &p)?;
        drop_cache_control(ctx, &mut block, &p);
        match take_str(&mut block, "type").as_deref() {
            Some("text") => {
                parts.push(
                    json!({"type": "text", "text": take(&mut block, "text").unwrap_or(json!(""))}),
                );
                if take(&mut block, "citations").is_some() {
                    ctx.dropped(format!("{p}/citations"), "Chat input text has no citations");
                }
            }
            Some("image") => {
                let mut source = object(
                    take(&mut block, "source").unwrap_or(json!({})),
                    &format!("{p}/source"),
                )?;
                let url = match take_str(&mut source, "type").as_deref() {
                    Some("base64") => format!(
                        "data:{};base64,{}",
                        take_str(&mut source, "media_type").unwrap_or_default(),
                        take_str(&mut source, "data").unwrap_or_default()
                    ),
                    Some("url") => take_str(&mut source, "url").unwrap_or_default(),
                    _ => {
                        ctx.dropped(&p, "only base64 and URL images map to Chat");
                        continue;
                    }
                };
                ctx.rest(&format!("{p}/source"), source);
                parts.push(json!({"type": "image_url", "image_url": {"url": url}}));
            }
            Some("document") => {
                let mut source = object(
                    take(&mut block, "source").unwrap_or(json!({})),
                    &format!("{p}/source"),
                )?;
                let pdf = take_str(&mut source, "type").as_deref() == Some("base64")
                    && source.get("media_type") == Some(&json!("application/pdf"));
                if !pdf {
                    ctx.dropped(&p, "only base64 PDF documents map to Chat files");
                    continue;
                }
                source.shift_remove("media_type");
                let data = take_str(&mut source, "data").unwrap_or_default();
                let mut file = json!({"file_data": format!("data:application/pdf;base64,{data}")});
                file["filename"] = take(&mut block, "title").unwrap_or(json!("document.pdf"));
                ctx.rest(&format!("{p}/source"), source);
                parts.push(json!({"type": "file", "file": file}));
            }
            Some("tool_result") => {
                let id = take(&mut block, "tool_use_id").unwrap_or(json!(""));
                if block.shift_remove("is_error") == Some(json!(true)) {
                    ctx.approximated(
                        format!("{p}/is_error"),
                        "Chat tool messages have no error flag: sent as plain content",
                    );
                }
                let content = match take(&mut block, "content") {
                    Some(Value::Array(items)) => {
                        let mut texts = Vec::new();
                        for (k, item) in items.into_iter().enumerate() {
                            match item.get("type").and_then(Value::as_str) {
                                Some("text") => texts
                                    .push(json!({"type": "text", "text": item["text"].clone()})),
                                _ => ctx.dropped(
                                    format!("{p}/content/{k}"),
                                    "Chat tool results carry text only",
                                ),
                            }
                        }
                        Value::Array(texts)
                    }
                    Some(text) => text,
                    None => json!(""),
                };
                out.push(json!({"role": "tool", "tool_call_id": id, "content": content}));
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
    if !parts.is_empty() {
        let content = match parts.as_slice() {
            [part] if part["type"] == "text" => part["text"].clone(),
            _ => Value::Array(parts),
        };
        out.push(json!({"role": "user", "content": content}));
    }
    Ok(())
}

fn assistant_turn(
    ctx: &mut Ctx<'_>,
    content: Value,
    pointer: &str,
    out: &mut Vec<Value>,
) -> Result<(), TranslateError> {
    let blocks = match content {
        Value::String(text) => {
            out.push(json!({"role": "assistant", "content": text}));
            return Ok(());
        }
        Value::Array(blocks) => blocks,
        other => {
            ctx.dropped(
                pointer,
                format!("content that is {}", crate::ctx::kind(&other)),
            );
            return Ok(());
        }
    };
    let mut text = String::new();
    let mut calls = Vec::new();
    for (j, block) in blocks.into_iter().enumerate() {
        let p = format!("{pointer}/{j}");
        let mut block = object(block, &p)?;
        drop_cache_control(ctx, &mut block, &p);
        match take_str(&mut block, "type").as_deref() {
            Some("text") => {
                text.push_str(take_str(&mut block, "text").as_deref().unwrap_or_default());
                if take(&mut block, "citations").is_some() {
                    ctx.dropped(
                        format!("{p}/citations"),
                        "Chat input messages have no citations",
                    );
                }
            }
            Some("tool_use") => calls.push(tool_use_to_call(&mut block)),
            Some(kind @ ("thinking" | "redacted_thinking")) => {
                ctx.dropped(
                    &p,
                    format!("{kind} from Anthropic is only sent back to Anthropic"),
                );
                continue;
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
    let mut message = json!({"role": "assistant", "content": if text.is_empty() && !calls.is_empty() { Value::Null } else { Value::String(text) }});
    if !calls.is_empty() {
        message["tool_calls"] = Value::Array(calls);
    }
    out.push(message);
    Ok(())
}

/// Messages → Chat (an Anthropic client, an OpenAI or OpenAI-compatible upstream).
pub fn messages_to_chat(
    request: &CreateMessageParams,
    opts: &Options,
) -> Result<Translated<CreateChatCompletionRequest>, TranslateError> {
    let mut src = object(to_json(request)?, "")?;
    let mut ctx = Ctx::new(opts, CHAT);
    let mut out = Map::new();
    if let Some(model) = take(&mut src, "model") {
        out.insert("model".into(), model);
    }
    let mut messages = Vec::new();
    match take(&mut src, "system") {
        Some(Value::String(text)) => messages.push(json!({"role": "system", "content": text})),
        Some(Value::Array(blocks)) => {
            let mut parts = Vec::new();
            for (j, block) in blocks.into_iter().enumerate() {
                let p = format!("/system/{j}");
                let mut block = object(block, &p)?;
                drop_cache_control(&mut ctx, &mut block, &p);
                block.shift_remove("type");
                parts.push(
                    json!({"type": "text", "text": take(&mut block, "text").unwrap_or(json!(""))}),
                );
                ctx.rest(&p, block);
            }
            let content = match parts.as_slice() {
                [part] => part["text"].clone(),
                _ => Value::Array(parts),
            };
            messages.push(json!({"role": "system", "content": content}));
        }
        Some(other) => ctx.dropped(
            "/system",
            format!("a system prompt that is {}", crate::ctx::kind(&other)),
        ),
        None => {}
    }
    for (i, message) in take_array(&mut src, "messages").into_iter().enumerate() {
        let p = format!("/messages/{i}");
        let mut message = object(message, &p)?;
        let content = take(&mut message, "content").unwrap_or(json!(""));
        match take_str(&mut message, "role").as_deref() {
            Some("user") => user_turn(&mut ctx, content, &format!("{p}/content"), &mut messages)?,
            Some("assistant") => {
                assistant_turn(&mut ctx, content, &format!("{p}/content"), &mut messages)?
            }
            other => ctx.dropped(
                &p,
                format!(
                    "{} messages have no Chat equivalent",
                    other.unwrap_or("role-less")
                ),
            ),
        }
        ctx.rest(&p, message);
    }
    out.insert("messages".into(), Value::Array(messages));
    if let Some(max) = take(&mut src, "max_tokens") {
        out.insert("max_completion_tokens".into(), max);
    }
    for key in ["temperature", "top_p", "stream"] {
        if let Some(value) = take(&mut src, key) {
            out.insert(key.into(), value);
        }
    }
    if out.get("stream") == Some(&json!(true)) {
        // The Anthropic client's message_delta carries usage: ask for it.
        out.insert("stream_options".into(), json!({"include_usage": true}));
    }
    let stop = take_array(&mut src, "stop_sequences");
    if !stop.is_empty() {
        out.insert("stop".into(), Value::Array(stop));
    }
    if let Some(Value::Object(mut metadata)) = take(&mut src, "metadata") {
        if let Some(user) = take(&mut metadata, "user_id") {
            out.insert("user".into(), user);
        }
        ctx.rest("/metadata", metadata);
    }
    let mut tools = Vec::new();
    for (i, tool) in take_array(&mut src, "tools").into_iter().enumerate() {
        let p = format!("/tools/{i}");
        let mut tool = object(tool, &p)?;
        let kind = take_str(&mut tool, "type");
        if kind.as_deref().is_some_and(|k| k != "custom") {
            ctx.dropped(
                &p,
                format!(
                    "the server tool {} runs only on Anthropic",
                    kind.as_deref().unwrap_or("?")
                ),
            );
            continue;
        }
        drop_cache_control(&mut ctx, &mut tool, &p);
        let mut function = Map::new();
        function.insert("name".into(), take(&mut tool, "name").unwrap_or(json!("")));
        if let Some(description) = take(&mut tool, "description") {
            function.insert("description".into(), description);
        }
        function.insert(
            "parameters".into(),
            take(&mut tool, "input_schema").unwrap_or(json!({"type": "object"})),
        );
        if let Some(strict) = take(&mut tool, "strict") {
            function.insert("strict".into(), strict);
        }
        ctx.rest(&p, tool);
        tools.push(json!({"type": "function", "function": function}));
    }
    if !tools.is_empty() {
        out.insert("tools".into(), Value::Array(tools));
    }
    if let Some(Value::Object(mut choice)) = take(&mut src, "tool_choice") {
        let mode = match take_str(&mut choice, "type").as_deref() {
            Some("auto") => Some(json!("auto")),
            Some("any") => Some(json!("required")),
            Some("none") => Some(json!("none")),
            Some("tool") => Some(
                json!({"type": "function", "function": {"name": take(&mut choice, "name").unwrap_or(json!(""))}}),
            ),
            other => {
                ctx.dropped(
                    "/tool_choice/type",
                    format!("tool choice {}", other.unwrap_or("without a type")),
                );
                None
            }
        };
        if let Some(mode) = mode {
            out.insert("tool_choice".into(), mode);
        }
        if take(&mut choice, "disable_parallel_tool_use") == Some(json!(true)) {
            out.insert("parallel_tool_calls".into(), json!(false));
        }
        ctx.rest("/tool_choice", choice);
    }
    if let Some(Value::Object(mut thinking)) = take(&mut src, "thinking") {
        match take_str(&mut thinking, "type").as_deref() {
            Some("enabled") => {
                let budget = take(&mut thinking, "budget_tokens")
                    .and_then(|b| b.as_u64())
                    .unwrap_or(0);
                let effort = match budget {
                    0..4096 => "low",
                    4096..16384 => "medium",
                    _ => "high",
                };
                ctx.approximated(
                    "/thinking",
                    format!(
                        "a thinking budget of {budget} tokens becomes reasoning_effort {effort}"
                    ),
                );
                out.insert("reasoning_effort".into(), json!(effort));
            }
            Some("disabled") | None => {}
            Some(other) => ctx.approximated(
                "/thinking",
                format!("thinking {other:?} leaves the reasoning effort to the model"),
            ),
        }
        ctx.rest("/thinking", thinking);
    }
    if let Some(Value::Object(mut config)) = take(&mut src, "output_config") {
        if let Some(effort) = take_str(&mut config, "effort") {
            let effort = match effort.as_str() {
                "max" => {
                    ctx.approximated("/output_config/effort", "OpenAI's highest effort is xhigh");
                    "xhigh".to_owned()
                }
                _ => effort,
            };
            out.insert("reasoning_effort".into(), json!(effort));
        }
        if let Some(Value::Object(mut format)) = take(&mut config, "format") {
            format.shift_remove("type");
            let schema = take(&mut format, "schema").unwrap_or(json!({"type": "object"}));
            out.insert("response_format".into(), json!({"type": "json_schema", "json_schema": {"name": "output", "schema": schema, "strict": true}}));
            ctx.rest("/output_config/format", format);
        }
        ctx.rest("/output_config", config);
    }
    ctx.rest("", src);
    ctx.finish(Value::Object(out))
}
