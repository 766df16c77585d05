//! OpenAI Chat ↔ Gemini generateContent on every recorded request, response and stream, as
//! insta snapshots (translation + loss report); the stream property; the semantics one test
//! each; and a round-trip property for the lossless subset.

use crate::common;

use aigw_wire::Json;

use aigw_gemini::GenerateContentResponse;
use aigw_gemini::stream::ResponseAccumulator;
use aigw_openai::stream::{ChatAccumulator, ChatStreamEvent};
use aigw_openai::{CreateChatCompletionRequest, CreateChatCompletionResponse};
use aigw_translate::chat_gemini::{
    ChatToGeminiStream, GeminiToChatStream, chat_response_to_gemini, chat_to_gemini,
    gemini_response_to_chat, gemini_to_chat,
};
use aigw_translate::{LossKind, LossReport, Options, StreamTranslator};
use common::{Event, cases, document, json_of, snapshot, sse_events, stream_document};
use serde_json::{Value, json};

fn opts() -> Options {
    Options {
        created: 1_700_000_000,
        ..Options::default()
    }
}

/// The model of a recorded Gemini exchange, from its path (`…/models/<model>:<method>`).
fn model_of(exchange: &Value) -> String {
    let path = exchange["path"].as_str().unwrap_or_default();
    let tail = path.rsplit("/models/").next().unwrap_or(path);
    tail.split(':').next().unwrap_or(tail).to_owned()
}

/// The chunks of a recorded Gemini stream: the SSE events (`?alt=sse`) or the elements of
/// the JSON array body.
fn gemini_chunks(exchange: &Value) -> Option<Vec<GenerateContentResponse>> {
    if let Some(sse) = exchange["sse"].as_str() {
        return Some(
            sse_events(sse)
                .iter()
                .map(|e| aigw_gemini::stream::chunk(e).expect("typed chunk"))
                .collect(),
        );
    }
    let items = exchange["response"].as_array()?;
    Some(
        items
            .iter()
            .map(|item| Json::from_json_value(item).expect("typed chunk"))
            .collect(),
    )
}

fn request(value: Value) -> CreateChatCompletionRequest {
    Json::from_json_value(&value).expect("a Chat request")
}

fn gemini_request(value: Value) -> aigw_gemini::GenerateContentRequest {
    Json::from_json_value(&value).expect("a Gemini request")
}

