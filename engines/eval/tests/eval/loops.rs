//! An answer that starts to loop ends the string it loops in, and the batch goes on.

use engine_eval::repetition::ends_in_loop;
use serde_json::{Value, json};

use crate::support::{model, request, run_raw};

/// The most bytes one token can add after the loop is complete and before the decoder sees
/// it: the string closes at the next token.
const ONE_TOKEN: usize = 16;

/// Ten transcripts by Whisper tiny.en of the scheduler benchmark's generated speech
/// (`scheduler/examples/bench_cycle/clips.rs`, clips 10–19), graded in one batch as there. On
/// them SmolLM2 loops greedily ("1.0000…", "m'un d'un cri, m'un d'un cri, …") in about half
/// the answers, up to each string's limit without the loop stop.
fn looping_batch() -> Value {
    let transcripts: Vec<Value> = serde_json::from_str(include_str!("looping_batch.json")).unwrap();
    let criteria: Vec<Value> = [("Method", 4), ("Result", 4), ("Errors", 2)]
        .iter()
        .map(|(name, max)| {
            json!({"name": name, "description": format!("{name} is explained clearly"), "max_points": max})
        })
        .collect();
    let rubric = json!({ "criteria": criteria });
    let items: Vec<Value> = transcripts
        .iter()
        .zip(0..)
        .map(|(t, id)| {
            json!({"id": id, "transcript": t["transcript"], "segments": t["segments"],
                   "instructions": "Explain how you measured g with a pendulum and how good your result is.",
                   "rubric": rubric})
        })
        .collect();
    json!(items)
}

/// Every comment and the feedback of an answer.
fn free_text(result: &Value) -> Vec<String> {
    let mut texts: Vec<String> = result["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["comment"].as_str().unwrap().to_owned())
        .collect();
    texts.push(result["feedback"].as_str().unwrap().to_owned());
    texts
}

#[test]
fn a_string_that_starts_to_loop_ends_there() {
    let dir = tempfile::tempdir().unwrap();
    let items = looping_batch();
    let mut body = request(&model(), &dir.path().join("gpu.lock"), &items, true);
    // Two threads, as the benchmark ran them: the floating-point results, and so which
    // answers loop, depend on the thread count.
    body["threads"] = json!(2);
    let done = run_raw(&body.to_string());
    assert!(done.status.success(), "{}", done.stderr);
    let results = done.results();
    assert_eq!(results.len(), 10, "every item graded");

    let mut stopped = 0;
    for (id, result) in &results {
        for text in free_text(result) {
            let bytes = text.as_bytes();
            // The first point where the text loops is within its last token: it ended there.
            if let Some(first) = (1..=bytes.len()).find(|&end| ends_in_loop(&bytes[..end])) {
                assert!(
                    bytes.len() - first <= ONE_TOKEN,
                    "item {id}: {text:?} ran on after it looped at byte {first}"
                );
                stopped += 1;
            }
        }
    }
    assert!(
        stopped > 0,
        "no answer looped, so this batch no longer tests the loop stop: {results:?}"
    );
}
