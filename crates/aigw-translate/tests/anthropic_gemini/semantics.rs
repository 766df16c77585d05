//! One test per semantic.

use super::*;

#[test]
fn system_prompts_both_ways() {
    let request = from(json!({"model": "claude", "max_tokens": 100,
        "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}, {"type": "text", "text": "Be kind."}],
        "messages": [{"role": "user", "content": "Hi"}]}));
    let result = messages_to_gemini(&request, &opts()).expect("translated");
    let value = json_of(&result.value);
    assert_eq!(
        value["systemInstruction"],
        json!({"parts": [{"text": "Be brief."}, {"text": "Be kind."}]})
    );
    assert_eq!(
        pointers(&result.losses),
        [("/system/0/cache_control".to_owned(), LossKind::Dropped)]
    );

    let request = from(
        json!({"systemInstruction": {"role": "user", "parts": [{"text": "One."}]}, "contents": [{"parts": [{"text": "Hi"}]}],
        "generationConfig": {"maxOutputTokens": 10}}),
    );
    let result = gemini_to_messages(&request, "claude", &opts()).expect("translated");
    let value = json_of(&result.value);
    assert_eq!(value["system"], "One.");
    assert_eq!(
        value["messages"],
        json!([{"role": "user", "content": "Hi"}])
    );
    assert!(result.losses.is_empty(), "{}", result.losses);
    let request = from(
        json!({"system_instruction": {"parts": [{"text": "One."}, {"text": "Two."}]}, "contents": [],
        "generationConfig": {"maxOutputTokens": 10}}),
    );
    let value = json_of(
        &gemini_to_messages(&request, "claude", &opts())
            .expect("translated")
            .value,
    );
    assert_eq!(
        value["system"],
        json!([{"type": "text", "text": "One."}, {"type": "text", "text": "Two."}])
    );
}

