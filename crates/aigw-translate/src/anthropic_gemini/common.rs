//! What requests, responses and streams of this pair share: Gemini's two field spellings,
//! base64, schema conversion, stop reasons, usage, and the reading of a response part.

use crate::ctx::{Ctx, object, ptr, take, take_str};
use crate::loss::TranslateError;
use serde_json::{Map, Value, json};

pub(super) const ANTHROPIC: &str = "Anthropic Messages";
pub(super) const GEMINI: &str = "Gemini generateContent";

/// The snake_case spelling of a lowerCamelCase Gemini field (`inlineData` → `inline_data`).
fn snake(camel: &str) -> String {
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

/// The key a Gemini field is present under: its camelCase name, or the snake_case spelling
/// the API also accepts (for pointers into the source).
pub(super) fn gkey(map: &Map<String, Value>, camel: &str) -> String {
    let snake = snake(camel);
    if !map.contains_key(camel) && map.contains_key(&snake) {
        snake
    } else {
        camel.to_owned()
    }
}

/// Takes a Gemini field by either spelling (camelCase first).
pub(super) fn gtake(map: &mut Map<String, Value>, camel: &str) -> Option<Value> {
    let value = take(map, camel);
    let snake = snake(camel);
    let other = if snake == camel {
        None
    } else {
        take(map, &snake)
    };
    value.or(other)
}

/// Pointer to a Gemini field of `map` (whichever spelling it has) under `base`.
pub(super) fn gptr(map: &Map<String, Value>, base: &str, camel: &str) -> String {
    ptr(base, &gkey(map, camel))
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(super) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard (or URL-safe) base64, padding optional; `None` if it is not base64.
pub(super) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// Base64 in the standard alphabet with padding: Gemini also takes (and clients send) the
/// URL-safe alphabet, Anthropic only the standard one. The bytes are the same.
pub(super) fn standard_base64(data: &str) -> String {
    let mut out: String = data
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            other => other,
        })
        .collect();
    while !out.is_empty() && !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

/// A media type guessed from a URL's extension (Gemini `fileData` wants one).
pub(super) fn guess_media_type(url: &str) -> Option<&'static str> {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    let ext = path.rsplit_once('.').map(|(_, e)| e)?;
    Some(match ext {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        _ => return None,
    })
}

/// Gemini `Schema` fields whose snake_case spelling clients also send.
const SCHEMA_FIELDS: &[&str] = &[
    "anyOf",
    "propertyOrdering",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minProperties",
    "maxProperties",
];

/// A Gemini `Schema` (the OpenAPI subset: upper-case types, `nullable`, `propertyOrdering`,
/// int64 bounds as strings) as JSON Schema. Nothing is lost: `propertyOrdering` becomes the
/// order of `properties`, `nullable` a `"null"` type.
pub(super) fn json_schema(schema: Value) -> Value {
    let Value::Object(map) = schema else {
        return schema;
    };
    let mut fields = Map::new();
    for (key, value) in map {
        let key = SCHEMA_FIELDS
            .iter()
            .find(|camel| snake(camel) == key)
            .map_or(key, |camel| (*camel).to_owned());
        fields.insert(key, value);
    }
    let ordering = take(&mut fields, "propertyOrdering");
    let nullable = take(&mut fields, "nullable") == Some(Value::Bool(true));
    let mut out = Map::new();
    for (key, value) in fields {
        let value = match key.as_str() {
            "type" => match value {
                Value::String(t) if t.eq_ignore_ascii_case("TYPE_UNSPECIFIED") => continue,
                Value::String(t) => Value::String(t.to_ascii_lowercase()),
                other => other,
            },
            "properties" => match value {
                Value::Object(props) => Value::Object(
                    props
                        .into_iter()
                        .map(|(name, s)| (name, json_schema(s)))
                        .collect(),
                ),
                other => other,
            },
            "items" => json_schema(value),
            "anyOf" => match value {
                Value::Array(items) => Value::Array(items.into_iter().map(json_schema).collect()),
                other => other,
            },
            "minItems" | "maxItems" | "minLength" | "maxLength" | "minProperties"
            | "maxProperties" => match &value {
                Value::String(s) => s.parse::<u64>().map_or(value.clone(), |n| json!(n)),
                _ => value,
            },
            _ => value,
        };
        out.insert(key, value);
    }
    if let (Some(Value::Array(order)), Some(Value::Object(props))) =
        (ordering, out.get_mut("properties"))
    {
        let mut sorted = Map::new();
        for name in order.iter().filter_map(Value::as_str) {
            if let Some(schema) = props.shift_remove(name) {
                sorted.insert(name.to_owned(), schema);
            }
        }
        sorted.append(props);
        *props = sorted;
    }
    if nullable {
        match out.get_mut("type") {
            Some(Value::String(t)) => {
                let t = std::mem::take(t);
                out.insert("type".into(), json!([t, "null"]));
            }
            _ => {
                let inner = Value::Object(std::mem::take(&mut out));
                out.insert("anyOf".into(), json!([inner, {"type": "null"}]));
            }
        }
    }
    Value::Object(out)
}