fn pointers(losses: &LossReport) -> Vec<(&str, LossKind)> {
    losses
        .iter()
        .map(|l| (l.pointer.as_str(), l.kind))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Every recorded case.

#[test]
fn recorded_chat_requests_to_gemini() {
    let Some(cases) = cases("openai", "chat.completions") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        let Ok(request) = CreateChatCompletionRequest::from_json_value(&exchange["request"]) else {
            continue;
        };
        let result = chat_to_gemini(&request, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            "chat_to_gemini/request",
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    assert!(translated > 100, "{translated}");
}

#[test]
fn recorded_gemini_requests_to_chat() {
    let mut translated = 0;
    for api in ["generateContent", "streamGenerateContent"] {
        let Some(cases) = cases("gemini", api) else {
            return;
        };
        for (name, exchange) in cases {
            let Ok(request) =
                aigw_gemini::GenerateContentRequest::from_json_value(&exchange["request"])
            else {
                continue;
            };
            let result = gemini_to_chat(&request, &model_of(&exchange), &opts())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            snapshot(
                &format!("gemini_to_chat/request/{api}"),
                &name,
                &document(&result.value, &result.losses),
            );
            translated += 1;
        }
    }
    assert!(translated > 150, "{translated}");
}

#[test]
fn recorded_gemini_responses_to_chat() {
    let Some(cases) = cases("gemini", "generateContent") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        if exchange["status"] != 200 {
            continue;
        }
        let Ok(response) = GenerateContentResponse::from_json_value(&exchange["response"]) else {
            continue;
        };
        let result = gemini_response_to_chat(&response, &model_of(&exchange), &opts())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            "gemini_to_chat/response",
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    assert!(translated > 150, "{translated}");
}

#[test]
fn recorded_chat_responses_to_gemini() {
    let Some(cases) = cases("openai", "chat.completions") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        if exchange["status"] != 200 {
            continue;
        }
        let Ok(response) = CreateChatCompletionResponse::from_json_value(&exchange["response"])
        else {
            continue;
        };
        let result =
            chat_response_to_gemini(&response, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            "chat_to_gemini/response",
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    assert!(translated > 80, "{translated}");
}

/// `value` without the fields a stream and its accumulated twin need not share: the
/// top-level `id`/`responseId` and `created`.
fn without_ids(mut value: Value) -> Value {
    if let Some(map) = value.as_object_mut() {
        for key in ["id", "responseId", "created"] {
            map.shift_remove(key);
        }
    }
    value
}

/// Every recorded Gemini stream becomes a Chat chunk stream (snapshot of the chunks), and:
/// accumulating the translated chunks (`ChatAccumulator`) gives exactly the Chat completion
/// that `gemini_response_to_chat` makes of the accumulated Gemini stream
/// (`ResponseAccumulator`) — the whole completion JSON is compared (model, choices with
/// index, message role/content/refusal/tool calls with ids and arguments/tagged reasoning
/// blocks, logprobs, finish reason; usage and service tier), except the top-level `id` and
/// `created`.
#[test]
fn recorded_gemini_streams_to_chat_chunks() {
    let Some(cases) = cases("gemini", "streamGenerateContent") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        if exchange["status"] != 200 {
            continue;
        }
        let Some(chunks) = gemini_chunks(&exchange) else {
            continue;
        };
        let model = model_of(&exchange);
        let mut translator = GeminiToChatStream::new(&model, &opts(), true);
        let out = translator
            .translate_all(&chunks)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut doc = stream_document(&out, translator.losses());
        doc["events"] = json!(out.len());
        snapshot("gemini_to_chat/stream", &name, &doc);

        let first = out[0].to_json();
        assert_eq!(first["choices"][0]["delta"]["role"], "assistant", "{name}");
        assert!(matches!(out.last(), Some(ChatStreamEvent::Done)), "{name}");
        let usage = out[out.len() - 2].to_json();
        assert_eq!(usage["choices"], json!([]), "{name}: the usage chunk");

        let mut chat = ChatAccumulator::default();
        for event in &out {
            chat.push(event).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let mut gemini = ResponseAccumulator::default();
        for chunk in &chunks {
            gemini.push(chunk);
        }
        let direct = gemini_response_to_chat(&gemini.finish().expect("merged"), &model, &opts())
            .expect("translated");
        assert_eq!(
            without_ids(json_of(&chat.finish().expect("completion"))),
            without_ids(json_of(&direct.value)),
            "{name}"
        );
        translated += 1;
    }
    assert!(translated > 15, "{translated}");
}

/// Every recorded OpenAI Chat stream becomes a Gemini chunk stream (snapshot), and:
/// accumulating the translated chunks (`ResponseAccumulator`) gives exactly the Gemini
/// response that `chat_response_to_gemini` makes of the accumulated Chat stream
/// (`ChatAccumulator`) — the whole response JSON is compared (candidates with index, content
/// role and parts — text, thoughts, function calls with ids and arguments — finish reason,
/// logprobs; usage metadata and model version), except `responseId`.
#[test]
fn recorded_chat_streams_to_gemini_chunks() {
    let Some(cases) = cases("openai", "chat.completions") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        let Some(sse) = exchange["sse"].as_str() else {
            continue;
        };
        let events: Vec<ChatStreamEvent> = sse_events(sse)
            .iter()
            .map(|e| ChatStreamEvent::from_sse(e).expect("typed"))
            .collect();
        let mut translator = ChatToGeminiStream::new(&opts());
        let out = translator
            .translate_all(&events)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut doc = stream_document(&out, translator.losses());
        doc["events"] = json!(out.len());
        snapshot("chat_to_gemini/stream", &name, &doc);

        let last = json_of(out.last().expect("chunks"));
        assert!(
            last["usageMetadata"].is_object(),
            "{name}: usage on the last chunk"
        );
        assert!(
            out[..out.len() - 1]
                .iter()
                .all(|c| json_of(c).get("usageMetadata").is_none()),
            "{name}: usage only on the last chunk"
        );

        let mut gemini = ResponseAccumulator::default();
        for chunk in &out {
            gemini.push(chunk);
        }
        let mut chat = ChatAccumulator::default();
        for event in &events {
            chat.push(event).expect("folds");
        }
        let direct = chat_response_to_gemini(&chat.finish().expect("completion"), &opts())
            .expect("translated");
        assert_eq!(
            without_ids(json_of(&gemini.finish().expect("merged"))),
            without_ids(json_of(&direct.value)),
            "{name}"
        );
        translated += 1;
    }
    assert!(translated > 15, "{translated}");
}

// ---------------------------------------------------------------------------------------
// The semantics, one test each.

fn gemini_response(value: Value) -> GenerateContentResponse {
    Json::from_json_value(&value).expect("a Gemini response")
}

fn chat_response(value: Value) -> CreateChatCompletionResponse {
    Json::from_json_value(&value).expect("a Chat response")
}

#[test]
fn system_and_developer_messages_become_the_system_instruction() {
    let chat = request(json!({"model": "gemini-2.5-flash", "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "developer", "content": [{"type": "text", "text": "Use metric units."}]},
        {"role": "user", "content": "Hi"},
        {"role": "system", "content": "Late rule."}
    ]}));
    let result = chat_to_gemini(&chat, &opts()).expect("translated");
    let out = json_of(&result.value);
    assert_eq!(
        out["systemInstruction"],
        json!({"parts": [{"text": "Be brief."}, {"text": "Use metric units."}, {"text": "Late rule."}]})
    );
    assert_eq!(
        out["contents"],
        json!([{"role": "user", "parts": [{"text": "Hi"}]}])
    );
    assert_eq!(
        pointers(&result.losses),
        [("/messages/3", LossKind::Approximated)]
    );

    let gemini = gemini_request(json!({
        "systemInstruction": {"role": "user", "parts": [{"text": "Be brief."}, {"text": "Use metric units."}]},
        "contents": [{"role": "user", "parts": [{"text": "Hi"}]}]
    }));
    let result = gemini_to_chat(&gemini, "gemini-2.5-flash", &opts()).expect("translated");
    assert!(result.losses.is_empty(), "{}", result.losses);
    assert_eq!(
        json_of(&result.value)["messages"],
        json!([
            {"role": "system", "content": [{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Use metric units."}]},
            {"role": "user", "content": "Hi"}
        ])
    );
}

#[test]
fn parallel_tool_calls_and_results_keep_their_ids() {
    let chat = request(json!({"model": "gemini-3-flash-preview", "messages": [
        {"role": "user", "content": "Weather and time in Paris?"},
        {"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_w", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
            {"id": "call_t", "type": "function", "function": {"name": "get_time", "arguments": "{\"city\":\"Paris\"}"}}
        ]},
        {"role": "tool", "tool_call_id": "call_w", "content": "Sunny"},
        {"role": "tool", "tool_call_id": "call_t", "content": "{\"time\":\"15:00\"}"}
    ]}));
    let result = chat_to_gemini(&chat, &opts()).expect("translated");
    assert!(result.losses.is_empty(), "{}", result.losses);
    assert_eq!(
        json_of(&result.value)["contents"],
        json!([
            {"role": "user", "parts": [{"text": "Weather and time in Paris?"}]},
            {"role": "model", "parts": [
                {"functionCall": {"id": "call_w", "name": "get_weather", "args": {"city": "Paris"}}},
                {"functionCall": {"id": "call_t", "name": "get_time", "args": {"city": "Paris"}}}
            ]},
            // Both results in one content, each named after its call.
            {"role": "user", "parts": [
                {"functionResponse": {"id": "call_w", "name": "get_weather", "response": {"output": "Sunny"}}},
                {"functionResponse": {"id": "call_t", "name": "get_time", "response": {"time": "15:00"}}}
            ]}
        ])
    );

    // Gemini calls without ids get `call_<position>`; responses pair with calls by name.
    let gemini = gemini_request(json!({"contents": [
        {"role": "user", "parts": [{"text": "Weather and time in Paris?"}]},
        {"role": "model", "parts": [
            {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
            {"functionCall": {"name": "get_time", "args": {"city": "Paris"}}}
        ]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "get_time", "response": {"time": "15:00"}}},
            {"functionResponse": {"name": "get_weather", "response": {"output": "Sunny"}}}
        ]}
    ]}));
    let result = gemini_to_chat(&gemini, "gemini-2.5-flash", &opts()).expect("translated");
    assert!(result.losses.is_empty(), "{}", result.losses);
    let messages = &json_of(&result.value)["messages"];
    assert_eq!(messages[1]["tool_calls"][0]["id"], "call_0");
    assert_eq!(messages[1]["tool_calls"][1]["id"], "call_1");
    assert_eq!(
        messages[1]["tool_calls"][1]["function"]["arguments"],
        "{\"city\":\"Paris\"}"
    );
    assert_eq!(
        messages[2],
        json!({"role": "tool", "tool_call_id": "call_1", "content": "{\"time\":\"15:00\"}"})
    );
    assert_eq!(
        messages[3],
        json!({"role": "tool", "tool_call_id": "call_0", "content": "Sunny"})
    );

    // A result for a call that was never made is not a Chat conversation.
    let orphan = request(json!({"model": "m", "messages": [
        {"role": "user", "content": "Hi"},
        {"role": "tool", "tool_call_id": "call_x", "content": "?"}
    ]}));
    assert!(chat_to_gemini(&orphan, &opts()).is_err());
}

#[test]
fn tool_choice_maps_to_function_calling_modes() {
    let tools = json!([
        {"type": "function", "function": {"name": "a", "parameters": {"type": "object"}}},
        {"type": "function", "function": {"name": "b", "parameters": {"type": "object"}}}
    ]);
    let allowed = json!({"type": "allowed_tools", "allowed_tools": {"mode": "required", "tools": [
        {"type": "function", "function": {"name": "a"}}, {"type": "function", "function": {"name": "b"}}]}});
    for (choice, config) in [
        (json!("none"), json!({"mode": "NONE"})),
        (json!("auto"), json!({"mode": "AUTO"})),
        (json!("required"), json!({"mode": "ANY"})),
        (
            json!({"type": "function", "function": {"name": "b"}}),
            json!({"mode": "ANY", "allowedFunctionNames": ["b"]}),
        ),
        (
            allowed,
            json!({"mode": "ANY", "allowedFunctionNames": ["a", "b"]}),
        ),
    ] {
        let chat = request(
            json!({"model": "m", "messages": [{"role": "user", "content": "Hi"}],
                                   "tools": tools, "tool_choice": choice}),
        );
        let result = chat_to_gemini(&chat, &opts()).expect("translated");
        assert!(result.losses.is_empty(), "{}", result.losses);
        let out = json_of(&result.value);
        assert_eq!(
            out["toolConfig"]["functionCallingConfig"], config,
            "{choice}"
        );
        assert_eq!(out["tools"][0]["functionDeclarations"][1]["name"], "b");

        // And back.
        let back = gemini_to_chat(&result.value, "m", &opts()).expect("translated");
        assert!(back.losses.is_empty(), "{}", back.losses);
        assert_eq!(json_of(&back.value)["tool_choice"], choice);
    }
    // Strict functions: Gemini validates arguments against the schema in VALIDATED mode.
    let chat = request(
        json!({"model": "m", "messages": [{"role": "user", "content": "Hi"}],
        "tools": [{"type": "function", "function": {"name": "a", "parameters": {"type": "object"}, "strict": true}}]}),
    );
    let out = json_of(&chat_to_gemini(&chat, &opts()).expect("translated").value);
    assert_eq!(
        out["toolConfig"]["functionCallingConfig"],
        json!({"mode": "VALIDATED"})
    );
    let back = gemini_to_chat(&Json::from_json_value(&out).expect("request"), "m", &opts())
        .expect("translated");
    assert_eq!(json_of(&back.value)["tool_choice"], "auto");
    assert_eq!(
        pointers(&back.losses),
        [(
            "/toolConfig/functionCallingConfig/mode",
            LossKind::Approximated
        )]
    );
}

#[test]
fn images_audio_and_documents_by_url_and_inline() {
    let chat = request(
        json!({"model": "m", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Look:"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.webp?size=large"}},
            {"type": "image_url", "image_url": {"url": "https://example.com/render", "detail": "high"}},
            {"type": "input_audio", "input_audio": {"data": "SUQz", "format": "mp3"}},
            {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"}}
        ]}]}),
    );
    let result = chat_to_gemini(&chat, &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["contents"][0]["parts"],
        json!([
            {"text": "Look:"},
            {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
            {"fileData": {"fileUri": "https://example.com/cat.webp?size=large", "mimeType": "image/webp"}},
            {"fileData": {"fileUri": "https://example.com/render", "mimeType": "image/jpeg"}},
            {"inlineData": {"mimeType": "audio/mp3", "data": "SUQz"}},
            {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}}
        ])
    );
    assert_eq!(
        pointers(&result.losses),
        [
            ("/messages/0/content/3/image_url/detail", LossKind::Dropped),
            (
                "/messages/0/content/3/image_url/url",
                LossKind::Approximated
            ),
            ("/messages/0/content/5/file/filename", LossKind::Dropped),
        ]
    );

    let gemini = gemini_request(json!({"contents": [{"role": "user", "parts": [
        {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
        {"fileData": {"fileUri": "https://example.com/cat.webp", "mimeType": "image/webp"}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
        {"inlineData": {"mimeType": "audio/wav", "data": "UklGRg=="}},
        {"inlineData": {"mimeType": "text/plain", "data": "aGVsbG8gd29ybGQ="}},
        {"fileData": {"fileUri": "https://generativelanguage.googleapis.com/v1beta/files/abc", "mimeType": "image/jpeg"}}
    ]}]}));
    let result = gemini_to_chat(&gemini, "m", &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["messages"][0]["content"],
        json!([
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.webp"}},
            {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "document.pdf"}},
            {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
            {"type": "text", "text": "hello world"}
        ])
    );
    assert_eq!(
        pointers(&result.losses),
        [
            ("/contents/0/parts/4/inlineData", LossKind::Approximated),
            ("/contents/0/parts/5/fileData", LossKind::Dropped),
        ]
    );
}

#[test]
fn structured_output_maps_to_a_response_json_schema() {
    let schema =
        json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
    let chat = request(
        json!({"model": "m", "messages": [{"role": "user", "content": "City?"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema, "strict": true}}}),
    );
    let result = chat_to_gemini(&chat, &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["generationConfig"],
        json!({"responseMimeType": "application/json", "responseJsonSchema": schema})
    );
    assert_eq!(
        pointers(&result.losses),
        [("/response_format/json_schema/name", LossKind::Dropped)]
    );
    let back = gemini_to_chat(&result.value, "m", &opts()).expect("translated");
    assert!(back.losses.is_empty(), "{}", back.losses);
    assert_eq!(
        json_of(&back.value)["response_format"],
        json!({"type": "json_schema", "json_schema": {"name": "output", "schema": schema, "strict": true}})
    );

    // JSON mode is Gemini's JSON output without a schema.
    let chat = request(
        json!({"model": "m", "messages": [{"role": "user", "content": "City?"}],
        "response_format": {"type": "json_object"}}),
    );
    let result = chat_to_gemini(&chat, &opts()).expect("translated");
    assert!(result.losses.is_empty());
    assert_eq!(
        json_of(&result.value)["generationConfig"],
        json!({"responseMimeType": "application/json"})
    );

    // Gemini's OpenAPI-style schema becomes JSON Schema.
    let gemini = gemini_request(
        json!({"contents": [{"role": "user", "parts": [{"text": "City?"}]}],
        "generationConfig": {"responseMimeType": "application/json", "responseSchema": {
            "type": "OBJECT", "properties": {"city": {"type": "STRING"}, "zip": {"type": "STRING", "nullable": true}},
            "propertyOrdering": ["city", "zip"]}}}),
    );
    let result = gemini_to_chat(&gemini, "m", &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["response_format"]["json_schema"]["schema"],
        json!({"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": ["string", "null"]}}})
    );
    assert_eq!(
        pointers(&result.losses),
        [(
            "/generationConfig/responseSchema/propertyOrdering",
            LossKind::Dropped
        )]
    );
}