#[test]
fn tool_calls_keep_ids_and_results_find_their_names() {
    let request = from(json!({"model": "claude", "max_tokens": 100, "messages": [
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {"role": "assistant", "content": [{"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "toolu_a", "name": "weather", "input": {"city": "Paris"}},
            {"type": "tool_use", "id": "toolu_b", "name": "weather", "input": {"city": "Rome"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_a", "content": "sunny"},
            {"type": "tool_result", "tool_use_id": "toolu_b", "content": [{"type": "text", "text": "down"}], "is_error": true}]}]}));
    let result = messages_to_gemini(&request, &opts()).expect("translated");
    let value = json_of(&result.value);
    assert_eq!(value["contents"][1]["role"], "model");
    assert_eq!(
        value["contents"][1]["parts"][1],
        json!({"functionCall": {"id": "toolu_a", "name": "weather", "args": {"city": "Paris"}}})
    );
    assert_eq!(
        value["contents"][1]["parts"][2]["functionCall"]["id"],
        "toolu_b"
    );
    assert_eq!(
        value["contents"][2]["parts"][0],
        json!({"functionResponse": {"id": "toolu_a", "name": "weather", "response": {"content": "sunny"}}})
    );
    assert_eq!(
        value["contents"][2]["parts"][1],
        json!({"functionResponse": {"id": "toolu_b", "name": "weather", "response": {"error": "down"}}})
    );
    assert_eq!(
        pointers(&result.losses),
        [(
            "/messages/2/content/1/is_error".to_owned(),
            LossKind::Approximated
        )]
    );

    // And back: the ids come back; the error key becomes is_error again.
    let back = gemini_to_messages(&result.value, "claude", &opts()).expect("back");
    let mut expected = json_of(&request)["messages"].clone();
    // A one-text-block result comes back as a string.
    expected[2]["content"][1]["content"] = json!("down");
    assert_eq!(json_of(&back.value)["messages"], expected);
    assert_eq!(
        pointers(&back.losses),
        [(
            "/contents/2/parts/1/functionResponse/response/error".to_owned(),
            LossKind::Approximated
        )]
    );

    // Gemini without ids: made-up ids pair calls and responses by name, in order.
    let request = from(json!({"contents": [
        {"role": "user", "parts": [{"text": "Go"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {"n": 1}}}, {"functionCall": {"name": "f", "args": {"n": 2}}}, {"functionCall": {"name": "g"}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "g", "response": {"output": 3}}}, {"functionResponse": {"name": "f", "response": {"content": "one"}}},
                                   {"functionResponse": {"name": "f", "response": {"content": ["two", "2"]}}}]}],
        "generationConfig": {"maxOutputTokens": 10}}));
    let result = gemini_to_messages(&request, "claude", &opts()).expect("translated");
    let value = json_of(&result.value);
    let calls = &value["messages"][1]["content"];
    assert_eq!(
        calls[0],
        json!({"type": "tool_use", "id": "toolu_1_0", "name": "f", "input": {"n": 1}})
    );
    assert_eq!(
        calls[2],
        json!({"type": "tool_use", "id": "toolu_1_2", "name": "g", "input": {}})
    );
    let results = &value["messages"][2]["content"];
    assert_eq!(
        results[0],
        json!({"type": "tool_result", "tool_use_id": "toolu_1_2", "content": "{\"output\":3}"})
    );
    assert_eq!(
        results[1],
        json!({"type": "tool_result", "tool_use_id": "toolu_1_0", "content": "one"})
    );
    assert_eq!(
        results[2],
        json!({"type": "tool_result", "tool_use_id": "toolu_1_1", "content": [{"type": "text", "text": "two"}, {"type": "text", "text": "2"}]})
    );
    assert!(result.losses.is_empty(), "{}", result.losses);
}

#[test]
fn tool_choice_modes_both_ways() {
    let tools = json!([{"name": "f", "description": "d", "input_schema": {"type": "object", "properties": {}}},
                       {"type": "web_search_20250305", "name": "web_search"}]);
    for (choice, config) in [
        (json!({"type": "auto"}), json!({"mode": "AUTO"})),
        (json!({"type": "any"}), json!({"mode": "ANY"})),
        (json!({"type": "none"}), json!({"mode": "NONE"})),
        (
            json!({"type": "tool", "name": "f"}),
            json!({"mode": "ANY", "allowedFunctionNames": ["f"]}),
        ),
    ] {
        let request = from(
            json!({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "Hi"}], "tools": tools, "tool_choice": choice}),
        );
        let result = messages_to_gemini(&request, &opts()).expect("translated");
        let value = json_of(&result.value);
        assert_eq!(value["toolConfig"]["functionCallingConfig"], config);
        assert_eq!(
            value["tools"],
            json!([{"functionDeclarations": [{"name": "f", "description": "d", "parametersJsonSchema": {"type": "object", "properties": {}}}]}])
        );
        assert_eq!(
            pointers(&result.losses),
            [("/tools/1".to_owned(), LossKind::Dropped)],
            "server tools are reported"
        );
        let back = gemini_to_messages(&result.value, "m", &opts()).expect("back");
        assert_eq!(json_of(&back.value)["tool_choice"], choice);
    }
    let request = from(
        json!({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "Hi"}],
        "tool_choice": {"type": "auto", "disable_parallel_tool_use": true}}),
    );
    let result = messages_to_gemini(&request, &opts()).expect("translated");
    assert!(has(
        &result.losses,
        "/tool_choice/disable_parallel_tool_use",
        LossKind::Dropped
    ));
    // ANY with several allowed names: Anthropic can only say any.
    let request = from(
        json!({"contents": [{"parts": [{"text": "Hi"}]}], "generationConfig": {"maxOutputTokens": 5},
        "tools": {"functionDeclarations": [{"name": "a", "parameters": {"type": "OBJECT", "properties": {"x": {"type": "STRING"}}}}]},
        "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["a", "b"]}}}),
    );
    let result = gemini_to_messages(&request, "m", &opts()).expect("translated");
    let value = json_of(&result.value);
    assert_eq!(value["tool_choice"], json!({"type": "any"}));
    assert_eq!(
        value["tools"],
        json!([{"name": "a", "input_schema": {"type": "object", "properties": {"x": {"type": "string"}}}}])
    );
    assert!(has(
        &result.losses,
        "/toolConfig/functionCallingConfig/allowedFunctionNames",
        LossKind::Approximated
    ));
}

#[test]
fn images_and_documents_both_ways() {
    let request = from(
        json!({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="}, "title": "Spec"},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain words"}},
        {"type": "image", "source": {"type": "file", "file_id": "file_1"}}]}]}),
    );
    let result = messages_to_gemini(&request, &opts()).expect("translated");
    let value = json_of(&result.value);
    assert_eq!(
        value["contents"][0]["parts"],
        json!([
        {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
        {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/cat.jpg"}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
        {"inlineData": {"mimeType": "text/plain", "data": "cGxhaW4gd29yZHM="}}])
    );
    assert_eq!(
        pointers(&result.losses),
        [
            ("/messages/0/content/2/title".to_owned(), LossKind::Dropped),
            ("/messages/0/content/4".to_owned(), LossKind::Dropped)
        ]
    );
    let back = gemini_to_messages(&result.value, "m", &opts()).expect("back");
    let content = &json_of(&back.value)["messages"][0]["content"];
    assert_eq!(
        content[0],
        json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}})
    );
    assert_eq!(
        content[1],
        json!({"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}})
    );
    assert_eq!(content[2]["type"], "document");
    assert_eq!(
        content[3],
        json!({"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain words"}})
    );
    assert!(back.losses.is_empty(), "{}", back.losses);
    // Gemini file URIs and audio have no Anthropic form.
    let request = from(
        json!({"contents": [{"parts": [{"fileData": {"mimeType": "application/pdf", "fileUri": "https://generativelanguage.googleapis.com/v1beta/files/abc"}},
        {"inline_data": {"mime_type": "audio/mpeg", "data": "AAAA"}}, {"text": "Describe"}]}], "generationConfig": {"maxOutputTokens": 5}}),
    );
    let result = gemini_to_messages(&request, "m", &opts()).expect("translated");
    assert_eq!(json_of(&result.value)["messages"][0]["content"], "Describe");
    assert_eq!(
        pointers(&result.losses),
        [
            ("/contents/0/parts/0/fileData".to_owned(), LossKind::Dropped),
            (
                "/contents/0/parts/1/inline_data".to_owned(),
                LossKind::Dropped
            )
        ]
    );
}

