//! Chat chunks as Responses events.

use crate::ctx::{Ctx, object, ptr, take, take_array, take_str, to_json};
use crate::loss::{LossReport, Options, TranslateError};
use crate::reasoning;
use crate::responses::common::{
    RESPONSES, annotations_to_responses, entry_to_item, moderation_to_responses, status_of,
    usage_to_responses,
};
use crate::responses::response::item_id;
use crate::stream::StreamTranslator;
use crate::stream::{parse, record};
use aigw_openai::ResponseStreamEvent;
use aigw_openai::stream::ChatStreamEvent;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The output item whose content is streaming (function calls stay open on their own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    /// A reasoning item with one `reasoning_text` part.
    Reasoning(usize),
    /// A message item, with the content index of its text and of its refusal part.
    Message {
        index: usize,
        text: Option<usize>,
        refusal: Option<usize>,
    },
}

/// Chat chunks → Responses events (an OpenAI Responses client, a Chat upstream):
/// `response.created`, `response.in_progress`, then per output item `output_item.added`,
/// its content parts (`content_part.added`, text / refusal / reasoning deltas and their
/// `.done`, `content_part.done`) or function call arguments (`function_call_arguments.delta`
/// / `.done`), `output_item.done`, and finally `response.completed` (or
/// `response.incomplete`, after a `length` or `content_filter` finish) with the usage.
/// `sequence_number` counts from 0. The items and their ids are those
/// [`crate::responses::chat_response_to_responses`] makes of the accumulated completion.
#[derive(Debug)]
pub struct ChatToResponsesStream {
    opts: Options,
    losses: LossReport,
    seq: u64,
    seen: usize,
    started: bool,
    id: String,
    model: Value,
    created: Value,
    service_tier: Option<Value>,
    /// The output items as they stand.
    items: Vec<Value>,
    open: Option<Open>,
    /// Chat tool call index → output index of its (open) call item.
    calls: BTreeMap<u64, usize>,
    /// Chat tool call indexes whose items are done (a call is done when the next begins,
    /// as in a Responses stream, where one item streams at a time).
    closed_calls: Vec<u64>,
    finish_reason: Option<Option<String>>,
    usage: Option<Value>,
    moderation: Option<Value>,
    closed: bool,
    /// One report per kind of repeated loss, not one per chunk.
    reported: Vec<&'static str>,
    reported_fields: Vec<String>,
}

impl ChatToResponsesStream {
    pub fn new(opts: &Options) -> Self {
        ChatToResponsesStream {
            opts: opts.clone(),
            losses: LossReport::default(),
            seq: 0,
            seen: 0,
            started: false,
            id: String::new(),
            model: json!(""),
            created: json!(opts.created),
            service_tier: None,
            items: Vec::new(),
            open: None,
            calls: BTreeMap::new(),
            closed_calls: Vec::new(),
            finish_reason: None,
            usage: None,
            moderation: None,
            closed: false,
            reported: Vec::new(),
            reported_fields: Vec::new(),
        }
    }

    fn once(&mut self, ctx: &mut Ctx<'_>, key: &'static str, pointer: String, reason: &str) {
        if !self.reported.contains(&key) {
            self.reported.push(key);
            ctx.dropped(pointer, reason);
        }
    }

    /// An event with the next sequence number.
    fn event(&mut self, out: &mut Vec<Value>, mut event: Value) {
        event["sequence_number"] = json!(self.seq);
        self.seq += 1;
        out.push(event);
    }

    fn response(&self, status: &str, incomplete: Value, usage: Value) -> Value {
        let output = if status == "in_progress" {
            Vec::new()
        } else {
            self.items.clone()
        };
        let mut response = json!({
            "id": self.id, "object": "response", "created_at": self.created, "status": status,
            "error": null, "incomplete_details": incomplete, "model": self.model,
            "output": output, "usage": usage
        });
        if let Some(tier) = &self.service_tier {
            response["service_tier"] = tier.clone();
        }
        response
    }

