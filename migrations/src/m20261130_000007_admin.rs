//! The admin's tools: run-time scheduler settings (a row per change, newest wins, with who
//! and when, the settings as one JSON document), what a re-run asks for (rubric version, model), the estimate each submission
//! was given when it entered the queue, and the provenance of every result (which batch and
//! engine process made it, the model file's hash, decoding and batch size).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The indexes the history pages by.
const INDEXES: [&str; 3] = [
    "submissions_queued_at",
    "batches_created_at",
    "engine_runs_started_at",
];

#[derive(DeriveIden)]
enum SchedulerSettings {
    Table,
    Id,
    Settings,
    Paused,
    ChangedBy,
    ChangedAt,
}

#[derive(DeriveIden)]
enum Submissions {
    Table,
    RerunRubricVersion,
    RerunModel,
    Retranscribe,
    EstimatedWaitMs,
    EstimatedResultsMs,
    QueuedAt,
}

#[derive(DeriveIden)]
enum Evaluations {
    Table,
    ModelSha256,
    Decoding,
    BatchSize,
    BatchId,
    EngineRunId,
}

#[derive(DeriveIden)]
enum Transcripts {
    Table,
    BatchId,
    EngineRunId,
}

#[derive(DeriveIden)]
enum EngineRuns {
    Table,
    ModelSha256,
    Threads,
    StartedAt,
}

#[derive(DeriveIden)]
enum Batches {
    Table,
    CreatedAt,
    Items,
}

async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: &mut ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(column.null())
                .to_owned(),
        )
        .await
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: Vec<DynIden>,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    manager.create_index(index.to_owned()).await
}

/// The columns this migration adds, by table. SQLite alters one column per statement. Every
/// new column may be empty: rows written before this migration have none of it.
fn new_columns() -> Vec<(DynIden, ColumnDef)> {
    vec![
        (
            Submissions::Table.into_iden(),
            ColumnDef::new(Submissions::RerunRubricVersion)
                .integer()
                .to_owned(),
        ),
        (
            Submissions::Table.into_iden(),
            ColumnDef::new(Submissions::RerunModel).string().to_owned(),
        ),
        (
            Submissions::Table.into_iden(),
            ColumnDef::new(Submissions::Retranscribe)
                .boolean()
                .to_owned(),
        ),
        (
            Submissions::Table.into_iden(),
            ColumnDef::new(Submissions::EstimatedWaitMs)
                .big_integer()
                .to_owned(),
        ),
        (
            Submissions::Table.into_iden(),
            ColumnDef::new(Submissions::EstimatedResultsMs)
                .big_integer()
                .to_owned(),
        ),
        (
            Evaluations::Table.into_iden(),
            ColumnDef::new(Evaluations::ModelSha256)
                .string_len(64)
                .to_owned(),
        ),
        (
            Evaluations::Table.into_iden(),
            ColumnDef::new(Evaluations::Decoding).string().to_owned(),
        ),
        (
            Evaluations::Table.into_iden(),
            ColumnDef::new(Evaluations::BatchSize).integer().to_owned(),
        ),
        (
            Evaluations::Table.into_iden(),
            ColumnDef::new(Evaluations::BatchId).integer().to_owned(),
        ),
        (
            Evaluations::Table.into_iden(),
            ColumnDef::new(Evaluations::EngineRunId)
                .integer()
                .to_owned(),
        ),
        (
            Transcripts::Table.into_iden(),
            ColumnDef::new(Transcripts::BatchId).integer().to_owned(),
        ),
        (
            Transcripts::Table.into_iden(),
            ColumnDef::new(Transcripts::EngineRunId)
                .integer()
                .to_owned(),
        ),
        (
            EngineRuns::Table.into_iden(),
            ColumnDef::new(EngineRuns::ModelSha256)
                .string_len(64)
                .to_owned(),
        ),
        (
            EngineRuns::Table.into_iden(),
            ColumnDef::new(EngineRuns::Threads).integer().to_owned(),
        ),
        (
            Batches::Table.into_iden(),
            ColumnDef::new(Batches::Items).integer().to_owned(),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SchedulerSettings::Table)
                    .col(
                        ColumnDef::new(SchedulerSettings::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(SchedulerSettings::Settings)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SchedulerSettings::Paused)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SchedulerSettings::ChangedBy)
                            .integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(SchedulerSettings::ChangedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        for (table, mut column) in new_columns() {
            add(manager, table, &mut column).await?;
        }
        // The history pages by these.
        index(
            manager,
            INDEXES[0],
            Submissions::Table,
            vec![Submissions::QueuedAt.into_iden()],
        )
        .await?;
        index(
            manager,
            INDEXES[1],
            Batches::Table,
            vec![Batches::CreatedAt.into_iden()],
        )
        .await?;
        index(
            manager,
            INDEXES[2],
            EngineRuns::Table,
            vec![EngineRuns::StartedAt.into_iden()],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in INDEXES {
            manager
                .drop_index(Index::drop().name(name).to_owned())
                .await?;
        }
        for (table, column) in new_columns() {
            let drop = Table::alter()
                .table(table)
                .drop_column(Alias::new(column.get_column_name()))
                .to_owned();
            manager.alter_table(drop).await?;
        }
        manager
            .drop_table(Table::drop().table(SchedulerSettings::Table).to_owned())
            .await
    }
}
