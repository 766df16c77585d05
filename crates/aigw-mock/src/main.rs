//! `aigw-mock`: serve the recorded-exchange mock until SIGINT / SIGTERM.
//!
//! Prints exactly one line, `aigw-mock listening on http://ADDR`, once the socket is bound.

use aigw_mock::{Fault, MockConfig, MockServer};
use anyhow::Context;
use clap::Parser;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A loopback mock of the OpenAI, Anthropic and Gemini APIs that replays recorded exchanges.
#[derive(Debug, Parser)]
#[command(name = "aigw-mock")]
struct Args {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Corpus directory (holding openai/, anthropic/, gemini/, openai-compat/) [default:
    /// $AIGW_CORPUS]; a relative path is resolved against the current directory.
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// Delay before the response head of every API request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Delay between stream events, in milliseconds.
    #[arg(long, default_value_t = 0)]
    event_delay_ms: u64,
    /// Fault for every request: status:CODE, retry-after:N, cut:N, stall:N or hang.
    #[arg(long)]
    fault: Option<Fault>,
    /// Replay openai-compat exchanges on the OpenAI-style endpoints it covers.
    #[arg(long)]
    compat: bool,
    /// Record every request, readable at `GET /mock/requests` and
    /// `GET /mock/requests/{index}/body` (the SDK tests'; memory grows with each request).
    #[arg(long)]
    record: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let corpus = args
        .corpus
        .or_else(|| std::env::var_os("AIGW_CORPUS").map(PathBuf::from))
        .context("no corpus: pass --corpus DIR or set AIGW_CORPUS")?;
    let corpus = std::path::absolute(&corpus)
        .with_context(|| format!("resolving corpus path {}", corpus.display()))?;
    let config = MockConfig {
        corpus,
        latency: Duration::from_millis(args.latency_ms),
        event_delay: Duration::from_millis(args.event_delay_ms),
        fault: args.fault,
        compat: args.compat,
    };
    let server = MockServer::bind(config, args.listen).await?;
    // Unless asked (`--record`: read over HTTP), keep memory flat under load.
    server.set_recording(args.record);
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "aigw-mock listening on {}", server.url())?;
    stdout.flush()?;
    drop(stdout);

    wait_for_signal().await?;
    // Hanging and stalled responses end on shutdown; give the rest a moment.
    let _ = tokio::time::timeout(Duration::from_secs(5), server.shutdown()).await;
    Ok(())
}

/// Waits for ctrl-c / SIGINT or (on Unix) SIGTERM.
async fn wait_for_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate =
            signal(SignalKind::terminate()).context("installing SIGTERM handler")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("waiting for ctrl-c")?,
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("waiting for ctrl-c")?;
    Ok(())
}
