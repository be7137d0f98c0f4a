//! One engine process: started in its own process group with the request on its stdin, read
//! line by line, and killed on timeout, on shutdown or when dropped. It never outlives the
//! handle that owns it (`kill_on_drop`); if the server itself dies, the engine fails at its
//! next write to the closed pipe, and recovery kills what is left ([`kill_orphan`]).

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::config::{EngineConfig, SchedulerConfig};

pub struct EngineProcess {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    pid: Option<u32>,
}

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
            // then stops the engine in order, instead of killing it mid-write.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()?;
        let pid = child.id();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("engine stdout not captured"))?;
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(forward_stderr(stderr, pid));
        }
        if let Some(mut stdin) = child.stdin.take() {
            // An engine that dies before reading its request shows up as a crash below.
            if let Err(e) = stdin.write_all(request).await {
                tracing::warn!(error = %e, ?pid, "cannot write the request to the engine");
            }
        }
        Ok(Self {
            child,
            lines: BufReader::new(stdout).lines(),
            pid,
        })
    }

    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// The next line of stdout; `None` once the engine closed it (it exited or is exiting).
    pub async fn next_line(&mut self) -> std::io::Result<Option<String>> {
        self.lines.next_line().await
    }

    pub async fn kill(&mut self) {
        if let Err(e) = self.child.kill().await {
            tracing::warn!(error = %e, pid = ?self.pid, "cannot kill the engine");
        }
    }

    pub async fn wait(&mut self) -> std::io::Result<ExitStatus> {
        self.child.wait().await
    }
}

async fn forward_stderr(stderr: tokio::process::ChildStderr, pid: Option<u32>) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::info!(target: "viva::engine", ?pid, "{line}");
    }
}

/// An engine left running by a server that died: kill it if that pid is still one of our
/// engines (pids are reused, so the command line is checked first).
pub fn kill_orphan(pid: i32, config: &SchedulerConfig) {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return;
    };
    let cmdline = String::from_utf8_lossy(&cmdline);
    let ours = [&config.stt.program, &config.eval.program]
        .iter()
        .filter_map(|p| p.file_name())
        .any(|name| cmdline.contains(&*name.to_string_lossy()));
    if ours {
        tracing::warn!(pid, "killing an engine left over from a previous run");
        if let Err(e) = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
        {
            tracing::warn!(pid, error = %e, "cannot kill the left-over engine");
        }
    }
}