    fn start(&mut self, out: &mut Vec<Value>) {
        if self.started {
            return;
        }
        self.started = true;
        let response = self.response("in_progress", Value::Null, Value::Null);
        self.event(
            out,
            json!({"type": "response.created", "response": response.clone()}),
        );
        self.event(
            out,
            json!({"type": "response.in_progress", "response": response}),
        );
    }

    fn item_id(&self, index: usize) -> String {
        self.items[index]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Adds an output item (as it stands when it starts) and announces it.
    fn add_item(&mut self, out: &mut Vec<Value>, item: Value) -> usize {
        let index = self.items.len();
        self.items.push(item.clone());
        self.event(
            out,
            json!({"type": "response.output_item.added", "output_index": index, "item": item}),
        );
        index
    }

    /// Adds a content part to item `index` and announces it; its content index.
    fn add_part(&mut self, out: &mut Vec<Value>, index: usize, part: Value) -> usize {
        let item_id = self.item_id(index);
        let content = &mut self.items[index]["content"];
        if !content.is_array() {
            *content = json!([]);
        }
        let position = content.as_array().map_or(0, Vec::len);
        if let Some(parts) = content.as_array_mut() {
            parts.push(part.clone());
        }
        self.event(
            out,
            json!({"type": "response.content_part.added", "item_id": item_id, "output_index": index,
                   "content_index": position, "part": part}),
        );
        position
    }

    /// Closes the open message or reasoning item.
    fn close_open(&mut self, out: &mut Vec<Value>) {
        let Some(open) = self.open.take() else {
            return;
        };
        let index = match open {
            Open::Reasoning(index) | Open::Message { index, .. } => index,
        };
        let item_id = self.item_id(index);
        let parts = self.items[index]["content"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for (position, part) in parts.into_iter().enumerate() {
            let done = match part["type"].as_str() {
                Some("output_text") => {
                    json!({"type": "response.output_text.done", "text": part["text"], "logprobs": part["logprobs"]})
                }
                Some("refusal") => {
                    json!({"type": "response.refusal.done", "refusal": part["refusal"]})
                }
                _ => json!({"type": "response.reasoning_text.done", "text": part["text"]}),
            };
            let mut done = done;
            done["item_id"] = json!(item_id);
            done["output_index"] = json!(index);
            done["content_index"] = json!(position);
            self.event(out, done);
            self.event(
                out,
                json!({"type": "response.content_part.done", "item_id": item_id, "output_index": index,
                       "content_index": position, "part": part}),
            );
        }
        if matches!(open, Open::Message { .. }) {
            self.items[index]["status"] = json!("completed");
        }
        let item = self.items[index].clone();
        self.event(
            out,
            json!({"type": "response.output_item.done", "output_index": index, "item": item}),
        );
    }

    /// Closes every open item: the message or reasoning, then the calls.
    fn close_items(&mut self, out: &mut Vec<Value>) {
        self.close_open(out);
        self.close_calls(out);
    }

    /// Closes the open call items (`function_call_arguments.done` or
    /// `custom_tool_call_input.done`, then `output_item.done`).
    fn close_calls(&mut self, out: &mut Vec<Value>) {
        let calls = std::mem::take(&mut self.calls);
        for (tool, index) in calls {
            self.closed_calls.push(tool);
            let item_id = self.item_id(index);
            self.items[index]["status"] = json!("completed");
            let item = self.items[index].clone();
            if item["type"] == "custom_tool_call" {
                self.event(
                    out,
                    json!({"type": "response.custom_tool_call_input.done", "item_id": item_id,
                           "output_index": index, "input": item["input"]}),
                );
            } else {
                self.event(
                    out,
                    json!({"type": "response.function_call_arguments.done", "item_id": item_id,
                           "output_index": index, "name": item["name"], "arguments": item["arguments"]}),
                );
            }
            self.event(
                out,
                json!({"type": "response.output_item.done", "output_index": index, "item": item}),
            );
        }
    }

    /// Reports the non-null fields left in `map` as dropped, once per stream for each field
    /// at each level (chunks repeat the same vendor fields).
    fn rest_once(
        &mut self,
        ctx: &mut Ctx<'_>,
        level: &'static str,
        pointer: &str,
        map: Map<String, Value>,
    ) {
        for (key, value) in map {
            let id = format!("{level}/{key}");
            if !value.is_null() && !self.reported_fields.contains(&id) {
                ctx.dropped(ptr(pointer, &key), format!("{RESPONSES} has no equivalent"));
                self.reported_fields.push(id);
            }
        }
    }

    /// The open message item and the content index of its `kind` part (opening either as
    /// needed).
    fn message_part(&mut self, out: &mut Vec<Value>, refusal: bool) -> (usize, usize) {
        let index = match self.open {
            Some(Open::Message { index, .. }) => index,
            _ => {
                self.close_open(out);
                let index = self.items.len();
                let id = item_id("msg", &self.id, index);
                self.add_item(
                    out,
                    json!({"type": "message", "id": id, "status": "in_progress", "role": "assistant", "content": []}),
                );
                self.open = Some(Open::Message {
                    index,
                    text: None,
                    refusal: None,
                });
                index
            }
        };
        let Some(Open::Message {
            text,
            refusal: refusal_part,
            ..
        }) = self.open
        else {
            return (index, 0);
        };
        let existing = if refusal { refusal_part } else { text };
        if let Some(position) = existing {
            return (index, position);
        }
        let part = if refusal {
            json!({"type": "refusal", "refusal": ""})
        } else {
            json!({"type": "output_text", "text": "", "annotations": [], "logprobs": []})
        };
        let position = self.add_part(out, index, part);
        self.open = Some(Open::Message {
            index,
            text: if refusal { text } else { Some(position) },
            refusal: if refusal {
                Some(position)
            } else {
                refusal_part
            },
        });
        (index, position)
    }

    fn text_delta(&mut self, out: &mut Vec<Value>, piece: &str, logprobs: Vec<Value>) {
        let (index, position) = self.message_part(out, false);
        let item_id = self.item_id(index);
        let part = &mut self.items[index]["content"][position];
        append(&mut part["text"], piece);
        if let Some(list) = part["logprobs"].as_array_mut() {
            list.extend(logprobs.iter().cloned());
        }
        self.event(
            out,
            json!({"type": "response.output_text.delta", "item_id": item_id, "output_index": index,
                   "content_index": position, "delta": piece, "logprobs": logprobs}),
        );
    }

    fn refusal_delta(&mut self, out: &mut Vec<Value>, piece: &str) {
        let (index, position) = self.message_part(out, true);
        let item_id = self.item_id(index);
        append(
            &mut self.items[index]["content"][position]["refusal"],
            piece,
        );
        self.event(
            out,
            json!({"type": "response.refusal.delta", "item_id": item_id, "output_index": index,
                   "content_index": position, "delta": piece}),
        );
    }

    fn annotations(&mut self, out: &mut Vec<Value>, annotations: Vec<Value>) {
        let (index, position) = self.message_part(out, false);
        let item_id = self.item_id(index);
        for annotation in annotations {
            let part = &mut self.items[index]["content"][position];
            let Some(list) = part["annotations"].as_array_mut() else {
                continue;
            };
            let annotation_index = list.len();
            list.push(annotation.clone());
            self.event(
                out,
                json!({"type": "response.output_text.annotation.added", "item_id": item_id,
                       "output_index": index, "content_index": position,
                       "annotation_index": annotation_index, "annotation": annotation}),
            );
        }
    }

    fn reasoning_delta(&mut self, out: &mut Vec<Value>, piece: &str) {
        let index = match self.open {
            Some(Open::Reasoning(index)) => index,
            _ => {
                self.close_open(out);
                let index = self.items.len();
                let id = item_id("rs", &self.id, index);
                self.add_item(
                    out,
                    json!({"type": "reasoning", "id": id, "summary": [], "content": []}),
                );
                self.add_part(out, index, json!({"type": "reasoning_text", "text": ""}));
                self.open = Some(Open::Reasoning(index));
                index
            }
        };
        let item_id = self.item_id(index);
        append(&mut self.items[index]["content"][0]["text"], piece);
        self.event(
            out,
            json!({"type": "response.reasoning_text.delta", "item_id": item_id, "output_index": index,
                   "content_index": 0, "delta": piece}),
        );
    }

    /// One tool call fragment (Chat `delta.tool_calls[]`).
    fn tool_call(
        &mut self,
        ctx: &mut Ctx<'_>,
        out: &mut Vec<Value>,
        call: Value,
        tp: &str,
    ) -> Result<(), TranslateError> {
        let mut call = object(call, tp)?;
        let tool = take(&mut call, "index")
            .and_then(|i| i.as_u64())
            .unwrap_or(0);
        let kind = take_str(&mut call, "type");
        let custom = kind.as_deref() == Some("custom") || call.contains_key("custom");
        let field = if custom { "custom" } else { "function" };
        let mut body = match take(&mut call, field) {
            Some(Value::Object(body)) => body,
            _ => Map::new(),
        };
        let call_id = take_str(&mut call, "id");
        let name = take(&mut body, "name");
        if self.closed_calls.contains(&tool) {
            self.once(
                ctx,
                "late fragment",
                tp.to_owned(),
                "a fragment of a tool call that another call already followed",
            );
            return Ok(());
        }
        let index = match self.calls.get(&tool) {
            Some(index) => *index,
            None => {
                self.close_open(out);
                self.close_calls(out);
                let call_id = call_id.unwrap_or_default();
                let name = name.unwrap_or(json!(""));
                let item = if custom {
                    json!({"type": "custom_tool_call", "id": format!("ctc_{call_id}"), "status": "in_progress",
                           "call_id": call_id, "name": name, "input": ""})
                } else {
                    json!({"type": "function_call", "id": format!("fc_{call_id}"), "status": "in_progress",
                           "call_id": call_id, "name": name, "arguments": ""})
                };
                let index = self.add_item(out, item);
                self.calls.insert(tool, index);
                index
            }
        };
        let (key, event) = if custom {
            ("input", "response.custom_tool_call_input.delta")
        } else {
            ("arguments", "response.function_call_arguments.delta")
        };
        if let Some(Value::String(piece)) = take(&mut body, key)
            && !piece.is_empty()
        {
            let item_id = self.item_id(index);
            append(&mut self.items[index][key], &piece);
            self.event(
                out,
                json!({"type": event, "item_id": item_id, "output_index": index, "delta": piece}),
            );
        }
        self.rest_once(ctx, "tool call body", &format!("{tp}/{field}"), body);
        self.rest_once(ctx, "tool call", tp, call);
        Ok(())
    }

    /// The end: open items closed, an empty message when there is no output at all (as
    /// the non-streaming translation makes), then `response.completed` / `.incomplete`.
    fn close(
        &mut self,
        ctx: &mut Ctx<'_>,
        out: &mut Vec<Value>,
        complete: bool,
    ) -> Result<(), TranslateError> {
        self.start(out);
        let has_output = self.items.iter().any(|item| item["type"] != "reasoning");
        if !has_output {
            self.message_part(out, false);
        }
        self.close_items(out);
        let pointer = format!("/{}", self.seen);
        let (status, incomplete) = match &self.finish_reason {
            Some(reason) => status_of(ctx, &format!("{pointer}/finish_reason"), reason.as_deref()),
            None if complete => ("completed", Value::Null),
            None => ("incomplete", Value::Null),
        };
        let usage = match self.usage.take() {
            Some(usage) => usage_to_responses(ctx, &format!("{pointer}/usage"), usage)?,
            None => Value::Null,
        };
        let kind = if status == "completed" {
            "response.completed"
        } else {
            "response.incomplete"
        };
        let mut response = self.response(status, incomplete, usage);
        if let Some(moderation) = self.moderation.take() {
            response["moderation"] = moderation;
        }
        self.event(out, json!({"type": kind, "response": response}));
        self.closed = true;
        Ok(())
    }

    fn step(
        &mut self,
        ctx: &mut Ctx<'_>,
        event: &ChatStreamEvent,
    ) -> Result<Vec<Value>, TranslateError> {
        let p = format!("/{}", self.seen);
        let mut out = Vec::new();
        let chunk = match event {
            ChatStreamEvent::Done => {
                self.close(ctx, &mut out, true)?;
                return Ok(out);
            }
            ChatStreamEvent::Error(body) => {
                let mut body = object(to_json(body)?, &p)?;
                let ep = format!("{p}/error");
                let mut error = object(take(&mut body, "error").unwrap_or(json!({})), &ep)?;
                let code = match take(&mut error, "code") {
                    Some(Value::String(code)) => Value::String(code),
                    Some(other) => Value::String(other.to_string()),
                    None => take(&mut error, "type").unwrap_or(Value::Null),
                };
                error.shift_remove("type");
                let message = take(&mut error, "message").unwrap_or(json!(""));
                let param = take(&mut error, "param").unwrap_or(Value::Null);
                ctx.rest(&ep, error);
                ctx.rest(&p, body);
                self.event(
                    &mut out,
                    json!({"type": "error", "code": code, "message": message, "param": param}),
                );
                self.closed = true;
                return Ok(out);
            }
            ChatStreamEvent::Chunk(chunk) => chunk,
        };
        let mut chunk = object(to_json(chunk)?, &p)?;
        if !self.started {
            self.id = chunk
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            self.model = chunk.get("model").cloned().unwrap_or(json!(""));
            if let Some(created) = chunk.get("created").filter(|c| !c.is_null()) {
                self.created = created.clone();
            }
            if let Some(tier) = chunk.get("service_tier").filter(|t| !t.is_null()) {
                self.service_tier = Some(tier.clone());
            }
            self.start(&mut out);
        }
        for key in [
            "id",
            "model",
            "object",
            "created",
            "service_tier",
            "obfuscation",
        ] {
            take(&mut chunk, key);
        }
        if take(&mut chunk, "system_fingerprint").is_some() {
            self.once(
                ctx,
                "fingerprint",
                format!("{p}/system_fingerprint"),
                "Responses has no system fingerprint",
            );
        }
        if let Some(usage) = take(&mut chunk, "usage") {
            self.usage = Some(usage);
        }
        if let Some(moderation) = take(&mut chunk, "moderation") {
            self.moderation = Some(moderation_to_responses(
                ctx,
                &format!("{p}/moderation"),
                moderation,
            ));
        }
        for (c, choice) in take_array(&mut chunk, "choices").into_iter().enumerate() {
            let cp = format!("{p}/choices/{c}");
            let mut choice = object(choice, &cp)?;
            if choice.get("index").and_then(Value::as_u64).unwrap_or(0) != 0 {
                self.once(ctx, "n", cp, "Responses returns one output");
                continue;
            }
            take(&mut choice, "index");
            let mut logprobs = Vec::new();
            if let Some(Value::Object(mut given)) = take(&mut choice, "logprobs") {
                logprobs = take_array(&mut given, "content");
                if let Some(Value::Array(refusal)) = take(&mut given, "refusal")
                    && !refusal.is_empty()
                {
                    self.once(
                        ctx,
                        "refusal logprobs",
                        format!("{cp}/logprobs/refusal"),
                        "Responses has logprobs for output text only",
                    );
                }
                self.rest_once(ctx, "logprobs", &format!("{cp}/logprobs"), given);
            }
            let dp = format!("{cp}/delta");
            let mut delta = object(take(&mut choice, "delta").unwrap_or(json!({})), &dp)?;
            take(&mut delta, "role");
            let text = take_str(&mut delta, "reasoning_content");
            let other = take_str(&mut delta, "reasoning");
            if let Some(piece) = text.or(other).filter(|t| !t.is_empty()) {
                self.reasoning_delta(&mut out, &piece);
            }
            let entries = take_array(&mut delta, reasoning::FIELD);
            if !entries.is_empty() {
                self.close_open(&mut out);
                for entry in entries {
                    let index = self.items.len();
                    let item = entry_to_item(entry, item_id("rs", &self.id, index));
                    self.add_item(&mut out, item.clone());
                    self.event(
                        &mut out,
                        json!({"type": "response.output_item.done", "output_index": index, "item": item}),
                    );
                }
            }
            if let Some(Value::String(piece)) = take(&mut delta, "content")
                && !piece.is_empty()
            {
                self.text_delta(&mut out, &piece, std::mem::take(&mut logprobs));
            }
            if let Some(Value::String(piece)) = take(&mut delta, "refusal")
                && !piece.is_empty()
            {
                self.refusal_delta(&mut out, &piece);
            }
            let annotations = take_array(&mut delta, "annotations");
            if !annotations.is_empty() {
                let annotations =
                    annotations_to_responses(ctx, &format!("{dp}/annotations"), annotations);
                self.annotations(&mut out, annotations);
            }
            for (t, call) in take_array(&mut delta, "tool_calls").into_iter().enumerate() {
                self.tool_call(ctx, &mut out, call, &format!("{dp}/tool_calls/{t}"))?;
            }
            for (key, reason) in [
                ("audio", "Responses has no audio output"),
                (
                    "function_call",
                    "legacy function calls have no Responses equivalent",
                ),
            ] {
                if take(&mut delta, key).is_some() {
                    ctx.dropped(format!("{dp}/{key}"), reason);
                }
            }
            self.rest_once(ctx, "delta", &dp, delta);
            if let Some(reason) = take(&mut choice, "finish_reason") {
                self.finish_reason = Some(reason.as_str().map(str::to_owned));
                self.close_items(&mut out);
            }
            self.rest_once(ctx, "choice", &cp, choice);
        }
        self.rest_once(ctx, "chunk", &p, chunk);
        Ok(out)
    }
}

fn append(slot: &mut Value, piece: &str) {
    match slot {
        Value::String(s) => s.push_str(piece),
        other => *other = Value::String(piece.to_owned()),
    }
}

impl StreamTranslator for ChatToResponsesStream {
    type In = ChatStreamEvent;
    type Out = ResponseStreamEvent;

    fn push(
        &mut self,
        event: &ChatStreamEvent,
    ) -> Result<Vec<ResponseStreamEvent>, TranslateError> {
        if self.closed {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, RESPONSES);
        let out = self.step(&mut ctx, event)?;
        self.seen += 1;
        record(&opts, &mut self.losses, ctx.report())?;
        out.into_iter().map(parse).collect()
    }

    /// A stream that ended without `[DONE]` is closed as if it had one; without a finish
    /// reason either (the upstream stopped mid-answer), the response is `incomplete`.
    fn finish(&mut self) -> Result<Vec<ResponseStreamEvent>, TranslateError> {
        if self.closed || !self.started {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, RESPONSES);
        let mut out = Vec::new();
        self.close(&mut ctx, &mut out, false)?;
        record(&opts, &mut self.losses, ctx.report())?;
        out.into_iter().map(parse).collect()
    }

    fn losses(&self) -> &LossReport {
        &self.losses
    }
}
