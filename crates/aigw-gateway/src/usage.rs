//! What an upstream reported using, read from the JSON as it came (passthrough bodies are
//! parsed alongside, never re-serialized): every counter each protocol carries — input,
//! output, cache reads, cache writes (Anthropic's 1-hour ones apart), reasoning, audio and
//! image tokens — normalized to one record, with the upstream's own usage object kept beside
//! it. A stream's usage is its final one: Chat's usage chunk, Responses' `response.completed`
//! (or `.incomplete` / `.failed`), Anthropic's `message_start` merged with `message_delta`,
//! Gemini's last `usageMetadata`. Where an upstream reported none (a Chat stream without
//! `stream_options.include_usage`), the record says `unknown` — never a silent 0.

use crate::peek::Found;
use crate::protocol::Api;
use serde::Serialize;
use serde_json::{Map, Value};

/// Whether the counts are the upstream's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The upstream reported them.
    Reported,
    /// The upstream reported no usage.
    #[default]
    Unknown,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Reported => "reported",
            Source::Unknown => "unknown",
        }
    }
}

/// One request's usage. Token counts are `None` where the upstream did not report them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub source: Source,
    /// All input tokens (cached, cache-written and tool-use prompt tokens included).
    pub input: Option<u64>,
    /// All output tokens (reasoning included).
    pub output: Option<u64>,
    /// Input tokens read from a prompt cache.
    pub cache_read: Option<u64>,
    /// Input tokens written to a prompt cache (all lifetimes).
    pub cache_write: Option<u64>,
    /// Of `cache_write`, those written for one hour (Anthropic); the rest are 5-minute.
    pub cache_write_1h: Option<u64>,
    /// Of `output`, reasoning (thinking) tokens.
    pub reasoning: Option<u64>,
    pub audio_input: Option<u64>,
    pub audio_output: Option<u64>,
    pub image_input: Option<u64>,
    /// The upstream's usage object, as it came.
    pub raw: Option<Value>,
}

impl Usage {
    /// The usage in a response body of `api` (read without building the rest of it).
    pub fn of(api: Api, body: &[u8]) -> Usage {
        Found::read(api, body).map_or_else(Usage::default, |found| Usage::from_found(api, found))
    }

    /// The usage in what was read of a body of `api`.
    pub fn from_found(api: Api, found: Found) -> Usage {
        match found.usage {
            Some(raw) => Usage::from_raw(api, raw),
            None => Usage::default(),
        }
    }

    /// Normalizes `raw`, a usage object of `api`.
    pub fn from_raw(api: Api, raw: Map<String, Value>) -> Usage {
        let value = Value::Object(raw);
        let n = |pointer: &str| value.pointer(pointer).and_then(Value::as_u64);
        let sum = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        let mut usage = match api {
            Api::Chat => Usage {
                input: n("/prompt_tokens"),
                output: n("/completion_tokens"),
                // OpenAI; DeepSeek; vendors that put it at the top level.
                cache_read: n("/prompt_tokens_details/cached_tokens")
                    .or_else(|| n("/prompt_cache_hit_tokens"))
                    .or_else(|| n("/cached_tokens"))
                    .or_else(|| n("/num_cached_tokens")),
                cache_write: n("/prompt_tokens_details/cache_write_tokens"),
                reasoning: n("/completion_tokens_details/reasoning_tokens"),
                audio_input: n("/prompt_tokens_details/audio_tokens"),
                audio_output: n("/completion_tokens_details/audio_tokens"),
                image_input: n("/prompt_tokens_details/image_tokens"),
                ..Usage::default()
            },
            Api::Responses => Usage {
                input: n("/input_tokens"),
                output: n("/output_tokens"),
                cache_read: n("/input_tokens_details/cached_tokens"),
                cache_write: n("/input_tokens_details/cache_write_tokens"),
                reasoning: n("/output_tokens_details/reasoning_tokens"),
                ..Usage::default()
            },
            Api::Messages => {
                // Anthropic counts cache reads and writes apart from `input_tokens`.
                let read = n("/cache_read_input_tokens");
                let write = n("/cache_creation_input_tokens");
                Usage {
                    input: n("/input_tokens").map(|i| i + read.unwrap_or(0) + write.unwrap_or(0)),
                    output: n("/output_tokens"),
                    cache_read: read,
                    cache_write: write,
                    cache_write_1h: n("/cache_creation/ephemeral_1h_input_tokens"),
                    reasoning: n("/output_tokens_details/thinking_tokens"),
                    ..Usage::default()
                }
            }
            Api::Gemini => {
                // `candidatesTokenCount` leaves out thoughts; `promptTokenCount` includes the
                // cached content but not the tool-use prompt.
                let thoughts = n("/thoughtsTokenCount");
                let modality = |list: &str, which: &str| {
                    value.get(list)?.as_array()?.iter().find_map(|d| {
                        (d.get("modality")?.as_str()? == which)
                            .then(|| d.get("tokenCount")?.as_u64())?
                    })
                };
                Usage {
                    input: n("/promptTokenCount")
                        .map(|p| p + n("/toolUsePromptTokenCount").unwrap_or(0)),
                    output: sum(n("/candidatesTokenCount"), thoughts),
                    cache_read: n("/cachedContentTokenCount"),
                    reasoning: thoughts,
                    audio_input: modality("promptTokensDetails", "AUDIO"),
                    audio_output: modality("candidatesTokensDetails", "AUDIO"),
                    image_input: modality("promptTokensDetails", "IMAGE"),
                    ..Usage::default()
                }
            }
        };
        usage.source = Source::Reported;
        usage.raw = Some(value);
        usage
    }

