use aigw_openai as o;
fn main() {
    let e = r#"{"type":"response.output_text.delta","content_index":0,"delta":"The","item_id":"msg_0fabc13af1ee0049006a691e008ed881a19fb315ceb267e808","logprobs":[],"obfuscation":"Ui6T7ZRgUUHBz","output_index":0,"sequence_number":4}"#;
    let which = std::env::args().nth(1).unwrap();
    for _ in 0..20000 {
        if which == "u" {
            let v: o::ResponseStreamEvent = serde_json::from_str(e).unwrap();
            std::hint::black_box(v);
        } else {
            let v: o::ResponseTextDeltaEvent = serde_json::from_str(e).unwrap();
            std::hint::black_box(v);
        }
    }
}
