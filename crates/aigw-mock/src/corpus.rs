//! The recorded-exchange corpus: loading, the per-API index, and the deterministic choice of
//! the exchange a request gets.
//!
//! Every exchange is loaded once, at startup, and kept as the bytes the mock sends: the
//! recorded `response` serialized (numbers and key order exactly as recorded, thanks to the
//! workspace's `arbitrary_precision` + `preserve_order`), or the recorded `sse` text split
//! into events. A loaded corpus is shared by every server of the process that uses the same
//! directory, so starting many mock servers in one test binary costs one load.

use crate::MockError;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Features that make an exchange a poor default answer; the default is the least exotic
/// exchange (see [`Entry::exotic`]; ties: the first by file name).
const EXOTIC_FEATURES: &[&str] = &[
    "error",
    "thinking",
    "vision",
    "audio",
    "documents",
    "reasoning",
    "web_search",
    "code_execution",
    "mcp",
    "citations",
    "json_schema",
    "logprobs",
    "cache_control",
];

/// One corpus file as stored (see `FORMAT.md`); only the fields the mock uses.
#[derive(Deserialize)]
struct RecordedFile {
    status: u16,
    #[serde(default)]
    response: Value,
    #[serde(default)]
    sse: Option<String>,
    #[serde(default)]
    features: Vec<String>,
}

/// What the mock sends for an exchange.
#[derive(Debug)]
pub(crate) enum Payload {
    /// The recorded `response`, serialized: an `application/json` body.
    Json(Bytes),
    /// The recorded `sse` text, split after each blank line: one chunk per event.
    Sse(Vec<Bytes>),
}

/// One recorded exchange, ready to send.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The file name without `.json`, e.g. `0012-tool-call`.
    pub(crate) stem: String,
    /// The recorded status.
    pub(crate) status: u16,
    /// The recorded body.
    pub(crate) payload: Payload,
    /// The response (or a stream event) contains a tool call.
    tool_call: bool,
    /// The response (or a stream event) contains non-empty plain text output.
    text: bool,
    /// How exotic the exchange is: one point per [`EXOTIC_FEATURES`] entry, two if its
    /// output has reasoning / thinking content.
    exotic: usize,
}

impl Entry {
    fn is_stream(&self) -> bool {
        matches!(self.payload, Payload::Sse(_))
    }
}

/// The exchanges of one `<provider>/<api>` directory, sorted by file name, and the
/// precomputed defaults.
#[derive(Debug)]
pub(crate) struct ApiDir {
    entries: Vec<Arc<Entry>>,
    /// `defaults[stream][tools]`: the index of the default exchange.
    defaults: [[Option<usize>; 2]; 2],
}

impl ApiDir {
    fn new(entries: Vec<Arc<Entry>>) -> Self {
        let mut defaults = [[None; 2]; 2];
        for (stream, row) in defaults.iter_mut().enumerate() {
            for (tools, slot) in row.iter_mut().enumerate() {
                *slot = choose_default(&entries, stream == 1, tools == 1);
            }
        }
        ApiDir { entries, defaults }
    }

    /// The exchange with this file stem; a stem of digits only (`0012`) also finds the one
    /// file whose name starts with those digits and a dash (`0012-tool-call`).
    pub(crate) fn by_stem(&self, stem: &str) -> Option<&Arc<Entry>> {
        if let Ok(i) = self.entries.binary_search_by(|e| e.stem.as_str().cmp(stem)) {
            return self.entries.get(i);
        }
        if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let prefix = format!("{stem}-");
        let mut matches = self.entries.iter().filter(|e| e.stem.starts_with(&prefix));
        match (matches.next(), matches.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }

    /// The default exchange for a request: streamed or not, with tools or not.
    pub(crate) fn default_for(&self, stream: bool, tools: bool) -> Option<&Arc<Entry>> {
        let index = self.defaults[usize::from(stream)][usize::from(tools)]?;
        self.entries.get(index)
    }
}

/// Among the status-200 exchanges with the right stream form: with `tools`, those with a tool
/// call, else those with plain text and no tool call (all of them if none qualifies); the one
/// with the fewest exotic features, ties to the first by file name.
fn choose_default(entries: &[Arc<Entry>], stream: bool, tools: bool) -> Option<usize> {
    let candidates = || {
        entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.status == 200 && e.is_stream() == stream)
    };
    let best = |it: &mut dyn Iterator<Item = (usize, &Arc<Entry>)>| {
        it.min_by_key(|(i, e)| (e.exotic, *i)).map(|(i, _)| i)
    };
    let wanted = if tools {
        best(&mut candidates().filter(|(_, e)| e.tool_call))
    } else {
        best(&mut candidates().filter(|(_, e)| e.text && !e.tool_call))
    };
    wanted.or_else(|| best(&mut candidates()))
}

