use engine_protocol::Evaluation;
use sea_orm::entity::prelude::*;

/// One grading of a submission. Re-runs add rows; the newest is the current one.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub submission_id: i32,
    pub result: Evaluation,
    /// The version of its lab session's rubric this was graded against (`rubric_versions`).
    pub rubric_version: i32,
    pub total: i32,
    pub model: String,
    pub prompt_version: String,
    pub seed: i64,
    pub parallel_sequences: i32,
    /// Engine time for this item, which the evaluation estimate learns from.
    pub ms: i64,
    /// The admin who asked for a re-run; none for the first evaluation.
    pub requested_by: Option<i32>,
    pub reason: Option<String>,
    /// SHA-256 of the model file, hex; none for evaluations made before it was recorded.
    pub model_sha256: Option<String>,
    /// How tokens were chosen, e.g. "greedy".
    pub decoding: Option<String>,
    /// Items in the batch this ran in.
    pub batch_size: Option<i32>,
    pub batch_id: Option<i32>,
    /// The engine process (`engine_runs`) that produced it.
    pub engine_run_id: Option<i32>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
