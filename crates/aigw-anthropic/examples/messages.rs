//! Streams a short message from the Anthropic API and prints the text as it arrives, then
//! the usage.
//!
//! ```sh
//! ANTHROPIC_API_KEY=... cargo run -p aigw-anthropic --features client --example messages
//! ```
//!
//! `ANTHROPIC_BASE_URL` points it elsewhere (a proxy, a compatible server); `ANTHROPIC_MODEL`
//! picks the model.

use aigw_anthropic::client::{BuildError, Client};
use aigw_anthropic::stream::MessageAccumulator;
use aigw_anthropic::{CreateMessageParams, InputMessage};
use futures_util::StreamExt;
use std::io::Write;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(BuildError::MissingKey(missing)) => {
            // One line, no key material: the variable's name only.
            eprintln!("{missing}; export it to run this example");
            return ExitCode::from(2);
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    match run(&client).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    let model = std::env::var("ANTHROPIC_MODEL").unwrap_or_else(|_| "claude-sonnet-4-5".into());
    let question = InputMessage::user("In one sentence: what is an AI gateway?");
    let request = CreateMessageParams::new(model, [question], 200);
    let mut stream = client.messages_stream(&request).await?;
    let mut accumulator = MessageAccumulator::default();
    let mut stdout = std::io::stdout();
    while let Some(event) = stream.next().await {
        let event = event?;
        if let Some(text) = event.text() {
            write!(stdout, "{text}")?;
            stdout.flush()?;
        }
        accumulator.push(&event)?;
    }
    println!();
    let message = accumulator.finish()?;
    if let Some(usage) = message.usage() {
        let input = usage.input_tokens.as_u64().unwrap_or_default();
        let output = usage.output_tokens.as_u64().unwrap_or_default();
        println!("usage: {input} input tokens, {output} output tokens");
    }
    Ok(())
}