#[test]
fn sampling_limits_and_stop_sequences() {
    let chat = request(
        json!({"model": "m", "messages": [{"role": "user", "content": "Hi"}],
        "temperature": 0.3, "top_p": 0.9, "max_completion_tokens": 100, "max_tokens": 50, "stop": "END",
        "seed": 7, "presence_penalty": 0.5, "frequency_penalty": -0.5}),
    );
    let result = chat_to_gemini(&chat, &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["generationConfig"],
        json!({"maxOutputTokens": 100, "temperature": 0.3, "topP": 0.9, "seed": 7,
               "presencePenalty": 0.5, "frequencyPenalty": -0.5, "stopSequences": ["END"]})
    );
    assert_eq!(
        pointers(&result.losses),
        [("/max_tokens", LossKind::Dropped)]
    );

    let gemini = gemini_request(
        json!({"contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
        "generationConfig": {"temperature": 0.3, "topP": 0.9, "topK": 40, "maxOutputTokens": 100,
                             "stopSequences": ["END", "STOP"]}}),
    );
    let result = gemini_to_chat(&gemini, "m", &opts()).expect("translated");
    let out = json_of(&result.value);
    assert_eq!(out["temperature"], json!(0.3));
    assert_eq!(out["top_p"], json!(0.9));
    assert_eq!(out["max_completion_tokens"], json!(100));
    assert_eq!(out["stop"], json!(["END", "STOP"]));
    assert_eq!(
        pointers(&result.losses),
        [("/generationConfig/topK", LossKind::Dropped)]
    );
}

