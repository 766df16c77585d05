//! Requests, one test each.

use super::*;

#[test]
fn instructions_system_and_developer_prompts_map_both_ways() {
    let request = responses_request(json!({
        "model": "gpt-5", "instructions": "Be brief.",
        "input": [
            {"role": "developer", "content": "Use tools."},
            {"type": "message", "role": "system", "content": [{"type": "input_text", "text": "No jokes."}]},
            {"role": "user", "content": "Hi"}
        ]
    }));
    let chat = responses_to_chat(&request, &opts()).expect("translated");
    assert!(chat.losses.is_empty(), "{}", chat.losses);
    assert_eq!(
        translated_json(&chat)["messages"],
        json!([
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": "Use tools."},
            {"role": "system", "content": "No jokes."},
            {"role": "user", "content": "Hi"}
        ])
    );
    // Back: the leading system string is the instructions, the rest stay input messages.
    let back = chat_to_responses(&chat.value, &opts()).expect("back");
    assert!(back.losses.is_empty(), "{}", back.losses);
    let back = translated_json(&back);
    assert_eq!(back["instructions"], "Be brief.");
    assert_eq!(
        back["input"],
        json!([
            {"role": "developer", "content": "Use tools."},
            {"role": "system", "content": "No jokes."},
            {"role": "user", "content": "Hi"}
        ])
    );
    // A plain string input is one user message.
    let simple = responses_to_chat(
        &responses_request(json!({"model": "m", "input": "Hello"})),
        &opts(),
    )
    .expect("translated");
    assert_eq!(
        translated_json(&simple)["messages"],
        json!([{"role": "user", "content": "Hello"}])
    );
}

#[test]
fn multi_turn_tool_calls_keep_ids_and_group_parallel_calls() {
    let request = responses_request(json!({
        "model": "gpt-5",
        "input": [
            {"role": "user", "content": "Weather in Paris and Rome?"},
            {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
             "content": [{"type": "output_text", "text": "Checking both.", "annotations": []}]},
            {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "weather", "arguments": "{\"city\":\"Paris\"}"},
            {"type": "function_call", "id": "fc_2", "call_id": "call_2", "name": "weather", "arguments": "{\"city\":\"Rome\"}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "18C"},
            {"type": "function_call_output", "call_id": "call_2", "output": [{"type": "input_text", "text": "24C"}]},
            {"role": "assistant", "content": "Paris 18C, Rome 24C."}
        ]
    }));
    let chat = responses_to_chat(&request, &opts()).expect("translated");
    assert!(chat.losses.is_empty(), "{}", chat.losses);
    let messages = translated_json(&chat)["messages"].clone();
    assert_eq!(
        messages,
        json!([
            {"role": "user", "content": "Weather in Paris and Rome?"},
            {"role": "assistant", "content": "Checking both.", "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Paris\"}"}},
                {"id": "call_2", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Rome\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
            {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "24C"}]},
            {"role": "assistant", "content": "Paris 18C, Rome 24C."}
        ])
    );
    // Back to Responses: one item per call, outputs by call id.
    let back = chat_to_responses(&chat.value, &opts()).expect("back");
    assert!(back.losses.is_empty(), "{}", back.losses);
    assert_eq!(
        translated_json(&back)["input"],
        json!([
            {"role": "user", "content": "Weather in Paris and Rome?"},
            {"role": "assistant", "content": "Checking both."},
            {"type": "function_call", "call_id": "call_1", "name": "weather", "arguments": "{\"city\":\"Paris\"}"},
            {"type": "function_call", "call_id": "call_2", "name": "weather", "arguments": "{\"city\":\"Rome\"}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "18C"},
            {"type": "function_call_output", "call_id": "call_2", "output": [{"type": "input_text", "text": "24C"}]},
            {"role": "assistant", "content": "Paris 18C, Rome 24C."}
        ])
    );
}

