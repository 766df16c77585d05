//! Chat with any OpenAI-compatible preset, streaming, and print what was adjusted.
//!
//! `cargo run -p aigw-openai-compat --example compat -- groq llama-3.1-8b-instant "Say hi"`
//! (key from the preset's variable, e.g. `GROQ_API_KEY`; none needed for local servers).

use aigw_openai::stream::ChatStreamEvent;
use aigw_openai::{ChatCompletionRequestUserMessage, CreateChatCompletionRequest};
use aigw_openai_compat::{CompatClient, Preset};
use futures_util::StreamExt;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
    let (Some(preset), Some(model)) =
        (args.first().and_then(|n| Preset::from_name(n)), args.get(1))
    else {
        eprintln!(
            "usage: compat <preset> <model> [prompt]   presets: {}",
            names.join(", ")
        );
        return std::process::ExitCode::from(2);
    };
    let prompt = args.get(2).map_or("Say hi in five words.", String::as_str);
    let client = match CompatClient::from_env(preset) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let request = CreateChatCompletionRequest::new(
        [ChatCompletionRequestUserMessage::new(prompt).into()],
        model.as_str(),
    )
    .with_max_completion_tokens(200);
    let mut stream = match client.chat_stream(&request).await {
        Ok(stream) => stream,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    for adjustment in stream.adjustments.iter() {
        eprintln!("adjusted: {adjustment}");
    }
    while let Some(event) = stream.value.next().await {
        match event {
            Ok(ChatStreamEvent::Chunk(chunk)) => {
                print!("{}", chunk.text().unwrap_or_default());
                if let Some(usage) = chunk.usage() {
                    println!(
                        "\nusage: {} prompt + {} completion tokens",
                        usage.prompt_tokens.as_u64().unwrap_or_default(),
                        usage.completion_tokens.as_u64().unwrap_or_default()
                    );
                }
            }
            Ok(ChatStreamEvent::Error(error)) => eprintln!(
                "\nprovider error: {}",
                serde_json::to_string(&error).unwrap_or_default()
            ),
            Ok(ChatStreamEvent::Done) => println!(),
            Err(e) => {
                eprintln!("\n{e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    std::process::ExitCode::SUCCESS
}
