//! Messages request ↔ generateContent request.

use super::common::{
    ANTHROPIC, GEMINI, base64_decode, base64_encode, gkey, gptr, gtake, guess_media_type,
    json_schema, standard_base64,
};
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

/// Pairs Gemini function calls and responses when Gemini gave them no ids.
#[derive(Debug, Default)]
struct Calls {
    /// Unanswered calls, oldest first: (name, id).
    pending: Vec<(String, String)>,
}

impl Calls {
    fn call(&mut self, name: &str, id: &str) {
        self.pending.push((name.to_owned(), id.to_owned()));
    }

    /// The id a response answers: its own, else the earliest unanswered call of its name.
    fn answer(&mut self, name: &str, id: Option<String>) -> Option<String> {
        let position = match &id {
            Some(id) => self.pending.iter().position(|(_, pending)| pending == id),
            None => self.pending.iter().position(|(pending, _)| pending == name),
        };
        let found = position.map(|k| self.pending.remove(k).1);
        id.or(found)
    }
}

/// A Gemini `inlineData` / `fileData` blob as an Anthropic image or document block.
fn media_block(
    ctx: &mut Ctx<'_>,
    blob: Value,
    p: &str,
    inline: bool,
) -> Result<Option<Value>, TranslateError> {
    let mut blob = object(blob, p)?;
    let media = gtake(&mut blob, "mimeType")
        .and_then(|m| m.as_str().map(str::to_owned))
        .unwrap_or_default();
    let block = if inline {
        let data = take_str(&mut blob, "data").unwrap_or_default();
        let source = json!({"type": "base64", "media_type": media, "data": standard_base64(&data)});
        match media.as_str() {
            "image/jpeg" | "image/png" | "image/gif" | "image/webp" => {
                json!({"type": "image", "source": source})
            }
            "application/pdf" => json!({"type": "document", "source": source}),
            "text/plain" => match base64_decode(&data).and_then(|b| String::from_utf8(b).ok()) {
                Some(text) => {
                    json!({"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": text}})
                }
                None => {
                    ctx.dropped(p, "text/plain data that is not base64 UTF-8");
                    return Ok(None);
                }
            },
            other => {
                ctx.dropped(
                    p,
                    format!("Anthropic takes images, PDFs and plain text, not {other:?}"),
                );
                return Ok(None);
            }
        }
    } else {
        let uri = gtake(&mut blob, "fileUri")
            .and_then(|u| u.as_str().map(str::to_owned))
            .unwrap_or_default();
        if uri.starts_with("https://generativelanguage.googleapis.com/") || uri.starts_with("gs://")
        {
            ctx.dropped(p, "a Gemini file URI is only readable by Gemini");
            return Ok(None);
        }
        let source = json!({"type": "url", "url": uri});
        match media.as_str() {
            m if m.starts_with("image/") => json!({"type": "image", "source": source}),
            "application/pdf" => json!({"type": "document", "source": source}),
            other => {
                ctx.dropped(
                    p,
                    format!("Anthropic takes image and PDF URLs, not {other:?}"),
                );
                return Ok(None);
            }
        }
    };
    ctx.rest(p, blob);
    Ok(Some(block))
}

/// A function response's `response` object as tool_result content: our own `{"content": …}`
/// (and `{"error": …}`) unwrapped, anything else as its JSON text.
fn function_response_content(ctx: &mut Ctx<'_>, response: Value, p: &str) -> (Value, bool) {
    let single = response
        .as_object()
        .filter(|map| map.len() == 1)
        .and_then(|map| map.iter().next())
        .map(|(key, value)| (key.clone(), value.clone()));
    let (value, error) = match single {
        Some((key, value)) if key == "content" => (value, false),
        Some((key, value)) if key == "error" => {
            ctx.approximated(
                format!("{p}/error"),
                "a response with only an `error` key becomes an is_error tool result",
            );
            (value, true)
        }
        _ => return (Value::String(response.to_string()), false),
    };
    let content = match value {
        Value::String(text) => Value::String(text),
        Value::Array(items) if items.iter().all(Value::is_string) => Value::Array(
            items
                .into_iter()
                .map(|text| json!({"type": "text", "text": text}))
                .collect(),
        ),
        other => Value::String(other.to_string()),
    };
    (content, error)
}

