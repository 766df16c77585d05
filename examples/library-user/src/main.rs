//! Uses the packaged aigw crates as an outside program would: parses a recorded Chat
//! response (aigw-openai), decodes and types a recorded Chat stream (aigw-sse + aigw-openai),
//! translates a Chat request to Anthropic Messages (aigw-translate), and checks that parsing
//! then serializing gives back what was recorded.
//!
//! `cargo run -- DIR`: DIR is a corpus directory (`../shared/corpus/dev`); its
//! `openai/chat.completions/` exchanges are read.

use aigw_openai::stream::{ChatAccumulator, ChatStreamEvent};
use aigw_openai::{
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequest, CreateChatCompletionResponse,
};
use aigw_sse::{Decoder, Frame, Limits};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::path::PathBuf;

/// The corpus's exchange file, as far as this program reads it.
#[derive(Deserialize)]
struct Exchange {
    stream: bool,
    status: u16,
    request: Option<Box<RawValue>>,
    response: Option<Box<RawValue>>,
    sse: Option<String>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: library-user CORPUS_DIR")?
        .join("openai/chat.completions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    let exchanges: Vec<(PathBuf, Exchange)> = files
        .into_iter()
        .map(|path| {
            let exchange = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
            Ok::<_, Box<dyn std::error::Error>>((path, exchange))
        })
        .collect::<Result<_, _>>()?;
    let name = |path: &PathBuf| path.file_name().map(|n| n.to_string_lossy().into_owned());

    // 1. Parse a recorded response; read it through the typed API; check it round-trips.
    let (path, exchange) = exchanges
        .iter()
        .find(|(_, e)| !e.stream && e.status == 200 && e.response.is_some())
        .ok_or("no recorded 200 Chat response")?;
    let recorded = exchange.response.as_ref().ok_or("no response")?.get();
    let response: CreateChatCompletionResponse = serde_json::from_str(recorded)?;
    println!("parse   {}", name(path).unwrap_or_default());
    println!("  text: {:?}", response.text());
    for call in response.tool_calls() {
        println!("  tool call: {:?}({:?})", call.name(), call.arguments());
    }
    if let Some(usage) = response.usage() {
        println!(
            "  usage: {} prompt + {} completion = {} tokens",
            usage.prompt_tokens.as_u64().unwrap_or_default(),
            usage.completion_tokens.as_u64().unwrap_or_default(),
            usage.total_tokens.as_u64().unwrap_or_default()
        );
    }
    // The same JSON value back (key order aside: the struct writes its fields in the spec's
    // order, unknown fields in the order received).
    let same = serde_json::to_value(&response)? == serde_json::from_str::<serde_json::Value>(recorded)?;
    println!("  serialized back equal to the recording: {same}");
    if !same {
        return Err("the response did not round-trip".into());
    }

    // 2. Decode a recorded stream with aigw-sse, type each event, fold them.
    let (path, exchange) = exchanges
        .iter()
        .find(|(_, e)| e.stream && e.status == 200 && e.sse.is_some())
        .ok_or("no recorded Chat stream")?;
    let sse = exchange.sse.as_deref().unwrap_or_default();
    let frames = Decoder::decode_all(sse.as_bytes(), Limits::default())?;
    let mut accumulator = ChatAccumulator::default();
    let mut text = String::new();
    let mut events = 0;
    for frame in &frames {
        let Frame::Event(event) = frame else { continue };
        let event = ChatStreamEvent::from_sse(event)?;
        text.push_str(event.text().unwrap_or_default());
        accumulator.push(&event)?;
        events += 1;
    }
    let folded = accumulator.finish()?;
    println!("stream  {}", name(path).unwrap_or_default());
    println!("  {} frames, {events} events, text: {text:?}", frames.len());
    println!(
        "  folded: finish {:?}, {:?} tokens",
        folded
            .choices
            .get()
            .and_then(|c| c.first())
            .and_then(|c| c.finish_reason.get())
            .map(ToString::to_string),
        folded.usage().and_then(|u| u.total_tokens.as_u64())
    );

    // 3. Translate Chat → Anthropic Messages: a request built with the typed API, then the
    //    recorded request of the first exchange.
    let options = aigw_translate::Options::default();
    let built = CreateChatCompletionRequest::new(
        [
            ChatCompletionRequestSystemMessage::new("Be brief.").into(),
            ChatCompletionRequestUserMessage::new("Say hi").into(),
        ],
        "claude-sonnet-4-5",
    )
    .with_max_completion_tokens(64)
    .with_temperature(0.2);
    let translated = aigw_translate::chat_anthropic::chat_to_messages(&built, &options)?;
    println!("translate (built request)");
    println!("  messages: {}", serde_json::to_string(&translated.value)?);
    println!("  losses: {}", translated.losses.len());
    let (path, exchange) = exchanges
        .iter()
        .find(|(_, e)| e.request.is_some())
        .ok_or("no recorded Chat request")?;
    let request: CreateChatCompletionRequest =
        serde_json::from_str(exchange.request.as_ref().ok_or("no request")?.get())?;
    let translated = aigw_translate::chat_anthropic::chat_to_messages(&request, &options)?;
    println!("translate {}", name(path).unwrap_or_default());
    println!(
        "  {} messages, max_tokens {:?}, losses: {}",
        translated.value.messages.get().map_or(0, Vec::len),
        translated.value.max_tokens.as_u64(),
        translated.losses.len()
    );
    for loss in translated.losses.iter() {
        println!("    {loss}");
    }
    Ok(())
}
