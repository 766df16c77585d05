//! Stream translation: Gemini `streamGenerateContent` chunks ↔ Chat Completions chunks.
//!
//! Loss pointers are `/<n>/…`, `n` being the position of the upstream event in the stream; a
//! loss that repeats on later events (same place in the event, same reason) is reported once.

use super::request::call_part;
use super::response::{
    CHAT, DEFAULT_ID, GEMINI, Piece, blocked_choice, candidate_metadata, finish_to_chat,
    finish_to_gemini, key_g, logprobs_to_chat, logprobs_to_gemini, prompt_feedback, read_part,
    take_g, tier_to_gemini, usage_to_chat, usage_to_gemini,
};
use crate::ctx::{Ctx, object, ptr, take, take_array, take_str, to_json};
use crate::loss::{Loss, LossKind, LossReport, Options, TranslateError};
use crate::reasoning;
use crate::stream::StreamTranslator;
use crate::stream::parse;
use aigw_gemini::GenerateContentResponse;
use aigw_openai::stream::ChatStreamEvent;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashSet};

/// `pointer` without its leading event position.
fn within_event(pointer: &str) -> &str {
    let rest = pointer.strip_prefix('/').unwrap_or(pointer);
    let (head, tail) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    if !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit()) {
        tail
    } else {
        pointer
    }
}

/// The losses already reported: a pointer within its event, the kind, the reason.
type Reported = HashSet<(String, LossKind, String)>;

/// Folds one step's new losses into the running report (or refuses, in strict mode).
fn record(
    opts: &Options,
    report: &mut LossReport,
    reported: &mut Reported,
    step: LossReport,
) -> Result<(), TranslateError> {
    let fresh: Vec<Loss> = step
        .0
        .into_iter()
        .filter(|loss| {
            reported.insert((
                within_event(&loss.pointer).to_owned(),
                loss.kind,
                loss.reason.clone(),
            ))
        })
        .collect();
    if opts.strict && !fresh.is_empty() {
        return Err(TranslateError::Strict {
            losses: LossReport(fresh),
        });
    }
    report.0.extend(fresh);
    Ok(())
}

/// What a Gemini → Chat stream knows of one candidate.
#[derive(Debug, Default)]
struct Candidate {
    /// The role delta was sent.
    started: bool,
    /// Function calls sent (the next tool call index).
    calls: usize,
    /// Thought text not sent yet: consecutive plain thought parts are one reasoning block,
    /// as they are one part in the accumulated Gemini response.
    thought: Option<String>,
}

impl Candidate {
    fn flush(&mut self, blocks: &mut Vec<Value>) {
        if let Some(text) = self.thought.take() {
            blocks.push(json!({"thought": true, "text": text}));
        }
    }
}

/// Gemini chunks → Chat chunks (an OpenAI client, a Gemini upstream): per choice a first
/// delta with the role, then text deltas, each function call as one complete tool call delta
/// (with its index), thoughts and signatures as tagged reasoning blocks, a finish chunk; at
/// the end the usage chunk (empty `choices`, when asked for) and `[DONE]`. Tool call ids and
/// reasoning blocks are those [`super::gemini_response_to_chat`] gives the accumulated
/// response (calls without a Gemini id get `call_<position in the turn>`). Thought text is
/// sent when its run of thought parts ends (one block per run, as in the accumulated
/// response).
#[derive(Debug)]
pub struct GeminiToChatStream {
    opts: Options,
    losses: LossReport,
    reported: Reported,
    include_usage: bool,
    id: Option<Value>,
    model: Value,
    candidates: BTreeMap<u64, Candidate>,
    /// The latest usage metadata (Gemini sends running totals) and its pointer.
    usage: Option<(String, Value)>,
    finished: bool,
    done: bool,
    seen: usize,
}

