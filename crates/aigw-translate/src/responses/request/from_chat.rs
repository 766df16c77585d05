//! A Chat Completions request as a Responses request.

use super::{ENCRYPTED_REASONING, LOGPROBS, SHARED};
use crate::ctx::{Ctx, kind, object, take, take_array, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use crate::reasoning;
use crate::responses::common::RESPONSES;
use aigw_openai::{CreateChatCompletionRequest, CreateResponse};
use serde_json::{Map, Value, json};
use std::collections::HashSet;

/// Chat user or system content parts as Responses input content.
fn input_parts(ctx: &mut Ctx<'_>, parts: Vec<Value>, pointer: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for (j, part) in parts.into_iter().enumerate() {
        let p = format!("{pointer}/{j}");
        let Value::Object(mut part) = part else {
            ctx.dropped(p, "not a content part");
            continue;
        };
        match take_str(&mut part, "type").as_deref() {
            Some("text") => {
                out.push(json!({"type": "input_text", "text": take(&mut part, "text").unwrap_or(json!(""))}));
            }
            Some("image_url") => {
                let ip = format!("{p}/image_url");
                let mut image = match take(&mut part, "image_url") {
                    Some(Value::Object(image)) => image,
                    Some(Value::String(url)) => {
                        let mut image = Map::new();
                        image.insert("url".into(), json!(url));
                        image
                    }
                    _ => {
                        ctx.dropped(&p, "an image part without image_url");
                        continue;
                    }
                };
                let url = take(&mut image, "url").unwrap_or(json!(""));
                let detail = take(&mut image, "detail").unwrap_or(json!("auto"));
                ctx.rest(&ip, image);
                out.push(json!({"type": "input_image", "image_url": url, "detail": detail}));
            }
            Some("file") => {
                let fp = format!("{p}/file");
                let mut file = match take(&mut part, "file") {
                    Some(Value::Object(file)) => file,
                    _ => {
                        ctx.dropped(&p, "a file part without file");
                        continue;
                    }
                };
                let mut item = Map::new();
                item.insert("type".into(), json!("input_file"));
                for key in ["file_data", "file_id", "filename"] {
                    if let Some(value) = take(&mut file, key) {
                        item.insert(key.into(), value);
                    }
                }
                ctx.rest(&fp, file);
                out.push(Value::Object(item));
            }
            other => {
                ctx.dropped(
                    p,
                    format!(
                        "{} content parts have no Responses equivalent",
                        other.unwrap_or("untyped")
                    ),
                );
                continue;
            }
        }
        ctx.rest(&p, part);
    }
    out
}

/// Chat content (a string or parts) of a user, system or developer message.
fn input_content(ctx: &mut Ctx<'_>, content: Value, pointer: &str) -> Value {
    match content {
        Value::String(text) => Value::String(text),
        Value::Array(parts) => Value::Array(input_parts(ctx, parts, pointer)),
        other => {
            ctx.dropped(pointer, format!("content that is {}", kind(&other)));
            json!("")
        }
    }
}

