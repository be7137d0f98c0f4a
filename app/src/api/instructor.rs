//! An instructor's lab sessions: list, edit (with the rubric), close and reopen, and the
//! results table. Each function works only on the caller's own lab sessions; another
//! instructor's reads as not found.

// A server function's arguments are its form's fields, one each; the lab session form has
// eight, and the macro's generated client function is linted too.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::AppError;
use crate::labs::{LabBoard, LabForm, LabSummary};

#[server(prefix = "/api", endpoint = "instructor/labs")]
pub async fn taught_lab_sessions() -> Result<Vec<LabSummary>, AppError> {
    use domain::labs::LabSessionService;
    use domain::results::ResultService;

    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    let mut out = Vec::new();
    for lab in LabSessionService::for_owner(db, user.id).await? {
        let submissions = ResultService::newest_per_student(db, lab.id).await?.len();
        out.push(LabSummary {
            id: lab.id,
            title: lab.title,
            open: lab.open,
            submissions: u32::try_from(submissions).unwrap_or(u32::MAX),
        });
    }
    Ok(out)
}

#[server(prefix = "/api", endpoint = "instructor/lab")]
pub async fn lab_session_form(id: i32) -> Result<LabForm, AppError> {
    use domain::entities::lab_session::ReleaseMode;
    use domain::labs::{LabSessionService, format_deadline};

    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    let lab = LabSessionService::owned(db, user.id, id).await?;
    Ok(LabForm {
        id: lab.id,
        title: lab.title,
        instructions: lab.instructions,
        release_mode: match lab.release_mode {
            ReleaseMode::Automatic => "automatic".into(),
            ReleaseMode::AfterReview => "review".into(),
        },
        join_code: lab.join_code.unwrap_or_default(),
        language: lab.language,
        deadline: lab.deadline.map(format_deadline).unwrap_or_default(),
        open: lab.open,
        criteria: lab.rubric.criteria,
    })
}

/// Creates (`id` 0) or changes a lab session. `criteria` is the rubric as JSON: a list of
/// `{name, description, max_points}`. Every broken rule comes back at its field; a changed
/// rubric becomes a new version.
#[server(prefix = "/api", endpoint = "instructor/lab/save")]
pub async fn save_lab_session(
    id: i32,
    title: String,
    instructions: String,
    release_mode: String,
    join_code: String,
    language: String,
    deadline: String,
    criteria: String,
) -> Result<i32, AppError> {
    use domain::labs::{LabSessionForm, LabSessionService, NewLabSession};

    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    let fields = NewLabSession::parse(LabSessionForm {
        title,
        instructions,
        release_mode,
        join_code,
        language,
        deadline,
        criteria,
    })
    .map_err(domain::DomainError::Invalid)?;
    let saved = if id == 0 {
        LabSessionService::create(db, user.id, fields).await?
    } else {
        LabSessionService::update(db, user.id, id, fields).await?
    };
    Ok(saved.id)
}

#[server(prefix = "/api", endpoint = "instructor/lab/open")]
pub async fn set_lab_session_open(id: i32, open: bool) -> Result<(), AppError> {
    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    domain::labs::LabSessionService::set_open(db, user.id, id, open).await?;
    Ok(())
}

/// The review list of a lab session, most urgent first (its owner's or an admin's).
#[server(prefix = "/api", endpoint = "instructor/lab/results")]
pub async fn lab_results(id: i32) -> Result<LabBoard, AppError> {
    use crate::labs::BoardRowView;
    use domain::review::{Flag, review_list};
    use sea_orm::ActiveEnum;

    let user = crate::guard::require_role(crate::dto::Role::Instructor).await?;
    let db = &crate::guard::server_context()?.db;
    let lab = domain::access::managed_lab(db, (&user).into(), id).await?;
    let names: Vec<String> = lab.rubric.criteria.iter().map(|c| c.name.clone()).collect();
    let rows = review_list(db, lab.id)
        .await?
        .into_iter()
        .map(|row| BoardRowView {
            submission_id: row.submission.id,
            student: row.student.display_name.clone(),
            state: row.submission.state.to_value(),
            grade_state: crate::review::view::state_value(row.state),
            flags: row.flags.iter().map(Flag::describe).collect(),
            open_regrades: row.open_regrades,
            // Shown under the current rubric's criteria; a criterion the grade's (older)
            // rubric did not have stays empty, and the row says which version it used.
            points: names.iter().map(|n| row.points_of(n)).collect(),
            total: row.total(),
            rubric_version: row.evaluation.as_ref().map(|e| e.rubric_version),
        })
        .collect();
    Ok(LabBoard {
        criteria: names,
        rubric_version: lab.rubric_version,
        rows,
    })
}
