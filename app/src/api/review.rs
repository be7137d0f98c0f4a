//! Reviewing and releasing grades: only the lab session's instructor and admins
//! (`domain::access::managed_submission`); anyone else reads as not found. A student's one
//! function here is asking for a regrade of their own released grade.

use leptos::prelude::*;

use crate::AppError;
use crate::review::{LabInsights, ReviewPage};

#[server(prefix = "/api", endpoint = "review/submission")]
pub async fn review_submission(id: i32) -> Result<ReviewPage, AppError> {
    use domain::review::{RegradeService, ReviewService, review_list};

    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    let detail = domain::access::managed_submission(db, (&user).into(), id).await?;
    let list = review_list(db, detail.lab.id).await?;
    let history = ReviewService::history(db, id).await?;
    let regrades = RegradeService::of_submission(db, id).await?;
    Ok(crate::review::view::review_page(db, detail, &list, history, regrades).await?)
}

/// Saves the instructor's grade. `grade` is a [`crate::review::GradeForm`] as JSON.
#[server(prefix = "/api", endpoint = "review/save")]
pub async fn save_review(id: i32, grade: String) -> Result<(), AppError> {
    use domain::review::ReviewService;

    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    domain::access::managed_submission(db, (&user).into(), id).await?;
    let form: crate::review::GradeForm = serde_json::from_str(&grade)
        .map_err(|_| domain::DomainError::invalid("grade", "The grade could not be read."))?;
    ReviewService::save_points(db, user.id, id, form.points, form.comments, form.feedback).await?;
    crate::guard::server_context()?.scheduler.grades_changed();
    Ok(())
}

/// Takes the AI's draft as the instructor's grade, unchanged.
#[server(prefix = "/api", endpoint = "review/accept")]
pub async fn accept_ai_draft(id: i32) -> Result<(), AppError> {
    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    domain::access::managed_submission(db, (&user).into(), id).await?;
    domain::review::ReviewService::accept_draft(db, user.id, id).await?;
    crate::guard::server_context()?.scheduler.grades_changed();
    Ok(())
}

/// Releases one reviewed grade; returns how many were released (0 or 1).
#[server(prefix = "/api", endpoint = "review/release")]
pub async fn release_grade(id: i32) -> Result<u32, AppError> {
    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    domain::access::managed_submission(db, (&user).into(), id).await?;
    let released = domain::review::ReviewService::release(db, user.id, &[id]).await?;
    crate::guard::server_context()?.scheduler.grades_changed();
    Ok(released)
}

/// Releases every reviewed grade of a lab session; returns how many.
#[server(prefix = "/api", endpoint = "review/release-all")]
pub async fn release_all_reviewed(lab: i32) -> Result<u32, AppError> {
    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    domain::access::managed_lab(db, (&user).into(), lab).await?;
    let released = domain::review::ReviewService::release_all(db, user.id, lab).await?;
    crate::guard::server_context()?.scheduler.grades_changed();
    Ok(released)
}

#[server(prefix = "/api", endpoint = "review/answer-regrade")]
pub async fn answer_regrade(id: i32, request: i32, answer: String) -> Result<(), AppError> {
    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    domain::access::managed_submission(db, (&user).into(), id).await?;
    domain::review::RegradeService::answer(db, user.id, id, request, &answer).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "review/insights")]
pub async fn lab_charts(lab: i32) -> Result<LabInsights, AppError> {
    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    let lab = domain::access::managed_lab(db, (&user).into(), lab).await?;
    let rows = domain::review::review_list(db, lab.id).await?;
    Ok(crate::review::view::insights(&rows, &lab.rubric))
}

/// A student asks for a second look at one criterion of their own released grade.
#[server(prefix = "/api", endpoint = "student/regrade")]
pub async fn request_regrade(id: i32, criterion: String, note: String) -> Result<(), AppError> {
    let user = crate::guard::require_role(crate::dto::Role::Student).await?;
    let db = &crate::guard::server_context()?.db;
    domain::review::RegradeService::request(db, user.id, id, &criterion, &note).await?;
    Ok(())
}