/// The Anthropic blocks of one Gemini content.
fn content_blocks(
    ctx: &mut Ctx<'_>,
    parts: Vec<Value>,
    pointer: &str,
    i: usize,
    calls: &mut Calls,
) -> Result<Vec<Value>, TranslateError> {
    let mut blocks = Vec::new();
    for (j, part) in parts.into_iter().enumerate() {
        let p = format!("{pointer}/{j}");
        let mut part = object(part, &p)?;
        let thought = take(&mut part, "thought") == Some(Value::Bool(true));
        let sp = gptr(&part, &p, "thoughtSignature");
        if gtake(&mut part, "thoughtSignature").is_some() {
            ctx.dropped(sp, "a Gemini thought signature is only sent back to Gemini");
        }
        let inline_key = gkey(&part, "inlineData");
        let file_key = gkey(&part, "fileData");
        let call_key = gkey(&part, "functionCall");
        let response_key = gkey(&part, "functionResponse");
        if let Some(text) = take(&mut part, "text") {
            if thought {
                ctx.dropped(
                    format!("{p}/text"),
                    "Anthropic takes prior thinking only with its own signature",
                );
            } else {
                blocks.push(json!({"type": "text", "text": text}));
            }
        } else if let Some(blob) = gtake(&mut part, "inlineData") {
            blocks.extend(media_block(ctx, blob, &format!("{p}/{inline_key}"), true)?);
        } else if let Some(blob) = gtake(&mut part, "fileData") {
            blocks.extend(media_block(ctx, blob, &format!("{p}/{file_key}"), false)?);
        } else if let Some(call) = gtake(&mut part, "functionCall") {
            let cp = format!("{p}/{call_key}");
            let mut call = object(call, &cp)?;
            let name = take_str(&mut call, "name").unwrap_or_default();
            let id = take_str(&mut call, "id").unwrap_or_else(|| format!("toolu_{i}_{j}"));
            calls.call(&name, &id);
            let input = take(&mut call, "args").unwrap_or(json!({}));
            ctx.rest(&cp, call);
            blocks.push(json!({"type": "tool_use", "id": id, "name": name, "input": input}));
        } else if let Some(response) = gtake(&mut part, "functionResponse") {
            let rp = format!("{p}/{response_key}");
            let mut response = object(response, &rp)?;
            let name = take_str(&mut response, "name").unwrap_or_default();
            let id = match calls.answer(&name, take_str(&mut response, "id")) {
                Some(id) => id,
                None => {
                    ctx.approximated(
                        &rp,
                        format!("no earlier call of {name:?} to answer: Anthropic needs a tool_use id, one was made up"),
                    );
                    format!("toolu_{i}_{j}")
                }
            };
            let (mut content, error) = function_response_content(
                ctx,
                take(&mut response, "response").unwrap_or(json!({})),
                &format!("{rp}/response"),
            );
            let mut media = Vec::new();
            for (k, item) in take_array(&mut response, "parts").into_iter().enumerate() {
                let mp = format!("{rp}/parts/{k}");
                let mut item = object(item, &mp)?;
                let inline_key = gkey(&item, "inlineData");
                let file_key = gkey(&item, "fileData");
                if let Some(blob) = gtake(&mut item, "inlineData") {
                    media.extend(media_block(ctx, blob, &format!("{mp}/{inline_key}"), true)?);
                } else if let Some(blob) = gtake(&mut item, "fileData") {
                    media.extend(media_block(ctx, blob, &format!("{mp}/{file_key}"), false)?);
                }
                ctx.rest(&mp, item);
            }
            if !media.is_empty() {
                let mut items = match content {
                    Value::String(text) if text.is_empty() => Vec::new(),
                    Value::String(text) => vec![json!({"type": "text", "text": text})],
                    Value::Array(items) => items,
                    other => vec![json!({"type": "text", "text": other.to_string()})],
                };
                items.extend(media);
                content = Value::Array(items);
            }
            let mut block = json!({"type": "tool_result", "tool_use_id": id, "content": content});
            if error {
                block["is_error"] = json!(true);
            }
            ctx.rest(&rp, response);
            blocks.push(block);
        } else {
            for camel in [
                "executableCode",
                "codeExecutionResult",
                "toolCall",
                "toolResponse",
            ] {
                let key = gptr(&part, &p, camel);
                if gtake(&mut part, camel).is_some() {
                    ctx.dropped(
                        key,
                        "Gemini's server-side tools and code execution have no Anthropic equivalent",
                    );
                }
            }
        }
        ctx.rest(&p, part);
    }
    Ok(blocks)
}

