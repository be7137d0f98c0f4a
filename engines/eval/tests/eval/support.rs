use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use serde_json::{Value, json};

pub fn model() -> PathBuf {
    let dir = std::env::var_os("ENGINE_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    let model = dir.join("SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        model.is_file(),
        "{} is missing: run scripts/models first",
        model.display()
    );
    model
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
            .collect()
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

pub fn run_raw(request: &str) -> Finished {
    let mut child = Command::new(env!("CARGO_BIN_EXE_viva-eval"))
        .arg("run")
        .env("OMP_WAIT_POLICY", "passive")
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

pub fn request(model: &Path, lock: &Path, items: &Value, parallel: bool) -> Value {
    json!({"version": 1, "model": model, "gpu_lock": lock, "threads": 1, "use_gpu": false,
           "settings": {"seed": 42, "parallel": parallel}, "items": items})
}

pub const INSTRUCTIONS: &str = "Measure the period of a pendulum for five string lengths and explain how the \
    period depends on the length.";

pub const TRANSCRIPT: &str = "In this experiment we measured the period of a simple pendulum for five different \
    string lengths. The results show that the period grows with the square root of the length, as the theory \
    predicts. Our largest source of error was the reaction time when starting and stopping the stopwatch.";

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
