use engine_protocol::Segments;
use sea_orm::entity::prelude::*;

/// A submission's transcript: written once, when its STT item finishes, never redone.
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
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
