//! Stream translation: Gemini `streamGenerateContent` chunks ↔ Anthropic Messages events.
//!
//! Loss pointers are `/<n>/…`: `n` is the position of the upstream event in the stream.

use super::common::{
    ANTHROPIC, GEMINI, Piece, finish_reason, gptr, gtake, response_part, stop_reason,
    usage_to_anthropic, usage_to_gemini,
};
use super::response::{
    Blocks, block_to_part, candidate_rest, message_id, prompt_feedback, response_id,
};
use crate::ctx::{Ctx, object, take, take_str, to_json};
use crate::loss::{LossReport, Options, TranslateError};
use crate::stream::StreamTranslator;
use crate::stream::{parse, record};
use aigw_anthropic::MessageStreamEvent;
use aigw_gemini::GenerateContentResponse;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The Anthropic block being streamed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Text(u64),
    Thinking(u64),
}

/// Gemini chunks → Anthropic events (an Anthropic client, a Gemini upstream): exactly
/// `message_start`, per block `content_block_start` / `content_block_delta`… /
/// `content_block_stop` (consecutive text parts make one text block, thought parts one
/// thinking block with an empty signature, each function call one `tool_use` block with its
/// whole arguments as one `input_json_delta`), then, from [`StreamTranslator::finish`] when
/// the upstream stream ended, `message_delta` (stop reason and the last chunk's usage) and
/// `message_stop`. A chunk carrying a Gemini error body (`{"error": …}`) becomes Anthropic's
/// `error` event and ends the stream.
#[derive(Debug)]
pub struct GeminiToMessagesStream {
    opts: Options,
    model: String,
    losses: LossReport,
    started: bool,
    /// Block building shared with the response translation (ids, call count).
    blocks: Blocks,
    open: Option<Open>,
    next_index: u64,
    finish: Option<(String, String)>,
    usage: Option<(String, Value)>,
    blocked: bool,
    closed: bool,
    seen: usize,
    /// One report per kind of repeated loss, not one per chunk.
    reported: Vec<String>,
}

impl GeminiToMessagesStream {
    /// `model`: the one the client asked for (Gemini's `modelVersion` when empty).
    pub fn new(model: &str, opts: &Options) -> Self {
        GeminiToMessagesStream {
            opts: opts.clone(),
            model: model.to_owned(),
            losses: LossReport::default(),
            started: false,
            blocks: Blocks::new(""),
            open: None,
            next_index: 0,
            finish: None,
            usage: None,
            blocked: false,
            closed: false,
            seen: 0,
            reported: Vec::new(),
        }
    }

    fn close_block(&mut self, out: &mut Vec<Value>) {
        if let Some(Open::Text(index) | Open::Thinking(index)) = self.open.take() {
            out.push(json!({"type": "content_block_stop", "index": index}));
        }
    }

    fn delta(&mut self, out: &mut Vec<Value>, thinking: bool, text: String) {
        if text.is_empty() {
            return;
        }
        let index = match (self.open, thinking) {
            (Some(Open::Text(index)), false) | (Some(Open::Thinking(index)), true) => index,
            _ => {
                self.close_block(out);
                let index = self.next_index;
                self.next_index += 1;
                let (open, block) = if thinking {
                    (
                        Open::Thinking(index),
                        json!({"type": "thinking", "thinking": "", "signature": ""}),
                    )
                } else {
                    (Open::Text(index), json!({"type": "text", "text": ""}))
                };
                self.open = Some(open);
                out.push(
                    json!({"type": "content_block_start", "index": index, "content_block": block}),
                );
                index
            }
        };
        let delta = if thinking {
            json!({"type": "thinking_delta", "thinking": text})
        } else {
            json!({"type": "text_delta", "text": text})
        };
        out.push(json!({"type": "content_block_delta", "index": index, "delta": delta}));
    }

    fn piece(&mut self, out: &mut Vec<Value>, piece: Piece) {
        match piece {
            Piece::Text(text) => self.delta(out, false, text),
            Piece::Thought(text) => self.delta(out, true, text),
            Piece::Call { id, name, args } => {
                self.close_block(out);
                let index = self.next_index;
                self.next_index += 1;
                let id = self.blocks.next_call_id(id);
                out.push(json!({"type": "content_block_start", "index": index,
                    "content_block": {"type": "tool_use", "id": id, "name": name, "input": {}}}));
                out.push(json!({"type": "content_block_delta", "index": index,
                    "delta": {"type": "input_json_delta", "partial_json": args.to_string()}}));
                out.push(json!({"type": "content_block_stop", "index": index}));
            }
        }
    }

