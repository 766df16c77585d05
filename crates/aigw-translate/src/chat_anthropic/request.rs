//! Chat Completions request ↔ Messages request.

use crate::ctx::{Ctx, object, parse_data_url, take, take_array, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use crate::reasoning;
use aigw_anthropic::CreateMessageParams;
use aigw_openai::CreateChatCompletionRequest;
use serde_json::{Map, Value, json};

const ANTHROPIC: &str = "Anthropic Messages";
const CHAT: &str = "OpenAI Chat Completions";

/// Appends a message, merging it into the previous one when the role is the same (Anthropic
/// requires alternating roles; Chat sends each tool result as its own message).
fn push_merged(messages: &mut Vec<Value>, role: &str, blocks: Vec<Value>) {
    if blocks.is_empty() {
        return;
    }
    if let Some(last) = messages.last_mut()
        && last["role"] == role
        && let Some(Value::Array(content)) = last.get_mut("content")
    {
        content.extend(blocks);
        return;
    }
    messages.push(json!({ "role": role, "content": blocks }));
}

/// A content list of one plain text block becomes a string again (the common form).
fn collapse(messages: &mut [Value]) {
    for message in messages {
        if let Some(Value::Array(blocks)) = message.get("content")
            && let [Value::Object(block)] = blocks.as_slice()
            && block.len() == 2
            && block.get("type") == Some(&json!("text"))
            && let Some(Value::String(text)) = block.get("text")
        {
            message["content"] = Value::String(text.clone());
        }
    }
}

/// One Chat text or refusal part as an Anthropic text block.
fn text_part(ctx: &mut Ctx<'_>, mut part: Map<String, Value>, p: &str) -> Option<Value> {
    match take_str(&mut part, "type").as_deref() {
        Some("text") => {
            let mut block = Map::new();
            block.insert("type".into(), json!("text"));
            block.insert("text".into(), take(&mut part, "text").unwrap_or(json!("")));
            if let Some(cache) = take(&mut part, "cache_control") {
                block.insert("cache_control".into(), cache);
            }
            ctx.rest(p, part);
            Some(Value::Object(block))
        }
        Some("refusal") => {
            ctx.approximated(p, "a refusal part becomes text");
            let text = take(&mut part, "refusal").unwrap_or(json!(""));
            ctx.rest(p, part);
            Some(json!({"type": "text", "text": text}))
        }
        other => {
            ctx.dropped(
                p,
                format!(
                    "{} content part in a text-only message",
                    other.unwrap_or("untyped")
                ),
            );
            None
        }
    }
}

/// Chat text-like content (a string or parts) as Anthropic text blocks.
fn text_blocks(ctx: &mut Ctx<'_>, content: Value, pointer: &str) -> Vec<Value> {
    match content {
        Value::String(text) => vec![json!({"type": "text", "text": text})],
        Value::Array(parts) => parts
            .into_iter()
            .enumerate()
            .filter_map(|(j, part)| {
                let p = format!("{pointer}/{j}");
                match part {
                    Value::Object(part) => text_part(ctx, part, &p),
                    _ => {
                        ctx.dropped(p, "not a content part");
                        None
                    }
                }
            })
            .collect(),
        other => {
            ctx.dropped(
                pointer,
                format!("content that is {}", crate::ctx::kind(&other)),
            );
            Vec::new()
        }
    }
}

/// Chat user content as Anthropic blocks (text, images, PDF files).
fn user_blocks(ctx: &mut Ctx<'_>, content: Value, pointer: &str) -> Vec<Value> {
    let Value::Array(parts) = content else {
        return text_blocks(ctx, content, pointer);
    };
    let mut blocks = Vec::new();
    for (j, part) in parts.into_iter().enumerate() {
        let p = format!("{pointer}/{j}");
        let Value::Object(mut part) = part else {
            ctx.dropped(p, "not a content part");
            continue;
        };
        let cache = take(&mut part, "cache_control");
        let mut block = match part.get("type").and_then(Value::as_str) {
            Some("text" | "refusal") => match text_part(ctx, part, &p) {
                Some(block) => block,
                None => continue,
            },
            Some("image_url") => {
                part.shift_remove("type");
                let Some(Value::Object(mut image)) = take(&mut part, "image_url") else {
                    ctx.dropped(&p, "an image part without image_url");
                    continue;
                };
                let url = take_str(&mut image, "url").unwrap_or_default();
                if let Some(detail) = take_str(&mut image, "detail")
                    && detail != "auto"
                {
                    ctx.dropped(
                        format!("{p}/image_url/detail"),
                        "Anthropic has no image detail level",
                    );
                }
                ctx.rest(&format!("{p}/image_url"), image);
                ctx.rest(&p, part);
                match parse_data_url(&url) {
                    Some((media, data)) => {
                        json!({"type": "image", "source": {"type": "base64", "media_type": media, "data": data}})
                    }
                    None => json!({"type": "image", "source": {"type": "url", "url": url}}),
                }
            }
            Some("file") => {
                part.shift_remove("type");
                let Some(Value::Object(mut file)) = take(&mut part, "file") else {
                    ctx.dropped(&p, "a file part without file");
                    continue;
                };
                let data = take_str(&mut file, "file_data");
                let pdf = data
                    .as_deref()
                    .and_then(parse_data_url)
                    .filter(|(media, _)| *media == "application/pdf");
                let Some((media, data)) = pdf else {
                    ctx.dropped(&p, "only inline PDF files map to Anthropic documents (file ids are OpenAI's own)");
                    continue;
                };
                let mut block = json!({"type": "document", "source": {"type": "base64", "media_type": media, "data": data}});
                if let Some(name) = take(&mut file, "filename") {
                    block["title"] = name;
                }
                ctx.rest(&format!("{p}/file"), file);
                ctx.rest(&p, part);
                block
            }
            other => {
                ctx.dropped(
                    p,
                    format!(
                        "{} content parts have no Anthropic equivalent",
                        other.unwrap_or("untyped")
                    ),
                );
                continue;
            }
        };
        if let Some(cache) = cache {
            block["cache_control"] = cache;
        }
        blocks.push(block);
    }
    blocks
}

/// A Chat tool call (`{id, type, function: {name, arguments}}`) as an Anthropic `tool_use`
/// block; arguments that are not a JSON object become `{}`, reported.
pub(super) fn tool_call_to_use(
    ctx: &mut Ctx<'_>,
    call: Value,
    pointer: &str,
) -> Result<Value, TranslateError> {
    let mut call = object(call, pointer)?;
    call.shift_remove("type");
    let id = take(&mut call, "id").unwrap_or(json!(""));
    let fp = format!("{pointer}/function");
    let mut function = object(take(&mut call, "function").unwrap_or(json!({})), &fp)?;
    let name = take(&mut function, "name").unwrap_or(json!(""));
    let arguments = take_str(&mut function, "arguments").unwrap_or_else(|| "{}".to_owned());
    let input = match serde_json::from_str::<Value>(&arguments) {
        Ok(input @ Value::Object(_)) => input,
        _ => {
            ctx.approximated(
                format!("{fp}/arguments"),
                "arguments that are not a JSON object become {}",
            );
            json!({})
        }
    };
    ctx.rest(&fp, function);
    ctx.rest(pointer, call);
    Ok(json!({"type": "tool_use", "id": id, "name": name, "input": input}))
}

/// An Anthropic `tool_use` block (its `type` already taken) as a Chat tool call.
pub(super) fn tool_use_to_call(block: &mut Map<String, Value>) -> Value {
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

/// Chat → Messages (an OpenAI client, an Anthropic upstream).
pub fn chat_to_messages(
    request: &CreateChatCompletionRequest,
    opts: &Options,
) -> Result<Translated<CreateMessageParams>, TranslateError> {
    let mut src = object(to_json(request)?, "")?;
    let mut ctx = Ctx::new(opts, ANTHROPIC);
    let mut out = Map::new();
    if let Some(model) = take(&mut src, "model") {
        out.insert("model".into(), model);
    }
    let mut system: Vec<Value> = Vec::new();
    let mut messages: Vec<Value> = Vec::new();
    for (i, message) in take_array(&mut src, "messages").into_iter().enumerate() {
        let p = format!("/messages/{i}");
        let mut message = object(message, &p)?;
        let role = take_str(&mut message, "role").unwrap_or_default();
        if take(&mut message, "name").is_some() {
            ctx.dropped(
                format!("{p}/name"),
                "Anthropic messages have no participant name",
            );
        }
        match role.as_str() {
            "system" | "developer" => {
                if !messages.is_empty() {
                    ctx.approximated(&p, "a system message inside the conversation moves to the top-level system prompt");
                }
                let content = take(&mut message, "content").unwrap_or(json!(""));
                system.extend(text_blocks(&mut ctx, content, &format!("{p}/content")));
            }
            "user" => {
                let content = take(&mut message, "content").unwrap_or(json!(""));
                let blocks = user_blocks(&mut ctx, content, &format!("{p}/content"));
                push_merged(&mut messages, "user", blocks);
            }
            "assistant" => {
                let mut blocks = Vec::new();
                let entries = take_array(&mut message, reasoning::FIELD);
                let (mine, foreign) = reasoning::untag(entries, "anthropic");
                blocks.extend(mine);
                for (j, from) in foreign {
                    ctx.dropped(
                        format!("{p}/{}/{j}", reasoning::FIELD),
                        format!("opaque reasoning from {from} is only sent back to {from}"),
                    );
                }
                if take(&mut message, "reasoning_content").is_some() && blocks.is_empty() {
                    ctx.dropped(
                        format!("{p}/reasoning_content"),
                        "Anthropic accepts prior thinking only with its signature",
                    );
                }
                if let Some(content) = take(&mut message, "content") {
                    blocks.extend(text_blocks(&mut ctx, content, &format!("{p}/content")));
                }
                if take(&mut message, "refusal").is_some() {
                    ctx.dropped(
                        format!("{p}/refusal"),
                        "Anthropic has no refusal field on input messages",
                    );
                }
                for (j, call) in take_array(&mut message, "tool_calls")
                    .into_iter()
                    .enumerate()
                {
                    let cp = format!("{p}/tool_calls/{j}");
                    blocks.push(tool_call_to_use(&mut ctx, call, &cp)?);
                }
                push_merged(&mut messages, "assistant", blocks);
            }
            "tool" => {
                let id = take(&mut message, "tool_call_id").unwrap_or(json!(""));
                let content = take(&mut message, "content").unwrap_or(json!(""));
                let content = match content {
                    Value::String(text) => Value::String(text),
                    other => Value::Array(text_blocks(&mut ctx, other, &format!("{p}/content"))),
                };
                push_merged(
                    &mut messages,
                    "user",
                    vec![json!({"type": "tool_result", "tool_use_id": id, "content": content})],
                );
            }
            other => {
                ctx.dropped(
                    &p,
                    format!("{other:?} messages have no Anthropic equivalent"),
                );
                continue;
            }
        }
        ctx.rest(&p, message);
    }
    collapse(&mut messages);
    if !system.is_empty() {
        let plain = system.len() == 1 && system[0].as_object().is_some_and(|b| b.len() == 2);
        out.insert(
            "system".into(),
            if plain {
                system[0]["text"].clone()
            } else {
                Value::Array(system)
            },
        );
    }
    out.insert("messages".into(), Value::Array(messages));
    let limit = take(&mut src, "max_completion_tokens");
    let legacy = take(&mut src, "max_tokens");
    match (limit, legacy) {
        (Some(limit), legacy) => {
            if legacy.is_some() {
                ctx.dropped(
                    "/max_tokens",
                    "max_completion_tokens is set and takes precedence",
                );
            }
            out.insert("max_tokens".into(), limit);
        }
        (None, Some(legacy)) => {
            out.insert("max_tokens".into(), legacy);
        }
        (None, None) => {
            ctx.defaulted(
                "/max_completion_tokens",
                format!(
                    "Anthropic requires max_tokens; sent {}",
                    opts.default_max_tokens
                ),
            );
            out.insert("max_tokens".into(), json!(opts.default_max_tokens));
        }
    }
    if let Some(temperature) = take(&mut src, "temperature") {
        let value = temperature.as_f64().unwrap_or(1.0);
        if value > 1.0 {
            ctx.approximated(
                "/temperature",
                "Anthropic's temperature range is 0–1: clamped to 1",
            );
            out.insert("temperature".into(), json!(1.0));
        } else {
            out.insert("temperature".into(), temperature);
        }
    }
    if let Some(top_p) = take(&mut src, "top_p") {
        out.insert("top_p".into(), top_p);
    }
    let stop = take_array(&mut src, "stop");
    if !stop.is_empty() {
        out.insert("stop_sequences".into(), Value::Array(stop));
    }
    if let Some(n) = take(&mut src, "n")
        && n != json!(1)
    {
        ctx.dropped("/n", "Anthropic returns one choice");
    }
    if let Some(stream) = take(&mut src, "stream") {
        out.insert("stream".into(), stream);
    }
    // Satisfied by the stream translation, which always ends with usage.
    take(&mut src, "stream_options");
    if let Some(user) = take(&mut src, "user") {
        out.insert("metadata".into(), json!({"user_id": user}));
    }
    translate_tools(&mut ctx, &mut src, &mut out)?;
    let mut output_config = Map::new();
    if let Some(Value::Object(mut format)) = take(&mut src, "response_format") {
        match take_str(&mut format, "type").as_deref() {
            Some("json_schema") => {
                let mut spec = object(
                    take(&mut format, "json_schema").unwrap_or(json!({})),
                    "/response_format/json_schema",
                )?;
                let schema = take(&mut spec, "schema").unwrap_or(json!({"type": "object"}));
                output_config.insert(
                    "format".into(),
                    json!({"type": "json_schema", "schema": schema}),
                );
                take(&mut spec, "strict");
                if take(&mut spec, "name").is_some() {
                    ctx.dropped(
                        "/response_format/json_schema/name",
                        "Anthropic output formats are unnamed",
                    );
                }
                ctx.rest("/response_format/json_schema", spec);
            }
            Some("json_object") => {
                ctx.approximated(
                    "/response_format",
                    "JSON mode becomes a json_schema output format accepting any object",
                );
                output_config.insert(
                    "format".into(),
                    json!({"type": "json_schema", "schema": {"type": "object"}}),
                );
            }
            Some("text") | None => {}
            Some(other) => ctx.dropped(
                "/response_format/type",
                format!("response format {other:?}"),
            ),
        }
        ctx.rest("/response_format", format);
    }
    if let Some(effort) = take_str(&mut src, "reasoning_effort") {
        let mapped = match effort.as_str() {
            "low" | "medium" | "high" => effort.clone(),
            "minimal" | "none" => {
                ctx.approximated(
                    "/reasoning_effort",
                    format!("Anthropic's lowest effort is low (was {effort})"),
                );
                "low".to_owned()
            }
            "xhigh" => "xhigh".to_owned(),
            other => {
                ctx.approximated(
                    "/reasoning_effort",
                    format!("unknown effort {other:?} sent as medium"),
                );
                "medium".to_owned()
            }
        };
        output_config.insert("effort".into(), json!(mapped));
    }
    if !output_config.is_empty() {
        out.insert("output_config".into(), Value::Object(output_config));
    }
    ctx.rest("", src);
    ctx.finish(Value::Object(out))
}

fn translate_tools(
    ctx: &mut Ctx<'_>,
    src: &mut Map<String, Value>,
    out: &mut Map<String, Value>,
) -> Result<(), TranslateError> {
    let mut tools = Vec::new();
    for (i, tool) in take_array(src, "tools").into_iter().enumerate() {
        let p = format!("/tools/{i}");
        let mut tool = object(tool, &p)?;
        if take_str(&mut tool, "type").as_deref() != Some("function") {
            ctx.dropped(&p, "only function tools map to Anthropic tools");
            continue;
        }
        let mut function = object(
            take(&mut tool, "function").unwrap_or(json!({})),
            &format!("{p}/function"),
        )?;
        let mut out_tool = Map::new();
        out_tool.insert(
            "name".into(),
            take(&mut function, "name").unwrap_or(json!("")),
        );
        if let Some(description) = take(&mut function, "description") {
            out_tool.insert("description".into(), description);
        }
        out_tool.insert(
            "input_schema".into(),
            take(&mut function, "parameters")
                .unwrap_or(json!({"type": "object", "properties": {}})),
        );
        if let Some(strict) = take(&mut function, "strict") {
            out_tool.insert("strict".into(), strict);
        }
        if let Some(cache) = take(&mut tool, "cache_control") {
            out_tool.insert("cache_control".into(), cache);
        }
        ctx.rest(&format!("{p}/function"), function);
        ctx.rest(&p, tool);
        tools.push(Value::Object(out_tool));
    }
    if !tools.is_empty() {
        out.insert("tools".into(), Value::Array(tools));
    }
    let parallel = take(src, "parallel_tool_calls");
    let mut choice = match take(src, "tool_choice") {
        Some(Value::String(mode)) => match mode.as_str() {
            "none" => Some(json!({"type": "none"})),
            "auto" => Some(json!({"type": "auto"})),
            "required" => Some(json!({"type": "any"})),
            other => {
                ctx.dropped("/tool_choice", format!("tool_choice {other:?}"));
                None
            }
        },
        Some(Value::Object(mut choice)) => {
            let name = choice.get("function").and_then(|f| f.get("name")).cloned();
            match (take_str(&mut choice, "type").as_deref(), name) {
                (Some("function"), Some(name)) => Some(json!({"type": "tool", "name": name})),
                _ => {
                    ctx.dropped(
                        "/tool_choice",
                        "only a named function choice maps to Anthropic",
                    );
                    None
                }
            }
        }
        Some(_) => {
            ctx.dropped("/tool_choice", "not a tool choice");
            None
        }
        None => None,
    };
    if parallel == Some(json!(false)) {
        match &mut choice {
            Some(choice) if choice["type"] != "none" => {
                choice["disable_parallel_tool_use"] = json!(true)
            }
            Some(_) => {}
            None => choice = Some(json!({"type": "auto", "disable_parallel_tool_use": true})),
        }
    }
    if let Some(choice) = choice {
        out.insert("tool_choice".into(), choice);
    }
    Ok(())
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
