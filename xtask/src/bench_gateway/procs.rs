//! The benchmarked processes (the gateway and the mock): started as children, their listen URL
//! read from the line they print, killed and reaped on drop; and what `/proc` says about them.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long a child may take to print its listen line (the mock loads the corpus first).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A child process, killed (SIGKILL) and reaped when dropped, on every exit path.
#[derive(Debug)]
pub struct Proc {
    name: String,
    child: Child,
    /// What followed the listen prefix, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    log: PathBuf,
    /// Started in a process group of its own ([`Proc::start_polling`]): the group is killed.
    group: bool,
}

impl Proc {
    /// Spawns `command` with stderr to `log` and waits for the stdout line
    /// `<prefix>URL`; the rest of stdout is drained by a thread.
    pub fn start(name: &str, mut command: Command, prefix: &str, log: &Path) -> Result<Proc> {
        let stderr =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr));
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {name} ({})", command.get_program().display()))?;
        let stdout = child.stdout.take().context("child without stdout")?;
        let mut proc = Proc {
            name: name.to_owned(),
            child,
            url: String::new(),
            log: log.to_owned(),
            group: false,
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // Nobody listens after the first line: later lines are only drained.
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => {
                    if let Some(url) = line.trim().strip_prefix(prefix) {
                        proc.url = url.trim_end_matches('/').to_owned();
                        return Ok(proc);
                    }
                }
                Err(RecvTimeoutError::Timeout) => bail!(
                    "{name} did not print `{prefix}URL` within {} s; its stderr ({}):\n{}",
                    START_TIMEOUT.as_secs(),
                    log.display(),
                    proc.log_tail()
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    let status = proc.child.wait().context("waiting for the child")?;
                    bail!(
                        "{name} exited ({status}) before listening; its stderr ({}):\n{}",
                        log.display(),
                        proc.log_tail()
                    )
                }
            }
        }
    }

    /// Spawns `command` (in a process group of its own, killed whole on drop: a peer
    /// gateway may fork workers) with stdout and stderr to `log`, and waits until `ready`
    /// says so (polled every 200 ms, up to `timeout`); its URL is `url`.
    pub fn start_polling(
        name: &str,
        mut command: Command,
        url: &str,
        log: &Path,
        timeout: Duration,
        mut ready: impl FnMut() -> bool,
    ) -> Result<Proc> {
        use std::os::unix::process::CommandExt;
        let out =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        command
            .stdin(Stdio::null())
            .stdout(Stdio::from(out.try_clone()?))
            .stderr(Stdio::from(out))
            .process_group(0);
        let child = command
            .spawn()
            .with_context(|| format!("starting {name} ({})", command.get_program().display()))?;
        let mut proc = Proc {
            name: name.to_owned(),
            child,
            url: url.to_owned(),
            log: log.to_owned(),
            group: true,
        };
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = proc.child.try_wait()? {
                bail!(
                    "{name} exited ({status}) before it was ready; its output ({}):\n{}",
                    log.display(),
                    proc.log_tail()
                );
            }
            if ready() {
                return Ok(proc);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        bail!(
            "{name} was not ready within {} s; its output ({}):\n{}",
            timeout.as_secs(),
            log.display(),
            proc.log_tail()
        )
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails if the process has exited (a crash under load).
    pub fn ensure_running(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited during the benchmark ({status}); its stderr ({}):\n{}",
                self.name,
                self.log.display(),
                self.log_tail()
            );
        }
        Ok(())
    }

    /// The last lines of the process's stderr.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Memory and CPU time now.
    pub fn sample(&self) -> Result<ProcSample> {
        ProcSample::of(&self.pid().to_string())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.group {
            // The group this process leads (its id): its workers too.
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(format!("-{}", self.child.id()))
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What `/proc/PID/status` and `/proc/PID/stat` say about a process.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcSample {
    /// Resident set size, kB.
    pub rss_kb: u64,
    /// Peak resident set size since start ("high water mark"), kB.
    pub hwm_kb: u64,
    pub threads: u64,
    /// User + system CPU time, clock ticks.
    pub cpu_ticks: u64,
    /// System (kernel) CPU time alone, clock ticks: syscalls, and the loopback network stack
    /// run on the process's behalf (a send also runs the receiver's TCP processing).
    pub sys_ticks: u64,
}

impl ProcSample {
    /// `pid` is a number or `self`.
    pub fn of(pid: &str) -> Result<ProcSample> {
        let status_path = format!("/proc/{pid}/status");
        let status = std::fs::read_to_string(&status_path)
            .with_context(|| format!("reading {status_path}"))?;
        let field = |name: &str| -> u64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        let stat_path = format!("/proc/{pid}/stat");
        let stat =
            std::fs::read_to_string(&stat_path).with_context(|| format!("reading {stat_path}"))?;
        // Fields after the command name (which may hold spaces): state is field 3, utime 14,
        // stime 15 (1-based), so indexes 11 and 12 here.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after.split_whitespace().collect();
        let tick = |i: usize| -> u64 { fields.get(i).and_then(|v| v.parse().ok()).unwrap_or(0) };
        Ok(ProcSample {
            rss_kb: field("VmRSS:"),
            hwm_kb: field("VmHWM:"),
            threads: field("Threads:"),
            cpu_ticks: tick(11) + tick(12),
            sys_ticks: tick(12),
        })
    }
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on every Linux we know).
pub fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t: &u64| t > 0)
        .unwrap_or(100)
}

/// The kernel's count of connections dropped because a listening socket's accept queue was
/// full (`TcpExt: ListenOverflows` in `/proc/net/netstat`, machine-wide); such a client
/// retries its SYN after a second.
pub fn listen_overflows() -> u64 {
    let text = std::fs::read_to_string("/proc/net/netstat").unwrap_or_default();
    let mut lines = text.lines().filter(|l| l.starts_with("TcpExt:"));
    let (Some(names), Some(values)) = (lines.next(), lines.next()) else {
        return 0;
    };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .find(|(name, _)| *name == "ListenOverflows")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0)
}