/// A Gemini `thinkingConfig` as Anthropic `thinking` and `output_config.effort`.
fn thinking_from_gemini(
    ctx: &mut Ctx<'_>,
    config: Value,
    p: &str,
    max_tokens: u64,
    out: &mut Map<String, Value>,
    output_config: &mut Map<String, Value>,
) -> Result<(), TranslateError> {
    let mut config = object(config, p)?;
    let budget_key = gptr(&config, p, "thinkingBudget");
    let level_key = gptr(&config, p, "thinkingLevel");
    let budget = gtake(&mut config, "thinkingBudget").and_then(|b| b.as_i64());
    let level = gtake(&mut config, "thinkingLevel");
    let include = gtake(&mut config, "includeThoughts") == Some(Value::Bool(true));
    ctx.rest(p, config);
    let mut thinking = match budget {
        Some(0) => Some(json!({"type": "disabled"})),
        Some(n) if n < 0 => Some(json!({"type": "adaptive"})),
        Some(n) => {
            let n = n.unsigned_abs();
            let ceiling = max_tokens.saturating_sub(1);
            if ceiling < 1024 {
                ctx.dropped(
                    &budget_key,
                    format!("Anthropic thinking needs at least 1024 tokens below max_tokens ({max_tokens})"),
                );
                None
            } else {
                let budget = n.clamp(1024, ceiling);
                if budget != n {
                    ctx.approximated(
                        &budget_key,
                        format!(
                            "Anthropic thinking budgets run from 1024 to below max_tokens: {budget}"
                        ),
                    );
                }
                Some(json!({"type": "enabled", "budget_tokens": budget}))
            }
        }
        None if include => Some(json!({"type": "adaptive"})),
        None => None,
    };
    if let Some(level) = level {
        let effort = match level.as_str() {
            Some("LOW") => Some("low"),
            Some("MEDIUM") => Some("medium"),
            Some("HIGH") => Some("high"),
            Some("MINIMAL") => {
                ctx.approximated(&level_key, "Anthropic's lowest effort is low");
                Some("low")
            }
            Some("THINKING_LEVEL_UNSPECIFIED") => None,
            _ => {
                ctx.dropped(&level_key, format!("thinking level {level}"));
                None
            }
        };
        if let Some(effort) = effort {
            output_config.insert("effort".into(), json!(effort));
        }
    }
    if let Some(Value::Object(thinking)) = &mut thinking
        && thinking.get("type") != Some(&json!("disabled"))
        && !include
    {
        // Gemini shows thoughts only when asked to.
        thinking.insert("display".into(), json!("omitted"));
    }
    if let Some(thinking) = thinking {
        out.insert("thinking".into(), thinking);
    }
    Ok(())
}

