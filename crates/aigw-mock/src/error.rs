//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while loading the corpus, starting the server or parsing a
/// fault. Request-level problems never surface here: the server answers them with a JSON
/// error body in the provider's shape.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// The corpus directory does not exist or is not a directory.
    #[error("corpus directory {} not found (set AIGW_CORPUS or pass --corpus)", .0.display())]
    CorpusMissing(PathBuf),
    /// A corpus file or directory could not be read.
    #[error("reading {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A corpus file is not a valid recorded exchange.
    #[error("parsing {}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// No recorded exchange has this file stem in `<corpus>/<provider>/<api>/`.
    #[error("no recorded exchange {provider}/{api}/{stem} in {}", corpus.display())]
    ExchangeNotFound {
        /// The corpus directory searched.
        corpus: PathBuf,
        /// The provider directory (`openai`, `anthropic`, `gemini`, `openai-compat`).
        provider: String,
        /// The API directory (`chat.completions`, `messages`, ...).
        api: String,
        /// The file stem asked for.
        stem: String,
    },
    /// A fault specification that is not `status:CODE`, `retry-after:N`, `cut:N`, `stall:N`
    /// or `hang`.
    #[error(
        "invalid fault {0:?}: expected status:CODE (400-599), retry-after:N, cut:N, stall:N, hang or none"
    )]
    InvalidFault(String),
    /// The listening socket could not be bound.
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Loading the corpus on a blocking thread failed to complete.
    #[error("corpus loader thread failed: {0}")]
    Loader(String),
}
