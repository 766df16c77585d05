//! Stream translation: Anthropic Messages events ↔ Chat Completions chunks.
//!
//! Loss pointers are `/<n>/…`: `n` is the position of the upstream event in the stream.

use super::response::{finish_reason, stop_reason, usage_to_anthropic, usage_to_chat};
use crate::ctx::{Ctx, object, take, take_str, to_json};
use crate::loss::{LossReport, Options, TranslateError};
use crate::reasoning;
use crate::stream::StreamTranslator;
use crate::stream::{parse, record};
use aigw_anthropic::MessageStreamEvent;
use aigw_openai::stream::ChatStreamEvent;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

const ANTHROPIC: &str = "Anthropic Messages";
const CHAT: &str = "OpenAI Chat Completions";

/// Anthropic events → Chat chunks (an OpenAI client, an Anthropic upstream): a role chunk,
/// content / tool-call / reasoning deltas, the finish chunk, the usage chunk (when asked
/// for), `[DONE]`.
#[derive(Debug)]
pub struct MessagesToChatStream {
    opts: Options,
    losses: LossReport,
    include_usage: bool,
    id: Value,
    model: Value,
    usage: Map<String, Value>,
    /// Anthropic block index → Chat tool call index.
    tools: HashMap<u64, u64>,
    /// Tool calls (by block index) whose arguments are still empty: `{}` is sent at their
    /// block's end, as a tool without input has `{}` arguments, not an empty string.
    no_arguments: Vec<u64>,
    /// Thinking blocks being assembled, by block index.
    thinking: HashMap<u64, Map<String, Value>>,
    finished: bool,
    done: bool,
    seen: usize,
}

impl MessagesToChatStream {
    /// `include_usage`: the client asked for `stream_options.include_usage` (the usage chunk
    /// is sent only then, as OpenAI does).
    pub fn new(opts: &Options, include_usage: bool) -> Self {
        MessagesToChatStream {
            opts: opts.clone(),
            losses: LossReport::default(),
            include_usage,
            id: json!(""),
            model: json!(""),
            usage: Map::new(),
            tools: HashMap::new(),
            no_arguments: Vec::new(),
            thinking: HashMap::new(),
            finished: false,
            done: false,
            seen: 0,
        }
    }