#[test]
fn finish_reasons_map_both_ways() {
    for (reason, calls, finish, loss) in [
        ("STOP", false, "stop", None),
        ("STOP", true, "tool_calls", None),
        ("MAX_TOKENS", false, "length", None),
        ("SAFETY", false, "content_filter", None),
        (
            "RECITATION",
            false,
            "content_filter",
            Some(LossKind::Approximated),
        ),
        (
            "MALFORMED_FUNCTION_CALL",
            false,
            "stop",
            Some(LossKind::Approximated),
        ),
    ] {
        let mut parts = vec![json!({"text": "x"})];
        if calls {
            parts.push(json!({"functionCall": {"name": "f", "args": {}}}));
        }
        let response = gemini_response(
            json!({"candidates": [{"content": {"role": "model", "parts": parts},
            "finishReason": reason, "index": 0}]}),
        );
        let result = gemini_response_to_chat(&response, "m", &opts()).expect("translated");
        assert_eq!(
            json_of(&result.value)["choices"][0]["finish_reason"],
            finish,
            "{reason}"
        );
        assert_eq!(
            result.losses.iter().next().map(|l| l.kind),
            loss,
            "{reason}"
        );
    }
    for (finish, reason) in [
        ("stop", "STOP"),
        ("tool_calls", "STOP"),
        ("length", "MAX_TOKENS"),
        ("content_filter", "SAFETY"),
    ] {
        let response = chat_response(
            json!({"id": "c", "object": "chat.completion", "created": 1, "model": "gpt",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "x"}, "finish_reason": finish, "logprobs": null}]}),
        );
        let result = chat_response_to_gemini(&response, &opts()).expect("translated");
        assert_eq!(
            json_of(&result.value)["candidates"][0]["finishReason"],
            reason
        );
        assert!(result.losses.is_empty(), "{}", result.losses);
    }
    // A blocked prompt has no candidates: a filtered choice.
    let blocked = gemini_response(json!({"promptFeedback": {"blockReason": "SAFETY"}}));
    let result = gemini_response_to_chat(&blocked, "m", &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["choices"][0]["finish_reason"],
        "content_filter"
    );
}

