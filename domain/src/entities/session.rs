use sea_orm::entity::prelude::*;

/// A login session (tower-sessions record), stored in our own database so sessions survive a
/// restart and share the one connection pool.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The session's key/value data as JSON.
    pub data: String,
    /// Unix seconds; a record past this is treated as absent and purged.
    pub expires_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
