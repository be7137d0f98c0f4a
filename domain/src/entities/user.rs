use sea_orm::entity::prelude::*;

/// Who someone is in the lab. Declaration order is the order of rights, so
/// `role >= Role::Instructor` reads as "instructor or more".
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    #[sea_orm(string_value = "student")]
    Student,
    #[sea_orm(string_value = "instructor")]
    Instructor,
    #[sea_orm(string_value = "admin")]
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Student => "student",
            Role::Instructor => "instructor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_lowercase().as_str() {
            "student" => Some(Role::Student),
            "instructor" => Some(Role::Instructor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A user row. Deliberately not `Serialize`: it carries the password hash, which must never
/// reach a browser. The web layer copies what it shows into its own view types.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// As the user typed it, shown in the UI.
    pub username: String,
    /// Lower-cased `username`; unique, so "Ada" and "ada" cannot both exist.
    #[sea_orm(unique)]
    pub username_key: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
    /// Bumped to end every session made before: a session remembers the epoch it was made in.
    pub session_epoch: i32,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