    /// Input + output tokens, as far as known (`None`: nothing reported).
    pub fn total(&self) -> Option<u64> {
        match (self.input, self.output) {
            (None, None) => None,
            (input, output) => Some(input.unwrap_or(0) + output.unwrap_or(0)),
        }
    }

    /// The pricing categories, when input and output are both known.
    pub fn priced(&self) -> Option<aigw_governance::cost::Tokens> {
        let (input, output) = (self.input?, self.output?);
        let read = self.cache_read.unwrap_or(0);
        let write = self.cache_write.unwrap_or(0);
        let write_1h = self.cache_write_1h.unwrap_or(0).min(write);
        let reasoning = self.reasoning.unwrap_or(0).min(output);
        Some(aigw_governance::cost::Tokens {
            input: input.saturating_sub(read).saturating_sub(write),
            cache_read: read,
            cache_write_5m: write - write_1h,
            cache_write_1h: write_1h,
            output: output - reasoning,
            reasoning,
            prompt_total: input,
        })
    }

    /// Whether an event's data may carry usage (a cheap test before parsing it).
    pub fn may_carry(api: Api, data: &str) -> bool {
        let needle: &[u8] = match api {
            Api::Gemini => b"usageMetadata",
            _ => b"usage",
        };
        memchr::memmem::find(data.as_bytes(), needle).is_some()
    }
}

/// A stream's usage, event by event.
#[derive(Debug)]
pub struct StreamUsage {
    api: Api,
    raw: Option<Map<String, Value>>,
}

impl StreamUsage {
    pub fn new(api: Api) -> StreamUsage {
        StreamUsage { api, raw: None }
    }

    /// Takes the usage an event carries (its `data`): Anthropic's later counts update its
    /// earlier ones (`message_delta` after `message_start`); elsewhere the latest usage is the
    /// final one.
    pub fn observe(&mut self, data: &[u8]) {
        let Some(usage) = Found::read(self.api, data).and_then(|found| found.usage) else {
            return;
        };
        match (&mut self.raw, self.api) {
            (Some(raw), Api::Messages) => raw.extend(usage),
            (raw, _) => *raw = Some(usage),
        }
    }

