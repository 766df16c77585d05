//! Streams a Chat Completion and prints the text as it arrives, then the usage.
//!
//! `OPENAI_API_KEY=... cargo run -p aigw-openai --features client --example chat -- "Say hi"`
//! (`OPENAI_BASE_URL` points it elsewhere, e.g. a proxy or the aigw gateway).

use aigw_openai::client::Client;
use aigw_openai::stream::ChatAccumulator;
use aigw_openai::{ChatCompletionRequestUserMessage, CreateChatCompletionRequest};
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
    match run(&client, prompt).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\n{e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(client: &Client, prompt: String) -> Result<(), Box<dyn std::error::Error>> {
    let model = std::env::var("OPENAI_MODEL").unwrap_or_else(|_| "gpt-4o-mini".to_owned());
    let request = CreateChatCompletionRequest::new(
        [ChatCompletionRequestUserMessage::new(prompt).into()],
        model,
    );
    let mut stream = client.chat_stream(&request).await?;
    let mut accumulator = ChatAccumulator::default();
    while let Some(event) = stream.next().await {
        let event = event?;
        if let Some(text) = event.text() {
            print!("{text}");
            std::io::stdout().flush()?;
        }
        accumulator.push(&event)?;
    }
    let completion = accumulator.finish()?;
    if let Some(usage) = completion.usage() {
        println!(
            "\nusage: {} prompt + {} completion = {} tokens",
            usage.prompt_tokens.as_u64().unwrap_or_default(),
            usage.completion_tokens.as_u64().unwrap_or_default(),
            usage.total_tokens.as_u64().unwrap_or_default(),
        );
    }
    Ok(())
}