/// A Chat assistant message as Responses items: its OpenAI reasoning, a message (text and
/// refusal) and one call item per tool call.
fn assistant_items(
    ctx: &mut Ctx<'_>,
    message: &mut Map<String, Value>,
    p: &str,
    items: &mut Vec<Value>,
    custom_calls: &mut HashSet<String>,
    has_reasoning: &mut bool,
) -> Result<(), TranslateError> {
    let (mine, foreign) = reasoning::untag(take_array(message, reasoning::FIELD), "openai");
    for (j, from) in foreign {
        ctx.dropped(
            format!("{p}/{}/{j}", reasoning::FIELD),
            format!("opaque reasoning from {from} is only sent back to {from}"),
        );
    }
    if !mine.is_empty() {
        *has_reasoning = true;
    }
    let text = take(message, "reasoning_content");
    let other = take(message, "reasoning");
    if (text.is_some() || other.is_some()) && mine.is_empty() {
        let key = if text.is_some() {
            "reasoning_content"
        } else {
            "reasoning"
        };
        ctx.dropped(
            format!("{p}/{key}"),
            "OpenAI accepts prior reasoning only as its own reasoning items",
        );
    }
    items.extend(mine);
    let mut parts = Vec::new();
    let mut plain = None;
    match take(message, "content") {
        Some(Value::String(text)) => plain = Some(text),
        Some(Value::Array(content)) => {
            for (j, part) in content.into_iter().enumerate() {
                let pp = format!("{p}/content/{j}");
                let Value::Object(mut part) = part else {
                    ctx.dropped(pp, "not a content part");
                    continue;
                };
                match take_str(&mut part, "type").as_deref() {
                    Some("text") => parts.push(json!({"type": "output_text", "text": take(&mut part, "text").unwrap_or(json!("")), "annotations": []})),
                    Some("refusal") => parts.push(json!({"type": "refusal", "refusal": take(&mut part, "refusal").unwrap_or(json!(""))})),
                    other => {
                        ctx.dropped(
                            pp,
                            format!(
                                "{} parts in an assistant message have no Responses equivalent",
                                other.unwrap_or("untyped")
                            ),
                        );
                        continue;
                    }
                }
                ctx.rest(&pp, part);
            }
        }
        Some(other) => ctx.dropped(
            format!("{p}/content"),
            format!("content that is {}", kind(&other)),
        ),
        None => {}
    }
    if let Some(refusal) = take(message, "refusal") {
        if let Some(text) = plain.take() {
            parts.push(json!({"type": "output_text", "text": text, "annotations": []}));
        }
        parts.push(json!({"type": "refusal", "refusal": refusal}));
    }
    match plain {
        Some(text) => items.push(json!({"role": "assistant", "content": text})),
        None if !parts.is_empty() => {
            items.push(json!({"type": "message", "role": "assistant", "content": parts}))
        }
        None => {}
    }
    for (j, call) in take_array(message, "tool_calls").into_iter().enumerate() {
        let cp = format!("{p}/tool_calls/{j}");
        let mut call = object(call, &cp)?;
        // A stream's assembly index, left in by clients that echo accumulated chunks.
        call.shift_remove("index");
        let id = take(&mut call, "id").unwrap_or(json!(""));
        match take_str(&mut call, "type").as_deref() {
            Some("custom") => {
                let mut custom = object(
                    take(&mut call, "custom").unwrap_or(json!({})),
                    &format!("{cp}/custom"),
                )?;
                if let Some(id) = id.as_str() {
                    custom_calls.insert(id.to_owned());
                }
                items.push(json!({
                    "type": "custom_tool_call", "call_id": id,
                    "name": take(&mut custom, "name").unwrap_or(json!("")),
                    "input": take(&mut custom, "input").unwrap_or(json!(""))
                }));
                ctx.rest(&format!("{cp}/custom"), custom);
            }
            _ => {
                let mut function = object(
                    take(&mut call, "function").unwrap_or(json!({})),
                    &format!("{cp}/function"),
                )?;
                items.push(json!({
                    "type": "function_call", "call_id": id,
                    "name": take(&mut function, "name").unwrap_or(json!("")),
                    "arguments": take(&mut function, "arguments").unwrap_or(json!("{}"))
                }));
                ctx.rest(&format!("{cp}/function"), function);
            }
        }
        ctx.rest(&cp, call);
    }
    Ok(())
}