    fn step(&mut self, ctx: &mut Ctx<'_>, chunk: Value) -> Result<Vec<Value>, TranslateError> {
        let p = format!("/{}", self.seen);
        let mut chunk = object(chunk, &p)?;
        let mut out = Vec::new();
        if let Some(error) = take(&mut chunk, "error") {
            let translated =
                crate::errors::gemini_to_anthropic(500, &json!({ "error": error }), &self.opts)?;
            ctx.absorb(translated.body.losses);
            ctx.rest(&p, chunk);
            out.push(to_json(&translated.body.value)?);
            self.closed = true;
            return Ok(out);
        }
        let rid = gtake(&mut chunk, "responseId")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let version = gtake(&mut chunk, "modelVersion")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let usage_key = gptr(&chunk, &p, "usageMetadata");
        if let Some(usage) = gtake(&mut chunk, "usageMetadata") {
            self.usage = Some((usage_key, usage));
        }
        if !self.started {
            self.started = true;
            self.blocks = Blocks::new(&rid);
            if self.model.is_empty() {
                self.model = version;
            }
            // The start's input count; the closing message_delta repeats the final usage.
            let input = match &self.usage {
                Some((_, usage)) => {
                    let mut scratch = Ctx::new(&self.opts, ANTHROPIC);
                    let usage = usage_to_anthropic(&mut scratch, "", usage.clone())?;
                    usage["input_tokens"].clone()
                }
                None => json!(0),
            };
            let message = json!({"id": message_id(&rid), "type": "message", "role": "assistant", "model": self.model,
                "content": [], "stop_reason": null, "stop_sequence": null,
                "usage": {"input_tokens": input, "output_tokens": 0}});
            out.push(json!({"type": "message_start", "message": message}));
        }
        let feedback_key = gptr(&chunk, &p, "promptFeedback");
        if let Some(feedback) = gtake(&mut chunk, "promptFeedback") {
            self.blocked |= prompt_feedback(ctx, &feedback_key, feedback)?;
        }
        let candidates = match take(&mut chunk, "candidates") {
            Some(Value::Array(items)) => items,
            Some(other) => vec![other],
            None => Vec::new(),
        };
        for (c, candidate) in candidates.into_iter().enumerate() {
            let cp = format!("{p}/candidates/{c}");
            let mut candidate = object(candidate, &cp)?;
            let index = take(&mut candidate, "index")
                .and_then(|i| i.as_u64())
                .unwrap_or(c as u64);
            if index != 0 {
                if self.once("candidates") {
                    ctx.dropped(&cp, "Anthropic returns one message");
                }
                continue;
            }
            if let Some(content) = take(&mut candidate, "content") {
                let contp = format!("{cp}/content");
                let mut content = object(content, &contp)?;
                take(&mut content, "role");
                let parts = match take(&mut content, "parts") {
                    Some(Value::Array(parts)) => parts,
                    Some(other) => vec![other],
                    None => Vec::new(),
                };
                for (j, part) in parts.into_iter().enumerate() {
                    if let Some(piece) = response_part(ctx, part, &format!("{contp}/parts/{j}"))? {
                        self.piece(&mut out, piece);
                    }
                }
                ctx.rest(&contp, content);
            }
            let finish_key = gptr(&candidate, &cp, "finishReason");
            if let Some(Value::String(reason)) = gtake(&mut candidate, "finishReason") {
                self.finish = Some((finish_key, reason));
                self.close_block(&mut out);
            }
            let reported = &mut self.reported;
            candidate_rest(ctx, &cp, candidate, &mut |key: &str| {
                let key = format!("candidate/{key}");
                if reported.contains(&key) {
                    false
                } else {
                    reported.push(key);
                    true
                }
            });
        }
        ctx.rest(&p, chunk);
        Ok(out)
    }

    fn once(&mut self, key: &str) -> bool {
        if self.reported.iter().any(|k| k == key) {
            return false;
        }
        self.reported.push(key.to_owned());
        true
    }