#[test]
fn structured_output_both_ways() {
    let schema =
        json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
    let request = from(
        json!({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "Hi"}],
        "output_config": {"format": {"type": "json_schema", "schema": schema}}}),
    );
    let result = messages_to_gemini(&request, &opts()).expect("translated");
    let value = json_of(&result.value);
    assert_eq!(
        value["generationConfig"]["responseMimeType"],
        "application/json"
    );
    assert_eq!(value["generationConfig"]["responseJsonSchema"], schema);
    let back = gemini_to_messages(&result.value, "m", &opts()).expect("back");
    assert_eq!(
        json_of(&back.value)["output_config"],
        json!({"format": {"type": "json_schema", "schema": schema}})
    );
    // The OpenAPI-subset responseSchema becomes JSON Schema.
    let request = from(
        json!({"contents": [{"parts": [{"text": "Hi"}]}], "generationConfig": {"maxOutputTokens": 5,
        "response_mime_type": "application/json", "response_schema": {"type": "OBJECT", "properties": {"city": {"type": "STRING", "nullable": true}}, "required": ["city"]}}}),
    );
    let result = gemini_to_messages(&request, "m", &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["output_config"]["format"]["schema"],
        json!({"type": "object", "properties": {"city": {"type": ["string", "null"]}}, "required": ["city"]})
    );
    assert!(result.losses.is_empty(), "{}", result.losses);
    // JSON mode without a schema.
    let request = from(
        json!({"contents": [], "generationConfig": {"maxOutputTokens": 5, "responseMimeType": "application/json"}}),
    );
    let result = gemini_to_messages(&request, "m", &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["output_config"]["format"]["schema"],
        json!({"type": "object"})
    );
    assert!(has(
        &result.losses,
        "/generationConfig/responseMimeType",
        LossKind::Approximated
    ));
}

#[test]
fn sampling_parameters_stop_sequences_and_max_tokens() {
    let request = from(
        json!({"contents": [{"parts": [{"text": "Hi"}]}], "generationConfig": {"temperature": 1.5, "topP": 0.9, "topK": 40,
        "stopSequences": ["END"], "candidateCount": 2, "seed": 7}}),
    );
    let result = gemini_to_messages(&request, "claude", &opts()).expect("translated");
    let value = json_of(&result.value);
    assert_eq!(value["temperature"], json!(1.0));
    assert_eq!(value["top_p"], json!(0.9));
    assert_eq!(value["top_k"], json!(40));
    assert_eq!(value["stop_sequences"], json!(["END"]));
    assert_eq!(value["max_tokens"], json!(4096));
    assert_eq!(
        pointers(&result.losses),
        [
            (
                "/generationConfig/maxOutputTokens".to_owned(),
                LossKind::Defaulted
            ),
            (
                "/generationConfig/temperature".to_owned(),
                LossKind::Approximated
            ),
            (
                "/generationConfig/candidateCount".to_owned(),
                LossKind::Dropped
            ),
            ("/generationConfig/seed".to_owned(), LossKind::Dropped)
        ]
    );
    let strict = Options {
        strict: true,
        ..opts()
    };
    assert!(gemini_to_messages(&request, "claude", &strict).is_err());

    let request = from(
        json!({"model": "m", "max_tokens": 300, "temperature": 0.2, "top_p": 0.5, "top_k": 3, "stop_sequences": ["X", "Y"],
        "messages": [{"role": "user", "content": "Hi"}]}),
    );
    let result = messages_to_gemini(&request, &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["generationConfig"],
        json!({"maxOutputTokens": 300, "temperature": 0.2, "topP": 0.5, "topK": 3, "stopSequences": ["X", "Y"]})
    );
    assert!(result.losses.is_empty());
}

