//! generateContent response ↔ Chat Completions response, and the pieces requests, responses
//! and streams share.
//!
//! **Thoughts and thought signatures.** Chat has no place for Gemini thoughts (`thought:
//! true` parts) or thought signatures, so toward a Chat client they travel in the tagged
//! reasoning field ([`reasoning::FIELD`]) of the assistant message, tagged `gemini`, and come
//! back only toward Gemini. A block is one of:
//! - a Gemini part of which Chat carries nothing, verbatim: a thought
//!   (`{"thought": true, "text": …, "thoughtSignature"?: …}`), put back before the answer text,
//!   or a part that only carries a signature (`{"text": "", "thoughtSignature": …}`, how
//!   streams end), put back after it;
//! - `{"thoughtSignature": …, "on": "content"}`: the signature of an answer text part, put back
//!   on the text;
//! - `{"thoughtSignature": …, "on": "tool_calls", "index": j}`: the signature of the function
//!   call that became tool call `j` (Gemini 3 requires it back on that call).
//!
//! **Tool call ids.** Gemini function calls may carry an `id` (and then it is kept both ways).
//! A call without one gets `call_<j>`, `j` being the position of the call in its turn, so the
//! same call gets the same id in every translation (response, stream, later request);
//! synthesized ids are not reported as losses.

