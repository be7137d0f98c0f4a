//! The identifiers of the tables this migration creates, kept apart from the statements.
//! (This migration's file keeps its name: sea-orm names a migration after its file.)

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
pub(super) enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
pub(super) enum LabSessions {
    Table,
    Id,
    OwnerId,
    Title,
    Instructions,
    Rubric,
    Language,
    ReleaseMode,
    JoinCode,
    Deadline,
    Open,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(super) enum LabMembers {
    Table,
    Id,
    LabSessionId,
    StudentId,
    JoinedAt,
}

#[derive(DeriveIden)]
pub(super) enum Batches {
    Table,
    Id,
    Seq,
    State,
    CreatedAt,
    SttStartedAt,
    SttEndedAt,
    EvalStartedAt,
    EvalEndedAt,
}

#[derive(DeriveIden)]
pub(super) enum Submissions {
    Table,
    Id,
    StudentId,
    LabSessionId,
    OriginalName,
    MediaPath,
    MediaSha256,
    AudioPath,
    DurationMs,
    State,
    BatchId,
    SttCrashes,
    EvalCrashes,
    FailureReason,
    RerunBy,
    RerunReason,
    QueuedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(super) enum Transcripts {
    Table,
    Id,
    SubmissionId,
    Text,
    Segments,
    Language,
    Model,
    Ms,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(super) enum Evaluations {
    Table,
    Id,
    SubmissionId,
    Result,
    Total,
    Model,
    PromptVersion,
    Seed,
    ParallelSequences,
    Ms,
    RequestedBy,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(super) enum EngineRuns {
    Table,
    Id,
    BatchId,
    Phase,
    Pid,
    Model,
    Items,
    StartedAt,
    LoadMs,
    EndedAt,
    Outcome,
    Detail,
}
