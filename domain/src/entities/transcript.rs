use engine_protocol::Segments;
use sea_orm::entity::prelude::*;

/// A submission's transcript: written when its STT item finishes;
/// replaced only by an admin's re-transcription.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transcripts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub submission_id: i32,
    pub text: String,
    pub segments: Segments,
    pub language: String,
    pub model: String,
    /// Engine time for this item, which the STT rate estimate learns from.
    pub ms: i64,
    pub batch_id: Option<i32>,
    /// The engine process (`engine_runs`) that produced it.
    pub engine_run_id: Option<i32>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
