use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A submission's way through the queue and the GPU cycle.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum SubmissionState {
    /// Waiting in the global FIFO for a batch.
    #[sea_orm(string_value = "queued")]
    Queued,
    /// Taken into a batch that has not reached it yet.
    #[sea_orm(string_value = "in_batch")]
    InBatch,
    #[sea_orm(string_value = "transcribing")]
    Transcribing,
    #[sea_orm(string_value = "transcribed")]
    Transcribed,
    #[sea_orm(string_value = "evaluating")]
    Evaluating,
    #[sea_orm(string_value = "evaluated")]
    Evaluated,
    #[sea_orm(string_value = "failed")]
    Failed,
}

impl SubmissionState {
    /// Finished, one way or the other: the scheduler will not touch it again unless re-run.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Evaluated | Self::Failed)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "submissions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub student_id: i32,
    pub lab_session_id: i32,
    /// The client's file name: display text only, never a path.
    pub original_name: String,
    /// The uploaded file, under a generated name in the data directory.
    pub media_path: Option<String>,
    /// SHA-256 of the uploaded file, hex.
    pub media_sha256: Option<String>,
    /// 16 kHz mono WAV extracted at upload: what the STT engine reads.
    pub audio_path: String,
    pub duration_ms: i64,
    /// 1 for the student's first upload to this lab session, counting replaced ones.
    pub attempt: i32,
    pub state: SubmissionState,
    pub batch_id: Option<i32>,
    /// Engine crashes while this item was in flight; the second one fails the item.
    pub stt_crashes: i32,
    pub eval_crashes: i32,
    pub failure_reason: Option<String>,
    /// Set while the submission waits for an admin's re-run of its evaluation; copied onto
    /// the evaluation it produces.
    pub rerun_by: Option<i32>,
    pub rerun_reason: Option<String>,
    /// A queued re-run's rubric version (none: the lab session's current one).
    pub rerun_rubric_version: Option<i32>,
    /// A queued re-run's LLM, a file name in the models folder (none: the configured one).
    pub rerun_model: Option<String>,
    /// A queued re-run that transcribes again before it evaluates.
    pub retranscribe: Option<bool>,
    /// Why the submission had failed before a re-run was queued, given back if the re-run is
    /// cancelled. Set only while a re-run is queued or running.
    pub failure_before_rerun: Option<String>,
    /// The estimate the live status first gave for this queue entry, kept to compare with
    /// what happened.
    pub estimated_wait_ms: Option<i64>,
    pub estimated_results_ms: Option<i64>,
    /// Position in the FIFO: set when queued, and again when re-queued for a re-run.
    pub queued_at: ChronoDateTimeUtc,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
