use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;

use serde_json::{Value, json};

/// Where `scripts/models` put the models (override with ENGINE_MODELS_DIR).
pub fn models_dir() -> PathBuf {
    std::env::var_os("ENGINE_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

pub fn ct2_dir() -> PathBuf {
    let dir = models_dir().join("whisper-tiny.en-ct2");
    assert!(
        dir.join("model.bin").is_file(),
        "{} is missing: run scripts/models first",
        dir.display()
    );
    dir
}

/// The CTranslate2 model converted once for this test run.
pub fn ggml_model() -> &'static Path {
    static MODEL: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = MODEL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("ggml-tiny.en.bin");
        let status = stt()
            .args(["import-ct2"])
            .arg(ct2_dir())
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        (dir, out)
    });
    path
}

pub fn stt() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_viva-stt"));
    // ggml threads spin while waiting; on a shared 2-core machine that starves everyone.
    command.env("OMP_WAIT_POLICY", "passive");
    command
}

pub struct Finished {
    pub status: ExitStatus,
    pub events: Vec<Value>,
}

impl Finished {
    pub fn kinds(&self) -> Vec<&str> {
        self.events
            .iter()
            .map(|e| e["event"].as_str().unwrap())
            .filter(|k| *k != "item_progress")
            .collect()
    }

    pub fn event(&self, kind: &str) -> &Value {
        self.events
            .iter()
            .find(|e| e["event"] == kind)
            .unwrap_or_else(|| panic!("no {kind} event"))
    }
}

/// Runs `viva-stt run` with `request` (raw text) on stdin and collects its events.
pub fn run_raw(request: &str) -> Finished {
    let mut child = stt()
        .arg("run")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.as_bytes())
        .unwrap();
    let events = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    Finished {
        status: child.wait().unwrap(),
        events,
    }
}

pub fn request(model: &Path, lock: &Path, items: Value) -> Value {
    json!({"version": 1, "model": model, "gpu_lock": lock, "threads": 1, "use_gpu": false, "settings": {}, "items": items})
}

pub fn run(request: &Value) -> Finished {
    run_raw(&request.to_string())
}

/// Three sentences of a lab report, spoken by espeak-ng (about 20 s).
pub const SPEECH: &str = "In this experiment we measured the period of a simple pendulum for five different \
    string lengths. The results show that the period grows with the square root of the length, as the theory \
    predicts. Our largest source of error was the reaction time when starting and stopping the stopwatch.";

pub fn sh(program: &str, args: &[&str]) {
    let output = Command::new(program).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// 16 kHz mono WAV extracted from `input` by ffmpeg, as Viva does at upload.
pub fn extract_audio(input: &Path, out: &Path) {
    sh(
        "ffmpeg",
        &[
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-i",
            path(input),
            "-vn",
            "-ac",
            "1",
            "-ar",
            "16000",
            "-c:a",
            "pcm_s16le",
            path(out),
        ],
    );
}

pub fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}