#[test]
fn usage_counts_cached_and_reasoning_tokens() {
    let response = gemini_response(
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "x"}]},
        "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 20, "thoughtsTokenCount": 30,
                          "cachedContentTokenCount": 40, "totalTokenCount": 150,
                          "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 90}, {"modality": "IMAGE", "tokenCount": 10}]}}),
    );
    let result = gemini_response_to_chat(&response, "m", &opts()).expect("translated");
    assert!(result.losses.is_empty(), "{}", result.losses);
    let usage = json_of(&result.value)["usage"].clone();
    assert_eq!(
        usage,
        json!({"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150,
               "prompt_tokens_details": {"text_tokens": 90, "image_tokens": 10, "cached_tokens": 40},
               "completion_tokens_details": {"reasoning_tokens": 30}})
    );
    let chat = chat_response(
        json!({"id": "c", "object": "chat.completion", "created": 1, "model": "gpt",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "x"}, "finish_reason": "stop", "logprobs": null}],
        "usage": usage}),
    );
    let result = chat_response_to_gemini(&chat, &opts()).expect("translated");
    assert!(result.losses.is_empty(), "{}", result.losses);
    assert_eq!(
        json_of(&result.value)["usageMetadata"],
        json!({"promptTokenCount": 100, "candidatesTokenCount": 20, "thoughtsTokenCount": 30,
               "cachedContentTokenCount": 40, "totalTokenCount": 150,
               "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 90}, {"modality": "IMAGE", "tokenCount": 10}]})
    );
}

#[test]
fn thoughts_and_signatures_travel_tagged_and_return_only_to_gemini() {
    let parts = json!([
        {"text": "Let me think.", "thought": true},
        {"text": "Calling the tool.", "thoughtSignature": "SIG_TEXT"},
        {"functionCall": {"name": "lookup", "args": {"q": "x"}}, "thoughtSignature": "SIG_CALL"}
    ]);
    let response = gemini_response(
        json!({"candidates": [{"content": {"role": "model", "parts": parts},
        "finishReason": "STOP", "index": 0}], "responseId": "r1"}),
    );
    let result =
        gemini_response_to_chat(&response, "gemini-3-pro-preview", &opts()).expect("translated");
    assert!(result.losses.is_empty(), "{}", result.losses);
    let message = json_of(&result.value)["choices"][0]["message"].clone();
    assert_eq!(message["content"], "Calling the tool.");
    assert_eq!(message["tool_calls"][0]["id"], "call_0");
    assert_eq!(
        message["aigw_reasoning"],
        json!([
            {"provider": "gemini", "block": {"thought": true, "text": "Let me think."}},
            {"provider": "gemini", "block": {"thoughtSignature": "SIG_TEXT", "on": "content"}},
            {"provider": "gemini", "block": {"thoughtSignature": "SIG_CALL", "on": "tool_calls", "index": 0}}
        ])
    );
    assert_eq!(json_of(&result.value)["id"], "r1");

    // The client sends the message back: Gemini gets its parts back in place.
    let mut message = message;
    message
        .as_object_mut()
        .expect("object")
        .shift_remove("refusal");
    let chat = request(json!({"model": "gemini-3-pro-preview", "messages": [
        {"role": "user", "content": "Look x up"}, message,
        {"role": "tool", "tool_call_id": "call_0", "content": "found"}
    ]}));
    let result = chat_to_gemini(&chat, &opts()).expect("translated");
    assert!(result.losses.is_empty(), "{}", result.losses);
    assert_eq!(
        json_of(&result.value)["contents"][1]["parts"],
        json!([
            {"text": "Let me think.", "thought": true},
            {"text": "Calling the tool.", "thoughtSignature": "SIG_TEXT"},
            {"functionCall": {"id": "call_0", "name": "lookup", "args": {"q": "x"}}, "thoughtSignature": "SIG_CALL"}
        ])
    );

    // Reasoning of another provider, and untagged reasoning text, never reach Gemini.
    let chat = request(json!({"model": "m", "messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello", "reasoning_content": "hmm",
         "aigw_reasoning": [{"provider": "anthropic", "block": {"type": "thinking", "thinking": "t", "signature": "s"}}]}
    ]}));
    let result = chat_to_gemini(&chat, &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["contents"][1]["parts"],
        json!([{"text": "Hello"}])
    );
    assert_eq!(
        pointers(&result.losses),
        [
            ("/messages/1/aigw_reasoning/0", LossKind::Dropped),
            ("/messages/1/reasoning_content", LossKind::Dropped),
        ]
    );

    // Toward OpenAI, Gemini thoughts and signatures are dropped and reported.
    let gemini = gemini_request(json!({"contents": [
        {"role": "user", "parts": [{"text": "Look x up"}]},
        {"role": "model", "parts": parts}
    ]}));
    let result = gemini_to_chat(&gemini, "gpt-5", &opts()).expect("translated");
    assert_eq!(
        pointers(&result.losses),
        [
            ("/contents/1/parts/0", LossKind::Dropped),
            ("/contents/1/parts/1/thoughtSignature", LossKind::Dropped),
            ("/contents/1/parts/2/thoughtSignature", LossKind::Dropped),
        ]
    );
}

