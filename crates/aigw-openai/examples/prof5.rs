use aigw_openai as o;
fn main() {
    let e = std::fs::read_to_string("/tmp/completed.json").unwrap();
    let which = std::env::args().nth(1).unwrap();
    let n = 20000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        if which == "u" {
            let v: o::ResponseStreamEvent = serde_json::from_str(&e).unwrap();
            std::hint::black_box(v);
        } else {
            let v: serde_json::Value = serde_json::from_str(&e).unwrap();
            std::hint::black_box(v);
        }
    }
    println!("{which} {:?}", t.elapsed() / n);
}
