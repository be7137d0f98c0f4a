use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use serde_json::{Value, json};

use test_kit::engines::Finished;
use test_kit::media::{Voice, ffmpeg, prepare_audio, silent_wav, speak};

use crate::support::{SPEECH, ggml_model, path, request, run, run_raw, stt};

#[test]
fn a_malformed_request_gets_one_error_event_and_a_failing_exit() {
    for (text, expected) in [
        ("{not json", "not valid JSON"),
        (r#"{"version":7}"#, "protocol version 7"),
        (r#"{"version":1,"items":[]}"#, "missing field"),
    ] {
        let done = run_raw(text);
        let message = done.failure();
        assert!(message.contains(expected), "{message}");
    }
}

#[test]
fn a_missing_model_fails_the_run_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-model.bin");
    let done = run(&request(
        &missing,
        &dir.path().join("gpu.lock"),
        json!([{"id": 1, "audio": "/x.wav"}]),
    ));
    let message = done.failure();
    assert!(message.contains("no-such-model.bin"), "{message}");
}

#[test]
fn a_file_that_is_not_a_whisper_model_fails_the_run_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus-model.bin");
    std::fs::write(&bogus, b"definitely not ggml").unwrap();
    let done = run(&request(
        &bogus,
        &dir.path().join("gpu.lock"),
        json!([{"id": 1, "audio": "/x.wav"}]),
    ));
    let message = done.failure();
    assert!(
        message.contains("cannot load the Whisper model") && message.contains("bogus-model.bin"),
        "{message}"
    );
}

#[test]
fn an_empty_batch_finishes_without_loading_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let done = run(&request(
        &dir.path().join("unused.bin"),
        &dir.path().join("gpu.lock"),
        json!([]),
    ));
    assert!(done.status.success());
    assert_eq!(done.kinds(), ["finished"]);
}

#[test]
fn a_missing_or_corrupt_audio_file_fails_only_its_item() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.wav");
    std::fs::write(&corrupt, b"RIFF\x10\x00\x00\x00WAVEnot really").unwrap();
    let stereo = dir.path().join("stereo.wav");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=d=1",
        "-ac",
        "2",
        "-ar",
        "44100",
        path(&stereo),
    ]);
    let good = silent_wav(&dir.path().join("good.wav"), 500);

    let items = json!([
        {"id": 1, "audio": dir.path().join("missing.wav")},
        {"id": 2, "audio": corrupt},
        {"id": 3, "audio": stereo},
        {"id": 4, "audio": good},
    ]);
    let done = run(&request(ggml_model(), &dir.path().join("gpu.lock"), items));
    assert!(done.status.success());
    let outcome: Vec<(i64, &str)> = done
        .events
        .iter()
        .filter(|e| e["event"] == "item_failed" || e["event"] == "item_done")
        .map(|e| (e["id"].as_i64().unwrap(), e["event"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcome,
        [
            (1, "item_failed"),
            (2, "item_failed"),
            (3, "item_failed"),
            (4, "item_done")
        ]
    );
    let errors: Vec<&str> = done
        .events
        .iter()
        .filter_map(|e| e["error"].as_str())
        .collect();
    assert!(errors[0].contains("missing.wav"));
    assert!(errors[2].contains("16 kHz mono"), "{}", errors[2]);
    assert_eq!(done.kinds().last(), Some(&"finished"));
}

#[test]
fn an_engine_killed_mid_batch_leaves_the_reader_at_eof_without_finished() {
    let dir = tempfile::tempdir().unwrap();
    let speech = speak(SPEECH, Voice::CLEAR, &dir.path().join("speech.wav"));
    let audio = prepare_audio(&speech, &dir.path().join("speech16k.wav"));
    let items = json!([{"id": 1, "audio": audio}, {"id": 2, "audio": audio}]);
    let mut child = stt()
        .arg("run")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let body = request(ggml_model(), &dir.path().join("gpu.lock"), items).to_string();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();

    let mut seen = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let event: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if event["event"] == "item_started" && seen.is_empty() {
            child.kill().unwrap();
        }
        if event["event"] == "item_started" {
            seen.push(event["id"].as_i64().unwrap());
        }
        assert_ne!(
            event["event"], "finished",
            "a killed engine cannot have finished"
        );
    }
    assert!(!child.wait().unwrap().success());
    assert_eq!(seen, [1]);
}

#[test]
fn two_engines_on_one_gpu_lock_never_hold_models_at_the_same_time() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("gpu.lock");
    let speech = speak(
        "The second engine waits for the first.",
        Voice::QUICK,
        &dir.path().join("speech.wav"),
    );
    let audio = prepare_audio(&speech, &dir.path().join("a.wav"));
    let body = request(ggml_model(), &lock, json!([{"id": 1, "audio": audio}])).to_string();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| run_raw(&body));
        let b = s.spawn(|| run_raw(&body));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(a.status.success() && b.status.success());
    let at = |f: &Finished, kind: &str| f.event(kind)["at_ms"].as_u64().unwrap();
    let load_start = |f: &Finished| at(f, "loaded") - f.event("loaded")["ms"].as_u64().unwrap();
    let (first, second) = if at(&a, "loaded") < at(&b, "loaded") {
        (&a, &b)
    } else {
        (&b, &a)
    };
    assert!(
        load_start(second) >= at(first, "finished"),
        "the second engine began loading at {} ms, before the first finished at {} ms",
        load_start(second),
        at(first, "finished")
    );
}