#[test]
fn reasoning_effort_and_thinking_config() {
    let chat = |model: &str, effort: &str| {
        request(
            json!({"model": model, "messages": [{"role": "user", "content": "Hi"}], "reasoning_effort": effort}),
        )
    };
    let result = chat_to_gemini(&chat("gemini-3-pro-preview", "low"), &opts()).expect("translated");
    assert!(result.losses.is_empty());
    assert_eq!(
        json_of(&result.value)["generationConfig"]["thinkingConfig"],
        json!({"thinkingLevel": "LOW"})
    );
    let result = chat_to_gemini(&chat("gemini-2.5-flash", "low"), &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["generationConfig"]["thinkingConfig"],
        json!({"thinkingBudget": 1024})
    );
    assert_eq!(
        pointers(&result.losses),
        [("/reasoning_effort", LossKind::Approximated)]
    );

    let gemini = |thinking: Value| {
        gemini_request(
            json!({"contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
            "generationConfig": {"thinkingConfig": thinking}}),
        )
    };
    let result = gemini_to_chat(&gemini(json!({"thinkingLevel": "HIGH"})), "m", &opts())
        .expect("translated");
    assert!(result.losses.is_empty());
    assert_eq!(json_of(&result.value)["reasoning_effort"], "high");
    let result =
        gemini_to_chat(&gemini(json!({"thinkingBudget": 0})), "m", &opts()).expect("translated");
    assert_eq!(json_of(&result.value)["reasoning_effort"], "none");
    assert_eq!(
        pointers(&result.losses),
        [(
            "/generationConfig/thinkingConfig/thinkingBudget",
            LossKind::Approximated
        )]
    );
    let result = gemini_to_chat(
        &gemini(json!({"thinkingBudget": 20000, "includeThoughts": true})),
        "m",
        &opts(),
    )
    .expect("translated");
    assert_eq!(json_of(&result.value)["reasoning_effort"], "high");
    assert_eq!(result.losses.len(), 2);
}

#[test]
fn candidate_count_and_logprobs() {
    let chat = request(
        json!({"model": "m", "messages": [{"role": "user", "content": "Hi"}],
        "n": 2, "logprobs": true, "top_logprobs": 2}),
    );
    let result = chat_to_gemini(&chat, &opts()).expect("translated");
    assert!(result.losses.is_empty());
    assert_eq!(
        json_of(&result.value)["generationConfig"],
        json!({"candidateCount": 2, "responseLogprobs": true, "logprobs": 2})
    );

    let logprobs = json!({
        "chosenCandidates": [{"token": "Hi", "logProbability": -0.1}, {"token": "!", "logProbability": -0.5}],
        "topCandidates": [
            {"candidates": [{"token": "Hi", "logProbability": -0.1}, {"token": "Hey", "logProbability": -2.5}]},
            {"candidates": [{"token": "!", "logProbability": -0.5}]}
        ],
        "logProbabilitySum": -0.6
    });
    let response = gemini_response(json!({"candidates": [
        {"content": {"role": "model", "parts": [{"text": "Hi!"}]}, "finishReason": "STOP", "index": 0,
         "logprobsResult": logprobs, "avgLogprobs": -0.3},
        {"content": {"role": "model", "parts": [{"text": "Hello"}]}, "finishReason": "STOP", "index": 1}
    ]}));
    let result = gemini_response_to_chat(&response, "m", &opts()).expect("translated");
    assert!(result.losses.is_empty(), "{}", result.losses);
    let out = json_of(&result.value);
    assert_eq!(out["choices"][1]["message"]["content"], "Hello");
    assert_eq!(out["choices"][1]["index"], 1);
    let first = &out["choices"][0]["logprobs"]["content"][0];
    assert_eq!(
        *first,
        json!({"token": "Hi", "logprob": -0.1, "bytes": [72, 105], "top_logprobs": [
            {"token": "Hi", "logprob": -0.1, "bytes": [72, 105]},
            {"token": "Hey", "logprob": -2.5, "bytes": [72, 101, 121]}]})
    );
    // And back.
    let back = chat_response_to_gemini(&chat_response(out), &opts()).expect("translated");
    let candidate = &json_of(&back.value)["candidates"][0];
    assert_eq!(
        candidate["logprobsResult"]["chosenCandidates"],
        logprobs["chosenCandidates"]
    );
    assert_eq!(
        candidate["logprobsResult"]["topCandidates"],
        logprobs["topCandidates"]
    );
}

