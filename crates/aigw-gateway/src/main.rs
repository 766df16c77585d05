//! `aigw serve`: the gateway. `aigw check`: validate a configuration and print its routes.

mod keys_cli;

use aigw_gateway::{Config, State};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "aigw", version, about = "A protocol-faithful AI gateway")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway.
    Serve {
        /// The configuration file (default: $AIGW_CONFIG, else ./aigw.toml if it exists, else
        /// one built from the provider keys in the environment).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Listen here instead of the configuration's `server.listen`.
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Log lines as JSON.
        #[arg(long)]
        json_logs: bool,
    },
    /// Check a configuration (the environment variables it names, its key store and its
    /// counter store) and print its routes.
    Check {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Usage and cost from the spend log: requests, tokens by kind, USD — by key, model or day.
    Usage {
        #[arg(long)]
        config: Option<PathBuf>,
        /// The store URL, instead of the configuration's.
        #[arg(long)]
        store: Option<String>,
        /// Only this key's requests.
        #[arg(long)]
        key: Option<String>,
        /// From this time (RFC 3339) or this long ago (`7d`, `24h`); default 30 days.
        #[arg(long)]
        since: Option<String>,
        /// Group by `key`, `model` or `day`.
        #[arg(long, default_value = "key")]
        by: aigw_governance::spend::By,
        /// Print JSON (the shape of `GET /admin/usage`).
        #[arg(long)]
        json: bool,
    },
    /// Manage virtual keys in the store directly (works with the gateway stopped).
    Keys {
        #[command(subcommand)]
        command: Box<keys_cli::KeysCommand>,
        /// The configuration whose `[store] url` to use.
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        /// The store URL, instead of the configuration's.
        #[arg(long, global = true)]
        store: Option<String>,
        /// Print JSON (the admin API's shapes) instead of a table.
        #[arg(long, global = true)]
        json: bool,
    },
}

fn env(var: &str) -> Option<String> {
    std::env::var(var).ok()
}

/// The configuration and a sentence saying where it came from.
fn load(path: Option<PathBuf>) -> anyhow::Result<(Config, String)> {
    let path = path
        .or_else(|| env("AIGW_CONFIG").map(PathBuf::from))
        .or_else(|| {
            let default = PathBuf::from("aigw.toml");
            default.exists().then_some(default)
        });
    match path {
        Some(path) => {
            let config = Config::load(&path)?;
            Ok((config, format!("configuration from {}", path.display())))
        }
        None => {
            let config = Config::from_env(env);
            let providers: Vec<&str> = config.providers.keys().map(String::as_str).collect();
            let said = if providers.is_empty() {
                "no configuration file and no provider key in the environment (OPENAI_API_KEY, \
                 ANTHROPIC_API_KEY, GEMINI_API_KEY, GROQ_API_KEY, …): serving with no providers, \
                 every model request will get a 404"
                    .to_owned()
            } else {
                format!(
                    "no configuration file: built one from the environment with providers {} \
                     (models by name prefix, or as provider/model)",
                    providers.join(", ")
                )
            };
            Ok((config, said))
        }
    }
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("AIGW_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// A listener with a deep accept queue: a burst of new connections (a thousand clients
/// starting streams at once) waits in it instead of being dropped and retried a second later.
fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve {
            config,
            listen,
            json_logs,
        } => {
            init_logs(json_logs);
            let (mut config, source) = load(config)?;
            if let Some(listen) = listen {
                config.server.listen = listen;
            }
            tracing::info!("{source}");
            let state = State::open(&config, env).await?;
            tracing::info!(
                store = %aigw_gateway::store_url(&config),
                counters = %config.limits.counters_shown(),
                "keys and limits"
            );
            if !state.requires_key() {
                tracing::warn!(
                    "no client keys configured (server.client_key_env, [[keys]], or keys in the \
                     store): any local process can use the gateway; it listens on loopback only"
                );
            }
            let listener = bind(config.server.listen)
                .with_context(|| format!("cannot listen on {}", config.server.listen))?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, "aigw listening");
            println!("aigw listening on http://{addr}");
            let grace = Duration::from_secs(config.server.shutdown_grace_secs);
            aigw_gateway::serve(listener, Arc::new(state), shutdown_signal(), grace).await?;
            tracing::info!("aigw stopped");
            Ok(())
        }
        Command::Check { config } => {
            let (config, source) = load(config)?;
            let state = State::open(&config, env).await?;
            println!("{source}: ok");
            println!("store {}: ok", aigw_gateway::store_url(&config));
            match state.governance.limiter.ping().await {
                Ok(at) => println!("rate-limit counters {at}: ok"),
                Err(e) => anyhow::bail!("limits.counters {}: {e}", config.limits.counters_shown()),
            }
            let keys = state.governance.ring.config_keys();
            if !keys.is_empty() {
                println!("{} key(s) from the configuration", keys.len());
            }
            for (name, provider) in &config.providers {
                println!("provider {name}: {:?}", provider.kind);
            }
            for route in &config.routes {
                let name = route
                    .model
                    .clone()
                    .or_else(|| route.prefix.as_ref().map(|p| format!("{p}*")))
                    .unwrap_or_default();
                let targets: Vec<String> = route.targets.iter().map(|t| t.to_string()).collect();
                println!("route {name} -> {}", targets.join(", "));
            }
            Ok(())
        }
        Command::Usage {
            config,
            store,
            key,
            since,
            by,
            json,
        } => {
            let url = match store {
                Some(url) => url,
                None => load(config)?.0.store.url,
            };
            let store = aigw_governance::Store::connect(&url).await?;
            let since = aigw_gateway::admin::parse_since(
                since.as_deref(),
                aigw_governance::manage::now_ms(),
            )
            .map_err(anyhow::Error::msg)?;
            let report = aigw_governance::spend::report(&store, by, key.as_deref(), since).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_report(&report);
            }
            Ok(())
        }
        Command::Keys {
            command,
            config,
            store,
            json,
        } => {
            let url = match store {
                Some(url) => url,
                None => load(config)?.0.store.url,
            };
            keys_cli::run(&url, *command, json).await
        }
    }
}

/// A usage report as a table.
fn print_report(report: &aigw_governance::spend::Report) {
    let header = [
        report.by,
        "REQUESTS",
        "ERRORS",
        "INPUT",
        "OUTPUT",
        "CACHE READ",
        "CACHE WRITE",
        "REASONING",
        "COST USD",
        "UNPRICED",
    ];
    let rows: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|r| {
            vec![
                r.group.clone(),
                r.requests.to_string(),
                r.errors.to_string(),
                r.input_tokens.to_string(),
                r.output_tokens.to_string(),
                r.cache_read_tokens.to_string(),
                r.cache_write_tokens.to_string(),
                r.reasoning_tokens.to_string(),
                r.cost_usd.clone(),
                r.unpriced_requests.to_string(),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let text: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        println!("{}", text.join("  ").trim_end());
    };
    line(
        header
            .iter()
            .map(|h| h.to_uppercase())
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    );
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
    if rows.is_empty() {
        println!(
            "(no requests since {})",
            aigw_governance::manage::rfc3339(report.since_ms)
        );
    }
}
