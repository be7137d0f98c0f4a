//! An admin's re-runs and cancellations. A re-run puts finished submissions back in the same
//! queue, through the same phase lock: evaluation only (the transcript is kept, so no STT
//! engine runs for it), or transcription and evaluation when a better Whisper model is in.
//! The old evaluations stay; the new one is a new AI draft, and an instructor's reviewed or
//! released grade stands until the instructor takes it.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::entities::submission::{self, SubmissionState};
use crate::entities::{batch, evaluation, transcript};

/// Which submissions a re-run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum RerunTarget {
    Submission(i32),
    LabSession(i32),
    /// A batch by its number (`seq`), as the history shows it.
    Batch(i32),
    AllFailed,
}

/// What a re-run redoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RerunMode {
    EvaluationOnly,
    /// Transcribe again, then evaluate.
    Retranscribe,
}

/// Which rubric a re-run grades against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RubricChoice {
    /// The lab session's rubric as it is now.
    Current,
    /// The version the submission's first evaluation used.
    Original,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RerunRequest {
    pub target: RerunTarget,
    pub mode: RerunMode,
    pub rubric: RubricChoice,
    /// An LLM file name in the models folder; none for the configured one. The caller
    /// checks that it loads.
    pub model: Option<String>,
    pub reason: String,
}

/// What a re-run did: the submissions queued, and those it left with the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RerunOutcome {
    pub queued: Vec<i32>,
    pub skipped: Vec<(i32, String)>,
}

pub struct RerunService;

