use std::collections::HashSet;

use serde_json::json;

use test_kit::media::{Container, Voice, prepare_audio, speak, video_with_sound, wav_ms};

use crate::support::{SPEECH, ggml_model, request, run};

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
    let speech = speak(SPEECH, Voice::CLEAR, &dir.path().join("speech.wav"));
    let mp4 = video_with_sound(&speech, Container::Mp4, &dir.path().join("talk.mp4"));
    let webm = video_with_sound(&speech, Container::Webm, &dir.path().join("talk.webm"));
    let from_mp4 = prepare_audio(&mp4, &dir.path().join("mp4.wav"));
    let from_webm = prepare_audio(&webm, &dir.path().join("webm.wav"));
    let audio_ms = u64::try_from(wav_ms(&from_mp4)).unwrap();
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