#[test]
fn finish_and_stop_reasons() {
    let gemini = |finish: &str, parts: Value| -> GenerateContentResponse {
        from(
            json!({"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": finish, "index": 0}],
            "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2, "totalTokenCount": 5}, "responseId": "r1", "modelVersion": "g"}),
        )
    };
    for (finish, parts, stop) in [
        ("STOP", json!([{"text": "hi"}]), "end_turn"),
        (
            "STOP",
            json!([{"functionCall": {"name": "f", "args": {}}}]),
            "tool_use",
        ),
        ("MAX_TOKENS", json!([{"text": "hi"}]), "max_tokens"),
        ("SAFETY", json!([]), "refusal"),
    ] {
        let result = gemini_response_to_message(&gemini(finish, parts), "claude", &opts())
            .expect("translated");
        assert_eq!(json_of(&result.value)["stop_reason"], stop, "{finish}");
    }
    let called = gemini_response_to_message(
        &gemini(
            "STOP",
            json!([{"functionCall": {"name": "f", "args": {"a": 1}}}]),
        ),
        "",
        &opts(),
    )
    .expect("translated");
    let value = json_of(&called.value);
    assert_eq!(
        value["content"],
        json!([{"type": "tool_use", "id": "toolu_r1_0", "name": "f", "input": {"a": 1}}])
    );
    assert_eq!(value["id"], "msg_r1");
    assert_eq!(value["model"], "g");
    let other =
        gemini_response_to_message(&gemini("MALFORMED_FUNCTION_CALL", json!([])), "c", &opts())
            .expect("translated");
    assert!(has(
        &other.losses,
        "/candidates/0/finishReason",
        LossKind::Approximated
    ));

    let message = |stop: &str| -> aigw_anthropic::Message {
        from(
            json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude", "content": [{"type": "text", "text": "a"}],
            "stop_reason": stop, "stop_sequence": if stop == "stop_sequence" { json!("END") } else { Value::Null },
            "usage": {"input_tokens": 1, "output_tokens": 1}}),
        )
    };
    for (stop, finish) in [
        ("end_turn", "STOP"),
        ("stop_sequence", "STOP"),
        ("tool_use", "STOP"),
        ("max_tokens", "MAX_TOKENS"),
        ("refusal", "SAFETY"),
    ] {
        let result = message_to_gemini_response(&message(stop), &opts()).expect("translated");
        let value = json_of(&result.value);
        assert_eq!(value["candidates"][0]["finishReason"], finish, "{stop}");
        assert_eq!(value["responseId"], "1");
        assert_eq!(
            has(&result.losses, "/stop_sequence", LossKind::Dropped),
            stop == "stop_sequence",
            "{stop}"
        );
    }
}