    fn close(&mut self, ctx: &mut Ctx<'_>) -> Result<Vec<Value>, TranslateError> {
        let mut out = Vec::new();
        self.close_block(&mut out);
        let called = self.blocks.calls > 0;
        let stop = match self.finish.take() {
            Some((pointer, reason)) => stop_reason(ctx, &pointer, Some(&reason), called),
            None if self.blocked => json!("refusal"),
            None => {
                ctx.defaulted(
                    format!("/{}", self.seen),
                    "the stream ended without a finish reason: end_turn",
                );
                json!(if called { "tool_use" } else { "end_turn" })
            }
        };
        let usage = match self.usage.take() {
            Some((pointer, usage)) => usage_to_anthropic(ctx, &pointer, usage)?,
            None => {
                ctx.defaulted(
                    format!("/{}", self.seen),
                    "the upstream sent no usage: zero counts reported",
                );
                json!({"input_tokens": 0, "output_tokens": 0})
            }
        };
        out.push(json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": usage}));
        out.push(json!({"type": "message_stop"}));
        self.closed = true;
        Ok(out)
    }
}

impl StreamTranslator for GeminiToMessagesStream {
    type In = GenerateContentResponse;
    type Out = MessageStreamEvent;

    fn push(
        &mut self,
        chunk: &GenerateContentResponse,
    ) -> Result<Vec<MessageStreamEvent>, TranslateError> {
        if self.closed {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, ANTHROPIC);
        let out = self.step(&mut ctx, to_json(chunk)?)?;
        self.seen += 1;
        record(&opts, &mut self.losses, ctx.report())?;
        out.into_iter().map(parse).collect()
    }

    /// Gemini has no end-of-stream event: the end of the upstream stream closes the message
    /// (with `end_turn`, reported, if no chunk had a finish reason). A stream with no chunk
    /// at all gets nothing.
    fn finish(&mut self) -> Result<Vec<MessageStreamEvent>, TranslateError> {
        if self.closed || !self.started {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, ANTHROPIC);
        let out = self.close(&mut ctx)?;
        record(&opts, &mut self.losses, ctx.report())?;
        out.into_iter().map(parse).collect()
    }

    fn losses(&self) -> &LossReport {
        &self.losses
    }
}

/// A tool call being streamed: its arguments arrive as JSON fragments.
#[derive(Debug)]
struct PendingCall {
    id: Value,
    name: Value,
    /// `input` of the start event (used when no fragment follows).
    input: Value,
    json: String,
    pointer: String,
}

/// Anthropic events → Gemini chunks (a Gemini client, an Anthropic upstream): one chunk per
/// text or thinking delta (a `thought: true` part), one `functionCall` part per tool block
/// at its `content_block_stop` (the `input_json_delta` fragments are buffered by block index),
/// and at `message_stop` a last chunk with the finish reason and the usage (the only chunk
/// with `usageMetadata`; its part is an empty text, as Gemini's own last chunk).
/// `ping` is ignored. An `error` event becomes a terminal chunk that is the Gemini error
/// body (`{"error": {"code", "message", "status"}}`), as Gemini ends a failed stream; nothing
/// follows it.
#[derive(Debug)]
pub struct MessagesToGeminiStream {
    opts: Options,
    losses: LossReport,
    id: String,
    model: Value,
    usage: Map<String, Value>,
    usage_pointer: String,
    calls: HashMap<u64, PendingCall>,
    /// Blocks that were dropped at their start: their deltas are not reported again.
    dropped: Vec<u64>,
    thinking: bool,
    stop: Option<(String, String)>,
    finished: bool,
    done: bool,
    seen: usize,
    reported: Vec<&'static str>,
}

impl MessagesToGeminiStream {
    pub fn new(opts: &Options) -> Self {
        MessagesToGeminiStream {
            opts: opts.clone(),
            losses: LossReport::default(),
            id: String::new(),
            model: json!(""),
            usage: Map::new(),
            usage_pointer: String::new(),
            calls: HashMap::new(),
            dropped: Vec::new(),
            thinking: false,
            stop: None,
            finished: false,
            done: false,
            seen: 0,
            reported: Vec::new(),
        }
    }

    fn chunk(&self, parts: Vec<Value>) -> Value {
        json!({"candidates": [{"content": {"role": "model", "parts": parts}, "index": 0}],
               "modelVersion": self.model, "responseId": self.id})
    }

