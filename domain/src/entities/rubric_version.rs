use engine_protocol::Rubric;
use sea_orm::entity::prelude::*;

/// One version of a lab session's rubric, kept read-only once written: every evaluation names
/// the version it was graded against, so a grade can always be read against its rubric.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rubric_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub lab_session_id: i32,
    /// 1, 2, … per lab session.
    pub version: i32,
    pub rubric: Rubric,
    /// The instructor (or admin) who saved it.
    pub created_by: Option<i32>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
