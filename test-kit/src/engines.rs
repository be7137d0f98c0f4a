//! The engine binaries and the offline models, and running an engine process the way the
//! scheduler does: one JSON request on stdin, JSON-lines events on stdout.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};

use serde_json::Value;

/// Whisper tiny.en in CTranslate2 format (a directory), as `scripts/models` unpacks it.
pub const WHISPER_CT2: &str = "whisper-tiny.en-ct2";
/// The same model converted for whisper.cpp by `viva-stt import-ct2` (`scripts/models`).
pub const WHISPER_GGML: &str = "ggml-tiny.en.bin";
pub const SMOLLM2: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

/// Where `scripts/models` put the models: `models/` in the workspace, or ENGINE_MODELS_DIR.
pub fn models_dir() -> PathBuf {
    std::env::var_os("ENGINE_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../models"))
}

/// The model file or directory `name` in [`models_dir`]; panics if it is not there.
pub fn model(name: &str) -> PathBuf {
    let path = models_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/models first",
        path.display()
    );
    path
}

/// A binary of the workspace built into the same target directory as the running test
/// (`viva-fake-engine`, `viva-stt`, `viva-eval`). Cargo builds only the test's own package's
/// binaries for it, so the others are built first (scripts/test does).
pub fn engine_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().parent().unwrap().join(name);
    assert!(
        path.is_file(),
        "{} is missing: cargo build -p engine-fake -p engine-stt -p engine-eval",
        path.display()
    );
    path
}

/// A command for an engine binary that does not spin: ggml threads busy-wait by default,
/// which on a shared 2-core machine starves every other test.
pub fn engine(program: impl AsRef<Path>) -> Command {
    let mut command = Command::new(program.as_ref());
    command.env("OMP_WAIT_POLICY", "passive");
    command
}

/// Runs `command` with `stdin` as its whole standard input, and waits for it.
pub fn run_with_stdin(mut command: Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Dropped at the end of the statement: the child sees end of input.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// What an engine process said (its JSON-lines events) and how it ended.
pub struct Finished {
    pub status: ExitStatus,
    pub events: Vec<Value>,
    /// Its log text, for failure messages.
    pub stderr: String,
}

impl Finished {
    /// Runs `engine run` with `request` (raw text, so malformed requests can be sent too).
    pub fn run(program: impl AsRef<Path>, request: &str) -> Self {
        let mut command = engine(program);
        command.arg("run");
        Self::from(run_with_stdin(command, request))
    }

    /// The events' kinds in order, leaving out `item_progress` (how many depends on timing).
    pub fn kinds(&self) -> Vec<&str> {
        self.events
            .iter()
            .map(|e| e["event"].as_str().unwrap())
            .filter(|k| *k != "item_progress")
            .collect()
    }

    /// The first event of `kind`.
    pub fn event(&self, kind: &str) -> &Value {
        self.events
            .iter()
            .find(|e| e["event"] == kind)
            .unwrap_or_else(|| panic!("no {kind} event in {:?}", self.events))
    }

    /// The message of a run that failed as a whole: a failing exit and one `error` event,
    /// nothing else.
    pub fn failure(&self) -> &str {
        assert!(
            !self.status.success(),
            "the run succeeded: {:?}",
            self.events
        );
        assert_eq!(self.kinds(), ["error"], "{:?}", self.events);
        self.events[0]["message"].as_str().unwrap()
    }

    /// Each item's result, in item-id order; panics on a failed item.
    pub fn results(&self) -> Vec<(i64, Value)> {
        for e in &self.events {
            assert_ne!(e["event"], "item_failed", "{e}");
        }
        let mut done: Vec<(i64, Value)> = self
            .events
            .iter()
            .filter(|e| e["event"] == "item_done")
            .map(|e| (e["id"].as_i64().unwrap(), e["result"].clone()))
            .collect();
        done.sort_by_key(|(id, _)| *id);
        done
    }
}

impl From<Output> for Finished {
    fn from(output: Output) -> Self {
        let events = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not a JSON event ({e}): {line:?}"))
            })
            .collect();
        Self {
            status: output.status,
            events,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}
