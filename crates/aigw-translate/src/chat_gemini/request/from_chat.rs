//! A Chat Completions request as a generateContent request.

use super::image_type;
use crate::chat_gemini::response::{GEMINI, restore_model_parts};
use crate::ctx::{Ctx, kind, object, parse_data_url, take, take_array, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use crate::reasoning;
use aigw_gemini::GenerateContentRequest;
use aigw_openai::CreateChatCompletionRequest;
use serde_json::{Map, Value, json};

/// Reports a cache breakpoint (an Anthropic-style extension some clients send on parts).
fn cache_control(ctx: &mut Ctx<'_>, part: &mut Map<String, Value>, p: &str) {
    if take(part, "cache_control").is_some() {
        ctx.dropped(
            format!("{p}/cache_control"),
            "Gemini caches prompts implicitly or in cachedContent resources; breakpoints have no equivalent",
        );
    }
}

/// One Chat text or refusal part as a Gemini text part.
fn text_part(ctx: &mut Ctx<'_>, mut part: Map<String, Value>, p: &str) -> Option<Value> {
    cache_control(ctx, &mut part, p);
    match take_str(&mut part, "type").as_deref() {
        Some("text") => {
            let text = take(&mut part, "text").unwrap_or(json!(""));
            ctx.rest(p, part);
            Some(json!({ "text": text }))
        }
        Some("refusal") => {
            ctx.approximated(p, "a refusal part becomes text");
            let text = take(&mut part, "refusal").unwrap_or(json!(""));
            ctx.rest(p, part);
            Some(json!({ "text": text }))
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

/// Chat text-like content (a string or parts) as Gemini text parts.
fn text_parts(ctx: &mut Ctx<'_>, content: Value, pointer: &str) -> Vec<Value> {
    match content {
        Value::String(text) => vec![json!({ "text": text })],
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
            ctx.dropped(pointer, format!("content that is {}", kind(&other)));
            Vec::new()
        }
    }
}

/// Chat user content as Gemini parts (text, images, audio, inline files).
fn user_parts(ctx: &mut Ctx<'_>, content: Value, pointer: &str) -> Vec<Value> {
    let Value::Array(parts) = content else {
        return text_parts(ctx, content, pointer);
    };
    let mut out = Vec::new();
    for (j, part) in parts.into_iter().enumerate() {
        let p = format!("{pointer}/{j}");
        let Value::Object(mut part) = part else {
            ctx.dropped(p, "not a content part");
            continue;
        };
        cache_control(ctx, &mut part, &p);
        let converted = match part.get("type").and_then(Value::as_str) {
            Some("text" | "refusal") => text_part(ctx, part, &p),
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
                        "Gemini has no per-image detail level",
                    );
                }
                ctx.rest(&format!("{p}/image_url"), image);
                ctx.rest(&p, part);
                Some(match parse_data_url(&url) {
                    Some((media, data)) => json!({"inlineData": {"mimeType": media, "data": data}}),
                    None => {
                        let media = image_type(&url).unwrap_or_else(|| {
                            ctx.approximated(
                                format!("{p}/image_url/url"),
                                "Gemini needs the media type of a file URI and the URL does not show it: sent as image/jpeg",
                            );
                            "image/jpeg"
                        });
                        json!({"fileData": {"fileUri": url, "mimeType": media}})
                    }
                })
            }
            Some("input_audio") => {
                part.shift_remove("type");
                let Some(Value::Object(mut audio)) = take(&mut part, "input_audio") else {
                    ctx.dropped(&p, "an audio part without input_audio");
                    continue;
                };
                let data = take(&mut audio, "data").unwrap_or(json!(""));
                let media = match take_str(&mut audio, "format").as_deref() {
                    Some("mp3") => "audio/mp3".to_owned(),
                    Some("wav") | None => "audio/wav".to_owned(),
                    Some(other) => format!("audio/{other}"),
                };
                ctx.rest(&format!("{p}/input_audio"), audio);
                ctx.rest(&p, part);
                Some(json!({"inlineData": {"mimeType": media, "data": data}}))
            }
            Some("file") => {
                part.shift_remove("type");
                let Some(Value::Object(mut file)) = take(&mut part, "file") else {
                    ctx.dropped(&p, "a file part without file");
                    continue;
                };
                let data = take_str(&mut file, "file_data");
                let Some((media, data)) = data.as_deref().and_then(parse_data_url) else {
                    ctx.dropped(
                        &p,
                        "only inline (data URL) files map to Gemini inline data (file ids are OpenAI's own)",
                    );
                    continue;
                };
                let inline = json!({"inlineData": {"mimeType": media, "data": data}});
                if take(&mut file, "filename").is_some() {
                    ctx.dropped(
                        format!("{p}/file/filename"),
                        "Gemini inline data has no file name",
                    );
                }
                ctx.rest(&format!("{p}/file"), file);
                ctx.rest(&p, part);
                Some(inline)
            }
            other => {
                ctx.dropped(
                    &p,
                    format!(
                        "{} content parts have no Gemini equivalent",
                        other.unwrap_or("untyped")
                    ),
                );
                None
            }
        };
        out.extend(converted);
    }
    out
}

