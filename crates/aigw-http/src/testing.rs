//! Test support for the provider clients (cargo feature `testing`): fast retry settings, a
//! loopback server that breaks off or stalls a streamed body (which wiremock cannot), and a
//! capture of `tracing` output. Loopback only.

use crate::config::{RetryPolicy, Timeouts};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Retries after 1–5 ms, so retry tests take no time; `Retry-After` up to 5 s is honoured.
pub fn fast_retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(5),
    }
}

/// 2 s to connect, `request` per attempt, `idle` between stream chunks.
pub fn timeouts(request: Duration, idle: Duration) -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        request,
        idle,
    }
}

/// What the server does after sending its chunks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Closes the connection without ending the chunked body: a cut mid-stream.
    Cut,
    /// Keeps the connection open and silent.
    Stall,
}

/// A loopback HTTP/1.1 server answering every request with `200`, `content-type`, the
/// `chunks` of a chunked body, then [`Ending`].
#[derive(Debug)]
pub struct StreamServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl StreamServer {
    pub async fn start(
        content_type: &'static str,
        chunks: Vec<Vec<u8>>,
        ending: Ending,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let chunks = chunks.clone();
                tokio::spawn(async move {
                    if read_request(&mut socket).await.is_err() {
                        return;
                    }
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\n\r\n"
                    );
                    if socket.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                    for chunk in chunks {
                        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                        framed.extend_from_slice(&chunk);
                        framed.extend_from_slice(b"\r\n");
                        if socket.write_all(&framed).await.is_err() {
                            return;
                        }
                        let _ = socket.flush().await;
                    }
                    match ending {
                        Ending::Cut => drop(socket),
                        Ending::Stall => {
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                            drop(socket);
                        }
                    }
                });
            }
        });
        Ok(StreamServer { addr, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for StreamServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request's head and its `content-length` body.
async fn read_request(socket: &mut tokio::net::TcpStream) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut byte = [0u8; 1024];
    let head_end = loop {
        let n = socket.read(&mut byte).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&byte[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut have = buffer.len() - head_end;
    while have < length {
        let n = socket.read(&mut byte).await?;
        if n == 0 {
            break;
        }
        have += n;
    }
    Ok(())
}

/// Everything `tracing` printed (all levels) while the guard lived, on this thread.
#[derive(Clone, Debug, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut bytes) = self.0.lock() {
            bytes.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures `tracing` output at every level, with span fields, until the guard drops.
pub fn capture_traces() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

/// Panics naming the first of `texts` that contains `secret`.
pub fn assert_hidden(secret: &str, texts: &[(&str, String)]) {
    for (what, text) in texts {
        assert!(!text.contains(secret), "the key leaked into {what}: {text}");
    }
}