/// A loaded corpus: every `<provider>/<api>/` directory found.
#[derive(Debug)]
pub(crate) struct Corpus {
    root: PathBuf,
    dirs: HashMap<(String, String), ApiDir>,
}

impl Corpus {
    /// The corpus at `root`, loaded once per process and shared.
    pub(crate) fn shared(root: &Path) -> Result<Arc<Corpus>, MockError> {
        static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<Corpus>>>> = OnceLock::new();
        let key = root
            .canonicalize()
            .map_err(|_| MockError::CorpusMissing(root.to_owned()))?;
        let mut cache = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(corpus) = cache.get(&key) {
            return Ok(Arc::clone(corpus));
        }
        let corpus = Arc::new(Corpus::load(&key)?);
        cache.insert(key, Arc::clone(&corpus));
        Ok(corpus)
    }

    /// Loads every exchange under `root` (one thread per API directory).
    pub(crate) fn load(root: &Path) -> Result<Corpus, MockError> {
        if !root.is_dir() {
            return Err(MockError::CorpusMissing(root.to_owned()));
        }
        let mut api_dirs = Vec::new();
        for provider in subdirectories(root)? {
            for api in subdirectories(&root.join(&provider))? {
                api_dirs.push((provider.clone(), api));
            }
        }
        let loaded: Vec<Result<ApiDir, MockError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = api_dirs
                .iter()
                .map(|(provider, api)| {
                    let dir = root.join(provider).join(api);
                    scope.spawn(move || load_api_dir(&dir, api))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(MockError::Loader("panicked".into())))
                })
                .collect()
        });
        let mut dirs = HashMap::new();
        for (key, dir) in api_dirs.into_iter().zip(loaded) {
            dirs.insert(key, dir?);
        }
        Ok(Corpus {
            root: root.to_owned(),
            dirs,
        })
    }

    /// The corpus directory.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The exchanges of `<provider>/<api>`, if the corpus has that directory.
    pub(crate) fn dir(&self, provider: &str, api: &str) -> Option<&ApiDir> {
        self.dirs.get(&(provider.to_owned(), api.to_owned()))
    }
}

