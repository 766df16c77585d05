//! Responses response (`Response`) ↔ Chat Completions response (`chat.completion`).

use super::common::{
    CHAT, REASONING_SEPARATOR, RESPONSES, annotations_to_chat, annotations_to_responses,
    chat_logprobs, entry_to_item, finish_reason_of, moderation_to_chat, moderation_to_responses,
    nonzero, reasoning_entry, reasoning_texts, status_of, usage_to_chat, usage_to_responses,
};
use crate::ctx::{Ctx, kind, object, take, take_array, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use crate::reasoning;
use aigw_openai::{CreateChatCompletionResponse, Response};
use serde_json::{Map, Value, json};

/// Fields of a `Response` that echo the request: the client sent them, a `chat.completion`
/// has no place for them, and nothing is lost by not repeating them.
const ECHO: &[&str] = &[
    "instructions",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "temperature",
    "top_p",
    "top_logprobs",
    "max_output_tokens",
    "max_tool_calls",
    "previous_response_id",
    "reasoning",
    "text",
    "truncation",
    "store",
    "background",
    "user",
    "safety_identifier",
    "prompt_cache_key",
    "prompt_cache_retention",
    "prompt_cache_options",
    "frequency_penalty",
    "presence_penalty",
    "conversation",
    "prompt",
    "billing",
    "completed_at",
    // The SDKs' convenience concatenation of the output text, when a server sends it.
    "output_text",
];

/// The id of the `n`th output item of kind `prefix` made for response `id` (the stream
/// translation makes the same ids).
pub(super) fn item_id(prefix: &str, id: &str, index: usize) -> String {
    format!("{prefix}_{id}_{index}")
}

/// The text of Chat message content (a string, or text parts).
fn chat_text(ctx: &mut Ctx<'_>, content: Value, pointer: &str) -> Option<String> {
    match content {
        Value::String(text) => Some(text),
        Value::Array(parts) => {
            let mut text = String::new();
            for (j, part) in parts.into_iter().enumerate() {
                match part.get("text").and_then(Value::as_str) {
                    Some(piece) if part["type"] == "text" => text.push_str(piece),
                    _ => ctx.dropped(
                        format!("{pointer}/{j}"),
                        "only text parts map to Responses output text",
                    ),
                }
            }
            Some(text)
        }
        other => {
            ctx.dropped(pointer, format!("content that is {}", kind(&other)));
            None
        }
    }
}

/// A Chat response message as Responses output items, in order: reasoning (plain text, then
/// tagged entries), the message (text and refusal), the tool calls.
fn message_to_items(
    ctx: &mut Ctx<'_>,
    mut message: Map<String, Value>,
    mp: &str,
    id: &str,
    logprobs: Option<Vec<Value>>,
    output: &mut Vec<Value>,
) -> Result<(), TranslateError> {
    take(&mut message, "role");
    let text = take_str(&mut message, "reasoning_content");
    let other = take_str(&mut message, "reasoning");
    if let (Some(text), Some(other)) = (&text, &other)
        && text != other
    {
        ctx.dropped(
            format!("{mp}/reasoning"),
            "reasoning_content is carried; a second reasoning text has no place",
        );
    }
    if let Some(text) = text.or(other).filter(|t| !t.is_empty()) {
        let rid = item_id("rs", id, output.len());
        output.push(json!({"type": "reasoning", "id": rid, "summary": [], "content": [{"type": "reasoning_text", "text": text}]}));
    }
    for entry in take_array(&mut message, reasoning::FIELD) {
        let rid = item_id("rs", id, output.len());
        output.push(entry_to_item(entry, rid));
    }
    let content = match take(&mut message, "content") {
        Some(content) => chat_text(ctx, content, &format!("{mp}/content")),
        None => None,
    };
    let refusal = take_str(&mut message, "refusal");
    let annotations = annotations_to_responses(
        ctx,
        &format!("{mp}/annotations"),
        take_array(&mut message, "annotations"),
    );
    let calls = take_array(&mut message, "tool_calls");
    let text = content.filter(|t| !t.is_empty());
    if text.is_some() || refusal.is_some() || calls.is_empty() {
        let mut parts = Vec::new();
        if text.is_some() || refusal.is_none() {
            parts.push(json!({
                "type": "output_text", "text": text.unwrap_or_default(),
                "annotations": annotations, "logprobs": logprobs.unwrap_or_default()
            }));
        } else if !annotations.is_empty() {
            ctx.dropped(
                format!("{mp}/annotations"),
                "annotations without text have nothing to annotate",
            );
        }
        if let Some(refusal) = refusal {
            parts.push(json!({"type": "refusal", "refusal": refusal}));
        }
        output.push(json!({
            "type": "message", "id": item_id("msg", id, output.len()), "status": "completed",
            "role": "assistant", "content": parts
        }));
    }
    for (j, call) in calls.into_iter().enumerate() {
        let cp = format!("{mp}/tool_calls/{j}");
        let mut call = object(call, &cp)?;
        // A stream's assembly index, left in by some servers.
        call.shift_remove("index");
        let call_id = take_str(&mut call, "id").unwrap_or_default();
        match take_str(&mut call, "type").as_deref() {
            Some("custom") => {
                let fp = format!("{cp}/custom");
                let mut custom = object(take(&mut call, "custom").unwrap_or(json!({})), &fp)?;
                output.push(json!({
                    "type": "custom_tool_call", "id": format!("ctc_{call_id}"), "status": "completed",
                    "call_id": call_id, "name": take(&mut custom, "name").unwrap_or(json!("")),
                    "input": take(&mut custom, "input").unwrap_or(json!(""))
                }));
                ctx.rest(&fp, custom);
            }
            _ => {
                let fp = format!("{cp}/function");
                let mut function = object(take(&mut call, "function").unwrap_or(json!({})), &fp)?;
                output.push(json!({
                    "type": "function_call", "id": format!("fc_{call_id}"), "status": "completed",
                    "call_id": call_id, "name": take(&mut function, "name").unwrap_or(json!("")),
                    "arguments": take(&mut function, "arguments").unwrap_or(json!(""))
                }));
                ctx.rest(&fp, function);
            }
        }
        ctx.rest(&cp, call);
    }
    for (key, reason) in [
        ("audio", "Responses has no audio output"),
        (
            "function_call",
            "legacy function calls have no Responses equivalent",
        ),
    ] {
        if take(&mut message, key).is_some() {
            ctx.dropped(format!("{mp}/{key}"), reason);
        }
    }
    ctx.rest(mp, message);
    Ok(())
}

/// A `chat.completion` as a `Response` (an OpenAI Responses client, a Chat upstream).
///
/// The fields a `Response` echoes from the request (`tools`, `instructions`, `temperature`,
/// …) are not in a `chat.completion`, so they are left out; the caller, which has the
/// request, may fill them in.
pub fn chat_response_to_responses(
    response: &CreateChatCompletionResponse,
    opts: &Options,
) -> Result<Translated<Response>, TranslateError> {
    let mut src = object(to_json(response)?, "")?;
    let mut ctx = Ctx::new(opts, RESPONSES);
    take(&mut src, "object");
    let id = take_str(&mut src, "id").unwrap_or_default();
    let created = take(&mut src, "created").unwrap_or(json!(opts.created));
    let model = take(&mut src, "model").unwrap_or(json!(""));
    let mut output = Vec::new();
    let mut status = ("completed", Value::Null);
    for (i, choice) in take_array(&mut src, "choices").into_iter().enumerate() {
        let p = format!("/choices/{i}");
        if i > 0 {
            ctx.dropped(&p, "Responses returns one output");
            continue;
        }
        let mut choice = object(choice, &p)?;
        take(&mut choice, "index");
        let reason = take_str(&mut choice, "finish_reason");
        status = status_of(&mut ctx, &format!("{p}/finish_reason"), reason.as_deref());
        let logprobs = match take(&mut choice, "logprobs") {
            Some(logprobs) => Some(chat_logprobs(&mut ctx, &format!("{p}/logprobs"), logprobs)?),
            None => None,
        };
        let mp = format!("{p}/message");
        let message = object(take(&mut choice, "message").unwrap_or(json!({})), &mp)?;
        message_to_items(&mut ctx, message, &mp, &id, logprobs, &mut output)?;
        ctx.rest(&p, choice);
    }
    let mut out = json!({
        "id": id, "object": "response", "created_at": created, "status": status.0,
        "error": null, "incomplete_details": status.1, "model": model, "output": output
    });
    if let Some(usage) = take(&mut src, "usage") {
        out["usage"] = usage_to_responses(&mut ctx, "/usage", usage)?;
    }
    for key in ["service_tier", "metadata"] {
        if let Some(value) = take(&mut src, key) {
            out[key] = value;
        }
    }
    if let Some(moderation) = take(&mut src, "moderation") {
        out["moderation"] = moderation_to_responses(&mut ctx, "/moderation", moderation);
    }
    if take(&mut src, "system_fingerprint").is_some() {
        ctx.dropped("/system_fingerprint", "Responses has no system fingerprint");
    }
    ctx.rest("", src);
    ctx.finish(out)
}

/// Shifts the `start_index` / `end_index` of Responses annotations by `offset` characters
/// (when text parts are joined into one Chat content string).
fn shift(annotations: &mut [Value], offset: usize) {
    if offset == 0 {
        return;
    }
    for annotation in annotations {
        for key in ["start_index", "end_index"] {
            if let Some(index) = annotation.get(key).and_then(Value::as_u64) {
                annotation[key] = json!(index + offset as u64);
            }
        }
    }
}

/// A Chat assistant message being assembled from Responses output items.
#[derive(Default)]
pub(super) struct ChatMessage {
    pub text: Option<String>,
    pub refusal: Option<String>,
    pub annotations: Vec<Value>,
    pub logprobs: Vec<Value>,
    pub tool_calls: Vec<Value>,
    pub reasoning_text: Vec<String>,
    pub reasoning: Vec<Value>,
}

impl ChatMessage {
    /// The Chat `message`: content is the text, or `null` when there is none and the model
    /// called tools, or `""` when there is nothing at all.
    pub fn into_message(self) -> Value {
        let mut message = Map::new();
        message.insert("role".into(), json!("assistant"));
        let content = match self.text {
            Some(text) => json!(text),
            None if !self.tool_calls.is_empty() => Value::Null,
            None => json!(""),
        };
        message.insert("content".into(), content);
        message.insert(
            "refusal".into(),
            self.refusal.map(Value::String).unwrap_or(Value::Null),
        );
        if !self.tool_calls.is_empty() {
            message.insert("tool_calls".into(), Value::Array(self.tool_calls));
        }
        if !self.annotations.is_empty() {
            message.insert("annotations".into(), Value::Array(self.annotations));
        }
        if !self.reasoning_text.is_empty() {
            message.insert(
                "reasoning_content".into(),
                json!(self.reasoning_text.join(REASONING_SEPARATOR)),
            );
        }
        if !self.reasoning.is_empty() {
            message.insert(reasoning::FIELD.into(), Value::Array(self.reasoning));
        }
        Value::Object(message)
    }
}

/// One Responses output item into the Chat message being assembled.
pub(super) fn item_to_chat(
    ctx: &mut Ctx<'_>,
    item: Value,
    p: &str,
    message: &mut ChatMessage,
) -> Result<(), TranslateError> {
    let mut item = object(item, p)?;
    if item.get("type").and_then(Value::as_str) == Some("reasoning") {
        // Carried whole (id included: OpenAI needs it back).
        message.reasoning_text.extend(reasoning_texts(&item));
        if let Some(entry) = reasoning_entry(&item) {
            message.reasoning.push(entry);
        }
        return Ok(());
    }
    // OpenAI's handles on stored items: a Chat client cannot use them.
    item.shift_remove("id");
    item.shift_remove("status");
    match take_str(&mut item, "type").as_deref() {
        Some("message") => {
            take(&mut item, "role");
            if take(&mut item, "phase").is_some() {
                ctx.dropped(
                    format!("{p}/phase"),
                    "Chat messages have no phase (commentary or final answer)",
                );
            }
            for (j, part) in take_array(&mut item, "content").into_iter().enumerate() {
                let pp = format!("{p}/content/{j}");
                let mut part = object(part, &pp)?;
                match take_str(&mut part, "type").as_deref() {
                    Some("output_text") => {
                        let piece = take_str(&mut part, "text").unwrap_or_default();
                        let text = message.text.get_or_insert_with(String::new);
                        let mut annotations = annotations_to_chat(
                            ctx,
                            &format!("{pp}/annotations"),
                            take_array(&mut part, "annotations"),
                        );
                        shift(&mut annotations, text.chars().count());
                        message.annotations.extend(annotations);
                        message.logprobs.extend(take_array(&mut part, "logprobs"));
                        text.push_str(&piece);
                    }
                    Some("refusal") => {
                        let piece = take_str(&mut part, "refusal").unwrap_or_default();
                        message
                            .refusal
                            .get_or_insert_with(String::new)
                            .push_str(&piece);
                    }
                    other => {
                        ctx.dropped(
                            &pp,
                            format!(
                                "{} output parts have no Chat equivalent",
                                other.unwrap_or("untyped")
                            ),
                        );
                        continue;
                    }
                }
                ctx.rest(&pp, part);
            }
        }
        Some("function_call") => {
            let call_id = take(&mut item, "call_id").unwrap_or(json!(""));
            let name = take(&mut item, "name").unwrap_or(json!(""));
            let arguments = take(&mut item, "arguments").unwrap_or(json!(""));
            message.tool_calls.push(json!({"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}));
            if take(&mut item, "namespace").is_some() {
                ctx.dropped(
                    format!("{p}/namespace"),
                    "Chat tool calls have no namespace",
                );
            }
        }
        Some("custom_tool_call") => {
            let call_id = take(&mut item, "call_id").unwrap_or(json!(""));
            let name = take(&mut item, "name").unwrap_or(json!(""));
            let input = take(&mut item, "input").unwrap_or(json!(""));
            message.tool_calls.push(
                json!({"id": call_id, "type": "custom", "custom": {"name": name, "input": input}}),
            );
        }
        other => {
            ctx.dropped(
                p,
                format!(
                    "{} items are OpenAI Responses' own (built-in tools); Chat has no equivalent",
                    other.unwrap_or("untyped")
                ),
            );
            item.clear();
        }
    }
    ctx.rest(p, item);
    Ok(())
}

/// The Chat `choices[0]` of a finished message.
pub(super) fn choice(message: ChatMessage, finish_reason: Value) -> Value {
    let logprobs = if message.logprobs.is_empty() {
        Value::Null
    } else {
        json!({"content": message.logprobs.clone(), "refusal": null})
    };
    json!({"index": 0, "message": message.into_message(), "logprobs": logprobs, "finish_reason": finish_reason})
}

/// A `Response` as a `chat.completion` (an OpenAI Chat client, a Responses upstream).
///
/// Reasoning items are carried whole, tagged `openai`, in the message's `aigw_reasoning`
/// (a Chat client sends them back, and [`super::chat_to_responses`] restores them); their
/// readable text (summaries, reasoning text) is also `reasoning_content`.
pub fn responses_response_to_chat(
    response: &Response,
    opts: &Options,
) -> Result<Translated<CreateChatCompletionResponse>, TranslateError> {
    let mut src = object(to_json(response)?, "")?;
    let mut ctx = Ctx::new(opts, CHAT);
    take(&mut src, "object");
    let id = take(&mut src, "id").unwrap_or(json!(""));
    let created = take(&mut src, "created_at").unwrap_or(json!(opts.created));
    let model = take(&mut src, "model").unwrap_or(json!(""));
    let mut message = ChatMessage::default();
    for (i, item) in take_array(&mut src, "output").into_iter().enumerate() {
        item_to_chat(&mut ctx, item, &format!("/output/{i}"), &mut message)?;
    }
    let status = take_str(&mut src, "status");
    let reason = match take(&mut src, "incomplete_details") {
        Some(Value::Object(mut details)) => {
            let reason = take_str(&mut details, "reason");
            ctx.rest("/incomplete_details", details);
            reason
        }
        _ => None,
    };
    let finish = finish_reason_of(
        &mut ctx,
        "/status",
        status.as_deref(),
        reason.as_deref(),
        !message.tool_calls.is_empty(),
    );
    let mut out = json!({
        "id": id, "object": "chat.completion", "created": created, "model": model,
        "choices": [choice(message, finish)]
    });
    if let Some(usage) = take(&mut src, "usage") {
        out["usage"] = usage_to_chat(&mut ctx, "/usage", usage)?;
    }
    if let Some(service_tier) = take(&mut src, "service_tier") {
        out["service_tier"] = service_tier;
    }
    match take(&mut src, "metadata") {
        Some(Value::Object(metadata)) if metadata.is_empty() => {}
        Some(metadata) => out["metadata"] = metadata,
        None => {}
    }
    if let Some(moderation) = take(&mut src, "moderation") {
        out["moderation"] = moderation_to_chat(moderation);
    }
    if take(&mut src, "error").is_some() {
        ctx.dropped("/error", "a chat.completion carries no error");
    }
    if let Some(tool_usage) = take(&mut src, "tool_usage")
        && counts_anything(&tool_usage)
    {
        ctx.dropped("/tool_usage", "Chat usage has no built-in tool counts");
    }
    for key in ECHO {
        take(&mut src, key);
    }
    ctx.rest("", src);
    ctx.finish(out)
}

/// Whether a usage object holds any non-zero count.
fn counts_anything(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.values().any(counts_anything),
        Value::Array(items) => items.iter().any(counts_anything),
        other => nonzero(Some(other)) && other.is_number(),
    }
}