#[test]
fn tool_choice_modes_and_tools_map_both_ways() {
    for mode in ["none", "auto", "required"] {
        let chat = responses_to_chat(
            &responses_request(json!({"model": "m", "input": "x", "tool_choice": mode})),
            &opts(),
        )
        .expect("translated");
        assert_eq!(translated_json(&chat)["tool_choice"], mode);
        let back = chat_to_responses(&chat.value, &opts()).expect("back");
        assert_eq!(translated_json(&back)["tool_choice"], mode);
    }
    let request = responses_request(json!({
        "model": "m", "input": "x", "parallel_tool_calls": false,
        "tools": [
            {"type": "function", "name": "weather", "description": "Weather.", "parameters": {"type": "object", "properties": {}}, "strict": true},
            {"type": "function", "name": "loose", "parameters": {"type": "object", "properties": {}}},
            {"type": "web_search"}
        ],
        "tool_choice": {"type": "function", "name": "weather"}
    }));
    let chat = responses_to_chat(&request, &opts()).expect("translated");
    let value = translated_json(&chat);
    assert_eq!(
        value["tools"],
        json!([
            {"type": "function", "function": {"name": "weather", "description": "Weather.", "parameters": {"type": "object", "properties": {}}, "strict": true}},
            {"type": "function", "function": {"name": "loose", "parameters": {"type": "object", "properties": {}}}}
        ])
    );
    assert_eq!(
        value["tool_choice"],
        json!({"type": "function", "function": {"name": "weather"}})
    );
    assert_eq!(value["parallel_tool_calls"], false);
    assert_eq!(
        chat.losses
            .iter()
            .map(|l| (l.pointer.as_str(), l.kind))
            .collect::<Vec<_>>(),
        [
            ("/tools/1", LossKind::Approximated),
            ("/tools/2", LossKind::Dropped)
        ]
    );
    let back = translated_json(&chat_to_responses(&chat.value, &opts()).expect("back"));
    assert_eq!(
        back["tool_choice"],
        json!({"type": "function", "name": "weather"})
    );
    assert_eq!(
        back["tools"][1],
        json!({"type": "function", "name": "loose", "parameters": {"type": "object", "properties": {}}, "strict": false})
    );
    // Allowed tools.
    let allowed = chat_request(
        json!({"model": "m", "messages": [{"role": "user", "content": "x"}],
        "tool_choice": {"type": "allowed_tools", "allowed_tools": {"mode": "required", "tools": [{"type": "function", "function": {"name": "weather"}}]}}}),
    );
    let responses = chat_to_responses(&allowed, &opts()).expect("translated");
    assert_eq!(
        translated_json(&responses)["tool_choice"],
        json!({"type": "allowed_tools", "mode": "required", "tools": [{"type": "function", "name": "weather"}]})
    );
    let again = responses_to_chat(&responses.value, &opts()).expect("back");
    assert_eq!(
        translated_json(&again)["tool_choice"],
        translated_json(&Translated {
            value: allowed,
            losses: Default::default()
        })["tool_choice"]
    );
}

#[test]
fn images_and_files_map_and_file_ids_are_reported() {
    let request = responses_request(json!({
        "model": "m",
        "input": [{"role": "user", "content": [
            {"type": "input_text", "text": "Compare."},
            {"type": "input_image", "image_url": "https://example.com/a.png", "detail": "high"},
            {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo=", "detail": "auto"},
            {"type": "input_image", "file_id": "file-123", "detail": "auto"},
            {"type": "input_file", "filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0x"}
        ]}]
    }));
    let chat = responses_to_chat(&request, &opts()).expect("translated");
    assert_eq!(
        translated_json(&chat)["messages"][0]["content"],
        json!([
            {"type": "text", "text": "Compare."},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "high"}},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "file", "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0x"}}
        ])
    );
    assert_eq!(pointers(&chat), ["/input/0/content/3"]);
    let back = chat_to_responses(&chat.value, &opts()).expect("back");
    assert!(back.losses.is_empty(), "{}", back.losses);
    assert_eq!(
        translated_json(&back)["input"][0]["content"],
        json!([
            {"type": "input_text", "text": "Compare."},
            {"type": "input_image", "image_url": "https://example.com/a.png", "detail": "high"},
            {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo=", "detail": "auto"},
            {"type": "input_file", "filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0x"}
        ])
    );
    // Chat audio has no Responses input: reported, and the emptied message left out.
    let audio = chat_request(json!({"model": "m", "messages": [
        {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "AAA", "format": "wav"}}]}
    ]}));
    let responses = chat_to_responses(&audio, &opts()).expect("translated");
    assert_eq!(translated_json(&responses)["input"], json!([]));
    assert_eq!(pointers(&responses), ["/messages/0/content/0"]);
}

