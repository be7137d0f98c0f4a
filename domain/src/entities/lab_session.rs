use engine_protocol::Rubric;
use sea_orm::entity::prelude::*;

/// When students see their evaluated results.
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ReleaseMode {
    #[sea_orm(string_value = "automatic")]
    Automatic,
    #[sea_orm(string_value = "review")]
    AfterReview,
}

/// A lab session: what students must explain, and the rubric their explanation is graded by.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lab_sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub owner_id: i32,
    pub title: String,
    pub instructions: String,
    /// The current rubric, checked by `domain::labs` before it is stored. Every version of
    /// it, this one included, is also kept read-only in `rubric_versions`.
    pub rubric: Rubric,
    /// The number of the current rubric's version (1 for the first).
    pub rubric_version: i32,
    pub language: String,
    pub release_mode: ReleaseMode,
    pub join_code: Option<String>,
    pub deadline: Option<ChronoDateTimeUtc>,
    pub open: bool,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
