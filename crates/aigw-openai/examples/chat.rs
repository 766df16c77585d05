//! Streams a Chat Completion and prints the text as it arrives, then the usage.
//!
//! `OPENAI_API_KEY=... cargo run -p aigw-openai --features client --example chat -- "Say hi"`
//! (`OPENAI_BASE_URL` points it elsewhere, e.g. a proxy or the aigw gateway).

use aigw_openai::client::Client;
use aigw_openai::stream::{ChatAccumulator, ChatStreamEvent};
use futures_util::StreamExt;
use std::io::Write;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let prompt = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Say hi in five words.".to_owned());
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let request = serde_json::json!({
        "model": std::env::var("OPENAI_MODEL").unwrap_or_else(|_| "gpt-4o-mini".to_owned()),
        "messages": [{"role": "user", "content": prompt}]
    });
    let Ok(request) = serde_json::from_value(request) else {
        eprintln!("the request does not match the wire types");
        return ExitCode::FAILURE;
    };
    let mut stream = match client.chat_stream(&request).await {
        Ok(stream) => stream,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut accumulator = ChatAccumulator::default();
    while let Some(event) = stream.next().await {
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                eprintln!("\n{e}");
                return ExitCode::FAILURE;
            }
        };
        if let ChatStreamEvent::Chunk(chunk) = &event {
            let chunk = serde_json::to_value(chunk).unwrap_or_default();
            if let Some(text) = chunk["choices"][0]["delta"]["content"].as_str() {
                print!("{text}");
                let _ = std::io::stdout().flush();
            }
        }
        if let Err(e) = accumulator.push(&event) {
            eprintln!("\n{e}");
            return ExitCode::FAILURE;
        }
    }
    match accumulator.finish() {
        Ok(completion) => {
            println!(
                "\nusage: {}",
                serde_json::to_string(&completion.usage).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\n{e}");
            ExitCode::FAILURE
        }
    }
}
