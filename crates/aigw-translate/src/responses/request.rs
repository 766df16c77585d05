//! Responses request ↔ Chat Completions request.

use super::common::{CHAT, RESPONSES, reasoning_entry};
use crate::ctx::{Ctx, kind, object, take, take_array, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use crate::reasoning;
use aigw_openai::{CreateChatCompletionRequest, CreateResponse};
use serde_json::{Map, Value, json};
use std::collections::HashSet;

/// Request fields with the same name and meaning on both sides.
const SHARED: &[&str] = &[
    "metadata",
    "temperature",
    "top_p",
    "user",
    "safety_identifier",
    "prompt_cache_key",
    "prompt_cache_retention",
    "prompt_cache_options",
    "service_tier",
    "parallel_tool_calls",
    "moderation",
];

/// The `include` value that asks Responses for output text logprobs (Chat `logprobs: true`).
const LOGPROBS: &str = "message.output_text.logprobs";
/// The `include` value that asks Responses for encrypted reasoning.
const ENCRYPTED_REASONING: &str = "reasoning.encrypted_content";

// ---------------------------------------------------------------------------------------
// Responses → Chat
// ---------------------------------------------------------------------------------------

/// The Chat assistant message being assembled from consecutive Responses items: reasoning,
/// one assistant message, and the function calls that follow it.
#[derive(Default)]
struct Assistant {
    content: Option<Value>,
    refusal: Option<String>,
    tool_calls: Vec<Value>,
    reasoning: Vec<Value>,
    reasoning_text: Vec<String>,
}

impl Assistant {
    /// Whether it already has output (content, refusal or calls), so that a new assistant
    /// message or reasoning item starts the next turn.
    fn has_output(&self) -> bool {
        self.content.is_some() || self.refusal.is_some() || !self.tool_calls.is_empty()
    }

    fn into_message(self) -> Value {
        let mut message = Map::new();
        message.insert("role".into(), json!("assistant"));
        message.insert("content".into(), self.content.unwrap_or(Value::Null));
        if let Some(refusal) = self.refusal {
            message.insert("refusal".into(), json!(refusal));
        }
        if !self.tool_calls.is_empty() {
            message.insert("tool_calls".into(), Value::Array(self.tool_calls));
        }
        if !self.reasoning_text.is_empty() {
            message.insert(
                "reasoning_content".into(),
                json!(self.reasoning_text.concat()),
            );
        }
        if !self.reasoning.is_empty() {
            message.insert(reasoning::FIELD.into(), Value::Array(self.reasoning));
        }
        Value::Object(message)
    }
}

/// The Chat messages being assembled, with the assistant message still open.
#[derive(Default)]
struct Conversation {
    messages: Vec<Value>,
    assistant: Option<Assistant>,
}

impl Conversation {
    fn flush(&mut self) {
        if let Some(assistant) = self.assistant.take() {
            self.messages.push(assistant.into_message());
        }
    }

    fn push(&mut self, message: Value) {
        self.flush();
        self.messages.push(message);
    }

    /// The open assistant message, or a new one (`fresh`: the previous one already has
    /// output, so this item starts the next turn).
    fn assistant(&mut self, fresh: bool) -> &mut Assistant {
        if fresh && self.assistant.as_ref().is_some_and(Assistant::has_output) {
            self.flush();
        }
        self.assistant.get_or_insert_with(Assistant::default)
    }
}

/// Responses input content parts of a user message as Chat parts (text, images, files).
fn user_parts(ctx: &mut Ctx<'_>, parts: Vec<Value>, pointer: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for (j, part) in parts.into_iter().enumerate() {
        let p = format!("{pointer}/{j}");
        let Value::Object(mut part) = part else {
            ctx.dropped(p, "not a content part");
            continue;
        };
        match take_str(&mut part, "type").as_deref() {
            Some("input_text" | "output_text") => {
                out.push(
                    json!({"type": "text", "text": take(&mut part, "text").unwrap_or(json!(""))}),
                );
                take_annotations(ctx, &mut part, &p);
            }
            Some("input_image") => {
                let Some(url) = take(&mut part, "image_url") else {
                    ctx.dropped(
                        &p,
                        "Chat images take a URL or data URL, not an OpenAI file id",
                    );
                    continue;
                };
                let mut image = json!({"url": url});
                if let Some(detail) = take_str(&mut part, "detail")
                    && detail != "auto"
                {
                    image["detail"] = json!(detail);
                }
                out.push(json!({"type": "image_url", "image_url": image}));
            }
            Some("input_file") => {
                if take(&mut part, "file_url").is_some() {
                    ctx.dropped(
                        format!("{p}/file_url"),
                        "Chat files take inline data or a file id, not a URL",
                    );
                }
                let mut file = Map::new();
                for key in ["file_data", "file_id", "filename"] {
                    if let Some(value) = take(&mut part, key) {
                        file.insert(key.into(), value);
                    }
                }
                if file.contains_key("file_data") || file.contains_key("file_id") {
                    out.push(json!({"type": "file", "file": file}));
                }
            }
            other => {
                ctx.dropped(
                    p,
                    format!(
                        "{} content parts have no Chat equivalent",
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

/// Non-empty annotations or logprobs on an input text part are reported (Chat input text
/// carries neither).
fn take_annotations(ctx: &mut Ctx<'_>, part: &mut Map<String, Value>, p: &str) {
    for key in ["annotations", "logprobs"] {
        if let Some(Value::Array(items)) = take(part, key)
            && !items.is_empty()
        {
            ctx.dropped(
                format!("{p}/{key}"),
                format!("Chat input messages have no {key}"),
            );
        }
    }
}

/// A message content that is a list of text parts only: as one string when it is a single
/// part, otherwise as Chat text parts.
fn text_content(parts: Vec<Value>) -> Value {
    match parts.as_slice() {
        [part] if part["type"] == "text" => part["text"].clone(),
        _ => Value::Array(parts),
    }
}

/// A Responses message item (`{"type": "message", "role", "content"}` or the easy form).
fn message_item(
    ctx: &mut Ctx<'_>,
    mut item: Map<String, Value>,
    p: &str,
    conversation: &mut Conversation,
) {
    item.shift_remove("type");
    // OpenAI's bookkeeping of stored items: no Chat message has a place for it, and the
    // Responses API itself ignores it on input (see the module documentation).
    item.shift_remove("id");
    item.shift_remove("status");
    if take(&mut item, "phase").is_some() {
        ctx.dropped(
            format!("{p}/phase"),
            "Chat messages have no phase (commentary or final answer)",
        );
    }
    let role = take_str(&mut item, "role").unwrap_or_default();
    let cp = format!("{p}/content");
    let content = take(&mut item, "content").unwrap_or(json!(""));
    match role.as_str() {
        "user" | "system" | "developer" => {
            let content = match content {
                Value::String(text) => Value::String(text),
                Value::Array(parts) => {
                    let given = !parts.is_empty();
                    let parts = user_parts(ctx, parts, &cp);
                    if given && parts.is_empty() {
                        // Every part was dropped (and reported): no empty message.
                        ctx.rest(p, item);
                        return;
                    }
                    if role == "user" {
                        Value::Array(parts)
                    } else {
                        // Chat system and developer messages carry text only.
                        let (texts, others): (Vec<Value>, Vec<Value>) =
                            parts.into_iter().partition(|part| part["type"] == "text");
                        if !others.is_empty() {
                            ctx.dropped(&cp, format!("Chat {role} messages carry text only"));
                        }
                        text_content(texts)
                    }
                }
                other => {
                    ctx.dropped(&cp, format!("content that is {}", kind(&other)));
                    json!("")
                }
            };
            conversation.push(json!({"role": role, "content": content}));
        }
        "assistant" => {
            let assistant = conversation.assistant(true);
            match content {
                Value::String(text) => assistant.content = Some(Value::String(text)),
                Value::Array(parts) => {
                    let mut texts = Vec::new();
                    for (j, part) in parts.into_iter().enumerate() {
                        let pp = format!("{cp}/{j}");
                        let Value::Object(mut part) = part else {
                            ctx.dropped(pp, "not a content part");
                            continue;
                        };
                        match take_str(&mut part, "type").as_deref() {
                            Some("output_text" | "input_text") => {
                                texts.push(json!({"type": "text", "text": take(&mut part, "text").unwrap_or(json!(""))}));
                                take_annotations(ctx, &mut part, &pp);
                            }
                            Some("refusal") => {
                                let refusal = take_str(&mut part, "refusal").unwrap_or_default();
                                assistant.refusal = Some(match assistant.refusal.take() {
                                    Some(before) => before + &refusal,
                                    None => refusal,
                                });
                            }
                            other => {
                                ctx.dropped(
                                    pp,
                                    format!(
                                        "{} parts in an assistant message have no Chat equivalent",
                                        other.unwrap_or("untyped")
                                    ),
                                );
                                continue;
                            }
                        }
                        ctx.rest(&pp, part);
                    }
                    if !texts.is_empty() {
                        assistant.content = Some(text_content(texts));
                    }
                }
                other => ctx.dropped(&cp, format!("content that is {}", kind(&other))),
            }
        }
        other => ctx.dropped(p, format!("{other:?} messages have no Chat equivalent")),
    }
    ctx.rest(p, item);
}

/// A function call output's `output` (a string or input content parts) as Chat tool message
/// content (text only).
fn tool_output(ctx: &mut Ctx<'_>, output: Value, pointer: &str) -> Value {
    match output {
        Value::String(text) => Value::String(text),
        Value::Array(parts) => {
            let mut texts = Vec::new();
            for (j, part) in parts.into_iter().enumerate() {
                let p = format!("{pointer}/{j}");
                let Value::Object(mut part) = part else {
                    ctx.dropped(p, "not a content part");
                    continue;
                };
                match take_str(&mut part, "type").as_deref() {
                    Some("input_text" | "output_text") => {
                        texts.push(json!({"type": "text", "text": take(&mut part, "text").unwrap_or(json!(""))}));
                        take_annotations(ctx, &mut part, &p);
                        ctx.rest(&p, part);
                    }
                    other => ctx.dropped(
                        p,
                        format!(
                            "Chat tool messages carry text only, not {}",
                            other.unwrap_or("untyped parts")
                        ),
                    ),
                }
            }
            Value::Array(texts)
        }
        other => {
            ctx.dropped(pointer, format!("an output that is {}", kind(&other)));
            json!("")
        }
    }
}

/// Responses input items as Chat messages.
fn input_items(
    ctx: &mut Ctx<'_>,
    items: Vec<Value>,
    conversation: &mut Conversation,
) -> Result<(), TranslateError> {
    for (i, item) in items.into_iter().enumerate() {
        let p = format!("/input/{i}");
        let mut item = object(item, &p)?;
        let kind = item
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("message")
            .to_owned();
        match kind.as_str() {
            "message" => {
                message_item(ctx, item, &p, conversation);
                continue;
            }
            "function_call" | "custom_tool_call" => {
                item.shift_remove("type");
                item.shift_remove("id");
                item.shift_remove("status");
                let id = take(&mut item, "call_id").unwrap_or(json!(""));
                let name = take(&mut item, "name").unwrap_or(json!(""));
                let call = if kind == "function_call" {
                    let arguments = take(&mut item, "arguments").unwrap_or(json!("{}"));
                    json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}})
                } else {
                    let input = take(&mut item, "input").unwrap_or(json!(""));
                    json!({"id": id, "type": "custom", "custom": {"name": name, "input": input}})
                };
                conversation.assistant(false).tool_calls.push(call);
            }
            "function_call_output" | "custom_tool_call_output" => {
                item.shift_remove("type");
                item.shift_remove("id");
                item.shift_remove("status");
                let id = take(&mut item, "call_id").unwrap_or(json!(""));
                let output = take(&mut item, "output").unwrap_or(json!(""));
                let content = tool_output(ctx, output, &format!("{p}/output"));
                conversation.push(json!({"role": "tool", "tool_call_id": id, "content": content}));
            }
            "reasoning" => {
                let assistant = conversation.assistant(true);
                match reasoning_entry(&item) {
                    Some(entry) => {
                        assistant.reasoning.push(entry);
                        item.clear();
                    }
                    None => {
                        for part in take_array(&mut item, "content") {
                            if let Some(text) = part.get("text").and_then(Value::as_str) {
                                assistant.reasoning_text.push(text.to_owned());
                            }
                        }
                        item.shift_remove("type");
                        item.shift_remove("id");
                        item.shift_remove("status");
                        if let Some(Value::Array(summary)) = take(&mut item, "summary")
                            && !summary.is_empty()
                        {
                            ctx.dropped(
                                format!("{p}/summary"),
                                "Chat reasoning_content carries the reasoning text, not its summary",
                            );
                        }
                    }
                }
            }
            "item_reference" => {
                ctx.dropped(&p, "Chat has no stored items to refer to");
                continue;
            }
            other => {
                ctx.dropped(
                    &p,
                    format!("{other} items are OpenAI Responses' own; Chat has no equivalent"),
                );
                continue;
            }
        }
        ctx.rest(&p, item);
    }
    conversation.flush();
    Ok(())
}

/// Responses tools → Chat tools (function and custom tools; built-in tools are dropped).
fn tools_to_chat(
    ctx: &mut Ctx<'_>,
    src: &mut Map<String, Value>,
    out: &mut Map<String, Value>,
) -> Result<(), TranslateError> {
    let mut tools = Vec::new();
    for (i, tool) in take_array(src, "tools").into_iter().enumerate() {
        let p = format!("/tools/{i}");
        let mut tool = object(tool, &p)?;
        match take_str(&mut tool, "type").as_deref() {
            Some("function") => {
                let mut function = Map::new();
                function.insert("name".into(), take(&mut tool, "name").unwrap_or(json!("")));
                if let Some(description) = take(&mut tool, "description") {
                    function.insert("description".into(), description);
                }
                if let Some(parameters) = take(&mut tool, "parameters") {
                    function.insert("parameters".into(), parameters);
                }
                match take(&mut tool, "strict") {
                    Some(Value::Bool(true)) => {
                        function.insert("strict".into(), json!(true));
                    }
                    Some(_) => {}
                    None => ctx.approximated(
                        &p,
                        "Responses makes a function without `strict` strict (normalizing its schema); Chat leaves it non-strict",
                    ),
                }
                ctx.rest(&p, tool);
                tools.push(json!({"type": "function", "function": function}));
            }
            Some("custom") => {
                let mut custom = Map::new();
                for key in ["name", "description", "format"] {
                    if let Some(value) = take(&mut tool, key) {
                        custom.insert(key.into(), value);
                    }
                }
                ctx.rest(&p, tool);
                tools.push(json!({"type": "custom", "custom": custom}));
            }
            other => ctx.dropped(
                &p,
                format!(
                    "the built-in tool {} runs only on OpenAI Responses",
                    other.unwrap_or("(untyped)")
                ),
            ),
        }
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
                Some("function") => {
                    let name = take(&mut choice, "name").unwrap_or(json!(""));
                    out.insert(
                        "tool_choice".into(),
                        json!({"type": "function", "function": {"name": name}}),
                    );
                }
                Some("custom") => {
                    let name = take(&mut choice, "name").unwrap_or(json!(""));
                    out.insert(
                        "tool_choice".into(),
                        json!({"type": "custom", "custom": {"name": name}}),
                    );
                }
                Some("allowed_tools") => {
                    let mode = take(&mut choice, "mode").unwrap_or(json!("auto"));
                    let mut allowed = Vec::new();
                    for (j, tool) in take_array(&mut choice, "tools").into_iter().enumerate() {
                        let tp = format!("/tool_choice/tools/{j}");
                        let mut tool = object(tool, &tp)?;
                        match take_str(&mut tool, "type").as_deref() {
                            Some(kind @ ("function" | "custom")) => {
                                let name = take(&mut tool, "name").unwrap_or(json!(""));
                                allowed.push(json!({"type": kind, kind: {"name": name}}));
                                ctx.rest(&tp, tool);
                            }
                            other => ctx.dropped(
                                tp,
                                format!(
                                    "the built-in tool {} runs only on OpenAI Responses",
                                    other.unwrap_or("(untyped)")
                                ),
                            ),
                        }
                    }
                    out.insert(
                        "tool_choice".into(),
                        json!({"type": "allowed_tools", "allowed_tools": {"mode": mode, "tools": allowed}}),
                    );
                }
                other => {
                    ctx.dropped(
                        "/tool_choice",
                        format!(
                            "choosing the built-in tool {} has no Chat equivalent",
                            other.unwrap_or("(untyped)")
                        ),
                    );
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

/// Responses → Chat (an OpenAI Responses client, a Chat-only upstream).
pub fn responses_to_chat(
    request: &CreateResponse,
    opts: &Options,
) -> Result<Translated<CreateChatCompletionRequest>, TranslateError> {
    let mut src = object(to_json(request)?, "")?;
    let mut ctx = Ctx::new(opts, CHAT);
    let mut out = Map::new();
    if let Some(model) = take(&mut src, "model") {
        out.insert("model".into(), model);
    }
    let mut conversation = Conversation::default();
    match take(&mut src, "instructions") {
        Some(Value::String(text)) => {
            conversation.push(json!({"role": "system", "content": text}));
        }
        Some(other) => ctx.dropped(
            "/instructions",
            format!("instructions that are {}", kind(&other)),
        ),
        None => {}
    }
    match take(&mut src, "input") {
        Some(Value::String(text)) => conversation.push(json!({"role": "user", "content": text})),
        Some(Value::Array(items)) => input_items(&mut ctx, items, &mut conversation)?,
        Some(other) => ctx.dropped("/input", format!("input that is {}", kind(&other))),
        None => {}
    }
    conversation.flush();
    out.insert("messages".into(), Value::Array(conversation.messages));
    for key in SHARED {
        if let Some(value) = take(&mut src, key) {
            out.insert((*key).into(), value);
        }
    }
    if let Some(max) = take(&mut src, "max_output_tokens") {
        out.insert("max_completion_tokens".into(), max);
    }
    if let Some(stream) = take(&mut src, "stream") {
        let streaming = stream == json!(true);
        out.insert("stream".into(), stream);
        if streaming {
            // response.completed carries usage: ask the Chat upstream for its usage chunk.
            let mut options = json!({"include_usage": true});
            if let Some(Value::Object(mut given)) = take(&mut src, "stream_options") {
                if let Some(obfuscation) = take(&mut given, "include_obfuscation") {
                    options["include_obfuscation"] = obfuscation;
                }
                ctx.rest("/stream_options", given);
            }
            out.insert("stream_options".into(), options);
        }
    }
    if let Some(Value::Object(mut given)) = take(&mut src, "stream_options") {
        // Without streaming the options mean nothing; an obfuscation setting is harmless.
        take(&mut given, "include_obfuscation");
        ctx.rest("/stream_options", given);
    }
    tools_to_chat(&mut ctx, &mut src, &mut out)?;
    if let Some(Value::Object(mut text)) = take(&mut src, "text") {
        if let Some(Value::Object(mut format)) = take(&mut text, "format") {
            let fp = "/text/format";
            match take_str(&mut format, "type").as_deref() {
                Some("json_schema") => {
                    let mut spec = Map::new();
                    for key in ["name", "description", "schema", "strict"] {
                        if let Some(value) = take(&mut format, key) {
                            spec.insert(key.into(), value);
                        }
                    }
                    out.insert(
                        "response_format".into(),
                        json!({"type": "json_schema", "json_schema": spec}),
                    );
                }
                Some(kind @ ("json_object" | "text")) => {
                    out.insert("response_format".into(), json!({"type": kind}));
                }
                other => {
                    ctx.dropped(fp, format!("text format {other:?} has no Chat equivalent"));
                    format.clear();
                }
            }
            ctx.rest(fp, format);
        }
        if let Some(verbosity) = take(&mut text, "verbosity") {
            out.insert("verbosity".into(), verbosity);
        }
        ctx.rest("/text", text);
    }
    if let Some(Value::Object(mut reasoning)) = take(&mut src, "reasoning") {
        if let Some(effort) = take(&mut reasoning, "effort") {
            out.insert("reasoning_effort".into(), effort);
        }
        for key in ["summary", "generate_summary"] {
            if take(&mut reasoning, key).is_some() {
                ctx.dropped(
                    format!("/reasoning/{key}"),
                    "Chat returns no reasoning summaries",
                );
            }
        }
        ctx.rest("/reasoning", reasoning);
    }
    let top_logprobs = take(&mut src, "top_logprobs");
    let mut logprobs = false;
    for (i, include) in take_array(&mut src, "include").into_iter().enumerate() {
        match include.as_str() {
            Some(LOGPROBS) => logprobs = true,
            Some(ENCRYPTED_REASONING) => ctx.dropped(
                format!("/include/{i}"),
                "a Chat upstream returns no encrypted reasoning",
            ),
            _ => ctx.dropped(format!("/include/{i}"), format!("{CHAT} has no equivalent")),
        }
    }
    if logprobs {
        out.insert("logprobs".into(), json!(true));
        if let Some(top) = top_logprobs {
            out.insert("top_logprobs".into(), top);
        }
    } else if top_logprobs.as_ref().is_some_and(|n| n != &json!(0)) {
        ctx.dropped(
            "/top_logprobs",
            "without include message.output_text.logprobs it returns nothing",
        );
    }
    // A Chat upstream keeps no response state: what needs it is reported.
    if let Some(store) = take(&mut src, "store")
        && store != json!(false)
    {
        ctx.dropped(
            "/store",
            "a Chat upstream stores no response to continue from",
        );
    }
    if let Some(background) = take(&mut src, "background")
        && background != json!(false)
    {
        ctx.dropped("/background", "a Chat upstream answers in the foreground");
    }
    if let Some(truncation) = take(&mut src, "truncation")
        && truncation != json!("disabled")
    {
        ctx.dropped(
            "/truncation",
            "a Chat upstream does not truncate the conversation",
        );
    }
    for (key, reason) in [
        (
            "previous_response_id",
            "a Chat upstream has no stored responses: the earlier turns are not sent",
        ),
        (
            "conversation",
            "a Chat upstream has no stored conversations: their items are not sent",
        ),
        (
            "context_management",
            "a Chat upstream does not compact context",
        ),
        ("prompt", "a Chat upstream has no stored prompt templates"),
        ("max_tool_calls", "Chat has no limit on built-in tool calls"),
    ] {
        if take(&mut src, key).is_some() {
            ctx.dropped(format!("/{key}"), reason);
        }
    }
    ctx.rest("", src);
    ctx.finish(Value::Object(out))
}

// ---------------------------------------------------------------------------------------
// Chat → Responses
// ---------------------------------------------------------------------------------------

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