use super::request::assistant_parts;
use crate::ctx::{Ctx, object, ptr, take, take_array, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use crate::reasoning;
use aigw_gemini::GenerateContentResponse;
use aigw_openai::CreateChatCompletionResponse;
use serde_json::{Map, Value, json};

pub(super) const GEMINI: &str = "Gemini generateContent";
pub(super) const CHAT: &str = "OpenAI Chat Completions";

/// The id of a Chat completion made from a Gemini response without `responseId`.
pub(super) const DEFAULT_ID: &str = "chatcmpl-gemini";

fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The key under which `map` has the Gemini field `camel`: its wire spelling, or the
/// snake_case spelling the API also accepts (and clients send); `camel` when it has neither.
pub(super) fn key_g(map: &Map<String, Value>, camel: &str) -> String {
    if !map.contains_key(camel) {
        let snake = snake_case(camel);
        if map.contains_key(&snake) {
            return snake;
        }
    }
    camel.to_owned()
}

/// Takes a Gemini field in either spelling (see [`key_g`]).
pub(super) fn take_g(map: &mut Map<String, Value>, camel: &str) -> Option<Value> {
    let key = key_g(map, camel);
    take(map, &key)
}

/// Model parts from Chat text and function call parts and the Gemini blocks of the tagged
/// reasoning field, each block put back where it came from (see the module documentation).
pub(super) fn restore_model_parts(
    ctx: &mut Ctx<'_>,
    blocks: Vec<Value>,
    mut texts: Vec<Value>,
    mut calls: Vec<Value>,
    pointer: &str,
) -> Vec<Value> {
    let mut before = Vec::new();
    let mut after = Vec::new();
    for block in blocks {
        let Value::Object(mut block) = block else {
            ctx.dropped(pointer, "a Gemini reasoning block that is not a part");
            continue;
        };
        let on = take_str(&mut block, "on");
        let index = take(&mut block, "index").and_then(|i| i.as_u64());
        let signature = block.get("thoughtSignature").cloned();
        let slot = match (on.as_deref(), signature) {
            (None, _) => {
                if block.get("thought") == Some(&json!(true)) {
                    before.push(Value::Object(block));
                } else {
                    after.push(Value::Object(block));
                }
                continue;
            }
            (Some("content"), Some(signature)) => texts
                .iter_mut()
                .find(|t| t.get("thoughtSignature").is_none())
                .map(|t| (t, signature)),
            (Some("tool_calls"), Some(signature)) => index
                .and_then(|i| calls.get_mut(usize::try_from(i).ok()?))
                .filter(|c| c.get("thoughtSignature").is_none())
                .map(|c| (c, signature)),
            _ => None,
        };
        match slot {
            Some((part, signature)) => part["thoughtSignature"] = signature,
            None => ctx.dropped(
                pointer,
                format!(
                    "a thought signature for {} that is not in the message",
                    on.as_deref().unwrap_or("a part")
                ),
            ),
        }
    }
    before.extend(texts);
    before.extend(after);
    before.extend(calls);
    before
}

/// One Gemini response part, read for a Chat client.
#[derive(Debug)]
pub(super) enum Piece {
    /// Answer text and the part's signature.
    Text(String, Option<Value>),
    /// A part Chat carries nothing of (a thought, a signature alone), kept verbatim.
    Kept(Value),
    /// A function call as a Chat tool call (no stream index) and the part's signature.
    Call(Value, Option<Value>),
    /// Nothing Chat can carry (reported).
    Skip,
}

impl Piece {
    /// A thought with text and nothing else: consecutive ones are one part once a Gemini
    /// stream is accumulated.
    pub(super) fn plain_thought(&self) -> Option<&str> {
        match self {
            Piece::Kept(Value::Object(block))
                if block.len() == 2 && block.get("thought") == Some(&json!(true)) =>
            {
                block.get("text").and_then(Value::as_str)
            }
            _ => None,
        }
    }
}

/// A Gemini `functionCall` as a Chat tool call; `position` is its place among the calls of
/// its turn (for the id of a call without one).
pub(super) fn chat_call(
    ctx: &mut Ctx<'_>,
    call: Value,
    cp: &str,
    position: usize,
) -> Result<Value, TranslateError> {
    let mut call = object(call, cp)?;
    let id = take_str(&mut call, "id").unwrap_or_else(|| format!("call_{position}"));
    let name = take(&mut call, "name").unwrap_or(json!(""));
    let args = take(&mut call, "args").unwrap_or(json!({}));
    ctx.rest(cp, call);
    Ok(
        json!({"id": id, "type": "function", "function": {"name": name, "arguments": args.to_string()}}),
    )
}

/// Reads one part of a Gemini response candidate; `calls` is the number of calls before it.
pub(super) fn read_part(
    ctx: &mut Ctx<'_>,
    part: Value,
    p: &str,
    calls: usize,
) -> Result<Piece, TranslateError> {
    let mut part = object(part, p)?;
    let signature = take_g(&mut part, "thoughtSignature");
    let thought = take(&mut part, "thought") == Some(json!(true));
    let call_key = key_g(&part, "functionCall");
    if let Some(call) = take(&mut part, &call_key) {
        let call = chat_call(ctx, call, &ptr(p, &call_key), calls)?;
        ctx.rest(p, part);
        return Ok(Piece::Call(call, signature));
    }
    let text = take(&mut part, "text");
    if thought {
        let mut block = Map::new();
        block.insert("thought".into(), json!(true));
        if let Some(text) = text {
            block.insert("text".into(), text);
        }
        if let Some(signature) = signature {
            block.insert("thoughtSignature".into(), signature);
        }
        ctx.rest(p, part);
        return Ok(Piece::Kept(Value::Object(block)));
    }
    match (text, signature) {
        (Some(Value::String(text)), signature) if !text.is_empty() || signature.is_none() => {
            ctx.rest(p, part);
            Ok(Piece::Text(text, signature))
        }
        (text, Some(signature)) if part.is_empty() => {
            let mut block = Map::new();
            if let Some(text) = text {
                block.insert("text".into(), text);
            }
            block.insert("thoughtSignature".into(), signature);
            Ok(Piece::Kept(Value::Object(block)))
        }
        (text, _) => {
            let what = part.keys().next().cloned().unwrap_or_else(|| {
                if text.is_some() {
                    "text".into()
                } else {
                    "empty".into()
                }
            });
            let reason = match what.as_str() {
                "executableCode" | "codeExecutionResult" => {
                    "code execution runs only on Gemini; Chat has no place for its parts".to_owned()
                }
                "toolCall" | "toolResponse" => {
                    "Gemini's server-side tool invocations have no Chat equivalent".to_owned()
                }
                "inlineData" | "fileData" => "Chat assistant messages carry no media".to_owned(),
                other => format!("{other} parts have no Chat equivalent"),
            };
            ctx.dropped(p, reason);
            Ok(Piece::Skip)
        }
    }
}

/// Gemini `finishReason` → Chat `finish_reason` (`tool_calls` when the turn has calls).
pub(super) fn finish_to_chat(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    reason: Option<&str>,
    calls: bool,
) -> Value {
    match reason {
        None => Value::Null,
        Some("STOP") if calls => json!("tool_calls"),
        Some("STOP") => json!("stop"),
        Some("MAX_TOKENS") => json!("length"),
        Some("SAFETY") => json!("content_filter"),
        Some(
            other @ ("RECITATION"
            | "BLOCKLIST"
            | "PROHIBITED_CONTENT"
            | "SPII"
            | "IMAGE_SAFETY"
            | "IMAGE_PROHIBITED_CONTENT"
            | "IMAGE_RECITATION"
            | "LANGUAGE"),
        ) => {
            ctx.approximated(
                pointer,
                format!("finish reason {other} becomes content_filter"),
            );
            json!("content_filter")
        }
        Some(other) => {
            ctx.approximated(pointer, format!("finish reason {other} becomes stop"));
            json!(if calls { "tool_calls" } else { "stop" })
        }
    }
}

/// Chat `finish_reason` → Gemini `finishReason`.
pub(super) fn finish_to_gemini(ctx: &mut Ctx<'_>, pointer: &str, reason: Option<&str>) -> Value {
    match reason {
        None => Value::Null,
        Some("stop" | "tool_calls" | "function_call") => json!("STOP"),
        Some("length") => json!("MAX_TOKENS"),
        Some("content_filter") => json!("SAFETY"),
        Some(other) => {
            ctx.approximated(pointer, format!("finish reason {other:?} becomes STOP"));
            json!("STOP")
        }
    }
}

/// Gemini service tier → Chat service tier.
pub(super) fn tier_to_chat(ctx: &mut Ctx<'_>, pointer: &str, tier: &str) -> Option<Value> {
    match tier {
        "standard" => Some(json!("default")),
        "flex" | "priority" => Some(json!(tier)),
        "unspecified" => None,
        other => {
            ctx.dropped(pointer, format!("Chat has no {other:?} service tier"));
            None
        }
    }
}

/// Chat service tier → Gemini service tier.
pub(super) fn tier_to_gemini(ctx: &mut Ctx<'_>, pointer: &str, tier: &str) -> Option<Value> {
    match tier {
        "default" => Some(json!("standard")),
        "flex" | "priority" => Some(json!(tier)),
        "auto" => None,
        other => {
            ctx.dropped(pointer, format!("Gemini has no {other:?} service tier"));
            None
        }
    }
}

fn count(value: Option<Value>) -> u64 {
    value.and_then(|v| v.as_u64()).unwrap_or(0)
}

/// A Gemini per-modality breakdown as Chat detail counts (`TEXT` → `text_tokens`, …, for the
/// modalities in `fields`); counts of other modalities are reported.
fn modality_counts(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    details: Vec<Value>,
    fields: &[(&str, &str)],
) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, item) in details.into_iter().enumerate() {
        let modality = item.get("modality").and_then(Value::as_str).unwrap_or("");
        let tokens = item.get("tokenCount").and_then(Value::as_u64).unwrap_or(0);
        match fields.iter().find(|(m, _)| *m == modality) {
            Some((_, field)) => {
                let sum = out.get(*field).and_then(Value::as_u64).unwrap_or(0) + tokens;
                out.insert((*field).to_owned(), json!(sum));
            }
            None if tokens == 0 => {}
            None => ctx.dropped(
                format!("{pointer}/{k}"),
                format!("Chat has no {modality} token count here"),
            ),
        }
    }
    out
}