impl RerunService {
    /// Queues the target's finished submissions again. Call
    /// [`crate::status::SchedulerHandle::notify_queued`] after it.
    pub async fn request(
        db: &sea_orm::DatabaseConnection,
        by: i32,
        request: &RerunRequest,
    ) -> Result<RerunOutcome, DomainError> {
        let reason = request.reason.trim();
        if reason.is_empty() {
            return Err(DomainError::invalid("reason", "say why it runs again"));
        }
        if reason.chars().count() > 500 {
            return Err(DomainError::invalid("reason", "at most 500 characters"));
        }
        if let Some(model) = &request.model
            && !crate::scheduler_settings::is_file_name(model)
        {
            return Err(DomainError::invalid(
                "model",
                "must be a file name in the models folder",
            ));
        }
        let tx = crate::db::begin_write(db).await?;
        let candidates = targets(&tx, request.target).await?;
        if candidates.is_empty() && matches!(request.target, RerunTarget::Submission(_)) {
            return Err(DomainError::NotFound);
        }
        let mut outcome = RerunOutcome::default();
        for found in candidates {
            match requeue(&tx, found, by, request, reason).await? {
                Ok(id) => outcome.queued.push(id),
                Err(skipped) => outcome.skipped.push(skipped),
            }
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Takes a submission out of the queue before a batch takes it. A queued re-run goes back
    /// to failed with its reason, or to evaluated (its results stay); it keeps the re-run's
    /// place in time (`queued_at`) and no batch. A first upload fails with the reason given.
    pub async fn cancel(
        db: &sea_orm::DatabaseConnection,
        id: i32,
        reason: &str,
    ) -> Result<submission::Model, DomainError> {
        let tx = crate::db::begin_write(db).await?;
        let found = submission::Entity::find_by_id(id)
            .one(&tx)
            .await?
            .ok_or(DomainError::NotFound)?;
        if found.state != SubmissionState::Queued {
            return Err(DomainError::invalid(
                "submission",
                "only a submission still waiting in the queue can be cancelled",
            ));
        }
        let evaluated = evaluation::Entity::find()
            .filter(evaluation::Column::SubmissionId.eq(id))
            .one(&tx)
            .await?
            .is_some();
        let failed_before = found.failure_before_rerun.clone();
        let mut row: submission::ActiveModel = found.into();
        if let Some(failure) = failed_before {
            row.state = Set(SubmissionState::Failed);
            row.failure_reason = Set(Some(failure));
        } else if evaluated {
            row.state = Set(SubmissionState::Evaluated);
            row.failure_reason = Set(None);
        } else {
            row.state = Set(SubmissionState::Failed);
            let reason = reason.trim();
            row.failure_reason = Set(Some(if reason.is_empty() {
                "cancelled by an administrator".into()
            } else {
                format!("cancelled by an administrator: {reason}")
            }));
        }
        row.rerun_by = Set(None);
        row.rerun_reason = Set(None);
        row.rerun_rubric_version = Set(None);
        row.rerun_model = Set(None);
        row.retranscribe = Set(None);
        row.failure_before_rerun = Set(None);
        row.updated_at = Set(Utc::now());
        let saved = row.update(&tx).await?;
        tx.commit().await?;
        Ok(saved)
    }
}

async fn targets(
    db: &impl ConnectionTrait,
    target: RerunTarget,
) -> Result<Vec<submission::Model>, DomainError> {
    let query = submission::Entity::find().order_by_asc(submission::Column::Id);
    let query = match target {
        RerunTarget::Submission(id) => query.filter(submission::Column::Id.eq(id)),
        RerunTarget::LabSession(id) => query.filter(submission::Column::LabSessionId.eq(id)),
        RerunTarget::Batch(seq) => {
            let batch = batch::Entity::find()
                .filter(batch::Column::Seq.eq(seq))
                .one(db)
                .await?
                .ok_or(DomainError::NotFound)?;
            query.filter(submission::Column::BatchId.eq(batch.id))
        }
        RerunTarget::AllFailed => {
            query.filter(submission::Column::State.eq(SubmissionState::Failed))
        }
    };
    Ok(query.all(db).await?)
}

/// Queues one submission again, or says why not.
async fn requeue(
    db: &impl ConnectionTrait,
    found: submission::Model,
    by: i32,
    request: &RerunRequest,
    reason: &str,
) -> Result<Result<i32, (i32, String)>, DomainError> {
    let id = found.id;
    if !found.state.is_final() {
        return Ok(Err((id, "it is still in the queue or on the GPU".into())));
    }
    let has_transcript = transcript::Entity::find()
        .filter(transcript::Column::SubmissionId.eq(id))
        .one(db)
        .await?
        .is_some();
    let retranscribe = request.mode == RerunMode::Retranscribe;
    if !has_transcript && !retranscribe {
        return Ok(Err((id, "it has no transcript; re-transcribe it".into())));
    }
    let rubric_version = match request.rubric {
        RubricChoice::Current => None,
        RubricChoice::Original => evaluation::Entity::find()
            .filter(evaluation::Column::SubmissionId.eq(id))
            .order_by_asc(evaluation::Column::Id)
            .one(db)
            .await?
            .map(|first| first.rubric_version),
    };
    let now = Utc::now();
    let failed = (found.state == SubmissionState::Failed).then(|| {
        found
            .failure_reason
            .clone()
            .unwrap_or_else(|| "it failed (no reason was recorded)".into())
    });
    let mut row: submission::ActiveModel = found.into();
    row.state = Set(SubmissionState::Queued);
    row.failure_before_rerun = Set(failed);
    row.batch_id = Set(None);
    row.stt_crashes = Set(0);
    row.eval_crashes = Set(0);
    row.failure_reason = Set(None);
    row.rerun_by = Set(Some(by));
    row.rerun_reason = Set(Some(reason.to_owned()));
    row.rerun_rubric_version = Set(rubric_version);
    row.rerun_model = Set(request.model.clone());
    row.retranscribe = Set(retranscribe.then_some(true));
    row.estimated_wait_ms = Set(None);
    row.estimated_results_ms = Set(None);
    row.queued_at = Set(now);
    row.updated_at = Set(now);
    row.update(db).await?;
    Ok(Ok(id))
}
