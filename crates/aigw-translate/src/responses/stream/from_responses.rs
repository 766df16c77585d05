//! Responses events as Chat chunks.

use crate::ctx::{Ctx, object, take, take_array, take_str, to_json};
use crate::loss::{LossReport, Options, TranslateError};
use crate::reasoning;
use crate::responses::common::{
    CHAT, REASONING_SEPARATOR, annotations_to_chat, finish_reason_of, moderation_to_chat,
    reasoning_entry, usage_to_chat,
};
use crate::stream::StreamTranslator;
use crate::stream::{parse, record};
use aigw_openai::ResponseStreamEvent;
use aigw_openai::stream::ChatStreamEvent;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Events that report the progress of a built-in tool call (the item itself is reported
/// once, at `output_item.added`).
const BUILT_IN_PROGRESS: &[&str] = &[
    "response.web_search_call.",
    "response.file_search_call.",
    "response.code_interpreter_call",
    "response.image_generation_call.",
    "response.mcp_",
    "response.shell_call",
];

/// A tool call being streamed to the Chat client.
#[derive(Debug)]
struct Call {
    /// The Chat tool call index.
    index: u64,
    /// How much of the arguments went out as deltas.
    sent: usize,
}

/// Responses events → Chat chunks (an OpenAI Chat client, a Responses upstream): the role
/// chunk (at `response.created`); then text, refusal and reasoning (`reasoning_content`)
/// deltas, tool call deltas by index, each reasoning item tagged `openai` in
/// `aigw_reasoning` when it is done, the finish chunk, the usage chunk (when asked for),
/// `[DONE]`. The accumulated chunks are what [`crate::responses::responses_response_to_chat`] makes of
/// the accumulated response.
#[derive(Debug)]
pub struct ResponsesToChatStream {
    opts: Options,
    losses: LossReport,
    include_usage: bool,
    seen: usize,
    id: Value,
    model: Value,
    created: Value,
    service_tier: Option<Value>,
    role_sent: bool,
    text_sent: bool,
    /// Characters of text sent, and where the current text part started (annotations are
    /// relative to their part).
    text_chars: usize,
    part_start: usize,
    /// Output index → tool call.
    calls: BTreeMap<u64, Call>,
    /// The reasoning part last streamed, for the separator between parts.
    reasoning_part: Option<(u64, &'static str, u64)>,
    reasoning_sent: bool,
    done: bool,
}

impl ResponsesToChatStream {
    /// `include_usage`: the client asked for `stream_options.include_usage` (the usage chunk
    /// is sent only then, as OpenAI does).
    pub fn new(opts: &Options, include_usage: bool) -> Self {
        ResponsesToChatStream {
            opts: opts.clone(),
            losses: LossReport::default(),
            include_usage,
            seen: 0,
            id: json!(""),
            model: json!(""),
            created: json!(opts.created),
            service_tier: None,
            role_sent: false,
            text_sent: false,
            text_chars: 0,
            part_start: 0,
            calls: BTreeMap::new(),
            reasoning_part: None,
            reasoning_sent: false,
            done: false,
        }
    }

    fn chunk(&mut self, mut delta: Value, logprobs: Value, finish: Value) -> Value {
        if !self.role_sent {
            self.role_sent = true;
            delta["role"] = json!("assistant");
        }
        let mut chunk = json!({
            "id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
            "choices": [{"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish}]
        });
        if let Some(tier) = &self.service_tier {
            chunk["service_tier"] = tier.clone();
        }
        chunk
    }

    fn remember(&mut self, response: Option<&Value>) {
        let Some(response) = response else { return };
        for (key, slot) in [
            ("id", &mut self.id),
            ("model", &mut self.model),
            ("created_at", &mut self.created),
        ] {
            if let Some(value) = response.get(key).filter(|v| !v.is_null()) {
                *slot = value.clone();
            }
        }
        if let Some(tier) = response.get("service_tier").filter(|v| !v.is_null()) {
            self.service_tier = Some(tier.clone());
        }
    }

    fn call_index(&self, output_index: u64) -> Option<u64> {
        self.calls.get(&output_index).map(|call| call.index)
    }

    /// Sends whatever of `arguments` has not gone out as deltas yet.
    fn rest_of_arguments(&mut self, out: &mut Vec<Value>, output_index: u64, arguments: &str) {
        let Some(call) = self.calls.get_mut(&output_index) else {
            return;
        };
        let Some(rest) = arguments.get(call.sent..).filter(|r| !r.is_empty()) else {
            return;
        };
        let rest = rest.to_owned();
        call.sent = arguments.len();
        let index = call.index;
        let chunk = self.chunk(
            json!({"tool_calls": [{"index": index, "function": {"arguments": rest}}]}),
            Value::Null,
            Value::Null,
        );
        out.push(chunk);
    }

    fn reasoning(&mut self, out: &mut Vec<Value>, key: (u64, &'static str, u64), piece: &str) {
        if piece.is_empty() {
            return;
        }
        let mut text = String::new();
        if self.reasoning_part != Some(key) {
            if self.reasoning_sent {
                text.push_str(REASONING_SEPARATOR);
            }
            self.reasoning_part = Some(key);
        }
        text.push_str(piece);
        self.reasoning_sent = true;
        let chunk = self.chunk(json!({"reasoning_content": text}), Value::Null, Value::Null);
        out.push(chunk);
    }

    fn finish_chunks(
        &mut self,
        ctx: &mut Ctx<'_>,
        p: &str,
        mut response: Map<String, Value>,
        out: &mut Vec<Value>,
    ) -> Result<(), TranslateError> {
        let status = take_str(&mut response, "status");
        let reason = match take(&mut response, "incomplete_details") {
            Some(Value::Object(mut details)) => take_str(&mut details, "reason"),
            _ => None,
        };
        if status.as_deref() == Some("failed") {
            let error = take(&mut response, "error").unwrap_or(json!({}));
            out.push(json!({"error": {
                "message": error.get("message").cloned().unwrap_or(json!("the response failed")),
                "type": "server_error", "param": null,
                "code": error.get("code").cloned().unwrap_or(Value::Null)
            }}));
            self.done = true;
            return Ok(());
        }
        let finish = finish_reason_of(
            ctx,
            &format!("{p}/response/status"),
            status.as_deref(),
            reason.as_deref(),
            !self.calls.is_empty(),
        );
        if !self.text_sent && self.calls.is_empty() {
            let chunk = self.chunk(json!({"content": ""}), Value::Null, Value::Null);
            out.push(chunk);
        }
        let mut chunk = self.chunk(json!({}), Value::Null, finish);
        if let Some(moderation) = take(&mut response, "moderation") {
            chunk["moderation"] = moderation_to_chat(moderation);
        }
        out.push(chunk);
        if self.include_usage
            && let Some(usage) = take(&mut response, "usage")
        {
            let usage = usage_to_chat(ctx, &format!("{p}/response/usage"), usage)?;
            let mut chunk = json!({
                "id": self.id, "object": "chat.completion.chunk", "created": self.created,
                "model": self.model, "choices": [], "usage": usage
            });
            if let Some(tier) = &self.service_tier {
                chunk["service_tier"] = tier.clone();
            }
            out.push(chunk);
        }
        out.push(Value::String("[DONE]".into()));
        self.done = true;
        Ok(())
    }

    fn step(&mut self, ctx: &mut Ctx<'_>, event: Value) -> Result<Vec<Value>, TranslateError> {
        let p = format!("/{}", self.seen);
        let mut event = object(event, &p)?;
        let mut out = Vec::new();
        let kind = take_str(&mut event, "type").unwrap_or_default();
        take(&mut event, "sequence_number");
        take(&mut event, "obfuscation");
        let output_index = event
            .get("output_index")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        match kind.as_str() {
            "response.created" | "response.in_progress" | "response.queued" => {
                self.remember(event.get("response"));
                if !self.role_sent {
                    // The role chunk (its content comes with the text deltas, if any: a
                    // tool-call-only message keeps `content: null`).
                    let chunk = self.chunk(json!({}), Value::Null, Value::Null);
                    out.push(chunk);
                }
                // The rest of the response object is the request's echo or empty output.
                event.clear();
            }
            "response.output_item.added" => {
                let item = take(&mut event, "item").unwrap_or(json!({}));
                match item["type"].as_str() {
                    Some("function_call") => {
                        let index = self.calls.len() as u64;
                        self.calls.insert(output_index, Call { index, sent: 0 });
                        let arguments = item["arguments"].as_str().unwrap_or_default();
                        if let Some(call) = self.calls.get_mut(&output_index) {
                            call.sent = arguments.len();
                        }
                        let call = json!({"index": index, "id": item["call_id"], "type": "function",
                                          "function": {"name": item["name"], "arguments": arguments}});
                        let chunk = self.chunk(json!({"tool_calls": [call]}), Value::Null, Value::Null);
                        out.push(chunk);
                        if item.get("namespace").is_some_and(|n| !n.is_null()) {
                            ctx.dropped(
                                format!("{p}/item/namespace"),
                                "Chat tool calls have no namespace",
                            );
                        }
                    }
                    Some("custom_tool_call") => {
                        // Sent whole when done: Chat accumulates only function arguments.
                        let index = self.calls.len() as u64;
                        self.calls.insert(output_index, Call { index, sent: 0 });
                    }
                    Some("message") => {
                        if item.get("phase").is_some_and(|n| !n.is_null()) {
                            ctx.dropped(
                                format!("{p}/item/phase"),
                                "Chat messages have no phase (commentary or final answer)",
                            );
                        }
                    }
                    Some("reasoning") => {}
                    other => ctx.dropped(
                        format!("{p}/item"),
                        format!(
                            "{} items are OpenAI Responses' own (built-in tools); Chat has no equivalent",
                            other.unwrap_or("untyped")
                        ),
                    ),
                }
                event.clear();
            }
            "response.content_part.added" => {
                if event
                    .get("part")
                    .and_then(|part| part.get("type"))
                    .and_then(Value::as_str)
                    == Some("output_text")
                {
                    self.part_start = self.text_chars;
                }
                event.clear();
            }
            "response.output_text.delta" => {
                let piece = take_str(&mut event, "delta").unwrap_or_default();
                let logprobs = take_array(&mut event, "logprobs");
                if !piece.is_empty() || !logprobs.is_empty() {
                    self.text_sent = true;
                    self.text_chars += piece.chars().count();
                    let logprobs = if logprobs.is_empty() {
                        Value::Null
                    } else {
                        json!({"content": logprobs, "refusal": null})
                    };
                    let chunk = self.chunk(json!({"content": piece}), logprobs, Value::Null);
                    out.push(chunk);
                }
                event.clear();
            }
            "response.refusal.delta" => {
                let piece = take_str(&mut event, "delta").unwrap_or_default();
                if !piece.is_empty() {
                    let chunk = self.chunk(json!({"refusal": piece}), Value::Null, Value::Null);
                    out.push(chunk);
                }
                event.clear();
            }
            "response.output_text.annotation.added" => {
                let annotation = take(&mut event, "annotation").unwrap_or(json!({}));
                let mut annotations =
                    annotations_to_chat(ctx, &format!("{p}/annotation"), vec![annotation]);
                for annotation in &mut annotations {
                    let citation = &mut annotation["url_citation"];
                    for key in ["start_index", "end_index"] {
                        if let Some(index) = citation.get(key).and_then(Value::as_u64) {
                            citation[key] = json!(index + self.part_start as u64);
                        }
                    }
                }
                if !annotations.is_empty() {
                    let chunk = self.chunk(
                        json!({"annotations": annotations}),
                        Value::Null,
                        Value::Null,
                    );
                    out.push(chunk);
                }
                event.clear();
            }
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                let piece = take_str(&mut event, "delta").unwrap_or_default();
                let key = if kind.contains("summary") {
                    let at = event
                        .get("summary_index")
                        .and_then(Value::as_u64)
                        .unwrap_or(0);
                    (output_index, "summary", at)
                } else {
                    let at = event
                        .get("content_index")
                        .and_then(Value::as_u64)
                        .unwrap_or(0);
                    (output_index, "content", at)
                };
                self.reasoning(&mut out, key, &piece);
                event.clear();
            }
            "response.function_call_arguments.delta" => {
                let piece = take_str(&mut event, "delta").unwrap_or_default();
                match self.call_index(output_index) {
                    Some(index) if !piece.is_empty() => {
                        if let Some(call) = self.calls.get_mut(&output_index) {
                            call.sent += piece.len();
                        }
                        let chunk = self.chunk(
                            json!({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}),
                            Value::Null,
                            Value::Null,
                        );
                        out.push(chunk);
                    }
                    Some(_) => {}
                    None => ctx.dropped(&p, "arguments of a call that was not announced"),
                }
                event.clear();
            }
            "response.function_call_arguments.done" => {
                let arguments = take_str(&mut event, "arguments").unwrap_or_default();
                self.rest_of_arguments(&mut out, output_index, &arguments);
                event.clear();
            }
            "response.output_item.done" => {
                let item = take(&mut event, "item").unwrap_or(json!({}));
                match item["type"].as_str() {
                    Some("function_call") => {
                        let arguments = item["arguments"].as_str().unwrap_or_default().to_owned();
                        self.rest_of_arguments(&mut out, output_index, &arguments);
                    }
                    Some("custom_tool_call") => {
                        if let Some(index) = self.call_index(output_index) {
                            let call = json!({"index": index, "id": item["call_id"], "type": "custom",
                                              "custom": {"name": item["name"], "input": item["input"]}});
                            let chunk =
                                self.chunk(json!({"tool_calls": [call]}), Value::Null, Value::Null);
                            out.push(chunk);
                        }
                    }
                    Some("reasoning") => {
                        if let Value::Object(item) = &item
                            && let Some(entry) = reasoning_entry(item)
                        {
                            let chunk = self.chunk(
                                json!({ reasoning::FIELD: [entry] }),
                                Value::Null,
                                Value::Null,
                            );
                            out.push(chunk);
                        }
                    }
                    _ => {}
                }
                event.clear();
            }
            "response.completed" | "response.incomplete" | "response.failed" => {
                self.remember(event.get("response"));
                let rp = format!("{p}/response");
                let response = object(take(&mut event, "response").unwrap_or(json!({})), &rp)?;
                self.finish_chunks(ctx, &p, response, &mut out)?;
            }
            "error" => {
                let message = take(&mut event, "message").unwrap_or(json!(""));
                let code = take(&mut event, "code").unwrap_or(Value::Null);
                let param = take(&mut event, "param").unwrap_or(Value::Null);
                out.push(json!({"error": {"message": message, "type": "server_error", "param": param, "code": code}}));
                self.done = true;
            }
            // The state these carry came with the deltas and items above.
            "response.output_text.done"
            | "response.refusal.done"
            | "response.content_part.done"
            | "response.reasoning_summary_part.added"
            | "response.reasoning_summary_part.done"
            | "response.reasoning_summary_text.done"
            | "response.reasoning_text.done"
            | "response.custom_tool_call_input.delta"
            | "response.custom_tool_call_input.done" => event.clear(),
            other
                if BUILT_IN_PROGRESS
                    .iter()
                    .any(|prefix| other.starts_with(prefix)) =>
            {
                event.clear();
            }
            other => {
                ctx.dropped(&p, format!("{other} events have no Chat equivalent"));
                event.clear();
            }
        }
        ctx.rest(&p, event);
        Ok(out)
    }
}

impl StreamTranslator for ResponsesToChatStream {
    type In = ResponseStreamEvent;
    type Out = ChatStreamEvent;

    fn push(
        &mut self,
        event: &ResponseStreamEvent,
    ) -> Result<Vec<ChatStreamEvent>, TranslateError> {
        if self.done {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, CHAT);
        let out = self.step(&mut ctx, to_json(event)?)?;
        self.seen += 1;
        record(&opts, &mut self.losses, ctx.report())?;
        out.into_iter().map(chat_event).collect()
    }

    /// A stream that ended before its terminal event gets nothing more: without `[DONE]`
    /// the client sees it incomplete, as it was.
    fn finish(&mut self) -> Result<Vec<ChatStreamEvent>, TranslateError> {
        Ok(Vec::new())
    }

    fn losses(&self) -> &LossReport {
        &self.losses
    }
}

/// A chunk, an error body, or `"[DONE]"` as a typed Chat stream event.
fn chat_event(value: Value) -> Result<ChatStreamEvent, TranslateError> {
    match value {
        Value::String(done) if done == "[DONE]" => Ok(ChatStreamEvent::Done),
        value if value.get("error").is_some() => {
            Ok(ChatStreamEvent::Error(Box::new(parse(value)?)))
        }
        value => Ok(ChatStreamEvent::Chunk(Box::new(parse(value)?))),
    }
}