    fn chunk(&self, delta: Value, finish: Value) -> Result<ChatStreamEvent, TranslateError> {
        let chunk = json!({
            "id": self.id, "object": "chat.completion.chunk", "created": self.opts.created, "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": null}]
        });
        Ok(ChatStreamEvent::Chunk(Box::new(parse(chunk)?)))
    }

    fn close(&mut self, ctx: &mut Ctx<'_>) -> Result<Vec<ChatStreamEvent>, TranslateError> {
        let mut out = Vec::new();
        if self.include_usage {
            let usage = usage_to_chat(
                ctx,
                &format!("/{}/usage", self.seen),
                Value::Object(self.usage.clone()),
            )?;
            let chunk = json!({"id": self.id, "object": "chat.completion.chunk", "created": self.opts.created, "model": self.model, "choices": [], "usage": usage});
            out.push(ChatStreamEvent::Chunk(Box::new(parse(chunk)?)));
        }
        out.push(ChatStreamEvent::Done);
        self.done = true;
        Ok(out)
    }

    fn step(
        &mut self,
        ctx: &mut Ctx<'_>,
        event: Value,
    ) -> Result<Vec<ChatStreamEvent>, TranslateError> {
        let p = format!("/{}", self.seen);
        let mut event = object(event, &p)?;
        let mut out = Vec::new();
        let index = event.get("index").and_then(Value::as_u64).unwrap_or(0);
        match take_str(&mut event, "type").as_deref() {
            Some("message_start") => {
                let mut message = object(
                    take(&mut event, "message").unwrap_or(json!({})),
                    &format!("{p}/message"),
                )?;
                self.id = take(&mut message, "id").unwrap_or(json!(""));
                self.model = take(&mut message, "model").unwrap_or(json!(""));
                if let Some(Value::Object(usage)) = take(&mut message, "usage") {
                    self.usage = usage;
                }
                out.push(self.chunk(json!({"role": "assistant", "content": ""}), Value::Null)?);
            }
            Some("content_block_start") => {
                take(&mut event, "index");
                let bp = format!("{p}/content_block");
                let mut block =
                    object(take(&mut event, "content_block").unwrap_or(json!({})), &bp)?;
                match take_str(&mut block, "type").as_deref() {
                    Some("text") => {
                        if let Some(Value::String(text)) = take(&mut block, "text")
                            && !text.is_empty()
                        {
                            out.push(self.chunk(json!({"content": text}), Value::Null)?);
                        }
                        take(&mut block, "citations");
                    }
                    Some("tool_use") => {
                        let tool = self.tools.len() as u64;
                        self.tools.insert(index, tool);
                        let input = take(&mut block, "input")
                            .filter(|i| i.as_object().is_some_and(|m| !m.is_empty()));
                        let arguments = input.map(|i| i.to_string()).unwrap_or_default();
                        if arguments.is_empty() {
                            self.no_arguments.push(index);
                        }
                        let call = json!({"index": tool, "id": take(&mut block, "id").unwrap_or(json!("")), "type": "function",
                                          "function": {"name": take(&mut block, "name").unwrap_or(json!("")), "arguments": arguments}});
                        out.push(self.chunk(json!({"tool_calls": [call]}), Value::Null)?);
                    }
                    Some(kind @ ("thinking" | "redacted_thinking")) => {
                        block.insert("type".into(), json!(kind));
                        self.thinking.insert(index, std::mem::take(&mut block));
                    }
                    other => ctx.dropped(
                        &bp,
                        format!(
                            "{} blocks have no Chat equivalent",
                            other.unwrap_or("untyped")
                        ),
                    ),
                }
                ctx.rest(&bp, block);
            }
            Some("content_block_delta") => {
                take(&mut event, "index");
                let dp = format!("{p}/delta");
                let mut delta = object(take(&mut event, "delta").unwrap_or(json!({})), &dp)?;
                match take_str(&mut delta, "type").as_deref() {
                    Some("text_delta") => {
                        let text = take(&mut delta, "text").unwrap_or(json!(""));
                        out.push(self.chunk(json!({"content": text}), Value::Null)?);
                    }
                    Some("input_json_delta") => {
                        let piece = take(&mut delta, "partial_json").unwrap_or(json!(""));
                        if piece.as_str().is_some_and(|p| !p.is_empty()) {
                            self.no_arguments.retain(|i| *i != index);
                        }
                        match self.tools.get(&index) {
                            Some(tool) => out.push(self.chunk(json!({"tool_calls": [{"index": tool, "function": {"arguments": piece}}]}), Value::Null)?),
                            None => ctx.dropped(&dp, "input for a block that was not translated"),
                        }
                    }
                    Some(kind @ ("thinking_delta" | "signature_delta")) => {
                        let field = if kind == "thinking_delta" {
                            "thinking"
                        } else {
                            "signature"
                        };
                        let piece = take_str(&mut delta, field).unwrap_or_default();
                        match self
                            .thinking
                            .get_mut(&index)
                            .map(|b| b.entry(field).or_insert(json!("")))
                        {
                            Some(Value::String(s)) => s.push_str(&piece),
                            Some(slot) => *slot = json!(piece),
                            None => ctx.dropped(&dp, "a thinking delta outside a thinking block"),
                        }
                    }
                    Some("citations_delta") => {
                        take(&mut delta, "citation");
                        ctx.dropped(&dp, "streamed citations have no Chat chunk equivalent");
                    }
                    other => ctx.dropped(
                        &dp,
                        format!(
                            "{} deltas have no Chat equivalent",
                            other.unwrap_or("untyped")
                        ),
                    ),
                }
                ctx.rest(&dp, delta);
            }
            Some("content_block_stop") => {
                take(&mut event, "index");
                if let Some(position) = self.no_arguments.iter().position(|i| *i == index) {
                    self.no_arguments.remove(position);
                    if let Some(tool) = self.tools.get(&index) {
                        out.push(self.chunk(json!({"tool_calls": [{"index": tool, "function": {"arguments": "{}"}}]}), Value::Null)?);
                    }
                }
                if let Some(block) = self.thinking.remove(&index) {
                    let tagged = reasoning::tag("anthropic", Value::Object(block));
                    out.push(self.chunk(json!({ reasoning::FIELD: [tagged] }), Value::Null)?);
                }
            }
            Some("message_delta") => {
                let dp = format!("{p}/delta");
                let mut delta = object(take(&mut event, "delta").unwrap_or(json!({})), &dp)?;
                let reason = take_str(&mut delta, "stop_reason");
                let finish = finish_reason(ctx, &format!("{dp}/stop_reason"), reason.as_deref());
                if take(&mut delta, "stop_sequence").is_some() {
                    ctx.dropped(
                        format!("{dp}/stop_sequence"),
                        "Chat does not say which stop sequence matched",
                    );
                }
                ctx.rest(&dp, delta);
                if let Some(Value::Object(usage)) = take(&mut event, "usage") {
                    for (key, value) in usage {
                        if !value.is_null() {
                            self.usage.insert(key, value);
                        }
                    }
                }
                self.finished = true;
                out.push(self.chunk(json!({}), finish)?);
            }
            Some("message_stop") => out.extend(self.close(ctx)?),
            Some("ping") => {}
            Some("error") => {
                event.insert("type".into(), json!("error"));
                let body: aigw_anthropic::ErrorResponse =
                    parse(Value::Object(std::mem::take(&mut event)))?;
                let translated = crate::errors::anthropic_to_openai(500, &body, &self.opts)?;
                ctx.absorb(translated.body.losses);
                out.push(ChatStreamEvent::Error(Box::new(translated.body.value)));
                self.done = true;
            }
            other => ctx.dropped(
                &p,
                format!(
                    "{} events have no Chat equivalent",
                    other.unwrap_or("untyped")
                ),
            ),
        }
        ctx.rest(&p, event);
        Ok(out)
    }
}