const PROMPT_MODALITIES: &[(&str, &str)] = &[
    ("TEXT", "text_tokens"),
    ("IMAGE", "image_tokens"),
    ("AUDIO", "audio_tokens"),
];
const COMPLETION_MODALITIES: &[(&str, &str)] =
    &[("TEXT", "text_tokens"), ("AUDIO", "audio_tokens")];

/// Gemini `usageMetadata` → Chat usage and service tier. Thought tokens count as completion
/// tokens (and reasoning tokens), as OpenAI counts them; tool-use prompt tokens count as
/// prompt tokens; per-modality counts become Chat's text/image/audio token details.
pub(super) fn usage_to_chat(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    usage: Value,
) -> Result<(Value, Option<Value>), TranslateError> {
    let mut usage = object(usage, pointer)?;
    let mut prompt = count(take_g(&mut usage, "promptTokenCount"));
    let candidates = count(take_g(&mut usage, "candidatesTokenCount"));
    let thoughts = count(take_g(&mut usage, "thoughtsTokenCount"));
    let cached = count(take_g(&mut usage, "cachedContentTokenCount"));
    let total = take_g(&mut usage, "totalTokenCount").and_then(|t| t.as_u64());
    let tool_key = key_g(&usage, "toolUsePromptTokenCount");
    let tool_use = count(take(&mut usage, &tool_key));
    if tool_use > 0 {
        ctx.approximated(
            ptr(pointer, &tool_key),
            "tool-use prompt tokens are counted in prompt_tokens; Chat has no separate count",
        );
        prompt += tool_use;
    }
    take_g(&mut usage, "toolUsePromptTokensDetails");
    let details =
        |ctx: &mut Ctx<'_>, usage: &mut Map<String, Value>, key: &str, fields: &[(&str, &str)]| {
            let key = key_g(usage, key);
            let list = take_array(usage, &key);
            modality_counts(ctx, &ptr(pointer, &key), list, fields)
        };
    let mut prompt_details = details(ctx, &mut usage, "promptTokensDetails", PROMPT_MODALITIES);
    let mut completion_details = details(
        ctx,
        &mut usage,
        "candidatesTokensDetails",
        COMPLETION_MODALITIES,
    );
    // A breakdown of the cached tokens, which Chat counts as a whole.
    details(
        ctx,
        &mut usage,
        "cacheTokensDetails",
        &[("TEXT", "text_tokens")],
    );
    let tier_key = key_g(&usage, "serviceTier");
    let tier = take_str(&mut usage, &tier_key)
        .and_then(|tier| tier_to_chat(ctx, &ptr(pointer, &tier_key), &tier));
    ctx.rest(pointer, usage);
    let completion = candidates + thoughts;
    prompt_details.insert("cached_tokens".into(), json!(cached));
    completion_details.insert("reasoning_tokens".into(), json!(thoughts));
    let usage = json!({
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": total.unwrap_or(prompt + completion),
        "prompt_tokens_details": prompt_details,
        "completion_tokens_details": completion_details,
    });
    Ok((usage, tier))
}