/// A Chat tool call (or legacy `function_call`) as a Gemini `functionCall` part. Gemini takes
/// the call id as is and returns it in the matching `functionResponse`.
pub(in crate::chat_gemini) fn call_part(
    ctx: &mut Ctx<'_>,
    call: Value,
    cp: &str,
) -> Result<Option<Value>, TranslateError> {
    let mut call = object(call, cp)?;
    match take_str(&mut call, "type").as_deref() {
        Some("function") | None => {}
        Some(other) => {
            ctx.dropped(cp, format!("{other} tool calls have no Gemini equivalent"));
            return Ok(None);
        }
    }
    let id = take(&mut call, "id");
    let (mut function, fp) = match take(&mut call, "function") {
        Some(function) => {
            let fp = format!("{cp}/function");
            (object(function, &fp)?, fp)
        }
        // A legacy `function_call` is the function object itself.
        None => (std::mem::take(&mut call), cp.to_owned()),
    };
    let name = take(&mut function, "name").unwrap_or(json!(""));
    let arguments = take_str(&mut function, "arguments").unwrap_or_default();
    let args = match serde_json::from_str::<Value>(&arguments) {
        Ok(args @ Value::Object(_)) => args,
        _ if arguments.trim().is_empty() => json!({}),
        _ => {
            ctx.approximated(
                format!("{fp}/arguments"),
                "arguments that are not a JSON object become {}",
            );
            json!({})
        }
    };
    ctx.rest(&fp, function);
    ctx.rest(cp, call);
    let mut out = Map::new();
    if let Some(id) = id {
        out.insert("id".into(), id);
    }
    out.insert("name".into(), name);
    out.insert("args".into(), args);
    Ok(Some(json!({ "functionCall": out })))
}

/// The parts of a Chat assistant message (taken out of `message`): Gemini blocks carried in
/// the tagged reasoning field put back in place, text, function calls. `thoughts`: unsigned
/// reasoning text (`reasoning_content`) becomes thought parts (responses, where Gemini
/// clients read them) instead of being dropped (requests, where Gemini accepts prior
/// thoughts only as its own signed parts).
pub(in crate::chat_gemini) fn assistant_parts(
    ctx: &mut Ctx<'_>,
    message: &mut Map<String, Value>,
    p: &str,
    thoughts: bool,
) -> Result<Vec<Value>, TranslateError> {
    let (blocks, foreign) = reasoning::untag(take_array(message, reasoning::FIELD), "gemini");
    for (j, from) in foreign {
        ctx.dropped(
            format!("{p}/{}/{j}", reasoning::FIELD),
            format!("opaque reasoning from {from} is only sent back to {from}"),
        );
    }
    let mut thought_parts = Vec::new();
    for field in ["reasoning_content", "reasoning"] {
        match take(message, field) {
            Some(Value::String(text)) if thoughts => thought_parts
                .extend((!text.is_empty()).then(|| json!({"text": text, "thought": true}))),
            Some(_) if blocks.is_empty() => ctx.dropped(
                format!("{p}/{field}"),
                "Gemini accepts prior thoughts only as its own signed parts",
            ),
            // The signed Gemini blocks carry the same reasoning.
            _ => {}
        }
    }
    let mut texts = Vec::new();
    match take(message, "content") {
        // What assistant messages with tool calls often carry: no text, not an empty part.
        Some(Value::String(text)) if text.is_empty() => {}
        Some(content) => texts.extend(text_parts(ctx, content, &format!("{p}/content"))),
        None => {}
    }
    if let Some(refusal) = take(message, "refusal") {
        ctx.approximated(format!("{p}/refusal"), "a refusal becomes text");
        texts.push(json!({ "text": refusal }));
    }
    let mut calls = Vec::new();
    for (j, call) in take_array(message, "tool_calls").into_iter().enumerate() {
        calls.extend(call_part(ctx, call, &format!("{p}/tool_calls/{j}"))?);
    }
    if let Some(call) = take(message, "function_call") {
        calls.extend(call_part(ctx, call, &format!("{p}/function_call"))?);
    }
    let mut parts = thought_parts;
    parts.extend(restore_model_parts(
        ctx,
        blocks,
        texts,
        calls,
        &format!("{p}/{}", reasoning::FIELD),
    ));
    Ok(parts)
}

