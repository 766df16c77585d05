//! The Redis the gateway's rate-limit counters live in, as the benchmark sees it: reachable
//! (PING), its version, and its CPU time (`INFO cpu`) — a few commands before and after each
//! run on a fresh connection, never on a measured request's path.

use anyhow::{Context, Result, bail};
use redis::ConnectionAddr;
use std::time::Duration;

/// A Redis server, by its `redis://` URL.
#[derive(Clone)]
pub struct Redis {
    /// As the gateway's configuration gets it.
    pub url: String,
    client: redis::Client,
}

impl Redis {
    pub fn parse(url: &str) -> Result<Redis> {
        if !url.starts_with("redis://") {
            bail!(
                "Redis URL {}: only redis:// URLs are supported here",
                redact(url)
            );
        }
        let client =
            redis::Client::open(url).with_context(|| format!("Redis URL {}", redact(url)))?;
        Ok(Redis {
            url: url.to_owned(),
            client,
        })
    }

    /// The URL with any password replaced by `***`.
    pub fn shown(&self) -> String {
        redact(&self.url)
    }

    /// Whether Redis runs on this machine (and so shares its cores).
    pub fn is_loopback(&self) -> bool {
        match &self.client.get_connection_info().addr {
            ConnectionAddr::Tcp(host, _) | ConnectionAddr::TcpTls { host, .. } => {
                matches!(host.as_str(), "localhost" | "::1") || host.starts_with("127.")
            }
            ConnectionAddr::Unix(_) => true,
        }
    }

    pub fn ping(&self) -> Result<()> {
        let answer = self.command("PING", &redis::cmd("PING"))?;
        if answer != "PONG" {
            bail!("Redis {}: PING answered {answer:?}", self.shown());
        }
        Ok(())
    }

    /// `redis_version` from `INFO server`.
    pub fn version(&self) -> Option<String> {
        let info = self
            .command("INFO", redis::cmd("INFO").arg("server"))
            .ok()?;
        field(&info, "redis_version").map(str::to_owned)
    }

    /// The server's user + system CPU time so far, seconds (`INFO cpu`).
    pub fn cpu_seconds(&self) -> Option<f64> {
        let info = self.command("INFO", redis::cmd("INFO").arg("cpu")).ok()?;
        let user: f64 = field(&info, "used_cpu_user")?.parse().ok()?;
        let sys: f64 = field(&info, "used_cpu_sys")?.parse().ok()?;
        Some(user + sys)
    }

    /// One command on a fresh connection (authenticated as the URL says).
    fn command(&self, name: &str, command: &redis::Cmd) -> Result<String> {
        let mut connection = self
            .client
            .get_connection_with_timeout(Duration::from_secs(2))
            .with_context(|| format!("Redis {}: connecting", self.shown()))?;
        command
            .query(&mut connection)
            .with_context(|| format!("Redis {}: {name}", self.shown()))
    }
}

/// By hand: the client's own `Debug` shows the URL's password.
impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis").field("url", &self.shown()).finish()
    }
}

/// `name:value` from an INFO answer.
fn field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines().find_map(|l| {
        l.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(str::trim)
    })
}

/// `url` with the password of its user info replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((info, host)) => {
            let user = info.split_once(':').map_or("", |(user, _)| user);
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_passwords_never_shown() {
        let r = Redis::parse("redis://127.0.0.1:51641/").unwrap();
        assert!(r.is_loopback());
        let r = Redis::parse("redis://bench:s3cret@cache.internal/2").unwrap();
        assert!(!r.is_loopback());
        assert_eq!(r.shown(), "redis://bench:***@cache.internal/2");
        assert!(!format!("{r:?}").contains("s3cret"));
        assert!(Redis::parse("rediss://host/").is_err());
        assert!(Redis::parse("redis://host:notaport/").is_err());
    }

    #[test]
    fn info_fields_are_read() {
        let info = "# CPU\r\nused_cpu_sys:1.5\r\nused_cpu_user:2\r\n";
        assert_eq!(field(info, "used_cpu_sys"), Some("1.5"));
        assert_eq!(field(info, "used_cpu"), None);
    }
}