/// Chat usage (and service tier) → Gemini `usageMetadata`.
pub(super) fn usage_to_gemini(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    usage: Value,
    tier: Option<Value>,
) -> Result<Value, TranslateError> {
    let mut usage = object(usage, pointer)?;
    let prompt = count(take(&mut usage, "prompt_tokens"));
    let completion = count(take(&mut usage, "completion_tokens"));
    let total = take(&mut usage, "total_tokens").and_then(|t| t.as_u64());
    let mut cached = 0;
    let mut reasoning = 0;
    let mut breakdowns = Vec::new();
    for (key, counted, fields) in [
        ("prompt_tokens_details", "cached_tokens", PROMPT_MODALITIES),
        (
            "completion_tokens_details",
            "reasoning_tokens",
            COMPLETION_MODALITIES,
        ),
    ] {
        let dp = ptr(pointer, key);
        let mut list = Vec::new();
        if let Some(Value::Object(mut details)) = take(&mut usage, key) {
            let n = count(take(&mut details, counted));
            if key == "prompt_tokens_details" {
                cached = n;
            } else {
                reasoning = n;
            }
            for (modality, field) in fields {
                let tokens = count(take(&mut details, field));
                if tokens > 0 {
                    list.push(json!({"modality": modality, "tokenCount": tokens}));
                }
            }
            for (field, value) in details {
                if value.as_u64().is_some_and(|n| n > 0) {
                    ctx.dropped(
                        ptr(&dp, &field),
                        format!("Gemini usage has no {field} count"),
                    );
                }
            }
        }
        breakdowns.push(list);
    }
    ctx.rest(pointer, usage);
    let mut out = json!({
        "promptTokenCount": prompt,
        "candidatesTokenCount": completion.saturating_sub(reasoning),
        "totalTokenCount": total.unwrap_or(prompt + completion),
    });
    if cached > 0 {
        out["cachedContentTokenCount"] = json!(cached);
    }
    if reasoning > 0 {
        out["thoughtsTokenCount"] = json!(reasoning);
    }
    for (key, list) in ["promptTokensDetails", "candidatesTokensDetails"]
        .into_iter()
        .zip(breakdowns)
    {
        if !list.is_empty() {
            out[key] = Value::Array(list);
        }
    }
    if let Some(tier) = tier {
        out["serviceTier"] = tier;
    }
    Ok(out)
}

