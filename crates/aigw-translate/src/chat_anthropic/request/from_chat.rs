//! A Chat Completions request as a Messages request.

use crate::ctx::{Ctx, object, parse_data_url, take, take_array, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use crate::reasoning;
use aigw_anthropic::CreateMessageParams;
use aigw_openai::CreateChatCompletionRequest;
use serde_json::{Map, Value, json};

const ANTHROPIC: &str = "Anthropic Messages";

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
pub(in crate::chat_anthropic) fn tool_call_to_use(
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
