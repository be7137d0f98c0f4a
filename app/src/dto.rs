//! Data that crosses between server and browser. Only what a screen shows: never a password
//! hash, never another student's data.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Student,
    Instructor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Student, Role::Instructor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Student => "student",
            Role::Instructor => "instructor",
            Role::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Student => "Student",
            Role::Instructor => "Instructor",
            Role::Admin => "Admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_lowercase())
    }
}

/// The logged-in user, as the UI knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// A row of the admin's user list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
}

/// An account just created or reset; `password` is set only when Viva generated it, and this
/// is the only time anyone sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCredentials {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password: Option<String>,
}

#[cfg(feature = "ssr")]
mod from_domain {
    use super::*;
    use domain::entities::user;

    impl From<domain::Role> for Role {
        fn from(r: domain::Role) -> Self {
            match r {
                domain::Role::Student => Role::Student,
                domain::Role::Instructor => Role::Instructor,
                domain::Role::Admin => Role::Admin,
            }
        }
    }

    impl From<Role> for domain::Role {
        fn from(r: Role) -> Self {
            match r {
                Role::Student => domain::Role::Student,
                Role::Instructor => domain::Role::Instructor,
                Role::Admin => domain::Role::Admin,
            }
        }
    }

    impl From<user::Model> for CurrentUser {
        fn from(u: user::Model) -> Self {
            Self {
                id: u.id,
                username: u.username,
                display_name: u.display_name,
                role: u.role.into(),
            }
        }
    }

    impl From<user::Model> for UserRow {
        fn from(u: user::Model) -> Self {
            Self {
                id: u.id,
                username: u.username,
                display_name: u.display_name,
                role: u.role.into(),
                disabled: u.disabled,
            }
        }
    }

    impl IssuedCredentials {
        pub fn new(user: user::Model, generated_password: Option<String>) -> Self {
            Self {
                username: user.username,
                display_name: user.display_name,
                role: user.role.into(),
                password: generated_password,
            }
        }
    }

    impl From<domain::users::ImportedUser> for IssuedCredentials {
        fn from(u: domain::users::ImportedUser) -> Self {
            Self {
                username: u.username,
                display_name: u.display_name,
                role: u.role.into(),
                password: u.generated_password,
            }
        }
    }
}
