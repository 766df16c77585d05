use aigw_openai as o;
use serde_json::Value;
use std::time::Instant;
fn main() {
    let ex: Value = serde_json::from_str(&std::fs::read_to_string("../../../shared/corpus/dev/openai/responses/0257-test-openai-hosted-tool-search-stateless-continuation-0.json").unwrap()).unwrap();
    let text = ex["response"].to_string();
    let n = 20000;
    let t = Instant::now();
    for _ in 0..n {
        let v: Value = serde_json::from_str(&text).unwrap();
        std::hint::black_box(v);
    }
    println!("value parse {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        let v: o::Response = serde_json::from_str(&text).unwrap();
        std::hint::black_box(v);
    }
    println!("typed parse {:?}", t.elapsed() / n);
    let v: Value = serde_json::from_str(&text).unwrap();
    let r: o::Response = serde_json::from_str(&text).unwrap();
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(serde_json::to_string(&v).unwrap());
    }
    println!("value ser {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(serde_json::to_string(&r).unwrap());
    }
    println!("typed ser {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        let v: Box<serde_json::value::RawValue> = serde_json::from_str(&text).unwrap();
        std::hint::black_box(v);
    }
    println!("raw capture {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        let v: serde::de::IgnoredAny = serde_json::from_str(&text).unwrap();
        std::hint::black_box(v);
    }
    println!("ignored {:?}", t.elapsed() / n);
    println!("{} bytes", text.len());
}
