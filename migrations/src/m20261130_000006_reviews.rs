//! Instructor review: the instructor's grade beside the AI's draft (which is never
//! overwritten), every change to it, and students' regrade requests. A submission without a
//! review row is an AI draft.

use sea_orm_migration::prelude::*;

use crate::m20261127_000003_lab_work::{at, fk, id, index, maybe_at};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Submissions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    SubmissionId,
    EvaluationId,
    Grade,
    Total,
    State,
    ReviewedBy,
    ReviewedAt,
    ReleasedAt,
    ChangedAfterRelease,
}

#[derive(DeriveIden)]
enum ReviewChanges {
    Table,
    Id,
    SubmissionId,
    EvaluationId,
    RubricVersion,
    ChangedBy,
    ChangedAt,
    Field,
    Criterion,
    FromValue,
    ToValue,
}

#[derive(DeriveIden)]
enum RegradeRequests {
    Table,
    Id,
    SubmissionId,
    StudentId,
    Criterion,
    Note,
    CreatedAt,
    Answer,
    AnsweredBy,
    AnsweredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Reviews::Table)
                    .col(id(Reviews::Id))
                    .col(
                        ColumnDef::new(Reviews::SubmissionId)
                            .integer()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Reviews::EvaluationId).integer().not_null())
                    .col(ColumnDef::new(Reviews::Grade).text().not_null())
                    .col(ColumnDef::new(Reviews::Total).integer().not_null())
                    .col(ColumnDef::new(Reviews::State).string_len(16).not_null())
                    .col(ColumnDef::new(Reviews::ReviewedBy).integer().not_null())
                    .col(at(Reviews::ReviewedAt))
                    .col(maybe_at(Reviews::ReleasedAt))
                    .col(maybe_at(Reviews::ChangedAfterRelease))
                    .foreign_key(&mut fk(
                        (Reviews::Table, Reviews::SubmissionId),
                        (Submissions::Table, Submissions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReviewChanges::Table)
                    .col(id(ReviewChanges::Id))
                    .col(
                        ColumnDef::new(ReviewChanges::SubmissionId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReviewChanges::EvaluationId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReviewChanges::RubricVersion)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReviewChanges::ChangedBy)
                            .integer()
                            .not_null(),
                    )
                    .col(at(ReviewChanges::ChangedAt))
                    .col(
                        ColumnDef::new(ReviewChanges::Field)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ReviewChanges::Criterion).string().null())
                    .col(ColumnDef::new(ReviewChanges::FromValue).text().not_null())
                    .col(ColumnDef::new(ReviewChanges::ToValue).text().not_null())
                    .foreign_key(&mut fk(
                        (ReviewChanges::Table, ReviewChanges::SubmissionId),
                        (Submissions::Table, Submissions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "review_changes_submission",
                ReviewChanges::Table,
                vec![ReviewChanges::SubmissionId.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RegradeRequests::Table)
                    .col(id(RegradeRequests::Id))
                    .col(
                        ColumnDef::new(RegradeRequests::SubmissionId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RegradeRequests::StudentId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RegradeRequests::Criterion)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RegradeRequests::Note).text().not_null())
                    .col(at(RegradeRequests::CreatedAt))
                    .col(ColumnDef::new(RegradeRequests::Answer).text().null())
                    .col(ColumnDef::new(RegradeRequests::AnsweredBy).integer().null())
                    .col(maybe_at(RegradeRequests::AnsweredAt))
                    .foreign_key(&mut fk(
                        (RegradeRequests::Table, RegradeRequests::SubmissionId),
                        (Submissions::Table, Submissions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // Once per criterion of a submission.
        manager
            .create_index(
                index(
                    "regrade_requests_once_per_criterion",
                    RegradeRequests::Table,
                    vec![
                        RegradeRequests::SubmissionId.into_iden(),
                        RegradeRequests::Criterion.into_iden(),
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RegradeRequests::Table.into_iden(),
            ReviewChanges::Table.into_iden(),
            Reviews::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
