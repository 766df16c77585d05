//! A generateContent request as a Chat Completions request.

use super::image_type;
use crate::chat_gemini::response::{CHAT, chat_call, key_g, take_g};
use crate::ctx::{Ctx, kind, object, ptr, take, take_array, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use aigw_gemini::GenerateContentRequest;
use aigw_openai::CreateChatCompletionRequest;
use serde_json::{Map, Value, json};

/// A Gemini `Schema` (an OpenAPI 3.0 subset: upper-case types, `nullable`) as JSON Schema.
fn json_schema(ctx: &mut Ctx<'_>, schema: Value, pointer: &str) -> Value {
    let Value::Object(mut schema) = schema else {
        return schema;
    };
    let nullable = take(&mut schema, "nullable") == Some(json!(true));
    if let Some(Value::String(kind)) = schema.get_mut("type") {
        *kind = kind.to_ascii_lowercase();
    }
    let ordering = key_g(&schema, "propertyOrdering");
    if take(&mut schema, &ordering).is_some() {
        ctx.dropped(ptr(pointer, &ordering), "JSON Schema has no property order");
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(inner) = take(&mut schema, key) {
            let inner = json_schema(ctx, inner, &ptr(pointer, key));
            schema.insert(key.into(), inner);
        }
    }
    for key in ["anyOf", "any_of", "oneOf", "allOf", "prefixItems"] {
        if let Some(Value::Array(items)) = take(&mut schema, key) {
            let base = ptr(pointer, key);
            let items = items
                .into_iter()
                .enumerate()
                .map(|(k, item)| json_schema(ctx, item, &format!("{base}/{k}")))
                .collect();
            let key = if key == "any_of" { "anyOf" } else { key };
            schema.insert(key.into(), Value::Array(items));
        }
    }
    for key in ["properties", "$defs", "definitions"] {
        if let Some(Value::Object(map)) = take(&mut schema, key) {
            let base = ptr(pointer, key);
            let map = map
                .into_iter()
                .map(|(name, item)| {
                    let item = json_schema(ctx, item, &ptr(&base, &name));
                    (name, item)
                })
                .collect();
            schema.insert(key.into(), Value::Object(map));
        }
    }
    if nullable {
        match schema.get("type").cloned() {
            Some(kind @ Value::String(_)) => {
                schema.insert("type".into(), json!([kind, "null"]));
            }
            _ => return json!({"anyOf": [Value::Object(schema), {"type": "null"}]}),
        }
    }
    Value::Object(schema)
}

/// Base64 (standard or URL-safe, padded or not) UTF-8 text, decoded.
fn base64_text(data: &str) -> Option<String> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in data.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b'\r' | b'\n' => continue,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Gemini parts of a user turn: function responses become Chat `tool` messages (which must
/// follow the assistant's calls), everything else one user message.
fn user_turn(
    ctx: &mut Ctx<'_>,
    parts: Vec<Value>,
    pointer: &str,
    pending: &mut Vec<(String, Value)>,
    out: &mut Vec<Value>,
) -> Result<(), TranslateError> {
    let mut content = Vec::new();
    for (j, part) in parts.into_iter().enumerate() {
        let p = format!("{pointer}/{j}");
        let mut part = object(part, &p)?;
        let response_key = key_g(&part, "functionResponse");
        if let Some(response) = take(&mut part, &response_key) {
            let rp = ptr(&p, &response_key);
            let mut response = object(response, &rp)?;
            let name = take_str(&mut response, "name").unwrap_or_default();
            let id = match take_str(&mut response, "id") {
                Some(id) => {
                    pending.retain(|(call, _)| *call != id);
                    Some(id)
                }
                None => pending
                    .iter()
                    .position(|(_, call)| call.as_str() == Some(name.as_str()))
                    .map(|k| pending.remove(k).0),
            };
            let Some(id) = id else {
                ctx.dropped(
                    &rp,
                    "a function response without a matching call: Chat tool messages answer a tool call",
                );
                continue;
            };
            let result = take(&mut response, "response").unwrap_or(json!({}));
            // `{"output": "text"}` is how a plain text result travels (see
            // `function_response`): it comes back as the text.
            let text = match &result {
                Value::Object(map)
                    if map.len() == 1 && map.get("output").is_some_and(Value::is_string) =>
                {
                    map["output"].as_str().unwrap_or_default().to_owned()
                }
                other => other.to_string(),
            };
            if let Some(Value::Array(media)) = take(&mut response, "parts")
                && !media.is_empty()
            {
                ctx.dropped(format!("{rp}/parts"), "Chat tool results carry text only");
            }
            for key in ["willContinue", "scheduling"] {
                let key = key_g(&response, key);
                if take(&mut response, &key).is_some() {
                    ctx.dropped(ptr(&rp, &key), "Chat has no streaming function results");
                }
            }
            ctx.rest(&rp, response);
            ctx.rest(&p, part);
            out.push(json!({"role": "tool", "tool_call_id": id, "content": text}));
            continue;
        }
        if let Some(text) = take(&mut part, "text") {
            if take(&mut part, "thought") == Some(json!(true)) {
                ctx.dropped(&p, "Chat has no place for prior reasoning");
                continue;
            }
            content.push(json!({"type": "text", "text": text}));
        } else if let Some(Value::Object(mut blob)) = take_g(&mut part, "inlineData") {
            let media = take_g(&mut blob, "mimeType")
                .and_then(|m| m.as_str().map(str::to_owned))
                .unwrap_or_default();
            let data = take_str(&mut blob, "data").unwrap_or_default();
            let bp = format!("{p}/inlineData");
            match media.as_str() {
                m if m.starts_with("image/") => content.push(
                    json!({"type": "image_url", "image_url": {"url": format!("data:{m};base64,{data}")}}),
                ),
                "audio/wav" | "audio/x-wav" | "audio/wave" => content
                    .push(json!({"type": "input_audio", "input_audio": {"data": data, "format": "wav"}})),
                "audio/mp3" | "audio/mpeg" => content
                    .push(json!({"type": "input_audio", "input_audio": {"data": data, "format": "mp3"}})),
                "application/pdf" => content.push(json!({"type": "file", "file": {
                    "file_data": format!("data:application/pdf;base64,{data}"), "filename": "document.pdf"}})),
                m if m.starts_with("text/") && base64_text(&data).is_some() => {
                    ctx.approximated(&bp, format!("a {m} file becomes a text part"));
                    let text = base64_text(&data).unwrap_or_default();
                    content.push(json!({"type": "text", "text": text}));
                }
                other => {
                    ctx.dropped(
                        &bp,
                        format!("Chat accepts images, wav/mp3 audio and PDF files, not {other:?}"),
                    );
                    ctx.rest(&bp, blob);
                    continue;
                }
            }
            ctx.rest(&bp, blob);
        } else if let Some(Value::Object(mut file)) = take_g(&mut part, "fileData") {
            let fp = format!("{p}/fileData");
            let uri = take_g(&mut file, "fileUri")
                .and_then(|u| u.as_str().map(str::to_owned))
                .unwrap_or_default();
            let media = take_g(&mut file, "mimeType")
                .and_then(|m| m.as_str().map(str::to_owned))
                .or_else(|| image_type(&uri).map(str::to_owned))
                .unwrap_or_default();
            if uri.starts_with("https://generativelanguage.googleapis.com/") {
                ctx.dropped(&fp, "a Gemini Files API file is readable only by Gemini");
            } else if media.starts_with("image/") {
                content.push(json!({"type": "image_url", "image_url": {"url": uri}}));
            } else {
                ctx.dropped(
                    &fp,
                    format!("Chat takes images by URL, not {media:?} files"),
                );
            }
            ctx.rest(&fp, file);
        } else {
            let what = part
                .keys()
                .next()
                .cloned()
                .unwrap_or_else(|| "empty".into());
            ctx.dropped(&p, format!("{what} parts have no Chat equivalent"));
            continue;
        }
        ctx.rest(&p, part);
    }
    if !content.is_empty() {
        let content = match content.as_slice() {
            [part] if part["type"] == "text" => part["text"].clone(),
            _ => Value::Array(content),
        };
        out.push(json!({"role": "user", "content": content}));
    }
    Ok(())
}

/// Gemini parts of a model turn as a Chat assistant message. Calls without an id get
/// `call_<position of the call in its turn>`, the id a Gemini response's call gets too; the
/// function responses that answer them (by name, in order) get the same id.
fn model_turn(
    ctx: &mut Ctx<'_>,
    parts: Vec<Value>,
    pointer: &str,
    pending: &mut Vec<(String, Value)>,
    out: &mut Vec<Value>,
) -> Result<(), TranslateError> {
    let mut texts = Vec::new();
    let mut calls = Vec::new();
    pending.clear();
    for (j, part) in parts.into_iter().enumerate() {
        let p = format!("{pointer}/{j}");
        let mut part = object(part, &p)?;
        let signature = key_g(&part, "thoughtSignature");
        if take(&mut part, &signature).is_some() {
            ctx.dropped(
                ptr(&p, &signature),
                "a Gemini thought signature is only sent back to Gemini",
            );
        }
        let thought = take(&mut part, "thought") == Some(json!(true));
        let call_key = key_g(&part, "functionCall");
        if let Some(call) = take(&mut part, &call_key) {
            let call = chat_call(ctx, call, &ptr(&p, &call_key), calls.len())?;
            let id = call["id"].as_str().unwrap_or_default().to_owned();
            pending.push((id, call["function"]["name"].clone()));
            calls.push(call);
        } else if let Some(text) = take(&mut part, "text") {
            if thought {
                ctx.dropped(&p, "Chat requests have no place for prior reasoning");
                continue;
            }
            if !calls.is_empty() && text.as_str().is_some_and(|t| !t.is_empty()) {
                ctx.approximated(&p, "text after a function call moves before the tool calls");
            }
            texts.push(json!({"type": "text", "text": text}));
        } else if part.is_empty() {
            // A part that only carried a signature (reported above).
            continue;
        } else {
            let what = part.keys().next().cloned().unwrap_or_default();
            ctx.dropped(&p, format!("{what} parts have no Chat equivalent"));
            continue;
        }
        ctx.rest(&p, part);
    }
    if texts.is_empty() && calls.is_empty() {
        return Ok(());
    }
    let content = match texts.as_slice() {
        [] => Value::Null,
        [text] => text["text"].clone(),
        _ => Value::Array(texts),
    };
    let mut message = json!({"role": "assistant", "content": content});
    if !calls.is_empty() {
        message["tool_calls"] = Value::Array(calls);
    }
    out.push(message);
    Ok(())
}

/// Gemini function declarations as Chat function tools.
fn chat_tools(
    ctx: &mut Ctx<'_>,
    src: &mut Map<String, Value>,
) -> Result<Vec<Value>, TranslateError> {
    let (tools, single) = match take(src, "tools") {
        Some(Value::Array(tools)) => (tools, false),
        Some(tool) => (vec![tool], true),
        None => (Vec::new(), false),
    };
    let mut out = Vec::new();
    for (i, tool) in tools.into_iter().enumerate() {
        let p = if single {
            "/tools".to_owned()
        } else {
            format!("/tools/{i}")
        };
        let mut tool = object(tool, &p)?;
        let key = key_g(&tool, "functionDeclarations");
        for (k, declaration) in take_array(&mut tool, &key).into_iter().enumerate() {
            let dp = format!("{}/{k}", ptr(&p, &key));
            let mut declaration = object(declaration, &dp)?;
            let mut function = Map::new();
            function.insert(
                "name".into(),
                take(&mut declaration, "name").unwrap_or(json!("")),
            );
            if let Some(description) = take(&mut declaration, "description") {
                function.insert("description".into(), description);
            }
            let json_key = key_g(&declaration, "parametersJsonSchema");
            if let Some(schema) = take(&mut declaration, &json_key) {
                function.insert("parameters".into(), schema);
            } else if let Some(schema) = take(&mut declaration, "parameters") {
                let schema = json_schema(ctx, schema, &format!("{dp}/parameters"));
                function.insert("parameters".into(), schema);
            }
            for key in ["response", "responseJsonSchema"] {
                let key = key_g(&declaration, key);
                if take(&mut declaration, &key).is_some() {
                    ctx.dropped(ptr(&dp, &key), "Chat functions declare no result schema");
                }
            }
            ctx.rest(&dp, declaration);
            out.push(json!({"type": "function", "function": function}));
        }
        for (key, value) in tool {
            if !value.is_null() {
                ctx.dropped(ptr(&p, &key), format!("the {key} tool runs only on Gemini"));
            }
        }
    }
    Ok(out)
}

/// A Gemini function calling config as a Chat `tool_choice`.
fn chat_tool_choice(
    ctx: &mut Ctx<'_>,
    mut config: Map<String, Value>,
    pointer: &str,
) -> Option<Value> {
    let names_key = key_g(&config, "allowedFunctionNames");
    let names = take_array(&mut config, &names_key);
    let mode = take_str(&mut config, "mode");
    ctx.rest(pointer, config);
    let function = |name: &Value| json!({"type": "function", "function": {"name": name}});
    let restricted = |mode: &str| {
        json!({"type": "allowed_tools", "allowed_tools": {
            "mode": mode, "tools": names.iter().map(function).collect::<Vec<_>>()}})
    };
    match mode.as_deref() {
        Some("NONE") => Some(json!("none")),
        Some("ANY") => Some(match names.as_slice() {
            [] => json!("required"),
            [name] => function(name),
            _ => restricted("required"),
        }),
        Some(mode @ ("AUTO" | "VALIDATED")) => {
            if mode == "VALIDATED" {
                ctx.approximated(
                    format!("{pointer}/mode"),
                    "VALIDATED becomes auto: OpenAI enforces argument schemas only for strict functions",
                );
            }
            Some(if names.is_empty() {
                json!("auto")
            } else {
                restricted("auto")
            })
        }
        Some("MODE_UNSPECIFIED") | None => None,
        Some(other) => {
            ctx.dropped(
                format!("{pointer}/mode"),
                format!("function calling mode {other:?}"),
            );
            None
        }
    }
}

/// A Gemini thinking config as a Chat `reasoning_effort`.
fn chat_effort(
    ctx: &mut Ctx<'_>,
    mut thinking: Map<String, Value>,
    pointer: &str,
) -> Option<Value> {
    let include = key_g(&thinking, "includeThoughts");
    if take(&mut thinking, &include) == Some(json!(true)) {
        ctx.dropped(
            ptr(pointer, &include),
            "Chat Completions does not return reasoning text",
        );
    }
    let level_key = key_g(&thinking, "thinkingLevel");
    let budget_key = key_g(&thinking, "thinkingBudget");
    let level = take_str(&mut thinking, &level_key);
    let budget = take(&mut thinking, &budget_key);
    ctx.rest(pointer, thinking);
    if let Some(level) = level {
        if budget.is_some() {
            ctx.dropped(
                ptr(pointer, &budget_key),
                "the thinking level takes precedence",
            );
        }
        return match level.as_str() {
            "MINIMAL" | "LOW" | "MEDIUM" | "HIGH" => Some(json!(level.to_ascii_lowercase())),
            other => {
                ctx.dropped(
                    ptr(pointer, &level_key),
                    format!("thinking level {other:?}"),
                );
                None
            }
        };
    }
    let budget = budget?;
    let bp = ptr(pointer, &budget_key);
    let Some(tokens) = budget.as_i64() else {
        ctx.dropped(bp, "a thinking budget that is not a number");
        return None;
    };
    let effort = match tokens {
        ..0 => {
            ctx.approximated(
                bp,
                "dynamic thinking leaves the reasoning effort to the model",
            );
            return None;
        }
        0 => "none",
        1..=1024 => "low",
        1025..=8192 => "medium",
        _ => "high",
    };
    ctx.approximated(
        bp,
        format!("a thinking budget of {tokens} tokens becomes reasoning_effort {effort}"),
    );
    Some(json!(effort))
}

/// The generation config as Chat parameters.
fn generation_config(
    ctx: &mut Ctx<'_>,
    mut config: Map<String, Value>,
    pointer: &str,
    out: &mut Map<String, Value>,
) {
    for (from, to) in [
        ("maxOutputTokens", "max_completion_tokens"),
        ("temperature", "temperature"),
        ("topP", "top_p"),
        ("candidateCount", "n"),
        ("seed", "seed"),
        ("presencePenalty", "presence_penalty"),
        ("frequencyPenalty", "frequency_penalty"),
        ("responseLogprobs", "logprobs"),
        ("logprobs", "top_logprobs"),
    ] {
        if let Some(value) = take_g(&mut config, from) {
            out.insert(to.into(), value);
        }
    }
    let stop = key_g(&config, "stopSequences");
    let stop = take_array(&mut config, &stop);
    if !stop.is_empty() {
        out.insert("stop".into(), Value::Array(stop));
    }
    let top_k = key_g(&config, "topK");
    if take(&mut config, &top_k).is_some() {
        ctx.dropped(ptr(pointer, &top_k), "Chat has no top_k");
    }
    let mime_key = key_g(&config, "responseMimeType");
    let mime = take_str(&mut config, &mime_key);
    let mut schema = None;
    for key in ["responseJsonSchema", "_responseJsonSchema"] {
        let key = key_g(&config, key);
        if let Some(value) = take(&mut config, &key) {
            if schema.is_some() {
                ctx.dropped(ptr(pointer, &key), "another response schema is set");
            } else {
                schema = Some(value);
            }
        }
    }
    let schema_key = key_g(&config, "responseSchema");
    if let Some(value) = take(&mut config, &schema_key) {
        let sp = ptr(pointer, &schema_key);
        if schema.is_some() {
            ctx.dropped(sp, "another response schema is set");
        } else {
            schema = Some(json_schema(ctx, value, &sp));
        }
    }
    match (mime.as_deref(), schema) {
        (_, Some(schema)) => {
            if mime.as_deref().is_some_and(|m| m != "application/json") {
                ctx.approximated(ptr(pointer, &mime_key), "Chat schema outputs are JSON");
            }
            out.insert(
                "response_format".into(),
                json!({"type": "json_schema", "json_schema": {"name": "output", "schema": schema, "strict": true}}),
            );
        }
        (Some("application/json"), None) => {
            out.insert("response_format".into(), json!({"type": "json_object"}));
        }
        (Some("text/plain") | None, None) => {}
        (Some(other), None) => ctx.dropped(
            ptr(pointer, &mime_key),
            format!("Chat has no {other:?} output"),
        ),
    }
    let thinking_key = key_g(&config, "thinkingConfig");
    if let Some(thinking) = take(&mut config, &thinking_key) {
        let tp = ptr(pointer, &thinking_key);
        match thinking {
            Value::Object(thinking) => {
                if let Some(effort) = chat_effort(ctx, thinking, &tp) {
                    out.insert("reasoning_effort".into(), effort);
                }
            }
            other => ctx.dropped(tp, format!("a thinking config that is {}", kind(&other))),
        }
    }
    let modalities_key = key_g(&config, "responseModalities");
    let mut modalities = Vec::new();
    for (k, modality) in take_array(&mut config, &modalities_key)
        .into_iter()
        .enumerate()
    {
        match modality.as_str() {
            Some("TEXT") => modalities.push(json!("text")),
            _ => ctx.dropped(
                format!("{}/{k}", ptr(pointer, &modalities_key)),
                "Chat chat models answer in text (and audio, with settings Gemini does not carry)",
            ),
        }
    }
    if !modalities.is_empty() {
        out.insert("modalities".into(), Value::Array(modalities));
    }
    ctx.rest(pointer, config);
}

/// generateContent → Chat (a Gemini client, an OpenAI or OpenAI-compatible upstream).
/// `model` is the one from the request URL. The caller sets `stream` (and
/// `stream_options.include_usage`) for `streamGenerateContent`.
pub fn gemini_to_chat(
    request: &GenerateContentRequest,
    model: &str,
    opts: &Options,
) -> Result<Translated<CreateChatCompletionRequest>, TranslateError> {
    let mut src = object(to_json(request)?, "")?;
    let mut ctx = Ctx::new(opts, CHAT);
    let mut out = Map::new();
    out.insert("model".into(), json!(model.trim_start_matches("models/")));
    // The body may repeat the model of the URL.
    take(&mut src, "model");
    let mut messages = Vec::new();
    let system_key = key_g(&src, "systemInstruction");
    if let Some(system) = take(&mut src, &system_key) {
        let sp = ptr("", &system_key);
        let mut system = object(system, &sp)?;
        take(&mut system, "role");
        let mut texts = Vec::new();
        for (j, part) in take_array(&mut system, "parts").into_iter().enumerate() {
            let p = format!("{sp}/parts/{j}");
            let mut part = object(part, &p)?;
            match take(&mut part, "text") {
                Some(text) => texts.push(json!({"type": "text", "text": text})),
                None => {
                    ctx.dropped(&p, "Chat system messages carry text only");
                    continue;
                }
            }
            ctx.rest(&p, part);
        }
        ctx.rest(&sp, system);
        match texts.as_slice() {
            [] => {}
            [text] => messages.push(json!({"role": "system", "content": text["text"]})),
            _ => messages.push(json!({"role": "system", "content": texts})),
        }
    }
    // The calls of the last model turn not answered yet: (id, name).
    let mut pending: Vec<(String, Value)> = Vec::new();
    for (i, content) in take_array(&mut src, "contents").into_iter().enumerate() {
        let p = format!("/contents/{i}");
        let mut content = object(content, &p)?;
        let role = take_str(&mut content, "role");
        let parts = take_array(&mut content, "parts");
        let pp = format!("{p}/parts");
        match role.as_deref() {
            Some("user" | "function") | None => {
                user_turn(&mut ctx, parts, &pp, &mut pending, &mut messages)?
            }
            Some("model") => model_turn(&mut ctx, parts, &pp, &mut pending, &mut messages)?,
            Some(other) => ctx.dropped(&p, format!("{other:?} contents have no Chat equivalent")),
        }
        ctx.rest(&p, content);
    }
    out.insert("messages".into(), Value::Array(messages));
    let tools = chat_tools(&mut ctx, &mut src)?;
    if !tools.is_empty() {
        out.insert("tools".into(), Value::Array(tools));
    }
    let tool_config_key = key_g(&src, "toolConfig");
    if let Some(Value::Object(mut config)) = take(&mut src, &tool_config_key) {
        let tp = ptr("", &tool_config_key);
        let calling_key = key_g(&config, "functionCallingConfig");
        if let Some(Value::Object(calling)) = take(&mut config, &calling_key)
            && let Some(choice) = chat_tool_choice(&mut ctx, calling, &ptr(&tp, &calling_key))
        {
            out.insert("tool_choice".into(), choice);
        }
        ctx.rest(&tp, config);
    }
    let config_key = key_g(&src, "generationConfig");
    if let Some(config) = take(&mut src, &config_key) {
        let cp = ptr("", &config_key);
        match config {
            Value::Object(config) => generation_config(&mut ctx, config, &cp, &mut out),
            other => ctx.dropped(cp, format!("a generation config that is {}", kind(&other))),
        }
    }
    let cached_key = key_g(&src, "cachedContent");
    if take(&mut src, &cached_key).is_some() {
        ctx.dropped(
            ptr("", &cached_key),
            "a Gemini context cache is readable only by Gemini (its contents are not in the request)",
        );
    }
    let tier_key = key_g(&src, "serviceTier");
    if let Some(tier) = take_str(&mut src, &tier_key) {
        match tier.as_str() {
            "standard" => {
                out.insert("service_tier".into(), json!("default"));
            }
            "flex" | "priority" => {
                out.insert("service_tier".into(), json!(tier));
            }
            "unspecified" => {}
            other => ctx.dropped(
                ptr("", &tier_key),
                format!("Chat has no {other:?} service tier"),
            ),
        }
    }
    ctx.rest("", src);
    ctx.finish(Value::Object(out))
}
