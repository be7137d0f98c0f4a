//! What the `viva-eval` tests share beyond the test kit: requests, rubrics, transcripts.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use test_kit::engines::{self, Finished, SMOLLM2};

pub fn model() -> PathBuf {
    engines::model(SMOLLM2)
}

pub fn run_raw(request: &str) -> Finished {
    Finished::run(env!("CARGO_BIN_EXE_viva-eval"), request)
}

pub fn request(model: &Path, lock: &Path, items: &Value, parallel: bool) -> Value {
    json!({"version": 1, "model": model, "gpu_lock": lock, "threads": 1, "use_gpu": false,
           "settings": {"seed": 42, "parallel": parallel}, "items": items})
}

pub const INSTRUCTIONS: &str = "Measure the period of a pendulum for five string lengths and explain how the \
    period depends on the length.";

/// The lab report the STT tests speak, as a transcript.
pub const TRANSCRIPT: &str = test_kit::media::LAB_REPORT;

/// `lines` as timed segments (a second apart), the way `viva-stt` reports them.
pub fn segments(lines: &[&str]) -> Value {
    let segments: Vec<Value> = lines
        .iter()
        .zip(0..)
        .map(|(text, i)| json!({"start_ms": i * 1000, "end_ms": i * 1000 + 1000, "text": text}))
        .collect();
    json!(segments)
}

/// [`TRANSCRIPT`]'s sentences, each a segment.
pub fn transcript_lines() -> Vec<&'static str> {
    TRANSCRIPT.split_inclusive(". ").map(str::trim).collect()
}

/// A spoken line whose words stress the grammar's escaping: quotes, backslashes, unicode,
/// and the characters the prompt's fence escapes.
pub const TRICKY_LINE: &str = r#"I said "why" at C:\data, Résumé 误差 ✓ & <b> {"json": 1}."#;

pub fn pendulum_rubric() -> Value {
    json!({"criteria": [
        {"name": "Method", "description": "Describes how the period was measured.", "max_points": 4},
        {"name": "Result", "description": "States how the period depends on the length.", "max_points": 4},
        {"name": "Errors", "description": "Names a source of error.", "max_points": 2},
    ]})
}

/// A small deterministic generator (xorshift), so the rubric "property test" is repeatable.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Rubric names that stress escaping: quotes, backslashes, unicode, JSON-looking text.
const NAME_PARTS: &[&str] = &[
    "Method",
    "Résumé des résultats",
    "Say \"why\"",
    "C:\\path\\data",
    "误差分析",
    "Units ✓",
    "{\"json\": 1}",
    "Graph & table",
    "Ω-fit",
];

pub fn random_rubric(rng: &mut Rng) -> Value {
    let count = 1 + rng.below(8);
    let criteria: Vec<Value> = (0..count)
        .map(|i| {
            let name = format!("{} {}", NAME_PARTS[rng.below(NAME_PARTS.len() as u64) as usize], i + 1);
            json!({"name": name, "description": "Judge this part of the explanation.", "max_points": 1 + rng.below(100)})
        })
        .collect();
    json!({ "criteria": criteria })
}