/// Gemini `logprobsResult` → Chat choice `logprobs`.
pub(super) fn logprobs_to_chat(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    logprobs: Value,
) -> Result<Value, TranslateError> {
    let mut logprobs = object(logprobs, pointer)?;
    let chosen_key = key_g(&logprobs, "chosenCandidates");
    let chosen = take_array(&mut logprobs, &chosen_key);
    let top_key = key_g(&logprobs, "topCandidates");
    let top = take_array(&mut logprobs, &top_key);
    // The sum of the chosen tokens' log probabilities: derived from them.
    take_g(&mut logprobs, "logProbabilitySum");
    ctx.rest(pointer, logprobs);
    let mut ids = false;
    let mut token = |ctx: &mut Ctx<'_>, candidate: &Value, p: &str| -> Value {
        let text = candidate
            .get("token")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if candidate.get("tokenId").is_some() && !ids {
            ids = true;
            ctx.dropped(format!("{p}/tokenId"), "Chat logprobs carry no token ids");
        }
        json!({
            "token": text,
            "logprob": candidate.get("logProbability").cloned().unwrap_or(json!(0)),
            "bytes": text.as_bytes(),
        })
    };
    let mut content = Vec::new();
    for (k, candidate) in chosen.iter().enumerate() {
        let p = format!("{}/{k}", ptr(pointer, &chosen_key));
        let mut item = token(ctx, candidate, &p);
        let alternatives: Vec<Value> = top
            .get(k)
            .and_then(|t| t.get("candidates"))
            .and_then(Value::as_array)
            .map(|list| list.iter().map(|c| token(ctx, c, &p)).collect())
            .unwrap_or_default();
        item["top_logprobs"] = Value::Array(alternatives);
        content.push(item);
    }
    Ok(json!({"content": content, "refusal": null}))
}

/// Chat choice `logprobs` → Gemini `logprobsResult`.
pub(super) fn logprobs_to_gemini(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    logprobs: Value,
) -> Result<Value, TranslateError> {
    let mut logprobs = object(logprobs, pointer)?;
    let token = |item: &Value| json!({"token": item["token"], "logProbability": item["logprob"]});
    let mut chosen = Vec::new();
    let mut top = Vec::new();
    for item in take_array(&mut logprobs, "content") {
        chosen.push(token(&item));
        let alternatives: Vec<Value> = item
            .get("top_logprobs")
            .and_then(Value::as_array)
            .map(|list| list.iter().map(token).collect())
            .unwrap_or_default();
        top.push(json!({ "candidates": alternatives }));
    }
    if let Some(Value::Array(refusal)) = take(&mut logprobs, "refusal")
        && !refusal.is_empty()
    {
        ctx.dropped(
            format!("{pointer}/refusal"),
            "Gemini has no refusal logprobs",
        );
    }
    ctx.rest(pointer, logprobs);
    let mut out = json!({ "chosenCandidates": chosen });
    if top
        .iter()
        .any(|t| t["candidates"].as_array().is_some_and(|c| !c.is_empty()))
    {
        out["topCandidates"] = Value::Array(top);
    }
    Ok(out)
}

/// Takes the candidate fields Chat has no place for, reporting each.
pub(super) fn candidate_metadata(ctx: &mut Ctx<'_>, candidate: &mut Map<String, Value>, p: &str) {
    for (field, reason) in [
        ("finishMessage", "Chat has no finish message"),
        ("safetyRatings", "Chat has no safety ratings"),
        (
            "citationMetadata",
            "Chat URL citations need titles Gemini citation sources lack",
        ),
        ("groundingMetadata", "Chat has no grounding metadata"),
        ("groundingAttributions", "Chat has no grounding metadata"),
        ("urlContextMetadata", "Chat has no URL context metadata"),
        ("tokenCount", "Chat has no per-choice token count"),
    ] {
        let key = key_g(candidate, field);
        match take(candidate, &key) {
            // Gemini streams send empty grounding metadata on every chunk.
            Some(Value::Object(map)) if map.is_empty() => {}
            Some(_) => ctx.dropped(ptr(p, &key), reason),
            None => {}
        }
    }
}

