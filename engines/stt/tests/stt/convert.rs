use std::path::Path;

use serde_json::json;
use test_kit::media::silent_wav;

use crate::support::{ct2_dir, ggml_model, path, request, run, stt};

fn copy_ct2(to: &Path) {
    for file in ["config.json", "model.bin", "vocabulary.txt"] {
        std::fs::copy(ct2_dir().join(file), to.join(file)).unwrap();
    }
}

fn convert_error(dir: &Path) -> String {
    let out = dir.join("out.bin");
    let output = stt()
        .args(["import-ct2", path(dir), path(&out)])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(!out.exists(), "a failed conversion leaves no file behind");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn converting_twice_gives_identical_bytes_and_a_model_whisper_loads() {
    let dir = tempfile::tempdir().unwrap();
    let again = dir.path().join("again.bin");
    let status = stt()
        .arg("import-ct2")
        .arg(ct2_dir())
        .arg(&again)
        .status()
        .unwrap();
    assert!(status.success());
    let (first, second) = (
        std::fs::read(ggml_model()).unwrap(),
        std::fs::read(&again).unwrap(),
    );
    assert!(first == second, "two conversions differ");
    assert_eq!(&first[..4], &0x6767_6d6c_u32.to_le_bytes());

    // whisper.cpp loads it (an empty-audio item is enough to prove the load).
    let silence = silent_wav(&dir.path().join("silence.wav"), 1_000);
    let done = run(&request(
        ggml_model(),
        &dir.path().join("gpu.lock"),
        json!([{"id": 1, "audio": silence}]),
    ));
    assert!(done.status.success());
    assert_eq!(done.event("loaded")["model"], "ggml-tiny.en.bin");
}

#[test]
fn a_truncated_model_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    copy_ct2(dir.path());
    let model = dir.path().join("model.bin");
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&model, &bytes[..bytes.len() / 2]).unwrap();
    let error = convert_error(dir.path());
    assert!(
        error.contains("is not a CTranslate2 model file") && error.contains("truncated"),
        "{error}"
    );
}

#[test]
fn an_unknown_format_version_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    copy_ct2(dir.path());
    let model = dir.path().join("model.bin");
    let mut bytes = std::fs::read(&model).unwrap();
    bytes[..4].copy_from_slice(&99u32.to_le_bytes());
    std::fs::write(&model, bytes).unwrap();
    let error = convert_error(dir.path());
    assert!(
        error.contains("binary version 99 is not supported"),
        "{error}"
    );
}

#[test]
fn a_missing_model_directory_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let error = convert_error(&dir.path().join("nowhere"));
    assert!(error.contains("nowhere/model.bin"), "{error}");
}