    /// The usage so far.
    pub fn usage(&self) -> Usage {
        match &self.raw {
            Some(raw) => Usage::from_raw(self.api, raw.clone()),
            None => Usage::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn of(api: Api, usage: Value) -> Usage {
        let body = match api {
            Api::Gemini => json!({ "usageMetadata": usage }),
            _ => json!({ "usage": usage }),
        };
        Usage::of(api, body.to_string().as_bytes())
    }

    #[test]
    fn every_protocol_s_counters_are_normalized() {
        let chat = of(
            Api::Chat,
            json!({"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140,
                   "prompt_tokens_details": {"cached_tokens": 60, "audio_tokens": 5},
                   "completion_tokens_details": {"reasoning_tokens": 30, "audio_tokens": 2}}),
        );
        assert_eq!(
            (
                chat.input,
                chat.output,
                chat.cache_read,
                chat.reasoning,
                chat.audio_input,
                chat.audio_output
            ),
            (Some(100), Some(40), Some(60), Some(30), Some(5), Some(2))
        );
        let deepseek = of(
            Api::Chat,
            json!({"prompt_tokens": 10, "completion_tokens": 1, "prompt_cache_hit_tokens": 8, "prompt_cache_miss_tokens": 2}),
        );
        assert_eq!(deepseek.cache_read, Some(8));

        let anthropic = of(
            Api::Messages,
            json!({"input_tokens": 10, "output_tokens": 20, "cache_read_input_tokens": 1000,
                   "cache_creation_input_tokens": 300,
                   "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 200}}),
        );
        assert_eq!(anthropic.input, Some(1310));
        assert_eq!(
            (
                anthropic.cache_read,
                anthropic.cache_write,
                anthropic.cache_write_1h
            ),
            (Some(1000), Some(300), Some(200))
        );
        let t = anthropic.priced().unwrap_or_default();
        assert_eq!(
            (
                t.input,
                t.cache_read,
                t.cache_write_5m,
                t.cache_write_1h,
                t.output
            ),
            (10, 1000, 100, 200, 20)
        );

        let gemini = of(
            Api::Gemini,
            json!({"promptTokenCount": 50, "candidatesTokenCount": 7, "thoughtsTokenCount": 13,
                   "cachedContentTokenCount": 20, "toolUsePromptTokenCount": 4,
                   "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 40}, {"modality": "IMAGE", "tokenCount": 10}]}),
        );
        assert_eq!(
            (
                gemini.input,
                gemini.output,
                gemini.reasoning,
                gemini.cache_read,
                gemini.image_input
            ),
            (Some(54), Some(20), Some(13), Some(20), Some(10))
        );
        let t = gemini.priced().unwrap_or_default();
        assert_eq!(
            (t.input, t.cache_read, t.output, t.reasoning, t.prompt_total),
            (34, 20, 7, 13, 54)
        );

        let responses = Usage::of(
            Api::Responses,
            json!({"type": "response.completed", "response": {"usage": {"input_tokens": 4, "output_tokens": 6,
                    "input_tokens_details": {"cached_tokens": 1}, "output_tokens_details": {"reasoning_tokens": 2}}}})
            .to_string()
            .as_bytes(),
        );
        assert_eq!(
            (
                responses.input,
                responses.output,
                responses.cache_read,
                responses.reasoning
            ),
            (Some(4), Some(6), Some(1), Some(2))
        );
        assert_eq!(responses.source, Source::Reported);

        let none = Usage::of(Api::Chat, json!({"usage": null}).to_string().as_bytes());
        assert_eq!(none.source, Source::Unknown);
        assert_eq!(none.total(), None);
        assert!(none.priced().is_none());
    }

    #[test]
    fn a_stream_s_usage_is_its_final_one() {
        let mut anthropic = StreamUsage::new(Api::Messages);
        anthropic.observe(json!({"type": "message_start", "message": {"usage": {"input_tokens": 7, "output_tokens": 1, "cache_read_input_tokens": 3}}}).to_string().as_bytes());
        anthropic.observe(
            json!({"type": "content_block_delta"})
                .to_string()
                .as_bytes(),
        );
        anthropic.observe(
            json!({"type": "message_delta", "usage": {"output_tokens": 9}})
                .to_string()
                .as_bytes(),
        );
        let usage = anthropic.usage();
        assert_eq!(
            (usage.input, usage.output, usage.cache_read),
            (Some(10), Some(9), Some(3))
        );
        assert_eq!(
            usage.raw,
            Some(json!({"input_tokens": 7, "output_tokens": 9, "cache_read_input_tokens": 3}))
        );
        let mut chat = StreamUsage::new(Api::Chat);
        chat.observe(json!({"choices": [], "usage": null}).to_string().as_bytes());
        assert_eq!(chat.usage().source, Source::Unknown);
        chat.observe(
            json!({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 5}})
                .to_string()
                .as_bytes(),
        );
        assert_eq!(chat.usage().total(), Some(8));
        assert!(Usage::may_carry(Api::Gemini, r#"{"usageMetadata":{}}"#));
        assert!(!Usage::may_carry(Api::Chat, r#"{"choices":[]}"#));
    }
}
