use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The two GPU phases of a batch, in the order they run.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    #[sea_orm(string_value = "stt")]
    Stt,
    #[sea_orm(string_value = "evaluation")]
    Evaluation,
}

/// How an engine process ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum EngineOutcome {
    /// Reported every item and exited cleanly.
    #[sea_orm(string_value = "finished")]
    Finished,
    /// Exited or died before reporting every item.
    #[sea_orm(string_value = "crashed")]
    Crashed,
    /// Killed by the scheduler for exceeding the per-item or per-phase timeout.
    #[sea_orm(string_value = "timed_out")]
    TimedOut,
    /// Reported a whole-run error (missing model, bad request).
    #[sea_orm(string_value = "failed")]
    Failed,
    /// Stopped because the server shut down, or found unfinished after a server crash.
    #[sea_orm(string_value = "interrupted")]
    Interrupted,
}

/// One engine process: the record the phase-lock invariant is checked on.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "engine_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub batch_id: i32,
    pub phase: Phase,
    pub pid: Option<i32>,
    pub model: String,
    /// SHA-256 of the model file, hex, when it could be read.
    pub model_sha256: Option<String>,
    /// CPU threads it was given: estimates are learned per model and thread count.
    pub threads: Option<i32>,
    pub items: i32,
    pub started_at: ChronoDateTimeUtc,
    pub load_ms: Option<i64>,
    pub ended_at: Option<ChronoDateTimeUtc>,
    /// None while the process runs.
    pub outcome: Option<EngineOutcome>,
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
