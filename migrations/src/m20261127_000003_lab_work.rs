//! Lab sessions, the submissions students make to them, and the GPU cycle's record: batches,
//! transcripts, evaluations and every engine process. The queue is the `submissions` table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

mod tables;

use tables::{
    Batches, EngineRuns, Evaluations, LabMembers, LabSessions, Submissions, Transcripts, Users,
};

pub(crate) fn id<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

pub(crate) fn at<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

pub(crate) fn maybe_at<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

pub(crate) fn fk<T: IntoIden, U: IntoIden>(
    from: (U, T),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

pub(crate) fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LabSessions::Table)
                    .col(id(LabSessions::Id))
                    .col(ColumnDef::new(LabSessions::OwnerId).integer().not_null())
                    .col(
                        ColumnDef::new(LabSessions::Title)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ColumnDef::new(LabSessions::Instructions).text().not_null())
                    .col(ColumnDef::new(LabSessions::Rubric).text().not_null())
                    .col(
                        ColumnDef::new(LabSessions::Language)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LabSessions::ReleaseMode)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(LabSessions::JoinCode).string_len(32).null())
                    .col(maybe_at(LabSessions::Deadline))
                    .col(ColumnDef::new(LabSessions::Open).boolean().not_null())
                    .col(at(LabSessions::CreatedAt))
                    .col(at(LabSessions::UpdatedAt))
                    .foreign_key(&mut fk(
                        (LabSessions::Table, LabSessions::OwnerId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LabMembers::Table)
                    .col(id(LabMembers::Id))
                    .col(
                        ColumnDef::new(LabMembers::LabSessionId)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(LabMembers::StudentId).integer().not_null())
                    .col(at(LabMembers::JoinedAt))
                    .foreign_key(&mut fk(
                        (LabMembers::Table, LabMembers::LabSessionId),
                        (LabSessions::Table, LabSessions::Id),
                    ))
                    .foreign_key(&mut fk(
                        (LabMembers::Table, LabMembers::StudentId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "idx_lab_members_unique",
                    LabMembers::Table,
                    vec![
                        LabMembers::LabSessionId.into_iden(),
                        LabMembers::StudentId.into_iden(),
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Batches::Table)
                    .col(id(Batches::Id))
                    .col(
                        ColumnDef::new(Batches::Seq)
                            .integer()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Batches::State).string_len(16).not_null())
                    .col(at(Batches::CreatedAt))
                    .col(maybe_at(Batches::SttStartedAt))
                    .col(maybe_at(Batches::SttEndedAt))
                    .col(maybe_at(Batches::EvalStartedAt))
                    .col(maybe_at(Batches::EvalEndedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Submissions::Table)
                    .col(id(Submissions::Id))
                    .col(ColumnDef::new(Submissions::StudentId).integer().not_null())
                    .col(
                        ColumnDef::new(Submissions::LabSessionId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Submissions::OriginalName)
                            .string_len(300)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Submissions::MediaPath).string().null())
                    .col(
                        ColumnDef::new(Submissions::MediaSha256)
                            .string_len(64)
                            .null(),
                    )
                    .col(ColumnDef::new(Submissions::AudioPath).string().not_null())
                    .col(
                        ColumnDef::new(Submissions::DurationMs)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Submissions::State).string_len(16).not_null())
                    .col(ColumnDef::new(Submissions::BatchId).integer().null())
                    .col(
                        ColumnDef::new(Submissions::SttCrashes)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Submissions::EvalCrashes)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(Submissions::FailureReason).text().null())
                    .col(ColumnDef::new(Submissions::RerunBy).integer().null())
                    .col(ColumnDef::new(Submissions::RerunReason).text().null())
                    .col(at(Submissions::QueuedAt))
                    .col(at(Submissions::CreatedAt))
                    .col(at(Submissions::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Submissions::Table, Submissions::StudentId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Submissions::Table, Submissions::LabSessionId),
                        (LabSessions::Table, LabSessions::Id),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Submissions::Table, Submissions::BatchId)
                            .to(Batches::Table, Batches::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_submissions_state_queued_at",
                Submissions::Table,
                vec![
                    Submissions::State.into_iden(),
                    Submissions::QueuedAt.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_submissions_batch",
                Submissions::Table,
                vec![Submissions::BatchId.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Transcripts::Table)
                    .col(id(Transcripts::Id))
                    .col(
                        ColumnDef::new(Transcripts::SubmissionId)
                            .integer()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Transcripts::Text).text().not_null())
                    .col(ColumnDef::new(Transcripts::Segments).text().not_null())
                    .col(
                        ColumnDef::new(Transcripts::Language)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Transcripts::Model).string().not_null())
                    .col(ColumnDef::new(Transcripts::Ms).big_integer().not_null())
                    .col(at(Transcripts::CreatedAt))
                    .foreign_key(&mut fk(
                        (Transcripts::Table, Transcripts::SubmissionId),
                        (Submissions::Table, Submissions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Evaluations::Table)
                    .col(id(Evaluations::Id))
                    .col(
                        ColumnDef::new(Evaluations::SubmissionId)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Evaluations::Result).text().not_null())
                    .col(ColumnDef::new(Evaluations::Total).integer().not_null())
                    .col(ColumnDef::new(Evaluations::Model).string().not_null())
                    .col(
                        ColumnDef::new(Evaluations::PromptVersion)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Evaluations::Seed).big_integer().not_null())
                    .col(
                        ColumnDef::new(Evaluations::ParallelSequences)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Evaluations::Ms).big_integer().not_null())
                    .col(ColumnDef::new(Evaluations::RequestedBy).integer().null())
                    .col(ColumnDef::new(Evaluations::Reason).text().null())
                    .col(at(Evaluations::CreatedAt))
                    .foreign_key(&mut fk(
                        (Evaluations::Table, Evaluations::SubmissionId),
                        (Submissions::Table, Submissions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_evaluations_submission",
                Evaluations::Table,
                vec![Evaluations::SubmissionId.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EngineRuns::Table)
                    .col(id(EngineRuns::Id))
                    .col(ColumnDef::new(EngineRuns::BatchId).integer().not_null())
                    .col(ColumnDef::new(EngineRuns::Phase).string_len(16).not_null())
                    .col(ColumnDef::new(EngineRuns::Pid).integer().null())
                    .col(ColumnDef::new(EngineRuns::Model).string().not_null())
                    .col(ColumnDef::new(EngineRuns::Items).integer().not_null())
                    .col(at(EngineRuns::StartedAt))
                    .col(ColumnDef::new(EngineRuns::LoadMs).big_integer().null())
                    .col(maybe_at(EngineRuns::EndedAt))
                    .col(ColumnDef::new(EngineRuns::Outcome).string_len(16).null())
                    .col(ColumnDef::new(EngineRuns::Detail).text().null())
                    .foreign_key(&mut fk(
                        (EngineRuns::Table, EngineRuns::BatchId),
                        (Batches::Table, Batches::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EngineRuns::Table.into_iden(),
            Evaluations::Table.into_iden(),
            Transcripts::Table.into_iden(),
            Submissions::Table.into_iden(),
            Batches::Table.into_iden(),
            LabMembers::Table.into_iden(),
            LabSessions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
