//! Viva's schema, one migration per change. Run at every start (`viva serve`) and by
//! `viva migrate`; written with sea-query so the same migrations serve SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_users;
mod m20261127_000002_sessions;
mod m20261127_000003_lab_work;
mod m20261129_000004_rubric_versions;
mod m20261130_000005_hardening;
mod m20261130_000006_reviews;
mod m20261130_000007_admin;
mod m20261201_000008_rerun_cancel;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_users::Migration),
            Box::new(m20261127_000002_sessions::Migration),
            Box::new(m20261127_000003_lab_work::Migration),
            Box::new(m20261129_000004_rubric_versions::Migration),
            Box::new(m20261130_000005_hardening::Migration),
            Box::new(m20261130_000006_reviews::Migration),
            Box::new(m20261130_000007_admin::Migration),
            Box::new(m20261201_000008_rerun_cancel::Migration),
        ]
    }
}
