//! The tokens a request is expected to use, reserved against a tokens-per-minute limit until
//! the upstream reports the real usage: the output budget the client set in its protocol's
//! field (or the configured default) plus the input, estimated from the body's size.

use crate::pipeline::Op;
use crate::protocol::Api;
use serde_json::Value;

/// Bytes of request JSON per input token, rounded down (English text averages ~4 bytes a
/// token; JSON punctuation makes the body longer than its text, so this over-reserves, which
/// only holds back a concurrent request until the exact count settles).
const BYTES_PER_TOKEN: u64 = 4;

/// The output budget the client asked for.
fn max_output(api: Api, body: &Value) -> Option<u64> {
    let get = |pointer: &str| body.pointer(pointer).and_then(Value::as_u64);
    match api {
        Api::Chat => get("/max_completion_tokens").or_else(|| get("/max_tokens")),
        Api::Responses => get("/max_output_tokens"),
        Api::Messages => get("/max_tokens"),
        Api::Gemini => get("/generationConfig/maxOutputTokens"),
    }
}

/// The input and output tokens expected of a request of `body_len` bytes.
pub fn split(api: Api, op: Op, body: &Value, body_len: usize, default_output: u64) -> (u64, u64) {
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
                split(api, Op::Generate, &body, 40, 500),
                (10, 10),
                "{api:?}"
            );
        }
        assert_eq!(
            split(Api::Chat, Op::Generate, &json!({}), 41, 500),
            (11, 500)
        );
        assert_eq!(split(Api::Chat, Op::Embeddings, &json!({}), 8, 500), (2, 0));
    }
}