/// One Gemini candidate as a Chat choice.
fn candidate_to_choice(
    ctx: &mut Ctx<'_>,
    candidate: Value,
    p: &str,
    position: usize,
) -> Result<Value, TranslateError> {
    let mut candidate = object(candidate, p)?;
    let index = take(&mut candidate, "index")
        .and_then(|i| i.as_u64())
        .unwrap_or(position as u64);
    let mut text: Option<String> = None;
    let mut calls = Vec::new();
    let mut blocks = Vec::new();
    if let Some(content) = take(&mut candidate, "content") {
        let cp = format!("{p}/content");
        let mut content = object(content, &cp)?;
        take(&mut content, "role");
        for (j, part) in take_array(&mut content, "parts").into_iter().enumerate() {
            let pp = format!("{cp}/parts/{j}");
            match read_part(ctx, part, &pp, calls.len())? {
                Piece::Text(piece, signature) => {
                    if !calls.is_empty() && !piece.is_empty() {
                        ctx.approximated(
                            &pp,
                            "text after a function call moves before the tool calls",
                        );
                    }
                    text.get_or_insert_default().push_str(&piece);
                    if let Some(signature) = signature {
                        blocks.push(json!({"thoughtSignature": signature, "on": "content"}));
                    }
                }
                Piece::Kept(block) => blocks.push(block),
                Piece::Call(call, signature) => {
                    if let Some(signature) = signature {
                        blocks.push(json!({"thoughtSignature": signature, "on": "tool_calls", "index": calls.len()}));
                    }
                    calls.push(call);
                }
                Piece::Skip => {}
            }
        }
        ctx.rest(&cp, content);
    }
    let reason = take_g(&mut candidate, "finishReason");
    let finish = finish_to_chat(
        ctx,
        &format!("{p}/finishReason"),
        reason.as_ref().and_then(Value::as_str),
        !calls.is_empty(),
    );
    let logprobs = match take_g(&mut candidate, "logprobsResult") {
        Some(logprobs) => {
            take_g(&mut candidate, "avgLogprobs");
            logprobs_to_chat(ctx, &format!("{p}/logprobsResult"), logprobs)?
        }
        None => {
            if take_g(&mut candidate, "avgLogprobs").is_some() {
                ctx.dropped(
                    format!("{p}/avgLogprobs"),
                    "Chat has per-token logprobs only",
                );
            }
            Value::Null
        }
    };
    candidate_metadata(ctx, &mut candidate, p);
    ctx.rest(p, candidate);
    let mut message = json!({"role": "assistant", "content": text, "refusal": null});
    if !calls.is_empty() {
        message["tool_calls"] = Value::Array(calls);
    }
    if !blocks.is_empty() {
        let tagged = blocks
            .into_iter()
            .map(|b| reasoning::tag("gemini", b))
            .collect();
        message[reasoning::FIELD] = Value::Array(tagged);
    }
    Ok(json!({"index": index, "message": message, "logprobs": logprobs, "finish_reason": finish}))
}

/// A prompt Gemini refused (`promptFeedback.blockReason`, no candidates) as a filtered choice.
pub(super) fn prompt_feedback(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    feedback: Value,
) -> Result<bool, TranslateError> {
    let mut feedback = object(feedback, pointer)?;
    let reason_key = key_g(&feedback, "blockReason");
    let blocked = match take_str(&mut feedback, &reason_key) {
        Some(reason) => {
            ctx.approximated(
                ptr(pointer, &reason_key),
                format!("a prompt blocked for {reason} becomes a choice with finish_reason content_filter"),
            );
            true
        }
        None => false,
    };
    let ratings = key_g(&feedback, "safetyRatings");
    if take(&mut feedback, &ratings).is_some() {
        ctx.dropped(ptr(pointer, &ratings), "Chat has no safety ratings");
    }
    ctx.rest(pointer, feedback);
    Ok(blocked)
}

/// The choice of a blocked prompt.
pub(super) fn blocked_choice() -> Value {
    json!({"index": 0, "message": {"role": "assistant", "content": null, "refusal": null},
           "logprobs": null, "finish_reason": "content_filter"})
}