#[test]
fn unknown_fields_are_reported_and_strict_refuses() {
    let chat = request(json!({"model": "m", "x_vendor": 1, "user": "u1",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi", "cache_control": {"type": "ephemeral"}}]}]}));
    let result = chat_to_gemini(&chat, &opts()).expect("translated");
    assert_eq!(
        pointers(&result.losses),
        [
            ("/messages/0/content/0/cache_control", LossKind::Dropped),
            ("/user", LossKind::Dropped),
            ("/x_vendor", LossKind::Dropped),
        ]
    );
    let strict = Options {
        strict: true,
        ..opts()
    };
    assert!(chat_to_gemini(&chat, &strict).is_err());

    let gemini = gemini_request(
        json!({"contents": [{"role": "user", "parts": [{"text": "Hi"}], "x_part": 1}],
        "cachedContent": "cachedContents/abc", "safetySettings": [{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_NONE"}]}),
    );
    let result = gemini_to_chat(&gemini, "m", &opts()).expect("translated");
    assert_eq!(
        pointers(&result.losses),
        [
            ("/contents/0/x_part", LossKind::Dropped),
            ("/cachedContent", LossKind::Dropped),
            ("/safetySettings", LossKind::Dropped),
        ]
    );
    assert!(gemini_to_chat(&gemini, "m", &strict).is_err());
}

fn chat_event(value: Value) -> ChatStreamEvent {
    ChatStreamEvent::Chunk(Box::new(Json::from_json_value(&value).expect("a chunk")))
}

#[test]
fn gemini_stream_sends_role_text_whole_tool_calls_finish_usage_and_done() {
    let chunks: Vec<GenerateContentResponse> = [
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Thinking", "thought": true}]}, "index": 0}], "responseId": "r"}),
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Hel"}]}, "index": 0}], "responseId": "r"}),
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "lo"},
            {"functionCall": {"name": "f", "args": {"a": 1}}, "thoughtSignature": "S"}]}, "index": 0}], "responseId": "r"}),
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]}, "finishReason": "STOP", "index": 0}],
               "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 3, "totalTokenCount": 8}, "responseId": "r", "modelVersion": "gemini-x"}),
    ]
    .into_iter()
    .map(gemini_response)
    .collect();
    let mut translator = GeminiToChatStream::new("gemini", &opts(), true);
    let out: Vec<Value> = translator
        .translate_all(&chunks)
        .expect("translated")
        .iter()
        .map(Event::to_json)
        .collect();
    assert!(translator.losses().is_empty(), "{}", translator.losses());
    let deltas: Vec<Value> = out
        .iter()
        .map(|c| c["choices"][0]["delta"].clone())
        .collect();
    assert_eq!(deltas[0], json!({"role": "assistant", "refusal": null}));
    assert_eq!(
        deltas[1],
        json!({"content": "Hel", "aigw_reasoning": [{"provider": "gemini", "block": {"thought": true, "text": "Thinking"}}]})
    );
    assert_eq!(
        deltas[2]["tool_calls"],
        json!([{"index": 0, "id": "call_0", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}])
    );
    assert_eq!(deltas[2]["content"], "lo");
    assert_eq!(out[3]["choices"][0]["delta"], json!({"content": ""}));
    assert_eq!(out[4]["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(out[5]["choices"], json!([]));
    assert_eq!(out[5]["usage"]["total_tokens"], 8);
    assert_eq!(out[5]["model"], "gemini-x");
    assert_eq!(out[6], json!("[DONE]"));
    assert!(out[..6].iter().all(|c| c["id"] == "r"));

    // Without include_usage, no usage chunk.
    let mut translator = GeminiToChatStream::new("gemini", &opts(), false);
    let out = translator.translate_all(&chunks).expect("translated");
    assert_eq!(out.len(), 6);
    assert!(matches!(out.last(), Some(ChatStreamEvent::Done)));
}

#[test]
fn chat_stream_tool_call_fragments_become_whole_function_calls_in_order() {
    let head =
        json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-x"});
    let chunk = |choices: Value, usage: Value| {
        let mut c = head.clone();
        c["choices"] = choices;
        c["usage"] = usage;
        chat_event(c)
    };
    let delta = |delta: Value, finish: Value| json!([{"index": 0, "delta": delta, "finish_reason": finish}]);
    let events = vec![
        chunk(
            delta(
                json!({"role": "assistant", "content": "On it."}),
                Value::Null,
            ),
            Value::Null,
        ),
        chunk(
            delta(
                json!({"tool_calls": [{"index": 0, "id": "call_a", "type": "function", "function": {"name": "weather", "arguments": ""}}]}),
                Value::Null,
            ),
            Value::Null,
        ),
        chunk(
            delta(
                // Some providers repeat the name in every fragment: it must not double.
                json!({"tool_calls": [{"index": 0, "function": {"name": "weather", "arguments": "{\"city\":"}}]}),
                Value::Null,
            ),
            Value::Null,
        ),
        chunk(
            delta(
                json!({"tool_calls": [{"index": 1, "id": "call_b", "type": "function", "function": {"name": "time", "arguments": "{}"}}]}),
                Value::Null,
            ),
            Value::Null,
        ),
        chunk(
            delta(
                json!({"tool_calls": [{"index": 0, "function": {"arguments": "\"Paris\"}"}}]}),
                Value::Null,
            ),
            Value::Null,
        ),
        chunk(delta(json!({}), json!("tool_calls")), Value::Null),
        chunk(
            json!([]),
            json!({"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}),
        ),
        ChatStreamEvent::Done,
    ];
    let mut translator = ChatToGeminiStream::new(&opts());
    let out: Vec<Value> = translator
        .translate_all(&events)
        .expect("translated")
        .iter()
        .map(json_of)
        .collect();
    assert!(translator.losses().is_empty(), "{}", translator.losses());
    assert_eq!(out.len(), 2, "{out:#?}");
    assert_eq!(
        out[0]["candidates"][0]["content"]["parts"],
        json!([{"text": "On it."}])
    );
    assert_eq!(
        out[1]["candidates"][0],
        json!({"content": {"role": "model", "parts": [
            {"functionCall": {"id": "call_a", "name": "weather", "args": {"city": "Paris"}}},
            {"functionCall": {"id": "call_b", "name": "time", "args": {}}}
        ]}, "finishReason": "STOP", "index": 0})
    );
    assert_eq!(
        out[1]["usageMetadata"],
        json!({"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15})
    );
    assert_eq!(out[1]["responseId"], "c1");
    assert_eq!(out[1]["modelVersion"], "gpt-x");
}

#[test]
fn strict_streams_refuse_at_the_first_loss() {
    let strict = Options {
        strict: true,
        ..opts()
    };
    let chunk = gemini_response(
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "x"}]},
        "finishReason": "STOP", "finishMessage": "done", "index": 0}]}),
    );
    let mut translator = GeminiToChatStream::new("m", &strict, true);
    assert!(translator.push(&chunk).is_err());
}

