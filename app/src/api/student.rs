//! A student's lab sessions and their own submissions. Every function checks the caller, and
//! a submission of someone else reads as not found (its existence is not confirmed).

use leptos::prelude::*;

use crate::AppError;
use crate::labs::{StudentLab, SubmissionView};

#[server(prefix = "/api", endpoint = "student/labs")]
pub async fn my_lab_sessions() -> Result<Vec<StudentLab>, AppError> {
    use crate::labs::AttemptSummary;
    use domain::labs::LabSessionService;
    use domain::results::ResultService;
    use sea_orm::ActiveEnum;

    let user = crate::guard::require_role(crate::dto::Role::Student).await?;
    let context = crate::guard::server_context()?;
    let db = &context.db;
    let labs = LabSessionService::visible_to(db, user.id).await?;
    let attempts = ResultService::latest_attempts(db, user.id).await?;
    Ok(labs
        .into_iter()
        .map(|lab| {
            let latest = attempts
                .iter()
                .find(|s| s.lab_session_id == lab.id)
                .map(|s| AttemptSummary {
                    submission_id: s.id,
                    file_name: s.original_name.clone(),
                    state: s.state.to_value(),
                });
            StudentLab {
                id: lab.id,
                title: lab.title,
                instructions: lab.instructions,
                criteria: lab.rubric.criteria,
                latest,
                max_recording_secs: context.max_recording_secs,
            }
        })
        .collect())
}

/// Joins the lab session with this join code; returns its title.
#[server(prefix = "/api", endpoint = "student/join")]
pub async fn join_lab_session(code: String) -> Result<String, AppError> {
    let user = crate::guard::require_role(crate::dto::Role::Student).await?;
    let ctx = crate::guard::server_context()?;
    // Counted before the lookup, like a login attempt; a right code takes the count back.
    let key = [format!("join:{}", user.id)];
    // A wrong code keeps its count; a right one clears them all below.
    let _attempt = ctx
        .join_throttle
        .try_attempt(&key)
        .map_err(|retry_after| domain::DomainError::Throttled { retry_after })?;
    let lab = domain::labs::LabSessionService::join(&ctx.db, user.id, &code).await?;
    ctx.join_throttle.clear(&key);
    Ok(lab.title)
}

/// One submission: the caller's own, or (for its lab's instructor and admins) one they may
/// see by `domain::access`; anyone else's reads as not found.
#[server(prefix = "/api", endpoint = "student/submission")]
pub async fn my_submission(id: i32) -> Result<SubmissionView, AppError> {
    let user = crate::guard::require_role(crate::dto::Role::Student).await?;
    let db = &crate::guard::server_context()?.db;
    let detail = domain::access::visible_submission(db, (&user).into(), id).await?;
    let for_student = detail.submission.student_id == user.id;
    let regrades = domain::review::RegradeService::of_submission(db, id).await?;
    Ok(crate::labs::view::submission_view(
        detail,
        for_student,
        regrades,
    ))
}
