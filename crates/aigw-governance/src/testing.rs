//! Test helpers (feature `testing`): the services `tests/services.sh` starts, the `SKIPPED`
//! notice when one is missing, and a TCP proxy that can cut a store off and bring it back.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Prints `SKIPPED <what>` where CI sees it: straight to the process's stderr, past the
/// test harness's capture (which hides `println!`/`eprintln!` of a passing test).
pub fn skipped(what: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED {what}");
}

/// `AIGW_TEST_REDIS_URL`, or `None` after printing `SKIPPED`.
pub fn redis_url(test: &str) -> Option<String> {
    service("AIGW_TEST_REDIS_URL", test)
}

/// `AIGW_TEST_DATABASE_URL`, or `None` after printing `SKIPPED`.
pub fn database_url(test: &str) -> Option<String> {
    service("AIGW_TEST_DATABASE_URL", test)
}

fn service(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            skipped(&format!(
                "{test}: {var} is not set (run `eval \"$(tests/services.sh up)\"`)"
            ));
            None
        }
    }
}

/// A loopback TCP proxy to `target` that can be taken down (open connections cut, new ones
/// closed at once) and brought back: a store that stops answering, then returns.
#[derive(Debug)]
pub struct Proxy {
    pub addr: SocketAddr,
    down: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let down = Arc::new(AtomicBool::new(false));
        let (cut, cuts) = watch::channel(0u64);
        let flag = down.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cuts = cuts.clone();
                // Only cuts from now on end this connection.
                cuts.mark_unchanged();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Ok(Proxy { addr, down, cut })
    }

    /// Cuts every open connection and refuses new ones.
    pub fn down(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    /// Lets connections through again.
    pub fn up(&self) {
        self.down.store(false, Ordering::SeqCst);
    }

    /// `url` with its host:port replaced by the proxy's.
    pub fn url_for(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
        let (auth, hostpath) = match rest.rsplit_once('@') {
            Some((auth, hp)) => (format!("{auth}@"), hp),
            None => (String::new(), rest),
        };
        let path = hostpath.find('/').map_or("", |i| &hostpath[i..]);
        format!("{scheme}://{auth}{}{path}", self.addr)
    }
}

/// The `host:port` of a service URL.
pub fn socket_of(url: &str) -> Option<SocketAddr> {
    let rest = url.split_once("://")?.1;
    let hostpath = rest.rsplit_once('@').map_or(rest, |(_, hp)| hp);
    let hostport = hostpath.split('/').next()?;
    use std::net::ToSocketAddrs;
    hostport.to_socket_addrs().ok()?.next()
}
