use aigw_openai as o;
use serde_json::Value;
fn main() {
    let ex: Value = serde_json::from_str(&std::fs::read_to_string("../../../shared/corpus/dev/openai/responses/0257-test-openai-hosted-tool-search-stateless-continuation-0.json").unwrap()).unwrap();
    let text = ex["response"].to_string();
    for _ in 0..3000 {
        let v: o::Response = serde_json::from_str(&text).unwrap();
        std::hint::black_box(v);
    }
}
