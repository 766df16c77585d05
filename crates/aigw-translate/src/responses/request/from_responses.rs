//! A Responses request as a Chat Completions request.

use super::{ENCRYPTED_REASONING, LOGPROBS, SHARED};
use crate::ctx::{Ctx, kind, object, take, take_array, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use crate::reasoning;
use crate::responses::common::{CHAT, reasoning_entry};
use aigw_openai::{CreateChatCompletionRequest, CreateResponse};
use serde_json::{Map, Value, json};

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
