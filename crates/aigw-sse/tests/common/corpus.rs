//! The recorded SSE streams of the corpus (`AIGW_CORPUS`, default `../shared/corpus/dev`), shared
//! by the property tests and the decode benchmark.

use std::path::PathBuf;

/// `(file name, stream bytes)` of every recorded stream, in file order; `None` (with a printed
/// notice naming `user`) when there is no corpus.
pub fn recorded_streams(user: &str) -> Option<Vec<(String, Vec<u8>)>> {
    // A relative AIGW_CORPUS is relative to the workspace root (tests run in their crate).
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::var_os("AIGW_CORPUS")
        .map(|dir| root.join(dir))
        .unwrap_or_else(|| root.join("../shared/corpus/dev"));
    if !dir.is_dir() {
        eprintln!(
            "SKIPPED {user}: no corpus at {} (set AIGW_CORPUS)",
            dir.display()
        );
        return None;
    }
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("corpus dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut streams = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        let exchange: serde_json::Value = serde_json::from_str(&text).expect("json");
        if let Some(sse) = exchange["sse"].as_str() {
            streams.push((file.display().to_string(), sse.as_bytes().to_vec()));
        }
    }
    Some(streams)
}
