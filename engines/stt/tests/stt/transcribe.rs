use std::collections::HashSet;

use serde_json::json;

use crate::support::{SPEECH, extract_audio, ggml_model, path, request, run, sh};

const STOP_WORDS: &[&str] = &[
    "in", "this", "we", "the", "of", "a", "for", "that", "with", "as", "our", "was", "when", "and",
];

fn content_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

#[test]
fn speech_in_mp4_and_webm_videos_is_transcribed() {
    let dir = tempfile::tempdir().unwrap();
    let speech = dir.path().join("speech.wav");
    sh(
        "espeak-ng",
        &["-v", "en-us+f2", "-s", "140", "-w", path(&speech), SPEECH],
    );
    let mp4 = dir.path().join("talk.mp4");
    let webm = dir.path().join("talk.webm");
    let video = [
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "color=c=gray:s=160x120:r=10",
        "-i",
        path(&speech),
        "-shortest",
    ];
    sh(
        "ffmpeg",
        &[
            &video[..],
            &[
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                path(&mp4),
            ],
        ]
        .concat(),
    );
    sh(
        "ffmpeg",
        &[
            &video[..],
            &[
                "-c:v",
                "libvpx-vp9",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
                "-c:a",
                "libopus",
                path(&webm),
            ],
        ]
        .concat(),
    );
    let (from_mp4, from_webm) = (dir.path().join("mp4.wav"), dir.path().join("webm.wav"));
    extract_audio(&mp4, &from_mp4);
    extract_audio(&webm, &from_webm);
    let audio_ms = hound::WavReader::open(&from_mp4).unwrap().duration() as u64 * 1000 / 16_000;
    assert!(
        audio_ms >= 15_000,
        "the speech should last at least 15 s, not {audio_ms} ms"
    );

    let items =
        json!([{"id": 1, "audio": from_mp4}, {"id": 2, "audio": from_webm, "language": "en"}]);
    let done = run(&request(ggml_model(), &dir.path().join("gpu.lock"), items));
    assert!(done.status.success());
    assert_eq!(
        done.kinds(),
        [
            "loaded",
            "item_started",
            "item_done",
            "item_started",
            "item_done",
            "finished"
        ]
    );
    assert!(
        done.events.iter().any(|e| e["event"] == "item_progress"),
        "progress is reported"
    );

    let expected = content_words(SPEECH);
    for result in done
        .events
        .iter()
        .filter(|e| e["event"] == "item_done")
        .map(|e| &e["result"])
    {
        let heard: HashSet<String> = content_words(result["text"].as_str().unwrap())
            .into_iter()
            .collect();
        let found = expected.iter().filter(|w| heard.contains(*w)).count();
        let share = found as f64 / expected.len() as f64;
        assert!(
            share >= 0.85,
            "only {found}/{} content words in {:?}",
            expected.len(),
            result["text"]
        );

        let segments = result["segments"].as_array().unwrap();
        assert!(!segments.is_empty());
        let mut previous_end = 0;
        for s in segments {
            let (start, end) = (
                s["start_ms"].as_u64().unwrap(),
                s["end_ms"].as_u64().unwrap(),
            );
            assert!(
                previous_end <= start && start <= end,
                "segments out of order: {segments:?}"
            );
            assert!(
                end <= audio_ms + 1_000,
                "segment ends at {end} ms, after the audio ({audio_ms} ms)"
            );
            previous_end = end;
        }
        assert_eq!(result["language"], "en");
    }
}
