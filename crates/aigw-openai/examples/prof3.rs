use aigw_openai as o;
use serde_json::Value;
use std::time::Instant;
fn main() {
    let ex: Value = serde_json::from_str(&std::fs::read_to_string("../../../shared/corpus/dev/openai/responses/0163-test-openai-responses-phase-streamed-on-part-start-1.json").unwrap()).unwrap();
    let sse = ex["sse"].as_str().unwrap().replace("\r\n", "\n");
    let events: Vec<String> = sse
        .split("\n\n")
        .filter_map(|e| {
            e.lines()
                .find_map(|l| l.strip_prefix("data: "))
                .map(str::to_owned)
        })
        .collect();
    let deltas: Vec<&String> = events
        .iter()
        .filter(|e| e.contains("output_text.delta"))
        .collect();
    println!("{} events, {} deltas", events.len(), deltas.len());
    let n = 5000;
    let t = Instant::now();
    for _ in 0..n {
        for e in &deltas {
            let v: Value = serde_json::from_str(e).unwrap();
            std::hint::black_box(v);
        }
    }
    println!("value deltas {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        for e in &deltas {
            let v: o::ResponseTextDeltaEvent = serde_json::from_str(e).unwrap();
            std::hint::black_box(v);
        }
    }
    println!("struct deltas {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        for e in &deltas {
            let v: o::ResponseStreamEvent = serde_json::from_str(e).unwrap();
            std::hint::black_box(v);
        }
    }
    println!("union deltas {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        for e in &events {
            let v: Value = serde_json::from_str(e).unwrap();
            std::hint::black_box(v);
        }
    }
    println!("value all {:?}", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        for e in &events {
            let v: o::ResponseStreamEvent = serde_json::from_str(e).unwrap();
            std::hint::black_box(v);
        }
    }
    println!("union all {:?}", t.elapsed() / n);
    println!("{}", deltas[0]);
}