#[test]
fn structured_output_maps_both_ways() {
    let schema = json!({"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"], "additionalProperties": false});
    let request = responses_request(json!({
        "model": "m", "input": "x",
        "text": {"format": {"type": "json_schema", "name": "answer", "schema": schema, "strict": true}, "verbosity": "low"}
    }));
    let chat = responses_to_chat(&request, &opts()).expect("translated");
    assert!(chat.losses.is_empty(), "{}", chat.losses);
    let value = translated_json(&chat);
    assert_eq!(
        value["response_format"],
        json!({"type": "json_schema", "json_schema": {"name": "answer", "schema": schema, "strict": true}})
    );
    assert_eq!(value["verbosity"], "low");
    let back = chat_to_responses(&chat.value, &opts()).expect("back");
    assert!(back.losses.is_empty(), "{}", back.losses);
    assert_eq!(
        translated_json(&back)["text"],
        json!({"format": {"type": "json_schema", "name": "answer", "schema": schema, "strict": true}, "verbosity": "low"})
    );
    let json_mode = chat_request(
        json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "response_format": {"type": "json_object"}}),
    );
    assert_eq!(
        translated_json(&chat_to_responses(&json_mode, &opts()).expect("translated"))["text"],
        json!({"format": {"type": "json_object"}})
    );
}

#[test]
fn sampling_limits_reasoning_effort_and_logprobs() {
    let request = responses_request(json!({
        "model": "o4-mini", "input": "x", "temperature": 0.5, "top_p": 0.9,
        "max_output_tokens": 300, "reasoning": {"effort": "high", "summary": "auto"},
        "include": ["message.output_text.logprobs"], "top_logprobs": 3
    }));
    let chat = responses_to_chat(&request, &opts()).expect("translated");
    let value = translated_json(&chat);
    assert_eq!(value["temperature"], 0.5);
    assert_eq!(value["top_p"], 0.9);
    assert_eq!(value["max_completion_tokens"], 300);
    assert_eq!(value["reasoning_effort"], "high");
    assert_eq!(value["logprobs"], true);
    assert_eq!(value["top_logprobs"], 3);
    assert_eq!(pointers(&chat), ["/reasoning/summary"]);
    // Back: a reasoning request toward a stateless Responses call asks for encrypted reasoning.
    let back = translated_json(&chat_to_responses(&chat.value, &opts()).expect("back"));
    assert_eq!(back["reasoning"], json!({"effort": "high"}));
    assert_eq!(back["max_output_tokens"], 300);
    assert_eq!(back["store"], false);
    assert_eq!(
        back["include"],
        json!([
            "message.output_text.logprobs",
            "reasoning.encrypted_content"
        ])
    );
    // The legacy max_tokens is the limit when max_completion_tokens is absent.
    let legacy = chat_request(
        json!({"model": "m", "max_tokens": 50, "messages": [{"role": "user", "content": "x"}]}),
    );
    assert_eq!(
        translated_json(&chat_to_responses(&legacy, &opts()).expect("translated"))["max_output_tokens"],
        50
    );
}

#[test]
fn stop_sequences_n_and_penalties_are_reported_toward_responses() {
    let request = chat_request(json!({
        "model": "m", "messages": [{"role": "user", "content": "x"}],
        "stop": ["END"], "n": 2, "seed": 7, "frequency_penalty": 0.5, "presence_penalty": 0.1
    }));
    let result = chat_to_responses(&request, &opts()).expect("translated");
    assert_eq!(
        pointers(&result),
        [
            "/n",
            "/stop",
            "/seed",
            "/frequency_penalty",
            "/presence_penalty"
        ]
    );
    assert!(result.losses.iter().all(|l| l.kind == LossKind::Dropped));
}

#[test]
fn stateful_parameters_and_built_in_items_are_reported_toward_chat() {
    let request = responses_request(json!({
        "model": "m", "previous_response_id": "resp_1", "store": true, "background": true,
        "conversation": "conv_1", "truncation": "auto", "include": ["reasoning.encrypted_content"],
        "input": [
            {"type": "item_reference", "id": "msg_0"},
            {"type": "web_search_call", "id": "ws_1", "status": "completed", "action": {"type": "search", "query": "q"}},
            {"role": "user", "content": "And now?"}
        ]
    }));
    let result = responses_to_chat(&request, &opts()).expect("translated");
    assert_eq!(
        translated_json(&result)["messages"],
        json!([{"role": "user", "content": "And now?"}])
    );
    assert_eq!(
        pointers(&result),
        [
            "/input/0",
            "/input/1",
            "/include/0",
            "/store",
            "/background",
            "/truncation",
            "/previous_response_id",
            "/conversation"
        ]
    );
    // What needs no state is not a loss.
    let stateless = responses_request(
        json!({"model": "m", "input": "x", "store": false, "background": false, "truncation": "disabled"}),
    );
    assert!(
        responses_to_chat(&stateless, &opts())
            .expect("translated")
            .losses
            .is_empty()
    );
}