fn generation_config(
    ctx: &mut Ctx<'_>,
    config: Option<Value>,
    p: &str,
    out: &mut Map<String, Value>,
) -> Result<(), TranslateError> {
    let opts_default = ctx.opts.default_max_tokens;
    let mut config = match config {
        Some(config) => object(config, p)?,
        None => Map::new(),
    };
    let max_key = gptr(&config, p, "maxOutputTokens");
    let max_tokens = match gtake(&mut config, "maxOutputTokens") {
        Some(max) => {
            let n = max.as_u64().unwrap_or(opts_default);
            out.insert("max_tokens".into(), max);
            n
        }
        None => {
            ctx.defaulted(
                max_key,
                format!("Anthropic requires max_tokens; sent {opts_default}"),
            );
            out.insert("max_tokens".into(), json!(opts_default));
            opts_default
        }
    };
    if let Some(temperature) = take(&mut config, "temperature") {
        if temperature.as_f64().is_some_and(|t| t > 1.0) {
            ctx.approximated(
                format!("{p}/temperature"),
                "Anthropic's temperature range is 0–1 (Gemini's 0–2): clamped to 1",
            );
            out.insert("temperature".into(), json!(1.0));
        } else {
            out.insert("temperature".into(), temperature);
        }
    }
    for (camel, key) in [("topP", "top_p"), ("topK", "top_k")] {
        if let Some(value) = gtake(&mut config, camel) {
            out.insert(key.into(), value);
        }
    }
    let stop_key = gkey(&config, "stopSequences");
    let stop = gtake(&mut config, "stopSequences");
    match stop {
        Some(Value::Array(stop)) if !stop.is_empty() => {
            out.insert("stop_sequences".into(), Value::Array(stop));
        }
        Some(Value::Array(_)) | None => {}
        Some(other) => {
            config.insert(stop_key, other);
        }
    }
    let count_key = gptr(&config, p, "candidateCount");
    if let Some(n) = gtake(&mut config, "candidateCount")
        && n.as_u64() != Some(1)
    {
        ctx.dropped(count_key, "Anthropic returns one message");
    }
    let modalities_key = gptr(&config, p, "responseModalities");
    if let Some(modalities) = gtake(&mut config, "responseModalities")
        && modalities != json!(["TEXT"])
    {
        ctx.dropped(modalities_key, "Anthropic generates text only");
    }
    let mut output_config = Map::new();
    let mime_key = gptr(&config, p, "responseMimeType");
    let mime = gtake(&mut config, "responseMimeType");
    let json_schema_value = gtake(&mut config, "responseJsonSchema");
    let schema_key = gptr(&config, p, "responseSchema");
    let openapi_schema = gtake(&mut config, "responseSchema");
    let schema = json_schema_value.or_else(|| openapi_schema.map(json_schema));
    match mime.as_ref().and_then(Value::as_str) {
        Some("application/json") => {
            let schema = match schema {
                Some(schema) => schema,
                None => {
                    ctx.approximated(
                        &mime_key,
                        "JSON mode becomes a json_schema output format accepting any object",
                    );
                    json!({"type": "object"})
                }
            };
            output_config.insert(
                "format".into(),
                json!({"type": "json_schema", "schema": schema}),
            );
        }
        None | Some("text/plain") => {
            if schema.is_some() {
                ctx.dropped(
                    schema_key,
                    "a response schema without responseMimeType application/json",
                );
            }
        }
        Some(other) => ctx.dropped(
            mime_key,
            format!("Anthropic has no {other:?} output format"),
        ),
    }
    if let Some(thinking) = gtake(&mut config, "thinkingConfig") {
        thinking_from_gemini(
            ctx,
            thinking,
            &format!("{p}/thinkingConfig"),
            max_tokens,
            out,
            &mut output_config,
        )?;
    }
    if !output_config.is_empty() {
        out.insert("output_config".into(), Value::Object(output_config));
    }
    ctx.rest(p, config);
    Ok(())
}

