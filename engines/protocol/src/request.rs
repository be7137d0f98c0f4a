//! The request an engine reads, and the per-item results it reports.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// One batch for one engine process. `S` is the engine's settings, `I` its item type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request<S, I> {
    pub version: u32,
    /// The model file to load, once, for the whole batch.
    pub model: PathBuf,
    /// Taken exclusively (flock) before the model is loaded; see [`crate::GpuLock`].
    pub gpu_lock: PathBuf,
    /// CPU threads for the model library. ggml threads busy-wait, so more threads than free
    /// cores makes things slower, not faster.
    pub threads: u32,
    /// Offload to the GPU when the engine was built with GPU support.
    pub use_gpu: bool,
    pub settings: S,
    pub items: Vec<I>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SttSettings {}

/// Audio to transcribe: 16 kHz mono WAV, as prepared at upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SttItem {
    pub id: i64,
    pub audio: PathBuf,
    /// ISO 639-1 code (one of [`LANGUAGES`]); `en` when absent.
    #[serde(default)]
    pub language: Option<String>,
}

/// One timed piece of a transcript, as Whisper cut it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
}

/// A transcript's segments as one stored value (the `transcripts.segments` column).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sea-orm", derive(sea_orm::FromJsonQueryResult))]
#[serde(transparent)]
pub struct Segments(pub Vec<Segment>);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub text: String,
    pub segments: Vec<Segment>,
    pub language: String,
    pub model: String,
}

/// The spoken languages a lab session can be set to (Whisper's most used), as (ISO 639-1
/// code, English name). The editor offers these and `domain::labs` accepts only these.
pub const LANGUAGES: [(&str, &str); 8] = [
    ("en", "English"),
    ("de", "German"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("pt", "Portuguese"),
    ("pl", "Polish"),
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalSettings {
    /// Greedy decoding is deterministic; the seed is recorded with each result anyway.
    pub seed: u32,
    /// Decode the batch as parallel sequences in one context (the default), or one item
    /// after another (for comparison).
    #[serde(default = "parallel_by_default")]
    pub parallel: bool,
}

fn parallel_by_default() -> bool {
    true
}

/// One thing a transcript is graded on, worth 0 to `max_points`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub name: String,
    pub description: String,
    pub max_points: u32,
}

/// The criteria a lab session's transcripts are graded on, in order. Its rules (limits,
/// unique names) are checked by `domain::labs` before one is stored or sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sea-orm", derive(sea_orm::FromJsonQueryResult))]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    pub criteria: Vec<Criterion>,
}

impl Rubric {
    pub fn max_total(&self) -> u32 {
        self.criteria.iter().map(|c| c.max_points).sum()
    }

    /// The most points criterion `name` can get, if the rubric has it.
    pub fn max_points_of(&self, name: &str) -> Option<u32> {
        self.criteria
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.max_points)
    }
}

/// A transcript to grade against its lab session's instructions and rubric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalItem {
    pub id: i64,
    pub transcript: String,
    /// The transcript's timed segments: evidence is quoted from one of them. Empty for
    /// transcripts stored without them, whose evidence is then free text.
    #[serde(default)]
    pub segments: Vec<Segment>,
    pub instructions: String,
    pub rubric: Rubric,
}

/// The grade of one criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scored {
    pub criterion: String,
    pub points: u32,
    pub evidence: String,
    /// False when the evidence quote was not found in the transcript.
    pub evidence_verified: bool,
    /// Where the quote was spoken: the start of the segment it was found in. None for no
    /// evidence, evidence not found, and evaluations stored before segments were quoted.
    #[serde(default)]
    pub evidence_ms: Option<u64>,
    pub comment: String,
}

/// One grading of one transcript (the `evaluations.result` column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sea-orm", derive(sea_orm::FromJsonQueryResult))]
pub struct Evaluation {
    pub criteria: Vec<Scored>,
    pub feedback: String,
    pub total: u32,
    pub model: String,
    pub prompt_version: String,
    pub seed: u32,
    /// How many sequences were decoded together: results can depend on batch shape.
    pub parallel_sequences: u32,
}

impl Evaluation {
    /// What the model wrote (evidence, comments, feedback), in characters: each one cost a
    /// decoding step, so a phase's evaluation work grows with it.
    pub fn written_chars(&self) -> usize {
        let criteria: usize = self
            .criteria
            .iter()
            .map(|c| c.evidence.chars().count() + c.comment.chars().count())
            .sum();
        criteria + self.feedback.chars().count()
    }
}