#[test]
fn usage_with_cached_and_thinking_tokens() {
    let response: GenerateContentResponse = from(
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "x"}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 100, "cachedContentTokenCount": 60, "candidatesTokenCount": 10, "thoughtsTokenCount": 25, "totalTokenCount": 135,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 100}]}}),
    );
    let result = gemini_response_to_message(&response, "c", &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["usage"],
        json!({"input_tokens": 40, "output_tokens": 35, "cache_read_input_tokens": 60,
        "cache_creation_input_tokens": 0, "output_tokens_details": {"thinking_tokens": 25}})
    );
    assert!(result.losses.is_empty(), "{}", result.losses);
    let back = message_to_gemini_response(&result.value, &opts()).expect("back");
    assert_eq!(
        json_of(&back.value)["usageMetadata"],
        json!({"promptTokenCount": 100, "candidatesTokenCount": 10, "thoughtsTokenCount": 25,
        "cachedContentTokenCount": 60, "totalTokenCount": 135})
    );
    // Cache writes have no Gemini count; merged thinking tokens are reported.
    let message: aigw_anthropic::Message = from(
        json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "c",
        "content": [{"type": "thinking", "thinking": "hmm", "signature": "sig"}, {"type": "text", "text": "a"}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 5, "output_tokens": 9, "cache_creation_input_tokens": 7, "cache_read_input_tokens": 0}}),
    );
    let result = message_to_gemini_response(&message, &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["usageMetadata"],
        json!({"promptTokenCount": 12, "candidatesTokenCount": 9, "totalTokenCount": 21})
    );
    assert_eq!(
        pointers(&result.losses),
        [
            ("/content/0/signature".to_owned(), LossKind::Dropped),
            (
                "/usage/cache_creation_input_tokens".to_owned(),
                LossKind::Approximated
            ),
            ("/usage/output_tokens".to_owned(), LossKind::Approximated)
        ]
    );
}

#[test]
fn thinking_config_and_signatures_never_cross() {
    let request = from(
        json!({"model": "m", "max_tokens": 8000, "thinking": {"type": "enabled", "budget_tokens": 2048},
        "messages": [{"role": "user", "content": "Hi"},
            {"role": "assistant", "content": [{"type": "thinking", "thinking": "hmm", "signature": "EqQB"}, {"type": "text", "text": "Hello"}]},
            {"role": "user", "content": "More"}]}),
    );
    let result = messages_to_gemini(&request, &opts()).expect("translated");
    let value = json_of(&result.value);
    assert_eq!(
        value["generationConfig"]["thinkingConfig"],
        json!({"thinkingBudget": 2048, "includeThoughts": true})
    );
    assert_eq!(
        value["contents"][1],
        json!({"role": "model", "parts": [{"text": "Hello"}]})
    );
    assert_eq!(
        pointers(&result.losses),
        [("/messages/1/content/0".to_owned(), LossKind::Dropped)]
    );
    let back = gemini_to_messages(&result.value, "m", &opts()).expect("back");
    assert_eq!(
        json_of(&back.value)["thinking"],
        json!({"type": "enabled", "budget_tokens": 2048})
    );

    // Gemini thoughts and signatures in a request: dropped, reported.
    let request = from(
        json!({"contents": [{"role": "user", "parts": [{"text": "Hi"}]},
        {"role": "model", "parts": [{"text": "thinking…", "thought": true}, {"functionCall": {"name": "f", "args": {}}, "thoughtSignature": "CiQB"}]}],
        "generationConfig": {"maxOutputTokens": 500, "thinkingConfig": {"thinkingBudget": 100, "includeThoughts": true}}}),
    );
    let result = gemini_to_messages(&request, "m", &opts()).expect("translated");
    let value = json_of(&result.value);
    assert_eq!(
        value["messages"][1]["content"],
        json!([{"type": "tool_use", "id": "toolu_1_1", "name": "f", "input": {}}])
    );
    // 500 output tokens leave no room for Anthropic's 1024-token minimum budget.
    assert_eq!(value.get("thinking"), None);
    assert_eq!(
        pointers(&result.losses),
        [
            ("/contents/1/parts/0/text".to_owned(), LossKind::Dropped),
            (
                "/contents/1/parts/1/thoughtSignature".to_owned(),
                LossKind::Dropped
            ),
            (
                "/generationConfig/thinkingConfig/thinkingBudget".to_owned(),
                LossKind::Dropped
            )
        ]
    );

    // In responses: a thought part becomes a thinking block without the Gemini signature.
    let response: GenerateContentResponse = from(
        json!({"candidates": [{"content": {"role": "model", "parts": [
        {"text": "Let me see", "thought": true}, {"text": "Answer", "thoughtSignature": "CiQB"}]}, "finishReason": "STOP"}]}),
    );
    let result = gemini_response_to_message(&response, "c", &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["content"],
        json!([{"type": "thinking", "thinking": "Let me see", "signature": ""}, {"type": "text", "text": "Answer"}])
    );
    assert!(has(
        &result.losses,
        "/candidates/0/content/parts/1/thoughtSignature",
        LossKind::Dropped
    ));
    // …and an Anthropic thinking block a thought part, its signature dropped.
    let back = message_to_gemini_response(&result.value, &opts()).expect("back");
    assert_eq!(
        json_of(&back.value)["candidates"][0]["content"]["parts"],
        json!([{"text": "Let me see", "thought": true}, {"text": "Answer"}])
    );
}