/// Gemini `finishReason` → Anthropic `stop_reason` (`tool_use` when the candidate called a
/// function: Gemini says STOP then).
pub(super) fn stop_reason(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    finish: Option<&str>,
    called: bool,
) -> Value {
    match finish {
        None => Value::Null,
        Some("STOP") if called => json!("tool_use"),
        Some("STOP") => json!("end_turn"),
        Some("MAX_TOKENS") => json!("max_tokens"),
        Some(
            "SAFETY"
            | "RECITATION"
            | "BLOCKLIST"
            | "PROHIBITED_CONTENT"
            | "SPII"
            | "IMAGE_SAFETY"
            | "IMAGE_PROHIBITED_CONTENT"
            | "IMAGE_RECITATION",
        ) => json!("refusal"),
        Some(other) => {
            let stop = if called { "tool_use" } else { "end_turn" };
            ctx.approximated(
                pointer,
                format!("finish reason {other:?} has no Anthropic equivalent: {stop}"),
            );
            json!(stop)
        }
    }
}

/// Anthropic `stop_reason` → Gemini `finishReason`.
pub(super) fn finish_reason(ctx: &mut Ctx<'_>, pointer: &str, stop: Option<&str>) -> Value {
    match stop {
        None => Value::Null,
        // Gemini says STOP for a tool call too (the function call part tells it apart).
        Some("end_turn" | "stop_sequence" | "tool_use") => json!("STOP"),
        Some("max_tokens") => json!("MAX_TOKENS"),
        Some("refusal") => json!("SAFETY"),
        Some("model_context_window_exceeded") => {
            ctx.approximated(pointer, "Gemini has no context-window stop: MAX_TOKENS");
            json!("MAX_TOKENS")
        }
        Some(other) => {
            ctx.approximated(
                pointer,
                format!("stop reason {other:?} has no Gemini equivalent: STOP"),
            );
            json!("STOP")
        }
    }
}

