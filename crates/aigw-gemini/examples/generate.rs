//! Streams a short `generateContent` answer from Gemini, printing the text as it arrives and
//! the token usage at the end.
//!
//! ```sh
//! GEMINI_API_KEY=… cargo run -p aigw-gemini --features client --example generate -- "Why is the sky blue?"
//! ```
//!
//! `GEMINI_MODEL` picks the model (default `gemini-2.0-flash`), `GEMINI_BASE_URL` the API root.

use aigw_gemini::client::{BuildError, Client};
use aigw_gemini::stream::ResponseAccumulator;
use aigw_gemini::{Content, GenerateContentRequest, GenerationConfig};
use futures_util::StreamExt;
use std::io::Write;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(BuildError::MissingKey(_)) => {
            eprintln!(
                "GEMINI_API_KEY (or GOOGLE_API_KEY) is not set: export an API key from https://aistudio.google.com/apikey to run this example"
            );
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
            eprintln!("\nerror: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    let model = std::env::var("GEMINI_MODEL").unwrap_or_else(|_| "gemini-2.0-flash".to_owned());
    let prompt = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "In two sentences, why is the sky blue?".to_owned());
    let request = GenerateContentRequest::default()
        .with_contents([Content::user(prompt)])
        .with_generation_config(GenerationConfig::default().with_max_output_tokens(256));

    let mut stream = client.stream_generate_content(&model, &request).await?;
    let mut accumulator = ResponseAccumulator::default();
    let mut stdout = std::io::stdout();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        // Thought summaries (`thought: true`) are not part of the answer: `text()` skips them.
        write!(stdout, "{}", chunk.text())?;
        stdout.flush()?;
        accumulator.push(&chunk);
    }
    writeln!(stdout)?;

    let response = accumulator.finish()?;
    if let Some(reason) = response
        .candidates
        .get()
        .and_then(|candidates| candidates.first())
        .and_then(|candidate| candidate.finish_reason.get())
    {
        println!("finish reason: {reason}");
    }
    match response.usage() {
        Some(usage) => println!(
            "usage: {} prompt tokens, {} candidate tokens, {} in total",
            usage.prompt_token_count.as_u64().unwrap_or_default(),
            usage.candidates_token_count.as_u64().unwrap_or_default(),
            usage.total_token_count.as_u64().unwrap_or_default(),
        ),
        None => println!("usage: (not reported)"),
    }
    Ok(())
}