/// Chat tools → Responses tools (flat function and custom tools).
fn tools_to_responses(
    ctx: &mut Ctx<'_>,
    src: &mut Map<String, Value>,
    out: &mut Map<String, Value>,
) -> Result<(), TranslateError> {
    let mut tools = Vec::new();
    for (i, tool) in take_array(src, "tools").into_iter().enumerate() {
        let p = format!("/tools/{i}");
        let mut tool = object(tool, &p)?;
        let mut kind = take_str(&mut tool, "type");
        if kind.is_none() && tool.contains_key("function") {
            // Some clients leave the type out; OpenAI-compatible servers take it as a function.
            kind = Some("function".into());
        }
        match kind.as_deref() {
            Some("function") => {
                let fp = format!("{p}/function");
                let mut function = object(take(&mut tool, "function").unwrap_or(json!({})), &fp)?;
                let mut flat = Map::new();
                flat.insert("type".into(), json!("function"));
                flat.insert(
                    "name".into(),
                    take(&mut function, "name").unwrap_or(json!("")),
                );
                if let Some(description) = take(&mut function, "description") {
                    flat.insert("description".into(), description);
                }
                flat.insert(
                    "parameters".into(),
                    take(&mut function, "parameters")
                        .unwrap_or(json!({"type": "object", "properties": {}})),
                );
                // Chat's default is non-strict; Responses' default is strict: say it.
                flat.insert(
                    "strict".into(),
                    take(&mut function, "strict").unwrap_or(json!(false)),
                );
                ctx.rest(&fp, function);
                tools.push(Value::Object(flat));
            }
            Some("custom") => {
                let cp = format!("{p}/custom");
                let mut custom = object(take(&mut tool, "custom").unwrap_or(json!({})), &cp)?;
                let mut flat = Map::new();
                flat.insert("type".into(), json!("custom"));
                for key in ["name", "description", "format"] {
                    if let Some(value) = take(&mut custom, key) {
                        flat.insert(key.into(), value);
                    }
                }
                ctx.rest(&cp, custom);
                tools.push(Value::Object(flat));
            }
            other => {
                ctx.dropped(
                    &p,
                    format!(
                        "{} tools have no Responses equivalent",
                        other.unwrap_or("untyped")
                    ),
                );
                continue;
            }
        }
        ctx.rest(&p, tool);
    }
    if !tools.is_empty() {
        out.insert("tools".into(), Value::Array(tools));
    }
    match take(src, "tool_choice") {
        Some(Value::String(mode)) => {
            out.insert("tool_choice".into(), json!(mode));
        }
        Some(Value::Object(mut choice)) => {
            match take_str(&mut choice, "type").as_deref() {
                Some(kind @ ("function" | "custom")) => {
                    let name = choice
                        .get(kind)
                        .and_then(|f| f.get("name"))
                        .cloned()
                        .unwrap_or(json!(""));
                    choice.shift_remove(kind);
                    out.insert("tool_choice".into(), json!({"type": kind, "name": name}));
                }
                Some("allowed_tools") => {
                    let ap = "/tool_choice/allowed_tools";
                    let mut allowed =
                        object(take(&mut choice, "allowed_tools").unwrap_or(json!({})), ap)?;
                    let mode = take(&mut allowed, "mode").unwrap_or(json!("auto"));
                    let mut tools = Vec::new();
                    for (j, tool) in take_array(&mut allowed, "tools").into_iter().enumerate() {
                        let tp = format!("{ap}/tools/{j}");
                        let mut tool = object(tool, &tp)?;
                        let kind = take_str(&mut tool, "type").unwrap_or_else(|| "function".into());
                        let name = tool
                            .get(&kind)
                            .and_then(|f| f.get("name"))
                            .cloned()
                            .unwrap_or(json!(""));
                        tool.shift_remove(&kind);
                        tools.push(json!({"type": kind, "name": name}));
                        ctx.rest(&tp, tool);
                    }
                    ctx.rest(ap, allowed);
                    out.insert(
                        "tool_choice".into(),
                        json!({"type": "allowed_tools", "mode": mode, "tools": tools}),
                    );
                }
                other => {
                    ctx.dropped("/tool_choice", format!("tool choice {other:?}"));
                    choice.clear();
                }
            }
            ctx.rest("/tool_choice", choice);
        }
        Some(other) => ctx.dropped(
            "/tool_choice",
            format!("a tool choice that is {}", kind(&other)),
        ),
        None => {}
    }
    Ok(())
}

