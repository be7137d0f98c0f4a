//! Putting work on the GPU queue. The queue is the `submissions` table ordered by
//! `queued_at`; the scheduler takes it from there.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, Set,
};

use crate::DomainError;
use crate::entities::submission::{self, SubmissionState};

/// A prepared upload: the audio is already extracted and its duration known.
pub struct NewSubmission {
    pub student_id: i32,
    pub lab_session_id: i32,
    pub original_name: String,
    pub media_path: Option<String>,
    pub media_sha256: Option<String>,
    pub audio_path: String,
    pub duration_ms: i64,
}

pub struct SubmissionService;

/// What a student is told about their failed submission, and what they can do about it.
/// The stored reason is for admins: it may name engines, exit statuses and server paths,
/// which a student cannot act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StudentFailure {
    pub message: &'static str,
    pub advice: &'static str,
}

pub fn student_failure(raw_reason: &str) -> StudentFailure {
    let reason = raw_reason.to_lowercase();
    let (message, advice) = if reason.contains("no speech") || reason.contains("silent") {
        (
            "No speech was found in your recording.",
            "Upload a video with sound: check that your microphone was on.",
        )
    } else if reason.contains("missing from the server") {
        (
            "Your recording was lost on the server.",
            "Please upload it again.",
        )
    } else if reason.contains("too long for the model") {
        (
            "Your recording is too long to be graded automatically.",
            "Tell your instructor, who can grade it by hand.",
        )
    } else if reason.contains("speech-to-text") {
        (
            "We could not transcribe your recording; this was a problem on our side.",
            "Upload it again, or tell your instructor.",
        )
    } else if reason.contains("evaluation") || reason.contains("engine") {
        (
            "We could not grade your recording automatically; this was a problem on our side.",
            "Tell your instructor, or upload it again.",
        )
    } else {
        (
            "We could not process your recording.",
            "Upload your video again; if it fails again, tell your instructor.",
        )
    };
    StudentFailure { message, advice }
}

impl SubmissionService {
    /// Queues a submission at the tail of the FIFO. Call
    /// [`crate::status::SchedulerHandle::notify_queued`] after it (after the commit, in a
    /// transaction that queues several at once).
    pub async fn enqueue(
        db: &impl ConnectionTrait,
        new: NewSubmission,
    ) -> Result<submission::Model, DomainError> {
        let attempt = Self::attempts_used(db, new.student_id, new.lab_session_id).await? + 1;
        Self::insert(db, new, attempt).await
    }

    /// Uploads `student` made to `lab`, counting those replaced while still queued.
    pub async fn attempts_used(
        db: &impl ConnectionTrait,
        student: i32,
        lab: i32,
    ) -> Result<i64, DomainError> {
        let latest: Option<i32> = submission::Entity::find()
            .select_only()
            .column_as(submission::Column::Attempt.max(), "latest")
            .filter(submission::Column::StudentId.eq(student))
            .filter(submission::Column::LabSessionId.eq(lab))
            .into_tuple::<Option<i32>>()
            .one(db)
            .await?
            .flatten();
        Ok(latest.map_or(0, i64::from))
    }

    async fn insert(
        db: &impl ConnectionTrait,
        new: NewSubmission,
        attempt: i64,
    ) -> Result<submission::Model, DomainError> {
        let now = Utc::now();
        Ok(submission::ActiveModel {
            student_id: Set(new.student_id),
            lab_session_id: Set(new.lab_session_id),
            original_name: Set(new.original_name),
            media_path: Set(new.media_path),
            media_sha256: Set(new.media_sha256),
            audio_path: Set(new.audio_path),
            duration_ms: Set(new.duration_ms),
            attempt: Set(i32::try_from(attempt).unwrap_or(i32::MAX)),
            state: Set(SubmissionState::Queued),
            batch_id: Set(None),
            stt_crashes: Set(0),
            eval_crashes: Set(0),
            failure_reason: Set(None),
            rerun_by: Set(None),
            rerun_reason: Set(None),
            queued_at: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?)
    }

    /// A student's new attempt. While their previous attempt for the same lab session is
    /// still waiting in the queue it is replaced (its row goes; its files are returned for
    /// deletion); once processing started, the new attempt joins the queue beside it and
    /// the latest counts. A queued re-run is never replaced: it holds a transcript and
    /// evaluations that an upload must not take with it. Returns the new row and the files no
    /// longer needed.
    pub async fn submit(
        db: &DatabaseConnection,
        new: NewSubmission,
    ) -> Result<(submission::Model, Vec<String>), DomainError> {
        let tx = crate::db::begin_write(db).await?;
        // Counted before the queued attempts it replaces go, so the count never falls.
        let attempt = Self::attempts_used(&tx, new.student_id, new.lab_session_id).await? + 1;
        let replaced = submission::Entity::find()
            .filter(submission::Column::StudentId.eq(new.student_id))
            .filter(submission::Column::LabSessionId.eq(new.lab_session_id))
            .filter(submission::Column::State.eq(SubmissionState::Queued))
            .filter(submission::Column::RerunBy.is_null())
            .all(&tx)
            .await?;
        let mut stale = Vec::new();
        for old in replaced {
            stale.extend(old.media_path.clone());
            stale.push(old.audio_path.clone());
            submission::Entity::delete_by_id(old.id).exec(&tx).await?;
        }
        let created = Self::insert(&tx, new, attempt).await?;
        tx.commit().await?;
        Ok((created, stale))
    }
}
