//! Three everyday tasks with the typed API: a chat request with one tool and its tool call,
//! a stream printed as it arrives, the usage — the tasks issue 23 compares with async-openai's
//! documented API.
//!
//! `OPENAI_API_KEY=... cargo run -p aigw-openai --features client --example three_tasks`

use aigw_openai::client::Client;
use aigw_openai::{
    ChatCompletionRequestUserMessage, ChatCompletionTool, CreateChatCompletionRequest,
    FunctionObject,
};
use futures_util::StreamExt;
use std::io::Write;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;

    // 1. A chat request with one tool; read the tool call.
    let schema = r#"{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"#;
    let tool = FunctionObject::new("get_weather")
        .with_parameters(serde_json::from_str::<serde_json::Map<_, _>>(schema)?);
    let question = ChatCompletionRequestUserMessage::new("Weather in Paris?");
    let request = CreateChatCompletionRequest::new([question.into()], "gpt-4o-mini")
        .with_tools([ChatCompletionTool::new(tool).into()]);
    let response = client.chat(&request).await?;
    if let Some(call) = response.tool_calls().next() {
        println!("{:?}({:?})", call.name(), call.arguments());
    }

    // 2. Stream the text to stdout.
    let question = ChatCompletionRequestUserMessage::new("Say hi in five words.");
    let request = CreateChatCompletionRequest::new([question.into()], "gpt-4o-mini");
    let mut stream = client.chat_stream(&request).await?; // include_usage on by default
    while let Some(event) = stream.next().await {
        let event = event?;
        print!("{}", event.text().unwrap_or_default());
        std::io::stdout().flush()?;
        // 3. Read the usage (on the stream's last chunk; `response.usage()` on a plain call).
        if let Some(usage) = event.usage() {
            println!("\n{:?} tokens", usage.total_tokens.as_u64());
        }
    }
    Ok(())
}