/// The names of the directories directly under `dir`, sorted.
fn subdirectories(dir: &Path) -> Result<Vec<String>, MockError> {
    let io = |source| MockError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut names = Vec::new();
    for item in std::fs::read_dir(dir).map_err(io)? {
        let item = item.map_err(io)?;
        if item.file_type().map_err(io)?.is_dir()
            && let Some(name) = item.file_name().to_str()
        {
            names.push(name.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Loads the `*.json` files of one API directory, sorted by name.
fn load_api_dir(dir: &Path, api: &str) -> Result<ApiDir, MockError> {
    let io = |source| MockError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut files = Vec::new();
    for item in std::fs::read_dir(dir).map_err(io)? {
        let path = item.map_err(io)?.path();
        if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    let entries = files
        .iter()
        .map(|path| load_entry(path, api).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ApiDir::new(entries))
}

/// Reads one exchange file.
fn read_file(path: &Path) -> Result<Vec<u8>, MockError> {
    std::fs::read(path).map_err(|source| MockError::Io {
        path: path.to_owned(),
        source,
    })
}

fn load_entry(path: &Path, api: &str) -> Result<Entry, MockError> {
    let json_error = |source| MockError::Json {
        path: path.to_owned(),
        source,
    };
    let file: RecordedFile = serde_json::from_slice(&read_file(path)?).map_err(json_error)?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned();
    let exotic_features = file
        .features
        .iter()
        .filter(|f| EXOTIC_FEATURES.contains(&f.as_str()))
        .count();
    let (payload, payloads) = match file.sse {
        Some(sse) => {
            let payloads = sse_payloads(&sse);
            (Payload::Sse(split_events(&sse)), payloads)
        }
        None => {
            let body = serde_json::to_vec(&file.response).map_err(json_error)?;
            (Payload::Json(Bytes::from(body)), vec![file.response])
        }
    };
    Ok(Entry {
        stem,
        status: file.status,
        tool_call: payloads.iter().any(|p| has_tool_call(api, p)),
        text: payloads.iter().any(|p| has_text(api, p)),
        exotic: exotic_features + 2 * usize::from(payloads.iter().any(|p| has_reasoning(api, p))),
        payload,
    })
}

/// Reads and parses one recorded exchange file (the whole file, as stored).
pub(crate) fn read_exchange(
    corpus: &Path,
    provider: &str,
    api: &str,
    stem: &str,
) -> Result<Value, MockError> {
    let not_found = || MockError::ExchangeNotFound {
        corpus: corpus.to_owned(),
        provider: provider.to_owned(),
        api: api.to_owned(),
        stem: stem.to_owned(),
    };
    let unsafe_part = |s: &str| s.is_empty() || s.contains(['/', '\\']) || s.starts_with('.');
    if [provider, api, stem].into_iter().any(unsafe_part) {
        return Err(not_found());
    }
    if !corpus.is_dir() {
        return Err(MockError::CorpusMissing(corpus.to_owned()));
    }
    let dir = corpus.join(provider).join(api);
    let mut path = dir.join(format!("{stem}.json"));
    if !path.is_file() {
        path = unique_numbered_file(&dir, stem).ok_or_else(not_found)?;
    }
    serde_json::from_slice(&read_file(&path)?).map_err(|source| MockError::Json { path, source })
}

/// For a stem of digits only (`0012`), the one `0012-*.json` file in `dir`.
fn unique_numbered_file(dir: &Path, digits: &str) -> Option<PathBuf> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let prefix = format!("{digits}-");
    let mut matches = std::fs::read_dir(dir).ok()?.filter_map(|item| {
        let path = item.ok()?.path();
        let name = path.file_name()?.to_str()?;
        (name.starts_with(&prefix) && name.ends_with(".json")).then_some(path)
    });
    match (matches.next(), matches.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// Splits SSE text into events, each chunk ending after the blank line that ends the event
/// (LF, CRLF or CR line endings); a trailing unterminated part is the last chunk. The chunks
/// concatenate to the input exactly.
pub(crate) fn split_events(text: &str) -> Vec<Bytes> {
    let bytes = text.as_bytes();
    let mut chunks = Vec::new();
    let mut start = 0; // start of the current event
    let mut line_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let terminator = match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => 2,
            b'\r' | b'\n' => 1,
            _ => {
                i += 1;
                continue;
            }
        };
        let line_was_empty = i == line_start;
        i += terminator;
        line_start = i;
        if line_was_empty {
            chunks.push(Bytes::copy_from_slice(&bytes[start..i]));
            start = i;
        }
    }
    if start < bytes.len() {
        chunks.push(Bytes::copy_from_slice(&bytes[start..]));
    }
    chunks
}

/// The JSON payloads of the `data:` lines of SSE text (lines that are not JSON, such as
/// `[DONE]`, are skipped).
fn sse_payloads(text: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str(data.trim_start()).ok())
        .collect()
}

/// Whether any object inside `value` (itself included) satisfies `test`.
fn any_object(value: &Value, test: &dyn Fn(&serde_json::Map<String, Value>) -> bool) -> bool {
    match value {
        Value::Object(map) => test(map) || map.values().any(|v| any_object(v, test)),
        Value::Array(items) => items.iter().any(|v| any_object(v, test)),
        _ => false,
    }
}

fn is_type(map: &serde_json::Map<String, Value>, kind: &str) -> bool {
    map.get("type").and_then(Value::as_str) == Some(kind)
}

fn non_empty_str(map: &serde_json::Map<String, Value>, key: &str) -> bool {
    map.get(key)
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
}

/// Whether a response body or stream event of `api` contains a tool call.
fn has_tool_call(api: &str, value: &Value) -> bool {
    match api {
        "chat.completions" => any_object(value, &|m| {
            m.get("tool_calls")
                .and_then(Value::as_array)
                .is_some_and(|calls| !calls.is_empty())
        }),
        "responses" => any_object(value, &|m| is_type(m, "function_call")),
        "messages" => any_object(value, &|m| is_type(m, "tool_use")),
        "generateContent" | "streamGenerateContent" => {
            any_object(value, &|m| m.contains_key("functionCall"))
        }
        _ => false,
    }
}

/// Whether a response body or stream event of `api` contains non-empty plain text output
/// (always true for the APIs that produce no text, such as embeddings).
fn has_text(api: &str, value: &Value) -> bool {
    match api {
        "chat.completions" => any_object(value, &|m| non_empty_str(m, "content")),
        "responses" => any_object(value, &|m| {
            (is_type(m, "output_text") && non_empty_str(m, "text"))
                || (is_type(m, "response.output_text.delta") && non_empty_str(m, "delta"))
        }),
        "messages" => any_object(value, &|m| {
            (is_type(m, "text") || is_type(m, "text_delta")) && non_empty_str(m, "text")
        }),
        "generateContent" | "streamGenerateContent" => any_object(value, &|m| {
            non_empty_str(m, "text") && m.get("thought").and_then(Value::as_bool) != Some(true)
        }),
        _ => true,
    }
}

/// Whether a response body or stream event of `api` contains reasoning or thinking output.
fn has_reasoning(api: &str, value: &Value) -> bool {
    match api {
        "chat.completions" => any_object(value, &|m| {
            non_empty_str(m, "reasoning_content")
                || non_empty_str(m, "reasoning")
                || is_type(m, "thinking")
        }),
        "responses" => any_object(value, &|m| is_type(m, "reasoning")),
        "messages" => any_object(value, &|m| {
            is_type(m, "thinking") || is_type(m, "redacted_thinking")
        }),
        "generateContent" | "streamGenerateContent" => any_object(value, &|m| {
            m.get("thought").and_then(Value::as_bool) == Some(true)
        }),
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn joined(chunks: &[Bytes]) -> String {
        chunks
            .iter()
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect()
    }

    #[test]
    fn splits_events_at_blank_lines() {
        let lf = "event: a\ndata: 1\n\ndata: 2\n\n";
        let chunks = split_events(lf);
        assert_eq!(chunks, vec!["event: a\ndata: 1\n\n", "data: 2\n\n"]);

        let crlf = "data: 1\r\n\r\ndata: 2\r\n\r\n";
        assert_eq!(
            split_events(crlf),
            vec!["data: 1\r\n\r\n", "data: 2\r\n\r\n"]
        );

        let unterminated = "data: 1\n\ndata: 2\n";
        let chunks = split_events(unterminated);
        assert_eq!(chunks.len(), 2);
        assert_eq!(joined(&chunks), unterminated);

        let cr = "data: 1\r\rdata: 2\r\r";
        assert_eq!(split_events(cr), vec!["data: 1\r\r", "data: 2\r\r"]);
    }

    #[test]
    fn detects_tool_calls_and_text() {
        let chat_tool =
            json!({"choices": [{"message": {"content": null, "tool_calls": [{"id": "c"}]}}]});
        assert!(has_tool_call("chat.completions", &chat_tool));
        assert!(!has_text("chat.completions", &chat_tool));

        let chat_text = json!({"choices": [{"delta": {"content": "hi"}}]});
        assert!(has_text("chat.completions", &chat_text));
        assert!(!has_tool_call("chat.completions", &chat_text));

        let anthropic = json!({"content": [{"type": "text", "text": "x"}, {"type": "tool_use"}]});
        assert!(has_text("messages", &anthropic));
        assert!(has_tool_call("messages", &anthropic));

        let gemini_thought =
            json!({"candidates": [{"content": {"parts": [{"text": "t", "thought": true}]}}]});
        assert!(!has_text("generateContent", &gemini_thought));
        let gemini_call = json!([{"candidates": [{"content": {"parts": [{"functionCall": {}}]}}]}]);
        assert!(has_tool_call("streamGenerateContent", &gemini_call));

        assert!(has_reasoning(
            "chat.completions",
            &json!({"delta": {"reasoning_content": "h"}})
        ));
        assert!(has_reasoning("generateContent", &gemini_thought));
        assert!(!has_reasoning("messages", &anthropic));

        let responses = json!({"output": [{"type": "message", "content": [{"type": "output_text", "text": "x"}]}]});
        assert!(has_text("responses", &responses));
        assert!(!has_tool_call("responses", &responses));
    }

    fn entry(stem: &str, stream: bool, tool_call: bool, text: bool, exotic: usize) -> Arc<Entry> {
        let payload = if stream {
            Payload::Sse(Vec::new())
        } else {
            Payload::Json(Bytes::new())
        };
        Arc::new(Entry {
            stem: stem.into(),
            status: 200,
            payload,
            tool_call,
            text,
            exotic,
        })
    }

    #[test]
    fn chooses_defaults_and_finds_stems() {
        let dir = ApiDir::new(vec![
            entry("0001-exotic-text", false, false, true, 2),
            entry("0002-tool", false, true, false, 0),
            entry("0003-text", false, false, true, 0),
            entry("0004-stream-text", true, false, true, 1),
        ]);
        assert_eq!(dir.default_for(false, false).unwrap().stem, "0003-text");
        assert_eq!(dir.default_for(false, true).unwrap().stem, "0002-tool");
        assert_eq!(
            dir.default_for(true, false).unwrap().stem,
            "0004-stream-text"
        );
        // No streamed tool call: falls back to any streamed exchange.
        assert_eq!(
            dir.default_for(true, true).unwrap().stem,
            "0004-stream-text"
        );

        assert_eq!(dir.by_stem("0002-tool").unwrap().stem, "0002-tool");
        assert_eq!(dir.by_stem("0003").unwrap().stem, "0003-text");
        assert!(dir.by_stem("0009").is_none());
        assert!(dir.by_stem("000").is_none());
    }
}