#[test]
fn gemini_thinking_budgets_map_to_anthropic_thinking() {
    let with = |config: Value| {
        let request = from(
            json!({"contents": [{"parts": [{"text": "Hi"}]}], "generationConfig": {"maxOutputTokens": 10000, "thinkingConfig": config}}),
        );
        let result = gemini_to_messages(&request, "m", &opts()).expect("translated");
        let value = json_of(&result.value);
        (
            value["thinking"].clone(),
            value["output_config"].clone(),
            pointers(&result.losses),
        )
    };
    assert_eq!(
        with(json!({"thinkingBudget": 0})).0,
        json!({"type": "disabled"})
    );
    assert_eq!(
        with(json!({"thinkingBudget": -1, "includeThoughts": true})).0,
        json!({"type": "adaptive"})
    );
    assert_eq!(
        with(json!({"thinkingBudget": 4000})).0,
        json!({"type": "enabled", "budget_tokens": 4000, "display": "omitted"})
    );
    let (thinking, _, losses) = with(json!({"thinking_budget": 100, "include_thoughts": true}));
    assert_eq!(thinking, json!({"type": "enabled", "budget_tokens": 1024}));
    assert_eq!(
        losses,
        [(
            "/generationConfig/thinkingConfig/thinking_budget".to_owned(),
            LossKind::Approximated
        )]
    );
    let (thinking, output, losses) =
        with(json!({"thinkingLevel": "HIGH", "includeThoughts": true}));
    assert_eq!(thinking, json!({"type": "adaptive"}));
    assert_eq!(output, json!({"effort": "high"}));
    assert!(losses.is_empty());
}

#[test]
fn multiple_candidates_and_logprobs_are_reported() {
    let response: GenerateContentResponse = from(json!({"candidates": [
        {"content": {"role": "model", "parts": [{"text": "a"}]}, "finishReason": "STOP", "index": 0, "avgLogprobs": -0.2},
        {"content": {"role": "model", "parts": [{"text": "b"}]}, "finishReason": "STOP", "index": 1}],
        "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 2}}));
    let result = gemini_response_to_message(&response, "c", &opts()).expect("translated");
    assert_eq!(
        json_of(&result.value)["content"],
        json!([{"type": "text", "text": "a"}])
    );
    assert_eq!(
        pointers(&result.losses),
        [
            ("/candidates/0/avgLogprobs".to_owned(), LossKind::Dropped),
            ("/candidates/1".to_owned(), LossKind::Dropped)
        ]
    );
    // candidateCount > 1 in a request: Anthropic returns one message.
    let request = from(
        json!({"contents": [], "generationConfig": {"maxOutputTokens": 5, "candidateCount": 3, "responseLogprobs": true}}),
    );
    let result = gemini_to_messages(&request, "m", &opts()).expect("translated");
    assert_eq!(
        pointers(&result.losses),
        [
            (
                "/generationConfig/candidateCount".to_owned(),
                LossKind::Dropped
            ),
            (
                "/generationConfig/responseLogprobs".to_owned(),
                LossKind::Dropped
            )
        ]
    );
}

#[test]
fn unknown_fields_are_reported_not_dropped() {
    let request = from(
        json!({"model": "m", "max_tokens": 5, "x_vendor": 1, "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi", "x_part": true}]}]}),
    );
    let result = messages_to_gemini(&request, &opts()).expect("translated");
    assert_eq!(
        pointers(&result.losses),
        [
            ("/messages/0/content/0/x_part".to_owned(), LossKind::Dropped),
            ("/x_vendor".to_owned(), LossKind::Dropped)
        ]
    );
    let request = from(
        json!({"contents": [{"parts": [{"text": "Hi", "x_part": 1}], "x_content": 2}], "generationConfig": {"maxOutputTokens": 5, "x_config": 3}, "x_top": 4}),
    );
    let result = gemini_to_messages(&request, "m", &opts()).expect("translated");
    assert_eq!(
        pointers(&result.losses),
        [
            ("/contents/0/parts/0/x_part".to_owned(), LossKind::Dropped),
            ("/contents/0/x_content".to_owned(), LossKind::Dropped),
            ("/generationConfig/x_config".to_owned(), LossKind::Dropped),
            ("/x_top".to_owned(), LossKind::Dropped)
        ]
    );
}