    fn close(&mut self, ctx: &mut Ctx<'_>) -> Result<Value, TranslateError> {
        let (pointer, stop) = match self.stop.take() {
            Some((pointer, stop)) => (pointer, Some(stop)),
            None => (format!("/{}", self.seen), None),
        };
        let finish = finish_reason(ctx, &pointer, stop.as_deref());
        let usage = usage_to_gemini(
            ctx,
            &self.usage_pointer,
            Value::Object(std::mem::take(&mut self.usage)),
            self.thinking,
        )?;
        let mut chunk = self.chunk(vec![json!({"text": ""})]);
        if !finish.is_null() {
            chunk["candidates"][0]["finishReason"] = finish;
        }
        chunk["usageMetadata"] = usage;
        self.done = true;
        Ok(chunk)
    }

    fn step(&mut self, ctx: &mut Ctx<'_>, event: Value) -> Result<Vec<Value>, TranslateError> {
        let p = format!("/{}", self.seen);
        let mut event = object(event, &p)?;
        let mut out = Vec::new();
        let index = take(&mut event, "index")
            .and_then(|i| i.as_u64())
            .unwrap_or(0);
        match take_str(&mut event, "type").as_deref() {
            Some("message_start") => {
                let mp = format!("{p}/message");
                let mut message = object(take(&mut event, "message").unwrap_or(json!({})), &mp)?;
                take(&mut message, "type");
                take(&mut message, "role");
                self.id = response_id(&take_str(&mut message, "id").unwrap_or_default());
                self.model = take(&mut message, "model").unwrap_or(json!(""));
                if let Some(Value::Object(usage)) = take(&mut message, "usage") {
                    self.usage = usage;
                    self.usage_pointer = format!("{mp}/usage");
                }
                if let Some(Value::Array(content)) = take(&mut message, "content")
                    && !content.is_empty()
                {
                    ctx.dropped(
                        format!("{mp}/content"),
                        "content in message_start is not streamed",
                    );
                }
                for key in ["stop_reason", "stop_sequence", "stop_details", "container"] {
                    take(&mut message, key);
                }
                ctx.rest(&mp, message);
            }
            Some("content_block_start") => {
                let bp = format!("{p}/content_block");
                let block = take(&mut event, "content_block").unwrap_or(json!({}));
                if block.get("type").and_then(Value::as_str) == Some("tool_use") {
                    let mut block = object(block, &bp)?;
                    take(&mut block, "type");
                    if let Some(caller) = take(&mut block, "caller")
                        && caller.get("type").and_then(Value::as_str) != Some("direct")
                    {
                        ctx.dropped(
                            format!("{bp}/caller"),
                            "Gemini function calls are always made by the model directly",
                        );
                    }
                    let call = PendingCall {
                        id: take(&mut block, "id").unwrap_or(json!("")),
                        name: take(&mut block, "name").unwrap_or(json!("")),
                        input: take(&mut block, "input").unwrap_or(json!({})),
                        json: String::new(),
                        pointer: bp.clone(),
                    };
                    self.calls.insert(index, call);
                    ctx.rest(&bp, block);
                } else {
                    let streamed = matches!(
                        block.get("type").and_then(Value::as_str),
                        Some("text" | "thinking")
                    );
                    if !streamed {
                        self.dropped.push(index);
                    }
                    if let Some(part) = block_to_part(ctx, block, &bp, &mut self.thinking)?
                        && part.get("text") != Some(&json!(""))
                    {
                        out.push(self.chunk(vec![part]));
                    }
                }
            }
            Some("content_block_delta") => {
                let dp = format!("{p}/delta");
                let mut delta = object(take(&mut event, "delta").unwrap_or(json!({})), &dp)?;
                match take_str(&mut delta, "type").as_deref() {
                    Some("text_delta") => {
                        if let Some(Value::String(text)) = take(&mut delta, "text")
                            && !text.is_empty()
                        {
                            out.push(self.chunk(vec![json!({ "text": text })]));
                        }
                    }
                    Some("thinking_delta") => {
                        self.thinking = true;
                        if let Some(Value::String(text)) = take(&mut delta, "thinking")
                            && !text.is_empty()
                        {
                            out.push(self.chunk(vec![json!({"text": text, "thought": true})]));
                        }
                    }
                    Some("signature_delta") => {
                        if take_str(&mut delta, "signature").is_some_and(|s| !s.is_empty()) {
                            ctx.dropped(
                                format!("{dp}/signature"),
                                "an Anthropic thinking signature is only sent back to Anthropic",
                            );
                        }
                    }
                    Some("input_json_delta") => {
                        let piece = take_str(&mut delta, "partial_json").unwrap_or_default();
                        match self.calls.get_mut(&index) {
                            Some(call) => call.json.push_str(&piece),
                            None if self.dropped.contains(&index) => {}
                            None => ctx.dropped(&dp, "input for a block that was not translated"),
                        }
                    }
                    Some("citations_delta") => {
                        take(&mut delta, "citation");
                        if !self.reported.contains(&"citations") {
                            self.reported.push("citations");
                            ctx.dropped(&dp, "Gemini parts have no citations");
                        }
                    }
                    _ if self.dropped.contains(&index) => {
                        delta.clear();
                    }
                    other => ctx.dropped(
                        &dp,
                        format!(
                            "{} deltas have no Gemini equivalent",
                            other.unwrap_or("untyped")
                        ),
                    ),
                }
                ctx.rest(&dp, delta);
            }
            Some("content_block_stop") => {
                if let Some(call) = self.calls.remove(&index) {
                    let args = if call.json.trim().is_empty() {
                        call.input
                    } else {
                        match serde_json::from_str::<Value>(&call.json) {
                            Ok(args @ Value::Object(_)) => args,
                            _ => {
                                ctx.approximated(
                                    format!("{}/input", call.pointer),
                                    "streamed tool input that is not a JSON object: sent {}",
                                );
                                json!({})
                            }
                        }
                    };
                    let part =
                        json!({"functionCall": {"id": call.id, "name": call.name, "args": args}});
                    out.push(self.chunk(vec![part]));
                }
            }
            Some("message_delta") => {
                let dp = format!("{p}/delta");
                let mut delta = object(take(&mut event, "delta").unwrap_or(json!({})), &dp)?;
                if let Some(stop) = take_str(&mut delta, "stop_reason") {
                    self.stop = Some((format!("{dp}/stop_reason"), stop));
                }
                if take(&mut delta, "stop_sequence").is_some() {
                    ctx.dropped(
                        format!("{dp}/stop_sequence"),
                        "Gemini does not say which stop sequence matched",
                    );
                }
                if take(&mut delta, "stop_details").is_some() {
                    ctx.dropped(
                        format!("{dp}/stop_details"),
                        "Gemini has no refusal details",
                    );
                }
                take(&mut delta, "container");
                ctx.rest(&dp, delta);
                if let Some(Value::Object(usage)) = take(&mut event, "usage") {
                    // Cumulative: its counts replace the start's.
                    for (key, value) in usage {
                        if !value.is_null() {
                            self.usage.insert(key, value);
                        }
                    }
                    self.usage_pointer = format!("{p}/usage");
                }
                self.finished = true;
            }
            Some("message_stop") => out.push(self.close(ctx)?),
            Some("ping") => {}
            Some("error") => {
                event.insert("type".into(), json!("error"));
                let body: aigw_anthropic::ErrorResponse =
                    parse(Value::Object(std::mem::take(&mut event)))?;
                let translated = crate::errors::anthropic_to_gemini(500, &body, &self.opts)?;
                ctx.absorb(translated.body.losses);
                out.push(to_json(&translated.body.value)?);
                self.done = true;
            }
            other => ctx.dropped(
                &p,
                format!(
                    "{} events have no Gemini equivalent",
                    other.unwrap_or("untyped")
                ),
            ),
        }
        ctx.rest(&p, event);
        Ok(out)
    }
}

impl StreamTranslator for MessagesToGeminiStream {
    type In = MessageStreamEvent;
    type Out = GenerateContentResponse;

    fn push(
        &mut self,
        event: &MessageStreamEvent,
    ) -> Result<Vec<GenerateContentResponse>, TranslateError> {
        if self.done {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, GEMINI);
        let out = self.step(&mut ctx, to_json(event)?)?;
        self.seen += 1;
        record(&opts, &mut self.losses, ctx.report())?;
        out.into_iter().map(parse).collect()
    }

    /// A stream that ended after its `message_delta` but without `message_stop` still gets
    /// its last chunk; one that ended earlier gets nothing (the transport reports it
    /// incomplete).
    fn finish(&mut self) -> Result<Vec<GenerateContentResponse>, TranslateError> {
        if self.done || !self.finished {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, GEMINI);
        let out = self.close(&mut ctx)?;
        record(&opts, &mut self.losses, ctx.report())?;
        Ok(vec![parse(out)?])
    }

    fn losses(&self) -> &LossReport {
        &self.losses
    }
}
