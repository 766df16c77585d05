//! generateContent response ↔ Messages response.

use super::common::{
    ANTHROPIC, GEMINI, Piece, call_id, candidate_extra, finish_reason, gptr, gtake, response_part,
    stop_reason, usage_to_anthropic, usage_to_gemini, worth_reporting,
};
use crate::ctx::{Ctx, object, ptr, take, take_array, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use aigw_anthropic::Message;
use aigw_gemini::GenerateContentResponse;
use serde_json::{Map, Value, json};

/// The Anthropic message id for a Gemini `responseId` (and back: [`response_id`]).
pub(super) fn message_id(response_id: &str) -> String {
    if response_id.is_empty() {
        "msg_gemini".to_owned()
    } else {
        format!("msg_{response_id}")
    }
}

/// The Gemini `responseId` for an Anthropic message id.
pub(super) fn response_id(message_id: &str) -> String {
    message_id
        .strip_prefix("msg_")
        .unwrap_or(message_id)
        .to_owned()
}

/// Anthropic content blocks from Gemini parts: consecutive text (or thought) parts make one
/// block, as in the stream translation; each function call one `tool_use` block.
#[derive(Debug)]
pub(super) struct Blocks {
    pub blocks: Vec<Value>,
    pub calls: usize,
    response_id: String,
}

impl Blocks {
    pub fn new(response_id: &str) -> Self {
        Blocks {
            blocks: Vec::new(),
            calls: 0,
            response_id: response_id.to_owned(),
        }
    }

    fn append(&mut self, kind: &str, field: &str, text: String) {
        if text.is_empty() {
            return;
        }
        if let Some(last) = self.blocks.last_mut()
            && last["type"] == kind
            && let Some(Value::String(existing)) = last.get_mut(field)
        {
            existing.push_str(&text);
            return;
        }
        let mut block = json!({"type": kind, field: text});
        if kind == "thinking" {
            // Anthropic requires the field; the Gemini signature is never forwarded.
            block["signature"] = json!("");
        }
        self.blocks.push(block);
    }

    /// The id of the next function call: its own, else made up from the response id.
    pub fn next_call_id(&mut self, id: Option<String>) -> String {
        let n = self.calls;
        self.calls += 1;
        id.unwrap_or_else(|| call_id(&self.response_id, n))
    }

    pub fn push(&mut self, piece: Piece) {
        match piece {
            Piece::Text(text) => self.append("text", "text", text),
            Piece::Thought(text) => self.append("thinking", "thinking", text),
            Piece::Call { id, name, args } => {
                let id = self.next_call_id(id);
                self.blocks
                    .push(json!({"type": "tool_use", "id": id, "name": name, "input": args}));
            }
        }
    }
}

/// Reports (or consumes) the candidate fields Anthropic has no place for.
pub(super) fn candidate_rest(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    candidate: Map<String, Value>,
    once: &mut dyn FnMut(&str) -> bool,
) {
    let mut rest = Map::new();
    for (key, value) in candidate {
        match candidate_extra(&key) {
            Some(reason) => {
                if worth_reporting(&value) && once(&key) {
                    ctx.dropped(ptr(pointer, &key), reason);
                }
            }
            None if key == "tokenCount" || key == "token_count" => {}
            None => {
                rest.insert(key, value);
            }
        }
    }
    ctx.rest(pointer, rest);
}

/// A blocked prompt (`promptFeedback.blockReason`) makes the stop reason `refusal`.
pub(super) fn prompt_feedback(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    feedback: Value,
) -> Result<bool, TranslateError> {
    let mut feedback = object(feedback, pointer)?;
    let block_key = gptr(&feedback, pointer, "blockReason");
    let blocked = gtake(&mut feedback, "blockReason").is_some();
    if blocked {
        ctx.approximated(
            block_key,
            "a blocked prompt becomes an empty message with stop reason refusal",
        );
    }
    let ratings_key = gptr(&feedback, pointer, "safetyRatings");
    if let Some(ratings) = gtake(&mut feedback, "safetyRatings")
        && worth_reporting(&ratings)
    {
        ctx.dropped(ratings_key, "Anthropic messages have no safety ratings");
    }
    ctx.rest(pointer, feedback);
    Ok(blocked)
}

/// A Gemini response as an Anthropic `Message` (an Anthropic client, a Gemini upstream).
/// `model` is the one the client asked for (Gemini's `modelVersion` when empty). Only
/// candidate 0 is kept; a response without a finish reason gets `end_turn` (reported).
pub fn gemini_response_to_message(
    response: &GenerateContentResponse,
    model: &str,
    opts: &Options,
) -> Result<Translated<Message>, TranslateError> {
    let mut src = object(to_json(response)?, "")?;
    let mut ctx = Ctx::new(opts, ANTHROPIC);
    let rid = gtake(&mut src, "responseId")
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let version = gtake(&mut src, "modelVersion")
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let model = if model.is_empty() {
        version
    } else {
        model.to_owned()
    };
    let mut blocks = Blocks::new(&rid);
    let mut finish: Option<(String, String)> = None;
    for (c, candidate) in take_array(&mut src, "candidates").into_iter().enumerate() {
        let p = format!("/candidates/{c}");
        let mut candidate = object(candidate, &p)?;
        let index = take(&mut candidate, "index")
            .and_then(|i| i.as_u64())
            .unwrap_or(c as u64);
        if index != 0 {
            ctx.dropped(&p, "Anthropic returns one message");
            continue;
        }
        let finish_key = gptr(&candidate, &p, "finishReason");
        if let Some(Value::String(reason)) = gtake(&mut candidate, "finishReason") {
            finish = Some((finish_key, reason));
        }
        if let Some(content) = take(&mut candidate, "content") {
            let cp = format!("{p}/content");
            let mut content = object(content, &cp)?;
            take(&mut content, "role");
            for (j, part) in take_array(&mut content, "parts").into_iter().enumerate() {
                if let Some(piece) = response_part(&mut ctx, part, &format!("{cp}/parts/{j}"))? {
                    blocks.push(piece);
                }
            }
            ctx.rest(&cp, content);
        }
        candidate_rest(&mut ctx, &p, candidate, &mut |_| true);
    }
    let feedback_key = gptr(&src, "", "promptFeedback");
    let blocked = match gtake(&mut src, "promptFeedback") {
        Some(feedback) => prompt_feedback(&mut ctx, &feedback_key, feedback)?,
        None => false,
    };
    let called = blocks.calls > 0;
    let stop = match finish {
        Some((pointer, reason)) => stop_reason(&mut ctx, &pointer, Some(&reason), called),
        None if blocked => json!("refusal"),
        None => {
            ctx.defaulted(
                "/candidates",
                "Anthropic messages have a stop reason; the response has no finish reason: end_turn",
            );
            json!(if called { "tool_use" } else { "end_turn" })
        }
    };
    let usage_key = gptr(&src, "", "usageMetadata");
    let usage = match gtake(&mut src, "usageMetadata") {
        Some(usage) => usage_to_anthropic(&mut ctx, &usage_key, usage)?,
        None => {
            ctx.defaulted(
                "/usageMetadata",
                "Anthropic messages always carry usage: zero counts sent",
            );
            json!({"input_tokens": 0, "output_tokens": 0})
        }
    };
    ctx.rest("", src);
    ctx.finish(json!({
        "id": message_id(&rid),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks.blocks,
        "stop_reason": stop,
        "stop_sequence": null,
        "usage": usage,
    }))
}

/// One Anthropic response block as a Gemini part (`None`: dropped, reported). `thinking` is
/// set when the block is thinking.
pub(super) fn block_to_part(
    ctx: &mut Ctx<'_>,
    block: Value,
    p: &str,
    thinking: &mut bool,
) -> Result<Option<Value>, TranslateError> {
    let mut block = object(block, p)?;
    let part = match take_str(&mut block, "type").as_deref() {
        Some("text") => {
            if let Some(citations) = take(&mut block, "citations")
                && worth_reporting(&citations)
            {
                ctx.dropped(format!("{p}/citations"), "Gemini parts have no citations");
            }
            Some(json!({"text": take(&mut block, "text").unwrap_or(json!(""))}))
        }
        Some("thinking") => {
            *thinking = true;
            if take_str(&mut block, "signature").is_some_and(|s| !s.is_empty()) {
                ctx.dropped(
                    format!("{p}/signature"),
                    "an Anthropic thinking signature is only sent back to Anthropic",
                );
            }
            match take_str(&mut block, "thinking") {
                Some(text) if !text.is_empty() => Some(json!({"text": text, "thought": true})),
                _ => None,
            }
        }
        Some("redacted_thinking") => {
            *thinking = true;
            take(&mut block, "data");
            ctx.dropped(p, "redacted thinking is only sent back to Anthropic");
            None
        }
        Some("tool_use") => {
            if let Some(caller) = take(&mut block, "caller")
                && caller.get("type").and_then(Value::as_str) != Some("direct")
            {
                ctx.dropped(
                    format!("{p}/caller"),
                    "Gemini function calls are always made by the model directly",
                );
            }
            let id = take(&mut block, "id").unwrap_or(json!(""));
            let name = take(&mut block, "name").unwrap_or(json!(""));
            let args = match take(&mut block, "input") {
                Some(input @ Value::Object(_)) => input,
                Some(_) => {
                    ctx.approximated(
                        format!("{p}/input"),
                        "Gemini function arguments are an object: sent {}",
                    );
                    json!({})
                }
                None => json!({}),
            };
            Some(json!({"functionCall": {"id": id, "name": name, "args": args}}))
        }
        other => {
            ctx.dropped(
                p,
                format!(
                    "{} blocks have no Gemini equivalent",
                    other.unwrap_or("untyped")
                ),
            );
            return Ok(None);
        }
    };
    ctx.rest(p, block);
    Ok(part)
}

/// An Anthropic `Message` as a Gemini response (a Gemini client, an Anthropic upstream).
pub fn message_to_gemini_response(
    message: &Message,
    opts: &Options,
) -> Result<Translated<GenerateContentResponse>, TranslateError> {
    let mut src = object(to_json(message)?, "")?;
    let mut ctx = Ctx::new(opts, GEMINI);
    take(&mut src, "type");
    take(&mut src, "role");
    let id = take_str(&mut src, "id").unwrap_or_default();
    let model = take(&mut src, "model").unwrap_or(json!(""));
    let mut thinking = false;
    let mut parts = Vec::new();
    for (j, block) in take_array(&mut src, "content").into_iter().enumerate() {
        parts.extend(block_to_part(
            &mut ctx,
            block,
            &format!("/content/{j}"),
            &mut thinking,
        )?);
    }
    let stop = take_str(&mut src, "stop_reason");
    let finish = finish_reason(&mut ctx, "/stop_reason", stop.as_deref());
    if take(&mut src, "stop_sequence").is_some() {
        ctx.dropped(
            "/stop_sequence",
            "Gemini does not say which stop sequence matched",
        );
    }
    if take(&mut src, "stop_details").is_some() {
        ctx.dropped("/stop_details", "Gemini has no refusal details");
    }
    let mut candidate = json!({"content": {"role": "model", "parts": parts}, "index": 0});
    if !finish.is_null() {
        candidate["finishReason"] = finish;
    }
    let mut out = json!({"candidates": [candidate]});
    if let Some(usage) = take(&mut src, "usage") {
        out["usageMetadata"] = usage_to_gemini(&mut ctx, "/usage", usage, thinking)?;
    }
    out["modelVersion"] = model;
    out["responseId"] = json!(response_id(&id));
    ctx.rest("", src);
    ctx.finish(out)
}
