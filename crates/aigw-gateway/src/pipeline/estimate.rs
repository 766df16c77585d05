//! The tokens a request is expected to use, reserved against a tokens-per-minute limit until
//! the upstream reports the real usage: the output budget the client set in its protocol's
//! field (or the configured default) plus the input, estimated from the body's size.

use crate::peek::Head;
use crate::pipeline::Op;
use crate::protocol::Api;

/// Bytes of request JSON per input token, rounded down (English text averages ~4 bytes a
/// token; JSON punctuation makes the body longer than its text, so this over-reserves, which
/// only holds back a concurrent request until the exact count settles).
const BYTES_PER_TOKEN: u64 = 4;

/// The output budget the client asked for.
fn max_output(api: Api, body: &Head) -> Option<u64> {
    match api {
        Api::Chat => body.max_completion_tokens.or(body.max_tokens),
        Api::Responses => body.max_output_tokens,
        Api::Messages => body.max_tokens,
        Api::Gemini => body.max_output_tokens_gemini,
    }
}

/// The input and output tokens expected of a request of `body_len` bytes.
pub fn split(api: Api, op: Op, body: &Head, body_len: usize, default_output: u64) -> (u64, u64) {
    let input = (body_len as u64).div_ceil(BYTES_PER_TOKEN);
    let output = match op {
        Op::Generate => max_output(api, body).unwrap_or(default_output),
        Op::Embeddings | Op::CountTokens => 0,
    };
    (input, output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn head(body: serde_json::Value) -> Head {
        Head::read(body.to_string().as_bytes()).expect("an object")
    }

    #[test]
    fn each_protocol_s_output_budget_is_read() {
        let cases = [
            (
                Api::Chat,
                json!({"max_completion_tokens": 10, "max_tokens": 99}),
            ),
            (Api::Chat, json!({"max_tokens": 10})),
            (Api::Responses, json!({"max_output_tokens": 10})),
            (Api::Messages, json!({"max_tokens": 10})),
            (
                Api::Gemini,
                json!({"generationConfig": {"maxOutputTokens": 10}}),
            ),
        ];
        for (api, body) in cases {
            assert_eq!(
                split(api, Op::Generate, &head(body), 40, 500),
                (10, 10),
                "{api:?}"
            );
        }
        assert_eq!(
            split(Api::Chat, Op::Generate, &head(json!({})), 41, 500),
            (11, 500)
        );
        assert_eq!(
            split(Api::Chat, Op::Embeddings, &head(json!({})), 8, 500),
            (2, 0)
        );
    }
}