fn tools_from_gemini(
    ctx: &mut Ctx<'_>,
    src: &mut Map<String, Value>,
    out: &mut Map<String, Value>,
) -> Result<(), TranslateError> {
    let tools_key = gkey(src, "tools");
    let (tools, single) = match gtake(src, "tools") {
        Some(Value::Array(tools)) => (tools, false),
        Some(tool) => (vec![tool], true),
        None => (Vec::new(), false),
    };
    let mut out_tools = Vec::new();
    for (i, tool) in tools.into_iter().enumerate() {
        let p = if single {
            format!("/{tools_key}")
        } else {
            format!("/{tools_key}/{i}")
        };
        let mut tool = object(tool, &p)?;
        let declarations_key = gkey(&tool, "functionDeclarations");
        let declarations = match gtake(&mut tool, "functionDeclarations") {
            Some(Value::Array(items)) => items,
            Some(other) => vec![other],
            None => Vec::new(),
        };
        for (k, declaration) in declarations.into_iter().enumerate() {
            let dp = format!("{p}/{declarations_key}/{k}");
            let mut declaration = object(declaration, &dp)?;
            let mut out_tool = Map::new();
            out_tool.insert(
                "name".into(),
                take(&mut declaration, "name").unwrap_or(json!("")),
            );
            if let Some(description) = take(&mut declaration, "description") {
                out_tool.insert("description".into(), description);
            }
            let schema = match gtake(&mut declaration, "parametersJsonSchema") {
                Some(schema) => schema,
                None => match take(&mut declaration, "parameters") {
                    Some(schema) => json_schema(schema),
                    None => json!({"type": "object", "properties": {}}),
                },
            };
            out_tool.insert("input_schema".into(), schema);
            for camel in ["response", "responseJsonSchema"] {
                let key = gptr(&declaration, &dp, camel);
                if gtake(&mut declaration, camel).is_some() {
                    ctx.dropped(key, "Anthropic tools declare no result schema");
                }
            }
            let behavior_key = gptr(&declaration, &dp, "behavior");
            if gtake(&mut declaration, "behavior").is_some() {
                ctx.dropped(behavior_key, "Anthropic tools are always blocking");
            }
            ctx.rest(&dp, declaration);
            out_tools.push(Value::Object(out_tool));
        }
        for (key, _) in std::mem::take(&mut tool)
            .into_iter()
            .filter(|(_, v)| !v.is_null())
        {
            ctx.dropped(
                format!("{p}/{key}"),
                format!("the Gemini tool {key} runs only on Gemini"),
            );
        }
    }
    if !out_tools.is_empty() {
        out.insert("tools".into(), Value::Array(out_tools));
    }
    let config_key = gkey(src, "toolConfig");
    if let Some(config) = gtake(src, "toolConfig") {
        let cp = format!("/{config_key}");
        let mut config = object(config, &cp)?;
        let fp = gptr(&config, &cp, "functionCallingConfig");
        if let Some(calling) = gtake(&mut config, "functionCallingConfig") {
            let mut calling = object(calling, &fp)?;
            let names_key = gptr(&calling, &fp, "allowedFunctionNames");
            let names = match gtake(&mut calling, "allowedFunctionNames") {
                Some(Value::Array(names)) => names,
                _ => Vec::new(),
            };
            let mode = take_str(&mut calling, "mode");
            let choice = match mode.as_deref() {
                Some("AUTO") => Some(json!({"type": "auto"})),
                Some("VALIDATED") => {
                    ctx.approximated(
                        format!("{fp}/mode"),
                        "Anthropic has no VALIDATED mode: auto (strict tools validate arguments)",
                    );
                    Some(json!({"type": "auto"}))
                }
                Some("NONE") => Some(json!({"type": "none"})),
                Some("ANY") => match names.as_slice() {
                    [name] => Some(json!({"type": "tool", "name": name})),
                    _ => Some(json!({"type": "any"})),
                },
                Some("MODE_UNSPECIFIED") | None => None,
                Some(other) => {
                    ctx.dropped(format!("{fp}/mode"), format!("mode {other:?}"));
                    None
                }
            };
            let named = mode.as_deref() == Some("ANY") && names.len() == 1;
            if !names.is_empty() && !named {
                ctx.approximated(
                    names_key,
                    "Anthropic forces one named tool or any tool: the allowed list is not enforced",
                );
            }
            if let Some(choice) = choice {
                out.insert("tool_choice".into(), choice);
            }
            ctx.rest(&fp, calling);
        }
        ctx.rest(&cp, config);
    }
    Ok(())
}