impl StreamTranslator for MessagesToChatStream {
    type In = MessageStreamEvent;
    type Out = ChatStreamEvent;

    fn push(&mut self, event: &MessageStreamEvent) -> Result<Vec<ChatStreamEvent>, TranslateError> {
        if self.done {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, CHAT);
        let out = self.step(&mut ctx, to_json(event)?)?;
        self.seen += 1;
        record(&opts, &mut self.losses, ctx.report())?;
        Ok(out)
    }

    /// A stream that ended after its `message_delta` but without `message_stop` still gets
    /// its usage chunk and `[DONE]`; one that ended earlier gets nothing (the transport
    /// reports it incomplete).
    fn finish(&mut self) -> Result<Vec<ChatStreamEvent>, TranslateError> {
        if self.done || !self.finished {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, CHAT);
        let out = self.close(&mut ctx)?;
        record(&opts, &mut self.losses, ctx.report())?;
        Ok(out)
    }

    fn losses(&self) -> &LossReport {
        &self.losses
    }
}

/// A Chat tool call being assembled.
#[derive(Debug, Default)]
struct Call {
    id: String,
    name: String,
    arguments: String,
}

/// Which Anthropic content block is open (text streams live; tool calls are buffered).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Text(u64),
}

/// Chat chunks → Anthropic events (an Anthropic client, an OpenAI upstream):
/// `message_start`, `content_block_start` / `_delta` / `_stop` per text run and tool call,
/// `message_delta` with the stop reason and usage, `message_stop`.
#[derive(Debug)]
pub struct ChatToMessagesStream {
    opts: Options,
    losses: LossReport,
    started: bool,
    open: Option<Open>,
    blocks: u64,
    /// Tool calls being assembled, by Chat index. Chat may interleave the fragments of
    /// parallel calls; Anthropic blocks cannot interleave, so each call is emitted whole
    /// (start, its complete input, stop), in index order, when the choice finishes.
    calls: std::collections::BTreeMap<u64, Call>,
    stop: Value,
    usage: Option<Value>,
    closed: bool,
    seen: usize,
    /// One report per kind of repeated loss, not one per chunk.
    reported: Vec<&'static str>,
}

