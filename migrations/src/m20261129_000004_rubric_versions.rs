//! Rubric versions: editing a lab session's rubric makes a new version and keeps the old
//! ones read-only; every evaluation names the version it was graded against. Existing lab
//! sessions get their rubric as version 1, and existing evaluations point at it.

use sea_orm_migration::prelude::*;

use crate::m20261127_000003_lab_work::{at, fk, id, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LabSessions {
    Table,
    Id,
    RubricVersion,
}

#[derive(DeriveIden)]
enum Evaluations {
    Table,
    RubricVersion,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RubricVersions {
    Table,
    Id,
    LabSessionId,
    Version,
    Rubric,
    CreatedBy,
    CreatedAt,
}

/// The columns that name a rubric version: the lab session's current one, and the one each
/// evaluation was graded against (existing rows: 1).
fn version_columns() -> [(DynIden, DynIden); 2] {
    [
        (
            LabSessions::Table.into_iden(),
            LabSessions::RubricVersion.into_iden(),
        ),
        (
            Evaluations::Table.into_iden(),
            Evaluations::RubricVersion.into_iden(),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RubricVersions::Table)
                    .col(id(RubricVersions::Id))
                    .col(
                        ColumnDef::new(RubricVersions::LabSessionId)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RubricVersions::Version).integer().not_null())
                    .col(ColumnDef::new(RubricVersions::Rubric).text().not_null())
                    .col(ColumnDef::new(RubricVersions::CreatedBy).integer().null())
                    .col(at(RubricVersions::CreatedAt))
                    .foreign_key(&mut fk(
                        (RubricVersions::Table, RubricVersions::LabSessionId),
                        (LabSessions::Table, LabSessions::Id),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RubricVersions::Table, RubricVersions::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "rubric_versions_lab_version",
                    RubricVersions::Table,
                    vec![
                        RubricVersions::LabSessionId.into_iden(),
                        RubricVersions::Version.into_iden(),
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        for (table, column) in version_columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(ColumnDef::new(column).integer().not_null().default(1))
                        .to_owned(),
                )
                .await?;
        }
        // Every existing rubric becomes version 1 of its lab session, by its owner.
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO rubric_versions (lab_session_id, version, rubric, created_by, created_at) \
                 SELECT id, 1, rubric, owner_id, created_at FROM lab_sessions",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in version_columns() {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(RubricVersions::Table).to_owned())
            .await
    }
}