impl GeminiToChatStream {
    /// `model`: the requested model (chunks name the `modelVersion` when Gemini sends one).
    /// `include_usage`: the client asked for `stream_options.include_usage` (the usage chunk
    /// is sent only then, as OpenAI does).
    pub fn new(model: &str, opts: &Options, include_usage: bool) -> Self {
        GeminiToChatStream {
            opts: opts.clone(),
            losses: LossReport::default(),
            reported: Reported::new(),
            include_usage,
            id: None,
            model: json!(model),
            candidates: BTreeMap::new(),
            usage: None,
            finished: false,
            done: false,
            seen: 0,
        }
    }

    fn chunk(&self, choices: Vec<Value>) -> Result<ChatStreamEvent, TranslateError> {
        let chunk = json!({
            "id": self.id.clone().unwrap_or(json!(DEFAULT_ID)),
            "object": "chat.completion.chunk",
            "created": self.opts.created,
            "model": self.model,
            "choices": choices,
        });
        Ok(ChatStreamEvent::Chunk(Box::new(parse(chunk)?)))
    }

    fn step(
        &mut self,
        ctx: &mut Ctx<'_>,
        event: Value,
    ) -> Result<Vec<ChatStreamEvent>, TranslateError> {
        let p = format!("/{}", self.seen);
        let mut event = object(event, &p)?;
        if let Some(id) = take_g(&mut event, "responseId")
            && self.id.is_none()
        {
            self.id = Some(id);
        }
        if let Some(model) = take_g(&mut event, "modelVersion") {
            self.model = model;
        }
        let usage_key = key_g(&event, "usageMetadata");
        if let Some(usage) = take(&mut event, &usage_key) {
            self.usage = Some((ptr(&p, &usage_key), usage));
        }
        let mut deltas = Vec::new();
        let mut finishes = Vec::new();
        for (i, candidate) in take_array(&mut event, "candidates").into_iter().enumerate() {
            let cp = format!("{p}/candidates/{i}");
            let mut candidate = object(candidate, &cp)?;
            let index = take(&mut candidate, "index")
                .and_then(|i| i.as_u64())
                .unwrap_or(i as u64);
            let state = self.candidates.entry(index).or_default();
            let mut delta = Map::new();
            if !state.started {
                state.started = true;
                delta.insert("role".into(), json!("assistant"));
                delta.insert("refusal".into(), Value::Null);
            }
            let mut text: Option<String> = None;
            let mut calls = Vec::new();
            let mut blocks = Vec::new();
            if let Some(content) = take(&mut candidate, "content") {
                let tp = format!("{cp}/content");
                let mut content = object(content, &tp)?;
                take(&mut content, "role");
                for (j, part) in take_array(&mut content, "parts").into_iter().enumerate() {
                    let pp = format!("{tp}/parts/{j}");
                    let piece = read_part(ctx, part, &pp, state.calls)?;
                    if let Some(thought) = piece.plain_thought() {
                        state.thought.get_or_insert_default().push_str(thought);
                        continue;
                    }
                    state.flush(&mut blocks);
                    match piece {
                        Piece::Text(piece, signature) => {
                            if state.calls > 0 && !piece.is_empty() {
                                ctx.approximated(
                                    &pp,
                                    "text after a function call moves before the tool calls",
                                );
                            }
                            text.get_or_insert_default().push_str(&piece);
                            if let Some(signature) = signature {
                                blocks
                                    .push(json!({"thoughtSignature": signature, "on": "content"}));
                            }
                        }
                        Piece::Kept(block) => blocks.push(block),
                        Piece::Call(mut call, signature) => {
                            if let Some(signature) = signature {
                                blocks.push(json!({"thoughtSignature": signature, "on": "tool_calls", "index": state.calls}));
                            }
                            call["index"] = json!(state.calls);
                            calls.push(call);
                            state.calls += 1;
                        }
                        Piece::Skip => {}
                    }
                }
                ctx.rest(&tp, content);
            }
            let reason = take_g(&mut candidate, "finishReason");
            if reason.is_some() {
                state.flush(&mut blocks);
            }
            let logprobs = match take_g(&mut candidate, "logprobsResult") {
                Some(logprobs) => {
                    take_g(&mut candidate, "avgLogprobs");
                    logprobs_to_chat(ctx, &format!("{cp}/logprobsResult"), logprobs)?
                }
                None => {
                    if take_g(&mut candidate, "avgLogprobs").is_some() {
                        ctx.dropped(
                            format!("{cp}/avgLogprobs"),
                            "Chat has per-token logprobs only",
                        );
                    }
                    Value::Null
                }
            };
            candidate_metadata(ctx, &mut candidate, &cp);
            ctx.rest(&cp, candidate);
            if let Some(text) = text {
                delta.insert("content".into(), json!(text));
            }
            if !calls.is_empty() {
                delta.insert("tool_calls".into(), Value::Array(calls));
            }
            if !blocks.is_empty() {
                let tagged = blocks
                    .into_iter()
                    .map(|b| reasoning::tag("gemini", b))
                    .collect();
                delta.insert(reasoning::FIELD.into(), Value::Array(tagged));
            }
            if !delta.is_empty() || !logprobs.is_null() {
                deltas.push(json!({"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": null}));
            }
            if let Some(reason) = reason {
                let finish = finish_to_chat(
                    ctx,
                    &format!("{cp}/finishReason"),
                    reason.as_str(),
                    state.calls > 0,
                );
                self.finished = true;
                finishes.push(
                    json!({"index": index, "delta": {}, "logprobs": null, "finish_reason": finish}),
                );
            }
        }
        let feedback_key = key_g(&event, "promptFeedback");
        if let Some(feedback) = take(&mut event, &feedback_key)
            && prompt_feedback(ctx, &ptr(&p, &feedback_key), feedback)?
            && self.candidates.is_empty()
        {
            self.candidates.insert(0, Candidate::default());
            self.finished = true;
            let mut choice = blocked_choice();
            if let Some(choice) = choice.as_object_mut() {
                let message = choice.shift_remove("message").unwrap_or_default();
                choice.insert("delta".into(), message);
            }
            deltas.push(choice);
        }
        ctx.rest(&p, event);
        let mut out = Vec::new();
        if !deltas.is_empty() {
            out.push(self.chunk(deltas)?);
        }
        if !finishes.is_empty() {
            out.push(self.chunk(finishes)?);
        }
        Ok(out)
    }