/// A Gemini response as a `chat.completion` (an OpenAI client, a Gemini upstream). `model`
/// is the requested one, used when the response has no `modelVersion`; `created` comes from
/// the options.
pub fn gemini_response_to_chat(
    response: &GenerateContentResponse,
    model: &str,
    opts: &Options,
) -> Result<Translated<CreateChatCompletionResponse>, TranslateError> {
    let mut src = object(to_json(response)?, "")?;
    let mut ctx = Ctx::new(opts, CHAT);
    let id = take_g(&mut src, "responseId").unwrap_or(json!(DEFAULT_ID));
    let model = take_g(&mut src, "modelVersion").unwrap_or(json!(model));
    let mut choices = Vec::new();
    for (i, candidate) in take_array(&mut src, "candidates").into_iter().enumerate() {
        choices.push(candidate_to_choice(
            &mut ctx,
            candidate,
            &format!("/candidates/{i}"),
            i,
        )?);
    }
    let feedback_key = key_g(&src, "promptFeedback");
    if let Some(feedback) = take(&mut src, &feedback_key)
        && prompt_feedback(&mut ctx, &ptr("", &feedback_key), feedback)?
        && choices.is_empty()
    {
        choices.push(blocked_choice());
    }
    let mut out = json!({
        "id": id,
        "object": "chat.completion",
        "created": opts.created,
        "model": model,
        "choices": choices,
    });
    let usage_key = key_g(&src, "usageMetadata");
    if let Some(usage) = take(&mut src, &usage_key) {
        let (usage, tier) = usage_to_chat(&mut ctx, &ptr("", &usage_key), usage)?;
        out["usage"] = usage;
        if let Some(tier) = tier {
            out["service_tier"] = tier;
        }
    }
    ctx.rest("", src);
    ctx.finish(out)
}

/// One Chat choice as a Gemini candidate.
fn choice_to_candidate(
    ctx: &mut Ctx<'_>,
    choice: Value,
    p: &str,
    position: usize,
) -> Result<Value, TranslateError> {
    let mut choice = object(choice, p)?;
    let index = take(&mut choice, "index")
        .and_then(|i| i.as_u64())
        .unwrap_or(position as u64);
    let mut candidate = Map::new();
    let mp = format!("{p}/message");
    let mut message = object(take(&mut choice, "message").unwrap_or(json!({})), &mp)?;
    take(&mut message, "role");
    let parts = assistant_parts(ctx, &mut message, &mp, true)?;
    if let Some(Value::Array(annotations)) = take(&mut message, "annotations")
        && !annotations.is_empty()
    {
        ctx.dropped(
            format!("{mp}/annotations"),
            "Gemini citation sources are not URL citations with titles",
        );
    }
    ctx.rest(&mp, message);
    if !parts.is_empty() {
        candidate.insert("content".into(), json!({"role": "model", "parts": parts}));
    }
    let reason = take_str(&mut choice, "finish_reason");
    let finish = finish_to_gemini(ctx, &format!("{p}/finish_reason"), reason.as_deref());
    if !finish.is_null() {
        candidate.insert("finishReason".into(), finish);
    }
    candidate.insert("index".into(), json!(index));
    if let Some(logprobs) = take(&mut choice, "logprobs") {
        let logprobs = logprobs_to_gemini(ctx, &format!("{p}/logprobs"), logprobs)?;
        candidate.insert("logprobsResult".into(), logprobs);
    }
    ctx.rest(p, choice);
    Ok(Value::Object(candidate))
}

/// A `chat.completion` as a Gemini response (a Gemini client, an OpenAI upstream).
/// `reasoning_content` (from OpenAI-compatible upstreams) becomes thought parts.
pub fn chat_response_to_gemini(
    response: &CreateChatCompletionResponse,
    opts: &Options,
) -> Result<Translated<GenerateContentResponse>, TranslateError> {
    let mut src = object(to_json(response)?, "")?;
    let mut ctx = Ctx::new(opts, GEMINI);
    take(&mut src, "object");
    take(&mut src, "created");
    let mut out = Map::new();
    let mut candidates = Vec::new();
    for (i, choice) in take_array(&mut src, "choices").into_iter().enumerate() {
        candidates.push(choice_to_candidate(
            &mut ctx,
            choice,
            &format!("/choices/{i}"),
            i,
        )?);
    }
    out.insert("candidates".into(), Value::Array(candidates));
    let tier = take_str(&mut src, "service_tier")
        .and_then(|tier| tier_to_gemini(&mut ctx, "/service_tier", &tier));
    if let Some(usage) = take(&mut src, "usage") {
        let usage = usage_to_gemini(&mut ctx, "/usage", usage, tier)?;
        out.insert("usageMetadata".into(), usage);
    }
    if let Some(model) = take(&mut src, "model") {
        out.insert("modelVersion".into(), model);
    }
    if let Some(id) = take(&mut src, "id") {
        out.insert("responseId".into(), id);
    }
    ctx.rest("", src);
    ctx.finish(Value::Object(out))
}
