//! The semantics, one test each.

use super::*;

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
