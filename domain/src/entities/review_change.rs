use sea_orm::entity::prelude::*;

/// One change to a submission's grade: who, when, what from what to what, and against which
/// AI run and rubric version. Rows are only ever added.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub submission_id: i32,
    pub evaluation_id: i32,
    pub rubric_version: i32,
    pub changed_by: i32,
    pub changed_at: ChronoDateTimeUtc,
    /// `points`, `comment`, `feedback` or `state`.
    pub field: String,
    /// The criterion, for `points` and `comment`.
    pub criterion: Option<String>,
    pub from_value: String,
    pub to_value: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