    fn close(&mut self, ctx: &mut Ctx<'_>) -> Result<Vec<ChatStreamEvent>, TranslateError> {
        let mut out = Vec::new();
        let mut pending = Vec::new();
        for (index, state) in &mut self.candidates {
            let mut blocks = Vec::new();
            state.flush(&mut blocks);
            if !blocks.is_empty() {
                let tagged: Vec<Value> = blocks
                    .into_iter()
                    .map(|b| reasoning::tag("gemini", b))
                    .collect();
                pending.push(json!({"index": index, "delta": {reasoning::FIELD: tagged}, "logprobs": null, "finish_reason": null}));
            }
        }
        if !pending.is_empty() {
            out.push(self.chunk(pending)?);
        }
        self.done = true;
        // A stream cut before any finish reason gets nothing more (the transport reports it
        // incomplete).
        if !self.finished {
            return Ok(out);
        }
        if self.include_usage {
            let (usage, tier) = match self.usage.take() {
                Some((pointer, usage)) => usage_to_chat(ctx, &pointer, usage)?,
                None => {
                    ctx.defaulted(
                        format!("/{}", self.seen),
                        "the upstream sent no usage metadata: zero counts sent",
                    );
                    (
                        json!({"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}),
                        None,
                    )
                }
            };
            let mut chunk = json!({
                "id": self.id.clone().unwrap_or(json!(DEFAULT_ID)),
                "object": "chat.completion.chunk",
                "created": self.opts.created,
                "model": self.model,
                "choices": [],
                "usage": usage,
            });
            if let Some(tier) = tier {
                chunk["service_tier"] = tier;
            }
            out.push(ChatStreamEvent::Chunk(Box::new(parse(chunk)?)));
        }
        out.push(ChatStreamEvent::Done);
        Ok(out)
    }
}

impl StreamTranslator for GeminiToChatStream {
    type In = GenerateContentResponse;
    type Out = ChatStreamEvent;

    fn push(
        &mut self,
        event: &GenerateContentResponse,
    ) -> Result<Vec<ChatStreamEvent>, TranslateError> {
        if self.done {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, CHAT);
        let out = self.step(&mut ctx, to_json(event)?)?;
        self.seen += 1;
        record(&opts, &mut self.losses, &mut self.reported, ctx.report())?;
        Ok(out)
    }

    /// Gemini streams have no end event: the end of the body ends them. The usage chunk and
    /// `[DONE]` are sent here, once some candidate finished.
    fn finish(&mut self) -> Result<Vec<ChatStreamEvent>, TranslateError> {
        if self.done {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, CHAT);
        let out = self.close(&mut ctx)?;
        record(&opts, &mut self.losses, &mut self.reported, ctx.report())?;
        Ok(out)
    }

    fn losses(&self) -> &LossReport {
        &self.losses
    }
}

/// A tool call being assembled from its fragments.
#[derive(Debug, Default)]
struct PendingCall {
    id: Option<Value>,
    name: String,
    arguments: String,
    pointer: String,
}

/// Chat chunks → Gemini chunks (a Gemini client, an OpenAI upstream): text and reasoning
/// deltas as text and thought parts as they come; tool call fragments assembled by index and
/// sent as one `functionCall` part each, in order, with the choice's finish reason; the
/// usage on the last chunk.
#[derive(Debug)]
pub struct ChatToGeminiStream {
    opts: Options,
    losses: LossReport,
    reported: Reported,
    id: Option<Value>,
    model: Option<Value>,
    tier: Option<String>,
    /// Tool calls being assembled, by (choice index, tool call index).
    calls: BTreeMap<(u64, u64), PendingCall>,
    /// The last chunk with a finish reason, held back to carry the usage.
    held: Option<Map<String, Value>>,
    usage: Option<(String, Value)>,
    closed: bool,
    seen: usize,
}

impl ChatToGeminiStream {
    pub fn new(opts: &Options) -> Self {
        ChatToGeminiStream {
            opts: opts.clone(),
            losses: LossReport::default(),
            reported: Reported::new(),
            id: None,
            model: None,
            tier: None,
            calls: BTreeMap::new(),
            held: None,
            usage: None,
            closed: false,
            seen: 0,
        }
    }

    fn chunk(&self, candidates: Vec<Value>) -> Map<String, Value> {
        let mut chunk = Map::new();
        chunk.insert("candidates".into(), Value::Array(candidates));
        if let Some(model) = &self.model {
            chunk.insert("modelVersion".into(), model.clone());
        }
        if let Some(id) = &self.id {
            chunk.insert("responseId".into(), id.clone());
        }
        chunk
    }

    /// The assembled calls of `choice`, as `functionCall` parts in index order.
    fn take_calls(&mut self, ctx: &mut Ctx<'_>, choice: u64) -> Result<Vec<Value>, TranslateError> {
        let keys: Vec<(u64, u64)> = self
            .calls
            .range((choice, 0)..=(choice, u64::MAX))
            .map(|(key, _)| *key)
            .collect();
        let mut parts = Vec::new();
        for key in keys {
            let Some(call) = self.calls.remove(&key) else {
                continue;
            };
            let mut chat = json!({"type": "function", "function": {"name": call.name, "arguments": call.arguments}});
            if let Some(id) = call.id {
                chat["id"] = id;
            }
            parts.extend(call_part(ctx, chat, &call.pointer)?);
        }
        Ok(parts)
    }

    /// Ends the stream: calls of unfinished choices, then the last chunk with the usage.
    fn close(&mut self, ctx: &mut Ctx<'_>) -> Result<Vec<Value>, TranslateError> {
        let mut out = Vec::new();
        self.closed = true;
        let choices: Vec<u64> = self.calls.keys().map(|(choice, _)| *choice).collect();
        let mut candidates = Vec::new();
        for choice in choices {
            let parts = self.take_calls(ctx, choice)?;
            if !parts.is_empty() {
                candidates
                    .push(json!({"content": {"role": "model", "parts": parts}, "index": choice}));
            }
        }
        let mut last = self.held.take();
        if !candidates.is_empty() {
            out.extend(last.take().map(Value::Object));
            last = Some(self.chunk(candidates));
        }
        if let Some((pointer, usage)) = self.usage.take() {
            let tier = self.tier.take();
            let tier =
                tier.and_then(|t| tier_to_gemini(ctx, &format!("/{}/service_tier", self.seen), &t));
            let usage = usage_to_gemini(ctx, &pointer, usage, tier)?;
            last.get_or_insert_with(|| self.chunk(Vec::new()))
                .insert("usageMetadata".into(), usage);
        }
        out.extend(last.map(Value::Object));
        Ok(out)
    }

    fn step(
        &mut self,
        ctx: &mut Ctx<'_>,
        event: &ChatStreamEvent,
    ) -> Result<Vec<Value>, TranslateError> {
        let p = format!("/{}", self.seen);
        let chunk = match event {
            ChatStreamEvent::Done => return self.close(ctx),
            ChatStreamEvent::Error(body) => {
                let mut out: Vec<Value> = self.held.take().map(Value::Object).into_iter().collect();
                let translated = crate::errors::openai_to_gemini(500, body, &self.opts)?;
                ctx.absorb(translated.body.losses);
                out.push(to_json(&translated.body.value)?);
                self.closed = true;
                return Ok(out);
            }
            ChatStreamEvent::Chunk(chunk) => chunk,
        };
        let mut chunk = object(to_json(chunk)?, &p)?;
        if let Some(id) = take(&mut chunk, "id")
            && self.id.is_none()
        {
            self.id = Some(id);
        }
        if let Some(model) = take(&mut chunk, "model") {
            self.model = Some(model);
        }
        for key in ["object", "created", "system_fingerprint", "obfuscation"] {
            take(&mut chunk, key);
        }
        if let Some(tier) = take_str(&mut chunk, "service_tier") {
            self.tier = Some(tier);
        }
        let mut candidates = Vec::new();
        let mut finished = false;
        for (c, choice) in take_array(&mut chunk, "choices").into_iter().enumerate() {
            let cp = format!("{p}/choices/{c}");
            let mut choice = object(choice, &cp)?;
            let index = take(&mut choice, "index")
                .and_then(|i| i.as_u64())
                .unwrap_or(0);
            let mut parts = Vec::new();
            let dp = format!("{cp}/delta");
            let mut delta = object(take(&mut choice, "delta").unwrap_or(json!({})), &dp)?;
            take(&mut delta, "role");
            for field in ["reasoning_content", "reasoning"] {
                if let Some(Value::String(text)) = take(&mut delta, field)
                    && !text.is_empty()
                {
                    parts.push(json!({"text": text, "thought": true}));
                }
            }
            if let Some(Value::String(text)) = take(&mut delta, "content")
                && !text.is_empty()
            {
                parts.push(json!({ "text": text }));
            }
            if let Some(Value::String(text)) = take(&mut delta, "refusal")
                && !text.is_empty()
            {
                ctx.approximated(format!("{dp}/refusal"), "a refusal becomes text");
                parts.push(json!({ "text": text }));
            }
            if take(&mut delta, reasoning::FIELD).is_some() {
                ctx.dropped(
                    format!("{dp}/{}", reasoning::FIELD),
                    "tagged reasoning in an upstream stream is not restored",
                );
            }
            let mut fragments: Vec<(u64, Value, String)> = Vec::new();
            for (t, call) in take_array(&mut delta, "tool_calls").into_iter().enumerate() {
                let tp = format!("{dp}/tool_calls/{t}");
                let mut call = object(call, &tp)?;
                let at = take(&mut call, "index")
                    .and_then(|i| i.as_u64())
                    .unwrap_or(0);
                fragments.push((at, Value::Object(call), tp));
            }
            if let Some(call) = take(&mut delta, "function_call") {
                fragments.push((
                    0,
                    json!({ "function": call }),
                    format!("{dp}/function_call"),
                ));
            }
            for (at, call, tp) in fragments {
                let mut call = object(call, &tp)?;
                let slot = self.calls.entry((index, at)).or_default();
                if slot.pointer.is_empty() {
                    slot.pointer.clone_from(&tp);
                }
                if let Some(id) = take(&mut call, "id") {
                    slot.id = Some(id);
                }
                if take_str(&mut call, "type").is_some_and(|t| t != "function") {
                    ctx.dropped(&tp, "only function tool calls map to Gemini function calls");
                }
                if let Some(Value::Object(mut function)) = take(&mut call, "function") {
                    // A name comes whole (some providers repeat it in every chunk).
                    if let Some(name) = take_str(&mut function, "name") {
                        slot.name = name;
                    }
                    if let Some(piece) = take_str(&mut function, "arguments") {
                        slot.arguments.push_str(&piece);
                    }
                    ctx.rest(&format!("{tp}/function"), function);
                }
                ctx.rest(&tp, call);
            }
            ctx.rest(&dp, delta);
            let mut candidate = Map::new();
            let reason = take_str(&mut choice, "finish_reason");
            if reason.is_some() {
                parts.extend(self.take_calls(ctx, index)?);
            }
            if !parts.is_empty() {
                candidate.insert("content".into(), json!({"role": "model", "parts": parts}));
            }
            let finish = finish_to_gemini(ctx, &format!("{cp}/finish_reason"), reason.as_deref());
            if !finish.is_null() {
                finished = true;
                candidate.insert("finishReason".into(), finish);
            }
            if let Some(logprobs) = take(&mut choice, "logprobs") {
                let logprobs = logprobs_to_gemini(ctx, &format!("{cp}/logprobs"), logprobs)?;
                candidate.insert("logprobsResult".into(), logprobs);
            }
            ctx.rest(&cp, choice);
            if !candidate.is_empty() {
                candidate.insert("index".into(), json!(index));
                candidates.push(Value::Object(candidate));
            }
        }
        if let Some(usage) = take(&mut chunk, "usage") {
            self.usage = Some((format!("{p}/usage"), usage));
        }
        ctx.rest(&p, chunk);
        let mut out = Vec::new();
        if !candidates.is_empty() {
            out.extend(self.held.take().map(Value::Object));
            let chunk = self.chunk(candidates);
            if finished {
                self.held = Some(chunk);
            } else {
                out.push(Value::Object(chunk));
            }
        }
        Ok(out)
    }
}

impl StreamTranslator for ChatToGeminiStream {
    type In = ChatStreamEvent;
    type Out = GenerateContentResponse;

    fn push(
        &mut self,
        event: &ChatStreamEvent,
    ) -> Result<Vec<GenerateContentResponse>, TranslateError> {
        if self.closed {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, GEMINI);
        let out = self.step(&mut ctx, event)?;
        self.seen += 1;
        record(&opts, &mut self.losses, &mut self.reported, ctx.report())?;
        out.into_iter().map(parse).collect()
    }

    /// A stream that ended without `[DONE]` is closed as if it had one.
    fn finish(&mut self) -> Result<Vec<GenerateContentResponse>, TranslateError> {
        if self.closed {
            return Ok(Vec::new());
        }
        let opts = self.opts.clone();
        let mut ctx = Ctx::new(&opts, GEMINI);
        let out = self.close(&mut ctx)?;
        record(&opts, &mut self.losses, &mut self.reported, ctx.report())?;
        out.into_iter().map(parse).collect()
    }

    fn losses(&self) -> &LossReport {
        &self.losses
    }
}
