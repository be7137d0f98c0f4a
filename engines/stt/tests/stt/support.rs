//! What the `viva-stt` tests share beyond the test kit: the converted model, and requests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};
use test_kit::engines::{self, Finished, WHISPER_CT2};

pub use test_kit::media::{LAB_REPORT as SPEECH, path};

pub fn ct2_dir() -> PathBuf {
    engines::model(WHISPER_CT2)
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
    engines::engine(env!("CARGO_BIN_EXE_viva-stt"))
}

/// Runs `viva-stt run` with `request` (raw text) on stdin and collects its events.
pub fn run_raw(request: &str) -> Finished {
    Finished::run(env!("CARGO_BIN_EXE_viva-stt"), request)
}

pub fn request(model: &Path, lock: &Path, items: Value) -> Value {
    json!({"version": 1, "model": model, "gpu_lock": lock, "threads": 1, "use_gpu": false, "settings": {}, "items": items})
}

pub fn run(request: &Value) -> Finished {
    run_raw(&request.to_string())
}
