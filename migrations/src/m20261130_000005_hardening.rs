//! Hardening: a per-user session epoch (changing a password, role or enabled state, or
//! "log out everywhere", bumps it and so ends the user's other sessions), and each
//! submission's attempt number within its student's lab session (the attempts quota counts
//! attempts that were replaced in the queue too). Existing submissions are numbered in the
//! order they were made.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    SessionEpoch,
}

#[derive(DeriveIden)]
enum Submissions {
    Table,
    StudentId,
    LabSessionId,
    Attempt,
}

const ATTEMPTS_INDEX: &str = "submissions_student_lab_attempt";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::SessionEpoch)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Submissions::Table)
                    .add_column(
                        ColumnDef::new(Submissions::Attempt)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .to_owned(),
            )
            .await?;
        // The quota's lookup (latest attempt of a student in a lab session), and the backfill.
        manager
            .create_index(
                Index::create()
                    .name(ATTEMPTS_INDEX)
                    .table(Submissions::Table)
                    .col(Submissions::StudentId)
                    .col(Submissions::LabSessionId)
                    .col(Submissions::Attempt)
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE submissions SET attempt = (SELECT COUNT(*) FROM submissions AS earlier \
                 WHERE earlier.student_id = submissions.student_id \
                 AND earlier.lab_session_id = submissions.lab_session_id \
                 AND earlier.id <= submissions.id)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(ATTEMPTS_INDEX)
                    .table(Submissions::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Submissions::Table)
                    .drop_column(Submissions::Attempt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::SessionEpoch)
                    .to_owned(),
            )
            .await
    }
}
