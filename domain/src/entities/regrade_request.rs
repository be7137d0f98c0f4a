use sea_orm::entity::prelude::*;

/// A student's request for a second look at one criterion of their grade: once per
/// criterion, answered by the instructor.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "regrade_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub submission_id: i32,
    pub student_id: i32,
    pub criterion: String,
    pub note: String,
    pub created_at: ChronoDateTimeUtc,
    pub answer: Option<String>,
    pub answered_by: Option<i32>,
    pub answered_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
