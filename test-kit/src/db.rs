//! A fresh database per test: a temporary SQLite file with every migration run, the same
//! engine and schema as production.

use chrono::Utc;
use domain::Role;
use domain::entities::user;
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use tempfile::TempDir;

/// A migrated SQLite database in its own temporary directory, removed when dropped. The
/// directory is free for the test's other files (recordings, engine scripts).
pub struct TestDb {
    pub db: DatabaseConnection,
    pub url: String,
    pub dir: TempDir,
}

impl TestDb {
    pub async fn fresh() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("viva.db").display());
        let db = domain::db::connect(&url).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        Self { db, url, dir }
    }

    /// Inserts an account that cannot log in (no password hash): for tests that need owners
    /// and students, not logins, without argon2's deliberate slowness. Its display name is
    /// "Name of NAME".
    pub async fn user(&self, name: &str, role: Role) -> i32 {
        let now = Utc::now();
        user::ActiveModel {
            username: Set(name.into()),
            username_key: Set(name.to_lowercase()),
            display_name: Set(format!("Name of {name}")),
            role: Set(role),
            password_hash: Set("not-a-hash".into()),
            disabled: Set(false),
            session_epoch: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .unwrap()
        .id
    }
}