fn count(value: Option<Value>) -> u64 {
    match value {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

/// Per-modality token counts lose nothing while every entry is TEXT (the total says it all).
fn modality_details(ctx: &mut Ctx<'_>, usage: &mut Map<String, Value>, pointer: &str) {
    for camel in [
        "promptTokensDetails",
        "candidatesTokensDetails",
        "cacheTokensDetails",
        "toolUsePromptTokensDetails",
    ] {
        let p = gptr(usage, pointer, camel);
        if let Some(details) = gtake(usage, camel) {
            let text_only = details.as_array().is_some_and(|items| {
                items.iter().all(|item| {
                    item.get("modality").and_then(Value::as_str) == Some("TEXT")
                        || count(item.get("tokenCount").cloned()) == 0
                })
            });
            if !text_only {
                ctx.dropped(p, "Anthropic has no per-modality token counts");
            }
        }
    }
}

/// Gemini `usageMetadata` → Anthropic usage. Gemini's prompt count includes the cached
/// tokens; its thoughts are counted apart, Anthropic counts them in `output_tokens` and
/// breaks them out in `output_tokens_details.thinking_tokens`.
pub(super) fn usage_to_anthropic(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    usage: Value,
) -> Result<Value, TranslateError> {
    let mut usage = object(usage, pointer)?;
    let prompt = count(gtake(&mut usage, "promptTokenCount"));
    let cached = count(gtake(&mut usage, "cachedContentTokenCount"));
    let candidates = count(gtake(&mut usage, "candidatesTokenCount"));
    let thoughts = count(gtake(&mut usage, "thoughtsTokenCount"));
    let tool_prompt_key = gptr(&usage, pointer, "toolUsePromptTokenCount");
    let tool_prompt = count(gtake(&mut usage, "toolUsePromptTokenCount"));
    if tool_prompt > 0 {
        ctx.approximated(
            tool_prompt_key,
            "tokens of server-side tool results are counted in input_tokens",
        );
    }
    gtake(&mut usage, "totalTokenCount");
    modality_details(ctx, &mut usage, pointer);
    let tier_key = gptr(&usage, pointer, "serviceTier");
    let tier = gtake(&mut usage, "serviceTier");
    ctx.rest(pointer, usage);
    let mut out = json!({
        "input_tokens": (prompt + tool_prompt).saturating_sub(cached),
        "output_tokens": candidates + thoughts,
        "cache_read_input_tokens": cached,
        "cache_creation_input_tokens": 0,
    });
    if thoughts > 0 {
        out["output_tokens_details"] = json!({ "thinking_tokens": thoughts });
    }
    match tier.as_ref().and_then(Value::as_str) {
        None => {}
        Some(tier @ ("standard" | "priority")) => out["service_tier"] = json!(tier),
        Some(other) => ctx.dropped(tier_key, format!("Anthropic has no {other:?} service tier")),
    }
    Ok(out)
}

/// Anthropic usage → Gemini `usageMetadata`. `thinking` says whether the message thought:
/// without `output_tokens_details`, its thinking tokens stay merged in
/// `candidatesTokenCount` (reported).
pub(super) fn usage_to_gemini(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    usage: Value,
    thinking: bool,
) -> Result<Value, TranslateError> {
    let mut usage = object(usage, pointer)?;
    let input = count(take(&mut usage, "input_tokens"));
    let output = count(take(&mut usage, "output_tokens"));
    let read = count(take(&mut usage, "cache_read_input_tokens"));
    let written = count(take(&mut usage, "cache_creation_input_tokens"));
    if written > 0 {
        ctx.approximated(
            format!("{pointer}/cache_creation_input_tokens"),
            "cache writes are counted in promptTokenCount; Gemini has no cache-write count",
        );
    }
    if let Some(Value::Object(detail)) = take(&mut usage, "cache_creation")
        && detail.values().any(|v| v.as_u64().is_some_and(|n| n > 0))
    {
        ctx.dropped(
            format!("{pointer}/cache_creation"),
            "Gemini has no per-TTL cache-write counts",
        );
    }
    let mut thoughts = None;
    if let Some(Value::Object(mut details)) = take(&mut usage, "output_tokens_details") {
        thoughts = Some(count(take(&mut details, "thinking_tokens")));
        ctx.rest(&format!("{pointer}/output_tokens_details"), details);
    }
    if thoughts.is_none() && thinking && output > 0 {
        ctx.approximated(
            format!("{pointer}/output_tokens"),
            "thinking tokens stay counted in candidatesTokenCount: the upstream did not break them out",
        );
    }
    if let Some(Value::Object(tools)) = take(&mut usage, "server_tool_use")
        && tools.values().any(|v| v.as_u64().is_some_and(|n| n > 0))
    {
        ctx.dropped(
            format!("{pointer}/server_tool_use"),
            "Gemini has no server tool counts",
        );
    }
    let tier = take_str(&mut usage, "service_tier");
    if let Some(Value::String(geo)) = take(&mut usage, "inference_geo")
        && geo != "not_available"
    {
        ctx.dropped(
            format!("{pointer}/inference_geo"),
            "Gemini usage has no inference region",
        );
    }
    ctx.rest(pointer, usage);
    let thoughts = thoughts.unwrap_or(0).min(output);
    let prompt = input + read + written;
    let mut out = Map::new();
    out.insert("promptTokenCount".into(), json!(prompt));
    out.insert("candidatesTokenCount".into(), json!(output - thoughts));
    if thoughts > 0 {
        out.insert("thoughtsTokenCount".into(), json!(thoughts));
    }
    if read > 0 {
        out.insert("cachedContentTokenCount".into(), json!(read));
    }
    out.insert("totalTokenCount".into(), json!(prompt + output));
    match tier.as_deref() {
        None => {}
        Some(tier @ ("standard" | "priority")) => {
            out.insert("serviceTier".into(), json!(tier));
        }
        Some(other) => ctx.dropped(
            format!("{pointer}/service_tier"),
            format!("Gemini has no {other:?} service tier"),
        ),
    }
    Ok(Value::Object(out))
}

/// What one Gemini response part becomes on the Anthropic side.
#[derive(Debug)]
pub(super) enum Piece {
    Text(String),
    Thought(String),
    Call {
        id: Option<String>,
        name: Value,
        args: Value,
    },
}

/// Reads one response part, reporting what Anthropic cannot carry.
pub(super) fn response_part(
    ctx: &mut Ctx<'_>,
    part: Value,
    p: &str,
) -> Result<Option<Piece>, TranslateError> {
    let mut part = object(part, p)?;
    let thought = take(&mut part, "thought") == Some(Value::Bool(true));
    let sp = gptr(&part, p, "thoughtSignature");
    if gtake(&mut part, "thoughtSignature").is_some() {
        ctx.dropped(sp, "a Gemini thought signature is only sent back to Gemini");
    }
    let call_key = gptr(&part, p, "functionCall");
    let piece = if let Some(text) = take_str(&mut part, "text") {
        Some(if thought {
            Piece::Thought(text)
        } else {
            Piece::Text(text)
        })
    } else if let Some(call) = gtake(&mut part, "functionCall") {
        let mut call = object(call, &call_key)?;
        let id = take_str(&mut call, "id");
        let name = take(&mut call, "name").unwrap_or(json!(""));
        let args = take(&mut call, "args").unwrap_or(json!({}));
        ctx.rest(&call_key, call);
        Some(Piece::Call { id, name, args })
    } else {
        for (camel, reason) in [
            ("inlineData", "Anthropic messages carry no generated media"),
            ("fileData", "Anthropic messages carry no generated media"),
            (
                "executableCode",
                "Gemini's code execution has no Anthropic equivalent",
            ),
            (
                "codeExecutionResult",
                "Gemini's code execution has no Anthropic equivalent",
            ),
            (
                "toolCall",
                "Gemini's server-side tool calls have no Anthropic equivalent",
            ),
            (
                "toolResponse",
                "Gemini's server-side tool calls have no Anthropic equivalent",
            ),
        ] {
            let key = gptr(&part, p, camel);
            if gtake(&mut part, camel).is_some() {
                ctx.dropped(key, reason);
            }
        }
        None
    };
    ctx.rest(p, part);
    Ok(piece)
}

/// The id of the `n`th function call of a response without ids of its own.
pub(super) fn call_id(response_id: &str, n: usize) -> String {
    let clean: String = response_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        format!("toolu_gemini_{n}")
    } else {
        format!("toolu_{clean}_{n}")
    }
}

/// Candidate fields Anthropic has no place for, with the reason (`None`: consumed, nothing
/// lost). Safety ratings, grounding and citations are reported; `index` and `tokenCount`
/// say nothing the message does not.
pub(super) fn candidate_extra(key: &str) -> Option<&'static str> {
    Some(match key {
        "safetyRatings" | "safety_ratings" => "Anthropic messages have no safety ratings",
        "citationMetadata" | "citation_metadata" => {
            "Anthropic citations need document or search-result sources Gemini's citations lack"
        }
        "groundingMetadata" | "grounding_metadata" | "groundingAttributions" => {
            "Anthropic messages have no grounding metadata"
        }
        "urlContextMetadata" | "url_context_metadata" => {
            "Anthropic messages have no URL context metadata"
        }
        "avgLogprobs" | "avg_logprobs" | "logprobsResult" | "logprobs_result" => {
            "Anthropic has no logprobs"
        }
        "finishMessage" | "finish_message" => "Anthropic has no finish message",
        _ => return None,
    })
}

/// Whether a top-level response field is worth reporting (empty safety ratings are not).
pub(super) fn worth_reporting(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for text in ["", "a", "ab", "abc", "abcd", "hello, world\n"] {
            let encoded = base64_encode(text.as_bytes());
            assert_eq!(base64_decode(&encoded).as_deref(), Some(text.as_bytes()));
        }
        assert_eq!(base64_encode(b"hi"), "aGk=");
        assert_eq!(base64_decode("not base64!"), None);
        assert_eq!(standard_base64("_9j-4A"), "/9j+4A==");
    }

    #[test]
    fn gemini_schemas_become_json_schema() {
        let schema = json!({"type": "OBJECT", "nullable": true, "property_ordering": ["b", "a"],
            "properties": {"a": {"type": "STRING"}, "b": {"type": "ARRAY", "items": {"type": "INTEGER"}, "minItems": "1"}}});
        let out = json_schema(schema);
        assert_eq!(
            out,
            json!({"type": ["object", "null"], "properties": {"b": {"type": "array", "items": {"type": "integer"}, "minItems": 1}, "a": {"type": "string"}}})
        );
        let keys: Vec<&String> = out["properties"]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["b", "a"]);
    }
}