// ---------------------------------------------------------------------------------------
// Round trip of the lossless subset.

mod round_trip {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        "[A-Za-z0-9 .,!?]{1,40}"
    }

    prop_compose! {
        /// Text user/assistant turns (any order) after an optional system prompt, and the
        /// sampling parameters both protocols have.
        fn lossless_request()(
            system in proptest::option::of(text()),
            turns in proptest::collection::vec((any::<bool>(), text()), 1..6),
            temperature in proptest::option::of(0u32..=200),
            top_p in proptest::option::of(1u32..=100),
            max in proptest::option::of(1u32..=65536),
            stop in proptest::option::of(proptest::collection::vec(text(), 1..=4)),
        ) -> Value {
            let mut messages = Vec::new();
            if let Some(system) = system {
                messages.push(json!({"role": "system", "content": system}));
            }
            for (user, text) in turns {
                messages.push(json!({"role": if user { "user" } else { "assistant" }, "content": text}));
            }
            let mut request = json!({"model": "gemini-2.5-flash", "messages": messages});
            if let Some(t) = temperature {
                request["temperature"] = json!(f64::from(t) / 100.0);
            }
            if let Some(p) = top_p {
                request["top_p"] = json!(f64::from(p) / 100.0);
            }
            if let Some(max) = max {
                request["max_completion_tokens"] = json!(max);
            }
            if let Some(stop) = stop {
                request["stop"] = json!(stop);
            }
            request
        }
    }

    proptest! {
        #[test]
        fn chat_to_gemini_to_chat_is_the_identity(value in lossless_request()) {
            let original = request(value);
            let there = chat_to_gemini(&original, &opts()).expect("to Gemini");
            prop_assert!(there.losses.is_empty(), "to Gemini: {}", there.losses);
            let back = gemini_to_chat(&there.value, "gemini-2.5-flash", &opts()).expect("to Chat");
            prop_assert!(back.losses.is_empty(), "to Chat: {}", back.losses);
            prop_assert_eq!(json_of(&back.value), json_of(&original));
        }
    }
}

// ---------------------------------------------------------------------------------------
// No input makes a translation panic: arbitrary shapes under the keys the translations read.

mod any_shape {
    use super::*;
    use proptest::prelude::*;

    const KEYS: &[&str] = &[
        "text",
        "thought",
        "thoughtSignature",
        "functionCall",
        "functionResponse",
        "inlineData",
        "fileData",
        "name",
        "args",
        "id",
        "response",
        "mimeType",
        "data",
        "role",
        "parts",
        "content",
        "type",
        "tool_calls",
        "function",
        "arguments",
        "image_url",
        "url",
        "index",
        "finishReason",
        "finish_reason",
        "delta",
        "message",
        "logprobs",
        "logprobsResult",
        "chosenCandidates",
        "usage",
        "usageMetadata",
        "aigw_reasoning",
        "block",
        "provider",
        "on",
        "reasoning_content",
        "tool_call_id",
        "file",
        "file_data",
        "input_audio",
        "refusal",
    ];

    fn shape() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-3i64..40).prop_map(Value::from),
            prop_oneof![
                Just("".to_owned()),
                Just("{}".to_owned()),
                Just("data:image/png;base64,AAAA".to_owned()),
                Just("user".to_owned()),
                Just("model".to_owned()),
                Just("function".to_owned()),
                "[a-z_]{0,8}",
            ]
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec((proptest::sample::select(KEYS), inner), 0..5).prop_map(
                    |pairs| Value::Object(
                        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
                    )
                ),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn translations_never_panic(a in shape(), b in shape(), c in shape()) {
            let options = opts();
            if let Ok(request) = CreateChatCompletionRequest::from_json_value(&json!({"model": "m", "messages": [a, b, c]})
            ) {
                let _ = chat_to_gemini(&request, &options);
            }
            if let Ok(request) = aigw_gemini::GenerateContentRequest::from_json_value(&json!({"contents": [a, b, c]})
            ) {
                let _ = gemini_to_chat(&request, "m", &options);
            }
            let chunks: Vec<GenerateContentResponse> = [&a, &b, &c]
                .into_iter()
                .filter_map(|v| Json::from_json_value(&json!({"candidates": [v], "usageMetadata": c})).ok())
                .collect();
            for chunk in &chunks {
                let _ = gemini_response_to_chat(chunk, "m", &options);
            }
            let _ = GeminiToChatStream::new("m", &options, true).translate_all(&chunks);
            let completions: Vec<CreateChatCompletionResponse> = [&a, &b, &c]
                .into_iter()
                .filter_map(|v| Json::from_json_value(&json!({"id": "x", "choices": [v], "usage": c})).ok())
                .collect();
            for completion in &completions {
                let _ = chat_response_to_gemini(completion, &options);
            }
            let events: Vec<ChatStreamEvent> = [&a, &b, &c]
                .into_iter()
                .filter_map(|v| Json::from_json_value(&json!({"id": "x", "choices": [v]})).ok())
                .map(|chunk| ChatStreamEvent::Chunk(Box::new(chunk)))
                .collect();
            let _ = ChatToGeminiStream::new(&options).translate_all(&events);
        }
    }
}
