//! One engine process: started in its own process group with the request on its stdin, read
//! line by line (capped, lossily decoded), and killed with its whole group on timeout, on
//! shutdown or when dropped, so a wrapper script's children die with it. If the server
//! itself dies, the engine fails at its next write to the closed pipe, and recovery kills
//! what is left ([`kill_orphan`]).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

use crate::config::{EngineConfig, SchedulerConfig};
use crate::lines::CappedLines;

/// The longest event line read whole (a long transcript's segments fit many times over);
/// a longer one is cut, fails to parse and is skipped.
const MAX_EVENT_LINE: usize = 16 * 1024 * 1024;
/// The longest log line kept from an engine's stderr.
const MAX_LOG_LINE: usize = 16 * 1024;

pub struct EngineProcess {
    child: Child,
    lines: CappedLines<BufReader<ChildStdout>>,
    pid: Option<u32>,
    /// The engine's process group until it has been killed after the engine ended (a later
    /// kill could hit a new process that was given the same number).
    group: Option<Pid>,
    /// The last lines the engine wrote to stderr, for the admin's failure reason.
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    stderr_reader: Option<tokio::task::JoinHandle<()>>,
}

/// How many stderr lines a failure reason keeps.
const STDERR_TAIL_LINES: usize = 8;

/// The engine program: a bare name is looked for beside the running `viva` binary first, so
/// an installed release finds its engines without PATH changes.
pub fn resolve_program(program: &Path) -> PathBuf {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(program)))
        .filter(|p| p.is_file());
    match beside {
        Some(path) if program.components().count() == 1 => path,
        _ => program.to_path_buf(),
    }
}

/// The executable file `program` starts, as the kernel names it in `/proc/PID/exe`.
fn executable(program: &Path) -> Option<PathBuf> {
    let resolved = resolve_program(program);
    let found = if resolved.components().count() > 1 {
        Some(resolved)
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(&resolved))
                .find(|p| p.is_file())
        })
    };
    found.and_then(|p| p.canonicalize().ok())
}

impl EngineProcess {
    /// Starts the engine and hands it `request` (one JSON document), then closes its stdin.
    pub async fn spawn(config: &EngineConfig, request: &[u8]) -> std::io::Result<Self> {
        let mut child = Command::new(resolve_program(&config.program))
            .args(&config.args)
            // ggml's worker threads spin while idle; the web server shares these cores.
            .env("OMP_WAIT_POLICY", "passive")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own group: a Ctrl-C at the server's terminal reaches the server, which
            // then stops the engine in order; and the whole group can be killed at once.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()?;
        let pid = child.id();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("engine stdout not captured"))?;
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let stderr_reader = child
            .stderr
            .take()
            .map(|stderr| tokio::spawn(forward_stderr(stderr, pid, stderr_tail.clone())));
        if let Some(mut stdin) = child.stdin.take() {
            // An engine that dies before reading its request shows up as a crash below.
            if let Err(e) = stdin.write_all(request).await {
                tracing::warn!(error = %e, ?pid, "cannot write the request to the engine");
            }
        }
        Ok(Self {
            child,
            lines: CappedLines::new(BufReader::new(stdout), MAX_EVENT_LINE),
            pid,
            group: pid.and_then(|p| i32::try_from(p).ok()).map(Pid::from_raw),
            stderr_tail,
            stderr_reader,
        })
    }

    /// The last lines of stderr, once the process is gone (waits a moment for the pipe's end).
    pub async fn stderr_tail(&mut self) -> Vec<String> {
        if let Some(reader) = self.stderr_reader.take() {
            let _ = tokio::time::timeout(Duration::from_secs(1), reader).await;
        }
        self.stderr_tail
            .lock()
            .map(|tail| tail.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// The next line of stdout; `None` once the engine closed it (it exited or is exiting).
    pub async fn next_line(&mut self) -> std::io::Result<Option<String>> {
        self.lines.next_line().await
    }

    /// Kills the engine and everything it started, and reaps it.
    pub async fn kill(&mut self) {
        self.kill_group();
        if let Err(e) = self.child.kill().await {
            tracing::warn!(error = %e, pid = ?self.pid, "cannot kill the engine");
        }
        self.group = None;
    }

    pub async fn wait(&mut self) -> std::io::Result<ExitStatus> {
        let status = self.child.wait().await;
        // Whatever the engine left running in its group goes with it, once.
        self.kill_group();
        self.group = None;
        status
    }

    fn kill_group(&self) {
        if let Some(group) = self.group {
            // ESRCH (the group is already empty) is the usual answer; nothing to report.
            let _ = killpg(group, Signal::SIGKILL);
        }
    }
}

impl Drop for EngineProcess {
    fn drop(&mut self) {
        self.kill_group();
    }
}

async fn forward_stderr(
    stderr: tokio::process::ChildStderr,
    pid: Option<u32>,
    tail: Arc<Mutex<VecDeque<String>>>,
) {
    // Read to the end whatever it holds, so the engine never blocks on a full pipe.
    let mut lines = CappedLines::new(BufReader::new(stderr), MAX_LOG_LINE);
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::info!(target: "viva::engine", ?pid, "{line}");
        if let Ok(mut tail) = tail.lock() {
            if tail.len() == STDERR_TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(line);
        }
    }
}

/// An engine left running by a server that died: kill it, with its group, if that pid still
/// runs one of our engine executables (pids are reused; a command line can say anything, so
/// the executable the kernel reports is what is compared, or for a wrapper script run by
/// its interpreter, the script file the interpreter was given).
pub fn kill_orphan(pid: i32, config: &SchedulerConfig) {
    let Ok(running) = std::fs::read_link(format!("/proc/{pid}/exe")) else {
        return;
    };
    // A binary rebuilt since it started reads "PATH (deleted)".
    let running = PathBuf::from(running.to_string_lossy().replace(" (deleted)", ""));
    let script = std::fs::read(format!("/proc/{pid}/cmdline"))
        .ok()
        .and_then(|args| {
            let first = args.split(|b| *b == 0).nth(1)?;
            Path::new(&*String::from_utf8_lossy(first))
                .canonicalize()
                .ok()
        });
    let ours = [&config.stt.program, &config.eval.program]
        .iter()
        .filter_map(|p| executable(p))
        .any(|exe| running == exe || script.as_ref() == Some(&exe));
    if ours {
        tracing::warn!(pid, "killing an engine left over from a previous run");
        let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
        let _ = nix::sys::signal::kill(Pid::from_raw(pid), Signal::SIGKILL);
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
