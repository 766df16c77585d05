//! A generateContent request as a Messages request.

use crate::anthropic_gemini::common::{
    ANTHROPIC, base64_decode, gkey, gptr, gtake, json_schema, standard_base64,
};
use crate::ctx::{Ctx, object, take, take_array, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use aigw_anthropic::CreateMessageParams;
use aigw_gemini::GenerateContentRequest;
use serde_json::{Map, Value, json};

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