/// Chat → Responses (an OpenAI Chat client, an OpenAI Responses upstream).
///
/// The request is stateless, as a Chat request is: `store` is `false` unless the client
/// asked Chat to store the completion, and reasoning comes back encrypted (so that the
/// client can send it back in `aigw_reasoning`) whenever reasoning is in play.
pub fn chat_to_responses(
    request: &CreateChatCompletionRequest,
    opts: &Options,
) -> Result<Translated<CreateResponse>, TranslateError> {
    let mut src = object(to_json(request)?, "")?;
    let mut ctx = Ctx::new(opts, RESPONSES);
    let mut out = Map::new();
    if let Some(model) = take(&mut src, "model") {
        out.insert("model".into(), model);
    }
    let mut items = Vec::new();
    let mut instructions = None;
    let mut custom_calls = HashSet::new();
    let mut has_reasoning = false;
    for (i, message) in take_array(&mut src, "messages").into_iter().enumerate() {
        let p = format!("/messages/{i}");
        let mut message = object(message, &p)?;
        let role = take_str(&mut message, "role").unwrap_or_default();
        if take(&mut message, "name").is_some() {
            ctx.dropped(
                format!("{p}/name"),
                "Responses messages have no participant name",
            );
        }
        match role.as_str() {
            "system" | "developer" | "user" => {
                let content = take(&mut message, "content").unwrap_or(json!(""));
                match content {
                    // The leading plain system prompt is the instructions.
                    Value::String(text) if i == 0 && role == "system" => {
                        instructions = Some(text);
                    }
                    content => {
                        let given = content.as_array().is_some_and(|parts| !parts.is_empty());
                        let content = input_content(&mut ctx, content, &format!("{p}/content"));
                        // A message whose every part was dropped (and reported) is left out.
                        if !(given && content.as_array().is_some_and(Vec::is_empty)) {
                            items.push(json!({"role": role, "content": content}));
                        }
                    }
                }
            }
            "assistant" => {
                assistant_items(
                    &mut ctx,
                    &mut message,
                    &p,
                    &mut items,
                    &mut custom_calls,
                    &mut has_reasoning,
                )?;
                for (key, reason) in [
                    ("audio", "Responses has no audio output to refer to"),
                    (
                        "function_call",
                        "legacy function calls have no Responses equivalent",
                    ),
                ] {
                    if take(&mut message, key).is_some() {
                        ctx.dropped(format!("{p}/{key}"), reason);
                    }
                }
            }
            "tool" => {
                let id = take(&mut message, "tool_call_id").unwrap_or(json!(""));
                let kind = match id.as_str() {
                    Some(id) if custom_calls.contains(id) => "custom_tool_call_output",
                    _ => "function_call_output",
                };
                let output = match take(&mut message, "content").unwrap_or(json!("")) {
                    Value::String(text) => Value::String(text),
                    other => input_content(&mut ctx, other, &format!("{p}/content")),
                };
                items.push(json!({"type": kind, "call_id": id, "output": output}));
            }
            other => {
                ctx.dropped(
                    &p,
                    format!("{other:?} messages have no Responses equivalent"),
                );
                continue;
            }
        }
        ctx.rest(&p, message);
    }
    if let Some(text) = instructions {
        out.insert("instructions".into(), json!(text));
    }
    out.insert("input".into(), Value::Array(items));
    for key in SHARED {
        if let Some(value) = take(&mut src, key) {
            out.insert((*key).into(), value);
        }
    }
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
            out.insert("max_output_tokens".into(), limit);
        }
        (None, Some(legacy)) => {
            out.insert("max_output_tokens".into(), legacy);
        }
        (None, None) => {}
    }
    if let Some(stream) = take(&mut src, "stream") {
        out.insert("stream".into(), stream);
    }
    if let Some(Value::Object(mut options)) = take(&mut src, "stream_options") {
        // Satisfied by the stream translation: response.completed always carries usage.
        take(&mut options, "include_usage");
        if let Some(obfuscation) = take(&mut options, "include_obfuscation") {
            out.insert(
                "stream_options".into(),
                json!({"include_obfuscation": obfuscation}),
            );
        }
        ctx.rest("/stream_options", options);
    }
    tools_to_responses(&mut ctx, &mut src, &mut out)?;
    let mut text = Map::new();
    if let Some(Value::Object(mut format)) = take(&mut src, "response_format") {
        match take_str(&mut format, "type").as_deref() {
            Some("json_schema") => {
                let sp = "/response_format/json_schema";
                let mut spec = object(take(&mut format, "json_schema").unwrap_or(json!({})), sp)?;
                let mut flat = Map::new();
                flat.insert("type".into(), json!("json_schema"));
                flat.insert(
                    "name".into(),
                    take(&mut spec, "name").unwrap_or(json!("output")),
                );
                for key in ["description", "schema", "strict"] {
                    if let Some(value) = take(&mut spec, key) {
                        flat.insert(key.into(), value);
                    }
                }
                ctx.rest(sp, spec);
                text.insert("format".into(), Value::Object(flat));
            }
            Some(kind @ ("json_object" | "text")) => {
                text.insert("format".into(), json!({"type": kind}));
            }
            other => {
                ctx.dropped(
                    "/response_format/type",
                    format!("response format {other:?}"),
                );
                format.clear();
            }
        }
        ctx.rest("/response_format", format);
    }
    if let Some(verbosity) = take(&mut src, "verbosity") {
        text.insert("verbosity".into(), verbosity);
    }
    if !text.is_empty() {
        out.insert("text".into(), Value::Object(text));
    }
    if let Some(effort) = take(&mut src, "reasoning_effort") {
        out.insert("reasoning".into(), json!({"effort": effort}));
        has_reasoning = true;
    }
    let mut include = Vec::new();
    if take(&mut src, "logprobs") == Some(json!(true)) {
        include.push(json!(LOGPROBS));
    }
    if let Some(top) = take(&mut src, "top_logprobs") {
        out.insert("top_logprobs".into(), top);
    }
    let store = take(&mut src, "store") == Some(json!(true));
    out.insert("store".into(), json!(store));
    if has_reasoning && !store {
        // Without stored responses, reasoning is carried by the client: ask for it.
        include.push(json!(ENCRYPTED_REASONING));
    }
    if !include.is_empty() {
        out.insert("include".into(), Value::Array(include));
    }
    if let Some(n) = take(&mut src, "n")
        && n != json!(1)
    {
        ctx.dropped("/n", "Responses returns one output");
    }
    if let Some(modalities) = take(&mut src, "modalities")
        && modalities != json!(["text"])
    {
        ctx.dropped("/modalities", "Responses returns text only");
    }
    for (key, reason) in [
        ("stop", "Responses has no stop sequences"),
        ("seed", "Responses has no seed"),
        ("frequency_penalty", "Responses has no frequency penalty"),
        ("presence_penalty", "Responses has no presence penalty"),
        ("logit_bias", "Responses has no logit bias"),
        ("audio", "Responses has no audio output"),
        ("prediction", "Responses has no predicted outputs"),
        (
            "web_search_options",
            "Chat web search options are for Chat's search models; Responses uses a web_search tool",
        ),
        ("functions", "legacy functions have no Responses equivalent"),
        (
            "function_call",
            "legacy function_call has no Responses equivalent",
        ),
    ] {
        if take(&mut src, key).is_some() {
            ctx.dropped(format!("/{key}"), reason);
        }
    }
    ctx.rest("", src);
    ctx.finish(Value::Object(out))
}