impl ChatToMessagesStream {
    pub fn new(opts: &Options) -> Self {
        ChatToMessagesStream {
            opts: opts.clone(),
            losses: LossReport::default(),
            started: false,
            open: None,
            blocks: 0,
            calls: std::collections::BTreeMap::new(),
            stop: Value::Null,
            usage: None,
            closed: false,
            seen: 0,
            reported: Vec::new(),
        }
    }

    fn once(&mut self, ctx: &mut Ctx<'_>, key: &'static str, pointer: String, reason: &str) {
        if !self.reported.contains(&key) {
            self.reported.push(key);
            ctx.dropped(pointer, reason);
        }
    }

    fn close_block(&mut self, out: &mut Vec<Value>) {
        if let Some(Open::Text(index)) = self.open.take() {
            out.push(json!({"type": "content_block_stop", "index": index}));
        }
    }

    /// Emits the assembled tool calls as whole `tool_use` blocks.
    fn flush_calls(&mut self, out: &mut Vec<Value>) {
        self.close_block(out);
        for (_, call) in std::mem::take(&mut self.calls) {
            let index = self.blocks;
            self.blocks += 1;
            out.push(json!({"type": "content_block_start", "index": index,
                            "content_block": {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}}));
            let arguments = if call.arguments.trim().is_empty() {
                "{}".to_owned()
            } else {
                call.arguments
            };
            out.push(json!({"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": arguments}}));
            out.push(json!({"type": "content_block_stop", "index": index}));
        }
    }

    fn open_text(&mut self, out: &mut Vec<Value>) -> u64 {
        if let Some(Open::Text(index)) = self.open {
            return index;
        }
        self.close_block(out);
        let index = self.blocks;
        self.blocks += 1;
        self.open = Some(Open::Text(index));
        out.push(json!({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}));
        index
    }

    fn close_message(
        &mut self,
        ctx: &mut Ctx<'_>,
        out: &mut Vec<Value>,
    ) -> Result<(), TranslateError> {
        self.flush_calls(out);
        let usage = match self.usage.take() {
            Some(usage) => usage_to_anthropic(ctx, &format!("/{}/usage", self.seen), usage)?,
            None => {
                ctx.defaulted(
                    format!("/{}", self.seen),
                    "the upstream sent no usage: zero output tokens reported",
                );
                json!({"output_tokens": 0})
            }
        };
        out.push(json!({"type": "message_delta", "delta": {"stop_reason": self.stop, "stop_sequence": null}, "usage": usage}));
        out.push(json!({"type": "message_stop"}));
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
                if self.started {
                    self.close_message(ctx, &mut out)?;
                }
                return Ok(out);
            }
            ChatStreamEvent::Error(body) => {
                let translated = crate::errors::openai_to_anthropic(500, body, &self.opts)?;
                ctx.absorb(translated.body.losses);
                out.push(to_json(&translated.body.value)?);
                self.closed = true;
                return Ok(out);
            }
            ChatStreamEvent::Chunk(chunk) => chunk,
        };
        let mut chunk = object(to_json(chunk)?, &p)?;
        if !self.started {
            self.started = true;
            let message = json!({"id": chunk.get("id").cloned().unwrap_or(json!("")), "type": "message", "role": "assistant",
                "model": chunk.get("model").cloned().unwrap_or(json!("")), "content": [], "stop_reason": null, "stop_sequence": null,
                "usage": {"input_tokens": 0, "output_tokens": 0}});
            out.push(json!({"type": "message_start", "message": message}));
        }
        for key in [
            "id",
            "model",
            "object",
            "created",
            "system_fingerprint",
            "service_tier",
            "obfuscation",
        ] {
            take(&mut chunk, key);
        }
        if let Some(usage) = take(&mut chunk, "usage") {
            self.usage = Some(usage);
        }
        for (c, choice) in crate::ctx::take_array(&mut chunk, "choices")
            .into_iter()
            .enumerate()
        {
            let cp = format!("{p}/choices/{c}");
            let mut choice = object(choice, &cp)?;
            if choice.get("index").and_then(Value::as_u64).unwrap_or(0) != 0 {
                self.once(ctx, "n", cp, "Anthropic returns one choice");
                continue;
            }
            take(&mut choice, "index");
            if take(&mut choice, "logprobs").is_some() {
                self.once(
                    ctx,
                    "logprobs",
                    format!("{cp}/logprobs"),
                    "Anthropic has no logprobs",
                );
            }
            let dp = format!("{cp}/delta");
            let mut delta = object(take(&mut choice, "delta").unwrap_or(json!({})), &dp)?;
            take(&mut delta, "role");
            for field in ["content", "refusal"] {
                if let Some(Value::String(text)) = take(&mut delta, field)
                    && !text.is_empty()
                {
                    if field == "refusal" && !self.reported.contains(&"refusal") {
                        self.reported.push("refusal");
                        ctx.approximated(
                            format!("{dp}/refusal"),
                            "a refusal becomes text with stop_reason refusal",
                        );
                    }
                    let index = self.open_text(&mut out);
                    out.push(json!({"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": text}}));
                }
            }
            if self.reported.contains(&"refusal") {
                self.stop = json!("refusal");
            }
            for (t, call) in crate::ctx::take_array(&mut delta, "tool_calls")
                .into_iter()
                .enumerate()
            {
                let tp = format!("{dp}/tool_calls/{t}");
                let mut call = object(call, &tp)?;
                let tool = take(&mut call, "index")
                    .and_then(|i| i.as_u64())
                    .unwrap_or(0);
                take(&mut call, "type");
                let mut function = match take(&mut call, "function") {
                    Some(Value::Object(function)) => function,
                    _ => Map::new(),
                };
                let slot = self.calls.entry(tool).or_default();
                if let Some(Value::String(id)) = take(&mut call, "id") {
                    slot.id = id;
                }
                // A name comes whole (some providers repeat it in every chunk); arguments
                // come in fragments.
                if let Some(Value::String(name)) = take(&mut function, "name") {
                    slot.name = name;
                }
                if let Some(Value::String(piece)) = take(&mut function, "arguments") {
                    slot.arguments.push_str(&piece);
                }
                ctx.rest(&format!("{tp}/function"), function);
                ctx.rest(&tp, call);
            }
            for field in ["reasoning_content", "reasoning", reasoning::FIELD] {
                if take(&mut delta, field).is_some() {
                    self.once(
                        ctx,
                        "reasoning",
                        format!("{dp}/{field}"),
                        "Anthropic thinking blocks need a signature this reasoning does not have",
                    );
                }
            }
            ctx.rest(&dp, delta);
            if let Some(reason) = take_str(&mut choice, "finish_reason") {
                if self.stop.is_null() {
                    self.stop = stop_reason(ctx, &format!("{cp}/finish_reason"), Some(&reason));
                }
                self.flush_calls(&mut out);
            }
            ctx.rest(&cp, choice);
        }
        ctx.rest(&p, chunk);
        Ok(out)
    }
}

impl StreamTranslator for ChatToMessagesStream {
    type In = ChatStreamEvent;
    type Out = MessageStreamEvent;

    fn push(&mut self, event: &ChatStreamEvent) -> Result<Vec<MessageStreamEvent>, TranslateError> {
        if self.closed {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, ANTHROPIC);
        let out = self.step(&mut ctx, event)?;
        self.seen += 1;
        record(&opts, &mut self.losses, ctx.report())?;
        out.into_iter().map(parse).collect()
    }

    /// A stream that ended without `[DONE]` is closed as if it had one.
    fn finish(&mut self) -> Result<Vec<MessageStreamEvent>, TranslateError> {
        if self.closed || !self.started {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, ANTHROPIC);
        let mut out = Vec::new();
        self.close_message(&mut ctx, &mut out)?;
        record(&opts, &mut self.losses, ctx.report())?;
        out.into_iter().map(parse).collect()
    }

    fn losses(&self) -> &LossReport {
        &self.losses
    }
}
