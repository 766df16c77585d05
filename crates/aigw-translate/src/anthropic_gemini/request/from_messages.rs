//! A Messages request as a generateContent request.

use crate::anthropic_gemini::common::{GEMINI, base64_encode, guess_media_type};
use crate::ctx::{Ctx, kind, object, take, take_array, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use aigw_anthropic::CreateMessageParams;
use aigw_gemini::GenerateContentRequest;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

const CACHE: &str = "Gemini caches prompts implicitly or through cachedContent resources; cache breakpoints have no equivalent";

fn drop_cache(ctx: &mut Ctx<'_>, block: &mut Map<String, Value>, p: &str) {
    if take(block, "cache_control").is_some() {
        ctx.dropped(format!("{p}/cache_control"), CACHE);
    }
}

/// An Anthropic `source` (image or document) as a Gemini `inlineData` / `fileData` part.
fn media_part(
    ctx: &mut Ctx<'_>,
    source: Value,
    p: &str,
    what: &str,
) -> Result<Option<Value>, TranslateError> {
    let sp = format!("{p}/source");
    let mut source = object(source, &sp)?;
    let part = match take_str(&mut source, "type").as_deref() {
        Some("base64") => {
            let media = take(&mut source, "media_type").unwrap_or(json!(""));
            let data = take(&mut source, "data").unwrap_or(json!(""));
            json!({"inlineData": {"mimeType": media, "data": data}})
        }
        Some("url") => {
            let url = take_str(&mut source, "url").unwrap_or_default();
            let media = if what == "document" {
                Some("application/pdf")
            } else {
                guess_media_type(&url)
            };
            let mut file = Map::new();
            if let Some(media) = media {
                file.insert("mimeType".into(), json!(media));
            }
            file.insert("fileUri".into(), json!(url));
            json!({ "fileData": file })
        }
        Some("text") => {
            // A plain-text document: Gemini reads text/plain inline data.
            let media = take(&mut source, "media_type").unwrap_or(json!("text/plain"));
            let data = take_str(&mut source, "data").unwrap_or_default();
            json!({"inlineData": {"mimeType": media, "data": base64_encode(data.as_bytes())}})
        }
        Some("file") => {
            ctx.dropped(p, "Anthropic Files API ids are only readable by Anthropic");
            return Ok(None);
        }
        other => {
            ctx.dropped(
                p,
                format!(
                    "{what} sources of type {} have no Gemini equivalent",
                    other.unwrap_or("untyped")
                ),
            );
            return Ok(None);
        }
    };
    ctx.rest(&sp, source);
    Ok(Some(part))
}

/// The Gemini parts of one Anthropic content block.
fn block_parts(
    ctx: &mut Ctx<'_>,
    block: Value,
    p: &str,
    names: &mut HashMap<String, String>,
) -> Result<Vec<Value>, TranslateError> {
    let mut block = object(block, p)?;
    drop_cache(ctx, &mut block, p);
    let mut parts = Vec::new();
    match take_str(&mut block, "type").as_deref() {
        Some("text") => {
            parts.push(json!({"text": take(&mut block, "text").unwrap_or(json!(""))}));
            if take(&mut block, "citations").is_some() {
                ctx.dropped(
                    format!("{p}/citations"),
                    "Gemini input text has no citations",
                );
            }
        }
        Some(what @ ("image" | "document")) => {
            let source = take(&mut block, "source").unwrap_or(json!({}));
            if let Some(part) = media_part(ctx, source, p, what)? {
                parts.push(part);
            }
            for key in ["title", "context"] {
                if take(&mut block, key).is_some() {
                    ctx.dropped(format!("{p}/{key}"), format!("Gemini media have no {key}"));
                }
            }
            if take(&mut block, "citations").is_some() {
                ctx.dropped(
                    format!("{p}/citations"),
                    "Gemini cannot cite documents of the prompt",
                );
            }
        }
        Some("tool_use") => {
            let id = take_str(&mut block, "id").unwrap_or_default();
            let name = take_str(&mut block, "name").unwrap_or_default();
            names.insert(id.clone(), name.clone());
            let input = take(&mut block, "input").unwrap_or(json!({}));
            if let Some(caller) = take(&mut block, "caller")
                && caller.get("type").and_then(Value::as_str) != Some("direct")
            {
                ctx.dropped(
                    format!("{p}/caller"),
                    "Gemini function calls are always made by the model directly",
                );
            }
            parts.push(json!({"functionCall": {"id": id, "name": name, "args": input}}));
        }
        Some("tool_result") => {
            let id = take_str(&mut block, "tool_use_id").unwrap_or_default();
            let name = match names.get(&id) {
                Some(name) => name.clone(),
                None => {
                    ctx.approximated(
                        format!("{p}/tool_use_id"),
                        "no earlier tool_use has this id: Gemini needs the function name, sent \"unknown\"",
                    );
                    "unknown".to_owned()
                }
            };
            let (content, media, after) = tool_result_content(ctx, take(&mut block, "content"), p)?;
            let key = if take(&mut block, "is_error") == Some(Value::Bool(true)) {
                ctx.approximated(
                    format!("{p}/is_error"),
                    "Gemini function responses have no error flag: the content goes under the `error` key",
                );
                "error"
            } else {
                "content"
            };
            let mut response = json!({"id": id, "name": name, "response": { key: content }});
            if !media.is_empty() {
                response["parts"] = Value::Array(media);
            }
            parts.push(json!({ "functionResponse": response }));
            parts.extend(after);
        }
        Some("thinking") => {
            let signed = take_str(&mut block, "signature").is_some_and(|s| !s.is_empty());
            take(&mut block, "thinking");
            ctx.dropped(
                p,
                if signed {
                    "Anthropic thinking (and its signature) is only sent back to Anthropic"
                } else {
                    "Gemini takes no prior thoughts without their thought signature"
                },
            );
        }
        Some("redacted_thinking") => {
            take(&mut block, "data");
            ctx.dropped(p, "redacted thinking is only sent back to Anthropic");
        }
        other => {
            ctx.dropped(
                p,
                format!(
                    "{} blocks have no Gemini equivalent",
                    other.unwrap_or("untyped")
                ),
            );
            return Ok(parts);
        }
    }
    ctx.rest(p, block);
    Ok(parts)
}

/// A `tool_result`'s content as the value under `response.content` (a string, or a list of
/// strings for several text blocks), the inline images / PDFs as function response parts,
/// and the URL ones as parts to follow the function response (it takes inline media only).
fn tool_result_content(
    ctx: &mut Ctx<'_>,
    content: Option<Value>,
    p: &str,
) -> Result<(Value, Vec<Value>, Vec<Value>), TranslateError> {
    let items = match content {
        None => return Ok((json!(""), Vec::new(), Vec::new())),
        Some(Value::Array(items)) => items,
        Some(other) => return Ok((other, Vec::new(), Vec::new())),
    };
    let mut texts = Vec::new();
    let mut media = Vec::new();
    let mut after = Vec::new();
    for (k, item) in items.into_iter().enumerate() {
        let ip = format!("{p}/content/{k}");
        let mut item = object(item, &ip)?;
        drop_cache(ctx, &mut item, &ip);
        match take_str(&mut item, "type").as_deref() {
            Some("text") => {
                texts.push(take(&mut item, "text").unwrap_or(json!("")));
                if take(&mut item, "citations").is_some() {
                    ctx.dropped(
                        format!("{ip}/citations"),
                        "Gemini input text has no citations",
                    );
                }
            }
            Some(what @ ("image" | "document")) => {
                let source = take(&mut item, "source").unwrap_or(json!({}));
                if let Some(Value::Object(mut part)) = media_part(ctx, source, &ip, what)? {
                    match part.shift_remove("inlineData") {
                        Some(blob) => media.push(json!({ "inlineData": blob })),
                        None => {
                            ctx.approximated(
                                &ip,
                                "Gemini function responses carry inline media only: the URL follows the function response in its turn",
                            );
                            after.push(Value::Object(part));
                        }
                    }
                }
                for key in ["title", "context", "citations"] {
                    if take(&mut item, key).is_some() {
                        ctx.dropped(format!("{ip}/{key}"), format!("Gemini media have no {key}"));
                    }
                }
            }
            other => {
                ctx.dropped(
                    &ip,
                    format!(
                        "{} blocks in tool results have no Gemini equivalent",
                        other.unwrap_or("untyped")
                    ),
                );
                continue;
            }
        }
        ctx.rest(&ip, item);
    }
    let content = match texts.len() {
        0 => json!(""),
        1 => texts.remove(0),
        _ => Value::Array(texts),
    };
    Ok((content, media, after))
}

fn system_instruction(ctx: &mut Ctx<'_>, system: Value) -> Result<Vec<Value>, TranslateError> {
    match system {
        Value::String(text) => Ok(vec![json!({ "text": text })]),
        Value::Array(blocks) => {
            let mut parts = Vec::new();
            for (j, block) in blocks.into_iter().enumerate() {
                let p = format!("/system/{j}");
                let mut block = object(block, &p)?;
                drop_cache(ctx, &mut block, &p);
                if take_str(&mut block, "type").as_deref() != Some("text") {
                    ctx.dropped(&p, "Gemini system instructions are text");
                    continue;
                }
                parts.push(json!({"text": take(&mut block, "text").unwrap_or(json!(""))}));
                if take(&mut block, "citations").is_some() {
                    ctx.dropped(
                        format!("{p}/citations"),
                        "Gemini input text has no citations",
                    );
                }
                ctx.rest(&p, block);
            }
            Ok(parts)
        }
        other => {
            ctx.dropped(
                "/system",
                format!("a system prompt that is {}", kind(&other)),
            );
            Ok(Vec::new())
        }
    }
}

/// The text of a system turn inside the conversation, as system instruction parts.
fn system_turn(ctx: &mut Ctx<'_>, content: Value, p: &str) -> Result<Vec<Value>, TranslateError> {
    let blocks = match content {
        Value::String(text) => return Ok(vec![json!({ "text": text })]),
        Value::Array(blocks) => blocks,
        other => {
            ctx.dropped(p, format!("content that is {}", kind(&other)));
            return Ok(Vec::new());
        }
    };
    let mut parts = Vec::new();
    for (j, block) in blocks.into_iter().enumerate() {
        let bp = format!("{p}/{j}");
        let mut block = object(block, &bp)?;
        drop_cache(ctx, &mut block, &bp);
        match take_str(&mut block, "type").as_deref() {
            Some("text") => {
                parts.push(json!({"text": take(&mut block, "text").unwrap_or(json!(""))}))
            }
            other => {
                ctx.dropped(
                    &bp,
                    format!(
                        "{} blocks have no Gemini equivalent",
                        other.unwrap_or("untyped")
                    ),
                );
                continue;
            }
        }
        ctx.rest(&bp, block);
    }
    Ok(parts)
}

/// Messages → generateContent (an Anthropic client, a Gemini upstream). The model goes in the
/// URL and `stream` picks the endpoint (`streamGenerateContent?alt=sse`): the caller reads
/// both from the source request, so neither is in the body.
pub fn messages_to_gemini(
    request: &CreateMessageParams,
    opts: &Options,
) -> Result<Translated<GenerateContentRequest>, TranslateError> {
    let mut src = object(to_json(request)?, "")?;
    let mut ctx = Ctx::new(opts, GEMINI);
    let mut out = Map::new();
    take(&mut src, "model");
    take(&mut src, "stream");
    let mut system = match take(&mut src, "system") {
        Some(system) => system_instruction(&mut ctx, system)?,
        None => Vec::new(),
    };
    let mut names = HashMap::new();
    let mut contents = Vec::new();
    for (i, message) in take_array(&mut src, "messages").into_iter().enumerate() {
        let p = format!("/messages/{i}");
        let mut message = object(message, &p)?;
        let role = match take_str(&mut message, "role").as_deref() {
            Some("user") => "user",
            Some("assistant") => "model",
            Some("system") => {
                // A system turn inside the conversation (Anthropic takes text and tool
                // additions there): its text joins the system instruction.
                let content = take(&mut message, "content").unwrap_or(json!(""));
                let texts = system_turn(&mut ctx, content, &format!("{p}/content"))?;
                if !texts.is_empty() {
                    ctx.approximated(
                        &p,
                        "Gemini has no system turns: the text moves to the system instruction",
                    );
                    system.extend(texts);
                }
                ctx.rest(&p, message);
                continue;
            }
            other => {
                ctx.dropped(
                    &p,
                    format!(
                        "{} messages have no Gemini equivalent",
                        other.unwrap_or("role-less")
                    ),
                );
                continue;
            }
        };
        let mut parts = Vec::new();
        match take(&mut message, "content") {
            Some(Value::String(text)) => parts.push(json!({ "text": text })),
            Some(Value::Array(blocks)) => {
                for (j, block) in blocks.into_iter().enumerate() {
                    let bp = format!("{p}/content/{j}");
                    parts.extend(block_parts(&mut ctx, block, &bp, &mut names)?);
                }
            }
            Some(other) => ctx.dropped(
                format!("{p}/content"),
                format!("content that is {}", kind(&other)),
            ),
            None => {}
        }
        ctx.rest(&p, message);
        if !parts.is_empty() {
            contents.push(json!({"role": role, "parts": parts}));
        }
    }
    if !system.is_empty() {
        out.insert("systemInstruction".into(), json!({ "parts": system }));
    }
    out.insert("contents".into(), Value::Array(contents));

    let mut config = Map::new();
    if let Some(max) = take(&mut src, "max_tokens") {
        config.insert("maxOutputTokens".into(), max);
    }
    for (from, to) in [
        ("temperature", "temperature"),
        ("top_p", "topP"),
        ("top_k", "topK"),
    ] {
        if let Some(value) = take(&mut src, from) {
            config.insert(to.into(), value);
        }
    }
    let stop = take_array(&mut src, "stop_sequences");
    if !stop.is_empty() {
        config.insert("stopSequences".into(), Value::Array(stop));
    }
    let mut thinking_config = Map::new();
    if let Some(thinking) = take(&mut src, "thinking") {
        let mut thinking = object(thinking, "/thinking")?;
        let display = take_str(&mut thinking, "display");
        let include = display.as_deref() != Some("omitted");
        match take_str(&mut thinking, "type").as_deref() {
            Some("enabled") => {
                let budget = take(&mut thinking, "budget_tokens").unwrap_or(json!(1024));
                thinking_config.insert("thinkingBudget".into(), budget);
                thinking_config.insert("includeThoughts".into(), json!(include));
            }
            Some("adaptive") => {
                // Gemini's default is dynamic thinking: the model decides how much.
                thinking_config.insert("includeThoughts".into(), json!(include));
            }
            Some("disabled") => ctx.approximated(
                "/thinking",
                "Gemini models think by default and some cannot stop: thinking is left to the model",
            ),
            other => ctx.dropped("/thinking/type", format!("thinking type {} has no Gemini equivalent", other.unwrap_or("untyped"))),
        }
        ctx.rest("/thinking", thinking);
    }
    if let Some(config_src) = take(&mut src, "output_config") {
        let mut output = object(config_src, "/output_config")?;
        if let Some(effort) = take_str(&mut output, "effort") {
            let level = match effort.as_str() {
                "low" => Some("LOW"),
                "medium" => Some("MEDIUM"),
                "high" => Some("HIGH"),
                "xhigh" | "max" => {
                    ctx.approximated(
                        "/output_config/effort",
                        format!("Gemini's highest thinking level is HIGH (was {effort})"),
                    );
                    Some("HIGH")
                }
                other => {
                    ctx.dropped(
                        "/output_config/effort",
                        format!("effort {other:?} has no Gemini thinking level"),
                    );
                    None
                }
            };
            if let Some(level) = level {
                if thinking_config.contains_key("thinkingBudget") {
                    ctx.dropped(
                        "/output_config/effort",
                        "Gemini takes a thinking budget or a thinking level, not both: the budget wins",
                    );
                } else {
                    thinking_config.insert("thinkingLevel".into(), json!(level));
                }
            }
        }
        if let Some(format) = take(&mut output, "format") {
            let mut format = object(format, "/output_config/format")?;
            match take_str(&mut format, "type").as_deref() {
                Some("json_schema") => {
                    config.insert("responseMimeType".into(), json!("application/json"));
                    let schema = take(&mut format, "schema").unwrap_or(json!({"type": "object"}));
                    config.insert("responseJsonSchema".into(), schema);
                }
                other => ctx.dropped(
                    "/output_config/format/type",
                    format!(
                        "output format {} has no Gemini equivalent",
                        other.unwrap_or("untyped")
                    ),
                ),
            }
            ctx.rest("/output_config/format", format);
        }
        ctx.rest("/output_config", output);
    }
    if !thinking_config.is_empty() {
        config.insert("thinkingConfig".into(), Value::Object(thinking_config));
    }
    if !config.is_empty() {
        out.insert("generationConfig".into(), Value::Object(config));
    }
    tools_to_gemini(&mut ctx, &mut src, &mut out)?;
    if let Some(metadata) = take(&mut src, "metadata") {
        let mut metadata = object(metadata, "/metadata")?;
        if take(&mut metadata, "user_id").is_some() {
            ctx.dropped("/metadata/user_id", "Gemini requests have no end-user id");
        }
        ctx.rest("/metadata", metadata);
    }
    if take(&mut src, "cache_control").is_some() {
        ctx.dropped("/cache_control", CACHE);
    }
    ctx.rest("", src);
    ctx.finish(Value::Object(out))
}

fn tools_to_gemini(
    ctx: &mut Ctx<'_>,
    src: &mut Map<String, Value>,
    out: &mut Map<String, Value>,
) -> Result<(), TranslateError> {
    let mut declarations = Vec::new();
    for (i, tool) in take_array(src, "tools").into_iter().enumerate() {
        let p = format!("/tools/{i}");
        let mut tool = object(tool, &p)?;
        let kind = take_str(&mut tool, "type");
        if kind.as_deref().is_some_and(|k| k != "custom") {
            ctx.dropped(
                &p,
                format!(
                    "the server tool {} runs only on Anthropic",
                    kind.as_deref().unwrap_or_default()
                ),
            );
            continue;
        }
        drop_cache(ctx, &mut tool, &p);
        let mut declaration = Map::new();
        declaration.insert("name".into(), take(&mut tool, "name").unwrap_or(json!("")));
        if let Some(description) = take(&mut tool, "description") {
            declaration.insert("description".into(), description);
        }
        declaration.insert(
            "parametersJsonSchema".into(),
            take(&mut tool, "input_schema").unwrap_or(json!({"type": "object"})),
        );
        if take(&mut tool, "defer_loading") == Some(Value::Bool(true)) {
            ctx.dropped(
                format!("{p}/defer_loading"),
                "Gemini has no tool search: the tool is declared up front",
            );
        }
        if take(&mut tool, "strict") == Some(Value::Bool(true)) {
            ctx.approximated(
                format!("{p}/strict"),
                "Gemini has no strict schema switch for function arguments",
            );
        }
        ctx.rest(&p, tool);
        declarations.push(Value::Object(declaration));
    }
    let declared = !declarations.is_empty();
    if declared {
        out.insert(
            "tools".into(),
            json!([{ "functionDeclarations": declarations }]),
        );
    }
    if let Some(choice) = take(src, "tool_choice") {
        let mut choice = object(choice, "/tool_choice")?;
        let config = match take_str(&mut choice, "type").as_deref() {
            Some("auto") => Some(json!({"mode": "AUTO"})),
            Some("any") => Some(json!({"mode": "ANY"})),
            Some("none") => Some(json!({"mode": "NONE"})),
            Some("tool") => {
                let name = take(&mut choice, "name").unwrap_or(json!(""));
                Some(json!({"mode": "ANY", "allowedFunctionNames": [name]}))
            }
            other => {
                ctx.dropped(
                    "/tool_choice/type",
                    format!(
                        "tool choice {} has no Gemini equivalent",
                        other.unwrap_or("untyped")
                    ),
                );
                None
            }
        };
        match config {
            // Without function declarations, a function calling config means nothing
            // (and forcing a call cannot be honoured).
            Some(config) if !declared && config["mode"] == "ANY" => ctx.dropped(
                "/tool_choice",
                "no function declaration reaches Gemini: there is no tool to force",
            ),
            Some(_) if !declared => {}
            Some(config) => {
                out.insert(
                    "toolConfig".into(),
                    json!({ "functionCallingConfig": config }),
                );
            }
            None => {}
        }
        if take(&mut choice, "disable_parallel_tool_use") == Some(Value::Bool(true)) {
            ctx.dropped(
                "/tool_choice/disable_parallel_tool_use",
                "Gemini has no switch against parallel function calls",
            );
        }
        ctx.rest("/tool_choice", choice);
    }
    Ok(())
}
