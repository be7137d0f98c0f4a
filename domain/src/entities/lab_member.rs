use sea_orm::entity::prelude::*;

/// A student who joined a lab session with its join code.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lab_members")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub lab_session_id: i32,
    pub student_id: i32,
    pub joined_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