/// generateContent → Messages (a Gemini client, an Anthropic upstream). `model` is the one
/// from the request URL.
pub fn gemini_to_messages(
    request: &GenerateContentRequest,
    model: &str,
    opts: &Options,
) -> Result<Translated<CreateMessageParams>, TranslateError> {
    let mut src = object(to_json(request)?, "")?;
    let mut ctx = Ctx::new(opts, ANTHROPIC);
    let mut out = Map::new();
    out.insert("model".into(), json!(model));
    if let Some(body_model) = take_str(&mut src, "model")
        && body_model.trim_start_matches("models/") != model.trim_start_matches("models/")
    {
        ctx.dropped("/model", "the model of the URL is used");
    }
    let system_key = gkey(&src, "systemInstruction");
    if let Some(system) = gtake(&mut src, "systemInstruction") {
        let sp = format!("/{system_key}");
        let mut system = object(system, &sp)?;
        take(&mut system, "role");
        let mut texts = Vec::new();
        for (j, part) in take_array(&mut system, "parts").into_iter().enumerate() {
            let p = format!("{sp}/parts/{j}");
            let mut part = object(part, &p)?;
            match take(&mut part, "text") {
                Some(text) if part.get("thought") != Some(&json!(true)) => texts.push(text),
                _ => {
                    ctx.dropped(&p, "Anthropic system prompts are text");
                    continue;
                }
            }
            ctx.rest(&p, part);
        }
        ctx.rest(&sp, system);
        match texts.len() {
            0 => {}
            1 => {
                out.insert("system".into(), texts.remove(0));
            }
            _ => {
                let blocks = texts
                    .into_iter()
                    .map(|text| json!({"type": "text", "text": text}))
                    .collect();
                out.insert("system".into(), Value::Array(blocks));
            }
        }
    }
    let mut calls = Calls::default();
    let mut messages = Vec::new();
    for (i, content) in take_array(&mut src, "contents").into_iter().enumerate() {
        let p = format!("/contents/{i}");
        let mut content = object(content, &p)?;
        let role = match take_str(&mut content, "role").as_deref() {
            None | Some("user" | "function") => "user",
            Some("model") => "assistant",
            Some(other) => {
                ctx.dropped(
                    &p,
                    format!("{other:?} contents have no Anthropic equivalent"),
                );
                continue;
            }
        };
        let parts = take_array(&mut content, "parts");
        let mut blocks = content_blocks(&mut ctx, parts, &format!("{p}/parts"), i, &mut calls)?;
        ctx.rest(&p, content);
        if role == "user" {
            // Anthropic wants a turn's tool results before anything else in it.
            let results = blocks.iter().filter(|b| b["type"] == "tool_result").count();
            let leading = blocks
                .iter()
                .take_while(|b| b["type"] == "tool_result")
                .count();
            if results != leading {
                ctx.approximated(
                    format!("{p}/parts"),
                    "function responses move before the other parts of their turn",
                );
                blocks.sort_by_key(|b| b["type"] != "tool_result");
            }
        }
        let content = match blocks.as_slice() {
            [] => continue,
            [block] if block["type"] == "text" => block["text"].clone(),
            _ => Value::Array(blocks),
        };
        messages.push(json!({"role": role, "content": content}));
    }
    out.insert("messages".into(), Value::Array(messages));
    let config_key = gkey(&src, "generationConfig");
    let config = gtake(&mut src, "generationConfig");
    generation_config(&mut ctx, config, &format!("/{config_key}"), &mut out)?;
    tools_from_gemini(&mut ctx, &mut src, &mut out)?;
    let safety_key = gkey(&src, "safetySettings");
    if gtake(&mut src, "safetySettings").is_some() {
        ctx.dropped(
            format!("/{safety_key}"),
            "Anthropic has no configurable safety thresholds",
        );
    }
    let cached_key = gkey(&src, "cachedContent");
    if gtake(&mut src, "cachedContent").is_some() {
        ctx.dropped(
            format!("/{cached_key}"),
            "a Gemini cachedContent resource is only readable by Gemini",
        );
    }
    ctx.rest("", src);
    ctx.finish(Value::Object(out))
}