/// A Chat tool result as a Gemini `functionResponse` object: a JSON object result is the
/// response itself, anything else is `{"output": …}` (the key Gemini documents for results).
fn function_response(ctx: &mut Ctx<'_>, content: Value, pointer: &str) -> Value {
    let text = match content {
        Value::String(text) => text,
        Value::Array(_) => text_parts(ctx, content, pointer)
            .iter()
            .filter_map(|part| part["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        other => {
            ctx.dropped(pointer, format!("content that is {}", kind(&other)));
            String::new()
        }
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(object @ Value::Object(_)) => object,
        _ => json!({ "output": text }),
    }
}

/// Appends a user content of function responses, joining it to the previous one when that
/// is one too (Gemini wants the responses to parallel calls in one content).
fn push_responses(contents: &mut Vec<Value>, part: Value) {
    if let Some(last) = contents.last_mut()
        && last["role"] == "user"
        && let Some(Value::Array(parts)) = last.get_mut("parts")
        && parts.iter().all(|p| p.get("functionResponse").is_some())
    {
        parts.push(part);
        return;
    }
    contents.push(json!({"role": "user", "parts": [part]}));
}

/// Chat function tools (and legacy `functions`) as Gemini function declarations; whether any
/// and whether all of them asked for strict schema adherence.
fn declarations(
    ctx: &mut Ctx<'_>,
    src: &mut Map<String, Value>,
) -> Result<(Vec<Value>, bool, bool), TranslateError> {
    let mut out = Vec::new();
    let (mut any_strict, mut all_strict) = (false, true);
    let mut functions = Vec::new();
    for (i, tool) in take_array(src, "tools").into_iter().enumerate() {
        let p = format!("/tools/{i}");
        let mut tool = object(tool, &p)?;
        if take_str(&mut tool, "type").as_deref() != Some("function") {
            ctx.dropped(
                &p,
                "only function tools map to Gemini function declarations",
            );
            continue;
        }
        let function = take(&mut tool, "function").unwrap_or(json!({}));
        ctx.rest(&p, tool);
        functions.push((function, format!("{p}/function")));
    }
    for (i, function) in take_array(src, "functions").into_iter().enumerate() {
        functions.push((function, format!("/functions/{i}")));
    }
    for (function, p) in functions {
        let mut function = object(function, &p)?;
        let mut declaration = Map::new();
        declaration.insert(
            "name".into(),
            take(&mut function, "name").unwrap_or(json!("")),
        );
        if let Some(description) = take(&mut function, "description") {
            declaration.insert("description".into(), description);
        }
        if let Some(parameters) = take(&mut function, "parameters") {
            declaration.insert("parametersJsonSchema".into(), parameters);
        }
        let strict = take(&mut function, "strict") == Some(json!(true));
        any_strict |= strict;
        all_strict &= strict;
        ctx.rest(&p, function);
        out.push(Value::Object(declaration));
    }
    Ok((out, any_strict, all_strict))
}

/// The Gemini function calling mode for a Chat `tool_choice` (or legacy `function_call`).
fn calling_config(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    choice: Option<Value>,
    strict: bool,
) -> Option<Value> {
    let auto = if strict { "VALIDATED" } else { "AUTO" };
    let named = |name: Value| json!({"mode": "ANY", "allowedFunctionNames": [name]});
    match choice {
        None => strict.then(|| json!({ "mode": auto })),
        Some(Value::String(mode)) => match mode.as_str() {
            "none" => Some(json!({"mode": "NONE"})),
            "auto" => Some(json!({ "mode": auto })),
            "required" => Some(json!({"mode": "ANY"})),
            other => {
                ctx.dropped(pointer, format!("tool choice {other:?}"));
                None
            }
        },
        Some(Value::Object(mut choice)) => {
            let choice_type = take_str(&mut choice, "type");
            let config = match choice_type.as_deref() {
                Some("function") => {
                    let mut function = match take(&mut choice, "function") {
                        Some(Value::Object(function)) => function,
                        _ => Map::new(),
                    };
                    let name = take(&mut function, "name").unwrap_or(json!(""));
                    ctx.rest(&format!("{pointer}/function"), function);
                    Some(named(name))
                }
                // Legacy `function_call: {"name": …}`.
                None if choice.contains_key("name") => {
                    Some(named(take(&mut choice, "name").unwrap_or(json!(""))))
                }
                Some("allowed_tools") => {
                    let mut allowed = match take(&mut choice, "allowed_tools") {
                        Some(Value::Object(allowed)) => allowed,
                        _ => Map::new(),
                    };
                    let ap = format!("{pointer}/allowed_tools");
                    let mut names = Vec::new();
                    for (k, tool) in take_array(&mut allowed, "tools").into_iter().enumerate() {
                        match tool.pointer("/function/name") {
                            Some(name) if tool["type"] == "function" => names.push(name.clone()),
                            _ => ctx.dropped(
                                format!("{ap}/tools/{k}"),
                                "only function tools can be allowed by name in Gemini",
                            ),
                        }
                    }
                    // Gemini restricts names in ANY mode, and in VALIDATED mode (calls or
                    // text, like Chat's auto).
                    let mode = match take_str(&mut allowed, "mode").as_deref() {
                        Some("required") => "ANY",
                        _ => "VALIDATED",
                    };
                    ctx.rest(&ap, allowed);
                    Some(json!({"mode": mode, "allowedFunctionNames": names}))
                }
                other => {
                    ctx.dropped(
                        pointer,
                        format!(
                            "{} tool choices have no Gemini equivalent",
                            other.unwrap_or("untyped")
                        ),
                    );
                    None
                }
            };
            ctx.rest(pointer, choice);
            config
        }
        Some(other) => {
            ctx.dropped(pointer, format!("a tool choice that is {}", kind(&other)));
            None
        }
    }
}

/// `reasoning_effort` as a Gemini thinking config: a thinking level for Gemini 3 and later,
/// a token budget for the Gemini 2 models (which have no levels).
fn thinking_config(ctx: &mut Ctx<'_>, effort: &str, model: &str) -> Option<Value> {
    let p = "/reasoning_effort";
    let budgeted = ["gemini-1", "gemini-2"]
        .iter()
        .any(|prefix| model.trim_start_matches("models/").starts_with(prefix));
    if budgeted {
        let budget = match effort {
            "none" => 0,
            "minimal" => 512,
            "low" => 1024,
            "medium" => 8192,
            "high" => 24576,
            "xhigh" | "max" => 32768,
            other => {
                ctx.approximated(
                    p,
                    format!("unknown effort {other:?}: the thinking budget is left to the model"),
                );
                return None;
            }
        };
        ctx.approximated(
            p,
            format!(
                "Gemini 2 models take a thinking budget: effort {effort} becomes {budget} tokens"
            ),
        );
        return Some(json!({ "thinkingBudget": budget }));
    }
    let level = match effort {
        "minimal" => "MINIMAL",
        "low" => "LOW",
        "medium" => "MEDIUM",
        "high" => "HIGH",
        "none" => {
            ctx.approximated(
                p,
                "Gemini 3 models cannot turn thinking off: sent the MINIMAL level",
            );
            "MINIMAL"
        }
        "xhigh" | "max" => {
            ctx.approximated(
                p,
                format!("Gemini's highest thinking level is HIGH (was {effort})"),
            );
            "HIGH"
        }
        other => {
            ctx.approximated(
                p,
                format!("unknown effort {other:?}: the thinking level is left to the model"),
            );
            return None;
        }
    };
    Some(json!({ "thinkingLevel": level }))
}

/// Chat → generateContent (an OpenAI client, a Gemini upstream). The Chat `model` is the
/// caller's to route on (Gemini takes it in the URL); `stream` and `stream_options` choose
/// the endpoint (`streamGenerateContent`, which always reports usage).
pub fn chat_to_gemini(
    request: &CreateChatCompletionRequest,
    opts: &Options,
) -> Result<Translated<GenerateContentRequest>, TranslateError> {
    let mut src = object(to_json(request)?, "")?;
    let mut ctx = Ctx::new(opts, GEMINI);
    let mut out = Map::new();
    let model = take_str(&mut src, "model").unwrap_or_default();
    take(&mut src, "stream");
    take(&mut src, "stream_options");
    let mut system: Vec<Value> = Vec::new();
    let mut contents: Vec<Value> = Vec::new();
    // (call id, function name) of the assistant tool calls so far; no name for the calls
    // Gemini did not get (custom tools).
    let mut calls: Vec<(Value, Option<Value>)> = Vec::new();
    for (i, message) in take_array(&mut src, "messages").into_iter().enumerate() {
        let p = format!("/messages/{i}");
        let mut message = object(message, &p)?;
        let role = take_str(&mut message, "role").unwrap_or_default();
        if role != "function" && take(&mut message, "name").is_some() {
            ctx.dropped(
                format!("{p}/name"),
                "Gemini contents have no participant name",
            );
        }
        match role.as_str() {
            "system" | "developer" => {
                if !contents.is_empty() {
                    ctx.approximated(
                        &p,
                        "a system message inside the conversation moves to the system instruction",
                    );
                }
                let content = take(&mut message, "content").unwrap_or(json!(""));
                system.extend(text_parts(&mut ctx, content, &format!("{p}/content")));
            }
            "user" => {
                let content = take(&mut message, "content").unwrap_or(json!(""));
                let parts = user_parts(&mut ctx, content, &format!("{p}/content"));
                contents.push(json!({"role": "user", "parts": parts}));
            }
            "assistant" => {
                for call in message
                    .get("tool_calls")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let function = call
                        .get("type")
                        .and_then(Value::as_str)
                        .unwrap_or("function")
                        == "function";
                    let name = function
                        .then(|| call.pointer("/function/name").cloned().unwrap_or(json!("")));
                    calls.push((call.get("id").cloned().unwrap_or(Value::Null), name));
                }
                let parts = assistant_parts(&mut ctx, &mut message, &p, false)?;
                // An empty assistant message says nothing; Gemini rejects contents without parts.
                if !parts.is_empty() {
                    contents.push(json!({"role": "model", "parts": parts}));
                }
            }
            "tool" => {
                let id = take(&mut message, "tool_call_id").unwrap_or(Value::Null);
                let Some((_, name)) = calls.iter().rev().find(|(call, _)| *call == id) else {
                    return Err(TranslateError::Source {
                        pointer: format!("{p}/tool_call_id"),
                        problem: format!("no earlier assistant tool call has the id {id}"),
                    });
                };
                let Some(name) = name.clone() else {
                    ctx.dropped(&p, "the result of a call Gemini did not get");
                    message.clear();
                    continue;
                };
                let content = take(&mut message, "content").unwrap_or(json!(""));
                let response = function_response(&mut ctx, content, &format!("{p}/content"));
                push_responses(
                    &mut contents,
                    json!({"functionResponse": {"id": id, "name": name, "response": response}}),
                );
            }
            // Legacy function results name the function instead of a call id.
            "function" => {
                let name = take(&mut message, "name").unwrap_or(json!(""));
                let content = take(&mut message, "content").unwrap_or(json!(""));
                let response = function_response(&mut ctx, content, &format!("{p}/content"));
                push_responses(
                    &mut contents,
                    json!({"functionResponse": {"name": name, "response": response}}),
                );
            }
            other => {
                ctx.dropped(&p, format!("{other:?} messages have no Gemini equivalent"));
                continue;
            }
        }
        ctx.rest(&p, message);
    }
    if !system.is_empty() {
        out.insert("systemInstruction".into(), json!({ "parts": system }));
    }
    out.insert("contents".into(), Value::Array(contents));

    let (functions, any_strict, all_strict) = declarations(&mut ctx, &mut src)?;
    let has_functions = !functions.is_empty();
    if has_functions {
        out.insert(
            "tools".into(),
            json!([{ "functionDeclarations": functions }]),
        );
    }
    if take(&mut src, "parallel_tool_calls") == Some(json!(false)) {
        ctx.dropped(
            "/parallel_tool_calls",
            "Gemini has no switch to turn off parallel function calls",
        );
    }
    let legacy = take(&mut src, "function_call");
    let (choice, choice_pointer) = match take(&mut src, "tool_choice") {
        Some(choice) => {
            if legacy.is_some() {
                ctx.dropped("/function_call", "tool_choice is set and takes precedence");
            }
            (Some(choice), "/tool_choice")
        }
        None => (legacy, "/function_call"),
    };
    let strict = any_strict && has_functions;
    if let Some(config) = calling_config(&mut ctx, choice_pointer, choice, strict) {
        if strict && !all_strict && config["mode"] == "VALIDATED" {
            ctx.approximated(
                "/tools",
                "Gemini's VALIDATED mode enforces every function's schema, not only the strict ones",
            );
        }
        out.insert(
            "toolConfig".into(),
            json!({ "functionCallingConfig": config }),
        );
    }

    let mut config = Map::new();
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
            config.insert("maxOutputTokens".into(), limit);
        }
        (None, Some(legacy)) => {
            config.insert("maxOutputTokens".into(), legacy);
        }
        (None, None) => {}
    }
    for (from, to) in [
        ("temperature", "temperature"),
        ("top_p", "topP"),
        ("n", "candidateCount"),
        ("seed", "seed"),
        ("presence_penalty", "presencePenalty"),
        ("frequency_penalty", "frequencyPenalty"),
        ("logprobs", "responseLogprobs"),
        ("top_logprobs", "logprobs"),
    ] {
        if let Some(value) = take(&mut src, from) {
            config.insert(to.into(), value);
        }
    }
    let stop = take_array(&mut src, "stop");
    if !stop.is_empty() {
        config.insert("stopSequences".into(), Value::Array(stop));
    }
    if let Some(Value::Object(mut format)) = take(&mut src, "response_format") {
        match take_str(&mut format, "type").as_deref() {
            Some("json_schema") => {
                let sp = "/response_format/json_schema";
                let mut spec = object(take(&mut format, "json_schema").unwrap_or(json!({})), sp)?;
                config.insert("responseMimeType".into(), json!("application/json"));
                if let Some(schema) = take(&mut spec, "schema") {
                    config.insert("responseJsonSchema".into(), schema);
                }
                // Gemini always holds the output to the schema.
                take(&mut spec, "strict");
                if take(&mut spec, "name").is_some() {
                    ctx.dropped(format!("{sp}/name"), "Gemini response schemas are unnamed");
                }
                if take(&mut spec, "description").is_some() {
                    ctx.dropped(
                        format!("{sp}/description"),
                        "Gemini response schemas have no description besides the schema's own",
                    );
                }
                ctx.rest(sp, spec);
            }
            Some("json_object") => {
                config.insert("responseMimeType".into(), json!("application/json"));
            }
            Some("text") | None => {}
            Some(other) => ctx.dropped(
                "/response_format/type",
                format!("response format {other:?}"),
            ),
        }
        ctx.rest("/response_format", format);
    }
    if let Some(effort) = take_str(&mut src, "reasoning_effort")
        && let Some(thinking) = thinking_config(&mut ctx, &effort, &model)
    {
        config.insert("thinkingConfig".into(), thinking);
    }
    if let Some(Value::Array(modalities)) = take(&mut src, "modalities") {
        let mut kept = Vec::new();
        for (k, modality) in modalities.into_iter().enumerate() {
            match modality.as_str() {
                Some("text") => kept.push(json!("TEXT")),
                _ => ctx.dropped(
                    format!("/modalities/{k}"),
                    "Gemini chat models answer in text (audio output is its own model family)",
                ),
            }
        }
        if !kept.is_empty() {
            config.insert("responseModalities".into(), Value::Array(kept));
        }
    }
    if !config.is_empty() {
        out.insert("generationConfig".into(), Value::Object(config));
    }
    if let Some(tier) = take_str(&mut src, "service_tier") {
        match tier.as_str() {
            "default" => {
                out.insert("serviceTier".into(), json!("standard"));
            }
            "flex" | "priority" => {
                out.insert("serviceTier".into(), json!(tier));
            }
            "auto" => {}
            other => ctx.dropped(
                "/service_tier",
                format!("Gemini has no {other:?} service tier"),
            ),
        }
    }
    ctx.rest("", src);
    ctx.finish(Value::Object(out))
}
